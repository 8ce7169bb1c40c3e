"""Fitting a calibrated tree model: the rows it learns from, the fit, and what its card says.

``storecast.train_run.train_bundle`` (``storecast train``, ``storecast demo``) and the backtest both call
``fit_model`` on ``training_rows`` up to a cut, so the CLI and the evaluation fit models exactly the same
way. Saving is a floor higher (``storecast.train_run``): nothing here writes a model file.
"""

from __future__ import annotations

__all__ = ["training_days", "training_rows", "schedule_rows", "fit_model", "fitted_card_facts", "DEFAULT_LEVELS"]

from collections.abc import Callable, Iterable, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.clean.rows import sales_days
from storecast.dates import to_days
from storecast.features.build import FEATURES, merge_store
from storecast.models.conformal import ConformalRegressor
from storecast.models.trees import make_pipeline, tree_members

DEFAULT_LEVELS = (0.8, 0.95)
CALIBRATION_SEEDS = 1  # LightGBM seeds of the calibration-stage model (fit_model)


def training_days(train: pd.DataFrame, until: pd.Timestamp | str | None = None, *,
                  since: pd.Timestamp | str | None = None, stores: Iterable[int] | None = None) -> pd.DataFrame:
    """The train rows a fit uses: open days with Sales > 0 after ``since``, up to ``until`` (inclusive), in
    train.csv's own order (Date descending, then Store) whatever order they came in.

    Why the order: LightGBM samples rows by position (bagging, histogram bins), so the same rows shuffled
    fitted another model (on 12 synthetic stores forecasts moved by up to 1,400 Sales). train.csv is already
    in this order, so its models are what they were.
    """
    return _in_file_order(sales_days(_period(train, until, since, stores)))


def schedule_rows(train: pd.DataFrame, until: pd.Timestamp | str | None = None, *,
                  since: pd.Timestamp | str | None = None, stores: Iterable[int] | None = None) -> pd.DataFrame:
    """Every train row of the period ``training_days`` picks from (open and closed, Open as given): Store, Date,
    Open, the schedule its fit rows' schedule features are read from (``fit_model(..., schedule=...)``).

    Why: serving reads a store's schedule from every day a planner sends; read from the sales days alone, an
    open day with Sales 0 was a closed day to the fit and a closure at the period's edge was lost.
    """
    return _period(train, until, since, stores)[[s.STORE, s.DATE, s.OPEN]]


def _period(train: pd.DataFrame, until, since, stores) -> pd.DataFrame:
    """The rows of ``train`` after ``since``, up to ``until`` (inclusive), of ``stores`` (None: no bound)."""
    rows = train
    if until is not None:
        rows = rows[rows[s.DATE] <= pd.Timestamp(until)]
    if since is not None:
        rows = rows[rows[s.DATE] > pd.Timestamp(since)]
    if stores is not None:
        rows = rows[rows[s.STORE].isin(stores)]
    return rows


def _in_file_order(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` by Date descending, then Store ascending (a stable sort); as they are when already so.

    Already so is checked pair by pair in one pass (train.csv, and every fit's rows cut from it, are), so the
    sort runs only for rows in another order.
    """
    later_first, store = -to_days(rows[s.DATE]), rows[s.STORE].to_numpy()
    step, store_step = np.diff(later_first), np.diff(store)
    if ((step > 0) | ((step == 0) & (store_step >= 0))).all():
        return rows
    return rows.iloc[np.lexsort((store, later_first))]


def training_rows(train: pd.DataFrame, store: pd.DataFrame, until: pd.Timestamp | str | None = None, *,
                  since: pd.Timestamp | str | None = None,
                  stores: Iterable[int] | None = None) -> tuple[pd.DataFrame, np.ndarray]:
    """``training_days``, merged with the store table.

    Returns
    -------
    (X, y): X keeps every train column but Sales (Customers feeds the store statistics only),
    y is Sales as float.
    """
    rows = training_days(train, until, since=since, stores=stores)
    X = merge_store(rows.drop(columns=[s.SALES]), store)
    return X, rows[s.SALES].to_numpy(dtype=float)


def fit_model(X: pd.DataFrame, y: np.ndarray, *, kind: str = "lgbm", loss: str = "log",
              levels: Sequence[float] = DEFAULT_LEVELS, refit: bool | Literal["prep"] = True,
              progress: Callable[[str], None] | None = None,
              calibration_seeds: int | None = CALIBRATION_SEEDS, schedule: pd.DataFrame | None = None,
              **params) -> ConformalRegressor:
    """Fit ``make_pipeline(kind, loss=loss, **params)`` inside a ConformalRegressor.

    ``schedule``: every row of the fit period (``schedule_rows``), which each stage reads the stores'
    schedules from as serving reads a request (``ConformalRegressor.fit``); None reads them from ``X``.

    ``calibration_seeds``: how many LightGBM seeds the calibration-stage model averages (None: as
    many as the served model). One by default: the stage only measures forecast errors for the
    intervals, and a single model costs a third of three (docs/modeling.md, "The calibration stage with
    one seed").
    """
    calibration = None
    if kind == "lgbm" and refit is True and calibration_seeds is not None:
        calibration = make_pipeline(kind, loss=loss, **{**params, "seeds": calibration_seeds})
    model = ConformalRegressor(make_pipeline(kind, loss=loss, **params), levels=levels, refit=refit,
                               calibration_estimator=calibration)
    return model.fit(X, y, progress=progress, schedule=schedule)


def _describe_stage(model: ConformalRegressor) -> str:
    """What measured the calibration errors: the served model's settings, or its one-seed version."""
    if model.calibration_estimator is None:
        return "the served model's settings, fitted to the calibration cut"
    tree = model.calibration_estimator.named_steps["model"].estimator
    seeds = len(getattr(tree, "estimators", [tree]))  # a VotingRegressor of seeds, or one model
    return f"{seeds} LightGBM model(s) with the served settings, fitted to the calibration cut"


def fitted_card_facts(model: ConformalRegressor) -> dict:
    """What a card says about a fitted ConformalRegressor: parameters, features, calibration, intervals.

    One home for both engines (local ``train_run.train_bundle`` and ``distributed.training``), so their cards agree.
    """
    members = tree_members(model.estimator_.named_steps["model"].estimator_)
    params: dict[str, object] = {k: v for k, v in members[0].get_params().items()
                                 if isinstance(v, int | float | str | None)}
    if len(members) > 1:  # an average of LightGBM seeds: the shared settings, then the seeds
        params.pop("random_state", None)
        params.update(seeds=len(members), random_states=[m.get_params()["random_state"] for m in members])
    return {
        "params": params,
        "features": list(model.estimator_.named_steps["prep"].named_steps["matrix"].features_),
        "all_features": list(FEATURES),
        "metrics": {"calibration": model.calibration_},
        "intervals": {
            "method": "split-conformal on log residuals, per-store scale",
            # the first level asked for, as the LSTM's card says: loading refuses a default level the
            # model did not calibrate (artifacts.files.served_level), e.g. 0.8 after fit_model(levels=(0.9,))
            "levels": [float(v) for v in model.levels_], "default_level": float(model.levels_[0]),
            "calibration_days": int(model.calibration_days), "scale": model.scale,
            "shrinkage": float(model.shrinkage), "bias_correction": float(model.correction_),
            "calibration_model": _describe_stage(model),
            "quantiles": {f"{lv:g}": [float(a), float(b)]
                          for lv, a, b in zip(model.levels_, model.q_low_, model.q_high_, strict=True)},
        },
    }
