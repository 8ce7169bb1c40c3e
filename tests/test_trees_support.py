"""Shared helpers of the tree-model tests (imported by test_features*, test_evaluation*, ...).

``tree_dataset`` is the conftest ``dataset`` (12 synthetic stores, 2013..2014). Until the synthetic
generator lands it falls back to the same shape cut from the real Rossmann files when they are on
this machine, and skips otherwise.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

REAL = Path("/work/shared/rossmann")
# one seed: the average of seeds (models.trees.LGBM_SEEDS) has its own tests in test_trees.py
SMALL_LGBM = {"n_estimators": 30, "num_leaves": 15, "learning_rate": 0.2, "n_jobs": 1, "seeds": 1}


def get_dataset(request: pytest.FixtureRequest):
    """The synthetic dataset, or a 12-store real slice while the generator is not there yet."""
    try:
        import storecast.data.synthetic  # noqa: F401
    except ImportError:
        if not (REAL / "train.csv").is_file():
            pytest.skip("storecast.data.synthetic not available yet and no real data here")
        import pandas as pd

        from storecast.data.contract import load_dataset

        ds = load_dataset(REAL)
        stores = list(range(1, 13))
        train = ds.train[ds.train["Store"].isin(stores) & (ds.train["Date"] <= pd.Timestamp("2014-12-31"))]
        test = ds.test[ds.test["Store"].isin(stores)] if ds.test is not None else None
        return dataclasses.replace(ds, train=train.reset_index(drop=True),
                                   store=ds.store[ds.store["Store"].isin(stores)].reset_index(drop=True),
                                   test=test)
    return request.getfixturevalue("dataset")


def test_support_dataset_shape(request: pytest.FixtureRequest) -> None:
    ds = get_dataset(request)
    assert ds.train["Store"].nunique() >= 10
    assert {"Store", "Date", "Sales", "Open", "Promo"} <= set(ds.train.columns)


def fit_small(ds, kind: str = "lgbm", **kwargs):
    """A ConformalRegressor on ``ds`` up to 43 days before its end, with a tiny forest (seconds)."""
    import pandas as pd

    from storecast.models.training import fit_model, training_rows

    until = ds.train["Date"].max() - pd.Timedelta(days=43)
    X, y = training_rows(ds.train, ds.store, until)
    params = SMALL_LGBM if kind == "lgbm" else {"n_estimators": 10, "n_jobs": 1}
    return fit_model(X, y, kind=kind, **{**params, **kwargs}), until
