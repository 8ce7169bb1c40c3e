"""POST /forecast: default plan (opening days, holidays, promo rhythm) and per-day schedule."""

from __future__ import annotations

import datetime as dt

import pytest
from api_helpers import fields


def _days(client, **body):
    r = client.post("/forecast", json=body)
    assert r.status_code == 200, r.text
    return r.json()["predictions"]


def test_default_is_42_days_from_start_in_date_order(client):
    out = _days(client, store=1, start="2015-08-01")
    assert len(out) == 42
    start = dt.date(2015, 8, 1)
    assert [p["date"] for p in out] == [(start + dt.timedelta(days=k)).isoformat() for k in range(42)]
    assert all(p["store"] == 1 for p in out)
    for p in out:
        if p["open"]:
            assert 0 < p["lower"] <= p["sales"] <= p["upper"]
        else:
            assert (p["sales"], p["lower"], p["upper"]) == (0.0, 0.0, 0.0)


def test_default_plan_closes_sundays_and_public_holidays(client, dataset):
    # Store 1 of the training data never opens on Sundays.
    sundays = dataset.train[(dataset.train["Store"] == 1) & (dataset.train["DayOfWeek"] == 7)]
    assert sundays["Open"].sum() == 0
    out = {p["date"]: p for p in _days(client, store=1, start="2015-12-20", days=14)}
    assert out["2015-12-20"]["open"] == 0  # Sunday
    assert out["2015-12-21"]["open"] == 1  # Monday
    assert out["2015-12-25"]["state_holiday"] == "c" and out["2015-12-25"]["open"] == 0
    assert out["2015-12-26"]["state_holiday"] == "c" and out["2015-12-26"]["sales"] == 0.0
    assert out["2016-01-01"]["state_holiday"] == "a" and out["2016-01-01"]["open"] == 0


def test_easter_days_are_code_b(client):
    out = {p["date"]: p for p in _days(client, store=1, start="2016-03-24", days=5)}
    assert out["2016-03-25"]["state_holiday"] == "b"  # Good Friday
    assert out["2016-03-28"]["state_holiday"] == "b"  # Easter Monday
    assert out["2016-03-24"]["state_holiday"] == "0"


def test_default_promo_is_monday_to_friday_in_alternating_weeks(client):
    out = _days(client, store=1, start="2015-08-03", days=28)  # a Monday
    weeks = [[p["promo"] for p in out[7 * w: 7 * w + 7]] for w in range(4)]
    on = [1, 1, 1, 1, 1, 0, 0]
    off = [0] * 7
    assert weeks in ([on, off, on, off], [off, on, off, on])


def test_schedule_overrides_listed_days_only(client):
    default = _days(client, store=1, start="2015-08-03", days=7)
    schedule = [{"date": "2015-08-04", "open": 0, "promo": 0},
                {"date": "2015-08-09", "open": 1, "promo": 0, "state_holiday": "0", "school_holiday": 1}]
    out = _days(client, store=1, start="2015-08-03", days=7, schedule=schedule)
    assert out[1]["open"] == 0 and out[1]["sales"] == 0.0
    assert out[6]["open"] == 1 and out[6]["school_holiday"] == 1 and out[6]["sales"] > 0
    for k in (0, 2, 3, 4, 5):
        assert out[k] == default[k]


def test_a_schedule_day_that_gives_only_its_date_keeps_the_usual_plan(client):
    """It took a /predict row's defaults (open, no promo, no holiday): the usual closed Christmas Day and Sunday
    opened, and Monday's school holiday was dropped, where a client naming a day expects the usual plan."""
    body = {"store": 1, "start": "2015-12-20", "days": 9}
    usual = _days(client, **body)
    days = ["2015-12-20", "2015-12-21", "2015-12-25"]  # a Sunday, a Monday, Christmas Day
    assert [p["open"] for p in usual if p["date"] in days] == [0, 1, 0]
    assert _days(client, **body, schedule=[{"date": d} for d in days]) == usual
    assert _days(client, **body, schedule=[{"date": d, "open": None, "promo": None, "state_holiday": None,
                                            "school_holiday": None} for d in days]) == usual


