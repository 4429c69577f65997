#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time.
#
#   Scripts/fuzz.sh TARGET SECONDS [extra libFuzzer flags...]
#   Scripts/fuzz.sh list
#
# Builds `heat-fuzzer` once (HEAT_FUZZ=1, `-sanitize=fuzzer,address`) into the separate scratch
# path .build-fuzz (never the normal .build), seeds a working corpus from the committed corpus
# (Tests/HeatFuzzingTests/Corpus/TARGET) and the test fixtures, uses the format's dictionary
# (Fuzz/dictionaries/TARGET.dict) and writes crashes, leaks, timeouts and out-of-memory inputs to
# .build-fuzz/findings/TARGET/. Exit status: 0 when the run ended without a finding.
#
# The build leaves out the HTTP server (HEAT_WITHOUT_SERVER=1): SwiftNIO and its C parts are not
# built with the sanitizers, and no fuzz target needs them.
#
# At the end it prints one summary line for the table in Docs/Reliability.md:
#   fuzz.sh summary: | TARGET | SECONDS | exec/s | cov | ft | corpus | execs | peak RSS | findings | load before / after |
#
# Environment: HEAT_FUZZ_SKIP_BUILD=1 reuses the built fuzzer; HEAT_FUZZ_SCRATCH overrides the
# scratch path; HEAT_FUZZ_TIMEOUT sets libFuzzer's per-input timeout in seconds (default 10). The
# timeout is wall-clock time: on a loaded machine at low priority (`nice -n 15`) raise it (60), or
# a starved but fast input is reported as a hang. Targets and what each reads: Docs/Reliability.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
targets="envelope fhe-parameters fhe-objects interactions clients fraud-transactions clv-transactions tabular heat-configuration policy persona-rules action-rules scenario-shock model xgboost tfhe pipeline-payloads results server-requests server-query"

if [ "${1:-}" = "list" ]; then
  for t in $targets; do echo "$t"; done
  exit 0
fi
if [ $# -lt 2 ]; then
  echo "usage: Scripts/fuzz.sh TARGET SECONDS [libFuzzer flags...]   (Scripts/fuzz.sh list names the targets)" >&2
  exit 64
fi
target="$1"; seconds="$2"; shift 2
case " $targets " in *" $target "*) ;; *) echo "fuzz.sh: unknown target '$target' (Scripts/fuzz.sh list)" >&2; exit 64 ;; esac
case "$seconds" in ''|*[!0-9]*) echo "fuzz.sh: SECONDS must be a whole number" >&2; exit 64 ;; esac

scratch="${HEAT_FUZZ_SCRATCH:-$root/.build-fuzz}"
# Debug by default: the sanitizer build of the whole graph compiles several times faster, and
# coverage-guided fuzzing needs no optimizer. HEAT_FUZZ_CONFIGURATION=release for throughput.
configuration="${HEAT_FUZZ_CONFIGURATION:-debug}"
if [ -z "${HEAT_FUZZ_SKIP_BUILD:-}" ]; then
  (cd "$root" && HEAT_WITHOUT_SERVER=1 HEAT_FUZZ=1 swift build -c "$configuration" --product heat-fuzzer --scratch-path "$scratch" \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)
fi
fuzzer="$scratch/$configuration/heat-fuzzer"
[ -x "$fuzzer" ] || { echo "fuzz.sh: $fuzzer is not built" >&2; exit 66; }

