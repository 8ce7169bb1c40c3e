"""The one place where errors become HTTP answers.

- 422: the body fails the schema (type, range, date format, extra field, empty batch) or is not
  JSON; FastAPI's convention for "your input is wrong", answered with the field path. A body that is
  not JSON says why: a syntax error with its line and column at the field it is in (``api.syntax_place``;
  a number JSON does not take, such as ``0x10``, and an invisible character such as a second byte order mark
  named as such; a body of white space alone said so), bytes that are not UTF-8 (JSON in
  UTF-16 or UTF-32 included, RFC 8259 8.1), nesting too deep for the parser, an integer longer than
  Python converts (``sys.get_int_max_str_digits``, at its field), or an object that names a key twice
  (``api.body``, at the key's place: ``rows[3].id``);
  a ``\\ud800`` escape without its other half is 422 at the field that holds it, and so are ``NaN``,
  ``Infinity`` and ``-Infinity`` (Python's ``json`` reads them; JSON has none).
  An unknown field is 422 at its path, naming the fields taken there and the one meant when only the
  case differs (``Rows``); a key longer than ``storecast.errors.MAX_KEY`` (64) characters is clipped wherever
  an answer names it.
  Each message says what came (``got null``, ``got 0``, a decimal number as written: ``got 1e5``) beside what is
  expected; ``null`` for a field that has a default also says to leave the field out for it.
- 422: :class:`InputError`, a well-formed body that is wrong for *this model* (unknown store,
  batch over ``max_batch_rows``, schedule day outside the window) or for itself (a store and day listed
  twice in one ``/predict`` batch). An unknown store is 422 at
  ``rows[3].store``, not 404: the resource (``/predict``) exists, one field of the body names a value
  the model does not know, a batch may mix known and unknown stores, and the fix is the same as for
  any bad field (correct it and resend). A body that fails the schema gets these too, in the same 422, on the
  fields the schema took (``api.beside``), so a client fixing one error does not then meet the next.
- 422: ``DataContractError`` from the inference path (the rows break the data contract).
- 503: :class:`NotReadyError` / ``NotFittedError`` (no model loaded yet; retry later) and
  ``ArtifactError`` while serving (the model file went bad; an operator must act).
- 400: any other ``StorecastError`` (a domain error the caller caused).
- 415: a body not labelled JSON (``Content-Type`` other than ``application/json`` or ``application/*+json``, or
  none), from ``api.body``, after the token check as a 422 is; a compressed body (``http_rules``).
- 405: a method the path does not take, named with the ones it takes; ``Allow`` lists ``HEAD`` with ``GET``
  (``http_rules.HeadAsGet``).
- 413 (body too large), 408 (body too slow) and 401 (token) come from the middleware and
  ``deps.require_token``. On a guarded route the 401 comes before any 422: FastAPI parses the body
  before it checks the token, so a body error is answered only once the token passes.
- 500: anything else is a bug: logged with its traceback, answered with a safe message.

Every answer has the body ``{"detail": [{"loc", "field", "msg", "type"}, ...]}`` (422) or
``{"detail": "<message>"}`` (others).
"""

from __future__ import annotations

__all__ = ["InputError", "NotReadyError", "TokenCheck", "field_path", "install_error_handlers", "window_problems"]

import datetime as dt
import functools
import json
import logging
import math
import re
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException

from storecast.api.body import (
    BODY_TEXT,
    DuplicateKeyError,
    NotJSONWordError,
    NotUTF8Error,
    TooManyDigitsError,
    UnpairedSurrogateError,
    UnsupportedMediaType,
    model_in,
    number_at,
    numbers_as_sent,
)
from storecast.api.http_rules import allow_with_head, method_sent
from storecast.api.middleware import sent_path
from storecast.api.routes.docs import DOCS_PATHS
from storecast.api.routes.page import PAGE_PATHS
from storecast.api.schemas import json_leaf
from storecast.api.syntax_place import not_a_json_number, syntax_error_place
from storecast.errors import (
    ECHO_LIMIT,
    MAX_KEY,
    ArtifactError,
    DataContractError,
    NotFittedError,
    StorecastError,
    clipped,
    quoted,
)
from storecast.schema import MAX_DATE

