"""POST /plan (usual plan vs scenario) and POST /plan/rank (where an extra promo week gains most), and the page."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pytest
from api_helpers import fields
from fastapi.testclient import TestClient

from storecast.api import create_app
from storecast.config import MIN_TOKEN_CHARS

START = "2015-08-01"  # a Saturday: the window holds six full Monday..Sunday weeks


def _plan(client, **body):
    r = client.post("/plan", json={"store": 1, "start": START, **body})
    assert r.status_code == 200, r.text
    return r.json()


def _dates(first: str, n: int) -> list[str]:
    day = dt.date.fromisoformat(first)
    return [(day + dt.timedelta(days=k)).isoformat() for k in range(n)]


def _free_mondays(days: list[dict]) -> list[str]:
    """Mondays of the plan whose Monday..Friday lies in the window without a promo (the model learned the phase)."""
    by_date = {d["date"]: d for d in days}
    return [d["date"] for d in days
            if dt.date.fromisoformat(d["date"]).weekday() == 0
            and all(day in by_date and not by_date[day]["promo"] for day in _dates(d["date"], 5))]


def test_answer_has_the_usual_plan_the_scenario_and_their_difference(client, model_path):
    out = _plan(client, days=14)
    assert set(out) >= {"model", "store", "usual", "scenario", "difference", "level", "outer_level"}
    assert out["model"] == model_path.name and out["store"] == 1
    assert (out["level"], out["outer_level"]) == (0.8, 0.95)
    for side in ("usual", "scenario"):
        days = out[side]["days"]
        assert [d["date"] for d in days] == _dates(START, 14)
        assert set(days[0]) >= {"date", "open", "promo", "sales", "lower", "upper"}
        assert out[side]["total"] == pytest.approx(sum(d["sales"] for d in days))
        for d in days:
            if d["open"]:  # the 95% band holds the 80% band, which holds the forecast
                assert 0 < d["outer_lower"] <= d["lower"] <= d["sales"] <= d["upper"] <= d["outer_upper"]
            else:
                assert d["sales"] == d["lower"] == d["upper"] == 0.0
    assert [d["date"] for d in out["difference"]["days"]] == _dates(START, 14)


def test_a_scenario_with_no_changes_equals_forecast(client):
    out = _plan(client)
    forecast = client.post("/forecast", json={"store": 1, "start": START}).json()["predictions"]
    for side in ("usual", "scenario"):
        got = [(d["date"], d["open"], d["promo"], d["sales"], d["lower"], d["upper"]) for d in out[side]["days"]]
        assert got == [(p["date"], p["open"], p["promo"], p["sales"], p["lower"], p["upper"]) for p in forecast]
    assert out["difference"]["total"] == 0.0
    assert all(d["sales"] == 0.0 for d in out["difference"]["days"])


def test_listing_the_usual_days_explicitly_changes_nothing(client):
    usual = _plan(client)["usual"]["days"]
    out = _plan(client, promo_days=[d["date"] for d in usual if d["promo"]],
                closed_days=[d["date"] for d in usual if not d["open"]])
    assert out["scenario"] == out["usual"]


def test_an_extra_promo_week_moves_only_its_own_days_by_what_the_model_says(client, bundle):
    """The planner never clips: the difference on a day is the model's promo-minus-no-promo forecast.

    Adding promos cannot remove sales on other days (a forecast depends on its own row only); on the promo
    days themselves the difference is whatever the model forecasts, negative included (docs/planner.md).
    """
    from storecast.data.request_rows import RequestRows
    from storecast.predict import predict_frame

    usual = _plan(client)["usual"]["days"]
    week = _dates(_free_mondays(usual)[0], 5)  # Monday..Friday of a usual week without promo
    out = _plan(client, promo_days=[d["date"] for d in usual if d["promo"]] + week)
    diff = {d["date"]: d["sales"] for d in out["difference"]["days"]}
    assert all(v == 0.0 for day, v in diff.items() if day not in week)
    days = np.array([(dt.date.fromisoformat(d) - dt.date(1970, 1, 1)).days for d in week])
    on, off = (predict_frame(bundle, RequestRows(np.full(5, 1), days, np.ones(5), np.full(5, flag), ["0"] * 5,
                                                 np.zeros(5)).frame())["Sales"].to_numpy() for flag in (1, 0))
    assert [diff[d] for d in week] == pytest.approx((on - off).tolist(), rel=1e-9)
    assert out["difference"]["total"] == pytest.approx(float((on - off).sum()), rel=1e-9)
    assert out["difference"]["total"] > 0  # on the synthetic data a promo sells more, and the model learned it


def test_closed_days_forecast_nothing_and_an_empty_list_opens_every_day(client):
    out = _plan(client, days=7, closed_days=["2015-08-03", "2015-08-04"])
    scenario = {d["date"]: d for d in out["scenario"]["days"]}
    assert scenario["2015-08-03"]["open"] == 0 and scenario["2015-08-03"]["sales"] == 0.0
    assert scenario["2015-08-02"]["open"] == 1  # a usual closed Sunday, open in this scenario
    assert out["difference"]["total"] < 0 or scenario["2015-08-02"]["sales"] > 0
    none = _plan(client, days=7, promo_days=[], closed_days=[])["scenario"]["days"]
    assert all(d["open"] == 1 and d["promo"] == 0 for d in none)


@pytest.mark.parametrize(("body", "field"), [
    ({"store": 999_999}, "store"),
    ({"promo_days": ["2015-09-30"]}, "promo_days[0]"),
    ({"closed_days": ["2015-08-03", "2015-08-03"]}, "closed_days[1]"),
    ({"promo_days": ["2015-8-3"]}, "promo_days[0]"),
    ({"promo_days": "2015-08-03"}, "promo_days"),
    ({"days": 0}, "days"),
    ({"days": 93}, "days"),
    ({"days": "42"}, "days"),
    ({"start": "2099-12-25"}, "start"),  # the 14 days run past 2099-12-31
    ({"schedule": []}, "schedule"),
])
def test_bad_plan_requests_are_422_naming_the_field(client, body, field):
    r = client.post("/plan", json={"store": 1, "start": START, "days": 14, **body})
    assert r.status_code == 422, r.text
    assert field in fields(r)


def test_a_day_repeated_in_a_plan_list_names_the_earlier_one_of_that_list(client):
    # "2015-08-04 is listed twice" did not say where; a day in both lists is no repeat (a closed promo day)
    body = {"store": 1, "start": START, "days": 14, "promo_days": ["2015-08-03", "2015-08-04", "2015-08-04"],
            "closed_days": ["2015-08-04", "2015-08-05", "2015-08-04"]}
    r = client.post("/plan", json=body)
    assert [(item["field"], item["msg"]) for item in r.json()["detail"]] == [
        ("promo_days[2]", "2015-08-04 is also promo_days[1]: list each day once"),
        ("closed_days[2]", "2015-08-04 is also closed_days[0]: list each day once")]


@pytest.mark.parametrize(("route", "body", "field", "said"), [
    ("/plan", {"store": 1, "start": "2015-02-30"}, "start", "day is out of range for month"),
    ("/plan", {"store": 1, "start": START, "promo_days": ["2015-08-32"]}, "promo_days[0]", "'2015-08-32'"),
    ("/plan/rank", {"start": "2015-13-01"}, "start", "month must be in 1..12"),
])
def test_a_day_the_calendar_lacks_is_named_as_such(client, route, body, field, said):
    """Was pydantic's "a valid date or datetime, day value is outside expected range" for a well-formed date."""
    r = client.post(route, json=body)
    assert r.status_code == 422, r.text
    (item,) = r.json()["detail"]
    assert item["field"] == field and item["type"] == "date_value"
    assert item["msg"].startswith("expected a calendar date 'YYYY-MM-DD', got ") and said in item["msg"]


