#!/bin/sh
# One command for the HeatFHE vs Microsoft SEAL comparison of Docs/Performance.md (issue 16):
#   Scripts/bench-fhe-vs-seal.sh [OUT_DIR]
# Runs `heatctl bench fhe --json` or `heat-fhe-bench bfv` (n4096 and n8192-logq217-logt25), SEAL with its default moduli and
# with HeatFHE's exact moduli (Scripts/bench_seal_bfv.py, seal-python in $SEAL_PYTHON, default
# /work/venv-fhe3/bin/python), OpenFHE (Scripts/bench_openfhe_bfv.py) when $OPENFHE_PYTHON names a
# Python 3.10 with the openfhe wheel, and prints the side-by-side tables.
# The peers run PEER_RUNS times (default 3), interleaved with ours: ours, peers run 1, ours, peers
# run 2, ..., ours (PEER_RUNS + 1 runs of ours). Each library's figure is its median over its runs
# with the range, so one slow (or fast) peer run neither flatters nor hurts the ratio; the table
# also gives our median against the peer's fastest run ("best"). Files: OUT/heat-<k>.json
# (k = 0..PEER_RUNS) and OUT/peers-<k>/ (k = 1..PEER_RUNS); the tables go to stdout.
# Environment: HEAT_FHE_BENCH (the native runner `heat-fhe-bench`, e.g.
# .build-fhe-native/release/heat-fhe-bench; when set it is used instead of heatctl, same JSON),
# HEATCTL (default .build/release/heatctl), MIN_TIME (peers, default 0.5), MIN_SECONDS (ours, 0.5),
# PEER_RUNS (default 3; 1 gives the old single comparison, ours before and after the peers),
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
RUNS=${PEER_RUNS:-3}
case "$RUNS" in
    ''|*[!0-9]*|0) echo "error: PEER_RUNS must be a positive integer, got '$RUNS'" >&2; exit 64 ;;
esac
mkdir -p "$OUT"
echo "HeatFHE binary: $ours" >&2
echo "peer runs: $RUNS" >&2
echo "load average before: $(cat /proc/loadavg)" >&2
heat_bench > "$OUT/heat-0.json"
HEAT_FILES="$OUT/heat-0.json"
PEER_FILES=""
k=1
while [ "$k" -le "$RUNS" ]; do
    PEERS="$OUT/peers-$k"
    mkdir -p "$PEERS"
    echo "peer run $k of $RUNS, load average $(cat /proc/loadavg)" >&2
    ( cd Scripts && OMP_NUM_THREADS=1 MIN_TIME=${MIN_TIME:-0.5} ANCHOR_OUT="$PEERS" "$PY" bench_seal_bfv.py 4096 8192 >&2 )
    ( cd Scripts && OMP_NUM_THREADS=1 MIN_TIME=${MIN_TIME:-0.5} ANCHOR_OUT="$PEERS" "$PY" bench_seal_bfv.py --ours 4096 8192 >&2 )
    PEER_FILES="$PEER_FILES $PEERS/results_seal_bfv_4096.json $PEERS/results_seal_bfv_4096_ours.json"
    PEER_FILES="$PEER_FILES $PEERS/results_seal_bfv_8192.json $PEERS/results_seal_bfv_8192_ours.json"
    if [ -n "${OPENFHE_PYTHON:-}" ]; then
        ( cd Scripts && OMP_NUM_THREADS=1 TAG=omp1 MIN_TIME=${MIN_TIME:-0.5} ANCHOR_OUT="$PEERS" "$OPENFHE_PYTHON" bench_openfhe_bfv.py n4096 n8192 >&2 )
        PEER_FILES="$PEER_FILES $PEERS/results_openfhe_bfv_n4096_omp1.json $PEERS/results_openfhe_bfv_n8192_omp1.json"
    fi
    heat_bench > "$OUT/heat-$k.json"
    HEAT_FILES="$HEAT_FILES $OUT/heat-$k.json"
    k=$((k + 1))
done
echo "load average after: $(cat /proc/loadavg)" >&2
echo "## HeatFHE ($((RUNS + 1)) runs) against the peers ($RUNS runs each): medians over the runs"
# shellcheck disable=SC2086  # the file lists are space-separated paths without spaces
python3 Scripts/compare_fhe_seal.py $HEAT_FILES $PEER_FILES
