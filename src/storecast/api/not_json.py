"""Why a body is not JSON, in the caller's words: a syntax error at its field, bytes that are not UTF-8, a key given
twice, ``NaN``, a lone surrogate, nesting too deep, an integer longer than Python converts.

Why a module of its own: FastAPI answers a syntax error as a validation error (``json_invalid``) and every other
parse failure as one 400 with the cause chained (:data:`UNPARSABLE`); ``errors`` answers both 422 through here,
so each says what was wrong, where, and what to send instead (``json``'s own words say neither where in a
10,000-row batch nor what to change).
"""

from __future__ import annotations

__all__ = ["UNPARSABLE", "syntax_error", "unparsable_problem"]

import sys
from typing import Any

from fastapi import Request

from storecast.api.body_place import Loc
from storecast.api.http_rules import shown
from storecast.api.strict_json import (
    DuplicateKeyError,
    NotJSONWordError,
    NotUTF8Error,
    TooManyDigitsError,
    UnpairedSurrogateError,
)
from storecast.api.syntax_place import not_a_json_number, syntax_error_place
from storecast.api.unprocessable import problem
from storecast.errors import MAX_KEY, quoted

_JSON_BLANKS = " \t\r\n"  # the white space JSON takes between values (RFC 8259 2)


def syntax_error(doc: Any, pos: int | None, reason: str) -> tuple[Loc, str]:
    """The place (``("body", "rows", 3, "promo")``) and message of a JSON syntax error at ``pos`` of ``doc``.

    Why: at ``body`` with a character offset, a 10,000-row batch was searched by hand, and ``"promo": 0x10`` was
    told "Expecting ',' delimiter", as if a comma were missing (``api.syntax_place``).
    """
    where = _where(doc, pos)
    if not isinstance(doc, str) or pos is None:
        return ("body",), f"the body is not valid JSON: {reason}{where}: send a JSON object"

    def at() -> Loc:
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
UNPARSABLE = "There was an error parsing the body"


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
    """The ``charset`` parameter of the request's Content-Type when it is not UTF-8, as every refusal repeats a header
    value (``http_rules.shown``: read as UTF-8, cut at ``MAX_SHOWN`` characters with "…").

    Why: a client that declares ``charset=latin-1`` and sends Latin-1 should learn that the declaration is what
    is not taken, not only that a byte is wrong.
    """
    for param in (request.headers.get("content-type") or "").split(";")[1:]:
        name, _, value = param.partition("=")
        value = value.strip().strip('"')
        if name.strip().lower() == "charset" and value.lower().replace("-", "").replace("_", "") != "utf8":
            return shown(value) or None
    return None


def _unpaired_reason(cause: UnpairedSurrogateError) -> str:
    return (f"{'a key' if cause.in_key else 'the string'} holds the escape \\u{ord(cause.char):04x}, half of a "
            "UTF-16 surrogate pair without its other half: send valid Unicode (a character beyond U+FFFF "
            "as both halves, e.g. \\ud83d\\ude00)")


def _not_json_reason(cause: NotJSONWordError) -> str:
    return (f"{cause.word} is not a JSON value (RFC 8259 has no NaN or Infinity, though Python's json.dumps writes "
            "them): send a finite number, or the value this field takes")


def unparsable_problem(request: Request, cause: BaseException | None) -> dict[str, Any]:
    """The 422 item of a body FastAPI could not parse (its 400 :data:`UNPARSABLE`), by the ``cause`` it chained."""
    if isinstance(cause, UnpairedSurrogateError):
        return problem(("body", *cause.loc), _unpaired_reason(cause), "string_unicode")
    if isinstance(cause, NotJSONWordError):
        return problem(("body", *cause.loc), _not_json_reason(cause), "json_invalid")
    reason = _unparsable_reason(cause)
    if isinstance(cause, UnicodeDecodeError | NotUTF8Error) and (charset := _charset(request)):
        reason += f" (the Content-Type says charset={charset}, but JSON is read as UTF-8 only, RFC 8259 8.1)"
    # the place of a key given twice or of a long integer (rows[3].id); none for the others
    at = cause.loc if isinstance(cause, DuplicateKeyError | TooManyDigitsError) else ()
    return problem(("body", *at), reason, "json_invalid")