def test_rank_lists_the_top_stores_best_gain_first(client, known_stores, model_path):
    r = client.post("/plan/rank", json={"start": START, "days": 42, "top": 5})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["model"] == model_path.name and (out["start"], out["days"]) == (START, 42)
    assert out["weeks"] == _free_mondays(_plan(client)["usual"]["days"])  # alternating weeks: three of six
    assert len(out["weeks"]) == 3
    stores = out["stores"]
    assert len(stores) == 5 and set(stores[0]) == {"store", "gain", "gain_pct", "usual_total", "week"}
    assert {st["store"] for st in stores} <= set(known_stores)
    gains = [st["gain"] for st in stores]
    assert gains == sorted(gains, reverse=True)
    for st in stores:
        assert st["week"] in out["weeks"]
        assert st["gain_pct"] == pytest.approx(100 * st["gain"] / st["usual_total"])
    everyone = client.post("/plan/rank", json={"start": START, "top": 10_000}).json()["stores"]
    assert len(everyone) == len(known_stores)


def test_a_ranked_gain_is_the_plan_difference_of_that_week(client):
    """The two routes agree: the ranking's gain equals /plan with the ranked week switched on."""
    best = client.post("/plan/rank", json={"start": START, "top": 1}).json()["stores"][0]
    usual = _plan(client, store=best["store"])["usual"]
    assert usual["total"] == pytest.approx(best["usual_total"], rel=1e-9)
    promo = [d["date"] for d in usual["days"] if d["promo"]] + _dates(best["week"], 5)
    out = _plan(client, store=best["store"], promo_days=promo)
    assert out["difference"]["total"] == pytest.approx(best["gain"], rel=1e-9)


