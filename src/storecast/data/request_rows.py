"""Rows to forecast, column-wise and typed: the one shape from an API route (or the planner) to the model.

Why one shape: a route validates its JSON once (pydantic), then the rows travel as ``RequestRows`` through
the micro-batcher (which merges requests by concatenating columns) straight into
``storecast.predict.predict_frame``, which hands ``columns()`` to the model's feature steps. No DataFrame is
built and nothing is re-derived on the way (for a one-row request, that work would be most of the cost);
``frame()`` gives the same rows as a test-shaped DataFrame for callers that want one. ``in_contract()`` is the data
contract's rules on these arrays; a row that breaks one goes through ``validate_rows`` (via ``frame()``),
the contract's one wording of the problem.
"""

from __future__ import annotations

__all__ = ["RequestRows", "values_in_contract"]

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from storecast import schema as s
from storecast.dates import day_number, from_days, iso_weekday, to_days

_HOLIDAY_CODES = list(s.STATE_HOLIDAY_CODES)
_CODE_INDEX = {c: i for i, c in enumerate(_HOLIDAY_CODES)}
_FIRST_DAY, _LAST_DAY = day_number(s.MIN_DATE), day_number(s.MAX_DATE)
_MAX_STORE = s.MAX_STORE
_FEW_ROWS = 16  # up to this many rows the contract's value rules run in plain Python (an API request's usual size)


def values_in_contract(store: np.ndarray, days: np.ndarray, open_: np.ndarray, promo: np.ndarray,
                       school_holiday: np.ndarray) -> bool:
    """The data contract's value rules (`validate_rows`'), on column arrays: Store 1..`schema.MAX_STORE` (an int64
    request's store past int32 would wrap when framed), Open, Promo and
    SchoolHoliday 0/1, days within `schema.MIN_DATE` .. `schema.MAX_DATE`. No pandas.

    The one home of these rules for both fast paths (``RequestRows.in_contract`` and the typed-frame check
    of ``validate_rows``); StateHoliday is left to each, a list of codes in one, a categorical in the other.
    """
    if len(store) <= _FEW_ROWS:  # the same rules on Python ints: each numpy call costs more than the test
        flags = (*open_.tolist(), *promo.tolist(), *school_holiday.tolist())
        return (all(v == 0 or v == 1 for v in flags) and all(1 <= v <= _MAX_STORE for v in store.tolist())
                and all(_FIRST_DAY <= v <= _LAST_DAY for v in days.tolist()))
    flags_ok = all(((v == 0) | (v == 1)).all() for v in (open_, promo, school_holiday))
    return bool(flags_ok and (store >= 1).all() and (store <= _MAX_STORE).all()
                and (days >= _FIRST_DAY).all() and (days <= _LAST_DAY).all())


