#!/usr/bin/env bash
# The GPU acceptance run, in one call on a lent GPU machine (issue 7):
#   1. the CUDA test suite on the real device (tests marked `gpu`);
#   2. compare.py on --device cuda against PyTorch's CUDA eager mode.
#
# The shared benchmark does not travel with the repository, so copy it in
# first, beside the repo (ignored by git), and name it in the tool's carry:
#   mkdir -p .gpu && cp -r ../shared/bench .gpu/ && echo /.gpu/ >> .git/info/exclude
# then, through the device tool:
#   bash bench/gpu_check.sh            (carry: [".gpu"])
# Results land in $OUT (or ./gpu_out without the tool): tests.log, compare.txt, compare.json.
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:-gpu_out}
mkdir -p "$OUT"
PY=${PY:-python3}
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
BENCH=${BENCH:-.gpu/bench}

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/device.txt"
$PY -c "import cupy, numpy; print('cupy', cupy.__version__, 'numpy', numpy.__version__)" | tee -a "$OUT/device.txt"

echo "== GPU tests"
# CuPy compiles each new kernel on first use; spread that over the CPU cores
XDIST=$($PY -c "import xdist" 2>/dev/null && echo "-n 8")
timeout ${TEST_TIMEOUT:-300} $PY -m pytest -q -p no:cacheprovider -m gpu $XDIST --tb=short \
    tests/test_cuda*.py 2>&1 | tee "$OUT/tests.log" | tail -25

echo "== compare.py --device cuda"
timeout ${BENCH_TIMEOUT:-300} $PY "$BENCH/compare.py" --a "$PY -m ember run" --b "$PY" \
    --device cuda --rounds ${ROUNDS:-3} --timeout 120 --json "$OUT/compare.json" 2>&1 | tee "$OUT/compare.txt"
