"""Keep the garbage collector off objects that live until the process ends: a loaded model and its imports.

Why: a loaded tree model, scikit-learn, skops and pandas are about 200,000 tracked objects that nothing frees
before exit. CPython's full collections walk all of them again each time (tens of milliseconds a time: a
pause inside a request under the API), and the interpreter's closing collections walk them once more after
the command has finished (0.3 s at the end of every ``storecast predict`` with the default model, measured
in docs/benchmarks.md). ``gc.freeze`` moves every object alive now to a permanent generation no collection
walks. Frozen objects are still freed by reference counting as usual; only reference cycles among them wait
for ``thaw`` or the process's end, and nothing storecast writes depends on a collection: outputs are closed
and renamed explicitly (``storecast.atomic``).
"""

from __future__ import annotations

__all__ = ["freeze_long_lived", "freeze_until_exit", "no_collections", "thaw", "skip_final_collection"]

import atexit
import gc
from collections.abc import Iterator
from contextlib import contextmanager

_exit_hook_registered = False  # set by the console entry point: this process ends with its command


def freeze_long_lived() -> int:
    """Hide every object alive now from later collections (call once the model is loaded); returns how many."""
    gc.freeze()
    return gc.get_freeze_count()


def freeze_until_exit() -> None:
    """``freeze_long_lived`` in a console process, which ends with its command; elsewhere nothing.

    Why not always: in a test runner or a notebook that calls a command in-process, the process goes on
    after it, and what the command leaves behind must stay collectable.
    """
    if _exit_hook_registered:
        freeze_long_lived()


@contextmanager
def no_collections() -> Iterator[None]:
    """No collection while the block runs (importing scikit-learn and skops, building a model from its file).

    Why: everything such a block makes lives on, so the full collections its allocations trigger (four of
    them, 0.15 s, in a ``storecast predict``) find nothing to free. In a console process what the block made
    is frozen on the way out (``freeze_until_exit``): else the first collection after it walks all of it at
    once. Process-wide while it lasts; the previous state comes back after it, even on an error.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        freeze_until_exit()
        if was_on:
            gc.enable()


def thaw() -> None:
    """Hand the frozen objects back to the collector (an API app shutting down inside a longer process, tests)."""
    gc.unfreeze()


def skip_final_collection() -> None:
    """Freeze whatever is alive when the interpreter exits, so its closing collections have nothing to walk.

    For console entry points only: ``atexit`` hooks run last-registered first, so this one, registered at
    start-up, runs after every other hook (logging's flush, temp-file clean-up) has done its work.
    """
    global _exit_hook_registered
    if not _exit_hook_registered:
        atexit.register(gc.freeze)
        _exit_hook_registered = True
