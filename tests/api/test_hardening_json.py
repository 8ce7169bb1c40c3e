"""A body that is not JSON is answered 422 with the real reason, never a generic "not UTF-8"."""

from __future__ import annotations

import json
import sys

import pytest
from api_helpers import fields, row

JSON = {"content-type": "application/json"}


def _reason(client, body: bytes) -> str:
    r = client.post("/predict", content=body, headers=JSON)
    assert r.status_code == 422 and fields(r) == ["body"]
    assert r.json()["detail"][0]["type"] == "json_invalid"
    return r.json()["detail"][0]["msg"]


@pytest.mark.parametrize("body", [b"[" * 100_000, b"[" * 100_000 + b"]" * 100_000, b'{"a": ' * 50_000],
                         ids=["open-arrays", "closed-arrays", "objects"])
def test_deep_nesting_says_too_deep(client, body):
    msg = _reason(client, body)
    assert "nested deeper than the parser's limit of about 1,000 levels" in msg
    assert "UTF-8" not in msg


@pytest.mark.parametrize(("route", "body"), [
    ("/plan", '{{"store": 1, "start": {}}}'),
    ("/forecast", '{{"store": 1, "start": "2015-08-01", "schedule": [{{"date": {}}}]}}'),
])
def test_a_date_nested_just_under_the_parsers_limit_is_422_not_500(client, route, body):
    # The message showed the value through json.dumps, which recursed: an array nested 950 deep (the parser takes
    # about 990) raised RecursionError there, a 500. Every depth the parser takes is now the date's own 422.
    for depth in range(sys.getrecursionlimit() - 300, sys.getrecursionlimit(), 4):
        r = client.post(route, content=body.format("[" * depth + "]" * depth), headers=JSON)
        assert r.status_code == 422, (depth, r.text)
        item = r.json()["detail"][0]
        assert item["type"] in ("date_format", "json_invalid"), (depth, item)
        if item["type"] == "date_format":
            assert item["msg"].endswith("got " + "[" * 39 + "…")


DIGITS = "9" * 5_000


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/predict", '{"rows": [{"store": ' + DIGITS + ', "date": "2015-08-03"}]}', "rows[0].store"),
    ("/predict", '{"rows": [' + json.dumps(row()) + ', {"store": 1, "id": -' + DIGITS + "}]}", "rows[1].id"),
    # a run of digits in a string or in a decimal number is no integer: float() reads any length
    ("/predict", '{"rows": [{"x": "' + DIGITS + '", "store": 1.' + DIGITS + ", \"open\": " + DIGITS + "e2, "
     '"promo": 1e-' + DIGITS + ', "id": ' + DIGITS + "}]}", "rows[0].id"),
    ("/forecast", '{"store": 1, "start": "2015-08-01", "schedule": [{"date": "2015-08-02"}, {"promo": '
     + DIGITS + "}]}", "schedule[1].promo"),
    ("/plan/rank", '{"start": "2015-08-01", "top": ' + DIGITS + ', "days": NaN}', "top"),
])
def test_an_integer_of_5000_digits_says_too_many_digits_at_its_field(client, path, body, field):
    # Was answered at `body`: Python's int() stops the parser without saying where the number is
    r = client.post(path, content=body.encode(), headers=JSON)
    assert r.status_code == 422 and fields(r) == [field]
    (item,) = r.json()["detail"]
    assert item["type"] == "json_invalid" and item["msg"] == (
        "a number in the body has more than 4,300 digits: send numbers within their field's range")


def test_a_nan_or_a_repeated_key_after_an_integer_of_5000_digits_is_still_located(client):
    # the second parse that locates them read such an integer with int(), failed, and named the body instead
    body = '{"rows": [{"store": 1, "date": "2015-08-03", "promo": NaN, "id": ' + DIGITS + "}]}"
    assert fields(client.post("/predict", content=body.encode(), headers=JSON)) == ["rows[0].promo"]
    body = '{"rows": [{"store": 1, "store": 1}, {"id": ' + DIGITS + "}]}"  # the object ends before the number
    assert fields(client.post("/predict", content=body.encode(), headers=JSON)) == ["rows[0].store"]


