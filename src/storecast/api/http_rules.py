"""Rules of HTTP (RFC 9110, 9112) that FastAPI leaves to the app, as pure-ASGI middleware.

- :class:`ContentEncodingGuard`: a body sent compressed gets 415 before it is read (nothing decompresses here),
  one sent with a transfer coding other than ``chunked`` 501.
- :class:`HeaderRules`: ``Content-Type``, ``Authorization`` or ``Host`` sent twice gets 400, whatever the two
  say; an HTTP/1.1 request without ``Host``, or with one that is no host and port, 400, one in a version other than
  1.0 or 1.1 400, an HTTP/1.0 one with a ``Transfer-Encoding`` 400; an ``Expect`` other than ``100-continue`` 417;
  a request with a body that asks for an ``Upgrade`` 400; a path with an encoded slash (``%2F``) 404.
- :class:`HeadAsGet`: ``HEAD`` answered as the ``GET`` of the same path, without the body.
- :class:`ServerOptions`: ``OPTIONS *`` answered about the server (200 with ``Allow``); another method sent to
  ``*`` 400.

Apart from ``middleware`` (limits and the log line) because they concern what a request means, not how much
of it is allowed.
"""

from __future__ import annotations

__all__ = ["ContentEncodingGuard", "HeadAsGet", "HeaderRules", "MAX_SHOWN", "METHOD_SENT", "ServerOptions",
           "allow_with_head", "method_sent", "shown"]

import re
from collections.abc import Mapping
from typing import Any

from storecast.api.asgi import ASGIApp, Scope, send_json
from storecast.api.sent_path import MAX_LOGGED_PATH, path_as_sent, sent_path
from storecast.errors import ECHO_LIMIT, clipped

MAX_SHOWN = ECHO_LIMIT  # characters of a header value that a refusal repeats


def shown(value: bytes | str) -> str:
    """A header value as a refusal repeats it: read as the UTF-8 that clients send (a byte that is not shown as
    ``\\xff``), cut at ``MAX_SHOWN`` characters with "…".

    Why: the whole value was repeated, so a 60 kB ``Content-Type`` or ``Expect`` made a 60 kB answer, and Starlette
    reads header bytes as Latin-1, so ``application/jé`` came back as ``application/jÃ©``.
    """
    raw = value if isinstance(value, bytes) else value.encode("latin-1", "replace")
    return clipped(raw.decode("utf-8", "backslashreplace").strip(), MAX_SHOWN)


