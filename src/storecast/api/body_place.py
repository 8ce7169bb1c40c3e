"""Where in a parsed body a value strict JSON refuses stands, located as pydantic locates a field (``rows[3].id``).

Why a module of its own: the four refusals of ``api.strict_json`` (a ``NaN`` or ``Infinity``, a key given twice, an
integer of over 4,300 digits, a lone surrogate) are found by the parser with no place, or at ``body``; each is
located here by one search of the parsed body by halves (``_bisect``: each half tested in C, so a 5 MB body is not
walked value by value), with a walk of every value (``_nodes``) only where the body is nested too deep for that.
Only a refused body pays for this. The functions return places; ``api.strict_json`` raises the errors.
"""

from __future__ import annotations

__all__ = ["Loc", "locate_long_integer", "locate_repeat", "locate_unpaired_surrogate", "locate_word"]

import functools
import json
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any

Loc = tuple[str | int, ...]

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
    `locate_unpaired_surrogate` share it: they differ in what they look for, and in that keys come first for a
    surrogate.
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


def _nodes(doc: Any) -> Iterator[tuple[Loc, Any]]:
    """Every value of a parsed body with its place (``("rows", 0, "store")``), a parent before its children,
    in document order: the walk that locates a problem as pydantic would, where ``_bisect`` cannot (a body nested
    too deep for ``repr`` and ``json.dumps``; one Python step per value, so only there).

    An object is a dict, or a tuple of its (key, value) pairs when parsed again to locate a word. A loop, not
    recursion: the parser allows nesting near the recursion limit.
    """
    stack: list[tuple[Loc, Any]] = [((), doc)]
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


def _first_marked(doc: Any) -> tuple[Loc, Any] | None:
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


def locate_word(text: str) -> Loc:
    """The place of the first ``NaN``/``Infinity`` of ``text``, located as pydantic would (``rows[0].store``); ``()``
    (the body) when the text cannot be parsed past it. Only a refused body pays for this second parse."""
    try:
        # parse_int=str: only the place matters, and str() takes an integer of any length at no cost (int() refuses
        # one over 4,300 digits, which would leave a word after such a number unlocated)
        doc = json.loads(text, object_pairs_hook=tuple, parse_constant=_Word, parse_int=str)
    except (ValueError, RecursionError):  # a syntax error after the word: the word is still the first problem
        return ()
    found = _first_marked(doc)
    return () if found is None else found[0]


class _Repeats(tuple[tuple[str, Any], ...]):
    """An object that names a key twice (its pairs, as sent), when the body is parsed again to locate it (marked)."""

    def __repr__(self) -> str:
        return _MARK


def _mark_repeats(pairs: list[tuple[str, Any]]) -> tuple[tuple[str, Any], ...]:
    if len(pairs) > 1 and len({key for key, _ in pairs}) < len(pairs):
        return _Repeats(pairs)
    return tuple(pairs)


def locate_repeat(text: str) -> tuple[str, Loc] | None:
    """The key of the first object of ``text`` that names a key twice, and its place as pydantic would locate that key
    (``rows[3].id``); None when the text cannot be parsed again (the caller names the key the parser met).

    Why: "the key 'id' appears twice" at ``body`` left a 10,000-row batch to be searched by hand. The first such
    object in document order (a parent before its children), which can be another than the parser met first: the
    parser checks an object when it closes. Only a refused body pays for this second parse.
    """
    try:
        doc = json.loads(text, object_pairs_hook=_mark_repeats, parse_int=str)  # str: as in locate_word
    except (ValueError, RecursionError):  # a syntax error after the object
        return None
    if (found := _first_marked(doc)) is None or not isinstance(node := found[1], _Repeats):
        return None
    loc = found[0]
    seen: set[str] = set()
    for name, _ in node:
        if name in seen:
            return name, (*loc, name)
        seen.add(name)
    return None


_DIGITS = re.compile("[0-9]+")


@functools.cache
def _up_to_a_long_digit_run(limit: int) -> re.Pattern[str]:
    """Matches the text before the first run of over ``limit`` digits outside a string (possessive: linear, in C)."""
    return re.compile(r'(?:[^"0-9]++|"(?:[^"\\]++|\\.)*+"|[0-9]{1,' + str(limit) + r'}+(?![0-9]))*+', re.DOTALL)


def locate_long_integer(text: str) -> Loc:
    """The place of the first integer of ``text`` with more digits than ``int()`` converts, located as pydantic would
    (``rows[0].store``); ``()`` (the body) when it cannot be found.

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
            return locate_word(text[:first] + "NaN" + text[end:])
        pos = end  # the integer part, fraction or exponent of a decimal number: float() takes any length
    return ()


# UTF-16 surrogates (\ud800..\udfff) as json.loads keeps them: a pair decodes to one character, an unpaired one stays
_SURROGATE = re.compile("[\ud800-\udfff]")


def _holds_surrogate(value: Any) -> bool:
    # ensure_ascii=False writes a lone surrogate as the character itself, in a key as in a value
    return _SURROGATE.search(json.dumps(value, ensure_ascii=False)) is not None


def locate_unpaired_surrogate(doc: Any) -> tuple[Loc, str, bool] | None:
    """The first string or key of ``doc`` holding an unpaired surrogate: its place as pydantic would locate it, the
    surrogate, and whether it is in a key; or None.

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
                return (tuple(loc), char, False) if (char := _char(node)) else None
            if type(node) is dict and node and _holds_surrogate(keys := list(node)):
                return tuple(loc), _char(keys[_bisect(keys, _holds_surrogate)]), True
            if (step := _first_child(node, _holds_surrogate)) is None:
                return None
            key, node = step
            loc.append(key)
    except RecursionError:
        return _walk_for_surrogate(doc)


def _walk_for_surrogate(doc: Any) -> tuple[Loc, str, bool] | None:
    for loc, node in _nodes(doc):
        if isinstance(node, str):
            if m := _SURROGATE.search(node):
                return loc, m.group(), False
        elif isinstance(node, dict):
            for key in node:
                if m := _SURROGATE.search(key):
                    return loc, m.group(), True
    return None


def _char(text: str) -> str:
    found = _SURROGATE.search(text)
    return found.group() if found else ""
