"""Malformed requests, round 21: bodies and headers of every body route (/predict, /forecast, /plan, /plan/rank).

The bar for every case: a 4xx, a ``detail`` that names the JSON field (or the header) and says what to send,
no traceback, and a body over the limit refused without reading it. All were already met when written: they stay
as regression tests of the body parsing, the schemas and the routes' own checks together.
"""

from __future__ import annotations

import gzip
import re
import tracemalloc

import pytest

J = {"content-type": "application/json"}
ROW = '{"store": 1, "date": "2015-01-05", "open": 1, "promo": 1, "state_holiday": "0", "school_holiday": 0}'
NOT_JSON = r"is not a JSON value \(RFC 8259 has no NaN or Infinity, though Python's json\.dumps writes them\)"
WHOLE = r"expected a whole number without quotes, e\.g\. 1; got "
ISO = r"expected an ISO date string 'YYYY-MM-DD' \(for example '2015-08-01'\), got "
TWICE = r"the key '{}' appears twice in one JSON object of the body: send each field once"
DEEP = r"the body is JSON nested deeper than the parser's limit of about 1,000 levels"


def predict(row: str) -> tuple[str, str]:
    return "/predict", '{"rows": [' + row + "]}"


def with_row(old: str, new: str) -> tuple[str, str]:
    assert old in ROW
    return predict(ROW.replace(old, new))


def forecast(more: str) -> tuple[str, str]:
    return "/forecast", '{"store": 1, "start": "2015-01-05", "days": 7' + more + "}"


def plan(more: str) -> tuple[str, str]:
    return "/plan", '{"store": 1, "start": "2015-01-05", "days": 14' + more + "}"


def rank(more: str) -> tuple[str, str]:
    return "/plan/rank", '{"start": "2015-01-05", "days": 14' + more + "}"


