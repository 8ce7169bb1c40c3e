"""How the 422 names a field the schema does not know, and how it answers a method a path does not take."""

from __future__ import annotations

import json

import pytest
from api_helpers import row

JSON = {"content-type": "application/json"}


def _items(client, path: str, body: dict) -> list[dict]:
    r = client.post(path, content=json.dumps(body).encode(), headers=JSON)
    assert r.status_code == 422
    return r.json()["detail"]


@pytest.mark.parametrize(("path", "body", "field", "meant", "takes"), [
    ("/predict", {"Rows": [row()]}, "Rows", "rows", "rows"),
    ("/predict", {"rows": [{**row(), "STORE": 1}]}, "rows[0].STORE", "store",
     "id, store, date, open, promo, state_holiday, school_holiday"),
    ("/forecast", {"store": 1, "start": "2015-08-01", "Days": 3}, "Days", "days", "store, start, days, schedule"),
    ("/forecast", {"store": 1, "start": "2015-08-01", "schedule": [{"date": "2015-08-01", "Promo": 1}]},
     "schedule[0].Promo", "promo", "date, open, promo, state_holiday, school_holiday"),
    ("/plan/rank", {"start": "2015-08-01", "TOP": 3}, "TOP", "top", "start, days, top"),
])
def test_an_unknown_field_differing_only_in_case_names_the_field_meant(client, path, body, field, meant, takes):
    """Was pydantic's "Extra inputs are not permitted", which says neither what is taken nor that case matters."""
    item = next(i for i in _items(client, path, body) if i["type"] == "extra_forbidden")
    assert item["field"] == field
    assert item["msg"] == (f"unknown field {field.rsplit('.', 1)[-1]!r}: did you mean {meant!r}? (field names are "
                           f"case-sensitive); this object takes {takes}")


def test_an_unknown_field_lists_the_fields_taken(client):
    (item,) = _items(client, "/plan/rank", {"start": "2015-08-01", "rows": []})
    assert item["msg"] == "unknown field 'rows': this object takes start, days, top"


def test_a_very_long_unknown_key_is_clipped_not_echoed_whole(client):
    """A 500 kB key was echoed twice (loc and field): a 422 twice the size of the body."""
    key = "k" * 500_000
    r = client.post("/predict", content=json.dumps({"rows": [row()], key: 1}).encode(), headers=JSON)
    assert r.status_code == 422 and len(r.content) < 2_000
    (item,) = r.json()["detail"]
    clipped = "k" * 64 + "…"
    assert item["loc"] == ["body", clipped] and item["field"] == clipped
    assert item["msg"].startswith(f"unknown field {clipped!r}")


@pytest.mark.parametrize(("method", "path", "msg"), [
    ("PUT", "/forecast", "PUT is not allowed on /forecast: it takes POST"),
    ("DELETE", "/plan/rank", "DELETE is not allowed on /plan/rank: it takes POST"),
    ("OPTIONS", "/predict", "OPTIONS is not allowed on /predict: it takes POST"),
    ("PATCH", "/model", "PATCH is not allowed on /model: it takes GET, HEAD"),
    ("POST", "/health", "POST is not allowed on /health: it takes GET, HEAD"),
])
def test_a_405_names_the_methods_the_path_takes(client, method, path, msg):
    """Was "Method Not Allowed": the client had to find the Allow header to learn to use POST."""
    r = client.request(method, path)
    assert r.status_code == 405 and r.json() == {"detail": msg}
