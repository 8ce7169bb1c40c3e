"""``make_preprocessor()``: THE shared preprocessing object, and ``merge_store`` for fit rows.

Every tree pipeline embeds the preprocessor as its "prep" step, so the fitted store table and the
fit-window statistics are saved inside the model file and serving never rebuilds features by hand.
"""

from __future__ import annotations

__all__ = ["make_preprocessor", "merge_store", "FeatureMatrix", "FEATURES"]

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from storecast import schema as s
from storecast.errors import MAX_STORES_LISTED, ContractProblem, DataContractError, first_and_more
from storecast.features._base import as_columns, check_fitted
from storecast.features.calendar import CALENDAR_FEATURES, CalendarFeatures
from storecast.features.history import HISTORY_FEATURES, StoreHistory
from storecast.features.proximity import PROXIMITY_FEATURES, ScheduleProximity
from storecast.features.schedule import SCHEDULE_FEATURES, StoreSchedule
from storecast.features.store import STORE_FEATURES, StoreAttributes

FEATURES = (*CALENDAR_FEATURES, *STORE_FEATURES, *PROXIMITY_FEATURES, *SCHEDULE_FEATURES, *HISTORY_FEATURES)


class FeatureMatrix(TransformerMixin, BaseEstimator):
    """Select the numeric feature columns, in a fixed order, as a float64 array.

    Parameters
    ----------
    exclude : tuple of str, default=()
        Feature names to leave out (ablation studies); unknown names raise in ``fit``.

    Attributes
    ----------
    features_ : ndarray of str, the selected columns in output order.
    """

    def __init__(self, *, exclude: tuple[str, ...] = ()):
        self.exclude = exclude

    def __sklearn_tags__(self):
        """NaN is allowed in the input and kept in the output: both tree kinds route it."""
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def fit(self, X: pd.DataFrame, y=None) -> FeatureMatrix:
        """Check that every feature is present and fix the column order."""
        unknown = sorted(set(self.exclude) - set(FEATURES))
        if unknown:
            raise ValueError(f"`exclude` names unknown feature(s) {unknown}; choose from FEATURES.")
        features = [f for f in FEATURES if f not in set(self.exclude)]
        if not features:  # else transform gave a 0 x 0 matrix for any rows, and the model a shape error
            raise ValueError(f"`exclude` names all {len(FEATURES)} features; leave at least one of FEATURES.")
        X = as_columns(X)
        missing = [f for f in features if f not in X]
        if missing:
            raise ValueError(f"`X` lacks feature column(s) {missing}; run the earlier prep steps first.")
        if X and len(next(iter(X.values()))) == 0:
            raise ValueError("`X` has 0 rows; fitting needs at least one row.")
        self.feature_names_in_ = np.asarray(list(X), dtype=object)
        self.n_features_in_ = len(X)
        self.features_ = np.asarray(features, dtype=object)
        return self

    def transform(self, X) -> np.ndarray:
        """The selected columns as one float64 matrix (NaN kept: both tree kinds route it)."""
        check_fitted(self)
        X = as_columns(X) if isinstance(X, pd.DataFrame) else X
        names = self.features_.tolist()
        out = np.empty((len(X[names[0]]) if names else 0, len(names)))  # C order, as the trees read it
        for j, name in enumerate(names):  # column by column: the same values as np.column_stack, fewer copies
            out[:, j] = X[name]
        return out

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """The selected feature names."""
        check_is_fitted(self)
        return self.features_.copy()


def make_preprocessor(*, exclude: tuple[str, ...] = (), imputer="auto") -> Pipeline:
    """The shared preprocessing pipeline: store table -> calendar -> proximity -> schedule -> history -> matrix.

    Parameters
    ----------
    exclude : tuple of str
        Features to drop at the end (ablations); the default keeps all of ``FEATURES``.
    imputer : transformer, "auto" or None
        Passed to ``StoreAttributes`` (the cleaning engineer's StoreContextImputer by default).

    Returns
    -------
    Pipeline
        Fit it on merged train rows (``merge_store``) with y = Sales; transform test-shaped rows.
    """
    return Pipeline([
        ("store", StoreAttributes(imputer=imputer)),
        ("calendar", CalendarFeatures()),
        ("proximity", ScheduleProximity()),
        ("schedule", StoreSchedule()),
        ("history", StoreHistory()),
        ("matrix", FeatureMatrix(exclude=tuple(exclude))),
    ])


def merge_store(train_or_test: pd.DataFrame, store: pd.DataFrame) -> pd.DataFrame:
    """Left-join the store table on Store, keeping row order; stores absent from it raise.

    Raises
    ------
    DataContractError
        Naming every store of the rows that store.csv does not describe.
    """
    missing = np.setdiff1d(train_or_test[s.STORE].unique(), store[s.STORE].unique()).tolist()
    if missing:
        raise DataContractError(ContractProblem(
            s.STORE_FILE, f"store(s) {first_and_more(missing, MAX_STORES_LISTED)} appear in the rows but not in "
            "store.csv", column=s.STORE))
    cols = [c for c in store.columns if c not in train_or_test.columns or c == s.STORE]
    out = train_or_test.merge(store[cols], on=s.STORE, how="left", sort=False)
    out.index = train_or_test.index
    return out
