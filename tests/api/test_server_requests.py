"""Malformed requests that only a real ``storecast serve`` (uvicorn with httptools) shows: raw bytes on a socket."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_helpers import row

from storecast.cli.server_process import free_port, running_server, wait_ready

pytestmark = pytest.mark.server

BODY = json.dumps({"rows": [row()]}).encode()


@pytest.fixture(scope="module")
def port(model_path) -> Iterator[int]:
    with running_server(model_path, timeout=60, env={"STORECAST_KEEP_ALIVE_S": "1"}) as base:
        yield int(base.rsplit(":", 1)[1])


@pytest.fixture(scope="module")
def logged(model_path, tmp_path_factory) -> Iterator[tuple[int, Path]]:
    """A server at ``--log-level info`` (``running_server`` logs warnings only) and the file of its output."""
    log, port = tmp_path_factory.mktemp("serve") / "server.log", free_port()
    cmd = [sys.executable, "-c", "from storecast.cli import main; main()", "serve", "--model", str(model_path),
           "--host", "127.0.0.1", "--port", str(port), "--log-level", "info"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_ready(f"http://127.0.0.1:{port}", proc, 60)
            yield port, log
        finally:
            proc.terminate()
            proc.wait(timeout=15)


def _access_lines(log: Path, request: str, after: int = 0, timeout: float = 10.0) -> list[str]:
    """The access log lines of ``request`` (``POST /predict``) past the first ``after``, once there are more."""
    deadline = time.monotonic() + timeout
    while True:
        lines = [line for line in log.read_text().splitlines() if f"storecast.api.access: {request} " in line]
        if len(lines) > after or time.monotonic() > deadline:
            return lines[after:]
        time.sleep(0.05)


def _send(port: int, request: bytes, half_close: bool = False) -> tuple[int, bytes]:
    """The status and body of the first answer to ``request`` (read until the server closes or 10 s pass);
    ``half_close``: shut the sending side once ``request`` is out, as ``nc -N`` does."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except (ConnectionResetError, TimeoutError):
            pass
    assert answer, "the server closed the connection without an answer"
    head, _, body = answer.partition(b"\r\n\r\n")
    lengths = [int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")]
    length = lengths[0] if lengths else len(body)
    return int(head.split()[1]), body[:length]


def _post(extra: bytes, body: bytes = BODY) -> bytes:
    return (b"POST /predict HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Type: application/json\r\n"
            + extra + b"Content-Length: %d\r\n\r\n" % len(body) + body)


@pytest.mark.parametrize("upgrade", [b"Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMA\r\n",
                                     b"Connection: Upgrade\r\nUpgrade: websocket\r\n"], ids=["h2c", "websocket"])
def test_a_body_sent_with_an_upgrade_is_refused_saying_why(port, upgrade):
    # `curl --http2 -d ... http://...` sends Upgrade: h2c; httptools then skipped the body, so the answer was
    # "the request has no body" (and with Upgrade: websocket there was no answer at all)
    request = _post(upgrade).replace(b"Connection: close\r\n", b"")
    status, body = _send(port, request)
    assert status == 400
    assert json.loads(body)["detail"].startswith("the request asks to switch to ")
    assert "send it without the Upgrade header" in json.loads(body)["detail"]


def test_a_websocket_upgrade_without_a_body_is_served_as_plain_http(port):
    # no route takes a WebSocket: uvicorn's upgrade answered 403 with an empty body
    status, body = _send(port, b"GET /health HTTP/1.1\r\nHost: test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                               b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    assert (status, json.loads(body)) == (200, {"status": "ok"})


def _head(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """The status, headers (lower-case names) and body of the answer to ``request``."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


@pytest.mark.parametrize("version", [b"HTTP/1.1\r\nHost: test", b"HTTP/1.0"])
def test_options_asterisk_is_answered_about_the_server(port, version):
    # RFC 9110 9.3.7: `OPTIONS *` asks about the server as a whole; uvicorn passed `*` on as a path: 404
    status, headers, body = _head(port, b"OPTIONS * " + version + b"\r\nConnection: close\r\n\r\n")
    assert (status, headers["allow"], headers["content-length"], body) == (200, "GET, HEAD, OPTIONS, POST", "0", b"")


def test_another_method_sent_to_the_asterisk_is_400_saying_why(port):
    # RFC 9112 3.2.4: the asterisk form is only for a server-wide OPTIONS; it was 404 "nothing at *"
    status, _, body = _head(port, b"GET * HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
    assert status == 400 and json.loads(body)["detail"] == (
        "the request target * asks about the server as a whole, which only OPTIONS does (RFC 9112 3.2.4), not GET: "
        "send GET to a path, such as /health")


@pytest.mark.parametrize(("target", "status", "said"), [
    (b"http://test", 200, b"<!doctype html>"), (b"http://test?v=2", 200, b"<!doctype html>"),
    (b"http://test:80/health", 200, b'{"status":"ok"}')])
def test_a_target_in_absolute_form_without_a_path_is_its_root(port, target, status, said):
    # RFC 9110 4.2.3: an empty path is "/"; uvicorn read it as None and answered 400 "('NoneType' object has no
    # attribute 'decode')"
    answer, _, body = _head(port, b"GET " + target + b" HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
    assert (answer, body[:len(said)]) == (status, said)


@pytest.mark.parametrize(("target", "said"), [
    (b"http://u:p@test/health", "user information"), (b"http://u@test", "user information"),
    (b"ftp://test/health", "scheme 'ftp'"), (b"FILE://test/health", "scheme 'FILE'")])
def test_a_target_with_userinfo_or_another_scheme_is_400(port, target, said):
    # RFC 9110 4.2.4: userinfo is an error; both were served as their path (200), the password taken in the clear
    answer, _, body = _head(port, b"GET " + target + b" HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
    detail = json.loads(body)["detail"]
    assert answer == 400 and said in detail and "u:p" not in detail


def test_an_https_target_in_absolute_form_is_served(port):
    answer, _, body = _head(port, b"GET HTTPS://test/health HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
    assert (answer, body) == (200, b'{"status":"ok"}')


@pytest.mark.parametrize("version", [b"HTTP/2.0", b"HTTP/0.9"])
def test_a_request_line_in_another_http_version_is_400(port, version):
    # httptools passes these on: they were served as HTTP/1.1, without the Host check
    status, body = _send(port, b"GET /health " + version + b"\r\nConnection: close\r\n\r\n")
    assert (status, json.loads(body)) == (
        400, {"detail": f"{version.decode()} is not spoken here: send the request as HTTP/1.1"})


def test_a_body_without_content_length_is_named_as_unread(port):
    # HTTP/1.1 reads no body without Content-Length or Transfer-Encoding: "the request has no body" alone sent the
    # client looking for a fault in JSON it had sent
    request = b"POST /predict HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Type: application/json\r\n\r\n"
    status, body = _send(port, request + BODY)
    detail = json.loads(body)["detail"][0]
    assert (status, detail["field"], detail["type"]) == (422, "body", "missing")
    assert detail["msg"].startswith("the request has no body (it came without a Content-Length or Transfer-Encoding "
                                    "header, and HTTP reads no body without one): send a JSON object, e.g. {")


def test_a_well_formed_request_is_still_served(port):
    status, body = _send(port, _post(b""))
    assert status == 200 and json.loads(body)["predictions"][0]["store"] == 1


def test_a_client_that_half_closes_after_its_request_gets_the_answer(port):
    # asyncio closed the connection at the client's EOF while /predict was still computing: no answer at all
    status, body = _send(port, _post(b"").replace(b"Connection: close\r\n", b""), half_close=True)
    assert status == 200 and json.loads(body)["predictions"][0]["store"] == 1


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_body_cut_short_by_the_clients_eof_is_400_at_once(port, framing):
    # the connection was closed without an answer
    if framing == "chunked":
        request = (b"POST /predict HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                   b"Transfer-Encoding: chunked\r\n\r\n%x\r\n" % len(BODY) + BODY + b"\r\n")  # no last chunk
    else:
        request = _post(b"")[:-10]
    start = time.monotonic()
    status, body = _send(port, request, half_close=True)
    assert (status, json.loads(body)) == (400, {"detail": (
        "the client closed its side of the connection before the request body was complete (fewer bytes than its "
        "Content-Length, or no last chunk): send the whole body")})
    assert time.monotonic() - start < 5  # not the body deadline


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_the_log_line_of_a_body_cut_short_says_400_as_the_client_got(logged, framing):
    # the client got the server's 400 while the app, reading on, answered 422 into a closed connection: the log said 422
    port, log = logged
    before = len(_access_lines(log, "POST /predict", timeout=0))
    if framing == "chunked":
        request = (b"POST /predict HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                   b"Transfer-Encoding: chunked\r\n\r\n%x\r\n" % len(BODY) + BODY + b"\r\n")
    else:
        request = _post(b"")[:-10]
    assert _send(port, request, half_close=True)[0] == 400
    lines = _access_lines(log, "POST /predict", after=before)
    assert len(lines) == 1 and " POST /predict 400 " in lines[0]
    assert _send(port, _post(b""))[0] == 200  # a request served in full still logs the app's status
    assert " POST /predict 200 " in _access_lines(log, "POST /predict", after=before + 1)[0]


def test_an_upgrade_request_is_answered_with_connection_close(port):
    # httptools reads nothing more after a request that asks to upgrade: a request pipelined behind it waited,
    # unanswered, for the keep-alive timeout; the answer now closes the connection so the client resends at once
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: test\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"
                     b"GET /ready HTTP/1.1\r\nHost: test\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"connection: close" in head.lower()
    assert body == b'{"status":"ok"}'


def _answers(port: int, request: bytes) -> list[tuple[int, bytes]]:
    """Every answer to ``request`` on one connection, in order, read until the server closes it."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    answers = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:"))
        answers.append((int(head.split()[1]), rest[:length]))
        data = rest[length:]
    return answers


def test_a_body_longer_than_its_content_length_gets_its_own_answer_first(port):
    # a kept-alive connection: uvicorn answered only the 400 for the bytes past Content-Length, so the request as
    # framed (its JSON cut at Content-Length) lost its 422 and the client read "not valid HTTP"
    request = _post(b"").replace(b"Connection: close\r\n", b"").replace(
        b"Content-Length: %d" % len(BODY), b"Content-Length: %d" % (len(BODY) - 3))
    (first, body), (second, why) = _answers(port, request)
    assert (first, json.loads(body)["detail"][0]["type"]) == (422, "json_invalid")
    assert (second, json.loads(why)) == (400, {"detail": (
        "the bytes after the end of the last request (its Content-Length, or its last chunk) are not an HTTP "
        "request: send a body of exactly Content-Length bytes, and nothing after it but whole requests")})


def test_requests_pipelined_before_bytes_that_are_not_http_are_answered_first(port):
    health = b"GET /health HTTP/1.1\r\nHost: test\r\n\r\n"
    answers = _answers(port, _post(b"").replace(b"Connection: close\r\n", b"") + health + b"\x00not http\r\n\r\n")
    assert [status for status, _ in answers] == [200, 200, 400]
    assert json.loads(answers[0][1])["predictions"][0]["store"] == 1
    assert _send(port, _post(b""))[0] == 200  # the server serves on


@pytest.mark.parametrize(("request_", "detail"), [
    (b"\x00" * 100_000, "the request is not valid HTTP/1.1 (Invalid method encountered): send a well-formed request"),
    (b"GET /health HTTP/1.1\r\n" + b"\x01" * 100_000,
     "the header line '" + "\\x01" * 40 + "…' has no colon: send each header as `Name: value`"),
], ids=["no-request-line", "after-the-request-line"])
def test_bytes_that_are_not_http_are_400_even_past_the_heads_limit(port, request_, detail):
    # past 64 KiB the size limit answered first: 414 "the request line runs past ..." for bytes that are no request
    status, body = _send(port, request_)
    assert (status, json.loads(body)["detail"]) == (400, detail)


def test_a_request_pipelined_after_an_encoded_slash_404_is_still_answered(port):
    # the 404 for %2F is a well-framed request's answer, like any 404: the connection serves on
    answers = _answers(port, b"GET /web%2Fplanner.js HTTP/1.1\r\nHost: test\r\n\r\n"
                             b"GET /health HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
    assert [status for status, _ in answers] == [404, 200]
    assert json.loads(answers[0][1])["detail"].startswith("nothing at /web%2Fplanner.js: %2F in a path is not a slash")


@pytest.mark.parametrize("first", [b"POST /predcit", b"PUT /plan"], ids=["404", "405"])
def test_a_body_answered_unread_is_no_part_of_the_next_head(port, first):
    # the rest of a 1 MB body that a 404 or 405 never read was counted as the next request's head: a 414 that no
    # request asked for followed, and the request pipelined behind it got that 414 instead of its answer
    body = b"x" * 1_000_000
    sent = first + b" HTTP/1.1\r\nHost: test\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    after = b"GET /health HTTP/1.1\r\nHost: test\r\nConnection: close\r\n"
    assert [status for status, _ in _answers(port, sent + after + b"\r\n")] == [404 if b"POST" in first else 405, 200]
    # the head after the body is still held to the limit
    answers = _answers(port, sent + after + b"X-Big: " + b"a" * 100_000 + b"\r\n\r\n")
    assert [status for status, _ in answers][1:] == [431]


def test_a_body_answered_unread_is_read_no_further_than_the_body_limit(port):
    # the rest of an answered body is read and dropped (so a request after it is served), but a chunked body
    # without end is not: past the body limit (5 MB) the server ends the connection, the 404 already written
    chunk, total, sent = b"%x\r\n%s\r\n" % (65536, b"x" * 65536), 60_000_000, 0
    ended = threading.Event()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"POST /predcit HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n")

        def send() -> None:
            nonlocal sent
            try:
                while sent < total and not ended.is_set():
                    sock.sendall(chunk)
                    sent += len(chunk)
            except OSError:
                pass

        sender = threading.Thread(target=send)
        sender.start()
        answer = b""
        try:
            while data := sock.recv(65536):
                answer += data
        except OSError:
            pass
        at_end = sent
        ended.set()
        sender.join(timeout=30)
    assert answer.startswith(b"HTTP/1.1 404") and answer.count(b"HTTP/1.1 ") == 1
    assert at_end < total / 2  # ended near the limit, not read for ever


@pytest.mark.parametrize(("path", "size", "status", "said"), [
    (b"/predict", 6_000_000, 413, "the request body is larger than 5,000,000 bytes"),
    (b"/predcit", 4_000_000, 404, "nothing at /predcit")], ids=["413", "404"])
def test_a_client_that_sends_its_whole_body_before_reading_gets_the_answer(port, path, size, status, said):
    # an answer with Connection: close given before the body was read (the 413 from Content-Length, a 404) closed the
    # socket with the body unread: the reset made the client's write fail with "broken pipe" or "connection reset",
    # and the answer was never read
    head = b"POST " + path + b" HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % size
    got, answer = _send(port, head + b"x" * size)
    assert (got, json.loads(answer)["detail"][:len(said)]) == (status, said)


_HEALTH = b"GET /health HTTP/1.1\r\nHost: test\r\n\r\n"
_TOO_LARGE = {"detail": "the request headers are larger than 65,536 bytes in all: send fewer or shorter headers "
                        "(large cookies are the usual cause)"}


@pytest.mark.parametrize("size", [70_000, 300_000])
def test_a_head_over_the_limit_pipelined_behind_a_request_is_431_after_its_answer(port, size):
    # the count was reset while a request was in flight: 70 kB of headers behind GET /health were served, and
    # 300 kB got a 414 "the request line runs past" about a request line that had ended
    big = b"GET /model HTTP/1.1\r\nHost: test\r\nX-Big: " + b"a" * size + b"\r\n\r\n"
    answers = _answers(port, _HEALTH + big)
    assert [status for status, _ in answers] == [200, 431] and json.loads(answers[1][1]) == _TOO_LARGE
    assert _send(port, _post(b""))[0] == 200  # the next connection is served


def test_a_head_within_the_limit_pipelined_behind_a_request_is_served(port):
    near = b"GET /health HTTP/1.1\r\nHost: test\r\nX-Big: " + b"a" * 60_000 + b"\r\nConnection: close\r\n\r\n"
    assert [status for status, _ in _answers(port, _HEALTH + _HEALTH + near)] == [200, 200, 200]


def test_a_head_sent_while_a_slow_request_is_answered_is_held_to_the_limit(port):
    # behind a request being answered, each read of the next head reset the count: it could grow without end
    body = json.dumps({"start": "2015-01-05", "days": 42, "top": 3}).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"POST /plan/rank HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n%s" % (len(body), body) + b"GET /model HTTP/1.1\r\nHost: test\r\nX: ")
        try:
            for _ in range(64):  # 1 MB, a piece at a time
                sock.sendall(b"a" * 16_384)
        except OSError:
            pass
        data = b""
        with contextlib.suppress(OSError):
            while chunk := sock.recv(65536):
                data += chunk
    heads = [line for line in data.split(b"\r\n") if b"HTTP/1.1 " in line]
    assert len(heads) == 2 and heads[0].startswith(b"HTTP/1.1 200") and heads[1].endswith(b"HTTP/1.1 431 Request "
                                                                                          b"Header Fields Too Large")
    assert data.endswith(json.dumps(_TOO_LARGE).encode())