log = logging.getLogger("storecast.api")

Loc = tuple[str | int, ...]


class InputError(StorecastError, ValueError):
    """A well-formed request that is wrong for the served model; carries every problem found."""

    def __init__(self, problems: Sequence[tuple[Loc, str, str]]):
        self.problems = list(problems)
        super().__init__("; ".join(f"{field_path(loc)}: {msg}" for loc, msg, _ in self.problems))


class NotReadyError(StorecastError):
    """No model is loaded, so nothing can be predicted yet."""


def window_problems(start: dt.date, days: int) -> list[tuple[Loc, str, str]]:
    """``InputError`` items when ``start .. start + days - 1`` runs past ``schema.MAX_DATE``, the last date any
    route serves (``/forecast``, ``/plan``, ``/plan/rank``); none when the period fits."""
    end = start + dt.timedelta(days=days - 1)
    if end <= MAX_DATE:
        return []
    return [(("start",), f"the period {start}..{end} ({days} days) runs past {MAX_DATE}, the last date this API "
             "serves: move `start` earlier or ask for fewer `days`", "date_range")]


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def field_path(loc: Sequence[str | int]) -> str:
    """Turn a pydantic location such as ``("body", "rows", 3, "store")`` into ``rows[3].store``.

    A key that is not a name is quoted in brackets (``[""]``, ``["rows[0].store"]``): unquoted, ``""`` read as
    ``body`` and an unknown key ``"rows[0].store"`` as the field ``rows[0].store``. The quoting is ``json_leaf``'s,
    the echo rule of ``storecast.errors.quoted``: DEL, U+2028, a no-break space (what ``json.dumps`` left raw) are
    escaped, never raw in ``field``.
    """
    out = ""
    for part in loc:
        if part == "body" and not out:
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        elif not _NAME.fullmatch(part):  # "", "a.b", "rows[0]": quoted, so no key reads as another path
            out += f"[{json_leaf(part)}]"
        else:
            out += f".{part}" if out else part
    return out or "body"


def _clip(part: str | int) -> str | int:
    """A key of a location cut to ``MAX_KEY`` characters.

    Why: an unknown key is named in ``loc``, ``field`` and ``msg``, so a 500 kB key made a 422 three times
    the size of the body; a key on the way to a ``NaN`` or a lone surrogate (located by ``api.body``) was
    named whole in ``loc`` and ``field`` too.
    """
    return clipped(part, MAX_KEY) if isinstance(part, str) else part


def _item(loc: Sequence[str | int], msg: str, typ: str) -> dict[str, Any]:
    """One problem of a 422; every key of ``loc`` clipped (``_clip``), whichever check found the problem."""
    loc = [_clip(part) for part in loc]
    return {"loc": loc, "field": field_path(loc), "msg": msg, "type": typ}


MAX_LISTED = 50  # problems named in one 422; a request with more gets one last item counting the rest


def _unprocessable(items: list[dict[str, Any]], total: int | None = None) -> JSONResponse:
    """The 422 answer; ``total`` > ``len(items)``: a last item says how many problems were not listed.

    Why: a caller who fixes the 50 named problems and sends again should know that more will follow.
    """
    more = 0 if total is None else total - len(items)
    if more > 0:
        items = [*items, _item(("body",), f"and {more:,} more problem(s) not listed: fix those above and send the "
                               "request again to see the rest", "more_problems")]
    return JSONResponse({"detail": items}, status_code=422)


_BEARER = HTTPBearer(auto_error=False)  # only reads the header: the route's own check decides
# install_error_handlers keeps the token check of the guarded routes here on app.state (``deps.require_token``,
# given by ``app``: deps imports this module)
_CHECK_TOKEN = "check_token"
TokenCheck = Callable[[Request, Any, HTTPAuthorizationCredentials | None], Awaitable[None]]


