#!/usr/bin/env bash
# Churn prediction on the IBM Telco customer churn sample (7,043 customers), compared with the
# scikit-learn / XGBoost reference on identical folds (Examples/data/README.md, Docs/ML.md).
#
# Run from the repository root:  Examples/ml-telco-churn.sh
# Uses "${HEATCTL:-.build/release/heatctl}" and writes only under "${OUT:-$(mktemp -d)}".
set -euo pipefail

HEATCTL="${HEATCTL:-.build/release/heatctl}"
OUT="${OUT:-$(mktemp -d)}"
DATA=Examples/data/telco_churn.csv
FOLDS=Examples/data/telco_churn_folds.csv
mkdir -p "$OUT"

# 1. Logistic regression (C=1, one-hot + standard scaling), 5-fold CV on the reference folds
#    (reference mean ROC-AUC 0.8450), then a final fit on all rows saved as a model envelope.
"$HEATCTL" ml train --data "$DATA" --target churn --positive Yes --model logistic \
    --folds "$FOLDS" --out "$OUT/churn-logistic.model" --metrics-out "$OUT/churn-logistic.json"

# 2. Gradient-boosted trees (depth 4, 100 rounds, eta 0.3, lambda 1, 256 histogram bins),
#    same folds (XGBoost hist reference mean ROC-AUC 0.8320). --json prints the same report as
#    one JSON document on stdout ({"cv": {"folds": [...], "mean": {...}, "std": {...}}, ...}).
"$HEATCTL" ml train --data "$DATA" --target churn --positive Yes --model gbdt \
    --folds "$FOLDS" --seed 42 --out "$OUT/churn-gbdt.model" --json > "$OUT/churn-gbdt.json"
echo "gbdt report: $OUT/churn-gbdt.json ($(wc -c < "$OUT/churn-gbdt.json") bytes)"

# 3. Evaluate the saved model on the labelled file (training rows: an optimistic number).
"$HEATCTL" ml evaluate --model "$OUT/churn-gbdt.model" --data "$DATA" --target churn --positive Yes

# 4. Score the raw CSV: the output is the input rows in order plus a `probability` column.
"$HEATCTL" ml predict --model "$OUT/churn-logistic.model" --data "$DATA" --out "$OUT/churn-predictions.csv"
head -3 "$OUT/churn-predictions.csv"
echo "outputs in $OUT"
