"""The one place where errors become HTTP answers.

- 422: the body fails the schema (type, range, date format, extra field, empty batch) or is not
  JSON; FastAPI's convention for "your input is wrong", answered with the field path. A body that is
  not JSON says why: a syntax error with its line and column at the field it is in (``api.syntax_place``;
  a number JSON does not take, such as ``0x10``, and an invisible character such as a second byte order mark
  named as such; a body of white space alone said so), bytes that are not UTF-8 (JSON in
  UTF-16 or UTF-32 included, RFC 8259 8.1), nesting too deep for the parser, an integer longer than
  Python converts (``sys.get_int_max_str_digits``, at its field), or an object that names a key twice
  (``api.strict_json``, at the key's place: ``rows[3].id``); ``api.not_json`` words each;
  a ``\\ud800`` escape without its other half is 422 at the field that holds it, and so are ``NaN``,
  ``Infinity`` and ``-Infinity`` (Python's ``json`` reads them; JSON has none).
  An unknown field is 422 at its path, naming the fields taken there and the one meant when only the
  case differs (``Rows``); a key longer than ``storecast.errors.MAX_KEY`` (64) characters is clipped wherever
  an answer names it.
  Each message says what came (``got null``, ``got 0``, a decimal number as written: ``got 1e5``) beside what is
  expected; ``null`` for a field that has a default also says to leave the field out for it
  (``api.validation_words``).
- 422: :class:`InputError`, a well-formed body that is wrong for *this model* (unknown store,
  batch over ``max_batch_rows``, schedule day outside the window) or for itself (a store and day listed
  twice in one ``/predict`` batch). An unknown store is 422 at
  ``rows[3].store``, not 404: the resource (``/predict``) exists, one field of the body names a value
  the model does not know, a batch may mix known and unknown stores, and the fix is the same as for
  any bad field (correct it and resend). A body that fails the schema gets these too, in the same 422, on the
  fields the schema took (``api.beside``), so a client fixing one error does not then meet the next.
- 422: ``DataContractError`` from the inference path (the rows break the data contract), at ``rows[i].<field>``
  when the problem is one row's (no route reaches it today: the schema and the routes' checks come first).
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

Every answer has the body ``{"detail": [{"loc", "field", "msg", "type"}, ...]}`` (422, ``api.unprocessable``) or
``{"detail": "<message>"}`` (others).
"""

from __future__ import annotations

__all__ = ["InputError", "NotReadyError", "TokenCheck", "install_error_handlers", "window_problems"]

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException

from storecast import schema as s
from storecast.api.body import UnsupportedMediaType
from storecast.api.body_place import Loc
from storecast.api.http_rules import allow_with_head, method_sent
from storecast.api.not_json import UNPARSABLE, unparsable_problem
from storecast.api.routes.docs import DOCS_PATHS
from storecast.api.routes.page import PAGE_PATHS
from storecast.api.sent_path import sent_path
from storecast.api.unprocessable import MAX_LISTED, field_path, problem, unprocessable
from storecast.api.validation_words import validation_problems
from storecast.errors import ArtifactError, ContractProblem, DataContractError, NotFittedError, StorecastError
from storecast.schema import MAX_DATE

log = logging.getLogger("storecast.api")


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
    errors = exc.errors()
    return unprocessable(validation_problems(request, exc, errors[:MAX_LISTED]), len(errors))


def _not_found(request: Request) -> str:
    """404 naming the path, and the route meant when it differs only by slashes (``/predict/``, ``//predict``) or by
    case (``/Predict``: a client that capitalises paths was told only that the routes are listed elsewhere).

    The path is named as sent and as the log line names it (``sent_path.sent_path``): cut visibly at
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
    if exc.status_code == 400 and exc.detail == UNPARSABLE:
        if refused := await _token_refusal(request):
            return refused
        return unprocessable([unparsable_problem(request, exc.__cause__)])
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
    return unprocessable([problem(("body", *loc), msg, typ) for loc, msg, typ in exc.problems[:MAX_LISTED]],
                         len(exc.problems))


# the request's field of each column a contract problem may name: ``rows[i].state_holiday``, not ``StateHoliday``
_FIELD_OF_COLUMN = {s.ID: "id", s.STORE: "store", s.DATE: "date", s.OPEN: "open", s.PROMO: "promo",
                    s.STATE_HOLIDAY: "state_holiday", s.SCHOOL_HOLIDAY: "school_holiday"}


def _contract_loc(found: ContractProblem) -> Loc:
    """Where a contract problem sits in a ``/predict`` body: ``rows[i].<field>`` when it is one row's, else
    ``rows.<field>`` (a store unknown to the model, in however many rows) or ``rows``.

    Why the row: ``rows.StateHoliday`` named neither the row nor a field the body has, so a client could not point
    at the value to fix; the message says the row only in words (``row 3: ...``).
    """
    at: Loc = ("body", "rows") if found.row is None else ("body", "rows", found.row)
    return at if found.column is None else (*at, _FIELD_OF_COLUMN.get(found.column, found.column))


async def _on_contract_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DataContractError)
    items = [problem(_contract_loc(p), p.message, "data_contract") for p in exc.problems[:MAX_LISTED]] \
        or [problem(("body", "rows"), str(exc), "data_contract")]
    return unprocessable(items, len(exc.problems))


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