async def _token_refusal(request: Request) -> Response | None:
    """The 401 that the route's token check gives this request, or None when the token passes or none is asked.

    Why: FastAPI reads and parses the body before it runs the route's dependencies, so without a token a body
    that was not JSON (or a key sent twice, or a query string) was answered 422 while a well-formed one was 401:
    a caller without the token learnt how the body is checked, and a wrong token behind a typo went unnoticed.
    A route is guarded when its OpenAPI operation declares the bearer scheme (FastAPI's public account of
    the dependencies; the route objects of included routers do not carry them).
    """
    check: TokenCheck | None = getattr(request.app.state, _CHECK_TOKEN, None)
    if check is None:
        return None
    operation = request.app.openapi().get("paths", {}).get(request.scope["path"], {}).get(request.method.lower())
    if not (operation or {}).get("security"):
        return None
    try:
        await check(request, request.app.state.settings, await _BEARER(request))
    except StarletteHTTPException as exc:
        return await http_exception_handler(request, exc)
    return None


async def _on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if (refused := await _token_refusal(request)) is not None:
        return refused
    items = []
    errors = exc.errors()
    got = _Got(request)
    for err in errors[:MAX_LISTED]:
        loc = tuple(p if isinstance(p, int | str) else str(p) for p in err.get("loc", ()))
        typ = str(err.get("type", "value_error"))
        msg = str(err.get("msg", "invalid value"))
        if typ == "extra_forbidden" and loc[:1] == ("body",) and len(loc) > 1:
            msg = _unknown_field(_body_model(request), loc)
        if typ == "json_invalid":
            # Some of json's messages end in " at" ("Invalid control character at"); _where adds its own.
            reason = str((err.get("ctx") or {}).get("error", "")).removesuffix(" at")
            pos = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
            loc, msg = _syntax_error(exc.body, pos, reason)
        elif typ == "missing":
            msg = f"the request has no body{_unframed(request)}: send a JSON object{_example(request)}" \
                if loc == ("body",) else "this field is required"
        elif typ == "int_type":  # pydantic's "Input should be a valid integer" says neither what came nor what to send
            msg = f"expected a whole number without quotes, e.g. 1; got {got(loc, err)}"
            msg += _null_hint(request, loc, err)
        elif typ == "list_type":  # pydantic: "Input should be a valid list"
            msg = f"expected an array, e.g. [...]; got {got(loc, err)}"
        elif typ == "model_attributes_type" and loc != ("body",):  # "... valid dictionary or object ..."
            msg = f"expected a JSON object, e.g. {{...}}; got {got(loc, err)}"
        elif typ in _BOUNDS:  # pydantic: "Input should be greater than or equal to 1", without what came
            word, key = _BOUNDS[typ]
            msg = f"expected {word} {(err.get('ctx') or {}).get(key)}; got {got(loc, err)}"
        elif typ in ("too_short", "too_long") and isinstance(err.get("input"), list):
            ctx, n = err.get("ctx") or {}, len(err["input"])
            bound = ("at least", ctx.get("min_length")) if typ == "too_short" else ("at most", ctx.get("max_length"))
            noun = "item" if bound[1] == 1 else "items"
            msg = f"expected {bound[0]} {bound[1]} {noun}; got {'an empty array' if n == 0 else n}"
        elif typ == "literal_error":  # pydantic: "Input should be '0', 'a', 'b' or 'c'"
            choices = (err.get("ctx") or {}).get("expected")
            said = f"expected one of {choices} (as a string)" if choices else msg
            msg = f"{said}; got {got(loc, err)}{_null_hint(request, loc, err)}"
        elif loc == ("body",) and typ == "model_attributes_type":  # a body of another Content-Type was 415
            msg = f"expected a JSON object{_example(request)}; got {got(loc, err)}"
        elif (said := f"got {(err.get('ctx') or {}).get('got')}") and msg.endswith(said) and (
                sent := got.sent(loc, err.get("input"))) is not None:
            # a schema check's own echo (a date field sent 1e5: "got 100000.0"): the number as written
            msg = msg.removesuffix(said) + f"got {clipped(sent, ECHO_LIMIT)}"
        items.append(_item(loc, msg, typ))
    return _unprocessable(items, len(errors))


