"""The planner page used as an analyst uses it, in headless Chromium: a server that was down when the page
loaded, a 92-day chart on a phone, colours a low-vision reader can tell apart, and a week pressed while
another store was loading. Each test names what the user saw before its fix.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import httpx
import pytest
from cdp_client import Browser
from test_planner_page import (
    _FREE_WEEK,
    _PLAN,
    _STATUS,
    _TOTAL,
    TOKEN,
    _after,
    _download,
    _set,
    _stub_rank,
    _type,
    _use_token,
    base,
    browser,
    chromium,
)

pytestmark = [pytest.mark.browser, pytest.mark.server]
__all__ = ["base", "browser", "chromium"]  # the server and browser fixtures, shared with test_planner_page

_FORECAST = "document.querySelector('#plan-form button[type=submit]').click(); true"


def _open_with_the_server_down(browser: Browser, base: str) -> None:
    """Open the page with its token while every request fails as with no server; ``window.down = false`` ends it."""
    browser.open(f"{base}/")
    browser.wait(f"({_STATUS}).includes('API token')")
    browser.js(f"sessionStorage.setItem('storecast-token', '{TOKEN}'); true")
    browser.send("Page.addScriptToEvaluateOnNewDocument",
                 source="window.down = true; const real = window.fetch;"
                        "window.fetch = (...a) => window.down ? Promise.reject(new TypeError('Failed to fetch'))"
                        " : real(...a);")
    browser.open(f"{base}/")
    said = browser.wait(f"document.getElementById('status').classList.contains('error') && {_STATUS}")
    assert said.startswith("No answer from the server. Try again in a moment"), said
    browser.js("window.down = false; 1")  # the server is back
    browser.errors.clear()


@pytest.mark.parametrize("view", ["plan", "rank"])
def test_trying_again_once_the_server_is_back_reads_the_model_first(base: str, browser: Browser, view: str):
    # the page said "Try again in a moment", but the model had never been read: an empty store list and no
    # dates, so Forecast (or Rank stores) said "From: Please fill out this field." and only a reload helped
    _open_with_the_server_down(browser, base)
    if view == "plan":
        browser.js(_FORECAST)
        browser.wait(_PLAN)
        assert browser.js("document.getElementById('chart-title').textContent").startswith("Store 1:")
    else:
        browser.js("document.getElementById('tab-rank').click(); document.getElementById('rank-submit').click(); true")
        assert int(browser.wait("document.body.dataset.rank || ''")) > 0
    assert browser.js("document.getElementById('model-name').textContent").startswith("model storecast-lgbm-")
    assert browser.js("document.querySelectorAll('#store option').length") > 1
    assert not browser.js("document.getElementById('status').classList.contains('error')"), browser.js(_STATUS)
    browser.js("1")
    assert browser.errors == []


def test_trying_again_while_the_server_is_still_down_says_so_again(base: str, browser: Browser):
    _open_with_the_server_down(browser, base)
    browser.js("window.down = true; document.getElementById('status').textContent = ''; true")
    browser.js(_FORECAST)
    said = browser.wait(f"document.getElementById('status').classList.contains('error') && {_STATUS}")
    assert said.startswith("No answer from the server."), said  # not "From: Please fill out this field."
    assert browser.js("document.getElementById('usual-total').textContent") == "–"


# the x axis's day labels: [left, right] of each on screen, and the chart's own box
_X_LABELS = ("[...document.querySelectorAll('#chart svg text.x-tick')].map(t => { const r = t.getBoundingClientRect();"
             " return [r.left, r.right]; })")
_SVG_BOX = ("(() => { const r = document.querySelector('#chart svg').getBoundingClientRect();"
            " return [r.left, r.right]; })()")
_MONDAYS = ("[...document.querySelectorAll('#chart svg line.grid')]"
            ".filter(g => g.getAttribute('x1') === g.getAttribute('x2')).length")  # a vertical line each Monday


def test_the_day_labels_under_a_long_chart_on_a_phone_do_not_overlap(base: str, browser: Browser):
    # 92 days at 360 px labelled all 13 Mondays, about 20 px apart: "5 Jan12 Jan19 Jan26 Jan2 Feb..." ran
    # into one unreadable line
    seen = _use_token(browser, base)
    # a wide window labels every Monday, as before
    assert len(browser.js(_X_LABELS)) == browser.js(_MONDAYS) >= 6
    browser.send("Emulation.setDeviceMetricsOverride", width=360, height=740, deviceScaleFactor=1, mobile=True)
    _set(browser, days="92")
    browser.js(_FORECAST)
    _after(browser, seen)
    browser.wait("document.querySelector('#chart svg').getAttribute('width') <= 360")
    boxes, (left, right) = browser.js(_X_LABELS), browser.js(_SVG_BOX)
    assert len(boxes) >= 4, boxes  # still a date every few weeks
    assert all(a[1] + 4 <= b[0] for a, b in zip(boxes, boxes[1:], strict=False)), boxes
    assert left <= boxes[0][0] and boxes[-1][1] <= right, (boxes, left, right)  # none cut at the chart's edge
    years = browser.js("[...document.querySelectorAll('#chart svg text.year')].map(t => t.textContent)")
    assert years == ["2015"], years  # still under the first label
    browser.js("1")
    assert browser.errors == []


# WCAG 2.1 contrast of two computed CSS colours ("rgb(r, g, b)"), and of each shown control: its text on
# its own background (or the first painted one behind it) and its border on the page
_CONTRAST = """
(() => {
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  const lum = (c) => { const v = rgb(c).slice(0, 3).map((x) => { x /= 255;
    return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const behind = (el) => { for (let n = el; n; n = n.parentElement) {
    const c = getComputedStyle(n).backgroundColor; if (rgb(c)[3] !== 0) return c; } return 'rgb(255, 255, 255)'; };
  const out = [];
  for (const el of document.querySelectorAll('button, input, select')) {
    if (el.disabled || el.hidden || el.type === 'range' || !el.getClientRects().length) continue;
    const s = getComputedStyle(el), name = el.id || el.getAttribute('aria-label') || el.textContent.trim();
    out.push([name, 'text', +ratio(s.color, behind(el)).toFixed(2)]);
    const edge = ratio(s.borderTopColor, behind(el.parentElement));
    if (el.tagName !== 'BUTTON') out.push([name, 'border', +edge.toFixed(2)]);
  }
  return out;
})()
"""


def test_every_control_is_readable_at_wcag_contrast(base: str, browser: Browser):
    # the "on" promo buttons were white on orange (2.68:1; AA asks 4.5:1 for text), and the borders of the
    # date, number and store boxes #d9dee3 on white (1.35:1; 3:1 for a control's edge): the boxes hardly
    # showed where to type
    _use_token(browser, base)
    assert browser.js("document.querySelectorAll('#weeks button.toggle.promo.on').length") > 0
    found = browser.js(_CONTRAST)
    assert {name for name, _, _ in found} >= {"store", "start", "days", "token", "tab-plan", "reset"}
    low = [(name, what, r) for name, what, r in found if r < (4.5 if what == "text" else 3.0)]
    assert low == [], low


def test_a_week_pressed_while_another_store_loads_leaves_the_store_list_on_the_store_shown(
        base: str, browser: Browser):
    # store 2 chosen, and a week of store 1's table (still on screen) pressed before store 2's plan came:
    # store 1's scenario was drawn, the store list still said 2, and the CSV and chart were of store 1
    seen = _use_token(browser, base)
    browser.js("window.realFetch = window.fetch; window.asked = [];"
               "window.fetch = async (path, init) => { const body = JSON.parse(init && init.body || '{}');"
               " window.asked.push(body.store);"
               " if (body.store === 2 && !body.promo_days) await new Promise((r) => setTimeout(r, 1500));"
               " return window.realFetch(path, init); }; true")
    browser.js("document.getElementById('store').value = '2';"
               "document.getElementById('store').dispatchEvent(new Event('change')); true")
    browser.wait("window.asked.includes(2)")  # store 2's plan is on its way
    browser.js(f"{_FREE_WEEK}.click(); true")
    _after(browser, seen)
    title = browser.js("document.getElementById('chart-title').textContent")
    store = browser.js("document.getElementById('store').value")
    assert title.startswith(f"Store {store}:"), (store, title)
    browser.js("1")
    assert browser.errors == []


_NOTE = "[document.getElementById('plan-stale').hidden, document.getElementById('plan-stale').textContent]"


def test_a_plan_of_an_earlier_period_says_so_until_forecast_is_pressed(base: str, browser: Browser):
    # Days typed as 14 without Forecast: the cards still showed the 42-day totals (and the CSV held 42 days)
    # under a Days box saying 14, with nothing saying they were of the earlier period; the ranking view says so
    seen = _use_token(browser, base)
    start = browser.js("document.getElementById('start').value")
    browser.js("document.getElementById('days').focus(); document.getElementById('days').select(); true")
    _type(browser, "14")
    hidden, note = browser.js(_NOTE)
    assert not hidden and note.startswith("Showing store 1 for ") and note.endswith(
        "(42 days); press Forecast to update."), note
    assert browser.js("document.querySelector('.totals').classList.contains('stale')")
    browser.js("document.getElementById('days').select(); true")
    _type(browser, "42")  # the period shown again: no note
    assert browser.js(_NOTE) == [True, ""]
    _set(browser, days="14")
    browser.js("document.getElementById('days').dispatchEvent(new Event('input')); true")
    assert not browser.js(_NOTE)[0]
    browser.js(_FORECAST)
    _after(browser, seen)
    assert browser.js(_NOTE) == [True, ""]
    assert not browser.js("document.querySelector('.totals').classList.contains('stale')")
    assert browser.js("document.getElementById('start').value") == start
    browser.js("1")
    assert browser.errors == []


def test_a_week_pressed_on_a_slow_server_shows_at_once_that_it_took(base: str, browser: Browser):
    # with a slow answer nothing moved where the week was pressed (the "forecasting…" line sits a screen above
    # on a phone): the button still said "off", and a second press to make it take undid the first
    seen = _use_token(browser, base)
    browser.js("window.realFetch = window.fetch; window.fetch = async (path, init) => {"
               " await new Promise((r) => setTimeout(r, 1500)); return window.realFetch(path, init); }; true")
    label = browser.js(f"{_FREE_WEEK}.getAttribute('aria-label')")
    button = f"[...document.querySelectorAll('#weeks button')].find(b => b.getAttribute('aria-label') === '{label}')"
    browser.js(f"{button}.click(); true")
    # before the answer: the button is on, and the figures it will change are marked as being worked out
    assert browser.js(f"[{button}.getAttribute('aria-pressed'), {button}.textContent]") == ["true", "on"]
    assert browser.js("[document.getElementById('weeks').getAttribute('aria-busy'),"
                      " document.querySelector('.totals').getAttribute('aria-busy')]") == ["true", "true"]
    assert browser.js(_PLAN) == seen
    seen = _after(browser, seen)
    assert browser.js(f"{button}.getAttribute('aria-pressed')") == "true"
    assert browser.js("document.getElementById('weeks').getAttribute('aria-busy')") == "false"
    # no answer: the button goes back to what the plan on screen has
    browser.js("window.fetch = () => Promise.reject(new TypeError('Failed to fetch')); true")
    browser.js(f"{button}.click(); true")
    browser.wait(f"({_STATUS}).startsWith('Nothing changed')")
    assert browser.js(f"{button}.getAttribute('aria-pressed')") == "true"
    assert browser.js("document.getElementById('weeks').getAttribute('aria-busy')") == "false"
    browser.js("1")
    assert [e for e in browser.errors if "Failed to fetch" not in e] == []


def _described(browser: Browser, element_id: str) -> list[str]:
    """[invalid, description] of an element as a screen reader gets them (Chromium's accessibility tree)."""
    browser.send("Accessibility.enable")
    found = browser.send("Runtime.evaluate", expression=f"document.getElementById('{element_id}')")
    node = browser.send("Accessibility.getPartialAXTree", objectId=found["result"]["objectId"],
                        fetchRelatives=False)["nodes"][0]
    invalid = next((p["value"]["value"] for p in node.get("properties", []) if p["name"] == "invalid"), "false")
    return [invalid, node.get("description", {}).get("value", "")]


def test_a_field_refused_on_the_page_is_described_by_its_message(base: str, browser: Browser):
    # the focus went to the refused box, but a screen reader announced only its name, value and "invalid"
    # there: the message sat in the polite status line, tied to no field, read later or not at all
    seen = _use_token(browser, base)
    _set(browser, days="500")
    browser.js(_FORECAST)
    said = browser.wait(f"({_STATUS}).startsWith('Days: ') && {_STATUS}")
    assert browser.js("document.activeElement.id") == "days"
    assert _described(browser, "days") == ["true", said]
    _set(browser, days="42")
    browser.js(_FORECAST)
    _after(browser, seen)
    assert _described(browser, "days") == ["false", ""]


def test_a_proxy_error_without_a_reason_says_what_to_do(base: str, browser: Browser):
    # a proxy's 502 page (HTML, no JSON detail) read "The server could not answer (HTTP 502): the server
    # answered 502 with no reason given": the status twice, and nothing to do about it
    seen = _use_token(browser, base)
    browser.js("window.realFetch = window.fetch; window.fetch = (path, init) => path === '/plan'"
               " ? Promise.resolve(new Response('<html>Bad gateway</html>', {status: 502}))"
               " : window.realFetch(path, init); true")
    browser.js(_FORECAST)
    said = browser.wait(f"document.getElementById('status').classList.contains('error') && {_STATUS}")
    assert said == ("The server could not answer (HTTP 502, no reason given). Try again in a moment; if this goes "
                    "on, ask whoever runs the planner's server."), said
    # a reason the server gave is still shown as it came
    browser.js("window.fetch = (path, init) => path === '/plan' ? Promise.resolve(new Response("
               "JSON.stringify({detail: 'the model file went bad'}), {status: 503})) : window.realFetch(path, init);"
               " true")
    browser.js(f"document.getElementById('status').textContent = ''; {_FORECAST}")
    assert browser.wait(f"({_STATUS}).includes('went bad') && {_STATUS}") == (
        "The server could not answer (HTTP 503): the model file went bad")
    assert browser.js(_PLAN) == seen


def test_a_ranked_store_clicked_twice_opens_that_store(base: str, browser: Browser):
    # a double click on "Store 3" in the ranking: the first click's plan was overtaken by the second's, but it
    # went on with the store shown before (store 1): store 1's plan came up with store 3's ranked week
    # switched on, under "Store 3: its usual plan with the ranked extra promo week ... switched on"
    _use_token(browser, base)
    browser.js("document.getElementById('tab-rank').click(); document.getElementById('rank-submit').click(); true")
    browser.wait("document.body.dataset.rank || ''")
    store = browser.js("document.querySelector('#rank-table tbody tr:first-child button.link').textContent")
    assert store != "Store 1"  # the store shown before is another
    browser.js("window.realFetch = window.fetch; window.fetch = async (path, init) => {"
               " await new Promise((r) => setTimeout(r, 400)); return window.realFetch(path, init); };"
               "const link = document.querySelector('#rank-table tbody tr:first-child button.link');"
               "link.click(); link.click(); true")
    said = browser.wait(f"({_STATUS}).includes('switched on') && {_STATUS}")
    assert said.startswith(f"{store}: its usual plan with the ranked extra promo week of "), said
    assert browser.js("document.getElementById('chart-title').textContent").startswith(f"{store}:")
    assert "Store " + browser.js("document.getElementById('store').value") == store
    assert browser.js(_TOTAL) != browser.js("document.getElementById('usual-total').textContent")
    browser.js("1")
    assert browser.errors == []


_ERROR = f"document.getElementById('status').classList.contains('error') && {_STATUS}"


def test_a_page_answering_in_place_of_the_planner_says_so(base: str, browser: Browser):
    # a proxy's or sign-in page's HTML answering 200 was read as `{}`, and the page said "This page failed
    # (Cannot read properties of undefined (reading 'days')): reload it and try again", blaming itself
    seen = _use_token(browser, base)
    browser.js("window.realFetch = window.fetch; window.fetch = (path, init) => path === '/plan'"
               " ? Promise.resolve(new Response('<html><form>Sign in</form></html>',"
               " {status: 200, headers: {'Content-Type': 'text/html'}})) : window.realFetch(path, init); true")
    foreign = ("the server, or something in front of it (a proxy or a sign-in page), answered (HTTP 200) with "
               "something that is not the planner's answer. Reload this page and sign in if it asks; if this goes "
               "on, ask whoever runs the planner's server.")
    browser.js(f"{_FREE_WEEK}.click(); true")  # a week pressed: the plan on screen stays
    assert browser.wait(_ERROR) == "Nothing changed: " + foreign
    assert browser.js(_PLAN) == seen and browser.js("document.getElementById('usual-total').textContent") != "–"
    browser.js(f"document.getElementById('status').textContent = ''; {_FORECAST}")
    assert browser.wait(_ERROR) == foreign[0].upper() + foreign[1:]
    browser.js("1")
    assert browser.errors == []


# setTimeout records each delay asked and runs the planner's 60 s one in 0.3 s; POST /plan never answers, as
# a hung server (it gives up only when the page cancels it)
_HANG_PLAN = ("window.delays = []; const realTimeout = window.setTimeout;"
              "window.setTimeout = (f, ms, ...a) => { window.delays.push(ms);"
              " return realTimeout(f, ms === 60000 ? 300 : ms, ...a); };"
              "window.realFetch = window.fetch; window.fetch = (path, init) => path !== '/plan'"
              " ? window.realFetch(path, init) : new Promise((_, reject) => init.signal?.addEventListener('abort',"
              " () => reject(new DOMException('The operation was aborted.', 'AbortError')))); true")


def test_a_server_that_never_answers_is_given_up_after_a_minute(base: str, browser: Browser):
    # a hung server (or a proxy holding the connection) left "forecasting…" on screen for good, the figures
    # greyed as being worked out
    seen = _use_token(browser, base)
    browser.js(_HANG_PLAN)
    browser.js(f"{_FREE_WEEK}.click(); true")
    said = browser.wait(_ERROR, timeout=10)
    assert said == ("Nothing changed: no answer from the server within 60 seconds. It may be busy with other plans: "
                    "try again in a moment; if this goes on, ask whoever runs the planner's server."), said
    assert 60000 in browser.js("window.delays")  # the minute docs/planner.md gives
    assert browser.js("document.getElementById('weeks').getAttribute('aria-busy')") == "false"
    assert browser.js(_PLAN) == seen
    browser.js("1")
    assert browser.errors == []


# every POST /plan sent: its store, and its signal (to see which were cancelled), each held 0.4 s on its way
_SLOW_PLANS = ("window.sent = []; window.signals = []; window.realFetch = window.fetch;"
               "window.fetch = async (path, init) => { if (path === '/plan') {"
               " window.sent.push(JSON.parse(init.body).store); window.signals.push(init.signal);"
               " await new Promise((r) => setTimeout(r, 400)); } return window.realFetch(path, init); }; true")


def test_forecast_pressed_twice_asks_once_and_a_newer_plan_cancels_the_older(base: str, browser: Browser):
    # a double click on Forecast sent two identical POST /plan: the server plans one job at a time, so the
    # answer waited for the same plan twice; and a plan overtaken by another was still waited for
    seen = _use_token(browser, base)
    browser.js(_SLOW_PLANS)
    browser.js(f"{_FORECAST}; {_FORECAST}")
    seen = _after(browser, seen)
    assert browser.js("window.sent") == [1]
    stores = browser.js("[...document.querySelectorAll('#store option')].slice(1, 3).map(o => o.value)")
    browser.js("window.sent = []; window.signals = [];"
               + "".join(f"document.getElementById('store').value = '{s}'; {_FORECAST};" for s in stores) + "true")
    _after(browser, seen)
    assert browser.js("window.sent") == [int(s) for s in stores]
    assert browser.js("window.signals.map((s) => Boolean(s && s.aborted))") == [True, False]
    assert browser.js("document.getElementById('chart-title').textContent").startswith(f"Store {stores[1]}:")
    assert not browser.js("document.getElementById('status').classList.contains('error')"), browser.js(_STATUS)
    browser.js("1")
    assert browser.errors == []


def test_a_field_the_server_refuses_is_described_by_its_message(base: str, browser: Browser):
    # "From (start): the period ... runs past 2099-12-31" named the box on the status line only: a screen
    # reader on the box heard it as valid, with no message, unlike a box the page refuses itself
    seen = _use_token(browser, base)
    start = browser.js("document.getElementById('start').value")
    _set(browser, start="2099-12-01")
    browser.js(_FORECAST)
    said = browser.wait(f"({_STATUS}).startsWith('From (start): ') && {_STATUS}")
    assert browser.js("document.activeElement.id") == "start"
    assert _described(browser, "start") == ["true", said]
    assert _described(browser, "days") == ["false", ""]
    _set(browser, start=start)
    browser.js(_FORECAST)
    _after(browser, seen)
    assert _described(browser, "start") == ["false", ""]
    browser.js("document.getElementById('tab-rank').click(); true")
    _set(browser, rank_start="2099-12-01")
    browser.js("document.getElementById('rank-submit').click(); true")
    said = browser.wait(f"({_STATUS}).startsWith('From (start): ') && {_STATUS}")
    assert browser.js("document.activeElement.id") == "rank-start"
    assert _described(browser, "rank-start") == ["true", said]
    _set(browser, rank_start=start)  # typed again: no longer the date refused
    browser.js("document.getElementById('rank-start').dispatchEvent(new Event('input')); true")
    assert _described(browser, "rank-start") == ["false", ""]
    browser.js("1")
    assert [e for e in browser.errors if "422" not in e] == []


_HORIZON_NOTE = "document.getElementById('horizon-note').textContent"


def test_a_plan_reaching_before_the_training_data_says_so_under_the_chart(base: str, browser: Browser):
    # the note named only days past the horizon: a plan starting before the first day the model was trained
    # on showed no note at all, though /plan counted those days in `before_training`
    said = httpx.post(f"{base}/plan", json={"store": 1, "start": "2015-07-01", "days": 7},
                      headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30).json()
    first = dt.date.fromisoformat(said["training_start"])
    seen = _use_token(browser, base)
    assert browser.js(_HORIZON_NOTE) == ""  # the first plan lies inside the training data
    _set(browser, start=(first - dt.timedelta(days=3)).isoformat(), days="7")
    browser.js(_FORECAST)
    _after(browser, seen)
    note = browser.js(_HORIZON_NOTE)
    assert note.startswith(f"Days before {first} (the first day of the training data)"), note
    assert "Bands after" not in note  # the plan's last day is inside the calibrated days
    browser.js("1")
    assert browser.errors == []


_RANK_NOTE = "document.getElementById('rank-horizon-note').textContent"


def _rank(browser: Browser, start: str, days: int) -> str:
    """Rank ``days`` from ``start`` in the ranking view; the note above its table once the answer is drawn."""
    browser.js("delete document.body.dataset.rank; document.getElementById('tab-rank').click(); true")
    _set(browser, rank_start=start, rank_days=str(days))
    browser.js("document.getElementById('rank-submit').click(); true")
    browser.wait("document.body.dataset.rank || ''")
    return browser.js(_RANK_NOTE)


def test_the_ranking_says_when_its_period_lies_before_the_training_data_or_past_the_horizon(base: str,
                                                                                           browser: Browser):
    # the plan view said so under its chart, the ranking said nothing, though /plan/rank counts those days in
    # `before_training` and `beyond_horizon` and its gains there come from forecasts never checked against sales
    said = httpx.post(f"{base}/plan/rank", json={"start": "2015-01-05", "days": 28},
                      headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30).json()
    first = dt.date.fromisoformat(said["training_start"])
    calibrated = dt.date.fromisoformat(said["calibrated_through"])
    seen = _use_token(browser, base)
    assert _rank(browser, (first + dt.timedelta(days=30)).isoformat(), 28) == ""  # inside both: no note
    assert _rank(browser, (calibrated - dt.timedelta(days=6)).isoformat(), 28) == (
        f"Gains from days after {calibrated} (training end + the days its bands were calibrated on) were never "
        "checked against sales: read them as rougher.")
    before = (first - dt.timedelta(days=3)).isoformat()
    note = _rank(browser, before, 28)
    # in the plan view's words: the same period planned says the same but for what to read as rougher
    browser.js("document.getElementById('tab-plan').click(); true")
    _set(browser, start=before, days="28")
    browser.js(_FORECAST)
    _after(browser, seen)
    planned = browser.js(_HORIZON_NOTE)
    assert planned.startswith(f"Days before {first} (the first day of the training data)"), planned
    assert note == planned.replace("their forecasts and bands", "their gains"), (note, planned)
    browser.js("1")
    assert browser.errors == []


def test_the_figures_are_written_the_way_the_browsers_language_writes_numbers(base: str, browser: Browser,
                                                                              tmp_path: Path):
    # every figure was written en-US whatever the reader's language: a German reader saw a total of "52,797"
    # (52.797 is about 53 in German) and "0.3%"; the CSV files keep one format for every reader
    browser.send("Emulation.setLocaleOverride", locale="de-DE")
    _use_token(browser, base)
    total = browser.js("document.getElementById('usual-total').textContent")
    assert re.fullmatch(r"\d{1,3}(\.\d{3})+", total), total
    # and the dates and the chart's axis: a German reader saw "29 Dec 2014", "Mon 5 Jan 2015" and "15k" (the
    # English "k" added to German numbers), now "29. Dez. 2014", "Mo., 5. Jan. 2015" and "15.000"
    labels = browser.js("[...document.querySelectorAll('#weeks tbody tr td:first-child')].map(t => t.textContent)")
    german = r"\d{1,2}\. (Jan|Feb|März|Apr|Mai|Juni|Juli|Aug|Sept|Okt|Nov|Dez)\.?"
    assert labels and all(re.fullmatch(german + r"( \d{4})?( \(\d d\))?", w) for w in labels), labels
    ticks = browser.js("[...document.querySelectorAll('#chart svg text.y-tick')].map(t => t.textContent)")
    assert len(ticks) >= 3 and all(re.fullmatch(r"\d{1,3}(\.\d{3})*", v) for v in ticks), ticks
    browser.js("const s = document.getElementById('chart-days'); s.value = '2'; s.dispatchEvent(new Event('input'));"
               " true")
    day = browser.js("document.getElementById('chart-day').textContent")
    assert re.match(r"(Mo|Di|Mi|Do|Fr|Sa|So)\., " + german + r" \d{4}: usual ", day), day
    with _download(browser, "plan-csv", tmp_path / "days").open(newline="") as f:
        days = list(csv.reader(f))[1:]  # the file's dates stay ISO, its weekdays English
    english = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
    assert days and all(re.fullmatch(r"\d{4}-\d\d-\d\d", d[1]) and d[2] in english for d in days), days[:3]
    assert browser.js("document.getElementById('level-inner').textContent") == "80\u00a0%"
    weeks = browser.js("[...document.querySelectorAll('#weeks tbody td.num')].map(c => c.textContent)")
    assert weeks and all(re.fullmatch(r"\d{1,3}(\.\d{3})*", w) for w in weeks), weeks
    seen = browser.js(_PLAN)
    browser.js(f"{_FREE_WEEK}.click(); true")
    _after(browser, seen)
    difference = browser.js("document.getElementById('difference-total').textContent")
    assert re.fullmatch(r"[+−]\d{1,3}(\.\d{3})* \([+−]\d+,\d\u00a0%\)", difference), difference
    browser.js("document.getElementById('tab-rank').click(); true")
    _stub_rank(browser, [(1, 1234.5, 0.25, 42000.5), (2, -2.5, -1.25, 1000.0)])
    browser.js("document.getElementById('rank-submit').click(); true")
    assert browser.wait("document.body.dataset.rank || ''") == "2"
    table = browser.js("[...document.querySelectorAll('#rank-table tbody tr')].map(r => [...r.cells].slice(2, 5)"
                       ".map(c => c.textContent))")
    assert table == [["1.235", "0,3\u00a0%", "42.001"], ["-2", "-1,3\u00a0%", "1.000"]]
    with _download(browser, "rank-csv", tmp_path / "downloads").open(newline="") as f:
        assert [row[2:5] for row in csv.reader(f)][1:] == [["1235", "0.3", "42001"], ["-2", "-1.3", "1000"]]
    browser.js("1")
    assert browser.errors == []


def _busy_plans(browser: Browser, refused: int) -> None:
    """Answer the next ``refused`` POSTs to /plan as the full planning queue does (503, ``Retry-After: 1``); count
    every /plan asked in ``window.asked``."""
    browser.js(f"window.asked = 0; window.refused = {refused}; const real = window.fetch;"
               "window.fetch = (path, init) => { if (path !== '/plan') return real(path, init); window.asked++;"
               " return window.refused-- > 0 ? Promise.resolve(new Response(JSON.stringify({detail: 'the server is "
               "already planning 4 requests, as many as it queues: retry in a moment'}), {status: 503, headers: "
               "{'Content-Type': 'application/json', 'Retry-After': '1'}})) : real(path, init); }; true")


def test_a_busy_server_is_asked_again_once_after_its_retry_after(base: str, browser: Browser):
    # a full planning queue's 503 read "The server could not answer (HTTP 503): the server is already planning 4
    # requests...", and nothing was asked again, though the server had said to retry in 2 seconds
    seen = _use_token(browser, base)
    _busy_plans(browser, 1)
    browser.js(_FORECAST)
    said = browser.wait(f"({_STATUS}).startsWith('The server is busy') && {_STATUS}")
    assert said == "The server is busy with other requests: asking again in 1 second…"
    _after(browser, seen)
    assert browser.js("window.asked") == 2
    assert not browser.js("document.getElementById('status').classList.contains('error')"), browser.js(_STATUS)


def test_a_server_still_busy_when_asked_again_says_to_try_again(base: str, browser: Browser):
    _use_token(browser, base)
    _busy_plans(browser, 5)
    browser.js(_FORECAST)
    said = browser.wait(f"document.getElementById('status').classList.contains('error') && {_STATUS}")
    assert said == ("The server is busy with other requests, and was still busy when asked again 1 second later: "
                    "try again in a moment; if this goes on, ask whoever runs the planner's server.")
    assert browser.js("window.asked") == 2  # asked again once, not in a loop


def _not_ready_answer() -> tuple[str, str]:
    """The API's own 503 to a request that comes before the model has loaded: its body and its Retry-After."""
    from fastapi.testclient import TestClient

    from storecast.api import create_app
    from storecast.config import Settings

    app = create_app(Settings(model_path=None, api_token=None))
    r = TestClient(app).post("/plan", json={"store": 1, "start": "2015-08-01"})  # no `with`: no lifespan, no model
    assert r.status_code == 503
    return r.text, r.headers["Retry-After"]


def test_a_server_still_loading_its_model_is_not_called_busy(base: str, browser: Browser):
    # the 503 of a server whose model had not loaded yet (Retry-After 5) read "The server is busy with other
    # requests", then "was still busy when asked again": words for a full planning queue, and the wrong thing to
    # tell whoever runs it
    body, wait = _not_ready_answer()
    _use_token(browser, base)
    browser.js(f"window.asked = 0; const real = window.fetch; window.fetch = (path, init) => {{ if (path !== '/plan')"
               f" return real(path, init); window.asked++; return Promise.resolve(new Response({body!r}, {{status: "
               f"503, headers: {{'Content-Type': 'application/json', 'Retry-After': '{wait}'}}}})); }}; true")
    browser.js(_FORECAST)
    said = browser.wait(f"({_STATUS}).startsWith('The server is') && {_STATUS}")
    assert said == f"The server is still loading its model: asking again in {wait} seconds…"
    said = browser.wait(f"document.getElementById('status').classList.contains('error') && {_STATUS}",
                        timeout=int(wait) + 10)
    assert said == (f"The server has not loaded its model yet, nor had it when asked again {wait} seconds later: try "
                    "again in a moment; if this goes on, ask whoever runs the planner's server.")
    assert browser.js("window.asked") == 2
    browser.js("1")
    assert browser.errors == []