@dataclass(frozen=True, init=False)
class RequestRows:
    """Rows to forecast: store ids, days since 1970-01-01, Open, Promo, StateHoliday codes, SchoolHoliday."""

    store: np.ndarray  # int64
    days: np.ndarray  # int64 days since 1970-01-01; the day of week is derived from them
    open: np.ndarray  # int8 0/1
    promo: np.ndarray  # int8 0/1
    state_holiday: list[str]  # "0", "a", "b", "c"
    school_holiday: np.ndarray  # int8 0/1
    # int64 request number of each row when several requests share one call (``concat``), else None:
    # a store's schedule context is read within its own request only (``schema.SCHEDULE_GROUP``)
    group: np.ndarray | None

    def __init__(self, store: ArrayLike, days: ArrayLike, open: ArrayLike, promo: ArrayLike,
                 state_holiday: Sequence[str], school_holiday: ArrayLike, *, group: ArrayLike | None = None) -> None:
        set_ = object.__setattr__  # frozen: the columns are fixed once built
        set_(self, "store", np.asarray(store, dtype=np.int64))
        set_(self, "days", np.asarray(days, dtype=np.int64))
        set_(self, "open", np.asarray(open, dtype=np.int8))
        set_(self, "promo", np.asarray(promo, dtype=np.int8))
        set_(self, "state_holiday", list(state_holiday))
        set_(self, "school_holiday", np.asarray(school_holiday, dtype=np.int8))
        set_(self, "group", None if group is None else np.asarray(group, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.store)

    @classmethod
    def concat(cls, parts: Sequence[RequestRows]) -> RequestRows:
        """Several requests' rows as one, in order (the micro-batcher's merge).

        Each part keeps its own schedule context: the rows get ``group`` = their part's number (a part
        that has groups of its own keeps them apart too), so a store asked about in two parts is read
        as two separate schedules, exactly as if each part were predicted alone.
        """
        if len(parts) == 1:
            return parts[0]
        codes: list[str] = []
        groups: list[np.ndarray] = []
        offset = 0
        for p in parts:
            codes.extend(p.state_holiday)
            own = np.zeros(len(p), dtype=np.int64) if p.group is None else p.group  # groups count from 0
            groups.append(own + offset)
            offset += int(own.max(initial=0)) + 1
        return cls(np.concatenate([p.store for p in parts]), np.concatenate([p.days for p in parts]),
                   np.concatenate([p.open for p in parts]), np.concatenate([p.promo for p in parts]), codes,
                   np.concatenate([p.school_holiday for p in parts]), group=np.concatenate(groups))

    @classmethod
    def from_frame(cls, rows: pd.DataFrame) -> RequestRows:
        """The rows of a frame that ``validate_rows`` returned (typed, in range), column-wise."""
        return cls(rows[s.STORE].to_numpy(), to_days(rows[s.DATE]), rows[s.OPEN].to_numpy(), rows[s.PROMO].to_numpy(),
                   rows[s.STATE_HOLIDAY].astype(str).tolist(), rows[s.SCHOOL_HOLIDAY].to_numpy())

    def with_group(self, group: np.ndarray | None) -> RequestRows:
        """The same rows with another ``group`` (None: one schedule context for all rows)."""
        return RequestRows(self.store, self.days, self.open, self.promo, self.state_holiday, self.school_holiday,
                           group=group)

    def in_contract(self) -> bool:
        """True when every row keeps the data contract (`validate_rows`' rules): Store >= 1, Open, Promo and
        SchoolHoliday 0/1, StateHoliday one of "0", "a", "b", "c", Date within `schema.MIN_DATE` ..
        `schema.MAX_DATE`, and at least one row. numpy only: this runs on every request."""
        if len(self.store) == 0 or not (len(self.days) == len(self.open) == len(self.promo)
                                        == len(self.state_holiday) == len(self.school_holiday) == len(self.store)):
            return False
        if self.group is not None and len(self.group) != len(self.store):
            return False
        return (values_in_contract(self.store, self.days, self.open, self.promo, self.school_holiday)
                and all(c in _CODE_INDEX for c in self.state_holiday))

    def dates(self) -> np.ndarray:
        """The days as ``datetime64[us]``, the resolution of ``frame()``'s Date column."""
        return from_days(self.days).astype("datetime64[us]")

    def columns(self) -> dict[str, np.ndarray]:
        """The rows as the feature steps read them: what ``features`` makes of ``frame()``, built directly.

        Store int32, DayOfWeek int8, Date datetime64[us], Open/Promo/SchoolHoliday int8, StateHoliday the code
        strings (object), the values ``frame()`` holds, so both give the model bit-identical inputs.
        """
        cols: dict[str, np.ndarray] = {
            s.STORE: self.store.astype(np.int32),
            s.DAY_OF_WEEK: iso_weekday(self.days).astype(np.int8),
            s.DATE: self.dates(),
            s.OPEN: self.open,
            s.PROMO: self.promo,
            s.STATE_HOLIDAY: np.array(self.state_holiday, dtype=object),
            s.SCHOOL_HOLIDAY: self.school_holiday,
        }
        if self.group is not None:
            cols[s.SCHEDULE_GROUP] = self.group  # read by the schedule step only, never a model feature
        return cols

    def take(self, mask: np.ndarray) -> RequestRows:
        """The rows where ``mask`` is True, in order."""
        return RequestRows(self.store[mask], self.days[mask], self.open[mask], self.promo[mask],
                           [c for c, keep in zip(self.state_holiday, mask.tolist(), strict=True) if keep],
                           self.school_holiday[mask], group=None if self.group is None else self.group[mask])

    def frame(self) -> pd.DataFrame:
        """Test-shaped rows (the dtypes of ``data.contract.load_test``, without Id).

        A StateHoliday that is not one of the codes stays as given (an object column), so that
        ``validate_rows`` of this frame names the row and the value instead of failing here. ``group`` is
        not a test.csv column and is left out (``predict_frame`` carries it past the frame checks).
        """
        cols: dict[str, object] = dict(self.columns())
        cols.pop(s.SCHEDULE_GROUP, None)
        if all(c in _CODE_INDEX for c in self.state_holiday):
            codes = np.fromiter((_CODE_INDEX[c] for c in self.state_holiday), dtype=np.int8, count=len(self))
            cols[s.STATE_HOLIDAY] = pd.Categorical.from_codes(codes, categories=_HOLIDAY_CODES)
        return pd.DataFrame(cols)
