"""The error answers each route documents in the OpenAPI description (its ``responses=``), one table per layer.

Why a table per layer: a request passes the server's protocol (``protocol.HeaderGuardProtocol``) and the ASGI
layers (``middleware``, ``http_rules``) before any route, so every route can be answered what those answer (a 431, a
408, a 413 by Content-Length, even on a ``GET``), besides its own refusals. The description listed 401, 413, 415
and 503 only, where a client meets 400, 408, 422 and more; ``tests/api/test_openapi_answers.py`` reads the statuses
from the code and checks that each route lists every one it can answer, and nothing else.
"""

from __future__ import annotations

__all__ = ["ANY_REQUEST", "BODY_ANSWERS", "MODEL_ANSWERS", "MODEL_ROUTE_ERRORS", "TOKEN_ANSWERS", "error_responses"]

from collections.abc import Mapping
from typing import Any

from storecast.api.protocol import MAX_HEADER_BYTES
from storecast.api.schemas import ErrorBody

# What any request may be answered, whatever its route: the protocol's and the ASGI layers' refusals, and the 500 of
# a bug. (404 and 405 are answers about a path or a method, not of a route.)
ANY_REQUEST: Mapping[int, str] = {
    400: ("Not a valid HTTP/1.1 request: bytes the parser refuses, a version other than 1.0 or 1.1, a Host missing, "
          "sent twice or not a host and port, Content-Type or Authorization sent twice, a target with user:password@ "
          "or another scheme than http(s), a body with an Upgrade, a body cut short by the client"),
    408: "The headers or the body did not arrive within the server's request_timeout_s (STORECAST_REQUEST_TIMEOUT_S)",
    413: ("Body larger than the server's max_body_bytes (STORECAST_MAX_BODY_BYTES), by its Content-Length, "
          "its bytes or a chunk's announced size"),
    414: f"Request line (method, path and query string) longer than {MAX_HEADER_BYTES:,} bytes",
    415: "Body sent compressed (a Content-Encoding)",
    417: "An Expect other than 100-continue",
    431: f"Request line and headers larger than {MAX_HEADER_BYTES:,} bytes in all",
    500: "A bug: the answer says so, the server's log holds the traceback",
    501: "A Transfer-Encoding other than chunked",
    503: "The server serves as many connections and requests as it takes at once (limit_concurrency; Retry-After)",
}
# A route behind the token (every one but /health and the pages).
TOKEN_ANSWERS: Mapping[int, str] = {401: "Missing or wrong bearer token (when the server has one)"}
# A route that reads a JSON body (api.body.StrictJSONRoute).
BODY_ANSWERS: Mapping[int, str] = {
    415: "Body not sent as Content-Type: application/json (or application/*+json)",
    422: ("The body is not JSON, fails the schema, sends a query string, or asks what this model cannot serve "
          "(an unknown store, a day outside the window): each problem at its field"),
}
# A route that serves from the model.
MODEL_ANSWERS: Mapping[int, str] = {503: "No model loaded yet (Retry-After), or the model file went bad while serving"}


def error_responses(*answers: Mapping[int, str]) -> dict[int | str, dict[str, Any]]:
    """A route's ``responses=``: ``ANY_REQUEST`` and ``answers``, one entry per status, its causes one sentence each."""
    causes: dict[int, list[str]] = {}
    for table in (ANY_REQUEST, *answers):
        for status, why in table.items():
            causes.setdefault(status, []).append(why)
    return {status: {"model": ErrorBody, "description": ". ".join(whys)} for status, whys in sorted(causes.items())}


# The model routes that take a body: POST /predict and /forecast (/plan and /plan/rank add their own 503).
MODEL_ROUTE_ERRORS = error_responses(TOKEN_ANSWERS, BODY_ANSWERS, MODEL_ANSWERS)
