#!/usr/bin/env bash
# CustomerHeat, plaintext walk-through: generate a synthetic bank, score it, tune the heat model.
#
# Run from the repository root after `swift build -c release`:
#   bash Examples/demo-plaintext.sh
# Everything is written under $OUT (a fresh temporary folder unless given).
set -euo pipefail

HEATCTL="${HEATCTL:-.build/release/heatctl}"
OUT="${OUT:-$(mktemp -d)}"
mkdir -p "$OUT"
echo "# writing under $OUT"

# 1. A synthetic bank: 500 clients, 20 managers, 4 branches, one year of interactions.
#    Same seed, same bytes on any machine (the period ends at a fixed week, not today).
"$HEATCTL" generate --clients 500 --managers 20 --branches 4 --weeks 52 --seed 7 \
  --out "$OUT/interactions.csv" --clients-out "$OUT/clients.csv" --labels-out "$OUT/labels.csv"
head -3 "$OUT/interactions.csv"

# 2. Determinism: a second run with the same arguments gives identical bytes.
"$HEATCTL" generate --clients 500 --managers 20 --branches 4 --weeks 52 --seed 7 --out "$OUT/again.csv" --quiet >/dev/null
cmp "$OUT/interactions.csv" "$OUT/again.csv" && echo "# generator is byte-for-byte deterministic"

# 3. Score with the default heat model (Docs/HeatModel.md). --out writes one row per client
#    with the file's own ids: client_id,heat,trend,level,cooling.
"$HEATCTL" heat "$OUT/interactions.csv" --clients "$OUT/clients.csv" --out "$OUT/scores.csv"
head -5 "$OUT/scores.csv"

# 4. The same as a results document (DESIGN.md section 7): population, histogram, weekly
#    events per channel, groups of at least 5 clients with masked manager / branch refs.
"$HEATCTL" heat "$OUT/interactions.csv" --clients "$OUT/clients.csv" --json > "$OUT/results.json"
grep -E '"(clients|cooling|meanHeat)"' "$OUT/results.json" | head -3

# 5. A custom model: shorter half-life, heavier meetings and replies, lower thresholds.
#    Absent keys keep their defaults; a typo in a key fails with exit 78 naming the key.
cp Examples/data/heat-custom.json "$OUT/heat.json"
"$HEATCTL" heat "$OUT/interactions.csv" --clients "$OUT/clients.csv" --config "$OUT/heat.json" --out "$OUT/scores-custom.csv"

# 6. Score as of an earlier date: heat only looks at weeks up to the as-of week.
"$HEATCTL" heat "$OUT/interactions.csv" --as-of 2025-12-31

# 7. A bad configuration is refused with exit 78 and the key at fault.
echo '{"levels": {"warmm": 1}}' > "$OUT/typo.json"
set +e
"$HEATCTL" heat "$OUT/interactions.csv" --config "$OUT/typo.json"
status=$?
set -e
[ "$status" -eq 78 ] && echo "# bad configuration refused with exit 78"
