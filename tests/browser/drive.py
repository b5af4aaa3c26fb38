#!/usr/bin/env python3
"""Drives the chipgate web app in headless Chromium through chromedriver (W3C WebDriver),
with nothing but the Python standard library.

Usage: drive.py BASE_URL TOKEN SCREENSHOT_DIR CHROMEDRIVER_PORT

Seeds holds of several kinds through the API, signs in, checks the chip explorer's chart (by
mouse and by keyboard), opens views by their addresses (a chip, a determination, the holds
queue, an order, a hold) and walks back with the back button, classifies the H20 (expects "not
controlled"; the spec form hides for a catalog chip), runs an order check for the H20 to China
(expects a hold: license required, no license), records a license, releases the hold, checks
again, works the holds queue (priority, counts per reason, pages, filter, sort), exports CSV
(holds, orders, a determination, the audit trail) and reads it back, works the review queue (a
stored party's hits, seeded by run.sh: filter by list and score, open an item by its deep link,
clear it with a reason), and renders in dark mode.
A screenshot of each step goes to SCREENSHOT_DIR.
"""

import base64
import csv
import io
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

BASE, TOKEN, SHOTS, DRIVER_PORT = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
DRIVER = "http://127.0.0.1:%s" % DRIVER_PORT
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1400,1000",
]


def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(DRIVER + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read() or b"{}").get("value")
    except urllib.error.HTTPError as error:
        raise RuntimeError("%s %s: %s" % (method, path, error.read().decode(errors="replace")))


