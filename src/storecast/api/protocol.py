"""uvicorn's HTTP protocol with the limits no ASGI middleware can see: :class:`HeaderGuardProtocol`.

The app is only called once a request's head is complete, so a deadline and a size cap on the request *headers*,
bytes that are not HTTP, a client's EOF during a request and the rest of a body answered unread are the
protocol's to handle. ``storecast serve`` uses it; ``uvicorn --factory`` users pass
``--http storecast.api.middleware:HeaderGuardProtocol`` (the documented name, kept by ``api.middleware``).
The ASGI middleware (``api.middleware``) reads what it leaves in the scope (:data:`BODY_ANNOUNCED`,
:data:`SENT_STATE_KEY`).
"""

from __future__ import annotations

__all__ = ["BODY_ANNOUNCED", "CLIENT_EOF", "HeaderGuardProtocol", "MAX_HEADER_BYTES", "SENT_STATE_KEY", "too_slow"]

import asyncio
import json
import sys
from typing import Any

from uvicorn.protocols.http.auto import AutoHTTPProtocol
from uvicorn.protocols.http.flow_control import service_unavailable

from storecast.api.asgi import Scope, send_json
from storecast.api.half_close import ClientEOF
from storecast.api.lingering import linger_close
from storecast.api.not_http import (
    HEADER_ERRORS,
    OPENING_KEPT,
    bad_header_line,
    other_protocol,
    parser_words,
    unknown_method,
)
from storecast.api.target_form import target_error, with_path
from storecast.config import get_settings

# HeaderGuardProtocol puts here the status it answered a request with while the app still ran (a body cut short
# by the client's EOF: 400), so the log line says what the client got, not the app's answer that went nowhere.
SENT_STATE_KEY = "status_sent"
# Request line plus headers. h11 refuses more than 16 KiB, but httptools (uvicorn's choice when it is
# installed, as with uvicorn[standard]) sets no limit at all, so a client could send headers without end.
MAX_HEADER_BYTES = 64 * 1024
# The scope key under which HeaderGuardProtocol keeps the body bytes a chunked request has announced so far (the
# bytes of its chunks so far and the size line of the chunk still arriving), for BodySizeLimit to check.
BODY_ANNOUNCED = "storecast.body_announced"
# The scope key HeaderGuardProtocol sets (an ``api.half_close.ClientEOF``) when the client sends its EOF before the
# answer: TCP does not tell a socket closed (a browser's cancelled fetch) from one half-closed (``nc -N``), and the
# connection is kept open for the latter, so Starlette's ``is_disconnected`` never turns true. The planner's queue
# asks it whether the client has gone (api.planning_queue).
CLIENT_EOF = "storecast.client_eof"
# Bytes of a chunk-size line kept from one read to the next (its hex digits come first; an extension may follow).
_SIZE_LINE_KEPT = 64


def _not_http(reason: str) -> str:
    return f"the request is not valid HTTP/1.1 ({reason}): send a well-formed request"


# Which limit and what to do, as the 413 says
_TOO_LARGE = (f"the request headers are larger than {MAX_HEADER_BYTES:,} bytes in all: send fewer or shorter "
              "headers (large cookies are the usual cause)")
_BYTES_AFTER = ("the bytes after the end of the last request (its Content-Length, or its last chunk) are not an HTTP "
                "request: send a body of exactly Content-Length bytes, and nothing after it but whole requests")


def too_slow(seconds: float, part: str) -> str:
    """The 408 of a request whose ``part`` (its headers here, its body in ``middleware.RequestTimeout``) came late."""
    return f"the request {part} did not arrive within {seconds:g} s: send the whole request at once"


_BUSY = ("the server is serving as many connections and requests as it takes at once (limit_concurrency): "
         "retry in a moment")


async def _busy(scope: Scope, receive: Any, send: Any) -> None:
    """The 503 past ``limit_concurrency`` as JSON with a ``Retry-After``, like every other refusal (uvicorn's is a
    ``text/plain`` "Service Unavailable")."""
    await send_json(send, 503, {"detail": _BUSY}, [(b"retry-after", b"1")])