def test_bytes_that_are_not_utf8_say_so_with_the_position(client):
    msg = _reason(client, b'{"rows": [\xff]}')
    assert msg == "the body is not valid UTF-8 (byte b'\\xff' at position 10): send UTF-8 encoded JSON"


def test_a_surrogate_encoded_in_utf8_bytes_is_not_utf8(client):
    """json.loads(bytes) decodes with surrogatepass, so this lone surrogate used to reach the schema."""
    msg = _reason(client, b'{"rows": ["\xed\xa0\x80"]}')
    assert msg == "the body is not valid UTF-8 (byte b'\\xed' at position 11): send UTF-8 encoded JSON"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"])
def test_json_in_utf16_or_utf32_is_refused_not_guessed(client, encoding):
    """RFC 8259 8.1: JSON between systems is UTF-8; json.loads(bytes) would decode these (BOM or not)."""
    msg = _reason(client, json.dumps({"rows": [row()]}).encode(encoding))
    assert msg == (f"the body must be UTF-8 JSON (RFC 8259 8.1), not {encoding.upper()}: "
                   "send it encoded as UTF-8")


def test_a_utf8_byte_order_mark_is_ignored(client):
    """RFC 8259 8.1 lets a parser ignore the BOM a sender must not add; the answer is the one without it."""
    body = json.dumps({"rows": [row()]})
    with_bom = client.post("/predict", content=body.encode("utf-8-sig"), headers=JSON)
    assert with_bom.status_code == 200
    assert with_bom.json() == client.post("/predict", content=body.encode(), headers=JSON).json()


@pytest.mark.parametrize(("body", "field", "where"), [
    (b'{"rows": [1,]}', "rows[1]", "Expecting value at line 1, column 13 (character 12)"),
    (b'{\n  "rows": [\n    {"store": 1,,}\n]}', "rows[0]",
     "Expecting property name enclosed in double quotes at line 3, column 17 (character 30)"),
    (b'{"rows": "abc', "rows", "Unterminated string starting at line 1, column 10 (character 9)"),
    (b'{"rows": [], }', "body",
     "Expecting property name enclosed in double quotes at line 1, column 14 (character 13)"),
])
def test_a_syntax_error_gives_its_field_line_and_column(client, body, field, where):
    r = client.post("/predict", content=body, headers=JSON)
    assert r.status_code == 422 and fields(r) == [field] and r.json()["detail"][0]["type"] == "json_invalid"
    ending = "send a JSON object" if field == "body" else "send valid JSON"
    assert r.json()["detail"][0]["msg"] == f"the body is not valid JSON: {where}: {ending}"


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/predict", '{"rows": [' + ", ".join(json.dumps(row(date=f"2015-08-{d:02}")) for d in range(1, 30))
     + ', {"store": 1, "date": "2015-08-30", "promo": 1 "open": 1}]}', "rows[29].promo"),
    ("/forecast", '{"store": 1, "start": "2015-08-01", "schedule": [{"date": "2015-08-02", "x": {"a": [1]}}, '
     '{"date": "2015-08-03", "open": }]}', "schedule[1].open"),
    ("/plan", '{"store": 1, "start": "2015-08-01", "promo_days": ["2015-08-03" "2015-08-04"]}', "promo_days[0]"),
    ("/plan/rank", '{"start": "2015-08-01", "days": 7,, "top": 3}', "body"),  # a key expected: the object's place
    ("/forecast", '{"store": 1, "start" "2015-08-01"}', "start"),  # a key without its colon: the key's place
    ("/predict", '{"rows": [{"st\\"ore:": 1, "date": "2015-08-03", "p,[{": [}]}', 'rows[0]["p,[{"][0]'),
])
def test_a_syntax_error_in_a_batch_is_named_at_its_field(client, path, body, field):
    # Was answered at `body` with a character offset only: a 10,000-row batch had to be searched by hand
    r = client.post(path, content=body.encode(), headers=JSON)
    assert r.status_code == 422 and fields(r) == [field], r.text
    assert r.json()["detail"][0]["msg"].startswith("the body is not valid JSON: ")