@pytest.mark.parametrize(("method", "detail"), [
    (b"FOO", "the method 'FOO' is not implemented here (RFC 9110 9.1): the routes take GET, HEAD and POST "
             "(GET /openapi.json lists them)"),
    (b"get", "the method 'get' is not implemented here: methods are case-sensitive (RFC 9110 9.1), send GET"),
    (b"post", "the method 'post' is not implemented here: methods are case-sensitive (RFC 9110 9.1), send POST"),
])
def test_a_method_the_server_does_not_know_is_400_naming_it(port, method, detail):
    # httptools refuses a method it does not know: 400 "not valid HTTP/1.1 (Invalid method encountered)", which
    # named neither the method nor that `get` only wants upper case (400, not RFC 9110 9.1's 501: no 5xx for a
    # client's mistake)
    status, body = _send(port, method + b" /health HTTP/1.1\r\nHost: test\r\n\r\n")
    assert (status, json.loads(body)) == (400, {"detail": detail})


def test_a_method_the_server_does_not_know_pipelined_behind_a_request_is_named_after_its_answer(port):
    # it was "the bytes after the end of the last request (its Content-Length, ...)", though GET /health had no body
    answers = _answers(port, b"GET /health HTTP/1.1\r\nHost: test\r\n\r\nFOO /health HTTP/1.1\r\nHost: test\r\n\r\n")
    assert [status for status, _ in answers] == [200, 400]
    assert json.loads(answers[1][1])["detail"].startswith("the method 'FOO' is not implemented here")


