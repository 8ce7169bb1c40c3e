"""Turn daily rows into the LSTM's supervised form: a store x day panel, scaling, and windows.

The series is made stationary enough to learn across stores by taking log sales and removing each
store's mean level (learned on the fit window); what remains is scaled to (-1, 1). A window is a
look-back of past values ending at an *origin* day plus the known-future inputs (Open, Promo,
holidays, calendar) of the next ``horizon`` days, whose sales are the targets. Windows never mix
stores and, because the panel ends at the fit cut, never reach past it.
"""

from __future__ import annotations

__all__ = ["Panel", "SalesScaler", "build_panel", "make_windows", "future_features", "lookback_profile",
           "profile_level", "holiday_proximity", "season_profile", "season_shift", "store_profile",
           "empty_window_level", "ENC_FEATURES", "DEC_FEATURES", "LEVEL_INDEX", "CONTEXT_FEATURES",
           "promo_anchor", "schedule_context", "holiday_weeks", "level_days", "christmas_season"]

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.preprocessing import MinMaxScaler

from storecast import schema as s
from storecast.dates import from_days, to_days

ENC_FEATURES = ("sales", "open", "promo", "state_holiday", "school_holiday", "dow_sin", "dow_cos")
DEC_FEATURES = ("open", "promo", "state_holiday", "school_holiday", "dow_sin", "dow_cos", "doy_sin", "doy_cos",
                "christmas_run_up", "holiday_ahead", "holiday_behind", "step", "lookback_level")
# with ``LSTMConfig.context``: appended after DEC_FEATURES (the trees' promo cycle and schedule context)
CONTEXT_FEATURES = ("promo_cycle_pos", "closure_ahead_days", "closure_ahead_len", "reopened_days",
                    "reopened_after_len")
CONTEXT_CAP = 30  # days, as the trees' StoreSchedule
HOLIDAY_CAP = 7  # days: stores shift sales into the week around a closing public holiday
# the network predicts a correction to this input (a seasonal-naive level), see `lookback_profile`
LEVEL_INDEX = DEC_FEATURES.index("lookback_level")


@dataclass(frozen=True)
class Panel:
    """Store x day arrays over a contiguous date range (missing days: NaN sales, closed)."""

    stores: np.ndarray  # (S,) store ids
    dates: pd.DatetimeIndex  # (T,)
    log_sales: np.ndarray  # (S, T) log1p(Sales) on open days with sales, NaN elsewhere
    open: np.ndarray  # (S, T) 0/1
    promo: np.ndarray
    state_holiday: np.ndarray
    school_holiday: np.ndarray


def build_panel(train: pd.DataFrame, until: pd.Timestamp | str | None = None,
                stores: np.ndarray | None = None) -> Panel:
    """Pivot train-shaped rows up to ``until`` (inclusive) into a `Panel`."""
    until = pd.Timestamp(until) if until is not None else train[s.DATE].max()
    rows = train[train[s.DATE] <= until]
    store_ids = np.sort(rows[s.STORE].unique()) if stores is None else np.asarray(stores)
    dates = pd.date_range(rows[s.DATE].min(), until, freq="D")
    si = pd.Index(store_ids).get_indexer(rows[s.STORE])
    ti = dates.get_indexer(rows[s.DATE])
    keep = si >= 0
    si, ti, rows = si[keep], ti[keep], rows[keep]

    def grid(values: np.ndarray, fill: float) -> np.ndarray:
        out = np.full((len(store_ids), len(dates)), fill, dtype=np.float32)
        out[si, ti] = values
        return out

    sales = rows[s.SALES].to_numpy(dtype=float)
    is_sale = (rows[s.OPEN].to_numpy() == 1) & (sales > 0)
    return Panel(
        stores=store_ids,
        dates=dates,
        log_sales=grid(np.where(is_sale, np.log1p(sales), np.nan), np.nan),
        open=grid(rows[s.OPEN].to_numpy(dtype=np.float32), 0.0),
        promo=grid(rows[s.PROMO].to_numpy(dtype=np.float32), 0.0),
        state_holiday=grid((rows[s.STATE_HOLIDAY].astype(str) != "0").to_numpy(dtype=np.float32), 0.0),
        school_holiday=grid(rows[s.SCHOOL_HOLIDAY].to_numpy(dtype=np.float32), 0.0),
    )


