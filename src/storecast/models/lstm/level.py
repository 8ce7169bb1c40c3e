"""The level the LSTM corrects: each look-back window's weekday x promo profile, plus the season.

The network predicts a correction to a seasonal-naive level (`lookback_profile`), read from the store's own
look-back window: its mean scaled sales per (day of week, promo), without the weeks of a public holiday
(`holiday_weeks`), each cell shrunk towards one level for the window plus the store's long-run weekday x promo
profile (`shaped_level`), plus the chain's yearly cycle from the look-back days to the forecast day
(`season_profile`, `season_shift`). A store without one known day in its window takes its long-run profile
(`store_profile`, `empty_window_level`). Training windows (`dataset.make_windows`) and served rows
(`forecaster.LSTMForecaster.predict_open`) compute it with these same functions.
"""

from __future__ import annotations

__all__ = ["lookback_profile", "shaped_level", "profile_level", "season_profile", "season_shift", "store_profile",
           "empty_window_level", "holiday_weeks", "level_days", "christmas_season", "ENC_SALES", "ENC_OPEN",
           "ENC_PROMO", "ENC_STATE_HOLIDAY", "ENC_DOW_SIN", "ENC_DOW_COS"]

from typing import Protocol

import numpy as np
import pandas as pd

from storecast.dates import to_days
from storecast.features.calendar import date_parts, leap_neutral_day_of_year

# Where the look-back inputs this module reads sit in `dataset.ENC_FEATURES` (not imported: dataset imports
# this module); tests/models/test_lstm_dataset.py checks that the two agree.
ENC_SALES, ENC_OPEN, ENC_PROMO, ENC_STATE_HOLIDAY, ENC_DOW_SIN, ENC_DOW_COS = 0, 1, 2, 3, 5, 6


class Panel(Protocol):
    """What the profiles read of a `dataset.Panel` (named here so that this module imports nothing of it)."""

    @property
    def stores(self) -> np.ndarray: ...

    @property
    def dates(self) -> pd.DatetimeIndex: ...

    @property
    def promo(self) -> np.ndarray: ...


def _dow_of(enc: np.ndarray) -> np.ndarray:
    """(B, L) day of week (0 = Monday) of each look-back day, read back from its sine/cosine inputs."""
    return np.rint(np.arctan2(enc[..., ENC_DOW_SIN], enc[..., ENC_DOW_COS]) * 7 / (2 * np.pi)).astype(np.int64) % 7


def christmas_season(dates: np.ndarray) -> np.ndarray:
    """True for 24 December..1 January: the closing holidays of the year's peak weeks (see `holiday_weeks`)."""
    days = np.asarray(dates).astype("datetime64[D]")
    day_of_year = (days - days.astype("datetime64[Y]")).astype(np.int64)  # 0 = 1 January
    month = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (days - days.astype("datetime64[M]")).astype(np.int64) + 1
    return (day_of_year == 0) | ((month == 12) & (day >= 24))


def holiday_weeks(enc: np.ndarray, dates: np.ndarray) -> np.ndarray:
    """(B, L) True for the look-back days whose Monday..Sunday week holds a public holiday on Monday..Saturday.

    Why: a store closed on a holiday sells much of that day's demand on its other days of the week. On
    train.csv an open Monday..Saturday of such a week sells 7% above its store's mean, against -1% in
    other weeks (`bench/holiday_weeks.py`; part of it is the season those weeks fall in). May and June
    hold four or five such weeks, July none, so a look-back level that counts them runs high in summer
    (the LSTM's -4% bias in July 2014, -5% in July 2015). The Christmas holidays
    (24 December..1 January) do not count: those weeks are the year's peak, on the same dates every year,
    which the season profile carries; leaving them out made January's forecasts worse (docs/modeling-lstm.md).
    ``dates`` (B, L) or (1, L) are the window's days. Only the days inside the window are read, so a week
    cut by the window's first day counts the holidays it shows.
    """
    hol = (enc[..., ENC_STATE_HOLIDAY] > 0) & ~np.broadcast_to(christmas_season(dates), enc.shape[:2])
    dow = _dow_of(enc)
    B, L = hol.shape
    monday = np.arange(L)[None, :] - dow + 6  # each day's Monday, shifted to 0..L+5
    weeks = np.zeros((B, L + 6), dtype=bool)
    b, j = np.nonzero(hol & (dow < 6))
    weeks[b, monday[b, j]] = True
    return np.take_along_axis(weeks, monday, axis=1)


