"""Command-line interface. Each topic registers its commands in its own module on the shared ``app``.

Importing a module registers its commands, and ``storecast --help`` lists them in this order: the order a
user meets them (try it, check the data, explore, train, score, forecast, serve, then the extras).
Heavy imports stay inside the command functions.
"""

# isort: skip_file
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
from storecast.cli._app import app, main

__all__ = ["app", "main"]