@pytest.mark.parametrize(("number", "field"), [
    ("0x10", "rows[0].promo"), ("1_000", "rows[0].promo"), ("01", "rows[0].promo"), ("+1", "rows[0].promo"),
    (".5", "rows[0].promo"), ("1.", "rows[0].promo"), ("-01", "rows[0].promo"), ("1.e3", "rows[0].promo"),
])
def test_a_number_json_does_not_take_is_named_as_a_number_at_its_field(client, number, field):
    # `"promo": 0x10` was told "Expecting ',' delimiter", as if a comma were missing, at `body`
    body = '{"rows": [{"store": 1, "date": "2015-08-03", "promo": ' + number + "}]}"
    r = client.post("/predict", content=body.encode(), headers=JSON)
    assert r.status_code == 422 and fields(r) == [field]
    msg = r.json()["detail"][0]["msg"]
    assert msg.startswith(f"'{number}' at line 1, column ") and "is not a JSON number: write it in decimal" in msg


@pytest.mark.parametrize(("body", "field"), [
    ('{"rows": [{"store": 1, "date": "2015-08-03\x00", "promo": 1}]}', "rows[0].date"),
    ('{"rows": [{"store": 1, "date": "2015-08-03\t", "promo": 1}]}', "rows[0].date"),
    ('{"rows": [{"store": 1, "da\nte": "2015-08-03", "promo": 1}]}', "rows[0]"),  # in a key: the object
    ('{"rows": "\x00"}', "rows"),
])
def test_a_raw_control_character_in_a_string_says_to_escape_it_at_its_field(client, body, field):
    # was "Expecting ... send a JSON object" at `body`, for a body that is a JSON object but for one character
    r = client.post("/predict", content=body.encode(), headers=JSON)
    assert r.status_code == 422 and fields(r) == [field]
    assert r.json()["detail"][0]["msg"].startswith("the body is not valid JSON: Invalid control character at line ")
    assert r.json()["detail"][0]["msg"].endswith("a string holds a raw control character (a tab, line break or NUL): "
                                                 "write it escaped, e.g. \\t, \\n, \\u0000")


@pytest.mark.parametrize(("path", "body", "key", "field"), [
    ("/predict", b'{"rows": [{"store": 1, "store": 2, "date": "2015-08-03", "promo": 1}]}', "store", "rows[0].store"),
    ("/predict", b'{"rows": [], "rows": [{"store": 1, "date": "2015-08-03", "promo": 1}]}', "rows", "rows"),
    ("/forecast", b'{"store": 1, "start": "2015-08-01", "days": 3, "days": 90}', "days", "days"),
    ("/plan", b'{"store": 1, "start": "2015-08-01", "promo_days": [], "promo_days": null}', "promo_days",
     "promo_days"),
    ("/plan/rank", b'{"start": "2015-08-01", "top": 1, "top": 5}', "top", "top"),
])
def test_a_key_given_twice_is_refused_rather_than_read_last_wins(client, path, body, key, field):
    """json.loads keeps the last of two equal keys: {"store": 1, "store": 2} would forecast store 2."""
    r = client.post(path, content=body, headers=JSON)
    assert r.status_code == 422 and fields(r) == [field]
    assert r.json()["detail"][0]["msg"] == (f"the key {key!r} appears twice in one JSON object of the body: "
                                            "send each field once")


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/predict", '{"rows": [' + ", ".join(json.dumps(row(date=f"2015-08-0{i + 1}", id=i)) for i in range(3))
     + ', {"id": 3, "store": 1, "id": 3, "date": "2015-08-05", "promo": 1}]}', "rows[3].id"),
    ("/forecast", '{"store": 1, "start": "2015-08-01", "days": 7, "schedule": [{"date": "2015-08-02"}, '
     '{"date": "2015-08-03", "promo": 1, "promo": 0}]}', "schedule[1].promo"),
    ("/predict", '{"rows": [{"store": 1, "date": "2015-08-03", "promo": 1, "x": {"a": 1, "a": 2}}]}', "rows[0].x.a"),
    ("/predict", '{"rows": [{"store": 1, "date": "2015-08-03", "promo": 1, "": 1, "": 2}]}', 'rows[0][""]'),
    # two objects with a key twice: the outer one first, as pydantic names a parent before its children
    ("/predict", '{"rows": [{"store": 1, "store": 1}], "rows": []}', "rows"),
])
def test_a_key_given_twice_is_named_at_its_place_with_the_row(client, path, body, field):
    # Was answered at `body`: "the key 'id' appears twice" left a batch of up to 10,000 rows to be searched by hand
    r = client.post(path, content=body.encode(), headers=JSON)
    assert r.status_code == 422 and fields(r) == [field]
    key = "" if field.endswith('[""]') else field.rsplit(".", 1)[-1]
    assert r.json()["detail"][0]["msg"] == (f"the key {key!r} appears twice in one JSON object of the body: "
                                            "send each field once")


