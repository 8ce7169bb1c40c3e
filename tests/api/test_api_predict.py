"""POST /predict: happy path, order, closed days and every input error class."""

from __future__ import annotations

import datetime as dt
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from api_helpers import consecutive_rows, fields, row
from fastapi.testclient import TestClient

from storecast.api import create_app
from storecast.config import Settings


def test_predict_one_row_has_the_documented_shape(client):
    body = {"rows": [row(id=7, store=1, date="2015-08-01")]}
    r = client.post("/predict", json=body)
    assert r.status_code == 200
    out = r.json()
    assert out["model"].startswith("storecast-lgbm-") and out["model"].endswith(".skops")
    (p,) = out["predictions"]
    assert set(p) == {"id", "store", "date", "sales", "lower", "upper"}
    assert (p["id"], p["store"], p["date"]) == (7, 1, "2015-08-01")
    assert 0 < p["lower"] <= p["sales"] <= p["upper"]


def test_predictions_come_back_in_request_order(client, known_stores):
    rows = [row(id=100 - i, store=known_stores[i % len(known_stores)],
                date=f"2015-08-{1 + i % 28:02d}") for i in range(40)]
    out = client.post("/predict", json={"rows": rows}).json()["predictions"]
    assert [(p["id"], p["store"], p["date"]) for p in out] == [(r["id"], r["store"], r["date"]) for r in rows]


def test_id_is_optional_and_echoed_as_null(client):
    p = client.post("/predict", json={"rows": [{"store": 1, "date": "2015-08-03", "promo": 0}]}).json()
    assert p["predictions"][0]["id"] is None


def test_closed_day_is_zero(client):
    rows = [row(open=0), row(date="2015-08-04", open=1)]
    closed, opened = client.post("/predict", json={"rows": rows}).json()["predictions"]
    assert (closed["sales"], closed["lower"], closed["upper"]) == (0.0, 0.0, 0.0)
    assert opened["sales"] > 0


def test_a_row_predicts_the_same_alone_and_in_a_batch(client, known_stores):
    rows = [row(store=st, date="2015-08-04", promo=st % 2) for st in known_stores]
    batch = client.post("/predict", json={"rows": rows}).json()["predictions"]
    alone = [client.post("/predict", json={"rows": [r]}).json()["predictions"][0] for r in rows]
    assert batch == alone


def test_unknown_store_is_422_at_its_row(client):
    rows = [*consecutive_rows(3), row(store=99_999)]
    r = client.post("/predict", json={"rows": rows})
    assert r.status_code == 422
    (item,) = r.json()["detail"]
    assert item["field"] == "rows[3].store" and item["type"] == "unknown_store"
    assert "99999" in item["msg"] and "knows" in item["msg"]


def test_every_unknown_store_is_listed(client):
    r = client.post("/predict", json={"rows": [row(store=5000), row(), row(store=6000)]})
    assert fields(r) == ["rows[0].store", "rows[2].store"]


def test_a_store_and_day_listed_twice_is_422_naming_the_earlier_row(client):
    # two rows for one day make the store's schedule ambiguous (open or closed?), as in `storecast predict`
    rows = [row(date="2015-08-03"), row(date="2015-08-04"), row(date="2015-08-03", open=0)]
    r = client.post("/predict", json={"rows": rows})
    assert r.status_code == 422
    (item,) = r.json()["detail"]
    assert (item["field"], item["type"]) == ("rows[2].date", "row_duplicate")
    assert item["msg"] == "store 1 on 2015-08-03 is also rows[0]: list each store and day once"


@pytest.mark.parametrize("n", [3, 40])  # a small batch (a dict), and one past it (a numpy sort)
def test_a_repeat_is_found_in_small_and_large_batches(client, n):
    r = client.post("/predict", json={"rows": [*consecutive_rows(n), row(date="2015-08-04")]})
    assert fields(r) == [f"rows[{n}].date"]
    assert "is also rows[1]" in r.json()["detail"][0]["msg"]


@pytest.mark.parametrize("n", [3, 40])  # a small batch (a dict), and one past it (a numpy sort)
def test_an_id_listed_twice_is_422_naming_the_earlier_row(client, n):
    """Ids match the answers to the client's rows: two rows with one id are ambiguous, as in test.csv."""
    rows = [{**r, "id": k} for k, r in enumerate(consecutive_rows(n))]
    rows[-1]["id"] = 1
    r = client.post("/predict", json={"rows": rows})
    assert r.status_code == 422
    (item,) = r.json()["detail"]
    assert (item["field"], item["type"]) == (f"rows[{n - 1}].id", "id_duplicate")
    assert item["msg"] == "id 1 is also rows[1]: give each row its own id, or none"


