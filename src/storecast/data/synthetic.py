"""A deterministic synthetic chain with the Rossmann files' schema and structure.

Tests and the default demo run on it, so a fresh machine with no download can run everything. The
structure mirrors what the real data shows and what the models must learn: store types and
assortments with different levels, chain-wide promo weeks, Promo2 intervals, German state and school
holidays, Sunday closures, a refurbishment gap, competitors opening during the period, weekly and
yearly seasonality with a December peak, noise and a few outliers, and missing values in the store
table where the real file has them. Every number below is a rough reading of the real files.
"""

from __future__ import annotations

__all__ = ["SyntheticData", "make_synthetic", "write_synthetic"]

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from dateutil.easter import easter

from storecast import schema as s
from storecast.atomic import atomic_write_text
from storecast.dates import state_holiday_code
from storecast.holiday_calendar import store_holidays

# Store mix and levels by type (b: few big stores with small baskets, like the real data).
_TYPE_P = {"a": 0.54, "b": 0.02, "c": 0.13, "d": 0.31}
_TYPE_LEVEL = {"a": 1.0, "b": 1.8, "c": 1.0, "d": 1.05}
_TYPE_SPC = {"a": 8.7, "b": 5.1, "c": 8.5, "d": 11.2}  # sales per customer
_ASSORT_LEVEL = {"a": 1.0, "b": 0.9, "c": 1.12}
_DOW_FACTOR = np.array([1.16, 1.0, 0.96, 0.97, 1.03, 0.96, 1.0])  # Monday..Sunday; Saturday has no promo
# January..December, before the pre-Christmas ramp (which makes December the peak)
_MONTH_FACTOR = np.array([0.95, 0.95, 1.0, 1.01, 1.02, 1.01, 1.0, 0.96, 0.95, 0.96, 1.03, 1.0])
_STATES = ("NW", "BY", "BE", "SH", "HE", "BW", "HH", "SN", "TH", "ST", "RP", "HB,NI")
_STATE_P = np.array([0.22, 0.16, 0.08, 0.03, 0.1, 0.13, 0.02, 0.07, 0.03, 0.03, 0.02, 0.11])
_GAP = (pd.Timestamp("2014-07-01"), pd.Timestamp("2014-12-31"))  # the real data's refurbishment half-year
_PROMO_ORIGIN = pd.Timestamp("2012-12-31")  # a Monday: promo weeks are the even weeks counted from it
# Quoted columns of the Kaggle files ("0" stays text for any CSV reader); other fields are bare.
_QUOTED = {
    s.TRAIN_FILE: {s.STATE_HOLIDAY, s.SCHOOL_HOLIDAY},
    s.TEST_FILE: {s.STATE_HOLIDAY, s.SCHOOL_HOLIDAY},
    s.STORE_FILE: {s.STORE_TYPE, s.ASSORTMENT, s.PROMO_INTERVAL},
    s.STATES_FILE: set(),
}


@dataclass(frozen=True)
class SyntheticData:
    """The four frames of a synthetic data directory, typed like the contract loader's output.

    Attributes
    ----------
    train : DataFrame
        Daily rows ``start..end`` (as `load_train`), newest first like Kaggle's file.
    store : DataFrame
        One row per store (as `load_store` without a states file).
    test : DataFrame
        The ``test_days`` after ``end`` (as `load_test`), Id 1..N, no Sales/Customers.
    states : DataFrame
        Store, State (object), the content of ``external/store_states.csv``.
    """

    train: pd.DataFrame
    store: pd.DataFrame
    test: pd.DataFrame
    states: pd.DataFrame


