"""Missing values: context-aware rules where the data explains the gap, plus configurable imputation.

In store.csv most gaps are not "unknown": Promo2Since* is empty because the store has no Promo2,
CompetitionOpenSince* is empty because the competitor predates the records, CompetitionDistance is
empty because there is no known competitor. Filling those with a mean would invent facts, so
`StoreContextImputer` encodes what the gap means; `ColumnImputer` handles what is genuinely unknown.
"""

from __future__ import annotations

__all__ = ["StoreContextImputer", "ColumnImputer"]

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.experimental import enable_iterative_imputer  # noqa: F401  (registers IterativeImputer)
from sklearn.impute import IterativeImputer, SimpleImputer
from sklearn.utils.validation import (  # private: sklearn's input_features rule, which no public function exposes
    _check_feature_names_in,
    check_is_fitted,
)

from storecast import schema as s
from storecast.clean._base import AllowNaNMixin, as_frame, output_like, require_columns
from storecast.clean.report import CleaningReport, number_text

NO_PROMO2 = "none"
DISTANCE_MISSING = "CompetitionDistanceMissing"
SINCE_MISSING = "CompetitionOpenSinceMissing"
_P2_COLS = (s.PROMO2_SINCE_WEEK, s.PROMO2_SINCE_YEAR)
_SINCE_COLS = (s.COMPETITION_OPEN_SINCE_MONTH, s.COMPETITION_OPEN_SINCE_YEAR)
_STORE_CONTEXT_COLS = (s.COMPETITION_DISTANCE, *_SINCE_COLS, s.PROMO2, *_P2_COLS)


def _store_frame(est: StoreContextImputer, X: object, *, reset: bool) -> pd.DataFrame:
    """``X`` if it is a DataFrame with the store columns, and (after fit) the columns seen at fit."""
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"StoreContextImputer needs a pandas DataFrame with columns {list(_STORE_CONTEXT_COLS)}; "
                        f"got {type(X).__name__}.")
    require_columns(X, _STORE_CONTEXT_COLS, "StoreContextImputer")
    as_frame(est, X, reset=reset)  # sets or checks feature_names_in_, as every sklearn transformer does
    return X


