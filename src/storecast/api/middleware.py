"""Pure-ASGI middleware: request-body size limit and one structured log line per request.

Pure ASGI rather than ``BaseHTTPMiddleware`` because it adds no task or stream per request, which
matters at a few hundred requests a second on two cores.
"""

from __future__ import annotations

__all__ = ["BodySizeLimit", "RequestLog", "ROWS_STATE_KEY"]

import json
import logging
import time
from typing import Any

from fastapi import HTTPException

log = logging.getLogger("storecast.api.access")

Scope = dict[str, Any]
ASGIApp = Any
# Routes put the number of rows they served under this key of ``request.state`` for the log line.
ROWS_STATE_KEY = "rows"


def _too_large(limit: int) -> str:
    return (
        f"the request body is larger than {limit:,} bytes: split the batch into smaller requests"
    )


class BodySizeLimit:
    """Answer 413 when the body exceeds ``max_bytes``: up front from Content-Length, else while reading."""

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
                    await _send_json(send, 413, {"detail": _too_large(self.max_bytes)})
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
            return message

        await self.app(scope, limited_receive, send)


class RequestLog:
    """Log method, path, status, latency (ms) and rows served; never the payload."""

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
            rows = state.get(ROWS_STATE_KEY)
            log.info(
                "%s %s %d %.1fms rows=%s", scope["method"], scope["path"], status, ms,
                "-" if rows is None else rows,
                extra={"method": scope["method"], "path": scope["path"], "status": status,
                       "latency_ms": round(ms, 2), "rows": rows},
            )


async def _send_json(send: Any, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    await send({
        "type": "http.response.start", "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                    (b"connection", b"close")],
    })
    await send({"type": "http.response.body", "body": data})
