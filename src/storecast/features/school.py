"""School breaks of a German state from the ``holidays`` calendar: the break a day falls in and the days around.

Why a calendar and not the rows: a row carries only its own SchoolHoliday flag, so "the summer break
starts in 5 days" could only come from other rows of the request, which would break the rule that a
row's forecast ignores the others. The ``holidays`` package ships the KMK school-break dates per state
(``categories=("school",)``); on train.csv they agree with the SchoolHoliday flags on 99.95% of
weekday rows (docs/modeling.md), so they are the schedule the data were made from, known years ahead.
"""

from __future__ import annotations

__all__ = ["SchoolCalendar", "school_calendar", "school_features", "SCHOOL_FEATURES", "BREAK_TYPES"]

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from storecast import schema as s
from storecast.dates import to_days

SCHOOL_FEATURES = ("school_break_type", "school_break_before", "school_break_after", "school_break_day")
# the holidays package's English names -> a code the trees can split on (0: no break)
BREAK_TYPES = {"Autumn Break": 1, "Christmas Break": 2, "Winter Break": 3, "Easter/Spring Break": 4,
               "Ascension/Whit Break": 5, "Summer Break": 6}


@dataclass(frozen=True)
class SchoolCalendar:
    """The breaks of one state as runs of consecutive days (days since epoch), sorted."""

    starts: np.ndarray
    ends: np.ndarray
    types: np.ndarray


@lru_cache(maxsize=64)
def school_calendar(state: str, first_year: int, last_year: int) -> SchoolCalendar:
    """School breaks of ``state`` (a store_states code) in ``first_year..last_year``; none when not German."""
    import holidays

    subdiv = s.state_subdivision(state)
    if subdiv is None:
        empty = np.zeros(0, dtype=np.int64)
        return SchoolCalendar(empty, empty, empty)
    cal = holidays.country_holidays("DE", subdiv=subdiv, categories=("school",), language="en_US",
                                    years=range(first_year, last_year + 1))
    items = sorted((int(to_days(np.datetime64(d, "D"))), name) for d, name in cal.items())
    days = np.array([d for d, _ in items], dtype=np.int64)
    if len(days) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return SchoolCalendar(empty, empty, empty)
    new_run = np.r_[True, np.diff(days) > 1]  # a break is a run of consecutive calendar days
    starts, ends = days[new_run], days[np.r_[new_run[1:], True]]
    names = [items[i][1] for i in np.flatnonzero(new_run)]
    types = np.array([BREAK_TYPES.get(str(n).split(";")[0].strip(), len(BREAK_TYPES) + 1) for n in names])
    for arr in (starts, ends, types):
        arr.flags.writeable = False
    return SchoolCalendar(starts, ends, types)


def school_features(days: np.ndarray, cal: SchoolCalendar, cap: int) -> dict[str, np.ndarray]:
    """Per day: the break's type (0 outside), days until the next break starts and since the last one
    ended (0 inside a break, both capped at ``cap``), and the day's position inside its break (0 outside)."""
    n = len(days)
    if len(cal.starts) == 0:
        zero = np.zeros(n)
        return {"school_break_type": zero, "school_break_before": np.full(n, float(cap)),
                "school_break_after": np.full(n, float(cap)), "school_break_day": zero.copy()}
    i = np.searchsorted(cal.starts, days, side="right") - 1  # the last break starting on or before the day
    has = i >= 0
    k = np.maximum(i, 0)
    inside = has & (days <= cal.ends[k])
    nxt = np.searchsorted(cal.starts, days, side="right")
    before = np.where(nxt < len(cal.starts), cal.starts[np.minimum(nxt, len(cal.starts) - 1)] - days, cap)
    after = np.where(has, days - cal.ends[k], cap)
    return {
        "school_break_type": np.where(inside, cal.types[k], 0).astype(float),
        "school_break_before": np.where(inside, 0, np.minimum(before, cap)).astype(float),
        "school_break_after": np.where(inside, 0, np.minimum(after, cap)).astype(float),
        "school_break_day": np.where(inside, np.minimum(days - cal.starts[k] + 1, cap), 0).astype(float),
    }
