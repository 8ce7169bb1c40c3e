"""How the 422 names a field the schema does not know, and how it answers a method a path does not take."""

from __future__ import annotations

import json
import re

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
    assert item["loc"] == ["body", clipped] and item["field"] == f'["{clipped}"]'
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


@pytest.mark.parametrize("path", ["/predict", "/plan/rank"])
def test_a_head_405_names_head_not_the_get_it_is_answered_as(client, path):
    # HeadAsGet shows the app a GET, so the message said "GET is not allowed" (the Allow header was right)
    r = client.head(path)
    said = json.dumps({"detail": f"HEAD is not allowed on {path}: it takes POST"}, separators=(",", ":")).encode()
    assert (r.status_code, r.headers["allow"], r.content) == (405, "POST", b"")  # HEAD: headers only
    assert int(r.headers["content-length"]) == len(said)  # the body it stands for names HEAD


@pytest.mark.parametrize(("path", "body", "field", "msg"), [
    ("/predict", '{"rows": null}', "rows", "expected an array, e.g. [...]; got null"),
    ("/predict", '{"rows": {}}', "rows", "expected an array, e.g. [...]; got an object"),
    ("/predict", '{"rows": "x"}', "rows", "expected an array, e.g. [...]; got the string 'x'"),
    ("/forecast", '{"store": 1, "start": "2015-08-01", "schedule": {}}', "schedule",
     "expected an array, e.g. [...]; got an object"),
    ("/plan", '{"store": 1, "start": "2015-08-01", "promo_days": "2015-08-03"}', "promo_days",
     "expected an array, e.g. [...]; got the string '2015-08-03'"),
    ("/predict", '{"rows": [[]]}', "rows[0]", "expected a JSON object, e.g. {...}; got an array"),
    ("/predict", '{"rows": [1]}', "rows[0]", "expected a JSON object, e.g. {...}; got 1"),
    ("/forecast", '{"store": 1, "start": "2015-08-01", "schedule": [null]}', "schedule[0]",
     "expected a JSON object, e.g. {...}; got null"),
])
def test_an_array_or_object_field_says_what_came(client, path, body, field, msg):
    """Was pydantic's "Input should be a valid list" / "a valid dictionary or object to extract fields from"."""
    r = client.post(path, content=body.encode(), headers=JSON)
    assert r.status_code == 422
    (item,) = r.json()["detail"]
    assert item["field"] == field and item["msg"] == msg


@pytest.mark.parametrize(("path", "body", "field", "msg"), [
    ("/forecast", '{"store": 1, "start": "2015-08-01", "days": 0}', "days", "expected at least 1; got 0"),
    ("/forecast", '{"store": 1, "start": "2015-08-01", "days": -0}', "days", "expected at least 1; got 0"),
    ("/forecast", '{"store": 1, "start": "2015-08-01", "days": 93}', "days", "expected at most 92; got 93"),
    ("/plan/rank", '{"start": "2015-08-01", "top": -5}', "top", "expected at least 1; got -5"),
    ("/plan/rank", '{"start": "2015-08-01", "top": ' + "9" * 60 + "}", "top",
     "expected at most 10000; got " + "9" * 40 + "…"),
    ("/predict", '{"rows": [{"store": 0, "date": "2015-08-01", "promo": 1}]}', "rows[0].store",
     "expected at least 1; got 0"),
    ("/predict", '{"rows": [{"store": 1, "date": "2015-08-01", "promo": 2}]}', "rows[0].promo",
     "expected at most 1; got 2"),
    ("/predict", '{"rows": [{"store": 1, "date": "2015-08-01", "promo": 1, "state_holiday": 0}]}',
     "rows[0].state_holiday", "expected one of '0', 'a', 'b' or 'c' (as a string); got 0"),
    ("/predict", '{"rows": [{"store": 1, "date": "2015-08-01", "promo": 1, "state_holiday": "A"}]}',
     "rows[0].state_holiday", "expected one of '0', 'a', 'b' or 'c' (as a string); got the string 'A'"),
])
def test_a_value_out_of_range_or_choice_says_what_came(client, path, body, field, msg):
    """Was "Input should be greater than or equal to 1", which did not say what was sent."""
    r = client.post(path, content=body.encode(), headers=JSON)
    assert r.status_code == 422
    (item,) = r.json()["detail"]
    assert item["field"] == field and item["msg"] == msg


