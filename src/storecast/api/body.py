"""JSON request bodies parsed strictly: an object that names a key twice is refused, not read last-wins.

Why: ``json.loads`` keeps the last of two equal keys, so ``{"store": 1, "store": 2}`` would forecast store 2
and ``{"rows": [], "rows": [...]}`` would pass, while the sender may well have meant the first. The
schemas refuse unknown fields for the same reason: a body is answered as written or not at all. The
body must be UTF-8 too (RFC 8259 8.1): ``json.loads`` would also decode UTF-16 and UTF-32. The routes that
take a body use :class:`StrictJSONRoute`; ``errors`` answers :class:`DuplicateKeyError`,
:class:`NotUTF8Error`, :class:`UnpairedSurrogateError` and ``UnicodeDecodeError`` 422, and a query string on
those routes (every field is in the body) 422 too. The answers of those routes go out through
:func:`json_response`. `QUERY_STRING_RULE` says why the GET routes, unlike these, ignore a query string; it is
the API description's paragraph on query strings.
"""

from __future__ import annotations

__all__ = ["DuplicateKeyError", "NotUTF8Error", "QUERY_STRING_RULE", "StrictJSONRoute", "UnpairedSurrogateError",
           "json_response"]

import json
import re
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

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


class DuplicateKeyError(ValueError):
    """A JSON object of the body names the same key more than once."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"duplicate key {key!r}")


class NotUTF8Error(ValueError):
    """The body is JSON in UTF-16 or UTF-32 (by its byte order mark or its zero bytes), not UTF-8."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        super().__init__(f"the body is {encoding}, not UTF-8")


class UnpairedSurrogateError(ValueError):
    """A string or key of the body holds a ``\\ud800``..``\\udfff`` escape without its other half."""

    def __init__(self, loc: tuple[str | int, ...], char: str, in_key: bool) -> None:
        self.loc, self.char, self.in_key = loc, char, in_key
        super().__init__(f"unpaired surrogate \\u{ord(char):04x}")


# JSON escapes of UTF-16 surrogates (\ud800..\udfff); a pair decodes to one character, an unpaired one stays
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _unpaired_surrogate(doc: Any) -> UnpairedSurrogateError | None:
    """The first string or key of ``doc`` holding an unpaired surrogate, located as pydantic would, or None.

    Why: ``json.loads`` keeps ``"\\ud800"`` as a lone surrogate, which pydantic answers "unable to parse raw
    data as a unicode string" (at the enclosing object when it is a key) without saying which escape.
    """
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), doc)]
    while stack:  # a loop, not recursion: the parser allows nesting near the recursion limit
        loc, node = stack.pop()
        if isinstance(node, str):
            if m := _SURROGATE.search(node):
                return UnpairedSurrogateError(loc, m.group(), in_key=False)
        elif isinstance(node, dict):
            for key in node:
                if m := _SURROGATE.search(key):
                    return UnpairedSurrogateError(loc, m.group(), in_key=True)
            stack.extend(((*loc, k), v) for k, v in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend(((*loc, i), v) for i, v in reversed(list(enumerate(node))))
    return None


def _utf8_text(body: bytes) -> str:
    """The body decoded as UTF-8, a leading UTF-8 byte order mark dropped (RFC 8259 8.1 lets a parser ignore it).

    Why: ``json.loads(bytes)`` guesses UTF-16 or UTF-32 from the first bytes and decodes with
    ``surrogatepass``; JSON between systems is UTF-8 only, so anything else is refused, not guessed.
    """
    encoding = json.detect_encoding(body)
    if not encoding.startswith("utf-8"):
        raise NotUTF8Error(encoding.upper())
    return body.decode("utf-8-sig")  # strict: UnicodeDecodeError names the first bad byte


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKeyError(key)
            seen.add(key)
    return obj


class _StrictJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            text = _utf8_text(await self.body())
            doc = json.loads(text, object_pairs_hook=_unique_keys)
            if "\\u" in text and _SURROGATE_ESCAPE.search(text) and (bad := _unpaired_surrogate(doc)):
                raise bad
            self._json = doc
        return self._json


def _refuse_query_string(request: Request) -> None:
    """422 at ``query.<name>`` for a query string: every field of these routes is in the body.

    Why: an ignored query would let ``POST /forecast?days=3`` answer the default 42 days, where an unknown
    body field is refused; the same rule for both.
    """
    query = request.scope["query_string"].decode("latin-1")
    names = list(dict.fromkeys(name for name, _ in parse_qsl(query, keep_blank_values=True))) or [query]
    msg = (f"{request.method} {request.scope['path']} reads its fields from the JSON body only: "
           "move them there and send no query string")
    raise RequestValidationError([{"loc": ("query", name[:40]), "msg": msg, "type": "extra_forbidden"}
                                  for name in names[:50]])


class StrictJSONRoute(APIRoute):
    """An ``APIRoute`` whose JSON body must be UTF-8 and refuses duplicate keys (FastAPI's custom request class),
    and that takes no query string."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            if request.scope["query_string"]:
                _refuse_query_string(request)
            return await handler(_StrictJSONRequest(request.scope, request.receive))

        return strict


def json_response(payload: dict[str, Any]) -> Response:
    """``payload`` as compact JSON.

    Built by hand from the arrays: skips FastAPI's per-item re-validation and jsonable_encoder, which cost
    more than the prediction itself for large batches. allow_nan=False: a NaN forecast is a bug and must
    fail loudly, not produce invalid JSON.
    """
    return Response(json.dumps(payload, allow_nan=False, separators=(",", ":")), media_type="application/json")
