"""A route's own checks run beside the schema's errors, on the fields of the body that are valid on their own.

Why: FastAPI answers a body that fails the schema before the route runs, so the problems only the route finds (a
repeated ``id`` or store and day, an unknown store, a period past the last date served, a schedule day outside the
window) were named only once every field was right: a client fixing one error then met the next. A route marks its
check with :func:`beside_schema`; ``body.StrictJSONRoute`` runs it on a body that failed the schema and answers its
problems in the same 422, in the order of the body. A field that is itself wrong is left to the schema's error and
counts as not sent (``value_of`` gives None), so no problem is named twice.
"""

from __future__ import annotations

__all__ = ["BesideCheck", "Problem", "beside_schema", "check_of", "field_value", "merged", "value_of"]

import functools
import logging
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, TypeAdapter, ValidationError

from storecast.api.body_place import Loc

log = logging.getLogger("storecast.api")

Problem = tuple[Loc, str, str]  # (loc without "body", message, type): errors.InputError's items
BesideCheck = Callable[[Request, dict[str, Any]], list[Problem]]
_F = TypeVar("_F", bound=Callable[..., Any])
_ATTR = "storecast_beside_schema"


def beside_schema(check: BesideCheck) -> Callable[[_F], _F]:
    """Mark a route's endpoint with ``check(request, body)``: its own problems of a body that failed the schema.

    Put it below the ``@router.post`` line (applied first), so the route FastAPI keeps is the marked function.
    """
    def mark(endpoint: _F) -> _F:
        setattr(endpoint, _ATTR, check)
        return endpoint
    return mark


def check_of(endpoint: Callable[..., Any]) -> BesideCheck | None:
    """The check :func:`beside_schema` gave ``endpoint``, or None."""
    check: BesideCheck | None = getattr(endpoint, _ATTR, None)
    return check


@functools.cache
def _adapter(annotation: Any) -> TypeAdapter[Any]:
    return TypeAdapter(annotation)


def value_of(annotation: Any, value: Any) -> Any:
    """``value`` read by the schema's own rule for ``annotation`` (``StoreId``, ``IsoDate``), or None when that rule
    refuses it: the schema names that field itself, and a check beside it treats the field as not sent."""
    try:
        return _adapter(annotation).validate_python(value)
    except ValidationError:
        return None


@functools.cache
def _field_adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    info = model.model_fields[name]
    annotation: Any = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
    return TypeAdapter(annotation)


def field_value(model: type[BaseModel], name: str, data: Any) -> Any:
    """Field ``name`` of ``model`` read from the object ``data`` as sent, by the schema's rule: its default when left
    out, None when refused (or required and left out, or ``data`` is no object).

    A blank text (``"date": " "``) is refused here where the schema reads it as left out: for a required field (a
    date, ``start``) both give None.
    """
    if type(data) is not dict:
        return None
    info = model.model_fields[name]
    if name not in data:
        return None if info.is_required() else info.get_default(call_default_factory=True)
    try:
        return _field_adapter(model, name).validate_python(data[name])
    except ValidationError:
        return None


def _order(names: Sequence[str]) -> Callable[[dict[str, Any]], tuple[int, int]]:
    """Sort key of an error by its place in the body: the top field in the model's order, then the item of a list."""
    rank = {name: k for k, name in enumerate(names)}

    def key(err: dict[str, Any]) -> tuple[int, int]:
        loc = tuple(err.get("loc", ()))
        field = rank.get(loc[1], len(rank)) if len(loc) > 1 and isinstance(loc[1], str) else -1
        item = loc[2] if len(loc) > 2 and isinstance(loc[2], int) else -1
        return field, item
    return key


def merged(exc: RequestValidationError, request: Request, check: BesideCheck,
           names: Sequence[str]) -> RequestValidationError:
    """``exc`` with the problems ``check`` finds in its body beside the schema's, in the order of the body (``names``:
    the body model's fields); ``exc`` itself when the body is no object or the check finds none.

    A check that fails is logged and left out: the schema's errors are still the answer, never a 500.
    """
    body = exc.body
    if type(body) is not dict:
        return exc
    try:
        problems = check(request, body)
    except Exception:  # noqa: BLE001 - an extra: the schema's own 422 must still be answered
        log.exception("the checks beside the schema failed on %s %s", request.method, request.url.path)
        return exc
    if not problems:
        return exc
    errors = [*exc.errors(), *({"loc": ("body", *loc), "msg": msg, "type": typ} for loc, msg, typ in problems)]
    return RequestValidationError(sorted(errors, key=_order(names)), body=body, endpoint_ctx=exc.endpoint_ctx)
