#!/usr/bin/env bash
# Checks that the independent Python verifier (Scripts/verify-store.py) and `heatctl audit verify`
# agree, on a generated store that is intact and on copies tampered in several ways: same exit
# code and the same violations in the same order (kind, table, row). Needs python3 (stdlib only).
#   HEATCTL=.build/release/heatctl Scripts/check-verify-store.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
HEATCTL="${HEATCTL:-$here/../.build/release/heatctl}"
VERIFY="$here/verify-store.py"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
command -v python3 >/dev/null 2>&1 || { echo "python3 not found: skipping"; exit 0; }

"$HEATCTL" generate --clients 60 --weeks 6 --seed 11 --out "$OUT/interactions.csv" --clients-out "$OUT/clients.csv" --quiet
"$HEATCTL" init --store "$OUT/heat.db" > /dev/null
"$HEATCTL" keys generate --out "$OUT/keys" --store "$OUT/heat.db" > /dev/null
"$HEATCTL" ingest "$OUT/interactions.csv" --clients "$OUT/clients.csv" --store "$OUT/heat.db" --keys "$OUT/keys/collector" --plaintext --quiet > /dev/null
"$HEATCTL" audit sign --store "$OUT/heat.db" --keys "$OUT/keys/keyholder" --first-head --head-out "$OUT/head.json" > /dev/null
python3 - "$OUT/heat.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); db.execute("PRAGMA wal_checkpoint(TRUNCATE)"); db.close()
PY

first_violation() {  # exit code and violations (kind table seq) of both verifiers' JSON reports
  local db="$1"; shift
  local swift_status=0 python_status=0 keys="${AUDITOR:-$OUT/keys/auditor}"  # AUDITOR: another pinned key folder
  "$HEATCTL" audit verify --store "$db" --keys "$keys" --json --quiet "$@" > "$OUT/swift.json" 2>/dev/null || swift_status=$?
  python3 "$VERIFY" --store "$db" --keys "$keys" --json "$@" > "$OUT/python.json" 2>/dev/null || python_status=$?
  python3 - "$OUT/swift.json" "$OUT/python.json" "$swift_status" "$python_status" <<'PY'
import json, sys
swift, python = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
def first(report):  # every violation, in order, as (kind, table, row)
    return [(v["kind"], v["table"], v.get("seq")) for v in report["violations"]]
s, p = (sys.argv[3], first(swift)), (sys.argv[4], first(python))
print(f"  heatctl: exit {s[0]} {s[1]}\n  python:  exit {p[0]} {p[1]}")
sys.exit(0 if s == p else 1)
PY
}

tamper() {  # copy the store and run SQL on the copy as an attacker with file access would
  local name="$1" sql="$2"
  cp "$OUT/heat.db" "$OUT/$name.db"
  python3 - "$OUT/$name.db" "$sql" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); db.executescript(sys.argv[2]); db.commit(); db.close()
PY
}

status=0
check() {
  local label="$1" db="$2"; shift 2
  echo "$label"
  if first_violation "$db" "$@"; then echo "  agree"; else echo "  DISAGREE" >&2; status=1; fi
}

check "intact store (--expect-head)" "$OUT/heat.db" --expect-head "$OUT/head.json"
check "intact store (--first-head)" "$OUT/heat.db" --first-head
tamper edited "DROP TRIGGER weekly_buckets_no_update; UPDATE weekly_buckets SET events = events + 1 WHERE seq = 3;
  CREATE TRIGGER weekly_buckets_no_update BEFORE UPDATE ON weekly_buckets
BEGIN SELECT RAISE(ABORT, 'weekly_buckets is append-only'); END;"
check "edited bucket" "$OUT/edited.db" --expect-head "$OUT/head.json"
tamper dropped "DROP TRIGGER event_hmacs_no_delete;"
check "dropped trigger" "$OUT/dropped.db" --expect-head "$OUT/head.json"
tamper nul "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET role = CAST(X'6F70657261746F720078' AS TEXT) WHERE seq = 2;"
check "NUL byte in TEXT" "$OUT/nul.db" --expect-head "$OUT/head.json"
tamper utf8 "DROP TRIGGER client_directory_no_update; UPDATE client_directory SET segment = CAST(X'72657461696CFF' AS TEXT) WHERE seq = 2;"
check "invalid UTF-8 in TEXT" "$OUT/utf8.db" --expect-head "$OUT/head.json"
tamper heads "DROP TRIGGER signed_heads_no_delete; DELETE FROM signed_heads;"
check "emptied signed_heads" "$OUT/heads.db" --expect-head "$OUT/head.json"
tamper deleted "DROP TRIGGER event_hmacs_no_delete; DELETE FROM event_hmacs WHERE seq = 5;"
check "deleted row" "$OUT/deleted.db" --first-head
# A forged event row appended after the head with a valid chain hash (triggers untouched).
cp "$OUT/heat.db" "$OUT/forged.db"
python3 - "$OUT/forged.db" <<'PY'
import hashlib, sqlite3, struct, sys
db = sqlite3.connect(sys.argv[1])
seq, last = db.execute("SELECT seq, row_hash FROM event_hmacs ORDER BY seq DESC LIMIT 1").fetchone()
row = b"\x01" + struct.pack(">I", 8) + struct.pack(">q", seq + 1)
row += b"\x03" + struct.pack(">I", 32) + b"\x07" * 32 + b"\x01" + struct.pack(">I", 8) + struct.pack(">q", 1)
db.execute("INSERT INTO event_hmacs VALUES (?, ?, 1, ?, ?)", (seq + 1, b"\x07" * 32, last, hashlib.sha256(last + row).digest()))
db.commit()
PY
check "forged row after the head" "$OUT/forged.db" --expect-head "$OUT/head.json"
check "forged row after the head (--allow-unsigned-tail)" "$OUT/forged.db" --expect-head "$OUT/head.json" --allow-unsigned-tail

