"""`validate_rows`: the data contract for test-shaped rows already in memory (API requests, ``predict --input``).

The rules and the wording are the file contract's (`EXPECTED` from `_schemas`), but the checks are plain
vectorised pandas instead of a pandera run: the API calls this on every request, where pandera's fixed
cost (about 7 ms for 48 rows) would be most of the work. Problems name the 0-based row position, since
in-memory rows have no file line; a caller that knows where its rows come from (a chunk of a file,
``batch.iter_rows``) places each `RowProblem` itself (``validate_rows(..., place=...)``).
"""

from __future__ import annotations

__all__ = ["validate_rows", "no_open_value", "RowProblem", "weekday_mismatch"]

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.data._dates import date_hint, date_values, parse_dates
from storecast.data._numbers import whole_numbers
from storecast.data._schemas import EXPECTED, shown_text
from storecast.data.request_rows import values_in_contract
from storecast.dates import from_days, iso_weekday, to_days
from storecast.errors import ContractProblem, DataContractError

_REQUIRED = (s.STORE, s.DATE, s.PROMO, s.STATE_HOLIDAY, s.SCHOOL_HOLIDAY)
_OPTIONAL = (s.ID, s.DAY_OF_WEEK, s.OPEN)
_MAX_PER_COLUMN = 20


def _shown(value: Any) -> str:
    if value is None or (np.ndim(value) == 0 and pd.isna(value)):
        return "an empty value"
    if isinstance(value, pd.Timestamp):  # '2015-08-01 13:00:00', not Timestamp('2015-08-01 13:00:00')
        return repr(str(value))
    if isinstance(value, str):  # a chunk of a CSV file: a 200 KB cell is cut like the file contract cuts it
        return shown_text(value)
    return repr(value.item() if isinstance(value, np.generic) else value)  # 2, not np.int64(2)


@dataclass(frozen=True)
class RowProblem:
    """One row's problem, before it is placed: ``validate_rows`` words it ``row i: text``.

    Why data, not only the sentence: a chunk of a file (``batch.iter_rows``) names the file's line or row and
    words a bad value as a whole read of the file does; it read those facts back out of ``row i: ...`` before.
    """

    row: int  # the 0-based position in the rows given
    column: str
    text: str  # ``expected X, got Y: fix``
    bad_value: bool  # the cell breaks its column's rule (a DayOfWeek of another date or a repeated Id does not)
    first: int | None = None  # a repeated key: the row that has it first
    in_file: str | None = None  # ``text`` as a file words it, where it differs (a file cannot leave a column out)


def _in_rows(source: str) -> Callable[[RowProblem], ContractProblem]:
    def place(found: RowProblem) -> ContractProblem:
        return ContractProblem(source, f"row {found.row}: {found.text}", column=found.column, row=found.row)
    return place


class _Problems:
    """Collects problems per column, at most `_MAX_PER_COLUMN` each, so a huge bad request stays readable."""

    def __init__(self, source: str, place: Callable[[RowProblem], ContractProblem] | None = None,
                 bad_values: Callable[[str, np.ndarray], None] | None = None):
        self.source = source
        self.place = place or _in_rows(source)
        self.bad_values = bad_values
        self.handed = False  # bad cells given to bad_values (a file's chunk: chunk_rules.BadCells), still refused
        self.items: list[ContractProblem] = []

    def cells(self, mask: np.ndarray, column: str, shown: pd.Series, fix: str = "correct it",
              worded: Callable[[int], str | None] | None = None, *, values: np.ndarray | None = None,
              first: np.ndarray | None = None, in_memory: str = "") -> None:
        """One problem per row of ``mask``: ``expected X, got Y: fix``, or what ``worded(row)`` says of it.

        ``values``: which rows of ``mask`` hold a bad value (default all); ``first``: for a repeated key, the row
        that has it first (-1 elsewhere); ``in_memory``: added to ``worded``'s text for rows given in memory,
        left out of `RowProblem.in_file` (a file's chunk is worded as the file).
        """
        bad = np.flatnonzero(mask)
        if self.bad_values is not None:
            value = np.ones(len(bad), dtype=bool) if values is None else values[bad].astype(bool)
            if value.any():
                self.bad_values(column, bad[value])
                self.handed = True
            bad = bad[~value]
        for i in bad[:_MAX_PER_COLUMN]:
            said = worded(int(i)) if worded else None
            text = said + in_memory if said else f"expected {EXPECTED[column]}, got {_shown(shown.iat[i])}: {fix}"
            in_file = said if said and in_memory else None
            again = None if first is None or first[i] < 0 else int(first[i])
            self.items.append(self.place(RowProblem(int(i), column, text, bool(values is None or values[i]), again,
                                                    in_file)))
        if len(bad) > _MAX_PER_COLUMN:
            self.items.append(ContractProblem(
                self.source, f"{len(bad) - _MAX_PER_COLUMN} more rows with a bad {column}", column=column))

    def raise_if_any(self) -> None:
        if self.items or self.handed:
            raise DataContractError(self.items)


