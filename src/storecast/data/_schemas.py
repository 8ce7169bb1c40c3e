"""pandera schemas of the four input files, in two stages per file, plus the words for a good value.

Stage one (``TYPES``) declares each text column's type; ``contract._parse`` parses to it vectorised
(pandera's own coercion searches failing cells one value at a time: minutes for one bad date in the real
train.csv). Stage two (``VALUES``) is run by pandera on the typed frame: ranges, codes, nulls, unique keys.
Rows whose cells do not parse are left out of stage two, so nothing is reported twice. ``EXPECTED`` words
each column's rule; every message about a bad cell starts with it.
"""

from __future__ import annotations

__all__ = ["TYPES", "VALUES", "REQUIRED", "EXPECTED", "shown_text"]

import pandera.pandas as pa
from pandera.engines.pandas_engine import DateTime

from storecast import schema as s

# pandera builds DateTime.__init__ in a decorator mypy cannot follow; the keyword is real
_DATE = DateTime(to_datetime_kwargs={"format": "%Y-%m-%d"})  # type: ignore[call-arg]
_BINARY = pa.Check.isin([0, 1], error="must be 0 or 1")
_COUNT = pa.Check.in_range(0, s.MAX_COUNT, error=f"must be 0..{s.MAX_COUNT}")
_DISTANCE = pa.Check.in_range(0, s.MAX_DISTANCE, error=f"must be 0..{s.MAX_DISTANCE}")
_STORE_NUMBER = pa.Check.in_range(1, s.MAX_STORE, error=f"must be a store number 1..{s.MAX_STORE}")
# month, week and year columns are float64 only so that they can be empty: a value must still be whole
_WHOLE = pa.Check(lambda v: v % 1 == 0, error="must be a whole number")


def _col(dtype, *checks: pa.Check, nullable: bool = False) -> pa.Column:
    return pa.Column(dtype, list(checks), nullable=nullable, coerce=True)


def _daily_types(with_sales: bool, open_nullable: bool) -> dict[str, pa.Column]:
    cols = {
        s.STORE: _col("int64"),
        s.DAY_OF_WEEK: _col("int64"),
        s.DATE: _col(_DATE),
        s.OPEN: _col("float64", nullable=open_nullable),
        s.PROMO: _col("int64"),
        s.STATE_HOLIDAY: _col(str),
        s.SCHOOL_HOLIDAY: _col("int64"),
    }
    if with_sales:
        cols[s.SALES] = _col("int64")
        cols[s.CUSTOMERS] = _col("int64")
    return cols


def _daily_values(with_sales: bool, open_nullable: bool) -> pa.DataFrameSchema:
    cols = {
        s.STORE: _col("int64", _STORE_NUMBER),
        s.DAY_OF_WEEK: _col("int64", pa.Check.isin(range(1, 8), error="must be 1 (Monday) .. 7 (Sunday)")),
        s.OPEN: _col("float64", _BINARY, nullable=open_nullable),
        s.PROMO: _col("int64", _BINARY),
        s.STATE_HOLIDAY: _col(str, pa.Check.isin(
            s.STATE_HOLIDAY_CODES, error="must be one of '0', 'a' (public), 'b' (Easter), 'c' (Christmas)"
        )),
        s.SCHOOL_HOLIDAY: _col("int64", _BINARY),
    }
    if with_sales:
        cols[s.SALES] = _col("int64", _COUNT)
        cols[s.CUSTOMERS] = _col("int64", _COUNT)
    return pa.DataFrameSchema(cols, unique=[s.STORE, s.DATE], report_duplicates="all")


_STORE_TYPES = {
    s.STORE: _col("int64"),
    s.STORE_TYPE: _col(str),
    s.ASSORTMENT: _col(str),
    s.COMPETITION_DISTANCE: _col("float64", nullable=True),
    s.COMPETITION_OPEN_SINCE_MONTH: _col("float64", nullable=True),
    s.COMPETITION_OPEN_SINCE_YEAR: _col("float64", nullable=True),
    s.PROMO2: _col("int64"),
    s.PROMO2_SINCE_WEEK: _col("float64", nullable=True),
    s.PROMO2_SINCE_YEAR: _col("float64", nullable=True),
    s.PROMO_INTERVAL: _col(str, nullable=True),
}
_STORE_VALUES = pa.DataFrameSchema(
    {
        s.STORE: _col("int64", _STORE_NUMBER),
        s.STORE_TYPE: _col(str, pa.Check.isin(s.STORE_TYPES, error="must be one of a, b, c, d")),
        s.ASSORTMENT: _col(str, pa.Check.isin(s.ASSORTMENTS, error="must be one of a, b, c")),
        s.COMPETITION_DISTANCE: _col("float64", _DISTANCE, nullable=True),
        s.COMPETITION_OPEN_SINCE_MONTH: _col(
            "float64", pa.Check.in_range(1, 12, error="must be a month 1..12"), _WHOLE, nullable=True
        ),
        s.COMPETITION_OPEN_SINCE_YEAR: _col(
            "float64", pa.Check.in_range(1900, 2100, error="must be a year 1900..2100"), _WHOLE, nullable=True
        ),
        s.PROMO2: _col("int64", _BINARY),
        s.PROMO2_SINCE_WEEK: _col(
            "float64", pa.Check.in_range(1, 53, error="must be an ISO week 1..53"), _WHOLE, nullable=True
        ),
        s.PROMO2_SINCE_YEAR: _col(
            "float64", pa.Check.in_range(1900, 2100, error="must be a year 1900..2100"), _WHOLE, nullable=True
        ),
        s.PROMO_INTERVAL: _col(str, pa.Check.isin(
            s.PROMO_INTERVALS, error="must be one of " + " | ".join(s.PROMO_INTERVALS)
        ), nullable=True),
    },
    unique=[s.STORE],
    report_duplicates="all",
)

