"""Would early stopping on the calibration window cut the trees of a fit? Staged RMSPE per window.

Why: issue 13 item 5 lists early stopping on the calibration window as a lever for cheaper fits: the
calibration-stage fit (rows up to cut - 42 days) would pick the number of trees on its 42 calibration
days, and the final fit would grow only that many. For each seasonal window this fits one LightGBM model
(one seed, the default settings) at the calibration cut and one at the window's cut, and prints the
trade-day RMSPE after 100, 200, .. 1,200 trees on the calibration days (what early stopping would see)
and on the scored window (what the served model would score with that many trees).

    python bench/early_stopping.py --data ../shared/rossmann [--windows w1,w2,w3]

Two full-data fits of 1,200 trees a window: 7..15 minutes a window on the 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.clean.rows import sales_days
from storecast.data.contract import load_dataset
from storecast.evaluation.backtest import score_rows
from storecast.evaluation.metrics import TRADE_DAY_MIN_CUSTOMERS, rmspe
from storecast.features.build import merge_store
from storecast.models.training import training_rows
from storecast.models.trees import make_pipeline
from storecast.windows import seasonal_windows

TREES = list(range(100, 1201, 100))


def staged_rmspe(pipe, rows: pd.DataFrame, store: pd.DataFrame) -> list[float]:
    """Trade-day RMSPE of ``pipe``'s one booster after each count of trees in `TREES`."""
    features = pipe.named_steps["prep"].transform(merge_store(rows.drop(columns=[s.SALES]), store))
    booster = pipe.named_steps["model"].estimator_.booster_
    y = rows[s.SALES].to_numpy(dtype=float)
    traded = rows[s.CUSTOMERS].to_numpy() >= TRADE_DAY_MIN_CUSTOMERS
    return [rmspe(y[traded], np.expm1(booster.predict(features, num_iteration=k))[traded]) for k in TREES]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/rossmann")
    parser.add_argument("--windows", default="", help="comma-separated window names (default: all six)")
    args = parser.parse_args()
    ds = load_dataset(args.data)
    wanted = set(filter(None, args.windows.split(",")))
    for window in seasonal_windows(ds.train[s.DATE].max()):
        if wanted and window.name not in wanted:
            continue
        start = time.perf_counter()
        cal_cut = window.cut - pd.Timedelta(days=s.HORIZON_DAYS)
        first = make_pipeline("lgbm", seeds=1).fit(*training_rows(ds.train, ds.store, until=cal_cut))
        days = ds.train[s.DATE]
        calibration = sales_days(ds.train[(days > cal_cut) & (days <= window.cut)])
        on_calibration = staged_rmspe(first, calibration, ds.store)
        final = make_pipeline("lgbm", seeds=1).fit(*training_rows(ds.train, ds.store, until=window.cut))
        on_window = staged_rmspe(final, score_rows(ds.train, window), ds.store)
        best = int(np.argmin(on_calibration))
        print(json.dumps({
            "window": window.name, "trees": TREES, "calibration": on_calibration, "scored": on_window,
            "early_stop_trees": TREES[best], "scored_at_early_stop": on_window[best], "scored_at_1200": on_window[-1],
            "seconds": round(time.perf_counter() - start, 1),
        }), flush=True)


if __name__ == "__main__":
    main()
