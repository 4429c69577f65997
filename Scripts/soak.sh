#!/usr/bin/env bash
# Soak test: ingest, evaluate, release (and sign every 4th week) in a loop over generated weeks
# for a bounded time, while a concurrent reader (`heatctl clients`) and a concurrent
# `heatctl audit verify` run against the same store.
#
#   Scripts/soak.sh SECONDS [OUT_DIR]          (HEATCTL=path/to/heatctl to pick the binary)
#
# Passes (exit 0) when no command failed except with exit 75 (database locked) that succeeded on
# a documented retry, the final `audit verify` passes, and the peak memory of the last
# iteration's commands is within 1.5x of the first's plus the store's growth allowance.
# Prints iterations, duration, retries and peak RSS (from /usr/bin/time) per command kind.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
duration="${1:?usage: Scripts/soak.sh SECONDS [OUT_DIR]}"
case "$duration" in ''|*[!0-9]*) echo "soak.sh: SECONDS must be a whole number" >&2; exit 64 ;; esac
out="${2:-$(mktemp -d /tmp/heat-soak.XXXXXX)}"
mkdir -p "$out"
HEATCTL="${HEATCTL:-$root/.build/release/heatctl}"
[ -x "$HEATCTL" ] || { echo "soak.sh: $HEATCTL is not built" >&2; exit 66; }
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "soak.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 69; }

db="$out/heat.db"; keys="$out/keys"; head="$out/head.json"; log="$out/soak.log"
: > "$log"
clients=60

# run KIND ARGS...: runs heatctl under /usr/bin/time, retrying exit 75 (locked) up to 8 times with
# a growing pause; records "KIND peak_kb status" in $out/rss.txt.
run() {
  local kind="$1"; shift
  local attempt=0 status rss="$out/.rss.$kind.$BASHPID"
  while :; do
    set +e
    "$TIME" -f "%M" -o "$rss" "$HEATCTL" "$@" > /dev/null 2>> "$log"
    status=$?
    set -e
    echo "$kind $(tail -1 "$rss" 2>/dev/null || echo 0) $status" >> "$out/rss.txt"
    if [ "$status" -eq 75 ] && [ "$attempt" -lt 8 ]; then
      attempt=$((attempt + 1)); echo "retry" >> "$out/retries.txt"; sleep "0.$((attempt * 2))"; continue
    fi
    return "$status"
  done
}

"$HEATCTL" init --store "$db" > /dev/null
"$HEATCTL" keys generate --out "$keys" --store "$db" > /dev/null
: > "$out/rss.txt"; : > "$out/retries.txt"; : > "$out/errors.txt"

week_of() { date -u -d "2025-01-06 + $(( $1 * 7 )) days" +%G-W%V; }

# Concurrent reader and auditor until the stop file appears.
stop="$out/.stop"
rm -f "$stop"
(
  while [ ! -f "$stop" ]; do
    run reader clients --store "$db" --json --quiet > /dev/null 2>&1 || echo "reader exit $?" >> "$out/errors.txt"
  done
) &
reader=$!
(
  while [ ! -f "$stop" ]; do
    if [ -f "$head" ]; then
      run verify audit verify --store "$db" --keys "$keys/auditor" --expect-head "$head" --allow-unsigned-tail --quiet \
        || echo "verify exit $?" >> "$out/errors.txt"
    else
      sleep 0.2
    fi
  done
) &
auditor=$!
cleanup() { touch "$stop"; wait "$reader" "$auditor" 2>/dev/null || true; }
trap cleanup EXIT

start=$(date +%s)
iterations=0
while [ $(( $(date +%s) - start )) -lt "$duration" ]; do
  week="$(week_of "$iterations")"
  csv="$out/week.csv"
  "$HEATCTL" generate --clients "$clients" --managers 6 --branches 2 --weeks 1 --end-week "$week" --seed 5 \
    --out "$csv" --clients-out "$out/clients.csv" --quiet > /dev/null
  run ingest ingest "$csv" --clients "$out/clients.csv" --store "$db" --keys "$keys/collector" --quiet \
    || { echo "ingest week $week exit $?" >> "$out/errors.txt"; break; }
  run evaluate evaluate --store "$db" --keys "$keys/evaluator" --out "$out/run.heat" --quiet \
    || { echo "evaluate week $week exit $?" >> "$out/errors.txt"; break; }
  run release release --store "$db" --keys "$keys/keyholder" --run "$out/run.heat" --role executive --out "$out/results.json" --quiet \
    || { echo "release week $week exit $?" >> "$out/errors.txt"; break; }
  if [ $(( iterations % 4 )) -eq 0 ]; then
    if [ -f "$head" ]; then
      run sign audit sign --store "$db" --keys "$keys/keyholder" --previous-head "$head" --head-out "$head" --quiet \
        || { echo "sign week $week exit $?" >> "$out/errors.txt"; break; }
    else
      run sign audit sign --store "$db" --keys "$keys/keyholder" --first-head --head-out "$head" --quiet \
        || { echo "sign week $week exit $?" >> "$out/errors.txt"; break; }
    fi
  fi
  iterations=$((iterations + 1))
done
elapsed=$(( $(date +%s) - start ))
cleanup
trap - EXIT

final=0
"$HEATCTL" audit verify --store "$db" --keys "$keys/auditor" --expect-head "$head" --allow-unsigned-tail --quiet >> "$log" 2>&1 || final=$?

echo "soak: $iterations iterations (weeks) in ${elapsed}s; store $(du -k "$db" | cut -f1) KiB; out $out"
echo "soak: reader runs $(grep -c '^reader ' "$out/rss.txt" || true), verify runs $(grep -c '^verify ' "$out/rss.txt" || true), retries after exit 75: $(wc -l < "$out/retries.txt")"
awk '{ n[$1]++; if ($2 > max[$1]) max[$1] = $2; if (n[$1] == 1) first[$1] = $2; last[$1] = $2 }
     END { for (k in n) printf "soak: %-8s runs %4d  peak RSS %7.1f MiB  first %7.1f MiB  last %7.1f MiB\n", k, n[k], max[k]/1024, first[k]/1024, last[k]/1024 }' "$out/rss.txt" | sort
failed=0
if [ -s "$out/errors.txt" ]; then echo "soak: FAILED commands:"; sort "$out/errors.txt" | uniq -c; failed=1; fi
if [ "$final" -ne 0 ]; then echo "soak: FAILED final audit verify (exit $final)"; failed=1; fi
# Memory flat: the last evaluate/ingest peak within 1.5x of the first (plus 32 MiB for the store's growth).
awk -v failed=0 '$1 == "ingest" || $1 == "evaluate" || $1 == "release" { if (!($1 in first)) first[$1] = $2; last[$1] = $2 }
     END { bad = 0; for (k in first) if (last[k] > first[k] * 1.5 + 32768) { printf "soak: memory grew for %s: %d KiB -> %d KiB\n", k, first[k], last[k]; bad = 1 }; exit bad }' "$out/rss.txt" || failed=1
if [ "$iterations" -eq 0 ]; then echo "soak: FAILED no iteration completed"; failed=1; fi
[ "$failed" -eq 0 ] && echo "soak: passed"
exit "$failed"
