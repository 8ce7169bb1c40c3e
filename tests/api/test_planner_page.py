"""The planner page in headless Chromium against a real server with a token: it asks for the token, draws
the plan, a click on a week changes the scenario total, the ranking renders, and a phone-width screen
needs no sideways scrolling; no console errors once the token is given.

CI installs Chromium; a machine without it fails here with a message instead of silently skipping.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pandas as pd
import pytest
from cdp_client import Browser, Chromium

from browser_support import chromium_or_skip
from storecast.cli.server_process import free_port
from storecast.config import MIN_TOKEN_CHARS

pytestmark = [pytest.mark.browser, pytest.mark.server]

TOKEN = "p" * MIN_TOKEN_CHARS
_PLAN = "document.body.dataset.plan || ''"
_TOTAL = "document.getElementById('scenario-total').textContent"


@pytest.fixture(scope="module")
def base(model_path: Path, tmp_path_factory: pytest.TempPathFactory):
    """``storecast serve`` with a token (``running_server`` polls /ready without one, so it is started here)."""
    port = free_port()
    log = tmp_path_factory.mktemp("page-server") / "server.log"
    cmd = [sys.executable, "-c", "from storecast.cli import main; main()", "serve", "--model", str(model_path),
           "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "STORECAST_API_TOKEN": TOKEN})
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while not _ready(url):
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
                time.sleep(0.2)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/ready", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory):
    """One Chromium for the module's tests: each still gets a fresh page in a context of its own (``browser``)."""
    c = Chromium(chromium_or_skip(), tmp_path_factory.mktemp("chromium") / "profile")
    yield c
    c.close()


@pytest.fixture
def browser(chromium: Chromium):
    b = chromium.page()
    yield b
    chromium.close_page(b)


def _after(browser: Browser, seen: str) -> str:
    """Wait for the page to draw a newer plan than ``seen``; return its number."""
    return browser.wait(f"(({_PLAN}) !== '{seen}' && ({_PLAN})) || ''")


