#!/usr/bin/env bash
# Produces the results documents of the analyst fixture (issue 24) through the release path:
# a synthetic bank (seed 24: 400 clients, 8 managers, 4 branches, 30 weeks) ingested into a
# plaintext store and released under Examples/policy.json to an executive as of 2026-01-25
# (previous.json) and as of the latest week (current.json), and to manager M-c4a01753 (manager.json).
# The keys are random, so masked references differ on every run: the committed documents are the
# fixture, and questions.json is derived from them by make_questions.py (a reference computation
# independent of the Swift engine). Usage: bash make-fixtures.sh  (after `make build`)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
HEATCTL="${HEATCTL:-$HERE/../../../../.build/release/heatctl}"
POLICY="$HERE/../../../../Examples/policy.json"
W=$(mktemp -d)
"$HEATCTL" generate --clients 400 --managers 8 --branches 4 --weeks 30 --seed 24 --out "$W/i.csv" --clients-out "$W/c.csv" --quiet
"$HEATCTL" init --store "$W/heat.db" --quiet
"$HEATCTL" keys generate --out "$W/keys" --store "$W/heat.db" --quiet
"$HEATCTL" ingest "$W/i.csv" --clients "$W/c.csv" --store "$W/heat.db" --keys "$W/keys/collector" --plaintext --quiet
"$HEATCTL" release --store "$W/heat.db" --keys "$W/keys/keyholder" --role executive --policy "$POLICY" --as-of 2026-01-25 --out "$HERE/previous.json"
"$HEATCTL" release --store "$W/heat.db" --keys "$W/keys/keyholder" --role executive --policy "$POLICY" --out "$HERE/current.json"
MANAGER=$(python3 -c "import json,sys; print([g['ref'] for g in json.load(open('$HERE/current.json'))['groups'] if g['kind']=='manager'][5])")
"$HEATCTL" release --store "$W/heat.db" --keys "$W/keys/keyholder" --role manager --manager "$MANAGER" --policy "$POLICY" --out "$HERE/manager.json"
python3 "$HERE/make_questions.py"
