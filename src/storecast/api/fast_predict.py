"""``POST /predict`` answered past FastAPI's router where the request is plainly valid (issue 16).

Why: with the model answering a constant, the app served about 0.3x the requests a second of a bare FastAPI
endpoint: routing, the request objects, the dependency and body machinery and the exception layers cost more
than the model (docs/benchmarks.md). :class:`FastPredict` sits innermost among the pure-ASGI guards
(``api.middleware``, ``api.http_rules``), so every request has passed them as before, and answers a request
only when it is certain that FastAPI's route would answer it 200: ``POST /predict`` with no query string,
``Content-Type: application/json`` exactly, no ``Content-Encoding``, the bearer token exactly as
``Authorization: Bearer <token>`` where one is required, a body that parses by ``strict_json.strict_json`` and
validates as ``PredictRequest``, and the route's own checks passed. The answer comes from the route's own
function (``routes.predict.predict_answer``), so its status, headers and bytes are the route's.

Everything else falls through to the full app with the body already read replayed message by message (an
error that reading raised is raised again at the same message), so every refusal stays exactly the route's.
``Settings.fast_predict`` (``STORECAST_FAST_PREDICT=0``) sends every request through the route.
"""

from __future__ import annotations

__all__ = ["FastPredict", "MAX_LEAN_BYTES"]

from collections import deque
from secrets import compare_digest
from typing import Any

from storecast.api.asgi import ASGIApp, Scope
from storecast.api.body import JSON_MEDIA_TYPE
from storecast.api.middleware import ROWS_STATE_KEY
from storecast.api.routes.predict import predict_answer
from storecast.api.schemas import PredictRequest
from storecast.api.strict_json import strict_json

_JSON = JSON_MEDIA_TYPE.encode()
# The largest body taken here (about 550 one-row objects). Why a cap: a body the route refuses is parsed and validated
# twice, here and there, and the per-request cost saved is nothing beside a large body's own (a 1,000-row request
# spends ~70 ms in the model); so a refused 5 MB body costs what it did, and a large one goes to the route unread.
MAX_LEAN_BYTES = 64 * 1024
Message = dict[str, Any]


def _bearer(token: str | None) -> bytes | None:
    """The one ``Authorization`` value taken here (b"" where no token is required), or None where none is (a token
    of other than ASCII characters: the route reads header bytes as Latin-1 and compares them in UTF-8)."""
    if not token:
        return b""
    return f"Bearer {token}".encode() if token.isascii() else None


def _plain(headers: list[tuple[bytes, bytes]], bearer: bytes) -> bool:
    """Whether the headers are those of a request the route serves without a second look: a JSON body, not
    compressed, of at most ``MAX_LEAN_BYTES`` where its length is said, with the token where one is required.
    ``HeaderRules`` has refused a second Content-Type or Authorization line already. The token is compared in
    constant time, as the route's ``require_token`` does: ``==`` stops at the first byte that differs, which a
    client timing many requests can read the token from."""
    typed = False
    authorized = not bearer
    for name, value in headers:
        if name == b"content-type":
            if value != _JSON:
                return False
            typed = True
        elif name == b"content-encoding":
            return False
        elif name == b"content-length" and not (value.isdigit() and int(value) <= MAX_LEAN_BYTES):
            return False
        elif name == b"authorization" and bearer:
            authorized = compare_digest(value, bearer)
    return typed and authorized


def _replay(messages: list[Message], error: Exception | None, receive: Any) -> Any:
    """``receive`` as the full app would have met it: the messages already read, then ``error`` where reading
    raised, then the server's own ``receive``."""
    pending = deque(messages)
    failed = [error] if error is not None else []

    async def replayed() -> Message:
        if pending:
            return pending.popleft()
        if failed:
            raise failed.pop()
        message: Message = await receive()
        return message

    return replayed


class FastPredict:
    """Pure-ASGI middleware: a plainly valid ``POST /predict`` answered by ``predict_answer`` without FastAPI's router;
    any other request passed on unchanged (the module's docstring says what "plainly valid" means)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # The Authorization value expected, built once per token (``_bearer``): an app's settings are fixed when it
        # is created, so this is built on the first request; a settings object swapped in later is read afresh.
        self._token: tuple[str | None, bytes | None] | None = None

    def _expected(self, token: str | None) -> bytes | None:
        """``_bearer(token)``, built again only when the token is another object than last time."""
        if self._token is None or self._token[0] is not token:
            self._token = (token, _bearer(token))
        return self._token[1]

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if (scope["type"] != "http" or scope["path"] != "/predict" or scope["method"] != "POST"
                or scope["query_string"] or scope.get("root_path")
                or "fastapi.telemetry" in scope):  # FastAPI's OpenTelemetry spans name the route its router matched
            await self.app(scope, receive, send)
            return
        api = scope["app"]
        settings = api.state.settings
        bearer = self._expected(settings.api_token)
        if (not settings.fast_predict or bearer is None or getattr(api.state, "batcher", None) is None
                or not _plain(scope["headers"], bearer)):
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        chunks: list[bytes] = []
        size = 0
        try:
            while True:
                message = await receive()
                messages.append(message)
                if message["type"] != "http.request":  # a disconnect: the route says what it says of one
                    await self.app(scope, _replay(messages, None, receive), send)
                    return
                chunks.append(chunk := message.get("body", b""))
                size += len(chunk)
                if size > MAX_LEAN_BYTES:  # chunked, and large: the route reads the rest
                    await self.app(scope, _replay(messages, None, receive), send)
                    return
                if not message.get("more_body", False):
                    break
        except Exception as exc:  # a guard's refusal while reading (413, 408): raised again where the route reads
            await self.app(scope, _replay(messages, exc, receive), send)
            return
        try:
            body = PredictRequest.model_validate(strict_json(b"".join(chunks)))
            response = await predict_answer(body, api, scope.setdefault("state", {}))
        except Exception:  # anything but a 200 is the route's to answer, as it always has been
            scope["state"].pop(ROWS_STATE_KEY, None)  # the log line's rows are the route's too
            await self.app(scope, _replay(messages, None, receive), send)
            return
        await response(scope, receive, send)
