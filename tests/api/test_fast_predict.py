"""The lean ``POST /predict`` path (``api.fast_predict``) answers exactly as FastAPI's route does.

Each request is sent, as raw ASGI messages, to two apps serving one loaded model: one with the lean path on (the
default) and one with ``Settings.fast_predict`` off, where every request goes through the route. Their answers are
compared byte for byte: status, header lines and body. A valid request must be answered by the lean path (FastAPI's
router never saw it: no ``route`` in its scope); every other request must reach the route and be answered by it.
"""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from api_helpers import TOKEN, consecutive_rows, row
from fastapi.testclient import TestClient

from storecast.api import create_app
from storecast.api.fast_predict import MAX_LEAN_BYTES
from storecast.api.serving import ServedModel, load_served
from storecast.config import Settings

Message = dict[str, Any]
JSON = (b"content-type", b"application/json")


class _Pair:
    """Two apps on one model, the lean path on and off, each started (lifespan) by its own TestClient."""

    def __init__(self, settings: Settings, served: ServedModel) -> None:
        self.settings = settings
        self.fast = TestClient(create_app(settings, served=served))
        self.full = TestClient(create_app(settings.model_copy(update={"fast_predict": False}), served=served))

    def __enter__(self) -> _Pair:
        self.fast.__enter__()
        self.full.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.full.__exit__(*exc)
        self.fast.__exit__(*exc)

    def both(self, body: bytes | list[Message], headers: list[tuple[bytes, bytes]] | None = None,
             query: bytes = b"") -> tuple[tuple[Any, ...], tuple[Any, ...]]:
        """(status, header lines, body, routed) of each app for one request."""
        headers = [JSON] if headers is None else headers
        messages = ([{"type": "http.request", "body": body, "more_body": False}] if isinstance(body, bytes)
                    else body)
        return (self.fast.portal.call(_call, self.fast.app, headers, messages, query),  # type: ignore[union-attr]
                self.full.portal.call(_call, self.full.app, headers, messages, query))  # type: ignore[union-attr]


async def _call(app: Any, headers: list[tuple[bytes, bytes]], messages: list[Message],
                query: bytes) -> tuple[Any, ...]:
    """One ``POST /predict`` as a server hands it to the app: its answer, and whether FastAPI's router routed it."""
    scope: dict[str, Any] = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": "/predict", "raw_path": b"/predict", "query_string": query, "root_path": "",
        "headers": [(b"host", b"testserver"), *headers], "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80), "state": {}}
    pending = list(messages)
    sent: list[Message] = []

    async def receive() -> Message:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    try:
        await app(scope, receive, send)
    except Exception as exc:  # a bug answered by the server's error layer: the same exception on both paths
        return type(exc).__name__, str(exc), "route" in scope
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], start["headers"], body, "route" in scope


def _body(rows: list[dict[str, Any]]) -> bytes:
    return json.dumps({"rows": rows}).encode()


@pytest.fixture(scope="module")
def served(settings: Settings) -> ServedModel:
    return load_served(settings)


@pytest.fixture(scope="module")
def pair(settings: Settings, served: ServedModel) -> Iterator[_Pair]:
    with _Pair(settings, served) as p:
        yield p


@pytest.fixture(scope="module")
def guarded_pair(settings: Settings, served: ServedModel) -> Iterator[_Pair]:
    with _Pair(settings.model_copy(update={"api_token": TOKEN}), served) as p:
        yield p


def _valid_bodies(stores: list[int]) -> dict[str, bytes]:
    """Requests FastAPI's route answers 200: the lean path must answer every one, with the route's bytes."""
    a, b = stores[0], stores[1]
    closure = consecutive_rows(40, a, "2015-07-01")
    for r in closure[15:20]:  # a 5-day closure inside the store's schedule: the days around it move
        r["open"] = 0
    return {
        "one row": _body([row(a)]),
        "one row with an id": _body([row(a, id=7)]),
        "one row, id null": _body([row(a, id=None)]),
        "one row, defaults left out": _body([{"store": a, "date": "2015-08-03", "promo": 0}]),
        "blank text fields read as left out": _body([row(a, state_holiday=" ")]),
        "a closed day": _body([row(a, open=0)]),
        "many rows of one store": _body(consecutive_rows(60, a)),
        "a schedule with a closure": _body(closure),
        "every store, one row each, ids": _body([row(s, id=i) for i, s in enumerate(stores)]),
        "two stores, interleaved days": _body([r for pair in zip(consecutive_rows(20, a), consecutive_rows(20, b),
                                                                  strict=True) for r in pair]),
        "holidays and school holidays": _body([row(a, "2015-12-25", state_holiday="c", school_holiday=1),
                                               row(b, "2015-04-05", state_holiday="b")]),
        "before training and beyond the horizon": _body([row(a, "2005-01-03"), row(a, "2030-06-03")]),
        "a UTF-8 byte order mark": b"\xef\xbb\xbf" + _body([row(a)]),
        "white space and key order": b' {\n "rows" : [ {"promo": 1, "date": "2015-08-03", "store": %d} ]\n} ' % a,
    }


