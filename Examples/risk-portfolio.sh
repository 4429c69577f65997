#!/usr/bin/env bash
# The population view of risk (issue 19): share at High risk, band distribution, concentration
# and change against the previous period by group, released through the example privacy policy
# (groups under k = 5 withheld), then rendered by `heatctl report`.
#
# Runs from any folder:  Examples/risk-portfolio.sh
# Uses "${HEATCTL:-.build/release/heatctl}" and writes only under "${OUT:-$(mktemp -d)}".
set -euo pipefail
cd "$(dirname "$0")/.."
HEATCTL="${HEATCTL:-.build/release/heatctl}"
OUT="${OUT:-$(mktemp -d)}"
mkdir -p "$OUT"

"$HEATCTL" risk fit --data Examples/data/telco_churn.csv --target churn --positive Yes --model logistic \
    --folds Examples/data/telco_churn_folds.csv --no-evaluate --quiet --out "$OUT/churn.risk"
"$HEATCTL" risk score --model "$OUT/churn.risk" --data Examples/data/telco_churn.csv --reasons 0 --quiet --out "$OUT/now.csv"
# A "previous period": the same customers scored with shorter tenure (six months earlier).
awk -F, 'BEGIN { OFS = "," } NR == 1 { for (i = 1; i <= NF; i++) if ($i == "tenure") t = i; print; next } { $t = ($t > 6 ? $t - 6 : 0); print }' \
    Examples/data/telco_churn.csv > "$OUT/before-input.csv"
"$HEATCTL" risk score --model "$OUT/churn.risk" --data "$OUT/before-input.csv" --reasons 0 --quiet --out "$OUT/before.csv"
# Telco has no branches: contracts stand in for segments and internet service for regions.
# (Branch labels must be masked B- references, or be masked with --keys keys/collector: a raw
# branch label is refused with exit 65, naming the line but never the label.)
"$HEATCTL" risk portfolio --scores "$OUT/now.csv" --previous "$OUT/before.csv" --policy Examples/policy.json \
    --role executive --group segment=contract --group region=internet_service --out "$OUT/portfolio.json"
set +e
"$HEATCTL" risk portfolio --scores "$OUT/now.csv" --policy Examples/policy.json --role executive \
    --group branch=payment_method --out "$OUT/raw-branches.json"
status=$?
set -e
[ "$status" -eq 65 ] && echo "raw branch labels: refused with exit 65 as documented"
# Why one customer scored as they did (all columns' contributions, largest first).
"$HEATCTL" risk explain --model "$OUT/churn.risk" --data Examples/data/telco_churn.csv --row 1 \
    --phrasing Examples/risk/telco-phrasing.json
"$HEATCTL" report "$OUT/portfolio.json" --out "$OUT/report"
"$HEATCTL" report "$OUT/portfolio.json" --format csv --out "$OUT/report-csv"
ls "$OUT/report" "$OUT/report-csv"
# A role the policy does not allow group figures is refused (exit 77).
set +e
"$HEATCTL" risk portfolio --scores "$OUT/now.csv" --policy Examples/policy.json --role auditor --out "$OUT/x.json"
status=$?
set -e
[ "$status" -eq 77 ] && echo "auditor: refused with exit 77 as documented"
