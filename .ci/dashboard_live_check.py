#!/usr/bin/env python3
"""Live-update check of the dashboard in headless Chromium (issue 21).

Usage: dashboard_live_check.py BROWSER BASE_URL TOKEN RELEASES_DIR WIDTH NEW_RELEASE.json SHOT.png

Signs in at BASE_URL/ exactly as a user does (pastes TOKEN into the sign-in form, which exchanges
it for the session cookie), waits for the dashboard and its event stream, picks a filter (the
first branch, else a search), sets a marker on `window`, then publishes NEW_RELEASE.json into
RELEASES_DIR (write to a temporary name, then rename, as `heatctl release --out` does). It waits
until the population figures on the page change, and fails unless:
  - the marker survived (the page was re-rendered in place, not reloaded: a reload starts a new
    `window` without it),
  - the figures changed to the new release's (the population section text differs and
    `data-generation` names a later release generation),
  - the filter state is kept (the same address fragment, the same control values) and the
    client rows are still narrowed by it.
Saves a viewport screenshot of the updated page to SHOT.png. Python standard library only (the
DevTools client of full_page_screenshot.py). Exit 0 pass, 1 fail.
"""
import base64, json, os, shutil, subprocess, sys, tempfile, time, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from full_page_screenshot import DevTools, WebSocket  # noqa: E402


def fail(message):
    print(f"dashboard-live-check: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def evaluate(devtools, expression):
    """The value of a JavaScript expression in the page (None while the page is navigating)."""
    try:
        result = devtools.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
    except (RuntimeError, ConnectionError):
        return None
    if "exceptionDetails" in result:
        return None
    return result.get("result", {}).get("value")


def wait_until(devtools, expression, seconds, what):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = evaluate(devtools, expression)
        if value:
            return value
        time.sleep(0.2)
    fail(f"timed out after {seconds} s waiting for {what}")


def main():
    if len(sys.argv) != 8:
        sys.exit(__doc__)
    browser, base, token, releases, width, new_release, shot = sys.argv[1:8]
    width = int(width)
    profile = tempfile.mkdtemp(prefix="heat-live-")
    process = subprocess.Popen(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
         "--no-first-run", "--remote-debugging-port=0", f"--user-data-dir={profile}", f"--window-size={width},900",
         "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = os.path.join(profile, "DevToolsActivePort")
        deadline = time.time() + 60
        while not (os.path.exists(port_file) and open(port_file).read().count("\n") >= 1):
            if process.poll() is not None or time.time() > deadline:
                fail("the browser did not start its DevTools endpoint")
            time.sleep(0.1)
        port = open(port_file).read().split("\n")[0].strip()
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30))
        page = next(t for t in targets if t.get("type") == "page")
        devtools = DevTools(WebSocket(page["webSocketDebuggerUrl"]))
        devtools.call("Emulation.setDeviceMetricsOverride", width=width, height=900, deviceScaleFactor=1, mobile=width < 600)
        devtools.call("Page.enable")
        devtools.call("Runtime.enable")
        navigation = devtools.call("Page.navigate", url=base + "/")
        if navigation.get("errorText"):
            fail(f"the sign-in page did not load: {navigation['errorText']}")
        wait_until(devtools, "document.readyState === 'complete' && !!document.getElementById('login-form')", 60, "the sign-in form")
        # Sign in as a user does: the form's script exchanges the token for the session cookie.
        evaluate(devtools, "document.getElementById('token').value = " + json.dumps(token)
                 + "; document.getElementById('login-form').requestSubmit(); true")
        wait_until(devtools, "location.pathname === '/dashboard' && document.readyState === 'complete'"
                   " && document.body.getAttribute('data-live') === 'open'", 60, "the dashboard and its event stream")
        population = "(document.getElementById('section-population') || {textContent: ''}).textContent"
        before = evaluate(devtools, population)
        if not before:
            fail("the dashboard shows no population section")
        # A filter the update must keep: the first branch when the role has the control, else a search.
        picked = evaluate(devtools, """(function () {
            var select = document.getElementById('filter-branch');
            if (select && select.options.length > 1) {
              select.value = select.options[1].value;
              select.dispatchEvent(new Event('change', {bubbles: true}));
              return 'branch';
            }
            var search = document.getElementById('search');
            search.value = 'cool';
            search.dispatchEvent(new Event('input', {bubbles: true}));
            return 'search';
          })()""")
        state = "JSON.stringify({hash: location.hash, branch: (document.getElementById('filter-branch') || {}).value || null," \
                " search: document.getElementById('search').value, hidden: document.querySelectorAll('tr.row-hidden').length})"
        filtered = json.loads(evaluate(devtools, state))
        if not filtered["hash"]:
            fail(f"picking a {picked} filter did not record it in the address's fragment")
        marker = base64.b16encode(os.urandom(8)).decode()
        evaluate(devtools, f"window.__heatLiveMarker = '{marker}'; true")
        generation_before = evaluate(devtools, "document.body.getAttribute('data-generation') || '0'")

        # Publish the new release: a temporary name, then a rename (no half-written document).
        name = f"live-check-{marker.lower()}.json"
        temporary = os.path.join(releases, name + ".part")
        shutil.copyfile(new_release, temporary)
        os.rename(temporary, os.path.join(releases, name))

        after = wait_until(devtools, f"(function () {{ var t = {population}; return t && t !== {json.dumps(before)} ? t : null; }})()",
                           90, "the new release's figures on the page")
        survived = evaluate(devtools, "window.__heatLiveMarker || null")
        if survived != marker:
            fail("the page was reloaded (the marker set on window before the release is gone): "
                 "the dashboard must re-render in place")
        generation_after = evaluate(devtools, "document.body.getAttribute('data-generation') || '0'")
        if int(generation_after) <= int(generation_before):
            fail(f"data-generation did not advance ({generation_before} -> {generation_after})")
        kept = json.loads(evaluate(devtools, state))
        if kept["hash"] != filtered["hash"] or kept["branch"] != filtered["branch"] or kept["search"] != filtered["search"]:
            fail(f"the filter state was not kept: before {filtered}, after {kept}")
        if kept["hidden"] == 0:
            fail("after the update no row is hidden: the kept filter no longer narrows the rows")
        status = evaluate(devtools, "document.getElementById('live-status').textContent")
        shot_data = devtools.call("Page.captureScreenshot", format="png")
        with open(shot, "wb") as file:
            file.write(base64.b64decode(shot_data["data"]))
        print(f"dashboard-live-check: ok at {width} px: re-rendered in place (marker kept), generation "
              f"{generation_before} -> {generation_after}, population section changed, {picked} filter kept "
              f"({kept['hash']}, {kept['hidden']} rows hidden); status: {status!r}; screenshot {shot}", file=sys.stderr)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
