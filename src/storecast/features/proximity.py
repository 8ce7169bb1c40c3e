"""Days before/after public holidays, Christmas, Easter, Carnival and promo starts, from the known schedule.

Why not from neighbouring rows: a forecast request may hold one row or a thousand, and a row's answer
must not change with its company. So every distance here comes from a calendar that is known in
advance: the ``holidays`` package's German calendar for the store's state (public holidays close the
stores, which moves sales to the days around them), Easter's date, Carnival (Rosenmontag = Easter - 48
days: not a public holiday, yet in the Rhineland stores sell a fraction of a normal day from
Weiberfastnacht to Rosenmontag; the model pairs this offset with the store's state), and Rossmann's promo rhythm
(5-day promos Monday..Friday in alternating weeks), whose phase is learned from the fit window and
corrected by the row's own Promo flag; and the state's school breaks (``features.school``).
"""

from __future__ import annotations

__all__ = ["ScheduleProximity", "PROXIMITY_FEATURES", "PROMO_CYCLE_DAYS", "days_to_and_since", "holiday_days",
           "promo_anchor", "latest_promo_monday", "promo_cycle_position"]

from functools import lru_cache

import numpy as np
import pandas as pd
from dateutil.easter import easter

from storecast import schema as s
from storecast.dates import monday_on_or_before, to_days, weekday
from storecast.features._base import AddColumnsTransformer, numeric
from storecast.features.calendar import date_parts
from storecast.features.school import SCHOOL_FEATURES, school_calendar, school_features
from storecast.holiday_calendar import public_holidays

PROXIMITY_FEATURES = (
    "holiday_before", "holiday_after", "holidays_this_week", "holidays_next_week",
    "holidays_last_week", "christmas_before", "christmas_after", "easter_before", "easter_after",
    "carnival_offset", "promo_cycle_pos", "promo_next_start", *SCHOOL_FEATURES,
)
_ROSENMONTAG = -48  # days from Easter Sunday
PROMO_CYCLE_DAYS = 14  # Rossmann's promo rhythm: a Monday..Friday promo week, then a week without


def holiday_days(state: str, years: range) -> np.ndarray:
    """Sorted days since epoch of the public holidays of ``state`` (nationwide when unknown).

    The package's public holidays, not ``store_holidays``: the distances were chosen on them, and adding BY's
    Assumption Day and SN's Corpus Christi did not improve the seasonal backtest (``holiday_calendar``).
    """
    cal = public_holidays(s.state_subdivision(state), years)
    return np.sort(to_days(np.array(list(cal), dtype="datetime64[D]")).astype(np.int64))


def _states(X: dict[str, np.ndarray], n: int) -> np.ndarray:
    """The rows' state codes as str ("" when unknown: the national calendar applies)."""
    if s.STATE not in X:
        return np.full(n, "")
    values = np.asarray(X[s.STATE])
    if values.dtype.kind == "U":
        return values
    return np.array(["" if v is None or v != v else str(v) for v in values], dtype=str)