class StoreContextImputer(TransformerMixin, BaseEstimator):
    """Fill store-table gaps by what they mean, adding indicator columns where information was absent.

    Parameters
    ----------
    distance_quantile : float
        Missing CompetitionDistance (no known competitor) becomes twice this quantile of the known
        distances learned at fit: "farther than almost every competitor", not an average one.
    add_indicators : bool
        Add ``CompetitionDistanceMissing`` and ``CompetitionOpenSinceMissing`` 0/1 columns.

    Attributes
    ----------
    distance_fill_ : float
        The value that replaces a missing CompetitionDistance.
    since_year_fill_ : float
        A missing opening date becomes January of this year (the earliest seen): "there since before".
    n_known_distances_, n_known_years_ : int
        Known CompetitionDistance and CompetitionOpenSinceYear values at fit; with none, the fills are
        the defaults 100,000 m and 1900, and the report says so.
    report_ : CleaningReport
        What the rules found and filled in the data given to ``fit``.

    Notes
    -----
    Fitted on train merged with store, counts are rows and the learned values weigh each store by
    its number of days; fit on the one-row-per-store table to learn per store. DataFrames only: the
    rules need the store columns by name.
    """

    def __init__(self, *, distance_quantile: float = 0.99, add_indicators: bool = True):
        self.distance_quantile = distance_quantile
        self.add_indicators = add_indicators

    def fit(self, X: pd.DataFrame, y: object = None) -> StoreContextImputer:
        """Learn the fill values from the store rows in ``X``."""
        if not 0 < self.distance_quantile <= 1:
            raise ValueError(f"`distance_quantile` must be in (0, 1]; got {self.distance_quantile}.")
        X = _store_frame(self, X, reset=True)
        known = X[s.COMPETITION_DISTANCE].dropna()
        self.distance_fill_ = float(2 * known.quantile(self.distance_quantile)) if len(known) else 100_000.0
        years = X[s.COMPETITION_OPEN_SINCE_YEAR].dropna()
        self.since_year_fill_ = float(years.min()) if len(years) else 1900.0
        self.n_known_distances_, self.n_known_years_ = len(known), len(years)
        self.report_ = self._report(X)
        return self

    def report(self, X: pd.DataFrame) -> CleaningReport:
        """What `transform` finds and fills in ``X``."""
        check_is_fitted(self, "distance_fill_")
        return self._report(_store_frame(self, X, reset=False))

    def _report(self, X: pd.DataFrame) -> CleaningReport:
        rep = CleaningReport()
        no_p2 = X[s.PROMO2] == 0
        for col in (*_P2_COLS, s.PROMO_INTERVAL):
            if col in X.columns:
                n = int((X[col].isna() & no_p2).sum())
                rep.add("StoreContextImputer", col, "not applicable when Promo2 == 0", n, n,
                        f"set to {0 if col != s.PROMO_INTERVAL else NO_PROMO2!r}")
        n = int(X[s.COMPETITION_DISTANCE].isna().sum())
        rep.add("StoreContextImputer", s.COMPETITION_DISTANCE, "no known competitor", n, n,
                f"set to {self.distance_fill_:,.0f} m " + (f"(2 x q{self.distance_quantile:g} of known distances)"
                                                        if self.n_known_distances_ else "(default: no known distance)"))
        dist_known = X[s.COMPETITION_DISTANCE].notna()
        year = "the earliest year seen" if self.n_known_years_ else "default: no opening year known"
        for col in _SINCE_COLS:
            gap = X[col].isna()
            if col == s.COMPETITION_OPEN_SINCE_MONTH:  # the year known: January of that year, not of the fill's
                alone = gap & X[s.COMPETITION_OPEN_SINCE_YEAR].notna()
                n = int(alone.sum())
                rep.add("StoreContextImputer", col, "month unknown, opening year known", n, n,
                        "set to 1 (January of the store's own opening year)")
                gap &= ~alone
            n_known, n_none = int((gap & dist_known).sum()), int((gap & ~dist_known).sum())
            fill = (f"set to 1 (January of {self.since_year_fill_:.0f}, {year})"
                    if col == s.COMPETITION_OPEN_SINCE_MONTH else f"set to {self.since_year_fill_:.0f} ({year})")
            rep.add("StoreContextImputer", col, "distance known: competitor predates the records",
                    n_known, n_known, fill)
            rep.add("StoreContextImputer", col, "no known competitor", n_none, n_none, fill)
        for col in _P2_COLS:
            n = int((X[col].isna() & ~no_p2).sum())
            rep.add("StoreContextImputer", col, "unknown although Promo2 == 1", n, 0, "left for ColumnImputer")
        return rep

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """Return a filled copy of ``X`` (the input is never modified)."""
        check_is_fitted(self, "distance_fill_")
        X = _store_frame(self, X, reset=False)
        out = X.copy()
        no_p2 = out[s.PROMO2] == 0
        for col in _P2_COLS:
            out[col] = out[col].mask(no_p2 & out[col].isna(), 0.0)
        if s.PROMO_INTERVAL in out.columns:
            out[s.PROMO_INTERVAL] = out[s.PROMO_INTERVAL].astype(object).mask(
                no_p2 & out[s.PROMO_INTERVAL].isna(), NO_PROMO2)
        dist_missing = out[s.COMPETITION_DISTANCE].isna()
        since_missing = out[s.COMPETITION_OPEN_SINCE_YEAR].isna() | out[s.COMPETITION_OPEN_SINCE_MONTH].isna()
        out[s.COMPETITION_DISTANCE] = out[s.COMPETITION_DISTANCE].fillna(self.distance_fill_)
        out[s.COMPETITION_OPEN_SINCE_YEAR] = out[s.COMPETITION_OPEN_SINCE_YEAR].fillna(self.since_year_fill_)
        out[s.COMPETITION_OPEN_SINCE_MONTH] = out[s.COMPETITION_OPEN_SINCE_MONTH].fillna(1.0)
        if self.add_indicators:
            out[DISTANCE_MISSING] = dist_missing.astype("int8")
            out[SINCE_MISSING] = since_missing.astype("int8")
        return out

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """Input columns, then the indicator columns when ``add_indicators``.

        An indicator already among the input columns is overwritten in place by `transform`, so it
        is listed once, where it stands in the input.
        """
        check_is_fitted(self, "distance_fill_")
        names = list(_check_feature_names_in(self, input_features))
        extra = [c for c in (DISTANCE_MISSING, SINCE_MISSING) if c not in names] if self.add_indicators else []
        return np.asarray([*names, *extra], dtype=object)


