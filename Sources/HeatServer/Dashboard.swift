import Crypto
import Foundation
import HeatCore
import Hummingbird
import NIOCore

/// The live dashboard at `/`: the report's page (same SVG charts and palette) rendered for the
/// session's role, filters by branch, manager, segment, region and heat level plus a search box
/// over its tables (client-side), and an event stream: when a new release lands the script
/// fetches the role's view again (`GET /v1/dashboard`, ``liveView(for:identity:generation:)``)
/// and rebuilds the charts, tables and filters in place, without reloading the page and keeping
/// the user's filters and search. No third-party scripts; one script of our own at
/// `/static/dashboard.js`.
///
/// The page is served with a strict Content-Security-Policy: scripts from this origin only, the
/// report's one stylesheet by its SHA-256 hash, images only as `data:` URIs, no frames, no forms
/// to other origins.
enum Dashboard {
    /// The Content-Security-Policy of a page whose inline stylesheets are `styles`.
    static func contentSecurityPolicy(styles: [String]) -> String {
        let hashes = styles.map { "'sha256-\(Data(SHA256.hash(data: Data($0.utf8))).base64EncodedString())'" }
        let styleSource = hashes.isEmpty ? "'none'" : hashes.joined(separator: " ")
        return "default-src 'none'; script-src 'self'; style-src \(styleSource); img-src data:; connect-src 'self'; "
            + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    }

    /// The security headers of every dashboard page.
    static func headers(styles: [String]) -> HTTPFields {
        [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
         .init("Content-Security-Policy")!: contentSecurityPolicy(styles: styles),
         .init("X-Content-Type-Options")!: "nosniff", .init("Referrer-Policy")!: "no-referrer",
         .init("X-Frame-Options")!: "DENY"]
    }

