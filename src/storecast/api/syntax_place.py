"""Where in the body a JSON syntax error lies, as a field path (``rows[3].promo``), and what a number-like word
that JSON does not take (``0x10``, ``1_000``, ``01``, ``+1``, ``.5``, ``1.``) should have been.

Why: json's message gives a character offset only ("Expecting ',' delimiter at line 1, column 84213"), which
left a 10,000-row batch to be searched by hand, and for ``"promo": 0x10`` it asked for a comma where the
number was at fault. The text before the error is well-formed JSON up to it (json parses left to right), so
its open containers, their keys and their commas give the path. Only a refused body pays for this, and it is
done by regular expressions (in C) with a Python step per open container, not per value: a scan of every token
held the event loop 7.5 s for 600,000 objects before the error.
"""

from __future__ import annotations

__all__ = ["not_a_json_number", "syntax_error_place"]

import itertools
import json
import re

from storecast.api.body_place import Loc

_STRING = r'"(?:[^"\\]++|\\.)*+"'
_CUT_STRING = r'"(?:[^"\\]++|\\.)*+\Z'  # a string the error cuts (a raw control character in it)
# A string, kept (split's group) so that no match starts inside one, or a container closed before the error with
# none inside it, dropped: only its place among the commas of its parent matters. Split and join, not sub(r"\1"):
# a group in sub's template is a Python call per match before 3.12 (2.4 s, not 0.4 s, for 600,000 objects).
_CLOSED = re.compile(rf'({_STRING})|\{{(?:[^\[\]{{}}"]++|{_STRING})*+\}}|\[(?:[^\[\]{{}}"]++|{_STRING})*+\]')
# What is left: per open container, its content up to the next one, and the bracket that opens the next
_LEVELS = re.compile(rf'((?:{_STRING}|{_CUT_STRING}|[^"\[{{]++)*+)([\[{{]?)')
_STRINGS = re.compile(rf"{_STRING}|{_CUT_STRING}")
_ANY_STRING = re.compile(rf"({_STRING})|{_CUT_STRING}")  # group 1: a whole string
# Levels of closed containers inside one another that are dropped: 2 in any body the routes take (3 with an unknown
# field holding an object); a body nested deeper in them is answered at the body, as before, so a body built to be
# slow costs 4 passes at most (2 s for 5 MB of closed arrays 6 deep, on 2 loaded cores).
_MAX_PASSES = 3


def syntax_error_place(text: str, pos: int) -> Loc:
    """The field path of the value being read at ``pos`` (the place of a syntax error in ``text``): the key or
    index it sits at, or the object itself where a key was expected; ``()`` outside any object or array, and
    for a prefix nested over ``_MAX_PASSES`` levels deep in closed containers (answered at the body, as before)."""
    prefix = text[:pos]
    for _ in range(_MAX_PASSES + 1):  # innermost closed containers first, a pass per level, then one finding none
        left = "".join(filter(None, _CLOSED.split(prefix)))
        if len(left) == len(prefix):
            break
        prefix = left
    else:
        return ()
    levels = _LEVELS.findall(prefix)  # [(before the body, "{"), (the body's content, "["), ..., (last, "")]
    place: list[str | int] = []
    for (_, bracket), (content, _) in zip(levels, levels[1:], strict=False):
        if not bracket:
            break
        if bracket == "[":
            place.append(_STRINGS.sub("", content).count(","))
            continue
        bare = _STRINGS.sub('"', content)  # outside strings, a colon follows a key and nothing else
        colon, comma = bare.rfind(":"), bare.rfind(",")
        if colon > comma:  # in a member's value: its key is the last string before that colon
            nth = bare.count('"', 0, colon)
        elif '"' in bare[comma + 1:]:  # a key written, its colon not yet ("Expecting ':' delimiter")
            nth = bare.count('"')
        else:
            break  # a key was expected here: the place is the object
        found = next(itertools.islice(_ANY_STRING.finditer(content), nth - 1, None))
        if found.group(1) is None:
            break  # the key is the string the error cuts: the place is the object
        place.append(_key(found.group(1)))
    return tuple(place)


def _key(token: str) -> str:
    try:
        return str(json.loads(token))
    except ValueError:  # not expected: every string before the error parsed
        return token.strip('"')


# What a JSON number is not, where a sender meant one: hex or octal, digit separators, a leading zero, a plus sign,
# a decimal point without a digit on one side.
_NUMBER_LIKE = re.compile(r"[-+]?(?:0[xXoObB][0-9a-fA-F_]*|[0-9._]*[0-9][0-9._eE+-]*|\.[0-9][0-9eE+-]*)")
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?\Z")


def not_a_json_number(text: str, pos: int) -> str | None:
    """The number-like word around ``pos`` when it is what JSON refused (``0x10``, ``1_000``, ``01``), else None."""
    start = pos
    while start > 0 and pos - start < 64 and text[start - 1] in "0123456789abcdefABCDEFxXoO_.+-":
        start -= 1
    found = _NUMBER_LIKE.match(text, start)
    if found is None or found.end() <= pos or _JSON_NUMBER.match(word := found.group()):
        return None
    return word
