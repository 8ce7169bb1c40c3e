"""The shared day arithmetic: days since 1970-01-01, the weekday rule and the StateHoliday codes."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from storecast.dates import (
    date_of,
    day_number,
    from_days,
    iso_weekday,
    monday_on_or_before,
    state_holiday_code,
    to_days,
    weekday,
)


def test_days_round_trip_at_any_resolution():
    dates = pd.Series(pd.to_datetime(["1970-01-01", "2015-07-31", "2015-08-01"]))
    days = to_days(dates)
    assert days.tolist() == [0, 16647, 16648]
    assert to_days(dates.astype("datetime64[s]")).tolist() == days.tolist()
    assert to_days(["2015-07-31"]).tolist() == [16647]
    assert from_days(days).astype(str).tolist() == ["1970-01-01", "2015-07-31", "2015-08-01"]


def test_a_zone_aware_date_is_the_wall_clock_day_it_names():
    """Midnight in Berlin is that day (as the data contract reads it), not the day before in UTC."""
    berlin = pd.Series(pd.to_datetime(["2015-08-01", "2016-02-29"])).dt.tz_localize("Europe/Berlin")
    assert from_days(to_days(berlin)).astype(str).tolist() == ["2015-08-01", "2016-02-29"]
    assert to_days(berlin.tolist()).tolist() == to_days(berlin).tolist()  # Timestamps one by one: the same days


def test_weekday_agrees_with_pandas():
    dates = pd.date_range("2013-01-01", "2015-12-31")
    days = to_days(dates)
    assert (iso_weekday(days) == dates.day_of_week + 1).all()
    assert (weekday(days) == dates.day_of_week).all()
    mondays = monday_on_or_before(days)
    assert (weekday(mondays) == 0).all() and ((days - mondays) < 7).all()


@pytest.mark.parametrize(("day", "code"), [
    (dt.date(2015, 4, 3), "b"),  # Good Friday
    (dt.date(2015, 4, 6), "b"),  # Easter Monday
    (dt.date(2015, 12, 25), "c"),
    (dt.date(2015, 12, 26), "c"),
    (dt.date(2015, 5, 1), "a"),  # Labour Day
    (dt.date(2015, 5, 14), "a"),  # Ascension
])
def test_state_holiday_codes_follow_the_data(day, code):
    assert state_holiday_code(day) == code


def test_weekday_keeps_integer_arrays():
    assert weekday(np.arange(7)).tolist() == [3, 4, 5, 6, 0, 1, 2]


def test_plain_python_dates_use_the_same_day_numbers():
    for day in (dt.date(1970, 1, 1), dt.date(2015, 7, 31), dt.date(2099, 12, 31)):
        assert day_number(day) == int(to_days(np.array([day], dtype="datetime64[D]"))[0])
        assert date_of(day_number(day)) == day
