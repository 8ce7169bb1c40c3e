"""Guards around each request, as pure-ASGI middleware: size and time limits, and one structured log line.

:class:`BodySizeLimit`, :class:`RequestTimeout`, :class:`RequestLog` are pure ASGI (rather than
``BaseHTTPMiddleware``, which adds a task and a stream per request: that matters at a few hundred requests a second
on two cores). What no middleware can see (the request's head) is the server protocol's, ``api.protocol``;
``HeaderGuardProtocol`` is also importable from here, its documented name for ``uvicorn --factory`` users
(``--http storecast.api.middleware:HeaderGuardProtocol``).
"""

from __future__ import annotations

__all__ = ["ROWS_STATE_KEY", "BodySizeLimit", "HeaderGuardProtocol", "RequestLog", "RequestTimeout"]

import asyncio
import logging
import time
from typing import Any

from fastapi import HTTPException

from storecast.api.asgi import ASGIApp, Scope, send_json
from storecast.api.protocol import BODY_ANNOUNCED, SENT_STATE_KEY, HeaderGuardProtocol, too_slow
from storecast.api.sent_path import sent_path

log = logging.getLogger("storecast.api.access")

# Routes put the number of rows they served under this key of ``request.state`` for the log line.
ROWS_STATE_KEY = "rows"


def _too_large(limit: int) -> str:
    return (
        f"the request body is larger than {limit:,} bytes: split the batch into smaller requests"
    )


class BodySizeLimit:
    """Answer 413 when the body exceeds ``max_bytes``: up front from Content-Length, else while reading, or as soon
    as a chunk's size line announces more (:data:`BODY_ANNOUNCED`, from :class:`HeaderGuardProtocol`).

    Why the size line: a chunk announced larger than the limit and sent slowly (or not at all) was read until the
    body deadline and answered 408 "send the whole request at once", which a client cannot act on, where the
    same body with a Content-Length got the 413 that says to send less. ``Connection: close``, as for a
    Content-Length over the limit: the rest of that chunk is not worth reading.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared > self.max_bytes:
                    await send_json(send, 413, {"detail": _too_large(self.max_bytes)})
                    return
                break
        received = 0

        async def limited_receive() -> dict[str, Any]:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # FastAPI re-raises HTTPException from body reading; the error handlers answer it.
                    raise HTTPException(status_code=413, detail=_too_large(self.max_bytes))
                if scope.get(BODY_ANNOUNCED, 0) > self.max_bytes:
                    raise HTTPException(status_code=413, detail=_too_large(self.max_bytes),
                                        headers={"Connection": "close"})
            return message

        await self.app(scope, limited_receive, send)


class RequestTimeout:
    """Answer 408 when the body has not fully arrived ``seconds`` after the request began.

    A client that sends its body a byte a second would otherwise hold a connection and a task for as
    long as it likes; uvicorn bounds only the idle time between requests (``timeout_keep_alive``).
    """

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.seconds
        body_done = False

        async def timed_receive() -> dict[str, Any]:
            nonlocal body_done
            if body_done:  # later calls wait for a disconnect: not the client's delay
                return await receive()
            try:
                # asyncio's own deadline (uvicorn runs asyncio): a timer handle, where anyio's cancel scope
                # looked up the running library on every call (~5% of a small request's event-loop time)
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                # Like BodySizeLimit: FastAPI re-raises an HTTPException from body reading and the error
                # handlers answer it; "close" because the rest of the body may still be on its way.
                raise HTTPException(status_code=408, detail=too_slow(self.seconds, "body"),
                                    headers={"Connection": "close"}) from None
            body_done = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        await self.app(scope, timed_receive, send)


class RequestLog:
    """Log method, path, status, latency (ms) and rows served; never the payload.

    The status is the one the client got: the app's, or the one :class:`HeaderGuardProtocol` answered with
    while the app still ran (``SENT_STATE_KEY``; the app's later answer goes nowhere).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        state = scope.setdefault("state", {})
        status = 500

        async def send_status(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            ms = (time.perf_counter() - start) * 1000.0
            status = state.get(SENT_STATE_KEY, status)  # the server's own answer, when it answered first
            rows = state.get(ROWS_STATE_KEY)
            path = sent_path(scope)
            log.info(
                "%s %s %d %.1fms rows=%s", scope["method"], path, status, ms,
                "-" if rows is None else rows,
                extra={"method": scope["method"], "path": path, "status": status,
                       "latency_ms": round(ms, 2), "rows": rows},
            )
