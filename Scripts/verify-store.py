#!/usr/bin/env python3
"""An independent verifier of a CustomerHeat store (Docs/Storage.md), standard library only.

It re-implements, from the specification alone, what `heatctl audit verify` checks, failing
closed in the same way, so an auditor need not trust heatctl's own code:

    Scripts/verify-store.py --store heat.db --keys keys/auditor (--expect-head head.json | --first-head)
                            [--allow-unsigned-tail] [--json]

Exit codes: 0 intact, 1 a violation (each printed as "VIOLATION: kind table seq: message"),
64 usage (missing --keys or head anchor), 65 a corrupt key or head file, 66 a missing file.
The store is opened read-only (never migrated or modified). Ed25519 verification is the
reference arithmetic of RFC 8032 (slow, but there are only a few signatures).
"""

import argparse
import bisect
import datetime
import hashlib
import itertools
import json
import os
import re
import sqlite3
import struct
import sys
import urllib.parse

# ----------------------------------------------------------------------------- Ed25519 (RFC 8032)

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _recover_x(y, sign):
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    if (x & 1) != sign:
        x = P - x
    return x


def _add(a, b):
    A = (a[1] - a[0]) * (b[1] - b[0]) % P
    B = (a[1] + a[0]) * (b[1] + b[0]) % P
    C = 2 * a[3] * b[3] * D % P
    Dd = 2 * a[2] * b[2] % P
    E, F, G, H = B - A, Dd - C, Dd + C, B + A
    return (E * F % P, G * H % P, F * G % P, E * H % P)


def _mul(s, point):
    result = (0, 1, 1, 0)
    while s > 0:
        if s & 1:
            result = _add(result, point)
        point = _add(point, point)
        s >>= 1
    return result


def _equal(a, b):
    return (a[0] * b[2] - b[0] * a[2]) % P == 0 and (a[1] * b[2] - b[1] * a[2]) % P == 0


_GY = 4 * pow(5, P - 2, P) % P
_GX = _recover_x(_GY, 0)
BASE = (_GX, _GY, 1, _GX * _GY % P)


def _decompress(data):
    if len(data) != 32:
        return None
    y = int.from_bytes(data, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % P)


def ed25519_verify(public, message, signature):
    """Whether `signature` is a valid Ed25519 signature of `message` under `public` (cofactorless)."""
    if len(public) != 32 or len(signature) != 64:
        return False
    a = _decompress(public)
    r = _decompress(signature[:32])
    if a is None or r is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= L:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % L
    return _equal(_mul(s, BASE), _add(r, _mul(h, a)))


# ----------------------------------------------------------------------------- canonical encoding

def c_null():
    return b"\x00" + struct.pack(">I", 0)


def c_int(value):
    return b"\x01" + struct.pack(">I", 8) + struct.pack(">q", value)


