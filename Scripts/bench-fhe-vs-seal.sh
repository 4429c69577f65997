#!/bin/sh
# One command for the HeatFHE vs Microsoft SEAL comparison of Docs/Performance.md (issue 16):
#   Scripts/bench-fhe-vs-seal.sh [OUT_DIR]
# Runs `heatctl bench fhe --json` or `heat-fhe-bench bfv` (n4096 and n8192-logq217-logt25), SEAL with its default moduli and
# with HeatFHE's exact moduli (Scripts/bench_seal_bfv.py, seal-python in $SEAL_PYTHON, default
# /work/venv-fhe3/bin/python), OpenFHE (Scripts/bench_openfhe_bfv.py) when $OPENFHE_PYTHON names a
# Python 3.10 with the openfhe wheel, then ours again, and prints the side-by-side tables.
# Environment: HEAT_FHE_BENCH (the native runner `heat-fhe-bench`, e.g.
# .build-fhe-native/release/heat-fhe-bench; when set it is used instead of heatctl, same JSON),
# HEATCTL (default .build/release/heatctl), MIN_TIME (peers, default 0.5), MIN_SECONDS (ours, 0.5),
# OPENFHE_PYTHON (optional, e.g. a `python3.10 -m venv` with `pip install openfhe numpy`).
# The script builds nothing: build the binary first (Docs/Performance.md, "How a user gets the native numbers").
set -eu
cd "$(dirname "$0")/.."
OUT=${1:-/tmp/heat-fhe-bench}
HEATCTL=${HEATCTL:-.build/release/heatctl}
PY=${SEAL_PYTHON:-/work/venv-fhe3/bin/python}
# Our side: `heat-fhe-bench bfv` and `heatctl bench fhe --json` print the same JSON (same HeatFHETools entry point).
heat_bench() {
    if [ -n "${HEAT_FHE_BENCH:-}" ]; then
        "$HEAT_FHE_BENCH" bfv --preset n4096 --preset n8192-logq217-logt25 --min-seconds "${MIN_SECONDS:-0.5}"
    else
        "$HEATCTL" bench fhe --preset n4096 --preset n8192-logq217-logt25 --min-seconds "${MIN_SECONDS:-0.5}" --json
    fi
}
ours=${HEAT_FHE_BENCH:-$HEATCTL}
if [ ! -x "$ours" ]; then
    echo "error: $ours is not an executable; build it first (Docs/Performance.md, \"How a user gets the native numbers\") or set HEAT_FHE_BENCH / HEATCTL" >&2
    exit 66
fi
if [ ! -x "$PY" ]; then
    echo "error: SEAL_PYTHON $PY is not an executable Python with seal-python (see /work/shared/anchors/README.md)" >&2
    exit 66
fi
mkdir -p "$OUT"
echo "HeatFHE binary: $ours" >&2
echo "load average before: $(cat /proc/loadavg)" >&2
heat_bench > "$OUT/heat-before.json"
( cd Scripts && OMP_NUM_THREADS=1 MIN_TIME=${MIN_TIME:-0.5} ANCHOR_OUT="$OUT" "$PY" bench_seal_bfv.py 4096 8192 >&2 )
( cd Scripts && OMP_NUM_THREADS=1 MIN_TIME=${MIN_TIME:-0.5} ANCHOR_OUT="$OUT" "$PY" bench_seal_bfv.py --ours 4096 8192 >&2 )
OPENFHE_FILES=""
if [ -n "${OPENFHE_PYTHON:-}" ]; then
    ( cd Scripts && OMP_NUM_THREADS=1 TAG=omp1 MIN_TIME=${MIN_TIME:-0.5} ANCHOR_OUT="$OUT" "$OPENFHE_PYTHON" bench_openfhe_bfv.py n4096 n8192 >&2 )
    OPENFHE_FILES="$OUT/results_openfhe_bfv_n4096_omp1.json $OUT/results_openfhe_bfv_n8192_omp1.json"
fi
heat_bench > "$OUT/heat-after.json"
echo "load average after: $(cat /proc/loadavg)" >&2
for run in before after; do
    echo "## HeatFHE run $run SEAL"
    python3 Scripts/compare_fhe_seal.py "$OUT/heat-$run.json" "$OUT"/results_seal_bfv_4096.json \
        "$OUT"/results_seal_bfv_4096_ours.json "$OUT"/results_seal_bfv_8192.json "$OUT"/results_seal_bfv_8192_ours.json \
        $OPENFHE_FILES
done