# name: ((path, body), the field the 422 names first, a regex of its message)
CASES: dict[str, tuple[tuple[str, str], str, str]] = {
    "predict: NaN": (with_row('"promo": 1', '"promo": NaN'), "rows[0].promo", "NaN " + NOT_JSON),
    "predict: Infinity": (with_row('"store": 1', '"store": Infinity'), "rows[0].store", "Infinity " + NOT_JSON),
    "predict: -Infinity": (with_row('"store": 1', '"store": -Infinity'), "rows[0].store", "-Infinity " + NOT_JSON),
    "predict: 1e400": (with_row('"store": 1', '"store": 1e400'), "rows[0].store",
                       WHOLE + r"1e400 \(a number beyond 1\.8e308, which JSON readers take as Infinity\)"),
    "predict: an id of 1e400": (predict(ROW.replace('{"store"', '{"id": 1e400, "store"')), "rows[0].id",
                                WHOLE + "1e400"),
    "predict: an id of 2**63": (predict(ROW.replace('{"store"', '{"id": 9223372036854775808, "store"')), "rows[0].id",
                                "expected at most 9223372036854775807; got 9223372036854775808"),
    "predict: a store of 1.0": (with_row('"store": 1', '"store": 1.0'), "rows[0].store",
                                WHOLE + r"1\.0 \(a decimal number\)"),
    "predict: a store key twice": (with_row('"store": 1', '"store": 1, "store": 2'), "rows[0].store",
                                   TWICE.format("store")),
    "predict: a key twice, once escaped": (with_row('"store": 1', '"\\u0073tore": 1, "store": 2'), "rows[0].store",
                                           TWICE.format("store")),
    "predict: rows twice": (("/predict", '{"rows": [' + ROW + '], "rows": []}'), "rows", TWICE.format("rows")),
    "predict: a top-level array": (("/predict", "[" + ROW + "]"), "body", r"expected a JSON object, e\.g\. .*; got "
                                                                          "an array"),
    "predict: a top-level null": (("/predict", "null"), "body", "expected a JSON object.*; got null"),
    "predict: 10,000 arrays deep": (("/predict", '{"rows": ' + "[" * 10_000 + "]" * 10_000 + "}"), "body", DEEP),
    "predict: 10,000 objects deep": (("/predict", '{"rows": [' + '{"a":' * 10_000 + "1" + "}" * 10_000 + "]}"), "body",
                                     DEEP),
    "predict: a store as a string": (with_row('"store": 1', '"store": "1"'), "rows[0].store", WHOLE + "the string '1'"),
    "predict: a store in Arabic-Indic digits": (with_row('"store": 1', '"store": "\u0661"'), "rows[0].store",
                                                WHOLE + "the string '\u0661'"),
    "predict: promo true": (with_row('"promo": 1', '"promo": true'), "rows[0].promo", WHOLE + "true"),
    "predict: a date with a time": (with_row("2015-01-05", "2015-01-05T00:00:00"), "rows[0].date",
                                    ISO + "'2015-01-05T00:00:00'"),
    "predict: a date with a zone": (with_row("2015-01-05", "2015-01-05+01:00"), "rows[0].date",
                                    ISO + r"'2015-01-05\+01:00'"),
    "predict: a date in UTC": (with_row("2015-01-05", "2015-01-05T10:00:00Z"), "rows[0].date",
                               ISO + "'2015-01-05T10:00:00Z'"),
    "predict: a date as a number": (with_row('"2015-01-05"', "20150105"), "rows[0].date", ISO + "20150105"),
    "predict: a date in 1900": (with_row("2015-01-05", "1900-01-05"), "rows[0].date",
                                "expected a date from 2000-01-01 to 2099-12-31, the dates this API serves, got "
                                "'1900-01-05'"),
    "predict: a date of a million digits": (with_row("2015-01-05", "2" * 1_000_000), "rows[0].date", ISO + "'2222.*…$"),
    "predict: an unknown field": (with_row('"store": 1', '"store": 1, "sales": 5'), "rows[0].sales",
                                  "unknown field 'sales': this object takes id, store, date, open, promo, "
                                  "state_holiday, school_holiday"),
    "predict: an unknown top-level field": (("/predict", '{"rows": [' + ROW + '], "model": "x"}'), "model",
                                            "unknown field 'model': this object takes rows"),
    "predict: state_holiday 0.0": (with_row('"state_holiday": "0"', '"state_holiday": "0.0"'), "rows[0].state_holiday",
                                   r"expected one of '0', 'a', 'b' or 'c' \(as a string\); got the string '0\.0'"),
    "predict: state_holiday 0 as a number": (with_row('"state_holiday": "0"', '"state_holiday": 0'),
                                             "rows[0].state_holiday", r"expected one of .*; got 0$"),
    "predict: store 0": (with_row('"store": 1', '"store": 0'), "rows[0].store", "expected at least 1; got 0"),
    "predict: a store the model lacks": (with_row('"store": 1', '"store": 999'), "rows[0].store",
                                         "unknown store 999: this model knows 12 stores"),
    "predict: no rows": (("/predict", '{"rows": []}'), "rows", "expected at least 1 item; got an empty array"),
    "predict: rows an object": (("/predict", '{"rows": ' + ROW + "}"), "rows", r"expected an array, e\.g\. \[\.\.\.\]; "
                                                                               "got an object"),
    "predict: a second document after the first": (("/predict", '{"rows": [' + ROW + ']}{"rows": []}'), "body",
                                                   "Extra data .*: send one JSON object, with nothing after it"),
    "predict: a lone surrogate": (with_row('"0"', '"\\ud800"'), "rows[0].state_holiday",
                                  r"the string holds the escape \\ud800, half of a UTF-16 surrogate pair"),
    "predict: a trailing comma": (("/predict", '{"rows": [' + ROW + ",]}"), "rows[1]", "Expecting value"),
    "predict: the same store and day twice": (("/predict", '{"rows": [' + ROW + "," + ROW + "]}"), "rows[1].date",
                                              "store 1 on 2015-01-05 is also rows\\[0\\]: list each store and day "
                                              "once"),
    "forecast: days NaN": (("/forecast", '{"store": 1, "start": "2015-01-05", "days": NaN}'), "days",
                           "NaN " + NOT_JSON),
    "forecast: days 1e400": (("/forecast", '{"store": 1, "start": "2015-01-05", "days": 1e400}'), "days",
                             WHOLE + "1e400"),
    "forecast: days as a string": (("/forecast", '{"store": 1, "start": "2015-01-05", "days": "7"}'), "days",
                                   WHOLE + "the string '7'"),
    "forecast: days twice": (forecast(', "days": 8'), "days", TWICE.format("days")),
    "forecast: a start with a time": (("/forecast", '{"store": 1, "start": "2015-01-05 00:00"}'), "start",
                                      ISO + "'2015-01-05 00:00'"),
    "forecast: a start with Z": (("/forecast", '{"store": 1, "start": "2015-01-05Z"}'), "start", ISO + "'2015-01-05Z'"),
    "forecast: an unknown field": (forecast(', "horizon": 7'), "horizon",
                                   "unknown field 'horizon': this object takes store, start, days, schedule"),
    "forecast: a schedule object": (forecast(', "schedule": {"date": "2015-01-05"}'), "schedule",
                                    "expected an array"),
    "forecast: a schedule item null": (forecast(', "schedule": [null]'), "schedule[0]",
                                       r"expected a JSON object, e\.g\. \{\.\.\.\}; got null"),
    "forecast: a schedule day outside": (forecast(', "schedule": [{"date": "2015-03-05"}]'), "schedule[0].date",
                                         "2015-03-05 is outside the forecast window 2015-01-05..2015-01-11"),
    "forecast: a schedule day twice": (forecast(', "schedule": [{"date": "2015-01-05"}, {"date": "2015-01-05"}]'),
                                       "schedule[1].date", r"2015-01-05 is also schedule\[0\]: list each day once"),
    "forecast: NaN in the schedule": (forecast(', "schedule": [{"date": "2015-01-05", "promo": NaN}]'),
                                      "schedule[0].promo", "NaN " + NOT_JSON),
    "forecast: a top-level array": (("/forecast", '[{"store": 1, "start": "2015-01-05"}]'), "body",
                                    "expected a JSON object.*; got an array"),
    "forecast: a store the model lacks": (("/forecast", '{"store": 999, "start": "2015-01-05"}'), "store",
                                          "unknown store 999"),
    "forecast: a period past 2099": (("/forecast", '{"store": 1, "start": "2099-12-31", "days": 42}'), "start",
                                     r"the period 2099-12-31\.\.2100-02-10 \(42 days\) runs past 2099-12-31"),
    "plan: NaN in promo_days": (plan(', "promo_days": [NaN]'), "promo_days[0]", "NaN " + NOT_JSON),
    "plan: days Infinity": (("/plan", '{"store": 1, "start": "2015-01-05", "days": Infinity}'), "days",
                            "Infinity " + NOT_JSON),
    "plan: days 1e2": (("/plan", '{"store": 1, "start": "2015-01-05", "days": 1e2}'), "days",
                       WHOLE + r"1e2 \(a decimal number\)"),
    "plan: a store 1e400": (("/plan", '{"store": 1e400, "start": "2015-01-05"}'), "store", WHOLE + "1e400"),
    "plan: a store twice": (plan(', "store": 2'), "store", TWICE.format("store")),
    "plan: a top-level array": (("/plan", "[]"), "body", "expected a JSON object.*; got an array"),
    "plan: promo_days 10,000 deep": (plan(', "promo_days": ' + "[" * 10_000 + "]" * 10_000), "body", DEEP),
    "plan: a store as a string": (("/plan", '{"store": "1", "start": "2015-01-05"}'), "store", WHOLE + "the string"),
    "plan: a promo day with a time": (plan(', "promo_days": ["2015-01-06T00:00:00"]'), "promo_days[0]",
                                      ISO + "'2015-01-06T00:00:00'"),
    "plan: a promo day as a number": (plan(', "promo_days": [20150106]'), "promo_days[0]", ISO + "20150106"),
    "plan: a promo day null": (plan(', "promo_days": [null]'), "promo_days[0]", ISO + "null"),
    "plan: a promo day outside": (plan(', "promo_days": ["2016-01-06"]'), "promo_days[0]",
                                  "2016-01-06 is outside the planning window 2015-01-05..2015-01-18"),
    "plan: a promo day twice": (plan(', "promo_days": ["2015-01-06", "2015-01-06"]'), "promo_days[1]",
                                r"2015-01-06 is also promo_days\[0\]: list each day once"),
    "plan: 1,000 promo days": (plan(', "promo_days": [' + ", ".join(['"2015-01-06"'] * 1000) + "]"), "promo_days",
                               "expected at most 92 items; got 1000"),
    "plan: closed_days as a word": (plan(', "closed_days": "none"'), "closed_days",
                                    "expected an array.*; got the string 'none'"),
    "plan: an unknown field": (plan(', "scenario": {}'), "scenario",
                               "unknown field 'scenario': this object takes store, start, days, promo_days, "
                               "closed_days"),
    "plan: a store the model lacks": (("/plan", '{"store": 999, "start": "2015-01-05"}'), "store", "unknown store 999"),
    "rank: top NaN": (rank(', "top": NaN'), "top", "NaN " + NOT_JSON),
    "rank: top 1e400": (rank(', "top": 1e400'), "top", WHOLE + "1e400"),
    "rank: top 2**64": (rank(', "top": 18446744073709551616'), "top",
                        "expected at most 10000; got 18446744073709551616"),
    "rank: top as a string": (rank(', "top": "5"'), "top", WHOLE + "the string '5'"),
    "rank: top 0": (rank(', "top": 0'), "top", "expected at least 1; got 0"),
    "rank: start twice": (rank(', "start": "2015-01-06"'), "start", TWICE.format("start")),
    "rank: a top-level array": (("/plan/rank", '[{"start": "2015-01-05"}]'), "body",
                                "expected a JSON object.*; got an array"),
    "rank: a start 10,000 deep": (("/plan/rank", '{"start": ' + "[" * 10_000 + "]" * 10_000 + "}"), "body", DEEP),
    "rank: a start with a time": (("/plan/rank", '{"start": "2015-01-05T00:00"}'), "start", ISO + "'2015-01-05T00:00'"),
    "rank: an unknown field": (rank(', "stores": [1]'), "stores",
                               "unknown field 'stores': this object takes start, days, top"),
    "rank: a period without a week to add": (("/plan/rank", '{"start": "2015-01-09", "days": 3}'), "days",
                                             "holds no Monday..Friday week without a usual promo: plan a longer "
                                             "period"),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_a_malformed_body_is_a_422_naming_its_field(client, case):
    (path, body), field, said = CASES[case]
    r = client.post(path, content=body.encode(), headers=J)
    assert r.status_code == 422, r.text
    assert "Traceback" not in r.text
    first = r.json()["detail"][0]
    assert first["field"] == field, r.text
    assert re.search(said, first["msg"]), first["msg"]


BIG = 50_000_000

# name: (path, body, headers, status, a regex of the detail)
HEADERS: dict[str, tuple[str, bytes, dict[str, str], int, str]] = {
    "predict: text/plain": ("/predict", predict(ROW)[1].encode(), {"content-type": "text/plain"}, 415,
                            "Content-Type 'text/plain' is not supported: send the JSON body with Content-Type: "
                            "application/json"),
    "predict: a form": ("/predict", b"rows=1", {"content-type": "application/x-www-form-urlencoded"}, 415,
                        "Content-Type 'application/x-www-form-urlencoded' is not supported"),
    "predict: no Content-Type": ("/predict", predict(ROW)[1].encode(), {}, 415,
                                 "a body without Content-Type is not supported"),
    "predict: gzip": ("/predict", gzip.compress(predict(ROW)[1].encode()),
                      {"content-type": "application/json", "content-encoding": "gzip"}, 415,
                      "Content-Encoding 'gzip' is not supported: send the body uncompressed"),
    "predict: a gzip bomb": ("/predict", gzip.compress(b'{"rows": [' + b" " * 100_000_000 + b"]}"),
                             {"content-type": "application/json", "content-encoding": "gzip"}, 415,
                             "Content-Encoding 'gzip' is not supported"),
    "plan: gzip": ("/plan", gzip.compress(b'{"store": 1, "start": "2015-01-05"}'),
                   {"content-type": "application/json", "content-encoding": "gzip"}, 415,
                   "Content-Encoding 'gzip' is not supported"),
    "plan: text/plain": ("/plan", b'{"store": 1, "start": "2015-01-05"}', {"content-type": "text/plain"}, 415,
                         "Content-Type 'text/plain' is not supported"),
    "rank: multipart": ("/plan/rank", b"--x\r\n\r\n--x--", {"content-type": "multipart/form-data; boundary=x"}, 415,
                        "Content-Type 'multipart/form-data; boundary=x' is not supported"),
    "predict: 50 MB of spaces": ("/predict", b'{"rows": [' + b" " * BIG + b"]}", J, 413,
                                 "the request body is larger than 5,000,000 bytes: split the batch into smaller "
                                 "requests"),
    "plan: a 50 MB string": ("/plan", b'{"store": 1, "start": "2015-01-05", "x": "' + b"a" * BIG + b'"}', J, 413,
                             "larger than 5,000,000 bytes"),
    "forecast: 50 MB": ("/forecast", b'{"store": 1, "start": "2015-01-05", "x": "' + b"a" * BIG + b'"}', J, 413,
                        "larger than 5,000,000 bytes"),
    "rank: 50 MB": ("/plan/rank", b'{"start": "2015-01-05", "x": "' + b"a" * BIG + b'"}', J, 413,
                    "larger than 5,000,000 bytes"),
    "predict: UTF-16": ("/predict", predict(ROW)[1].encode("utf-16"), J, 422,
                        r"the body must be UTF-8 JSON \(RFC 8259 8\.1\), not UTF-16: send it encoded as UTF-8"),
}


@pytest.mark.parametrize("case", list(HEADERS), ids=list(HEADERS))
def test_a_body_of_the_wrong_kind_or_size_is_refused_saying_why(client, case):
    path, body, headers, status, said = HEADERS[case]
    tracemalloc.start()
    try:
        r = client.post(path, content=body, headers=headers)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert r.status_code == status, r.text
    detail = r.json()["detail"]
    text = detail if isinstance(detail, str) else detail[0]["msg"]
    assert re.search(said, text), text
    assert peak < 20_000_000  # a 50 MB body refused before it is read, a gzip bomb never inflated