def test_a_key_given_twice_after_a_syntax_error_is_still_named_at_the_body(client):
    # the body cannot be parsed again to find the object, so the key the parser met is named, at the body
    r = client.post("/predict", content=b'{"rows": [{"store": 1, "store": 1}, {"store": ', headers=JSON)
    assert r.status_code == 422 and fields(r) == ["body"]
    assert r.json()["detail"][0]["msg"].startswith("the key 'store' appears twice")


@pytest.mark.parametrize(("text", "doc"), [
    ("{}", {}), ('{"a": 1}', {"a": 1}), ('[{}, {"a": {}}, {"a": 1, "b": [{}]}]', [{}, {"a": {}}, {"a": 1, "b": [{}]}]),
    ('{"a": {"b": 1, "b": 2}}', "b"), ('[{"a": 1}, {"a": 1, "a": 1}]', "a"),
], ids=["empty", "one-key", "nested", "twice-inside-one-key", "twice-after-one-key"])
def test_objects_of_no_or_one_key_parse_as_json_does_and_repeats_are_still_found(text, doc):
    """Objects of 0 or 1 keys take a shortcut past the duplicate check (the cost of a body of 1.6 M ``{}``)."""
    from storecast.api.strict_json import _DECODER, DuplicateKeyError

    if isinstance(doc, str):
        with pytest.raises(DuplicateKeyError, match=repr(doc)):
            _DECODER.decode(text)
    else:
        assert _DECODER.decode(text) == json.loads(text) == doc


@pytest.mark.parametrize(("path", "example"), [
    ("/predict", '{"rows": [{"id": 7, "store": 1, "date": "2015-08-01"'),
    ("/forecast", '{"store": 1, "start": "2015-08-01", "days": 42'),
    ("/plan", '{"store": 1, "start": "2015-08-01", "days": 42'),
    ("/plan/rank", '{"start": "2015-08-01", "days": 42, "top": 20}'),
])
def test_a_body_that_is_not_an_object_or_empty_shows_the_routes_own_example(client, path, example):
    r = client.post(path, content=b"[1]", headers=JSON)
    assert r.status_code == 422 and fields(r) == ["body"]
    assert r.json()["detail"][0]["msg"].startswith(f"expected a JSON object, e.g. {example}")
    r = client.post(path, content=b"", headers=JSON)
    assert r.status_code == 422 and fields(r) == ["body"]
    assert r.json()["detail"][0]["msg"].startswith(f"the request has no body: send a JSON object, e.g. {example}")


def test_a_non_json_media_type_that_contains_json_is_told_which_header_to_set(client):
    r = client.post("/predict", content=b'{"rows": []}', headers={"content-type": "application/jsonx"})
    assert r.status_code == 415
    assert r.json()["detail"] == ("Content-Type 'application/jsonx' is not supported: send the JSON body with "
                                  "Content-Type: application/json")


