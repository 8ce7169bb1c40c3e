"""What a command that loads a tree model imports first, and what it never imports: a shorter ``storecast predict``.

``import_before_pandas``: ``import skops.io`` builds skops' default trusted types, and for each of scipy.special's
~230 ufuncs (objects without ``__module__``) it walks ``sys.modules`` in import order until it meets the module
that holds the ufunc. After pandas, pandera and the rest of a command's imports, every walk first passes their
~900 modules: some 280,000 failed attribute look-ups, 0.25..0.3 s of a ``storecast predict``
(docs/benchmarks.md). With scipy.special imported before them, each walk stops after a few hundred modules. The
trusted types are the same lists either way (a test compares them); only the time differs. scikit-learn imports
scipy.special anyway, so nothing is imported that the model load would not import.

``imports_skipped``: optional packages that a library imports when installed, inside ``try: ... except
ImportError``, for features the command never uses (pytest for scikit-learn's test helpers, hypothesis for
pandera's data synthesis, torch and dask for scikit-learn's array-API shims, charset_normalizer for f2py's
Fortran reader). Made unimportable for the calling thread only, for the time of a ``with`` block, they cost
nothing; the library takes its own documented "not installed" branch.
"""

from __future__ import annotations

__all__ = ["import_before_pandas", "imports_skipped", "NotInThisThread"]

import importlib.abc
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def import_before_pandas() -> None:
    """Import scipy.special now, ahead of pandas: call first thing in a command that will load a tree model.

    Without charset_normalizer: scipy.special's array-API shim runs ``from numpy import *``, which imports
    ``numpy.f2py``, whose Fortran reader imports charset_normalizer (when installed, inside try/except) to guess
    a source file's encoding: 35 ms that no forecast needs.
    """
    with imports_skipped("charset_normalizer"):
        import scipy.special  # noqa: F401


class NotInThisThread(importlib.abc.MetaPathFinder):
    """Makes ``modules`` unimportable for one thread while it is on ``sys.meta_path``; other threads import as usual."""

    def __init__(self, modules: tuple[str, ...]) -> None:
        self.modules, self.thread = modules, threading.get_ident()

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if threading.get_ident() == self.thread and name.partition(".")[0] in self.modules:
            raise ModuleNotFoundError(f"No module named {name!r} (not needed by this command)", name=name)
        return None


@contextmanager
def imports_skipped(*modules: str) -> Iterator[tuple[str, ...]]:
    """Within the block, ``modules`` (those not imported yet) raise ModuleNotFoundError in this thread only.

    Yields the names actually blocked. A module imported already stays usable: nothing is ever unloaded.
    """
    blocked = tuple(name for name in modules if name not in sys.modules)
    if not blocked:
        yield blocked
        return
    finder = NotInThisThread(blocked)
    sys.meta_path.insert(0, finder)
    try:
        yield blocked
    finally:
        if finder in sys.meta_path:
            sys.meta_path.remove(finder)
