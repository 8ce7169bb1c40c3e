"""Bearer token, body size and coding limits, and the request log line."""

from __future__ import annotations

import gzip
import json
import logging
import zlib

import pytest
from api_helpers import TOKEN, consecutive_rows, row
from fastapi.testclient import TestClient

from storecast.api import create_app


def test_health_stays_open_with_a_token(guarded):
    assert guarded.get("/health").status_code == 200


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/predict", {"rows": [row()]}),
    ("POST", "/forecast", {"store": 1, "start": "2015-08-03", "days": 3}),
    ("GET", "/model", None),
    ("GET", "/ready", None),
])
def test_token_missing_or_wrong_is_401(guarded, method, path, body):
    r = guarded.request(method, path, json=body)
    assert r.status_code == 401 and "missing bearer token" in r.json()["detail"]
    assert r.headers["www-authenticate"].startswith("Bearer")
    r = guarded.request(method, path, json=body, headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401 and r.json()["detail"] == "wrong bearer token"
    r = guarded.request(method, path, json=body, headers={"Authorization": f"Basic {TOKEN}"})
    assert r.status_code == 401
    r = guarded.request(method, path, json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200


def test_openapi_declares_bearer_only_when_a_token_is_set(guarded, client):
    assert "securitySchemes" in guarded.get("/openapi.json").json()["components"]
    assert "securitySchemes" not in client.get("/openapi.json").json()["components"]


@pytest.fixture(scope="module")
def small_body(settings):
    with TestClient(create_app(settings.model_copy(update={"max_body_bytes": 2_000}))) as c:
        yield c


def test_body_over_the_limit_is_413(small_body):
    ok = json.dumps({"rows": consecutive_rows(5)}).encode()
    assert len(ok) < 2_000
    headers = {"content-type": "application/json"}
    assert small_body.post("/predict", content=ok, headers=headers).status_code == 200
    big = json.dumps({"rows": [row()] * 40}).encode()
    r = small_body.post("/predict", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "2,000 bytes" in r.json()["detail"]


def test_streamed_body_over_the_limit_is_413(small_body):
    def chunks():  # no Content-Length: the limit is enforced while reading
        yield b'{"rows": ['
        for _ in range(40):
            yield json.dumps(row()).encode() + b","
        yield json.dumps(row()).encode() + b"]}"

    r = small_body.post("/predict", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_request_log_line_has_the_fields_and_never_the_payload(client, caplog):
    secret_id = 987654321
    with caplog.at_level(logging.INFO, logger="storecast.api.access"):
        client.post("/predict", json={"rows": [row(id=secret_id), row(date="2015-08-04")]})
        client.get("/health")
    records = [r for r in caplog.records if r.name == "storecast.api.access"]
    post = next(r for r in records if r.path == "/predict")
    assert (post.method, post.status, post.rows) == ("POST", 200, 2)
    assert post.latency_ms > 0
    health = next(r for r in records if r.path == "/health")
    assert health.rows is None and health.status == 200
    assert all(str(secret_id) not in r.getMessage() for r in records)


def test_a_path_cannot_forge_a_log_line(client, caplog):
    """The path is logged percent-encoded: a decoded %0A would start a second, forged line."""
    forged = "/x%0A2026-01-01 00:00:00,000 INFO storecast.api.access: GET /admin 200%00"
    with caplog.at_level(logging.INFO, logger="storecast.api.access"):
        assert client.get(forged).status_code == 404
    (record,) = [r for r in caplog.records if r.name == "storecast.api.access"]
    line = record.getMessage()
    assert "\n" not in line and "\x00" not in line
    assert record.path == "/x%0A2026-01-01%2000:00:00,000%20INFO%20storecast.api.access:%20GET%20/admin%20200%00"


def test_the_access_log_writes_the_path_as_sent_and_clipped(client, caplog):
    """Was the decoded path, whole: a refused /plan%2Frank logged as "/plan/rank 404" (a path that is served) and
    a 60 kB path written into one 60 kB line."""
    from storecast.api.sent_path import MAX_LOGGED_PATH

    with caplog.at_level(logging.INFO, logger="storecast.api.access"):
        assert client.get("/plan%2Frank").status_code == 404
        assert client.get("/" + "x" * 60_000).status_code == 404
    slash, long = [r for r in caplog.records if r.name == "storecast.api.access"]
    assert slash.path == "/plan%2Frank" and "GET /plan%2Frank 404 " in slash.getMessage()
    assert long.path == "/" + "x" * (MAX_LOGGED_PATH - 1) + "…"


@pytest.mark.parametrize(("coding", "body"), [
    ("gzip", gzip.compress(json.dumps({"rows": [row()]}).encode())),
    ("deflate", zlib.compress(json.dumps({"rows": [row()]}).encode())),
    ("gzip", json.dumps({"rows": [row()]}).encode()),  # labelled gzip but plain: not served as if unlabelled
    ("br", b"\x0b"),
])
def test_a_compressed_body_is_415_naming_the_coding(client, coding, body):
    r = client.post("/predict", content=body,
                    headers={"content-type": "application/json", "content-encoding": coding})
    assert r.status_code == 415 and r.headers["accept-encoding"] == "identity"
    assert r.json() == {"detail": f"Content-Encoding {coding!r} is not supported: send the body uncompressed, "
                                  "without a Content-Encoding header"}
    r = client.post("/predict", json={"rows": [row()]}, headers={"content-encoding": "identity"})
    assert r.status_code == 200


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/health", 200),
    ("HEAD", "/health", 200),
    ("POST", "/predict", 422),  # Content-Length: 0, answered "the request has no body" as without the label
], ids=["get", "head", "empty-post"])
def test_a_request_without_a_body_is_served_whatever_its_content_encoding(client, method, path, status):
    # GET /health from a client that labels every request gzip was 415 "send the body uncompressed": there was none
    r = client.request(method, path, headers={"content-encoding": "gzip", "content-type": "application/json"})
    assert r.status_code == status


@pytest.mark.parametrize("coding", ["gzip, chunked", "deflate,chunked", "compress"])
def test_a_transfer_coding_other_than_chunked_is_501_naming_it(client, coding):
    # the server's parser undoes `chunked` only: a body sent gzip-then-chunked reached the app still gzipped,
    # and a plain body labelled so was served as if the label were absent
    r = client.post("/predict", json={"rows": [row()]}, headers={"transfer-encoding": coding})
    assert r.status_code == 501
    sent = coding.replace(",chunked", ", chunked").removesuffix(", chunked")
    assert r.json() == {"detail": f"Transfer-Encoding {sent!r} is not supported: send the body plain or "
                                  "chunked, without another transfer coding"}
    r = client.post("/predict", json={"rows": [row()]}, headers={"transfer-encoding": "chunked"})
    assert r.status_code == 200


@pytest.mark.parametrize(("name", "values"), [
    ("content-type", ["application/json", "text/plain"]),
    ("content-type", ["text/plain", "application/json"]),
    ("content-type", ["application/json", "application/json"]),
    ("authorization", [f"Bearer {TOKEN}", "Bearer wrong"]),
    ("authorization", ["Bearer wrong", f"Bearer {TOKEN}"]),
])
def test_a_header_sent_twice_is_400_whatever_the_order(guarded, name, values):
    # the first of two Content-Type or Authorization lines was read, the second ignored: the same request
    # was served or refused by the order of its headers (and a proxy that reads the last one disagrees)
    headers = [("content-type", "application/json"), ("authorization", f"Bearer {TOKEN}")]
    headers = [(n, v) for n, v in headers if n != name] + [(name, v) for v in values]
    r = guarded.post("/predict", content=json.dumps({"rows": [row()]}), headers=headers)
    assert r.status_code == 400
    assert r.json() == {"detail": f"the {name.title()} header is sent more than once: send it once"}


def test_two_host_headers_are_400(client):
    # RFC 9112 3.2: a request that names two hosts is refused, not served for the first
    r = client.get("/health", headers=[("host", "a.example"), ("host", "b.example")])
    assert r.status_code == 400
    assert r.json() == {"detail": "the Host header is sent more than once: send it once"}


@pytest.mark.parametrize("value", ["a b/c", "x:port", "user@host", "test/health", "[::1", "host?q"])
def test_a_host_that_is_no_host_and_port_is_400(client, value):
    # RFC 9112 3.2: a Host field with an invalid value MUST be 400; these were served
    r = client.get("/health", headers={"host": value})
    assert r.status_code == 400
    assert r.json() == {"detail": f"the Host header {value!r} is not a host name or address with an optional port "
                                  "(RFC 9110 7.2): send `Host: <name>[:<port>]`, for example `Host: localhost:8000`"}


@pytest.mark.parametrize("value", ["", "localhost", "localhost:8713", "127.0.0.1:80", "[::1]:8713", "shop-1.example."])
def test_a_host_and_port_or_an_empty_host_is_served(client, value):
    assert client.get("/health", headers={"host": value}).status_code == 200


@pytest.mark.parametrize("value", ["200-ok", "100-continue, x", "100-continue-please"])
def test_an_expectation_other_than_100_continue_is_417(client, value):
    # RFC 9110 10.1.1: the server meets no expectation but 100-continue; any other was ignored and served
    r = client.post("/predict", json={"rows": [row()]}, headers={"expect": value})
    assert r.status_code == 417
    assert r.json() == {"detail": f"Expect {value.strip()!r} is not supported: send no Expect header, "
                                  "or `Expect: 100-continue`"}


@pytest.mark.parametrize(("headers", "status", "said"), [
    ({"content-type": "text/" + "x" * 60_000}, 415, "Content-Type 'text/" + "x" * 35 + "…'"),
    ({"content-type": "application/json", "content-encoding": "x" * 60_000}, 415, f"Content-Encoding '{'x' * 40}…'"),
    ({"content-type": "application/json", "expect": "x" * 60_000}, 417, f"Expect '{'x' * 40}…'"),
], ids=["content-type", "content-encoding", "expect"])
def test_a_long_header_value_is_cut_where_a_refusal_repeats_it(client, headers, status, said):
    # the whole value came back: a 60 kB header made a 60 kB answer
    r = client.post("/predict", json={"rows": [row()]}, headers=headers)
    detail = r.json()["detail"]
    assert r.status_code == status and len(r.content) < 500
    assert said in (detail if isinstance(detail, str) else detail[0]["msg"])


def test_a_utf8_content_type_is_repeated_as_sent(client):
    # Starlette reads header bytes as Latin-1: application/jé came back as application/jÃ©
    r = client.post("/predict", content=b"{}", headers={"content-type": "application/jé".encode()})
    assert r.json()["detail"].startswith("Content-Type 'application/jé' is not supported")


@pytest.mark.parametrize("value", ["100-continue", "100-Continue", ""])
def test_expect_100_continue_is_served(client, value):
    r = client.post("/predict", json={"rows": [row()]}, headers={"expect": value})
    assert r.status_code == 200


@pytest.mark.parametrize("value", [f"Basic {TOKEN}", TOKEN, f"Bearer\t{TOKEN}", "Bearer", "Bearer "])
def test_an_authorization_header_that_is_not_bearer_is_told_so_not_missing(guarded, value):
    # every such header was answered "missing bearer token", though the header was there
    r = guarded.post("/predict", json={"rows": [row()]}, headers={"authorization": value})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert r.json() == {"detail": "the Authorization header is not `Bearer <token>`: send `Authorization: "
                                  "Bearer <token>` (the word Bearer, one space, the token)"}
    assert TOKEN not in r.text


def test_the_404_of_an_encoded_slash_writes_the_path_as_the_log_line_does(client, caplog):
    """The %2F 404 rebuilt the path on its own: characters that httptools passes raw ({, |, ^) read as sent in the
    answer and %7B%7C%5E in the log line and the other 404s. A raw request, as a client that does not encode its
    path sends it (a non-ASCII byte likewise, where a server passes one: \\xc3\\xa9 against %C3%A9)."""
    import anyio

    from storecast.api.sent_path import MAX_LOGGED_PATH

    raw = "/plan%2Frank/{|^é".encode() + b"x" * 300
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": raw.decode().replace("%2F", "/"), "raw_path": raw, "query_string": b"", "root_path": "",
             "headers": [(b"host", b"test")], "server": ("test", 80), "client": ("127.0.0.1", 1)}
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    with caplog.at_level(logging.INFO, logger="storecast.api.access"):
        anyio.run(client.app, scope, receive, send)
    (record,) = [r for r in caplog.records if r.name == "storecast.api.access"]
    detail = json.loads(sent[1]["body"])["detail"]
    assert sent[0]["status"] == 404 and record.path.startswith("/plan%2Frank/%7B%7C%5E%C3%A9xxx")
    assert detail.startswith(f"nothing at {record.path}: %2F in a path is not a slash")
    meant = "/plan/rank/%7B%7C%5E%C3%A9" + "x" * 300
    assert detail.endswith(f"(did you mean {meant[:MAX_LOGGED_PATH]}…?)")


def test_a_batch_limit_above_the_schema_cap_is_refused_at_start_up(monkeypatch):
    """Was taken: a batch of 10,001 rows or more was refused by the body's schema all the same (at most 10,000)."""
    from storecast.config import load_settings
    from storecast.errors import StorecastError

    monkeypatch.setenv("STORECAST_MAX_BATCH_ROWS", "20000")
    with pytest.raises(StorecastError, match="^STORECAST_MAX_BATCH_ROWS: Input should be less than or equal to 10000"):
        load_settings()


@pytest.mark.parametrize(("name", "value"), [("STORECAST_MAX_BATCH_ROWS", "0"), ("STORECAST_MAX_BODY_BYTES", "0"),
                                             ("STORECAST_MAX_BODY_BYTES", "-1")])
def test_a_limit_that_refuses_every_request_is_refused_at_start_up(monkeypatch, name, value):
    """Were read as given: a server started that answered every /predict 422 ("at most 0 per request") or every
    POST 413, instead of naming the variable at start-up."""
    from storecast.config import load_settings
    from storecast.errors import StorecastError

    monkeypatch.setenv(name, value)
    with pytest.raises(StorecastError, match=f"^{name}: Input should be greater than or equal to 1; got '{value}'"):
        load_settings()


@pytest.mark.parametrize(("name", "value", "said"), [
    ("STORECAST_REQUEST_TIMEOUT_S", "inf", "Input should be a finite number"),
    ("STORECAST_REQUEST_TIMEOUT_S", "-inf", "Input should be a finite number"),
    ("STORECAST_REQUEST_TIMEOUT_S", "1e400", "Input should be a finite number"),
    ("STORECAST_REQUEST_TIMEOUT_S", "nan", "Input should be a finite number"),
    ("STORECAST_REQUEST_TIMEOUT_S", "86401", "Input should be less than or equal to 86400"),
    ("STORECAST_KEEP_ALIVE_S", "1" + "0" * 400, "Input should be less than or equal to 86400"),
])
def test_a_time_setting_that_is_not_finite_or_past_a_day_is_refused_at_start_up(monkeypatch, name, value, said):
    """"inf" was taken and turned the slow-client 408 guard off without a word; a keep-alive past float's range
    was taken and failed in uvicorn. Like NaN, they are named at start-up."""
    from storecast.config import load_settings
    from storecast.errors import StorecastError

    monkeypatch.setenv(name, value)
    with pytest.raises(StorecastError, match=f"^{name}: {said}; got"):
        load_settings()


def test_a_day_long_time_setting_is_still_taken(monkeypatch):
    from storecast.config import load_settings

    monkeypatch.setenv("STORECAST_REQUEST_TIMEOUT_S", "86400")
    monkeypatch.setenv("STORECAST_KEEP_ALIVE_S", "86400")
    assert (load_settings().request_timeout_s, load_settings().keep_alive_s) == (86400.0, 86400)