    /// The contents of every `<style>` element of a page.
    static func inlineStyles(in html: String) -> [String] {
        var styles: [String] = []
        var rest = html[...]
        while let open = rest.range(of: "<style>"), let close = rest.range(of: "</style>", range: open.upperBound..<rest.endIndex) {
            styles.append(String(rest[open.upperBound..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        return styles
    }

    static let loginStyle = """
        body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}\
        main{max-width:34rem;margin:10vh auto;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 1px 4px #0002}\
        textarea{width:100%;min-height:7rem;font:13px monospace;box-sizing:border-box}\
        button{margin-top:1rem;padding:.5rem 1.2rem;font-size:1rem}#status{color:#b42318}
        """

    /// The sign-in page: paste a token; the script exchanges it for the session cookie.
    static func loginPage() -> (html: String, styles: [String]) {
        let html = """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>CustomerHeat dashboard: sign in</title>
            <style>\(loginStyle)</style>
            </head>
            <body>
            <main id="login">
            <h1>CustomerHeat dashboard</h1>
            <p>Paste the token your operator issued (<code>heatctl token issue</code>). It is exchanged for a
            15-minute session cookie and never stored by this page.</p>
            <form id="login-form">
            <label for="token">Token</label>
            <textarea id="token" name="token" autocomplete="off" spellcheck="false" required></textarea>
            <button type="submit">Open the dashboard</button>
            <p id="status" role="status"></p>
            </form>
            </main>
            <script src="/static/dashboard.js"></script>
            </body>
            </html>
            """
        return (html, [loginStyle])
    }

    static let barStyle = """
        .live-bar{position:sticky;top:0;z-index:5;display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;\
        padding:.5rem 1rem;background:#1d2330;color:#fff;font:14px system-ui,sans-serif}\
        .live-bar input{flex:1 1 12rem;min-width:8rem;padding:.3rem .5rem}.live-bar button{padding:.3rem .8rem}\
        .live-bar .who{font-weight:600}.row-hidden{display:none}\
        .live-bar select{max-width:11rem;padding:.25rem}.filters{display:flex;flex-wrap:wrap;gap:.4rem;flex:1 1 100%}\
        @media (min-width:60rem){.filters{flex:0 1 auto}}\
        .visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
        """

    /// The filter controls for `document`: one select per group kind released (the masked
    /// references of its groups and of its client rows), the heat level when per-client rows are
    /// released; the search box beside them. Filtering is client-side (the script hides the rows
    /// of the group tables and the client rows whose `data-KIND` attribute names another group);
    /// nothing is sent to the server.
    static func filters(for document: ResultsDocument) -> String {
        var html = "<span class=\"filters\" id=\"filters\">"
        let labels: [GroupSummary.Kind: String] = [.branch: "branch", .manager: "manager", .segment: "segment", .region: "region"]
        for kind in [GroupSummary.Kind.branch, .manager, .segment, .region] {
            let refs = Set((document.groups ?? []).filter { $0.kind == kind }.map(\.ref)
                           + (document.clients ?? []).compactMap { $0.group(kind) }).sorted()
            guard !refs.isEmpty else { continue }
            let name = labels[kind] ?? kind.rawValue
            html += "<label for=\"filter-\(kind.rawValue)\" class=\"visually-hidden\">\(name)</label>"
            html += "<select id=\"filter-\(kind.rawValue)\" class=\"group-filter\" data-kind=\"\(kind.rawValue)\"><option value=\"\">every \(name)</option>"
            for ref in refs { html += "<option>\(HTMLEscaping.escape(ref))</option>" }
            html += "</select>"
        }
        if document.clients != nil {
            html += "<label for=\"filter-level\" class=\"visually-hidden\">level</label><select id=\"filter-level\"><option value=\"\">every level</option>"
            for level in HeatLevel.allCases { html += "<option>\(level.rawValue)</option>" }
            html += "</select>"
        }
        return html + "</span>"
    }

    /// The dashboard page for `document` (already narrowed to the role): the report's page plus
    /// the live bar (role, search, sign out) and the script; `<body data-generation>` names the
    /// release generation it shows (the script compares it with the event stream's `hello`).
    static func page(for document: ResultsDocument, identity: Identity, generation: Int = 0) -> (html: String, styles: [String]) {
        var html = ReportRenderer().html(for: document)
        // The page is served with its own CSP header; the report's meta CSP (no scripts at all,
        // for a file opened from disk) would forbid the dashboard's script.
        if let start = html.range(of: "<meta http-equiv=\"Content-Security-Policy\""),
           let end = html.range(of: ">", range: start.upperBound..<html.endIndex) {
            html.removeSubrange(start.lowerBound..<end.upperBound)
        }
        let who = HTMLEscaping.escape(identity.manager.map { "\(identity.role) (\($0))" } ?? identity.role)
        let bar = """
            <style>\(barStyle)</style>
            <div class="live-bar" id="live-bar"><span class="who">\(who)</span>\
            <label for="search" class="visually-hidden">Search</label>\
            <input id="search" type="search" placeholder="Search branch, manager, segment, level, client…" autocomplete="off">\
            \(filters(for: document))\
            <span id="live-status" role="status">live</span><button id="sign-out" type="button">Sign out</button></div>
            """
        // The report's body goes into one container the script replaces when a release lands.
        if let end = html.range(of: "</body>", options: .backwards) {
            html.insert(contentsOf: "</div>\n<script src=\"/static/dashboard.js\"></script>\n", at: end.lowerBound)
        }
        if let body = html.range(of: "<body>") {
            html.insert(contentsOf: "\n" + bar + "\n<div id=\"report-root\">", at: body.upperBound)
            html.replaceSubrange(body, with: "<body data-generation=\"\(generation)\">")
        }
        return (html, inlineStyles(in: html))
    }

    /// What `GET /v1/dashboard` answers: the role's release rendered by the same code as the
    /// page (``ReportRenderer``, the same narrowed document), as the HTML of the report's body
    /// and of the filter controls, for the script to rebuild the page in place when a release
    /// lands. Every value in it is escaped by the renderer; it holds no script.
    struct LiveView: Encodable, Sendable {
        /// The token's role.
        var role: String
        /// The release's reference date.
        var asOf: CalendarDate
        /// When the release was generated.
        var generatedAt: UTCTimestamp
        /// The server's release generation (the `generation` of `event: release`).
        var generation: Int
        /// The filter controls (`<span id="filters">…</span>`).
        var filters: String
        /// The report's body: the content of `<div id="report-root">`.
        var report: String
    }

    /// The live view of `document` (already narrowed to the role) at release `generation`.
    static func liveView(for document: ResultsDocument, identity: Identity, generation: Int) -> LiveView {
        let html = ReportRenderer().html(for: document)
        var report = ""
        if let open = html.range(of: "<body>"), let close = html.range(of: "</body>", options: .backwards), open.upperBound <= close.lowerBound {
            report = String(html[open.upperBound..<close.lowerBound])
        }
        return LiveView(role: identity.role, asOf: document.asOf, generatedAt: document.generatedAt, generation: generation,
                        filters: filters(for: document), report: report)
    }

    /// The dashboard's one script: sign-in exchange, filters and search (state in the address's
    /// fragment), live re-render in place on `event: release` (never a page reload), sign-out.
    static let script = """
        "use strict";
        (function () {
          var form = document.getElementById("login-form");
          if (form) {
            form.addEventListener("submit", function (event) {
              event.preventDefault();
              var field = document.getElementById("token");
              var token = field.value.trim();
              field.value = "";
              fetch("/v1/session", { method: "POST", headers: { "Authorization": "Bearer " + token }, credentials: "same-origin" })
                .then(function (response) { return response.json().then(function (body) { return { ok: response.ok, body: body }; }); })
                .then(function (result) {
                  if (!result.ok) { document.getElementById("status").textContent = result.body.error ? result.body.error.message : "refused"; return; }
                  sessionStorage.setItem("heat-csrf", result.body.csrf);
                  window.location.assign("/dashboard");
                })
                .catch(function () { document.getElementById("status").textContent = "the server did not answer"; });
            });
            return;
          }
          var search = document.getElementById("search");
          var kinds = ["manager", "branch", "segment", "region"];
          // Mark each group table with its kind: the tables after <h3 id="groups-KIND">.
          function markTables() {
            var headings = document.querySelectorAll("h3[id^='groups-']");
            for (var h = 0; h < headings.length; h++) {
              var kind = headings[h].id.substring(7);
              for (var node = headings[h].nextElementSibling; node && node.tagName !== "H3"; node = node.nextElementSibling) {
                var tables = node.tagName === "TABLE" ? [node] : node.querySelectorAll("table");
                for (var t = 0; t < tables.length; t++) { tables[t].setAttribute("data-kind", kind); }
              }
            }
          }
          function applyFilters() {
            var needle = search ? search.value.trim().toLowerCase() : "";
            var picks = {};
            var groupFilters = document.querySelectorAll("select.group-filter");
            for (var f = 0; f < groupFilters.length; f++) { picks[groupFilters[f].getAttribute("data-kind")] = groupFilters[f].value; }
            var level = document.getElementById("filter-level");
            var wanted = level ? level.value : "";
            var rows = document.querySelectorAll("table tbody tr");
            var shown = 0;
            for (var i = 0; i < rows.length; i++) {
              var row = rows[i];
              var table = row.closest("table");
              var isClient = table !== null && table.classList.contains("clients");
              var text = row.textContent.toLowerCase();
              if (isClient) {
                // A client row is also found by its groups (data-manager, data-branch, ...).
                for (var k = 0; k < kinds.length; k++) { text += " " + (row.getAttribute("data-" + kinds[k]) || "").toLowerCase(); }
              }
              var hit = needle === "" || text.indexOf(needle) >= 0;
              var kind = table ? table.getAttribute("data-kind") : null;
              if (hit && kind && picks[kind]) {
                var first = row.querySelector("td");
                hit = first !== null && first.textContent.trim() === picks[kind];
              }
              if (hit && isClient) {
                // Every group filter narrows the client rows too: a row shows only when it names
                // the picked group of each kind (a row without that group is hidden).
                for (var p in picks) {
                  if (picks[p] && row.getAttribute("data-" + p) !== picks[p]) { hit = false; }
                }
                if (hit && wanted) { hit = row.querySelector(".level-" + wanted) !== null; }
                if (hit) { shown++; }
              }
              row.classList.toggle("row-hidden", !hit);
            }
            document.body.setAttribute("data-clients-shown", String(shown));
            // The filters live in the address's fragment (never sent to the server), so a view
            // can be bookmarked, the browser check can open one, and a live update keeps it.
            var state = [];
            for (var q in picks) { if (picks[q]) { state.push(q + "=" + encodeURIComponent(picks[q])); } }
            if (wanted) { state.push("level=" + encodeURIComponent(wanted)); }
            if (needle) { state.push("search=" + encodeURIComponent(needle)); }
            try {
              window.history.replaceState(null, "", state.length ? "#" + state.join("&") : window.location.pathname + window.location.search);
            } catch (ignored) { /* a page opened from a file may not change its address */ }
          }
          function restoreFilters() {
            var fragment = window.location.hash.replace(/^#/, "");
            if (fragment === "") { return; }
            var parts = fragment.split("&");
            for (var i = 0; i < parts.length; i++) {
              var pair = parts[i].split("=");
              var name = pair[0], value;
              // A malformed escape (`#search=%`) would throw and stop the script: skip that pair.
              try { value = decodeURIComponent(pair[1] || ""); } catch (malformed) { continue; }
              var control = name === "search" ? search : document.getElementById("filter-" + name);
              if (!control) { continue; }
              if (control.tagName === "SELECT" && value !== "") {
                // A group the new release no longer lists stays picked (it then matches no row)
                // rather than silently widening the user's view.
                var known = false;
                for (var o = 0; o < control.options.length; o++) { if (control.options[o].value === value) { known = true; } }
                if (!known) { var option = document.createElement("option"); option.textContent = value; control.appendChild(option); }
              }
              control.value = value;
            }
          }
          markTables();
          restoreFilters();
          applyFilters();
          if (search) { search.addEventListener("input", applyFilters); }
          // One listener on the bar serves the filter controls, including those a live update rebuilds.
          var bar = document.getElementById("live-bar");
          if (bar) {
            bar.addEventListener("change", function (event) {
              var target = event.target;
              if (target && target.tagName === "SELECT") { applyFilters(); }
            });
          }
          var signOut = document.getElementById("sign-out");
          if (signOut) {
            signOut.addEventListener("click", function () {
              fetch("/v1/session", { method: "DELETE", headers: { "X-CSRF-Token": sessionStorage.getItem("heat-csrf") || "" }, credentials: "same-origin" })
                .finally(function () { sessionStorage.removeItem("heat-csrf"); window.location.assign("/"); });
            });
          }
          var status = document.getElementById("live-status");
          function say(text) { if (status) { status.textContent = text; } }
          // Rebuilds the report and the filter controls from GET /v1/dashboard (the role's release,
          // rendered by the server's report code) without reloading the page; the filters and the
          // search come back from the address's fragment.
          function rebuild(view) {
            var parsed = new DOMParser().parseFromString(
              "<!doctype html><html><body><div id='report-root'>" + view.report + "</div>" + view.filters + "</body></html>", "text/html");
            var freshRoot = parsed.getElementById("report-root");
            var freshFilters = parsed.getElementById("filters");
            var root = document.getElementById("report-root");
            var controls = document.getElementById("filters");
            if (!freshRoot || !root) { return false; }
            // The controls' current values win over the fragment (a click on the report's section
            // links replaces the fragment): nothing the user picked is widened by an update.
            var picked = {};
            var selects = document.querySelectorAll("#filters select");
            for (var c = 0; c < selects.length; c++) { picked[selects[c].id] = selects[c].value; }
            root.replaceWith(document.importNode(freshRoot, true));
            if (freshFilters && controls) { controls.replaceWith(document.importNode(freshFilters, true)); }
            markTables();
            restoreFilters();
            for (var id in picked) {
              var control = document.getElementById(id);
              if (!control || picked[id] === "") { continue; }
              var known = false;
              for (var o = 0; o < control.options.length; o++) { if (control.options[o].value === picked[id]) { known = true; } }
              if (!known) { var option = document.createElement("option"); option.textContent = picked[id]; control.appendChild(option); }
              control.value = picked[id];
            }
            applyFilters();
            document.body.setAttribute("data-generation", String(view.generation));
            document.body.setAttribute("data-generated-at", String(view.generatedAt));
            return true;
          }
          var latest = 0;
          function refresh() {
            var ticket = ++latest;
            say("new release: updating");
            fetch("/v1/dashboard", { credentials: "same-origin", headers: { "Accept": "application/json" } })
              .then(function (response) {
                if (!response.ok) { throw new Error(response.status === 401 ? "session ended: sign in again" : "update refused (" + response.status + ")"); }
                return response.json();
              })
              .then(function (view) {
                if (ticket !== latest) { return; }  // a newer release is already being fetched
                say(rebuild(view) ? "live: updated to the release of " + view.generatedAt : "update failed: the page is not the dashboard");
              })
              .catch(function (error) { if (ticket === latest) { say(error && error.message ? error.message : "update failed"); } });
          }
          if (window.EventSource) {
            var events = new EventSource("/v1/events");
            events.addEventListener("release", refresh);
            // On (re)connect the stream names its generation: a release missed before the stream
            // connected, or while it reconnected, is fetched at once.
            events.addEventListener("hello", function (event) {
              var shown = document.body.getAttribute("data-generation") || "";
              var generation = "";
              try { generation = String(JSON.parse(event.data).generation); } catch (malformed) { return; }
              if (generation !== shown) { refresh(); }
            });
            function ended() { events.close(); document.body.removeAttribute("data-live"); say("session ended: sign in again"); }
            events.addEventListener("expired", ended);
            events.addEventListener("revoked", ended);
            events.onerror = function () { say("reconnecting"); document.body.removeAttribute("data-live"); };
            events.onopen = function () { say("live"); document.body.setAttribute("data-live", "open"); };
          }
        })();
        """
}
