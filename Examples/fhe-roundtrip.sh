#!/usr/bin/env bash
# fhe-roundtrip.sh: the HeatFHE toolbox step by step, like a notebook.
#
# Generates BFV keys for the smallest preset, encrypts one column of a CSV file with the public
# key, decrypts it with the secret key, checks the values came back unchanged, inspects the
# ciphertext and exports it as JSON for independent checking (Docs/FHE-Format.md), then sums the
# column homomorphically with the evaluation keys (`heatctl fhe eval`).
#
# Run from the repository root after `swift build -c release`:
#   bash Examples/fhe-roundtrip.sh
# Environment: HEATCTL (default .build/release/heatctl), OUT (default a fresh temporary folder).
set -euo pipefail

HEATCTL="${HEATCTL:-.build/release/heatctl}"
OUT="${OUT:-$(mktemp -d)}"
mkdir -p "$OUT"
echo "# writing into $OUT"

# 1. The presets: each meets 128-bit security with log2 Q counting the special prime.
"$HEATCTL" fhe params

# 2. Keys for N=4096 (32-bit moduli, batching t = 65537). The secret key file is mode 0600.
"$HEATCTL" fhe keygen --preset n4096-logq109-logt17 --out "$OUT/keys"

# 3. A small CSV of heat scores (signed values are allowed: a cooling trend is negative).
cat > "$OUT/scores.csv" <<'CSV'
client,heat,trend
C-0001,812,-14
C-0002,95,3
C-0003,1530,0
C-0004,47,-2
C-0005,2210,25
CSV

# 4. Encrypt the "trend" column with the public key into SIMD slots (batch encoding).
"$HEATCTL" fhe encrypt --public-key "$OUT/keys/bfv-public-key.heat" \
    --encoding batch --input "$OUT/scores.csv" --column trend --out "$OUT/trend.ct"

# 5. Decrypt with the secret key and compare with the plaintext column.
"$HEATCTL" fhe decrypt --secret-key "$OUT/keys/bfv-secret-key.heat" --input "$OUT/trend.ct" > "$OUT/trend.decrypted"
tail -n +2 "$OUT/scores.csv" | cut -d, -f3 > "$OUT/trend.expected"
if diff -u "$OUT/trend.expected" "$OUT/trend.decrypted"; then
    echo "# round trip OK: $(wc -l < "$OUT/trend.decrypted") values"
else
    echo "# round trip FAILED" >&2
    exit 1
fi

# 6. The same with the coefficient encoding and a JSON array input.
echo '[3, 1, 4, 1, 5, 9, 2, 6]' > "$OUT/digits.json"
"$HEATCTL" fhe encrypt --public-key "$OUT/keys/bfv-public-key.heat" \
    --encoding coefficient --input "$OUT/digits.json" --out "$OUT/digits.ct"
"$HEATCTL" fhe decrypt --secret-key "$OUT/keys/bfv-secret-key.heat" --input "$OUT/digits.ct" --json

# 7. Inspect the ciphertext; with the secret key the remaining noise budget is shown.
"$HEATCTL" fhe inspect "$OUT/trend.ct" --secret-key "$OUT/keys/bfv-secret-key.heat"

# 8. Export the ciphertext as JSON (coefficient-form residues per modulus) for other tools.
"$HEATCTL" fhe export-json "$OUT/digits.ct" > "$OUT/digits.ct.json"
head -c 300 "$OUT/digits.ct.json"; echo " ..."

# 9. A corrupted file is refused with exit code 65.
cp "$OUT/trend.ct" "$OUT/corrupt.ct"
printf '\x00' | dd of="$OUT/corrupt.ct" bs=1 seek=200 conv=notrunc status=none
set +e
"$HEATCTL" fhe decrypt --secret-key "$OUT/keys/bfv-secret-key.heat" --input "$OUT/corrupt.ct" 2> "$OUT/corrupt.err"
status=$?
set -e
cat "$OUT/corrupt.err"
[ "$status" -eq 65 ] || { echo "# expected exit 65, got $status" >&2; exit 1; }

# 10. Evaluate without the secret key (keygen also wrote the evaluation keys): the sum of the trend
#    column in every slot, switched down one modulus so the result file is smaller.
"$HEATCTL" fhe eval sum-slots "$OUT/trend.ct" --keys "$OUT/keys" --out "$OUT/trend-total.ct"
"$HEATCTL" fhe eval mod-switch "$OUT/trend-total.ct" --out "$OUT/trend-total-small.ct"
total="$("$HEATCTL" fhe decrypt --secret-key "$OUT/keys/bfv-secret-key.heat" --input "$OUT/trend-total-small.ct")"
if [[ "$total" == "12" ]]; then
    echo "# encrypted sum OK: $total"
else
    echo "# encrypted sum FAILED: $total, expected 12" >&2
    exit 1
fi
echo "# done"
