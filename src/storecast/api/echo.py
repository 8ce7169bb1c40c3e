"""What came at a field, for a 422's message: a value in JSON's words, a decimal number as the client wrote it.

Why: pydantic's messages say what is expected, not what came, and ``json`` reads ``1e5`` as ``100000.0`` and
``1e400`` as ``inf``, so an echo of the parsed value said "got 100000.0" or "got Infinity", numbers the client
never wrote. The body's text is kept by ``api.body.StrictJSONRoute`` for a body that failed the schema
(:data:`BODY_TEXT`) and parsed again here, with its decimal numbers kept as sent, only when a message names one.
"""

from __future__ import annotations

__all__ = ["BODY_TEXT", "Got", "json_kind", "number_at", "numbers_as_sent"]

import functools
import json
import math
from typing import Any

from fastapi import Request

from storecast.api.body_place import Loc
from storecast.errors import ECHO_LIMIT, clipped, quoted

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
        return json.loads(text, parse_float=_SentNumber, parse_int=str)  # str: as in body_place.locate_word
    except (ValueError, RecursionError):
        return None


def number_at(doc: Any, loc: Loc) -> str | None:
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


class Got:
    """What came at a field, for a message: :func:`json_kind` of the value, a decimal number as the client wrote it.

    One per answer: the body's text is parsed again at most once, and only when a message names a decimal number.
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
            return json_kind(value)
        if math.isinf(value):
            return f"{clipped(sent, ECHO_LIMIT)} (a number beyond 1.8e308, which JSON readers take as Infinity)"
        return f"{clipped(sent, ECHO_LIMIT)} (a decimal number)"

    def sent(self, loc: Loc, value: Any) -> str | None:
        """The decimal number ``value`` at ``loc`` as the client wrote it, or None (no decimal, no text at hand)."""
        if not isinstance(value, float) or self.text is None or loc[:1] != ("body",):
            return None
        return number_at(self.doc, loc[1:])


def json_kind(value: Any) -> str:
    """What a JSON value was, in JSON's words, for a message: ``the string '1'``, ``true``, ``null``, ``1.5``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the string {quoted(value)}"
    if isinstance(value, float):
        # api.strict_json refuses the words NaN and Infinity; a number beyond float range (1e400) still reads as inf,
        # in JSON's word for it where Python would say inf. No JSON number reads as NaN: float() of a numeral is never
        # NaN, and no body route parses JSON but through api.strict_json.
        if math.isinf(value):
            return (f"{'-' if value < 0 else ''}Infinity, which is not a JSON number (a number beyond 1.8e308, "
                    "such as 1e400, reads as Infinity too)")
        return f"{value!r} (a decimal number)"
    if isinstance(value, list | dict):
        return "an array" if isinstance(value, list) else "an object"
    if isinstance(value, int):  # a 4,000-digit number is cut, as a string is
        return clipped(str(value), ECHO_LIMIT)
    return type(value).__name__