# Seeds: the committed corpus, then fixtures of the same format.
work="$scratch/corpus/$target"
findings="$scratch/findings/$target"
mkdir -p "$work" "$findings"
cp -n "$root/Tests/HeatFuzzingTests/Corpus/$target/"* "$work/" 2>/dev/null || true
seed() { for f in "$@"; do [ -f "$f" ] && [ "$(wc -c < "$f")" -le 200000 ] && cp -n "$f" "$work/seed-$(basename "$f")"; done; true; }
case "$target" in
  interactions|clients)
    tmp="$(mktemp -d)"
    if [ -x "$root/.build/release/heatctl" ]; then
      "$root/.build/release/heatctl" generate --clients 8 --weeks 2 --seed 1 --out "$tmp/interactions.csv" --clients-out "$tmp/clients.csv" --quiet || true
    fi
    seed "$tmp/interactions.csv" "$tmp/clients.csv"; rm -rf "$tmp" ;;
  clv-transactions) seed "$root/Examples/data/cdnow_sample_transactions.csv" ;;
  tabular) seed "$root/Examples/personas/retail_shoppers.csv" "$root/Examples/data/telco_churn_folds.csv" ;;
  heat-configuration) seed "$root/Examples/data/heat-custom.json" ;;
  policy) seed "$root/Examples/policy.json" ;;
  persona-rules) seed "$root/Examples/personas/"*.json ;;
  action-rules) seed "$root/Examples/risk/"*-actions.json ;;
  xgboost) seed "$root/Tests/HeatMLTests/Fixtures/xgboost/"{categorical,dart,multiclass}.json ;;
  model) seed "$root/Tests/HeatMLTests/Fixtures/calibration.json" ;;
  results) seed "$root/Tests/HeatCoreTests/Fixtures/"*results*.json "$root/Examples/data/"*results*.json ;;
esac

dict="$root/Fuzz/dictionaries/$target.dict"
flags=(-max_total_time="$seconds" -timeout="${HEAT_FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 -malloc_limit_mb=1024 -max_len=65536
       -print_final_stats=1 -artifact_prefix="$findings/")
[ -f "$dict" ] && flags+=(-dict="$dict")
echo "fuzz.sh: $target for ${seconds}s; corpus $work; findings $findings" >&2
load_before="$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')"
# Findings are libFuzzer's crash-, leak-, timeout- and oom- files; its slow-unit- reports (an input
# slower than 10 s of wall-clock time, the run goes on) are counted apart.
count() { find "$findings" -type f -name "$1" | wc -l; }
found_before="$(( $(count 'crash-*') + $(count 'leak-*') + $(count 'timeout-*') + $(count 'oom-*') ))"
slow_before="$(count 'slow-unit-*')"
log="$scratch/logs/$target.log"
mkdir -p "$scratch/logs"
# Generated seeds (keys and ciphertexts, FuzzSeeds) are written into the corpus by the fuzzer's
# LLVMFuzzerInitialize before the corpus is read.
set +e
HEAT_FUZZ_TARGET="$target" HEAT_FUZZ_SEEDS_OUT="$work" ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}" \
  "$fuzzer" "${flags[@]}" "$@" "$work" 2>&1 | tee "$log" >&2
status="${PIPESTATUS[0]}"
set -e
load_after="$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')"
found="$(( $(count 'crash-*') + $(count 'leak-*') + $(count 'timeout-*') + $(count 'oom-*') - found_before ))"
slow="$(( $(count 'slow-unit-*') - slow_before ))"
if [ "$slow" -gt 0 ]; then echo "fuzz.sh: $slow slow-unit report(s) in $findings (not findings; run each alone to time it)" >&2; fi
# libFuzzer's last status line ("#N DONE cov: C ft: F corp: K/S exec/s: E ...") and final stats.
last="$(grep -E '^#[0-9]+' "$log" | tail -1)"
field() { printf '%s\n' "$last" | sed -n "s/.* $1 \([0-9][0-9]*\).*/\1/p"; }
execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
rss="$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)"
corpus="$(printf '%s\n' "$last" | sed -n 's/.* corp: \([0-9][0-9]*\/[0-9A-Za-z]*\).*/\1/p')"
echo "fuzz.sh summary: | \`$target\` | $seconds | ${rate:-?} | $(field cov:) | $(field ft:) | ${corpus:-?} | ${execs:-?} | ${rss:-?} | $found | $load_before / $load_after |"
echo "fuzz.sh: columns: target | seconds | exec/s | cov | ft | corpus (inputs/bytes) | executions | peak RSS MiB | findings | load average start / end" >&2
exit "$status"