def test_a_schedule_day_replaces_only_the_fields_it_gives(client):
    # a promo on Christmas Day: still closed (and code "c"), as a closed promo day of train.csv is
    body = {"store": 1, "start": "2015-12-21", "days": 7}
    usual = {p["date"]: p for p in _days(client, **body)}
    flipped = 1 - usual["2015-12-22"]["school_holiday"]
    out = {p["date"]: p for p in _days(client, **body, schedule=[
        {"date": "2015-12-25", "promo": 1}, {"date": "2015-12-22", "school_holiday": flipped}])}
    christmas, tuesday = out["2015-12-25"], out["2015-12-22"]
    assert (christmas["promo"], christmas["open"], christmas["state_holiday"], christmas["sales"]) == (1, 0, "c", 0.0)
    assert tuesday["school_holiday"] != usual["2015-12-22"]["school_holiday"]
    assert {k: tuesday[k] for k in ("open", "promo", "state_holiday")} == \
        {k: usual["2015-12-22"][k] for k in ("open", "promo", "state_holiday")}


def test_schedule_matches_predict_of_the_same_rows(client):
    out = _days(client, store=3, start="2015-09-07", days=3)
    rows = [{k: p[k] for k in ("store", "date", "open", "promo", "state_holiday", "school_holiday")}
            for p in out]
    served = client.post("/predict", json={"rows": rows}).json()["predictions"]
    assert [(p["sales"], p["lower"], p["upper"]) for p in served] == \
        [(p["sales"], p["lower"], p["upper"]) for p in out]


@pytest.mark.parametrize(("body", "field"), [
    ({"store": 99_999, "start": "2015-08-01"}, "store"),
    ({"store": 1, "start": "2015-08-01", "days": 0}, "days"),
    ({"store": 1, "start": "2015-08-01", "days": 93}, "days"),
    ({"store": 1, "start": "2015-8-01"}, "start"),
    ({"store": 1, "start": "2015-08-01", "days": "7"}, "days"),
    ({"store": 1, "start": "2015-08-01", "days": 3,
      "schedule": [{"date": "2015-08-05", "open": 1, "promo": 0}]}, "schedule[0].date"),
    ({"store": 1, "start": "2015-08-01", "days": 3,
      "schedule": [{"date": "2015-08-02"}, {"date": "2015-08-02"}]}, "schedule[1].date"),
    ({"store": 1, "start": "2015-08-01", "schedule": [{"date": "2015-08-02", "open": True}]},
     "schedule[0].open"),
    ({"store": 1, "start": "2099-12-01", "days": 42}, "start"),
])
def test_bad_forecast_request_is_422_naming_the_field(client, body, field):
    r = client.post("/forecast", json=body)
    assert r.status_code == 422, r.text
    assert fields(r) == [field]


def test_a_repeated_schedule_day_names_the_earlier_one(client):
    # it said only "2015-08-02 is listed twice", where /predict says which row it repeats ("is also rows[0]")
    days = ["2015-08-03", "2015-08-02", "2015-08-04", "2015-08-02"]
    body = {"store": 1, "start": "2015-08-01", "days": 5, "schedule": [{"date": d} for d in days]}
    r = client.post("/forecast", json=body)
    assert r.status_code == 422
    assert r.json()["detail"] == [{"loc": ["body", "schedule", 3, "date"], "field": "schedule[3].date",
                                   "msg": "2015-08-02 is also schedule[1]: list each day once",
                                   "type": "schedule_duplicate"}]


@pytest.mark.parametrize(("body", "expected"), [
    ({"store": 999, "start": "2099-12-31", "days": 5}, ["store", "start"]),
    ({"store": 999, "start": "2015-08-01", "days": 3, "schedule": [{"date": "2015-08-05"}]},
     ["store", "schedule[0].date"]),
    ({"store": 999, "start": "2099-12-31", "days": 5,
      "schedule": [{"date": "2099-12-30"}, {"date": "2099-12-31"}, {"date": "2099-12-31"}]},
     ["store", "start", "schedule[0].date", "schedule[2].date"]),
])
def test_every_problem_of_a_forecast_request_is_named_at_once(client, body, expected):
    # the unknown store was the only one reported: the caller fixed it and was then told the window runs past
    # 2099-12-31, then about the schedule, one round trip per problem (/predict names them all at once)
    r = client.post("/forecast", json=body)
    assert r.status_code == 422, r.text
    assert fields(r) == expected


@pytest.mark.parametrize("path", ["/forecast", "/plan"])
def test_an_unknown_store_of_a_one_store_route_says_what_to_ask_for(client, known_stores, path):
    # /forecast and /plan said "remove the row or serve a model trained with this store", /predict's words: their
    # body has no row to remove
    r = client.post(path, json={"store": 999, "start": "2015-08-01", "days": 3})
    assert r.status_code == 422
    first, last = known_stores[0], known_stores[-1]
    assert r.json()["detail"] == [{
        "loc": ["body", "store"], "field": "store", "type": "unknown_store",
        "msg": f"unknown store 999: this model knows {len(known_stores)} stores ({first}..{last}); "
               "ask for one of those or serve a model trained with store 999"}]
