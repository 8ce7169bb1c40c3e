"""``in_background``: run one call in a thread and collect its value (or its own exception) later.

Why a module of its own: the CLI loads the model while it reads the rows (``storecast predict``), and the
model loader hashes the file while it imports skops (``artifacts.trees``); both want the same small tool,
and the loader must not import the batch machinery (pandas, the data contract) to get it.
"""

from __future__ import annotations

__all__ = ["in_background"]

import threading
from collections.abc import Callable
from typing import Any, TypeVar

_T = TypeVar("_T")


def in_background(fn: Callable[..., _T], *args: Any) -> Callable[[], _T]:
    """Start ``fn(*args)`` in a thread; the returned callable waits for it and returns its value or raises its error.

    What for: ``storecast predict`` loads the model (about 1 s of imports and the skops file) while the rows
    are read and checked. Both are partly outside the GIL (pandas' CSV parser, zip inflation, LightGBM
    parsing its trees, hashlib), so on 2 cores they overlap. The error raised is the thread's own exception
    object, so the command prints the very message, exit status and all, that a call in the calling thread
    gives. A daemon thread: when the caller fails first (a bad row), the process exits without waiting for it.
    """
    done: dict[str, Any] = {}

    def run() -> None:
        try:
            done["value"] = fn(*args)
        except BaseException as exc:  # handed to the caller, who raises it as its own
            done["error"] = exc

    thread = threading.Thread(target=run, name=f"storecast-{getattr(fn, '__name__', 'background')}", daemon=True)
    thread.start()

    def result() -> _T:
        thread.join()
        if "error" in done:
            raise done["error"]
        return done["value"]

    return result
