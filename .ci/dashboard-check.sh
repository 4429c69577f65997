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
# 390 px (every section present, screenshots kept in SHOTS_DIR), and opens the manager's dashboard
# with a branch and level filter in the address's fragment at both widths, checking that exactly
# the client rows of that branch and level stay visible. Before stopping the server it checks the
# live update at both widths (.ci/dashboard_live_check.py): a new release published into the
# releases folder reaches the open page without a reload, with the user's filter kept.
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
# The served /openapi.json is the document `heatctl serve openapi` prints (the one CI validates).
curl -sf "$base/openapi.json" > "$work/served-openapi.json"
echo >> "$work/served-openapi.json"
"$heatctl" serve openapi | cmp -s - "$work/served-openapi.json" \
    || { echo "dashboard-check: GET /openapi.json differs from heatctl serve openapi" >&2; exit 1; }
# The manager's dashboard (client rows with their groups) and the page's script, for the filter check.
manager_token="$(sed -n 's/^manager ([^)]*): //p' "$work/tokens.txt")"
filter_dir="$out/manager-filter"
mkdir -p "$filter_dir"
curl -sf -c "$work/manager-cookies" -X POST -H "Authorization: Bearer $manager_token" "$base/v1/session" > /dev/null
curl -sf -b "$work/manager-cookies" "$base/dashboard" | sed 's|src="/static/dashboard.js"|src="dashboard.js"|' > "$filter_dir/index.html"
curl -sf "$base/static/dashboard.js" > "$filter_dir/dashboard.js"
# The live update, in the browser, against the running server: sign in through the page, pick a
# filter, mark the window, publish a new executive release into the releases folder, and require
# the page to show the new figures without a reload (the marker survives) with the filter kept, at
# both widths (two new releases of different sizes, so each width sees its figures change).
if ! command -v python3 >/dev/null 2>&1; then
    echo "dashboard-check: python3 is required for the in-browser checks" >&2; exit 2
fi
browser="${BROWSER:-}"
if [[ -z "$browser" ]]; then
    for candidate in chromium-headless-shell chromium chromium-browser google-chrome headless_shell /usr/lib/chromium/headless_shell; do
        if command -v "$candidate" >/dev/null 2>&1; then browser="$(command -v "$candidate")"; break; fi
    done
fi
[[ -n "$browser" ]] || { echo "dashboard-check: no browser for the in-browser checks (run .ci/browser-check.sh once to install one)" >&2; exit 2; }
clients=1100
for width in 1280 390; do
    "$heatctl" demo --plaintext --clients "$clients" --role executive --out "$work/next-$width" --quiet > /dev/null
    python3 "$here/dashboard_live_check.py" "$browser" "$base" "$token" "$releases" "$width" \
        "$work/next-$width/results.json" "$shots/dashboard-live-$width.png" \
        || { echo "dashboard-check: the dashboard did not update in place at $width px" >&2; exit 1; }
    clients=$((clients + 150))
done
kill -TERM "$pid"
if ! wait "$pid"; then echo "dashboard-check: graceful shutdown did not exit 0" >&2; exit 1; fi
"$here/browser-check.sh" "$out" "$shots"

# The filters narrow the client rows, in the browser: open the manager's page with a branch and
# a level in the address's fragment (as a bookmarked view would) at both widths, and compare the
# client rows the script leaves visible with the rows that name that branch and level.
read -r branch level expected total < <(python3 - "$filter_dir/index.html" <<'PY'
import re, sys, collections
html = open(sys.argv[1], encoding="utf-8").read()
table = re.search(r'<table class="clients">.*?</table>', html, re.S)
rows = re.findall(r'<tr([^>]*)>(.*?)</tr>', table.group(0), re.S) if table else []
rows = [(attrs, body) for attrs, body in rows if 'data-branch=' in attrs]
if not rows:
    print("- - 0 0"); sys.exit()
pairs = collections.Counter()
for attrs, body in rows:
    branch = re.search(r'data-branch="([^"]*)"', attrs).group(1)
    level = re.search(r'level-(cold|cool|warm|hot)', body).group(1)
    pairs[(branch, level)] += 1
# The most common pair that is not every row, so the filter has something to hide.
(branch, level), count = max(((k, v) for k, v in pairs.items() if v < len(rows)), key=lambda kv: kv[1], default=(next(iter(pairs)), len(rows)))
print(branch, level, count, len(rows))
PY
)
if [[ "$total" == 0 ]]; then echo "dashboard-check: the manager's client rows carry no data-branch (filters cannot narrow them)" >&2; exit 1; fi
for width in 1280 390; do
    dom="$work/filter-$width.html"
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
        --allow-file-access-from-files --window-size="$width,900" --dump-dom \
        "file://$(cd "$filter_dir" && pwd)/index.html#branch=$branch&level=$level" > "$dom" 2>/dev/null \
        || { echo "dashboard-check: the browser could not load the filtered dashboard at $width px" >&2; exit 1; }
    shown="$(python3 - "$dom" "$branch" "$level" <<'PY'
