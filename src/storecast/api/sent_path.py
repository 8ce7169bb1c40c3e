"""A request's path as the client sent it, safe for one log line: the one way the access log and every 404 and 405
name a path.
"""

from __future__ import annotations

__all__ = ["MAX_LOGGED_PATH", "log_safe_path", "path_as_sent", "sent_path"]

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, quote_from_bytes

from storecast.errors import clipped

# Characters of a path an access log line repeats (as a 404's message does): the server takes request lines of up to
# ``protocol.MAX_HEADER_BYTES``, and a 60 kB path written whole made every such request a 60 kB line.
MAX_LOGGED_PATH = 200
_URL_SAFE = "/!$&'()*+,;=:@-._~"


def sent_path(scope: Mapping[str, Any]) -> str:  # read only: Starlette's request.scope too
    """The request's path as the client sent it (:func:`path_as_sent`), clipped to ``MAX_LOGGED_PATH``: the one
    way the log line and every 404 and 405 write a path."""
    return clipped(path_as_sent(scope), MAX_LOGGED_PATH)


def path_as_sent(scope: Mapping[str, Any]) -> str:
    """The request's path as the client sent it (percent-encoded as received), whole.

    Why the raw path: ``scope["path"]`` is decoded, so a refused ``/plan%2Frank`` (a 404: %2F is no slash) was
    logged as ``/plan/rank 404``, a path that is served. Bytes outside the URL alphabet are encoded as well
    (``%`` is kept: the escapes were sent), so the line stays one line; without ``raw_path``, the decoded path is
    encoded again.
    """
    raw = scope.get("raw_path")
    return quote_from_bytes(raw, safe=_URL_SAFE + "%") if raw else log_safe_path(scope["path"])


def log_safe_path(path: str) -> str:
    """``path`` percent-encoded as a client sends it (as uvicorn's access log does).

    ``scope["path"]`` is percent-*decoded*: ``GET /x%0A2026-01-01 INFO ...`` would otherwise write a
    forged second line into the log, and ``%00`` a NUL byte.
    """
    return quote(path, safe=_URL_SAFE)
