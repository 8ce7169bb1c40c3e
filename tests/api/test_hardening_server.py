"""Slow and greedy clients against a real ``storecast serve``: each one ends in a 4xx or a closed socket.

The server runs with a 1.5 s request deadline, a 1 s keep-alive and room for 5 connections, so every
refusal here comes within a few seconds.
"""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from api_helpers import row

from storecast.api.protocol import MAX_HEADER_BYTES
from storecast.cli.server_process import running_server

pytestmark = pytest.mark.server

DEADLINE_S = 1.5
# the 431 says which limit and what to do, as the 413 does (it said only "larger than 65,536 bytes")
_TOO_LARGE = (f"the request headers are larger than {MAX_HEADER_BYTES:,} bytes in all: send fewer or shorter headers "
              "(large cookies are the usual cause)")
LIMIT = 5


@pytest.fixture(scope="module")
def server(model_path, tmp_path_factory) -> Iterator[tuple[str, int]]:
    env = {"STORECAST_REQUEST_TIMEOUT_S": str(DEADLINE_S), "STORECAST_KEEP_ALIVE_S": "1",
           "STORECAST_LIMIT_CONCURRENCY": str(LIMIT)}
    log = tmp_path_factory.mktemp("hardening") / "server.log"
    with running_server(model_path, timeout=60, env=env, log_file=log) as base:
        yield base, int(base.rsplit(":", 1)[1])


def _dribble(port: int, head: bytes, drip: bytes, every: float = 0.25) -> tuple[bytes, float]:
    """Send ``head``, then ``drip`` a byte every ``every`` s until the server answers; read until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        start = time.monotonic()
        sock.sendall(head)
        for byte in drip:
            if select.select([sock], [], [], every)[0]:
                break
            sock.send(bytes([byte]))
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
        return answer, time.monotonic() - start


def _status_and_detail(answer: bytes) -> tuple[int, str]:
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)["detail"]


def test_a_body_sent_a_byte_a_second_is_408_within_the_deadline(server):
    _, port = server
    head = (b"POST /predict HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n")
    answer, seconds = _dribble(port, head, b" " * 1000)
    assert _status_and_detail(answer) == (
        408, "the request body did not arrive within 1.5 s: send the whole request at once")
    assert b"connection: close" in answer.lower()
    assert DEADLINE_S - 0.2 < seconds < DEADLINE_S + 2.0


_CHUNKED = (b"POST /predict HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")


def _parts_then_wait(port: int, parts: list[bytes]) -> tuple[bytes, float]:
    """Send ``parts`` 0.1 s apart (each its own read on the server), then read until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        start = time.monotonic()
        for part in parts:
            sock.sendall(part)
            time.sleep(0.1)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer, time.monotonic() - start


@pytest.mark.parametrize("parts", [
    [_CHUNKED + b"4C4B41\r\n{"],  # 5,000,001 bytes announced, one sent
    [_CHUNKED + b"4C4", b"B41;x=1\r\n{"],  # the size line in two reads, with an extension
    [_CHUNKED + b"1\r\n{\r\n", b"4C4B40\r\n["],  # 1 byte, then a chunk of 5,000,000: one over in all
], ids=["one-read", "size-line-in-parts", "second-chunk"])
def test_a_chunk_announced_over_the_body_limit_is_413_at_once(server, parts):
    # the announced chunk was read until the body deadline and answered 408 "send the whole request at once",
    # where a Content-Length over the limit gets the 413 that says to send less
    _, port = server
    answer, seconds = _parts_then_wait(port, parts)
    assert _status_and_detail(answer) == (
        413, "the request body is larger than 5,000,000 bytes: split the batch into smaller requests")
    assert b"connection: close" in answer.lower()
    assert seconds < DEADLINE_S


def test_a_chunk_announced_within_the_body_limit_and_never_sent_is_still_408(server):
    _, port = server
    answer, seconds = _parts_then_wait(port, [_CHUNKED + b"1\r\n{\r\n", b"4C4B3F\r\n["])  # 5,000,000 in all
    assert _status_and_detail(answer)[0] == 408
    assert seconds > DEADLINE_S - 0.2


