"""JSON request bodies parsed strictly: an object that names a key twice is refused, not read last-wins.

Why: ``json.loads`` keeps the last of two equal keys, so ``{"store": 1, "store": 2}`` would forecast store 2
and ``{"rows": [], "rows": [...]}`` would pass, while the sender may well have meant the first. The
schemas refuse unknown fields for the same reason: a body is answered as written or not at all. Every
route's body model derives from :class:`StrictBody`, which answers more than ``MAX_UNKNOWN`` of them as
one error (one error each would hold the event loop for seconds). The body must be UTF-8 too (RFC 8259
8.1): ``json.loads`` would also decode UTF-16 and UTF-32, and it reads ``NaN`` and ``Infinity``, which
are Python's words, not JSON's (RFC 8259 6). The routes that take a body use :class:`StrictJSONRoute`, which
answers a body not labelled JSON (``Content-Type``) with :class:`UnsupportedMediaType` (415);
``errors`` answers :class:`DuplicateKeyError`, :class:`NotUTF8Error`, :class:`UnpairedSurrogateError`,
:class:`NotJSONWordError` and ``UnicodeDecodeError`` 422, and a query string on those routes (every field
is in the body) 422 too. The answers of those routes go out through :func:`json_response`.
`QUERY_STRING_RULE` says why the GET routes, unlike these, ignore a query string; it is the API
description's paragraph on query strings.
"""

from __future__ import annotations

__all__ = ["BODY_TEXT", "DuplicateKeyError", "JSON_MEDIA_TYPE", "MAX_UNKNOWN", "NotJSONWordError", "NotUTF8Error",
           "QUERY_STRING_RULE", "StrictBody", "StrictJSONRoute", "TooManyDigitsError", "UnpairedSurrogateError",
           "UnsupportedMediaType",
           "is_json_media_type", "json_response", "model_in", "number_at", "numbers_as_sent", "strict_json"]

import email.message
import functools
import itertools
import json
import re
import sys
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, get_args
from urllib.parse import parse_qsl

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError
from starlette.exceptions import HTTPException

from storecast.api.beside import check_of, merged
from storecast.api.http_rules import shown
from storecast.errors import MAX_KEY, clipped

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
    """A JSON object of the body names the same key more than once; ``loc`` is where (the key's own place), or
    ``()`` before the body is searched for it (``_locate_repeat``)."""

    def __init__(self, key: str, loc: tuple[str | int, ...] = ()) -> None:
        self.key, self.loc = key, loc
        super().__init__(f"duplicate key {key!r}")


class TooManyDigitsError(ValueError):
    """An integer of the body has more digits than Python converts (``sys.get_int_max_str_digits``); ``loc`` is its
    place, ``()`` where it cannot be found. The text is Python's own (``errors`` reads the kind of error from it)."""

    def __init__(self, loc: tuple[str | int, ...], said: str) -> None:
        self.loc = loc
        super().__init__(said)


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


class NotJSONWordError(ValueError):
    """The body holds ``NaN``, ``Infinity`` or ``-Infinity``, which Python's ``json`` reads but JSON does not have."""

    def __init__(self, loc: tuple[str | int, ...], word: str) -> None:
        self.loc, self.word = loc, word
        super().__init__(f"{word} is not JSON")


# What repr() of a value marked for locating holds: repr writes a NUL inside a string (a key or a value) as \x00,
# never as the character itself, so only a marked value can put one there.
_MARK = "\x00"


class _Word:
    """Where a ``NaN`` or ``Infinity`` was parsed, when the body is parsed again to locate it (marked)."""

    __slots__ = ("word",)

    def __init__(self, word: str) -> None:
        self.word = word

    def __repr__(self) -> str:
        return _MARK


def _refuse_word(word: str) -> Any:
    raise NotJSONWordError((), word)


def _marked(value: Any) -> bool:
    return _MARK in repr(value)


def _bisect(items: Any, marked: Callable[[Any], bool]) -> int:
    """The index of the first item of ``items`` (a list or tuple, some item of which is marked) that is marked.

    Each step tests one half with ``marked``, which runs in C (``repr``, ``json.dumps``), over half the items
    left: the whole search costs about two passes over ``items`` in C, never a Python step per item.
    """
    lo, hi = 0, len(items)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if marked(items[lo:mid]):
            hi = mid
        else:
            lo = mid
    return lo


