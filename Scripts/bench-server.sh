#!/usr/bin/env bash
# Load test of `heatctl serve` beside a FastAPI + uvicorn peer returning the same JSON (issue 21).
#
#   HEATCTL=.build/release/heatctl PEER_VENV=/work/venv-serve Scripts/bench-server.sh [SECONDS]
#
# Starts `heatctl serve --demo` on loopback with a logistic churn model (`risk fit` on the Telco
# sample) and auditing on (the hash-chained access log, batched), captures its answers to
# GET /v1/population and to POST /v1/score with one row, starts the peer (Scripts/bench-server-peer.py,
# 2 uvicorn workers) serving those same bytes, and runs wrk against both, one after the other:
#   - GET /v1/population at 64 connections,
#   - POST /v1/score (one row) at 16 connections,
# each for SECONDS (default 5) with 2 wrk threads. Prints each run on stderr and, on stdout, a
# Markdown table for Docs/Performance.md (requests/s, p99, ratio, the issue's targets met or not).
# With PROFILE=DIR, `perf record -g` samples the server during its runs (flat profiles in DIR).
# End to end about 40 s + 4 x SECONDS (the demo's releases and the model fit come first).
# Every process stops by itself (bounded durations; servers killed on exit). Needs wrk
# (apt-get install wrk) and a venv with fastapi and uvicorn;
# CI does not run it. Results: Docs/Performance.md ("API server").
set -euo pipefail
cd "$(dirname "$0")/.."
HEATCTL="${HEATCTL:-.build/release/heatctl}"
PEER_VENV="${PEER_VENV:-/work/venv-serve}"
SECONDS_EACH="${1:-5}"
command -v wrk >/dev/null || { echo "bench-server: wrk is required (apt-get install -y wrk)" >&2; exit 2; }
[[ -x "$PEER_VENV/bin/uvicorn" ]] || { echo "bench-server: $PEER_VENV/bin/uvicorn missing (pip install fastapi uvicorn)" >&2; exit 2; }
work="$(mktemp -d)"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

"$HEATCTL" risk fit --data Examples/data/telco_churn.csv --target churn --positive Yes --model logistic \
    --out "$work/churn.risk" --quiet >/dev/null
"$HEATCTL" serve --demo --port 0 --model "$work/churn.risk" --rate-limit 10000000 --access-log "$work/access.log" \
    > "$work/tokens.txt" 2> "$work/server.log" &
pids+=($!)
port=""
for _ in $(seq 1 240); do
    port="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/server.log" | head -1 | sed 's/.*://')" || true
    [[ -n "$port" ]] && break
    sleep 1
done
[[ -n "$port" ]] || { cat "$work/server.log" >&2; echo "bench-server: the server did not start" >&2; exit 1; }
token="$(sed -n 's/^executive: //p' "$work/tokens.txt")"
# One feature row: the Telco sample's first row without the label, as JSON.
"$PEER_VENV/bin/python" - "$work/body.json" <<'PY'
import csv, json, sys
with open("Examples/data/telco_churn.csv") as f:
    row = next(csv.DictReader(f))
row.pop("churn")
def value(text):
    try: return float(text)
    except ValueError: return text
json.dump({"rows": [{k: value(v) for k, v in row.items()}], "reasons": 3}, open(sys.argv[1], "w"))
PY
base="http://127.0.0.1:$port"
curl -sf -H "Authorization: Bearer $token" "$base/v1/population" > "$work/population.json"
curl -sf -H "Authorization: Bearer $token" -H "Content-Type: application/json" --data-binary "@$work/body.json" "$base/v1/score" > "$work/score.json" \
    || { echo "bench-server: POST /v1/score failed" >&2; exit 1; }
peer_port=$(( port + 1 ))
(cd Scripts && PEER_POPULATION="$work/population.json" PEER_SCORE="$work/score.json" \
    exec "$PEER_VENV/bin/uvicorn" bench-server-peer:app --host 127.0.0.1 --port "$peer_port" --workers 2 --log-level warning) &
