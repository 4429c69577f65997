#!/usr/bin/env bash
# CustomerHeat: the append-only, audited store, step by step.
#
# Walks init, key generation, plaintext ingestion (twice, showing de-duplication), signing the
# chain heads, verification, a tamper by someone with file access, and verification failing.
# Run from the repository root:  bash Examples/store-audit.sh
set -euo pipefail

HEATCTL="${HEATCTL:-.build/release/heatctl}"
OUT="${OUT:-$(mktemp -d)}"
mkdir -p "$OUT"
echo "# working in $OUT"

# 1. Two small interaction exports that overlap (E3 and E4 are in both), as a bank would send them.
#    Ids are raw here; the store will only ever see keyed HMACs of them.
cat > "$OUT/march-week1.csv" <<'CSV'
event_id,client_id,manager_id,branch,channel,direction,occurred_at,duration_seconds,replied_within_hours
E1,CL-1001,RM-07,North,call,outbound,2026-03-02T09:30:00Z,600,
E2,CL-1001,RM-07,North,email,inbound,2026-03-03T14:00:00+01:00,,5
E3,CL-1002,RM-07,North,meeting,outbound,2026-03-04T10:00:00Z,3600,
E4,CL-1003,RM-12,South,message,inbound,2026-03-05T08:15:00Z,,1.5
CSV
cat > "$OUT/march-week2.csv" <<'CSV'
event_id,client_id,manager_id,branch,channel,direction,occurred_at,duration_seconds,replied_within_hours
E3,CL-1002,RM-07,North,meeting,outbound,2026-03-04T10:00:00Z,3600,
E4,CL-1003,RM-12,South,message,inbound,2026-03-05T08:15:00Z,,1.5
E5,CL-1003,RM-12,South,call,inbound,2026-03-10T16:45:00Z,240,
E6,CL-1004,RM-12,South,email,outbound,2026-03-11T11:00:00Z,,
CSV
cat > "$OUT/clients.csv" <<'CSV'
client_id,segment,region,opened_on,manager_id,branch
CL-1001,affluent,North,2019-04-01,RM-07,North
CL-1002,retail,North,2021-09-15,RM-07,North
CL-1003,business,South,2017-01-20,RM-12,South
CL-1004,retail,South,2024-06-30,RM-12,South
CSV

# 2. Create the store (SQLite, WAL, append-only tables with hash chains).
"$HEATCTL" init --store "$OUT/heat.db"

# 3. Generate one key folder per role and record the fingerprints in the store.
"$HEATCTL" keys generate --out "$OUT/keys" --store "$OUT/heat.db"
ls -l "$OUT/keys/collector" "$OUT/keys/keyholder" "$OUT/keys/auditor"

# 4. A command refuses the folder of another role: the key holder's folder is not the collector's.
if "$HEATCTL" ingest "$OUT/march-week1.csv" --store "$OUT/heat.db" --keys "$OUT/keys/keyholder" --plaintext; then
    echo "unexpected: ingest accepted the key holder's folder" >&2; exit 1
else
    echo "# refused, as it should (exit $?)"
fi

# 5. Ingest the first export in plaintext (test and demo mode), with the client directory.
"$HEATCTL" ingest "$OUT/march-week1.csv" --store "$OUT/heat.db" --keys "$OUT/keys/collector" \
    --clients "$OUT/clients.csv" --plaintext

# 6. Ingest the overlapping second export: E3 and E4 are skipped and counted, not double-counted.
"$HEATCTL" ingest "$OUT/march-week2.csv" --store "$OUT/heat.db" --keys "$OUT/keys/collector" --plaintext --json

# 7. The pseudonymous client directory: masked refs only.
"$HEATCTL" clients --store "$OUT/heat.db"

# 7b. Only someone holding both the collector key and the raw ids can map a reference back;
#     every such reveal is itself recorded in the audit log (without the ids).
"$HEATCTL" clients --reveal --keys "$OUT/keys/collector" --clients "$OUT/clients.csv" --store "$OUT/heat.db"

# 8. The key holder signs the chain heads into the store and into a head file kept elsewhere.
"$HEATCTL" audit sign --store "$OUT/heat.db" --keys "$OUT/keys/keyholder" --head-out "$OUT/head.heat"

# 9. The auditor verifies the chains, the signatures and the head file, pinning their key.
"$HEATCTL" audit verify --store "$OUT/heat.db" --expect-head "$OUT/head.heat" --keys "$OUT/keys/auditor"
"$HEATCTL" audit log --store "$OUT/heat.db"
"$HEATCTL" audit log --store "$OUT/heat.db" --kind ingest --json > "$OUT/ingests.json"

# 10. Someone with file access drops a trigger and edits a bucket (needs the sqlite3 CLI; skipped
#     when it is absent, the unit tests cover the same attacks through GRDB).
if command -v sqlite3 >/dev/null 2>&1; then
    sqlite3 "$OUT/heat.db" "DROP TRIGGER weekly_buckets_no_update; UPDATE weekly_buckets SET events = events + 10 WHERE seq = 2;"
    # 11. Verification now fails (exit 1) and names the first bad row.
    if "$HEATCTL" audit verify --store "$OUT/heat.db" --expect-head "$OUT/head.heat"; then
        echo "unexpected: the tamper was not detected" >&2; exit 1
    else
        echo "# tamper detected (exit $?)"
    fi
else
    echo "# sqlite3 not installed: skipping the tamper step"
fi
