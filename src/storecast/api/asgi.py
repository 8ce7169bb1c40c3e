"""What the ASGI layers below the routes share: the types of a scope and an app, and the one way a layer that
answers before the app (a limit, an HTTP rule, the server's own 503) writes its refusal, as JSON like every other.
"""

from __future__ import annotations

__all__ = ["ASGIApp", "Scope", "send_json"]

import json
from typing import Any

Scope = dict[str, Any]
ASGIApp = Any


async def send_json(send: Any, status: int, body: dict[str, Any],
                    headers: list[tuple[bytes, bytes]] | None = None, *, close: bool = True) -> None:
    """A refusal written by a middleware; ``close`` ends the connection after it (the request may be cut short).

    ``close=False`` where the request was well framed (a 404 for its path): the server skips its unread body, and
    requests pipelined behind it are still answered.
    """
    data = json.dumps(body).encode()
    await send({
        "type": "http.response.start", "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                    *([(b"connection", b"close")] if close else []), *(headers or [])],
    })
    await send({"type": "http.response.body", "body": data})
