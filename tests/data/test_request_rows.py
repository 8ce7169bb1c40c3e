"""``RequestRows``: the API's typed rows go to the model without a DataFrame, with the same forecasts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from storecast import schema as s
from storecast.artifacts import load_bundle
from storecast.data.request_rows import RequestRows
from storecast.dates import to_days
from storecast.errors import DataContractError
from storecast.features._base import as_columns
from storecast.predict import predict_frame


@pytest.fixture(scope="module")
def bundle(model_path):
    return load_bundle(model_path)


def _rows_of(test: pd.DataFrame) -> RequestRows:
    return RequestRows(test[s.STORE], to_days(test[s.DATE]), test[s.OPEN], test[s.PROMO],
                       test[s.STATE_HOLIDAY].astype(str).tolist(), test[s.SCHOOL_HOLIDAY])


def test_columns_are_what_the_feature_steps_make_of_the_frame(dataset):
    rows = _rows_of(dataset.test.head(50))
    direct, via_frame = rows.columns(), as_columns(rows.frame())
    assert list(direct) == list(via_frame)
    for name in direct:
        assert direct[name].dtype == via_frame[name].dtype, name
        np.testing.assert_array_equal(direct[name], via_frame[name])


def test_typed_rows_forecast_bit_for_bit_as_their_frame_and_as_the_file_rows(bundle, dataset):
    test = dataset.test
    rows = _rows_of(test)
    typed = predict_frame(bundle, rows)
    framed = predict_frame(bundle, rows.frame())
    from_file = predict_frame(bundle, test)
    for col in (s.SALES, "lower", "upper"):
        np.testing.assert_array_equal(typed[col].to_numpy(), framed[col].to_numpy())
        np.testing.assert_array_equal(typed[col].to_numpy(), from_file[col].to_numpy())
    assert (typed[s.SALES].to_numpy()[test[s.OPEN].to_numpy() == 0] == 0).all()  # closed days sell nothing
    assert list(typed.columns) == [s.STORE, s.DATE, s.SALES, "lower", "upper"]
    np.testing.assert_array_equal(typed[s.DATE].to_numpy(), rows.frame()[s.DATE].to_numpy())


@pytest.mark.parametrize(("field", "value", "column"), [
    ("open", 2, s.OPEN), ("promo", -1, s.PROMO), ("school_holiday", 7, s.SCHOOL_HOLIDAY),
    ("store", 0, s.STORE), ("state_holiday", "x", s.STATE_HOLIDAY), ("days", 60_000, s.DATE),
])
def test_a_row_out_of_contract_gets_the_contract_error_naming_row_and_column(bundle, dataset, field, value, column):
    good = _rows_of(dataset.test.head(3))
    assert good.in_contract()
    parts = {"store": good.store.copy(), "days": good.days.copy(), "open": good.open.copy(),
             "promo": good.promo.copy(), "state_holiday": list(good.state_holiday),
             "school_holiday": good.school_holiday.copy()}
    parts[field][1] = value
    bad = RequestRows(**parts)
    assert not bad.in_contract()
    with pytest.raises(DataContractError) as caught:
        predict_frame(bundle, bad)
    problems = [p for p in caught.value.problems if p.column == column]
    assert problems and "row 1" in problems[0].message, caught.value


@pytest.mark.parametrize("n", [1, 16, 17, 40])  # the plain-Python check (few rows) and the numpy one
@pytest.mark.parametrize(("field", "value"), [
    ("open", 2), ("promo", -1), ("school_holiday", 7), ("store", 0), ("days", 60_000), ("days", -50_000),
    ("store", s.MAX_STORE + 1),  # was in contract here, yet validate_rows refuses it (int32 would wrap it)
])
def test_each_contract_rule_holds_for_small_and_large_requests(dataset, n, field, value):
    good = _rows_of(dataset.test.head(n))
    assert len(good) == n and good.in_contract()
    for row in (0, n - 1):
        parts = {"store": good.store.copy(), "days": good.days.copy(), "open": good.open.copy(),
                 "promo": good.promo.copy(), "state_holiday": list(good.state_holiday),
                 "school_holiday": good.school_holiday.copy()}
        parts[field][row] = value
        assert not RequestRows(**parts).in_contract(), (field, value, row)


def test_take_and_concat_keep_row_order(dataset):
    rows = _rows_of(dataset.test.head(6))
    keep = np.array([True, False, True, True, False, True])
    part = rows.take(keep)
    assert part.store.tolist() == rows.store[keep].tolist()
    assert part.state_holiday == [c for c, k in zip(rows.state_holiday, keep, strict=True) if k]
    both = RequestRows.concat([part, rows.take(~keep)])
    assert len(both) == len(rows) and both.days.tolist() == [*rows.days[keep], *rows.days[~keep]]


def test_concat_numbers_each_part_and_take_keeps_the_numbers():
    one = RequestRows([1, 1], [16600, 16601], [1, 0], [0, 0], ["0", "0"], [0, 0])
    two = RequestRows([1], [16610], [1], [0], ["0"], [0])
    merged = RequestRows.concat([one, two])
    assert merged.group.tolist() == [0, 0, 1]
    assert merged.columns()[s.SCHEDULE_GROUP].tolist() == [0, 0, 1]
    assert merged.take(np.array([True, False, True])).group.tolist() == [0, 1]
    assert s.SCHEDULE_GROUP not in merged.frame().columns  # not a test.csv column
    nested = RequestRows.concat([merged, two])
    assert nested.group.tolist() == [0, 0, 1, 2]  # a merged part keeps its requests apart
    assert s.SCHEDULE_GROUP not in one.columns()  # a lone request: one schedule context


@pytest.mark.parametrize("n", [1, 17])  # the plain-Python check (few rows) and the numpy one
def test_the_largest_store_is_judged_as_validate_rows_judges_it(dataset, n):
    """values_in_contract took any Store >= 1 while validate_rows refuses one past int32 (schema.MAX_STORE)."""
    from storecast.data._rows import validate_rows

    good = _rows_of(dataset.test.head(n))
    for store, ok in ((s.MAX_STORE, True), (s.MAX_STORE + 1, False)):
        rows = RequestRows(np.full(n, store), good.days, good.open, good.promo, good.state_holiday,
                           good.school_holiday)
        assert rows.in_contract() is ok, store
        frame = dataset.test.head(n).assign(**{s.STORE: store})
        if ok:
            validate_rows(frame)
        else:
            with pytest.raises(DataContractError, match="Store"):
                validate_rows(frame)
