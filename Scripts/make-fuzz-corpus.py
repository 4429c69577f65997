#!/usr/bin/env python3
"""Writes the committed fuzz corpus (Tests/HeatFuzzingTests/Corpus/<target>/): small, crafted
inputs at the edges of each reader (bounds, truncations, nesting, encodings), replayed by the normal
test run. Findings of Scripts/fuzz.sh are added beside them by hand (named finding-*).

Run from anywhere:  python3 Scripts/make-fuzz-corpus.py
"""
import hashlib
import os
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "Tests", "HeatFuzzingTests", "Corpus")


def write(target, name, data):
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def envelope(kind, payload, fingerprint=b"\0" * 32, length=None):
    body = b"HEATFILE" + struct.pack(">HH", 1, kind) + fingerprint + struct.pack(">Q", len(payload) if length is None else length) + payload
    return body + hashlib.sha256(body).digest()


def params(degree, moduli, declared=None, t=65537):
    b = bytes([1, 64, 0]) + struct.pack(">IQ", degree, t) + bytes([len(moduli) if declared is None else declared])
    for q in moduli:
        b += struct.pack(">Q", q)
    return b + b"\0"


def with_length(b):
    return struct.pack(">I", len(b)) + b


# envelope
write("envelope", "valid-model", envelope(7, b"{}"))
write("envelope", "huge-length", envelope(7, b"{}", length=1 << 62))
write("envelope", "truncated", envelope(7, b"{}" * 10)[:40])
write("envelope", "unknown-kind", envelope(9999, b""))
write("envelope", "empty", b"")

# FHE parameter headers
write("fhe-parameters", "degree-2-30", with_length(params(1 << 30, [12289])))
write("fhe-parameters", "moduli-255", with_length(params(16, [], declared=255)))
write("fhe-parameters", "degree-not-power", with_length(params(24, [97])))
write("fhe-parameters", "length-beyond-end", struct.pack(">I", 0xFFFFFFFF) + b"\1")
write("fhe-parameters", "empty", b"")

# FHE object bodies (first byte picks the kind; see FuzzFHE.kinds)
meta = bytes([0, 0]) + struct.pack(">I", 1)
write("fhe-objects", "ciphertext-200-polynomials", bytes([0]) + meta + bytes([200]))
write("fhe-objects", "ciphertext-wrong-moduli", bytes([0]) + meta + bytes([2, 9]) + b"\xff" * 64)
write("fhe-objects", "ciphertext-value-count-huge", bytes([0]) + bytes([0, 0]) + struct.pack(">I", 0xFFFFFFFF))
write("fhe-objects", "plaintext-short", bytes([2]) + meta + b"\0" * 20)
write("fhe-objects", "public-key-residue-too-big", bytes([3, 3]) + b"\xff" * (16 * 3 * 8))
write("fhe-objects", "galois-many", bytes([8]) + struct.pack(">H", 65535) + struct.pack(">I", 3))
write("fhe-objects", "relin-components-255", bytes([6, 255]))
write("fhe-objects", "empty", b"")

# interactions
H = "event_id,client_id,manager_id,branch,channel,direction,occurred_at,duration_seconds,replied_within_hours\n"
write("interactions", "valid", H + "E1,C1,M1,B1,call,outbound,2026-03-02T09:30:00Z,600,\nE2,C2,M1,B1,email,inbound,2026-03-03T10:00:00Z,,2.5\n")
write("interactions", "bom-crlf", "\ufeff" + H.replace("\n", "\r\n") + "E1,C1,M1,B1,call,outbound,2026-03-02T09:30:00Z,600,\r\n")
write("interactions", "unterminated-quote", H + 'E1,"C1,M1,B1,call,outbound,2026-03-02T09:30:00Z,600,\n')
write("interactions", "wide-row", H + "E1" + ",x" * 5000 + "\n")
write("interactions", "nul-and-bad-utf8", H.encode() + b"E1,C\x00,M1,B1,call,outbound,2026-03-02T09:30:00Z,\xff\xfe,\n")
write("interactions", "jsonl", '{"client_id":"C1","manager_id":"M1","branch":"B1","channel":"call","direction":"outbound","occurred_at":"2026-03-02T09:30:00Z"}\n{"client_id":"C2","x":{"a":[1,2,{"b":null}]}}\n')
write("interactions", "jsonl-deep-nesting", '{"client_id":"C1","x":' + "[" * 20000 + "]" * 20000 + "}\n")
write("interactions", "jsonl-escapes", '{"client_id":"\\ud83d\\ude00\\u0000\\uZZZZ"}\n')
write("interactions", "semicolons", "client_id;manager_id\nC1;M1\n")

