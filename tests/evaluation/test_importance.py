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