# Issue 27: retention drops the two oldest weeks with signed tombstones; both verifiers accept the
# gaps, and both flag a deletion beyond a tombstone and a tombstone whose signature was zeroed.
CUTOFF="$(python3 -c "import sqlite3, sys; print(sorted({r[0] for r in sqlite3.connect(sys.argv[1]).execute('SELECT week FROM weekly_buckets')})[2])" "$OUT/heat.db")"
cp "$OUT/heat.db" "$OUT/retained.db"
cp "$OUT/head.json" "$OUT/retained-head.json"
"$HEATCTL" retention apply --store "$OUT/retained.db" --keys "$OUT/keys/keyholder" --before "$CUTOFF" --window-weeks 2 \
  --previous-head "$OUT/retained-head.json" --head-out "$OUT/retained-head.json" > /dev/null
python3 - "$OUT/retained.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); db.execute("PRAGMA wal_checkpoint(TRUNCATE)"); db.close()
PY
check "retention with signed tombstones" "$OUT/retained.db" --expect-head "$OUT/retained-head.json"
tamper_retained() {
  local name="$1" sql="$2"
  cp "$OUT/retained.db" "$OUT/$name.db"
  python3 - "$OUT/$name.db" "$sql" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); db.executescript(sys.argv[2]); db.commit(); db.close()
PY
}
tamper_retained beyond "DROP TRIGGER weekly_buckets_no_delete;
  DELETE FROM weekly_buckets WHERE seq = (SELECT MIN(seq) FROM weekly_buckets);"
check "deletion beyond a tombstone" "$OUT/beyond.db" --expect-head "$OUT/retained-head.json"
tamper_retained zeroed "DROP TRIGGER retention_tombstones_no_update;
  UPDATE retention_tombstones SET signature = zeroblob(64) WHERE seq = 1;"
check "tombstone with a zeroed signature" "$OUT/zeroed.db" --expect-head "$OUT/retained-head.json"

# Issue 27: a key rotation, then the thief of the retired key deletes the oldest weekly_buckets
# rows under a tombstone signed with that key (Ed25519 signing from RFC 8032 below). Both
# verifiers must refuse the tombstone (retiredSigningKey) and count the rows as deleted.
cp "$OUT/heat.db" "$OUT/rotated.db"
cp "$OUT/head.json" "$OUT/rotated-head.json"
"$HEATCTL" keys rotate --store "$OUT/rotated.db" --keys "$OUT/keys/keyholder" --out "$OUT/keys-gen2" \
  --previous-head "$OUT/rotated-head.json" --head-out "$OUT/rotated-head.json" > /dev/null
python3 - "$OUT/rotated.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); db.execute("PRAGMA wal_checkpoint(TRUNCATE)"); db.close()
PY
check "rotated signing key" "$OUT/rotated.db" --expect-head "$OUT/rotated-head.json"
cp "$OUT/rotated.db" "$OUT/retired.db"
python3 - "$OUT/retired.db" "$OUT/keys/keyholder/signing.key" "$VERIFY" <<'PY'
import hashlib, importlib.util, json, sqlite3, struct, sys
spec = importlib.util.spec_from_file_location("verify_store", sys.argv[3])
vs = importlib.util.module_from_spec(spec); spec.loader.exec_module(vs)
seed = bytes.fromhex(json.loads(vs.read_envelope(sys.argv[2], 9))["privateKey"])
def encode(point):
    x, y, z, _ = point
    inverse = pow(z, vs.P - 2, vs.P)
    x, y = x * inverse % vs.P, y * inverse % vs.P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")
digest = hashlib.sha512(seed).digest()
scalar = (int.from_bytes(digest[:32], "little") & ((1 << 254) - 8)) | (1 << 254)
public = encode(vs._mul(scalar, vs.BASE))
def sign(message):
    r = int.from_bytes(hashlib.sha512(digest[32:] + message).digest(), "little") % vs.L
    R = encode(vs._mul(r, vs.BASE))
    k = int.from_bytes(hashlib.sha512(R + public + message).digest(), "little") % vs.L
    return R + ((r + k * scalar) % vs.L).to_bytes(32, "little")
db = sqlite3.connect(sys.argv[1])
last = 5
anchor = bytes(db.execute("SELECT row_hash FROM weekly_buckets WHERE seq = ?", (last,)).fetchone()[0])
db.executescript("DROP TRIGGER weekly_buckets_no_delete; DELETE FROM weekly_buckets WHERE seq BETWEEN 1 AND 5;")
db.execute(vs.trigger_sql("weekly_buckets", "DELETE"))
recorded, table, policy, fingerprint = "2023-11-14T22:13:20Z", "weekly_buckets", "weeks before 2026-W07", hashlib.sha256(public).hexdigest()
message = b"customerheat.tombstone/1" + vs.c_text(recorded) + vs.c_text(table) + vs.c_int(1) + vs.c_int(last) + vs.c_text(policy)
message += vs.c_int(1) + vs.c_int(last) + vs.c_blob(anchor) + vs.c_text(fingerprint)
signature = sign(message)
assert vs.ed25519_verify(public, message, signature)
anchors = json.dumps([{"hash": anchor.hex(), "seq": last}], separators=(",", ":"))
row = db.execute("SELECT seq, row_hash FROM retention_tombstones ORDER BY seq DESC LIMIT 1").fetchone()
seq, previous = (row[0] + 1, bytes(row[1])) if row else (1, vs.genesis("retention_tombstones"))
data = vs.c_int(seq) + vs.c_text(recorded) + vs.c_text(table) + vs.c_int(1) + vs.c_int(last) + vs.c_text(policy)
data += vs.c_text(anchors) + vs.c_text(fingerprint) + vs.c_blob(signature)
db.execute("INSERT INTO retention_tombstones VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)",
           (seq, recorded, table, last, policy, anchors, fingerprint, signature, previous, hashlib.sha256(previous + data).digest()))
db.commit(); db.close()
PY
for pin in keys keys-gen2; do  # under the original and the new key's pin
  AUDITOR="$OUT/$pin/auditor" check "tombstone forged with the retired key ($pin pin)" "$OUT/retired.db" \
    --expect-head "$OUT/rotated-head.json" --allow-unsigned-tail
  if ! grep -q '"retiredSigningKey"' "$OUT/python.json" || ! grep -q '"retiredSigningKey"' "$OUT/swift.json"; then
    echo "  the forged tombstone was not refused as signed by a retired key" >&2; status=1
  fi
done