class _Got:
    """What came at a field, for a message: :func:`_json_kind` of the value, a decimal number as the client wrote it.

    Why: ``json`` reads ``1e5`` as ``100000.0`` and ``1e400`` as ``inf``, so "got 100000.0" or "got Infinity" named
    numbers the client never sent. The body's text, kept by ``api.body`` for a body that failed the schema, is
    parsed again once per answer, and only when a message names a decimal number.
    """

    def __init__(self, request: Request) -> None:
        self.text: str | None = request.scope.get(BODY_TEXT)

    @functools.cached_property
    def doc(self) -> Any:
        """The body parsed with its numbers as sent (``numbers_as_sent``): once, at the first decimal number asked."""
        return numbers_as_sent(self.text) if self.text is not None else None

    def __call__(self, loc: Loc, err: dict[str, Any]) -> str:
        value: Any = err.get("input")
        if (sent := self.sent(loc, value)) is None:
            return _json_kind(value)
        if math.isinf(value):
            return f"{clipped(sent, ECHO_LIMIT)} (a number beyond 1.8e308, which JSON readers take as Infinity)"
        return f"{clipped(sent, ECHO_LIMIT)} (a decimal number)"

    def sent(self, loc: Loc, value: Any) -> str | None:
        """The decimal number ``value`` at ``loc`` as the client wrote it, or None (no decimal, no text at hand)."""
        if not isinstance(value, float) or self.text is None or loc[:1] != ("body",):
            return None
        return number_at(self.doc, loc[1:])


# pydantic's range error types: the word for the bound and its key in ``ctx``
_BOUNDS = {"greater_than_equal": ("at least", "ge"), "less_than_equal": ("at most", "le"),
           "greater_than": ("more than", "gt"), "less_than": ("less than", "lt")}

def _body_model(request: Request) -> Any:
    """The pydantic model of the route's JSON body, or None."""
    field = getattr(request.scope.get("route"), "body_field", None)
    return getattr(getattr(field, "field_info", None), "annotation", None)


def _null_hint(request: Request, loc: Loc, err: dict[str, Any]) -> str:
    """``: leave `open` out for its default, 1`` when ``null`` came for a field that has a default, else ``""``.

    Why: a client that writes a missing value as ``null`` (pandas' ``to_json`` does) read "got null" without learning
    that leaving the field out is the way to get its default.
    """
    if err.get("input") is not None or len(loc) < 2 or loc[0] != "body":
        return ""
    model = _body_model(request)
    for part in loc[1:-1]:  # the objects on the way: a field of a model, or an item of a list
        if isinstance(part, str):
            info = getattr(model, "model_fields", {}).get(part)
            model = model_in(info.annotation) if info is not None else None
    info = getattr(model, "model_fields", {}).get(loc[-1])
    if info is None or info.is_required() or (default := info.get_default(call_default_factory=True)) is None:
        return ""
    return f": leave `{loc[-1]}` out for its default, {json.dumps(default)}"


def _unknown_field(model: Any, loc: Loc) -> str:
    """The message for an unknown key at ``loc``: the field it may mean (by case) and the fields taken there.

    Why: pydantic says "Extra inputs are not permitted", which names neither what is taken nor that
    ``Rows`` or ``STORE`` are refused only for their case.
    """
    for part in loc[1:-1]:  # loc[0] is "body"; the last part is the unknown key
        if isinstance(part, str):
            info = getattr(model, "model_fields", {}).get(part)
            model = model_in(info.annotation) if info is not None else None
    key = str(loc[-1])
    msg = f"unknown field {_clip(key)!r}"
    names = list(getattr(model, "model_fields", {}))
    if not names:
        return msg
    if meant := [name for name in names if name.lower() == key.lower()]:
        msg += f": did you mean {meant[0]!r}? (field names are case-sensitive)"
    return f"{msg}{';' if meant else ':'} this object takes {', '.join(names)}"


