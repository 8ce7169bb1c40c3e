"""The Python API: the six steps a notebook needs, each a thin call into the module that does the work.

Why a separate module: the CLI and the REST API are the two other front doors, and all three must run the
same code. These functions add nothing but defaults and plain types, so a data scientist can go from a
data directory to a scored, saved and reloaded model without learning the package's layout::

    import storecast as sc

    data = sc.load_data("../shared/rossmann")          # validated frames (Dataset)
    report = sc.evaluate(data, folds=3)                # holdout + backtest RMSPE, beside the naive baseline
    path = sc.train(data, models_dir="models")         # models/storecast-lgbm-<UTC stamp>.skops + card
    model = sc.load_model(path)                        # checked against its card before use
    forecast = sc.forecast(model, data.test)           # Id, Store, Date, Sales, lower, upper
    later = data.train[data.train["Date"] > "2015-05-07"]
    result = sc.score(sc.load_model(sc.train(data, until="2015-05-07")), later)  # sold weeks: RMSPE, bias

Every function raises the same errors as the CLI (``DataContractError``, ``ArtifactError``, ``WindowError``),
each a ``StorecastError`` with a message that names the file, line or field. An argument of the wrong type
or value is a ``TypeError`` or ``ValueError`` naming it, raised before any work.
"""

from __future__ import annotations

__all__ = ["load_data", "train", "load_model", "forecast", "score", "evaluate"]

import datetime as dt
import inspect
import numbers
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def load_data(data_dir: str | Path, *, require_test: bool = False):
    """Read and validate ``train.csv``, ``store.csv`` (and ``test.csv``, ``external/store_states.csv``).

    Returns a ``storecast.data.contract.Dataset`` with typed ``train``, ``store`` and ``test`` frames.
    """
    from storecast.data.contract import load_dataset

    return load_dataset(_path(data_dir, "data_dir"), require_test=require_test)


def train(data, kind: str = "lgbm", *, until: str | pd.Timestamp | None = None,
          models_dir: str | Path = "models", **params: Any) -> Path:
    """Fit and calibrate a tree model ("lgbm" or "rf") on the days up to ``until``; return the saved file.

    ``params`` go to the regressor (e.g. ``n_estimators=300``); a name it does not take is a ValueError.
    """
    from storecast.models.trees import check_tree_params
    from storecast.train_run import train_bundle

    kind = _kind(kind)
    # unchecked, a misspelt name (n_estimatorz) reaches LightGBM, which only logs it and trains with the default
    check_tree_params(kind, params, options=_keyword_options(train_bundle))
    return train_bundle(_dataset(data), kind, _until(until), _out_dir(models_dir, "models_dir"), **params)


def load_model(path: str | Path, *, level: float | None = None):
    """Load a ``.skops`` (trees) or ``.pt`` (LSTM) model after checking its card and checksum.

    ``level`` picks the interval served (one of the card's levels, e.g. 0.95); default: the card's.
    """
    from storecast.artifacts import load_bundle

    return load_bundle(_path(path, "path"), level=level)


def forecast(model, rows: pd.DataFrame, *, history: pd.DataFrame | None = None) -> pd.DataFrame:
    """Forecast test.csv-shaped ``rows`` with ``model`` (from ``load_model``): one output row per input row.

    ``history`` (train.csv-shaped) is needed only by the LSTM, which forecasts from recent sales.
    """
    from storecast.predict import predict_frame

    return predict_frame(_model(model), _frame(rows, "rows", "test.csv-shaped"), history=history)


def score(model, period: pd.DataFrame, *, history: pd.DataFrame | None = None) -> dict:
    """Forecast a period that has been sold (train.csv-shaped rows) without its Sales, then score against them.

    What ``storecast predict --input`` prints for such rows: RMSPE over open days with Sales > 0, the same
    on trade days, the bias ``mean(1 - forecast / actual)`` and the served interval's coverage, for the
    period and per week (``weeks``), and ``in_sample_days``, the scored days inside the model's training data.
    """
    from storecast import schema as s
    from storecast.evaluation.period_score import PeriodScore
    from storecast.predict import predict_frame

    model, period = _model(model), _frame(period, "period", "train.csv-shaped")
    missing = [c for c in (s.SALES, s.CUSTOMERS) if c not in period.columns]
    if missing:
        raise ValueError(f"`period` must be train.csv-shaped (with Sales and Customers); missing {missing}.")
    actual = period[[s.SALES, s.CUSTOMERS]].apply(_numbers)
    if s.OPEN in period.columns:  # a row flagged closed is forecast 0: not scored even if it has Sales
        actual[s.OPEN] = period[s.OPEN]
    forecast = predict_frame(model, period.drop(columns=[s.SALES, s.CUSTOMERS]), history=history)
    result = PeriodScore.for_model(model)
    result.add_forecast(forecast, actual)
    return result.summary()


def evaluate(data, kind: str = "lgbm", *, until: str | pd.Timestamp | None = None, folds: int | None = None,
             out_dir: str | Path | None = None, **params: Any) -> dict:
    """Score a model kind on the seasonal backtest (as ``storecast evaluate``), or ``folds`` rolling windows.

    By default the 6-week windows spread over the last 12 months up to ``until`` (the same season a year
    earlier included); ``folds=N`` scores the last 43 days (the holdout) and N rolling windows of as many days
    before them instead.
    Each window is fitted only on the days before it. Returns the metrics (RMSPE over days with Sales > 0,
    MAE, RMSE, bias, interval coverage, the naive baseline) and writes charts when ``out_dir`` is given.
    """
    from storecast.evaluation.backtest import evaluate as run
    from storecast.models.trees import check_tree_params

    kind = _kind(kind)
    _count(folds, "folds", least=0)
    _count(params.get("windows"), "windows", least=2)
    check_tree_params(kind, params, options=_keyword_options(run))
    out = None if out_dir is None else _out_dir(out_dir, "out_dir")
    return run(_dataset(data), kind, _until(until), folds, out, **params)


