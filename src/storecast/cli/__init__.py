"""Command-line interface. Each topic registers its commands in its own module on the shared ``app``.

Importing a module registers its commands, and ``storecast --help`` lists them in this order: the order a
user meets them (try it, check the data, explore, train, score, forecast, serve, then the extras).
Heavy imports stay inside the command functions.

The command modules (Typer, rich, pandas) are imported by ``main`` and on first use of ``app``, not when
this package is: the console script imports ``main`` from here before it can catch anything, so a Ctrl-C in
the first second of ``storecast train`` (still importing) ended in a Python traceback, where a Ctrl-C anywhere
later prints one line and exits 130.
"""

from __future__ import annotations

__all__ = ["app", "main"]

import sys
from types import ModuleType
from typing import Any

from storecast.errors import INTERRUPTED


def _commands() -> ModuleType:
    """Register every command on ``app``, in ``--help`` order; the ``_app`` module that holds ``app``."""
    # isort: off
    from storecast.cli import demo as _demo  # noqa: F401
    from storecast.cli import data as _data  # noqa: F401  (validate)
    from storecast.cli import clean as _clean  # noqa: F401
    from storecast.cli import eda as _eda  # noqa: F401
    from storecast.cli import train as _train  # noqa: F401
    from storecast.cli import evaluate as _evaluate  # noqa: F401
    from storecast.cli import predict as _predict  # noqa: F401
    from storecast.cli import serve as _serve  # noqa: F401
    from storecast.cli import plan as _plan  # noqa: F401
    from storecast.cli import lstm as _lstm  # noqa: F401
    from storecast.cli import models as _models  # noqa: F401
    from storecast.cli import synth as _synth  # noqa: F401
    from storecast.cli import _app
    # isort: on

    return _app


def main() -> None:
    """Console-script entry point (``storecast``, ``python -m storecast``): the commands, then ``_app.main``.

    Ctrl-C while the commands are still being imported prints the one line a later Ctrl-C prints and exits
    130, as the shell reports a process stopped by SIGINT; not a traceback.
    """
    try:
        entry = _commands().main
    except KeyboardInterrupt:
        sys.stderr.write(INTERRUPTED + "\n")
        sys.exit(130)
    entry()


def __getattr__(name: str) -> Any:
    if name == "app":  # the Typer app with every command registered (tests, Typer's runner)
        return _commands().app
    raise AttributeError(f"module 'storecast.cli' has no attribute {name!r}")
