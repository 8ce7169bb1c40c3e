"""The store's seasonal profile (``hist_month``) is cross-fitted: fit rows read it from other years' sales.

Why: fitted on 2.5 years, a fit row's own month made up a half to a third of its store's profile for that time
of year (all of it where only one year covered the month), while a served row's profile comes from earlier years
only, so the trees learned to trust the profile more than it deserves on unseen weeks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from storecast import schema as s
from storecast.features import as_columns
from storecast.features.build import FEATURES, make_preprocessor
from storecast.features.history import StoreHistory
from storecast.models import trees
from storecast.models.training import training_rows
from trees_support import fit_small

MONTH = FEATURES.index("hist_month")


@pytest.fixture(scope="module")
def fit_rows(dataset):
    """The synthetic chain's sales days up to 43 days before its end (two calendar years and more)."""
    until = dataset.train[s.DATE].max() - pd.Timedelta(days=43)
    X, y = training_rows(dataset.train, dataset.store, until)
    return dataset, X, np.asarray(y, dtype=float), until


def _two_years(spike: float = 0.5) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Store 1, every day of 2013-01..2014-11: log sales 8, January 2014 ``spike`` higher, no December 2014."""
    days = pd.date_range("2013-01-01", "2014-11-30")
    log = np.where((days.year == 2014) & (days.month == 1), 8.0 + spike, 8.0)
    X = pd.DataFrame({s.STORE: 1, s.DATE: days, s.PROMO: 0, s.SCHOOL_HOLIDAY: 0, s.CUSTOMERS: 100})
    return X, np.expm1(log), log


def test_a_fit_row_reads_its_month_from_the_other_years_and_a_served_row_from_all():
    """Calendar months (``season_days=None``): January 2013's fit rows get January 2014's level and the reverse;
    a served January day gets both Januaries; December 2013, the only December, gets NaN (no other year)."""
    X, y, log = _two_years()
    history = StoreHistory(season_days=None)
    fit = history.fit_transform(X, y)["hist_month"].to_numpy()
    served = history.transform(X)["hist_month"].to_numpy()
    centred = log - log.mean()
    jan13, jan14 = (X[s.DATE].dt.year == 2013) & (X[s.DATE].dt.month == 1), (X[s.DATE].dt.year == 2014) & (
        X[s.DATE].dt.month == 1)
    assert fit[jan13.to_numpy()] == pytest.approx(centred[jan14.to_numpy()].mean())
    assert fit[jan14.to_numpy()] == pytest.approx(centred[jan13.to_numpy()].mean())
    assert served[jan13.to_numpy()] == pytest.approx(centred[(jan13 | jan14).to_numpy()].mean())
    assert np.isnan(fit[(X[s.DATE].dt.month == 12).to_numpy()]).all()
    assert not np.isnan(served).any()
    # cross_fit=False is the profile before: a fit row's value is the served one, its own sales included
    plain = StoreHistory(season_days=None, cross_fit=False)
    np.testing.assert_array_equal(plain.fit_transform(X, y)["hist_month"].to_numpy(), served)


def test_the_default_profile_is_a_window_of_days_from_the_other_years():
    """``season_days=7`` (the default): the mean residual log sales (net of the store mean and weekday profile)
    of the days within 7 days of the row's day of year, from the other years for a fit row, from all years for
    a served one; a second store with other sales leaves the first store's values alone."""
    X, y, log = _two_years()
    other = X.assign(**{s.STORE: 2})
    both = pd.concat([X, other], ignore_index=True)
    history = StoreHistory()
    assert history.season_days == 7
    fit = history.fit_transform(both, np.concatenate([y, y[::-1]]))["hist_month"].to_numpy()[:len(X)]
    served = history.transform(X)["hist_month"].to_numpy()
    # the reference, row by row: residuals of store 1, then the window's mean over other years (or all)
    dates = X[s.DATE]
    centred = pd.Series(log - log.mean())
    residual = centred - centred.groupby(dates.dt.day_of_week.to_numpy()).transform("mean")
    day = dates.dt.day_of_year.to_numpy() - 1  # 2013 and 2014 are common years
    for i in (0, 14, 20, 200, 333, 364):  # 2013-01-01, -01-15, -01-21, -07-20, -11-30, -12-31
        near = np.minimum(np.abs(day - day[i]), 365 - np.abs(day - day[i])) <= history.season_days
        others = near & (dates.dt.year != dates.dt.year[i]).to_numpy()
        assert fit[i] == pytest.approx(residual[others].mean()), dates[i]
        assert served[i] == pytest.approx(residual[near].mean()), dates[i]
    assert np.isnan(fit[dates.dt.strftime("%m-%d").eq("12-16").to_numpy()]).all()  # 2014 ends on 30 November