# Issue 27 (review of 4da7cb2): the thief of the retired key A grafts a fresh key X onto the chain
# (a transition X -> A signed by X and A, final head s), deletes rows under an X-signed
# tombstone and appends an X-signed head at seq s covering everything. X is not on the store's
# one chain of keys (its old key is not the current key), so both verifiers refuse it.
cp "$OUT/rotated.db" "$OUT/grafted.db"
python3 - "$OUT/grafted.db" "$OUT/keys/keyholder/signing.key" "$VERIFY" <<'PY'
import hashlib, importlib.util, json, sqlite3, struct, sys
spec = importlib.util.spec_from_file_location("verify_store", sys.argv[3])
vs = importlib.util.module_from_spec(spec); spec.loader.exec_module(vs)
def encode(point):
    x, y, z, _ = point
    inverse = pow(z, vs.P - 2, vs.P)
    x, y = x * inverse % vs.P, y * inverse % vs.P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")
def signer(seed):
    digest = hashlib.sha512(seed).digest()
    scalar = (int.from_bytes(digest[:32], "little") & ((1 << 254) - 8)) | (1 << 254)
    public = encode(vs._mul(scalar, vs.BASE))
    def sign(message):
        r = int.from_bytes(hashlib.sha512(digest[32:] + message).digest(), "little") % vs.L
        R = encode(vs._mul(r, vs.BASE))
        k = int.from_bytes(hashlib.sha512(R + public + message).digest(), "little") % vs.L
        return R + ((r + k * scalar) % vs.L).to_bytes(32, "little")
    return public, sign
stolen, sign_stolen = signer(bytes.fromhex(json.loads(vs.read_envelope(sys.argv[2], 9))["privateKey"]))
graft, sign_graft = signer(hashlib.sha256(b"the thief's own key").digest())
graft_fp = hashlib.sha256(graft).hexdigest()
db = sqlite3.connect(sys.argv[1])
def append(table, values, encoded):  # a chained row with a valid hash
    row = db.execute(f"SELECT seq, row_hash FROM {table} ORDER BY seq DESC LIMIT 1").fetchone()
    seq, previous = (row[0] + 1, bytes(row[1])) if row else (1, vs.genesis(table))
    data = vs.c_int(seq) + b"".join(encoded)
    marks = ", ".join("?" * (len(values) + 3))
    db.execute(f"INSERT INTO {table} VALUES ({marks})", (seq, *values, previous, hashlib.sha256(previous + data).digest()))
    return seq
last = 5
anchor = bytes(db.execute("SELECT row_hash FROM weekly_buckets WHERE seq = ?", (last,)).fetchone()[0])
db.executescript("DROP TRIGGER weekly_buckets_no_delete; DELETE FROM weekly_buckets WHERE seq BETWEEN 1 AND 5;")
db.execute(vs.trigger_sql("weekly_buckets", "DELETE"))
recorded, table, policy = "2023-11-14T22:13:20Z", "weekly_buckets", "weeks before 2026-W07"
message = b"customerheat.tombstone/1" + vs.c_text(recorded) + vs.c_text(table) + vs.c_int(1) + vs.c_int(last) + vs.c_text(policy)
message += vs.c_int(1) + vs.c_int(last) + vs.c_blob(anchor) + vs.c_text(graft_fp)
signature = sign_graft(message)
anchors = json.dumps([{"hash": anchor.hex(), "seq": last}], separators=(",", ":"))
append("retention_tombstones", (recorded, table, 1, last, policy, anchors, graft_fp, signature),
       [vs.c_text(recorded), vs.c_text(table), vs.c_int(1), vs.c_int(last), vs.c_text(policy), vs.c_text(anchors),
        vs.c_text(graft_fp), vs.c_blob(signature)])
final = db.execute("SELECT MAX(seq) FROM signed_heads").fetchone()[0] + 1
message = b"customerheat.key-transition/1" + vs.c_text(recorded) + vs.c_int(3) + vs.c_blob(graft) + vs.c_blob(stolen)
message += vs.c_int(final) + vs.c_text("rotation")
old_sig, new_sig = sign_graft(message), sign_stolen(message)
append("key_transitions", (recorded, 3, graft, stolen, final, "rotation", old_sig, new_sig),
       [vs.c_text(recorded), vs.c_int(3), vs.c_blob(graft), vs.c_blob(stolen), vs.c_int(final), vs.c_text("rotation"),
        vs.c_blob(old_sig), vs.c_blob(new_sig)])
head = json.loads(bytes(db.execute("SELECT CAST(head AS BLOB) FROM signed_heads ORDER BY seq DESC LIMIT 1").fetchone()[0]))
head["keyFingerprint"], head["signedAt"] = graft_fp, recorded
for chain in head["chains"]:
    rows = db.execute(f"SELECT COALESCE(MAX(seq), 0) FROM {chain['table']}").fetchone()[0]
    chain["rows"] = rows
    chain["hash"] = (bytes(db.execute(f"SELECT row_hash FROM {chain['table']} WHERE seq = ?", (rows,)).fetchone()[0])
                     if rows else vs.genesis(chain["table"])).hex()
text = json.dumps(head, separators=(",", ":"))
signature = sign_graft(vs.head_message(head))
assert append("signed_heads", (recorded, text, graft_fp, signature),
              [vs.c_text(recorded), vs.c_text(text), vs.c_text(graft_fp), vs.c_blob(signature)]) == final
db.commit(); db.close()
PY
for pin in keys keys-gen2; do
  AUDITOR="$OUT/$pin/auditor" check "key grafted onto the chain by the thief of the retired key ($pin pin)" "$OUT/grafted.db" \
    --expect-head "$OUT/rotated-head.json"
  if ! grep -q '"badKeyTransition"' "$OUT/python.json" || ! grep -q '"badKeyTransition"' "$OUT/swift.json"; then
    echo "  the grafted transition was not refused" >&2; status=1
  fi
done

# Issue 27: a dropped or altered signed_heads with a retired key: the same schema violation in both.
for change in "DROP TABLE signed_heads;" "ALTER TABLE signed_heads RENAME COLUMN head TO body;"; do
  cp "$OUT/rotated.db" "$OUT/heads-changed.db"
  python3 - "$OUT/heads-changed.db" "$change" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); db.executescript(sys.argv[2]); db.commit(); db.close()