@lru_cache(maxsize=64)
def _yearly_days(first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
    """Christmas and Easter Sunday of ``first..last`` as days since epoch (cached: pure, read-only)."""
    years = range(first, last + 1)
    xmas = to_days(np.array([f"{y}-12-25" for y in years], dtype="datetime64[D]"))
    east = to_days(np.array([easter(y) for y in years], dtype="datetime64[D]"))
    xmas.flags.writeable = east.flags.writeable = False
    return xmas, east


def days_to_and_since(days: np.ndarray, events: np.ndarray, cap: int) -> tuple[np.ndarray, np.ndarray]:
    """Days until the next event (0 on the day) and since the last one, both capped at ``cap``."""
    i = np.searchsorted(events, days, side="left")
    nxt = np.where(i < len(events), events[np.minimum(i, len(events) - 1)] - days, cap)
    j = np.searchsorted(events, days, side="right") - 1
    prev = np.where(j >= 0, days - events[np.maximum(j, 0)], cap)
    return np.minimum(nxt, cap).astype(float), np.minimum(prev, cap).astype(float)


def _count_in(days_lo: np.ndarray, events: np.ndarray) -> np.ndarray:
    """Number of events in [days_lo, days_lo + 7)."""
    return (np.searchsorted(events, days_lo + 7) - np.searchsorted(events, days_lo)).astype(float)


def promo_anchor(days: np.ndarray, promo: np.ndarray | None) -> int:
    """Latest Monday (days since epoch) on which most rows ran a promo: the phase the next weeks continue.

    ``days`` and ``promo`` are per row (the trees' fit rows, or every cell of the LSTM's store x day panel).
    """
    monday = weekday(days) == 0
    flags = np.zeros(len(days)) if promo is None else promo  # no promo seen: latest_promo_monday's fallback
    share = pd.Series(flags[monday]).groupby(days[monday]).mean()
    return latest_promo_monday(share.index.to_numpy(), share.to_numpy(), int(days.max()))


def latest_promo_monday(mondays: np.ndarray, promo_share: np.ndarray, last_day: int) -> int:
    """`promo_anchor` from each Monday's share of rows on promo (the Dask engine sums per-worker counts).

    The latest Monday with a share above one half; with none, the Monday on or before ``last_day``.
    """
    hits = np.asarray(mondays)[np.asarray(promo_share) > 0.5]
    return int(hits.max()) if len(hits) else int(monday_on_or_before(last_day))


def promo_cycle_position(days: np.ndarray, anchor: int, promo: np.ndarray | None) -> np.ndarray:
    """Position 0..13 in the `PROMO_CYCLE_DAYS` promo cycle (0 = the Monday a promo week starts): the phase learned
    from ``anchor``, overridden on weekdays by the row's own Promo flag where it is known."""
    pos = ((days - anchor) % PROMO_CYCLE_DAYS).astype(float)
    if promo is not None:
        day = weekday(days)  # 0 = Monday
        known = (day <= 4) & ~np.isnan(promo)
        pos[known] = day[known] + 7 * (1 - promo[known])
    return pos


class ScheduleProximity(AddColumnsTransformer):
    """Add distances to the holidays and promo starts that a planner knows weeks ahead.

    Parameters
    ----------
    cap : int, default=30
        Distances are capped here: beyond a month a holiday no longer moves daily sales.
    christmas_cap : int, default=60
        Christmas shopping starts earlier, so its distance gets a longer cap.

    Attributes
    ----------
    years_ : ndarray (first, last) year of the precomputed calendars.
    calendars_ : dict state -> ndarray of holiday days (since epoch).
    promo_anchor_ : int, a Monday (days since epoch) starting a promo week late in the fit window.
    """

    def __init__(self, *, cap: int = 30, christmas_cap: int = 60):
        self.cap = cap
        self.christmas_cap = christmas_cap

    def fit(self, X: pd.DataFrame, y=None) -> ScheduleProximity:
        """Precompute state holiday calendars and learn the promo phase from the fit rows."""
        X = self._check_frame(X, (s.STORE, s.DATE))
        self._remember_input(X)
        if int(self.cap) < 1 or int(self.christmas_cap) < 1:
            raise ValueError(f"`cap` and `christmas_cap` must be >= 1; got {self.cap}, {self.christmas_cap}.")
        days = to_days(X[s.DATE])
        years = date_parts(np.array([days.min(), days.max()]))["year"]
        self.years_ = np.array([years[0] - 1, years[1] + 3], dtype=np.int64)
        states = set(_states(X, len(days)))
        span = range(int(self.years_[0]), int(self.years_[1]) + 1)
        self.calendars_ = {str(st): holiday_days(str(st), span) for st in sorted(set(states) | {""})}
        self.promo_anchor_ = self._promo_anchor(X, days)
        return self

    @staticmethod
    def _promo_anchor(X: dict[str, np.ndarray], days: np.ndarray) -> int:
        """Latest Monday on which most fit rows ran a promo: the phase the next weeks continue."""
        return promo_anchor(days, numeric(X, s.PROMO) if s.PROMO in X else None)

    def _calendar(self, state: str, first_year: int, last_year: int) -> np.ndarray:
        """Holiday days of ``state`` covering ``first_year - 1 .. last_year + 1``."""
        cal = self.calendars_.get(state)
        inside = first_year - 1 >= self.years_[0] and last_year + 1 <= self.years_[1]
        if cal is None or not inside:  # rare: a date far outside the fitted span; computed, not stored
            cal = holiday_days(state, range(first_year - 1, last_year + 2))
        return cal

    def _added_names(self) -> list[str]:
        return list(PROXIMITY_FEATURES)

    def _features(self, X: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        days = to_days(X[s.DATE])
        n = len(days)
        parts = date_parts(days)
        monday = days - (parts["day_of_week"] - 1)
        out = {name: np.zeros(n) for name in PROXIMITY_FEATURES}
        states = _states(X, n)
        first, last = int(parts["year"].min()), int(parts["year"].max())
        groups = np.unique(states)
        for state in groups:
            # one state (every single-row request): all rows, no gather/scatter
            rows = slice(None) if len(groups) == 1 else np.flatnonzero(states == state)
            cal = self._calendar(str(state), first, last)
            before, after = days_to_and_since(days[rows], cal, int(self.cap))
            out["holiday_before"][rows], out["holiday_after"][rows] = before, after
            out["holidays_this_week"][rows] = _count_in(monday[rows], cal)
            out["holidays_next_week"][rows] = _count_in(monday[rows] + 7, cal)
            out["holidays_last_week"][rows] = _count_in(monday[rows] - 7, cal)
            school = school_features(days[rows], school_calendar(str(state), first - 1, last + 1), int(self.cap))
            for name, values in school.items():
                out[name][rows] = values
        xmas, east = _yearly_days(first - 1, last + 1)
        out["christmas_before"], out["christmas_after"] = days_to_and_since(days, xmas, int(self.christmas_cap))
        out["easter_before"], out["easter_after"] = days_to_and_since(days, east, int(self.cap))
        # Signed days from the nearest Rosenmontag, clipped: -4 is Weiberfastnacht (the Thursday), 0 Rosenmontag.
        before, after = days_to_and_since(days, east + _ROSENMONTAG, int(self.cap))
        out["carnival_offset"] = np.where(before < after, -before, after)  # far from both: +cap
        pos = promo_cycle_position(days, self.promo_anchor_, numeric(X, s.PROMO) if s.PROMO in X else None)
        out["promo_cycle_pos"] = pos
        out["promo_next_start"] = PROMO_CYCLE_DAYS - pos
        return out
