"""Feature importance: the rows it permutes carry the features the model scored them with."""

from __future__ import annotations

import numpy as np
import pandas as pd
import sklearn.inspection

from storecast import schema as s
from storecast.evaluation.importance import feature_importance
from storecast.features import as_columns


def _key(row: np.ndarray) -> bytes:
    return np.nan_to_num(row, nan=-1e300).tobytes()


def test_a_sample_of_rows_keeps_the_features_built_from_all_of_them(small_fit, dataset, monkeypatch):
    """Rows beyond ``max_rows`` are sampled after the features are built, never before.

    Why: a row's schedule features (closure_ahead_days, reopened_days...) read the other rows of its store,
    so a sample built its own: the days left out read as closures, and the permuted matrix held features
    the model never scored those rows with (on the synthetic holdout ~80 of 100 sampled rows differed).
    """
    model, until = small_fit
    window = dataset.train[(dataset.train[s.DATE] > until)
                           & (dataset.train[s.DATE] <= until + pd.Timedelta(days=42))]
    rows = window[(window[s.OPEN] == 1) & (window[s.SALES] > 0)]
    prep = model.estimator_.named_steps["prep"]
    full = prep.transform(as_columns(rows.drop(columns=[s.SALES, s.CUSTOMERS])))
    scored = {_key(z): sales for z, sales in zip(full, rows[s.SALES].to_numpy(dtype=float), strict=True)}
    seen = {}
    real = sklearn.inspection.permutation_importance

    def spy(est, X, y, **kwargs):
        seen["X"], seen["y"] = X, y
        return real(est, X, y, **kwargs)

    monkeypatch.setattr(sklearn.inspection, "permutation_importance", spy)
    table = feature_importance(model, rows, max_rows=60, n_repeats=1)

    assert seen["X"].shape == (60, full.shape[1]) and len(table) == full.shape[1]
    assert [scored.get(_key(z)) for z in seen["X"]] == list(seen["y"])  # each row as scored, with its own Sales


def test_the_backtest_permutes_the_holdout_with_the_schedule_it_was_forecast_with(small_fit, dataset, monkeypatch,
                                                                                   tmp_path):
    """The backtest's importance reads each store's schedule from every holdout row, as the window was served.

    Store 2 was open and sold nothing on a Friday and Saturday of the holdout (a stock-take, say); store 3 closed
    for the holdout's first 4 days. Read from the sales days alone, the open days with Sales 0 and the Sunday
    after them were a 3-day closure, and store 3's closure at the window's edge was lost: the importance
    permuted features the holdout was never forecast with.
    """
    from storecast.evaluation import backtest as bt
    from storecast.evaluation import importance
    from storecast.features.schedule import SCHEDULE_FEATURES
    from storecast.windows import Fold

    model, until = small_fit
    train = dataset.train.copy()
    day = train[s.DATE]
    holdout = Fold("holdout", until, until + pd.Timedelta(days=42))
    fri = day[(day.dt.day_of_week == 4) & (day > until + pd.Timedelta(days=7))].min()
    train.loc[(train[s.STORE] == 2) & day.isin([fri, fri + pd.Timedelta(days=1)]), s.SALES] = 0
    shut = (train[s.STORE] == 3) & (day > until) & (day <= until + pd.Timedelta(days=4))
    train.loc[shut, [s.OPEN, s.SALES, s.CUSTOMERS]] = 0
    seen = {}

    def spy(fitted, rows, **kwargs):
        seen["rows"] = rows
        return pd.DataFrame({"feature": ["a"], "impurity": [0.0], "permutation_mean": [0.0],
                             "permutation_std": [0.0]})

    monkeypatch.setattr(importance, "feature_importance", spy)
    monkeypatch.setattr(importance, "plot_importance", lambda table, path: None)
    window = train[holdout.in_window(train[s.DATE])]
    bt._write_importance(tmp_path, model, bt._Scoped(dataset, train), holdout, window)

    prep = model.estimator_.named_steps["prep"]
    permuted = prep.named_steps["schedule"].transform(as_columns(seen["rows"].drop(columns=[s.SALES, s.CUSTOMERS])))
    # what serving reads for the window's rows sent as a planner sends them (every day, open and closed)
    asked = prep.named_steps["schedule"].transform(as_columns(window.drop(columns=[s.SALES, s.CUSTOMERS])))
    at = {(st, d): i for i, (st, d) in enumerate(zip(window[s.STORE], window[s.DATE], strict=True))}
    pos = [at[(st, d)] for st, d in zip(seen["rows"][s.STORE], seen["rows"][s.DATE], strict=True)]
    for name in SCHEDULE_FEATURES:
        np.testing.assert_array_equal(np.asarray(permuted[name]), np.asarray(asked[name])[pos], err_msg=name)
