"""Day arithmetic every floor shares: dates as whole days since 1970-01-01, and the weekday rule.

Why integers: the features, the planner and the API compute on int64 day numbers, which are exact,
row-wise and cheap. One home for the conversion and for the weekday (1970-01-01 was a Thursday, ISO 4)
keeps every module on the same calendar.
"""

from __future__ import annotations

__all__ = ["EPOCH", "EPOCH_ORDINAL", "to_days", "from_days", "day_number", "date_of", "weekday", "iso_weekday",
           "monday_on_or_before", "iso_week_monday", "state_holiday_code"]

import datetime as dt

import numpy as np
import pandas as pd
from dateutil.easter import easter
from numpy.typing import ArrayLike

EPOCH = np.datetime64("1970-01-01", "D")
# the same epoch for ``datetime.date`` in plain Python (the API converts request dates without numpy)
EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def to_days(dates: ArrayLike | pd.Series) -> np.ndarray:
    """Dates (datetime64 at any resolution, Timestamps or date strings) as int64 days since 1970-01-01.

    A zone-aware value counts as the wall-clock date it names, as the data contract reads it
    (``data._dates.date_values``): taken in UTC, midnight in Europe/Berlin was the day before, so features
    fitted on such a frame in Python were a day off from the forecasts of the same rows.
    """
    values = np.asarray(dates)
    if values.dtype.kind != "M":
        parsed = pd.to_datetime(values)
        if getattr(parsed, "tz", None) is not None:
            parsed = parsed.tz_localize(None)
        values = np.asarray(parsed, dtype="datetime64[ns]")
    return values.astype("datetime64[D]").astype(np.int64)


def from_days(days: ArrayLike) -> np.ndarray:
    """Days since 1970-01-01 back to ``datetime64[D]``."""
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]")


def day_number(date: dt.date) -> int:
    """One ``datetime.date`` as days since 1970-01-01."""
    return date.toordinal() - EPOCH_ORDINAL


def date_of(day: int) -> dt.date:
    """Days since 1970-01-01 back to a ``datetime.date``."""
    return dt.date.fromordinal(int(day) + EPOCH_ORDINAL)


def weekday(days: ArrayLike) -> np.ndarray:
    """Day of week of days since 1970-01-01: 0 = Monday .. 6 = Sunday (int64, like ``days``)."""
    return (np.asarray(days) + 3) % 7


def iso_weekday(days: ArrayLike) -> np.ndarray:
    """ISO day of week, 1 = Monday .. 7 = Sunday: the data's ``DayOfWeek``."""
    return weekday(days) + 1


def monday_on_or_before(days: ArrayLike) -> np.ndarray:
    """The Monday on or before each day (days since 1970-01-01)."""
    days = np.asarray(days)
    return days - weekday(days)


def iso_week_monday(year: np.ndarray, week: np.ndarray) -> np.ndarray:
    """Days since epoch of the Monday of ISO ``week`` in ``year``, counted on from week 1's Monday (so week 53 of
    a 52-week year is the next year's first Monday: store.csv's contract refuses it); NaN stays NaN."""
    out = np.full(len(year), np.nan)
    ok = ~(np.isnan(year) | np.isnan(week))
    if ok.any():
        jan4 = (np.array([f"{int(y)}-01-04" for y in year[ok]], dtype="datetime64[D]")
                .astype(np.int64))
        monday_w1 = monday_on_or_before(jan4)
        out[ok] = monday_w1 + 7 * (week[ok] - 1)
    return out


def state_holiday_code(day: dt.date) -> str:
    """The data's StateHoliday code of a public holiday: "b" Easter (Good Friday .. Easter Monday),
    "c" Christmas (25 and 26 December), "a" any other; the generator and the API's plans both use it."""
    sunday = easter(day.year)
    if sunday - dt.timedelta(days=2) <= day <= sunday + dt.timedelta(days=1):
        return "b"
    return "c" if day.month == 12 and day.day in (25, 26) else "a"
