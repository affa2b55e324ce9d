#!/usr/bin/env bash
# The GPU acceptance run (issue 7) on a lent GPU machine:
#   tests  the CUDA test suite on the real device (tests marked `gpu`);
#   bench  compare.py --device cuda against PyTorch's CUDA eager mode.
#
# The shared benchmark does not travel with the repository: copy it first to
# .gpu/bench (git ignores .gpu/) and name .gpu in the device tool's carry:
#   mkdir -p .gpu && cp -r ../shared/bench .gpu/
# Then, through the device tool (one call, or one per phase on the warm
# machine when time is short; CuPy's kernel cache survives between calls):
#   bash bench/gpu_check.sh [tests|bench|all]          carry: [".gpu"]
# Results land in $OUT (./gpu_out without the tool): device.txt, tests.log,
# compare.txt, compare.json.
set -u
cd "$(dirname "$0")/.."
PHASE=${1:-all}
OUT=${OUT:-gpu_out}
mkdir -p "$OUT"
PY=${PY:-python3}
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
BENCH=${BENCH:-.gpu/bench}

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/device.txt"
$PY -c "import cupy, numpy; print('cupy', cupy.__version__, 'numpy', numpy.__version__)" | tee -a "$OUT/device.txt"

if [ "$PHASE" = tests ] || [ "$PHASE" = all ]; then
    echo "== GPU tests"
    # CuPy compiles each new kernel on first use: spread that over the CPU cores
    XDIST=$($PY -c "import xdist" 2>/dev/null && echo "-n 8")
    start=$SECONDS
    timeout ${TEST_TIMEOUT:-300} $PY -m pytest -q -p no:cacheprovider -m gpu $XDIST --tb=short \
        tests/test_cuda*.py tests/test_nn_parallel.py 2>&1 | tee "$OUT/tests.log" | tail -25
    echo "tests took $((SECONDS - start)) s"
fi

if [ "$PHASE" = bench ] || [ "$PHASE" = all ]; then
    echo "== compare.py --device cuda"
    start=$SECONDS
    timeout ${BENCH_TIMEOUT:-480} $PY "$BENCH/compare.py" --a "$PY -m ember run" --b "$PY" \
        --device cuda --rounds ${ROUNDS:-3} --timeout 120 --json "$OUT/compare.json" 2>&1 | tee "$OUT/compare.txt"
    echo "bench took $((SECONDS - start)) s"
fi
