"""The store's own schedule as context: closures found in its rows, and no dependence on other stores or order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from storecast import schema as s
from storecast.features.schedule import SCHEDULE_FEATURES, StoreSchedule


def _days(first: str, n: int) -> pd.DatetimeIndex:
    return pd.date_range(first, periods=n, freq="D")


def _store(store: int, first: str, opened: list[int]) -> pd.DataFrame:
    return pd.DataFrame({s.STORE: store, s.DATE: _days(first, len(opened)), s.OPEN: opened})


def _features(rows: pd.DataFrame, **params) -> pd.DataFrame:
    out = StoreSchedule(**params).fit(rows).transform(rows)
    return out[list(SCHEDULE_FEATURES)].reset_index(drop=True)


def test_a_week_closed_gives_distances_and_length_on_both_sides():
    # open 5 days, closed 7, open 5: 2015-03-01..05 open, 06..12 closed, 13..17 open
    rows = _store(1, "2015-03-01", [1] * 5 + [0] * 7 + [1] * 5)
    f = _features(rows)
    assert f["closure_ahead_days"].tolist()[:5] == [5, 4, 3, 2, 1]
    assert f["closure_ahead_len"].tolist()[:5] == [7] * 5
    assert f["reopened_days"].tolist()[-5:] == [1, 2, 3, 4, 5]
    assert f["reopened_after_len"].tolist()[-5:] == [7] * 5
    # before the closure nothing reopened; after it nothing is ahead: "no known event"
    assert f["reopened_days"].tolist()[:5] == [30] * 5 and f["reopened_after_len"].tolist()[:5] == [0] * 5
    assert f["closure_ahead_days"].tolist()[-5:] == [30] * 5 and f["closure_ahead_len"].tolist()[-5:] == [0] * 5


def test_missing_days_between_rows_count_as_closed_like_open_zero_rows():
    """Training rows are the open days only: a gap in them is the same closure as explicit Open = 0 rows."""
    explicit = _store(1, "2015-03-01", [1] * 5 + [0] * 7 + [1] * 5)
    gap = explicit[explicit[s.OPEN] == 1].drop(columns=[s.OPEN])
    f_explicit = _features(explicit)[explicit[s.OPEN].to_numpy() == 1].reset_index(drop=True)
    pd.testing.assert_frame_equal(_features(gap), f_explicit)


def test_two_closed_days_are_no_event_and_a_long_gap_is_missing_data():
    short = _store(1, "2015-03-01", [1] * 5 + [0] * 2 + [1] * 5)  # a Sunday + a holiday
    f = _features(short)
    assert (f["closure_ahead_len"] == 0).all() and (f["reopened_after_len"] == 0).all()
    long = pd.concat([_store(1, "2014-01-01", [1] * 5), _store(1, "2014-07-01", [1] * 5)])
    f = _features(long, max_closure=100)  # 176 days without rows: a gap in the data, not a closure
    assert (f["closure_ahead_days"] == 30).all() and (f["reopened_days"] == 30).all()


def test_lengths_and_distances_are_capped():
    rows = _store(1, "2015-01-01", [1] * 40 + [0] * 45 + [1] * 40)
    f = _features(rows, cap=30)
    assert f["closure_ahead_days"].max() == 30 and f["closure_ahead_len"].max() == 30
    assert f["closure_ahead_days"].iloc[0] == 30 and f["closure_ahead_len"].iloc[0] == 0  # 40 days away: beyond reach
    assert f["closure_ahead_days"].iloc[39] == 1 and f["closure_ahead_len"].iloc[39] == 30


def test_a_store_closed_at_the_start_of_the_request_reopens_on_its_first_open_row():
    rows = _store(3, "2015-08-01", [0] * 6 + [1] * 4)
    f = _features(rows)
    assert f["reopened_days"].tolist()[6:] == [1, 2, 3, 4]
    assert f["reopened_after_len"].tolist()[6:] == [6] * 4


def test_a_lone_row_gets_no_known_event():
    f = _features(_store(1, "2015-03-01", [1]))
    assert f.iloc[0].tolist() == [30, 0, 30, 0]


def test_other_stores_and_row_order_change_nothing():
    one = _store(1, "2015-03-01", [1] * 5 + [0] * 7 + [1] * 5)
    other = _store(2, "2015-03-01", [1] * 3 + [0] * 4 + [1] * 10)  # a closure of its own
    both = pd.concat([one, other], ignore_index=True)
    shuffled = both.sample(frac=1.0, random_state=0)
    f_both = _features(both)
    f_shuffled = _features(shuffled).set_index(shuffled.index).sort_index()
    pd.testing.assert_frame_equal(f_both, f_shuffled)
    pd.testing.assert_frame_equal(_features(one), f_both.iloc[:len(one)].reset_index(drop=True))
    pd.testing.assert_frame_equal(_features(other), f_both.iloc[len(one):].reset_index(drop=True))


def test_repeated_days_of_a_store_are_one_day():
    """A planner asks the same day twice (promo on / off): the schedule stays that of the distinct days."""
    rows = _store(1, "2015-03-01", [1] * 5 + [0] * 7 + [1] * 5)
    doubled = pd.concat([rows, rows.iloc[[2, 14]]], ignore_index=True)
    f = _features(doubled)
    pd.testing.assert_frame_equal(f.iloc[:len(rows)], _features(rows))
    assert f.iloc[len(rows)].tolist() == f.iloc[2].tolist()


def test_unknown_open_counts_as_open_and_bad_parameters_are_refused():
    rows = _store(1, "2015-03-01", [1] * 5 + [0] * 7 + [1] * 5).astype({s.OPEN: float})
    rows.loc[6, s.OPEN] = np.nan  # one unknown day splits the closure into 1 + 5 days
    f = _features(rows)
    assert f["closure_ahead_days"].iloc[0] == 7 and f["closure_ahead_len"].iloc[0] == 5
    with pytest.raises(ValueError, match="max_closure"):
        StoreSchedule(max_closure=2).fit(rows)


def test_a_schedule_group_splits_a_store_into_separate_inputs():
    """Two requests for one store merged into one call (the API's micro-batcher): the gap between them is
    not a closure, and each group's features equal those of its rows alone."""
    before = _store(1, "2015-03-01", [1] * 5)  # 03-01..05
    after = _store(1, "2015-03-12", [1] * 5)  # 03-12..16: read together, 06..11 would be a 6-day closure
    joined = pd.concat([before, after], ignore_index=True)
    together = _features(joined)
    assert together["closure_ahead_len"].tolist()[:5] == [6] * 5  # one input: the gap is a closure
    grouped = _features(joined.assign(**{s.SCHEDULE_GROUP: [0] * 5 + [1] * 5}))
    alone = pd.concat([_features(before), _features(after)], ignore_index=True)
    pd.testing.assert_frame_equal(grouped, alone)
    assert grouped["closure_ahead_len"].tolist() == [0] * 10


def test_two_rows_of_a_store_a_week_apart_enclose_a_closure_whatever_other_stores_are_asked():
    """A request for a store's Monday and the next Monday: the days between are closed, as with more rows,
    and adding another store's row to the request changes neither row's features."""
    two = pd.DataFrame({s.STORE: 1, s.DATE: pd.to_datetime(["2015-03-02", "2015-03-09"]), s.OPEN: 1})
    alone = _features(two)
    assert alone["closure_ahead_len"].tolist() == [6, 0] and alone["reopened_after_len"].tolist() == [0, 6]
    with_other = pd.concat([two, _store(2, "2015-03-02", [1])], ignore_index=True)
    pd.testing.assert_frame_equal(_features(with_other).iloc[:2], alone)


def test_rows_that_are_all_closed_are_read_as_closed_not_an_index_error():
    """A store closed on every row it is asked about (a training window inside a refurbishment, which the
    LSTM's context reads with its closed days) has no event to read; the step raised IndexError there."""
    rows = _store(4, "2015-03-01", [0] * 5)
    assert _features(rows).to_dict("list") == {"closure_ahead_days": [30] * 5, "closure_ahead_len": [0] * 5,
                                              "reopened_days": [30] * 5, "reopened_after_len": [0] * 5}
    # beside a store that opens, each reads its own rows
    both = pd.concat([rows, _store(5, "2015-03-01", [0] * 3 + [1] * 2)])
    assert _features(both)["reopened_days"].tolist() == [30] * 5 + [30] * 3 + [1, 2]