class _LingeringClose:
    """A connection's transport as a request's cycle uses it, with ``close`` left to the protocol's
    ``close_after_answer``; everything else is the transport's own."""

    def __init__(self, protocol: Any) -> None:
        self._protocol = protocol
        self._transport = protocol.transport

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)

    def close(self) -> None:
        self._protocol.close_after_answer()


class HeaderGuardProtocol(AutoHTTPProtocol):  # type: ignore[misc,valid-type]
    """uvicorn's HTTP protocol (httptools, else h11) plus a deadline and a size cap on request headers.

    What uvicorn itself bounds (read in uvicorn 0.54, ``protocols/http/{httptools,h11}_impl.py``):
    ``timeout_keep_alive`` is armed only *after a response* and cancelled by the first byte received, so
    a fresh connection that sends nothing, or any connection that dribbles its request line and headers
    a byte at a time, is held forever; ``h11_max_incomplete_event_size`` caps header *size* for h11 only.
    Here a connection may go at most ``request_timeout_s`` without a request in progress (from its
    opening, or from the end of the last response): then it is closed, with a 408 when part of a
    request had arrived. Headers over :data:`MAX_HEADER_BYTES` get 431 (a request line over it 414), bytes the parser
    refuses a JSON 400 (naming a method it does not know), as is a target in absolute form with userinfo or a scheme
    other than http/https.
    The body has its own deadline (``middleware.RequestTimeout``); a chunk whose size line announces a body over the
    limit is 413 at once, without waiting for its bytes (:data:`BODY_ANNOUNCED`; httptools only). Too many connections
    or requests get 503 from ``limit_concurrency`` (as JSON). A request that asks to upgrade to a WebSocket is served
    as plain HTTP: no route takes one.
    A client that half-closes still gets its answer, or a 400 when its body was cut short; bytes that are not HTTP
    after a complete request get their 400 once that request is answered. A refusal with no request in flight
    reads what the client is still sending before it closes (``api.lingering``), so it is not lost to a reset; so
    does an answer with ``Connection: close`` given while the request's body still arrives (``close_after_answer``).
    """

    url: bytes  # the request target as received (uvicorn's, set per request)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A class given to uvicorn by name (so --workers N can import it) takes no arguments of ours.
        self._header_timeout_s = get_settings().request_timeout_s
        self._header_timer: asyncio.TimerHandle | None = None
        self._header_bytes = 0  # bytes received towards the next request's headers
        self._line_ended = False  # whether the request line of the head being counted has ended
        # the refusal (status, detail) owed once the request being answered is: bytes that are not HTTP after it, or
        # a head over the limit pipelined behind it
        self._pending: tuple[int, str] | None = None
        self._in_head = False  # the parser is inside a request's head (httptools' callbacks; h11 leaves it False)
        self._head_began = False  # a head began in the current read
        self._discard = False  # a head was refused: nothing the parser reads after it starts or feeds a request
        self._refused = False  # answered with a refusal: the connection is closing or lingering
        self._in_body = False  # the parser is inside a request's body (httptools' callbacks; h11 leaves it False)
        self._body_fed = 0  # body bytes the parser passed on in the current read
        self._drained = 0  # bytes of an answered request's body read since its answer
        self._max_drain = get_settings().max_body_bytes
        # A chunked body's framing (httptools' callbacks; h11 leaves them unset): whether the body is chunked, its
        # bytes so far, those of the chunk still arriving, whether its size line ended in the current read, and the
        # start of the line the last read ended in (a size line may arrive in parts)
        self._chunked = False
        self._body_seen = self._chunk_seen = 0
        self._chunk_open = self._chunk_began = False
        self._line_start = b""
        self._read = b""  # the bytes of the current read
        self._opening = b""  # the connection's first bytes (OPENING_KEPT): another protocol's opening is named
        # No route takes a WebSocket: an `Upgrade: websocket` request is served as the plain HTTP request it also
        # is (RFC 9110 7.8 lets a server ignore Upgrade). uvicorn's upgrade answered it 403 with an empty body.
        self.ws_protocol_class = None

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = self._head_began = True

    def on_headers_complete(self) -> None:
        self._in_head = False
        if not self._discard and self._head_size() > MAX_HEADER_BYTES:
            # A head that the byte count could not see whole: pipelined behind a request in the same read
            self._refuse_after_answer(431, _TOO_LARGE)
            self._discard = True
        if not self._discard and (why := target_error(self.url)) is not None:
            self._refuse_after_answer(400, why)
            self._discard = True
        if self._discard:  # never started: its body, if any, is fed to no request
            return
        self.url = with_path(self.url)
        super().on_headers_complete()
        self._in_body, self._drained = True, 0
        self._chunked = any(name == b"transfer-encoding" for name, _ in self.headers)
        self._body_seen = self._chunk_seen = 0
        self._chunk_open = self._chunk_began = False
        if self.cycle is not None and self.cycle.transport is self.transport:
            self.cycle.transport = _LingeringClose(self)

    def close_after_answer(self) -> None:
        """End the connection once a request is answered with ``Connection: close`` (the cycle's ``close``).

        While the request's body is still arriving (a 413 from its Content-Length, a 408 for a slow body, any
        refusal made before the body was read) the close lingers (``api.lingering``), as a refused head's does.
        Why: closing with the client's bytes unread sends a reset, so a client that writes its whole body before it
        reads (a 6 MB body sent in one write) got "connection reset" or "broken pipe" instead of the 413 written
        for it.
        """
        if self._in_body and not self.transport.is_closing():
            self._refused = True
            self._cancel_header_timer()
            linger_close(self, self.transport, self.loop)
        else:
            self.transport.close()

    def _head_size(self) -> int:
        """The size of the head just parsed, from what the parser gave (request line, each header line): never
        more than the bytes sent, which also held the spaces the parser dropped."""
        return (len(self.parser.get_method()) + len(self.url) + 12  # "GET /x HTTP/1.1\r\n"
                + sum(len(name) + len(value) + 4 for name, value in self.headers) + 2)

    def on_body(self, body: bytes) -> None:
        if self._discard:
            return
        self._body_fed += len(body)
        self._body_seen += len(body)
        self._chunk_seen += len(body)
        super().on_body(body)

    def on_chunk_header(self) -> None:
        self._chunk_open = self._chunk_began = True
        self._chunk_seen = 0

    def on_chunk_complete(self) -> None:
        self._chunk_open = False

    def _announce_chunk(self, data: bytes) -> None:
        """Put the body bytes announced so far under :data:`BODY_ANNOUNCED` of the request being read, when ``data``
        (a read the parser took whole) ended inside a chunk whose size line ended in it.

        httptools says that a chunk begins, not its size: the line is read back from ``data``. A chunk still open at
        the end of the read holds the read's last bytes, so its size line ends just before them (the start of that
        line may have come in the read before: ``_line_start``). A line that does not read as a size is left alone
        (the parser, which took it, answers bad framing itself).
        """
        began, self._chunk_began = self._chunk_began, False
        if not self._chunk_open:
            newline = data.rfind(b"\n")
            self._line_start = (data[newline + 1:] if newline != -1 else self._line_start + data)[:_SIZE_LINE_KEPT]
            return
        cycle = self.cycle
        end = len(data) - self._chunk_seen
        if not began or cycle is None or cycle.response_started or data[end - 1:end] != b"\n":
            return
        start = data.rfind(b"\n", 0, end - 1) + 1
        line = data[start:end] if start else self._line_start + data[:end]
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            return
        cycle.scope[BODY_ANNOUNCED] = self._body_seen - self._chunk_seen + size
        cycle.message_event.set()  # a body read waiting for this chunk's bytes checks the announcement now

    def on_message_complete(self) -> None:
        self._in_body = False
        if not self._discard:
            super().on_message_complete()

    def _draining(self) -> bool:
        """Whether the bytes arriving are the rest of a body the app answered without reading (a 404, a 405)."""
        return self._in_body and self.cycle is not None and self.cycle.response_complete

    def _drain(self, data: bytes) -> bytes:
        """Feed the parser the rest of an answered request's body, a limit's worth at a time; the bytes after it.

        Why: those bytes were counted as the next request's head, so a body over 64 KiB sent to a path that answers
        without reading it (``POST /predcit``, ``PUT /plan``) was followed by a 414 "the request line runs past" that
        no request asked for, and a request pipelined behind it got that 414 instead of its answer. The bytes after
        the body, in the piece where it ends, start the next head's count (chunk framing counts too: more, not less).
        Past ``max_body_bytes`` drained the connection is closed: a body without end is not read for ever.
        """
        while data and self._draining() and not self.transport.is_closing():
            piece, data = data[:MAX_HEADER_BYTES], data[MAX_HEADER_BYTES:]
            self._drained += len(piece)
            if self._drained > self._max_drain:  # answered: close, dropping what comes until the client stops
                self._refused = True
                self._cancel_header_timer()
                linger_close(self, self.transport, self.loop)
                return b""
            self._body_fed = 0
            super().data_received(piece)
            if not self._draining() and self._waiting_for_headers():
                self._header_bytes = len(piece) - self._body_fed
                self._line_ended = b"\n" in piece[self._body_fed:]
        return b"" if self.transport.is_closing() else data

    def data_received(self, data: bytes) -> None:
        self._head_began = False
        self._read = data  # where send_400_response finds a method the parser refused
        if len(self._opening) < OPENING_KEPT:
            self._opening += data[:OPENING_KEPT - len(self._opening)]
        if self._draining() and not (data := self._drain(data)):
            return
        room = MAX_HEADER_BYTES - self._header_bytes
        if len(data) > room and self._waiting_for_headers() and not self._head_ends_within(data, room):
            # Why before the parser sees it all: headers over the limit that arrive in one read (asyncio reads up to
            # 256 KiB) were complete before the count below saw them, so a 100 kB header was served, not refused.
            # The parser reads up to the limit first: bytes that are not HTTP get its 400, not "too long".
            super().data_received(data[:room])
            self._refuse_head(line_ended=self._line_ended or data.find(b"\n", 0, room) != -1)  # once: see _refuse
            return
        super().data_received(data)
        if self._in_body and self._chunked:
            self._announce_chunk(data)
        if not self._waiting_for_headers():
            self._count_pipelined(data)
            return
        self._header_bytes += len(data)
        self._line_ended = self._line_ended or b"\n" in data  # only a head that arrives in parts gets here
        if self._header_bytes > MAX_HEADER_BYTES and not self.transport.is_closing():
            self._refuse_head(line_ended=self._line_ended)

    def _count_pipelined(self, data: bytes) -> None:
        """Count a head pipelined behind a request still being answered, as a head after an answer is counted.

        Why: the count was reset whenever a request was in flight, so a head that followed a request in the same
        read was never counted: 100 kB of headers behind a ``GET /health`` were served, 300 kB got a 414 about the
        request line once the first answer was out, and behind a slow request (``/plan/rank``) a head could grow
        without limit. The part of this read that a head begun in it holds starts at its request line (the method
        and URL parsed so far, the last such bytes of the read); a head begun earlier holds the whole read. Over the
        limit, the refusal waits for the answer in flight (``_refuse_after_answer``).
        """
        if not self._in_head:
            self._header_bytes, self._line_ended = 0, False
            return
        if self._head_began:
            start = data.rfind(self.parser.get_method() + b" " + self.url) if self.url else -1
            self._header_bytes = len(data) - start if start != -1 else len(self.url)
            self._line_ended = start != -1 and data.find(b"\n", start) != -1
        else:
            self._header_bytes += len(data)
            self._line_ended = self._line_ended or b"\n" in data
        if self._header_bytes > MAX_HEADER_BYTES and not self._discard:
            self._refuse_head(line_ended=self._line_ended)

    def _refuse_head(self, line_ended: bool) -> None:
        """431 for a head over :data:`MAX_HEADER_BYTES`; 414 when its request line alone runs past the limit.

        Why 414: a URL that long was answered "not valid HTTP/1.1" (httptools cannot parse one over 64 KiB), or 431
        about headers the client may not have sent; RFC 9110 (15.5.15) names the target as what is too long.
        """
        if line_ended:
            self._refuse_after_answer(431, _TOO_LARGE)
        else:
            self._refuse_after_answer(414, f"the request line (method, path and query string) runs past "
                                           f"{MAX_HEADER_BYTES:,} bytes: send a shorter URL (the routes that take "
                                           "input read every field from the JSON body)")

    def _refuse_after_answer(self, status: int, detail: str) -> None:
        """Refuse now, or once the request being answered is (its answer first, as the client asked them in order):
        nothing more is read or started on the connection meanwhile."""
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete and not cycle.more_body:
            if self._pending is None:
                self._pending = (status, detail)
            self._discard = True
            self.flow.pause_reading()
            return
        self._refuse(status, detail)

    def _head_ends_within(self, data: bytes, room: int) -> bool:
        """Whether the request's head (request line and headers) may end within the first ``room`` bytes of ``data``.

        Read only when ``data`` runs past the limit. A head whose blank line began in the previous read (``data``
        opens with CR or LF) may end here too: the parser decides, and the count after it refuses the rest.
        """
        return data.find(b"\r\n\r\n", 0, room) != -1 or (self._header_bytes > 0 and data[:1] in (b"\r", b"\n"))

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self._in_head:  # a head pipelined behind the answered request keeps its count
            self._header_bytes = 0
            self._line_ended = False
        if self.transport.is_closing() or self._refused:  # closed, or lingering (close_after_answer)
            return
        if self._pending is not None:
            if self.cycle is not None and self.cycle.response_complete:  # the last request before it is answered
                self._refuse(*self._pending)
            return
        self._arm_header_timer()

    def eof_received(self) -> bool | None:
        """Answer a client that half-closes during a request instead of dropping the connection.

        Why: a client that shuts its sending side once the request is out (``nc -N``, ``shutdown(SHUT_WR)``) got
        no answer from ``POST /predict``: asyncio closes the transport on EOF unless this returns True, so the
        answer, still being computed, had nowhere to go. Now the connection stays open until the answer is sent.
        A body cut short by the EOF (fewer bytes than its Content-Length) can never complete: 400 at once, where
        the connection was closed without a word. The request is marked (:data:`CLIENT_EOF`): a browser closing the
        socket of a cancelled fetch sends the same EOF, so the planner's routes ask it whether the client has gone
        (``api.half_close``) and drop the request's job if so.
        """
        cycle = self.cycle
        if cycle is None or cycle.response_complete:
            return None  # between requests: close, as before
        if cycle.more_body and not cycle.response_started:
            self._refuse(400, "the client closed its side of the connection before the request body was complete "
                              "(fewer bytes than its Content-Length, or no last chunk): send the whole body")
            return None
        cycle.keep_alive = False  # close once the answer is out
        cycle.scope[CLIENT_EOF] = ClientEOF(self.transport, cycle)
        return True

    def _start_asgi_task(self, cycle: Any, app: Any) -> None:
        # Past limit_concurrency uvicorn (httptools) serves its own 503 app, in text/plain: the JSON one instead.
        super()._start_asgi_task(cycle, _busy if app is service_unavailable else app)

    def _unsupported_upgrade_warning(self) -> None:
        """Nothing to log: uvicorn would warn "No supported WebSocket library detected" for every request that
        names an ``Upgrade``, though the request is served as plain HTTP as intended."""

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to bytes that are not HTTP/1.1 (a bad Content-Length, chunk size or request line),
        as JSON like every other error rather than its ``text/plain`` line.

        Bytes that follow a complete request (a body longer than its Content-Length on a kept-alive connection,
        or garbage pipelined behind a good request) get their 400 once that request is answered. Why: uvicorn
        wrote the 400 and closed at once, so the request the client did frame lost its answer (a 422 naming the
        JSON cut by Content-Length, or the 200) and the client saw only "not valid HTTP".
        A request line with a method the parser does not know (``FOO``, ``get``) is 400 naming it
        (:func:`~storecast.api.not_http.unknown_method`); a connection that opens in another protocol, or a header
        line the parser cannot take, is 400 naming it (``api.not_http``).
        """
        cycle = self.cycle
        # uvicorn calls this inside its `except` for the parser's error, whose message says what was wrong
        # ("Transfer-Encoding can't be present with Content-Length", "Invalid character in chunk size"): named too.
        error = sys.exc_info()[1]
        after_answer = cycle is not None and not cycle.more_body and not cycle.response_complete
        refusal = self._named_refusal(str(error) if error is not None else "", first_head=cycle is None,
                                      whole_line=after_answer)
        if after_answer:
            if self._pending is None:  # a head refused before these bytes keeps its refusal
                self._pending = refusal or (400, _BYTES_AFTER)
            self.flow.pause_reading()  # nothing more is parsed on this connection
            return
        if refusal is not None:
            self._refuse(*refusal)
            return
        if error is not None and str(error) == "User callback error" and error.__context__ is not None:
            error = error.__context__  # raised in uvicorn's callback: "invalid url b'x:443'" (CONNECT's target)
        reason = str(error).strip()[:100] if error is not None else ""
        self._refuse(400, _not_http(reason or "its request line, headers or chunked framing could not be parsed"))

    def _named_refusal(self, reason: str, first_head: bool, whole_line: bool) -> tuple[int, str] | None:
        """The refusal that names what the parser refused (``reason``, its words) in the current read, where it can:
        another protocol's opening (``first_head``: the connection's first), a method it does not know, a
        header line it cannot take; None where the parser's own words stand."""
        if first_head and (other := other_protocol(self._opening)) is not None:
            return 400, other
        if reason == "Invalid method encountered" and (method := unknown_method(self._read, whole_line)):
            return 400, method
        if reason in HEADER_ERRORS and (line := bad_header_line(self._read)):
            return 400, line
        if (words := parser_words(reason, self._read)) is not None:
            return 400, words
        return None

    def _waiting_for_headers(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm_header_timer(self) -> None:
        self._cancel_header_timer()
        self._header_timer = self.loop.call_later(self._header_timeout_s, self._on_header_deadline)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _on_header_deadline(self) -> None:
        self._header_timer = None
        if self.transport.is_closing() or not self._waiting_for_headers():
            return  # a request is being served; its response re-arms the timer
        if self._header_bytes:
            self._refuse(408, too_slow(self._header_timeout_s, "headers"))
        else:
            self.transport.close()  # idle, nothing half-sent: close quietly, as keep-alive does

    def _refuse(self, status: int, detail: str) -> None:
        if self._refused:  # the first refusal has answered and ended the connection
            return
        self._refused = True
        cycle = self.cycle
        if cycle is not None and not cycle.response_started:  # a request the app is serving: its log line says this
            cycle.scope.setdefault("state", {})[SENT_STATE_KEY] = status
        body = json.dumps({"detail": detail}).encode()
        reason = {400: b"Bad Request", 408: b"Request Timeout", 414: b"URI Too Long",
                  431: b"Request Header Fields Too Large"}[status]
        self.transport.write(
            b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
            b"connection: close\r\n\r\n%s" % (status, reason, len(body), body))
        self._cancel_header_timer()  # its 408 would write to a transport that has sent its EOF
        if cycle is None or cycle.response_complete:  # no request in flight: nothing else writes here
            linger_close(self, self.transport, self.loop)
        else:
            self.transport.close()