PY
  check "signed_heads changed with a retired key ($change)" "$OUT/heads-changed.db" --expect-head "$OUT/rotated-head.json"
done

# Issue 27: erasure of one client on request (a signed directory tombstone and erasure record);
# both verifiers accept it, and both refuse the erased rows put back (reinsertedRow).
cp "$OUT/heat.db" "$OUT/erased.db"
cp "$OUT/head.json" "$OUT/erased-head.json"
head -2 "$OUT/clients.csv" > "$OUT/erase.csv"
"$HEATCTL" erase --store "$OUT/erased.db" --keys "$OUT/keys/keyholder" --collector-keys "$OUT/keys/collector" \
  --client-file "$OUT/erase.csv" --previous-head "$OUT/erased-head.json" --head-out "$OUT/erased-head.json" --quiet > /dev/null
python3 - "$OUT/erased.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); db.execute("PRAGMA wal_checkpoint(TRUNCATE)"); db.close()
PY
check "client erased on request" "$OUT/erased.db" --expect-head "$OUT/erased-head.json"
grep -q "client erased on request" "$OUT/python.json" || { echo "  the Python verifier does not name the erasure" >&2; status=1; }
cp "$OUT/erased.db" "$OUT/reinserted.db"
python3 - "$OUT/reinserted.db" "$OUT/heat.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("ATTACH DATABASE ? AS old", (sys.argv[2],))
for table in ("client_directory", "weekly_buckets"):
    db.execute(f"INSERT INTO {table} SELECT * FROM old.{table} WHERE seq NOT IN (SELECT seq FROM main.{table})")
db.commit(); db.close()
PY
check "erased rows re-inserted" "$OUT/reinserted.db" --expect-head "$OUT/erased-head.json"
grep -q '"reinsertedRow"' "$OUT/python.json" || { echo "  the re-inserted rows were not reported" >&2; status=1; }

# Issue 27 (item 3): a client moved to another manager from a week on (a signed directory
# version); both verifiers accept and name it, and both refuse it once its manager is altered.
cp "$OUT/heat.db" "$OUT/moved.db"
cp "$OUT/head.json" "$OUT/moved-head.json"
read -r client manager < <(python3 - "$OUT/moved.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
client, own = db.execute("SELECT pseudonym, manager_pseudonym FROM client_directory ORDER BY seq LIMIT 1").fetchone()
other = db.execute("SELECT manager_pseudonym FROM client_directory WHERE manager_pseudonym != ? LIMIT 1", (own,)).fetchone()[0]
print("C-" + bytes(client).hex()[:12], "M-" + bytes(other).hex()[:12])
PY
)
"$HEATCTL" directory move --store "$OUT/moved.db" --keys "$OUT/keys/keyholder" --client "$client" --manager "$manager" \
  --from-week 2026-W03 --previous-head "$OUT/moved-head.json" --head-out "$OUT/moved-head.json" --quiet > /dev/null
python3 - "$OUT/moved.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); db.execute("PRAGMA wal_checkpoint(TRUNCATE)"); db.close()
PY
check "client moved from a week on" "$OUT/moved.db" --expect-head "$OUT/moved-head.json"
grep -q "client moved from 2026-W03" "$OUT/python.json" || { echo "  the Python verifier does not name the move" >&2; status=1; }
# The moved client erased on request: its version stays (append-only), and both verifiers flag it.
cp "$OUT/moved.db" "$OUT/moved-erased.db"
cp "$OUT/moved-head.json" "$OUT/moved-erased-head.json"
"$HEATCTL" erase --store "$OUT/moved-erased.db" --keys "$OUT/keys/keyholder" --client "${client:0:10}" \
  --previous-head "$OUT/moved-erased-head.json" --head-out "$OUT/moved-erased-head.json" --quiet > /dev/null
python3 - "$OUT/moved-erased.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); db.execute("PRAGMA wal_checkpoint(TRUNCATE)"); db.close()
PY
check "moved client erased (its directory version names an erased slot)" "$OUT/moved-erased.db" --expect-head "$OUT/moved-erased-head.json"
for report in python swift; do
  grep -q "names an erased slot" "$OUT/$report.json" || { echo "  the $report verifier does not flag the erased slot's version" >&2; status=1; }
done
cp "$OUT/moved.db" "$OUT/moved-altered.db"
python3 - "$OUT/moved-altered.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript("DROP TRIGGER directory_versions_no_update; UPDATE directory_versions SET manager_pseudonym = zeroblob(32) WHERE seq = 1;")
db.execute("CREATE TRIGGER directory_versions_no_update BEFORE UPDATE ON directory_versions\n"
           "BEGIN SELECT RAISE(ABORT, 'directory_versions is append-only'); END")
db.commit(); db.close()
PY
check "directory version altered" "$OUT/moved-altered.db" --expect-head "$OUT/moved-head.json"
grep -q '"badDirectoryVersion"' "$OUT/python.json" || { echo "  the altered directory version was not refused" >&2; status=1; }

# Issue 27 review (MEDIUM 5): both verifiers agree on a directory version signed by another key
# in the unsigned tail, one signed by a retired key past its final head (under both pins), and a
# reordered or deleted version with the chain recomputed.
cat > "$OUT/versions.py" <<'PY'
import hashlib, importlib.util, json, os, sqlite3, sys
spec = importlib.util.spec_from_file_location("verify_store", os.environ["VERIFY"])
vs = importlib.util.module_from_spec(spec); spec.loader.exec_module(vs)
def encode(point):
    x, y, z, _ = point
    inverse = pow(z, vs.P - 2, vs.P)
    x, y = x * inverse % vs.P, y * inverse % vs.P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")
def signer(seed):
    digest = hashlib.sha512(seed).digest()
    scalar = (int.from_bytes(digest[:32], "little") & ((1 << 254) - 8)) | (1 << 254)
    public = encode(vs._mul(scalar, vs.BASE))
    def sign(message):
        r = int.from_bytes(hashlib.sha512(digest[32:] + message).digest(), "little") % vs.L
        R = encode(vs._mul(r, vs.BASE))
        k = int.from_bytes(hashlib.sha512(R + public + message).digest(), "little") % vs.L
        return R + ((r + k * scalar) % vs.L).to_bytes(32, "little")
    return public, sign
