#!/usr/bin/env bash
# Next actions from a prioritised rule file (issue 19): the retail default rules on scored telco
# customers, then the bank-relationship rules on a small hand-made scored file.
#
# Runs from any folder:  Examples/risk-recommend.sh
# Uses "${HEATCTL:-.build/release/heatctl}" and writes only under "${OUT:-$(mktemp -d)}".
set -euo pipefail
cd "$(dirname "$0")/.."
HEATCTL="${HEATCTL:-.build/release/heatctl}"
OUT="${OUT:-$(mktemp -d)}"
mkdir -p "$OUT"

"$HEATCTL" risk fit --data Examples/data/telco_churn.csv --target churn --positive Yes --model logistic \
    --folds Examples/data/telco_churn_folds.csv --no-evaluate --quiet --out "$OUT/churn.risk"
# Score and recommend in one step: rules can test risk_band, risk_score and any input column.
"$HEATCTL" risk recommend --rules Examples/risk/retail-actions.json --model "$OUT/churn.risk" \
    --data Examples/data/telco_churn.csv --out "$OUT/actions.csv"

# Bank relationships: rules on the band, the cooling flag and the weeks since the last meeting.
cat > "$OUT/relationships.csv" <<'CSV'
client,risk_band,risk_score,cooling,weeks_since_meeting
C-01,High,82,true,3
C-02,High,75,false,15
C-03,Medium,55,false,14
C-04,Medium,48,false,2
C-05,Low,12,true,30
CSV
"$HEATCTL" risk recommend --rules Examples/risk/bank-actions.json --data "$OUT/relationships.csv" --out "$OUT/relationship-actions.csv"
cat "$OUT/relationship-actions.csv"

# A broken rule file is refused with exit 78, naming the rule and the field.
sed 's/"priority": "high"/"priority": "urgent"/' Examples/risk/bank-actions.json > "$OUT/broken.json"
set +e
"$HEATCTL" risk recommend --rules "$OUT/broken.json" --data "$OUT/relationships.csv" --out "$OUT/x.csv"
status=$?
set -e
[ "$status" -eq 78 ] && echo "broken rule file: exit 78 as documented"
