"""School breaks from the holidays calendar: runs, types, distances, and no dependence on other rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from storecast.features.school import BREAK_TYPES, SCHOOL_FEATURES, school_calendar, school_features

_EPOCH = np.datetime64("1970-01-01", "D")


def _days(*dates: str) -> np.ndarray:
    return np.array([(np.datetime64(d, "D") - _EPOCH).astype(np.int64) for d in dates])


def test_a_break_is_a_run_of_days_even_across_new_year():
    cal = school_calendar("NW", 2014, 2015)
    summer = cal.types == BREAK_TYPES["Summer Break"]
    # KMK dates for North Rhine-Westphalia: summer 2014-07-07..2014-08-19
    assert np.datetime64(int(cal.starts[summer][0]), "D") == np.datetime64("2014-07-07")
    assert np.datetime64(int(cal.ends[summer][0]), "D") == np.datetime64("2014-08-19")
    christmas = cal.types == BREAK_TYPES["Christmas Break"]
    spans = [(int(a), int(b)) for a, b in zip(cal.starts[christmas], cal.ends[christmas], strict=True)]
    assert tuple(_days("2014-12-22", "2015-01-06")) in spans  # one break, not two halves


@pytest.mark.parametrize(("day", "expected"), [
    ("2014-07-01", (0, 6, 21, 0)),    # six days before the summer break, 21 after the Whitsun day
    ("2014-07-07", (6, 0, 0, 1)),     # its first day
    ("2014-08-19", (6, 0, 0, 30)),    # its last day: position capped at 30
    ("2014-08-25", (0, 30, 6, 0)),    # six days after it, the autumn break more than 30 days away
])
def test_distances_to_and_from_the_breaks(day, expected):
    out = school_features(_days(day), school_calendar("NW", 2013, 2016), cap=30)
    assert tuple(out[name][0] for name in SCHOOL_FEATURES) == expected


def test_an_unknown_state_has_no_breaks():
    out = school_features(_days("2014-07-10"), school_calendar("", 2013, 2016), cap=30)
    assert (out["school_break_type"][0], out["school_break_before"][0]) == (0, 30)


def test_each_row_gets_the_same_values_alone_or_in_a_batch():
    days = _days(*pd.date_range("2014-01-01", "2015-12-31", freq="D").strftime("%Y-%m-%d"))
    cal = school_calendar("BY", 2013, 2016)
    batch = school_features(days, cal, cap=30)
    for i in (0, 200, 400, 700):
        alone = school_features(days[i:i + 1], cal, cap=30)
        assert all(alone[name][0] == batch[name][i] for name in SCHOOL_FEATURES)
