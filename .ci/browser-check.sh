#!/usr/bin/env bash
# Browser check of a CustomerHeat HTML report (issue 6).
#
#   .ci/browser-check.sh REPORT_DIR SHOTS_DIR   check one report, save screenshots
#   .ci/browser-check.sh --self-test [SHOTS_DIR] prove the check passes a good report and fails
#                                                 a broken one (fixtures in Tests/BrowserCheck/)
#
# REPORT_DIR holds index.html and results.json as written by `heatctl report` (or the demo).
# The check:
#   1. installs Debian 12's chromium-headless-shell (or chromium) with apt-get when no browser
#      is found (set BROWSER=/path/to/chrome to use another one);
#   2. derives the expected section ids from results.json: section-population, -histogram,
#      -weekly, -groups, -clients, -personas, -model for each key present there, and always
#      section-parameters (the footer); with population also thresholds-heading and heat-scale
#      (the level thresholds and the heat scale), with clients also cf-attention (the filter);
#   3. renders index.html headless at 1280 and 390 px wide with --dump-dom and fails when the page
#      does not load or an expected id is missing from the DOM;
#   4. saves full-page screenshots (SHOTS_DIR/report-1280.png, report-390.png, and report-print.png
#      laid out with the print stylesheet at A4 width) and prints their paths. Full-page capture needs python3 (standard library only; see full_page_screenshot.py);
#      without it, a viewport screenshot (--screenshot) is saved instead and a warning printed.
# Exit status: 0 pass, 1 check failed, 2 usage or setup error.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
widths=(1280 390)

say() { printf '%s\n' "$*" >&2; }
die() { say "browser-check: error: $1"; [[ -n "${2:-}" ]] && say "hint: $2"; exit 2; }

find_browser() {
    if [[ -n "${BROWSER:-}" ]]; then command -v "$BROWSER" && return 0; die "BROWSER=$BROWSER is not executable"; fi
    local candidate
    for candidate in chromium-headless-shell chromium chromium-browser google-chrome headless_shell; do
        if command -v "$candidate" >/dev/null 2>&1; then command -v "$candidate"; return 0; fi
    done
    # Debian puts the headless shell here.
    if [[ -x /usr/lib/chromium/headless_shell ]]; then echo /usr/lib/chromium/headless_shell; return 0; fi
    return 1
}

install_browser() {
    local sudo=""
    if [[ "$(id -u)" != 0 ]]; then
        command -v sudo >/dev/null 2>&1 || die "no browser found and not root" "install chromium-headless-shell, or set BROWSER"
        sudo="sudo"
    fi
    say "browser-check: installing chromium-headless-shell with apt-get"
    $sudo apt-get update -qq >&2
    if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium-headless-shell >&2; then
        say "browser-check: chromium-headless-shell unavailable, installing chromium"
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >&2
    fi
}