def level_days(enc: np.ndarray, skip_holiday_weeks: bool, dates: np.ndarray | None = None) -> np.ndarray:
    """(B, L) the look-back days the level reads: the known ones, without `holiday_weeks` when asked
    (``dates``, the window's days, are then needed)."""
    known = enc[..., ENC_OPEN] > 0
    if not skip_holiday_weeks:
        return known
    if dates is None:
        raise ValueError("`dates` are needed to leave out the weeks of a holiday")
    return known & ~holiday_weeks(enc, dates)


def lookback_profile(enc: np.ndarray, fallback: np.ndarray | None = None,
                     days: np.ndarray | None = None, shape: np.ndarray | None = None,
                     shape_days: float = 0.0) -> np.ndarray:
    """(B, 7, 2) mean scaled sales per (day of week, promo) over each look-back window.

    A seasonal-naive level computed from the window alone (so a row's forecast still depends only on
    its store's history and its own inputs): the naive baseline's idea, handed to the network so it
    learns the correction instead of the whole weekly/promo profile. Empty cells fall back to the
    day-of-week mean, then to the window mean. A window without one known day (a store closed for the
    whole look-back: the 180 Rossmann stores missing from July to December 2014) takes ``fallback``
    (B, 7, 2), the store's long-run profile (`empty_window_level`), when given. ``days`` (B, L), optional:
    the days to read (`level_days` without the weeks of a holiday); a cell that has none of them keeps its
    value from every known day. The same mask goes to `season_shift`, so it is computed once by the caller.
    ``shape`` (B, 7, 2), optional, with ``shape_days`` > 0: the store's long-run weekday x promo profile
    (`store_profile`); each cell's mean is then shrunk towards `shaped_level` (one level for the window
    plus that profile) as if it held ``shape_days`` more days of it: ``(n cell + k shaped) / (n + k)``.
    """
    sales, known, promo = enc[..., ENC_SALES], enc[..., ENC_OPEN] > 0, enc[..., ENC_PROMO] > 0
    dow = _dow_of(enc)
    cell = np.zeros(enc.shape[:2] + (7, 2), dtype=np.float32)
    b, j = np.nonzero(known)
    cell[b, j, dow[b, j], promo[b, j].astype(np.int64)] = 1.0
    sums = np.einsum("bl,bldp->bdp", sales.astype(np.float32), cell)
    overall = (sales * known).sum(-1) / np.maximum(known.sum(-1), 1)
    counts = cell.sum(axis=1)  # days per cell: the ones read, or every known one where a cell has none read
    profile = _cell_means(sums, counts, overall[:, None])
    if days is not None:
        kept = np.asarray(days, dtype=np.float32)[..., None, None] * cell
        kept_counts = kept.sum(axis=1)
        profile = np.where(kept_counts > 0, np.einsum("bl,bldp->bdp", sales.astype(np.float32), kept)
                           / np.maximum(kept_counts, 1), profile).astype(np.float32)
        counts = np.where(kept_counts > 0, kept_counts, counts)
    if shape is not None and shape_days > 0:
        shaped = _shaped(sales, known, promo, dow, shape, days)
        profile = ((counts * profile + shape_days * shaped) / (counts + shape_days)).astype(np.float32)
    if fallback is not None:
        empty = ~known.any(axis=-1)
        profile[empty] = fallback[empty]
    return profile


