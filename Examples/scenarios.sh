#!/usr/bin/env bash
# Stress scenarios and relationship lifetimes on a synthetic bank (Docs/Analytics.md): the same
# shocks from an export and from the store, a custom shock file, the report, and proof that the
# store's bytes do not change.
#
# Runs from any folder:  bash Examples/scenarios.sh
# Uses "${HEATCTL:-<repo>/.build/release/heatctl}" and writes only under "${OUT:-$(mktemp -d)}".
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HEATCTL="${HEATCTL:-$ROOT/.build/release/heatctl}"
OUT="${OUT:-$(mktemp -d)}"
mkdir -p "$OUT"

# 1. A synthetic bank: 400 clients, 16 managers, 4 branches, 40 weeks.
"$HEATCTL" generate --clients 400 --managers 16 --branches 4 --weeks 40 --seed 7 \
    --out "$OUT/interactions.csv" --clients-out "$OUT/clients.csv" --quiet

# 2. Relationship lifetimes beside heat: expected contacts in 13 weeks and probability alive.
"$HEATCTL" clv predict --interactions "$OUT/interactions.csv" --horizon 13 --out "$OUT/lifetimes.csv"
head -3 "$OUT/lifetimes.csv"

# 3. The built-in scenarios, and a recession run on the export (no store needed).
"$HEATCTL" scenario list
"$HEATCTL" scenario run recession --data "$OUT/interactions.csv" --clients "$OUT/clients.csv" --seed 7 \
    --out "$OUT/recession.json"

# 4. The same portfolio in a store; an attrition wave read from the store (a copy of it).
"$HEATCTL" init --store "$OUT/heat.db" --quiet
"$HEATCTL" keys generate --out "$OUT/keys" --store "$OUT/heat.db" --quiet
"$HEATCTL" ingest "$OUT/interactions.csv" --clients "$OUT/clients.csv" --store "$OUT/heat.db" \
    --keys "$OUT/keys/collector" --plaintext --quiet
before=$(sha256sum "$OUT/heat.db" | cut -d' ' -f1)
"$HEATCTL" scenario run attrition-wave --store "$OUT/heat.db" --keys "$OUT/keys/keyholder" --seed 7 --out "$OUT/attrition.json"
"$HEATCTL" scenario run attrition-wave --store "$OUT/heat.db" --keys "$OUT/keys/keyholder" --seed 7 --out "$OUT/attrition-again.json" --quiet
after=$(sha256sum "$OUT/heat.db" | cut -d' ' -f1)
[ "$before" = "$after" ] && echo "# the store's bytes are unchanged (sha256 $after)"

# 5. A custom shock from a JSON file; a typo in a field name is refused with exit 78.
cat > "$OUT/branch-closure.json" <<'JSON'
{"name": "branch-closure", "summary": "Branch meetings stop for a quarter; clients phone instead.",
 "weeks": 13, "channels": {"meeting": 0.1, "call.inbound": 1.3}, "segments": {"retail": 0.9}}
JSON
"$HEATCTL" scenario run --file "$OUT/branch-closure.json" --data "$OUT/interactions.csv" --clients "$OUT/clients.csv" \
    --out "$OUT/closure.json"
echo '{"name": "typo", "weeks": 4, "channels": {"meetings": 0.5}}' > "$OUT/typo.json"
status=0
"$HEATCTL" scenario run --file "$OUT/typo.json" --data "$OUT/interactions.csv" --json >/dev/null 2>"$OUT/typo.err" || status=$?
[ "$status" -eq 78 ] && echo "# the typo was refused (exit 78): $(head -1 "$OUT/typo.err")"

# 6. The before / after in the HTML report (section "Stress scenario").
"$HEATCTL" report "$OUT/recession.json" --out "$OUT/report" --quiet
grep -c 'id="section-scenario"' "$OUT/report/index.html" >/dev/null && echo "# report: $OUT/report/index.html"
