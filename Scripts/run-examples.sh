#!/usr/bin/env bash
# Runs every example against the release build: each Examples/*.sh script (with HEATCTL pointing
# at the built heatctl and OUT at a fresh folder), the README's tour (Examples/readme-tour.sh) from
# an empty temporary folder, and the Swift library tour.
# Usage: Scripts/run-examples.sh   (after `make build`)
# Scripts include Examples/analyst.sh (issue 24: heatctl ask and summarize over fixture releases).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin=$(swift build -c release -Xswiftc -enable-testing --show-bin-path)
export HEATCTL="$bin/heatctl"
[ -x "$HEATCTL" ] || { echo "error: $HEATCTL not found; run 'make build' first" >&2; exit 1; }
status=0
shopt -s nullglob
for script in Examples/*.sh; do
  [ "$script" = Examples/readme-tour.sh ] && continue   # run below, from a temporary folder
  out=$(mktemp -d)
  echo "=== $script (OUT=$out)"
  start=$SECONDS
  if OUT="$out" bash "$script"; then
    echo "--- ok: $script ($((SECONDS - start)) s)"
  else
    echo "--- FAILED: $script" >&2
    status=1
  fi
done
# The README's tour, from an empty temporary folder (as a reader would run it from anywhere).
tour=$(mktemp -d)
echo "=== Examples/readme-tour.sh (run in $tour)"
start=$SECONDS
if (cd "$tour" && bash "$root/Examples/readme-tour.sh"); then
  echo "--- ok: Examples/readme-tour.sh ($((SECONDS - start)) s)"
else
  echo "--- FAILED: Examples/readme-tour.sh (run from $tour)" >&2
  status=1
fi
echo "=== heat-library-tour"
"$bin/heat-library-tour" || { echo "--- FAILED: heat-library-tour" >&2; status=1; }
exit $status
