#!/usr/bin/env bash
# Customer segments, unusual customers and explained churn scores on the IBM Telco sample
# (7,043 customers) and the CDNOW per-customer table (23,570 customers). Docs/ML.md explains each
# step; the reference numbers come from shared/datasets/REFERENCE.md (scikit-learn 1.9.1).
#
# Run from the repository root:  Examples/ml-segments.sh
# Uses "${HEATCTL:-.build/release/heatctl}" and writes only under "${OUT:-$(mktemp -d)}".
set -euo pipefail

HEATCTL="${HEATCTL:-.build/release/heatctl}"
OUT="${OUT:-$(mktemp -d)}"
TELCO=Examples/data/telco_churn.csv
CDNOW=Examples/data/cdnow_customers.csv
mkdir -p "$OUT"

# 1. Segments: k-means with k=4 on the telco table's nine numeric columns (median-imputed and
#    standardised; `churn` is text, so it is left out). k-means++ starts, best of 10 by inertia.
#    scikit-learn reference: inertia 37961.59, silhouette 0.2213, sizes 2920/1964/1477/682.
#    The text output lists each cluster's size and its three most distinctive standardised traits.
"$HEATCTL" ml cluster --data "$TELCO" --k 4 --seed 42 --out "$OUT/telco-segments.csv"

# 2. The same run as one JSON document (inertia, silhouette, sizes, standardised centres):
#    cluster 0 is always the largest; `cluster` is appended to every input row, in order.
"$HEATCTL" ml cluster --data "$TELCO" --k 4 --seed 42 --out "$OUT/telco-segments.csv" --json --quiet \
    > "$OUT/telco-segments.json"
echo "segment summary: $OUT/telco-segments.json"

# 3. Churn rate per segment, straight from the assignments file (churn is column 1, cluster the last).
awk -F, 'NR > 1 { n[$NF]++; if ($1 == "Yes") y[$NF]++ }
         END { for (c in n) printf "  segment %s: %4d customers, churn %.1f%%\n", c, n[c], 100 * y[c] / n[c] }' \
    "$OUT/telco-segments.csv" | sort

# 4. Unusual customers: an Isolation Forest (100 trees of 256 rows) on the CDNOW table's 11
#    numeric columns. The target and the fold column are not features (--ignore); customer_id is a
#    zero-padded identifier and is skipped by itself. With contamination auto a row is flagged when
#    its score 2^(-E[h]/c(256)) exceeds 0.5.
"$HEATCTL" ml anomalies --data "$CDNOW" --ignore repeat_in_holdout --ignore cv_fold --seed 42 \
    --out "$OUT/cdnow-anomalies.csv"

# 5. The five most unusual customers (highest anomaly_score, the second-to-last column).
echo "most unusual CDNOW customers (customer_id, transactions, spend, score):"
#    (awk reads the whole sorted stream rather than `head`, so pipefail sees no SIGPIPE.)
awk -F, 'NR > 1 { print $(NF-1) "," $1 "," $2 "," $8 }' "$OUT/cdnow-anomalies.csv" | sort -t, -k1,1gr \
    | awk -F, 'NR <= 5 { printf "  %s  %3s transactions  $%8s  score %.3f\n", $2, $3, $4, $1 }'

# 6. Explained churn scores: a small GBDT, then `predict --explain 3` adds expected_log_odds and,
#    per row, the three input columns with the largest TreeSHAP contribution to the log-odds
#    (feature_K names the column with the customer's own value, "contract = One year";
#    contribution_K; effect_K, raises or lowers the churn probability). Over all columns the
#    contributions plus expected_log_odds equal logit(probability) exactly.
"$HEATCTL" ml train --data "$TELCO" --target churn --positive Yes --model gbdt --rounds 50 --seed 42 \
    --out "$OUT/churn-gbdt.model" --quiet > /dev/null
"$HEATCTL" ml predict --model "$OUT/churn-gbdt.model" --data "$TELCO" --explain 3 --out "$OUT/churn-explained.csv"
echo "first explained rows (probability, then the top three contributions):"
awk -F, 'NR > 1 && NR <= 4 { printf "  p=%.3f  %s (%s, %+.3f); %s (%s, %+.3f); %s (%s, %+.3f)\n", $(NF-10), $(NF-8), $(NF-6), $(NF-7), $(NF-5), $(NF-3), $(NF-4), $(NF-2), $NF, $(NF-1) }' \
    "$OUT/churn-explained.csv"
echo "outputs in $OUT"