def _store_table(n: int, start: pd.Timestamp, end: pd.Timestamp, rng: np.random.Generator) -> pd.DataFrame:
    """store.csv: types, assortments, competitors (some opening inside the data) and Promo2."""
    types = rng.choice(list(_TYPE_P), size=n, p=list(_TYPE_P.values()))
    if n >= 10:  # always a few of the rare, big type-b stores
        types[rng.choice(n, size=max(1, n // 25), replace=False)] = "b"
    assort = np.where(types == "b", "b", rng.choice(["a", "c"], size=n, p=[0.54, 0.46]))
    distance = np.round(np.exp(rng.normal(7.6, 1.25, size=n)), -1).clip(20, 75_000)
    comp_month = rng.integers(1, 13, size=n).astype(float)
    # opened 2000..the year before the data (the real file's years), or the year before a start in 2000 itself
    comp_year = rng.integers(min(2000, start.year - 1), start.year, size=n).astype(float)
    # about one store in six sees a competitor open inside the data (at least 4 months in, 2 before the end)
    opens_inside = rng.random(n) < 0.17
    inside = start + pd.to_timedelta(rng.integers(120, max(121, (end - start).days - 60), size=n), "D")
    comp_month[opens_inside] = inside.month[opens_inside]
    comp_year[opens_inside] = inside.year[opens_inside]
    unknown_since = (rng.random(n) < 0.3) & ~opens_inside  # the real file lacks the date for ~32%
    comp_month[unknown_since] = np.nan
    comp_year[unknown_since] = np.nan
    no_competitor = rng.random(n) < 0.003
    if n >= 12:  # small test chains still need one missing distance to exercise the imputers
        no_competitor[rng.choice(np.flatnonzero(~opens_inside), size=1)] = True
    distance[no_competitor] = np.nan
    comp_month[no_competitor] = np.nan
    comp_year[no_competitor] = np.nan

    promo2 = rng.random(n) < 0.5
    p2_week = np.where(promo2, rng.integers(1, 51, size=n), np.nan)
    # 2009..the last year (the real file's span), or the last year only for data that ends before 2009
    p2_year = np.where(promo2, rng.integers(min(2009, end.year), end.year + 1, size=n), np.nan)
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


def _state_holidays(dates: pd.DatetimeIndex, state: str) -> np.ndarray:
    """StateHoliday code per date for one state (by date, so the holidays package's language does not matter)."""
    codes = np.full(len(dates), "0", dtype=object)
    first = dates[0].date()  # dates are daily and contiguous: a day's row is its offset from the first
    for subdiv in state.split(","):  # "HB,NI": the union of both states' holidays
        for day in store_holidays(subdiv, set(dates.year)):
            i = (day - first).days
            if 0 <= i < len(dates):
                codes[i] = state_holiday_code(day)
    return codes


def _school_holidays(dates: pd.DatetimeIndex, state_rank: int) -> np.ndarray:
    """School-holiday flags for one state: summer block staggered by state, Christmas, Easter, autumn.

    The summer block is placed by the leap-neutral day of year (``features.calendar.leap_neutral_day_of_year``'s
    rule; ``data`` may not import ``features``): counted from 1 January, it began a day earlier in a leap year.
    """
    doy = dates.day_of_year.to_numpy() - (dates.is_leap_year & (dates.month > 2))
    summer_start = 176 + 4 * state_rank  # late June .. early August, as the states rotate
    flag = (doy >= summer_start) & (doy < summer_start + 42)
    flag |= (dates.month == 12) & (dates.day >= 23) | (dates.month == 1) & (dates.day <= 5)
    flag |= (dates.month == 10) & (dates.day >= 20 + state_rank % 5) & (dates.day < 27 + state_rank % 5)
    for year in sorted(set(dates.year)):
        sunday = pd.Timestamp(easter(year))
        flag |= (dates >= sunday - pd.Timedelta(days=7)) & (dates <= sunday + pd.Timedelta(days=7))
    return flag.astype("int8")


def _promo2_active(dates: pd.DatetimeIndex, store: pd.DataFrame) -> np.ndarray:
    """Days x stores: inside a Promo2 month (PromoInterval) once Promo2 has started."""
    months = {iv: [dt.datetime.strptime(m[:3], "%b").month for m in iv.split(",")] for iv in s.PROMO_INTERVALS}
    active = np.zeros((len(dates), len(store)), dtype=bool)
    for j, iv in enumerate(store[s.PROMO_INTERVAL]):
        if isinstance(iv, str):
            since = pd.Timestamp.fromisocalendar(
                int(store[s.PROMO2_SINCE_YEAR].iat[j]), int(store[s.PROMO2_SINCE_WEEK].iat[j]), 1
            )
            active[:, j] = (dates >= since) & dates.month.isin(months[iv])
    return active


def _competition_factor(dates: pd.DatetimeIndex, store: pd.DataFrame, start: pd.Timestamp) -> np.ndarray:
    """Days x stores: -10..-22% from the month a competitor opens inside the data, more when it is closer."""
    since = pd.to_datetime({
        "year": store[s.COMPETITION_OPEN_SINCE_YEAR].fillna(1900),
        "month": store[s.COMPETITION_OPEN_SINCE_MONTH].fillna(1), "day": 1,
    }).to_numpy()
    closeness = 1 / (1 + np.nan_to_num(store[s.COMPETITION_DISTANCE].to_numpy(), nan=1e6) / 2000)
    hit = (dates.to_numpy()[:, None] >= since[None, :]) & (since[None, :] > np.datetime64(start))
    return 1 - hit * (0.1 + 0.12 * closeness[None, :])


def _shift(a: np.ndarray, by: int) -> np.ndarray:
    """Rows moved down by ``by`` (up when negative), padded with False: "yesterday's" / "tomorrow's" flags."""
    out = np.zeros_like(a)
    if by > 0:
        out[by:] = a[:-by]
    else:
        out[:by] = a[-by:]
    return out


@dataclass(frozen=True)
class _StoreTraits:
    """Per-store parameters of the generator: level, basket size, promo response, trend, opening habits."""

    level: np.ndarray
    spc: np.ndarray  # sales per customer
    promo_lift: np.ndarray
    trend: np.ndarray  # per year
    every_day: np.ndarray  # open every day, holidays included (type b and a few others, as in the real data)
    gap_store: np.ndarray  # closed for refurbishment in _GAP (the rows are missing)


def _store_traits(store: pd.DataFrame, t0: pd.Timestamp, t1: pd.Timestamp, rng: np.random.Generator) -> _StoreTraits:
    n_stores = len(store)
    types = store[s.STORE_TYPE].astype(str).to_numpy()
    level = (
        np.exp(rng.normal(np.log(5600), np.where(types == "b", 0.12, 0.28)))  # b: uniformly big
        * np.array([_TYPE_LEVEL[t] for t in types])
        * store[s.ASSORTMENT].astype(str).map(_ASSORT_LEVEL).to_numpy()
    )
    spc = np.array([_TYPE_SPC[t] for t in types]) * np.exp(rng.normal(0, 0.08, n_stores))
    promo_lift = rng.uniform(0.15, 0.45, n_stores)
    trend = rng.normal(0.02, 0.02, n_stores)
    every_day = (types == "b") | (rng.random(n_stores) < 0.02)
    gap_store = np.zeros(n_stores, dtype=bool)
    if t0 <= _GAP[0] and t1 >= _GAP[1]:
        gap_store[rng.choice(n_stores, size=max(1, round(0.15 * n_stores)), replace=False)] = True
    return _StoreTraits(level, spc, promo_lift, trend, every_day, gap_store)


def _open_days(dates: pd.DatetimeIndex, is_holiday: np.ndarray, traits: _StoreTraits,
               rng: np.random.Generator) -> np.ndarray:
    """Sundays and state holidays closed, plus a few closed stretches (works) and rare single days."""
    n_days, n_stores = is_holiday.shape
    dow = dates.day_of_week.to_numpy()[:, None]
    is_open = ((dow != 6) & ~is_holiday) | traits.every_day[None, :]
    is_open &= rng.random(is_holiday.shape) > 0.001
    stretch = rng.random(n_stores) < 0.06
    first = rng.integers(0, n_days, n_stores)
    length = rng.integers(3, 15, n_stores)
    day_idx = np.arange(n_days)[:, None]
    return is_open & ~(stretch & (day_idx >= first) & (day_idx < first + length))


def _promo_days(dates: pd.DatetimeIndex) -> np.ndarray:
    """The chain's schedule (Mon-Fri of every other week), kept on closed days like the real file."""
    week = (dates - _PROMO_ORIGIN).days.to_numpy() // 7
    return ((week % 2 == 0) & (dates.day_of_week.to_numpy() < 5)).astype("int8")


def _sales_and_customers(dates: pd.DatetimeIndex, t0: pd.Timestamp, store: pd.DataFrame, traits: _StoreTraits,
                         promo: np.ndarray, is_holiday: np.ndarray, school: np.ndarray, is_open: np.ndarray,
                         rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Daily Sales and Customers: the store's level times calendar, promo, holiday, trend and competition effects."""
    shape = is_open.shape
    dow = dates.day_of_week.to_numpy()[:, None]
    t_years = ((dates - t0).days.to_numpy() / 365.25)[:, None]
    days_to_xmas = (pd.to_datetime(dates.year.astype(str) + "-12-24") - dates).days.to_numpy()[:, None]
    xmas_ramp = np.where((days_to_xmas >= 0) & (days_to_xmas < 24), 0.45 * (1 - days_to_xmas / 24), 0.0)
    day_of_month = dates.day.to_numpy()[:, None]
    mult = (
        _DOW_FACTOR[dow]
        * _MONTH_FACTOR[dates.month.to_numpy() - 1][:, None]
        * (1 + xmas_ramp)
        * (1 + 0.04 * (day_of_month <= 3) + 0.02 * (day_of_month >= 29))  # paydays
        * (1 + traits.promo_lift[None, :] * promo)
        # shoppers stock up before a holiday and catch up after it
        * (1 + 0.12 * _shift(is_holiday, -1) + 0.05 * _shift(is_holiday, -2) + 0.08 * _shift(is_holiday, 1))
        * (1 + 0.03 * school)
        * (1 + traits.trend[None, :] * t_years)
        * (1 + 0.03 * _promo2_active(dates, store))
        * _competition_factor(dates, store, t0)
    )
    sales = traits.level[None, :] * mult * np.exp(rng.normal(0, 0.07, shape))
    outlier = rng.random(shape) < 0.0005
    sales = np.where(outlier, sales * rng.uniform(2.0, 3.5, shape), sales)
    # promo brings bigger baskets as well as more people, so customers rise by about half the sales lift
    customers = sales / (traits.spc[None, :] * (1 + 0.5 * traits.promo_lift[None, :] * promo))
    customers *= np.exp(rng.normal(0, 0.04, shape))
    sales = np.where(is_open, np.round(sales), 0).astype("int64")
    customers = np.where(is_open, np.round(customers), 0).astype("int64")
    return sales, customers


def _daily_frames(dates: pd.DatetimeIndex, t1: pd.Timestamp, store: pd.DataFrame, columns: dict[str, np.ndarray],
                  gap_store: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The (day, store) arrays as Kaggle's train and test layouts: newest first, refurbishment rows missing."""
    n_days, n_stores = len(dates), len(store)
    long = pd.DataFrame({
        s.STORE: np.tile(store[s.STORE].to_numpy(), n_days),
        s.DAY_OF_WEEK: np.repeat(dates.day_of_week.to_numpy() + 1, n_stores).astype("int8"),
        s.DATE: np.repeat(dates.to_numpy().astype("datetime64[ns]"), n_stores),
        s.SALES: columns[s.SALES].ravel(),
        s.CUSTOMERS: columns[s.CUSTOMERS].ravel(),
        s.OPEN: columns[s.OPEN].ravel().astype("int8"),
        s.PROMO: columns[s.PROMO].ravel().astype("int8"),
        s.STATE_HOLIDAY: pd.Categorical(columns[s.STATE_HOLIDAY].ravel(), categories=list(s.STATE_HOLIDAY_CODES)),
        s.SCHOOL_HOLIDAY: columns[s.SCHOOL_HOLIDAY].ravel().astype("int8"),
    })
    # refurbishment: the rows are missing, not zero (as in the real file)
    in_gap = gap_store[long[s.STORE].to_numpy() - 1] & long[s.DATE].between(*_GAP).to_numpy()
    long = long[~in_gap].sort_values([s.DATE, s.STORE], ascending=[False, True])  # newest first, like Kaggle's
    train = long[long[s.DATE] <= t1].reset_index(drop=True)
    test = long[long[s.DATE] > t1].drop(columns=[s.SALES, s.CUSTOMERS]).reset_index(drop=True)
    test.insert(0, s.ID, np.arange(1, len(test) + 1, dtype="int64"))
    return train, test


def make_synthetic(
    n_stores: int = 50,
    start: str = "2013-01-01",
    end: str = "2015-07-31",
    test_days: int = 48,
    seed: int = 0,
) -> SyntheticData:
    """Generate a chain of ``n_stores`` stores with daily rows from ``start`` to ``end``.

    The steps, in the order they draw from one seeded generator (the order is what makes a seed
    reproduce the same bytes): the store table and states, each store's traits, the calendar,
    opening days, the promo schedule, then sales and customers.

    Parameters
    ----------
    n_stores : int
        Number of stores (numbered 1..n_stores).
    start, end : str
        First and last date of train (ISO dates).
    test_days : int
        Days after ``end`` in test: the schedule a planner knows (Open, Promo, holidays), without Sales.
    seed : int
        Same seed, same data (byte-identical files from `write_synthetic`).

    Returns
    -------
    SyntheticData
        ``train``, ``store``, ``test`` and ``states`` frames with the contract loader's dtypes.

    Raises
    ------
    ValueError
        When ``n_stores`` < 1, ``test_days`` < 0, ``end`` is not after ``start``, or the days run outside
        ``schema.MIN_DATE .. MAX_DATE`` (the dates the contract accepts).

    Examples
    --------
    >>> data = make_synthetic(n_stores=3, end="2015-01-31", test_days=7)
    >>> data.train["Store"].nunique(), f"{data.train['Date'].max():%Y-%m-%d}", len(data.test)  # 3 stores x 7 days
    (3, '2015-01-31', 21)
    >>> list(data.test.columns)
    ['Id', 'Store', 'DayOfWeek', 'Date', 'Open', 'Promo', 'StateHoliday', 'SchoolHoliday']
    """
    if n_stores < 1:
        raise ValueError(f"`n_stores` must be a positive integer; got {n_stores}.")
    if test_days < 0:
        raise ValueError(f"`test_days` must be >= 0; got {test_days}.")
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    if t1 <= t0:
        raise ValueError(f"`end` ({end}) must come after `start` ({start}).")
    last = t1 + pd.Timedelta(days=test_days)
    if t0.date() < s.MIN_DATE or last.date() > s.MAX_DATE:  # the contract refuses other dates: no loadable chain
        raise ValueError(f"`start` .. `end` + `test_days` ({t0:%Y-%m-%d}..{last:%Y-%m-%d}) must lie within "
                         f"{s.MIN_DATE}..{s.MAX_DATE}, the dates the data contract accepts.")
    rng = np.random.default_rng(seed)
    store = _store_table(n_stores, t0, t1, rng)
    state_of = rng.choice(_STATES, size=n_stores, p=_STATE_P / _STATE_P.sum())
    traits = _store_traits(store, t0, t1, rng)

    dates = pd.date_range(t0, t1 + pd.Timedelta(days=test_days), freq="D")
    by_state = {st: _state_holidays(dates, st) for st in sorted(set(state_of))}
    school_by_state = {st: _school_holidays(dates, i) for i, st in enumerate(_STATES)}
    holiday = np.stack([by_state[st] for st in state_of], axis=1)
    school = np.stack([school_by_state[st] for st in state_of], axis=1)
    is_holiday = holiday != "0"

    is_open = _open_days(dates, is_holiday, traits, rng)
    promo = np.broadcast_to(_promo_days(dates)[:, None], is_open.shape)
    sales, customers = _sales_and_customers(dates, t0, store, traits, promo, is_holiday, school, is_open, rng)

    train, test = _daily_frames(dates, t1, store, {
        s.SALES: sales, s.CUSTOMERS: customers, s.OPEN: is_open, s.PROMO: promo,
        s.STATE_HOLIDAY: holiday, s.SCHOOL_HOLIDAY: school}, traits.gap_store)
    states = pd.DataFrame({s.STORE: store[s.STORE].to_numpy(), s.STATE: pd.Series(state_of, dtype=object)})
    return SyntheticData(train=train, store=store, test=test, states=states)


def _field_text(col: pd.Series, quoted: bool) -> np.ndarray:
    """One column as CSV fields: dates as YYYY-MM-DD, whole floats without ".0", missing as an empty field.

    Each distinct value is formatted once (columns repeat a few values over many rows), which keeps
    a Rossmann-sized file to a few seconds.
    """
    codes, uniques = pd.factorize(col)  # missing -> code -1, the "" appended last
    if isinstance(uniques, pd.DatetimeIndex):
        text = list(uniques.strftime("%Y-%m-%d"))
    elif pd.api.types.is_float_dtype(uniques):
        text = [str(round(v)) for v in uniques]
    else:
        text = [str(v) for v in uniques]
    text.append("")
    fields = np.array([f'"{v}"' if quoted or "," in v else v for v in text], dtype=object)  # "HB,NI"
    return fields[codes]


def _write_text(path: Path, text: str) -> None:
    """``text`` into ``path`` as UTF-8, its "\\n" as they are: in Windows' text mode each would become "\\r\\n"."""
    path.write_text(text, encoding="utf-8", newline="")


def _csv_text(df: pd.DataFrame, name: str) -> str:
    """The Kaggle layout: quoted header and text codes; store_states.csv has a bare header like the shared file."""
    header = ",".join(df.columns if name == s.STATES_FILE else (f'"{c}"' for c in df.columns))
    fields = [_field_text(df[c], c in _QUOTED[name]) for c in df.columns]
    return "\n".join([header, *map(",".join, zip(*fields, strict=True))]) + "\n"


def write_synthetic(
    out_dir: str | Path,
    *,
    n_stores: int = 50,
    start: str = "2013-01-01",
    end: str = "2015-07-31",
    test_days: int = 48,
    seed: int = 0,
) -> Path:
    """Write train.csv, store.csv, test.csv and external/store_states.csv in the Kaggle layout.

    Each file is written atomically, so a reader never sees half a file. ``test.csv`` is left out
    (and a stale one removed) when ``test_days`` is 0, because the loader refuses a file without rows.

    Parameters
    ----------
    out_dir : str or Path
        Directory to write into (created when missing).
    n_stores, start, end, test_days, seed
        As for `make_synthetic`.

    Returns
    -------
    Path
        ``out_dir``, ready for `storecast.data.contract.load_dataset`.
    """
    data = make_synthetic(n_stores=n_stores, start=start, end=end, test_days=test_days, seed=seed)
    root = Path(out_dir)
    (root / s.STATES_FILE).parent.mkdir(parents=True, exist_ok=True)
    frames = {s.TRAIN_FILE: data.train, s.STORE_FILE: data.store, s.STATES_FILE: data.states, s.TEST_FILE: data.test}
    for name, df in frames.items():
        if name == s.TEST_FILE and df.empty:
            (root / name).unlink(missing_ok=True)
            continue
        atomic_write_text(root / name, _csv_text(df, name))
    return root
