#!/usr/bin/env bash
# Fraud and anomaly profiling on a synthetic transaction log with labelled fraud (issue 19).
# Every metric printed here is measured on the synthetic generator (heatctl fraud generate),
# not on real-world data. Docs/Analytics.md ("Fraud and anomaly profiling") explains each model.
#
# Runs from any folder:  Examples/fraud-profile.sh
# Uses "${HEATCTL:-.build/release/heatctl}" and writes only under "${OUT:-$(mktemp -d)}".
set -euo pipefail
cd "$(dirname "$0")/.."
HEATCTL="${HEATCTL:-.build/release/heatctl}"
OUT="${OUT:-$(mktemp -d)}"
mkdir -p "$OUT"

"$HEATCTL" fraud generate --customers 3000 --days 60 --seed 7 --out "$OUT/transactions.csv"
# Profiles: amount statistics, frequency, time-of-day and weekday mix, new counterparties,
# k-means segment and isolation-forest anomaly score per customer.
"$HEATCTL" fraud profile --transactions "$OUT/transactions.csv" --k 4 --out "$OUT/profiles.csv"
# Hybrid classifier (anomaly score + logistic regression) against the supervised model alone,
# 5-fold cross-validated; alerts with reasons.
"$HEATCTL" fraud score --transactions "$OUT/transactions.csv" --save-model "$OUT/fraud.model" \
    --metrics-out "$OUT/fraud-metrics.json" --out "$OUT/alerts.csv"
grep -m 5 ',true,' "$OUT/alerts.csv" || true
# Bad rows are named (file, line, column, field) and the good ones kept; exit 65 after the work.
{ head -2000 "$OUT/transactions.csv"; echo "CUST9,yesterday,12,card,P1,0"; } > "$OUT/bad.csv"
set +e
"$HEATCTL" fraud profile --transactions "$OUT/bad.csv" --k 2 --out "$OUT/bad-profiles.csv"
status=$?
set -e
[ "$status" -eq 65 ] && echo "bad row: exit 65 as documented"
