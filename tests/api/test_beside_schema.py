"""A body that fails the schema also gets the route's own problems (repeats, unknown stores, the window) in the
same 422 (``api.beside``): a client fixing one error should not then meet the next."""

from __future__ import annotations

import logging

import pytest
from api_helpers import fields, row
from fastapi.testclient import TestClient

from storecast.api import create_app


@pytest.mark.parametrize(("rows", "expected"), [
    # the repeated id was named only once rows[2]'s date was fixed
    ([row(id=1), row(id=1, date="2015-08-04"), row(date="2015-02-30")], ["rows[1].id", "rows[2].date"]),
    # in the same row as a field error: the id itself is fine, so it is still compared
    ([row(id=1), row(id=1, date="2015-08-04", promo=2)], ["rows[1].promo", "rows[1].id"]),
    # a store and day listed twice, beside a number sent as text in another row
    ([row(id=1), row(id=2), row(id=3, date="2015-08-05", promo="1")], ["rows[1].date", "rows[2].promo"]),
    # an unknown store beside a bad field, and in a row whose date is refused
    ([row(store=5000), row(date="2015-08-04", open=None)], ["rows[0].store", "rows[1].open"]),
    ([row(store=5000, date="2015-8-3")], ["rows[0].store", "rows[0].date"]),
])
def test_a_predict_batch_names_its_repeats_and_unknown_stores_beside_its_field_errors(client, rows, expected):
    r = client.post("/predict", json={"rows": rows})
    assert r.status_code == 422
    assert sorted(fields(r)) == sorted(expected)


def test_the_problems_come_in_the_order_of_the_rows(client):
    rows = [row(id=7), row(id=7, date="2015-08-04"), row(date="2015-08-05", promo=None), row(id=7, date="2015-08-06")]
    detail = client.post("/predict", json={"rows": rows}).json()["detail"]
    assert [(i["field"], i["type"]) for i in detail] == [
        ("rows[1].id", "id_duplicate"), ("rows[2].promo", "int_type"), ("rows[3].id", "id_duplicate")]
    assert detail[0]["msg"] == "id 7 is also rows[0]: give each row its own id, or none"


@pytest.mark.parametrize(("rows", "expected"), [
    # a refused field is named once, by the schema, and not compared: "7" is no id and 2015-02-30 no date
    ([row(id=7), row(id="7", date="2015-08-04")], ["rows[1].id"]),
    ([row(date="2015-02-30"), row(date="2015-02-30")], ["rows[0].date", "rows[1].date"]),
])
def test_a_field_the_schema_refuses_is_not_compared_with_the_others(client, rows, expected):
    r = client.post("/predict", json={"rows": rows})
    assert fields(r) == expected
    assert {i["type"] for i in r.json()["detail"]}.isdisjoint({"id_duplicate", "row_duplicate"})


def test_a_batch_refused_whole_is_not_searched_for_repeats(client):
    r = client.post("/predict", json={"rows": [row(id=1)] * 10_001})
    assert [(i["field"], i["type"]) for i in r.json()["detail"]] == [("rows", "too_long")]


def test_a_batch_over_the_servers_limit_is_said_beside_a_field_error(settings):
    # the server's own cap (STORECAST_MAX_BATCH_ROWS) was said only once every row was right: the client fixed
    # rows it then had to split anyway; the rows of such a batch are not searched for repeats
    small = settings.model_copy(update={"max_batch_rows": 3})
    with TestClient(create_app(small)) as c:
        r = c.post("/predict", json={"rows": [row(id=1, promo="1")] * 4})
    assert [(i["field"], i["type"]) for i in r.json()["detail"]] == [("rows", "too_long")] + [
        (f"rows[{k}].promo", "int_type") for k in range(4)]
    assert r.json()["detail"][0]["msg"] == "the batch has 4 rows; this server takes at most 3 per request: split it"


@pytest.mark.parametrize(("path", "body", "expected"), [
    ("/forecast", {"store": 1, "start": "2015-08-01", "days": 7,
                   "schedule": [{"date": "2015-08-02"}, {"date": "2015-08-02", "open": 2}]},
     ["schedule[1].open", "schedule[1].date"]),
    ("/forecast", {"store": 5000, "start": "2099-12-30", "days": 7, "schedule": [{"date": "2099-12-30", "promo": 3}]},
     ["store", "start", "schedule[0].promo"]),
    # start refused: no window to hold the days against, but a repeat is still a repeat
    ("/forecast", {"store": 1, "start": "2015-8-1", "schedule": [{"date": "2015-08-02"}, {"date": "2015-08-02"}]},
     ["start", "schedule[1].date"]),
    ("/plan", {"store": 1, "start": "2015-08-01", "days": 14, "promo_days": ["2015-08-03", "2015-08-03", "x"]},
     ["promo_days[1]", "promo_days[2]"]),
    ("/plan", {"store": 5000, "start": "2015-08-01", "days": 14, "closed_days": ["2015-09-01"], "Promo_days": []},
     ["store", "closed_days[0]", "Promo_days"]),
    ("/plan/rank", {"start": "2099-12-20", "days": 30, "top": 0}, ["start", "top"]),
])
def test_the_one_store_routes_name_their_own_problems_beside_the_schemas(client, path, body, expected):
    r = client.post(path, json=body)
    assert r.status_code == 422
    assert fields(r) == expected


def test_a_failing_check_beside_the_schema_leaves_the_schemas_422_and_logs(client, monkeypatch, caplog):
    # an extra must never turn a 422 into a 500
    from storecast.api.routes import predict

    def broken(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr(predict, "_id_problems", broken)
    with caplog.at_level(logging.ERROR, logger="storecast.api"):
        r = client.post("/predict", json={"rows": [row(id=1), row(id=1, date="2015-02-30")]})
    assert r.status_code == 422 and fields(r) == ["rows[1].date"]
    assert "the checks beside the schema failed on POST /predict" in caplog.text