def test_a_model_is_fitted_on_the_cross_fitted_profile_and_serves_the_full_one(fit_rows, monkeypatch):
    """What the trees read: the final fit's matrix holds the fit rows' cross-fitted ``hist_month``; the same
    rows served through the fitted model read the profile of all years; every other column is the same."""
    ds, X, y, _ = fit_rows
    seen: list[np.ndarray] = []
    real_fit = trees.SalesRegressor.fit
    monkeypatch.setattr(trees.SalesRegressor, "fit", lambda self, M, t, **kw: seen.append(M) or real_fit(
        self, M, t, **kw))
    model, until = fit_small(ds)
    trained = seen[-1]  # the final fit's (the calibration stage's comes first)
    served = model.estimator_.named_steps["prep"].transform(as_columns(X))
    assert trained.shape == served.shape == (len(X), len(FEATURES))
    others = np.arange(len(FEATURES)) != MONTH
    np.testing.assert_array_equal(trained[:, others], served[:, others])
    np.testing.assert_array_equal(trained, make_preprocessor().fit_transform(as_columns(X), y))
    differ = ~np.isclose(trained[:, MONTH], served[:, MONTH], equal_nan=True)
    assert differ.mean() > 0.5


def test_the_dask_engines_partition_of_whole_stores_gets_the_chains_fit_row_values(fit_rows):
    """``fit_rows`` reads only the rows it is given: a part of the chain made of whole stores gets the values
    one fit on the chain gives its rows (what the Dask engine's store partitions rely on)."""
    _, X, y, _ = fit_rows
    prep = make_preprocessor()
    chain = prep.fit_transform(as_columns(X), y)
    part = (X[s.STORE] <= X[s.STORE].median()).to_numpy()
    head = prep[:-2].transform(as_columns(X[part]))
    rows = prep.named_steps["history"].fit_rows(head, y[part])
    np.testing.assert_array_equal(prep.named_steps["matrix"].transform(rows), chain[part])


@pytest.mark.parametrize(("param", "value"), [("season_days", -1), ("season_days", 1.5), ("season_days", 183),
                                              ("cross_fit", "yes")])
def test_a_bad_season_setting_is_refused_naming_it(fit_rows, param, value):
    _, X, y, _ = fit_rows
    with pytest.raises(ValueError, match=f"`{param}` must be"):
        StoreHistory(**{param: value}).fit(X, y)


def test_fit_rows_without_sales_is_told_that_y_is_required_as_fit_is():
    """Was a TypeError, "len() of unsized object", from deep inside the cross-fit, naming neither y nor Sales."""
    X, y, _ = _two_years()
    history = StoreHistory().fit(X, y)
    with pytest.raises(ValueError, match=r"StoreHistory requires y to be passed.*`y` \(Sales\)"):
        history.fit_rows(X, None)


@pytest.mark.parametrize("season_days", [15, None])
def test_fit_transform_reads_the_sales_days_once_and_equals_fit_then_fit_rows(fit_rows, monkeypatch, season_days):
    """A Pipeline's fit calls ``fit_transform``: its cross-fit takes the fit's sales days and yearly profile sums
    of the same rows instead of working them out again (a quarter of its time on the full data), bit for bit."""
    import storecast.features.history as history

    _, X, y, _ = fit_rows
    want = StoreHistory(season_days=season_days).fit(X, y).fit_rows(X, y)
    calls: list[str] = []
    for name in ("_sales_days", "_season_sums"):
        real = getattr(history, name)
        monkeypatch.setattr(history, name, lambda *a, _real=real, _name=name: (calls.append(_name), _real(*a))[1])
    got = StoreHistory(season_days=season_days).fit_transform(X, y)
    assert calls == ["_sales_days"] + (["_season_sums"] if season_days else [])  # the fit's, once each
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got["hist_month"].to_numpy().tobytes() == want["hist_month"].to_numpy().tobytes()