@pytest.mark.parametrize(("opening", "detail"), [
    (b"PROXY TCP4 192.0.2.1 192.0.2.2 56324 8000\r\nGET /health HTTP/1.1\r\nHost: test\r\n\r\n",
     "the connection began with a PROXY protocol header (a load balancer's send-proxy), which this server does not "
     "read: turn the PROXY protocol off for this backend"),
    (b"\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x0c" + bytes(12) + b"GET /health HTTP/1.1\r\nHost: test\r\n\r\n",
     "the connection began with a PROXY protocol header (a load balancer's send-proxy), which this server does not "
     "read: turn the PROXY protocol off for this backend"),
    (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes(9),
     "the connection began with the HTTP/2 preface (PRI * HTTP/2.0), and this server speaks HTTP/1.1 only: send "
     "HTTP/1.1 (curl: --http1.1 rather than --http2-prior-knowledge)"),
    (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(40),
     "the connection began with a TLS handshake (an https:// URL?), and this server speaks plain HTTP: send the "
     "request to its http:// URL, or put a TLS proxy in front of it"),
], ids=["proxy-v1", "proxy-v2", "http2-preface", "tls"])
def test_another_protocol_at_the_start_of_a_connection_is_named(port, opening, detail):
    # all four were 400 "not valid HTTP/1.1 (Invalid method encountered)", and the HTTP/2 preface
    # "(Pause on PRI/Upgrade)", llhttp's own words: nothing said what had been sent or what to change
    status, body = _send(port, opening)
    assert (status, json.loads(body)) == (400, {"detail": detail})


