"""Input handling shared by the column-wise cleaning transformers: DataFrames as-is, numeric arrays wrapped.

Column-wise transformers (`ColumnImputer`, `OutlierHandler`) work on named columns, but nothing in
what they do needs names, so they also take plain numeric arrays (columns ``x0, x1, ...``, as
scikit-learn names them). That keeps them usable after a `ColumnTransformer` that outputs arrays and
lets `sklearn.utils.estimator_checks` test the whole estimator contract on them.
"""

from __future__ import annotations

__all__ = ["AllowNaNMixin", "as_frame", "output_like", "require_columns"]

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import validate_data


class AllowNaNMixin:
    """Tell scikit-learn that NaN is allowed in the input: filling or skipping it is the point.

    Put it before `BaseEstimator` in the bases, as scikit-learn's own mixins go.
    """

    def __sklearn_tags__(self):
        """The tags of the next class in the bases, with ``input_tags.allow_nan`` set."""
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags


def as_frame(est: BaseEstimator, X: object, *, reset: bool) -> tuple[pd.DataFrame, bool]:
    """Check ``X`` against what ``est`` saw at fit and return it as a DataFrame, plus "was it an array".

    A DataFrame is not converted (its dtypes matter: categories, text) and not copied; only its
    column names and count are checked (set at fit when ``reset``). Anything else goes through
    scikit-learn's `validate_data`: 2-D, numeric, finite or NaN, dense.
    """
    if isinstance(X, pd.DataFrame):
        if reset and (X.shape[0] == 0 or X.shape[1] == 0):
            raise ValueError(f"{type(est).__name__} needs at least one row and one column; got shape {X.shape}.")
        validate_data(est, X, reset=reset, skip_check_array=True)
        return X, False
    arr = validate_data(est, X, reset=reset, dtype="numeric", ensure_all_finite="allow-nan")
    fitted_names = getattr(est, "feature_names_in_", None)
    if not reset and fitted_names is not None and len(fitted_names) == arr.shape[1]:
        names = [str(n) for n in fitted_names]  # fitted on a frame, now given its values (sklearn warns)
    else:
        names = [f"x{i}" for i in range(arr.shape[1])]
    return pd.DataFrame(np.asarray(arr, dtype=float), columns=names), True


def output_like(out: pd.DataFrame, was_array: bool) -> pd.DataFrame | np.ndarray:
    """Give back what came in: an array for an array, a DataFrame for a DataFrame."""
    return out.to_numpy(dtype=float) if was_array else out


def require_columns(X: pd.DataFrame, columns: tuple[str, ...] | list[str], who: str) -> None:
    """Raise a ValueError naming every missing column at once."""
    missing = [c for c in columns if c not in X.columns]
    if missing:
        raise ValueError(f"{who}: columns {missing} are missing; got columns {list(X.columns)}.")
