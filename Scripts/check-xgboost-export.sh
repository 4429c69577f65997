#!/usr/bin/env bash
# Checks that models written by `heatctl ml export-xgboost` load in the `xgboost` Python package
# and predict what HeatML predicts: (1) a gbdt trained by heatctl on a numeric table with
# missing values, (2) the XGBoost fixture imported with `ml import-xgboost` and exported back
# (against XGBoost's own predictions). Skipped (exit 0) when no python with xgboost is found.
#   HEATCTL=.build/release/heatctl [PYTHON=/path/to/python] Scripts/check-xgboost-export.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/.."
HEATCTL="${HEATCTL:-$root/.build/release/heatctl}"
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c "import xgboost, numpy" >/dev/null 2>&1; then
  echo "$PYTHON has no xgboost: skipped (set PYTHON to a python with xgboost)"
  exit 0
fi
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
fixtures="$root/Tests/HeatMLTests/Fixtures/xgboost"

# 1. A HeatML-trained model on a numeric table with missing cells.
"$PYTHON" - "$OUT/train.csv" <<'PY'
import random, sys
random.seed(5)
with open(sys.argv[1], "w") as out:
    out.write("recency,frequency,spend,label\n")
    for i in range(1500):
        r, f, s = random.uniform(0, 365), random.randint(1, 30), random.lognormvariate(4, 1)
        miss = random.random() < 0.15
        score = -r / 120 + f / 8 + (1.2 if miss else 0) + random.gauss(0, 1)
        out.write(f"{r:.2f},{f},{'' if miss else f'{s:.2f}'},{1 if score > 0.5 else 0}\n")
PY
"$HEATCTL" ml train --data "$OUT/train.csv" --target label --model gbdt --rounds 40 --out "$OUT/heatml.model" --quiet > /dev/null
"$HEATCTL" ml predict --model "$OUT/heatml.model" --data "$OUT/train.csv" --out "$OUT/heatml-predictions.csv" --quiet
"$HEATCTL" ml export-xgboost "$OUT/heatml.model" --out "$OUT/heatml.json" --quiet
"$PYTHON" "$here/check-xgboost-export.py" "$OUT/heatml.json" "$OUT/train.csv" "$OUT/heatml-predictions.csv" 1e-5

# 2. XGBoost's own model through HeatML and back: XGBoost must still predict its own numbers.
"$HEATCTL" ml import-xgboost "$fixtures/binary.json" --out "$OUT/imported.model" --quiet
"$HEATCTL" ml export-xgboost "$OUT/imported.model" --out "$OUT/roundtrip.json" --quiet
"$PYTHON" "$here/check-xgboost-export.py" "$OUT/roundtrip.json" "$fixtures/binary_data.csv" "$fixtures/binary_predictions.json" 1e-7
echo "xgboost export check: ok"
