"""One limit, ``storecast.errors.ECHO_LIMIT``, for the echo of a value a client sent, in every module that echoes one.

It was a literal 40 in five places (``api.errors``, ``api.http_rules``, ``api.schemas``, ``card``, ``config``), so
a change to one left the others behind. Each test sends a 100-character value to one of them and reads the echo.
"""

from __future__ import annotations

import pytest
from api_helpers import row

from storecast.card import card_problem
from storecast.config import load_settings
from storecast.errors import ECHO_LIMIT, StorecastError, quoted

LONG = "x" * 100


def test_api_errors_cut_a_string_sent_for_a_number_at_the_limit(client):
    r = client.post("/predict", json={"rows": [row(store=LONG)]})
    assert r.json()["detail"][0]["msg"].endswith(f"got the string '{'x' * ECHO_LIMIT}…")


def test_http_rules_cut_a_header_value_at_the_limit(client):
    r = client.post("/predict", json={"rows": [row()]}, headers={"content-encoding": LONG})
    assert r.status_code == 415 and r.json()["detail"].startswith(f"Content-Encoding '{'x' * ECHO_LIMIT}…'")


def test_schemas_cut_a_date_at_the_limit(client):
    r = client.post("/predict", json={"rows": [row(date=LONG)]})
    assert r.json()["detail"][0]["msg"].endswith(f"got '{'x' * ECHO_LIMIT}…")


def test_card_cuts_a_value_at_the_limit():
    said = card_problem({"kind": LONG, "created": "", "file": "", "sha256": "0" * 64, "versions": {}})
    assert said is not None and said.endswith(f'got "{"x" * (ECHO_LIMIT - 1)}')


def test_config_cuts_a_setting_at_the_limit():
    with pytest.raises(StorecastError) as caught:
        load_settings(port=LONG)
    assert str(caught.value).endswith(f"got '{'x' * (ECHO_LIMIT - 1)}…")


@pytest.mark.parametrize(("sent", "shown"), [
    ("ａ", "'ａ'"),  # a full-width letter: errors showed "\uff41", the date check 'ａ'
    ("1\x00", "'1\\x00'"),  # a control character stays an escape: a message must not carry it raw
    ("1\u2028", "'1\\u2028'"),  # a line separator too: it breaks the line a log or a terminal shows
])
def test_a_value_is_echoed_by_one_rule_by_the_field_checks_and_the_date_check(client, sent, shown):
    """`api.errors` (a string sent for a number) and `api.schemas` (a date) quote the value sent the same way."""
    r = client.post("/predict", json={"rows": [row(store=sent, date=sent)]})
    msgs = {item["field"]: item["msg"] for item in r.json()["detail"]}
    assert msgs["rows[0].store"].endswith(f"got the string {shown}"), msgs
    assert msgs["rows[0].date"].endswith(f"got {shown}"), msgs


def test_a_lone_surrogate_is_echoed_as_its_escape():
    # the body parser refuses one before any check reads it; the rule still must not put it raw in a message,
    # which could not then be encoded as UTF-8
    said = quoted("2015-08-0\ud800")
    assert said == "'2015-08-0\\ud800'" and said.encode("utf-8")


def test_a_string_inside_json_sent_for_a_date_is_echoed_by_the_same_rule(client):
    # a date sent as an array is shown as the JSON it came as: its strings showed "\uff41" there too
    r = client.post("/predict", json={"rows": [row(date=["ａ", "1\u2028"])]})
    assert r.json()["detail"][0]["msg"].endswith('got ["ａ", "1\\u2028"]'), r.text