def _json_kind(value: Any) -> str:
    """What a JSON value was, in JSON's words, for a message: ``the string '1'``, ``true``, ``null``, ``1.5``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the string {quoted(value)}"
    if isinstance(value, float):
        # api.body refuses the words NaN and Infinity; a number beyond float range (1e400) still reads as inf, in
        # JSON's word for it where Python would say inf. No JSON number reads as NaN: float() of a numeral is never
        # NaN, and no body route parses JSON but through api.body.
        if math.isinf(value):
            return (f"{'-' if value < 0 else ''}Infinity, which is not a JSON number (a number beyond 1.8e308, "
                    "such as 1e400, reads as Infinity too)")
        return f"{value!r} (a decimal number)"
    if isinstance(value, list | dict):
        return "an array" if isinstance(value, list) else "an object"
    if isinstance(value, int):  # a 4,000-digit number is cut, as a string is
        return clipped(str(value), ECHO_LIMIT)
    return type(value).__name__


def _unframed(request: Request) -> str:
    """Why a body sent without ``Content-Length`` or ``Transfer-Encoding`` was not read, or ``""`` when one is set.

    Why: HTTP/1.1 reads such a request as having no body (RFC 9112 6.3), so the JSON the client did send was
    dropped (and read as the next request): "no body" alone left it looking for a bug in its JSON.
    """
    if "content-length" in request.headers or "transfer-encoding" in request.headers:
        return ""
    return " (it came without a Content-Length or Transfer-Encoding header, and HTTP reads no body without one)"


def _example(request: Request) -> str:
    """``, e.g. {...}``: the first example body of the route asked, so each route shows its own fields."""
    extra = getattr(_body_model(request), "model_config", {}).get("json_schema_extra")
    examples = extra.get("examples") if isinstance(extra, dict) else None
    return f", e.g. {json.dumps(examples[0])}" if isinstance(examples, list) and examples else ""


_JSON_BLANKS = " \t\r\n"  # the white space JSON takes between values (RFC 8259 2)


def _syntax_error(doc: Any, pos: int | None, reason: str) -> tuple[tuple[str | int, ...], str]:
    """The place (``("body", "rows", 3, "promo")``) and message of a JSON syntax error at ``pos`` of ``doc``.

    Why: at ``body`` with a character offset, a 10,000-row batch was searched by hand, and ``"promo": 0x10`` was
    told "Expecting ',' delimiter", as if a comma were missing (``api.syntax_place``).
    """
    where = _where(doc, pos)
    if not isinstance(doc, str) or pos is None:
        return ("body",), f"the body is not valid JSON: {reason}{where}: send a JSON object"

    def at() -> tuple[str | int, ...]:
        """The error's field (``api.syntax_place``): found only for the answers that name it, as it reads the body
        up to the error (the whole of it for "Extra data")."""
        return ("body", *syntax_error_place(doc, pos))

    if (word := not_a_json_number(doc, pos)) is not None:
        return at(), (f"{quoted(word)}{where} is not a JSON number: write it in decimal digits, without "
                      "a leading zero, plus sign, underscore or bare decimal point, e.g. 16, 1000, 0.5")
    if not doc.strip(_JSON_BLANKS):  # "Expecting value at line 1, column 1" of a body that looks empty
        return ("body",), ("the body holds no JSON value, only white space (or a byte order mark): "
                           "send a JSON object")
    if pos < len(doc) and not (char := doc[pos]).isprintable() and char not in _JSON_BLANKS and (
            not reason.startswith("Invalid control character")):
        # a second byte order mark, a NUL or a zero-width space: "Expecting value" of what looks like valid JSON
        return at(), (f"the body is not valid JSON: {reason}{where}: the invisible character "
                      f"U+{ord(char):04X} stands there, outside any string: remove it")
    if reason.startswith("Invalid control character"):
        return at(), (f"the body is not valid JSON: {reason}{where}: a string holds a raw control "
                      "character (a tab, line break or NUL): write it escaped, e.g. \\t, \\n, \\u0000")
    if reason.startswith("Extra data"):  # `{...} x` or two objects: the body's JSON ended before its last byte
        return ("body",), f"the body is not valid JSON: {reason}{where}: send one JSON object, with nothing after it"
    loc = at()
    ending = "valid JSON" if len(loc) > 1 else "a JSON object"
    return loc, f"the body is not valid JSON: {reason}{where}: send {ending}"


def _where(doc: Any, pos: int | None) -> str:
    """`` at line L, column C`` of a character offset (JSONDecodeError's own message has no doc to show)."""
    if pos is None:
        return ""
    if not isinstance(doc, str):
        return f" at character {pos}"
    line = doc.count("\n", 0, pos) + 1
    column = pos - (doc.rfind("\n", 0, pos) + 1) + 1
    return f" at line {line}, column {column} (character {pos})"


# FastAPI answers every parse failure but a JSON syntax error with this 400 and chains the cause.
_UNPARSABLE = "There was an error parsing the body"


def _unparsable_reason(cause: BaseException | None) -> str:
    """Why ``json.loads`` gave up, in the caller's terms (the cause is what FastAPI chained)."""
    if isinstance(cause, DuplicateKeyError):
        return (f"the key {quoted(cause.key, MAX_KEY)} appears twice in one JSON object of the body: "
                "send each field once")
    if isinstance(cause, NotUTF8Error):
        return (f"the body must be UTF-8 JSON (RFC 8259 8.1), not {cause.encoding}: send it encoded as UTF-8")
    if isinstance(cause, UnicodeDecodeError):
        return (f"the body is not valid UTF-8 (byte {cause.object[cause.start:cause.start + 1]!r} at "
                f"position {cause.start}): send UTF-8 encoded JSON")
    if isinstance(cause, RecursionError):
        # The C parser stops at the interpreter's recursion limit less the frames already in use.
        return (f"the body is JSON nested deeper than the parser's limit of about {sys.getrecursionlimit():,} "
                "levels (a request needs 3): send a JSON object of rows")
    if isinstance(cause, ValueError) and "integer string conversion" in str(cause):
        return (f"a number in the body has more than {sys.get_int_max_str_digits():,} digits: "
                "send numbers within their field's range")
    return "the body could not be parsed as JSON: send a JSON object"


def _charset(request: Request) -> str | None:
    """The ``charset`` parameter of the request's Content-Type when it is not UTF-8, cut at ``ECHO_LIMIT`` characters.

    Why: a client that declares ``charset=latin-1`` and sends Latin-1 should learn that the declaration is what
    is not taken, not only that a byte is wrong.
    """
    for param in (request.headers.get("content-type") or "").split(";")[1:]:
        name, _, value = param.partition("=")
        value = value.strip().strip('"')
        if name.strip().lower() == "charset" and value.lower().replace("-", "").replace("_", "") != "utf8":
            return value[:ECHO_LIMIT] or None
    return None


def _unpaired_reason(cause: UnpairedSurrogateError) -> str:
    return (f"{'a key' if cause.in_key else 'the string'} holds the escape \\u{ord(cause.char):04x}, half of a "
            "UTF-16 surrogate pair without its other half: send valid Unicode (a character beyond U+FFFF "
            "as both halves, e.g. \\ud83d\\ude00)")


def _not_json_reason(cause: NotJSONWordError) -> str:
    return (f"{cause.word} is not a JSON value (RFC 8259 has no NaN or Infinity, though Python's json.dumps writes "
            "them): send a finite number, or the value this field takes")


def _not_found(request: Request) -> str:
    """404 naming the path, and the route meant when it differs only by slashes (``/predict/``, ``//predict``) or by
    case (``/Predict``: a client that capitalises paths was told only that the routes are listed elsewhere).

    The path is named as sent and as the log line names it (``middleware.sent_path``): cut visibly at
    ``MAX_LOGGED_PATH`` characters, where a silent cut read as the path sent.

    The routes the OpenAPI description leaves out (``/docs``, ``/redoc``, ``/openapi.json`` itself) are candidates
    too: ``/docs/`` and ``/OPENAPI.JSON`` were told only to read the route list. So are the planner page's files
    and the docs pages' (``routes.docs``), each by name (``/Web/planner.js`` got no suggestion).
    """
    path = request.scope["path"]
    meant = "/" + "/".join(part for part in path.split("/") if part)
    said = f"nothing at {sent_path(request.scope)}"
    # the page's paths by name: its routes are left out of the OpenAPI description, and FastAPI lists an included
    # router as one entry without a path, so neither ``/`` nor ``/web/{name}`` appeared among the app's routes
    routes = [*request.app.openapi().get("paths", {}), *PAGE_PATHS, *DOCS_PATHS,
              *(route.path for route in request.app.routes if isinstance(getattr(route, "path", None), str))]
    if meant != path and meant in routes:
        return f"{said}: did you mean {meant}? (paths take no trailing or doubled slash)"
    if cased := [route for route in routes if route.lower() == meant.lower()]:
        return f"{said}: did you mean {cased[0]}? (paths are case-sensitive)"
    return f"{said}: GET /openapi.json lists the routes"


def _not_allowed(request: Request, allow: str) -> str:
    """405 naming the method refused and the ones the path takes.

    Why: "Method Not Allowed" left a client to find the ``Allow`` header; ``PUT /forecast`` should read "use POST".
    """
    method = method_sent(request.scope)[:20]  # HEAD, not the GET that HeadAsGet shows the app
    return f"{method} is not allowed on {sent_path(request.scope)}: it takes {allow}"


async def _on_http_error(request: Request, exc: Exception) -> Any:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and exc.detail == _UNPARSABLE:
        if refused := await _token_refusal(request):
            return refused
        cause = exc.__cause__
        if isinstance(cause, UnpairedSurrogateError):
            return _unprocessable([_item(("body", *cause.loc), _unpaired_reason(cause), "string_unicode")])
        if isinstance(cause, NotJSONWordError):
            return _unprocessable([_item(("body", *cause.loc), _not_json_reason(cause), "json_invalid")])
        reason = _unparsable_reason(cause)
        if isinstance(cause, UnicodeDecodeError | NotUTF8Error) and (charset := _charset(request)):
            reason += f" (the Content-Type says charset={charset}, but JSON is read as UTF-8 only, RFC 8259 8.1)"
        # the place of a key given twice or of a long integer (rows[3].id); none for the others
        at = cause.loc if isinstance(cause, DuplicateKeyError | TooManyDigitsError) else ()
        return _unprocessable([_item(("body", *at), reason, "json_invalid")])
    if isinstance(exc, UnsupportedMediaType) and (refused := await _token_refusal(request)):
        return refused
    if exc.status_code == 404 and exc.detail == "Not Found":
        exc = StarletteHTTPException(404, _not_found(request), headers=exc.headers)
    if exc.status_code == 405 and exc.headers and "Allow" in exc.headers:
        allow = allow_with_head(exc.headers["Allow"])
        exc = StarletteHTTPException(405, _not_allowed(request, allow), headers={**exc.headers, "Allow": allow})
    return await http_exception_handler(request, exc)


async def _on_input_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InputError)
    return _unprocessable([_item(("body", *loc), msg, typ) for loc, msg, typ in exc.problems[:MAX_LISTED]],
                          len(exc.problems))


