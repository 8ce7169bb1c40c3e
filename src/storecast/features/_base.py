"""Shared plumbing of the feature transformers: a DataFrame in, the same DataFrame plus this step's columns
out, as every transformer of storecast does; inside the preprocessor a dict of column arrays instead (the
fast path, see ``AddColumnsTransformer``)."""

from __future__ import annotations

__all__ = ["AddColumnsTransformer", "FeatureColumns", "as_columns", "check_fitted", "numeric"]

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from storecast import schema as s


class FeatureColumns(dict):
    """A plain ``dict`` of column arrays, marked as checked: what the feature steps pass between them.

    A step takes it as it is (no per-column conversion) and returns one: steps never modify their input,
    and every value is a numpy array of the rows' length.
    """


def _column_values(column: pd.Series) -> np.ndarray:
    """``column.to_numpy()``, with categoricals taken from their codes (same values, ~8x cheaper).

    A categorical's ``to_numpy`` goes through its (Arrow-backed) categories' ``take``, which is
    about 45 us even for one row, most of a single-row request's column extraction.
    """
    if isinstance(column.dtype, pd.CategoricalDtype) and pd.api.types.is_string_dtype(column.dtype.categories):
        codes = column.array.codes
        values = np.asarray(column.dtype.categories, dtype=object).take(codes)
        if (codes < 0).any():
            values[codes < 0] = np.nan  # what Categorical.to_numpy gives for a missing value
        return values
    return column.to_numpy()


def as_columns(X) -> FeatureColumns:
    """A DataFrame or mapping as ``FeatureColumns``: the feature steps' fast path (a step's output as it is).

    Why callers convert once: fed ``FeatureColumns``, every feature step returns ``FeatureColumns`` and the
    preprocessor builds no DataFrame between its steps (milliseconds for one row, a copy of every column for
    a training set); fed a DataFrame, each step returns a DataFrame, the transformers' public convention.
    """
    if type(X) is FeatureColumns:
        return X
    if isinstance(X, pd.DataFrame):
        return FeatureColumns({str(c): _column_values(X[c]) for c in X.columns.tolist()})
    if isinstance(X, Mapping) and not sparse.issparse(X):  # a dok sparse matrix is a dict
        return FeatureColumns({str(k): np.asarray(v) for k, v in X.items()})
    kind = " (sparse input is not supported)" if sparse.issparse(X) else ""
    raise TypeError(f"`X` must be a pandas DataFrame with named columns; got {type(X).__name__}{kind}.")


def numeric(X: Mapping, name: str) -> np.ndarray:
    """Column ``name`` as float64 (NaN where missing or non-numeric; all-NaN when absent)."""
    if name not in X:
        return np.full(len(next(iter(X.values()))), np.nan)
    values = np.asarray(X[name])
    if values.dtype.kind in "biuf":
        return values.astype(float)
    return pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)


def check_fitted(step: BaseEstimator) -> None:
    """sklearn's ``check_is_fitted``, skipped once ``fit`` has recorded ``n_features_in_``.

    Why: every feature step checks on every call, and sklearn's check (a tags lookup) costs about 10 us,
    which adds up over the pipeline's steps for a one-row request. An unfitted step still gets
    sklearn's ``NotFittedError``, worded by sklearn.
    """
    if not hasattr(step, "n_features_in_"):
        check_is_fitted(step)


class AddColumnsTransformer(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):  # type: ignore[call-arg]
    """Base: ``transform`` returns the input columns plus the columns built by ``_features``.

    The convention of every storecast transformer: a DataFrame in, a DataFrame out (same index, the input's
    columns first, then ``get_feature_names_out``'s added ones). The fast path: ``FeatureColumns`` (or any
    mapping of column arrays) in, ``FeatureColumns`` out, the same values without a DataFrame per step,
    which costs milliseconds for one row; the model's entry points (``models.trees.pipeline_predict``,
    ``ConformalRegressor.fit``) convert their rows once with ``as_columns``. sklearn's ``set_output``
    wrapper is off (``auto_wrap_output_keys=None``): the output already has the kind of its input.

    Every feature is computed from the row itself and from fitted attributes; the one exception,
    ``schedule.StoreSchedule``, also reads the rows of the same store (its closures), never other
    stores' rows, so a store's rows predict exactly as they do inside any batch, in any order.
    """

    def _check_frame(self, X, needed: tuple[str, ...]) -> dict[str, np.ndarray]:
        cols = as_columns(X)  # a step's output is used as is
        missing = [c for c in needed if c not in cols]
        if missing:
            raise ValueError(f"`X` lacks column(s) {missing}; expected test-shaped rows (see schema).")
        return cols

    def __sklearn_tags__(self):
        """NaN is allowed in the input: missing store attributes and flags pass through as NaN."""
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def _remember_input(self, X: Mapping) -> None:
        """Record the fit columns (sklearn's ``feature_names_in_``); a fit on zero rows is refused."""
        if len(next(iter(X.values()))) == 0:
            raise ValueError("`X` has 0 rows; fitting needs at least one row.")
        self.feature_names_in_ = np.asarray(list(X), dtype=object)
        self.n_features_in_ = len(self.feature_names_in_)

    def _features(self, X: dict[str, np.ndarray]) -> dict[str, np.ndarray]:  # pragma: no cover
        raise NotImplementedError

    def transform(self, X) -> pd.DataFrame | FeatureColumns:
        """The columns of ``X`` plus this step's feature columns (existing ones replaced), of ``X``'s kind.

        A DataFrame gives a DataFrame (its index and column dtypes kept); a mapping of columns gives
        ``FeatureColumns`` with the same values.
        """
        check_fitted(self)
        cols = self._check_frame(X, (s.STORE, s.DATE))
        added = self._features(cols)
        if isinstance(X, pd.DataFrame):
            return _with_columns(X, added)
        return FeatureColumns({**cols, **added})

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Input column names followed by this step's added names."""
        check_is_fitted(self)
        base = list(self.feature_names_in_ if input_features is None else input_features)
        added = [c for c in self._added_names() if c not in base]
        return np.asarray(base + added, dtype=object)

    def _added_names(self) -> list[str]:  # pragma: no cover - abstract
        raise NotImplementedError


def _with_columns(frame: pd.DataFrame, added: dict[str, np.ndarray]) -> pd.DataFrame:
    """``frame`` with ``added`` set (replacing same-named columns in place, new ones appended), one copy.

    Why not ``assign``: it inserts column by column (pandas warns past 100 blocks), and a step adds dozens.
    """
    new = pd.DataFrame({name: values for name, values in added.items() if name not in frame.columns},
                       index=frame.index)
    kept = frame.copy(deep=False)
    for name in (n for n in added if n in frame.columns):
        kept[name] = added[name]
    return pd.concat([kept, new], axis=1) if len(new.columns) else kept
