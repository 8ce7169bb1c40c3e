"""Shared helpers of the tree-model tests (test_features, test_evaluation, test_trees, test_lstm_windows, ...).

``fit_small`` fits a tiny model in seconds on the conftest ``dataset`` (12 synthetic stores, 2013..2014).
"""

from __future__ import annotations

# one seed: the average of seeds (models.trees.LGBM_SEEDS) has its own tests in test_trees.py
SMALL_LGBM = {"n_estimators": 30, "num_leaves": 15, "learning_rate": 0.2, "n_jobs": 1, "seeds": 1}


def poisoned_after(train, cut):
    """A copy of ``train`` whose rows after ``cut`` are nonsense (Sales x 7 + 13, Customers 1).

    A model fitted up to ``cut`` on it must equal one fitted on the clean rows: nothing later leaks in.
    """
    from storecast import schema as s

    train = train.copy()
    after = train[s.DATE] > cut
    train.loc[after, s.SALES] = train.loc[after, s.SALES] * 7 + 13
    train.loc[after, s.CUSTOMERS] = 1
    return train


def fit_small(ds, kind: str = "lgbm", **kwargs):
    """A ConformalRegressor on ``ds`` up to 43 days before its end, with a tiny forest (seconds)."""
    import pandas as pd

    from storecast.models.training import fit_model, training_rows

    until = ds.train["Date"].max() - pd.Timedelta(days=43)
    X, y = training_rows(ds.train, ds.store, until)
    params = SMALL_LGBM if kind == "lgbm" else {"n_estimators": 10, "n_jobs": 1}
    return fit_model(X, y, kind=kind, **{**params, **kwargs}), until
