"""Split-conformal prediction intervals calibrated on a time-ordered window, in log space.

Why split-conformal on the last weeks: the residuals of a model fitted up to ``cut - 42 days`` on the
42 days after it are forecast errors at the same horizons (1..42 days) the served model makes, so
their quantiles give honest intervals without a distributional assumption; a random split would mix
past and future and understate the error. Residuals are taken on log(Sales) (errors are relative) and
divided by a per-store scale (shrunk toward the global one), so quiet stores get narrow intervals and
volatile ones wide. The calibration window also fits the multiplicative bias correction that makes the
expm1 back-transform RMSPE-optimal. Then the model is refitted on everything up to the cut.
"""

from __future__ import annotations

__all__ = ["ConformalRegressor", "conformal_bounds", "conformal_radius", "fitted_stores", "rmspe_factor",
           "check_sales_span"]

import logging
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.utils.validation import check_is_fitted

from storecast import schema as s
from storecast.dates import to_days
from storecast.errors import MAX_STORES_LISTED, WindowError, first_and_more
from storecast.features import as_columns
from storecast.features.facts import store_facts
from storecast.features.schedule import schedule_step, with_schedule
from storecast.lookup import sorted_positions
from storecast.models.trees import pipeline_predict

log = logging.getLogger(__name__)


def check_sales_span(rows: int, first: int | None, last: int | None, calibration_days: int) -> None:
    """Raise the WindowError of fit rows that leave no calibration split; return when they leave one.

    ``rows`` sales days (open, Sales > 0) from day ``first`` to day ``last`` (days since 1970-01-01; None
    when ``rows`` is 0). A split needs some of them before the last ``calibration_days`` days.

    Why one home: ``ConformalRegressor.fit`` and the Dask engine, which sees each partition's span only,
    said it in two wordings ("no open days with sales up to ... in any partition", or numpy's "max() arg is
    an empty sequence" when none was left at all).
    """
    if rows and first is not None and last is not None and first <= last - int(calibration_days):
        return
    span = (f"{rows:,} sales days ({np.datetime64(int(first), 'D')}..{np.datetime64(int(last), 'D')})"
            if rows and first is not None and last is not None else "no sales day (open with Sales > 0)")
    raise WindowError(f"the rows to fit on hold {span}: calibrated intervals need sales days on more "
                      f"than {calibration_days} days, some before the last {calibration_days}; "
                      "add older sales days to train.csv or choose a later --until.")