def test_every_valid_request_gets_the_routes_bytes_from_the_lean_path(pair, known_stores):
    for name, body in _valid_bodies(known_stores).items():
        fast, full = pair.both(body)
        assert fast[:3] == full[:3], name
        assert fast[0] == 200, name
        assert (fast[3], full[3]) == (False, True), f"{name}: answered by the lean path, not the router"


def test_a_body_in_several_messages_is_read_whole(pair, known_stores):
    body = _body(consecutive_rows(30, known_stores[0]))
    messages = [{"type": "http.request", "body": body[i:i + 100], "more_body": i + 100 < len(body)}
                for i in range(0, len(body), 100)]
    fast, full = pair.both(messages)
    assert fast[:3] == full[:3] and fast[0] == 200 and not fast[3]


def test_a_large_body_goes_to_the_route_with_the_same_answer(pair, known_stores):
    # past MAX_LEAN_BYTES a body is the route's: a refused one would otherwise be parsed and validated twice
    body = _body([r for s in known_stores for r in consecutive_rows(80, s)])
    assert len(body) > MAX_LEAN_BYTES
    said = [JSON, (b"content-length", str(len(body)).encode())]
    chunks = [{"type": "http.request", "body": body[i:i + 8192], "more_body": i + 8192 < len(body)}
              for i in range(0, len(body), 8192)]
    for headers, sent in ((said, body), ([JSON], chunks)):
        fast, full = pair.both(sent, headers)
        assert fast == full and fast[0] == 200 and fast[3]


def _refused_requests(stores: list[int]) -> dict[str, tuple[Any, ...]]:
    """Requests FastAPI's route refuses (or reads otherwise): (body, headers, query string)."""
    a = stores[0]
    one = _body([row(a)])
    return {
        "a field of the wrong type": (_body([row(a, open="1")]), None, b""),
        "an unknown store": (_body([row(999_999)]), None, b""),
        "an unknown field": (_body([row(a, Store=a)]), None, b""),
        "a store and day twice": (_body([row(a), row(a)]), None, b""),
        "an id twice": (_body([row(a, id=1), row(a, "2015-08-04", id=1)]), None, b""),
        "a key twice": (b'{"rows": [], "rows": [%s]}' % json.dumps(row(a)).encode(), None, b""),
        "NaN": (one.replace(b'"promo": 1', b'"promo": NaN'), None, b""),
        "no rows": (_body([]), None, b""),
        "not JSON": (b'{"rows": [', None, b""),
        "not UTF-8": (one.decode().encode("utf-16"), None, b""),
        "a lone surrogate": (one.replace(b'"0"', b'"\\ud800"'), None, b""),
        "an empty body": (b"", None, b""),
        "a query string": (one, None, b"days=3"),
        "text/plain": (one, [(b"content-type", b"text/plain")], b""),
        "no Content-Type": (one, [], b""),
        "JSON with a charset (served, by the route)": (one, [(b"content-type", b"application/json; charset=utf-8")],
                                                       b""),
        "gzip": (gzip.compress(one), [JSON, (b"content-encoding", b"gzip")], b""),
        "Content-Encoding: identity (served, by the route)": (one, [JSON, (b"content-encoding", b"identity")], b""),
    }


def test_every_other_request_gets_the_routes_answer(pair, known_stores):
    for name, (body, headers, query) in _refused_requests(known_stores).items():
        fast, full = pair.both(body, headers, query)
        assert fast == full, name


def test_a_batch_over_the_servers_limit_is_the_routes_422(settings, served, known_stores):
    with _Pair(settings.model_copy(update={"max_batch_rows": 3}), served) as small:
        fast, full = small.both(_body(consecutive_rows(4, known_stores[0])))
    assert fast == full
    assert fast[0] == 422 and b"at most 3 per request" in fast[2]


