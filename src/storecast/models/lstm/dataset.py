"""Turn daily rows into the LSTM's supervised form: a store x day panel, scaling, and windows.

The series is made stationary enough to learn across stores by taking log sales and removing each
store's mean level (learned on the fit window); what remains is scaled to (-1, 1). A window is a
look-back of past values ending at an *origin* day plus the known-future inputs (Open, Promo,
holidays, calendar) of the next ``horizon`` days, whose sales are the targets. Windows never mix
stores and, because the panel ends at the fit cut, never reach past it.
"""

from __future__ import annotations

__all__ = ["Panel", "SalesScaler", "build_panel", "encoder_inputs", "make_windows", "future_features",
           "holiday_proximity", "ENC_FEATURES", "DEC_FEATURES", "LEVEL_INDEX", "CONTEXT_FEATURES", "promo_anchor",
           "schedule_context"]

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.preprocessing import MinMaxScaler

from storecast import schema as s
from storecast.dates import from_days, to_days
from storecast.features.calendar import date_parts, leap_neutral_day_of_year
from storecast.models.lstm.level import (
    empty_window_level,
    level_days,
    lookback_profile,
    profile_level,
    season_shift,
)

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
    # (S, T) True where the rows hold the day (open or closed); False for a missing one (a refurbishment's half-year)
    present: np.ndarray


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
        present=grid(np.ones(len(rows), dtype=np.float32), 0.0) > 0,
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
        """Learn store means and the (-1, 1) range from a (S, T) panel of log sales.

        A store without a sale in the fit window (its history starts in the validation days) gets mean 0,
        quietly: numpy's "Mean of empty slice" RuntimeWarning says nothing a user of `storecast lstm train`
        can act on.
        """
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
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
    """(N, 5) day-of-week and day-of-year cycles (leap-neutral, as the trees') and the Christmas run-up of each date."""
    sin, cos = _dow(dates)
    idx = pd.DatetimeIndex(dates)
    doy = leap_neutral_day_of_year(date_parts(to_days(idx))).astype(np.float32)
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
    weekdays, the learned phase on weekends) and the trees' schedule context read from the rows of the
    same ``ids`` (a store's forecast days), the same functions at fit and at forecast time. Every row is read,
    open and closed, as the trees' step reads a request, so closed rows before a store's first or after its last
    open day are a closure too (``LSTMBundle.reads_closed_rows``); closed rows themselves get 0."""
    from storecast.features.proximity import PROMO_CYCLE_DAYS, promo_cycle_position
    from storecast.features.schedule import SCHEDULE_FEATURES, schedule_features

    days = np.asarray(days, dtype=np.int64)
    out = np.zeros((len(days), len(CONTEXT_FEATURES)), dtype=np.float32)
    last_position = PROMO_CYCLE_DAYS - 1  # positions 0..13 scaled to 0..1
    out[:, 0] = promo_cycle_position(days, anchor, np.asarray(promo, dtype=np.float64)) / last_position
    sel = np.asarray(open_, dtype=bool)
    sched = schedule_features(np.asarray(ids), days, sel, CONTEXT_CAP)
    for j, name in enumerate(SCHEDULE_FEATURES, start=1):
        out[sel, j] = sched[name][sel] / CONTEXT_CAP
    return out


def make_windows(panel: Panel, scaled: np.ndarray, store_index: np.ndarray, origins: np.ndarray,
                 lookback: int, horizon: int, holiday: np.ndarray | None = None,
                 season: np.ndarray | None = None, profiles: np.ndarray | None = None,
                 anchor: int | None = None, skip_holiday_weeks: bool = False,
                 shape_days: float = 0.0) -> dict[str, np.ndarray]:
    """Windows for (store, origin) pairs: encoder days origin-lookback+1..origin, targets the next days.

    ``holiday`` is the (S, T, 2) `holiday_proximity` of the panel (nationwide calendar when None);
    ``season`` the `season_profile` added to each day's look-back level (none when None), ``profiles``
    the (S, 7, 2) `store_profile` taken by windows without a known day (scaled 0 when None);
    ``skip_holiday_weeks`` reads the level without the weeks of a public holiday (`holiday_weeks`);
    ``shape_days`` shrinks each cell of it towards the store's ``profiles`` (`shaped_level`).
    Raises ``ValueError`` when a window would start before the panel or end after it (that is, after
    the fit cut), so leakage past the cut cannot happen silently.
    """
    origins = np.asarray(origins)
    first, last = lookback - 1, len(panel.dates) - 1 - horizon  # the origins whose windows fit the panel
    outside = (origins < first) | (origins > last)
    if outside.any():
        bad = origins[outside]
        raise ValueError(f"`origins` must leave `lookback` ({lookback}) days before and `horizon` ({horizon}) days "
                         f"after inside the panel of {len(panel.dates)} days, so lie in {first}..{last}; got "
                         f"{outside.sum()} outside, {bad.min()}..{bad.max()}.")
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
    read = level_days(enc, True, look_days) if skip_holiday_weeks else None  # None: every known day
    shape = profiles[store_index] if shape_days > 0 and profiles is not None else None
    level = profile_level(lookback_profile(enc, fallback, read, shape, shape_days), np.arange(len(origins))[:, None],
                          panel.dates[t.ravel()], panel.promo[si, t])
    level = level + season_shift(season, look_days, days[t], read)
    if holiday is None:
        holiday = np.broadcast_to(holiday_proximity(panel.dates, np.array([""]))[None], (len(panel.stores),
                                                                                       len(panel.dates), 2))
    dec = _decoder(_calendar(panel.dates)[t], panel.open[si, t], panel.promo[si, t], panel.state_holiday[si, t],
                   panel.school_holiday[si, t], holiday[si, t], np.broadcast_to(steps, t.shape), horizon, level)
    if anchor is not None:  # the context inputs, read from each window's own forecast days
        # the days the rows hold, open and closed, as a request holds them: a missing run at a window's edge (a
        # refurbishment's half-year, missing data to the trees' fit too) is no closure; one inside it still is
        held = panel.present[si, t].ravel()
        ids = np.broadcast_to(np.arange(len(origins))[:, None], t.shape).ravel()[held]
        ctx = np.zeros((t.size, len(CONTEXT_FEATURES)), dtype=np.float32)
        ctx[held] = schedule_context(ids, to_days(days[t.ravel()][held]), panel.open[si, t].ravel()[held] > 0,
                                     panel.promo[si, t].ravel()[held], anchor)
        dec = np.concatenate([dec, ctx.reshape(t.shape + (ctx.shape[-1],))], axis=-1)
    target = scaled[si, t]
    return {
        "enc": enc, "dec": dec, "target": np.nan_to_num(target, nan=0.0).astype(np.float32),
        "mask": np.isfinite(target).astype(np.float32), "store": store_index.astype(np.int64),
        "target_day": t,
    }
