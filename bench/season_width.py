"""The subset backtest (every 5th store, six seasonal windows, one LightGBM model) at another seasonal window width.

Why: `StoreHistory`'s ``hist_month`` averages a store's residual log sales within +-``season_days`` days of the
row's day of year (default 15, chosen with the cross-fitted profile on 2026-12-07). This script scores the same
subset protocol as docs/modeling.md's "store subset" sections with the constructor's default of ``season_days``
set to another width for this process only (sklearn's ``clone`` passes it on to every fit), and prints the
``season_days`` every fit of a window used, so the figures are known to be the variant's.

    LOKY_MAX_CPU_COUNT=1 nice python bench/season_width.py --data ../shared/rossmann --season-days 7

One thread, one seed: deterministic, about 50-60 minutes on the loaded 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import time

from storecast.data.contract import load_dataset
from storecast.evaluation.backtest import evaluate
from storecast.features.history import StoreHistory

_COLUMNS = ("rmspe", "rmspe_trade_days", "bias", "coverage_0.8", "coverage_0.95")


def _record_widths(widths: list[int | None]) -> None:
    """Append the ``season_days`` of every fit of a ``StoreHistory`` in this process to ``widths``.

    Why ``_fit``: a Pipeline's fit calls ``fit_transform``, which fits through ``_fit`` without calling ``fit``;
    both go through ``_fit``, so every fit is recorded once.
    """
    fit = StoreHistory._fit

    def recording(self: StoreHistory, X, y, **kwargs):
        widths.append(self.season_days)
        return fit(self, X, y, **kwargs)

    StoreHistory._fit = recording  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="data directory (train.csv, store.csv, ...)")
    parser.add_argument("--season-days", type=int, required=True, help="half-width of the seasonal window, days")
    args = parser.parse_args()

    defaults = StoreHistory.__init__.__kwdefaults__
    assert defaults is not None
    defaults["season_days"] = args.season_days
    widths: list[int | None] = []
    _record_widths(widths)

    def progress(msg: str) -> None:
        if msg.startswith("fit "):
            widths.clear()
        elif " scored:" in msg:
            msg += f"; season_days of its fits: {sorted(set(widths), key=str)}"
        print(f"{time.strftime('%H:%M:%S')} {msg}", flush=True)

    started = time.perf_counter()
    ds = load_dataset(args.data)
    report = evaluate(ds, "lgbm", stores=range(1, 1116, 5), importance=False, seeds=1, n_jobs=1, progress=progress)
    wall = time.perf_counter() - started
    print("window " + " ".join(_COLUMNS))
    for res in report["windows"]:
        print(res["fold"], " ".join(f"{res[c]:.4f}" for c in _COLUMNS))
    print("mean", " ".join(f"{report['summary'][c + '_mean']:.4f}" for c in _COLUMNS))
    print(json.dumps({"season_days": args.season_days, "wall_s": round(wall), "summary": report["summary"]}))


if __name__ == "__main__":
    main()