def shaped_level(enc: np.ndarray, shape: np.ndarray, days: np.ndarray | None = None) -> np.ndarray:
    """(B, 7, 2) the window's level as one number plus the store's long-run weekday x promo ``shape``.

    Why: a cell mean reads two to four days once the weeks of a holiday are left out (8 weeks, 14
    cells), so each cell carries the noise of a few days. The store's shape of the week and its promo lift
    change slowly and are known from its whole fit history; what the recent weeks say is the level. So the
    level is the mean over the read days (``days``, else every known day; every known day when a window
    has none of ``days``) of scaled sales minus ``shape`` at that day's (day of week, promo), and the profile
    is that level plus ``shape``; a window without a known day gets ``shape`` itself (`lookback_profile`
    then gives it its ``fallback``).
    """
    return _shaped(enc[..., ENC_SALES], enc[..., ENC_OPEN] > 0, enc[..., ENC_PROMO] > 0, _dow_of(enc), shape, days)


def _shaped(sales: np.ndarray, known: np.ndarray, promo: np.ndarray, dow: np.ndarray, shape: np.ndarray,
            days: np.ndarray | None) -> np.ndarray:
    """`shaped_level` from the window's columns as `lookback_profile` has already read them."""
    rows = np.arange(sales.shape[0])[:, None]
    net = sales - shape[rows, dow, promo.astype(np.int64)]
    read = known if days is None else np.asarray(days, dtype=bool) & known
    read = np.where(read.any(axis=-1, keepdims=True), read, known)
    level = (net * read).sum(-1) / np.maximum(read.sum(-1), 1)
    return (shape + level[:, None, None]).astype(np.float32)


def _cell_means(sums: np.ndarray, counts: np.ndarray, last_resort) -> np.ndarray:
    """(B, 7, 2) means from per-cell ``sums`` and ``counts``; an empty cell takes its weekday's mean, an
    empty weekday ``last_resort`` (broadcast against (B, 7)): the one fallback rule of both profiles."""
    by_dow = sums.sum(-1) / np.maximum(counts.sum(-1), 1)
    by_dow = np.where(counts.sum(-1) > 0, by_dow, last_resort)
    return np.where(counts > 0, sums / np.maximum(counts, 1), by_dow[..., None]).astype(np.float32)


def store_profile(panel: Panel, scaled: np.ndarray, days: int, neutral: float) -> np.ndarray:
    """(S, 7, 2) each store's mean scaled sales per (day of week, promo) over the first ``days`` panel days.

    The level a store gets when its look-back window holds no sale at all (`lookback_profile`). Why not
    scaled 0: on the real data that is about a third of a store's mean, not the mean, and the network
    forecast the stores reopening in January 2015 far too low from it. Empty cells fall
    back to the store's weekday mean, then to ``neutral`` (the scaled value of the store's own mean).
    """
    part, open_days = scaled[:, :days], np.isfinite(scaled[:, :days])
    dow = np.asarray(panel.dates[:days].day_of_week)
    promo = panel.promo[:, :days] > 0
    values = np.where(open_days, part, 0.0)
    sums = np.zeros((len(panel.stores), 7, 2))
    counts = np.zeros((len(panel.stores), 7, 2))
    for d in range(7):
        for p in (0, 1):
            sel = open_days & (dow == d)[None, :] & (promo == bool(p))
            sums[:, d, p] = np.where(sel, values, 0.0).sum(axis=1)
            counts[:, d, p] = sel.sum(axis=1)
    return _cell_means(sums, counts, neutral)


def empty_window_level(profile: np.ndarray | None, season: np.ndarray | None, lookback_dates) -> np.ndarray | None:
    """`lookback_profile`'s ``fallback``: the store's long-run profile, seen from a look-back window.

    ``profile`` (B, 7, 2) is `store_profile` of each window's store, ``lookback_dates`` (B, L), or (1, L)
    when every window ends on the same day. The
    season shift added later (`season_shift`) measures the change from the look-back weeks; a long-run
    profile is the year's mean, so the window's own season is added back here and the sum is
    ``profile + season(target) - mean(season)``.
    """
    if profile is None or season is None:
        return profile
    window_season = season[_day_of_year(lookback_dates)].mean(axis=-1)
    return (profile + (window_season - season.mean())[:, None, None]).astype(np.float32)


