"""Outliers in key numeric columns: detect by IQR, z-score or robust MAD; cap, log-transform or flag.

Bounds are learned in ``fit`` (per store when ``by="Store"``, since a big store's normal day is a
small store's outlier) and only applied in ``transform``, so later rows never move them. A store with
fewer than ``min_group_size`` values uses the bounds over all rows instead: one value learns the bounds
[v, v], and every later day of that store would be capped to it. Zeros are
left out by default: a closed day's zero sales are structural, not an outlier. Removing rows cannot
happen inside a Pipeline (``transform`` never drops rows); `storecast.clean.rows.drop_outlier_rows`
does that with a fitted handler.
"""

from __future__ import annotations

__all__ = ["OutlierHandler", "MIN_GROUP_SIZE", "SALES_PER_CUSTOMER", "add_sales_per_customer"]

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import (  # private: sklearn's input_features rule, which no public function exposes
    _check_feature_names_in,
    check_is_fitted,
)

from storecast import schema as s
from storecast.clean._base import AllowNaNMixin, as_frame, output_like, require_columns
from storecast.clean.report import CleaningReport, number_text

SALES_PER_CUSTOMER = "SalesPerCustomer"
_DEFAULT_THRESHOLD = {"iqr": 1.5, "zscore": 3.0, "mad": 3.5}
_METHODS = tuple(_DEFAULT_THRESHOLD)
_ACTIONS = ("cap", "log", "flag")
# Fewest values a group learns its own bounds from: about three weeks of trading days. Fewer give quartiles
# and spreads that a single day moves (one value: bounds [v, v]); such a group gets the bounds over all rows.
MIN_GROUP_SIZE = 20


