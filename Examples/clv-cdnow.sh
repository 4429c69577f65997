#!/usr/bin/env bash
# Customer value on the CDNOW cohort: BG/NBD purchases, probability alive, Gamma-Gamma spend and
# 12-month CLV, with the holdout check per frequency group (Docs/Analytics.md).
#
# Runs from any folder:  bash Examples/clv-cdnow.sh
# Uses "${HEATCTL:-<repo>/.build/release/heatctl}" and writes only under "${OUT:-$(mktemp -d)}".
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HEATCTL="${HEATCTL:-$ROOT/.build/release/heatctl}"
OUT="${OUT:-$(mktemp -d)}"
mkdir -p "$OUT"
FULL="$ROOT/Examples/data/cdnow_transactions.csv"          # 69,659 purchases of 23,570 customers
SAMPLE="$ROOT/Examples/data/cdnow_sample_transactions.csv" # the 1/10 sample shipped in lifetimes

# 1. The published BG/NBD fit (Fader, Hardie & Lee 2005) on the 2,357-customer sample:
#    r = 0.2426, alpha = 4.414, a = 0.793, b = 2.426.
"$HEATCTL" clv fit --transactions "$SAMPLE" --amount-column dollar_value --calibration-end 1997-09-30

# 2. The full cohort: calibration 1997-01-01..09-30 (39 weeks), models saved as JSON.
"$HEATCTL" clv fit --transactions "$FULL" --amount-column dollar_value --calibration-end 1997-09-30 \
    --out "$OUT/cdnow-models.json"

# 3. How well the calibration fit forecasts the 39-week holdout, per calibration frequency.
"$HEATCTL" clv evaluate --transactions "$FULL" --amount-column dollar_value --calibration-end 1997-09-30

# 4. Per customer: expected purchases and purchase probability in the next 13 weeks, probability
#    alive, expected value per purchase and 12-month CLV at 1 % a month (ids keep their zeros).
"$HEATCTL" clv predict --transactions "$FULL" --amount-column dollar_value --horizon 13 \
    --model "$OUT/cdnow-models.json" --calibration-end 1997-09-30 --out "$OUT/cdnow-clv.csv"
head -4 "$OUT/cdnow-clv.csv"
echo "outputs in $OUT"
