#!/usr/bin/env bash
# CustomerHeat: the append-only, audited store, step by step.
#
# Walks init, key generation, plaintext ingestion (twice, showing de-duplication), signing the
# chain heads, verification that fails closed (pinned key, previous head file, unsigned rows),
# and the attacks of issue 11 by someone with write access to the file: a forged row after the
# signed head, an edited bucket, an emptied signed_heads table, a request to sign over tampering.
# The independent Python verifier (Scripts/verify-store.py) runs alongside when python3 exists.
# Run from any folder:  bash Examples/store-audit.sh
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
HEATCTL="${HEATCTL:-$ROOT/.build/release/heatctl}"
VERIFY_PY="$ROOT/Scripts/verify-store.py"
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
#    `audit sign` verifies the whole store first; the very first signature says so with --first-head.
"$HEATCTL" audit sign --store "$OUT/heat.db" --keys "$OUT/keys/keyholder" --first-head --head-out "$OUT/head.heat"

# 9. The auditor verifies chains, signatures and the head file, pinning the key from their own folder.
"$HEATCTL" audit verify --store "$OUT/heat.db" --keys "$OUT/keys/auditor" --expect-head "$OUT/head.heat"
"$HEATCTL" audit log --store "$OUT/heat.db"
"$HEATCTL" audit log --store "$OUT/heat.db" --kind ingest --json > "$OUT/ingests.json"
if command -v python3 >/dev/null 2>&1; then
    python3 "$VERIFY_PY" --store "$OUT/heat.db" --keys "$OUT/keys/auditor" --expect-head "$OUT/head.heat"
fi

expect_status() {  # expect_status CODE command...: run, show the exit code, fail the example if it differs
    local want="$1"; shift
    local got=0
    "$@" || got=$?
    if [ "$got" -ne "$want" ]; then echo "unexpected: exit $got, expected $want: $*" >&2; exit 1; fi
    echo "# exit $got, as expected"
}

# 10. Verification fails closed: without the pinned key or the previous head it refuses (exit 64).
expect_status 64 "$HEATCTL" audit verify --store "$OUT/heat.db" --expect-head "$OUT/head.heat"
expect_status 64 "$HEATCTL" audit verify --store "$OUT/heat.db" --keys "$OUT/keys/auditor"

# 11. New rows after the signed head are not covered by it: a violation unless explicitly allowed.
cat > "$OUT/march-week3.csv" <<'CSV'
event_id,client_id,manager_id,branch,channel,direction,occurred_at,duration_seconds,replied_within_hours
E7,CL-1002,RM-07,North,call,inbound,2026-03-17T10:00:00Z,300,
CSV
"$HEATCTL" ingest "$OUT/march-week3.csv" --store "$OUT/heat.db" --keys "$OUT/keys/collector" --plaintext
expect_status 1 "$HEATCTL" audit verify --store "$OUT/heat.db" --keys "$OUT/keys/auditor" --expect-head "$OUT/head.heat"
expect_status 0 "$HEATCTL" audit verify --store "$OUT/heat.db" --keys "$OUT/keys/auditor" --expect-head "$OUT/head.heat" --allow-unsigned-tail
"$HEATCTL" audit sign --store "$OUT/heat.db" --keys "$OUT/keys/keyholder" --previous-head "$OUT/head.heat" --head-out "$OUT/head.heat"
expect_status 0 "$HEATCTL" audit verify --store "$OUT/heat.db" --keys "$OUT/keys/auditor" --expect-head "$OUT/head.heat"

# 12. Attacks by someone with write access to the file (python3's sqlite3 plays the attacker; skipped
#     without python3, the unit tests cover the same attacks through GRDB). Each runs on a copy.
if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("PRAGMA wal_checkpoint(TRUNCATE)")' "$OUT/heat.db"
    attack() {  # attack NAME SQL: a tampered copy of the store
        cp "$OUT/heat.db" "$OUT/$1.db"
        python3 -c 'import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.executescript(sys.argv[2]); db.commit()' "$OUT/$1.db" "$2"
    }
    # a) Edit a bucket (dropping the trigger that forbids it).
    attack edited "DROP TRIGGER weekly_buckets_no_update; UPDATE weekly_buckets SET events = events + 10 WHERE seq = 2;"
    expect_status 1 "$HEATCTL" audit verify --store "$OUT/edited.db" --keys "$OUT/keys/auditor" --expect-head "$OUT/head.heat"
    expect_status 1 python3 "$VERIFY_PY" --store "$OUT/edited.db" --keys "$OUT/keys/auditor" --expect-head "$OUT/head.heat"
    # b) Empty signed_heads, hoping verification falls back to "nothing signed yet".
    attack emptied "DROP TRIGGER signed_heads_no_delete; DELETE FROM signed_heads;"
    expect_status 1 "$HEATCTL" audit verify --store "$OUT/emptied.db" --keys "$OUT/keys/auditor" --expect-head "$OUT/head.heat"
    # c) Append a forged event row with a valid chain hash after the head: no collector signature covers it.
    python3 - "$OUT/heat.db" "$OUT/forged.db" <<'PY'
import hashlib, shutil, sqlite3, struct, sys
shutil.copy(sys.argv[1], sys.argv[2])
db = sqlite3.connect(sys.argv[2])
seq, last = db.execute("SELECT seq, row_hash FROM event_hmacs ORDER BY seq DESC LIMIT 1").fetchone()
blob = lambda b: b"\x03" + struct.pack(">I", len(b)) + b
integer = lambda i: b"\x01" + struct.pack(">I", 8) + struct.pack(">q", i)
row = integer(seq + 1) + blob(b"\x07" * 32) + integer(1)
db.execute("INSERT INTO event_hmacs VALUES (?, ?, 1, ?, ?)", (seq + 1, b"\x07" * 32, last, hashlib.sha256(last + row).digest()))
db.commit()
PY
    expect_status 1 "$HEATCTL" audit verify --store "$OUT/forged.db" --keys "$OUT/keys/auditor" --expect-head "$OUT/head.heat" --allow-unsigned-tail
    # d) The key holder is asked to sign the forged store: `audit sign` verifies first and refuses (exit 1).
    expect_status 1 "$HEATCTL" audit sign --store "$OUT/forged.db" --keys "$OUT/keys/keyholder" --previous-head "$OUT/head.heat" --head-out "$OUT/forged-head.heat"
    "$HEATCTL" audit log --store "$OUT/forged.db" --kind audit.sign.refused
else
    echo "# python3 not installed: skipping the attack steps"
fi