@pytest.mark.parametrize(("path", "body", "query", "field"), [
    ("/forecast", {"store": 1, "start": "2015-08-03"}, "days=3", "query.days"),
    ("/predict", {"rows": [row()]}, "store=2&x=1", "query.store"),
    ("/plan", {"store": 1, "start": "2015-08-03", "days": 7}, "promo_days=2015-08-04", "query.promo_days"),
    ("/plan/rank", {"start": "2015-08-03", "days": 14}, "top=1", "query.top"),
    ("/predict", {"rows": [row()]}, "&", 'query["&"]'),
])
def test_a_query_string_on_a_body_route_is_refused_not_ignored(client, path, body, query, field):
    # `POST /forecast?days=3` answered 42 days: the query was ignored, where an unknown body field is refused
    r = client.post(f"{path}?{query}", json=body)
    assert r.status_code == 422 and fields(r)[0] == field
    assert r.json()["detail"][0]["msg"] == (f"POST {path} reads its fields from the JSON body only: "
                                            "move them there and send no query string")
    assert client.post(f"{path}?", json=body).status_code == 200  # an empty query is no query


def test_a_query_string_of_many_names_lists_fifty_and_counts_the_rest(client):
    # the route cut the names at 50 before the 422 counted them: 60 names read as 50, with no word of 10 more
    query = "&".join(f"f{i}=1" for i in range(60))
    r = client.post(f"/forecast?{query}", json={"store": 1, "start": "2015-08-03"})
    assert r.status_code == 422 and fields(r)[:50] == [f"query.f{i}" for i in range(50)]
    last = r.json()["detail"][50:]
    assert [item["type"] for item in last] == ["more_problems"]
    assert last[0]["msg"].startswith("and 10 more problem(s) not listed")


@pytest.mark.parametrize("path", ["/health", "/ready", "/model", "/", "/web/planner.js"])
@pytest.mark.parametrize("query", ["ts=1733500000123", "_=1&v=2", "&"])
def test_a_query_string_on_a_get_route_is_ignored_as_a_cache_buster(client, path, query):
    # the GET routes take no input, so a query cannot be a field meant and ignored; browsers, proxies and
    # uptime monitors add cache busters (/health?ts=123), which a 422 would turn into "service down"
    plain = client.get(path)
    for method in ("GET", "HEAD"):
        r = client.request(method, f"{path}?{query}")
        assert r.status_code == 200 and r.content == (plain.content if method == "GET" else b"")
        assert r.headers["content-type"] == plain.headers["content-type"]


def test_the_api_description_states_the_query_string_rule(client):
    said = client.get("/openapi.json").json()["info"]["description"]
    assert "`POST /predict`, `/forecast`, `/plan`, `/plan/rank`" in said and "422 at `query.<name>`" in said
    assert "The `GET` (and `HEAD`) routes take no input, so they ignore a query string" in said


@pytest.mark.parametrize(("body", "field", "what"), [
    ('{"rows": [{"store": 1, "date": "2015-08-03", "promo": 1, "state_holiday": "\\udc00"}]}',
     "rows[0].state_holiday", "the string"),
    ('{"rows": [{"store": 1, "date": "2015-08-03", "promo": 1, "x\\uD800": 1}]}', "rows[0]", "a key"),
    ('{"rows": [], "\\ud800": 1}', "body", "a key"),
    ('{"store": 1, "start": "2015-08-03", "schedule": [{"date": "\\ud800\\ud800"}]}', "schedule[0].date",
     "the string"),
])
def test_an_unpaired_surrogate_escape_is_named_where_it_is(client, body, field, what):
    # json.loads keeps "\ud800" as a lone surrogate; pydantic then said "unable to parse raw data as a unicode
    # string" at the enclosing object for a key, without saying which escape or how to fix it
    path = "/forecast" if body.startswith('{"store"') else "/predict"
    r = client.post(path, content=body.encode(), headers=JSON)
    assert r.status_code == 422 and fields(r) == [field]
    msg = r.json()["detail"][0]["msg"]
    assert msg.startswith(f"{what} holds the escape \\u") and "half of a UTF-16 surrogate pair" in msg


@pytest.mark.parametrize("value", ["\\ud83d\\ude00", "\\\\ud800"])
def test_a_surrogate_pair_or_an_escaped_backslash_is_an_ordinary_string(client, value):
    body = '{"rows": [{"store": 1, "date": "2015-08-03", "promo": 1, "state_holiday": "' + value + '"}]}'
    r = client.post("/predict", content=body.encode(), headers=JSON)
    assert r.status_code == 422 and r.json()["detail"][0]["type"] == "literal_error"