def test_a_chunked_body_sent_a_byte_at_a_time_is_served(server):
    _, port = server
    body = json.dumps({"rows": [row()]}).encode()
    framed = b"".join(b"%x;n=1\r\n%s\r\n" % (len(body[i:i + 9]), body[i:i + 9]) for i in range(0, len(body), 9))
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(_CHUNKED.replace(b"Host: test", b"Host: test\r\nConnection: close"))
        for byte in framed + b"0\r\n\r\n":
            sock.send(bytes([byte]))
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert int(answer.split()[1]) == 200


def test_headers_sent_a_byte_a_second_are_408_within_the_deadline(server):
    _, port = server
    answer, seconds = _dribble(port, b"GET /health HTTP/1.1\r\nHost: test\r\n", b"X-Slow: " + b"a" * 1000)
    assert _status_and_detail(answer) == (
        408, "the request headers did not arrive within 1.5 s: send the whole request at once")
    assert DEADLINE_S - 0.2 < seconds < DEADLINE_S + 2.0


def test_a_connection_that_never_sends_is_closed_quietly(server):
    _, port = server
    answer, seconds = _dribble(port, b"", b"")
    assert answer == b"" and seconds < DEADLINE_S + 2.0


def test_endless_headers_are_431(server):
    _, port = server
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: test\r\nX-Big: " + b"a" * (MAX_HEADER_BYTES + 1024))
        time.sleep(0.3)  # let the server read it all before it closes, so the close is not a reset
        answer = sock.recv(65536)
    assert _status_and_detail(answer) == (431, _TOO_LARGE)


@pytest.mark.parametrize("parts", [1, 2], ids=["at-once", "in-two-parts"])
def test_a_request_line_over_the_limit_is_414_naming_it(server, parts):
    # a URL over 64 KiB was answered "not valid HTTP/1.1" (httptools cannot parse it), or 431 about headers
    _, port = server
    request = b"GET /health?q=" + b"a" * (MAX_HEADER_BYTES + 1024) + b" HTTP/1.1\r\nHost: test\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        for i in range(parts):
            sock.sendall(request[i * len(request) // parts:(i + 1) * len(request) // parts])
            time.sleep(0.3)  # let the server read it all before it closes, so the close is not a reset
        answer = sock.recv(65536)
    assert _status_and_detail(answer) == (414, (
        f"the request line (method, path and query string) runs past {MAX_HEADER_BYTES:,} bytes: send a shorter URL "
        "(the routes that take input read every field from the JSON body)"))


@pytest.mark.parametrize("head", [b"GET /health?q=" + b"a" * 5_000_000 + b" HTTP/1.1\r\nHost: test\r\n\r\n",
                                  b"GET /health HTTP/1.1\r\nHost: test\r\nX-Big: " + b"a" * 5_000_000 + b"\r\n\r\n"],
                         ids=["url", "header"])
def test_a_refused_head_is_read_to_its_end_so_the_answer_is_not_reset(server, head):
    # the server closed with the client's bytes unread, so the kernel reset the connection: the client got
    # "connection reset by peer" in place of the 414 or 431 written for it
    _, port = server
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head)
        sock.shutdown(socket.SHUT_WR)
        start, answer = time.monotonic(), b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert _status_and_detail(answer)[0] in (414, 431)
    assert time.monotonic() - start < 1.5  # closed at the client's end of sending, not after the 2 s linger


@pytest.mark.parametrize("size", [MAX_HEADER_BYTES + 1024, 100_000])
def test_headers_over_the_limit_that_arrive_at_once_are_431(server, size):
    # a whole request read in one go (asyncio reads up to 256 KiB) had complete headers before they were counted:
    # a 100 kB header was served
    base, _ = server
    r = httpx.get(f"{base}/health", headers={"X-Big": "a" * size}, timeout=10)
    assert r.status_code == 431
    assert r.json() == {"detail": _TOO_LARGE}


def test_headers_just_under_the_limit_are_served(server):
    base, _ = server
    r = httpx.post(f"{base}/predict", json={"rows": [row()]}, headers={"X-Big": "a" * (MAX_HEADER_BYTES - 1024)},
                   timeout=10)
    assert r.status_code == 200


def test_normal_requests_still_work_on_one_kept_alive_connection(server):
    base, _ = server
    with httpx.Client(base_url=base, timeout=10) as c:
        assert c.get("/health").status_code == 200
        r = c.post("/predict", json={"rows": [row()]})
        assert r.status_code == 200 and r.json()["predictions"][0]["sales"] > 0
        time.sleep(DEADLINE_S / 2)  # idle, but under keep-alive and the header deadline
        assert c.get("/health").status_code == 200


def test_beyond_limit_concurrency_connections_the_answer_is_503(server):
    base, port = server
    idle = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(LIMIT - 1)]
    try:
        time.sleep(0.2)  # let the server accept them
        r = httpx.get(f"{base}/health", timeout=10)
        # uvicorn's own 503 was text/plain "Service Unavailable", without a Retry-After
        assert (r.status_code, r.headers["retry-after"]) == (503, "1")
        assert r.json() == {"detail": "the server is serving as many connections and requests as it takes at once "
                                      "(limit_concurrency): retry in a moment"}
    finally:
        for sock in idle:
            sock.close()
    time.sleep(0.2)
    assert httpx.get(f"{base}/health", timeout=10).status_code == 200