class Browser:
    def __init__(self, profile):
        options = {"args": CHROMIUM_FLAGS + ["--user-data-dir=" + profile]}
        binary = os.environ.get("CHROMIUM_BIN")
        if binary:
            options["binary"] = binary
        value = call("POST", "/session", {"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "goog:chromeOptions": options, "goog:loggingPrefs": {"browser": "ALL"}}}})
        self.session = "/session/" + value["sessionId"]

    def go(self, url):
        call("POST", self.session + "/url", {"url": url})

    def find(self, css, timeout=20.0):
        deadline = time.time() + timeout
        while True:
            try:
                value = call("POST", self.session + "/element", {"using": "css selector", "value": css})
                return value[ELEMENT]
            except RuntimeError:
                if time.time() > deadline:
                    raise RuntimeError("no element `%s` after %.0f s" % (css, timeout))
                time.sleep(0.2)

    def click(self, css):
        call("POST", self.session + "/element/%s/click" % self.find(css), {})

    def type(self, css, text):
        element = self.find(css)
        call("POST", self.session + "/element/%s/clear" % element, {})
        call("POST", self.session + "/element/%s/value" % element, {"text": text})

    def back(self):
        call("POST", self.session + "/back", {})

    def path(self):
        return self.script("return location.pathname + location.search;")

    def wait_for(self, source, what, timeout=30.0, *args):
        """Polls a script until it returns something truthy; returns that."""
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            try:
                last = self.script(source, *args)
                if last:
                    return last
            except RuntimeError as error:
                last = str(error)
            time.sleep(0.2)
        raise AssertionError("%s: %r" % (what, last))

    def keys(self, *keys):
        """Presses keys on whatever has the focus (W3C actions)."""
        actions = []
        for key in keys:
            actions += [{"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]
        call("POST", self.session + "/actions", {"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})

    def cdp(self, command, params):
        return call("POST", self.session + "/goog/cdp/execute", {"cmd": command, "params": params})

    def script(self, source, *args):
        return call("POST", self.session + "/execute/sync", {"script": source, "args": list(args)})

    def select(self, css, value):
        self.script("const s = document.querySelector(arguments[0]); s.value = arguments[1];"
                    " s.dispatchEvent(new Event('change'));", css, value)

    def text(self, css):
        return call("GET", self.session + "/element/%s/text" % self.find(css))

    def wait_text(self, css, predicate, what, timeout=30.0):
        deadline = time.time() + timeout
        last = ""
        while time.time() < deadline:
            try:
                last = self.text(css)
                if predicate(last):
                    return last
            except RuntimeError:
                pass
            time.sleep(0.25)
        raise AssertionError("%s: `%s` is %r" % (what, css, last))

    def screenshot(self, name):
        png = base64.b64decode(call("GET", self.session + "/screenshot"))
        path = os.path.join(SHOTS, name)
        with open(path, "wb") as f:
            f.write(png)
        print("screenshot: " + path)

    def console(self):
        """The browser console's entries since the last call."""
        return call("POST", self.session + "/se/log", {"type": "browser"}) or []

    def close(self):
        try:
            call("DELETE", self.session)
        except RuntimeError:
            pass


ARROW_RIGHT, ENTER = "\ue014", "\ue007"
csv.field_size_limit(1 << 30)  # the audit trail's payload column holds whole determinations
HOLD_CSV = ("hold_id,order_ref,priority,reason_kinds,reasons,held_at,held_by,released_at,released_by,release_reason")
REVIEW_CSV = ("party_id,party_name,entry_key,source,entry_name,matched,score,state,found_at,snapshot_id,entry_hash,"
              "cleared_by,clear_reason,cleared_at,expires")
ORDER_CSV = ("order_ref,status,item,eccn,destination,quantity,unit_value_usd,end_user,consignee,date,license,disposition,"
             "hold_reasons,authorization,checked_at,checked_by,audit_seq")


# A server on the paging contract (`{items, next, counts}`), faked inside the page: this
# worktree's server may still answer bare arrays, and the app must work against both.
FAKE_PAGED_SERVER = """
const holds = [];
for (let i = 1; i <= 5; i++) holds.push({hold_id: 100 + i, order_ref: 'PAGED-' + i, held_at: '2025-01-0' + i + 'T00:00:00Z',
  held_by: 'x', released_at: null, released_by: null, release_reason: null, release_seq: null,
  reasons: [{kind: i === 5 ? 'screening_hit' : 'no_covering_license', hits: ['end_user `X` ~ X on EL (score 1.00)']}]});
const calls = [];
window.fakeCalls = calls;
window.realApi = window.realApi || api;
api = async (method, path, body) => {
  const url = new URL(path, location.origin);
  if (url.pathname !== '/v1/holds') return window.realApi(method, path, body);
  calls.push(url.search);
  const from = Number(url.searchParams.get('cursor') || 0), limit = Math.min(2, Number(url.searchParams.get('limit') || 50)); // pages of at most 2
  const ordered = holds.slice().reverse();
  return {items: ordered.slice(from, from + limit), next: from + limit < ordered.length ? String(from + limit) : null,
          counts: {screening_hit: 1, no_covering_license: 4, license_expired: 0}};
};
state.legacyLists.clear();
"""


def api(method, path, body=None):
    """Calls the chipgate API directly (to seed data), as the admin."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(BASE + path, data=data, method=method, headers={
        "Content-Type": "application/json", "Authorization": "Bearer " + TOKEN})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"null")


def seed_holds():
    """Open holds of three reason kinds, the listed party first and so the oldest: a queue
    sorted by time alone would bury it under the others."""
    def order(ref, item, to, end_user):
        result = api("POST", "/v1/orders/check", {"order_ref": ref, "item": item, "quantity": 4, "destination": to,
                                                  "end_user": end_user, "date": "2025-07-20"})["result"]
        kinds = [r["kind"] for r in result["disposition"].get("reasons", [])]
        print("seeded %s: %s" % (ref, ", ".join(kinds) or result["disposition"]["status"]))
        return kinds
    assert "screening_hit" in order("SEED-LISTED", "nvidia-h20", "CN", "Huawei Technologies Co., Ltd.")
    time.sleep(1.1)
    api("POST", "/v1/routes/suspend", {"item": "nvidia-h20", "destination": "AE", "reason": "browser test"})
    assert order("SEED-ROUTE", "nvidia-h20", "AE", "Gulf Compute LLC") == ["route_suspended"]
    for n, end_user in enumerate(["Example Cloud One", "Example Cloud Two", "=SUM(1,2) Trading"], start=1):
        time.sleep(1.1)
        assert order("SEED-NCL-%d" % n, "nvidia-h20", "CN", end_user) == ["no_covering_license"]


def last_csv(browser, name_part):
    """The CSV the page built for its last download: (file name, rows as lists)."""
    built = browser.wait_for("return state.lastCsv && state.lastCsv.name.includes(arguments[0]) && state.lastCsv;",
                             "CSV %s built" % name_part, 60.0, name_part)
    rows = list(csv.reader(io.StringIO(built["text"], newline="")))
    return built["name"], rows


def review_rows(browser):
    return browser.script("return [...document.querySelectorAll('#review-list-table tr[data-entry-key]')]"
                          ".map(r => [r.dataset.party, r.dataset.entryKey, r.querySelector('td:nth-child(3)').textContent,"
                          " Number(r.querySelector('td:nth-child(4)').textContent), r.dataset.state]);")


def queue_rows(browser):
    return browser.script("return [...document.querySelectorAll('#holds-list tr[data-hold-id]')]"
                          ".map(r => [r.querySelector('td:nth-child(2)').textContent, r.dataset.kinds]);")


def main():
    os.makedirs(SHOTS, exist_ok=True)
    profile = os.environ.get("CHROMIUM_PROFILE", "/tmp/chipgate-browser-profile")
    seed_holds()
    browser = Browser(profile)
    checks = 0
    try:
        browser.go(BASE + "/")
        browser.type("#token", TOKEN)
        browser.click("#signin-button")
        browser.wait_text("#whoami", lambda t: "admin" in t, "signed in")
        checks += 1

        # Chip explorer on a date under the 2023 rules: regions and every chip drawn; the date
        # is in the address.
        browser.script("const d = document.querySelector('#explorer-date'); d.value = '2025-04-20';"
                       " d.dispatchEvent(new Event('change'));")
        browser.wait_text("#explorer-ruleset", lambda t: "ccl-2024-12-02" in t, "rule version shown")
        assert browser.path() == "/chips?date=2025-04-20", browser.path()
        regions = browser.script("return [...document.querySelectorAll('#chart-svg rect.region')]"
                                 ".map(r => r.dataset.paragraph);")
        for paragraph in ("3A090.a.1", "3A090.a.2", "3A090.b.1", "3A090.b.2"):
            assert paragraph in regions, "region %s missing: %r" % (paragraph, regions)
        points = browser.script("return document.querySelectorAll('#chart-svg g.point').length;")
        assert points >= 20, "only %d points plotted" % points
        browser.script("document.querySelector('#chart-svg g.point[data-chips~=\"nvidia-h20\"]')"
                       ".dispatchEvent(new MouseEvent('mouseenter'));")
        browser.wait_text("#chip-details", lambda t: "H20" in t, "hover details")
        browser.screenshot("browser-explorer.png")
        checks += 1

        # The chart by keyboard: one point is in the tab order, arrow keys move the focus to the
        # next point, which is highlighted, labelled and described; Enter opens its chip.
        first = browser.script("const p = document.querySelector('#chart-svg .point[tabindex=\"0\"]'); p.focus();"
                               " return p.dataset.chips;")
        browser.keys(ARROW_RIGHT)
        focused = browser.wait_for(
            "const a = document.activeElement;"
            " if (!a || !a.classList.contains('point') || a.dataset.chips === arguments[0]) return null;"
            " return {chips: a.dataset.chips, label: a.getAttribute('aria-label'), tabindex: a.getAttribute('tabindex'),"
            " hover: a.classList.contains('hover'), halo: getComputedStyle(a.querySelector('.halo')).stroke,"
            " others: document.querySelectorAll('#chart-svg .point.hover').length};",
            "arrow key moves the focus to another point", 10.0, first)
        assert focused["hover"] and focused["others"] == 1, focused
        assert focused["halo"] not in ("none", ""), "focused point not highlighted: %r" % focused
        assert focused["label"] and "TPP" in focused["label"], focused
        assert focused["tabindex"] == "0", focused
        name = focused["label"].split(",")[0]
        browser.wait_text("#chip-details", lambda t: name in t, "focused chip's details")
        browser.screenshot("browser-chart-keyboard.png")
        browser.keys(ENTER)
        chip_id = focused["chips"].split()[0]
        browser.wait_for("return location.pathname === arguments[0];", "Enter opens the chip", 10.0, "/chips/" + chip_id)
        browser.wait_text("#chip-timeline", lambda t: "ccl-2024-12-02" in t, "chip page by keyboard")
        browser.back()
        browser.wait_for("return location.pathname + location.search === '/chips?date=2025-04-20'"
                         " && !document.querySelector('#view-explorer').hidden;", "back to the explorer")
        checks += 1

        # Before 2023-11-17 the 2022 test is drawn dashed and explained.
        browser.script("const d = document.querySelector('#explorer-date'); d.value = '2023-01-10';"
                       " d.dispatchEvent(new Event('change'));")
        browser.wait_text("#chart-notes", lambda t: "interconnect" in t, "2022 interconnect test noted")
        browser.screenshot("browser-explorer-2022.png")
        checks += 1

        # A chip by its address.
        browser.go(BASE + "/chips/nvidia-h20?date=2025-04-20")
        browser.wait_text("#chip-name", lambda t: "H20" in t, "chip deep link")
        outcome = browser.text("#chip-outcome")
        assert "not controlled" in outcome, outcome
        assert browser.script("return document.querySelector('#tabs a.active').dataset.view;") == "explorer"
        checks += 1

        # Classify the H20; the spec form shows only for "enter specs".
        browser.click("#tabs a[data-view=classify]")
        spec_shown = "return getComputedStyle(document.querySelector('#spec-fields')).display !== 'none';"
        browser.select("#classify-item", "")
        assert browser.script(spec_shown), "spec form hidden for typed-in specs"
        browser.select("#classify-item", "nvidia-h20")
        assert not browser.script(spec_shown), "spec form still shown for a catalog chip"
        browser.script("document.querySelector('#classify-date').value = '2025-04-20';")
        browser.click("#classify-run")
        outcome = browser.wait_text("#classify-outcome", lambda t: "not controlled" in t, "H20 classification")
        print("classify: " + outcome)
        assert browser.path() == "/classify?item=nvidia-h20&date=2025-04-20", browser.path()
        headroom = browser.text("#classify-headroom")
        assert "2,368" in headroom and "2,400" in headroom, "headroom: %r" % headroom
        browser.screenshot("browser-classify-h20.png")
        checks += 1

        # A determination by its address: the inputs are in the query; the notes name the
        # form's fields, not CLI flags; its CSV has one fact per row.
        browser.go(BASE + "/determination?item=nvidia-h20&destination=CN&end_user=Example+Cloud+Ltd&date=2025-08-12")
        outcome = browser.wait_text("#decide-outcome", lambda t: "license required" in t, "determination deep link")
        print("determination: " + outcome)
        assert browser.script("return document.querySelector('#decide-end-user').value;") == "Example Cloud Ltd"
        notes = browser.text("#view-determination .notes-list")
        assert "--" not in notes and "End user HQ" in notes, "notes: %r" % notes
        browser.screenshot("browser-determination.png")
        browser.click("#decide-csv")
        name, rows = last_csv(browser, "determination-")
        assert rows[0] == ["section", "key", "value", "source"], rows[0]
        assert ["outcome", "license_required", "license required", ""] in rows, rows[:8]
        assert any(r[0] == "trace" for r in rows), "no trace rows"
        print("CSV %s: %d rows" % (name, len(rows) - 1))
        checks += 1

        # Errors in words: the server's sentence and the form field it concerns, from today's
        # error body and from problem+json.
        browser.go(BASE + "/determination?item=nvidia-h100-sxm&destination=CN")
        error = browser.wait_text("#decide-result .message", lambda t: "unknown chip" in t, "error shown")
        assert "nvidia-h100-sxm5" in error and "“Item”" in error and "unknown_item" not in error, error
        problem = browser.script("return errorText(new ApiError(400, {type: 'about:blank', title: 'Invalid field', status: 400,"
                                 " detail: 'give an ISO country code', code: 'invalid_field', field: 'end_user_hq'}));")
        assert problem == "give an ISO country code (field: “End user HQ”)", problem
        checks += 1

        # Order check: H20 to China after the 2025-04-09 letter, no license recorded: held.
        browser.click("#tabs a[data-view=order]")
        browser.type("#order-ref", "BROWSER-1")
        browser.select("#order-item", "nvidia-h20")
        browser.type("#order-qty", "8")
        browser.type("#order-to", "CN")
        browser.type("#order-end-user", "Example Cloud Ltd")
        browser.script("document.querySelector('#order-date').value = '2025-08-12';")
        browser.click("#order-run")
        held = browser.wait_text("#order-outcome", lambda t: "HELD" in t or "SHIPPED" in t, "order result")
        print("order: " + held)
        assert "HELD" in held, held
        determination = browser.text("#order-determination")
        assert "license required" in determination, determination
        reasons = browser.text("#hold-reasons")
        assert "no covering license" in reasons, reasons
        browser.wait_text("#holds-summary", lambda t: "next in line: SEED-LISTED" in t, "holds summary")
        browser.screenshot("browser-order-held.png")
        checks += 1

        # An admin records a license for the H20 to China in the Licenses tab.
        browser.click("#tabs a[data-view=licenses]")
        browser.click("details.admin summary")
        browser.type("#lic-number", "D-BROWSER-1")
        browser.type("#lic-holder", "NVIDIA")
        browser.type("#lic-items", "nvidia-h20")
        browser.type("#lic-destinations", "CN")
        browser.type("#lic-qty", "100")
        browser.type("#lic-share", "15")
        browser.script("document.querySelector('#lic-from').value = '2025-08-01';"
                       " document.querySelector('#lic-to').value = '2099-12-31';")
        browser.click("#license-add")
        browser.wait_text("#licenses-table", lambda t: "D-BROWSER-1" in t and "100 of 100" in t, "license listed")
        browser.screenshot("browser-licenses.png")
        checks += 1

        # Back (the back button) to the order: release the hold, check again: it ships.
        browser.back()
        browser.wait_for("return location.pathname === '/check' && !document.querySelector('#view-order').hidden;",
                         "back to the order check")
        browser.type("#release-reason", "license D-BROWSER-1 granted")
        browser.click("#release-button")
        browser.wait_text("#release-done", lambda t: "released by admin" in t, "release")
        browser.click("#recheck-button")
        shipped = browser.wait_text("#order-outcome", lambda t: "SHIPPED" in t, "re-check ships")
        assert "D-BROWSER-1" in shipped and "92 left" in shipped, shipped
        print("re-check: " + shipped)
        browser.screenshot("browser-order-shipped.png")
        checks += 1

        # The holds queue by its address, two to a page: the listed party first although it
        # is the oldest, then the suspended route, then the rest newest first; counts per reason.
        browser.go(BASE + "/holds?limit=2")
        browser.wait_for("return document.querySelectorAll('#holds-list tr[data-hold-id]').length === 2;", "first page")
        assert [r[0] for r in queue_rows(browser)] == ["SEED-LISTED", "SEED-ROUTE"], queue_rows(browser)
        chips = browser.script("return [...document.querySelectorAll('#holds-kinds a')].map(a => [a.dataset.kind, a.textContent]);")
        kinds = dict(chips)
        assert kinds.get("screening_hit") == "screening hit (1)", kinds
        assert kinds.get("route_suspended") == "route suspended (1)", kinds
        assert kinds.get("no_covering_license") == "no covering license (4)", kinds
        assert [k for k, _ in chips][:2] == ["all", "screening_hit"], "listed party not first: %r" % chips
        browser.click("#holds-more")
        browser.wait_for("return document.querySelectorAll('#holds-list tr[data-hold-id]').length === 4;", "second page")
        browser.click("#holds-more")
        browser.wait_for("return document.querySelectorAll('#holds-list tr[data-hold-id]').length === 5"
                         " && document.querySelector('#holds-more').hidden;", "last page")
        assert [r[0] for r in queue_rows(browser)] == ["SEED-LISTED", "SEED-ROUTE", "SEED-NCL-3", "SEED-NCL-2",
                                                      "SEED-NCL-1"], queue_rows(browser)
        checks += 1

        # Filter by reason, then sort newest first; the back button undoes each step.
        browser.click("#holds-kinds a[data-kind=no_covering_license]")
        browser.wait_for("return location.search.includes('kind=no_covering_license')"
                         " && document.querySelectorAll('#holds-list tr[data-hold-id]').length === 2;", "filtered")
        rows = queue_rows(browser)
        assert all("no_covering_license" in r[1] for r in rows) and rows[0][0] == "SEED-LISTED", rows
        browser.select("#holds-sort", "newest")
        browser.wait_for("return location.search.includes('sort=newest') &&"
                         " document.querySelector('#holds-list tr[data-hold-id] td:nth-child(2)').textContent === 'SEED-NCL-3';",
                         "sorted newest first")
        browser.back()
        browser.wait_for("return !location.search.includes('sort=') && location.search.includes('kind=no_covering_license')"
                         " && document.querySelector('#holds-sort').value === 'priority'"
                         " && document.querySelector('#holds-list tr[data-hold-id] td:nth-child(2)').textContent === 'SEED-LISTED';",
                         "back to priority order")
        browser.back()
        browser.wait_for("return location.pathname + location.search === '/holds?limit=2'"
                         " && document.querySelector('#holds-kinds a[aria-current]').dataset.kind === 'all';", "back to all reasons")
        checks += 1

        # The whole queue as CSV: every page, one row per hold, cells with commas quoted.
        browser.click("#holds-csv")
        name, rows = last_csv(browser, "holds-open")
        assert ",".join(rows[0]) == HOLD_CSV, rows[0]
        assert [r[1] for r in rows[1:]] == ["SEED-LISTED", "SEED-ROUTE", "SEED-NCL-3", "SEED-NCL-2", "SEED-NCL-1"], rows
        assert all(len(r) == len(rows[0]) for r in rows), "ragged CSV"
        assert "Huawei Technologies Co., Ltd." in rows[1][4] and rows[1][3] == "screening_hit; no_covering_license", rows[1]
        print("CSV %s: %d rows" % (name, len(rows) - 1))
        checks += 1

        # The same queue against a server on the paging contract: its counts are shown, Load
        # more sends its cursor, the CSV walks every page.
        browser.script(FAKE_PAGED_SERVER + "navigate('/holds?limit=2');")
        browser.wait_for("return [...document.querySelectorAll('#holds-list tr[data-hold-id]')]"
                         ".map(r => r.dataset.holdId).join() === '105,104';", "paged server: first page")
        chips = browser.script("return [...document.querySelectorAll('#holds-kinds a')].map(a => a.textContent);")
        assert chips == ["all reasons", "screening hit (1)", "no covering license (4)", "license expired (0)"], chips
        browser.click("#holds-more")
        browser.wait_for("return document.querySelectorAll('#holds-list tr[data-hold-id]').length === 4;", "paged: more")
        calls = browser.script("return window.fakeCalls;")
        assert "cursor=2" in calls[-1] and "status=open" in calls[-1] and "sort=priority" in calls[-1], calls
        browser.click("#holds-csv")
        name, rows = last_csv(browser, "holds-open")
        assert [r[1] for r in rows[1:]] == ["PAGED-5", "PAGED-4", "PAGED-3", "PAGED-2", "PAGED-1"], rows
        assert any("cursor=" in c and "limit=1000" in c for c in browser.script("return window.fakeCalls;"))
        browser.go(BASE + "/holds")  # a fresh page: the real server again
        checks += 1

        # From a queue row to its hold and its order, and back.
        browser.go(BASE + "/holds")
        browser.wait_for("return document.querySelectorAll('#holds-list tr[data-hold-id]').length === 5;", "holds queue")
        browser.screenshot("browser-holds-queue.png")
        browser.click("#holds-list tr[data-hold-id] td:first-child a")
        browser.wait_text("#hold-title", lambda t: "SEED-LISTED" in t, "hold page")
        assert browser.path().startswith("/holds/"), browser.path()
        assert "Huawei" in browser.text("#hold-page-reasons")
        browser.back()
        browser.wait_for("return location.pathname === '/holds' && !document.querySelector('#view-holds').hidden;", "back to queue")
        browser.click("#holds-list tr[data-hold-id] td:nth-child(2) a")
        browser.wait_text("#order-page-status", lambda t: "HELD" in t, "order page from the queue")
        assert browser.path() == "/orders/SEED-LISTED", browser.path()
        checks += 1

        # Orders: paged list, an order by its address, CSV with the formula guard.
        browser.go(BASE + "/orders?limit=3")
        browser.wait_for("return document.querySelectorAll('#orders-list tr[data-order]').length === 3"
                         " && !document.querySelector('#orders-more').hidden;", "orders page")
        browser.click("#orders-csv")
        name, rows = last_csv(browser, "orders")
        assert ",".join(rows[0]) == ORDER_CSV, rows[0]
        refs = sorted(r[0] for r in rows[1:])
        assert refs == ["BROWSER-1", "SEED-LISTED", "SEED-NCL-1", "SEED-NCL-2", "SEED-NCL-3", "SEED-ROUTE"], refs
        guarded = [r for r in rows if r[0] == "SEED-NCL-3"][0]
        assert guarded[7] == "'=SUM(1,2) Trading", "formula not guarded: %r" % guarded
        shipped_row = [r for r in rows if r[0] == "BROWSER-1"][0]
        assert shipped_row[1] == "shipped" and "D-BROWSER-1" in shipped_row[13], shipped_row
        print("CSV %s: %d rows" % (name, len(rows) - 1))
        browser.go(BASE + "/orders/BROWSER-1")
        browser.wait_text("#order-page-status", lambda t: "SHIPPED" in t and "D-BROWSER-1" in t, "order deep link")
        checks += 1

        # The audit log verifies and attributes the writes to the token's name; its CSV has
        # every record.
        browser.click("#tabs a[data-view=audit]")
        status = browser.wait_text("#audit-status", lambda t: "OK" in t, "audit verification")
        table = browser.text("#audit-table")
        for expected in ("admin", "order:BROWSER-1", "hold.release", "license:D-BROWSER-1"):
            assert expected in table, "audit table lacks %s: %r" % (expected, table)
        print("audit: " + status)
        browser.click("#audit-csv")
        name, rows = last_csv(browser, "audit")
        assert rows[0][:5] == ["seq", "ts", "user", "kind", "subject"], rows[0]
        records = int(status.split(" records")[0].split()[-1])
        assert len(rows) - 1 == records and [int(r[0]) for r in rows[1:]] == list(range(1, records + 1)), len(rows)
        print("CSV %s: %d rows" % (name, len(rows) - 1))
        browser.screenshot("browser-audit.png")
        checks += 1

        # The review queue: the hits of the party run.sh stored (`chipgate party add` before the
        # server started), filtered by list and by score, exported; an item by its deep link,
        # cleared with a reason; the queue no longer shows it.
        browser.go(BASE + "/review")
        browser.wait_for("return document.querySelectorAll('#review-list-table tr[data-entry-key]').length >= 2;",
                         "review queue")
        everything = review_rows(browser)
        assert all(r[4] == "open" for r in everything), everything
        assert any(r[2] == "EL" for r in everything) and any(r[2] != "EL" for r in everything), everything
        browser.type("#review-list", "EL")
        browser.click("#review-form button[type=submit]")
        browser.wait_for("return location.search.includes('list=EL') && [...document.querySelectorAll("
                         "'#review-list-table tr[data-entry-key] td:nth-child(3)')].every(td => td.textContent === 'EL');",
                         "filtered by list")
        listed = review_rows(browser)
        assert listed and len(listed) < len(everything), listed
        top = max(r[3] for r in listed)
        browser.type("#review-score", str(top))
        browser.click("#review-form button[type=submit]")
        browser.wait_for("return location.search.includes('min_score=');", "filtered by score")
        browser.wait_for("return [...document.querySelectorAll('#review-list-table tr[data-entry-key]')]"
                         ".every(r => Number(r.querySelector('td:nth-child(4)').textContent) >= arguments[0]);",
                         "scores at least the filter", 30.0, top)
        assert 0 < len(review_rows(browser)) <= len(listed), review_rows(browser)
        browser.back()
        browser.wait_for("return location.search === '?list=EL' && !document.querySelector('#review-score').value;",
                         "back to the list filter")
        browser.click("#review-csv")
        name, rows = last_csv(browser, "review-pending")
        assert ",".join(rows[0]) == REVIEW_CSV, rows[0]
        assert sorted(r[2] for r in rows[1:]) == sorted(r[1] for r in listed), rows
        assert all(r[3] == "EL" for r in rows[1:]), rows
        print("CSV %s: %d rows" % (name, len(rows) - 1))
        browser.screenshot("browser-review-queue.png")
        party, key = listed[0][0], listed[0][1]
        browser.go(BASE + "/review/%s/%s" % (party, urllib.parse.quote(key, safe="")))
        browser.wait_text("#review-item-title", lambda t: "Huawei" in t, "review item deep link")
        assert browser.text("#review-item-state").startswith("open"), browser.text("#review-item-state")
        assert "no clearance" in browser.text("#review-history")
        assert browser.script("return document.querySelector('#tabs a.active').dataset.view;") == "review"
        browser.type("#review-reason", "different company: registry number differs")
        browser.script("document.querySelector('#review-expires').value = '2099-12-31';")
        browser.click("#review-clear")
        state = browser.wait_text("#review-item-state", lambda t: t.startswith("cleared by admin"), "cleared")
        assert "2099-12-31" in state, state
        browser.wait_text("#review-history", lambda t: "admin clear until 2099-12-31" in t, "history")
        browser.screenshot("browser-review-item.png")
        browser.go(BASE + "/review?list=EL")
        browser.wait_for("return document.querySelectorAll('#review-list-table tr[data-entry-key]').length === arguments[0];",
                         "cleared item left the queue", 30.0, len(listed) - 1)
        assert key not in [r[1] for r in review_rows(browser)]
        browser.go(BASE + "/review?state=cleared")
        browser.wait_for("return [...document.querySelectorAll('#review-list-table tr[data-entry-key]')]"
                         ".map(r => r.dataset.entryKey).join() === arguments[0];", "cleared state", 30.0, key)
        checks += 1

        # Dark mode: the page follows prefers-color-scheme.
        light = browser.script("return getComputedStyle(document.documentElement).backgroundColor;")
        browser.cdp("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
        browser.go(BASE + "/holds")
        browser.wait_for("return document.querySelectorAll('#holds-list tr[data-hold-id]').length === 5;", "dark queue")
        dark = browser.script("return [getComputedStyle(document.documentElement).backgroundColor,"
                              " getComputedStyle(document.querySelector('table')).backgroundColor,"
                              " getComputedStyle(document.body).color];")
        assert dark[0] == "rgb(18, 22, 29)" and dark[0] != light, "dark background: %r (light %r)" % (dark, light)
        assert dark[1] == "rgb(27, 33, 43)" and dark[2] == "rgb(228, 231, 236)", dark
        browser.screenshot("browser-holds-queue-dark.png")
        browser.go(BASE + "/review?state=all")
        browser.wait_for("return document.querySelectorAll('#review-list-table tr[data-entry-key]').length >= 2;",
                         "dark review queue")
        browser.screenshot("browser-review-queue-dark.png")
        browser.go(BASE + "/chips?date=2025-04-20")
        browser.wait_text("#explorer-ruleset", lambda t: "ccl-2024-12-02" in t, "dark chart")
        plot = browser.script("return getComputedStyle(document.querySelector('#chart-svg .plot-bg')).fill;")
        assert plot == "rgb(27, 33, 43)", plot
        browser.screenshot("browser-explorer-dark.png")
        browser.cdp("Emulation.setEmulatedMedia", {"features": []})
        checks += 1

        # No script errors and no Content-Security-Policy violations on the way (the failed
        # requests the test provoked on purpose are the only errors allowed).
        entries = browser.console()
        problems = [e["message"] for e in entries if e.get("level") == "SEVERE"
                    and "Failed to load resource" not in e["message"]]
        assert not problems, "console errors: %r" % problems
        print("console: %d entries, no script or CSP errors" % len(entries))
        checks += 1
    except Exception:
        try:
            browser.screenshot("browser-failure.png")
        except Exception:  # noqa: BLE001 - best effort
            pass
        raise
    finally:
        browser.close()
    print("%d passed, 0 failed" % checks)


if __name__ == "__main__":
    main()
