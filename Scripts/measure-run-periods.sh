#!/bin/bash
# The size of a heat run with directory periods against one without and against the aggregates
# file, on a store with one move (Docs/Operations.md section 7; session 40, review s39 erase27d M2).
# Also checks that `release --run` from the periods and `release --run --aggregates` give the same
# groups. Usage: bash Scripts/measure-run-periods.sh   (HEATCTL=path overrides the built heatctl)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
H="${HEATCTL:-$ROOT/.build/release/heatctl}"
D=$(mktemp -d)
cd "$D"
$H generate --clients 200 --managers 8 --weeks 26 --seed 13 --out export.csv --clients-out clients.csv > /dev/null
$H init --store heat.db > /dev/null
$H keys generate --out keys --store heat.db --preset n16384-logq248-logt41 --aggregates > /dev/null
$H ingest export.csv --store heat.db --keys keys/collector --clients clients.csv > /dev/null
$H audit sign --store heat.db --keys keys/keyholder --first-head --head-out head.json > /dev/null
$H evaluate --store heat.db --keys keys/evaluator --trust keys/auditor --out before.heat --aggregates-out before-groups.heat > /dev/null
$H audit sign --store heat.db --keys keys/keyholder --previous-head head.json --head-out head.json > /dev/null
read -r client manager week < <(python3 - heat.db <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
client, own = db.execute("SELECT pseudonym, manager_pseudonym FROM client_directory ORDER BY seq LIMIT 1").fetchone()
other = db.execute("SELECT manager_pseudonym FROM client_directory WHERE manager_pseudonym != ? LIMIT 1", (own,)).fetchone()[0]
last = db.execute("SELECT MAX(week) FROM ciphertexts").fetchone()[0]
y, w = last.split("-W"); w = int(w) - 6
print("C-" + bytes(client).hex()[:12], "M-" + bytes(other).hex()[:12], f"{y}-W{w:02d}")
PY
)
$H directory move --store heat.db --keys keys/keyholder --client "$client" --manager "$manager" --from-week "$week" \
  --previous-head head.json --head-out head.json > /dev/null
$H evaluate --store heat.db --keys keys/evaluator --trust keys/auditor --out after.heat --aggregates-out after-groups.heat > /dev/null
python3 - <<'PY'
import json
for name in ["before.heat", "after.heat", "before-groups.heat", "after-groups.heat"]:
    import os
    print(f"{name}: {os.path.getsize(name):,} bytes")
PY
python3 -c 'import sqlite3; s=sqlite3.connect("heat.db"); d=sqlite3.connect("copy.db"); s.backup(d); d.close()'
$H release --store heat.db --keys keys/keyholder --run after.heat --role executive --section groups --out periods.json
$H release --store copy.db --keys keys/keyholder --run after.heat --aggregates after-groups.heat --role executive --section groups --out aggregates.json
python3 - <<'PY'
import json
a = json.load(open("periods.json"))["groups"]; b = json.load(open("aggregates.json"))["groups"]
print("groups from the periods == groups from the aggregates:", a == b, len(a))
PY
echo "$D"
