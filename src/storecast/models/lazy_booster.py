"""LightGBM boosters read from a model file whose trees' text is parsed on first use, not at load.

Why: LightGBM parses a booster's 1,200 trees of text (about 14.5 MB each) in ``Booster.__setstate__``, about
0.17 s a booster, 0.5 s for the default average of three seeds; when their checked compiled cache is installed
(``models.compiled``), nothing but a fallback call (odd inputs, ``feature_importance``) ever reads that parse.
So while ``deferred_boosters()`` is active in a thread, the boosters that skops builds there keep their text
and become a ``LazyBooster`` (a ``Booster`` subclass) that parses it the first time anything reads the handle,
then turns back into a plain ``Booster``. Nothing in the model file or its audit changes: skops still checks
every type against the allowlist and builds ``lightgbm.basic.Booster`` itself; only the parse moves.
``artifacts.trees.load_tree_bundle`` parses every booster before it returns unless compiled trees serve it
(``parse_now``), so a model without them fails or loads exactly as before.
"""

from __future__ import annotations

__all__ = ["LazyBooster", "deferred_boosters", "is_deferred", "parse_now", "text_features"]

import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from lightgbm.basic import Booster

_TEXT = "_storecast_model_text"  # the instance attribute that holds the unparsed text
_local = threading.local()
_lock = threading.RLock()  # one parse per booster, whichever thread asks first
_original_setstate = Booster.__setstate__


class LazyBooster(Booster):
    """A ``Booster`` whose text is parsed when its handle is first read; a plain ``Booster`` from then on.

    Never built directly: ``deferred_boosters`` turns the boosters skops builds into one.
    """

    def __getattr__(self, name: str) -> Any:
        # called only for attributes that are not set: before the parse, the handle is one of them
        if name == "_handle" and _TEXT in self.__dict__:
            _parse(self)
            return self.__dict__["_handle"]
        raise AttributeError(f"'Booster' object has no attribute {name!r}")

    def __reduce_ex__(self, protocol: Any) -> Any:
        """Pickled as the plain ``Booster`` it becomes once parsed (its state is the handle's text)."""
        _parse(self)
        return self.__reduce_ex__(protocol)

    def __getstate__(self) -> dict[str, Any]:
        _parse(self)  # Booster's reads the handle
        return Booster.__getstate__(self)

    def __del__(self) -> None:
        if "_handle" in self.__dict__:  # parsed, then collected before the class was restored: free it
            Booster.__del__(self)


def _parse(booster: Any) -> None:
    with _lock:
        text = booster.__dict__.get(_TEXT)
        if text is None:  # another thread parsed it meanwhile
            return
        _original_setstate(booster, {"_handle": text})
        del booster.__dict__[_TEXT]
        booster.__class__ = Booster


def _setstate(self: Booster, state: dict[str, Any]) -> None:
    """``Booster.__setstate__``, except in a thread inside ``deferred_boosters``: the text is kept, not parsed."""
    text = state.get("_handle")
    if not getattr(_local, "defer", False) or not isinstance(text, str) or "handle" in state:
        _original_setstate(self, state)
        return
    rest = {k: v for k, v in state.items() if k != "_handle"}
    self.__dict__.update(rest)
    self.__dict__[_TEXT] = text
    self.__class__ = LazyBooster


@contextmanager
def deferred_boosters() -> Iterator[None]:
    """While active, boosters built by ``__setstate__`` in this thread (skops' loader) parse their text on first use.

    Other threads are not affected. Why a hook on the class: skops builds the booster with ``cls.__new__`` and
    ``__setstate__``, and offers no per-type loader; the hook is installed once and defers only here.
    """
    if Booster.__setstate__ is not _setstate:
        Booster.__setstate__ = _setstate  # type: ignore[method-assign]
    before = getattr(_local, "defer", False)
    _local.defer = True
    try:
        yield
    finally:
        _local.defer = before


def is_deferred(booster: Any) -> bool:
    """True while ``booster``'s text is not parsed yet."""
    return isinstance(booster, LazyBooster) and _TEXT in booster.__dict__


def parse_now(boosters: Iterable[Any]) -> None:
    """Parse every deferred booster of ``boosters`` now (LightGBM's errors propagate, as at load before)."""
    for booster in boosters:
        if is_deferred(booster):
            _parse(booster)


def text_features(booster: Any) -> int | None:
    """The feature count a deferred booster's text declares (``max_feature_idx`` + 1), read without parsing it."""
    text = booster.__dict__.get(_TEXT) if is_deferred(booster) else None
    if text is None:
        return None
    found = re.search(r"^max_feature_idx=(\d+)$", text[:100_000], flags=re.M)
    return int(found[1]) + 1 if found else None
