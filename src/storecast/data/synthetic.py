"""A deterministic synthetic chain with the Rossmann files' schema and structure.

Tests and the default demo run on it, so a fresh machine with no download can run everything. The
structure mirrors what the real data shows and what the models must learn: store types and
assortments with different levels, chain-wide promo weeks, Promo2 intervals, German state and school
holidays, Sunday closures, a refurbishment gap, competitors opening during the period, weekly and
yearly seasonality with a December peak, noise and a few outliers, and missing values in the store
table where the real file has them.
"""

from __future__ import annotations

__all__ = ["SyntheticData", "make_synthetic", "write_synthetic"]

from dataclasses import dataclass
from pathlib import Path

import holidays
import numpy as np
import pandas as pd
from dateutil.easter import easter as _easter

from storecast import schema as s
from storecast.atomic import atomic_write

# Sales level and sales per customer by store type (b: few big stores with small baskets, like the real data).
_TYPE_P = {"a": 0.54, "b": 0.02, "c": 0.13, "d": 0.31}
_TYPE_LEVEL = {"a": 1.0, "b": 1.7, "c": 1.0, "d": 1.05}
_TYPE_SPC = {"a": 8.8, "b": 5.2, "c": 9.2, "d": 11.2}
_ASSORT_LEVEL = {"a": 1.0, "b": 0.9, "c": 1.12}
# Monday..Sunday
_DOW_FACTOR = np.array([1.16, 1.0, 0.96, 0.97, 1.05, 0.86, 1.0])
_STATES = ("NW", "BY", "BE", "SH", "HE", "BW", "HH", "SN", "TH", "ST", "RP", "HB,NI")
_STATE_P = np.array([0.22, 0.16, 0.08, 0.03, 0.1, 0.13, 0.02, 0.07, 0.03, 0.03, 0.02, 0.11])
_EASTER_NAMES = ("Good Friday", "Easter Monday")
_CHRISTMAS_NAMES = ("Christmas Day", "Second Day of Christmas")
_GAP = (pd.Timestamp("2014-07-01"), pd.Timestamp("2014-12-31"))


@dataclass(frozen=True)
class SyntheticData:
    """The four frames of a synthetic data directory, typed like the contract loader's output."""

    train: pd.DataFrame
    store: pd.DataFrame
    test: pd.DataFrame
    states: pd.DataFrame