def test_a_body_over_the_size_limit_while_read_is_the_routes_413(settings, served, known_stores):
    # no Content-Length: BodySizeLimit refuses while the body is read, which the lean path does first
    body = _body(consecutive_rows(40, known_stores[0]))
    messages = [{"type": "http.request", "body": body[i:i + 500], "more_body": i + 500 < len(body)}
                for i in range(0, len(body), 500)]
    with _Pair(settings.model_copy(update={"max_body_bytes": 1000}), served) as small:
        fast, full = small.both(messages)
    assert fast == full
    assert fast[0] == 413


def test_a_client_gone_mid_body_is_answered_as_the_route_answers_it(pair, known_stores):
    body = _body([row(known_stores[0])])
    fast, full = pair.both([{"type": "http.request", "body": body[:10], "more_body": True},
                            {"type": "http.disconnect"}])
    assert fast == full


@pytest.mark.parametrize("authorization", [
    None, b"Bearer wrong-token-0123456789", b"Basic abc", b"bearer " + TOKEN.encode(),
    b"Bearer  " + TOKEN.encode(), b"Bearer " + TOKEN.encode()])
def test_auth_answers_are_the_routes(guarded_pair, known_stores, authorization):
    headers = [JSON] if authorization is None else [JSON, (b"authorization", authorization)]
    fast, full = guarded_pair.both(_body([row(known_stores[0])]), headers)
    assert fast[:3] == full[:3]
    # only the token sent exactly as `Bearer <token>` is taken by the lean path; the route says the rest
    assert fast[3] is (authorization != b"Bearer " + TOKEN.encode())


def test_the_token_is_built_once_and_compared_in_constant_time(settings, served, known_stores, monkeypatch):
    # the expected `Bearer <token>` bytes were built again for every request, and compared with `==`, which stops at
    # the first byte that differs (the route compares with `secrets.compare_digest`)
    import storecast.api.fast_predict as fast_predict

    built: list[str | None] = []
    compared: list[tuple[bytes, bytes]] = []
    real_bearer, real_compare = fast_predict._bearer, fast_predict.compare_digest
    monkeypatch.setattr(fast_predict, "_bearer", lambda token: (built.append(token), real_bearer(token))[1])
    monkeypatch.setattr(fast_predict, "compare_digest", lambda a, b: (compared.append((a, b)), real_compare(a, b))[1])
    sent = [b"Bearer " + TOKEN.encode(), b"Bearer wrong-token-0123456789", b"Bearer " + TOKEN.encode()]
    with _Pair(settings.model_copy(update={"api_token": TOKEN}), served) as p:
        answers = [p.both(_body([row(known_stores[0])]), [JSON, (b"authorization", value)])[0] for value in sent]
    assert [(status, routed) for status, _, _, routed in answers] == [(200, False), (401, True), (200, False)]
    assert built == [TOKEN, TOKEN]  # once for each of the two apps (lean path on and off), not once a request
    assert compared == [(value, b"Bearer " + TOKEN.encode()) for value in sent]


def test_auth_off_ignores_an_authorization_header_on_both_paths(pair, known_stores):
    fast, full = pair.both(_body([row(known_stores[0])]), [JSON, (b"authorization", b"Bearer whatever")])
    assert fast[:3] == full[:3] and fast[0] == 200 and not fast[3]


def test_the_log_line_counts_the_rows_the_lean_path_served(pair, known_stores, caplog):
    with caplog.at_level(logging.INFO, logger="storecast.api.access"):
        fast, _ = pair.both(_body(consecutive_rows(3, known_stores[0])))
    assert not fast[3]
    lines = [r.getMessage() for r in caplog.records if r.name == "storecast.api.access"]
    assert lines[0].startswith("POST /predict 200 ") and lines[0].endswith(" rows=3")
    assert lines[0].split()[:3] == lines[1].split()[:3] and lines[0].endswith(lines[1].split()[-1])


def test_the_openapi_description_of_predict_is_the_routes(pair):
    fast = pair.fast.get("/openapi.json").json()
    assert fast == pair.full.get("/openapi.json").json()
    post = fast["paths"]["/predict"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/"
                                                                                     "PredictRequest"}
    assert post["description"].startswith("Forecast a batch of 1..10,000 rows shaped like test.csv")
