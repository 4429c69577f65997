#!/usr/bin/env bash
# Render a results document as an HTML report, JSON tables and CSV files.
#
# Run from the repository root after `swift build -c release`:
#   Examples/report-from-results.sh
#   RESULTS=demo/results.json OUT=/tmp/report Examples/report-from-results.sh
set -euo pipefail

heatctl="${HEATCTL:-.build/release/heatctl}"
out="${OUT:-$(mktemp -d)}"

# Step 1: pick a results document. By default, the fixture with every section (population,
# histogram, weekly engagement, groups, 240 masked clients, personas and a churn model);
# `heatctl demo --out DIR` and `heatctl release` write documents of the same shape.
results="${RESULTS:-Tests/HeatCoreTests/Fixtures/results-full.json}"

# Step 2: the HTML report. index.html is self-contained (inline SVG charts, no scripts, nothing
# fetched from the network); results.json next to it is the document it shows.
"$heatctl" report "$results" --out "$out/report"

# Step 3: the same tables as one JSON document, and --json to get a machine-readable summary
# of what was written (stdout carries only that JSON document).
"$heatctl" report "$results" --out "$out/report" --format json --json > "$out/json-summary.json"

# Step 4: one CSV per table (RFC 4180, CRLF line ends), for spreadsheets, written into report/.
# (Formats can also be combined in one run: --format html --format csv links each table to its CSV.)
"$heatctl" report "$results" --out "$out/report" --format csv --quiet > /dev/null

# Step 5: check what we got: every section the summary lists is in the page, one CSV per
# table, and (when jq is installed) the CSV client rows match the document.
for id in $(grep -o '"section-[a-z]*"' "$out/json-summary.json" | tr -d '"'); do
    grep -q "id=\"$id\"" "$out/report/index.html" || { echo "missing $id in index.html" >&2; exit 1; }
done
if command -v jq > /dev/null && jq -e '.clients' "$results" > /dev/null; then
    expected="$(jq '.clients | length' "$results")"
    actual="$(( $(wc -l < "$out/report/clients.csv") - 1 ))"
    [[ "$expected" == "$actual" ]] || { echo "clients.csv has $actual rows, expected $expected" >&2; exit 1; }
fi

# Step 6: a missing input exits 66 with one sentence and a hint on stderr.
set +e
"$heatctl" report "$out/does-not-exist.json" --out "$out/none" 2> "$out/error.txt"
status=$?
set -e
[[ "$status" == 66 ]] || { echo "expected exit 66 for a missing file, got $status" >&2; exit 1; }

echo "HTML report:   $out/report/index.html"
echo "JSON tables:   $out/report/tables.json"
echo "CSV files:     $(ls "$out/report"/*.csv | wc -l) in $out/report"
echo "Error example: $(head -1 "$out/error.txt")"
