"""One limit, ``storecast.errors.ECHO_LIMIT``, for the echo of a value a client sent, in every module that echoes one.

It was a literal 40 in five places (``api.errors``, ``api.http_rules``, ``api.schemas``, ``card``, ``config``), so
a change to one left the others behind. Each test sends a 100-character value to one of them and reads the echo.
"""

from __future__ import annotations

import pytest
from api_helpers import row

from storecast.card import card_problem
from storecast.config import load_settings
from storecast.errors import ECHO_LIMIT, StorecastError

LONG = "x" * 100


def test_api_errors_cut_a_string_sent_for_a_number_at_the_limit(client):
    r = client.post("/predict", json={"rows": [row(store=LONG)]})
    assert r.json()["detail"][0]["msg"].endswith(f'got the string "{"x" * ECHO_LIMIT}…')


def test_http_rules_cut_a_header_value_at_the_limit(client):
    r = client.post("/predict", json={"rows": [row()]}, headers={"content-encoding": LONG})
    assert r.status_code == 415 and r.json()["detail"].startswith(f"Content-Encoding '{'x' * ECHO_LIMIT}…'")


def test_schemas_cut_a_date_at_the_limit(client):
    r = client.post("/predict", json={"rows": [row(date=LONG)]})
    assert r.json()["detail"][0]["msg"].endswith(f"got '{'x' * (ECHO_LIMIT - 2)}…")


def test_card_cuts_a_value_at_the_limit():
    said = card_problem({"kind": LONG, "created": "", "file": "", "sha256": "0" * 64, "versions": {}})
    assert said is not None and said.endswith(f'got "{"x" * (ECHO_LIMIT - 1)}')


def test_config_cuts_a_setting_at_the_limit():
    with pytest.raises(StorecastError) as caught:
        load_settings(port=LONG)
    assert str(caught.value).endswith(f"got '{'x' * (ECHO_LIMIT - 1)}…")