class ContentEncodingGuard:
    """Answer 415 to a body sent with a ``Content-Encoding`` (gzip, deflate, br, ...), before reading it.

    Why: nothing here decompresses, so a gzip body would be parsed as is and answered "not valid UTF-8", and
    a plain body labelled gzip served as if the label were absent. Decompressing would put a
    zip bomb past :class:`BodySizeLimit`; RFC 9110 (15.5.16) answers an unsupported coding 415 and
    ``Accept-Encoding`` says what is taken. The connection serves on, as after the 415 for a body not labelled
    JSON: the request is well framed, so its unread body is skipped and a request pipelined behind it answered.

    ``Transfer-Encoding`` likewise: the server's parser undoes ``chunked`` only, so ``gzip, chunked`` would reach
    the app still gzipped (or, on a plain body, the label would be ignored). RFC 9112 (6.1) answers a transfer coding
    the server does not understand 501.

    A request without a body (no ``Content-Length`` but 0, no ``Transfer-Encoding``) is served whatever its
    ``Content-Encoding`` says: there is nothing to decompress, and ``GET /health`` from a client that labels every
    request gzip was refused 415.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            codings = [v.decode("latin-1").strip().lower() for n, v in scope["headers"] if n == b"content-encoding"]
            sent = ", ".join(c for c in codings if c and c != "identity")
            if sent and _has_body(scope["headers"]):  # no body (GET /health, Content-Length: 0): nothing to decode
                await send_json(send, 415, {"detail": (
                    f"Content-Encoding {shown(sent)!r} is not supported: send the body uncompressed, without a "
                    "Content-Encoding header")}, [(b"accept-encoding", b"identity")], close=False)  # well framed
                return
            codings = [c.strip().lower() for n, v in scope["headers"] if n == b"transfer-encoding"
                       for c in v.decode("latin-1").split(",")]
            sent = ", ".join(c for c in codings if c and c != "chunked")
            if sent:
                await send_json(send, 501, {"detail": (
                    f"Transfer-Encoding {shown(sent)!r} is not supported: send the body plain or chunked, without "
                    "another transfer coding")})
                return
        await self.app(scope, receive, send)


# Fields that hold one value (RFC 9110 5.3): a second line is not a list to join but a request that says two things.
_SINGLE = (b"content-type", b"authorization", b"host")
# Expectations met (RFC 9110 10.1.1): uvicorn sends the interim 100 when the body is first read; an empty
# Expect asks nothing.
_MET = (b"100-continue", b"")
_CHECKED = (*_SINGLE, b"expect", b"upgrade", b"transfer-encoding")
# Versions of HTTP this server speaks: httptools also passes a request line saying HTTP/2.0 (or 0.9) on, served
# as HTTP/1.1 (and without the Host check), where it refuses HTTP/1.2 or 3.0 as not HTTP.
_SPOKEN = ("1.0", "1.1")


_ENCODED_SLASH = b"%2f"
# RFC 9110 7.2: Host = uri-host [ ":" port ]; uri-host an IP literal in brackets, or a name or IPv4 address
# (reg-name: unreserved, percent-encoded and sub-delims characters, empty included, RFC 9112 3.2).
_HOST = re.compile(rb"(?:\[[0-9A-Za-z:._~!$&'()*+,;=-]*\]|[0-9A-Za-z._~!$&'()*+,;=%-]*)(?::[0-9]*)?")


def _encoded_slash(scope: Scope) -> str:
    """The 404 of a path with ``%2F``: the path as sent, written as the other 404s and the log line write it
    (``sent_path.sent_path``), and the one meant (no empty part), cut at ``MAX_LOGGED_PATH`` characters likewise.

    Why one function: this 404 rebuilt the path on its own (``\\xc3\\xa9`` where the log line and the other 404s
    wrote ``%C3%A9``), so the same request read differently in its answer and in the log.
    """
    meant = "/" + "/".join(part for part in re.split("%2f|/", path_as_sent(scope), flags=re.IGNORECASE) if part)
    return (f"nothing at {sent_path(scope)}: %2F in a path is not a slash (RFC 3986 2.2), and no path "
            f"here holds one: send the slashes as / (did you mean {clipped(meant, MAX_LOGGED_PATH)}?)")


def _asks_upgrade(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether a request that names an ``Upgrade`` also says ``Connection: upgrade`` (what makes httptools stop)."""
    return b"upgrade" in {token.strip() for n, v in headers if n == b"connection" for token in v.lower().split(b",")}