@pytest.mark.parametrize(("sent", "said"), [
    ('"1"', "the string '1'"), ("1.0", "1.0 (a decimal number)"), ("1.5", "1.5 (a decimal number)"),
    ("true", "true"), ("null", "null"), ("[1]", "an array"),
])
def test_a_whole_number_field_says_what_came_and_what_to_send(client, sent, said):
    body = '{"rows": [{"store": 1, "date": "2015-08-03", "promo": ' + sent + '}]}'
    r = client.post("/predict", content=body.encode(), headers={"content-type": "application/json"})
    assert r.status_code == 422
    (item,) = r.json()["detail"]
    assert item["field"] == "rows[0].promo" and item["type"] == "int_type"
    assert item["msg"] == f"expected a whole number without quotes, e.g. 1; got {said}"


@pytest.mark.parametrize(("sent", "said"), [
    ("1e5", "1e5 (a decimal number)"), ("-2.50E+1", "-2.50E+1 (a decimal number)"),
    ("1e400", "1e400 (a number beyond 1.8e308, which JSON readers take as Infinity)"),
])
def test_a_decimal_number_is_echoed_as_the_client_wrote_it(client, sent, said):
    # json reads 1e5 as 100000.0 and 1e400 as inf: the answer said "got 100000.0" and "got Infinity", not what was sent
    body = '{"rows": [{"store": 1, "date": "2015-08-03", "promo": 1}, {"store": 2, "date": "2015-08-03", "promo": ' \
        + sent + '}]}'
    r = client.post("/predict", content=body.encode(), headers={"content-type": "application/json"})
    assert r.status_code == 422
    (item,) = r.json()["detail"]
    assert item["field"] == "rows[1].promo"
    assert item["msg"] == f"expected a whole number without quotes, e.g. 1; got {said}"


def test_a_decimal_number_in_a_date_field_is_echoed_as_the_client_wrote_it(client):
    # the date check's own echo read "got 100000.0" for promo_days: [1e5]
    body = b'{"store": 1, "start": "2015-08-03", "days": 3, "promo_days": [1e5]}'
    r = client.post("/plan", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert [(item["field"], item["msg"]) for item in r.json()["detail"]] == [
        ("promo_days[0]", "expected an ISO date string 'YYYY-MM-DD' (for example '2015-08-01'), got 1e5")]


@pytest.mark.parametrize("body", [b'{"rows": []} []', b'{"rows": []}\n{"rows": []}', b'{"rows": []} x'])
def test_json_after_the_body_says_to_send_one_object(client, body):
    # was "...: send a JSON object" of a body that starts with one
    assert _reason(client, body).endswith(": send one JSON object, with nothing after it")


@pytest.mark.parametrize("body", [b" ", b"\r\n\t", b"\xef\xbb\xbf", b"\xef\xbb\xbf \n"])
def test_a_body_of_only_white_space_or_a_byte_order_mark_says_it_holds_no_json(client, body):
    # was "Expecting value at line 1, column 1 (character 0)", a position in what the sender saw as nothing
    assert _reason(client, body) == ("the body holds no JSON value, only white space (or a byte order mark): "
                                     "send a JSON object")


@pytest.mark.parametrize(("body", "field", "code"), [
    (b'\xef\xbb\xbf\xef\xbb\xbf{"rows": []}', "body", "FEFF"),  # a byte order mark twice: the parser drops one
    ('{"rows": [\u200b{"store": 1}]}'.encode(), "rows[0]", "200B"),  # a zero-width space pasted before a row
    (b'{"rows": []}\x00', "body", "0000"),
])
def test_an_invisible_character_outside_a_string_is_named_by_its_code_point(client, body, field, code):
    # "Expecting value at line 1, column 1" of a body that reads as valid JSON left nothing to look for
    r = client.post("/predict", content=body, headers=JSON)
    assert r.status_code == 422 and fields(r) == [field]
    assert r.json()["detail"][0]["msg"].endswith(f": the invisible character U+{code} stands there, outside any "
                                                 "string: remove it")