@pytest.mark.parametrize(("first", "refused"), [
    (_post(b"Content-Encoding: gzip\r\n").replace(b"Connection: close\r\n", b""), 415),
    (b"GET * HTTP/1.1\r\nHost: test\r\n\r\n", 400),
], ids=["content-encoding", "asterisk"])
def test_a_request_pipelined_after_a_refusal_of_a_well_framed_request_is_still_answered(port, first, refused):
    # the 415 for a compressed body and the 400 for `GET *` closed the connection, so the request behind them went
    # unanswered, where the 415 for a body not labelled JSON and a 404 serve on: the framing was never in doubt
    answers = _answers(port, first + b"GET /health HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
    assert [status for status, _ in answers] == [refused, 200]


@pytest.mark.parametrize(("line", "detail"), [
    (b"X-Trace: 1\r\n  2\r\n", "the header line '  2' begins with whitespace: a continuation of the line before "
                               "(obs-fold), which RFC 9112 5.2 refuses: send each header on one line"),
    (b"BadHeader\r\n", "the header line 'BadHeader' has no colon: send each header as `Name: value`"),
    (b"Accept : */*\r\n", "the header name 'Accept ' ends in whitespace before its colon, which RFC 9112 5.1 refuses: "
                          "send `Accept: <value>`"),
    (b"X Trace: 1\r\n", "the header name 'X Trace' holds a character that no header name may (RFC 9110 5.1 takes "
                        "letters, digits and !#$%&'*+-.^_`|~): send the header under a name without it"),
    (b": 1\r\n", "the header line ': 1' has no name before its colon: send each header as `Name: value`"),
    (b"X-Trace: a\x00b\r\n", "the value of the header X-Trace holds the control character '\\x00', which no header "
                             "value may (RFC 9110 5.5): send it without"),
    (b"X-Trace: 1\nX-Span: 2\r\n", "the header line 'X-Trace: 1' ends in a bare LF: end each header line with CRLF "
                                   "(RFC 9112 2.2)"),
], ids=["obs-fold", "no-colon", "space-before-colon", "space-in-name", "no-name", "nul-in-value", "bare-lf"])
def test_a_header_line_the_parser_refuses_is_named(port, line, detail):
    # each was 400 "not valid HTTP/1.1 (Invalid header token)" or the like, llhttp's words, naming no header; for an
    # obs-fold RFC 9112 5.2 asks for "a representation explaining that obsolete line folding is unacceptable"
    status, body = _send(port, b"GET /health HTTP/1.1\r\nHost: test\r\n" + line + b"Connection: close\r\n\r\n")
    assert (status, json.loads(body)) == (400, {"detail": detail})


def test_a_header_line_refused_in_a_request_pipelined_behind_another_is_named_after_its_answer(port):
    # it was "the bytes after the end of the last request (its Content-Length, ...)" after the first answer
    answers = _answers(port, _post(b"").replace(b"Connection: close\r\n", b"")
                       + b"GET /health HTTP/1.1\r\nHost: test\r\nBadHeader\r\n\r\n")
    assert [status for status, _ in answers] == [200, 400]
    assert json.loads(answers[1][1])["detail"] == "the header line 'BadHeader' has no colon: send each header as " \
                                                  "`Name: value`"


_URL_BYTE = ("the request target holds a character that a URL cannot: a space, a tab, a control character or a byte "
             "over 0x7F (such as é) sent as it is: percent-encode it (a space is %20, é is %C3%A9)")


@pytest.mark.parametrize(("request_", "detail"), [
    (b"GET /web/caf\xc3\xa9.js HTTP/1.1\r\nHost: test\r\n\r\n", _URL_BYTE),
    (b"GET /health?q=caf\xc3\xa9 HTTP/1.1\r\nHost: test\r\n\r\n", _URL_BYTE),
    (b"GET /health\t HTTP/1.1\r\nHost: test\r\n\r\n", _URL_BYTE),
    (b"GET /my plan HTTP/1.1\r\nHost: test\r\n\r\n",
     "the request line is not `<METHOD> <target> HTTP/1.1`: the target ends at its first space, so a space inside it "
     "must be sent as %20, and the version is HTTP/1.1 in capitals"),
    (b"GET /health http/1.1\r\nHost: test\r\n\r\n",
     "the request line is not `<METHOD> <target> HTTP/1.1`: the target ends at its first space, so a space inside it "
     "must be sent as %20, and the version is HTTP/1.1 in capitals"),
    (b"POST /predict HTTP/1.1\r\nHost: test\r\nContent-Length: +2\r\n\r\n{}",
     "the Content-Length '+2' is not a number of bytes: send the body's length in digits only, such as "
     "`Content-Length: 42` (RFC 9110 8.6)"),
    (b"POST /predict HTTP/1.1\r\nHost: test\r\nContent-Length: \r\n\r\n{}",
     "the Content-Length '' is not a number of bytes: send the body's length in digits only, such as "
     "`Content-Length: 42` (RFC 9110 8.6)"),
], ids=["path-utf8", "query-utf8", "tab", "space-in-path", "lower-case-version", "signed-length", "empty-length"])
def test_a_request_line_or_length_the_parser_refuses_is_named_with_what_to_send(port, request_, detail):
    # llhttp's words stood alone: "Invalid char in url path", "Expected HTTP/, RTSP/ or ICE/" (for a space in the
    # path), "Invalid character in Content-Length": what was wrong, where, and how to send it instead were not said
    status, body = _send(port, request_)
    assert (status, json.loads(body)) == (400, {"detail": detail})