def test_head_answers_the_get_headers_without_a_body_on_a_kept_alive_connection(server):
    base, _ = server
    with httpx.Client(base_url=base, timeout=10) as c:
        for path in ("/health", "/ready", "/model", "/"):
            get, head = c.get(path), c.head(path)
            assert (head.status_code, head.content) == (200, b"")
            assert head.headers["content-type"] == get.headers["content-type"]
            assert head.headers["content-length"] == str(len(get.content))
        assert c.head("/predict").status_code == 405  # a POST route stays POST only
        assert c.get("/health").json() == {"status": "ok"}  # the connection's framing survived


@pytest.mark.parametrize(("request_bytes", "reason"), [
    (b"POST /predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
     "Invalid character in chunk size"),
    (b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
     "Duplicate Content-Length"),
    (b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"2\r\n{}\r\n0\r\n\r\n", "Transfer-Encoding can't be present with Content-Length"),
    (b"P@ST /predict HTTP/1.1\r\nHost: x\r\n\r\n", "Invalid method encountered"),
    (b"CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n", "invalid url b'x:443'"),  # was "User callback error"
], ids=["chunk-size", "two-lengths", "length-and-chunked", "method", "connect"])
def test_a_request_that_is_not_http_is_a_json_400_naming_what_is_wrong(server, request_bytes, reason):
    # the 400 said only that the request line, headers or chunked framing could not be parsed, not which or why
    _, port = server
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request_bytes)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert b"content-type: application/json" in answer.lower()
    assert _status_and_detail(answer) == (400, f"the request is not valid HTTP/1.1 ({reason}): send a well-formed "
                                               "request")


def _exchange(port: int, request_bytes: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request_bytes)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def test_an_http_1_1_request_without_host_is_400_and_http_1_0_is_served(server):
    # RFC 9112 3.2: httptools passes an HTTP/1.1 request without Host to the app, which served it 200
    _, port = server
    answer = _exchange(port, b"GET /health HTTP/1.1\r\n\r\n")
    assert _status_and_detail(answer) == (400, "the Host header is required in an HTTP/1.1 request: "
                                               "send `Host: <the server's name>`")
    answer = _exchange(port, b"GET /health HTTP/1.0\r\n\r\n")  # HTTP/1.0 had no Host: still served
    assert int(answer.split()[1]) == 200


def test_an_http_1_0_request_with_a_transfer_encoding_is_400(server):
    # RFC 9112 6.1: HTTP/1.0 has no chunked framing, so such a request's framing is faulty; httptools read the
    # chunks and served it, where a proxy that goes by the version splits the same bytes into other requests
    _, port = server
    body = json.dumps({"rows": [row()]}).encode()
    answer = _exchange(port, b"POST /predict HTTP/1.0\r\nContent-Type: application/json\r\n"
                             b"Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
    assert _status_and_detail(answer) == (400, (
        "an HTTP/1.0 request has no Transfer-Encoding (RFC 9112 6.1: its framing is faulty): send the request as "
        "HTTP/1.1, or the body with a Content-Length and no Transfer-Encoding"))
    answer = _exchange(port, b"POST /predict HTTP/1.0\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    assert int(answer.split()[1]) == 200  # HTTP/1.0 with a Content-Length is served


def test_an_expectation_other_than_100_continue_is_417_on_the_server(server):
    # RFC 9110 10.1.1: uvicorn acts on `100-continue` only and passed any other expectation to the app
    _, port = server
    answer = _exchange(port, b"GET /health HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\n\r\n")
    assert _status_and_detail(answer) == (417, "Expect '200-ok' is not supported: send no Expect header, "
                                               "or `Expect: 100-continue`")
