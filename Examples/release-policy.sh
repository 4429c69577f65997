#!/usr/bin/env bash
# CustomerHeat: releasing results to roles under a privacy policy (issue 12).
#
# Ingests a small synthetic bank, then releases it as the key holder to an executive (aggregates),
# to a manager (their own clients), tries a refused request (another manager's clients, exit 77),
# spends differential-privacy budget as an analyst, and lists every release and refusal in the
# audit log. Runs from any folder:  bash Examples/release-policy.sh
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
HEATCTL="${HEATCTL:-$HERE/../.build/release/heatctl}"
OUT="${OUT:-$(mktemp -d)}"
POLICY="$HERE/policy.json"
mkdir -p "$OUT"
echo "# working in $OUT"

# 1. What may each role receive?
"$HEATCTL" policy check --policy "$POLICY" --role manager

# 2. A store with a small synthetic bank (plaintext test buckets).
"$HEATCTL" generate --clients 400 --managers 8 --branches 3 --weeks 20 --seed 12 \
  --out "$OUT/interactions.csv" --clients-out "$OUT/clients.csv" --quiet
"$HEATCTL" init --store "$OUT/heat.db" --quiet
"$HEATCTL" keys generate --out "$OUT/keys" --store "$OUT/heat.db" --quiet
"$HEATCTL" ingest "$OUT/interactions.csv" --clients "$OUT/clients.csv" --store "$OUT/heat.db" \
  --keys "$OUT/keys/collector" --plaintext --quiet

# 3. The executive receives aggregates over groups of at least 5 clients, no per-client values.
"$HEATCTL" release --store "$OUT/heat.db" --keys "$OUT/keys/keyholder" --role executive \
  --policy "$POLICY" --out "$OUT/executive.json"

# 4. A manager receives their own clients; asking for another manager's is refused (exit 77).
MANAGER=$(grep -o '"ref" : "M-[0-9a-f]*"' "$OUT/executive.json" | head -1 | sed 's/.*"\(M-[0-9a-f]*\)"/\1/')
"$HEATCTL" release --store "$OUT/heat.db" --keys "$OUT/keys/keyholder" --role manager --manager "$MANAGER" \
  --policy "$POLICY" --out "$OUT/manager.json"
set +e
"$HEATCTL" release --store "$OUT/heat.db" --keys "$OUT/keys/keyholder" --role manager --manager "$MANAGER" \
  --clients-of M-00000000 --policy "$POLICY" --out "$OUT/other.json"
status=$?
set -e
echo "# another manager's clients: exit $status (77 = refused by policy)"
[ "$status" -eq 77 ]

# 5. The analyst's releases are always noisy and draw on a monthly epsilon budget.
"$HEATCTL" release --store "$OUT/heat.db" --keys "$OUT/keys/keyholder" --role analyst --epsilon 2 \
  --policy "$POLICY" --out "$OUT/analyst.json" || echo "# (refused: see the rule above)"

# 6. Every release and refusal is in the audit log; the report footer names role, policy hash, epsilon.
"$HEATCTL" audit log --store "$OUT/heat.db" --kind release --include-subkinds
"$HEATCTL" report "$OUT/executive.json" --out "$OUT/report" --quiet
echo "# report: $OUT/report/index.html"
