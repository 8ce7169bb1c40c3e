"""Store-level statistics of the fit window, learned in ``fit`` from X and y and kept as attributes.

These carry what past sales say about each store (level, weekly profile, promo uplift, recent level)
into the forecast without using any sale from inside the horizon: at predict time they are constants
looked up by store, so the features stay known 6 weeks ahead.
"""

from __future__ import annotations

__all__ = ["StoreHistory", "HISTORY_FEATURES"]

import numbers

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.dates import to_days, weekday
from storecast.features._base import AddColumnsTransformer, numeric
from storecast.features.calendar import date_parts
from storecast.lookup import sorted_positions

HISTORY_FEATURES = (
    "hist_log_mean", "hist_log_std", "hist_median", "hist_customers", "hist_sales_per_customer",
    "hist_promo_lift", "hist_school_lift", "hist_dow", "hist_dow_promo", "hist_month",
    "hist_recent", "hist_open_sundays",
)


class StoreHistory(AddColumnsTransformer):
    """Per-store statistics of the fit window, looked up by Store (and day of week / month) per row.

    Parameters
    ----------
    recent_days : int, default=91
        Length of the "recent level" window at the end of the fit window (a quarter: long enough to
        average out promo weeks, short enough to follow a refurbishment or a new competitor).

    Attributes
    ----------
    stores_ : ndarray of int64, stores with sales in the fit window, sorted.
    stats_ : ndarray (n_stores, 9) of the per-store columns in ``HISTORY_FEATURES`` order
        (except the profiles).
    stat_names_ : ndarray of str, the name of each column of ``stats_`` (``features.facts`` reads one by name).
    dow_ : ndarray (n_stores, 7), mean log sales by day of week minus the store mean.
    dow_promo_ : ndarray (n_stores, 7), the same on promo days minus non-promo days of that weekday.
    month_ : ndarray (n_stores, 12), mean log sales by month minus the store mean.
    """

    def __init__(self, *, recent_days: int = 91):
        self.recent_days = recent_days

    def fit(self, X: pd.DataFrame, y, *, recent_until: int | None = None) -> StoreHistory:
        """Learn the statistics from the rows with positive sales.

        ``recent_until``: the day (days since 1970-01-01) the recent-level window ends on; by default the last
        sales day in X, the chain's when X is the chain. A part of the chain (the Dask engine's store partitions)
        passes the chain's, so every store's recent level covers the same days as in one fit on all rows.
        """
        if y is None:  # sklearn's wording (check_requires_y_none)
            raise ValueError("StoreHistory requires y to be passed, but the target y is None: "
                             "`y` (Sales) is what its statistics are learned from.")
        window: object = self.recent_days
        # 0 or fewer days left the recent window empty: hist_recent NaN for every store, without a word
        if isinstance(window, bool) or not isinstance(window, numbers.Integral) or window < 1:
            raise ValueError(f"`recent_days` must be a whole number of days >= 1 (the recent-level window at the "
                             f"end of the fit rows); got {window!r}.")
        X = self._check_frame(X, (s.STORE, s.DATE))
        self._remember_input(X)
        y = np.asarray(y, dtype=float)
        keep = y > 0
        if not keep.any():  # else numpy's "zero-size array to reduction operation maximum", naming nothing
            raise ValueError(f"StoreHistory learns each store's statistics from days with sales, but `y` (Sales) has "
                             f"no value > 0 among its {len(y):,} rows (every day closed or zero?): fit it on open "
                             "days with Sales > 0.")
        days = to_days(X[s.DATE])[keep]
        f = pd.DataFrame({
            "store": np.asarray(X[s.STORE], dtype=np.int64)[keep],
            "log": np.log1p(y[keep]),
            "sales": y[keep],
            "dow": weekday(days),
            "month": date_parts(days)["month"] - 1,
            "promo": numeric(X, s.PROMO)[keep],
            "school": numeric(X, s.SCHOOL_HOLIDAY)[keep],
            "customers": numeric(X, s.CUSTOMERS)[keep],
            "recent": days > (days.max() if recent_until is None else recent_until) - int(self.recent_days),
        })
        g = f.groupby("store")
        self.stores_ = np.asarray(g.size().index, dtype=np.int64)
        mean = g["log"].mean()
        cust = f[f["customers"] > 0].groupby("store")
        stats = pd.DataFrame({
            "hist_log_mean": mean,
            "hist_log_std": g["log"].std(),
            "hist_median": g["sales"].median(),
            "hist_customers": g["customers"].mean(),
            "hist_sales_per_customer": cust["sales"].sum() / cust["customers"].sum(),
            "hist_promo_lift": _lift(f, "promo"),
            "hist_school_lift": _lift(f, "school"),
            "hist_recent": f[f["recent"]].groupby("store")["log"].mean() - mean,
            "hist_open_sundays": (f["dow"] == 6).groupby(f["store"]).sum() / g.size() * 7,
        }).reindex(self.stores_)
        self.stats_ = stats.to_numpy(dtype=float)
        self.stat_names_ = np.asarray(stats.columns, dtype=object)
        centred = f["log"] - f["store"].map(mean)
        self.dow_ = _profile(centred, f, "dow", 7, self.stores_)
        promo_dow = _profile(centred[f["promo"] == 1], f[f["promo"] == 1], "dow", 7, self.stores_)
        plain_dow = _profile(centred[f["promo"] != 1], f[f["promo"] != 1], "dow", 7, self.stores_)
        self.dow_promo_ = promo_dow - plain_dow
        self.month_ = _profile(centred, f, "month", 12, self.stores_)
        return self

    def __sklearn_tags__(self):
        """``y`` (Sales) is required."""
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags

    def _added_names(self) -> list[str]:
        return list(HISTORY_FEATURES)

    def _features(self, X: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        ids = np.asarray(X[s.STORE], dtype=np.int64)
        pos, known = sorted_positions(self.stores_, ids)  # a store without sales in the window gets NaN statistics
        days = to_days(X[s.DATE])
        dow = weekday(days)
        month = date_parts(days)["month"] - 1
        # one gather for all per-store columns (a copy: indexing by an array), then NaN rows for unknown stores
        stats = self.stats_[pos]
        if not known.all():
            stats[~known] = np.nan
        out: dict[str, np.ndarray] = {str(name): stats[:, j] for j, name in enumerate(self.stat_names_)}
        out["hist_dow"] = np.where(known, self.dow_[pos, dow], np.nan)
        out["hist_dow_promo"] = np.where(known, self.dow_promo_[pos, dow], np.nan)
        out["hist_month"] = np.where(known, self.month_[pos, month], np.nan)
        return {name: out[name] for name in HISTORY_FEATURES}


def _lift(f: pd.DataFrame, flag: str) -> pd.Series:
    """Mean log sales on flagged days minus unflagged days, per store (NaN when one side is empty)."""
    by = f.groupby(["store", f[flag] == 1])["log"].mean().unstack()
    if True not in by.columns or False not in by.columns:
        return pd.Series(np.nan, index=by.index)
    return by[True] - by[False]


def _profile(values: pd.Series, f: pd.DataFrame, key: str, size: int, stores: np.ndarray) -> np.ndarray:
    """Mean of ``values`` by (store, key) as a dense (n_stores, size) array, NaN where unseen."""
    table = values.groupby([f["store"], f[key]]).mean().unstack()
    return table.reindex(index=stores, columns=range(size)).to_numpy(dtype=float)