@pytest.mark.parametrize(("body", "field"), [
    ({"days": 5}, "days"),  # no Monday..Friday week free of promos fits in 5 days
    ({"top": 0}, "top"),
    ({"start": "2015-13-01"}, "start"),
    ({"store": 1}, "store"),
])
def test_bad_rank_requests_are_422_naming_the_field(client, body, field):
    r = client.post("/plan/rank", json={"start": START, **body})
    assert r.status_code == 422, r.text
    assert field in fields(r)


def test_with_a_token_the_routes_need_it_and_the_page_does_not(settings):
    token = "t" * MIN_TOKEN_CHARS
    with TestClient(create_app(settings.model_copy(update={"api_token": token}))) as c:
        assert c.post("/plan", json={"store": 1, "start": START}).status_code == 401
        assert c.post("/plan/rank", json={"start": START}).status_code == 401
        ok = c.post("/plan", json={"store": 1, "start": START, "days": 7},
                    headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200
        assert c.get("/").status_code == 200 and c.get("/web/planner.js").status_code == 200


def test_the_page_and_its_assets_ship_in_the_package_and_load_nothing_from_elsewhere(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = [part.strip() for part in page.headers["content-security-policy"].split(";")]
    assert "default-src 'self'" in csp
    # the two that default-src does not cover: a <base> or a form could otherwise send the page elsewhere
    assert "base-uri 'none'" in csp and "form-action 'none'" in csp
    texts = [page.text]
    scripts = ("planner.js", "common.js", "api.js", "chart.js", "plan.js", "rank.js", "tabs.js", "csv.js")
    for name, kind in [(s, "text/javascript") for s in scripts] + [("planner.css", "text/css")]:
        r = client.get(f"/web/{name}")
        assert r.status_code == 200 and r.headers["content-type"].startswith(kind)
        texts.append(r.text)
    for text in texts:  # the SVG namespace is a name, not a download
        assert not re.findall(r"(?:https?:)?//(?!www\.w3\.org/2000/svg)[\w.-]+\.[a-z]{2,}", text)
    assert client.get("/web/index.html").status_code == 404  # a fixed table of assets, nothing else
    assert client.get("/web/..%2Fapi%2Fapp.py").status_code == 404


@pytest.mark.parametrize("name", ["a" * 60_000, "%00" * 5_000, "planner.js" + "x" * 1_000])
def test_an_unknown_asset_is_named_shortly_with_the_ones_there_are(client, name):
    # the 404 echoed the whole name: a 60 kB path came back as a 60 kB body (other 404s cut at 200 characters)
    r = client.get(f"/web/{name}")
    assert r.status_code == 404 and len(r.content) < 300
    detail = r.json()["detail"]
    assert detail.startswith("no asset ") and detail.endswith(
        ": the assets are api.js, chart.js, common.js, csv.js, plan.js, planner.css, planner.js, rank.js, tabs.js")


def test_every_problem_of_a_plan_request_is_named_at_once(client):
    """As /forecast: an unknown store stopped the checks, so the window and the day lists took more round trips."""
    body = {"store": 999, "start": "2099-12-31", "days": 5,
            "promo_days": ["2099-12-30", "2099-12-31", "2099-12-31"], "closed_days": ["2099-12-30"]}
    r = client.post("/plan", json=body)
    assert r.status_code == 422, r.text
    assert fields(r) == ["store", "start", "promo_days[0]", "promo_days[2]", "closed_days[0]"]


def test_a_day_both_in_promo_and_closed_is_a_closed_day_of_a_promo_week(client):
    """Not a contradiction to refuse: Rossmann's promo weeks run over public holidays, so train.csv has 11,160
    store-days with Promo 1 and Open 0 (Good Friday, 1 May, ...) and the usual plan has such days too. The
    page sends the usual lists back with every week pressed, so a 422 here would refuse the usual plan."""
    # 25 Dec 2015 and 1 Jan 2016 are Fridays and public holidays in consecutive weeks: one of them lies in
    # a promo week, whatever the learned phase
    usual = _plan(client, start="2015-12-19", days=21)["usual"]["days"]
    both = [d["date"] for d in usual if d["promo"] and not d["open"]]
    assert set(both) & {"2015-12-25", "2016-01-01"}
    lists = {"promo_days": [d["date"] for d in usual if d["promo"]],
             "closed_days": [d["date"] for d in usual if not d["open"]]}
    out = _plan(client, start="2015-12-19", days=21, **lists)
    assert out["scenario"] == out["usual"]
    # closing a promo day keeps its promo flag in the answer and sells nothing; the promo of a closed day
    # moves no other day's forecast (a forecast depends on its own row and the open days)
    promo_day = next(d["date"] for d in usual if d["promo"] and d["open"])
    closed = _plan(client, start="2015-12-19", days=21, promo_days=lists["promo_days"],
                   closed_days=[*lists["closed_days"], promo_day])["scenario"]["days"]
    day = next(d for d in closed if d["date"] == promo_day)
    assert (day["open"], day["promo"], day["sales"]) == (0, 1, 0.0)
    without = _plan(client, start="2015-12-19", days=21,
                    promo_days=[d for d in lists["promo_days"] if d != promo_day],
                    closed_days=[*lists["closed_days"], promo_day])["scenario"]["days"]
    assert [d["sales"] for d in without] == [d["sales"] for d in closed]


@pytest.mark.parametrize(("route", "body", "counts"), [
    ("/plan", {"store": 1, "start": "2012-12-25", "days": 14}, (0, 7)),  # 2012-12-25 .. 2012-12-31
    ("/plan", {"store": 1, "start": "2015-02-01", "days": 20}, (9, 0)),  # 2015-02-12 .. 2015-02-20
    ("/plan", {"store": 1, "start": "2015-01-01", "days": 42}, (0, 0)),
    ("/plan/rank", {"start": "2012-12-24", "days": 21}, (0, 8)),  # 2012-12-24 .. 2012-12-31
    ("/plan/rank", {"start": "2015-02-02", "days": 21}, (11, 0)),  # 2015-02-12 .. 2015-02-22
])
def test_plans_count_the_days_outside_the_measured_range_as_forecasts_do(client, route, body, counts):
    """A plan of 2000, or long past the horizon, answered as plainly as one inside the data: now flagged by the same
    four fields as `/predict` and `/forecast` (the model was trained on 2013-01-01..2014-12-31, 42 days calibrated)."""
    r = client.post(route, json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["calibrated_through"], out["training_start"]) == ("2015-02-11", "2013-01-01")
    assert (out["beyond_horizon"], out["before_training"]) == counts


def test_the_plan_horizon_fields_are_documented_as_on_forecast(client):
    spec = client.get("/openapi.json").json()["components"]["schemas"]
    for name in ("PlanResponse", "RankResponse"):
        props = spec[name]["properties"]
        for key in ("calibrated_through", "beyond_horizon", "training_start", "before_training"):
            assert props[key]["description"] == spec["ForecastResponse"]["properties"][key]["description"], (name, key)
