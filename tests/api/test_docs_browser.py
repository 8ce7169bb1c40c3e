"""``/docs`` and ``/redoc`` in headless Chromium under their Content-Security-Policy: both draw, Swagger UI's "Try it
out" calls the API, ReDoc's search finds a route, and the browser refuses nothing the pages need.

The only refusal allowed is ReDoc's "API docs by Redocly" logo, which its script always asks from cdn.redoc.ly (and
hides when it does not load, as it does on a machine without internet): the policy keeps that request from leaving.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cdp_client import Browser

from browser_support import chromium_or_skip
from storecast.cli.server_process import running_server

pytestmark = [pytest.mark.browser, pytest.mark.server]

_REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@pytest.fixture(scope="module")
def base(model_path: Path) -> Iterator[str]:
    with running_server(model_path, timeout=120) as url:
        yield url


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    b = Browser(chromium_or_skip(), tmp_path / "profile")
    yield b
    b.close()


def test_swagger_ui_draws_and_tries_a_route_under_its_policy(base: str, browser: Browser):
    browser.open(f"{base}/docs")
    assert browser.wait("document.querySelectorAll('.opblock').length") >= 7  # every route of the description
    assert browser.js("getComputedStyle(document.querySelector('.opblock')).borderRadius") == "4px"  # its styles
    browser.js("document.querySelector('#operations-health-health_health_get .opblock-summary-control').click(); true")
    browser.wait("!!document.querySelector('#operations-health-health_health_get .try-out__btn')")
    browser.js("document.querySelector('#operations-health-health_health_get .try-out__btn').click(); true")
    browser.wait("!!document.querySelector('#operations-health-health_health_get .execute')")
    browser.js("document.querySelector('#operations-health-health_health_get .execute').click(); true")
    status = browser.wait("(document.querySelector('#operations-health-health_health_get .live-responses-table "
                          "tbody .response-col_status') || {}).textContent")
    assert status.strip() == "200"
    browser.js("1")  # drain the events so far
    assert browser.errors == []


def test_redoc_draws_and_searches_under_its_policy(base: str, browser: Browser):
    browser.open(f"{base}/redoc")
    assert browser.wait("document.querySelectorAll('[data-section-id]').length") >= 8
    # its own style sheets, written with the nonce: the side menu's background is ReDoc's grey, not the default
    menu = browser.js("getComputedStyle(document.querySelector('.menu-content')).backgroundColor")
    assert menu == "rgb(250, 250, 250)"
    browser.js("document.querySelector('input.search-input').focus(); true")
    for char in "forecast":
        browser.send("Input.dispatchKeyEvent", type="char", text=char)
    found = browser.wait("(document.querySelector('[data-role=\"search:results\"]') || {}).innerText")
    assert "Forecast" in found  # the search worker, built from a blob, ran
    time.sleep(0.5)
    browser.js("1")
    assert [e for e in browser.errors if _REDOCLY_LOGO not in e] == []
