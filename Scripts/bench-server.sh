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
# each for SECONDS (default 5) with 2 wrk threads. Prints requests/s and p99 for both and the
# ratio. Every process stops by itself (bounded durations; servers killed on exit). Needs wrk
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
run() {  # name url connections script
    local out
    out="$(wrk -t2 -c"$3" -d"${SECONDS_EACH}s" --latency -s "$4" "$2")"
    local rps p99 non2xx
    rps="$(awk '/^Requests\/sec/ {print $2}' <<<"$out")"
    p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
    non2xx="$(awk '/Non-2xx/ {print $NF}' <<<"$out")"
    printf '%-34s %10s req/s   p99 %8s   non-2xx %s\n' "$1" "$rps" "$p99" "${non2xx:-0}"
    echo "$rps" > "$work/$5"
}
echo "load: $(uptime | sed 's/.*load average/load average/'); $SECONDS_EACH s per run, wrk -t2"
run "heatctl serve  GET /v1/population" "$base/v1/population" 64 "$work/get.lua" a
run "fastapi peer   GET /v1/population" "http://127.0.0.1:$peer_port/v1/population" 64 "$work/get.lua" b
run "heatctl serve  POST /v1/score (1 row)" "$base/v1/score" 16 "$work/score.lua" c
run "fastapi peer   POST /v1/score (1 row)" "http://127.0.0.1:$peer_port/v1/score" 16 "$work/score.lua" d
awk -v a="$(cat "$work/a")" -v b="$(cat "$work/b")" -v c="$(cat "$work/c")" -v d="$(cat "$work/d")" \
    'BEGIN { printf "ratio heatctl/peer: population %.2f, score %.2f\n", a / b, c / d }'
lines="$(wc -l < "$work/access.log")"
echo "access log lines written during the run (auditing on): $lines"