@pytest.mark.parametrize("n", [3, 40])
def test_rows_without_an_id_never_repeat_one(client, n):
    rows = consecutive_rows(n)
    rows[0]["id"], rows[1]["id"] = None, 5
    r = client.post("/predict", json={"rows": rows})
    assert r.status_code == 200
    assert [p["id"] for p in r.json()["predictions"]] == [None, 5] + [None] * (n - 2)


def test_repeated_ids_and_store_days_come_in_one_answer(client):
    rows = [row(id=1), row(id=2, date="2015-08-04"), row(id=1, date="2015-08-05"), row(id=3, date="2015-08-04")]
    r = client.post("/predict", json={"rows": rows})
    assert fields(r) == ["rows[3].date", "rows[2].id"]


def test_repeats_and_unknown_stores_come_in_one_answer(client):
    rows = [row(store=5000), row(), row(), row(store=6000), row(), row(date="2015-08-04")]
    r = client.post("/predict", json={"rows": rows})
    assert fields(r) == ["rows[0].store", "rows[3].store", "rows[2].date", "rows[4].date"]
    assert [i["msg"].split(":")[0] for i in r.json()["detail"][2:]] == [
        "store 1 on 2015-08-03 is also rows[1]", "store 1 on 2015-08-03 is also rows[1]"]


def test_many_problems_name_the_first_50_and_count_the_rest(client):
    # a caller who fixes the 50 named rows must know that more will follow
    # 2 unknown stores, 59 repeats of rows[0] and rows[61] repeating rows[60]: 62 problems
    r = client.post("/predict", json={"rows": [row()] * 60 + [row(store=5000)] * 2})
    detail = r.json()["detail"]
    assert fields(r) == ["rows[60].store", "rows[61].store"] + [f"rows[{k}].date" for k in range(1, 49)] + ["body"]
    assert detail[-1]["type"] == "more_problems"
    assert detail[-1]["msg"].startswith("and 12 more problem(s) not listed")


def test_many_schema_errors_are_counted_too(client):
    # one day each: the same row 55 times is also 54 repeats, named beside the schema's errors (api.beside)
    r = client.post("/predict", json={"rows": consecutive_rows(55, promo=2)})
    detail = r.json()["detail"]
    assert len(detail) == 51 and detail[-1]["type"] == "more_problems"
    assert detail[-1]["msg"].startswith("and 5 more problem(s) not listed")


def test_fifty_problems_get_no_count(client):
    r = client.post("/predict", json={"rows": [row(store=5000 + k) for k in range(50)]})
    assert len(r.json()["detail"]) == 50 and r.json()["detail"][-1]["type"] == "unknown_store"


def test_the_same_store_and_day_in_separate_requests_is_answered(client):
    # each request is its own schedule, also when the micro-batcher merges concurrent ones into one call
    body = {"rows": [row()]}
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: client.post("/predict", json=body), range(8)))
    assert [a.status_code for a in answers] == [200] * 8
    assert len({a.text for a in answers}) == 1


@pytest.mark.parametrize(
    "date", ["2015-8-1", "01.08.2015", "2015-08-01T00:00:00", "2015-02-30", "", 20150801,
             "\u0662\u0660\u0661\u0665-08-01"])  # Arabic-Indic digits: \\d would match them
def test_malformed_date_is_422(client, date):
    r = client.post("/predict", json={"rows": [row(), row(date=date)]})
    assert r.status_code == 422
    assert fields(r) == ["rows[1].date"]


def test_date_out_of_the_served_range_is_422(client):
    r = client.post("/predict", json={"rows": [row(date="1999-12-31")]})
    assert r.status_code == 422 and fields(r) == ["rows[0].date"]


@pytest.mark.parametrize(("field", "value"), [
    ("promo", True), ("promo", 1.0), ("promo", "1"), ("open", 2), ("school_holiday", -1),
    ("store", "1"), ("store", 1.5), ("store", 0), ("state_holiday", "d"), ("state_holiday", 0),
    ("state_holiday", "A"), ("state_holiday", " a"),  # a file's "A" is read as "a", a program sends the code
    ("id", "x"), ("id", -1),
])
def test_wrong_type_or_value_is_422_naming_the_field(client, field, value):
    r = client.post("/predict", json={"rows": [row(**{field: value})]})
    assert r.status_code == 422
    assert fields(r) == [f"rows[0].{field}"]


def test_missing_required_field_is_422(client):
    bad = row()
    del bad["promo"]
    r = client.post("/predict", json={"rows": [bad]})
    assert r.status_code == 422 and fields(r) == ["rows[0].promo"]
    assert r.json()["detail"][0]["msg"] == "this field is required"


def test_extra_field_is_refused(client):
    r = client.post("/predict", json={"rows": [row(customers=500)]})
    assert r.status_code == 422 and fields(r) == ["rows[0].customers"]
    r = client.post("/predict", json={"rows": [row()], "model": "x"})
    assert r.status_code == 422 and fields(r) == ["model"]