class ColumnImputer(AllowNaNMixin, TransformerMixin, BaseEstimator):
    """Impute numeric ``columns`` by mean, median, most frequent value, or a model of the other columns.

    A thin layer over scikit-learn's `SimpleImputer` / `IterativeImputer` that keeps the other
    columns (and their dtypes) untouched and reports what it filled. Takes a DataFrame, or a numeric
    array (columns ``x0, x1, ...``; the output is then an array too).

    Parameters
    ----------
    strategy : {"mean", "median", "most_frequent", "model"}
        "model" uses `IterativeImputer` (each column regressed on the other numeric columns).
    columns : list of str or None
        Columns to impute; None means every numeric column. A column with no value at all at fit is
        refused: there is nothing to learn a fill from, and scikit-learn's 0 for such a column
        (``keep_empty_features``) would be an invented value (`clean_dataset` leaves it out and reports it).

    Attributes
    ----------
    columns_ : list of str
        The imputed columns.
    model_inputs_ : list of str
        Columns the imputer sees: the imputed ones, plus every numeric column for "model".
    imputer_ : SimpleImputer or IterativeImputer
        The fitted scikit-learn imputer.
    report_ : CleaningReport
        Missing values found (and filled) in the data given to ``fit``.
    """

    _STRATEGIES = ("mean", "median", "most_frequent", "model")

    def __init__(self, *, strategy: str = "median", columns: list[str] | None = None):
        self.strategy = strategy
        self.columns = columns

    def fit(self, X: pd.DataFrame | np.ndarray, y: object = None) -> ColumnImputer:
        """Learn fill values (or the imputation model) from ``X``."""
        if self.strategy not in self._STRATEGIES:
            raise ValueError(f"`strategy` must be one of {self._STRATEGIES}; got {self.strategy!r}.")
        X, _ = as_frame(self, X, reset=True)
        require_columns(X, tuple(self.columns or ()), "ColumnImputer")
        numeric = list(X.select_dtypes("number").columns)
        self.columns_ = list(self.columns) if self.columns is not None else numeric
        if not self.columns_:
            raise ValueError("ColumnImputer: no column to impute: " + (
                "`columns` is empty; name at least one" if self.columns is not None else
                f"`columns` is None and X has no numeric column; got columns {list(X.columns)}") + ".")
        text = [c for c in self.columns_ if not (pd.api.types.is_numeric_dtype(X[c]) or X[c].isna().all())]
        if text:
            raise ValueError(f"ColumnImputer imputes numbers: columns {text} hold {[str(X[c].dtype) for c in text]} "
                             "values; leave them out of `columns`.")
        empty = [c for c in self.columns_ if X[c].isna().all()]
        if empty:
            raise ValueError(f"ColumnImputer: columns {empty} have no value in the data given to fit, so there is "
                             "nothing to learn a fill from; fill them by a rule that knows what the gap means, or "
                             "leave them out of `columns`.")
        self.model_inputs_ = numeric if self.strategy == "model" else list(self.columns_)
        self.model_inputs_ += [c for c in self.columns_ if c not in self.model_inputs_]
        if self.strategy == "model":
            self.imputer_ = IterativeImputer(random_state=0, max_iter=10, keep_empty_features=True)
        else:
            self.imputer_ = SimpleImputer(strategy=self.strategy, keep_empty_features=True)
        self.imputer_.fit(X[self.model_inputs_].to_numpy(dtype=float, copy=True))
        self.report_ = self._report(X)
        return self

    def report(self, X: pd.DataFrame | np.ndarray) -> CleaningReport:
        """Missing values per imputed column of ``X`` (all of them get filled) and the fill value."""
        check_is_fitted(self, "imputer_")
        return self._report(as_frame(self, X, reset=False)[0])

    def _report(self, X: pd.DataFrame) -> CleaningReport:
        rep = CleaningReport()
        stats = getattr(self.imputer_, "statistics_", None)
        for col in self.columns_:
            n = int(X[col].isna().sum())
            if stats is not None:
                detail = f"fill {number_text(col, float(stats[self.model_inputs_.index(col)]))}"
            else:
                detail = f"IterativeImputer on {len(self.model_inputs_)} numeric columns"
            rep.add("ColumnImputer", col, f"impute {self.strategy}", n, n, detail)
        return rep

    def transform(self, X: pd.DataFrame | np.ndarray) -> pd.DataFrame | np.ndarray:
        """Return a copy of ``X`` with the chosen columns filled."""
        check_is_fitted(self, "imputer_")
        X, was_array = as_frame(self, X, reset=False)
        require_columns(X, self.model_inputs_, "ColumnImputer")
        out = X.copy()
        filled = self.imputer_.transform(X[self.model_inputs_].to_numpy(dtype=float, copy=True))
        for i, col in enumerate(self.model_inputs_):
            if col in self.columns_:
                out[col] = out[col].fillna(pd.Series(filled[:, i], index=X.index))
        return output_like(out, was_array)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """The input columns, unchanged."""
        check_is_fitted(self, "imputer_")
        return _check_feature_names_in(self, input_features)
