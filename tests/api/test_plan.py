"""The default day plan of /forecast: holiday codes per state, school holidays, opening and promo rules."""

from __future__ import annotations

import numpy as np

from storecast.api.plan import DEFAULT_PROMO_ANCHOR, default_plan, holiday_codes, school_flags
from storecast.features.facts import StoreFacts


def _days(*iso: str) -> np.ndarray:
    return (np.array(iso, dtype="datetime64[D]") - np.datetime64("1970-01-01", "D")).astype(np.int64)


def test_holiday_codes_by_kind_and_state():
    days = _days("2015-12-25", "2015-12-26", "2015-04-03", "2015-04-06", "2015-05-01", "2015-06-04",
                 "2015-08-04")
    assert holiday_codes("BY", days) == ["c", "c", "b", "b", "a", "a", "0"]  # Corpus Christi in Bavaria
    assert holiday_codes("BE", days) == ["c", "c", "b", "b", "a", "0", "0"]  # ... not in Berlin
    assert holiday_codes(None, days)[:5] == ["c", "c", "b", "b", "a"]
    assert holiday_codes("HB,NI", days)[5] == "0"


def test_sunday_opening_follows_the_store_facts():
    start = int(_days("2015-08-02")[0])  # a Sunday
    facts = StoreFacts(stores=np.array([1, 2]), sunday_open=frozenset({2}))
    assert default_plan(facts, 1, start, 1).open.tolist() == [0]
    assert default_plan(facts, 2, start, 1).open.tolist() == [1]


def test_promo_uses_the_learned_anchor_else_the_documented_default():
    monday = int(_days("2015-08-10")[0])
    learned = default_plan(StoreFacts(promo_anchor=monday), 1, monday, 14).promo.tolist()
    assert learned == [1, 1, 1, 1, 1, 0, 0] + [0] * 7
    fallback = default_plan(StoreFacts(), 1, monday, 14).promo.tolist()
    assert (monday - DEFAULT_PROMO_ANCHOR) % 14 == 7 and fallback == [0] * 7 + [1, 1, 1, 1, 1, 0, 0]


def test_school_holidays_follow_the_state_calendar_on_weekdays():
    # North Rhine-Westphalia's summer break 2015: 2015-06-29..2015-08-11 (KMK); Bavaria's starts 2015-08-01
    days = _days("2015-06-26", "2015-06-29", "2015-07-04", "2015-08-11", "2015-08-12")
    assert school_flags("NW", days).tolist() == [False, True, False, True, False]  # Saturday 0, as in train.csv
    assert school_flags("BY", days).tolist() == [False, False, False, True, True]
    assert school_flags(None, days).tolist() == [False] * 5  # unknown state: no school calendar
    facts = StoreFacts(stores=np.array([1]), states={1: "NW"})
    assert default_plan(facts, 1, int(days[0]), 4).school_holiday.tolist() == [0, 0, 0, 1]