def encode_value(value):
    if value is None: return vs.c_null()
    if isinstance(value, int): return vs.c_int(value)
    if isinstance(value, str): return vs.c_text(value)
    return vs.c_blob(bytes(value))
COLUMNS = ["recorded_at", "version_id", "slot", "from_week", "status", "manager_pseudonym", "branch_pseudonym", "key_fingerprint", "signature"]
def recompute(db):
    previous = vs.genesis("directory_versions")
    for row in db.execute(f"SELECT seq, {', '.join(COLUMNS)} FROM directory_versions ORDER BY seq").fetchall():
        data = vs.c_int(row[0]) + b"".join(encode_value(v) for v in row[1:])
        digest = hashlib.sha256(previous + data).digest()
        db.execute("UPDATE directory_versions SET prev_hash = ?, row_hash = ? WHERE seq = ?", (previous, digest, row[0]))
        previous = digest
def drop_triggers(db):
    db.executescript("DROP TRIGGER directory_versions_no_update; DROP TRIGGER directory_versions_no_delete;")
def restore_triggers(db):
    for operation in ("UPDATE", "DELETE"):
        db.execute(vs.trigger_sql("directory_versions", operation))
path, action = sys.argv[1], sys.argv[2]
db = sqlite3.connect(path)
if action in ("other-key", "retired-key"):
    seed = os.urandom(32) if action == "other-key" else bytes.fromhex(json.loads(vs.read_envelope(sys.argv[3], 9))["privateKey"])
    public, sign = signer(seed)
    recorded, version, slot, week, status, fingerprint = "2026-01-20T10:00:00Z", "V-" + os.urandom(4).hex(), 0, "2026-W03", "closed", hashlib.sha256(public).hexdigest()
    message = b"customerheat.directory-version/1" + vs.c_text(recorded) + vs.c_text(version) + vs.c_int(slot) + vs.c_text(week)
    message += vs.c_text(status) + vs.c_null() + vs.c_null() + vs.c_text(fingerprint)
    signature = sign(message)
    assert vs.ed25519_verify(public, message, signature)
    seq = (db.execute("SELECT MAX(seq) FROM directory_versions").fetchone()[0] or 0) + 1
    db.execute(f"INSERT INTO directory_versions (seq, {', '.join(COLUMNS)}, prev_hash, row_hash) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, zeroblob(32), zeroblob(32))",
               (seq, recorded, version, slot, week, status, fingerprint, signature))
    drop_triggers(db); recompute(db); restore_triggers(db)
elif action == "reorder":
    drop_triggers(db)
    db.execute("UPDATE directory_versions SET seq = -1 WHERE seq = 1")
    db.execute("UPDATE directory_versions SET seq = 1 WHERE seq = 2")
    db.execute("UPDATE directory_versions SET seq = 2 WHERE seq = -1")
    recompute(db); restore_triggers(db)
elif action in ("alter-time", "alter-week"):
    # A value both verifiers must refuse to parse: a non-canonical time (Swift signs the canonical
    # text), or a week that does not exist (W54).
    column, value = ("recorded_at", "2026-01-20T10:00:00+00:00") if action == "alter-time" else ("from_week", "2026-W54")
    drop_triggers(db)
    db.execute(f"UPDATE directory_versions SET {column} = ? WHERE seq = 1", (value,))
    recompute(db); restore_triggers(db)
elif action == "delete":
    drop_triggers(db)
    db.execute("DELETE FROM directory_versions WHERE seq = 1")
    db.execute("UPDATE directory_versions SET seq = seq - 1")
    recompute(db); restore_triggers(db)
db.commit(); db.close()
PY
expect_kind() {  # both reports hold a violation of this kind
  if ! grep -q "\"$1\"" "$OUT/python.json" || ! grep -q "\"$1\"" "$OUT/swift.json"; then
    echo "  expected a $1 violation from both verifiers" >&2; status=1
  fi
}
cp "$OUT/moved.db" "$OUT/other-key.db"
VERIFY="$VERIFY" python3 "$OUT/versions.py" "$OUT/other-key.db" other-key
check "directory version signed by another key (unsigned tail)" "$OUT/other-key.db" --expect-head "$OUT/moved-head.json" --allow-unsigned-tail
expect_kind badDirectoryVersion
cp "$OUT/rotated.db" "$OUT/retired-version.db"
VERIFY="$VERIFY" python3 "$OUT/versions.py" "$OUT/retired-version.db" retired-key "$OUT/keys/keyholder/signing.key"
for pin in keys keys-gen2; do
  AUDITOR="$OUT/$pin/auditor" check "directory version signed by the retired key ($pin pin)" "$OUT/retired-version.db" \
    --expect-head "$OUT/rotated-head.json" --allow-unsigned-tail
  expect_kind retiredSigningKey
done
cp "$OUT/moved.db" "$OUT/moved2.db"
cp "$OUT/moved-head.json" "$OUT/moved2-head.json"
"$HEATCTL" directory close --store "$OUT/moved2.db" --keys "$OUT/keys/keyholder" --client "$client" \
  --from-week 2026-W05 --previous-head "$OUT/moved2-head.json" --head-out "$OUT/moved2-head.json" --quiet > /dev/null
python3 - "$OUT/moved2.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); db.execute("PRAGMA wal_checkpoint(TRUNCATE)"); db.close()
PY
check "two directory versions" "$OUT/moved2.db" --expect-head "$OUT/moved2-head.json"
for change in "alter-time:with a non-canonical recorded_at" "alter-week:naming week W54"; do
  action="${change%%:*}" label="${change#*:}"
  cp "$OUT/moved2.db" "$OUT/versions-$action.db"
  VERIFY="$VERIFY" python3 "$OUT/versions.py" "$OUT/versions-$action.db" "$action"
  check "directory version $label, chain recomputed" "$OUT/versions-$action.db" --expect-head "$OUT/moved2-head.json"
  expect_kind badDirectoryVersion