async def _on_contract_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DataContractError)
    items = [
        _item(("body", "rows") + ((p.column,) if p.column else ()), p.message, "data_contract")
        for p in exc.problems[:MAX_LISTED]
    ] or [_item(("body", "rows"), str(exc), "data_contract")]
    return _unprocessable(items, len(exc.problems))


async def _on_not_ready(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": f"not ready: {exc}"}, status_code=503, headers={"Retry-After": "5"})


async def _on_artifact_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("model file problem while serving: %s", exc)
    return JSONResponse({"detail": f"the model cannot serve: {exc}"}, status_code=503)


async def _on_domain_error(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=400)


async def _on_bug(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", method_sent(request.scope), sent_path(request.scope))
    return JSONResponse(
        {"detail": "internal error: the request was not processed; the server log has the details"},
        status_code=500,
    )


def install_error_handlers(app: FastAPI, check_token: TokenCheck | None = None) -> None:
    """Register every mapping of the table above on ``app`` (most specific class first).

    ``check_token`` is the guarded routes' token check (``deps.require_token``), run before a body is refused.
    """
    setattr(app.state, _CHECK_TOKEN, check_token)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(InputError, _on_input_error)
    app.add_exception_handler(DataContractError, _on_contract_error)
    app.add_exception_handler(NotReadyError, _on_not_ready)
    app.add_exception_handler(NotFittedError, _on_not_ready)
    app.add_exception_handler(ArtifactError, _on_artifact_error)
    app.add_exception_handler(StorecastError, _on_domain_error)
    app.add_exception_handler(Exception, _on_bug)