class SalesScaler:
    """log sales -> minus the store's mean -> MinMaxScaler to (-1, 1); fitted on the fit window only.

    Attributes
    ----------
    store_mean_ : ndarray (S,)
        Mean log sales per store over the fit window.
    scaler_ : MinMaxScaler
        Maps the de-meaned values of the fit window exactly onto (-1, 1).
    """

    def fit(self, log_sales: np.ndarray) -> SalesScaler:
        """Learn store means and the (-1, 1) range from a (S, T) panel of log sales."""
        self.store_mean_ = np.nan_to_num(np.nanmean(log_sales, axis=1)).astype(np.float64)
        centred = log_sales - self.store_mean_[:, None]
        values = centred[np.isfinite(centred)].reshape(-1, 1)
        self.scaler_ = MinMaxScaler(feature_range=(-1, 1)).fit(values)
        return self

    def transform(self, log_sales: np.ndarray, store_index: np.ndarray | None = None) -> np.ndarray:
        """Scale log sales of the stores at ``store_index`` (all stores when None); NaN stays NaN."""
        mean = self.store_mean_ if store_index is None else self.store_mean_[store_index]
        centred = log_sales - mean.reshape(mean.shape + (1,) * (log_sales.ndim - 1))
        return centred * self.scaler_.scale_[0] + self.scaler_.min_[0]

    def inverse_transform(self, scaled: np.ndarray, store_index: np.ndarray) -> np.ndarray:
        """Back to log sales for rows belonging to the stores at ``store_index``."""
        centred = (scaled - self.scaler_.min_[0]) / self.scaler_.scale_[0]
        mean = self.store_mean_[store_index]
        return centred + mean.reshape(mean.shape + (1,) * (scaled.ndim - 1))


