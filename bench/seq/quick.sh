#!/bin/sh
# quick in-process timing of workloads under ember: bench/seq/quick.sh lstm,lstm_attn [steps]
# env passes through (OPENBLAS_NUM_THREADS=1 is set here; add OPENBLAS_CORETYPE=... to try kernels)
W=${1:-lstm,lstm_attn,transformer,seq2seq}
S=${2:-3}
for w in $(echo $W | tr , ' '); do
  OPENBLAS_NUM_THREADS=1 python ${RUNNER:--m ember} run ../shared/bench/bench.py --workload $w --steps $S --threads 1 --inprocess --json /tmp/q_$$.json >/dev/null 2>/tmp/q_$$.err || { tail -3 /tmp/q_$$.err; continue; }
  python -c "
import json; r=json.load(open('/tmp/q_$$.json'))['results'][0]
print('%-12s train %8.1f  infer %8.1f  rss %5.0f' % (r['name'], r['train_cpu_ms'], r['infer_cpu_ms'], r['peak_rss_mb']))"
done
rm -f /tmp/q_$$.json /tmp/q_$$.err
