"""The base of every route's body model: unknown fields refused, and more than ``MAX_UNKNOWN`` of them as one error.

Why: a body is answered as written or not at all, so a field the model does not take is refused, not dropped
(``extra="forbid"``). But pydantic answers each unknown key with an error of its own, so a body of 400,000 of
them held the event loop for seconds: past ``MAX_UNKNOWN`` they are counted and answered as one error. Every
route's body model derives from :class:`StrictBody`; :func:`model_in` is the one reading of a body's nesting.
"""

from __future__ import annotations

__all__ = ["MAX_UNKNOWN", "StrictBody", "field_meant", "model_in"]

import functools
import itertools
from collections.abc import Iterable
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

from storecast.api.body_place import Loc
from storecast.api.unprocessable import clip_key, field_path

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
    meant = field_meant(key, model.model_fields)
    return f" (did you mean {meant!r}?)" if meant else ""


def field_meant(key: str, names: Iterable[str]) -> str | None:
    """The first of ``names`` that ``key`` differs from only by case (test.csv's ``Store`` for ``store``), or None:
    the one rule of both answers to an unknown key (this count and ``validation_words``' message)."""
    return next((name for name in names if name.lower() == key.lower()), None)


def _path(loc: Loc) -> str:
    """``rows[3].key`` of an unknown key, written by ``unprocessable.field_path`` (a key that is not a name quoted:
    ``rows[3]["a.b"]``), the key clipped at ``MAX_KEY`` characters as in any other message.

    Why one writer: this count wrote ``rows[3].a.b`` where each error of a few unknown keys wrote ``rows[3]["a.b"]``,
    so one field was named two ways, and a key such as ``"a.b"`` read as a path of two fields.
    """
    return field_path([clip_key(part) for part in loc])
