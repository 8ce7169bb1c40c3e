"""Malformed requests found by probing a running ``storecast serve``: each gets a 4xx that says what came.

Every case here was answered before, but wrongly: a 422 where the token was missing, Python's ``nan`` for a
JSON ``NaN``, a top-level ``null`` called only "not an object".
"""

from __future__ import annotations

import sys

import pytest
from api_helpers import TOKEN, row

JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(("path", "body", "query"), [
    ("/predict", b"{", ""),  # not JSON
    ("/forecast", b'{"store": 1, "store": 2, "start": "2015-08-03"}', ""),  # a key twice
    ("/plan", b'{"store": 1}'.decode().encode("utf-16"), ""),  # not UTF-8
    ("/predict", b'{"rows": ["\\ud800"]}', ""),  # a lone surrogate
    ("/plan/rank", b'{"start": "2015-08-03"}', "?top=1"),  # a query string
    ("/plan", b'{"store": NaN}', ""),  # not a JSON value
], ids=["syntax", "duplicate-key", "utf16", "surrogate", "query", "nan"])
def test_a_body_refused_before_the_schema_is_401_without_the_token(guarded, path, body, query):
    # FastAPI parses the body before it runs the token check: these were 422 while a well-formed body was 401
    r = guarded.post(path + query, content=body, headers=JSON)
    assert r.status_code == 401 and r.json() == {"detail": "missing bearer token: send `Authorization: Bearer <token>`"}
    assert r.headers["www-authenticate"] == "Bearer"
    r = guarded.post(path + query, content=body, headers={**JSON, "Authorization": "Bearer wrong"})
    assert r.status_code == 401 and r.json() == {"detail": "wrong bearer token"}
    r = guarded.post(path + query, content=body, headers={**JSON, "Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 422 and r.json()["detail"][0]["field"] in ("body", "rows[0]", "query.top", "store")


def test_with_the_token_a_body_error_is_still_the_usual_422(guarded):
    r = guarded.post("/predict", content=b'{"rows": [', headers={**JSON, "Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["msg"].startswith("the body is not valid JSON: Expecting value at line 1, column 11")
    ok = guarded.post("/predict", json={"rows": [row()]}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200


@pytest.mark.parametrize("word", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize(("path", "body", "loc", "field"), [
    ("/predict", '{"rows": [{"store": 1, "date": "2015-08-03", "promo": %s}]}', ["rows", 0, "promo"], "rows[0].promo"),
    ("/forecast", '{"store": 1, "start": "2015-08-03", "schedule": [{"date": "2015-08-04", "open": %s}]}',
     ["schedule", 0, "open"], "schedule[0].open"),
    ("/plan", '{"store": 1, "start": "2015-08-03", "days": %s}', ["days"], "days"),
    ("/plan/rank", '{"start": "2015-08-03", "top": [1, %s]}', ["top", 1], "top[1]"),
    ("/predict", "%s", [], "body"),
])
def test_nan_and_infinity_are_refused_as_not_json_where_they_are(client, word, path, body, loc, field):
    # Python's json read them as numbers: the 422 came later, from the schema, in its words ("got NaN")
    r = client.post(path, content=(body % word).encode(), headers=JSON)
    assert r.status_code == 422
    assert r.json()["detail"] == [{
        "loc": ["body", *loc], "field": field, "type": "json_invalid",
        "msg": f"{word} is not a JSON value (RFC 8259 has no NaN or Infinity, though Python's json.dumps writes "
               "them): send a finite number, or the value this field takes"}]


def test_the_first_nan_is_named_even_before_a_repeated_key_or_a_syntax_error(client):
    body = b'{"rows": [{"store": 1, "date": "2015-08-03", "promo": NaN, "promo": 1}, {"store": '
    r = client.post("/predict", content=body, headers=JSON)
    assert [(i["field"], i["msg"][:20]) for i in r.json()["detail"]] == [("body", "NaN is not a JSON va")]
    body = b'{"rows": [{"store": 1, "store": 1}, {"promo": NaN}]}'  # an object with a key twice ends before the NaN
    assert client.post("/predict", content=body, headers=JSON).json()["detail"][0]["msg"] == (
        "the key 'store' appears twice in one JSON object of the body: send each field once")
    body = b'{"rows": [{"store": 1, "x": "NaN", "promo": NaN}]}'  # the word inside a string is text, not a number
    assert client.post("/predict", content=body, headers=JSON).json()["detail"][0]["field"] == "rows[0].promo"


def test_a_number_beyond_float_range_still_says_it_reads_as_infinity(client):
    body = '{"rows": [{"store": 1e400, "date": "2015-08-03", "promo": 1}]}'
    r = client.post("/predict", content=body.encode(), headers=JSON)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "rows[0].store"
    assert r.json()["detail"][0]["msg"].endswith("got 1e400 (a number beyond 1.8e308, which JSON readers take as "
                                                 "Infinity)")


def _python_calls(fn, *args):
    """``fn(*args)`` and how many Python functions it ran (a generator resumed counts once per value it yields)."""
    calls = 0

    def profile(frame, event, arg):
        nonlocal calls
        calls += event == "call"

    sys.setprofile(profile)
    try:
        result = fn(*args)
    finally:
        sys.setprofile(None)
    return result, calls


@pytest.mark.parametrize(("last", "field", "said"), [
    ("NaN", "rows[200000]", "NaN is not a JSON value"),
    ('{"a": [0, {"b": Infinity}]}', "rows[200000].a[1].b", "Infinity is not a JSON value"),
    ('"\\udc00"', "rows[200000]", "the string holds the escape \\udc00"),
    ('{"a": 1, "x\\ud800": 1}', "rows[200000]", "a key holds the escape \\ud800"),
], ids=["nan", "nested-infinity", "surrogate", "surrogate-in-key"])
def test_a_word_or_lone_surrogate_after_many_values_is_located_without_a_step_per_value(client, last, field, said):
    # Located by a walk of every value: after 2.4 million numbers (a 5 MB body) the 422 took 4 s (a lone surrogate)
    # to 17 s (NaN) of the event loop, and so of every other request. Now found by halves, each tested in C.
    from storecast.api import body_place
    from storecast.api.strict_json import _DECODER

    text = '{"rows": [' + "0, " * 200_000 + last + "]}"
    r = client.post("/predict", content=text.encode(), headers=JSON)
    assert r.status_code == 422
    assert r.json()["detail"][0]["field"] == field and r.json()["detail"][0]["msg"].startswith(said)
    if "NaN" in last or "Infinity" in last:
        _, calls = _python_calls(body_place.locate_word, text)
    else:
        _, calls = _python_calls(body_place.locate_unpaired_surrogate, _DECODER.decode(text))
    assert calls < 2_000, calls  # the walk ran once per value: over 200,000


def _with_little_stack(fn, *args):
    """``fn(*args)`` with 100 frames of recursion left: too few for ``repr`` or ``json.dumps`` of a body nested 300
    deep, so the search by halves stops and the walk (``body_place._nodes``, a loop) locates instead."""
    frame, depth = sys._getframe(), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    saved = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 100)
    try:
        return fn(*args)
    finally:
        sys.setrecursionlimit(saved)


DEEP = "[" * 300, "]" * 300


@pytest.mark.parametrize("find", ["word", "repeat", "surrogate", "surrogate-in-key"])
def test_a_body_too_deep_for_the_search_by_halves_is_located_alike_by_the_walk(monkeypatch, find):
    """The two searches of a parsed body (the first marked value; the first lone surrogate, keys first) descend by
    halves and fall back on a walk of every value where ``repr``/``json.dumps`` run out of stack: both name the
    same place, deep under ``rows[1].a[1]``."""
    import json

    from storecast.api import body_place as parsing
    from storecast.api.strict_json import _DECODER

    inner = {"word": "NaN", "repeat": '{"k": 1, "k": 2}', "surrogate": '"\\ud800"',
             "surrogate-in-key": '{"a": 1, "x\\ud800": 1}'}[find]
    # a deep array before the one that holds it: testing the first half of `a` is what needs the stack
    text = '{"rows": [0, {"b": 1, "a": [' + DEEP[0] + "0" + DEEP[1] + ", " + DEEP[0] + inner + DEEP[1] + "]}]}"
    if find == "word":
        doc = json.loads(text, object_pairs_hook=tuple, parse_constant=parsing._Word)
        search = parsing._first_marked
    elif find == "repeat":
        doc, search = json.loads(text, object_pairs_hook=parsing._mark_repeats), parsing._first_marked
    else:
        doc, search = _DECODER.decode(text), parsing.locate_unpaired_surrogate

    # each search gives the place first: with the value found (word, repeat), or the surrogate and whether in a key
    by_halves = search(doc)
    walked = []
    nodes = parsing._nodes
    monkeypatch.setattr(parsing, "_nodes", lambda doc: walked.append(1) or nodes(doc))
    assert _with_little_stack(search, doc) == by_halves and walked
    loc = by_halves[0]
    assert loc[:4] == ("rows", 1, "a", 1) and len(loc) == 4 + 300


def test_every_route_that_takes_a_body_parses_it_strictly():
    """Why ``echo.json_kind`` has no NaN wording: the strict parser refuses the word NaN and a JSON numeral
    never reads as NaN (1e400 reads as Infinity, above), so only a route parsing JSON some other way could
    show one. Every route with a body is a ``StrictJSONRoute``."""
    from fastapi.routing import APIRoute

    from storecast.api.body import StrictJSONRoute
    from storecast.api.routes import health, model, page, plan, predict

    routes = [r for module in (health, model, page, plan, predict) for name in ("router", "open_router")
              for r in getattr(getattr(module, name, None), "routes", []) if isinstance(r, APIRoute)]
    with_body = {r.path: type(r) for r in routes if r.body_field is not None}
    assert sorted(with_body) == ["/forecast", "/plan", "/plan/rank", "/predict"]
    assert set(with_body.values()) == {StrictJSONRoute}


@pytest.mark.parametrize(("body", "said"), [
    (b"null", "null"), (b"[]", "an array"), (b'"rows"', "the string 'rows'"), (b"7", "7"), (b"true", "true"),
])
@pytest.mark.parametrize("path", ["/predict", "/forecast", "/plan", "/plan/rank"])
def test_a_body_that_is_not_an_object_says_what_came(client, path, body, said):
    r = client.post(path, content=body, headers=JSON)
    assert r.status_code == 422 and r.json()["detail"][0]["field"] == "body"
    msg = r.json()["detail"][0]["msg"]
    assert msg.startswith("expected a JSON object, e.g. {") and msg.endswith(f"; got {said}")


@pytest.mark.parametrize(("method", "path", "meant"), [
    ("POST", "/Predict", "/predict"), ("POST", "/PLAN/RANK", "/plan/rank"), ("GET", "/Health", "/health"),
])
def test_a_path_in_another_case_names_the_route_meant(client, method, path, meant):
    # a 404 named the route meant only when it differed by slashes: /Predict read "GET /openapi.json lists the routes"
    r = client.request(method, path, json={})
    assert r.status_code == 404
    assert r.json() == {"detail": f"nothing at {path}: did you mean {meant}? (paths are case-sensitive)"}


def test_a_long_value_shown_in_a_message_is_cut_visibly(client):
    # the cut was silent: "got 'xxxxxxxxx" without its closing quote read as the value sent
    r = client.post("/predict", json={"rows": [row(date="x" * 1_000)]})
    assert r.status_code == 422
    msg = r.json()["detail"][0]["msg"]
    assert msg.endswith("got '" + "x" * 40 + "…") and len(msg) < 120  # 40 characters of it, as every echo
    short = client.post("/predict", json={"rows": [row(date="2015/08/03")]}).json()["detail"][0]["msg"]
    assert short.endswith("got '2015/08/03'")


def test_a_long_string_or_key_named_in_a_message_is_cut_visibly(client):
    # cut silently at 40 characters: `got the string "xxx"` read as the value sent
    msg = client.post("/predict", json={"rows": [row(promo="x" * 50)]}).json()["detail"][0]["msg"]
    assert msg.endswith("got the string '" + "x" * 40 + "…")
    key = '"' + "k" * 70 + '"'
    body = f'{{"rows": [{{{key}: 1, {key}: 2}}]}}'
    msg = client.post("/predict", content=body, headers=JSON).json()["detail"][0]["msg"]
    assert msg.startswith("the key '" + "k" * 64 + "… appears twice")  # MAX_KEY, as a key anywhere else
    assert client.post("/predict", json={"rows": [row(promo="1")]}).json()["detail"][0]["msg"].endswith(
        "got the string '1'")


KEY_60, KEY_70 = "k" * 60, "k" * 70  # under and over MAX_KEY (64)


def test_a_key_is_named_whole_up_to_64_characters_wherever_it_is_echoed(client):
    """A 60-character key was cut at 40 in the duplicate-key and many-unknown-fields messages and in a query
    name (silently there), while ``loc`` showed it whole: one key, two spellings."""
    body = f'{{"rows": [{{"{KEY_60}": 1, "{KEY_60}": 2}}]}}'
    msg = client.post("/predict", content=body, headers=JSON).json()["detail"][0]["msg"]
    assert msg.startswith(f"the key '{KEY_60}' appears twice")
    many = {KEY_60: 1, **{f"k{i}": 1 for i in range(200)}}
    msg = client.post("/forecast", json={"store": 1, "start": "2015-08-03", **many}).json()["detail"][0]["msg"]
    assert f"(first: {KEY_60}, k0, k1)" in msg
    r = client.post(f"/predict?{KEY_60}=1", json={"rows": [row()]})
    assert r.json()["detail"][0]["loc"] == ["query", KEY_60]


def test_a_longer_key_is_clipped_at_64_characters_wherever_it_is_echoed(client):
    clipped = "k" * 64 + "…"
    many = {KEY_70: 1, **{f"k{i}": 1 for i in range(200)}}
    msg = client.post("/forecast", json={"store": 1, "start": "2015-08-03", **many}).json()["detail"][0]["msg"]
    assert f'(first: ["{clipped}"], k0, k1)' in msg  # quoted, as the field of each error names it: not a name
    r = client.post(f"/predict?{KEY_70}=1", json={"rows": [row()]})
    assert r.json()["detail"][0]["loc"] == ["query", clipped]
    # a key on the way to a NaN or a lone surrogate was named whole in loc and field
    for value in ("NaN", '"\\ud800"'):
        r = client.post("/predict", content=f'{{"rows": [{{"{KEY_70}": {value}}}]}}', headers=JSON)
        (item,) = r.json()["detail"]
        assert item["loc"] == ["body", "rows", 0, clipped] and item["field"] == f'rows[0]["{clipped}"]', value


def test_over_100_unknown_fields_are_one_error_naming_the_first(client):
    # each unknown key was an error of its own, all converted before the 422 kept 50: a 4.7 MB body of 400,000
    # keys held the server for about 4 s
    keys = {f"k{i}": 1 for i in range(100_000)}
    r = client.post("/predict", json={"rows": [row(), {**row(date="2015-08-04"), **keys}]})
    assert r.status_code == 422
    assert r.json()["detail"] == [{
        "loc": ["body"], "field": "body", "type": "too_many_unknown_fields",
        "msg": "the body holds 100,000 unknown fields (first: rows[1].k0, rows[1].k1, rows[1].k2): send only the "
               "fields taken; the body takes rows, and each of rows takes id, store, date, open, promo, state_holiday, "
               "school_holiday"}]
    r = client.post("/forecast", json={"store": 1, "start": "2015-08-03", **keys})
    assert [item["type"] for item in r.json()["detail"]] == ["too_many_unknown_fields"]
    assert "(first: k0, k1, k2)" in r.json()["detail"][0]["msg"]
    r = client.post("/forecast", json={"store": 1, "start": "2015-08-03", "schedule": [{"date": "2015-08-03", **keys}]})
    assert "(first: schedule[0].k0, schedule[0].k1, schedule[0].k2)" in r.json()["detail"][0]["msg"]


def test_a_few_unknown_fields_are_still_named_one_by_one(client):
    # test.csv's column names: each gets its own error and the field meant
    csv_row = {"Id": 1, "Store": 1, "DayOfWeek": 1, "Date": "2015-08-03", "Open": 1, "Promo": 1, "StateHoliday": "0",
               "SchoolHoliday": 0}
    r = client.post("/predict", json={"rows": [csv_row] * 12})
    items = r.json()["detail"]
    assert r.status_code == 422 and items[0]["field"] == "rows[0].store" and items[0]["type"] == "missing"
    assert "did you mean 'store'?" in next(i["msg"] for i in items if i["field"] == "rows[0].Store")
    assert items[-1]["type"] == "more_problems"  # 12 rows x (8 unknown + 3 missing) = 132 problems, 50 named
    # 101 rows: 101 keys past the 7 fields, so 808 unknown: one error, still naming the field meant
    r = client.post("/predict", json={"rows": [csv_row] * 101})
    assert [item["type"] for item in r.json()["detail"]] == ["too_many_unknown_fields"]
    assert ("the body holds 808 unknown fields (first: rows[0].Id (did you mean 'id'?), rows[0].Store (did you mean "
            "'store'?), rows[0].DayOfWeek)") in r.json()["detail"][0]["msg"]


def test_the_count_of_unknown_fields_names_a_key_that_is_not_a_name_as_each_error_does(client):
    # the count wrote rows[0].a.b (a path of two fields) where the error of each key wrote rows[0]["a.b"]
    keys = {"a.b": 1, "": 1, **{f"k{i}": 1 for i in range(100)}}
    r = client.post("/predict", json={"rows": [{**row(), **keys}]})
    assert r.json()["detail"][0]["msg"].startswith('the body holds 102 unknown fields (first: rows[0]["a.b"], '
                                                   'rows[0][""], rows[0].k0)')
    r = client.post("/predict", json={"rows": [{**row(), "a.b": 1}]})  # a few: each named the same way
    assert [item["field"] for item in r.json()["detail"]] == ['rows[0]["a.b"]']


@pytest.mark.parametrize(("path", "body", "takes"), [
    ("/plan", {"store": 1, "start": "2015-08-03"}, "the body takes store, start, days, promo_days, closed_days"),
    ("/plan/rank", {"start": "2015-08-03"}, "the body takes start, days, top"),
])
def test_over_100_unknown_fields_are_one_error_on_the_plan_routes_too(client, path, body, takes):
    # /predict and /forecast counted them; /plan answered 400,000 unknown keys one by one: 1.8 s (/plan/rank 4 s)
    keys = {f"k{i}": 1 for i in range(101)}
    r = client.post(path, json={**body, **keys})
    assert r.json()["detail"] == [{
        "loc": ["body"], "field": "body", "type": "too_many_unknown_fields",
        "msg": f"the body holds 101 unknown fields (first: k0, k1, k2): send only the fields taken; {takes}"}]
    r = client.post(path, json={**body, **dict(list(keys.items())[:100])})  # 100: each named, 50 listed
    assert [item["type"] for item in r.json()["detail"]] == ["extra_forbidden"] * 50 + ["more_problems"]


def test_unknown_fields_are_counted_in_rows_of_as_many_keys_as_fields(client):
    # a row of 7 keys named as in test.csv added no "excess" key: 10,000 of them were 70,000 errors (1.8 s)
    csv_row = {"Store": 1, "Date": "2015-08-03", "Open": 1, "Promo": 1, "StateHoliday": "0", "SchoolHoliday": 0,
               "Id": 1}
    r = client.post("/predict", json={"rows": [csv_row] * 15})
    assert [item["type"] for item in r.json()["detail"]] == ["too_many_unknown_fields"]
    assert r.json()["detail"][0]["msg"].startswith("the body holds 105 unknown fields (first: rows[0].Store (did you "
                                                   "mean 'store'?), rows[0].Date (did you mean 'date'?), rows[0].Open")


@pytest.mark.parametrize(("method", "sent", "meant"), [
    ("POST", "/plan%2Frank", "/plan/rank"),  # was ranked: Starlette routes on the decoded path
    ("GET", "/web%2fplanner.js", "/web/planner.js"),  # was served the script
    ("GET", "/%2Fhealth", "/health"),
    ("GET", "/model%2F", "/model"),
])
def test_an_encoded_slash_in_the_path_is_not_a_slash(client, method, sent, meant):
    # RFC 3986 2.2: %2F is not "/", so a proxy allowing or denying by path saw another path than the one served
    r = client.request(method, sent, json={"start": "2015-08-03", "days": 14} if method == "POST" else None)
    assert r.status_code == 404 and r.headers["content-type"] == "application/json"
    assert r.json() == {"detail": f"nothing at {sent}: %2F in a path is not a slash (RFC 3986 2.2), and no path here "
                                  f"holds one: send the slashes as / (did you mean {meant}?)"}
    assert client.request(method, meant, json={"start": "2015-08-03", "days": 14} if method == "POST" else None
                          ).status_code == 200
