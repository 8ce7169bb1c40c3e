"""Holiday calendars: the days the real files mark as closing the stores, and the model's public holidays."""

import datetime as dt

import numpy as np
import pytest

from storecast.api.plan import holiday_codes
from storecast.dates import to_days
from storecast.features.proximity import holiday_days
from storecast.holiday_calendar import public_holidays, store_holidays

ASSUMPTION_2015 = dt.date(2015, 8, 15)
CORPUS_CHRISTI_2015 = dt.date(2015, 6, 4)


def _day(day: dt.date) -> int:
    return int(to_days(np.array([day], dtype="datetime64[D]"))[0])


@pytest.mark.parametrize(("state", "day", "closes"), [
    ("BY", ASSUMPTION_2015, True),   # train.csv marks 2013-08-15 "a" for every Bavarian store
    ("SN", CORPUS_CHRISTI_2015, True),  # and Corpus Christi for every Saxon one
    ("TH", CORPUS_CHRISTI_2015, False),  # but not Thuringia's (a Catholic-town holiday there too)
    ("NW", CORPUS_CHRISTI_2015, True),  # a public holiday of NW anyway
    ("BE", ASSUMPTION_2015, False),
])
def test_forecast_plans_close_the_stores_on_the_days_the_real_files_mark(state, day, closes):
    assert (day in store_holidays(state, [2015])) is closes
    assert holiday_codes(state, np.array([_day(day)])) == (["a"] if closes else ["0"])


def test_the_models_holiday_distances_read_the_public_calendar_they_were_chosen_on():
    # adding the Catholic-town days did not improve the seasonal backtest (docs/modeling.md, 2026-12-07)
    assert ASSUMPTION_2015 not in public_holidays("BY", [2015])
    assert _day(ASSUMPTION_2015) not in holiday_days("BY", range(2015, 2016))
    assert _day(CORPUS_CHRISTI_2015) in holiday_days("NW", range(2015, 2016))


def test_a_state_pair_and_an_unknown_state_read_the_nationwide_rules():
    assert ASSUMPTION_2015 not in store_holidays(None, [2015])
    assert dt.date(2015, 10, 3) in store_holidays(None, [2015])  # German Unity Day, everywhere
    assert _day(dt.date(2015, 10, 3)) in holiday_days("HB,NI", range(2015, 2016))
