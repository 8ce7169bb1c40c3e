"""ConformalRegressor: its arguments (stored as given, checked at fit) and intervals that stay finite."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from storecast import schema as s
from storecast.models.conformal import ConformalRegressor
from storecast.models.trees import make_pipeline

_ROWS = pd.DataFrame({s.STORE: [1, 1], s.DATE: pd.to_datetime(["2015-01-01", "2015-03-01"])})


@pytest.mark.parametrize(("argument", "value", "said"), [
    # 0 or fewer days: was "calibrated intervals need sales days on more than 0 days", blaming the data
    ("calibration_days", 0, "`calibration_days` must be a whole number of days >= 1"),
    ("calibration_days", -7, "`calibration_days` must be a whole number of days >= 1"),
    # was taken as 42 by int(), without a word
    ("calibration_days", 42.5, "`calibration_days` must be a whole number of days >= 1"),
    ("calibration_days", "42", "`calibration_days` must be a whole number of days >= 1"),
    ("calibration_days", True, "`calibration_days` must be a whole number of days >= 1"),
    # a pseudo-count: negative made a store's variance negative (NaN intervals), inf and NaN made every one NaN
    ("shrinkage", -1.0, "`shrinkage` must be a finite number >= 0"),
    ("shrinkage", math.inf, "`shrinkage` must be a finite number >= 0"),
    ("shrinkage", math.nan, "`shrinkage` must be a finite number >= 0"),
    ("shrinkage", "20", "`shrinkage` must be a finite number >= 0"),
])
def test_a_bad_argument_is_refused_at_fit_naming_it(argument, value, said):
    model = ConformalRegressor(make_pipeline("rf"), **{argument: value})  # stored as given: clone() must work
    assert clone(model).get_params()[argument] is value
    with pytest.raises(ValueError, match=f"{said} .*; got {value!r}"):
        model.fit(_ROWS, [100.0, 120.0])


@pytest.mark.parametrize(("argument", "value"), [("calibration_days", 1), ("shrinkage", 0), ("shrinkage", 0.5)])
def test_edge_values_are_accepted(argument, value):
    model = ConformalRegressor(make_pipeline("rf"), **{argument: value})
    model._check_params()


class _Fixed:
    """A fitted stand-in for a pipeline: predicts ``Sales`` = 100 for every row."""

    def predict(self, X) -> np.ndarray:
        return np.full(len(X[s.STORE]), 100.0)


@pytest.mark.parametrize(("stores", "sales", "shrinkage"), [
    ([1], [110.0], 20.0),  # one calibration row: no spread at all
    ([1, 1, 2], [90.0, 110.0, 100.0], 0.0),  # store 2's one row is the chain's median: its own scale is 0
])
def test_residuals_without_spread_give_finite_intervals_not_nan(stores, sales, shrinkage):
    """A scale of 0 was divided by: every quantile, and so every served interval, was NaN without a word."""
    rows = pd.DataFrame({s.STORE: stores, s.DATE: pd.Timestamp("2015-03-01")})
    model = ConformalRegressor(_Fixed(), shrinkage=shrinkage).calibrate(_Fixed(), rows, sales)
    assert np.isfinite(model.q_low_).all() and np.isfinite(model.q_high_).all()
    point, lower, upper = model.predict_interval(rows, level=0.8)
    assert np.isfinite(point).all() and np.isfinite(lower).all() and np.isfinite(upper).all() and (lower <= upper).all()


def test_an_80_percent_interval_from_19_calibration_rows_runs_from_the_2nd_to_the_18th_smallest_error():
    """Split-conformal's guarantee rests on order statistics: with n = 19 scores and alpha = 0.2 the bounds are the
    floor(20 * 0.1) = 2nd and ceil(20 * 0.9) = 18th smallest. The old code read 0.0195 and 0.1805: in floats
    20 * (1 - 0.8) / 2 is 1.9999999999999996, floored to the 1st, and np.quantile's linear interpolation then read
    between two scores on either side."""
    errors = np.arange(1, 20) / 100  # log(Sales / forecast) of each calibration row, 0.01 .. 0.19
    rows = pd.DataFrame({s.STORE: 1, s.DATE: pd.date_range("2015-03-01", periods=19)})
    model = ConformalRegressor(_Fixed(), scale="none", levels=(0.8, 0.9))
    model.calibrate(_Fixed(), rows, 100 * np.exp(errors))
    np.testing.assert_allclose(model.q_low_, [0.02, 0.01])  # 0.9: floor(20 * 0.05) = the 1st smallest
    np.testing.assert_allclose(model.q_high_, [0.18, 0.19])  # and ceil(20 * 0.95) = the 19th
    point, lower, upper = model.predict_interval(rows.head(1), level=0.8)
    np.testing.assert_allclose([lower[0], upper[0]], 100 * np.exp([0.02, 0.18]))