def add_sales_per_customer(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with Sales / Customers (NaN where there were no customers)."""
    out = df.copy()
    customers = out[s.CUSTOMERS].where(out[s.CUSTOMERS] > 0)
    out[SALES_PER_CUSTOMER] = out[s.SALES] / customers
    return out


def _bounds(values: pd.Series, groups: pd.Series | None, method: str, k: float) -> pd.DataFrame:
    """Lower/upper bound per group (or one global row with index None); no rows when ``values`` is empty.

    Empty happens on valid data: zeros are left out, so a column that is 0 on every open day (Customers
    never recorded) has nothing to learn from, and the handler then flags and changes nothing in it.
    """
    if values.empty:
        return pd.DataFrame({"lower": [], "upper": []}, dtype=float)
    grouped = values.groupby(groups, observed=True) if groups is not None else values.groupby(
        np.zeros(len(values), dtype=int))
    if method == "iqr":
        q1, q3 = grouped.quantile(0.25), grouped.quantile(0.75)
        lo, hi = q1 - k * (q3 - q1), q3 + k * (q3 - q1)
    elif method == "zscore":
        mean, std = grouped.mean(), grouped.std(ddof=0).fillna(0)
        lo, hi = mean - k * std, mean + k * std
    else:  # mad: robust to the outliers it is looking for
        med = grouped.median()
        mad = (values - (groups.map(med) if groups is not None else med.iloc[0])).abs()
        mad = mad.groupby(groups, observed=True).median() if groups is not None else pd.Series(
            [mad.median()], index=med.index)
        lo, hi = med - k * 1.4826 * mad, med + k * 1.4826 * mad
    return pd.DataFrame({"lower": lo, "upper": hi})


class OutlierHandler(AllowNaNMixin, TransformerMixin, BaseEstimator):
    """Detect outliers in ``columns`` and cap, log-transform or flag them.

    Takes a DataFrame, or a numeric array when ``by`` is None (columns ``x0, x1, ...``; the output
    is then an array too).

    Parameters
    ----------
    columns : tuple of str or None
        Columns to check; None means every numeric column except ``by``. ``"SalesPerCustomer"`` is
        computed from Sales and Customers (and added to the output) when asked for and absent.
    method : {"iqr", "zscore", "mad"}
        IQR fences, mean +/- k standard deviations, or median +/- k robust MADs.
    action : {"cap", "log", "flag"}
        Clip to the learned bounds, replace by log1p, or leave values and add ``<column>_outlier``.
    by : str or None
        Learn bounds per value of this column (e.g. ``"Store"``); unseen groups use global bounds.
    min_group_size : int
        A group with fewer candidate values than this at fit (zeros left out when ``ignore_zeros``) uses
        the global bounds, as an unseen group does; 1 gives every group its own bounds.
    threshold : float or None
        k; None picks 1.5 (iqr), 3 (zscore) or 3.5 (mad).
    ignore_zeros : bool
        Leave zero values out of fitting and detection (closed days).

    Attributes
    ----------
    columns_ : list of str
        The checked columns.
    threshold_ : float
        The k in use.
    bounds_ : dict of str to DataFrame
        Per column, the lower/upper bounds per group of at least ``min_group_size`` values.
    small_groups_ : dict of str to int
        Per column, how many groups had fewer than ``min_group_size`` values and use the global bounds.
    global_bounds_ : dict of str to tuple of float
        Per column, bounds over all groups (used for groups not seen at fit).
    report_ : CleaningReport
        Outliers detected in the data given to ``fit``.
    """

    def __init__(self, *, columns: tuple[str, ...] | None = (s.SALES, s.CUSTOMERS, SALES_PER_CUSTOMER),
                 method: str = "iqr", action: str = "cap", by: str | None = s.STORE,
                 threshold: float | None = None, ignore_zeros: bool = True, min_group_size: int = MIN_GROUP_SIZE):
        self.columns = columns
        self.method = method
        self.action = action
        self.by = by
        self.threshold = threshold
        self.ignore_zeros = ignore_zeros
        self.min_group_size = min_group_size

    def _prepare(self, X: object, *, reset: bool) -> tuple[pd.DataFrame, bool]:
        """Checked frame with SalesPerCustomer added when needed, and whether ``X`` was an array."""
        frame, was_array = as_frame(self, X, reset=reset)
        if reset:
            by = [self.by] if self.by is not None else []
            self.columns_ = list(self.columns) if self.columns is not None else [
                c for c in frame.select_dtypes("number").columns if c not in by]
            self.adds_sales_per_customer_ = SALES_PER_CUSTOMER in self.columns_ and (
                SALES_PER_CUSTOMER not in frame.columns)
        if self.adds_sales_per_customer_:
            frame = add_sales_per_customer(frame)
        require_columns(frame, self.columns_ + ([self.by] if self.by is not None else []), "OutlierHandler")
        return frame, was_array

    def _candidates(self, values: pd.Series) -> pd.Series:
        usable = values.notna()
        return usable & (values != 0) if self.ignore_zeros else usable

    def fit(self, X: pd.DataFrame | np.ndarray, y: object = None) -> OutlierHandler:
        """Learn the bounds from the rows of ``X``."""
        if self.method not in _METHODS:
            raise ValueError(f"`method` must be one of {_METHODS}; got {self.method!r}.")
        if self.action not in _ACTIONS:
            raise ValueError(f"`action` must be one of {_ACTIONS} (removal: clean.rows.drop_outlier_rows); "
                             f"got {self.action!r}.")
        k = _DEFAULT_THRESHOLD[self.method] if self.threshold is None else float(self.threshold)
        if not k > 0:
            raise ValueError(f"`threshold` must be > 0; got {self.threshold}.")
        if isinstance(self.min_group_size, bool) or not isinstance(self.min_group_size, int | np.integer) or (
                self.min_group_size < 1):
            raise ValueError(f"`min_group_size` must be an integer >= 1; got {self.min_group_size!r}.")
        X, _ = self._prepare(X, reset=True)
        self.threshold_ = k
        self.bounds_, self.global_bounds_, self.small_groups_ = {}, {}, {}
        for col in self.columns_:
            keep = self._candidates(X[col])
            values = X.loc[keep, col].astype(float)
            groups = X.loc[keep, self.by] if self.by is not None else None
            bounds = _bounds(values, groups, self.method, k)
            if groups is not None:
                big = groups.value_counts().reindex(bounds.index).to_numpy() >= self.min_group_size
                self.small_groups_[col] = int((~big).sum())
                bounds = bounds[big]
            self.bounds_[col] = bounds
            glob = _bounds(values, None, self.method, k)
            glob = glob.iloc[0] if len(glob) else pd.Series({"lower": np.nan, "upper": np.nan})
            self.global_bounds_[col] = (float(glob["lower"]), float(glob["upper"]))
        self.report_ = self._report(X)
        return self

    def outlier_mask(self, X: pd.DataFrame | np.ndarray) -> pd.DataFrame:
        """Boolean frame, one column per checked column: True where the value is outside its bounds."""
        check_is_fitted(self, "bounds_")
        return self._mask(self._prepare(X, reset=False)[0])

    def _mask(self, X: pd.DataFrame) -> pd.DataFrame:
        masks = {}
        for col in self.columns_:
            lo, hi = self._row_bounds(X, col)
            v = X[col].astype(float)
            masks[col] = self._candidates(X[col]) & ((v < lo) | (v > hi))
        return pd.DataFrame(masks, index=X.index)

    def _row_bounds(self, X: pd.DataFrame, col: str) -> tuple[np.ndarray, np.ndarray]:
        g_lo, g_hi = self.global_bounds_[col]
        if self.by is None:
            return np.full(len(X), g_lo), np.full(len(X), g_hi)
        b = self.bounds_[col]
        lo = X[self.by].map(b["lower"]).astype(float).fillna(g_lo).to_numpy()
        hi = X[self.by].map(b["upper"]).astype(float).fillna(g_hi).to_numpy()
        return lo, hi

    def report(self, X: pd.DataFrame | np.ndarray) -> CleaningReport:
        """How many values of ``X`` each column's rule detects and what ``transform`` would change."""
        check_is_fitted(self, "bounds_")
        return self._report(self._prepare(X, reset=False)[0])

    def _report(self, X: pd.DataFrame) -> CleaningReport:
        mask = self._mask(X)
        rep = CleaningReport()
        where = f"per {self.by}" if self.by else "global"
        for col in self.columns_:
            n = int(mask[col].sum())
            changed = {"cap": n, "log": int(self._candidates(X[col]).sum()), "flag": 0}[self.action]
            rep.add("OutlierHandler", col, f"{self.method} {where} -> {self.action}", n, changed,
                    self._bounds_text(col))
        return rep

    def _bounds_text(self, col: str) -> str:
        def num(value: float) -> str:  # "52,750" as fill values are written, not "52750"
            return number_text(col, float(value))

        lo, hi = self.global_bounds_[col]
        text = f"k={self.threshold_:g}; bounds over all rows [{num(lo)}, {num(hi)}]"
        if self.by is not None and len(self.bounds_[col]):
            b = self.bounds_[col]
            text += (f"; {len(b)} {self.by} bounds, lower median {num(b['lower'].median())}, upper median "
                     f"{num(b['upper'].median())} (range {num(b['upper'].min())}..{num(b['upper'].max())})")
        if self.small_groups_.get(col):
            text += (f"; {self.small_groups_[col]} {self.by}(s) with fewer than {self.min_group_size} values "
                     "use the bounds over all rows")
        return text

    def transform(self, X: pd.DataFrame | np.ndarray) -> pd.DataFrame | np.ndarray:
        """Return a copy of ``X`` with outliers capped, log-transformed, or flagged."""
        check_is_fitted(self, "bounds_")
        X, was_array = self._prepare(X, reset=False)
        out = X.copy()
        if self.action == "flag":  # the very mask `report` and `outlier_mask` count: one rule, not a copy of it
            for col, flagged in self._mask(X).items():
                out[f"{col}_outlier"] = flagged.astype("int8")
            return output_like(out, was_array)
        for col in self.columns_:
            if self.action == "cap":
                lo, hi = self._row_bounds(out, col)
                v = out[col].astype(float)
                out[col] = v.where(~self._candidates(out[col]), v.clip(lo, hi))
            else:
                out[col] = np.log1p(out[col].astype(float).clip(lower=0))
        return output_like(out, was_array)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """Input columns, SalesPerCustomer when computed, then ``*_outlier`` flags for "flag"."""
        check_is_fitted(self, "bounds_")
        names = list(_check_feature_names_in(self, input_features))
        if self.adds_sales_per_customer_:
            names.append(SALES_PER_CUSTOMER)
        if self.action == "flag":
            names += [f"{c}_outlier" for c in self.columns_]
        return np.asarray(names, dtype=object)