done
for change in reorder:reordered delete:deleted; do
  action="${change%%:*}" label="${change#*:}"
  cp "$OUT/moved2.db" "$OUT/versions-$action.db"
  VERIFY="$VERIFY" python3 "$OUT/versions.py" "$OUT/versions-$action.db" "$action"
  check "directory versions $label, chain recomputed" "$OUT/versions-$action.db" --expect-head "$OUT/moved2-head.json"
  grep -q '"intact" *: *false' "$OUT/python.json" || { echo "  the $label versions were not refused" >&2; status=1; }
done

# Issue 27, item 1: the collector's ingestion key rotated through heatctl; then the thief of the
# retired key, with file access, lifts the retirement row out, ingests with the old key and puts
# the row back (chains intact), and a retirement whose signature was zeroed. Both verifiers must
# agree: the thief's run is a retiredCollectorKey, the zeroed retirement a badCollectorKeyRetirement.
cp "$OUT/heat.db" "$OUT/collector-rotated.db"
cp "$OUT/head.json" "$OUT/collector-head.json"
"$HEATCTL" keys rotate --collector --store "$OUT/collector-rotated.db" --keys "$OUT/keys/keyholder" --out "$OUT/collector-gen2" \
  --previous-head "$OUT/collector-head.json" --head-out "$OUT/collector-head.json" > /dev/null
"$HEATCTL" generate --clients 5 --weeks 2 --seed 12 --out "$OUT/later.csv" --quiet
cp -p "$OUT/keys/collector/pseudonymisation.key" "$OUT/collector-gen2/collector/"  # the collector keeps it
"$HEATCTL" ingest "$OUT/later.csv" --store "$OUT/collector-rotated.db" --keys "$OUT/collector-gen2/collector" --plaintext --quiet > /dev/null
"$HEATCTL" audit sign --store "$OUT/collector-rotated.db" --keys "$OUT/keys/keyholder" \
  --previous-head "$OUT/collector-head.json" --head-out "$OUT/collector-head.json" > /dev/null
python3 - "$OUT/collector-rotated.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); db.execute("PRAGMA wal_checkpoint(TRUNCATE)"); db.close()
PY
check "collector key rotated, successor ingested" "$OUT/collector-rotated.db" --expect-head "$OUT/collector-head.json"
grep -q "(generation 1) rotated to" "$OUT/python.json" || { echo "  the Python verifier does not name the rotation" >&2; status=1; }
old_status=0
"$HEATCTL" ingest "$OUT/later.csv" --store "$OUT/collector-rotated.db" --keys "$OUT/keys/collector" --plaintext --quiet \
  > /dev/null 2>&1 || old_status=$?
[ "$old_status" = 64 ] || { echo "  ingest with the retired collector key exited $old_status, not 64" >&2; status=1; }
python3 - "$OUT/collector-rotated.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); db.execute("PRAGMA wal_checkpoint(TRUNCATE)"); db.close()
PY
cp "$OUT/collector-rotated.db" "$OUT/collector-thief.db"
python3 - "$OUT/collector-thief.db" "$OUT/saved-retirements.json" lift <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript("DROP TRIGGER collector_key_retirements_no_delete;")
rows = [[v.hex() if isinstance(v, bytes) else v for v in row] for row in db.execute("SELECT * FROM collector_key_retirements ORDER BY seq")]
json.dump(rows, open(sys.argv[2], "w"))
db.execute("DELETE FROM collector_key_retirements"); db.commit(); db.close()
PY
"$HEATCTL" generate --clients 4 --weeks 2 --seed 13 --out "$OUT/thief.csv" --quiet
"$HEATCTL" ingest "$OUT/thief.csv" --store "$OUT/collector-thief.db" --keys "$OUT/keys/collector" --plaintext --quiet > /dev/null
python3 - "$OUT/collector-thief.db" "$OUT/saved-retirements.json" "$VERIFY" <<'PY'
import importlib.util, json, sqlite3, sys
spec = importlib.util.spec_from_file_location("verify_store", sys.argv[3])
vs = importlib.util.module_from_spec(spec); spec.loader.exec_module(vs)
db = sqlite3.connect(sys.argv[1])
for row in json.load(open(sys.argv[2])):
    # seq, recorded_at, public_key, generation, successor_public_key, final_signature_seq, reason, key_fingerprint, signature, prev_hash, row_hash
    blobs = {2, 4, 8, 9, 10}
    values = [bytes.fromhex(v) if i in blobs else v for i, v in enumerate(row)]
    db.execute(f"INSERT INTO collector_key_retirements VALUES ({', '.join('?' * len(values))})", values)
db.execute(vs.trigger_sql("collector_key_retirements", "DELETE"))
db.commit(); db.execute("PRAGMA wal_checkpoint(TRUNCATE)"); db.close()
PY
check "run signed by the retired collector key (lifted retirement put back)" "$OUT/collector-thief.db" \
  --expect-head "$OUT/collector-head.json" --allow-unsigned-tail
expect_kind retiredCollectorKey
cp "$OUT/collector-rotated.db" "$OUT/collector-zeroed.db"
python3 - "$OUT/collector-zeroed.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript("DROP TRIGGER collector_key_retirements_no_update; UPDATE collector_key_retirements SET signature = zeroblob(64) WHERE seq = 1;")
db.commit(); db.close()
PY
check "collector key retirement with a zeroed signature" "$OUT/collector-zeroed.db" --expect-head "$OUT/collector-head.json"
expect_kind badCollectorKeyRetirement
# Issue 27 (review s34 MEDIUM 8): a retirement whose recorded_at was rewritten in a non-canonical
# form of the same instant (`+00:00` for `Z`), chain recomputed. Swift once parsed and re-serialised
# the time, so the signature still verified; both verifiers must now refuse to parse it.
cp "$OUT/collector-rotated.db" "$OUT/collector-time.db"
python3 - "$OUT/collector-time.db" "$VERIFY" <<'PY'
import hashlib, importlib.util, sqlite3, sys
spec = importlib.util.spec_from_file_location("verify_store", sys.argv[2])
vs = importlib.util.module_from_spec(spec); spec.loader.exec_module(vs)
db = sqlite3.connect(sys.argv[1])
db.executescript("DROP TRIGGER collector_key_retirements_no_update;")
recorded = db.execute("SELECT recorded_at FROM collector_key_retirements WHERE seq = 1").fetchone()[0]
assert recorded.endswith("Z")
db.execute("UPDATE collector_key_retirements SET recorded_at = ? WHERE seq = 1", (recorded[:-1] + "+00:00",))
columns = ["recorded_at", "public_key", "generation", "successor_public_key", "final_signature_seq", "reason", "key_fingerprint", "signature"]
def encode(value):
    if value is None: return vs.c_null()
    if isinstance(value, int): return vs.c_int(value)
    if isinstance(value, str): return vs.c_text(value)
    return vs.c_blob(bytes(value))
