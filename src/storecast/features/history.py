"""Store-level statistics of the fit window, learned in ``fit`` from X and y and kept as attributes.

These carry what past sales say about each store (level, weekly profile, promo uplift, recent level)
into the forecast without using any sale from inside the horizon: at predict time they are constants
looked up by store, so the features stay known 6 weeks ahead.

The seasonal profile (``hist_month``) is cross-fitted, as scikit-learn's ``TargetEncoder.fit_transform`` does:
fitted on 2.5 years, a fit row's own month made up a half to a third of its store's profile for that time of
year, so the trees learned to trust it more than it deserves on weeks it never saw. ``fit_transform`` (what a
Pipeline's fit calls) gives each fit row the profile from the fit rows of *other* years; ``transform`` gives
served rows the profile from every fit row (docs/modeling.md, "cross-fitted store profiles").
"""

from __future__ import annotations

__all__ = ["StoreHistory", "HISTORY_FEATURES"]

import numbers
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.ndimage import convolve1d

from storecast import schema as s
from storecast.dates import to_days, weekday
from storecast.features._base import AddColumnsTransformer, numeric
from storecast.features.calendar import date_parts, leap_neutral_day_of_year
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
    season_days : int or None, default=7
        ``hist_month`` is the store's mean log sales net of its mean and weekday profile over the days of the
        year within this many days of the row's (leap-neutral, wrapping round the new year); None: the mean
        log sales of the row's calendar month net of the store mean (the profile before 2026-12-07). 7 (since
        2026-12-08; 15 before) follows short seasons (summer holidays, the weeks before Christmas) more closely:
        -0.28% in the seasonal backtest's mean, the summer window -1.3% (docs/modeling.md).
    cross_fit : bool, default=True
        ``fit_transform`` gives each fit row ``hist_month`` from the fit rows of other calendar years (NaN
        where no other year covers that time of year); False: from all fit rows, its own included.

    Attributes
    ----------
    stores_ : ndarray of int64, stores with sales in the fit window, sorted.
    stats_ : ndarray (n_stores, 9) of the per-store columns in ``HISTORY_FEATURES`` order
        (except the profiles).
    stat_names_ : ndarray of str, the name of each column of ``stats_`` (``features.facts`` reads one by name).
    dow_ : ndarray (n_stores, 7), mean log sales by day of week minus the store mean.
    dow_promo_ : ndarray (n_stores, 7), the same on promo days minus non-promo days of that weekday.
    month_ : ndarray (n_stores, 12), mean log sales by month minus the store mean.
    season_ : ndarray (n_stores, 365), the store's profile by day of year (``season_days`` set only).
    """

    # what a model file saved before these parameters existed was fitted with (sklearn's get_params reads them)
    season_days: int | None = None
    cross_fit: bool = False

    def __init__(self, *, recent_days: int = 91, season_days: int | None = 7, cross_fit: bool = True):
        self.recent_days = recent_days
        self.season_days = season_days
        self.cross_fit = cross_fit

    def fit(self, X: pd.DataFrame, y, *, recent_until: int | None = None) -> StoreHistory:
        """Learn the statistics from the rows with positive sales.

        ``recent_until``: the day (days since 1970-01-01) the recent-level window ends on; by default the last
        sales day in X, the chain's when X is the chain. A part of the chain (the Dask engine's store partitions)
        passes the chain's, so every store's recent level covers the same days as in one fit on all rows.
        """
        self._fit(X, y, recent_until=recent_until)
        return self

    def _fit(self, X, y, *, recent_until: int | None = None) -> _Learned:
        """``fit``; returns what the cross-fit of the same rows reads again (``fit_transform``)."""
        _require_sales(y)
        window: object = self.recent_days
        # 0 or fewer days left the recent window empty: hist_recent NaN for every store, without a word
        if isinstance(window, bool) or not isinstance(window, numbers.Integral) or window < 1:
            raise ValueError(f"`recent_days` must be a whole number of days >= 1 (the recent-level window at the "
                             f"end of the fit rows); got {window!r}.")
        half: object = self.season_days
        if half is not None and (isinstance(half, bool) or not isinstance(half, numbers.Integral)
                                 or not 0 <= int(half) <= 182):
            raise ValueError(f"`season_days` must be None (calendar months) or a whole number of days 0..182 (the "
                             f"half-width of the seasonal profile's window); got {half!r}.")
        if not isinstance(self.cross_fit, bool):
            raise ValueError(f"`cross_fit` must be True or False; got {self.cross_fit!r}.")
        X = self._check_frame(X, (s.STORE, s.DATE))
        self._remember_input(X)
        f = _sales_days(X, y, int(self.recent_days), recent_until)
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
        by_year = None
        if self.season_days is not None:
            by_year = _season_sums(f, self.stores_, self.dow_, int(self.season_days))
            sums, counts = by_year
            with np.errstate(invalid="ignore"):
                self.season_ = sums.sum(axis=1) / counts.sum(axis=1)  # 0 / 0: NaN, no fit row that time of year
        return _Learned(f, by_year)

    def fit_transform(self, X, y=None, **fit_params):
        """``fit``, then the fit rows' features as ``fit_rows`` gives them (what a Pipeline's fit calls).

        Why not ``fit(...).fit_rows(X, y)``: the cross-fit reads the fit's sales days and yearly profile sums
        again (a quarter of the time on the full data); the same rows give the same values, so they are handed on.
        """
        return self._fit_rows(X, y, self._fit(X, y, **fit_params))

    def fit_rows(self, X, y):
        """``transform(X)`` with ``hist_month`` cross-fitted when ``cross_fit``: the features of fit rows.

        Each row gets its store's profile from the rows of ``X, y`` (Sales) of other calendar years, so a fit
        row never reads its own sales. Computed from ``X, y`` alone: on a set of whole stores (the Dask
        engine's partitions) it gives the values a fit on the whole chain gives those rows.
        """
        _require_sales(y)  # else "len() of unsized object" from deep in the cross-fit, naming nothing
        return self._fit_rows(X, y, None)

    def _fit_rows(self, X, y, learned: _Learned | None) -> pd.DataFrame:
        """``fit_rows``; ``learned``: what ``fit`` found on these very rows (``fit_transform``), else None."""
        out = self.transform(X)
        if not self.cross_fit:
            return out
        cols = self._check_frame(X, (s.STORE, s.DATE))
        f = _sales_days(cols, y, int(self.recent_days), None) if learned is None else learned.f
        stores = np.unique(f["store"].to_numpy())
        ids = np.asarray(cols[s.STORE], dtype=np.int64)
        parts = date_parts(to_days(cols[s.DATE]))
        if self.season_days is None:
            centred = f["log"] - f.groupby("store")["log"].transform("mean")
            sums, counts = _year_sums(f["store"], f["month"], f["year"], centred, stores, 12)
            key = parts["month"] - 1
        else:
            if learned is not None and learned.by_year is not None:  # fit's: the same rows, stores and weekday profile
                sums, counts = learned.by_year
            else:
                centred = f["log"] - f.groupby("store")["log"].transform("mean")
                dow = _profile(centred, f, "dow", 7, stores)
                sums, counts = _season_sums(f, stores, dow, int(self.season_days))
            key = leap_neutral_day_of_year(parts) - 1
        out[_SEASON] = _other_years(sums, counts, stores, np.unique(f["year"].to_numpy()), ids, key, parts["year"])
        return out

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
        season = getattr(self, "season_", None)  # None: calendar months (season_days None, or a file saved before)
        if season is None:
            out[_SEASON] = np.where(known, self.month_[pos, month], np.nan)
        else:
            out[_SEASON] = np.where(known, season[pos, leap_neutral_day_of_year(date_parts(days)) - 1], np.nan)
        return {name: out[name] for name in HISTORY_FEATURES}


_SEASON = "hist_month"


def _require_sales(y) -> None:
    """The error of a ``y`` left out, in sklearn's words (``check_requires_y_none``)."""
    if y is None:
        raise ValueError("StoreHistory requires y to be passed, but the target y is None: "
                         "`y` (Sales) is what its statistics are learned from.")


class _Learned(NamedTuple):
    """What ``fit`` found that the cross-fit of the same rows reads again: the sales days (``_sales_days``) and,
    with ``season_days``, the yearly sums and counts of the seasonal profile (``_season_sums``)."""

    f: pd.DataFrame
    by_year: tuple[np.ndarray, np.ndarray] | None


def _sales_days(X, y, recent_days: int, recent_until: int | None) -> pd.DataFrame:
    """The rows with Sales > 0 as a frame of what the statistics read (a clear error when there is none)."""
    y = np.asarray(y, dtype=float)
    keep = y > 0
    if not keep.any():  # else numpy's "zero-size array to reduction operation maximum", naming nothing
        raise ValueError(f"StoreHistory learns each store's statistics from days with sales, but `y` (Sales) has "
                         f"no value > 0 among its {len(y):,} rows (every day closed or zero?): fit it on open "
                         "days with Sales > 0.")
    days = to_days(X[s.DATE])[keep]
    parts = date_parts(days)
    return pd.DataFrame({
        "store": np.asarray(X[s.STORE], dtype=np.int64)[keep],
        "log": np.log1p(y[keep]),
        "sales": y[keep],
        "dow": weekday(days),
        "month": parts["month"] - 1,
        "year": parts["year"],
        "day": leap_neutral_day_of_year(parts) - 1,
        "promo": numeric(X, s.PROMO)[keep],
        "school": numeric(X, s.SCHOOL_HOLIDAY)[keep],
        "customers": numeric(X, s.CUSTOMERS)[keep],
        "recent": days > (days.max() if recent_until is None else recent_until) - recent_days,
    })


def _year_sums(store: pd.Series, key: pd.Series, year: pd.Series, values: pd.Series, stores: np.ndarray,
               size: int) -> tuple[np.ndarray, np.ndarray]:
    """Sums and counts of ``values`` by (store, year, key) as dense (n_stores, n_years, size) arrays."""
    years = np.unique(year.to_numpy())
    at = (np.searchsorted(stores, store.to_numpy()), np.searchsorted(years, year.to_numpy()), key.to_numpy())
    sums = np.zeros((len(stores), len(years), size))
    counts = np.zeros_like(sums)
    np.add.at(sums, at, values.to_numpy())
    np.add.at(counts, at, 1.0)
    return sums, counts


def _season_sums(f: pd.DataFrame, stores: np.ndarray, dow: np.ndarray, half: int) -> tuple[np.ndarray, np.ndarray]:
    """Sums and counts of the residual log sales (net of the store's mean and weekday profile) of the days within
    ``half`` days of each day of the year, by (store, year, day of year); the window wraps round the new year."""
    centred = f["log"] - f.groupby("store")["log"].transform("mean")
    residual = centred - dow[np.searchsorted(stores, f["store"].to_numpy()), f["dow"].to_numpy()]
    sums, counts = _year_sums(f["store"], f["day"], f["year"], residual, stores, 365)
    box = np.ones(2 * half + 1)
    return convolve1d(sums, box, axis=2, mode="wrap"), convolve1d(counts, box, axis=2, mode="wrap")


def _other_years(sums: np.ndarray, counts: np.ndarray, stores: np.ndarray, years: np.ndarray, ids: np.ndarray,
                 key: np.ndarray, year: np.ndarray) -> np.ndarray:
    """Per row: the mean over its store's ``key`` cell of every year but its own (NaN where no other year has one)."""
    si = np.minimum(np.searchsorted(stores, ids), len(stores) - 1)
    known = stores[si] == ids
    yi = np.minimum(np.searchsorted(years, year), len(years) - 1)
    own = years[yi] == year
    total, n = sums.sum(axis=1)[si, key], counts.sum(axis=1)[si, key]
    total = total - np.where(own, sums[si, yi, key], 0.0)
    n = n - np.where(own, counts[si, yi, key], 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(known & (n > 0), total / np.where(n > 0, n, 1.0), np.nan)


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