# The checks below run before any work: unchecked, a wrong argument reaches pandas or the model as an
# AttributeError ("'str' object has no attribute 'train'"), or an output directory that is a file fails
# after the fits.

def _path(value: Any, name: str) -> Path:
    """``value`` as a Path; a TypeError naming ``name`` for anything else (an int, None)."""
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"`{name}` must be a path (str or pathlib.Path); got {type(value).__name__}.")
    return Path(value)


def _kind(value: Any) -> str:
    """``kind`` checked before the data are cut and featurised, not at the first fit."""
    from storecast.models.trees import KINDS

    if value not in KINDS:
        raise ValueError(f"`kind` must be one of {KINDS}; got {value!r}.")
    return value


def _keyword_options(entry: Callable[..., Any]) -> set[str]:
    """The keyword-only options of ``entry`` and of the functions its ``**params`` pass through (``fit_model``,
    ``make_pipeline``, ``make_estimator``): what ``params`` may hold besides the tree's own parameters.

    Read from their signatures, so a new option there is accepted here without a second list to keep.
    """
    from storecast.models.training import fit_model
    from storecast.models.trees import make_estimator, make_pipeline

    return {name for func in (entry, fit_model, make_pipeline, make_estimator)
            for name, p in inspect.signature(func).parameters.items() if p.kind is inspect.Parameter.KEYWORD_ONLY}


def _out_dir(value: Any, name: str) -> Path:
    """An output directory that can be written (made when missing); ``OutputPathError`` naming ``name`` if not."""
    from storecast.atomic import check_folder

    return check_folder(_path(value, name), f"`{name}`")


def _dataset(value: Any):
    """``value`` when it has the frames of a ``Dataset`` (``load_data``'s result); a TypeError saying so if not."""
    if isinstance(getattr(value, "train", None), pd.DataFrame) and isinstance(getattr(value, "store", None),
                                                                            pd.DataFrame):
        return value
    hint = ": load it first, data = storecast.load_data(path)" if isinstance(value, (str, os.PathLike)) else ""
    raise TypeError(f"`data` must be a Dataset from storecast.load_data (with train and store frames); "
                    f"got {type(value).__name__}{hint}.")


def _model(value: Any):
    """``value`` when it is a loaded model (``load_model``'s result); a TypeError saying so if not."""
    if callable(getattr(value, "predict_open", None)):
        return value
    hint = ": load it first, model = storecast.load_model(path)" if isinstance(value, (str, os.PathLike)) else ""
    raise TypeError(f"`model` must be a model from storecast.load_model; got {type(value).__name__}{hint}.")


def _frame(value: Any, name: str, shape: str) -> pd.DataFrame:
    """``value`` when it is a DataFrame; a TypeError naming ``name`` if not (``data.test`` is None without test.csv)."""
    if isinstance(value, pd.DataFrame):
        return value
    hint = " (data.test is None when the data directory has no test.csv)" if value is None else ""
    raise TypeError(f"`{name}` must be a pandas DataFrame of {shape} rows; got {type(value).__name__}{hint}.")


def _numbers(column: pd.Series) -> pd.Series:
    """``period``'s Sales or Customers as numbers; text such as "x" is a located problem, not pandas' bare error.

    A missing value is refused too, as ``storecast predict`` refuses a file's empty Sales: left in, the row
    dropped out of the scores unsaid (NaN > 0 is False), so RMSPE covered fewer days than were given.
    """
    from storecast.errors import ContractProblem, DataContractError

    values = pd.to_numeric(column, errors="coerce")
    bad = np.flatnonzero(values.isna().to_numpy())
    if len(bad):
        got = "a missing value" if pd.isna(column.iloc[bad[0]]) else repr(column.iloc[bad[0]])
        raise DataContractError(ContractProblem(
            "period", f"row {bad[0]}: expected a number, got {got} ({len(bad):,} such row(s))",
            column=str(column.name)))
    return values


def _until(value: Any) -> pd.Timestamp | None:
    """``until`` as a day: a date, datetime or date string; an int would read as nanoseconds after 1970."""
    if value is None:
        return None
    if not isinstance(value, (str, dt.date, np.datetime64)):  # pd.Timestamp and datetime are dates too
        raise TypeError(f"`until` must be a date, a datetime or a 'YYYY-MM-DD' string; got {type(value).__name__}.")
    try:
        day = pd.Timestamp(value)
    except ValueError as exc:
        raise ValueError(f"`until` must be a calendar date 'YYYY-MM-DD'; got {value!r} ({exc}).") from exc
    if pd.isna(day):
        raise ValueError(f"`until` must be a calendar date 'YYYY-MM-DD'; got {value!r}.")
    if day.tzinfo is not None:
        raise ValueError(f"`until` must be a day without a time zone (train.csv dates have none); got {value!r}.")
    return day


def _count(value: Any, name: str, *, least: int) -> None:
    """``folds`` / ``windows``: None or a whole number >= ``least`` (a bool or a float would be counted silently)."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):  # numpy ints are Integral
        raise TypeError(f"`{name}` must be a whole number (int); got {type(value).__name__}.")
    if value < least:
        raise ValueError(f"`{name}` must be at least {least}; got {value}.")