previous = vs.genesis("collector_key_retirements")
for row in db.execute(f"SELECT seq, {', '.join(columns)} FROM collector_key_retirements ORDER BY seq").fetchall():
    digest = hashlib.sha256(previous + vs.c_int(row[0]) + b"".join(encode(v) for v in row[1:])).digest()
    db.execute("UPDATE collector_key_retirements SET prev_hash = ?, row_hash = ? WHERE seq = ?", (previous, digest, row[0]))
    previous = digest
db.execute(vs.trigger_sql("collector_key_retirements", "UPDATE"))
db.commit(); db.execute("PRAGMA wal_checkpoint(TRUNCATE)"); db.close()
PY
check "collector key retirement with a non-canonical recorded_at, chain recomputed" "$OUT/collector-time.db" \
  --expect-head "$OUT/collector-head.json"
expect_kind badCollectorKeyRetirement

# Issue 27, item 1: the FHE key rotated through heatctl (the stored ciphertexts re-encrypted in the
# vault and covered by the signed transition); then the transition's signature zeroed: both
# verifiers ignore it and name it, and its re-encrypted rows carry no signature.
"$HEATCTL" init --store "$OUT/fhe.db" > /dev/null
"$HEATCTL" keys generate --out "$OUT/fhe-keys" --store "$OUT/fhe.db" > /dev/null
"$HEATCTL" ingest "$OUT/interactions.csv" --clients "$OUT/clients.csv" --store "$OUT/fhe.db" --keys "$OUT/fhe-keys/collector" --quiet > /dev/null
"$HEATCTL" audit sign --store "$OUT/fhe.db" --keys "$OUT/fhe-keys/keyholder" --first-head --head-out "$OUT/fhe-head.json" > /dev/null
"$HEATCTL" keys rotate --fhe --store "$OUT/fhe.db" --keys "$OUT/fhe-keys/keyholder" --out "$OUT/fhe-gen2" \
  --previous-head "$OUT/fhe-head.json" --head-out "$OUT/fhe-head.json" > /dev/null
python3 - "$OUT/fhe.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); db.execute("PRAGMA wal_checkpoint(TRUNCATE)"); db.close()
PY
AUDITOR="$OUT/fhe-keys/auditor" check "FHE key rotated (ciphertexts re-encrypted in the vault)" "$OUT/fhe.db" --expect-head "$OUT/fhe-head.json"
grep -q "FHE key rotated to generation 2" "$OUT/python.json" || { echo "  the Python verifier does not name the FHE key rotation" >&2; status=1; }
cp "$OUT/fhe.db" "$OUT/fhe-zeroed.db"
python3 - "$OUT/fhe-zeroed.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript("DROP TRIGGER fhe_key_transitions_no_update; UPDATE fhe_key_transitions SET signature = zeroblob(64) WHERE seq = 1;")
db.commit(); db.close()
PY
AUDITOR="$OUT/fhe-keys/auditor" check "FHE key transition with a zeroed signature" "$OUT/fhe-zeroed.db" --expect-head "$OUT/fhe-head.json"
expect_kind badFHEKeyTransition
expect_kind unsignedIngestion

# Issue 27 (s36): every signed operation record refuses a signed time rewritten in a
# non-canonical form of the same instant (`+00:00` for `Z`), chain recomputed: Swift reads them
# all through one reader (StoredSignedRecord) and both verifiers must refuse to parse the row.
# rechain.py: rewrite rows of a chained table in place (its update trigger dropped), then recompute
# its chain hashes and restore the trigger: what an attacker with write access (but no signing key)
# can do. Used by `retime` and by the swapped-transition case below.
cat > "$OUT/rechain.py" <<'PY'
import hashlib, importlib.util, sqlite3, sys
def rewrite(path, verify, table, edit):
    """Opens `path`, calls `edit(db, columns)` with the update trigger dropped, recomputes the chain."""
    spec = importlib.util.spec_from_file_location("verify_store", verify)
    vs = importlib.util.module_from_spec(spec); spec.loader.exec_module(vs)
    db = sqlite3.connect(path)
    db.executescript(f"DROP TRIGGER {table}_no_update;")
    columns = [r[1] for r in db.execute(f"PRAGMA table_info({table})") if r[1] not in ("seq", "prev_hash", "row_hash")]
    edit(db, columns)
    def encode(value):
        if value is None: return vs.c_null()
        if isinstance(value, int): return vs.c_int(value)
        if isinstance(value, str): return vs.c_text(value)
        return vs.c_blob(bytes(value))
    previous = vs.genesis(table)
    for row in db.execute(f"SELECT seq, {', '.join(columns)} FROM {table} ORDER BY seq").fetchall():
        digest = hashlib.sha256(previous + vs.c_int(row[0]) + b"".join(encode(v) for v in row[1:])).digest()
        db.execute(f"UPDATE {table} SET prev_hash = ?, row_hash = ? WHERE seq = ?", (previous, digest, row[0]))
        previous = digest
    db.execute(vs.trigger_sql(table, "UPDATE"))
    db.commit(); db.execute("PRAGMA wal_checkpoint(TRUNCATE)"); db.close()