# clients
write("clients", "valid", "client_id,segment,branch,manager_id,opened_at\nC1,retail,B1,M1,2020-01-01\n")
write("clients", "header-only", "client_id,segment\n")
write("clients", "jsonl", '{"client_id":"C1","segment":"retail"}\n{"client_id":1e999}\n')

# fraud transaction logs
FH = "customer_id,occurred_at,amount,channel,counterparty,is_fraud\n"
write("fraud-transactions", "valid", FH + "A,2026-03-02T09:30:00Z,12.50,card,shop,0\nB,2026-03-02T10:00:00Z,-1e308,online,,1\n")
write("fraud-transactions", "bad-values", FH + "A,not-a-date,NaN,??,x,maybe\n,,,,,\n")

# CLV transaction logs
write("clv-transactions", "valid", "customer_id,date,amount\n00004,1997-01-01,29.33\n00004,1997-01-18,29.73\n")
write("clv-transactions", "bad-dates", "customer_id,date,amount\nA,1997-02-30,1\nB,99999-01-01,1e400\n")
write("clv-transactions", "wide", "customer_id,date\nA" + ",1" * 5000 + "\n")

# tabular (ColumnarReader, DataTable)
write("tabular", "valid", "a,b,label\n1,x,0\n2.5,y,1\n,NA,0\n")
write("tabular", "ragged", "a,b\n1\n1,2,3\n")
write("tabular", "many-columns", ",".join("c%d" % i for i in range(5000)) + "\n")
write("tabular", "quotes", 'a,b\n"x""y",2\n"open,3\n')

# JSON configurations
deep = "[" * 20000 + "]" * 20000
write("heat-configuration", "valid", '{"halfLifeWeeks": 8, "weights": {"meeting": {"inbound": 20, "outbound": 18}}, "replyWeight": 6}')
write("heat-configuration", "deep-nesting", deep)
write("heat-configuration", "huge-numbers", '{"halfLifeWeeks": 1e308, "replyWeight": -9223372036854775809}')
write("policy", "deep-nesting", '{"roles":' + deep + "}")
write("policy", "wrong-types", '{"name": 1, "roles": {"executive": {"sections": "all"}}, "minGroupSize": -1}')
write("persona-rules", "deep-nesting", '{"rules":' + deep + "}")
write("persona-rules", "bad-operator", '{"schema": "heat-personas/1", "rules": [{"id": "a", "label": "A", "when": [{"feature": "x", "op": "~", "value": 1}]}]}')
write("action-rules", "deep-nesting", deep)
write("action-rules", "empty-object", "{}")
write("scenario-shock", "valid", '{"name": "closure", "summary": "s", "weeks": 6, "channels": {"meeting": 0.1}, "segments": {"retail": 0.9}}')
write("scenario-shock", "huge-weeks", '{"name": "x", "summary": "s", "weeks": 1e300}')
write("scenario-shock", "deep-nesting", deep)