def c_text(data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return b"\x02" + struct.pack(">I", len(data)) + data


def c_blob(data):
    return b"\x03" + struct.pack(">I", len(data)) + data


CANONICAL_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def canonical_time(raw):
    """The signed time of an operation record as written, when it is in the canonical form that
    UTCTimestamp.iso8601 writes (`2026-03-02T10:00:00Z`, a real UTC time); otherwise ValueError.
    Both verifiers refuse any other form, even one naming the same instant (StoredSignedRecord)."""
    if raw is None:
        raise ValueError
    text = bytes(raw).decode()
    if not CANONICAL_TIME.fullmatch(text):
        raise ValueError
    datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
    return text


def genesis(table):
    return hashlib.sha256(("customerheat.chain/1:" + table).encode()).digest()


# The chained tables each schema version creates (ChainedTable in HeatCore), and those whose
# every row must be covered by a collector ingestion signature (ChainedTable.collectorSigned).
TABLES_BY_VERSION = {
    1: ["audit_log", "key_fingerprints", "client_directory", "weekly_buckets", "event_hmacs", "computation_runs",
        "signed_heads"],
    2: ["collector_keys", "ingestion_signatures"],
    3: [],  # v3-policy adds release_groups, which is append-only but not chained
    4: ["ciphertexts", "collector_state"],
    5: ["retention_tombstones", "key_transitions"],  # v5-operations (issue 27)
    6: ["client_erasures"],  # v6-lifecycle (issue 27, rest)
    7: ["directory_versions"],  # v7-directory (issue 27, item 3)
    8: ["collector_key_retirements"],  # v8-keys (issue 27, item 1)
    9: ["fhe_key_transitions"],  # v9-fhe-keys (issue 27, item 1: FHE key rotation)
}
# The tables retention may drop rows from (RetentionCompactor.weeklyTables).
RETENTION_TABLES = ["weekly_buckets", "ciphertexts", "collector_state"]
TOMBSTONES = "retention_tombstones"
# The tables a client erasure may drop rows from (ClientEraser.tables), under a tombstone whose policy is "erasure E-...".
ERASURE_TABLES = ["client_directory", "weekly_buckets"]
ERASURES = "client_erasures"
VERSIONS = "directory_versions"
RETIREMENTS = "collector_key_retirements"
FHE_TRANSITIONS = "fhe_key_transitions"
COLLECTOR_SIGNED = ["client_directory", "weekly_buckets", "event_hmacs", "ciphertexts", "collector_state"]
SIGNED_HEADS = "signed_heads"
SIGNED_HEADS_COLUMNS = ["seq", "signed_at", "head", "key_fingerprint", "signature", "prev_hash", "row_hash"]


class Usage(Exception):
    pass


class BadFile(Exception):
    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


def read_envelope(path, kind):
    """The payload of a HEATFILE envelope of `kind` (Docs/Formats.md)."""
    if not os.path.exists(path):
        raise BadFile(f"{path}: no such file", 66)
    data = open(path, "rb").read()
    if data[:8] != b"HEATFILE" or len(data) < 52 + 32:
        raise BadFile(f"{path}: not a CustomerHeat file", 65)
    version, found_kind = struct.unpack(">HH", data[8:12])
    (length,) = struct.unpack(">Q", data[44:52])
    if version != 1 or len(data) != 52 + length + 32:
        raise BadFile(f"{path}: unsupported or truncated envelope", 65)
    if hashlib.sha256(data[: 52 + length]).digest() != data[52 + length:]:
        raise BadFile(f"{path}: corrupted file: the SHA-256 checksum does not match the contents", 65)
    if found_kind != kind:
        raise BadFile(f"{path}: expected kind {kind}, found {found_kind}", 65)
    return data[52: 52 + length]


def pinned_key(folder):
    """The Ed25519 public key of the auditor folder's verification key (kind 10)."""
    if not os.path.isdir(folder):
        raise BadFile(f"{folder}: no such key folder", 66)
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if os.path.islink(path) or not os.path.isfile(path):
            raise Usage(f"{path}: not a regular file; refusing to use this key folder")
        with open(path, "rb") as handle:
            header = handle.read(12)
        if header[:8] != b"HEATFILE":
            raise Usage(f"{path}: not a CustomerHeat key file; refusing to use this key folder")
        if struct.unpack(">H", header[10:12])[0] == 10:
            payload = json.loads(read_envelope(path, 10))
            if payload.get("algorithm") != "ed25519":
                raise BadFile(f"{path}: not an Ed25519 key", 65)
            return bytes.fromhex(payload["publicKey"])
    raise BadFile(f"{folder}: no verificationKey file in this auditor folder", 66)


def head_message(head):
    message = head["schema"].encode()
    message += c_text(head["signedAt"]) + c_int(head["schemaVersion"]) + c_text(head["keyFingerprint"])
    message += c_int(len(head["chains"]))
    for chain in head["chains"]:
        message += c_text(chain["table"]) + c_int(chain["rows"]) + c_blob(bytes.fromhex(chain["hash"]))
    return message


def trigger_sql(table, operation):
    return (f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table}\n"
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")


def text_problem(data):
    if b"\x00" in data:
        return "with a NUL byte"
    try:
        data.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        return "that is not valid UTF-8"
    return None


class Verifier:
    def __init__(self, db, pinned, expected, allow_tail):
        self.db = db
        self.pinned = pinned
        self.pinned_fp = hashlib.sha256(pinned).hexdigest()
        self.expected = expected
        self.allow_tail = allow_tail
        self.violations = []

    def violation(self, kind, table, seq, message):
        self.violations.append({"kind": kind, "table": table, "seq": seq, "message": message})

    def one(self, sql, args=()):
        row = self.db.execute(sql, args).fetchone()
        return row[0] if row else None

    def stored_hash(self, table, seq):
        if seq == 0:
            return genesis(table)
        try:
            row = self.db.execute(f"SELECT CAST(row_hash AS BLOB) FROM {table} WHERE seq = ?", (seq,)).fetchone()
        except sqlite3.Error:
            return None
        if row and row[0] is not None:
            return bytes(row[0])
        for stone in getattr(self, "tombstones", {}).get(table, []):  # a dropped row's anchored hash
            if stone["first"] <= seq <= stone["last"]:
                return stone["anchors"].get(seq)
        return None

    def load_transitions(self):
        """Signing keys linked to the pinned key by transitions signed by both keys (KeyTransition)."""
        valid, problems = [], []
        for row in self.db.execute(
                "SELECT seq, CAST(recorded_at AS BLOB), generation, CAST(old_public_key AS BLOB), CAST(new_public_key AS BLOB), "
                "final_head_seq, CAST(reason AS BLOB), CAST(old_signature AS BLOB), CAST(new_signature AS BLOB) "
                "FROM key_transitions ORDER BY seq"):
            seq, recorded, generation, old, new, final, reason, old_sig, new_sig = row
            try:
                old, new = bytes(old), bytes(new)
                recorded, reason = canonical_time(recorded), bytes(reason).decode()
                message = b"customerheat.key-transition/1" + c_text(recorded) + c_int(generation) + c_blob(old)
                message += c_blob(new) + c_int(final) + c_text(reason)
                ok = len(old) == 32 and len(new) == 32 and old != new and isinstance(final, int) \
                    and ed25519_verify(old, message, bytes(old_sig)) and ed25519_verify(new, message, bytes(new_sig))
            except (ValueError, TypeError, struct.error, UnicodeDecodeError):
                ok = False
            if not ok:
                problems.append((seq, "cannot be parsed or not signed by both keys (forged or altered)"))
                continue
            valid.append((seq, old, new, final))
        # One linear chain (KeyTransition.linearChain): each accepted transition's old key is the
        # previous accepted one's new key, and each new key is new to the chain.
        chain, known = [], set()
        for seq, old, new, final in valid:
            old_fp, new_fp = hashlib.sha256(old).hexdigest(), hashlib.sha256(new).hexdigest()
            if chain and hashlib.sha256(chain[-1][2]).hexdigest() != old_fp:
                problems.append((seq, "the key was already retired by an earlier transition (a fork)" if old_fp in known
                                 else "its old key is not the current key of the store's chain of keys: not on the chain"))
                continue
            if new_fp in known:
                problems.append((seq, "its new key is already on the store's chain of keys: a transition to a known key"))
                continue
            known.update((old_fp, new_fp))
            chain.append((seq, old, new, final))
        if hashlib.sha256(self.pinned).hexdigest() in known:
            for seq, old, new, final in chain:
                old_fp, new_fp = hashlib.sha256(old).hexdigest(), hashlib.sha256(new).hexdigest()
                self.trusted[old_fp], self.trusted[new_fp], self.retired[old_fp] = old, new, final
        else:
            problems += [(seq, "links keys the pinned auditor key does not trust") for seq, _, _, _ in chain]
        for seq, reason in sorted(problems, key=lambda p: p[0]):
            self.violation("badKeyTransition", "key_transitions", seq, f"key_transitions row {seq}: {reason}; it is ignored")
        # What each retired key's final signed head covers: the key's later signatures on rows
        # beyond it (tombstones, collector endorsements) were made after it was retired.
        # Only when signed_heads passed the schema check (otherwise the final heads cover nothing).
        self.final_coverage = {}
        usable = SIGNED_HEADS in [t for t, _ in self.walkable]
        for fingerprint, final in self.retired.items():
            coverage = {}
            try:
                row = self.db.execute("SELECT CAST(head AS BLOB), CAST(signature AS BLOB) FROM signed_heads WHERE seq = ?",
                                      (final,)).fetchone() if usable else None
                head = json.loads(bytes(row[0] or b"")) if row else None
                signer = self.trusted.get(head.get("keyFingerprint")) if head else None
                if signer is not None and ed25519_verify(signer, head_message(head), bytes(row[1] or b"")) \
                        and final <= self.retired.get(head["keyFingerprint"], final):
                    coverage = {c["table"]: c["rows"] for c in head["chains"]}
            except (ValueError, KeyError, TypeError, AttributeError, struct.error, sqlite3.Error):
                coverage = {}
            self.final_coverage[fingerprint] = coverage

    def retired_problem(self, fingerprint, table, seq):
        """Why a signature by a retired key on row `seq` of `table` is refused (None when its final head covers it)."""
        final = self.retired.get(fingerprint)
        if final is None:
            return None
        covered = self.final_coverage.get(fingerprint, {}).get(table, 0)
        if seq <= covered:
            return None
        return (f"signed by key {fingerprint[:16]}…, which a key transition retired after signed head {final}, whose head covers "
                f"only {covered} {table} rows: signed after the key was retired (a retired, possibly stolen, key)")

    def load_tombstones(self):
        """Valid retention tombstones (signed by the pinned key) by table; invalid ones are violations."""
        for row in self.db.execute(
                "SELECT seq, CAST(recorded_at AS BLOB), CAST(table_name AS BLOB), first_seq, last_seq, CAST(policy AS BLOB), "
                "CAST(anchors AS BLOB), CAST(key_fingerprint AS BLOB), CAST(signature AS BLOB) FROM retention_tombstones ORDER BY seq"):
            seq, recorded, table, first, last, policy, anchors, fingerprint, signature = row
            label = f"{TOMBSTONES} row {seq}"
            try:
                recorded, table, policy = canonical_time(recorded), bytes(table).decode(), bytes(policy).decode()
                fingerprint = bytes(fingerprint).decode()
                anchors = [(int(a["seq"]), bytes.fromhex(a["hash"])) for a in json.loads(bytes(anchors))]
                if not isinstance(first, int) or not isinstance(last, int):
                    raise ValueError
            except (ValueError, KeyError, TypeError, UnicodeDecodeError):
                self.violation("badTombstone", TOMBSTONES, seq, f"{label}: the tombstone cannot be parsed; the rows it names count as deleted")
                continue
            message = b"customerheat.tombstone/1" + c_text(recorded.encode()) + c_text(table.encode()) + c_int(first) + c_int(last)
            message += c_text(policy.encode()) + c_int(len(anchors))
            for anchor_seq, anchor_hash in anchors:
                message += c_int(anchor_seq) + c_blob(anchor_hash)
            message += c_text(fingerprint.encode())
            problem = None
            if fingerprint not in self.trusted:
                problem = "not signed by the pinned auditor key"
            elif not ed25519_verify(self.trusted[fingerprint], message, bytes(signature or b"")):
                problem = "the Ed25519 signature does not verify (a forged, altered or unsigned tombstone)"
            elif table not in RETENTION_TABLES and not (policy.startswith("erasure ") and table in ERASURE_TABLES):
                problem = f"names table {table}, from which retention never drops rows"
            elif first < 1 or last < first:
                problem = f"names an invalid range {first}-{last}"
            elif not all(first <= a <= last and len(h) == 32 for a, h in anchors) or last not in dict(anchors):
                problem = f"its anchors are outside the range or do not include row {last}"
            if problem:
                self.violation("badTombstone", TOMBSTONES, seq,
                               f"{label} ({table} rows {first}-{last}): {problem}; the rows it names count as deleted")
                continue
            retired = self.retired_problem(fingerprint, TOMBSTONES, seq)
            if retired:
                self.violation("retiredSigningKey", TOMBSTONES, seq,
                               f"{label} ({table} rows {first}-{last}): {retired}; the rows it names count as deleted")
                continue
            self.tombstones.setdefault(table, []).append({"first": first, "last": last, "anchors": dict(anchors),
                                                          "policy": policy, "seq": seq})
            by = "erasure" if policy.startswith("erasure ") else "retention"
            self.retention.append(f"{table} rows {first}-{last} dropped by {by} ({policy}), signed tombstone {seq} of {recorded}")

    def load_erasures(self):
        """Client erasure records (ClientErasure): each signed by a trusted key (not retired before
        it), paired with exactly one directory tombstone of its policy; every erasure tombstone
        names a valid record. Sets self.erased_slots."""
        valid, slots = {}, set()
        stones = {}  # valid tombstones with an erasure policy, by policy
        for table in sorted(self.tombstones):
            for stone in self.tombstones[table]:
                if stone["policy"].startswith("erasure "):
                    stones.setdefault(stone["policy"], []).append(dict(stone, table=table))
        for row in self.db.execute(
                "SELECT seq, CAST(recorded_at AS BLOB), CAST(erasure_id AS BLOB), slot, directory_seq, CAST(reason AS BLOB), "
                "CAST(key_fingerprint AS BLOB), CAST(signature AS BLOB) FROM client_erasures ORDER BY seq"):
            seq = row[0]
            label = f"{ERASURES} row {seq}"
            try:
                recorded, erasure, reason, fingerprint = canonical_time(row[1]), *(bytes(row[i]).decode() for i in (2, 5, 6))
                slot, directory_seq = row[3], row[4]
                if not isinstance(slot, int) or not isinstance(directory_seq, int) or row[7] is None:
                    raise ValueError
            except (ValueError, TypeError, UnicodeDecodeError):
                self.violation("badErasure", ERASURES, seq, f"{label}: the erasure record cannot be parsed (forged or altered)")
                continue
            label = f"{label} ({erasure}, slot {slot})"
            message = b"customerheat.erasure/1" + c_text(recorded.encode()) + c_text(erasure.encode()) + c_int(slot)
            message += c_int(directory_seq) + c_text(reason.encode()) + c_text(fingerprint.encode())
            if fingerprint not in self.trusted:
                problem = "not signed by the pinned auditor key"
            elif not ed25519_verify(self.trusted[fingerprint], message, bytes(row[7] or b"")):
                problem = "the Ed25519 signature does not verify (a forged, altered or unsigned erasure)"
            elif slot < 0 or directory_seq < 1:
                problem = f"names an invalid slot {slot} or directory row {directory_seq}"
            else:
                problem = None
            if problem:
                self.violation("badErasure", ERASURES, seq, f"{label}: {problem}")
                continue
            retired = self.retired_problem(fingerprint, ERASURES, seq)
            if retired:
                self.violation("retiredSigningKey", ERASURES, seq, f"{label}: {retired}")
                continue
            if erasure in valid:
                self.violation("badErasure", ERASURES, seq, f"{label}: erasure id recorded twice (first in row {valid[erasure]})")
                continue
            policy = "erasure " + erasure
            directory = [t for t in stones.get(policy, []) if t["table"] == "client_directory"]
            if len(directory) != 1 or directory[0]["first"] != directory_seq or directory[0]["last"] != directory_seq:
                self.violation("badErasure", ERASURES, seq,
                               f"{label}: pairs with {len(directory)} signed client_directory tombstones of policy {policy}, "
                               f"not exactly one dropping row {directory_seq}")
                continue
            valid[erasure] = seq
            slots.add(slot)
            self.retention.append(f"client erased on request ({erasure}, slot {slot}), signed erasure {seq} of {recorded}")
        for policy in sorted(stones):
            if policy[len("erasure "):] in valid:
                continue
            for stone in sorted(stones[policy], key=lambda t: t["seq"]):
                self.violation("badErasure", TOMBSTONES, stone["seq"],
                               f"{TOMBSTONES} row {stone['seq']} ({stone['table']} rows {stone['first']}-{stone['last']}, {policy}): "
                               f"no valid signed erasure record pairs with it")
        self.erased_slots = sorted(slots)

    def load_directory_versions(self):
        """Directory versions (DirectoryVersion): each signed by a trusted key (not retired before it)."""
        seen_ids = set()
        for row in self.db.execute(
                "SELECT seq, CAST(recorded_at AS BLOB), CAST(version_id AS BLOB), slot, CAST(from_week AS BLOB), "
                "CAST(status AS BLOB), manager_pseudonym, branch_pseudonym, CAST(key_fingerprint AS BLOB), "
                "CAST(signature AS BLOB) FROM directory_versions ORDER BY seq"):
            seq = row[0]
            label = f"{VERSIONS} row {seq}"
            try:
                recorded, version, week, status, fingerprint = (bytes(row[i]).decode() for i in (1, 2, 4, 5, 8))
                slot, manager, branch = row[3], row[6], row[7]
                if not isinstance(slot, int) or row[9] is None or status not in ("active", "closed") or \
                        any(v is not None and not isinstance(v, bytes) for v in (manager, branch)) or \
                        not re.fullmatch(r"\d{4}-W\d{2}", week):
                    raise ValueError
                # A real ISO week (W01..W52/W53 of that year) and a canonical UTC time, as DirectoryVersion parses them.
                datetime.date.fromisocalendar(int(week[:4]), int(week[6:]), 1)
                canonical_time(row[1])
            except (ValueError, TypeError, UnicodeDecodeError):
                self.violation("badDirectoryVersion", VERSIONS, seq, f"{label}: the directory version cannot be parsed (forged or altered)")
                continue
            label = f"{label} ({version}, slot {slot} from {week})"
            if version in seen_ids:
                # A rebuilt table loses the UNIQUE constraint: a repeated id is a copied (replayed) version.
                self.violation("badDirectoryVersion", VERSIONS, seq, f"{label}: repeats the version id of an earlier row (a copied version)")
                continue
            seen_ids.add(version)
            message = b"customerheat.directory-version/1" + c_text(recorded.encode()) + c_text(version.encode()) + c_int(slot)
            message += c_text(week.encode()) + c_text(status.encode())
            message += (c_null() if manager is None else c_blob(manager)) + (c_null() if branch is None else c_blob(branch))
            message += c_text(fingerprint.encode())
            if fingerprint not in self.trusted:
                problem = "not signed by the pinned auditor key"
            elif not ed25519_verify(self.trusted[fingerprint], message, bytes(row[9] or b"")):
                problem = "the Ed25519 signature does not verify (a forged, altered or unsigned directory version)"
            elif slot < 0:
                problem = f"names an invalid slot {slot}"
            elif any(v is not None and len(v) != 32 for v in (manager, branch)):
                problem = "holds a manager or branch pseudonym that is not 32 bytes"
            elif status == "closed" and (manager is not None or branch is not None):
                problem = "closes the account but names a manager or branch"
            else:
                problem = None
            if problem:
                self.violation("badDirectoryVersion", VERSIONS, seq, f"{label}: {problem}")
                continue
            retired = self.retired_problem(fingerprint, VERSIONS, seq)
            if retired:
                self.violation("retiredSigningKey", VERSIONS, seq, f"{label}: {retired}")
                continue
            change = "account closed" if status == "closed" else "client moved"
            # Erasure drops the directory row, not the slot's versions: flag what remains (issue 27).
            erased = "; names an erased slot: its weeks and managers remain" if slot in self.erased_slots else ""
            self.retention.append(f"directory: {change} from {week} ({version}, slot {slot}), signed version {seq} of {recorded}{erased}")

    def check_erased_slots(self):
        """A client_directory row holding an erased slot: an erased client re-inserted, or the slot reused."""
        if not self.erased_slots or "client_directory" not in [t for t, _ in self.walkable]:
            return
        marks = ", ".join("?" for _ in self.erased_slots)
        row = self.db.execute(f"SELECT seq, slot FROM client_directory WHERE typeof(slot) = 'integer' AND slot IN ({marks}) "
                              "ORDER BY seq LIMIT 1", self.erased_slots).fetchone()
        if row:
            self.violation("reinsertedRow", "client_directory", row[0],
                           f"client_directory row {row[0]} holds slot {row[1]}, which a signed erasure freed")

    def columns(self, table):
        return [row[1] for row in self.db.execute(f"PRAGMA table_info({table})")]

    def run(self):
        version = self.one("PRAGMA user_version") or 0
        encoding = self.one("PRAGMA encoding") or ""
        if encoding.upper() != "UTF-8":
            self.violation("schemaChanged", "", None, f"the database text encoding is {encoding}, not UTF-8")
        required = [t for v in sorted(TABLES_BY_VERSION) if v <= version for t in TABLES_BY_VERSION[v]]
        # Tables in the same order as heatctl: the registered ones, signed_heads last.
        order = [t for t in required if t != SIGNED_HEADS]
        present = [row[0] for row in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        for name in present:  # chained tables this script does not know yet (added by newer schemas)
            cols = self.columns(name)
            if name not in required and cols[:1] == ["seq"] and cols[-2:] == ["prev_hash", "row_hash"]:
                order.append(name)
        order.append(SIGNED_HEADS)
        self.walkable = []
        for table in order:
            if table not in present:
                self.violation("missingTable", table, None, f"table {table} is missing (dropped)")
                continue
            cols = self.columns(table)
            if cols[:1] != ["seq"] or cols[-2:] != ["prev_hash", "row_hash"] or \
                    (table == SIGNED_HEADS and cols != SIGNED_HEADS_COLUMNS):
                self.violation("schemaChanged", table, None, f"table {table} has columns {', '.join(cols)}")
                continue
            for operation in ["UPDATE", "DELETE"]:
                name = f"{table}_no_{operation.lower()}"
                sql = self.one("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ? AND tbl_name = ?",
                               (name, table))
                if sql != trigger_sql(table, operation):
                    self.violation("appendOnlyTriggerMissing", table, None,
                                   f"table {table}: the append-only trigger {name} was {'dropped' if sql is None else 'altered'}")
                    break
            self.walkable.append((table, cols[1:-2]))
        # Rows dropped by retention leave gaps, so coverage and the tail use the last seq, not COUNT(*).
        self.counts = {t: self.one(f"SELECT COALESCE(MAX(seq), 0) FROM {t}") for t, _ in self.walkable}
        self.trusted, self.retired, self.final_coverage = {self.pinned_fp: self.pinned}, {}, {}
        if "key_transitions" in [t for t, _ in self.walkable]:
            self.load_transitions()
        self.tombstones, self.retention, self.erased_slots = {}, [], []
        if TOMBSTONES in [t for t, _ in self.walkable]:
            self.load_tombstones()
        if ERASURES in [t for t, _ in self.walkable]:
            self.load_erasures()
        if VERSIONS in [t for t, _ in self.walkable]:
            self.load_directory_versions()
        self.fhe_coverage = []
        if FHE_TRANSITIONS in [t for t, _ in self.walkable]:
            self.load_fhe_transitions()
        for table, cols in self.walkable:
            self.walk(table, cols)
        self.check_erased_slots()
        latest, heads = self.check_heads()
        self.check_anchor(heads)
        self.check_collector()
        self.check_tail(latest)

    def walk(self, table, cols):
        select = ["seq"]
        for column in cols:
            select += [f"typeof({column})", f"CASE typeof({column}) WHEN 'integer' THEN {column} ELSE CAST({column} AS BLOB) END"]
        select += ["typeof(prev_hash)", "CAST(prev_hash AS BLOB)", "typeof(row_hash)", "CAST(row_hash AS BLOB)"]
        expected_seq, previous = 1, genesis(table)
        stones = sorted(self.tombstones.get(table, []), key=lambda t: t["first"])
        starts, reach = [t["first"] for t in stones], list(itertools.accumulate((t["last"] for t in stones), max))
        for row in self.db.execute(f"SELECT {', '.join(select)} FROM {table} ORDER BY seq"):
            seq = row[0]
            # A gap is bridged only by valid tombstones covering it exactly (RetentionTombstone).
            while isinstance(seq, int) and seq > expected_seq:
                stone = next((t for t in self.tombstones.get(table, []) if t["first"] == expected_seq), None)
                if stone is None or stone["last"] >= seq:
                    break
                expected_seq, previous = stone["last"] + 1, stone["anchors"][stone["last"]]
            inside = None
            if isinstance(seq, int) and reach:
                position = bisect.bisect_right(starts, seq)  # tombstones starting at or before seq
                if position and reach[position - 1] >= seq:
                    inside = next(t for t in stones[:position] if t["last"] >= seq)
            if inside is not None:  # a stored row in a dropped range: dropped or erased rows re-inserted
                self.violation("reinsertedRow", table, seq,
                               f"{table} row {seq} lies in rows {inside['first']}-{inside['last']}, which a signed tombstone dropped")
                return
            if seq != expected_seq:
                if seq > expected_seq:
                    self.violation("missingRow", table, expected_seq,
                                   f"{table} row {expected_seq} is missing: row {seq} follows row {expected_seq - 1} (rows deleted)")
                else:
                    self.violation("missingRow", table, expected_seq, f"{table} row {seq} is out of order")
                return
            data = c_int(seq)
            for index, column in enumerate(cols):
                kind, value = row[1 + 2 * index], row[2 + 2 * index]
                if kind == "null":
                    data += c_null()
                elif kind == "integer":
                    data += c_int(value)
                elif kind == "text":
                    value = bytes(value or b"")
                    problem = text_problem(value)
                    if problem:
                        self.violation("badText", table, seq,
                                       f"{table} row {seq}: column {column} holds text {problem}, which the store never writes (tampering)")
                        return
                    data += c_text(value)
                elif kind == "blob":
                    data += c_blob(bytes(value or b""))
                else:
                    self.violation("badValue", table, seq, f"{table} row {seq}: column {column} holds a {kind.upper()} value")
                    return
            base = 1 + 2 * len(cols)
            prev_type, prev, hash_type, stored = row[base], row[base + 1], row[base + 2], row[base + 3]
            if prev_type != "blob" or bytes(prev or b"") != previous:
                self.violation("brokenLink", table, seq,
                               f"{table} row {seq}: prev_hash is not the hash of row {seq - 1} (rows removed, reordered or inserted)")
                return
            computed = hashlib.sha256(previous + data).digest()
            if hash_type != "blob" or bytes(stored or b"") != computed:
                self.violation("rowHashMismatch", table, seq,
                               f"{table} row {seq}: contents do not match row_hash (the row was edited or reordered)")
                return
            previous = computed
            expected_seq += 1

    def check_head(self, head, label, seq):
        signer = getattr(self, "trusted", {self.pinned_fp: self.pinned}).get(head.get("keyFingerprint"))
        if signer is None:
            self.violation("unknownSigningKey", SIGNED_HEADS, seq, f"{label}: not signed by the pinned auditor key")
            return False
        try:
            valid = ed25519_verify(signer, head_message(head), bytes.fromhex(head.get("signature", "")))
        except (KeyError, ValueError, TypeError):
            valid = False
        if not valid:
            self.violation("badSignature", SIGNED_HEADS, seq, f"{label}: the Ed25519 signature does not verify")
            return False
        retired = getattr(self, "retired", {}).get(head.get("keyFingerprint"))
        if seq is not None and retired is not None and seq > retired:
            self.violation("retiredSigningKey", SIGNED_HEADS, seq,
                           f"{label}: signed by a key that a key transition retired after signed head {retired}")
        known = {t for t, _ in self.walkable} | {t for tables in TABLES_BY_VERSION.values() for t in tables}
        for chain in head["chains"]:
            if chain["table"] not in known:
                self.violation("badHead", SIGNED_HEADS, seq, f"{label}: names unknown table {chain['table']}")
                continue
            if chain["rows"] <= 0:
                continue
            stored = self.stored_hash(chain["table"], chain["rows"])
            if stored is None:
                self.violation("rowsDeleted", chain["table"], chain["rows"],
                               f"{chain['table']} has fewer rows than the {label} covers ({chain['rows']}): rows were deleted (rollback)")
            elif stored.hex() != chain["hash"]:
                self.violation("headMismatch", chain["table"], chain["rows"],
                               f"{chain['table']} row {chain['rows']}: hash differs from the {label}: the chain was rewritten after signing")
        return True

    def check_heads(self):
        heads, latest, previous = [], None, None
        if SIGNED_HEADS not in [t for t, _ in self.walkable]:
            return None, heads
        rows = self.db.execute("SELECT seq, CAST(head AS BLOB), CAST(signature AS BLOB) FROM signed_heads ORDER BY seq").fetchall()
        for seq, text, signature in rows:
            label = f"signed head {seq} in signed_heads"
            try:
                head = json.loads(bytes(text or b""))
                if head.get("schema") != "customerheat.head/1":
                    raise ValueError
            except ValueError:
                self.violation("badHead", SIGNED_HEADS, seq, f"{label}: the stored head cannot be parsed")
                continue
            head["signature"] = bytes(signature or b"").hex()
            if not self.check_head(head, label, seq):
                continue
            if previous is not None:
                before = {c["table"]: c["rows"] for c in previous["chains"]}
                if any(before.get(c["table"], 0) > c["rows"] for c in head["chains"]):
                    self.violation("badHead", SIGNED_HEADS, seq, f"{label} covers fewer rows than the head before it")
            heads.append(head)
            previous = latest = head
        signatures = self.one("SELECT COUNT(*) FROM audit_log WHERE CAST(action AS BLOB) = CAST('audit.sign' AS BLOB)") or 0
        if signatures > len(rows):
            self.violation("headsDeleted", SIGNED_HEADS, None,
                           f"audit_log records {signatures} signatures but signed_heads holds {len(rows)} heads: signed heads were deleted")
        return latest, heads

    def check_anchor(self, heads):
        if self.expected is None:
            return
        label = f"expected head (signed {self.expected['signedAt']})"
        authentic = self.check_head(self.expected, label, None)
        if authentic and not any(h["signature"] == self.expected["signature"] for h in heads):
            self.violation("headsDeleted", SIGNED_HEADS, None, f"{label} is not in signed_heads: signed heads were deleted or replaced")

    def check_collector(self):
        names = [t for t, _ in self.walkable]
        if "collector_keys" not in names or "ingestion_signatures" not in names:
            for table in names:
                if table in COLLECTOR_SIGNED and self.counts.get(table, 0) > 0:
                    self.violation("unsignedIngestion", table, 1, f"{table} rows carry no collector signature (schema version 1 store)")
                    break
            return
        trusted = {}
        for seq, public, endorsed_by, endorsed_at, signature in self.db.execute(
                "SELECT seq, CAST(public_key AS BLOB), CAST(endorsed_by AS BLOB), CAST(endorsed_at AS BLOB), "
                "CAST(signature AS BLOB) FROM collector_keys ORDER BY seq"):
            public, endorsed_by = bytes(public or b""), bytes(endorsed_by or b"")
            try:  # the endorsement time as IngestionKeyEndorsement writes it (canonical `…Z`), UTF-8 texts
                endorsed_at = canonical_time(endorsed_at)
                endorsed_by.decode()
            except (ValueError, TypeError, UnicodeDecodeError):
                self.violation("unendorsedCollectorKey", "collector_keys", seq,
                               f"collector_keys row {seq}: the endorsement cannot be parsed (forged or altered)")
                continue
            message = b"customerheat.collector-key/1" + c_blob(public) + c_text(endorsed_by) + c_text(endorsed_at)
            endorser = self.trusted.get(endorsed_by.decode("utf-8", "replace"))
            if endorser is not None and len(public) == 32 and ed25519_verify(endorser, message, bytes(signature or b"")):
                retired = self.retired_problem(endorsed_by.decode("utf-8", "replace"), "collector_keys", seq)
                if retired:
                    self.violation("retiredSigningKey", "collector_keys", seq,
                                   f"collector_keys row {seq}: the endorsement is {retired}; its signatures are ignored")
                    continue
                trusted[hashlib.sha256(public).hexdigest()] = public
            else:
                self.violation("unendorsedCollectorKey", "collector_keys", seq,
                               f"collector_keys row {seq}: the key is not endorsed by the pinned auditor key")
        retired = self.load_collector_retirements() if RETIREMENTS in names else {}
        # Ciphertext rows re-encrypted by a valid FHE key rotation are covered by its transition.
        coverage = {"ciphertexts": list(self.fhe_coverage)} if self.fhe_coverage else {}
        for seq, run, signed_at, fingerprint, ranges, signature in self.db.execute(
                "SELECT seq, run, CAST(signed_at AS BLOB), CAST(key_fingerprint AS BLOB), CAST(ranges AS BLOB), "
                "CAST(signature AS BLOB) FROM ingestion_signatures ORDER BY seq"):
            label = f"ingestion_signatures row {seq}"
            try:
                ranges = json.loads(bytes(ranges or b""))
                fingerprint = bytes(fingerprint or b"").decode("utf-8")
                message = b"customerheat.ingestion/1" + c_int(run) + c_text(bytes(signed_at or b"")) + c_text(fingerprint)
                message += c_int(len(ranges))
                for r in ranges:
                    message += c_text(r["table"]) + c_int(r["first"]) + c_int(r["last"])
                    message += c_blob(bytes.fromhex(r["startHash"])) + c_blob(bytes.fromhex(r["endHash"]))
            except (ValueError, KeyError, TypeError):
                self.violation("badIngestionSignature", "ingestion_signatures", seq, f"{label}: cannot be parsed")
                continue
            if fingerprint not in trusted:
                self.violation("badIngestionSignature", "ingestion_signatures", seq,
                               f"{label}: signed by a collector key the key holder did not endorse")
                continue
            if not ed25519_verify(trusted[fingerprint], message, bytes(signature or b"")):
                self.violation("badIngestionSignature", "ingestion_signatures", seq,
                               f"{label}: the collector's Ed25519 signature does not verify")
                continue
            if fingerprint in retired and seq > retired[fingerprint][1]:
                retired_by, final = retired[fingerprint]
                self.violation("retiredCollectorKey", "ingestion_signatures", seq,
                               f"{label}: signed by collector key {fingerprint[:16]}…, which {RETIREMENTS} row {retired_by} "
                               f"retired after ingestion signature {final}: a rotated or revoked, possibly stolen, key")
                continue
            matches = True
            for r in ranges:
                start, end = self.stored_hash(r["table"], r["first"] - 1), self.stored_hash(r["table"], r["last"])
                if r["first"] < 1 or r["last"] < r["first"] - 1 or start is None or end is None \
                        or start.hex() != r["startHash"] or end.hex() != r["endHash"]:
                    self.violation("badIngestionSignature", "ingestion_signatures", seq,
                                   f"{label}: {r['table']} rows {r['first']}-{r['last']} no longer match the hashes the collector signed")
                    matches = False
                    break
            if matches:
                for r in ranges:
                    if r["last"] >= r["first"]:
                        coverage.setdefault(r["table"], []).append((r["first"], r["last"]))
        for table in names:
            if table not in COLLECTOR_SIGNED:
                continue
            count, nxt, problem = self.counts.get(table, 0), 1, None
            for first, last in sorted(coverage.get(table, [])):
                if first > nxt:
                    problem = (nxt, first - 1)
                    break
                if first < nxt:
                    problem = (first, min(last, nxt - 1))
                    break
                nxt = last + 1
            if problem is None and nxt <= count:
                problem = (nxt, count)
            if problem:
                self.violation("unsignedIngestion", table, problem[0],
                               f"{table} rows {problem[0]}-{problem[1]} carry no valid collector signature (forged)")

    def load_fhe_transitions(self):
        """FHE key transitions (FHEKeyTransition): each signed by a trusted key (not retired before it), on the chain of
        generations (generation + 1, the previous key id and first row), its end hash the stored ciphertexts row hash.
        The accepted ones cover their re-encrypted ciphertexts rows (self.fhe_coverage)."""
        previous = None
        key_id = re.compile(r"[0-9a-f]{64}")
        for row in self.db.execute(
                f"SELECT seq, CAST(recorded_at AS BLOB), generation, CAST(key_id AS BLOB), CAST(previous_key_id AS BLOB), "
                f"CAST(parameters_fingerprint AS BLOB), source_first_seq, final_seq, first_seq, last_seq, CAST(end_hash AS BLOB), "
                f"CAST(reason AS BLOB), CAST(key_fingerprint AS BLOB), CAST(signature AS BLOB) FROM {FHE_TRANSITIONS} ORDER BY seq"):
            seq = row[0]
            label = f"{FHE_TRANSITIONS} row {seq}"
            try:
                recorded, kid, prev_kid, params, end_hash, reason, fingerprint = (bytes(row[i]).decode() for i in (1, 3, 4, 5, 10, 11, 12))
                generation, source_first, final, first, last = row[2], row[6], row[7], row[8], row[9]
                if not all(isinstance(v, int) for v in (generation, source_first, final, first, last)) or row[13] is None:
                    raise ValueError
                canonical_time(row[1])
            except (ValueError, TypeError, UnicodeDecodeError):
                self.violation("badFHEKeyTransition", FHE_TRANSITIONS, seq, f"{label}: the FHE key transition cannot be parsed (forged or altered); it is ignored")
                continue
            message = b"customerheat.fhe-key-transition/1" + c_text(recorded) + c_int(generation) + c_text(kid) + c_text(prev_kid)
            message += c_text(params) + c_int(source_first) + c_int(final) + c_int(first) + c_int(last) + c_text(end_hash)
            message += c_text(reason) + c_text(fingerprint)
            if fingerprint not in self.trusted:
                problem = "not signed by the pinned auditor key"
            elif not ed25519_verify(self.trusted[fingerprint], message, bytes(row[13])):
                problem = "the Ed25519 signature does not verify (a forged, altered or unsigned FHE key transition)"
            elif generation < 2:
                problem = f"names generation {generation}; a rotation makes generation 2 or later"
            elif not key_id.fullmatch(kid) or (prev_kid and not key_id.fullmatch(prev_kid)):
                problem = "names a malformed key id"
            elif kid == prev_kid:
                problem = "names the retired key as its own successor"
            elif source_first < 1 or final < source_first - 1 or first != final + 1 or last < first - 1:
                problem = f"names inconsistent row ranges (retired rows {source_first}-{final}, re-encrypted rows {first}-{last})"
            else:
                problem = None
            if problem:
                self.violation("badFHEKeyTransition", FHE_TRANSITIONS, seq, f"{label}: FHE key generation {generation}: {problem}; it is ignored")
                continue
            retired_signing = self.retired_problem(fingerprint, FHE_TRANSITIONS, seq)
            if retired_signing:
                self.violation("retiredSigningKey", FHE_TRANSITIONS, seq, f"{label}: FHE key generation {generation}: {retired_signing}; it is ignored")
                continue
            expected_generation = (previous[0] if previous else 1) + 1
            expected_source = previous[1] if previous else 1
            if generation != expected_generation or source_first != expected_source or \
                    (previous and previous[2] != prev_kid) or final < (previous[3] if previous else 0):
                self.violation("badFHEKeyTransition", FHE_TRANSITIONS, seq,
                               f"{label}: FHE key generation {generation} does not continue the store's chain of FHE key generations; it is ignored")
                continue
            end = last if last >= first else final
            stored = self.stored_hash("ciphertexts", end)
            if stored is None or stored.hex() != end_hash:
                self.violation("badFHEKeyTransition", FHE_TRANSITIONS, seq,
                               f"{label}: FHE key generation {generation}: ciphertexts row {end} does not match the hash the key holder signed; it is ignored")
                continue
            previous = (generation, first, kid, last)
            if last >= first:
                self.fhe_coverage.append((first, last))
            self.retention.append(f"FHE key rotated to generation {generation} (key {kid[:16]}…): ciphertexts rows {source_first}-{final} "
                                  f"re-encrypted as rows {first}-{last} ({reason}), signed FHE key transition {seq} of {recorded}")

    def load_collector_retirements(self):
        """Collector key retirements (CollectorKeyRetirement): each signed by a trusted key (not retired before it).
        Returns {retired key fingerprint: (seq, final ingestion signature seq)}, the earliest record per key."""
        retired = {}
        for row in self.db.execute(
                f"SELECT seq, CAST(recorded_at AS BLOB), CAST(public_key AS BLOB), generation, CAST(successor_public_key AS BLOB), "
                f"final_signature_seq, CAST(reason AS BLOB), CAST(key_fingerprint AS BLOB), CAST(signature AS BLOB) "
                f"FROM {RETIREMENTS} ORDER BY seq"):
            seq = row[0]
            label = f"{RETIREMENTS} row {seq}"
            try:
                recorded, public, generation, successor, final, reason, fingerprint, signature = row[1:]
                public, successor, fingerprint = bytes(public), bytes(successor), bytes(fingerprint).decode()
                if not isinstance(generation, int) or not isinstance(final, int) or recorded is None or reason is None \
                        or signature is None:
                    raise ValueError
                # The time as CollectorKeyRetirement writes it (canonical `…Z`, a real UTC time) and
                # a UTF-8 reason, as the Swift verifier parses them: anything else cannot be parsed.
                bytes(reason).decode()
                canonical_time(recorded)
                message = b"customerheat.collector-key-retirement/1" + c_text(bytes(recorded)) + c_blob(public) + c_int(generation)
                message += c_blob(successor) + c_int(final) + c_text(bytes(reason)) + c_text(fingerprint.encode())
            except (ValueError, TypeError, UnicodeDecodeError):
                self.violation("badCollectorKeyRetirement", RETIREMENTS, seq,
                               f"{label}: the collector key retirement cannot be parsed (forged or altered); it is ignored")
                continue
            if fingerprint not in self.trusted:
                problem = "not signed by the pinned auditor key"
            elif not ed25519_verify(self.trusted[fingerprint], message, bytes(signature)):
                problem = "the Ed25519 signature does not verify (a forged, altered or unsigned collector key retirement)"
            elif len(public) != 32 or (successor and len(successor) != 32):
                problem = "names a key that is not 32 bytes"
            elif successor == public:
                problem = "names the retired key as its own successor"
            elif generation < 1 or final < 0:
                problem = f"names an invalid generation {generation} or final signature {final}"
            else:
                problem = None
            if problem:
                self.violation("badCollectorKeyRetirement", RETIREMENTS, seq, f"{label}: {problem}; it is ignored")
                continue
            retired_signing = self.retired_problem(fingerprint, RETIREMENTS, seq)
            if retired_signing:
                self.violation("retiredSigningKey", RETIREMENTS, seq, f"{label}: {retired_signing}; it is ignored")
                continue
            key = hashlib.sha256(public).hexdigest()
            if key in retired:
                continue
            retired[key] = (seq, final)
            what = f"rotated to {hashlib.sha256(successor).hexdigest()[:16]}…" if successor else "revoked"
            self.retention.append(f"collector key {key[:16]}… (generation {generation}) {what} after ingestion signature {final} "
                                  f"({bytes(reason).decode('utf-8', 'replace')}), signed retirement {seq} of {bytes(recorded).decode('utf-8', 'replace')}")
        return retired

    def check_tail(self, latest):
        covered = {c["table"]: c["rows"] for c in latest["chains"]} if latest else {}
        self.unsigned = {}
        for table, _ in self.walkable:
            if table == SIGNED_HEADS:
                continue
            rows = self.counts.get(table, 0)
            if rows > covered.get(table, 0):
                self.unsigned[table] = rows - covered.get(table, 0)
        if self.unsigned and not self.allow_tail:
            table = next(t for t, _ in self.walkable if t in self.unsigned)
            rows = self.counts[table]
            self.violation("unsignedRows", table, rows - self.unsigned[table] + 1,
                           f"{table} rows {rows - self.unsigned[table] + 1}-{rows} are not covered by a signed head "
                           f"({sum(self.unsigned.values())} unsigned rows in all); pass --allow-unsigned-tail to accept them")


def open_read_only(path):
    if not os.path.isfile(path):
        raise BadFile(f"{path}: no such store", 66)
    folder = os.path.dirname(os.path.abspath(path))
    uri = "file:" + urllib.parse.quote(os.path.abspath(path)) + "?mode=ro"
    if not os.path.exists(path + "-wal") and not os.access(folder, os.W_OK):
        uri += "&immutable=1"
    db = sqlite3.connect(uri, uri=True)
    db.execute("PRAGMA trusted_schema = OFF")
    db.execute("PRAGMA query_only = ON")
    return db


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", required=True)
    parser.add_argument("--keys", help="the auditor's key folder (required)")
    parser.add_argument("--expect-head", help="the head file of the previous signature")
    parser.add_argument("--first-head", action="store_true", help="there is no previous head file")
    parser.add_argument("--allow-unsigned-tail", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        if not args.keys:
            raise Usage("missing --keys DIR/auditor: verification pins the key holder's public key")
        if not args.expect_head and not args.first_head:
            raise Usage("missing --expect-head FILE (or --first-head for a first verification)")
        if args.expect_head and args.first_head:
            raise Usage("--expect-head and --first-head exclude each other")
        pinned = pinned_key(args.keys)
        expected = None
        if args.expect_head:
            expected = json.loads(read_envelope(args.expect_head, 12))
        db = open_read_only(args.store)
        db.execute("BEGIN")  # one consistent snapshot
        verifier = Verifier(db, pinned, expected, args.allow_unsigned_tail)
        verifier.run()
        db.close()
    except Usage as error:
        print(f"error: {error}", file=sys.stderr)
        return 64
    except BadFile as error:
        print(f"error: {error}", file=sys.stderr)
        return error.code
    if args.json:
        print(json.dumps({"intact": not verifier.violations, "violations": verifier.violations,
                          "unsignedRows": verifier.unsigned, "retention": verifier.retention}, indent=2, sort_keys=True))
    else:
        for line in verifier.retention:
            print(f"retention: {line}")
        for violation in verifier.violations:
            print(f"VIOLATION: {violation['kind']} {violation['table']} {violation['seq']}: {violation['message']}")
        if verifier.unsigned and args.allow_unsigned_tail:
            print(f"{sum(verifier.unsigned.values())} unsigned rows accepted (--allow-unsigned-tail)")
        if not verifier.violations:
            print("intact")
    return 1 if verifier.violations else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