PY
retime() {  # retime SOURCE.db COPY.db TABLE COLUMN: rewrite row 1's COLUMN, recompute TABLE's chain
  cp "$1" "$2"
  python3 - "$2" "$VERIFY" "$3" "$4" "$OUT" <<'PY'
import sys
sys.path.insert(0, sys.argv[5]); import rechain
table, column = sys.argv[3], sys.argv[4]
def edit(db, columns):
    value = db.execute(f"SELECT {column} FROM {table} WHERE seq = 1").fetchone()[0]
    assert value.endswith("Z"), value
    db.execute(f"UPDATE {table} SET {column} = ? WHERE seq = 1", (value[:-1] + "+00:00",))
rechain.rewrite(sys.argv[1], sys.argv[2], table, edit)
PY
}
retime "$OUT/retained.db" "$OUT/time-tombstone.db" retention_tombstones recorded_at
check "retention tombstone with a non-canonical recorded_at, chain recomputed" "$OUT/time-tombstone.db" \
  --expect-head "$OUT/retained-head.json"
expect_kind badTombstone
retime "$OUT/erased.db" "$OUT/time-erasure.db" client_erasures recorded_at
check "erasure record with a non-canonical recorded_at, chain recomputed" "$OUT/time-erasure.db" \
  --expect-head "$OUT/erased-head.json"
expect_kind badErasure
retime "$OUT/rotated.db" "$OUT/time-transition.db" key_transitions recorded_at
check "signing key transition with a non-canonical recorded_at, chain recomputed" "$OUT/time-transition.db" \
  --expect-head "$OUT/rotated-head.json"
expect_kind badKeyTransition
retime "$OUT/fhe.db" "$OUT/time-fhe.db" fhe_key_transitions recorded_at
AUDITOR="$OUT/fhe-keys/auditor" check "FHE key transition with a non-canonical recorded_at, chain recomputed" "$OUT/time-fhe.db" \
  --expect-head "$OUT/fhe-head.json"
expect_kind badFHEKeyTransition
retime "$OUT/heat.db" "$OUT/time-endorsement.db" collector_keys endorsed_at
check "collector key endorsement with a non-canonical endorsed_at, chain recomputed" "$OUT/time-endorsement.db" \
  --expect-head "$OUT/head.json"
expect_kind unendorsedCollectorKey
# Issue 27 (s36, review s35 MEDIUM 4): the signed transition replayed as a second row, the chain
# hashes recomputed (the attacker cannot re-sign): both verifiers name the replay.
cp "$OUT/fhe.db" "$OUT/fhe-replayed.db"
python3 - "$OUT/fhe-replayed.db" "$VERIFY" <<'PY'
import hashlib, importlib.util, sqlite3, sys
spec = importlib.util.spec_from_file_location("verify_store", sys.argv[2])
vs = importlib.util.module_from_spec(spec); spec.loader.exec_module(vs)
db = sqlite3.connect(sys.argv[1])
columns = ["recorded_at", "generation", "key_id", "previous_key_id", "parameters_fingerprint", "source_first_seq", "final_seq",
           "first_seq", "last_seq", "end_hash", "reason", "key_fingerprint", "signature"]
row = db.execute(f"SELECT {', '.join(columns)}, row_hash FROM fhe_key_transitions WHERE seq = 1").fetchone()
def encode(value):
    if value is None: return vs.c_null()
    if isinstance(value, int): return vs.c_int(value)
    if isinstance(value, str): return vs.c_text(value)
    return vs.c_blob(bytes(value))
previous = bytes(row[-1])
digest = hashlib.sha256(previous + vs.c_int(2) + b"".join(encode(v) for v in row[:-1])).digest()
db.execute(f"INSERT INTO fhe_key_transitions (seq, {', '.join(columns)}, prev_hash, row_hash) VALUES (2, {', '.join('?' * len(columns))}, ?, ?)",
           (*row[:-1], previous, digest))
db.commit(); db.execute("PRAGMA wal_checkpoint(TRUNCATE)"); db.close()
PY
AUDITOR="$OUT/fhe-keys/auditor" check "FHE key transition replayed as a second row (chain recomputed)" "$OUT/fhe-replayed.db" \
  --expect-head "$OUT/fhe-head.json" --allow-unsigned-tail
expect_kind badFHEKeyTransition
# Issue 27 (s37, review s37 finding 9): two rotations (generations 2 and 3), then the two signed
# transitions swapped in place, chain hashes recomputed (the attacker cannot re-sign): each row is
# still a valid signature, but the chain of generations no longer continues; both verifiers refuse.
cp "$OUT/fhe.db" "$OUT/fhe-chain.db"
cp "$OUT/fhe-head.json" "$OUT/fhe-chain-head.json"
# The runbook's step 2 (Operations.md 4b): the new FHE files copied over the key holder's folder.
cp -R "$OUT/fhe-keys/keyholder" "$OUT/fhe-keyholder-gen2" && cp "$OUT/fhe-gen2/keyholder/"* "$OUT/fhe-keyholder-gen2/"
"$HEATCTL" keys rotate --fhe --store "$OUT/fhe-chain.db" --keys "$OUT/fhe-keyholder-gen2" --out "$OUT/fhe-gen3" \
  --previous-head "$OUT/fhe-chain-head.json" --head-out "$OUT/fhe-chain-head.json" > /dev/null
AUDITOR="$OUT/fhe-keys/auditor" check "FHE key rotated twice (generations 2 and 3)" "$OUT/fhe-chain.db" --expect-head "$OUT/fhe-chain-head.json"
cp "$OUT/fhe-chain.db" "$OUT/fhe-reordered.db"
python3 - "$OUT/fhe-reordered.db" "$VERIFY" "$OUT" <<'PY'
import sys
sys.path.insert(0, sys.argv[3]); import rechain
def swap(db, columns):
    rows = {r[0]: r[1:] for r in db.execute(f"SELECT seq, {', '.join(columns)} FROM fhe_key_transitions WHERE seq IN (1, 2)")}
    assert sorted(rows) == [1, 2], rows.keys()
    for seq, other in ((1, 2), (2, 1)):
        db.execute(f"UPDATE fhe_key_transitions SET {', '.join(c + ' = ?' for c in columns)} WHERE seq = ?", (*rows[other], seq))
rechain.rewrite(sys.argv[1], sys.argv[2], "fhe_key_transitions", swap)
PY
AUDITOR="$OUT/fhe-keys/auditor" check "FHE key transitions of generations 2 and 3 swapped (chain recomputed)" "$OUT/fhe-reordered.db" \
  --expect-head "$OUT/fhe-chain-head.json"
expect_kind badFHEKeyTransition
exit $status