@pytest.mark.parametrize(("value", "said"), [
    ("null", "null"), ("true", "true"), ("20150801", "20150801"), ("1.5", "1.5"),
    ('["2015-08-01"]', '["2015-08-01"]'), ('{"y": 2015}', '{"y": 2015}'), ('"20150801"', "'20150801'"),
])
def test_a_date_that_is_not_a_string_is_shown_as_json(client, value, said):
    """Was Python's repr: "got None", "got True", "got ['2015-08-01']"."""
    body = '{"store": 1, "start": "2015-08-01", "promo_days": [' + value + "]}"
    (item,) = _items(client, "/plan", json.loads(body))
    assert item["field"] == "promo_days[0]"
    assert item["msg"] == f"expected an ISO date string 'YYYY-MM-DD' (for example '2015-08-01'), got {said}"


@pytest.mark.parametrize(("key", "field"), [
    ("", '[""]'), ("rows[0].store", '["rows[0].store"]'), ("a b", '["a b"]'), ('q"', '["q\\""]'),
])
def test_an_unknown_key_that_is_not_a_name_is_quoted_in_the_field_path(client, key, field):
    """"" was named "body" and "rows[0].store" looked like the real field rows[0].store."""
    (item,) = _items(client, "/predict", {"rows": [row()], key: 1})
    assert item["loc"] == ["body", key] and item["field"] == field
    (item,) = _items(client, "/predict", {"rows": [{**row(), key: 1}]})
    assert item["field"] == "rows[0]" + field


def test_a_field_path_of_names_and_indexes_is_unchanged():
    from storecast.api.unprocessable import field_path
    assert field_path(("body", "rows", 3, "store")) == "rows[3].store"
    assert field_path(("body", "schedule", 0, "state_holiday")) == "schedule[0].state_holiday"
    assert field_path(("body",)) == "body" and field_path(("query", "days")) == "query.days"


@pytest.mark.parametrize("charset", ["latin-1", "ISO-8859-1", "windows-1252"])
def test_a_body_not_utf8_under_a_declared_charset_says_the_charset_is_not_taken(client, charset):
    """Was "the body is not valid UTF-8 (byte ...)", silent on the charset the client declared and meant."""
    r = client.post("/predict", content='{"rows": [{"store": "é"}]}'.encode("latin-1"),
                    headers={"content-type": f"application/json; charset={charset}"})
    assert r.status_code == 422
    (item,) = r.json()["detail"]
    assert item["field"] == "body" and item["type"] == "json_invalid"
    assert item["msg"] == (f"the body is not valid UTF-8 (byte b'\\xe9' at position 21): send UTF-8 encoded JSON "
                           f"(the Content-Type says charset={charset}, but JSON is read as UTF-8 only, RFC 8259 8.1)")


@pytest.mark.parametrize(("sent", "said"), [("latin-é".encode(), "latin-é"), (b"x" * 300, "x" * 40 + "…")])
def test_a_declared_charset_is_repeated_as_every_header_value_is(client, sent, said):
    """Was "charset=latin-Ã©" (the header's bytes read as Latin-1) and 300 characters cut at 40 without a mark,
    where every other refusal repeats a header value read as UTF-8 and cut visibly (``http_rules.shown``)."""
    r = client.post("/predict", content='{"rows": [{"store": "é"}]}'.encode("latin-1"),
                    headers={"content-type": b"application/json; charset=" + sent})
    (item,) = r.json()["detail"]
    assert f"(the Content-Type says charset={said}, but JSON is read as UTF-8 only" in item["msg"]