def _store_table(n: int, start: pd.Timestamp, end: pd.Timestamp, rng: np.random.Generator) -> pd.DataFrame:
    types = rng.choice(list(_TYPE_P), size=n, p=list(_TYPE_P.values()))
    if n >= 10:  # always a few of the rare, big type-b stores
        types[rng.choice(n, size=max(1, n // 25), replace=False)] = "b"
    assort = np.where(types == "b", "b", rng.choice(["a", "c"], size=n, p=[0.54, 0.46]))
    distance = np.round(np.exp(rng.normal(7.6, 1.25, size=n)), -1).clip(20, 75_000)
    comp_month = rng.integers(1, 13, size=n).astype(float)
    comp_year = rng.integers(2000, start.year, size=n).astype(float)
    # about one store in six sees a competitor open inside the data
    opens_inside = rng.random(n) < 0.17
    inside_dates = start + pd.to_timedelta(rng.integers(120, max(121, (end - start).days - 60), size=n), "D")
    comp_month[opens_inside] = inside_dates.month[opens_inside]
    comp_year[opens_inside] = inside_dates.year[opens_inside]
    unknown_since = (rng.random(n) < 0.3) & ~opens_inside
    comp_month[unknown_since] = np.nan
    comp_year[unknown_since] = np.nan
    no_competitor = rng.random(n) < 0.004
    if n >= 12:
        no_competitor[rng.choice(np.flatnonzero(~opens_inside), size=1)] = True
    distance[no_competitor] = np.nan
    comp_month[no_competitor] = np.nan
    comp_year[no_competitor] = np.nan

    promo2 = rng.random(n) < 0.5
    p2_week = np.where(promo2, rng.integers(1, 51, size=n), np.nan)
    p2_year = np.where(promo2, rng.integers(2009, end.year + 1, size=n), np.nan)
    interval = np.where(promo2, rng.choice(np.array(s.PROMO_INTERVALS, dtype=object), size=n), np.nan)
    return pd.DataFrame({
        s.STORE: np.arange(1, n + 1, dtype="int32"),
        s.STORE_TYPE: pd.Categorical(types, categories=list(s.STORE_TYPES)),
        s.ASSORTMENT: pd.Categorical(assort, categories=list(s.ASSORTMENTS)),
        s.COMPETITION_DISTANCE: distance,
        s.COMPETITION_OPEN_SINCE_MONTH: comp_month,
        s.COMPETITION_OPEN_SINCE_YEAR: comp_year,
        s.PROMO2: promo2.astype("int8"),
        s.PROMO2_SINCE_WEEK: p2_week.astype(float),
        s.PROMO2_SINCE_YEAR: p2_year.astype(float),
        s.PROMO_INTERVAL: pd.Series(interval, dtype=object),
    })


def _state_holidays(dates: pd.DatetimeIndex, states: np.ndarray) -> dict[str, np.ndarray]:
    """StateHoliday code per date for each state ("0", "a" public, "b" Easter, "c" Christmas)."""
    years = sorted(set(dates.year))
    out: dict[str, np.ndarray] = {}
    for state in sorted(set(states)):
        codes = pd.Series("0", index=dates, dtype=object)
        for subdiv in state.split(","):
            cal = holidays.country_holidays("DE", subdiv=subdiv, years=years)
            for day, name in cal.items():
                ts = pd.Timestamp(day)
                if ts in codes.index:
                    code = "b" if name in _EASTER_NAMES else "c" if name in _CHRISTMAS_NAMES else "a"
                    codes[ts] = code
        out[state] = codes.to_numpy()
    return out


def _school_holidays(dates: pd.DatetimeIndex, state_rank: int) -> np.ndarray:
    """School-holiday flags for one state: summer block staggered by state, Christmas, Easter, autumn."""
    doy = dates.dayofyear.to_numpy()
    summer_start = 176 + 4 * state_rank  # late June .. early August
    flag = (doy >= summer_start) & (doy < summer_start + 42)
    flag |= (dates.month == 12) & (dates.day >= 23) | (dates.month == 1) & (dates.day <= 5)
    flag |= (dates.month == 10) & (dates.day >= 20 + state_rank % 5) & (dates.day < 27 + state_rank % 5)
    for year in sorted(set(dates.year)):
        easter = pd.Timestamp(_easter(year))
        flag |= (dates >= easter - pd.Timedelta(days=7)) & (dates <= easter + pd.Timedelta(days=7))
    return flag.astype("int8")


def _promo_schedule(dates: pd.DatetimeIndex) -> np.ndarray:
    """Chain-wide promo: Monday-Friday of every other week, like Rossmann's two-week cycle."""
    week = (dates - pd.Timestamp("2012-12-31")).days // 7
    return ((week % 2 == 0) & (dates.day_of_week < 5)).astype("int8")


def make_synthetic(
    n_stores: int = 50,
    start: str = "2013-01-01",
    end: str = "2015-07-31",
    test_days: int = 48,
    seed: int = 0,
) -> SyntheticData:
    """Generate a chain of ``n_stores`` stores with daily rows from ``start`` to ``end``.

    Parameters
    ----------
    n_stores : int
        Number of stores (1..n_stores).
    start, end : str
        First and last date of train (ISO dates).
    test_days : int
        Number of days after ``end`` in test (the schedule a planner knows, without Sales).
    seed : int
        Same seed, same data (byte-identical files from `write_synthetic`).

    Returns
    -------
    SyntheticData
        ``train``, ``store``, ``test`` and ``states`` frames with the contract loader's dtypes.
    """
    if n_stores < 1:
        raise ValueError(f"`n_stores` must be a positive integer. Got {n_stores}.")
    if test_days < 0:
        raise ValueError(f"`test_days` must be >= 0. Got {test_days}.")
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    if t1 <= t0:
        raise ValueError(f"`end` ({end}) must come after `start` ({start}).")
    rng = np.random.default_rng(seed)
    store = _store_table(n_stores, t0, t1, rng)
    state_of = rng.choice(_STATES, size=n_stores, p=_STATE_P / _STATE_P.sum())
    types = store[s.STORE_TYPE].astype(str).to_numpy()

    dates = pd.date_range(t0, t1 + pd.Timedelta(days=test_days), freq="D")
    n_days = len(dates)
    hol_by_state = _state_holidays(dates, state_of)
    school_by_state = {st: _school_holidays(dates, i) for i, st in enumerate(_STATES)}
    promo_day = _promo_schedule(dates)

    # per-store parameters
    level = (
        np.exp(rng.normal(np.log(5600), 0.3, n_stores))
        * np.array([_TYPE_LEVEL[t] for t in types])
        * store[s.ASSORTMENT].astype(str).map(_ASSORT_LEVEL).to_numpy()
    )
    spc = np.array([_TYPE_SPC[t] for t in types]) * np.exp(rng.normal(0, 0.08, n_stores))
    promo_lift = rng.uniform(0.15, 0.45, n_stores)
    open_sunday = (types == "b") | (rng.random(n_stores) < 0.02)
    gap_store = np.zeros(n_stores, dtype=bool)
    if t0 <= _GAP[0] and t1 >= _GAP[1]:
        gap_store[rng.choice(n_stores, size=max(1, round(0.15 * n_stores)), replace=False)] = True

    # day x store grids
    dow = dates.day_of_week.to_numpy()[:, None]
    holiday = np.stack([hol_by_state[st] for st in state_of], axis=1)
    school = np.stack([school_by_state[st] for st in state_of], axis=1)
    is_open = (holiday == "0") & ((dow != 6) | open_sunday[None, :])
    is_open &= rng.random((n_days, n_stores)) > 0.003  # rare unplanned closures
    promo = np.broadcast_to(promo_day[:, None], (n_days, n_stores)).astype("int8") * is_open

    t_years = ((dates - t0).days.to_numpy() / 365.25)[:, None]
    doy = dates.dayofyear.to_numpy()[:, None]
    month = dates.month.to_numpy()[:, None]
    days_to_xmas = (pd.to_datetime(dates.year.astype(str) + "-12-24") - dates).days.to_numpy()[:, None]
    xmas_ramp = np.where((days_to_xmas >= 0) & (days_to_xmas < 24), 0.45 * (1 - days_to_xmas / 24), 0.0)
    closed_yesterday = np.vstack([np.zeros((1, n_stores), bool), ~is_open[:-1]])
    closed_tomorrow = np.vstack([~is_open[1:], np.zeros((1, n_stores), bool)])

    comp_since = pd.to_datetime(
        {"year": store[s.COMPETITION_OPEN_SINCE_YEAR].fillna(1900), "month":
         store[s.COMPETITION_OPEN_SINCE_MONTH].fillna(1), "day": 1}
    ).to_numpy()
    closeness = 1 / (1 + np.nan_to_num(store[s.COMPETITION_DISTANCE].to_numpy(), nan=1e6) / 2000)
    comp_hit = (dates.to_numpy()[:, None] >= comp_since[None, :]) & (comp_since[None, :] > np.datetime64(t0))
    comp_factor = 1 - comp_hit * (0.1 + 0.12 * closeness[None, :])

    months_p2 = {
        iv: {pd.Timestamp(f"2000-{m[:3]}-01").month for m in iv.split(",")} for iv in s.PROMO_INTERVALS
    }
    p2_active = np.zeros((n_days, n_stores), dtype=bool)
    for j, iv in enumerate(store[s.PROMO_INTERVAL]):
        if isinstance(iv, str):
            since = pd.Timestamp.fromisocalendar(
                int(store.at[j, s.PROMO2_SINCE_YEAR]), int(store.at[j, s.PROMO2_SINCE_WEEK]), 1
            )
            p2_active[:, j] = (dates >= since) & dates.month.isin(list(months_p2[iv]))

    mult = (
        _DOW_FACTOR[dow]
        * (1 + promo_lift[None, :] * promo)
        * (1 + 0.05 * np.sin(2 * np.pi * (doy - 80) / 365.25))
        * (1 + 0.04 * (month == 7))
        * (1 + xmas_ramp)
        * (1 + 0.14 * closed_yesterday + 0.08 * closed_tomorrow)
        * (1 + 0.03 * school)
        * (1 + 0.02 * t_years)
        * (1 + 0.03 * p2_active)
        * comp_factor
    )
    noise = np.exp(rng.normal(0, 0.07, (n_days, n_stores)))
    sales = level[None, :] * mult * noise
    outlier = rng.random((n_days, n_stores)) < 0.0005
    sales = np.where(outlier, sales * rng.uniform(2.0, 3.5, (n_days, n_stores)), sales)
    customers = sales / (spc[None, :] * (1 + 0.5 * promo_lift[None, :] * promo))
    customers *= np.exp(rng.normal(0, 0.04, (n_days, n_stores)))
    sales = np.where(is_open, np.round(sales), 0).astype("int64")
    customers = np.where(is_open, np.round(customers), 0).astype("int64")

    long = pd.DataFrame({
        s.STORE: np.tile(store[s.STORE].to_numpy(), n_days),
        s.DAY_OF_WEEK: np.repeat(dates.day_of_week.to_numpy() + 1, n_stores).astype("int8"),
        s.DATE: np.repeat(dates.to_numpy().astype("datetime64[ns]"), n_stores),
        s.SALES: sales.ravel(),
        s.CUSTOMERS: customers.ravel(),
        s.OPEN: is_open.ravel().astype("int8"),
        s.PROMO: promo.ravel().astype("int8"),
        s.STATE_HOLIDAY: pd.Categorical(holiday.ravel(), categories=list(s.STATE_HOLIDAY_CODES)),
        s.SCHOOL_HOLIDAY: school.ravel().astype("int8"),
    })
    in_gap = gap_store[long[s.STORE].to_numpy() - 1] & long[s.DATE].between(*_GAP).to_numpy()
    long = long[~in_gap]
    # newest first, like Kaggle's files
    long = long.sort_values([s.DATE, s.STORE], ascending=[False, True], kind="stable")
    train = long[long[s.DATE] <= t1].reset_index(drop=True)
    test = long[long[s.DATE] > t1].drop(columns=[s.SALES, s.CUSTOMERS]).reset_index(drop=True)
    test.insert(0, s.ID, np.arange(1, len(test) + 1, dtype="int64"))
    states = pd.DataFrame({s.STORE: store[s.STORE].to_numpy(), s.STATE: state_of.astype(object)})
    return SyntheticData(train=train, store=store, test=test, states=states)


def _atomic_csv(df: pd.DataFrame, path: Path) -> None:
    """Write CSV to a temp file beside ``path``, then rename: readers never see half a file."""
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    header = ",".join(f'"{c}"' for c in out.columns)

    def write(tmp: Path) -> None:
        with tmp.open("w", newline="") as fh:
            fh.write(header + "\n")
            out.to_csv(fh, index=False, header=False, float_format="%.10g")

    atomic_write(path, write)


def write_synthetic(out_dir: str | Path, **kwargs: object) -> Path:
    """Write train.csv, store.csv, test.csv and external/store_states.csv in the Kaggle layout.

    Takes the keyword arguments of `make_synthetic`; returns ``out_dir``.
    """
    data = make_synthetic(**kwargs)  # type: ignore[arg-type]
    root = Path(out_dir)
    (root / "external").mkdir(parents=True, exist_ok=True)
    store = data.store.copy()
    for col in (s.COMPETITION_DISTANCE, s.COMPETITION_OPEN_SINCE_MONTH, s.COMPETITION_OPEN_SINCE_YEAR,
                s.PROMO2_SINCE_WEEK, s.PROMO2_SINCE_YEAR):
        store[col] = store[col].astype("Int64")  # integers in the file, empty when missing
    _atomic_csv(data.train, root / s.TRAIN_FILE)
    _atomic_csv(data.test, root / s.TEST_FILE)
    _atomic_csv(store, root / s.STORE_FILE)
    _atomic_csv(data.states, root / s.STATES_FILE)
    return root