def _has_body(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether the request's framing says a body follows (a ``Content-Length`` other than 0, or chunks)."""
    return any((n == b"content-length" and v.strip() != b"0") or n == b"transfer-encoding" for n, v in headers)


def _closing(send: Any) -> Any:
    """``send`` with ``Connection: close`` added to the answer, so the server closes the connection after it."""
    async def send_and_close(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start" and not any(
                n.lower() == b"connection" for n, _ in message.get("headers", [])):
            message = {**message, "headers": [*message.get("headers", []), (b"connection", b"close")]}
        await send(message)
    return send_and_close


class HeaderRules:
    """What the request headers must say, checked in one pass over them (this runs on every request).

    - ``Content-Type``, ``Authorization`` or ``Host`` sent more than once: 400. Why: Starlette reads the
      first of two lines and ignores the second, so the same two lines in the other order would be served or
      refused (a token right then wrong passes, wrong then right is 401; JSON then text/plain is parsed,
      text/plain then JSON is not), and a proxy that checks the last line disagrees with the app about
      what was sent. RFC 9112 (3.2) refuses two ``Host`` lines likewise.
    - An HTTP/1.1 request without ``Host``: 400 (RFC 9112 3.2). httptools passes it on to be served;
      HTTP/1.0 had no ``Host`` and stays served without one.
    - A ``Host`` that is not a host and optional port (``Host: a b/c``, ``Host: x:port``): 400, as RFC 9112 3.2
      requires of "a Host header field with an invalid field value"; it was served. An empty ``Host`` is valid.
    - A request line in another version than HTTP/1.0 or 1.1 (``HTTP/2.0`` sent as text, ``HTTP/0.9``): 400, as
      httptools answers ``HTTP/1.2``. A 505 would fit RFC 9110 (15.6.6) too, but the version is the client's
      error here: HTTP/2 is never sent as text.
    - A request with a body that asks to switch protocols (``Connection: Upgrade``, ``Upgrade: h2c``, as
      ``curl --http2`` sends to an ``http://`` URL): 400. httptools stops reading at the end of such a request's
      headers, so its body never reached the app and ``POST /predict`` was answered "the request has no body".
      Without a body the request is served as plain HTTP (RFC 9110 7.8 lets a server ignore ``Upgrade``), and
      with ``Connection: close``: httptools reads nothing more on that connection, so a request pipelined after
      it went unanswered until the keep-alive timeout.
    - An HTTP/1.0 request with a ``Transfer-Encoding``: 400. RFC 9112 (6.1) says to treat its framing as faulty,
      since HTTP/1.0 has no chunked coding: a proxy that reads such a request by its version and this server, which
      read the chunks, would split the bytes into requests differently (a request smuggling shape).
    - ``Expect`` other than ``100-continue``: 417 (RFC 9110 10.1.1). uvicorn acts on ``100-continue`` only and
      passes any other expectation on, so the request would be served as if the client had asked nothing.
    - A path holding ``%2F`` (an encoded slash): 404, naming the path meant. Why: Starlette routes on the decoded
      path, so ``POST /plan%2Frank`` was ranked and ``/web%2Fplanner.js`` served the script, though RFC 3986 (2.2)
      says an encoded reserved character is not the character, so a proxy that allows or denies by path saw another
      path than the one served.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            seen: set[bytes] = set()
            upgrade: bytes | None = None
            coded = False
            for name, value in scope["headers"]:
                if name in _CHECKED:  # one test per header line; the rules below run on these few only
                    if name == b"expect":
                        if value.strip().lower() not in _MET:
                            await send_json(send, 417, {"detail": (
                                f"Expect {shown(value)!r} is not supported: send no Expect "
                                "header, or `Expect: 100-continue`")})
                            return
                        continue
                    if name == b"upgrade":
                        upgrade = value
                        continue
                    if name == b"transfer-encoding":
                        coded = True
                        continue
                    if name in seen:
                        await send_json(send, 400, {"detail": (
                            f"the {name.decode().title()} header is sent more than once: send it once")})
                        return
                    seen.add(name)
                    if name == b"host" and not _HOST.fullmatch(value.strip(b" \t")):
                        await send_json(send, 400, {"detail": (
                            f"the Host header {shown(value)!r} is not a host name or address with an optional "
                            "port (RFC 9110 7.2): send `Host: <name>[:<port>]`, for example `Host: localhost:8000`")})
                        return
            if scope["http_version"] not in _SPOKEN:
                await send_json(send, 400, {"detail": (
                    f"HTTP/{scope['http_version'][:10]} is not spoken here: send the request as HTTP/1.1")})
                return
            if coded and scope["http_version"] == "1.0":
                await send_json(send, 400, {"detail": (
                    "an HTTP/1.0 request has no Transfer-Encoding (RFC 9112 6.1: its framing is faulty): send the "
                    "request as HTTP/1.1, or the body with a Content-Length and no Transfer-Encoding")})
                return
            if b"host" not in seen and scope["http_version"] == "1.1":
                await send_json(send, 400, {"detail": (
                    "the Host header is required in an HTTP/1.1 request: send `Host: <the server's name>`")})
                return
            if b"%2" in (raw := scope.get("raw_path") or b"") and _ENCODED_SLASH in raw.lower():
                await send_json(send, 404, {"detail": _encoded_slash(scope)}, close=False)  # as other 404s
                return
            if upgrade is not None and _asks_upgrade(scope["headers"]):
                if _has_body(scope["headers"]):
                    await send_json(send, 400, {"detail": (
                        f"the request asks to switch to {shown(upgrade)!r} (Connection: "
                        "Upgrade), which this server does not do, and then its body is not read: send it without the "
                        "Upgrade header (curl: --http1.1 rather than --http2 for an http:// URL)")})
                    return
                send = _closing(send)
        await self.app(scope, receive, send)


# The scope key under which HeadAsGet keeps the method sent (HEAD) for the app, which sees GET.
METHOD_SENT = "storecast.method_sent"


def method_sent(scope: Mapping[str, Any]) -> str:
    """The request's method as the client sent it: ``HEAD`` where :class:`HeadAsGet` shows the app ``GET``."""
    return str(scope.get(METHOD_SENT, scope["method"]))


class HeadAsGet:
    """Answer ``HEAD`` as the ``GET`` of the same path, without the body (RFC 9110 9.3.2).

    FastAPI routes declare GET only, so ``HEAD /health`` (what some load balancers probe with) would be 405.
    The inner app sees GET; the status and headers, ``content-length`` included, are the GET's. A message that
    names the method (a 405) reads :func:`method_sent`: ``HEAD /predict`` was told "GET is not allowed".
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET", METHOD_SENT: "HEAD"}, receive, send_headers_only)


class ServerOptions:
    """Answer ``OPTIONS *`` about the server as a whole (RFC 9110 9.3.7): 200, ``Allow`` naming every method some
    route takes, no content (``Content-Length: 0``); any other method sent to ``*`` 400 (RFC 9112 3.2.4: the
    asterisk form is for a server-wide ``OPTIONS`` only).

    Why: uvicorn passes the request target ``*`` on as the path ``*``, so ``OPTIONS *``, which proxies and
    monitors send to ask what a server speaks, was 404 "nothing at *". 200 rather than 204: RFC 9110 asks such an
    answer for ``Content-Length: 0``, which a 204 must not carry. ``Allow`` is read from the app's routes
    (its OpenAPI description, with ``HEAD`` where ``GET`` is taken, and ``OPTIONS`` for this answer), once.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.allow: bytes | None = None

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != "*":
            await self.app(scope, receive, send)
            return
        method = method_sent(scope)
        if method != "OPTIONS":
            await send_json(send, 400, {"detail": (
                f"the request target * asks about the server as a whole, which only OPTIONS does (RFC 9112 3.2.4), "
                f"not {shown(method)}: send {shown(method)} to a path, such as /health")}, close=False)  # as a 404
            return
        if self.allow is None:
            self.allow = _server_methods(scope["app"]).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"allow", self.allow), (b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})


def _server_methods(app: Any) -> str:
    """The methods some route of ``app`` takes, as ``Allow`` lists them: ``GET, HEAD, OPTIONS, POST``."""
    methods = {method.upper() for operations in app.openapi().get("paths", {}).values() for method in operations}
    return allow_with_head(", ".join(methods | {"OPTIONS"}))


def allow_with_head(allow: str) -> str:
    """``Allow`` with ``HEAD`` wherever ``GET`` is listed (a 405's, ``OPTIONS *``'s): ``HeadAsGet`` answers it there.

    Why: FastAPI routes declare GET only, so ``DELETE /health`` said ``Allow: GET`` though ``HEAD /health`` is 200.
    """
    methods = {m.strip().upper() for m in allow.split(",") if m.strip()}
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))

