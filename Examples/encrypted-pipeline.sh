#!/usr/bin/env bash
# CustomerHeat: the encrypted pipeline, role by role (Docs/Pipeline.md).
#
# The collector encrypts each client's weekly scores with the public key, the evaluator computes
# heat and trend on ciphertexts only (it refuses the key holder's folder), the key holder decrypts
# inside the vault and releases to an executive and to one manager (whose release never decrypts
# another manager's slots). Works from any folder:  bash Examples/encrypted-pipeline.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HEATCTL="${HEATCTL:-$ROOT/.build/release/heatctl}"
OUT="${OUT:-$(mktemp -d)}"
mkdir -p "$OUT"
echo "# working in $OUT"

# 1. A small synthetic export (raw ids; only the collector ever sees them) and its client file.
"$HEATCTL" generate --clients 200 --managers 8 --weeks 26 --seed 13 \
    --out "$OUT/interactions.csv" --clients-out "$OUT/clients.csv"

# 2. The store and one key folder per role, with a BFV key pair: public key to collector/ and
#    evaluator/, secret key only to keyholder/.
"$HEATCTL" init --store "$OUT/heat.db"
"$HEATCTL" keys generate --out "$OUT/keys" --store "$OUT/heat.db" --preset n8192-logq217-logt25
ls "$OUT/keys/collector" "$OUT/keys/evaluator" "$OUT/keys/keyholder"

# 3. Collector: pseudonymise, bucket, encrypt (one ciphertext per ISO week and batch of 8,192 clients).
"$HEATCTL" ingest "$OUT/interactions.csv" --store "$OUT/heat.db" --keys "$OUT/keys/collector" --clients "$OUT/clients.csv"

# 4. The evaluator never holds the secret key: handed the key holder's folder, it refuses to run.
if "$HEATCTL" evaluate --store "$OUT/heat.db" --keys "$OUT/keys/keyholder" --out "$OUT/run.heat" 2>/dev/null; then
    echo "unexpected: evaluate accepted the key holder's folder" >&2; exit 1
else
    echo "# evaluate refused the key holder's folder (exit $?)"
fi

# 5. Evaluator: heat and trend on ciphertexts (depth 0), logged with input and output hashes.
"$HEATCTL" evaluate --store "$OUT/heat.db" --keys "$OUT/keys/evaluator" --out "$OUT/run.heat"

# 6. Key holder: decrypt, derive levels, cooling and the histogram, release.
"$HEATCTL" release --store "$OUT/heat.db" --keys "$OUT/keys/keyholder" --run "$OUT/run.heat" \
    --role executive --out "$OUT/executive.json"
MANAGER=$("$HEATCTL" clients --store "$OUT/heat.db" --json | sed -n 's/.*"manager" : "\(M-[0-9a-f]*\)".*/\1/p' | head -1)
"$HEATCTL" release --store "$OUT/heat.db" --keys "$OUT/keys/keyholder" --run "$OUT/run.heat" \
    --role manager --manager "$MANAGER" --out "$OUT/manager.json"
"$HEATCTL" clients --store "$OUT/heat.db" --keys "$OUT/keys/keyholder" --run "$OUT/run.heat" --manager "$MANAGER" --level warm

# 7. The audit log: ingestion (collector), computation (evaluator), releases (key holder).
"$HEATCTL" audit log --store "$OUT/heat.db"
