"""Command-line interface. Each topic registers its commands in its own module on the shared ``app``."""

# Importing a module registers its commands; heavy imports stay inside the command functions.
from storecast.cli import clean as _clean  # noqa: E402,F401
from storecast.cli import data as _data  # noqa: E402,F401
from storecast.cli import demo as _demo  # noqa: E402,F401
from storecast.cli import eda as _eda  # noqa: E402,F401
from storecast.cli import evaluate as _evaluate  # noqa: E402,F401
from storecast.cli import lstm as _lstm  # noqa: E402,F401
from storecast.cli import models as _models  # noqa: E402,F401
from storecast.cli import plan as _plan  # noqa: E402,F401
from storecast.cli import predict as _predict  # noqa: E402,F401
from storecast.cli import serve as _serve  # noqa: E402,F401
from storecast.cli import synth as _synth  # noqa: E402,F401
from storecast.cli import train as _train  # noqa: E402,F401
from storecast.cli._app import app, main

__all__ = ["app", "main"]