pids+=($!)
for _ in $(seq 1 60); do curl -sf -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$peer_port/v1/population" && break; sleep 0.5; done
body="$(cat "$work/body.json" | sed 's/\\/\\\\/g; s/"/\\"/g')"
cat > "$work/score.lua" <<LUA
wrk.method = "POST"
wrk.body = "$body"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
LUA
cat > "$work/get.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $token"
LUA
# p99 in milliseconds from wrk's "99%  12.34ms" (us, ms or s).
to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.1f", n }'; }
run() {  # name url connections script key
    local out
    out="$(wrk -t2 -c"$3" -d"${SECONDS_EACH}s" --latency -s "$4" "$2")"
    local rps p99 non2xx
    rps="$(awk '/^Requests\/sec/ {print $2}' <<<"$out")"
    p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
    non2xx="$(awk '/Non-2xx/ {print $NF}' <<<"$out")"
    printf '%-38s %10s req/s   p99 %8s   non-2xx %s\n' "$1" "$rps" "$p99" "${non2xx:-0}" >&2
    echo "$rps $(to_ms "$p99") ${non2xx:-0}" > "$work/$5"
}
# With PROFILE=DIR, `perf record -g` samples the server during its two runs and a flat profile
# (self time, symbols over 1%) of each lands in DIR/population.txt and DIR/score.txt.
profile_start() {  # name
    [[ -n "${PROFILE:-}" ]] || return 0
    mkdir -p "$PROFILE"
    perf record -g -F 499 -p "${pids[0]}" -o "$PROFILE/$1.data" -- sleep "$SECONDS_EACH" >/dev/null 2>&1 &
    perf_pid=$!
}
profile_end() {  # name
    [[ -n "${PROFILE:-}" ]] || return 0
    wait "$perf_pid" 2>/dev/null || true
    perf report -i "$PROFILE/$1.data" --no-children --percent-limit 1 --stdio -g none 2>/dev/null \
        | grep -v '^#' | grep -v '^$' | head -40 > "$PROFILE/$1.txt" || true
    echo "profile: $PROFILE/$1.txt" >&2
}
started=$SECONDS
echo "load before the runs: $(uptime | sed 's/.*load average/load average/'); $SECONDS_EACH s per run, wrk -t2" >&2
profile_start population
run "heatctl serve  GET /v1/population" "$base/v1/population" 64 "$work/get.lua" a
profile_end population
run "fastapi peer   GET /v1/population" "http://127.0.0.1:$peer_port/v1/population" 64 "$work/get.lua" b
profile_start score
run "heatctl serve  POST /v1/score (1 row)" "$base/v1/score" 16 "$work/score.lua" c
profile_end score
run "fastapi peer   POST /v1/score (1 row)" "http://127.0.0.1:$peer_port/v1/score" 16 "$work/score.lua" d
lines="$(wc -l < "$work/access.log")"
# The table for Docs/Performance.md ("API server"), on stdout.
read -r a_rps a_p99 a_bad < "$work/a"; read -r b_rps b_p99 b_bad < "$work/b"
read -r c_rps c_p99 c_bad < "$work/c"; read -r d_rps d_p99 d_bad < "$work/d"
verdict() { awk -v r="$1" -v p="$2" -v R="$3" -v P="$4" 'BEGIN { print (r >= R && p < P) ? "met" : "not met" }'; }
echo "Measured $(date -u '+%d %b %Y, %H:%M UTC'), \`Scripts/bench-server.sh $SECONDS_EACH\` ($SECONDS_EACH s per run, wrk -t2 --latency), load average before the runs: $(uptime | sed 's/.*load average: //'); $(nproc) cores."
echo
echo "| run (wrk -t2, ${SECONDS_EACH} s) | connections | heatctl serve | FastAPI + uvicorn peer | ratio | target (heatctl) |"
echo "| --- | --- | --- | --- | --- | --- |"
awk -v r="$a_rps" -v p="$a_p99" -v R="$b_rps" -v P="$b_p99" -v v="$(verdict "$a_rps" "$a_p99" 5000 30)" \
    'BEGIN { printf "| `GET /v1/population` (released results) | 64 | %.0f req/s, p99 %s ms | %.0f req/s, p99 %s ms | %.2fx | 5,000 req/s, p99 < 30 ms: %s |\n", r, p, R, P, r / R, v }'
awk -v r="$c_rps" -v p="$c_p99" -v R="$d_rps" -v P="$d_p99" -v v="$(verdict "$c_rps" "$c_p99" 2000 25)" \
    'BEGIN { printf "| `POST /v1/score`, one row | 16 | %.0f req/s, p99 %s ms | %.0f req/s, p99 %s ms | %.2fx | 2,000 req/s, p99 < 25 ms: %s |\n", r, p, R, P, r / R, v }'
echo
echo "Non-2xx answers: heatctl $a_bad / $c_bad, peer $b_bad / $d_bad; access log lines written (auditing on, batched): $lines; runs took $((SECONDS - started)) s."
