"""`storecast serve` with the model's work replaced by a constant: what the request path alone costs.

Usage::

    python bench/constant_server.py --model M --port 8767 &          # same options as `storecast serve`
    BODY_FILE=one.json wrk -t2 -c20 -d10s -s bench/api_wrk.lua http://127.0.0.1:8767/predict

Everything of a request runs as in `storecast serve` (middleware, routing, validation, the micro-batcher and
its thread hop, the JSON answer) except ``ServedModel.predict``, which answers 1.0 for every row. Its
requests per second against the bare endpoint of ``bench/bare_api.py`` in the same run are the ceiling the
real server could reach if the model cost nothing (issue 16's 0.33x target, docs/benchmarks.md). A bench
script, never part of storecast: the monkeypatch lives here only.
"""

from __future__ import annotations

import sys

import numpy as np


def main() -> None:
    """Patch ``ServedModel.predict`` to a constant, then run the console entry point's ``serve``."""
    from storecast.api.serving import ServedModel
    from storecast.cli import main as storecast_main

    def constant(self, rows):
        n = len(rows)
        return np.ones(n), np.ones(n), np.ones(n)

    ServedModel.predict = constant  # type: ignore[method-assign]
    sys.argv = ["storecast", "serve", *sys.argv[1:]]
    storecast_main()


if __name__ == "__main__":
    main()
