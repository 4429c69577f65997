#!/usr/bin/env bash
# Models in and out of HeatML (issue 18): import an XGBoost JSON model and score a CSV with it,
# export a HeatML model back to XGBoost's format, quantize models to integers for encrypted
# scoring (with the share of decisions unchanged), and label rows with persona rules.
# Docs/ML.md documents each format.
#
# Run from the repository root or anywhere:  Examples/ml-interop.sh
# Uses "${HEATCTL:-.build/release/heatctl}" and writes only under "${OUT:-$(mktemp -d)}".
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
HEATCTL="${HEATCTL:-$ROOT/.build/release/heatctl}"
OUT="${OUT:-$(mktemp -d)}"
XGB="$ROOT/Tests/HeatMLTests/Fixtures/xgboost"
TELCO="$ROOT/Examples/data/telco_churn.csv"
mkdir -p "$OUT"

# 1. An XGBoost 3.2 model (60 trees, binary:logistic, learned default directions for missing
#    values) becomes a HeatML model; `ml predict` then scores any CSV with its feature columns,
#    within 1e-6 of XGBoost's own probabilities.
"$HEATCTL" ml import-xgboost "$XGB/binary.json" --out "$OUT/xgb.model"
"$HEATCTL" ml predict --model "$OUT/xgb.model" --data "$XGB/binary_data.csv" --out "$OUT/xgb-scored.csv"
head -3 "$OUT/xgb-scored.csv"

# 2. A model that is not ours to import is refused with its reason (exit 65).
if "$HEATCTL" ml import-xgboost "$XGB/multiclass.json" --out "$OUT/never.model" 2> "$OUT/refusal.txt"; then
  echo "expected a refusal" >&2; exit 1
fi
echo "refused as expected: $(head -1 "$OUT/refusal.txt")"

# 3. A HeatML gbdt back to XGBoost's JSON (load it with xgboost.Booster(model_file=...)).
"$HEATCTL" ml train --data "$TELCO" --target churn --positive Yes --model gbdt --rounds 50 --out "$OUT/churn.model" --quiet > /dev/null
"$HEATCTL" ml export-xgboost "$OUT/churn.model" --out "$OUT/churn-xgboost.json"

# 4. Integer forms for encrypted scoring: 8-bit bins and leaves; the largest |score| bounds the
#    plaintext modulus; --data reports the share of rows whose decision is unchanged.
"$HEATCTL" ml quantize "$OUT/churn.model" --bits 8 --data "$TELCO" --out "$OUT/churn.q8"
"$HEATCTL" ml train --data "$TELCO" --target churn --positive Yes --model logistic --out "$OUT/churn-logistic.model" --quiet > /dev/null
"$HEATCTL" ml quantize "$OUT/churn-logistic.model" --bits 8 --data "$TELCO" --out "$OUT/churn-logistic.q8" --json

# 5. Personas: the built-in retail rules on a small shopper table, with the rule that fired.
"$HEATCTL" ml personas --data "$ROOT/Examples/personas/retail_shoppers.csv" --rules "$ROOT/Examples/personas/retail.json" --out "$OUT/shoppers-personas.csv"
head -4 "$OUT/shoppers-personas.csv"