def test_empty_batch_is_422(client):
    r = client.post("/predict", json={"rows": []})
    assert r.status_code == 422 and fields(r) == ["rows"]


def test_batch_over_the_schema_cap_is_422(client):
    r = client.post("/predict", json={"rows": [row()] * 10_001})
    assert r.status_code == 422 and fields(r) == ["rows"]


def test_batch_over_the_settings_limit_is_422(settings):
    small = settings.model_copy(update={"max_batch_rows": 3})
    with TestClient(create_app(small)) as c:
        assert c.post("/predict", json={"rows": consecutive_rows(3)}).status_code == 200
        r = c.post("/predict", json={"rows": consecutive_rows(4)})
    assert r.status_code == 422 and fields(r) == ["rows"]
    assert "at most 3" in r.json()["detail"][0]["msg"]


@pytest.mark.parametrize(("content", "field"), [
    (b'{"rows": [', "rows[0]"),  # a syntax error is named where it lies: a row was expected there
    (b"not json", "body"), (b"", "body"), (b"[1, 2]", "body"), (b'"rows"', "body"), (b"\xff\xfe{", "body"),
])
def test_bad_body_json_is_422(client, content, field):
    r = client.post("/predict", content=content, headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["field"] == field


def test_full_batch_of_10000_rows_is_served(client, known_stores):
    first = dt.date(2015, 9, 1)
    rows = [row(store=known_stores[i % len(known_stores)],
                date=(first + dt.timedelta(days=i // len(known_stores))).isoformat(), open=int(i % 7 != 0))
            for i in range(10_000)]
    r = client.post("/predict", json={"rows": rows})
    assert r.status_code == 200 and len(r.json()["predictions"]) == 10_000


def test_settings_default_model_is_the_newest(settings, model_path):
    with TestClient(create_app(Settings(models_dir=settings.models_dir))) as c:
        assert c.get("/ready").json()["model"] == model_path.name


@pytest.mark.parametrize("path", ["/predict", "/forecast", "/plan", "/plan/rank"])
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
def test_json_sent_without_a_json_content_type_is_415_naming_the_type_expected_and_sent(client, path, content_type):
    # it was a 422 "expected a JSON object", which blamed the JSON for what the label said
    r = client.post(path, content=b'{"rows": []}', headers={"content-type": content_type})
    assert r.status_code == 415 and r.headers["accept-post"] == "application/json"
    assert r.json() == {"detail": f"Content-Type {content_type!r} is not supported: send the JSON body with "
                                  "Content-Type: application/json"}


def test_a_body_without_content_type_is_415_and_no_body_without_one_keeps_its_422(client):
    r = client.post("/predict", content=b'{"rows": []}', headers={"content-type": ""})
    assert r.status_code == 415 and r.json()["detail"].startswith("Content-Type '' is not supported")
    r = client.post("/predict", content=b'{"rows": []}')  # httpx sends no Content-Type for raw content
    assert r.status_code == 415
    assert r.json() == {"detail": "a body without Content-Type is not supported: send the JSON body with "
                                  "Content-Type: application/json"}
    r = client.post("/predict")
    assert r.status_code == 422 and r.json()["detail"][0]["msg"].startswith("the request has no body")


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "Application/JSON",
                                          "application/merge-patch+json", "application/json ; charset=\"UTF-8\""])
def test_json_media_types_with_parameters_or_a_json_suffix_are_read(client, known_stores, content_type):
    r = client.post("/predict", content=json.dumps({"rows": [row(store=known_stores[0])]}).encode(),
                    headers={"content-type": content_type})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("charset", ["utf-16", "latin-1"])
def test_a_charset_other_than_utf8_is_no_reason_to_refuse_a_utf8_body(client, known_stores, charset):
    """RFC 8259 section 11 defines no charset parameter for application/json ("adding one really has no effect on
    compliant recipients"): the body is read as UTF-8 whatever it says, as `; charset=utf-8` is. A body that is not
    UTF-8 is refused by its bytes, naming the charset declared (a 415 for the label would refuse clients whose
    libraries add a charset to JSON they encode as UTF-8 anyway)."""
    text = json.dumps({"rows": [row(store=known_stores[0])]})
    headers = {"content-type": f"application/json; charset={charset}"}
    assert client.post("/predict", content=text.encode(), headers=headers).status_code == 200
    r = client.post("/predict", content=text.encode("utf-16-le"), headers={"content-type": "application/json; "
                                                                                           "charset=utf-16"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["msg"] == ("the body must be UTF-8 JSON (RFC 8259 8.1), not UTF-16-LE: send it "
                                            "encoded as UTF-8 (the Content-Type says charset=utf-16, but JSON is "
                                            "read as UTF-8 only, RFC 8259 8.1)")


def test_a_wrong_content_type_without_the_token_is_401_first(guarded):
    r = guarded.post("/predict", content=b'{"rows": []}', headers={"content-type": "text/plain"})
    assert r.status_code == 401


def test_a_json_array_instead_of_an_object_is_422_with_an_example(client):
    r = client.post("/predict", json=[{"store": 1}])
    assert r.status_code == 422 and 'expected a JSON object, e.g. {"rows"' in r.json()["detail"][0]["msg"]


def test_answers_say_which_bands_were_never_calibrated(client, model_path):
    """Intervals are calibrated on 1..42-day-ahead errors: later dates are counted in `beyond_horizon`."""
    import json

    end = json.loads(model_path.with_suffix(".json").read_text())["training"]["end"]  # 2014-12-31
    assert end == "2014-12-31"
    rows = [row(date="2015-01-05"), row(date="2015-02-11"), row(date="2015-02-12"), row(date="2015-08-03")]
    out = client.post("/predict", json={"rows": rows}).json()
    assert (out["calibrated_through"], out["beyond_horizon"]) == ("2015-02-11", 2)
    assert set(out["predictions"][0]) == {"id", "store", "date", "sales", "lower", "upper"}  # rows unchanged
    inside = client.post("/forecast", json={"store": 1, "start": "2015-01-01", "days": 42}).json()
    assert (inside["calibrated_through"], inside["beyond_horizon"]) == ("2015-02-11", 0)
    later = client.post("/forecast", json={"store": 1, "start": "2015-02-01", "days": 20}).json()
    assert later["beyond_horizon"] == 9  # 2015-02-12 .. 2015-02-20


def test_answers_count_the_rows_before_the_training_data(client, model_path):
    """A row of 2000, 13 years before the data, was answered as plainly as one inside it (`storecast predict` warns)."""
    import json

    start = json.loads(model_path.with_suffix(".json").read_text())["training"]["start"]
    assert start == "2013-01-01"
    rows = [row(date="2000-01-03"), row(date="2012-12-31"), row(date="2013-01-01"), row(date="2015-08-03")]
    out = client.post("/predict", json={"rows": rows}).json()
    assert (out["training_start"], out["before_training"]) == ("2013-01-01", 2)
    early = client.post("/forecast", json={"store": 1, "start": "2012-12-25", "days": 14}).json()
    assert (early["training_start"], early["before_training"]) == ("2013-01-01", 7)  # 2012-12-25 .. 2012-12-31


def test_the_horizon_fields_are_documented_in_the_openapi_schema(client):
    spec = client.get("/openapi.json").json()["components"]["schemas"]
    for name in ("PredictResponse", "ForecastResponse"):
        props = spec[name]["properties"]
        assert "never measured" in props["beyond_horizon"]["description"]
        assert "before `training_start`" in props["before_training"]["description"]
        assert "training end + its calibration days" in props["calibrated_through"]["description"]


def test_every_forecasting_answer_documents_its_model_first_and_the_horizon_fields_last(client):
    """The four answers share their horizon fields (``schemas.Horizon``); the OpenAPI document lists them after
    each answer's own fields, as it did when each answer declared them."""
    spec = client.get("/openapi.json").json()["components"]["schemas"]
    for name in ("PredictResponse", "ForecastResponse", "PlanResponse", "RankResponse"):
        props = list(spec[name]["properties"])
        assert props[0] == "model" and props[-4:] == [
            "calibrated_through", "beyond_horizon", "training_start", "before_training"], (name, props)
        assert spec[name]["required"][0] == "model"


def test_dates_outside_the_shared_range_are_422(client):
    r = client.post("/predict", json={"rows": [row(date="1999-12-31"), row(date="2100-01-01")]})
    assert r.status_code == 422 and fields(r) == ["rows[0].date", "rows[1].date"]
    # the bounds as dates, not pydantic's "greater than or equal to datetime.date(2000, 1, 1)"
    assert [d["msg"] for d in r.json()["detail"]] == [
        f"expected a date from 2000-01-01 to 2099-12-31, the dates this API serves, got '{day}'"
        for day in ("1999-12-31", "2100-01-01")]


def test_the_openapi_description_lists_the_415(client):
    responses = client.get("/openapi.json").json()["paths"]["/predict"]["post"]["responses"]
    assert "application/json" in responses["415"]["description"]


def test_the_openapi_description_lists_what_get_model_and_ready_answer(client):
    """GET /model answers 503 before a model is loaded and both it and /ready 401 without the token (when the
    server has one), yet the description listed only 200 (and 503 for /ready)."""
    paths = client.get("/openapi.json").json()["paths"]
    assert {"200", "401", "503"} <= set(paths["/model"]["get"]["responses"])
    assert {"200", "401", "503"} <= set(paths["/ready"]["get"]["responses"])
