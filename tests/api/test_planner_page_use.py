"""The planner page used as an analyst uses it, in headless Chromium: a server that was down when the page
loaded, a 92-day chart on a phone, colours a low-vision reader can tell apart, and a week pressed while
another store was loading. Each test names what the user saw before its fix.
"""

from __future__ import annotations

import pytest
from cdp_client import Browser
from test_planner_page import _PLAN, _STATUS, TOKEN, base, browser

pytestmark = [pytest.mark.browser, pytest.mark.server]
__all__ = ["base", "browser"]  # the server and browser fixtures, shared with test_planner_page

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

