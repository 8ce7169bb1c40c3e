"""The routes that take a JSON body: the body parsed strictly, labelled JSON, and no query string beside it.

Why: a body is answered as written or not at all. The routes that take a body use :class:`StrictJSONRoute`, which
parses it by ``api.strict_json``'s rules (UTF-8 only; a key given twice, ``NaN``/``Infinity`` and a lone surrogate
refused, each located), answers a body not labelled JSON (``Content-Type``) with :class:`UnsupportedMediaType`
(415), and a query string (every field is in the body) 422. A body that fails the schema keeps its text for the
echo of a number as sent (``api.echo``) and gets the route's own checks (``api.beside``) in the same 422. The
answers of those routes go out through :func:`json_response`. `QUERY_STRING_RULE` says why the GET routes, unlike
these, ignore a query string; it is the API description's paragraph on query strings.
"""

from __future__ import annotations

__all__ = ["JSON_MEDIA_TYPE", "QUERY_STRING_RULE", "StrictJSONRoute", "UnsupportedMediaType", "is_json_media_type",
           "json_response"]

import email.message
import json
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from storecast.api.beside import check_of, merged
from storecast.api.echo import BODY_TEXT
from storecast.api.http_rules import shown
from storecast.api.strict_body import model_in
from storecast.api.strict_json import strict_doc, utf8_text

# One rule by what a route reads, as in the OpenAPI description. A query string on a route that takes input
# could be a field the sender meant (answered as if unasked: a wrong answer); on a GET that takes none it
# cannot change the answer, and refusing it would break the cache busters that browsers, proxies and uptime
# monitors add (`/health?ts=123`, `planner.js?v=2`): HTTP caches key on the query, the server need not read it.
QUERY_STRING_RULE = (
    "**Query strings.** The routes that take input (`POST /predict`, `/forecast`, `/plan`, `/plan/rank`) read "
    "every field from the JSON body and answer a query string with a 422 at `query.<name>`: an ignored "
    "`?days=3` would have answered the default 42 days as if asked. The `GET` (and `HEAD`) routes take no "
    "input, so they ignore a query string: their answer cannot depend on it, and browsers, proxies and "
    "uptime monitors add cache busters such as `/health?ts=123`.")


class _StrictJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            text = utf8_text(await self.body())
            self._text = text  # before the parse: a 422 echoes a number as sent (api.echo)
            self._json = strict_doc(text)
        return self._json


def _refuse_query_string(request: Request) -> None:
    """422 at ``query.<name>`` for a query string: every field of these routes is in the body.

    Why: an ignored query would let ``POST /forecast?days=3`` answer the default 42 days, where an unknown
    body field is refused; the same rule for both. Every name is raised: the 422's handler lists
    ``unprocessable.MAX_LISTED`` and counts the rest (names cut here were never counted).
    """
    query = request.scope["query_string"].decode("latin-1")
    names = list(dict.fromkeys(name for name, _ in parse_qsl(query, keep_blank_values=True))) or [query]
    msg = (f"{request.method} {request.scope['path']} reads its fields from the JSON body only: "
           "move them there and send no query string")
    raise RequestValidationError([{"loc": ("query", name), "msg": msg, "type": "extra_forbidden"}
                                  for name in names])


JSON_MEDIA_TYPE = "application/json"


def is_json_media_type(content_type: str) -> bool:
    """FastAPI's rule for decoding a body as JSON: ``application/json`` or ``application/<name>+json``, any
    parameters (``; charset=utf-8``) aside, read as FastAPI reads it (``email.message``) so both always agree."""
    if content_type == JSON_MEDIA_TYPE:  # what nearly every client sends: no parse
        return True
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


class UnsupportedMediaType(HTTPException):
    """415 for a body that is not labelled JSON; ``errors`` answers it after the token check, as a 422 is."""

    def __init__(self, content_type: str | None) -> None:
        got = "a body without Content-Type is" if content_type is None else f"Content-Type {shown(content_type)!r} is"
        super().__init__(415, f"{got} not supported: send the JSON body with Content-Type: {JSON_MEDIA_TYPE}",
                         headers={"Accept-Post": JSON_MEDIA_TYPE})


def _refuse_media_type(request: Request) -> None:
    """415 unless the request's body is labelled JSON, before it is read.

    Why: FastAPI reads a body under another ``Content-Type`` (``text/plain``, a form) as bytes, answered 422
    "expected a JSON object", which says the JSON is wrong where the label is; RFC 9110 (15.5.16) answers a content
    type the route does not take 415. A body without any ``Content-Type`` is refused too, not guessed to be JSON
    (FastAPI's ``strict_content_type``); a request without a body (no ``Content-Length`` above 0, no
    ``Transfer-Encoding``) keeps its 422 "the request has no body", which says what is missing.
    """
    headers = request.headers
    content_type = headers.get("content-type")
    if content_type is None:
        if "transfer-encoding" in headers or headers.get("content-length", "0").strip() not in ("0", ""):
            raise UnsupportedMediaType(None)
    elif not is_json_media_type(content_type):
        raise UnsupportedMediaType(content_type)


class StrictJSONRoute(APIRoute):
    """An ``APIRoute`` whose JSON body must be UTF-8 and refuses duplicate keys (FastAPI's custom request class),
    that takes no query string, and that takes a body labelled JSON only (415 otherwise). A body that fails the
    schema also gets the route's own checks (``api.beside``) in the same 422."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        check = check_of(self.endpoint)
        model = model_in(getattr(getattr(self.body_field, "field_info", None), "annotation", None))
        names = list(model.model_fields) if model is not None else []

        async def strict(request: Request) -> Response:
            if request.scope["query_string"]:
                _refuse_query_string(request)
            _refuse_media_type(request)
            strict_request = _StrictJSONRequest(request.scope, request.receive)
            try:
                return await handler(strict_request)
            except RequestValidationError as exc:
                if (text := getattr(strict_request, "_text", None)) is not None:
                    request.scope[BODY_TEXT] = text  # errors echoes a number as sent (api.echo)
                if check is None:
                    raise
                # the route's own checks beside the schema's errors, in one answer (api.beside)
                raise merged(exc, strict_request, check, names) from None

        return strict


def json_response(payload: dict[str, Any]) -> Response:
    """``payload`` as compact JSON.

    Built by hand from the arrays: skips FastAPI's per-item re-validation and jsonable_encoder, which cost
    more than the prediction itself for large batches. allow_nan=False: a NaN forecast is a bug and must
    fail loudly, not produce invalid JSON.
    """
    return Response(json.dumps(payload, allow_nan=False, separators=(",", ":")), media_type="application/json")