def _dow(dates: pd.DatetimeIndex | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    dow = np.asarray(pd.DatetimeIndex(dates).day_of_week, dtype=np.float32)
    return np.sin(2 * np.pi * dow / 7), np.cos(2 * np.pi * dow / 7)


def encoder_inputs(panel: Panel, scaled: np.ndarray) -> np.ndarray:
    """(S, T, len(ENC_FEATURES)) inputs; unknown sales (closed, missing) are 0 with open = 0."""
    sin, cos = _dow(panel.dates)
    S, T = scaled.shape
    return np.stack([
        np.nan_to_num(scaled, nan=0.0), panel.open, panel.promo, panel.state_holiday, panel.school_holiday,
        np.broadcast_to(sin, (S, T)), np.broadcast_to(cos, (S, T)),
    ], axis=-1).astype(np.float32)


def _calendar(dates: pd.DatetimeIndex | pd.Series) -> np.ndarray:
    """(N, 5) day-of-week and day-of-year cycles plus the Christmas run-up of each date."""
    sin, cos = _dow(dates)
    idx = pd.DatetimeIndex(dates)
    doy = np.asarray(idx.day_of_year, dtype=np.float32)
    # the pre-Christmas surge is too sharp for a yearly sine: 1 on 24 December, fading to 0 over 4 weeks
    xmas = pd.to_datetime(pd.DataFrame({"year": idx.year, "month": 12, "day": 24}))
    to_xmas = np.asarray((pd.DatetimeIndex(xmas) - idx).days, dtype=np.float32)
    run_up = np.where((to_xmas >= 0) & (to_xmas < 28), 1 - to_xmas / 28, 0).astype(np.float32)
    return np.stack([sin, cos, np.sin(2 * np.pi * doy / 365.25), np.cos(2 * np.pi * doy / 365.25), run_up],
                    axis=-1).astype(np.float32)


def _holiday_pair(days: np.ndarray, state: str) -> np.ndarray:
    """(N, 2) days to the next and since the last public holiday of ``state``, capped and scaled to [0, 1]."""
    from storecast.features.proximity import days_to_and_since, holiday_days

    years = pd.DatetimeIndex(from_days(days)).year
    events = holiday_days(state, range(int(years.min()) - 1, int(years.max()) + 2))
    ahead, behind = days_to_and_since(days, events, HOLIDAY_CAP)
    return (np.stack([ahead, behind], axis=-1) / HOLIDAY_CAP).astype(np.float32)


def holiday_proximity(dates: pd.DatetimeIndex | pd.Series, states: np.ndarray) -> np.ndarray:
    """(N, 2) nearness of the state's public holidays for N (date, state) pairs ("" = nationwide calendar).

    From the ``holidays`` calendar, not from neighbouring request rows, so one row alone gets the same
    value as inside a batch. Days of the epoch are compared as integers.
    """
    days = to_days(pd.DatetimeIndex(np.asarray(dates).ravel()).values)
    states = np.broadcast_to(np.asarray(states, dtype=object), days.shape)
    out = np.zeros(days.shape + (2,), dtype=np.float32)
    for state in pd.unique(states):
        sel = states == state
        out[sel] = _holiday_pair(days[sel], str(state))
    return out


def _decoder(calendar: np.ndarray, open_: np.ndarray, promo: np.ndarray, state_holiday: np.ndarray,
             school_holiday: np.ndarray, holiday: np.ndarray, step: np.ndarray, horizon: int,
             level: np.ndarray) -> np.ndarray:
    """Stack the known-future inputs in `DEC_FEATURES` order (one place, so training and serving agree)."""
    return np.concatenate([
        np.stack([open_, promo, state_holiday, school_holiday], axis=-1).astype(np.float32),
        calendar, np.asarray(holiday, dtype=np.float32), (np.asarray(step, dtype=np.float32) / horizon)[..., None],
        np.asarray(level, dtype=np.float32)[..., None],
    ], axis=-1).astype(np.float32)


def future_features(dates: pd.DatetimeIndex | pd.Series, open_: np.ndarray, promo: np.ndarray,
                    state_holiday: np.ndarray, school_holiday: np.ndarray, step: np.ndarray,
                    horizon: int, level: np.ndarray, states: np.ndarray) -> np.ndarray:
    """(N, len(DEC_FEATURES)) known-future inputs of N days; ``step`` is days after the origin (1..horizon).

    ``level`` is each day's `profile_level` from its store's look-back window, ``states`` its store's
    German state code ("" when unknown).
    """
    return _decoder(_calendar(dates), open_, promo, state_holiday, school_holiday,
                    holiday_proximity(dates, states), step, horizon, level)


def promo_anchor(panel: Panel) -> int:
    """The trees' promo phase (`features.proximity.promo_anchor`) over every cell of the panel.

    Each Monday's share of stores on promo is a column mean of the panel (its cells are 0/1, missing ones 0),
    so the rule needs no per-cell frame.
    """
    from storecast.dates import weekday
    from storecast.features.proximity import latest_promo_monday

    days = to_days(panel.dates.values)
    monday = weekday(days) == 0
    share = panel.promo[:, monday].mean(axis=0, dtype=np.float64)
    return latest_promo_monday(days[monday], share, int(days.max()))


def schedule_context(ids: np.ndarray, days: np.ndarray, open_: np.ndarray, promo: np.ndarray,
                     anchor: int) -> np.ndarray:
    """(N, len(CONTEXT_FEATURES)) scaled to 0..1: the position in the promo cycle (the row's own flag on
    weekdays, the learned phase on weekends) and the trees' schedule context read from the open rows of
    the same ``ids`` (a store's forecast days), the same functions at fit and at forecast time."""
    from storecast.features.proximity import promo_cycle_position
    from storecast.features.schedule import SCHEDULE_FEATURES, schedule_features

    days = np.asarray(days, dtype=np.int64)
    out = np.zeros((len(days), len(CONTEXT_FEATURES)), dtype=np.float32)
    out[:, 0] = promo_cycle_position(days, anchor, np.asarray(promo, dtype=np.float64)) / 13
    sel = np.asarray(open_, dtype=bool)
    sched = schedule_features(np.asarray(ids)[sel], days[sel], np.ones(int(sel.sum()), dtype=bool), CONTEXT_CAP)
    for j, name in enumerate(SCHEDULE_FEATURES, start=1):
        out[sel, j] = sched[name] / CONTEXT_CAP
    return out


def _dow_of(enc: np.ndarray) -> np.ndarray:
    """(B, L) day of week (0 = Monday) of each look-back day, read back from its sine/cosine inputs."""
    return np.rint(np.arctan2(enc[..., 5], enc[..., 6]) * 7 / (2 * np.pi)).astype(np.int64) % 7


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
    hol = (enc[..., 3] > 0) & ~np.broadcast_to(christmas_season(dates), enc.shape[:2])
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
    known = enc[..., 1] > 0
    if not skip_holiday_weeks:
        return known
    if dates is None:
        raise ValueError("`dates` are needed to leave out the weeks of a holiday")
    return known & ~holiday_weeks(enc, dates)


def lookback_profile(enc: np.ndarray, fallback: np.ndarray | None = None,
                     skip_holiday_weeks: bool = False, dates: np.ndarray | None = None) -> np.ndarray:
    """(B, 7, 2) mean scaled sales per (day of week, promo) over each look-back window.

    A seasonal-naive level computed from the window alone (so a row's forecast still depends only on
    its store's history and its own inputs): the naive baseline's idea, handed to the network so it
    learns the correction instead of the whole weekly/promo profile. Empty cells fall back to the
    day-of-week mean, then to the window mean. A window without one known day (a store closed for the
    whole look-back: the 180 Rossmann stores missing from July to December 2014) takes ``fallback``
    (B, 7, 2), the store's long-run profile (`empty_window_level`), when given. With
    ``skip_holiday_weeks`` the days of `holiday_weeks` (``dates``: the window's days) are left out; a cell
    that has no other day keeps its value from every known day.
    """
    sales, known, promo = enc[..., 0], enc[..., 1] > 0, enc[..., 2] > 0
    dow = _dow_of(enc)
    cell = np.zeros(enc.shape[:2] + (7, 2), dtype=np.float32)
    b, j = np.nonzero(known)
    cell[b, j, dow[b, j], promo[b, j].astype(np.int64)] = 1.0
    sums = np.einsum("bl,bldp->bdp", sales.astype(np.float32), cell)
    overall = (sales * known).sum(-1) / np.maximum(known.sum(-1), 1)
    profile = _cell_means(sums, cell.sum(axis=1), overall[:, None])
    if skip_holiday_weeks:
        kept = level_days(enc, True, dates).astype(np.float32)[..., None, None] * cell
        kept_counts = kept.sum(axis=1)
        profile = np.where(kept_counts > 0, np.einsum("bl,bldp->bdp", sales.astype(np.float32), kept)
                           / np.maximum(kept_counts, 1), profile).astype(np.float32)
    if fallback is not None:
        empty = ~known.any(axis=-1)
        profile[empty] = fallback[empty]
    return profile


def _cell_means(sums: np.ndarray, counts: np.ndarray, last_resort) -> np.ndarray:
    """(B, 7, 2) means from per-cell ``sums`` and ``counts``; an empty cell takes its weekday's mean, an
    empty weekday ``last_resort`` (broadcast against (B, 7)): the one fallback rule of both profiles."""
    by_dow = sums.sum(-1) / np.maximum(counts.sum(-1), 1)
    by_dow = np.where(counts.sum(-1) > 0, by_dow, last_resort)
    return np.where(counts > 0, sums / np.maximum(counts, 1), by_dow[..., None]).astype(np.float32)


def store_profile(panel: Panel, scaled: np.ndarray, days: int, neutral: float) -> np.ndarray:
    """(S, 7, 2) each store's mean scaled sales per (day of week, promo) over the first ``days`` panel days.

    The level a store gets when its look-back window holds no sale at all (`lookback_profile`): before,
    such a window fell to scaled 0, which is not the store's mean but about a third of it on the real
    data (the network then forecast the reopened stores of January 2015 far too low). Empty cells fall
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
    """0..365 (29 February shares 28 February's slot, so a day keeps its slot across years)."""
    idx = pd.DatetimeIndex(np.asarray(dates).ravel())
    doy = np.asarray(idx.day_of_year, dtype=np.int64) - 1
    return np.where(idx.is_leap_year & (doy >= 59), doy - 1, doy).reshape(np.shape(dates))


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


def make_windows(panel: Panel, scaled: np.ndarray, store_index: np.ndarray, origins: np.ndarray,
                 lookback: int, horizon: int, holiday: np.ndarray | None = None,
                 season: np.ndarray | None = None, profiles: np.ndarray | None = None,
                 anchor: int | None = None, skip_holiday_weeks: bool = False) -> dict[str, np.ndarray]:
    """Windows for (store, origin) pairs: encoder days origin-lookback+1..origin, targets the next days.

    ``holiday`` is the (S, T, 2) `holiday_proximity` of the panel (nationwide calendar when None);
    ``season`` the `season_profile` added to each day's look-back level (none when None), ``profiles``
    the (S, 7, 2) `store_profile` taken by windows without a known day (scaled 0 when None);
    ``skip_holiday_weeks`` reads the level without the weeks of a public holiday (`holiday_weeks`).
    Raises ``ValueError`` when a window would start before the panel or end after it (that is, after
    the fit cut), so leakage past the cut cannot happen silently.
    """
    origins = np.asarray(origins)
    if (origins - lookback + 1 < 0).any() or (origins + horizon > len(panel.dates) - 1).any():
        raise ValueError("`origins` must leave `lookback` days before and `horizon` days after inside the panel.")
    enc_all = encoder_inputs(panel, scaled)
    offsets = np.arange(-lookback + 1, 1)
    enc = enc_all[store_index[:, None], origins[:, None] + offsets[None, :]]
    steps = np.arange(1, horizon + 1)
    t = origins[:, None] + steps[None, :]
    si = np.broadcast_to(store_index[:, None], t.shape)
    # calendar features once per panel day, then gathered: the same values future_features gives a row
    days = np.asarray(panel.dates.values)
    look_days = days[origins[:, None] + offsets[None, :]]
    fallback = empty_window_level(None if profiles is None else profiles[store_index], season, look_days)
    level = profile_level(lookback_profile(enc, fallback, skip_holiday_weeks, look_days),
                          np.arange(len(origins))[:, None], panel.dates[t.ravel()], panel.promo[si, t])
    level = level + season_shift(season, look_days, days[t],
                                 level_days(enc, skip_holiday_weeks, look_days) if skip_holiday_weeks else None)
    if holiday is None:
        holiday = np.broadcast_to(holiday_proximity(panel.dates, np.array([""]))[None], (len(panel.stores),
                                                                                       len(panel.dates), 2))
    dec = _decoder(_calendar(panel.dates)[t], panel.open[si, t], panel.promo[si, t], panel.state_holiday[si, t],
                   panel.school_holiday[si, t], holiday[si, t], np.broadcast_to(steps, t.shape), horizon, level)
    if anchor is not None:  # the context inputs, read from each window's own forecast days
        ids = np.broadcast_to(np.arange(len(origins))[:, None], t.shape).ravel()
        ctx = schedule_context(ids, to_days(days[t.ravel()]), panel.open[si, t].ravel() > 0,
                               panel.promo[si, t].ravel(), anchor)
        dec = np.concatenate([dec, ctx.reshape(t.shape + (ctx.shape[-1],))], axis=-1)
    target = scaled[si, t]
    return {
        "enc": enc, "dec": dec, "target": np.nan_to_num(target, nan=0.0).astype(np.float32),
        "mask": np.isfinite(target).astype(np.float32), "store": store_index.astype(np.int64),
        "target_day": t,
    }