# The expected section ids, one per line, from a results.json.
expected_sections() {
    local results="$1"
    if command -v jq >/dev/null 2>&1; then
        jq -r '
            [["population","section-population"],["heatHistogram","section-histogram"],["weekly","section-weekly"],
             ["groups","section-groups"],["clients","section-clients"],["personas","section-personas"],
             ["model","section-model"],["scenario","section-scenario"],["riskPortfolio","section-riskPortfolio"],
             ["riskModel","section-riskModel"],["fraudMetrics","section-fraudMetrics"]] as $map
            | . as $doc | ($map[] | select($doc[.[0]] != null) | .[1]),
              (if $doc.population != null then "thresholds-heading", "heat-scale" else empty end),
              (if ($doc.clients // []) | length > 0 then "cf-attention" else empty end),
              "section-parameters"' "$results"
    elif command -v python3 >/dev/null 2>&1; then
        python3 - "$results" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
for key, section in [("population", "population"), ("heatHistogram", "histogram"), ("weekly", "weekly"),
                     ("groups", "groups"), ("clients", "clients"), ("personas", "personas"), ("model", "model"),
                     ("scenario", "scenario"), ("riskPortfolio", "riskPortfolio"),
                     ("riskModel", "riskModel"), ("fraudMetrics", "fraudMetrics")]:
    if doc.get(key) is not None:
        print("section-" + section)
if doc.get("population") is not None:
    print("thresholds-heading")   # the level thresholds beside the level chart
    print("heat-scale")           # the heat scale, explained once
if doc.get("clients"):
    print("cf-attention")         # the client table's attention filter
print("section-parameters")
PY
    else
        die "neither jq nor python3 is available to read results.json" "apt-get install jq"
    fi
}

# check REPORT_DIR SHOTS_DIR: returns 0 when the report passes, 1 when it fails.
check() {
    local report="$1" shots="$2" browser="$3"
    local page="$report/index.html" results="$report/results.json" failed=0
    [[ -f "$page" ]] || { say "FAIL: $page does not exist"; return 1; }
    [[ -f "$results" ]] || { say "FAIL: $results does not exist (the renderer copies it next to index.html)"; return 1; }
    local url="file://$(cd "$report" && pwd)/index.html"
    local expected
    expected="$(expected_sections "$results")" || { say "FAIL: $results is not readable JSON"; return 1; }
    mkdir -p "$shots"
    local width dom
    for width in "${widths[@]}"; do
        dom="$(mktemp)"
        if ! timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
                --window-size="$width,900" --dump-dom "$url" >"$dom" 2>/dev/null; then
            say "FAIL: the browser could not load $url at $width px"; failed=1; rm -f "$dom"; continue
        fi
        if ! grep -q '<body' "$dom" || ! grep -q 'id="section-parameters"\|id="section-' "$dom"; then
            say "FAIL: the page at $width px has no report content (empty or broken DOM)"; failed=1
        fi
        local id
        while IFS= read -r id; do
            [[ -z "$id" ]] && continue
            if grep -q "id=\"$id\"" "$dom"; then
                say "ok: $id present at $width px"
            else
                say "FAIL: $id is in results.json but missing from the DOM at $width px"; failed=1
            fi
        done <<<"$expected"
        rm -f "$dom"
        local shot="$shots/report-$width.png"
        if command -v python3 >/dev/null 2>&1; then
            local size
            if size="$(python3 "$here/full_page_screenshot.py" "$browser" "$url" "$width" "$shot")"; then
                say "screenshot ($size, full page):"
                printf '%s\n' "$shot"
            else
                say "FAIL: full-page screenshot at $width px failed"; failed=1
            fi
        else
            say "warning: python3 missing, saving a viewport screenshot (not full page)"
            (cd "$shots" && timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
                --window-size="$width,2400" --screenshot="$shot" "$url" >/dev/null 2>&1) \
                && printf '%s\n' "$shot" || { say "FAIL: screenshot at $width px failed"; failed=1; }
        fi
    done
    # The print stylesheet, at A4 width (794 CSS px), for a look at what a printout shows.
    if command -v python3 >/dev/null 2>&1; then
        if python3 "$here/full_page_screenshot.py" "$browser" "$url" 794 "$shots/report-print.png" print >/dev/null; then
            say "screenshot (print stylesheet, A4 width):"
            printf '%s\n' "$shots/report-print.png"
        else
            say "FAIL: print-layout screenshot failed"; failed=1
        fi
    fi
    return "$failed"
}

browser_or_install() {
    local browser
    if ! browser="$(find_browser)"; then
        install_browser
        browser="$(find_browser)" || die "no Chromium after apt-get install" "set BROWSER=/path/to/chromium"
    fi
    say "browser-check: using $browser ($("$browser" --version 2>/dev/null | head -1 || echo unknown version))"
    printf '%s\n' "$browser"
}

if [[ "${1:-}" == "--self-test" ]]; then
    shots="${2:-$(mktemp -d)}"
    browser="$(browser_or_install)"
    fixtures="$root/Tests/BrowserCheck"
    status=0
    say "== self-test 1/3: a complete report must pass"
    if check "$fixtures/complete" "$shots/complete" "$browser"; then say "self-test: complete report passed (expected)"
    else say "self-test FAILED: the complete report was rejected"; status=1; fi
    say "== self-test 2/3: a report whose DOM lacks a section present in results.json must fail"
    if check "$fixtures/missing-section" "$shots/missing-section" "$browser"; then say "self-test FAILED: the missing section was not caught"; status=1
    else say "self-test: missing section caught (expected)"; fi
    say "== self-test 3/3: a report folder without index.html must fail"
    empty="$(mktemp -d)"; cp "$fixtures/complete/results.json" "$empty/"
    if check "$empty" "$shots/no-page" "$browser"; then say "self-test FAILED: a missing page was not caught"; status=1
    else say "self-test: missing page caught (expected)"; fi
    rm -rf "$empty"
    [[ "$status" == 0 ]] && say "browser-check self-test: PASS" || say "browser-check self-test: FAIL"
    exit "$status"
fi

[[ $# -eq 2 ]] || die "usage: .ci/browser-check.sh REPORT_DIR SHOTS_DIR | --self-test [SHOTS_DIR]"
[[ -d "$1" ]] || die "$1 is not a folder" "render one first: heatctl report results.json --out DIR"
browser="$(browser_or_install)"
if check "$1" "$2" "$browser"; then
    say "browser-check: PASS"
else
    say "browser-check: FAIL"
    exit 1
fi