def test_a_body_not_utf8_without_a_charset_is_answered_as_before(client):
    r = client.post("/predict", content='{"rows": [{"store": "é"}]}'.encode("latin-1"), headers=JSON)
    assert r.json()["detail"][0]["msg"] == (
        "the body is not valid UTF-8 (byte b'\\xe9' at position 21): send UTF-8 encoded JSON")


@pytest.mark.parametrize(("path", "body", "field", "msg"), [
    ("/predict", {"rows": []}, "rows", "expected at least 1 item; got an empty array"),
    ("/plan", {"store": 1, "start": "2015-08-01", "promo_days": ["2015-08-03"] * 93}, "promo_days",
     "expected at most 92 items; got 93"),
    ("/forecast", {"store": 1, "start": "2015-08-01", "schedule": [{"date": "2015-08-03"}] * 93}, "schedule",
     "expected at most 92 items; got 93"),
])
def test_an_array_of_the_wrong_length_says_so_without_pydantic_words(client, path, body, field, msg):
    """Was "List should have at least 1 item after validation, not 0": "after validation" is pydantic's."""
    (item,) = _items(client, path, body)
    assert item["field"] == field and item["msg"] == msg


@pytest.mark.parametrize("blank", ["", " ", " \t "])
def test_a_blank_optional_text_field_reads_as_not_sent_as_a_blank_cell_of_a_file_does(client, blank):
    """Was 422 "got the string ' '", where a file reads such a cell as empty and the field left out is "0"."""
    plain = {k: v for k, v in row().items() if k != "state_holiday"}
    r = client.post("/predict", json={"rows": [{**plain, "state_holiday": blank}]})
    assert r.status_code == 200, r.json()
    assert r.json()["predictions"] == client.post("/predict", json={"rows": [plain]}).json()["predictions"]
    body = {"store": 1, "start": "2015-08-03", "days": 2}
    day = {"date": "2015-08-04", "promo": 1}
    r = client.post("/forecast", json={**body, "schedule": [{**day, "state_holiday": blank}]})
    assert r.status_code == 200 and r.json() == client.post("/forecast", json={**body, "schedule": [day]}).json()


@pytest.mark.parametrize(("component", "path", "body"), [
    ("PredictRow", "/predict", lambda blank: {"rows": [row(state_holiday=blank)]}),
    ("ScheduleDay", "/forecast", lambda blank: {"store": 1, "start": "2015-08-03", "days": 2,
                                                "schedule": [{"date": "2015-08-04", "state_holiday": blank}]}),
])
def test_the_api_description_takes_the_blank_text_it_answers(client, component, path, body):
    """The description said one of "0", "a", "b", "c" while "" was answered: schemathesis' negative data check (a
    request the description refuses must be refused) failed on it."""
    spec = client.get("/openapi.json").json()["components"]["schemas"][component]["properties"]["state_holiday"]
    patterns = [branch["pattern"] for branch in spec["anyOf"] if "pattern" in branch]
    for blank in ("", " ", " \t "):
        assert client.post(path, json=body(blank)).status_code == 200
        assert any(re.fullmatch(pattern, blank) for pattern in patterns), (spec, blank)
    assert not any(re.fullmatch(pattern, "\u00a0") for pattern in patterns)  # a no-break space is a value


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/predict", {"rows": [row()]}, ("rows", 0, "date")),
    ("/forecast", {"store": 1, "start": "2015-08-03"}, ("start",)),
    ("/forecast", {"store": 1, "start": "2015-08-03", "schedule": [{"date": "2015-08-04"}]}, ("schedule", 0, "date")),
    ("/plan", {"store": 1, "start": "2015-08-03"}, ("start",)),
    ("/plan/rank", {"start": "2015-08-03"}, ("start",)),
])
def test_a_blank_required_text_field_is_the_422_of_the_field_left_out(client, path, body, field):
    """Was "expected an ISO date string ... got ' '": now the same answer as without the field, at its path."""
    def with_value(value):
        doc = json.loads(json.dumps(body))
        *parents, name = field
        target = doc
        for part in parents:
            target = target[part]
        if value is None:
            del target[name]
        else:
            target[name] = value
        return client.post(path, json=doc)

    absent = with_value(None)
    assert absent.status_code == 422 and absent.json()["detail"][0]["msg"] == "this field is required"
    for blank in ("", "  ", "\t"):
        assert (with_value(blank).status_code, with_value(blank).json()) == (422, absent.json()), blank