def _whole(values: pd.Series, minimum: int | None = None, allowed: tuple[int, ...] | None = None,
           maximum: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Exact int64 of any dtype (JSON ints, text, bools; `whole_numbers`, the file contract's rule) and the
    mask of values that break the rule (a missing value among them)."""
    num, bad = whole_numbers(values)
    if minimum is not None:
        bad |= num < minimum
    if maximum is not None:
        bad |= num > maximum
    if allowed is not None:
        bad |= ~np.isin(num, allowed)
    return num, bad


def no_open_value(values: pd.Series) -> np.ndarray:
    """The cells of an Open column that hold no value (missing: an empty cell of a file).

    test.csv's layout takes such a row as open (1): ``validate_rows`` fills exactly these cells, and
    ``contract.count_missing_open`` counts them with this rule for the one warning per file, whether the file is
    read whole or in chunks. A file's cell of only spaces is read as empty (``_csvfile.blank_cells``) before this.
    """
    return values.isna().to_numpy()


def _first_repeats(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of repeated keys (all but the first of each) and, for each, the first position."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    same = np.zeros(len(keys), dtype=bool)  # not np.r_[False, ...]: one element too many for no keys at all
    same[1:] = ordered[1:] == ordered[:-1]
    starts = np.maximum.accumulate(np.where(same, 0, np.arange(len(keys))))
    return order[same], order[starts[same]]


_TYPED = {s.STORE: "int32", s.DAY_OF_WEEK: "int8", s.OPEN: "int8", s.PROMO: "int8", s.SCHOOL_HOLIDAY: "int8"}


def _already_valid(rows: pd.DataFrame) -> bool:
    """True when ``rows`` is typed exactly as `validate_rows` returns it and every value is in range.

    Why: the API builds its frames with these dtypes (``data.request_rows.RequestRows.frame``) from requests that
    pydantic has checked, and re-deriving every column costs more than the model (about 1.5 of 3 ms
    for one row). The dtypes and the StateHoliday categories are checked here, the other values by
    ``request_rows.values_in_contract`` (the rules' one home); any doubt -> the full path, which then
    produces the messages. Returns the input itself then, so the result is identical.
    """
    cols = rows.columns
    if s.ID in cols or not all(c in cols for c in (*_TYPED, s.DATE, s.STATE_HOLIDAY)) or rows.empty:
        return False
    if any(rows[c].dtype != np.dtype(t) for c, t in _TYPED.items()):
        return False
    date, holiday = rows[s.DATE], rows[s.STATE_HOLIDAY]
    # a numpy datetime64 (no zone), every value a midnight: anything else gets date_values' words
    if not (isinstance(date.dtype, np.dtype) and date.dtype.kind == "M") or not isinstance(
            holiday.dtype, pd.CategoricalDtype):
        return False
    if list(holiday.cat.categories) != list(s.STATE_HOLIDAY_CODES) or holiday.cat.ordered:
        return False
    if date.isna().any() or (holiday.cat.codes.to_numpy() < 0).any():
        return False
    days = to_days(date)
    if not (from_days(days) == date.to_numpy()).all():  # a time of day
        return False
    if not values_in_contract(rows[s.STORE].to_numpy(), days, rows[s.OPEN].to_numpy(), rows[s.PROMO].to_numpy(),
                              rows[s.SCHOOL_HOLIDAY].to_numpy()):
        return False
    return bool((iso_weekday(days) == rows[s.DAY_OF_WEEK].to_numpy()).all())


def _date_written_otherwise(value: Any) -> str | None:
    """A bad Date that is a date written another way (``31.07.2015``), said as the file contract says it."""
    hint = date_hint(value) if isinstance(value, str) else ""
    return f"expected {EXPECTED[s.DATE]}, got {_shown(value)}{hint}: correct it" if hint else None


def weekday_mismatch(date: Any, actual: int, given: int) -> str:
    """A DayOfWeek that is a weekday, but not the Date's: the words of a file's line (``contract``) and of a row.

    Why: "expected a weekday number, 1 (Monday) .. 7 (Sunday), got 1" refused a weekday number as if it were
    none, where the same line of a file read whole says which weekday the Date is. Rows given in memory may
    leave the column out (`_WEEKDAY_DERIVED` says so); a file may not, so a chunk of one is worded without it.
    """
    day = pd.Timestamp(date)
    return (f"expected {actual} for {day:%Y-%m-%d} (a {day:%A}; Monday=1 .. Sunday=7), got {given}: correct "
            "DayOfWeek or the Date")


_WEEKDAY_DERIVED = ", or leave the column out to have it derived"


def validate_rows(rows: pd.DataFrame, *, source: str = "rows",
                  place: Callable[[RowProblem], ContractProblem] | None = None,
                  bad_values: Callable[[str, np.ndarray], None] | None = None) -> pd.DataFrame:
    """Check in-memory test-shaped rows and return them typed like `load_test`'s frame.

    Parameters
    ----------
    rows : DataFrame
        Store, Date, Promo, StateHoliday, SchoolHoliday; optionally Id, DayOfWeek (derived from the date
        when the column is absent, else every cell checked against it) and Open (missing or empty = open, as
        in test.csv).
        Sales and Customers, when present (rows cut from a train.csv-shaped file), must be whole numbers
        0..2147483647 as in train.csv, and are then kept as given (Open then must be 0 or 1, as in train.csv);
        other columns are kept untouched.
    source : str
        Names the input in messages (``"request"``, a file name).
    place : callable, optional
        Turns each row's `RowProblem` into the problem reported; default ``source``'s ``row i: text``.
    bad_values : callable, optional
        Takes ``(column, positions)`` of the cells that break their column's rule, not listed here then (a file
        read in chunks lists and counts them for the file); the error still comes, with the other problems.

    Returns
    -------
    DataFrame
        Same index and row order; Store int32, DayOfWeek int8, Date datetime64[ns] (parsed from text; a
        datetime column keeps its resolution), Open/Promo/SchoolHoliday int8, StateHoliday
        category("0","a","b","c"), Id int64 when given.

    Raises
    ------
    DataContractError
        Listing every bad cell (``row i: expected X, got Y``; a Date outside `schema.MIN_DATE` ..
        `schema.MAX_DATE` is one), repeated Ids and columns given twice. Repeated (Store, Date) rows
        are allowed here, unlike in the files and in one ``POST /predict`` request: the micro-batcher's
        merged requests (schedules kept apart by ``RequestRows.concat``'s groups) and the planner's ranking
        (a usual day asked again with promo on, its Open unchanged: one schedule) send the same day twice,
        and each row gets its own answer.
    """
    repeated = rows.columns[rows.columns.duplicated()].unique()
    if len(repeated):  # rows[c] would be a frame, and fail deep inside pandas ("no attribute 'dtype'")
        raise DataContractError([ContractProblem(source, "column given twice: expected each column once", column=str(c))
                                 for c in repeated])
    missing = [c for c in _REQUIRED if c not in rows.columns]
    if missing:
        need = ", ".join(_REQUIRED)
        raise DataContractError([
            ContractProblem(source, f"column is missing: expected the columns {need} "
                                    f"({', '.join(_OPTIONAL)} optional)", column=c)
            for c in missing
        ])
    if rows.empty:
        raise DataContractError(ContractProblem(source, "no rows: expected at least one row to forecast"))
    if _already_valid(rows):
        return rows
    raw = rows.reset_index(drop=True)
    out = raw.copy()
    found = _Problems(source, place, bad_values)

    if pd.api.types.is_datetime64_any_dtype(raw[s.DATE]):
        dates, bad = date_values(raw[s.DATE])  # the resolution kept: the API builds its rows at the one it wants
    else:
        dates, bad = parse_dates(raw[s.DATE])
    found.cells(bad, s.DATE, raw[s.DATE], worded=lambda i: _date_written_otherwise(raw[s.DATE].iat[i]))
    out[s.DATE] = dates

    store, bad = _whole(raw[s.STORE], minimum=1, maximum=s.MAX_STORE)  # beyond int32 it would wrap
    found.cells(bad, s.STORE, raw[s.STORE])
    out[s.STORE] = np.where(bad, 0, store).astype("int32")
    for col in (s.PROMO, s.SCHOOL_HOLIDAY, s.OPEN):
        if col in raw.columns:
            values, bad = _whole(raw[col], allowed=(0, 1))
            if col == s.OPEN and s.SALES not in raw.columns:
                # an empty Open is open in test.csv's layout (train.csv's, Sales given, says what the day was);
                # only an empty one: a value that does not parse ("abc") is refused, as in a file read whole
                empty = no_open_value(raw[col])
                values, bad = np.where(empty, 1, values), bad & ~empty
            found.cells(bad, col, raw[col])
            out[col] = np.where(bad, 0, values).astype("int8")
    if s.OPEN not in raw.columns:
        out[s.OPEN] = np.int8(1)
    holiday = raw[s.STATE_HOLIDAY].astype(str)  # 0 from JSON is "0"; a missing value fails the codes
    bad = ~holiday.isin(s.STATE_HOLIDAY_CODES).to_numpy() | raw[s.STATE_HOLIDAY].isna().to_numpy()
    found.cells(bad, s.STATE_HOLIDAY, raw[s.STATE_HOLIDAY], "use 0 for an ordinary day")
    for col in (s.SALES, s.CUSTOMERS):  # a forecast never reads them, but a bad one means a damaged file
        if col in raw.columns:
            found.cells(_whole(raw[col], minimum=0, maximum=s.MAX_COUNT)[1], col, raw[col])
    if s.ID in raw.columns:
        ids, bad = _whole(raw[s.ID])
        good = np.flatnonzero(~bad)
        again, first = _first_repeats(ids[good])
        first_at = np.full(len(ids), -1)
        first_at[good[again]] = good[first]
        found.cells(bad | (first_at >= 0), s.ID, raw[s.ID], values=bad, first=first_at)
        out[s.ID] = ids
    found.raise_if_any()  # the checks below need parsed dates and stores

    days = to_days(out[s.DATE])
    actual = iso_weekday(days).astype("int8")
    if s.DAY_OF_WEEK in raw.columns:  # given: every cell, as in test.csv (a chunk of a file derived an empty one)
        given, bad = _whole(raw[s.DAY_OF_WEEK], minimum=1, maximum=7)
        found.cells(bad | (given != actual), s.DAY_OF_WEEK, raw[s.DAY_OF_WEEK],
                    "correct it to match the Date, or leave the column out to have it derived",
                    lambda i: None if bad[i] else weekday_mismatch(out[s.DATE].iat[i], int(actual[i]), int(given[i])),
                    values=bad, in_memory=_WEEKDAY_DERIVED)
    out[s.DAY_OF_WEEK] = actual
    found.raise_if_any()
    out[s.STATE_HOLIDAY] = pd.Categorical(holiday, categories=list(s.STATE_HOLIDAY_CODES))
    out.index = rows.index
    return out