def test_the_page_plans_a_store_switches_a_week_and_ranks(base: str, browser: Browser, tmp_path: Path):
    browser.open(f"{base}/")
    browser.wait("document.getElementById('status').textContent.includes('API token')")
    browser.js("document.getElementById('token').value = 'wrong';"
               "document.querySelector('#token-form button').click(); true")
    browser.wait("document.getElementById('status').textContent.includes('refused this API token')")
    browser.js(f"document.getElementById('token').value = '{TOKEN}';"
               "document.querySelector('#token-form button').click(); true")
    browser.wait(_PLAN)
    browser.js("1")  # drain the events so far: the calls made before the token was given were refused
    assert all("401" in e for e in browser.errors), browser.errors
    browser.errors.clear()

    browser.open(f"{base}/")  # the token stays in sessionStorage: from here on, not one console error
    seen = browser.wait(_PLAN)
    assert browser.js("document.querySelectorAll('#chart svg .band95, #chart svg .band80').length") == 2
    assert browser.js("document.querySelectorAll('#chart svg .usual-line, #chart svg .scenario-line').length") == 2
    before = browser.js(_TOTAL)
    assert before == browser.js("document.getElementById('usual-total').textContent")
    # every y grid line at the value its label says: a quarter of 15,000 was labelled "4k", half "8k"
    ticks = [float(t[:-1]) * 1000 if t.endswith("K") else float(t.replace(",", ""))
             for t in browser.js("[...document.querySelectorAll('#chart svg text.y-tick')].map(t => t.textContent)")]
    assert len(ticks) >= 3 and ticks[0] == 0, ticks
    assert all(b - a == ticks[1] for a, b in zip(ticks, ticks[1:], strict=False)), ticks

    names = browser.js("[...document.querySelectorAll('#weeks button.toggle')].map(b => b.getAttribute('aria-label'))")
    # the default period, 1 January on, starts its first week on 29 December: its dates carry the year
    assert all(re.fullmatch(r"(Promo|Closed), week of [A-Z][a-z]{2} \d{1,2}(, \d{4})?", n or "") for n in names), names
    browser.js("document.querySelector('#weeks button.toggle.promo:not(.on):not(:disabled)').click(); true")
    seen = _after(browser, seen)
    assert browser.js(_TOTAL) != before
    assert browser.js("document.getElementById('difference-total').textContent") != "+0 (+0.0%)"
    assert browser.js("document.querySelectorAll('#weeks button.toggle.promo.on').length") >= 1

    closed_before = browser.js(_TOTAL)
    browser.js("document.querySelector('#weeks button.toggle.closed:not(.on)').click(); true")
    seen = _after(browser, seen)
    assert browser.js(_TOTAL) != closed_before

    browser.js("document.getElementById('tab-rank').click(); document.querySelector('#rank-form button').click(); true")
    rows = int(browser.wait("document.body.dataset.rank || ''"))
    assert rows > 0 and browser.js("document.querySelectorAll('#rank-table tbody tr').length") == rows
    first = browser.js("document.querySelector('#rank-table tbody tr td:nth-child(2)').textContent")
    browser.js("document.querySelector('#rank-table tbody button.link').click(); true")
    # the store's usual plan, then the ranked week switched on: two plans later
    browser.wait(f"Number({_PLAN}) >= {int(seen) + 2}")
    assert browser.js(_TOTAL) != browser.js("document.getElementById('usual-total').textContent")
    store = browser.js("document.getElementById('store').value")
    assert first == f"Store {store}"
    assert not browser.js("document.getElementById('view-plan').hidden")

    browser.send("Emulation.setDeviceMetricsOverride", width=390, height=844, deviceScaleFactor=2, mobile=True)
    browser.js("window.dispatchEvent(new Event('resize')); true")
    browser.wait("document.querySelector('#chart svg').getAttribute('width') <= 390")
    assert browser.js("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on a phone
    shot = browser.screenshot(tmp_path / "phone.png", width=390)
    assert shot.stat().st_size > 20_000
    browser.js("1")
    assert browser.errors == []


def _type(browser: Browser, keys: str) -> None:
    for key in keys:
        browser.send("Input.dispatchKeyEvent", type="keyDown", text=key, key=key)
        browser.send("Input.dispatchKeyEvent", type="keyUp", key=key)


_STATUS = "document.getElementById('status').textContent"


def test_a_bad_field_is_named_and_no_earlier_numbers_stay_beside_it(base: str, browser: Browser):
    # an impossible date typed by hand reads "" in a date input: the store list and the week buttons planned
    # nothing and said nothing, and the Forecast button's browser bubble named no field on the status line,
    # while the earlier store's totals stayed on screen under the newly chosen store
    browser.send("Emulation.setLocaleOverride", locale="en-US")  # the date input's fields: month/day/year
    browser.open(f"{base}/")
    browser.wait("document.getElementById('status').textContent.includes('API token')")
    browser.js(f"document.getElementById('token').value = '{TOKEN}';"
               "document.querySelector('#token-form button').click(); true")
    browser.wait(_PLAN)
    browser.js("1")
    browser.errors.clear()  # the 401 before the token was given
    browser.js("document.getElementById('start').focus(); true")
    _type(browser, "02302015")  # 30 February
    assert browser.js("document.getElementById('start').validity.badInput")
    browser.js("document.querySelector('#plan-form button[type=submit]').click(); true")
    assert browser.wait(_STATUS).startswith("From: ")
    assert browser.js("document.getElementById('status').classList.contains('error')")
    assert browser.js("document.activeElement.id") == "start"
    assert browser.js("document.getElementById('usual-total').textContent") == "–"
    assert browser.js("document.querySelectorAll('#chart svg, #weeks tbody tr').length") == 0

    browser.js("document.getElementById('status').textContent = '';"
               "document.getElementById('store').dispatchEvent(new Event('change')); true")
    assert browser.wait(_STATUS).startswith("From: ")  # a new store with a bad date: said, not silent

    browser.js("document.getElementById('start').value = '2015-01-01'; document.getElementById('days').value = '500';"
               "document.querySelector('#plan-form button[type=submit]').click(); true")
    assert browser.wait(_STATUS).startswith("Days: ")
    # the API's own refusal names the box by its label, without "[object Object]" or a bare status code
    browser.js("document.getElementById('status').textContent = ''; document.getElementById('days').value = '42';"
               "document.getElementById('start').value = '2099-12-01';"
               "document.querySelector('#plan-form button[type=submit]').click(); true")
    said = browser.wait(f"({_STATUS}).includes('(start)') && {_STATUS}")
    assert said.startswith("From (start): the period 2099-12-01..2100-01-11 (42 days) runs past 2099-12-31"), said
    browser.js("1")
    assert [e for e in browser.errors if "422" not in e] == []
    browser.errors.clear()
    browser.js("document.getElementById('tab-rank').click(); document.getElementById('rank-top').value = '';"
               "document.querySelector('#rank-form button').click(); true")
    assert browser.wait(_STATUS).startswith("Top: ")
    browser.js("1")
    assert browser.errors == []  # refused before any request



def _set(browser: Browser, **values: str) -> None:
    """Set form controls by id (``rank_start`` is ``rank-start``)."""
    browser.js("".join(f"document.getElementById('{k.replace('_', '-')}').value = '{v}';"
                       for k, v in values.items()) + "true")


def _use_token(browser: Browser, base: str) -> str:
    """Open the page, give the token, wait for the first plan; return its number (the 401 before: no error)."""
    browser.open(f"{base}/")
    browser.wait(f"({_STATUS}).includes('API token')")
    browser.js(f"document.getElementById('token').value = '{TOKEN}';"
               "document.querySelector('#token-form button').click(); true")
    seen = browser.wait(_PLAN)
    browser.js("1")
    browser.errors.clear()
    return seen


_MODEL_LINE = "document.getElementById('model-name').textContent"


def test_without_a_token_the_model_line_says_why_no_model_is_shown(base: str, browser: Browser):
    # it stayed "loading the model…" for good while the status line asked for the token
    browser.open(f"{base}/")
    browser.wait(f"({_STATUS}).includes('API token')")
    line = browser.js(_MODEL_LINE)
    assert "loading" not in line and "without an API token" in line, line
    browser.js("document.getElementById('token').value = 'wrong';"
               "document.querySelector('#token-form button').click(); true")
    browser.wait(f"({_STATUS}).includes('refused this API token')")
    line = browser.js(_MODEL_LINE)
    assert "loading" not in line and "refused" in line, line
    browser.js(f"document.getElementById('token').value = '{TOKEN}';"
               "document.querySelector('#token-form button').click(); true")
    browser.wait(_PLAN)
    assert browser.js(_MODEL_LINE).startswith("model ")


def test_using_the_token_again_keeps_the_chosen_store_and_dates(base: str, browser: Browser):
    # pressing Use again put the store back on the first one and both dates back on the day after training
    seen = _use_token(browser, base)
    store = browser.js("document.querySelector('#store option:nth-child(3)').value")
    _set(browser, store=store, start="2014-03-03", days="14", rank_start="2014-04-07", rank_days="28")
    browser.js("document.querySelector('#plan-form button[type=submit]').click(); true")
    seen = _after(browser, seen)
    browser.js("document.querySelector('#token-form button').click(); true")
    _after(browser, seen)
    kept = browser.js("['store', 'start', 'days', 'rank-start', 'rank-days']"
                      ".map(id => document.getElementById(id).value)")
    assert kept == [store, "2014-03-03", "14", "2014-04-07", "28"]
    assert browser.js("document.getElementById('chart-title').textContent").startswith(f"Store {store}:")
    browser.js("1")
    assert browser.errors == []


def test_the_page_accepts_the_periods_the_api_accepts(base: str, browser: Browser):
    # the page refused fewer than 7 days ("Days: Value must be greater than or equal to 7") where /plan
    # takes 1..92; the ranking takes them too and its refusal of a period without a whole week is the API's
    seen = _use_token(browser, base)
    _set(browser, start="2014-03-03", days="3")
    browser.js("document.querySelector('#plan-form button[type=submit]').click(); true")
    seen = _after(browser, seen)
    assert browser.js("[...document.querySelectorAll('#weeks tbody tr td:first-child')].map(t => t.textContent)") == [
        "Mar 3 (3 d)"]
    _set(browser, days="1")
    browser.js("document.querySelector('#plan-form button[type=submit]').click(); true")
    _after(browser, seen)
    assert browser.js("[...document.querySelectorAll('#weeks tbody tr td:first-child')].map(t => t.textContent)") == [
        "Mar 3 (1 d)"]
    assert browser.js("document.querySelectorAll('#chart svg .usual-line, #chart svg .scenario-line').length") == 2
    # one day: its figures are shown at once, with no slider to move along
    assert browser.js("document.getElementById('chart-day').textContent").startswith("Mon, Mar 3, 2014: usual ")
    assert browser.js("document.getElementById('chart-days').hidden")
    browser.js("document.getElementById('tab-rank').click(); true")
    _set(browser, rank_start="2014-03-03", rank_days="3")
    browser.js("document.querySelector('#rank-form button').click(); true")
    said = browser.wait(f"({_STATUS}).includes('(days)') && {_STATUS}")
    assert said.startswith("Days (days): 2014-03-03..2014-03-05 holds no Monday..Friday week"), said


def test_dates_carry_the_year_where_the_period_spans_two(base: str, browser: Browser):
    # "Dec 29", "Jan 5": which year was which was left to the reader
    seen = _use_token(browser, base)
    _set(browser, start="2013-12-26", days="21")  # a Thursday: its first week began on Monday 23 December
    browser.js("document.querySelector('#plan-form button[type=submit]').click(); true")
    _after(browser, seen)
    weeks = browser.js("[...document.querySelectorAll('#weeks tbody tr td:first-child')].map(t => t.textContent)")
    assert weeks == ["Dec 23, 2013 (4 d)", "Dec 30, 2013", "Jan 6, 2014", "Jan 13, 2014 (3 d)"], weeks
    names = browser.js("[...document.querySelectorAll('#weeks button.toggle')].map(b => b.getAttribute('aria-label'))")
    assert "Promo, week of Jan 6, 2014" in names, names
    # the chart: the first Monday's label and the first of the new year carry the year on a line below
    assert browser.js("[...document.querySelectorAll('#chart svg text.year')].map(t => t.textContent)") == [
        "2013", "2014"]
    browser.js("document.getElementById('tab-rank').click(); true")
    _set(browser, rank_start="2013-12-23", rank_days="21")
    browser.js("document.querySelector('#rank-form button').click(); true")
    browser.wait("document.body.dataset.rank || ''")
    week = browser.js("document.querySelector('#rank-table tbody tr td:nth-child(6)').textContent")
    assert re.fullmatch(r"(Dec \d{1,2}, 2013|Jan \d{1,2}, 2014)", week), week
    assert ", 2013" in browser.js(_STATUS)
    # a period inside one year keeps the short form
    browser.js("document.getElementById('tab-plan').click(); true")
    _set(browser, start="2014-03-03", days="14")
    browser.js("document.querySelector('#plan-form button[type=submit]').click(); true")
    browser.wait("document.getElementById('chart-title').textContent.includes('2014-03-03')")
    assert browser.js("[...document.querySelectorAll('#weeks tbody tr td:first-child')].map(t => t.textContent)") == [
        "Mar 3", "Mar 10"]
    browser.js("1")
    assert browser.errors == []


# DevTools key events: the key name and its Windows virtual key code (what Chromium's default actions read)
_KEYS = {"ArrowLeft": 37, "ArrowRight": 39, "ArrowUp": 38, "ArrowDown": 40, "Home": 36, "End": 35, "Tab": 9,
         "Enter": 13, " ": 32}


def _press(browser: Browser, key: str, *, shift: bool = False) -> None:
    """A real key press, so the page's handlers and the browser's own focus moves both see it."""
    code = {"windowsVirtualKeyCode": _KEYS[key], "nativeVirtualKeyCode": _KEYS[key], "key": key,
            "code": "Space" if key == " " else key, "modifiers": 8 if shift else 0}
    browser.send("Input.dispatchKeyEvent", type="keyDown", text={"Enter": "\r", " ": " "}.get(key, ""), **code)
    browser.send("Input.dispatchKeyEvent", type="keyUp", **code)


_ACTIVE = "document.activeElement.id"
_TABS = ("[...document.querySelectorAll('[role=tab]')].map(t => [t.id, t.getAttribute('aria-selected'), t.tabIndex,"
         " document.getElementById(t.getAttribute('aria-controls')).hidden])")


def test_the_tabs_follow_the_aria_tabs_pattern_from_the_keyboard(base: str, browser: Browser):
    # the arrow keys did nothing and both tabs were Tab stops: the WAI-ARIA pattern moves between tabs with
    # the arrows (Home/End to the ends) and keeps only the selected tab in the Tab order
    _use_token(browser, base)
    panels = browser.js("[...document.querySelectorAll('[role=tab]')].map(t => {"
                        " const p = document.getElementById(t.getAttribute('aria-controls'));"
                        " return [p.getAttribute('role'), p.getAttribute('aria-labelledby') === t.id]; })")
    assert panels == [["tabpanel", True], ["tabpanel", True]]
    assert browser.js("document.querySelector('[role=tablist]').getAttribute('aria-label')")
    plan_on = [["tab-plan", "true", 0, False], ["tab-rank", "false", -1, True]]
    rank_on = [["tab-plan", "false", -1, True], ["tab-rank", "true", 0, False]]
    assert browser.js(_TABS) == plan_on
    browser.js("document.getElementById('tab-plan').focus(); true")
    for key, tabs, focused in [("ArrowRight", rank_on, "tab-rank"), ("ArrowRight", plan_on, "tab-plan"),
                               ("ArrowLeft", rank_on, "tab-rank"), ("Home", plan_on, "tab-plan"),
                               ("End", rank_on, "tab-rank")]:
        _press(browser, key)
        assert (browser.js(_TABS), browser.js(_ACTIVE)) == (tabs, focused), key
    _press(browser, "Tab")  # from the selected tab straight into its view, not to the other tab
    assert browser.js(_ACTIVE) == "rank-start"
    _press(browser, "Tab", shift=True)
    assert browser.js(_ACTIVE) == "tab-rank"
    _press(browser, "Tab", shift=True)  # back past the tabs: the unselected one is not a stop
    assert browser.js(_ACTIVE) != "tab-plan"
    browser.js("1")
    assert browser.errors == []


_COUNT_PLANS = ("window.planned = []; const real = window.fetch; window.fetch = (path, init) => {"
                " if (path === '/plan') window.planned.push(JSON.parse(init.body).store); return real(path, init); };"
                " true")
_CHART_TITLE = "document.getElementById('chart-title').textContent"


def test_arrowing_through_the_store_list_asks_for_the_plan_once_it_settles(base: str, browser: Browser):
    # every arrow key press on the store list is a change: passing five stores sent five POST /plan, and
    # the server forecast them all though only the last was drawn
    seen = _use_token(browser, base)
    browser.js(_COUNT_PLANS)
    start = browser.js("document.getElementById('store').selectedIndex")
    browser.js("document.getElementById('store').focus(); true")
    began = time.monotonic()
    for _ in range(5):
        _press(browser, "ArrowDown")
    pressed = time.monotonic() - began
    chosen = browser.js("document.getElementById('store').value")
    assert browser.js("document.getElementById('store').selectedIndex") == start + 5
    seen = _after(browser, seen)
    assert pressed < 0.25, f"the five presses took {pressed:.2f} s: the page may rightly have planned on the way"
    assert browser.js("window.planned") == [int(chosen)]
    assert browser.js(_CHART_TITLE).startswith(f"Store {chosen}:")

    # Enter plans the chosen store at once, without the wait, and once
    browser.js("window.planned = []; true")
    _press(browser, "ArrowUp")
    _press(browser, "Enter")
    chosen = browser.js("document.getElementById('store').value")
    assert browser.js("window.planned") == [int(chosen)]  # asked in the key's own handler
    seen = _after(browser, seen)
    time.sleep(0.4)  # past the wait: the change of the ArrowUp asks nothing more
    assert browser.js("window.planned") == [int(chosen)]
    assert browser.js(_CHART_TITLE).startswith(f"Store {chosen}:")
    browser.js("1")
    assert browser.errors == []


def _stub_plan(browser: Browser, answer: dict) -> None:
    """Answer the page's next ``POST /plan`` calls with ``answer`` (the other calls still reach the server)."""
    browser.js(f"const answer = {json.dumps(answer)}, real = window.fetch;"
               "window.fetch = (path, init) => path === '/plan' ? Promise.resolve(new Response("
               "JSON.stringify(answer), {status: 200, headers: {'Content-Type': 'application/json'}}))"
               " : real(path, init); true")


def _day(date: str, sales: float, *, promo: int = 0) -> dict:
    return {"date": date, "open": int(sales > 0), "promo": promo, "sales": sales, "lower": sales * 0.9,
            "upper": sales * 1.1, "outer_lower": sales * 0.8, "outer_upper": sales * 1.2}


def _download(browser: Browser, button: str, folder: Path) -> Path:
    """Click ``button`` and return the file the browser saved into ``folder``, once it is whole.

    Whole: no ``.crdownload`` left and the same non-zero size on two polls in a row. Chromium may show the final
    name before its last bytes are in; read at once, a fresh clone's run under load once met an empty file.
    """
    browser.allow_downloads(folder)
    browser.js(f"document.getElementById('{button}').click(); true")
    deadline, last = time.monotonic() + 30, None
    while time.monotonic() < deadline:
        files = list(folder.glob("*"))
        done = [f for f in files if not f.name.endswith(".crdownload")]
        if done and len(done) == len(files):
            size = done[0].stat().st_size
            if size and size == last:
                return done[0]
            last = size
        time.sleep(0.1)
    raise TimeoutError(f"{button}: nothing downloaded whole into {folder}")


def _number(text: str) -> int:
    return int(text.replace(",", "").replace("−", "-").split(" ")[0])


def test_weeks_totals_and_the_csv_add_up_the_rounded_days(base: str, browser: Browser, tmp_path: Path):
    # each figure was rounded on its own: the total card 1 off the sum of the weeks column above it, and
    # usual + difference 1 off the scenario card beside them; the page now adds up whole-unit days, as
    # `storecast plan` does, and its CSV carries exactly those days
    seen = _use_token(browser, base)
    dates = [(dt.date(2015, 8, 3) + dt.timedelta(days=k)).isoformat() for k in range(14)]  # two Mondays
    usual = [1000.5, 1000.4, 1000.4, 1000.4, 1000.4, 800.5, 0.0] * 2
    scenario = usual[:7] + [1300.5, 1300.4, 1300.4, 1300.4, 1300.4, 800.5, 0.0]

    def side(sales: list[float], promo: set[int]) -> dict:
        return {"days": [_day(d, v, promo=int(i in promo)) for i, (d, v) in enumerate(zip(dates, sales, strict=True))],
                "total": sum(sales)}

    answer = {"model": "stub.skops", "store": 1, "level": 0.8, "outer_level": 0.95, "usual": side(usual, set()),
              "scenario": side(scenario, {7, 8, 9, 10, 11}), "calibrated_through": None,
              "difference": {"total": sum(scenario) - sum(usual),
                             "days": [{"date": d, "sales": s - u} for d, u, s in zip(dates, usual, scenario,
                                                                                        strict=True)]}}
    whole = [[math.floor(v + 0.5) for v in sales] for sales in (usual, scenario)]
    assert round(sum(usual)) != sum(whole[0])  # the stub is one where the two rules differ
    _stub_plan(browser, answer)
    _set(browser, start=dates[0], days="14")
    browser.js("document.querySelector('#plan-form button[type=submit]').click(); true")
    _after(browser, seen)

    cards = [_number(browser.js(f"document.getElementById('{i}').textContent"))
             for i in ("usual-total", "scenario-total", "difference-total")]
    assert cards == [sum(whole[0]), sum(whole[1]), sum(whole[1]) - sum(whole[0])]
    weeks = browser.js("[...document.querySelectorAll('#weeks tbody tr')].map(r => [...r.querySelectorAll('td.num')]"
                       ".map(t => t.textContent))")
    assert [[_number(v) for v in w] for w in weeks] == [[sum(side[k:k + 7]) for side in whole] for k in (0, 7)]
    foot = [_number(browser.js(f"document.getElementById('{i}').textContent"))
            for i in ("weeks-usual", "weeks-scenario")]
    assert foot == cards[:2]

    saved = _download(browser, "plan-csv", tmp_path / "downloads")
    assert saved.name == "storecast-plan-store-1-2015-08-03-14d.csv"
    with saved.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["date"] for r in rows] == dates and rows[0]["weekday"] == "Mon"
    assert [int(r["usual_sales"]) for r in rows] == whole[0] and [int(r["scenario_sales"]) for r in rows] == whole[1]
    assert sum(int(r["difference"]) for r in rows) == cards[2]
    assert [r["scenario_promo"] for r in rows][7:12] == ["1"] * 5
    assert {"scenario_lower_80", "scenario_upper_80", "scenario_lower_95", "scenario_upper_95"} <= set(rows[0])
    browser.js("1")
    assert browser.errors == []