def _first_child(node: Any, holds: Callable[[Any], bool]) -> tuple[str | int, Any] | None:
    """One step of a descent by halves: the first item of a non-empty array or object of a parsed body for which
    ``holds`` is true (the last item if none is), with its index or key; None for any other value.

    An object is a dict, or a tuple of its (key, value) pairs when parsed again to locate a word; a subclass of
    either (``_Repeats``, a marked object) is a value, where the descent stops. `_first_marked` and
    `_unpaired_surrogate` share it: they differ in what they look for, and in that keys come first for a surrogate.
    """
    kind = type(node)
    if kind is list and node:
        i = _bisect(node, holds)
        return i, node[i]
    if kind is tuple and node:
        key, value = node[_bisect(node, holds)]
        return key, value
    if kind is dict and node:
        items = list(node.items())
        key, value = items[_bisect(items, holds)]
        return key, value
    return None


def _nodes(doc: Any) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Every value of a parsed body with its place (``("rows", 0, "store")``), a parent before its children,
    in document order: the walk that locates a problem as pydantic would, where ``_bisect`` cannot (a body nested
    too deep for ``repr`` and ``json.dumps``; one Python step per value, so only there).

    An object is a dict, or a tuple of its (key, value) pairs when parsed again to locate a word. A loop, not
    recursion: the parser allows nesting near the recursion limit.
    """
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), doc)]
    while stack:
        loc, node = stack.pop()
        yield loc, node
        if isinstance(node, dict):
            children: list[tuple[str | int, Any]] = list(node.items())
        elif type(node) is tuple:
            children = list(node)
        elif isinstance(node, list):
            children = list(enumerate(node))
        else:
            continue
        stack.extend(((*loc, k), v) for k, v in reversed(children))


def _first_marked(doc: Any) -> tuple[tuple[str | int, ...], Any] | None:
    """The place (``("rows", 0, "promo")``) and the value of the first marked value of ``doc`` in document order, a
    parent before its children, or None.

    ``doc`` is a body parsed with ``object_pairs_hook=tuple``: an object is a tuple of its (key, value) pairs, as
    sent, and an array a list. Why not a walk of every value: a ``NaN`` after 2.4 million numbers in a 5 MB body
    held the event loop, and every other request, 4 to 17 s (one Python step and one place tuple per value).
    """
    loc: list[str | int] = []
    node = doc
    try:
        while (step := _first_child(node, _marked)) is not None:  # the first marked item (the last if none is)
            key, node = step
            loc.append(key)
    except RecursionError:
        return next(((loc, node) for loc, node in _nodes(doc) if isinstance(node, _Word | _Repeats)), None)
    return (tuple(loc), node) if _marked(node) else None


def _locate_word(text: str, word: str) -> NotJSONWordError:
    """The first ``NaN``/``Infinity`` of ``text`` located as pydantic would (``rows[0].store``); at the body when the
    text cannot be parsed past it. Only a refused body pays for this second parse."""
    try:
        # parse_int=str: only the place matters, and str() takes an integer of any length at no cost (int() refuses
        # one over 4,300 digits, which would leave a word after such a number unlocated)
        doc = json.loads(text, object_pairs_hook=tuple, parse_constant=_Word, parse_int=str)
    except (ValueError, RecursionError):  # a syntax error after the word: the word is still the first problem
        return NotJSONWordError((), word)
    found = _first_marked(doc)
    return NotJSONWordError((), word) if found is None else NotJSONWordError(found[0], word)


class _Repeats(tuple[tuple[str, Any], ...]):
    """An object that names a key twice (its pairs, as sent), when the body is parsed again to locate it (marked)."""

    def __repr__(self) -> str:
        return _MARK


def _mark_repeats(pairs: list[tuple[str, Any]]) -> tuple[tuple[str, Any], ...]:
    if len(pairs) > 1 and len({key for key, _ in pairs}) < len(pairs):
        return _Repeats(pairs)
    return tuple(pairs)


def _locate_repeat(text: str, key: str) -> DuplicateKeyError:
    """The first object of ``text`` that names a key twice, located as pydantic would locate that key
    (``rows[3].id``); at the body, with the key the parser met, when the text cannot be parsed again.

    Why: "the key 'id' appears twice" at ``body`` left a 10,000-row batch to be searched by hand. The first such
    object in document order (a parent before its children), which can be another than the parser met first: the
    parser checks an object when it closes. Only a refused body pays for this second parse.
    """
    try:
        doc = json.loads(text, object_pairs_hook=_mark_repeats, parse_int=str)  # str: as in _locate_word
    except (ValueError, RecursionError):  # a syntax error after the object
        return DuplicateKeyError(key)
    if (found := _first_marked(doc)) is None or not isinstance(node := found[1], _Repeats):
        return DuplicateKeyError(key)
    loc = found[0]
    seen: set[str] = set()
    for name, _ in node:
        if name in seen:
            return DuplicateKeyError(name, (*loc, name))
        seen.add(name)
    return DuplicateKeyError(key)


_DIGITS = re.compile("[0-9]+")


@functools.cache
def _up_to_a_long_digit_run(limit: int) -> re.Pattern[str]:
    """Matches the text before the first run of over ``limit`` digits outside a string (possessive: linear, in C)."""
    return re.compile(r'(?:[^"0-9]++|"(?:[^"\\]++|\\.)*+"|[0-9]{1,' + str(limit) + r'}+(?![0-9]))*+', re.DOTALL)


def _locate_long_integer(text: str, said: str) -> TooManyDigitsError:
    """The first integer of ``text`` with more digits than ``int()`` converts, located as pydantic would
    (``rows[0].store``); at the body when it cannot be found.

    Why: the parser stops at it with Python's "Exceeds the limit (4300 digits) for integer string conversion",
    which says neither where nor which field, so it was answered at ``body``. The number is found in the text (a
    run of digits outside any string that is no part of a decimal number), stands in for a ``NaN`` and is located
    as one. Only a refused body pays for this.
    """
    limit = sys.get_int_max_str_digits()
    pos = 0
    while limit and (before := _up_to_a_long_digit_run(limit).match(text, pos)) is not None:
        start = before.end()  # matches even nothing, so never None: at a run of over `limit` digits or the end
        if (digits := _DIGITS.match(text, start)) is None:
            break
        end = digits.end()
        first = start - 1 if text[start - 1:start] == "-" else start
        if text[end:end + 1] not in (".", "e", "E") and text[first - 1:first] not in (".", "e", "E", "+", "-"):
            found = _locate_word(text[:first] + "NaN" + text[end:], "NaN")
            return TooManyDigitsError(found.loc, said)
        pos = end  # the integer part, fraction or exponent of a decimal number: float() takes any length
    return TooManyDigitsError((), said)


# JSON escapes of UTF-16 surrogates (\ud800..\udfff); a pair decodes to one character, an unpaired one stays
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _holds_surrogate(value: Any) -> bool:
    # ensure_ascii=False writes a lone surrogate as the character itself, in a key as in a value
    return _SURROGATE.search(json.dumps(value, ensure_ascii=False)) is not None


def _unpaired_surrogate(doc: Any) -> UnpairedSurrogateError | None:
    """The first string or key of ``doc`` holding an unpaired surrogate, located as pydantic would, or None.

    Why: ``json.loads`` keeps ``"\\ud800"`` as a lone surrogate, which pydantic answers "unable to parse raw
    data as a unicode string" (at the enclosing object when it is a key) without saying which escape.
    An object's keys come before anything inside it. Found by halves (``_bisect``), not by a walk of every
    value: a lone surrogate after 2.4 million numbers held the event loop 4 s.
    """
    loc: list[str | int] = []
    node = doc
    try:
        while True:  # descend to the first string or key that holds one (the last value if none does)
            if isinstance(node, str):
                return UnpairedSurrogateError(tuple(loc), char, in_key=False) if (char := _char(node)) else None
            if type(node) is dict and node and _holds_surrogate(keys := list(node)):
                return UnpairedSurrogateError(tuple(loc), _char(keys[_bisect(keys, _holds_surrogate)]), in_key=True)
            if (step := _first_child(node, _holds_surrogate)) is None:
                return None
            key, node = step
            loc.append(key)
    except RecursionError:
        return _walk_for_surrogate(doc)


def _walk_for_surrogate(doc: Any) -> UnpairedSurrogateError | None:
    for loc, node in _nodes(doc):
        if isinstance(node, str):
            if m := _SURROGATE.search(node):
                return UnpairedSurrogateError(loc, m.group(), in_key=False)
        elif isinstance(node, dict):
            for key in node:
                if m := _SURROGATE.search(key):
                    return UnpairedSurrogateError(loc, m.group(), in_key=True)
    return None


def _char(text: str) -> str:
    found = _SURROGATE.search(text)
    return found.group() if found else ""


def _utf8_text(body: bytes) -> str:
    """The body decoded as UTF-8, a leading UTF-8 byte order mark dropped (RFC 8259 8.1 lets a parser ignore it).

    Why: ``json.loads(bytes)`` guesses UTF-16 or UTF-32 from the first bytes and decodes with
    ``surrogatepass``; JSON between systems is UTF-8 only, so anything else is refused, not guessed. A
    ``charset`` in the Content-Type changes nothing (RFC 8259 section 11 defines none: "no effect on compliant
    recipients"); ``errors`` names it when the bytes are refused.
    """
    encoding = json.detect_encoding(body)
    if not encoding.startswith("utf-8"):
        raise NotUTF8Error(encoding.upper())
    return body.decode("utf-8-sig")  # strict: UnicodeDecodeError names the first bad byte


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """The object of ``pairs``; ``DuplicateKeyError`` for a key given twice (json keeps the last one unsaid).

    Called for every object of a body: an object of 0 or 1 keys cannot repeat one and skips the checks
    (a 5 MB body of 1.6 M ``{}`` parsed in 0.17 s instead of 0.26 s, measured 2026-12-06).
    """
    if not pairs:
        return {}
    if len(pairs) == 1:
        (key, value), = pairs
        return {key: value}
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKeyError(key)
            seen.add(key)
    return obj


# Built once: json.loads with a hook builds a decoder per call (2.5 us of a 5 us parse of one /predict row).
# parse_constant: `NaN`, `Infinity` and `-Infinity` are not JSON (RFC 8259 6), though Python's json reads them.
_DECODER = json.JSONDecoder(object_pairs_hook=_unique_keys, parse_constant=_refuse_word)


# The scope key under which a body that parsed but failed the schema keeps its text, for ``numbers_as_sent``.
BODY_TEXT = "storecast.body_text"


class _SentNumber(str):
    """A decimal number of a body as the client wrote it (``1e5``, ``1e400``), from ``numbers_as_sent``."""


def numbers_as_sent(text: str) -> Any:
    """``text`` parsed with each decimal number kept as its token as sent (a ``str``), or None if it does not parse.

    Why: ``json`` reads ``1e5`` as ``100000.0`` and ``1e400`` as ``inf``, so a 422 that echoed the value said "got
    100000.0" or "got Infinity", numbers the client never wrote. Only a refused body pays for this second parse.
    """
    try:
        return json.loads(text, parse_float=_SentNumber, parse_int=str)  # str: as in _locate_word
    except (ValueError, RecursionError):
        return None


def number_at(doc: Any, loc: tuple[str | int, ...]) -> str | None:
    """The decimal number at ``loc`` (``("rows", 0, "store")``) of a body from :func:`numbers_as_sent`, as sent, or
    None where ``loc`` holds something else or leads nowhere."""
    node = doc
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return None
    return str(node) if isinstance(node, _SentNumber) else None


def _strict_doc(text: str) -> Any:
    """``text`` (the body, decoded) parsed by every rule of this module, or the error that names the first break."""
    try:
        doc = _DECODER.decode(text)
    except NotJSONWordError as exc:
        raise _locate_word(text, exc.word) from None
    except DuplicateKeyError as exc:
        raise _locate_repeat(text, exc.key) from None
    except ValueError as exc:
        if "integer string conversion" not in str(exc):  # json's own syntax errors go on as they are
            raise
        raise _locate_long_integer(text, str(exc)) from None
    if "\\u" in text and _SURROGATE_ESCAPE.search(text) and (bad := _unpaired_surrogate(doc)):
        raise bad
    return doc


def strict_json(body: bytes) -> Any:
    """A request body parsed as :class:`StrictJSONRoute` parses it (UTF-8, no repeated key, no ``NaN``, no lone
    surrogate); raises where that route's request would. The one parse of both ``POST /predict`` paths
    (``api.fast_predict`` reads the body before FastAPI would)."""
    return _strict_doc(_utf8_text(body))


class _StrictJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            text = _utf8_text(await self.body())
            self._text = text  # before the parse: a 422 echoes a number as sent (numbers_as_sent)
            self._json = _strict_doc(text)
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
    raise RequestValidationError([{"loc": ("query", name), "msg": msg, "type": "extra_forbidden"}
                                  for name in names[:50]])


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
                    request.scope[BODY_TEXT] = text  # errors echoes a number as sent (numbers_as_sent)
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


# Unknown fields a 422 answers one by one; past that, one error counts them and names a few.
MAX_UNKNOWN = 100


def model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside a field's ``annotation`` (``list[Row] | None`` gives ``Row``), or None.

    The one reading of a body's nesting: the unknown-field count here and ``errors``' "this object takes ..."
    both walk a body's objects by it.
    """
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        if (found := model_in(arg)) is not None:
            return found
    return None


@functools.cache
def _shape(model: type[BaseModel]) -> tuple[frozenset[str], tuple[tuple[str, type[BaseModel], frozenset[str]], ...]]:
    """The field names of ``model`` and, for each of its fields that holds objects (a list of them in every body:
    ``rows``, ``schedule``), the item model and its field names: read once per class (``model_fields`` is a
    property that costs about 1 us a read)."""
    lists = [(name, item, frozenset(item.model_fields)) for name, info in model.model_fields.items()
             if (item := model_in(info.annotation)) is not None]
    return frozenset(model.model_fields), tuple(lists)


def _few_unknown_fields(data: Any, model: type[BaseModel]) -> Any:
    """``data`` unchanged, or one error when it and the objects of its lists of objects hold more than
    ``MAX_UNKNOWN`` unknown fields.

    Why: pydantic answers each unknown key with an error of its own and FastAPI converts every one before the 422
    keeps the first 50, so a 4.7 MB body of 400,000 unknown keys held the event loop, and every other request,
    for seconds (on every route: ``/plan/rank`` 4 s). Counted exactly (10,000 rows named as in test.csv are 70,000
    unknown keys, 1.8 s of errors), at the cost of one set comparison per object; only a body over the limit is
    walked to name the keys.
    """
    if not isinstance(data, dict):
        return data
    fields, lists = _shape(model)
    # len(obj) less the fields it has: ``fields & keys`` walks the few fields, never the many keys of a big object
    unknown = 0 if data.keys() <= fields else len(data) - len(fields & data.keys())
    for name, _, item_fields in lists:
        inner = data.get(name)
        if type(inner) is list:
            unknown += sum(len(obj) - len(item_fields & obj.keys()) for obj in inner
                           if type(obj) is dict and not obj.keys() <= item_fields)
    if unknown <= MAX_UNKNOWN:
        return data
    objects = [((), data, model, fields), *(((name, i), obj, item, item_fields)
                                            for name, item, item_fields in lists
                                            if type(inner := data.get(name)) is list
                                            for i, obj in enumerate(inner) if type(obj) is dict)]
    first = itertools.islice((((*loc, key), of) for loc, obj, of, names in objects for key in obj
                              if key not in names), 3)
    shown = ", ".join(_path(loc) + _meant(loc[-1], of) for loc, of in first)
    takes = "".join(f", and each of {name} takes {', '.join(item.model_fields)}" for name, item, _ in lists)
    raise PydanticCustomError("too_many_unknown_fields", (  # no context: a key's own braces stay as sent
        f"the body holds {unknown:,} unknown fields (first: {shown}): send only the fields taken; the body "
        f"takes {', '.join(model.model_fields)}{takes}"))


class StrictBody(BaseModel):
    """A request body: unknown fields refused, and more than ``MAX_UNKNOWN`` of them refused as one error.

    Every route's body derives from it, so no route can be held by a body of unknown keys (``_few_unknown_fields``).
    """

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _few_unknown(cls, data: Any) -> Any:
        return _few_unknown_fields(data, cls)


def _meant(key: str, model: type[BaseModel]) -> str:
    """`` (did you mean 'store'?)`` when ``key`` is a field of ``model`` in another case (test.csv's ``Store``)."""
    meant = [name for name in model.model_fields if name.lower() == key.lower()]
    return f" (did you mean {meant[0]!r}?)" if meant else ""


def _path(loc: tuple[Any, ...]) -> str:
    """``rows[3].key`` of an unknown key, the key clipped at ``MAX_KEY`` characters as in any other message."""
    *where, key = loc
    at = "".join(f"[{p}]" if isinstance(p, int) else p for p in where)
    key = clipped(key, MAX_KEY)
    return f"{at}.{key}" if at else key
