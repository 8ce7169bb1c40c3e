"""Would early stopping on the calibration window cut the trees of a fit? Staged RMSPE per window.

Why: issue 13 item 5 lists early stopping on the calibration window as a lever for cheaper fits: the
calibration-stage fit (rows up to cut - 42 days) would pick the number of trees on its 42 calibration
days, and the final fit would grow only that many. For each seasonal window this fits one LightGBM model
(one seed, the default settings) at the calibration cut and one at the window's cut, and prints the
trade-day RMSPE after 100, 200, .. 1,200 trees on the calibration days (what early stopping would see)
and on the scored window (what the served model would score with that many trees).

    python bench/early_stopping.py --data ../shared/rossmann [--windows w1,w2,w3]

Two full-data fits of 1,200 trees a window: 7..15 minutes a window on the 2-core machine.

Each fit and each scored period reads the stores' schedules as ``storecast train`` and the backtest read them
(``training.schedule_rows``, ``features.schedule.with_schedule``): the calibration-stage fit from every row up to
its cut, the final fit from every row up to the window's cut, the calibration days and the scored window each
from their own rows, open and closed (``ConformalRegressor.fit``, ``backtest.window_forecasts``). Read from the
sales days alone, an open day with Sales 0 was a closed day and a closure at a period's edge was lost, so the
figures described another model than the one served.
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
from storecast.evaluation.backtest import score_rows, window_rows
from storecast.evaluation.metrics import TRADE_DAY_MIN_CUSTOMERS, rmspe
from storecast.features.build import merge_store
from storecast.features.schedule import schedule_step, with_schedule
from storecast.models.training import schedule_rows, training_rows
from storecast.models.trees import make_pipeline
from storecast.windows import seasonal_windows

TREES = list(range(100, 1201, 100))


def fitted(train: pd.DataFrame, store: pd.DataFrame, until: pd.Timestamp):
    """One LightGBM pipeline (one seed) on the sales days up to ``until``, their schedules read from every row of
    those days (``storecast train``'s fit: ``fit_model(..., schedule=schedule_rows(...))``)."""
    pipe = make_pipeline("lgbm", seeds=1)
    X, y = training_rows(train, store, until=until)
    return pipe.fit(with_schedule(X, schedule_rows(train, until), schedule_step(pipe)), y)


def staged_rmspe(pipe, rows: pd.DataFrame, period: pd.DataFrame, store: pd.DataFrame) -> list[float]:
    """Trade-day RMSPE of ``pipe``'s one booster after each count of trees in `TREES`, on the sales days ``rows``
    whose schedules are read from ``period`` (every row of their days, open and closed), as serving reads them."""
    rows = with_schedule(rows, period, schedule_step(pipe))
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
        first = fitted(ds.train, ds.store, cal_cut)
        days = ds.train[s.DATE]
        calibration_days = ds.train[(days > cal_cut) & (days <= window.cut)]
        on_calibration = staged_rmspe(first, sales_days(calibration_days), calibration_days, ds.store)
        final = fitted(ds.train, ds.store, window.cut)
        scored = score_rows(ds.train, window)
        on_window = staged_rmspe(final, scored, window_rows(ds.train, window, scored), ds.store)
        best = int(np.argmin(on_calibration))
        print(json.dumps({
            "window": window.name, "trees": TREES, "calibration": on_calibration, "scored": on_window,
            "early_stop_trees": TREES[best], "scored_at_early_stop": on_window[best], "scored_at_1200": on_window[-1],
            "seconds": round(time.perf_counter() - start, 1),
        }), flush=True)


if __name__ == "__main__":
    main()