_STATES_TYPES = {s.STORE: _col("int64"), s.STATE: _col(str)}
_STATES_VALUES = pa.DataFrameSchema(
    {s.STORE: _col("int64", _STORE_NUMBER),
     s.STATE: _col(str, pa.Check.str_length(1, 10, error="must be a state code such as NW or HB,NI"))},
    unique=[s.STORE],
    report_duplicates="all",
)

TYPES: dict[str, pa.DataFrameSchema] = {
    s.TRAIN_FILE: pa.DataFrameSchema(_daily_types(True, False)),
    s.TEST_FILE: pa.DataFrameSchema({s.ID: _col("int64"), **_daily_types(False, True)}),
    s.SCORED_LAYOUT: pa.DataFrameSchema({s.ID: _col("int64"), **_daily_types(True, False)}),
    s.STORE_FILE: pa.DataFrameSchema(_STORE_TYPES),
    s.STATES_FILE: pa.DataFrameSchema(_STATES_TYPES),
}
_test_values = _daily_values(False, True)
VALUES: dict[str, pa.DataFrameSchema] = {
    s.TRAIN_FILE: _daily_values(True, False),
    s.TEST_FILE: _test_values.add_columns({s.ID: pa.Column("int64", coerce=True, unique=True)}),
    s.SCORED_LAYOUT: _daily_values(True, False).add_columns({s.ID: pa.Column("int64", coerce=True, unique=True)}),
    s.STORE_FILE: _STORE_VALUES,
    s.STATES_FILE: _STATES_VALUES,
}

REQUIRED: dict[str, tuple[str, ...]] = {
    s.TRAIN_FILE: s.TRAIN_COLUMNS,
    s.TEST_FILE: s.TEST_COLUMNS,
    s.SCORED_LAYOUT: s.SCORED_COLUMNS,
    s.STORE_FILE: s.STORE_COLUMNS,
    s.STATES_FILE: s.STATES_COLUMNS,
}

_MAYBE = " (or empty when unknown)"
# What a good value of each column looks like, in words: every message about a bad cell starts with it.
EXPECTED: dict[str, str] = {
    s.STORE: f"a store number (a whole number 1..{s.MAX_STORE})",
    s.DAY_OF_WEEK: "a weekday number, 1 (Monday) .. 7 (Sunday)",
    s.DATE: f"a date {s.MIN_DATE:%Y-%m-%d}..{s.MAX_DATE:%Y-%m-%d} written YYYY-MM-DD",
    s.SALES: f"a whole number 0..{s.MAX_COUNT}",
    s.CUSTOMERS: f"a whole number 0..{s.MAX_COUNT}",
    s.OPEN: "0 or 1",
    s.PROMO: "0 or 1",
    s.SCHOOL_HOLIDAY: "0 or 1",
    s.STATE_HOLIDAY: "one of 0 (none), a (public holiday), b (Easter), c (Christmas)",
    s.ID: "a unique whole number",
    s.STORE_TYPE: "one of " + ", ".join(s.STORE_TYPES),
    s.ASSORTMENT: "one of " + ", ".join(s.ASSORTMENTS),
    s.COMPETITION_DISTANCE: f"a distance in metres 0..{s.MAX_DISTANCE}" + _MAYBE,
    s.COMPETITION_OPEN_SINCE_MONTH: "a month 1..12" + _MAYBE,
    s.COMPETITION_OPEN_SINCE_YEAR: "a year 1900..2100" + _MAYBE,
    s.PROMO2: "0 or 1",
    s.PROMO2_SINCE_WEEK: "an ISO week 1..53" + _MAYBE,
    s.PROMO2_SINCE_YEAR: "a year 1900..2100" + _MAYBE,
    s.PROMO_INTERVAL: "empty or one of " + " | ".join(f'"{p}"' for p in s.PROMO_INTERVALS),
    s.STATE: "a state code such as NW or HB,NI",
}


_SHOWN_CHARS = 40  # a longer cell is cut in a message, which stays one readable line


def shown_text(text: str) -> str:
    """A bad cell's text as a message quotes it: in full, or its first `_SHOWN_CHARS` characters and its length."""
    return repr(text) if len(text) <= _SHOWN_CHARS else f"{text[:_SHOWN_CHARS]!r}... ({len(text):,} characters)"
