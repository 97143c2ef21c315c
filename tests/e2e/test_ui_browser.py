"""The web UI in headless Chromium (Debian `chromium` + `chromium-driver`, PyPI `selenium`).

One relay with an admin token, two Claude upstreams on the fake upstream, one browser for the
module. The tests log in, add an upstream, reorder, edit a timeout, disable the upstream that
served and see the next relayed request go to the other, read the token statistics and charts
after real relayed requests, and show that a model name `<img src=x onerror=alert(1)>` stays
inert text. Screenshots go to test-output/e2e/screenshots/. No page ever contains an upstream key.

Until the admin API, the token-stats routes and the UI assets are wired into the binary these
tests fail at once with a message that says what is missing.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from harness import (
    ADMIN_TOKEN,
    CANARIES,
    CLIENT_KEY,
    REPO,
    Relay,
    http_json,
    relay_config,
    upstream_entry_anthropic,
    upstream_entry_responses,
    wait_until,
)

try:
    from selenium import webdriver
    from selenium.common.exceptions import NoAlertPresentException, StaleElementReferenceException, TimeoutException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # reported by the `browser` fixture
    webdriver = None

UI_KEY = "sk-ant-ui-added-CANARY-4455667788"  # typed into the UI; must never come back
XSS = "<img src=x onerror=alert(1)>"
SECRETS = tuple(CANARIES) + (UI_KEY, ADMIN_TOKEN, CLIENT_KEY)
SHOTS = REPO / "test-output" / "e2e" / "screenshots"
WIRING_HINT = (
    "the lead wires it: Package.swift RelayServer target `resources: [.copy(\"UI\")]`, "
    "SwitchyardApp `UIRoutes().register(on: router)`, the admin API routes and `/api/token-stats`"
)

ANTHROPIC_HEADERS = {"anthropic-version": "2023-06-01", "authorization": f"Bearer {CLIENT_KEY}"}


# --------------------------------------------------------------------------
# relay, admin API and relayed requests


@pytest.fixture(scope="module")
def ui_relay(bins, fake, tmp_path_factory) -> Relay:
    """A relay (admin token: harness.ADMIN_TOKEN, via SWITCHYARD_ADMIN_TOKEN) with claude pool [alpha, beta]."""
    relay = Relay(
        bins.relay, tmp_path_factory.mktemp("relay-ui"),
        lambda port: relay_config(
            port,
            [upstream_entry_anthropic(fake, name="alpha"), upstream_entry_anthropic(fake, name="beta")],
            [upstream_entry_responses(fake)],
        ),
        name="switchyard-ui",
    )
    yield relay
    relay.stop()


def admin(relay: Relay, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    status, doc, _ = http_json(method, relay.url + path, body=body, headers={"authorization": f"Bearer {ADMIN_TOKEN}"})
    return status, doc


def admin_ok(relay: Relay, method: str, path: str, body: Any = None) -> Any:
    status, doc = admin(relay, method, path, body)
    assert 200 <= status < 300, f"{method} {path} -> {status}: {doc!r}"
    return doc


def relay_message(relay: Relay, model: str = "claude-sonnet-5") -> int:
    body = {"model": model, "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}
    status, doc, _ = http_json("POST", relay.url + "/api/v1/messages", body=body, headers=ANTHROPIC_HEADERS)
    assert status == 200, f"relayed request failed: {status} {doc!r}"
    return status


def served_by_last(relay: Relay, model: str = "claude-sonnet-5") -> str:
    """Who served the latest relayed request for `model` (activation calls use another model)."""
    doc = admin_ok(relay, "GET", "/api/status")
    recent = [r for r in doc.get("recent_requests") or [] if r.get("model") == model]
    assert recent, f"no recent request for {model} in /api/status: {doc.get('recent_requests')!r}"
    return recent[0].get("served_by")


def pool_items(relay: Relay, pool: str = "claude") -> list[dict]:
    doc = admin_ok(relay, "GET", f"/api/pools/{pool}")
    return doc.get("items", doc.get("upstreams", []))


def pool_names(relay: Relay, pool: str = "claude") -> list[str]:
    return [u.get("name") for u in pool_items(relay, pool)]


def settings(relay: Relay) -> dict:
    doc = admin_ok(relay, "GET", "/api/settings")
    return doc.get("settings", doc)


@pytest.fixture(scope="module")
def wired(ui_relay) -> Relay:
    """Fails with what is missing until the UI, the admin API and the stats routes are served."""
    status, body, hdrs = http_json("GET", ui_relay.url + "/")
    if status != 200 or "text/html" not in hdrs.get("content-type", ""):
        pytest.fail(f"web UI not served: GET / -> {status} {hdrs.get('content-type')!r}; {WIRING_HINT}", pytrace=False)
    status, body, _ = http_json("GET", ui_relay.url + "/api/session")
    if status == 404:
        pytest.fail(f"admin API not served: GET /api/session -> 404; {WIRING_HINT}", pytrace=False)
    status, body = admin(ui_relay, "GET", "/api/pools/claude")
    if status != 200:
        pytest.fail(f"admin API pools route not working: GET /api/pools/claude -> {status} {body!r}; {WIRING_HINT}", pytrace=False)
    return ui_relay


# --------------------------------------------------------------------------
# browser


def _find(name: str, *candidates: str) -> str | None:
    for c in candidates:
        if os.path.isabs(c) and os.access(c, os.X_OK):
            return c
        found = shutil.which(c)
        if found:
            return found
    return None


class UI:
    """A thin layer over Selenium for this app: waits, clicks, screenshots, secret checks."""

    def __init__(self, driver, base: str):
        self.d = driver
        self.base = base
        SHOTS.mkdir(parents=True, exist_ok=True)

    # navigation
    def open(self, path: str = "/") -> None:
        self.d.get(self.base + path)
        self.wait(lambda d: d.execute_script("return document.body && document.body.dataset.ready === '1'"), what=f"{path} to boot")

    def login(self) -> None:
        if self.js("return !document.getElementById('app-view').hidden"):
            return
        token = self.wait_visible("#login-token")
        token.clear()
        token.send_keys(ADMIN_TOKEN)
        self.click("#login-submit")
        self.wait(lambda d: self.js("return !document.getElementById('app-view').hidden"), what="the app after login")

    def tab(self, name: str) -> None:
        if self.js("return document.getElementById('view').dataset.tab") != name:
            self.click(f"#tab-{name}")
        self.loaded(name)

    def loaded(self, name: str) -> None:
        self.wait(lambda d: self.js("const v = document.getElementById('view'); return v.dataset.tab === arguments[0] && !v.dataset.loading", name),
                  what=f"tab {name} to load")

    # waiting and finding
    def wait(self, cond: Callable, timeout: float = 15, what: str = "a condition"):
        try:
            return WebDriverWait(self.d, timeout, poll_frequency=0.1, ignored_exceptions=[StaleElementReferenceException]).until(cond)
        except TimeoutException:
            self.shot("TIMEOUT-" + "".join(ch if ch.isalnum() else "-" for ch in what)[:60])
            toasts = self.js("return [...document.querySelectorAll('.toast')].map(t => t.textContent)")
            raise AssertionError(f"timed out waiting for {what}; toasts: {toasts}; browser log: {self.console()[-5:]}") from None

    def wait_visible(self, css: str, timeout: float = 15):
        def visible(d):
            els = [e for e in d.find_elements(By.CSS_SELECTOR, css) if e.is_displayed()]
            return els[0] if els else False
        return self.wait(visible, timeout, what=f"{css} to be visible")

    def js(self, script: str, *args):
        return self.d.execute_script(script, *args)

    def click(self, target) -> None:
        """Click an element, or the element a CSS selector names (found again if a re-render replaced it)."""
        for attempt in range(5):
            el = self.wait_visible(target) if isinstance(target, str) else target
            try:
                self.js("arguments[0].scrollIntoView({block: 'center'})", el)
                el.click()
                return
            except StaleElementReferenceException:
                if not isinstance(target, str) or attempt == 4:
                    raise
                time.sleep(0.1)

    def row(self, table_css: str, name: str):
        """The <tr> whose data-name is exactly `name` (names may contain any character)."""
        return self.wait(lambda d: self.js(
            "return [...document.querySelectorAll(arguments[0] + ' tbody tr')].find(r => r.dataset.name === arguments[1]) || null",
            table_css, name), what=f"row {name!r} in {table_css}")

    def visible_text(self, css: str, text: str, what: str) -> None:
        """Wait until an element matching `css` shows exactly `text` and is rendered (checked in one step in the page)."""
        self.wait(lambda d: self.js(
            "return [...document.querySelectorAll(arguments[0])].some(e => e.textContent === arguments[1] && e.getClientRects().length > 0)",
            css, text), what=what)

    def choose_period(self, period: str) -> None:
        self.click(f"[data-period='{period}']")
        self.loaded("stats")
        self.wait(lambda d: self.js("const b = document.querySelector(`[data-period='${arguments[0]}']`); return !!b && b.classList.contains('active')", period),
                  what=f"period {period} selected")

    def row_names(self, table_css: str = "table.pool-table") -> list[str]:
        return self.js("return [...document.querySelectorAll(arguments[0] + ' tbody tr')].map(r => r.dataset.name)", table_css)

    def row_action(self, table_css: str, name: str, action: str) -> None:
        for attempt in range(5):
            try:
                row = self.row(table_css, name)
                self.click(row.find_element(By.CSS_SELECTOR, f"[data-action='{action}']"))
                return
            except StaleElementReferenceException:
                if attempt == 4:
                    raise
                time.sleep(0.1)

    # evidence
    def shot(self, name: str) -> Path:
        path = SHOTS / f"ui-{name}.png"
        self.d.save_screenshot(str(path))
        return path

    @contextlib.contextmanager
    def step(self, name: str):
        try:
            yield
        except BaseException:
            with contextlib.suppress(Exception):
                self.shot("FAILED-" + name)
            raise
        self.shot(name)

    def console(self) -> list[str]:
        try:
            return [f"{e['level']} {e['message']}" for e in self.d.get_log("browser")]
        except Exception:  # the log endpoint is optional
            return []

    def alerts(self) -> list[str]:
        return self.js("return window.__alerts || []")

    def assert_clean(self, what: str) -> None:
        """No secret in the DOM, no script error or CSP violation, no alert."""
        source = self.d.page_source
        leaked = [s for s in SECRETS if s in source]
        assert not leaked, f"secret(s) in the page source of {what}: {leaked}"
        errors = [m for m in self.console()
                  if m.startswith("SEVERE") and "Failed to load resource" not in m]
        assert not errors, f"browser errors on {what}: {errors}"
        assert not self.alerts(), f"alert() was called on {what}: {self.alerts()}"
        with contextlib.suppress(NoAlertPresentException):
            text = self.d.switch_to.alert.text
            pytest.fail(f"an alert is open on {what}: {text!r}")


@pytest.fixture(scope="module")
def browser(wired, tmp_path_factory) -> UI:
    if webdriver is None:
        pytest.fail("selenium is not installed (tests/e2e/requirements.txt)", pytrace=False)
    chromium = _find("chromium", os.environ.get("CHROMIUM_BIN", ""), "/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
    driver_bin = _find("chromedriver", os.environ.get("CHROMEDRIVER_BIN", ""), "/usr/bin/chromedriver", "chromedriver")
    if not chromium or not driver_bin:
        pytest.fail(f"headless Chromium needed (chromium={chromium}, chromedriver={driver_bin}): apt-get install -y chromium chromium-driver",
                    pytrace=False)
    profile = tmp_path_factory.mktemp("chromium-profile")
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1000",
                f"--user-data-dir={profile}", "--lang=en-US", "--no-first-run", "--disable-extensions", "--disable-sync",
                "--disable-background-networking", "--disable-component-update", "--force-color-profile=srgb"):
        opts.add_argument(arg)
    opts.add_experimental_option("prefs", {"intl.accept_languages": "en-US,en"})
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    log = REPO / "test-output" / "e2e" / "chromedriver.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    driver = webdriver.Chrome(service=Service(executable_path=driver_bin, log_output=str(log)), options=opts)
    driver.set_page_load_timeout(30)
    # record alert() calls instead of blocking on them (runs before the page's own scripts)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {
        "source": "window.__alerts = []; window.alert = function (m) { window.__alerts.push(String(m)); };"})
    ui = UI(driver, wired.url)
    try:
        yield ui
    finally:
        driver.quit()


# --------------------------------------------------------------------------
# tests (in order; they share the relay and the browser session)


def test_pages_are_served_with_security_headers(wired):
    for path in ("/", "/token-stats.html"):
        status, body, hdrs = http_json("GET", wired.url + path)
        assert status == 200, f"GET {path} -> {status}"
        assert hdrs["content-type"].startswith("text/html")
        csp = hdrs.get("content-security-policy", "")
        for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"):
            assert directive in csp, f"{path}: CSP {csp!r} lacks {directive!r}"
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert hdrs.get("x-content-type-options") == "nosniff"
        assert hdrs.get("referrer-policy") == "no-referrer"
        assert "no-cache" in hdrs.get("cache-control", "")
        assert not any(s in str(body) for s in SECRETS)
    for path, ctype in (("/ui/app.js", "text/javascript"), ("/ui/chart.js", "text/javascript"), ("/ui/app.css", "text/css")):
        status, body, hdrs = http_json("GET", wired.url + path)
        assert status == 200 and hdrs["content-type"].startswith(ctype), f"GET {path} -> {status} {hdrs.get('content-type')}"
        risky = re.findall(r"\.(?:inner|outer)HTML\s*=|insertAdjacentHTML\s*\(|document\.write\s*\(|\beval\s*\(|new Function\s*\(", str(body))
        assert not risky, f"{path} builds HTML from strings: {risky}"
    status, _, _ = http_json("GET", wired.url + "/ui/no-such-file.js")
    assert status == 404


def test_login_sets_an_httponly_strict_session(browser, wired):
    ui = browser
    with ui.step("01-login"):
        ui.open("/")
        token = ui.wait_visible("#login-token")
        token.send_keys("not-the-admin-token")
        ui.click("#login-submit")
        error = ui.wait_visible("#login-error")
        assert error.text, "no message for a wrong token"
        assert ui.js("return document.getElementById('app-view').hidden"), "the app opened with a wrong token"
        ui.login()
        ui.wait_visible("table.pool-table")
        cookies = ui.d.get_cookies()
        session = [c for c in cookies if c.get("httpOnly")]
        assert session, f"no HttpOnly session cookie after login: {[c['name'] for c in cookies]}"
        assert all(c.get("sameSite") == "Strict" for c in session), cookies
        assert not any(c["value"] in (ui.js("return document.cookie") or "") for c in session), "session cookie readable by script"
        assert ui.row_names() == ["alpha", "beta"]
        ui.assert_clean("the Claude pool after login")


def test_add_upstream_and_reorder(browser, wired, fake):
    ui = browser
    ui.open("/#claude")
    ui.login()
    with ui.step("02-add-upstream"):
        ui.tab("claude")
        ui.click("#btn-add")
        ui.wait_visible("#modal input[name=name]").send_keys("ui-added")
        ui.d.find_element(By.CSS_SELECTOR, "#modal input[name=base_url]").send_keys(f"http://127.0.0.1:{fake.port}")
        ui.d.find_element(By.CSS_SELECTOR, "#modal input[name=key]").send_keys(UI_KEY)
        ui.click("#modal [data-action=add-hours]")
        ui.d.find_elements(By.CSS_SELECTOR, "#modal input[name=hours]")[-1].send_keys("00:00-24:00")
        ui.click("#modal input[name=activation_enabled]")
        ui.click("#modal-save")
        ui.wait(lambda d: not ui.js("return document.getElementById('modal').open"), what="the editor to close")
        ui.wait(lambda d: ui.row_names() == ["alpha", "beta", "ui-added"], what="the new row")
        key_cell = ui.row("table.pool-table", "ui-added").find_element(By.CSS_SELECTOR, ".key-masked").text
        assert UI_KEY[-4:] in key_cell and UI_KEY not in key_cell, f"key cell {key_cell!r}"
        assert pool_names(wired) == ["alpha", "beta", "ui-added"]
        entry = pool_items(wired)[2]
        assert entry["base_url"].rstrip("/") == f"http://127.0.0.1:{fake.port}"
        assert entry.get("hours") == ["00:00-24:00"]
        assert (entry.get("activation") or {}).get("enabled") is True
        ui.assert_clean("the Claude pool after adding an upstream")

    with ui.step("03-reorder"):
        ui.row_action("table.pool-table", "ui-added", "top")
        ui.wait(lambda d: ui.row_names() == ["ui-added", "alpha", "beta"], what="ui-added on top")
        assert pool_names(wired) == ["ui-added", "alpha", "beta"]
        badge = ui.row("table.pool-table", "ui-added").find_element(By.CSS_SELECTOR, ".badge-priority").text
        assert badge == "#1"
        # the order is the priority: the next relayed request goes to ui-added
        relay_message(wired)
        assert served_by_last(wired) == "ui-added"
        ui.row_action("table.pool-table", "ui-added", "down")
        ui.wait(lambda d: ui.row_names() == ["alpha", "ui-added", "beta"], what="ui-added one down")
        ui.row_action("table.pool-table", "ui-added", "bottom")
        ui.wait(lambda d: ui.row_names() == ["alpha", "beta", "ui-added"], what="ui-added at the bottom")
        assert pool_names(wired) == ["alpha", "beta", "ui-added"]
        ui.assert_clean("the Claude pool after reordering")


def test_edit_keeps_the_key_and_shows_field_errors(browser, wired):
    ui = browser
    ui.open("/#claude")
    ui.login()
    with ui.step("04-edit"):
        ui.tab("claude")
        ui.row_action("table.pool-table", "ui-added", "edit")
        url = ui.wait_visible("#modal input[name=base_url]")
        original = url.get_attribute("value")
        assert ui.d.find_element(By.CSS_SELECTOR, "#modal input[name=key]").get_attribute("value") == "", "the key field is not write-only"
        url.clear()
        url.send_keys("ftp://nowhere")
        ui.click("#modal-save")
        err = ui.wait(lambda d: ui.js("const f=document.querySelector('#modal [data-field=base_url] .field-error'); return f && !f.hidden && f.textContent"),
                      what="a base_url field error")
        assert err
        url.clear()
        url.send_keys(original)
        role = ui.d.find_element(By.CSS_SELECTOR, "#modal select[name=role]")
        ui.js("arguments[0].value='backup'; arguments[0].dispatchEvent(new Event('change'))", role)
        ui.click("#modal-save")
        ui.wait(lambda d: not ui.js("return document.getElementById('modal').open"), what="the editor to close")
        ui.wait(lambda d: ui.row("table.pool-table", "ui-added").find_element(By.CSS_SELECTOR, "[data-role]").get_attribute("data-role") == "backup",
                what="the backup badge")
        entry = pool_items(wired)[2]
        assert entry["role"] == "backup"
        assert entry["key"].endswith(UI_KEY[-4:]), "editing without typing a key changed the key"
        # still usable with its key: move it on top, it serves (a backup only serves when no primary can)
        ui.assert_clean("the Claude pool after editing")


def test_edit_a_timeout(browser, wired):
    ui = browser
    ui.open("/#settings")
    ui.login()
    with ui.step("05-timeouts"):
        ui.tab("settings")
        field = ui.wait_visible("input[name='timeouts.first_byte']")
        field.clear()
        field.send_keys("77")
        ui.click("#settings-save")
        wait_until(lambda: settings(wired)["timeouts"]["first_byte"] == 77, 10, "first_byte 77 saved")
        ui.wait_visible("#saved-indicator")
        ui.open("/#settings")
        ui.tab("settings")
        assert ui.wait_visible("input[name='timeouts.first_byte']").get_attribute("value") in ("77", "77.0")
        # a bad value is refused in place, nothing saved
        field = ui.wait_visible("input[name='timeouts.connect']")
        before = settings(wired)["timeouts"]["connect"]
        field.clear()
        field.send_keys("-3")
        ui.click("#settings-save")
        ui.wait(lambda d: ui.js("const f=document.querySelector(\"[data-field='timeouts.connect'] .field-error\"); return f && !f.hidden"),
                what="an error on timeouts.connect")
        assert settings(wired)["timeouts"]["connect"] == before
        relay_message(wired)  # the relay still serves with the edited timeouts
        ui.assert_clean("the timeouts tab")


def test_disabling_the_serving_upstream_moves_traffic(browser, wired):
    ui = browser
    ui.open("/#claude")
    ui.login()
    with ui.step("06-disable-takes-effect"):
        ui.tab("claude")
        relay_message(wired)
        first = served_by_last(wired)
        assert first in ("alpha", "beta", "ui-added"), first
        ui.row_action("table.pool-table", first, "toggle")
        ui.wait(lambda d: "row-disabled" in (ui.row("table.pool-table", first).get_attribute("class") or ""), what=f"{first} disabled")

        def moved():
            relay_message(wired)
            return served_by_last(wired) != first
        wait_until(moved, 10, f"traffic to leave {first}")
        second = served_by_last(wired)
        assert second != first
        entry = next(u for u in pool_items(wired) if u["name"] == first)
        assert entry["enabled"] is False

        ui.row_action("table.pool-table", first, "toggle")
        ui.wait(lambda d: "row-disabled" not in (ui.row("table.pool-table", first).get_attribute("class") or ""), what=f"{first} enabled again")

        def back():
            relay_message(wired)
            return served_by_last(wired) == first
        wait_until(back, 10, f"traffic to return to {first}")
        ui.assert_clean("the Claude pool after toggling")


def test_live_health_shows_states_and_resets(browser, wired):
    ui = browser
    ui.open("/#health")
    ui.login()
    with ui.step("07-health"):
        ui.tab("health")
        ui.wait(lambda d: ui.js("return document.querySelectorAll(\"table.health-table[data-pool='claude'] tbody tr\").length") >= 3,
                what="the claude health rows")
        states = ui.js("return [...document.querySelectorAll(\"table.health-table[data-pool='claude'] tbody tr\")].map(r => r.dataset.state)")
        assert all(s for s in states), states
        served = ui.js("return [...document.querySelectorAll('#recent-requests .served-by')].map(e => e.textContent)")
        assert any(s in ("alpha", "beta", "ui-added") for s in served), served
        # the reset-all button asks first, then calls the API
        ui.click("#reset-all-health")
        ui.click(ui.wait_visible("#confirm-yes"))
        ui.wait(lambda d: not ui.js("return document.getElementById('confirm').open"), what="the confirm dialog to close")
        ui.assert_clean("the health tab")


def test_token_statistics_and_charts_render_real_numbers(browser, wired):
    ui = browser
    for _ in range(3):
        relay_message(wired)
    status, doc = admin(wired, "GET", "/api/token-stats?period=today")
    if status == 404:
        pytest.fail(f"GET /api/token-stats -> 404; {WIRING_HINT}", pytrace=False)
    assert status == 200, (status, doc)
    summary = wait_until(lambda: (lambda s: s if (s.get("total_requests") or 0) >= 3 else None)(
        admin_ok(wired, "GET", "/api/token-stats?period=today").get("summary") or {}), 10, "the ledger to count the requests")
    ui.open("/#stats")
    ui.login()
    with ui.step("08-stats"):
        ui.tab("stats")
        ui.choose_period("today")
        now = admin_ok(wired, "GET", "/api/token-stats?period=today")["summary"]

        def card(name):
            return float(ui.js("return document.querySelector(`[data-card='${arguments[0]}']`).dataset.value", name))
        requests = card("requests")
        assert requests >= summary["total_requests"] > 0
        assert requests <= now["total_requests"]
        assert card("input") > 0 and card("output") > 0, "token cards are zero after relayed requests"
        assert card("cache_read") > 0 and card("cache_write") > 0
        assert card("total") >= card("input") + card("output")
        assert card("usd") > 0 and card("cny") > card("usd"), "costs missing"
        for chart in ("tokens-day", "cost-day", "tokens-model"):
            ui.wait(lambda d: ui.js(f"return document.getElementById('chart-{chart}').dataset.drawn") == "1", what=f"chart {chart} drawn with data")
            assert float(ui.js(f"return document.getElementById('chart-{chart}').dataset.total")) > 0
        painted = ui.js("""
            const c = document.getElementById('chart-tokens-day');
            const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            const hex = getComputedStyle(c).getPropertyValue('--chart-1').trim();
            const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
            let n = 0;
            for (let i = 0; i < px.length; i += 4) {
              if (px[i + 3] < 200) continue;
              if (!m || Math.abs(px[i] - parseInt(m[1], 16)) + Math.abs(px[i + 1] - parseInt(m[2], 16)) + Math.abs(px[i + 2] - parseInt(m[3], 16)) < 40) n++;
            }
            return n;""")
        assert painted > 100, f"the tokens-per-day chart has no input-coloured bar pixels ({painted})"
        models = ui.js("return [...document.querySelectorAll('#stats-by_model tbody tr')].map(r => r.dataset.name)")
        assert "claude-sonnet-5" in models, models
        upstreams = ui.js("return [...document.querySelectorAll('#stats-by_upstream tbody tr')].map(r => r.dataset.name)")
        assert set(upstreams) & {"alpha", "beta", "ui-added"}, upstreams
        ui.assert_clean("the statistics tab")

    with ui.step("09-stats-standalone"):
        ui.open("/token-stats.html")
        ui.login()
        ui.wait(lambda d: ui.js("const c=document.getElementById('chart-tokens-day'); return c && c.dataset.drawn") == "1",
                what="the standalone page's chart")
        ui.choose_period("7d")
        assert float(ui.js("return document.querySelector(\"[data-card='requests']\").dataset.value")) >= requests
        ui.assert_clean("/token-stats.html")


def test_hostile_model_name_renders_as_inert_text(browser, wired):
    ui = browser
    relay_message(wired, model=XSS)
    # the same text as a model rule (if the API accepts it) and an upstream name
    admin(wired, "POST", "/api/model-rules", {"name": XSS, "source": XSS, "target": "claude-sonnet-5", "match": "exact", "enabled": False})
    wait_until(lambda: XSS in (admin_ok(wired, "GET", "/api/token-stats?period=today").get("by_model") or {}), 10, "the hostile model in the stats")

    def inert(where: str) -> None:
        assert ui.js("return document.querySelectorAll('img').length") == 0, f"an <img> element was created on {where}"
        assert ui.js("return document.querySelectorAll('[onerror]').length") == 0, f"an onerror attribute exists on {where}"
        ui.assert_clean(where)

    ui.open("/#stats")
    ui.login()
    with ui.step("10-xss-stats"):
        ui.tab("stats")
        ui.choose_period("today")
        ui.visible_text("#stats-by_model .stats-name", XSS, "the hostile model name as text in the by-model table")
        inert("the statistics tab")

    with ui.step("11-xss-health"):
        ui.tab("health")
        ui.visible_text("#recent-requests .recent-model", XSS, "the hostile model name in recent requests")
        inert("the health tab")

    with ui.step("12-xss-rules"):
        ui.tab("rules")
        sources = ui.js("return [...document.querySelectorAll('.rule-source')].map(e => e.textContent)")
        if sources:
            assert XSS in sources, sources
        inert("the model rules tab")


def test_language_toggle_is_remembered(browser, wired):
    ui = browser
    ui.open("/#claude")
    ui.login()
    with ui.step("13-chinese"):
        assert ui.wait_visible("#tab-claude").text == "Claude pool"
        ui.click("#lang-toggle")
        ui.wait(lambda d: ui.wait_visible("#tab-claude").text == "Claude API配置", what="Chinese labels")
        labels = ui.js("return [...document.querySelectorAll('#tabs .tab')].map(t => t.textContent)")
        for want in ("Codex配置", "OpenAI转Claude", "超时重试", "模型转换", "超时设置", "错误处理策略", "令牌统计"):
            assert want in labels, labels
        ui.open("/#claude")
        ui.loaded("claude")
        ui.wait(lambda d: ui.wait_visible("#tab-claude").text == "Claude API配置", what="Chinese after a reload")
        actions = ui.js("return [...document.querySelector('table.pool-table tbody tr').querySelectorAll('[data-action]')].map(b => b.title)")
        for want in ("禁用", "编辑", "上移", "下移", "置顶", "置底", "复制", "删除"):
            assert want in actions, actions
        ui.click("#lang-toggle")
        ui.wait(lambda d: ui.wait_visible("#tab-claude").text == "Claude pool", what="English again")
        ui.assert_clean("the language toggle")


def test_no_secret_in_any_page_or_response_then_logout(browser, wired, ui_relay):
    ui = browser
    ui.open("/")
    ui.login()
    with ui.step("14-every-tab"):
        for tab in ("claude", "codex", "openai", "retry_nodes", "rules", "clients", "settings", "strategies", "health", "stats"):
            ui.tab(tab)
            ui.assert_clean(f"tab {tab}")
        # the edit form of an upstream never holds its key
        ui.tab("claude")
        ui.row_action("table.pool-table", "alpha", "edit")
        ui.wait_visible("#modal input[name=key]")
        ui.assert_clean("the upstream editor")
        ui.click("#modal-cancel")
    for path in ("/api/config", "/api/pools/claude", "/api/pools/codex", "/api/pools/openai", "/api/pools/retry_nodes",
                 "/api/clients", "/api/settings", "/api/status", "/api/token-stats?period=all"):
        status, doc = admin(wired, "GET", path)
        text = json.dumps(doc)
        assert not [s for s in SECRETS if s in text], f"a secret in GET {path}"
    leaked = [s for s in SECRETS if s in ui_relay.log_text()]
    assert not leaked, f"secrets in the UI relay's logs: {leaked}"
    with ui.step("15-logout"):
        ui.click("#logout")
        ui.wait_visible("#login-token")
        status = ui.js("return fetch('/api/pools/claude', {credentials: 'same-origin'}).then(r => r.status)")
        assert status == 401, f"the session still works after logout ({status})"