def profile_level(profile: np.ndarray, window: np.ndarray, dates: pd.DatetimeIndex | pd.Series,
                  promo: np.ndarray) -> np.ndarray:
    """Pick each future day's level: ``profile[window, day of week, promo]``."""
    dow = np.asarray(pd.DatetimeIndex(np.asarray(dates).ravel()).day_of_week).reshape(np.shape(promo))
    return profile[window, dow, (np.asarray(promo) > 0).astype(np.int64)]


SEASON_SMOOTH_DAYS = 7  # the yearly profile is a +-7-day moving mean: Easter moves, weekdays shift by year


def _day_of_year(dates) -> np.ndarray:
    """0..364, a slot of the (365,) season profile: the trees' leap-neutral day of year less one (29 February
    shares 28 February's slot, so a day keeps its slot across years)."""
    days = to_days(np.asarray(dates).ravel())
    return (leap_neutral_day_of_year(date_parts(days)) - 1).reshape(np.shape(dates))


def season_profile(panel: Panel, scaled: np.ndarray, days: int) -> np.ndarray:
    """(365,) the chain's yearly cycle of scaled sales over the first ``days`` panel days (the fit part).

    Why: the look-back level says how a store sold in the 8 weeks before the origin, but the next six
    weeks may lie in another season (May-June level, July forecast: the LSTM ran 5% high in every week of
    July 2015). The chain-wide mean of scaled (store-demeaned) sales by day of year, smoothed, gives the
    expected change from the look-back weeks to each forecast day (`season_shift`). Learned from the fit
    part only; days of the year never seen get the profile's mean.
    """
    part = scaled[:, :days]
    known = np.isfinite(part)
    stores_open = known.sum(axis=0)
    chain = np.where(stores_open > 0, np.where(known, part, 0.0).sum(axis=0) / np.maximum(stores_open, 1), np.nan)
    doy = _day_of_year(panel.dates[:days])
    seen = np.isfinite(chain)
    total = np.bincount(doy[seen], chain[seen], 365)
    count = np.bincount(doy[seen], minlength=365).astype(float)
    kernel = np.ones(2 * SEASON_SMOOTH_DAYS + 1)
    wrap = SEASON_SMOOTH_DAYS

    def smooth(x: np.ndarray) -> np.ndarray:
        return np.convolve(np.concatenate([x[-wrap:], x, x[:wrap]]), kernel, mode="valid")

    sums, counts = smooth(total), smooth(count)
    fallback = total.sum() / max(count.sum(), 1.0)
    return np.where(counts > 0, sums / np.maximum(counts, 1.0), fallback).astype(np.float32)


def season_shift(season: np.ndarray | None, lookback_dates, target_dates,
                 days: np.ndarray | None = None) -> np.ndarray:
    """Expected seasonal change from a look-back window to each target day: profile(target) - mean(profile(window)).

    ``lookback_dates`` has shape (B, L), ``target_dates`` (B, K) or (B,); the result has ``target_dates``'
    shape. ``days`` (B, L), optional: the look-back days the level was read from (`level_days`); the
    window's season is then their mean, so that level and season speak of the same days (a window
    without one such day takes the mean over all its dates). None (a model saved before the profile
    existed) gives 0.
    """
    shape = np.shape(target_dates)
    if season is None:
        return np.zeros(shape, dtype=np.float32)
    window = season[_day_of_year(lookback_dates)]
    base = window.mean(axis=-1)
    if days is not None:
        days = np.asarray(days, dtype=np.float32)
        n = days.sum(axis=-1)
        base = np.where(n > 0, (window * days).sum(axis=-1) / np.maximum(n, 1), base)
    target = season[_day_of_year(target_dates)]
    return (target - base.reshape(base.shape + (1,) * (target.ndim - base.ndim))).astype(np.float32)