def conformal_bounds(z: np.ndarray, levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split-conformal bounds of calibration scores ``z`` at each coverage in ``levels``, equal-tailed.

    With alpha = 1 - level and n scores: the lower bound is the floor((n + 1) alpha / 2)-th smallest score, the
    upper the ceil((n + 1) (1 - alpha / 2))-th; a new exchangeable score then lands outside each with probability
    at most alpha / 2, so the interval covers at least ``level`` (Angelopoulos & Bates, "A Gentle Introduction to
    Conformal Prediction", section 1). Order statistics, not ``np.quantile``'s default linear interpolation, which
    at the same levels read between two scores: the upper bound a little above the rule's, the lower one a little
    above it too (narrower there, below the guarantee). With fewer than 2 / alpha - 1 scores the rule asks for an
    unbounded side; the smallest or largest score stands in for it, so such a level is not guaranteed.
    """
    n = len(z)
    ordered = np.sort(z)
    alpha = 1 - np.asarray(levels, dtype=float)
    # a hair of slack so that a rank that is whole in exact arithmetic (40 * 0.975 = 39) stays whole in floats
    lo_rank = np.floor((n + 1) * alpha / 2 + 1e-9).astype(np.int64)
    return ordered[np.clip(lo_rank, 1, n) - 1], _upper_order_statistic(ordered, 1 - alpha / 2)


def conformal_radius(scores: np.ndarray, levels: Sequence[float] | np.ndarray) -> np.ndarray:
    """Split-conformal upper bound of ``scores`` at each coverage in ``levels``: the ceil((n + 1) level)-th smallest.

    A new exchangeable score is at most that bound with probability at least ``level``; with |residual| as the
    score it is the radius of a symmetric interval (the LSTM's). Capped at the largest score when the rule asks
    for more than n (fewer than 1 / (1 - level) - 1 scores), so such a level is not guaranteed.
    """
    return _upper_order_statistic(np.sort(scores), np.asarray(levels, dtype=float))


def _upper_order_statistic(ordered: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """The ceil((n + 1) level)-th of the sorted ``ordered``, within 1..n: the one reading of the upper rank."""
    n = len(ordered)
    # the same slack: 25 * 0.56 is 14.000000000000002 in floats, and ceil took the 15th
    rank = np.ceil((n + 1) * levels - 1e-9).astype(np.int64)
    return ordered[np.clip(rank, 1, n) - 1]


def rmspe_factor(y: np.ndarray, pred: np.ndarray) -> float:
    """The c minimising sum((1 - c * pred / y)^2): sum(r) / sum(r^2) with r = pred / y."""
    r = pred / y
    return float(np.sum(r) / np.sum(r**2))


def fitted_stores(pipeline) -> np.ndarray:
    """Sorted ids of the stores a fitted ``make_pipeline()`` learned (its "prep" step's); empty when it has none.

    The one reading of the rule "a model knows the stores it had sales days of", for the calibration window
    here and the backtest's scored rows (``evaluation.backtest``), so neither walks the pipeline itself.
    """
    prep = getattr(pipeline, "named_steps", {}).get("prep")
    return store_facts(prep).stores if prep is not None else np.empty(0, dtype=np.int64)


def _known_rows(first, X_cal: pd.DataFrame, y_cal: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """The calibration rows of stores ``first`` was fitted on (all rows when it does not say).

    Why: a store whose first sales day lies inside the calibration window (a new store, or one closed
    until then) is unknown to the calibration-stage model, so its rows cannot measure that model's
    errors; the served model, fitted on all rows, knows it and gives it the chain's interval scale.
    """
    known = fitted_stores(first)
    stores = np.asarray(X_cal[s.STORE], dtype=np.int64)
    keep = sorted_positions(known, stores)[1] if len(known) else np.ones(len(stores), dtype=bool)
    if keep.all():
        return X_cal, y_cal
    new = sorted({int(v) for v in stores[~keep]})
    named = first_and_more(new, MAX_STORES_LISTED)
    if not keep.any():
        raise WindowError(f"no store with sales days in the calibration window ({len(X_cal):,} rows) has sales "
                          f"days before it (store(s) {named}): intervals need the model's errors on stores "
                          "it was fitted on; add older sales days to train.csv or choose a later --until.")
    log.warning("calibration: %d row(s) of %d store(s) with no sales day before the calibration window left out "
                "(store(s) %s); they get the chain's interval width", int((~keep).sum()), len(new), named)
    return X_cal[keep], y_cal[keep]


def _with_prep_refitted(fitted, X: pd.DataFrame, y: np.ndarray):
    """``fitted`` (a Pipeline) with its "prep" step refitted on ``X, y`` and its fitted model step kept."""
    from sklearn.pipeline import Pipeline

    prep = clone(fitted.named_steps["prep"]).fit(as_columns(X), y)
    return Pipeline([("prep", prep), ("model", fitted.named_steps["model"])])


class ConformalRegressor(RegressorMixin, BaseEstimator):
    """Wrap a sales pipeline with a bias correction and split-conformal intervals.

    Parameters
    ----------
    estimator : Pipeline
        An unfitted ``make_pipeline(...)``; cloned twice (calibration fit and final fit).
    levels : tuple of float, default=(0.8, 0.95)
        Nominal coverages calibrated.
    calibration_days : int, default=schema.HORIZON_DAYS (42)
        Length of the calibration window at the end of the fit rows (the forecast horizon).
    scale : {"store", "none"}, default="store"
        Divide log residuals by a per-store scale before taking quantiles.
    shrinkage : float, default=20.0
        Pseudo-count pulling a store's residual variance toward the global one.
    correct_bias : bool, default=False
        Learn the RMSPE-optimal multiplicative correction on the calibration window. Off by
        default: in the rolling-origin backtest the learned factor (0.96..1.01) was noise and made
        RMSPE worse on every fold before the holdout (docs/modeling.md).
    refit : bool or "prep", default=True
        Refit on all rows after calibration (False keeps the calibration-stage model: faster tests).
        "prep" refits only the preprocessing (store statistics, promo phase) on all rows and keeps the
        calibration-stage trees: one tree fit instead of two (docs/modeling.md has what the backtest
        said about it).
    calibration_estimator : estimator, optional
        Fitted (a clone) for the calibration stage instead of ``estimator``, when ``refit=True``: its
        errors on the calibration window set the intervals, ``estimator`` refitted on all rows serves.
        The default pipeline passes one LightGBM model here and serves the average of three seeds: a
        third of the calibration cost, intervals from a slightly less accurate model (a little wider).

    Attributes
    ----------
    estimator_ : the fitted pipeline that serves predictions.
    correction_ : float, multiplicative correction applied to the pipeline's Sales.
    levels_, q_low_, q_high_ : ndarray, the levels and their quantiles of scaled log residuals.
    stores_, store_scale_ : ndarray, per-store residual scale; ``global_scale_`` for other stores.
    calibration_ : dict, window dates, rows and RMSPE of the calibration-stage model.
    """

    def __init__(self, estimator=None, *, levels: Sequence[float] = (0.8, 0.95), calibration_days: int = s.HORIZON_DAYS,
                 scale: str = "store", shrinkage: float = 20.0, correct_bias: bool = False,
                 refit: bool | Literal["prep"] = True, calibration_estimator=None):
        self.estimator = estimator
        self.calibration_estimator = calibration_estimator
        self.levels = levels
        self.calibration_days = calibration_days
        self.scale = scale
        self.shrinkage = shrinkage
        self.correct_bias = correct_bias
        self.refit = refit

    def _check_params(self) -> np.ndarray:
        if self.scale not in ("store", "none"):
            raise ValueError(f"`scale` must be 'store' or 'none'; got {self.scale!r}.")
        days = self.calibration_days
        # int() took 42.5 as 42 and "42" as 42; 0 or fewer days ended in "calibrated intervals need sales days
        # on more than 0 days", which blames the data
        if isinstance(days, bool) or not isinstance(days, numbers.Integral) or days < 1:
            raise ValueError(f"`calibration_days` must be a whole number of days >= 1 (the forecast horizon, "
                             f"{s.HORIZON_DAYS}); got {days!r}.")
        k = self.shrinkage
        # a pseudo-count: a negative one made some stores' variance negative or divided by zero (NaN intervals)
        if isinstance(k, bool) or not isinstance(k, numbers.Real) or not math.isfinite(k) or k < 0:
            raise ValueError("`shrinkage` must be a finite number >= 0 (calibration rows' worth of the chain's "
                             f"residual variance added to each store's; 0: none); got {k!r}.")
        levels = np.asarray(self.levels, dtype=float)
        if levels.size == 0 or ((levels <= 0) | (levels >= 1)).any():
            raise ValueError(f"`levels` must lie strictly between 0 and 1; got {self.levels}.")
        return levels

    def fit(self, X: pd.DataFrame, y, progress: Callable[[str], None] | None = None, *,
            schedule: pd.DataFrame | None = None) -> ConformalRegressor:
        """Fit up to cut - calibration_days, calibrate on the rest, then refit on all rows.

        ``progress`` is an optional callable(str) told about each stage (CLI progress bars).
        ``schedule``: every row of the fit period, open and closed (``training.schedule_rows``). Each stage reads
        the stores' schedules from it as serving reads a request: the calibration-stage fit from its days, the
        calibration window from its own, the final fit from all (None: from ``X``, the sales days alone).
        """
        self._check_params()
        if self.calibration_estimator is not None and self.refit is not True:
            raise ValueError("`calibration_estimator` needs refit=True: the calibration-stage model must not serve.")
        say = progress or (lambda _msg: None)
        y = np.asarray(y, dtype=float)
        days = to_days(X[s.DATE])
        # train.csv's dates can span enough while its sales days (open, Sales > 0) do not
        check_sales_span(len(days), int(days.min()) if len(days) else None, int(days.max()) if len(days) else None,
                         int(self.calibration_days))
        early = days <= days.max() - int(self.calibration_days)
        X_first, X_cal = X[early], X[~early]
        if schedule is not None and (step := schedule_step(self.estimator)) is not None:
            before = to_days(schedule[s.DATE]) <= days.max() - int(self.calibration_days)
            X_first = with_schedule(X_first, schedule[before], step)
            X_cal = with_schedule(X_cal, schedule[~before], step)
            X = with_schedule(X, schedule, step)
        say(f"fit on all but the last {int(self.calibration_days)} days, to measure the forecast error")
        stage = self.estimator if self.calibration_estimator is None else self.calibration_estimator
        # the pipelines are fitted on columns, not the frame: the feature steps then pass them on without
        # building a DataFrame per step (the same features, one copy of the training set less per step)
        first = clone(stage).fit(as_columns(X_first), y[early])
        final = None
        if self.refit == "prep":
            say("refit the preprocessing on all rows, keep the trees")
            final = _with_prep_refitted(first, X, y)
        elif self.refit:
            say("refit on all days: the model that forecasts")
            final = clone(self.estimator).fit(as_columns(X), y)
        return self.calibrate(first, X_cal, y[~early], final)

    def calibrate(self, first, X_cal: pd.DataFrame, y_cal, final=None) -> ConformalRegressor:
        """Calibrate from models fitted elsewhere; ``fit`` calls it too.

        The rolling-origin backtest uses it to reuse one fold's model as the next fold's
        calibration-stage model (folds are one horizon apart), halving the number of fits.

        Parameters
        ----------
        first : fitted pipeline, fitted on rows before ``X_cal``'s window only.
        X_cal, y_cal : the calibration window (open days with Sales > 0).
        final : fitted pipeline that will serve; None serves ``first``.
        """
        levels = self._check_params()
        X_cal, y_cal = _known_rows(first, X_cal, np.asarray(y_cal, dtype=float))
        pred = first.predict(X_cal)
        factor = rmspe_factor(y_cal, pred)
        self.correction_ = factor if self.correct_bias else 1.0
        resid = np.log(y_cal) - np.log(np.maximum(self.correction_ * pred, 1e-9))
        stores = np.asarray(X_cal[s.STORE], dtype=np.int64)
        self._fit_scale(stores, resid)
        z = resid / self._scale_of(stores)
        n = len(z)
        self.levels_ = levels
        self.q_low_, self.q_high_ = conformal_bounds(z, levels)
        days = to_days(X_cal[s.DATE])
        self.calibration_ = {
            "start": str(np.datetime64(int(days.min()), "D")),
            "end": str(np.datetime64(int(days.max()), "D")),
            "rows": int(n), "rmspe": float(np.sqrt(np.mean((1 - self.correction_ * pred / y_cal) ** 2))),
            "rmspe_uncorrected": float(np.sqrt(np.mean((1 - pred / y_cal) ** 2))),
            "factor": factor,
        }
        self.estimator_ = final if final is not None else first
        self.n_features_in_ = X_cal.shape[1]
        return self

    def _fit_scale(self, stores: np.ndarray, resid: np.ndarray) -> None:
        centred = resid - np.median(resid)
        self.global_scale_ = float(np.sqrt(np.mean(centred**2)))
        frame = pd.DataFrame({"store": stores, "sq": centred**2})
        g = frame.groupby("store")["sq"].agg(["sum", "count"])
        k = float(self.shrinkage)
        var = (g["sum"] + k * self.global_scale_**2) / (g["count"] + k)
        self.stores_ = g.index.to_numpy(dtype=np.int64)
        self.store_scale_ = np.sqrt(var.to_numpy(dtype=float))

    def _scale_of(self, stores: np.ndarray) -> np.ndarray:
        """Each row's store scale relative to the chain's; 1 where a scale of 0 would divide by zero.

        Why: residuals without spread (one calibration row, or a store's one row at the chain's median
        with ``shrinkage=0``) have a scale of 0, and 0 / 0 made every quantile and interval NaN, silently.
        """
        if self.scale == "none" or len(self.stores_) == 0 or not self.global_scale_ > 0:
            return np.ones(len(stores))
        pos, known = sorted_positions(self.stores_, stores)
        scale = np.where(known, self.store_scale_[pos], self.global_scale_)
        return np.where(scale > 0, scale, self.global_scale_) / self.global_scale_

    def predict(self, X: pd.DataFrame | Mapping[str, np.ndarray]) -> np.ndarray:
        """Bias-corrected Sales for open rows."""
        check_is_fitted(self)
        return self.correction_ * pipeline_predict(self.estimator_, X)

    def predict_interval(self, X: pd.DataFrame | Mapping[str, np.ndarray], level: float = 0.8):
        """(point, lower, upper) at a calibrated ``level``; ``X`` is a test-shaped frame or its columns."""
        check_is_fitted(self)
        # np.isclose's test (rtol 1e-5, atol 1e-8) in plain Python: a ufunc call per request costs more
        hit = [i for i, lv in enumerate(self.levels_.tolist()) if abs(lv - level) <= 1e-8 + 1e-5 * abs(level)]
        if not hit:
            raise ValueError(f"`level` {level} was not calibrated; choose one of {list(self.levels_)}.")
        point = self.predict(X)
        scale = self._scale_of(np.asarray(X[s.STORE], dtype=np.int64))
        lower = point * np.exp(self.q_low_[hit[0]] * scale)
        upper = point * np.exp(self.q_high_[hit[0]] * scale)
        return point, lower, upper
