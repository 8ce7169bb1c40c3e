"""Time the default ``train_bundle`` against a plain LightGBM reference fit, in one run, and print the ratio.

Why a reference in the same run: the machine is shared, so absolute seconds drift with the load of
the day; the ratio to a fixed plain fit measured minutes apart is what stays comparable (issue 13,
item 5: the default training must cost at most 0.6x the reference).

Reference: one LightGBM fit of 1,000 trees (127 leaves, learning rate 0.05, 2 threads) on the open
days with Sales > 0 of train.csv, on the 18 plain Kaggle columns (calendar + store.csv), log1p target.

Usage: ``python bench/fit_reference.py --data ../shared/rossmann [--skip-reference] [--threads N]
[--also max_bin=255,subsample=0.8] [--keep DIR]``. ``--also`` times a second ``train_bundle`` with those LightGBM
overrides in the same run (e.g. the previous defaults). Wall and CPU seconds (all threads) are both
printed: on a loaded machine CPU seconds of a 1-thread run (``--threads 1``) are the steadier measure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

PLAIN = ("Store", "DayOfWeek", "Promo", "StateHoliday", "SchoolHoliday", "StoreType", "Assortment",
         "CompetitionDistance", "CompetitionOpenSinceMonth", "CompetitionOpenSinceYear", "Promo2",
         "Promo2SinceWeek", "Promo2SinceYear", "PromoInterval", "Year", "Month", "Day", "WeekOfYear")


def plain_matrix(train: pd.DataFrame, store: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The 18 Kaggle columns of the open days with sales, categories as integer codes."""
    rows = train[(train["Open"] == 1) & (train["Sales"] > 0)]
    X = rows.merge(store, on="Store", how="left")
    date = X["Date"]
    X["Year"], X["Month"], X["Day"] = date.dt.year, date.dt.month, date.dt.day
    X["WeekOfYear"] = date.dt.isocalendar().week.astype(int).to_numpy()
    for col in ("StateHoliday", "StoreType", "Assortment", "PromoInterval"):
        X[col] = X[col].astype("category").cat.codes
    return X[list(PLAIN)].astype(float), np.log1p(rows["Sales"].to_numpy(dtype=float))


def _timed(fn) -> tuple[float, float]:
    """(wall, CPU) seconds of ``fn()``; CPU counts every thread of this process."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def reference_fit(X: pd.DataFrame, y: np.ndarray, threads: int = 2) -> tuple[float, float]:
    """(wall, CPU) seconds of the reference fit (Dataset construction included)."""
    import lightgbm as lgb

    model = lgb.LGBMRegressor(n_estimators=1000, num_leaves=127, learning_rate=0.05, n_jobs=threads,
                              random_state=0, verbose=-1)
    return _timed(lambda: model.fit(X, y))


def _overrides(text: str) -> dict[str, float | int | str]:
    """``"max_bin=255,refit=prep"`` -> {"max_bin": 255, "refit": "prep"}."""
    def value(v: str) -> float | int | str:
        try:
            return float(v) if "." in v else int(v)
        except ValueError:
            return v

    return {k: value(v) for k, v in (item.split("=", 1) for item in text.split(",") if item)}


def _bundle(ds, threads: int, keep: Path | None = None, **params) -> tuple[float, float]:
    from storecast.train_run import train_bundle

    if keep is not None:  # the timed model is kept (to check predict / the API on it afterwards)
        return _timed(lambda: train_bundle(ds, "lgbm", models_dir=keep, n_jobs=threads, **params))
    with tempfile.TemporaryDirectory() as tmp:
        return _timed(lambda: train_bundle(ds, "lgbm", models_dir=tmp, n_jobs=threads, **params))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--skip-reference", action="store_true", help="time train_bundle only")
    parser.add_argument("--threads", type=int, default=2, help="threads of every fit (the reference: 2)")
    parser.add_argument("--also", default="", help="time train_bundle again with these overrides, k=v,k=v")
    parser.add_argument("--keep", type=Path, default=None, help="save the default model here (else a temp dir)")
    args = parser.parse_args()
    if not (args.data / "train.csv").is_file():
        print(f"no train.csv in {args.data}: pass --data DIR with the Rossmann files", file=sys.stderr)
        return 2
    from storecast.data.contract import load_dataset

    ds = load_dataset(args.data)
    print(f"{platform.machine()}, {platform.python_version()}, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
          f"{args.threads} thread(s)")
    ref = None
    if not args.skip_reference:
        X, y = plain_matrix(ds.train, ds.store)
        ref = reference_fit(X, y, args.threads)
        print(f"reference plain LightGBM, {len(X):,} rows x {X.shape[1]} columns, 1000 trees: "
              f"wall {ref[0]:.1f} s, CPU {ref[1]:.1f} s")
    runs = [("default train_bundle (fit, calibrate, save)", {})]
    if args.also:
        runs.append((f"train_bundle with {args.also}", _overrides(args.also)))
    for i, (name, params) in enumerate(runs):
        wall, cpu = _bundle(ds, args.threads, args.keep if i == 0 else None, **params)
        ratio = f"; ratio to the reference: wall {wall / ref[0]:.2f}x, CPU {cpu / ref[1]:.2f}x" if ref else ""
        print(f"{name}: wall {wall:.1f} s, CPU {cpu:.1f} s{ratio}", flush=True)
    print(f"load average at the end: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
