"""Shared helpers of the tree-model tests (imported by test_features, test_evaluation, test_trees, ...).

``get_dataset`` is the conftest ``dataset`` (12 synthetic stores, 2013..2014); ``fit_small`` fits a tiny
model on it in seconds.
"""

from __future__ import annotations

import pytest

# one seed: the average of seeds (models.trees.LGBM_SEEDS) has its own tests in test_trees.py
SMALL_LGBM = {"n_estimators": 30, "num_leaves": 15, "learning_rate": 0.2, "n_jobs": 1, "seeds": 1}


def get_dataset(request: pytest.FixtureRequest):
    """The session's synthetic dataset (the conftest ``dataset`` fixture)."""
    return request.getfixturevalue("dataset")


def fit_small(ds, kind: str = "lgbm", **kwargs):
    """A ConformalRegressor on ``ds`` up to 43 days before its end, with a tiny forest (seconds)."""
    import pandas as pd

    from storecast.models.training import fit_model, training_rows

    until = ds.train["Date"].max() - pd.Timedelta(days=43)
    X, y = training_rows(ds.train, ds.store, until)
    params = SMALL_LGBM if kind == "lgbm" else {"n_estimators": 10, "n_jobs": 1}
    return fit_model(X, y, kind=kind, **{**params, **kwargs}), until
