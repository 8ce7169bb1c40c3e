"""The one JSON shape of a 422: ``{"detail": [{"loc", "field", "msg", "type"}, ...]}``, ``MAX_LISTED`` problems at most.

Why a module of its own: every check that refuses a field (pydantic's schema, a route's own checks, the strict
parse of a body, the data contract) answers through :func:`problem` and :func:`unprocessable`, so every item names
its field the same way (:func:`field_path`), clips a long key alike and counts the problems past the
``MAX_LISTED`` named in one last item.
"""

from __future__ import annotations

__all__ = ["MAX_LISTED", "clip_key", "field_path", "problem", "unprocessable"]

import re
from collections.abc import Sequence
from typing import Any

from fastapi.responses import JSONResponse

from storecast.errors import MAX_KEY, clipped, json_leaf

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


def clip_key(part: str | int) -> str | int:
    """A key of a location cut to ``MAX_KEY`` characters.

    Why: an unknown key is named in ``loc``, ``field`` and ``msg``, so a 500 kB key made a 422 three times
    the size of the body; a key on the way to a ``NaN`` or a lone surrogate (located by ``api.body_place``) was
    named whole in ``loc`` and ``field`` too.
    """
    return clipped(part, MAX_KEY) if isinstance(part, str) else part


def problem(loc: Sequence[str | int], msg: str, typ: str) -> dict[str, Any]:
    """One problem of a 422; every key of ``loc`` clipped (:func:`clip_key`), whichever check found the problem."""
    loc = [clip_key(part) for part in loc]
    return {"loc": loc, "field": field_path(loc), "msg": msg, "type": typ}


MAX_LISTED = 50  # problems named in one 422; a request with more gets one last item counting the rest


def unprocessable(items: list[dict[str, Any]], total: int | None = None) -> JSONResponse:
    """The 422 answer; ``total`` > ``len(items)``: a last item says how many problems were not listed.

    Why: a caller who fixes the 50 named problems and sends again should know that more will follow.
    """
    more = 0 if total is None else total - len(items)
    if more > 0:
        items = [*items, problem(("body",), f"and {more:,} more problem(s) not listed: fix those above and send the "
                                 "request again to see the rest", "more_problems")]
    return JSONResponse({"detail": items}, status_code=422)