# models
write("model", "not-json", b"\x01\x02\x03")
write("model", "deep-nesting", b"\x00" + deep.encode())
write("model", "empty-object", b"\x01{}")
# model/fraud-forest-self-loop (committed, not generated here): "0" (the fraud-model selector) and
# the payload of a saved `heatctl fraud score --save-model` model cut to one forest tree whose root's
# left child is the root itself; `FraudModel.load` must refuse it (IsolationForest.validate).

# XGBoost JSON
write("xgboost", "no-trees", '{"learner": {"gradient_booster": {"model": {"trees": []}}}}')
write("xgboost", "cyclic-tree", '{"learner": {"learner_model_param": {"base_score": "0.5", "num_feature": "1", "num_class": "0"}, "objective": {"name": "binary:logistic"}, "gradient_booster": {"name": "gbtree", "model": {"trees": [{"left_children": [1, 0], "right_children": [1, 0], "split_indices": [0, 0], "split_conditions": [0.5, 0.5], "default_left": [1, 1], "base_weights": [0, 0], "split_type": [0, 0]}]}}}}')
write("xgboost", "deep-nesting", deep)
# TFHE (first byte: kind % 3 = secret key, server key, ciphertext; high bit = whole payload).
# The valid keys and ciphertexts (seed-*) are generated in Swift (FuzzSeeds, written by the fuzzer
# with HEAT_FUZZ_SEEDS_OUT) and committed as they came out.
write("tfhe", "empty", b"")
write("tfhe", "secret-key-count-huge", b"\x00\xff\xff\xff\xff")
write("tfhe", "server-key-count-huge", b"\x01" + bytes(32) + b"\xff\xff\xff\xff")
write("tfhe", "ciphertext-dimension-huge", b"\x02\xff\xff\xff\xff")
write("tfhe", "ciphertext-short", b"\x02\x00\x00\x00\x40" + bytes(64))
write("tfhe", "whole-parameter-length-huge", b"\x82\xff\xff\xff\xff")

# Pipeline payloads (first byte: kind % 3 = heat run, aggregates, scores); seed-* as for TFHE, and
# so are the refused-* heat runs (level 0, above the ring's two moduli, ciphertexts at two levels),
# which CorpusReplayTests checks are refused for their reason. Missing generated copies are written
# by `HEAT_FUZZ_SEEDS_WRITE=1 swift test ... --filter CorpusReplayTests`.
write("pipeline-payloads", "empty", b"")
write("pipeline-payloads", "header-length-huge", b"\x01\xff\xff\xff\xff")
write("pipeline-payloads", "batch-count-huge", b"\x00\x00\x00\x00\x02{}\xff\xff\xff\xff")
agg = (b'{"schema":"customerheat.aggregates/2","ciphertextPairs":2147483647,"groups":[],"asOf":"2026-03-02",'
       b'"largestHeatSumBound":"1","minGroupSize":1,"parameters":"x","parametersFingerprint":"00","runOutputHash":"00","suppressed":{}}')
write("pipeline-payloads", "aggregates-pairs-huge", b"\x01" + struct.pack(">I", len(agg)) + agg)
write("pipeline-payloads", "deep-header", b"\x02" + struct.pack(">I", 40001) + b"[" * 20000 + b"]" * 20000 + b" ")

