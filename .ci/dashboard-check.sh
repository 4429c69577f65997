#!/usr/bin/env bash
# Browser check of the live dashboard (issue 21).
#
#   HEATCTL=path/to/heatctl .ci/dashboard-check.sh OUT_DIR SHOTS_DIR
#
# Starts `heatctl serve --demo --port 0` on loopback, exchanges the executive's demo token for the
# dashboard's session cookie exactly as the page's script does (POST /v1/session), saves the
# dashboard page the server renders for that session as OUT_DIR/index.html (with the executive's
# release as OUT_DIR/results.json), checks the security headers and the filter controls (manager
# and search; branch, segment and region when released), stops the server with SIGTERM
# (graceful shutdown must exit 0), then renders the page with .ci/browser-check.sh at 1280 and
# 390 px (every section present, screenshots kept in SHOTS_DIR).
# Exit status: 0 pass, 1 check failed, 2 setup error.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
heatctl="${HEATCTL:?set HEATCTL to the built heatctl}"
out="${1:?usage: dashboard-check.sh OUT_DIR SHOTS_DIR}"
shots="${2:?usage: dashboard-check.sh OUT_DIR SHOTS_DIR}"
command -v curl >/dev/null 2>&1 || { echo "dashboard-check: curl is required" >&2; exit 2; }
work="$(mktemp -d)"
"$heatctl" serve --demo --port 0 > "$work/tokens.txt" 2> "$work/server.log" &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
port=""
for _ in $(seq 1 180); do
    port="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/server.log" | head -1 | sed 's/.*://')" || true
    [[ -n "$port" ]] && break
    kill -0 "$pid" 2>/dev/null || { cat "$work/server.log" >&2; echo "dashboard-check: the server exited" >&2; exit 1; }
    sleep 1
done
[[ -n "$port" ]] || { cat "$work/server.log" >&2; echo "dashboard-check: the server did not start" >&2; exit 1; }
base="http://127.0.0.1:$port"
token="$(sed -n 's/^executive: //p' "$work/tokens.txt")"
releases="$(grep -o 'serving [^ ]*' "$work/server.log" | head -1 | sed 's/^serving //')"
curl -sf -D "$work/session.headers" -c "$work/cookies" -X POST -H "Authorization: Bearer $token" "$base/v1/session" > "$work/session.json"
grep -qi '^set-cookie: heat_session=.*HttpOnly.*SameSite=Strict' "$work/session.headers" \
    || { echo "dashboard-check: the session cookie is not HttpOnly; SameSite=Strict" >&2; exit 1; }
mkdir -p "$out" "$shots"
curl -sf -D "$work/page.headers" -b "$work/cookies" "$base/dashboard" > "$out/index.html"
grep -qi "^content-security-policy: default-src 'none'; script-src 'self'" "$work/page.headers" \
    || { echo "dashboard-check: the dashboard lacks its strict Content-Security-Policy" >&2; exit 1; }
if grep -qiE '<script src="https?:' "$out/index.html"; then echo "dashboard-check: a third-party script" >&2; exit 1; fi
for control in filter-manager search; do
    grep -q "id=\"$control\"" "$out/index.html" || { echo "dashboard-check: the dashboard lacks its $control filter" >&2; exit 1; }
done
cp "$releases/executive.json" "$out/results.json"
kill -TERM "$pid"
if ! wait "$pid"; then echo "dashboard-check: graceful shutdown did not exit 0" >&2; exit 1; fi
"$here/browser-check.sh" "$out" "$shots"
echo "dashboard-check: passed"
