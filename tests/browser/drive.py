#!/usr/bin/env python3
"""Drives the chipgate web app in headless Chromium through chromedriver (W3C WebDriver),
with nothing but the Python standard library.

Usage: drive.py BASE_URL TOKEN SCREENSHOT_DIR CHROMEDRIVER_PORT

Signs in, checks the chip explorer's chart, classifies the H20 (expects "not controlled"),
runs an order check for the H20 to China (expects a hold: license required, no license),
releases the hold, checks again, and saves a screenshot of each step.
"""

import base64
import json
import os
import sys
import time
import urllib.error
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
            "browserName": "chrome", "goog:chromeOptions": options}}})
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

    def close(self):
        try:
            call("DELETE", self.session)
        except RuntimeError:
            pass


def main():
    os.makedirs(SHOTS, exist_ok=True)
    profile = os.environ.get("CHROMIUM_PROFILE", "/tmp/chipgate-browser-profile")
    browser = Browser(profile)
    checks = 0
    try:
        browser.go(BASE + "/")
        browser.type("#token", TOKEN)
        browser.click("#signin-button")
        browser.wait_text("#whoami", lambda t: "admin" in t, "signed in")
        checks += 1

        # Chip explorer on a date under the 2023 rules: regions and every chip drawn.
        browser.script("const d = document.querySelector('#explorer-date'); d.value = '2025-04-20';"
                       " d.dispatchEvent(new Event('change'));")
        browser.wait_text("#explorer-ruleset", lambda t: "ccl-2024-12-02" in t, "rule version shown")
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

        # Before 2023-11-17 the 2022 test is drawn dashed and explained.
        browser.script("const d = document.querySelector('#explorer-date'); d.value = '2023-01-10';"
                       " d.dispatchEvent(new Event('change'));")
        browser.wait_text("#chart-notes", lambda t: "interconnect" in t, "2022 interconnect test noted")
        browser.screenshot("browser-explorer-2022.png")
        checks += 1

        # Classify the H20.
        browser.click("#tabs button[data-view=classify]")
        browser.select("#classify-item", "nvidia-h20")
        browser.script("document.querySelector('#classify-date').value = '2025-04-20';")
        browser.click("#classify-run")
        outcome = browser.wait_text("#classify-outcome", lambda t: "not controlled" in t, "H20 classification")
        print("classify: " + outcome)
        headroom = browser.text("#classify-headroom")
        assert "2,368" in headroom and "2,400" in headroom, "headroom: %r" % headroom
        browser.screenshot("browser-classify-h20.png")
        checks += 1

        # Order check: H20 to China after the 2025-04-09 letter, no license recorded: held.
        browser.click("#tabs button[data-view=order]")
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
        browser.screenshot("browser-order-held.png")
        checks += 1

        # An admin records a license for the H20 to China in the Licenses tab.
        browser.click("#tabs button[data-view=licenses]")
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

        # Back to the order: release the hold (officer action), check again: it ships.
        browser.click("#tabs button[data-view=order]")
        browser.type("#release-reason", "license D-BROWSER-1 granted")
        browser.click("#release-button")
        browser.wait_text("#release-done", lambda t: "released by admin" in t, "release")
        browser.click("#recheck-button")
        shipped = browser.wait_text("#order-outcome", lambda t: "SHIPPED" in t, "re-check ships")
        assert "D-BROWSER-1" in shipped and "92 left" in shipped, shipped
        print("re-check: " + shipped)
        browser.screenshot("browser-order-shipped.png")
        checks += 1

        # The audit log verifies and attributes the writes to the token's name.
        browser.click("#tabs button[data-view=audit]")
        status = browser.wait_text("#audit-status", lambda t: "OK" in t, "audit verification")
        table = browser.text("#audit-table")
        for expected in ("admin", "order:BROWSER-1", "hold.release", "license:D-BROWSER-1"):
            assert expected in table, "audit table lacks %s: %r" % (expected, table)
        print("audit: " + status)
        browser.screenshot("browser-audit.png")
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