import re, sys
html, branch, level = open(sys.argv[1], encoding="utf-8").read(), sys.argv[2], sys.argv[3]
table = re.search(r'<table class="clients">.*?</table>', html, re.S)
visible = 0
for attrs, body in re.findall(r'<tr([^>]*)>(.*?)</tr>', table.group(0) if table else "", re.S):
    if 'data-branch=' not in attrs or 'row-hidden' in attrs:
        continue
    if f'data-branch="{branch}"' not in attrs or f'level-{level}' not in body:
        print("wrong"); sys.exit()
    visible += 1
print(visible)
PY
)"
    if [[ "$shown" != "$expected" ]]; then
        echo "dashboard-check: at $width px the filter branch=$branch level=$level shows $shown client rows, expected $expected of $total" >&2; exit 1
    fi
    echo "dashboard-check: ok: branch and level filters narrow the client rows to $expected of $total at $width px" >&2
done

# The executive's page: the branch filter narrows the branch group table to the picked branch.
exec_dir="$out/executive-filter"
mkdir -p "$exec_dir"
sed 's|src="/static/dashboard.js"|src="dashboard.js"|' "$out/index.html" > "$exec_dir/index.html"
cp "$filter_dir/dashboard.js" "$exec_dir/dashboard.js"
pick="$(grep -o '<select id="filter-branch"[^$]*' "$exec_dir/index.html" | grep -o '<option>[^<]*</option>' | head -1 | sed 's/<[^>]*>//g')" || true
if [[ -z "$pick" ]]; then
    echo "dashboard-check: the executive's page has no branch filter with a branch to pick" >&2; exit 1
fi
if [[ -n "$pick" ]]; then
    for width in 1280 390; do
        dom="$work/exec-filter-$width.html"
        timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
            --allow-file-access-from-files --window-size="$width,900" --dump-dom \
            "file://$(cd "$exec_dir" && pwd)/index.html#branch=$pick" > "$dom" 2>/dev/null \
            || { echo "dashboard-check: the browser could not load the executive's filtered dashboard at $width px" >&2; exit 1; }
        verdict="$(python3 - "$dom" "$pick" <<'PY'
import re, sys
html, pick = open(sys.argv[1], encoding="utf-8").read(), sys.argv[2]
visible, total = 0, 0
for table in re.findall(r'<table[^>]*data-kind="branch"[^>]*>.*?</table>', html, re.S):
    for attrs, body in re.findall(r'<tr([^>]*)>(.*?)</tr>', table.split("<tbody>", 1)[-1], re.S):
        total += 1
        first = re.search(r'<td[^>]*>(.*?)</td>', body, re.S)
        ref = re.sub(r'<[^>]*>', '', first.group(1)).strip() if first else ""
        hidden = 'row-hidden' in attrs
        if hidden == (ref == pick):
            print("wrong"); sys.exit()
        visible += 0 if hidden else 1
print(f"{visible} {total}")
PY
)"
        read -r shown rows <<<"$verdict"
        if [[ "$shown" == "wrong" || -z "$rows" || "$shown" -lt 1 ]]; then
            echo "dashboard-check: at $width px the branch filter $pick does not narrow the branch table ($verdict)" >&2; exit 1
        fi
        echo "dashboard-check: ok: the branch filter narrows the branch table to $shown of $rows rows at $width px" >&2
    done
fi
echo "dashboard-check: passed"