# Results documents.
executive = open(os.path.join(ROOT, "Tests/HeatCoreTests/Fixtures/results-executive.json"), "rb").read()
write("results", "executive", executive)
write("results", "truncated", executive[: len(executive) // 2])
write("results", "not-json", b"\x00\xff{")
write("results", "wrong-schema", '{"schema":"customerheat.policy/1"}')
write("results", "newer-schema", '{"schema":"customerheat.results/99"}')
write("results", "deep-nesting", '{"schema":"customerheat.results/1","groups":' + "[" * 20000 + "]" * 20000 + "}")
# API server requests (first byte: route % 5 = score body, ask body, Authorization header, Cookie
# header, Content-Type + "\n" + Content-Length; see FuzzServer). Seeded from the server tests' bodies.
import base64
import json
def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=")
def jws(header, claims=b'{"sub":"ops","role":"executive"}'):
    return b64url(json.dumps(header, separators=(",", ":")).encode()) + b"." + b64url(claims) + b".c2ln"
telco = open(os.path.join(ROOT, "Examples/data/telco_churn.csv"), encoding="utf-8").read().split("\n")
header = telco[0].split(",")
rows = [{k: v for k, v in zip(header, line.split(",")) if k != "churn"} for line in telco[1:4]]
write("server-requests", "score-three-rows", b"\x00" + json.dumps({"reasons": 2, "rows": rows}, sort_keys=True).encode())
write("server-requests", "score-numbers-null", b"\x00" + b'{"rows": [{"tenure": 3, "monthly_charges": 70.5, "total_charges": null, "contract": "Month-to-month"}]}')
write("server-requests", "score-unknown-field", b"\x00" + b'{"rows": [{"tenure": 3, "clientName": "x"}]}')
write("server-requests", "score-empty-rows", b"\x00" + b'{"rows": []}')
write("server-requests", "score-reasons-11", b"\x00" + b'{"rows": [{"tenure": 1}], "reasons": 11}')
write("server-requests", "score-row-not-object", b"\x00" + b'{"rows": [{"tenure": 1}, [1, 2]]}')
write("server-requests", "score-bool-array-cells", b"\x00" + b'{"rows": [{"partner": true, "contract": ["a"]}]}')
write("server-requests", "score-text-201", b"\x00" + ('{"rows": [{"contract": "' + "x" * 201 + '"}]}').encode())
write("server-requests", "score-csv-quotes", b"\x00" + b'{"rows": [{"contract": "a,\\"b\\"", "payment_method": "line\\nbreak", "partner": "cr\\ronly"}]}')
write("server-requests", "score-crlf-text", b"\x00" + b'{"rows": [{"contract": "two\\r\\nlines", "tenure": 1}]}')
write("server-requests", "score-too-many-rows", b"\x00" + b'{"rows": [' + b",".join([b'{"tenure": 1}'] * 1001) + b"]}")
write("server-requests", "score-huge-number", b"\x00" + b'{"rows": [{"tenure": 1e400}]}')
write("server-requests", "score-deep-nesting", b"\x00" + b'{"rows": ' + b"[" * 20000 + b"]" * 20000 + b"}")
write("server-requests", "ask-question", b"\x01" + b'{"question": "how many clients are there?"}')
write("server-requests", "ask-truncated", b"\x01" + b'{"question": ')
write("server-requests", "ask-unknown-field", b"\x01" + b'{"question": "how many clients?", "role": "admin"}')
write("server-requests", "ask-not-string", b"\x01" + b'{"question": 3}')
write("server-requests", "ask-blank", b"\x01" + b'{"question": " \\n\\t"}')
write("server-requests", "ask-too-long", b"\x01" + ('{"question": "' + "x" * 501 + '"}').encode())
write("server-requests", "ask-fragment", b"\x01" + b'"question"')
write("server-requests", "ask-invalid-utf8", b"\x01" + b'{"question": "\xff\xfe"}')
write("server-requests", "ask-lone-surrogate", b"\x01" + b'{"question": "\\ud800"}')
write("server-requests", "ask-duplicate-keys", b"\x01" + b'{"question": "a", "question": "b"}')
write("server-requests", "bearer-hs256", b"\x02" + b"Bearer " + jws({"alg": "HS256", "kid": "k1", "typ": "JWT"}))
write("server-requests", "bearer-none", b"\x02" + b"Bearer " + jws({"alg": "none", "kid": "k1"}))
write("server-requests", "bearer-no-kid", b"\x02" + b"bearer " + jws({"alg": "EdDSA"}))
write("server-requests", "bearer-kid-number", b"\x02" + b"Bearer " + jws({"alg": "HS256", "kid": 7}))
write("server-requests", "bearer-crit", b"\x02" + b"Bearer " + jws({"alg": "HS256", "kid": "k1", "crit": ["exp"]}))
write("server-requests", "bearer-basic", b"\x02" + b"Basic b3BzOnB3")
write("server-requests", "bearer-not-jwt", b"\x02" + b"Bearer not-a-jwt")
write("server-requests", "bearer-long", b"\x02" + b"Bearer " + b"a" * 8200 + b"..")
write("server-requests", "cookie-session", b"\x03" + b"theme=dark; heat_session=abc_DEF-123; other=1")
write("server-requests", "cookie-empty", b"\x03")
write("server-requests", "headers-json", b"\x04" + b"application/json; charset=utf-8\n17")
write("server-requests", "headers-text-plain", b"\x04" + b"text/plain\n5")
write("server-requests", "headers-length-huge", b"\x04" + b"application/json\n99999999999999999999999")
write("server-requests", "bearer-duplicate-kid", b"\x02" + b"Bearer " + b64url(b'{"alg":"HS256","kid":"REVOKED","kid":"GOOD"}') + b"." + b64url(b'{"role":"executive"}') + b".c2ln")
write("server-requests", "score-one-column-empty-rows", b"\x05" + b'{"rows": [{}, {"contract": null}, {"contract": "a"}]}')
write("server-requests", "empty", b"")
print("corpus written to", CORPUS)
# server-query: GET query parameters and X-CSRF-Token (first byte: decoder % 3 = groups query,
# clients query, CSRF header + "\n" + session token; see FuzzQuery). Seeded from the server tests.
write("server-query", "groups-kind-branch", b"\x00" + b"kind=branch")
write("server-query", "groups-kind-unknown", b"\x00" + b"kind=planet")
write("server-query", "groups-kind-repeated", b"\x00" + b"kind=branch&kind=segment")
write("server-query", "groups-unknown-parameter", b"\x00" + b"role=admin")
write("server-query", "groups-long-name", b"\x00" + b"k" * 100 + b"=1")
write("server-query", "groups-empty", b"\x00")
write("server-query", "clients-all", b"\x01" + b"level=hot&search=C-a0000002&limit=20")
write("server-query", "clients-limit-repeated", b"\x01" + b"limit=5&limit=9999")
write("server-query", "clients-limit-zero", b"\x01" + b"limit=0")
write("server-query", "clients-limit-plus", b"\x01" + b"limit=%2B5")
write("server-query", "clients-limit-huge", b"\x01" + b"limit=99999999999999999999999")
write("server-query", "clients-limit-space", b"\x01" + b"limit=%205")
write("server-query", "clients-level-bad", b"\x01" + b"level=HOT")
write("server-query", "clients-search-40", b"\x01" + b"search=" + b"c" * 40)
write("server-query", "clients-search-41", b"\x01" + b"search=" + b"c" * 41)
write("server-query", "clients-search-sharp-s", b"\x01" + b"search=" + "\u00df".encode() * 30)
write("server-query", "clients-search-invalid-utf8", b"\x01" + b"search=%FF%FE")
write("server-query", "clients-no-value", b"\x01" + b"level&search=&limit")
write("server-query", "clients-unknown-after-good", b"\x01" + b"limit=3&sort=ref")
write("server-query", "csrf-equal", b"\x02" + b"Zm9vYmFyYmF6cXV4\nZm9vYmFyYmF6cXV4")
write("server-query", "csrf-different", b"\x02" + b"Zm9vYmFyYmF6cXV5\nZm9vYmFyYmF6cXV4")
write("server-query", "csrf-prefix", b"\x02" + b"Zm9vYmFy\nZm9vYmFyYmF6cXV4")
write("server-query", "csrf-empty-both", b"\x02" + b"\n")
write("server-query", "csrf-combining", b"\x02" + "e\u0301\n\u00e9".encode())
