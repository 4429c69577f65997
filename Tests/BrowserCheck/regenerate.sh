#!/usr/bin/env bash
# Regenerates the browser-check fixtures from the executive results fixture (no clients, no
# model: a small page). Run from the repository root after `swift build -c release`.
#   complete/        the report as heatctl writes it: the check must pass.
#   missing-section/ the same report with <section id="section-personas"> cut out of index.html
#                    while results.json still has "personas": the check must fail.
set -euo pipefail
heatctl="${HEATCTL:-.build/release/heatctl}"
here="Tests/BrowserCheck"
rm -rf "$here/complete" "$here/missing-section"
"$heatctl" report Tests/HeatCoreTests/Fixtures/results-executive.json --out "$here/complete" --quiet > /dev/null
mkdir -p "$here/missing-section"
cp "$here/complete/results.json" "$here/missing-section/results.json"
# Cut the personas section (from its opening tag to the next </section>).
awk 'BEGIN { skip = 0 }
     /<section id="section-personas"/ { skip = 1 }
     { if (!skip) print }
     skip && /<\/section>/ { skip = 0 }' "$here/complete/index.html" > "$here/missing-section/index.html"
if grep -q 'id="section-personas"' "$here/missing-section/index.html"; then
    echo "error: the personas section is still in missing-section/index.html" >&2; exit 1
fi
grep -q '"personas"' "$here/missing-section/results.json"
echo "regenerated $here/complete and $here/missing-section"