def test_the_ranking_downloads_as_shown(base: str, browser: Browser, tmp_path: Path):
    _use_token(browser, base)
    assert browser.js("document.getElementById('rank-csv').disabled")  # nothing ranked yet
    browser.js("document.getElementById('tab-rank').click(); document.querySelector('#rank-form button').click(); true")
    shown = int(browser.wait("document.body.dataset.rank || ''"))
    table = browser.js("[...document.querySelectorAll('#rank-table tbody tr')].map(r => [...r.cells].slice(0, 6)"
                       ".map(c => c.textContent))")
    saved = _download(browser, "rank-csv", tmp_path / "downloads")
    with saved.open(newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["rank", "store", "gain", "gain_pct", "usual_total", "week"] and len(rows) == shown + 1
    # plain CSV, as pandas and storecast read it: no byte-order mark, no Excel "sep=," line (docs/planner.md)
    raw = saved.read_bytes()
    assert raw.startswith(b"rank,store,") and raw.isascii()
    assert pd.read_csv(saved).columns.tolist() == rows[0]
    for (rank, store, gain, pct, total, _), row in zip(table, rows[1:], strict=True):
        assert [rank, store, gain, pct, total] == [row[0], f"Store {row[1]}", f"{int(row[2]):,}", f"{row[3]}%",
                                                   f"{int(row[4]):,}"]
    browser.js("1")
    assert browser.errors == []


_STALE = "[document.getElementById('rank-stale').hidden, document.getElementById('rank-stale').textContent," \
         " document.getElementById('rank-table').classList.contains('stale')]"


def _type_into(browser: Browser, field: str, value: str) -> None:
    """Change a box as typing does: its value, then an input event."""
    browser.js(f"{{ const f = document.getElementById('{field}'); f.value = '{value}';"
               " f.dispatchEvent(new Event('input', {bubbles: true})); } true")


def test_a_ranking_of_an_earlier_period_says_so_until_rank_is_pressed(base: str, browser: Browser):
    # a From or Days changed without Rank stores left the table of the earlier period under the new boxes,
    # where it read as the new period's ranking
    _use_token(browser, base)
    browser.js("document.getElementById('tab-rank').click(); document.querySelector('#rank-form button').click(); true")
    browser.wait("document.body.dataset.rank || ''")
    assert browser.js(_STALE) == [True, "", False]
    start = browser.js("document.getElementById('rank-start').value")
    first = dt.date.fromisoformat(start)
    last = first + dt.timedelta(days=41)
    period = f"{first:%b} {first.day}, {first.year}–{last:%b} {last.day}, {last.year} (42 days)"  # en-US
    said = [False, f"Showing the ranking for {period}; press Rank stores to update.", True]

    n, fresh = browser.js("document.querySelectorAll('#rank-table tbody tr').length"), browser.js(_STATUS)
    assert fresh.startswith(f"{n} stores shown; candidate weeks: ")
    # and the status line beside the note said "20 stores shown; candidate weeks: ..." as of the new period
    earlier = (f"{n} stores shown for {period}, not for the From and Days above: press Rank stores to rank "
               "that period.")

    _type_into(browser, "rank-days", "28")
    assert browser.js(_STALE) == said and browser.js(_STATUS) == earlier
    _type_into(browser, "rank-days", "42")  # the boxes say the period shown again: nothing to say
    assert browser.js(_STALE) == [True, "", False] and browser.js(_STATUS) == fresh
    _type_into(browser, "rank-start", (first + dt.timedelta(days=7)).isoformat())
    assert browser.js(_STALE) == said and browser.js(_STATUS) == earlier
    assert browser.js("document.querySelectorAll('#rank-table tbody tr').length") > 0  # still shown, greyed
    browser.js("document.getElementById('tab-plan').click(); document.getElementById('tab-rank').click(); true")
    assert browser.js(_STATUS) == earlier  # said again when the view is shown again

    browser.js("delete document.body.dataset.rank; document.querySelector('#rank-form button').click(); true")
    browser.wait("document.body.dataset.rank || ''")
    assert browser.js(_STALE) == [True, "", False]
    assert browser.js(_STATUS).startswith(f"{n} stores shown; candidate weeks: ")
    browser.js("1")
    assert browser.errors == []


_LABEL = "document.activeElement.getAttribute('aria-label')"


def test_a_week_pressed_from_the_keyboard_keeps_the_focus(base: str, browser: Browser):
    # the week rows are drawn anew with each answer: the focus fell to <body> and Tab began again at the top
    # of the page; opening a ranked store left it on a hidden row the same way
    seen = _use_token(browser, base)
    label = browser.js("document.querySelector('#weeks button.toggle.promo:not(.on):not(:disabled)')"
                       ".getAttribute('aria-label')")
    browser.js(f"[...document.querySelectorAll('#weeks button')].find(b => b.getAttribute('aria-label') === "
               f"'{label}').focus(); true")
    for pressed, key in (("true", "Enter"), ("false", " ")):
        _press(browser, key)
        seen = _after(browser, seen)
        assert browser.js(_LABEL) == label, key
        assert browser.js("document.activeElement.getAttribute('aria-pressed')") == pressed, key
    _press(browser, "Tab")  # on to the week's Closed button, not back to the top of the page
    assert browser.js(_LABEL) == label.replace("Promo", "Closed")

    browser.js("document.getElementById('tab-rank').click(); true")
    browser.js("document.querySelector('#rank-form button').focus(); true")
    _press(browser, "Enter")
    browser.wait("document.body.dataset.rank || ''")
    browser.js("document.querySelector('#rank-table button.link').focus(); true")
    _press(browser, "Enter")
    browser.wait(f"Number({_PLAN}) >= {int(seen) + 2}")
    assert browser.js(_ACTIVE) == "tab-plan"
    _press(browser, "ArrowRight")  # one key back to the ranking
    assert not browser.js("document.getElementById('view-rank').hidden")
    browser.js("1")
    assert browser.errors == []


_WEEK_ROWS = "document.querySelectorAll('#weeks tbody tr').length"
_FREE_WEEK = "document.querySelector('#weeks button.toggle.promo:not(.on):not(:disabled)')"


def test_a_week_plans_the_period_on_screen_not_a_days_value_typed_since(base: str, browser: Browser):
    # Days changed to 14 and not yet forecast, then a week clicked: every listed day past day 14 came back as
    # its own 422 ("Promo (promo_days[5]): ... is outside the planning window ...", twenty of them) and the
    # plan was wiped
    seen = _use_token(browser, base)
    rows, days = browser.js(_WEEK_ROWS), browser.js("document.getElementById('days').value")
    _set(browser, days="14")
    label = browser.js(f"{_FREE_WEEK}.getAttribute('aria-label')")
    browser.js(f"{_FREE_WEEK}.click(); true")
    _after(browser, seen)
    assert browser.js(_STATUS) == ""
    assert browser.js(_WEEK_ROWS) == rows
    assert browser.js("document.getElementById('days').value") == days  # the form names the plan shown
    pressed = browser.js(f"[...document.querySelectorAll('#weeks button')].find(b => b.getAttribute('aria-label') "
                         f"=== '{label}').getAttribute('aria-pressed')")
    assert pressed == "true"
    browser.js("1")
    assert browser.errors == []


def test_a_server_gone_mid_plan_keeps_the_plan_and_its_weeks(base: str, browser: Browser):
    # the server stopped while weeks were being switched: the plan and every week clicked so far were wiped,
    # under "The server did not answer (Failed to fetch): is storecast serve still running?"
    seen = _use_token(browser, base)
    browser.js(f"{_FREE_WEEK}.click(); true")
    seen = _after(browser, seen)
    shown = browser.js("[document.getElementById('scenario-total').textContent,"
                       " document.querySelectorAll('#weeks button.on').length]")
    browser.js("window.realFetch = window.fetch;"
               "window.fetch = () => Promise.reject(new TypeError('Failed to fetch')); true")
    label = browser.js(f"{_FREE_WEEK}.getAttribute('aria-label')")
    browser.js(f"{_FREE_WEEK}.click(); true")
    said = browser.wait(f"document.getElementById('status').classList.contains('error') && {_STATUS}")
    assert said.startswith("Nothing changed: no answer from the server."), said
    assert "Failed to fetch" not in said and "storecast serve" not in said
    assert browser.js("[document.getElementById('scenario-total').textContent,"
                      " document.querySelectorAll('#weeks button.on').length]") == shown
    assert not browser.js("document.getElementById('plan-csv').disabled")

    browser.js("window.fetch = window.realFetch; true")  # back: the same week again plans from the kept weeks
    browser.js(f"[...document.querySelectorAll('#weeks button')].find(b => b.getAttribute('aria-label') === "
               f"'{label}').click(); true")
    _after(browser, seen)
    assert browser.js("document.querySelectorAll('#weeks button.on').length") == shown[1] + 1
    browser.js("1")
    assert [e for e in browser.errors if "Failed to fetch" not in e] == []


def test_a_store_the_served_model_does_not_know_reloads_the_store_list(base: str, browser: Browser):
    # a store list from a model served earlier (the server restarted since with another): the page showed
    # the API's "remove the row or serve a model trained with this store", words for /predict's callers
    seen = _use_token(browser, base)
    stores = browser.js("[...document.querySelectorAll('#store option')].map(o => o.value)")
    browser.js("const o = document.createElement('option'); o.value = o.textContent = '99999';"
               "document.getElementById('store').appendChild(o); document.getElementById('store').value = '99999';"
               "document.getElementById('store').dispatchEvent(new Event('change')); true")
    said = browser.wait(f"({_STATUS}).startsWith('Store 99999') && {_STATUS}")
    assert "not known to the model the server serves now" in said and "remove the row" not in said, said
    assert browser.js("[...document.querySelectorAll('#store option')].map(o => o.value)") == stores
    assert browser.js(_ACTIVE) == "store"
    assert browser.js("document.getElementById('usual-total').textContent") == "–"
    assert browser.js(_PLAN) == seen  # nothing else planned behind the message
    browser.js("1")
    assert [e for e in browser.errors if "422" not in e] == []


def test_promo_marks_stay_on_the_axis_and_no_change_is_not_a_gain(base: str, browser: Browser):
    # the last day's promo mark ran past the end of the axis; "+0 (+0.0%)" and "–" were green like a gain
    seen = _use_token(browser, base)
    _set(browser, start="2015-08-03", days="12")  # ends on a Friday
    browser.js("document.querySelector('#plan-form button[type=submit]').click(); true")
    seen = _after(browser, seen)
    last = "document.querySelector('#weeks tbody tr:last-child button.toggle.promo')"
    if not browser.js(f"{last}.classList.contains('on')"):  # the last week's promo on, whatever the usual phase
        browser.js(f"{last}.click(); true")
        seen = _after(browser, seen)
    ends = browser.js("(() => { const a = document.querySelector('#chart line.axis');"
                      " return [Number(a.getAttribute('x1')), Number(a.getAttribute('x2'))]; })()")
    marks = browser.js("[...document.querySelectorAll('#chart rect.promo-day')]"
                       ".map(r => [Number(r.getAttribute('x')), Number(r.getAttribute('width'))])")
    assert marks and all(ends[0] <= x and x + w <= ends[1] + 1e-6 for x, w in marks), (ends, marks)
    assert max(x + w for x, w in marks) > ends[1] - 20  # the period's last days carry promo marks
    colour = "getComputedStyle(document.getElementById('difference-total')).color"
    ink = browser.js("getComputedStyle(document.getElementById('usual-total')).color")
    browser.js("document.getElementById('reset').click(); true")
    _after(browser, seen)
    assert browser.js("document.getElementById('difference-total').textContent") == "+0 (+0.0%)"
    assert browser.js(colour) == ink


_ON_WEEKS = "[...document.querySelectorAll('#weeks button.on')].map(b => b.getAttribute('aria-label'))"


def test_a_new_token_keeps_the_scenario_and_forecasts_it_again(base: str, browser: Browser):
    # the server's token changed while weeks were being switched: "Use" with the new token planned the
    # usual plan again, and every week switched so far was lost
    seen = _use_token(browser, base)
    browser.js(f"{_FREE_WEEK}.click(); true")
    seen = _after(browser, seen)
    weeks, total = browser.js(_ON_WEEKS), browser.js(_TOTAL)
    assert total != browser.js("document.getElementById('usual-total').textContent")
    # the token this page holds is refused from now on, as after the server was restarted with a new one
    browser.js("sessionStorage.setItem('storecast-token', 'the-token-the-server-had-before'); true")
    browser.js(f"{_FREE_WEEK}.click(); true")
    said = browser.wait(f"document.getElementById('status').classList.contains('error') && {_STATUS}")
    assert said.startswith("Nothing changed: the server refused this API token"), said
    assert "weeks switched so far are kept" in said, said
    assert browser.js(_ACTIVE) == "token" and browser.js(_ON_WEEKS) == weeks
    browser.js(f"document.getElementById('token').value = '{TOKEN}';"  # the server's new token
               "document.querySelector('#token-form button').click(); true")
    _after(browser, seen)
    assert browser.js(_ON_WEEKS) == weeks and browser.js(_TOTAL) == total
    assert browser.js(_STATUS) == ""
    browser.js("1")
    assert [e for e in browser.errors if "401" not in e] == []


_HOLD_RANK = ("window.rankCalls = 0; window.held = []; const real = window.fetch;"
              "window.fetch = (path, init) => { if (path !== '/plan/rank') return real(path, init);"
              " window.rankCalls += 1; return new Promise(r => window.held.push(() => r(real(path, init)))); };"
              "window.releaseRank = () => window.held.splice(0).forEach(f => f()); true")
_RANK_BUTTON = ("[document.getElementById('rank-submit').getAttribute('aria-disabled'),"
                " document.getElementById('rank-submit').textContent, document.activeElement.id]")


def test_rank_stores_is_busy_while_a_ranking_runs_and_says_nothing_over_the_plan(base: str, browser: Browser):
    # Rank stores stayed pressable while a ranking ran: each press queued another whole ranking on the server
    # (one planning job at a time); and a ranking answered after the user went to plan a store wrote
    # "20 stores shown; ..." on the plan view's status line
    seen = _use_token(browser, base)
    browser.js(_HOLD_RANK)
    browser.js("document.getElementById('tab-rank').click(); document.getElementById('rank-submit').focus(); true")
    _press(browser, "Enter")
    browser.wait("window.rankCalls === 1")
    assert browser.js(_RANK_BUTTON) == ["true", "Ranking…", "rank-submit"]  # busy, and the focus stays
    _press(browser, "Enter")
    browser.js("document.getElementById('rank-submit').click(); document.getElementById('rank-top').focus(); true")
    _press(browser, "Enter")  # Enter in a field submits the form: no second ranking either
    time.sleep(0.5)
    assert browser.js("window.rankCalls") == 1
    assert browser.js("document.getElementById('rank-table').getAttribute('aria-busy')") == "true"
    browser.js("window.releaseRank(); true")
    browser.wait("document.body.dataset.rank || ''")
    assert browser.js(_RANK_BUTTON) == [None, "Rank stores", "rank-top"]
    assert "stores shown" in browser.js(_STATUS)

    browser.js("document.getElementById('rank-submit').click(); true")  # a second ranking, held
    browser.wait("window.rankCalls === 2")
    browser.js("document.querySelector('#rank-table tbody button.link').click(); true")  # from the first one
    browser.wait(f"Number({_PLAN}) >= {int(seen) + 2}")
    planned = browser.js(_STATUS)
    browser.js("window.releaseRank(); true")
    browser.wait("document.getElementById('rank-submit').getAttribute('aria-disabled') === null")
    assert browser.js(_STATUS) == planned and "stores shown" not in planned
    browser.js("document.getElementById('tab-rank').click(); true")  # said where it belongs
    assert "stores shown" in browser.js(_STATUS)
    browser.js("1")
    assert browser.errors == []


_DAY = "document.getElementById('chart-day').textContent"
# the chart's path as [x, y] points per subpath ("M" starts one)
_RUNS = ("(cls) => document.querySelector(`#chart svg .${cls}`).getAttribute('d').split('M').slice(1)"
         ".map(p => p.replace(/Z$/, '').split('L').map(xy => xy.split(',').map(Number)))")


def _day_x(browser: Browser, index: int) -> float:
    """The x of the chart's day ``index`` in page (client) pixels, from the cursor the page draws."""
    browser.js(f"document.getElementById('chart-days').value = '{index}';"
               "document.getElementById('chart-days').dispatchEvent(new Event('input')); true")
    return browser.js("(() => { const l = document.querySelector('#chart .cursor line'), m = l.getScreenCTM();"
                      " return m.a * Number(l.getAttribute('x1')) + m.e; })()")


def test_the_chart_gives_each_days_figures_and_draws_closed_days_as_gaps(base: str, browser: Browser):
    # the chart had no day values at all (not on hover, not from the keyboard), and a closed Sunday was a
    # drop of both lines to zero that read as a sales crash
    seen = _use_token(browser, base)
    # Mon 3 Aug..Mon 17 Aug: closed on Sundays, so the last day is a lone open day at the plot's right edge
    dates = [(dt.date(2015, 8, 3) + dt.timedelta(days=k)).isoformat() for k in range(15)]
    usual = [0.0 if k % 7 == 6 else 1000.0 + 10 * k for k in range(15)]
    scenario = [1300.0 + 10 * k if 7 <= k <= 11 else v for k, v in enumerate(usual)]
    scenario[9] = 0.0  # the scenario closes Wednesday 12 August, a usual open day

    def side(sales: list[float], promo: set[int]) -> dict:
        return {"days": [_day(d, v, promo=int(k in promo)) for k, (d, v) in enumerate(zip(dates, sales, strict=True))],
                "total": sum(sales)}

    _stub_plan(browser, {"model": "stub.skops", "store": 1, "level": 0.8, "outer_level": 0.95,
                         "usual": side(usual, set()), "scenario": side(scenario, {7, 8, 10, 11}),
                         "calibrated_through": None, "difference": {"total": 0, "days": []}})
    _set(browser, start=dates[0], days="15")
    browser.js("document.querySelector('#plan-form button[type=submit]').click(); true")
    _after(browser, seen)

    axis = browser.js("Number(document.querySelector('#chart line.axis').getAttribute('y1'))")
    runs = {cls: browser.js(f"({_RUNS})('{cls}')") for cls in ("usual-line", "scenario-line", "band80", "band95")}
    assert [len(r) for r in runs["usual-line"]] == [6, 6, 1]  # a gap at each Sunday, not a drop to zero
    assert [len(r) for r in runs["scenario-line"]] == [6, 2, 3, 1]  # and at the scenario's closed Wednesday
    assert all(y < axis for r in runs["usual-line"] + runs["scenario-line"] for _, y in r)
    assert len(runs["band80"]) == len(runs["band95"]) == 4
    # the lone last day: a dot on each line, and its bands' short bar inside the plot, not past the axis' end
    assert browser.js("document.querySelectorAll('#chart .usual-dot, #chart .scenario-dot').length") == 2
    ends = browser.js("['x1', 'x2'].map(a => Number(document.querySelector('#chart line.axis').getAttribute(a)))")
    assert all(ends[0] <= x <= ends[1] for r in runs["band80"] + runs["band95"] for x, _ in r), ends
    assert browser.js("document.querySelectorAll('#chart rect.closed-day').length") == 3
    assert "closed: no sales" in browser.js("document.getElementById('legend').textContent")
    assert browser.js(_DAY).startswith("Point at the chart")

    # a mouse over Wednesday 5 August: its figures under the chart, in whole units like the weeks
    top = browser.js("document.querySelector('#chart svg').getBoundingClientRect().top + 60")
    wed, thu = _day_x(browser, 2), _day_x(browser, 10)
    _day_x(browser, 0)
    assert browser.js(_DAY).startswith("Mon, Aug 3, 2015: ")
    browser.send("Input.dispatchMouseEvent", type="mouseMoved", x=wed + 1, y=top)
    assert browser.js(_DAY) == ("Wed, Aug 5, 2015: usual 1,020, scenario 1,020 (+0), 80%: 918–1,122, "
                                "95%: 816–1,224, no promo")
    # a finger's tap picks a day too (pointerdown; a touch screen has no hover)
    browser.send("Emulation.setTouchEmulationEnabled", enabled=True, maxTouchPoints=1)
    browser.send("Input.dispatchTouchEvent", type="touchStart", touchPoints=[{"x": thu, "y": top}])
    browser.send("Input.dispatchTouchEvent", type="touchEnd", touchPoints=[])
    assert browser.js(_DAY).startswith("Thu, Aug 13, 2015: usual 1,100, scenario 1,400 (+300), ")
    assert browser.js(_DAY).endswith(", promo")
    browser.send("Emulation.setTouchEmulationEnabled", enabled=False)

    # the keyboard: one Tab stop after the plan's buttons, the arrow keys move a day, Home and End to the ends
    browser.js("document.getElementById('reset').focus(); true")
    _press(browser, "Tab")
    assert browser.js(_ACTIVE) == "chart-days"
    for key, said in [("Home", "Mon, Aug 3, 2015: usual 1,000, scenario 1,000 (+0), "),
                      ("ArrowRight", "Tue, Aug 4, 2015: usual 1,010, "),
                      ("End", "Mon, Aug 17, 2015: usual 1,140, scenario 1,140 (+0), "),
                      ("ArrowLeft", "Sun, Aug 16, 2015: closed, no sales")]:
        _press(browser, key)
        assert browser.js(_DAY).startswith(said), key
        # a screen reader reads the slider's value text: the same figures
        assert browser.js("document.getElementById('chart-days').getAttribute('aria-valuetext')") == browser.js(_DAY)
    for _ in range(4):
        _press(browser, "ArrowLeft")
    assert browser.js(_DAY) == "Wed, Aug 12, 2015: usual 1,090, scenario closed (−1,090)"
    cursor = browser.js("[...document.querySelectorAll('#chart .cursor circle')].map(c => c.getAttribute('class'))")
    assert cursor == ["usual"]  # a dot on the open usual plan only
    browser.js("1")
    assert browser.errors == []


def test_a_refused_token_is_selected_so_the_new_one_replaces_it(base: str, browser: Browser):
    # the refusal put the focus in the token box with the old token still in it, hidden behind the dots:
    # the new token typed went after it, and the server refused the two together again
    seen = _use_token(browser, base)
    browser.js("sessionStorage.setItem('storecast-token', 'the-token-the-server-had-before');"
               "document.getElementById('token').value = 'the-token-the-server-had-before'; true")
    browser.js(f"{_FREE_WEEK}.focus(); true")
    _press(browser, "Enter")
    browser.wait(f"({_STATUS}).includes('refused this API token')")
    assert browser.js(_ACTIVE) == "token"
    _type(browser, TOKEN)  # from the keyboard, as typed
    assert browser.js("document.getElementById('token').value") == TOKEN
    _press(browser, "Enter")
    _after(browser, seen)
    assert browser.js(_STATUS) == ""


def test_an_error_stays_in_view_where_the_week_was_pressed(base: str, browser: Browser):
    # at phone width the status line is a screen above the weeks: a week pressed with no answer from the
    # server said "Nothing changed: ..." where nobody scrolled down there could see it, and nothing else moved
    browser.send("Emulation.setDeviceMetricsOverride", width=390, height=844, deviceScaleFactor=1, mobile=True)
    _use_token(browser, base)
    browser.js("window.fetch = () => Promise.reject(new TypeError('Failed to fetch'));"
               "document.querySelector('#weeks tbody tr:last-child button.toggle.closed').focus(); true")
    assert browser.js("window.scrollY") > 300
    _press(browser, " ")
    browser.wait("document.getElementById('status').classList.contains('error')")
    top, bottom = browser.js("(() => { const r = document.getElementById('status').getBoundingClientRect();"
                             " return [r.top, r.bottom]; })()")
    assert 0 <= top and bottom <= browser.js("innerHeight"), (top, bottom)
    focused = browser.js("document.activeElement.getBoundingClientRect().top")
    assert focused > bottom  # the message does not cover the week pressed


def test_a_ranked_store_opens_saying_which_week_was_switched_on(base: str, browser: Browser):
    # the store's plan came up with a scenario already different from its usual plan and a blank status
    # line: nothing said that the ranked week had been switched on, or how to take it off again
    seen = _use_token(browser, base)
    browser.js("document.getElementById('tab-rank').click(); document.getElementById('rank-submit').click(); true")
    browser.wait("document.body.dataset.rank || ''")
    store, week = browser.js("[...document.querySelectorAll('#rank-table tbody tr:first-child td')]"
                             ".filter((_, k) => k === 1 || k === 5).map(t => t.textContent)")
    browser.js("document.querySelector('#rank-table tbody button.link').click(); true")
    browser.wait(f"Number({_PLAN}) >= {int(seen) + 2}")
    said = browser.js(_STATUS)
    # the week as its button names it: with the year where the plan's weeks run over two ("Jan 5, 2015")
    label = re.search(r"promo week of (.+) switched on", said).group(1)
    assert label.startswith(week) and f"Promo, week of {label}" in browser.js(_ON_WEEKS), said
    assert said == (f"{store}: its usual plan with the ranked extra promo week of {label} switched on "
                    "(Back to the usual plan takes it off)."), said
    browser.js("document.getElementById('reset').click(); true")
    browser.wait(f"Number({_PLAN}) >= {int(seen) + 3}")
    assert browser.js(_STATUS) == ""


def test_a_model_with_one_band_shows_no_key_for_a_second(base: str, browser: Browser):
    # a model calibrated at one level answers no outer band: the chart drew one band, but the legend still
    # showed the second band's swatch (unlabelled) before "interval"
    seen = _use_token(browser, base)
    shown = "getComputedStyle(document.querySelector('#legend .key.band95')).display !== 'none'"
    assert browser.js(shown) and browser.js("document.getElementById('level-outer').textContent") == "95%"
    browser.js("window.realFetch = window.fetch;"
               "window.fetch = async (...a) => { const r = await window.realFetch(...a);"
               " if (String(a[0]) !== '/plan' || !r.ok) return r;"
               " const j = await r.json(); j.outer_level = null;"
               " for (const d of [...j.usual.days, ...j.scenario.days]) { d.outer_lower = null; d.outer_upper = null; }"
               " return new Response(JSON.stringify(j), { status: 200, headers: r.headers }); }; true")
    browser.js("document.querySelector('#plan-form button[type=submit]').click(); true")
    seen = _after(browser, seen)
    assert browser.js("document.querySelectorAll('#chart svg .band95').length") == 0
    assert browser.js("document.querySelectorAll('#chart svg .band80').length") == 1
    assert not browser.js(shown)
    assert browser.js("document.getElementById('level-outer').hidden")
    assert " ".join(browser.js("document.getElementById('legend').innerText").split()).startswith(
        "scenario usual plan 80% interval")
    browser.js("window.fetch = window.realFetch; document.querySelector('#plan-form button[type=submit]').click();"
               " true")
    _after(browser, seen)
    assert browser.js(shown) and not browser.js("document.getElementById('level-outer').hidden")
    browser.js("1")
    assert browser.errors == []


def _stub_rank(browser: Browser, stores: list[tuple[int, float, float, float]]) -> None:
    """Answer /plan/rank with ``stores`` (store, gain, gain_pct, usual_total), all of the period's first Monday."""
    start, days = browser.js("[document.getElementById('rank-start').value, "
                             "Number(document.getElementById('rank-days').value)]")
    monday = browser.js(f"(() => {{ const d = new Date('{start}T00:00:00Z'); "
                        "d.setUTCDate(d.getUTCDate() + (8 - d.getUTCDay()) % 7); "
                        "return d.toISOString().slice(0, 10); })()")
    rows = [{"store": s, "gain": g, "gain_pct": p, "usual_total": t, "week": monday} for s, g, p, t in stores]
    answer = {"start": start, "days": days, "weeks": [monday], "stores": rows}
    browser.js(f"const answer = {json.dumps(answer)}, real = window.fetch;"
               "window.fetch = (path, init) => path === '/plan/rank' ? Promise.resolve(new Response("
               "JSON.stringify(answer), {status: 200, headers: {'Content-Type': 'application/json'}}))"
               " : real(path, init); true")


def test_the_ranking_rounds_its_figures_as_its_csv_does(base: str, browser: Browser, tmp_path: Path):
    # the table formatted the API's unrounded gains with Intl (a half away from zero, "-0") and the CSV
    # with the page's whole-unit rule: a gain of -2.5 read -3 on screen and -2 in the file, -0.4 read "-0",
    # and a gain of -0.04% read "-0.0%"
    _use_token(browser, base)
    _stub_rank(browser, [(1, 10.5, 0.25, 4200.5), (2, -0.4, -0.04, 1000.0), (3, -2.5, -0.25, 1000.0)])
    browser.js("document.getElementById('tab-rank').click(); document.querySelector('#rank-form button').click(); true")
    assert browser.wait("document.body.dataset.rank || ''") == "3"
    table = browser.js("[...document.querySelectorAll('#rank-table tbody tr')].map(r => [...r.cells].slice(2, 5)"
                       ".map(c => c.textContent))")
    assert table == [["11", "0.3%", "4,201"], ["0", "0.0%", "1,000"], ["-2", "-0.3%", "1,000"]]
    saved = _download(browser, "rank-csv", tmp_path / "downloads")
    with saved.open(newline="") as f:
        rows = list(csv.reader(f))[1:]
    assert [[f"{int(r[2]):,}", f"{r[3]}%", f"{int(r[4]):,}"] for r in rows] == table
    browser.js("1")
    assert browser.errors == []


def test_a_gain_shown_as_0_draws_no_bar(base: str, browser: Browser):
    # a gain that rounds to 0 drew a red loss bar (-0.4) or a green gain bar (0.3) beside the figure "0"
    _use_token(browser, base)
    _stub_rank(browser, [(1, 100.0, 1.0, 10000.0), (2, 0.3, 0.0, 1000.0), (3, 0.0, 0.0, 1000.0),
                         (4, -0.4, -0.04, 1000.0), (5, -0.6, -0.06, 1000.0), (6, -50.0, -5.0, 1000.0)])
    browser.js("document.getElementById('tab-rank').click(); document.querySelector('#rank-form button').click(); true")
    assert browser.wait("document.body.dataset.rank || ''") == "6"
    bars = browser.js("[...document.querySelectorAll('#rank-table tbody tr')].map(r => [r.cells[2].textContent,"
                      " [...r.querySelectorAll('.bar-col rect')].map(b => b.getAttribute('class')).join(' ')])")
    assert bars == [["100", "gain-bar"], ["0", ""], ["0", ""], ["0", ""], ["-1", "loss-bar"], ["-50", "loss-bar"]]
    browser.js("1")
    assert browser.errors == []


def test_every_ranking_column_has_a_name_for_screen_readers(base: str, browser: Browser):
    # the bar column's header was empty: a screen reader announced that column with no name at all
    browser.open(f"{base}/")
    browser.wait(f"({_STATUS}).includes('API token')")
    browser.js("document.getElementById('tab-rank').click(); true")
    browser.send("Accessibility.enable")
    names = []
    for k in range(browser.js("document.querySelectorAll('#rank-table thead th').length")):
        found = browser.send("Runtime.evaluate", expression=f"document.querySelectorAll('#rank-table thead th')[{k}]")
        tree = browser.send("Accessibility.getPartialAXTree", objectId=found["result"]["objectId"],
                            fetchRelatives=False)
        names.append(tree["nodes"][0].get("name", {}).get("value", ""))
    assert names == ["#", "Store", "Gain", "Gain %", "Usual total", "Week of", "Gain as a bar"]
    # and the bar's name is for screen readers only: the header row looks as before
    size = "(() => { const r = document.querySelector('#rank-table th.bar-col span').getBoundingClientRect();" \
           " return r.width * r.height; })()"
    assert browser.js(size) <= 1


_SAID = "[document.getElementById('status').textContent, document.getElementById('status').classList.contains('error')]"


def test_an_error_on_the_plan_view_stays_across_a_tab_switch(base: str, browser: Browser):
    # going to the ranking and back wiped the plan view's error: "Nothing changed: no answer from the
    # server..." was gone, though nothing had been asked again since
    seen = _use_token(browser, base)
    browser.js("window.realFetch = window.fetch;"
               "window.fetch = () => Promise.reject(new TypeError('Failed to fetch')); true")
    browser.js(f"{_FREE_WEEK}.click(); true")
    said = browser.wait(f"document.getElementById('status').classList.contains('error') && {_STATUS}")
    assert said.startswith("Nothing changed: no answer from the server."), said
    browser.js("document.getElementById('tab-rank').click(); true")
    assert browser.js(_SAID) == ["", False]  # the ranking's own line: nothing ranked yet
    browser.js("document.getElementById('tab-plan').click(); true")
    assert browser.js(_SAID) == [said, True]
    browser.js("document.getElementById('tab-plan').focus(); true")
    _press(browser, "ArrowRight")  # from the keyboard too
    _press(browser, "ArrowLeft")
    assert browser.js(_SAID) == [said, True]

    browser.js("window.fetch = window.realFetch; document.getElementById('days').value = '500';"
               "document.querySelector('#plan-form button[type=submit]').click(); true")  # refused on the page
    bad = browser.js(_SAID)
    assert bad[0].startswith("Days: ") and bad[1]
    browser.js("document.getElementById('tab-rank').click(); document.getElementById('tab-plan').click(); true")
    assert browser.js(_SAID) == bad
    browser.js("document.getElementById('days').value = '42';"
               "document.querySelector('#plan-form button[type=submit]').click(); true")
    _after(browser, seen)  # the next request replaces it
    assert browser.js(_SAID) == ["", False]
    browser.js("1")
    assert [e for e in browser.errors if "Failed to fetch" not in e] == []
