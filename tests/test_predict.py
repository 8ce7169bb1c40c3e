"""predict_frame: input order, closed days, Id, single row == batch, contract errors, latency."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from storecast import schema as s
from storecast.artifacts import load_bundle, save_bundle
from storecast.errors import DataContractError
from storecast.predict import predict_frame


@pytest.fixture(scope="module")
def ds(dataset):
    return dataset


@pytest.fixture(scope="module")
def bundle(small_fit, tmp_path_factory):
    return load_bundle(save_bundle(small_fit[0], kind="lgbm", models_dir=tmp_path_factory.mktemp("m")))


@pytest.fixture(scope="module")
def rows(ds):
    late = ds.train.tail(300).sample(frac=1.0, random_state=1)  # shuffled: order must be kept
    out = late.drop(columns=[s.SALES, s.CUSTOMERS]).reset_index(drop=True)
    out.insert(0, s.ID, np.arange(1, len(out) + 1))
    return out


def test_output_columns_order_and_closed_days(bundle, rows):
    out = predict_frame(bundle, rows)
    assert list(out.columns) == [s.ID, s.STORE, s.DATE, s.SALES, "lower", "upper"]
    assert out[s.ID].tolist() == rows[s.ID].tolist()
    closed = rows[s.OPEN].to_numpy() == 0
    assert closed.any() and (out.loc[closed, [s.SALES, "lower", "upper"]].to_numpy() == 0).all()
    opened = out[~closed]
    assert (opened[s.SALES] > 0).all()
    assert (opened["lower"] <= opened[s.SALES]).all() and (opened[s.SALES] <= opened["upper"]).all()


def test_a_row_alone_equals_the_batch_when_its_store_has_no_closure_in_reach(bundle, rows):
    """A lone row knows no closure of its store; neither does the batch of one day of every store."""
    one_day = rows[rows[s.DATE] == rows[s.DATE].max()].reset_index(drop=True)
    batch = predict_frame(bundle, one_day)
    for i in range(0, len(one_day), 7):
        one = predict_frame(bundle, one_day.iloc[[i]])
        np.testing.assert_array_equal(one[[s.SALES, "lower", "upper"]].to_numpy()[0],
                                      batch[[s.SALES, "lower", "upper"]].to_numpy()[i])


def test_without_id_and_with_string_dates(bundle, rows):
    raw = rows.drop(columns=[s.ID]).assign(**{s.DATE: rows[s.DATE].dt.strftime("%Y-%m-%d")})
    out = predict_frame(bundle, raw)
    assert s.ID not in out.columns
    np.testing.assert_array_equal(out[s.SALES].to_numpy(), predict_frame(bundle, rows)[s.SALES].to_numpy())


def test_unknown_store_and_missing_column_raise_contract_errors(bundle, rows):
    bad = rows.head(3).assign(**{s.OPEN: 1, s.STORE: [7001, 7002, rows[s.STORE].iloc[0]]})
    with pytest.raises(DataContractError, match="7001, 7002"):
        predict_frame(bundle, bad)
    with pytest.raises(DataContractError, match=s.PROMO):
        predict_frame(bundle, rows.drop(columns=[s.PROMO]))


def test_dates_far_ahead_still_predict(bundle, rows):
    far = rows[rows[s.OPEN] == 1].head(2).assign(**{s.DATE: pd.Timestamp("2019-12-24"), s.DAY_OF_WEEK: 2})
    assert (predict_frame(bundle, far)[s.SALES] > 0).all()


def test_each_stores_rows_alone_equal_their_batch_rows_bit_for_bit(bundle, rows):
    """A forecast reads its own store's schedule in the request, never other stores' rows nor the row order."""
    cols = [s.SALES, "lower", "upper"]
    batch = predict_frame(bundle, rows)[cols].to_numpy()
    for _, own in rows.groupby(s.STORE):
        alone = predict_frame(bundle, own)[cols].to_numpy()
        assert alone.tobytes() == batch[own.index.to_numpy()].tobytes()
    reversed_rows = rows.iloc[::-1]
    assert predict_frame(bundle, reversed_rows)[cols].to_numpy().tobytes() == batch[::-1].tobytes()




def test_unknown_store_rows_is_the_one_rule_for_stores_a_model_knows():
    """Positions of rows whose store the model has no facts for; a model that names no store refuses none."""
    from types import SimpleNamespace

    from storecast.predict import unknown_store_rows

    bundle = SimpleNamespace(facts=SimpleNamespace(stores=np.array([1, 3, 7])))
    assert unknown_store_rows(bundle, np.array([7, 2, 1, 9, 3, 2])).tolist() == [1, 3, 5]
    assert unknown_store_rows(bundle, np.array([3, 1])).tolist() == []
    silent = SimpleNamespace(facts=SimpleNamespace(stores=np.array([], dtype=np.int64)))
    assert unknown_store_rows(silent, np.array([5])).tolist() == []


def test_calibrated_through_counts_the_days_the_model_was_calibrated_on():
    """A model calibrated on 28 days flags bands from day 29 on; an old card without the figure gets 42."""
    from types import SimpleNamespace

    from storecast.predict import calibrated_through

    def card(**sections):
        return SimpleNamespace(card={"training": {"end": "2015-06-19"}, **sections})

    assert calibrated_through(card(intervals={"calibration_days": 28})) == pd.Timestamp("2015-07-17")
    assert calibrated_through(card(config={"horizon": 14})) == pd.Timestamp("2015-07-03")  # the LSTM's card
    assert calibrated_through(card(intervals={})) == pd.Timestamp("2015-07-31")  # 42 days: schema.HORIZON_DAYS
    assert calibrated_through(SimpleNamespace(card={})) is None


def test_the_warning_for_rows_past_the_calibrated_days_names_the_models_own_count():
    """Was "more than 42 days after the model's training end" for every model, also one calibrated on 28 days (or
    an LSTM on its 14-day horizon), beside a date 28 days after the end: the two figures contradicted each other."""
    from types import SimpleNamespace

    from storecast.cli._model_options import outside_training

    def said(**sections) -> str | None:
        return outside_training(SimpleNamespace(card={"training": {"end": "2015-06-19"}, **sections}), 3, 0)

    assert said(intervals={"calibration_days": 28}) == (
        "3 row(s) lie after 2015-07-17, more than 28 days after the model's training end: their intervals' coverage "
        "was never measured (retrain on recent data)")
    assert "after 2015-07-03, more than 14 days after" in said(config={"horizon": 14})
    assert "after 2015-07-31, more than 42 days after" in said()  # an old card: schema.HORIZON_DAYS


class _ScheduleEcho:
    """A stand-in bundle whose "forecast" is the reopening distance its schedule step reads from the rows."""

    kind, needs_history, level = "lgbm", False, 0.8

    def __init__(self, reads_closed_rows: bool):
        from storecast.features.facts import StoreFacts

        self.reads_closed_rows, self.facts, self.seen = reads_closed_rows, StoreFacts(), []

    def predict_open(self, rows, history=None):
        from storecast.features.schedule import StoreSchedule

        cols = rows.columns()
        self.seen.append(cols[s.OPEN].copy())
        echo = np.asarray(StoreSchedule().fit(cols).transform(cols)["reopened_days"], dtype=float)
        return echo, echo, echo


def _plan(opens: list[int], start: str, store: int = 3) -> pd.DataFrame:
    return pd.DataFrame({s.STORE: store, s.DATE: pd.date_range(start, periods=len(opens)), s.OPEN: opens,
                         s.PROMO: 0, s.STATE_HOLIDAY: "0", s.SCHOOL_HOLIDAY: 0})


def test_a_closure_at_the_start_of_a_request_is_read_as_one_inside_it(bundle):
    """A store closed for its request's first 6 days reopens on day 7, as the same days read inside a request.

    Before, predict_frame handed the model the open rows only, so the closure before a store's first open row
    vanished: reopened_days was 30 ("no known event") where the training rows after a closure had 1, 2, 3...
    """
    at_start = _plan([0] * 6 + [1] * 10, "2014-11-06")
    inside = _plan([1] * 5 + [0] * 6 + [1] * 10, "2014-11-01")
    echo = _ScheduleEcho(reads_closed_rows=True)
    read = predict_frame(echo, at_start)[s.SALES].to_numpy()
    assert read.tolist() == [0] * 6 + list(range(1, 11))
    assert read.tolist()[6:] == predict_frame(echo, inside)[s.SALES].to_numpy()[11:].tolist()
    # a closed row between open ones tells nothing new, and a store of closed rows only is not asked about
    two = pd.concat([_plan([1, 0, 0, 0, 1, 0], "2014-11-01"), _plan([0, 0], "2014-11-01", store=4)])
    predict_frame(echo, two)
    assert echo.seen[-1].tolist() == [1, 1, 0]
    # a bundle that does not read closed rows (the LSTM) still gets the open ones only
    lstm_like = _ScheduleEcho(reads_closed_rows=False)
    predict_frame(lstm_like, at_start)
    assert lstm_like.seen[-1].tolist() == [1] * 10
    # the tree model's forecasts for the days after the closure are those of the same days inside a request
    cols = [s.SALES, "lower", "upper"]
    np.testing.assert_array_equal(predict_frame(bundle, at_start)[cols].to_numpy()[6:],
                                  predict_frame(bundle, inside)[cols].to_numpy()[11:])
