"""The default day plan of a store for ``/forecast``: when it opens, promos and holidays.

Rules, applied per day unless the request's ``schedule`` gives that day:

- ``state_holiday``: the holidays that close the stores of the store's state (``holiday_calendar``: the
  ``holidays`` package's public ones, plus Assumption Day in BY and Corpus Christi in SN, as the real files
  mark them; nationwide ones when the state is unknown): Good Friday, Easter Sunday and Monday -> "b",
  25/26 December -> "c", every other public holiday -> "a".
- ``open``: Monday..Saturday, plus Sunday for the stores the model saw selling on Sundays; closed on
  public holidays.
- ``promo``: Monday..Friday of alternating weeks (Rossmann's 14-day promo rhythm). The phase is the
  one the model learned from its training window (the last promo Monday it saw); a bundle that does
  not record it uses the weeks starting Monday 2015-08-03 + 14k days (the rhythm of Kaggle's test.csv).
- ``school_holiday``: 1 on Monday..Friday inside a school break of the store's state, from the
  ``holidays`` package's KMK school calendar (``categories=("school",)``), else 0; weekends are 0, as
  in train.csv, where this rule matches the SchoolHoliday flag on 99.95% of weekday rows
  (docs/modeling.md). Unknown state: 0.
"""

from __future__ import annotations

__all__ = ["DayPlan", "default_plan", "holiday_codes", "school_flags", "DEFAULT_PROMO_ANCHOR"]

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from storecast import schema as s
from storecast.dates import from_days, state_holiday_code, to_days, weekday
from storecast.features.facts import StoreFacts
from storecast.holiday_calendar import store_holidays

DEFAULT_PROMO_ANCHOR = int(to_days(np.datetime64("2015-08-03", "D")))


@dataclass
class DayPlan:
    """Column arrays of one store's plan over consecutive days (days since 1970-01-01)."""

    days: np.ndarray
    open: np.ndarray
    promo: np.ndarray
    state_holiday: list[str]
    school_holiday: np.ndarray


@lru_cache(maxsize=512)
def _year_codes(subdiv: str | None, year: int) -> dict[int, str]:
    """Day (since epoch) -> state-holiday code for one state and year."""
    return {int(to_days(np.datetime64(day, "D"))): state_holiday_code(day)
            for day in store_holidays(subdiv, [year])}


def school_flags(state: str | None, days: np.ndarray) -> np.ndarray:
    """SchoolHoliday of each day for a store in ``state``: 1 on weekdays inside a school break.

    The breaks come from ``features.school.school_calendar``, the calendar the model's school features use.
    """
    from storecast.features.school import school_calendar, school_features

    days = np.asarray(days, dtype=np.int64)
    if len(days) == 0:
        return np.zeros(0, dtype=bool)
    years = from_days(days).astype("datetime64[Y]").astype(np.int64) + 1970
    cal = school_calendar(state, int(years.min()), int(years.max()))
    inside = school_features(days, cal, cap=1)["school_break_type"] > 0
    return inside & (weekday(days) < 5)


def holiday_codes(state: str | None, days: np.ndarray) -> list[str]:
    """State-holiday code ("0", "a", "b", "c") of each day for a store in ``state``."""
    subdiv = s.state_subdivision(state)
    years = from_days(days).astype("datetime64[Y]").astype(np.int64) + 1970
    table: dict[int, str] = {}
    for year in np.unique(years):
        table.update(_year_codes(subdiv, int(year)))
    return [table.get(int(d), "0") for d in days]


def default_plan(facts: StoreFacts, store: int, start: int, n: int) -> DayPlan:
    """The usual plan of ``store`` for ``n`` days from ``start`` (days since epoch); see the module rules."""
    days = start + np.arange(n, dtype=np.int64)
    dow = weekday(days)  # 0 = Monday .. 6 = Sunday
    codes = holiday_codes(facts.states.get(store), days)
    holiday = np.array([c != "0" for c in codes], dtype=bool)
    opens_sunday = store in facts.sunday_open
    open_ = ((dow < 6) | opens_sunday) & ~holiday
    anchor = DEFAULT_PROMO_ANCHOR if facts.promo_anchor is None else facts.promo_anchor
    promo = (dow < 5) & (((days - anchor) // 7) % 2 == 0)
    return DayPlan(days=days, open=open_.astype(np.int8), promo=promo.astype(np.int8),
                   state_holiday=codes,
                   school_holiday=school_flags(facts.states.get(store), days).astype(np.int8))
