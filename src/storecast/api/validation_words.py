"""Pydantic's validation errors of a request in the caller's words: what was expected, what came, the field meant.

Why: pydantic says "Input should be a valid integer" or "Extra inputs are not permitted", which names neither what
came nor what to send; a client fixing a batch needs both, and the field meant when only the case differs
(``Rows``). Each message here is one item of ``errors``' 422 (``api.unprocessable``); what came is said by
``api.echo``, a JSON syntax error by ``api.not_json``.
"""

from __future__ import annotations

__all__ = ["validation_problems"]

import json
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError

from storecast.api.body_place import Loc
from storecast.api.echo import Got
from storecast.api.not_json import syntax_error
from storecast.api.strict_body import field_meant, model_in
from storecast.api.unprocessable import clip_key, problem
from storecast.errors import ECHO_LIMIT, clipped


def validation_problems(request: Request, exc: RequestValidationError, errors: Any) -> list[dict[str, Any]]:
    """The 422 items of pydantic's ``errors`` (those of ``exc`` to be listed), each reworded by its type."""
    items = []
    got = Got(request)
    for err in errors:
        loc = tuple(p if isinstance(p, int | str) else str(p) for p in err.get("loc", ()))
        typ = str(err.get("type", "value_error"))
        msg = str(err.get("msg", "invalid value"))
        if typ == "extra_forbidden" and loc[:1] == ("body",) and len(loc) > 1:
            msg = _unknown_field(_body_model(request), loc)
        if typ == "json_invalid":
            # Some of json's messages end in " at" ("Invalid control character at"); not_json adds its own.
            reason = str((err.get("ctx") or {}).get("error", "")).removesuffix(" at")
            pos = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
            loc, msg = syntax_error(exc.body, pos, reason)
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
        items.append(problem(loc, msg, typ))
    return items


# pydantic's range error types: the word for the bound and its key in ``ctx``
_BOUNDS = {"greater_than_equal": ("at least", "ge"), "less_than_equal": ("at most", "le"),
           "greater_than": ("more than", "gt"), "less_than": ("less than", "lt")}


def _body_model(request: Request) -> Any:
    """The pydantic model of the route's JSON body, or None."""
    field = getattr(request.scope.get("route"), "body_field", None)
    return getattr(getattr(field, "field_info", None), "annotation", None)


def _model_at(model: Any, loc: Loc) -> Any:
    """The model of the object that holds the last part of ``loc`` (``("body", "rows", 3, "store")`` gives the row's
    model), walked down from the body's ``model``; None where the path leaves the models."""
    for part in loc[1:-1]:  # loc[0] is "body"; on the way, a field of a model or an item of a list
        if isinstance(part, str):
            info = getattr(model, "model_fields", {}).get(part)
            model = model_in(info.annotation) if info is not None else None
    return model


def _null_hint(request: Request, loc: Loc, err: dict[str, Any]) -> str:
    """``: leave `open` out for its default, 1`` when ``null`` came for a field that has a default, else ``""``.

    Why: a client that writes a missing value as ``null`` (pandas' ``to_json`` does) read "got null" without learning
    that leaving the field out is the way to get its default.
    """
    if err.get("input") is not None or len(loc) < 2 or loc[0] != "body":
        return ""
    info = getattr(_model_at(_body_model(request), loc), "model_fields", {}).get(loc[-1])
    if info is None or info.is_required() or (default := info.get_default(call_default_factory=True)) is None:
        return ""
    return f": leave `{loc[-1]}` out for its default, {json.dumps(default)}"


def _unknown_field(model: Any, loc: Loc) -> str:
    """The message for an unknown key at ``loc``: the field it may mean (by case) and the fields taken there.

    Why: pydantic says "Extra inputs are not permitted", which names neither what is taken nor that
    ``Rows`` or ``STORE`` are refused only for their case.
    """
    key = str(loc[-1])
    msg = f"unknown field {clip_key(key)!r}"
    names = list(getattr(_model_at(model, loc), "model_fields", {}))
    if not names:
        return msg
    if meant := field_meant(key, names):
        msg += f": did you mean {meant!r}? (field names are case-sensitive)"
    return f"{msg}{';' if meant else ':'} this object takes {', '.join(names)}"


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