def test_a_no_break_space_is_a_value_not_a_blank(client):
    # as in a file: nobody types U+00A0 between fields, so it is refused as the value it is
    r = client.post("/predict", json={"rows": [row(state_holiday="\u00a0")]})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "rows[0].state_holiday"


@pytest.mark.parametrize(("path", "body", "field", "limit"), [
    ("/predict", {"rows": [row()] * 10_001}, "rows", 10_000),
    ("/forecast", {"store": 1, "start": "2015-08-01", "schedule": [{"date": "2015-08-01"}] * 93}, "schedule", 92),
])
def test_a_list_over_its_limit_is_refused_before_its_items_are_read(client, monkeypatch, path, body, field, limit):
    """Each item was validated first, then the length checked: a 4.6 MB /predict body of 110,000 rows held the
    event loop (every other request) about 2 s for the answer "expected at most 10000 items"."""
    from storecast.api import schemas

    read = []
    real = schemas._without_blank_text
    monkeypatch.setattr(schemas, "_without_blank_text", lambda data, names: read.append(names) or real(data, names))
    (item,) = _items(client, path, body)
    assert (item["field"], item["type"]) == (field, "too_long")
    assert item["msg"] == f"expected at most {limit} items; got {limit + 1}"
    assert ("date", "state_holiday") not in read  # not one item looked at (/forecast's own "start" is)


@pytest.mark.parametrize(("path", "body", "field", "msg"), [
    ("/predict", {"rows": [row(open=None)]}, "rows[0].open",
     "expected a whole number without quotes, e.g. 1; got null: leave `open` out for its default, 1"),
    ("/predict", {"rows": [row(state_holiday=None)]}, "rows[0].state_holiday",
     "expected one of '0', 'a', 'b' or 'c' (as a string); got null: leave `state_holiday` out for its default, \"0\""),
    ("/forecast", {"store": 1, "start": "2015-08-01", "days": None}, "days",
     "expected a whole number without quotes, e.g. 1; got null: leave `days` out for its default, 42"),
    # a required field has no default to point to
    ("/predict", {"rows": [row(promo=None)]}, "rows[0].promo",
     "expected a whole number without quotes, e.g. 1; got null"),
])
def test_null_for_a_field_with_a_default_says_to_leave_it_out(client, path, body, field, msg):
    """Was "got null" alone: a client writing a missing value as null (pandas' to_json) did not learn how to get
    the default it meant."""
    (item,) = _items(client, path, body)
    assert (item["field"], item["msg"]) == (field, msg)


@pytest.mark.parametrize(("key", "field"), [
    ("\u2028", '["\\u2028"]'), ("a\x7fb", '["a\\u007fb"]'), ("4\xa0100", '["4\\u00a0100"]'),
    ("x\x85", '["x\\u0085"]'), ("ａ b", '["ａ b"]'),
])
def test_a_key_with_a_character_the_echo_rule_escapes_is_escaped_in_the_field_path(client, key, field):
    """Was raw: json.dumps(ensure_ascii=False) left DEL, U+0085, U+2028 and U+00A0 in ``field`` as sent, which
    the one echo rule (storecast.errors.quoted) never does; a printable character (ａ) still shows as it is."""
    (item,) = _items(client, "/predict", {"rows": [row()], key: 1})
    assert item["loc"] == ["body", key] and item["field"] == field
    assert all(c.isprintable() for c in item["field"])
