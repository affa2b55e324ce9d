#!/bin/sh
# quick CPU-time check of workloads (default resnet cnn mlp) with ember, allocator tuned
# usage: sh bench/quick.sh [launcher] [workloads...]
L=${L:-"python bench/ember_tuned.py"}
W=${W:-"resnet cnn mlp"}
for w in $W; do
  OPENBLAS_NUM_THREADS=1 $L run ../shared/bench/bench.py --workload $w --threads 1 --steps ${S:-10} --json /tmp/quick_$$.json >/dev/null
  python -c "
import json; r=json.load(open('/tmp/quick_$$.json'))['results'][0]; print('%-8s train %7.2f infer %7.2f rss %4.0f'%(r['name'], r['train_cpu_ms'], r['infer_cpu_ms'], r['peak_rss_mb']))"
done
rm -f /tmp/quick_$$.json
