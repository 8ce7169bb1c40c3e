"""Column names, dtypes and allowed codes of the Rossmann-shaped files, in one place.

Every module imports names from here instead of spelling them, so a renamed column is a one-line change.
"""

from __future__ import annotations

import datetime as _dt

__all__ = [
    "STORE", "DATE", "DAY_OF_WEEK", "SALES", "CUSTOMERS", "OPEN", "PROMO", "STATE_HOLIDAY",
    "SCHOOL_HOLIDAY", "ID", "STORE_TYPE", "ASSORTMENT", "COMPETITION_DISTANCE",
    "COMPETITION_OPEN_SINCE_MONTH", "COMPETITION_OPEN_SINCE_YEAR", "PROMO2", "PROMO2_SINCE_WEEK",
    "PROMO2_SINCE_YEAR", "PROMO_INTERVAL", "STATE",
    "TRAIN_COLUMNS", "TEST_COLUMNS", "SCORED_COLUMNS", "STORE_COLUMNS", "STATES_COLUMNS",
    "STORE_TYPES", "ASSORTMENTS", "STATE_HOLIDAY_CODES", "PROMO_INTERVALS", "PROMO_INTERVAL_MONTHS",
    "GERMAN_STATES",
    "STATE_SUBDIVISIONS", "state_subdivision",
    "TRAIN_FILE", "STORE_FILE", "TEST_FILE", "SCORED_LAYOUT", "STATES_FILE", "HORIZON_DAYS",
    "MIN_DATE", "MAX_DATE", "MAX_STORE", "MAX_COUNT", "MAX_DISTANCE", "is_sales_day",
]

# daily rows (train.csv / test.csv)
STORE = "Store"
DATE = "Date"
DAY_OF_WEEK = "DayOfWeek"
SALES = "Sales"
CUSTOMERS = "Customers"
OPEN = "Open"
PROMO = "Promo"
STATE_HOLIDAY = "StateHoliday"
SCHOOL_HOLIDAY = "SchoolHoliday"
ID = "Id"

# store table (store.csv)
STORE_TYPE = "StoreType"
ASSORTMENT = "Assortment"
COMPETITION_DISTANCE = "CompetitionDistance"
COMPETITION_OPEN_SINCE_MONTH = "CompetitionOpenSinceMonth"
COMPETITION_OPEN_SINCE_YEAR = "CompetitionOpenSinceYear"
PROMO2 = "Promo2"
PROMO2_SINCE_WEEK = "Promo2SinceWeek"
PROMO2_SINCE_YEAR = "Promo2SinceYear"
PROMO_INTERVAL = "PromoInterval"

# external/store_states.csv
STATE = "State"

TRAIN_COLUMNS = (
    STORE, DAY_OF_WEEK, DATE, SALES, CUSTOMERS, OPEN, PROMO, STATE_HOLIDAY, SCHOOL_HOLIDAY,
)
TEST_COLUMNS = (ID, STORE, DAY_OF_WEEK, DATE, OPEN, PROMO, STATE_HOLIDAY, SCHOOL_HOLIDAY)
# rows to forecast and score: train.csv's columns with test.csv's Id (a later period with its own Ids)
SCORED_COLUMNS = (ID, *TRAIN_COLUMNS)
STORE_COLUMNS = (
    STORE, STORE_TYPE, ASSORTMENT, COMPETITION_DISTANCE, COMPETITION_OPEN_SINCE_MONTH,
    COMPETITION_OPEN_SINCE_YEAR, PROMO2, PROMO2_SINCE_WEEK, PROMO2_SINCE_YEAR, PROMO_INTERVAL,
)
STATES_COLUMNS = (STORE, STATE)

STORE_TYPES = ("a", "b", "c", "d")
ASSORTMENTS = ("a", "b", "c")
# "0" = none, "a" = public holiday, "b" = Easter, "c" = Christmas
STATE_HOLIDAY_CODES = ("0", "a", "b", "c")
PROMO_INTERVALS = ("Jan,Apr,Jul,Oct", "Feb,May,Aug,Nov", "Mar,Jun,Sept,Dec")
# The month names PromoInterval is written in, January first: September is "Sept", not "Sep"
PROMO_INTERVAL_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept", "Oct", "Nov", "Dec")
# German state codes as used by the widely shared store_states.csv (HB,NI is Bremen + Lower Saxony).
GERMAN_STATES = (
    "BE", "BW", "BY", "HB,NI", "HE", "HH", "NW", "RP", "SH", "SN", "ST", "TH",
    "BB", "MV", "SL", "HB", "NI",
)
# The 16 single states, as the `holidays` package names its German subdivisions.
STATE_SUBDIVISIONS = tuple(sorted({part for code in GERMAN_STATES for part in code.split(",")}))


def state_subdivision(code: object) -> str | None:
    """The holiday subdivision of a State code ("HB,NI" -> "HB"); None when no part is a German state.

    One rule for every place that needs it (feature calendars, the API's plans, the contract's
    warning): None means the nationwide holiday calendar applies.
    """
    for part in str(code if code is not None else "").split(","):
        if part.strip() in STATE_SUBDIVISIONS:
            return part.strip()
    return None

TRAIN_FILE = "train.csv"
STORE_FILE = "store.csv"
TEST_FILE = "test.csv"
SCORED_LAYOUT = "train.csv's layout with Id"  # a rows file in SCORED_COLUMNS: its kind, as messages name it
STATES_FILE = "external/store_states.csv"

# The business question: forecasts run 6 weeks ahead.
HORIZON_DAYS = 42

# Optional input column, never a feature: which request a row came from when the API's micro-batcher
# merges several requests into one call. The store's schedule context (``features.schedule``) is read
# per (request, store), so two requests for one store share a call without reading each other's days.
SCHEDULE_GROUP = "ScheduleGroup"

# The dates every entry point accepts (files, frames, the API): wide enough for any real forecast, narrow
# enough that calendar arithmetic (nanosecond timestamps end in 2262, week numbers, holiday tables) never
# overflows. One range, so a date the CLI takes is a date the API takes.
MIN_DATE = _dt.date(2000, 1, 1)
MAX_DATE = _dt.date(2099, 12, 31)

# The largest store number: Store is int32 in every typed frame (and the API's `store` field), so a
# larger number would wrap around when cast (4294967297 -> 1) and silently name another store.
MAX_STORE = 2**31 - 1

# The largest Sales or Customers of one store-day. int64 holds more, but sums over a file's rows did not: two
# rows near 2**63 made the report's totals wrap round to negative numbers without a word. Under 2**31 a
# sum over four billion rows still fits.
MAX_COUNT = 2**31 - 1
# The largest CompetitionDistance in metres, about the Earth's circumference: no competitor is farther, and
# the imputer's fill (twice a quantile) stays finite, where 1e308 made it inf.
MAX_DISTANCE = 40_000_000


def is_sales_day(df):
    """Mask of the days a store traded: open with Sales > 0 (a closed day's zero says nothing about demand).

    The one home of the rule: the data contract requires such days, the models learn from them, RMSPE scores
    them, the report studies them (``clean.rows`` re-exports it beside its row filters). Here, on the ground
    floor, so that the contract (``data``) can use it without importing ``clean``.
    """
    return (df[OPEN] == 1) & (df[SALES] > 0)
