#!/usr/bin/env bash
# A tour of heatctl (the README shows this file verbatim; CI runs it from an empty temporary folder).
# Runs from any folder: every file it writes goes into the current folder, and DATA points at the
# sample tables in the repository's Examples/data, found next to this script.
#   cd "$(mktemp -d)" && bash /path/to/CustomerHeat/Examples/readme-tour.sh
# Uses `heatctl` from your PATH, or the one HEATCTL names (HEATCTL=/path/to/heatctl).
set -euo pipefail
heatctl() { command "${HEATCTL:-heatctl}" "$@"; }
DATA="${DATA:-$(cd "$(dirname "${BASH_SOURCE[0]}")/data" && pwd)}"

# Plaintext scoring of an export (your own CSV / JSON Lines, or the synthetic generator's)
heatctl generate --clients 500 --seed 7 --out interactions.csv --clients-out clients.csv --labels-out labels.csv
heatctl heat interactions.csv --clients clients.csv --out scores.csv     # client_id,heat,trend,level,cooling
heatctl heat interactions.csv --as-of 2026-01-07 --out scores-at-cutoff.csv   # events on or before 7 January only
heatctl heat interactions.csv --json > results.json                      # the results document
heatctl report results.json --out report/                                # index.html with SVG charts (+ --format json|csv)

# The append-only, audited store (raw ids never reach it: keyed HMAC pseudonyms)
heatctl init --store heat.db
heatctl keys generate --out keys/ --store heat.db                         # collector/ keyholder/ auditor/ evaluator/
heatctl ingest interactions.csv --store heat.db --keys keys/collector --clients clients.csv   # encrypted, one transaction
heatctl evaluate --store heat.db --keys keys/evaluator --out run.heat     # heat and trend on ciphertexts only
heatctl release --store heat.db --keys keys/keyholder --run run.heat --role executive --policy "$DATA/../policy.json" --out released.json
heatctl clients --store heat.db --keys keys/keyholder --level cold        # masked refs, decrypted by the key holder
heatctl audit sign --store heat.db --keys keys/keyholder --first-head --head-out head.heat   # verifies, then signs
heatctl audit verify --store heat.db --keys keys/auditor --expect-head head.heat           # pinned key; exit 1 names the first bad row
# the same checks, independently (Python standard library only), from the repository root:
#   Scripts/verify-store.py --store heat.db --keys keys/auditor --expect-head head.heat
heatctl audit log --store heat.db --kind ingest

# Models on your own tables (scikit-learn / XGBoost quality, see Docs/Performance.md)
heatctl ml train --data "$DATA/telco_churn.csv" --target churn --positive Yes --model gbdt \
                 --folds "$DATA/telco_churn_folds.csv" --out churn.model --json > churn-training.json
heatctl ml predict --model churn.model --data "$DATA/telco_churn.csv" --explain 3 --out predictions.csv
heatctl ml cluster --data "$DATA/telco_churn.csv" --k 4 --ignore churn --out segments.csv
heatctl ml anomalies --data "$DATA/telco_churn.csv" --ignore churn --contamination 0.05 --out anomalies.csv

# The low-level BFV toolbox
heatctl fhe params
heatctl fhe keygen --preset n8192-logq217-logt25 --out fhe-keys/
heatctl fhe encrypt --public-key fhe-keys/bfv-public-key.heat --input scores.csv --column heat --out heat.ct
heatctl fhe decrypt --secret-key fhe-keys/bfv-secret-key.heat --input heat.ct > decrypted.txt
heatctl bench fhe --preset n4096 --min-seconds 0.05                        # timings per BFV operation
