#!/usr/bin/env bash
# Repeat-purchase prediction on the CDNOW cohort (23,570 customers): will a customer buy again
# in 1997-10..1998-06, from RFM features of 1997-01..09? Folds come from the table's own
# `cv_fold` column, identical to the scikit-learn / XGBoost reference (Docs/ML.md).
#
# Run from the repository root:  Examples/ml-cdnow-repeat.sh
# Uses "${HEATCTL:-.build/release/heatctl}" and writes only under "${OUT:-$(mktemp -d)}".
set -euo pipefail

HEATCTL="${HEATCTL:-.build/release/heatctl}"
OUT="${OUT:-$(mktemp -d)}"
DATA=Examples/data/cdnow_customers.csv
mkdir -p "$OUT"

# 1. customer_id is zero-padded ("00001"): it is read as an identifier and never a feature;
#    --type makes that explicit. --folds-column uses cv_fold as the folds and drops it as a feature.
#    Logistic regression reference mean ROC-AUC: 0.7709.
"$HEATCTL" ml train --data "$DATA" --target repeat_in_holdout --positive 1 --model logistic \
    --type customer_id=identifier --folds-column cv_fold --out "$OUT/repeat-logistic.model"

# 2. Gradient-boosted trees on the same folds (XGBoost hist reference mean ROC-AUC: 0.7644),
#    with the JSON report kept for later (cv per fold, mean, std, ROC / PR points, importances).
"$HEATCTL" ml train --data "$DATA" --target repeat_in_holdout --positive 1 --model gbdt \
    --type customer_id=identifier --folds-column cv_fold --out "$OUT/repeat-gbdt.model" \
    --metrics-out "$OUT/repeat-gbdt.json"

# 3. Score every customer; customer_id keeps its leading zeros in the output.
"$HEATCTL" ml predict --model "$OUT/repeat-gbdt.model" --data "$DATA" --out "$OUT/repeat-predictions.csv"
head -3 "$OUT/repeat-predictions.csv"
echo "outputs in $OUT"
