"""The Python API: the five steps a notebook needs, each a thin call into the module that does the work.

Why a separate module: the CLI and the REST API are the two other front doors, and all three must run the
same code. These functions add nothing but defaults and plain types, so a data scientist can go from a
data directory to a scored, saved and reloaded model without learning the package's layout::

    import storecast as sc

    data = sc.load_data("../shared/rossmann")          # validated frames (Dataset)
    report = sc.evaluate(data, folds=3)                # holdout + backtest RMSPE, beside the naive baseline
    path = sc.train(data, models_dir="models")         # models/storecast-lgbm-<UTC stamp>.skops + card
    model = sc.load_model(path)                        # checked against its card before use
    forecast = sc.forecast(model, data.test)           # Id, Store, Date, Sales, lower, upper
    result = sc.score(model, later)                    # a sold period (train.csv-shaped): RMSPE, bias, per week

Every function raises the same errors as the CLI (``DataContractError``, ``ArtifactError``, ``WindowError``),
each a ``StorecastError`` with a message that names the file, line or field.
"""

from __future__ import annotations

__all__ = ["load_data", "train", "load_model", "forecast", "score", "evaluate"]

from pathlib import Path
from typing import Any

import pandas as pd


def load_data(data_dir: str | Path, *, require_test: bool = False):
    """Read and validate ``train.csv``, ``store.csv`` (and ``test.csv``, ``external/store_states.csv``).

    Returns a ``storecast.data.contract.Dataset`` with typed ``train``, ``store`` and ``test`` frames.
    """
    from storecast.data.contract import load_dataset

    return load_dataset(data_dir, require_test=require_test)


def train(data, kind: str = "lgbm", *, until: str | pd.Timestamp | None = None,
          models_dir: str | Path = "models", **params: Any) -> Path:
    """Fit and calibrate a tree model ("lgbm" or "rf") on the days up to ``until``; return the saved file.

    ``params`` go to the regressor (e.g. ``n_estimators=300``).
    """
    from storecast.train_run import train_bundle

    return train_bundle(data, kind, pd.Timestamp(until) if until is not None else None, models_dir, **params)


def load_model(path: str | Path, *, level: float | None = None):
    """Load a ``.skops`` (trees) or ``.pt`` (LSTM) model after checking its card and checksum.

    ``level`` picks the interval served (one of the card's levels, e.g. 0.95); default: the card's.
    """
    from storecast.artifacts import load_bundle

    return load_bundle(path, level=level)


def forecast(model, rows: pd.DataFrame, *, history: pd.DataFrame | None = None) -> pd.DataFrame:
    """Forecast test.csv-shaped ``rows`` with ``model`` (from ``load_model``): one output row per input row.

    ``history`` (train.csv-shaped) is needed only by the LSTM, which forecasts from recent sales.
    """
    from storecast.predict import predict_frame

    return predict_frame(model, rows, history=history)


def score(model, period: pd.DataFrame, *, history: pd.DataFrame | None = None) -> dict:
    """Forecast a period that has been sold (train.csv-shaped rows) without its Sales, then score against them.

    What ``storecast predict --input`` prints for such rows: RMSPE over open days with Sales > 0, the same
    on trade days, the bias ``mean(1 - forecast / actual)`` and the served interval's coverage, for the
    period and per week (``weeks``), and ``in_sample_days``, the scored days inside the model's training data.
    """
    from storecast import schema as s
    from storecast.evaluation.period_score import PeriodScore
    from storecast.predict import predict_frame

    missing = [c for c in (s.SALES, s.CUSTOMERS) if c not in period.columns]
    if missing:
        raise ValueError(f"`period` must be train.csv-shaped (with Sales and Customers); missing {missing}.")
    forecast = predict_frame(model, period.drop(columns=[s.SALES, s.CUSTOMERS]), history=history)
    result = PeriodScore.for_model(model)
    result.add_forecast(forecast, period)
    return result.summary()


def evaluate(data, kind: str = "lgbm", *, until: str | pd.Timestamp | None = None, folds: int | None = None,
             out_dir: str | Path | None = None, **params: Any) -> dict:
    """Score a model kind on the seasonal backtest (as ``storecast evaluate``), or ``folds`` rolling windows.

    By default the 6-week windows spread over the last 12 months up to ``until`` (the same season a year
    earlier included); ``folds=N`` scores the last 42 days and N rolling 6-week windows before them instead.
    Each window is fitted only on the days before it. Returns the metrics (RMSPE over days with Sales > 0,
    MAE, RMSE, bias, interval coverage, the naive baseline) and writes charts when ``out_dir`` is given.
    """
    from storecast.evaluation.backtest import evaluate as run

    return run(data, kind, pd.Timestamp(until) if until is not None else None, folds, out_dir, **params)
