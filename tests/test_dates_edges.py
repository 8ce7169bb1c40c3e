"""One date range for every entry point: files, frames and requests take 2000-01-01 .. 2099-12-31.

Dates outside it (far future, before 1970, past pandas' nanosecond limits) are a normal contract problem
naming file, line and column, never an OutOfBoundsDatetime or an IndexError after the model has loaded.
Also here: data too short for a command's window are told so, without advising an impossible --until.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from contract_support import set_cell, write_good
from storecast import schema as s
from storecast.data.contract import load_test, load_train, validate_rows
from storecast.errors import DataContractError, WindowError
from storecast.windows import check_window

EDGES = ["9999-12-31", "2262-04-11", "1800-01-01", "1677-09-22", "1990-06-01", "2100-01-01", "1999-12-31"]


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def data_dir(tmp_path):
    return write_good(tmp_path / "data")


@pytest.fixture(scope="module")
def model(model_path):
    """The session's tiny LightGBM bundle (tests/conftest.py)."""
    return model_path


def test_the_api_uses_the_same_range():
    from storecast.api import schemas

    assert (schemas.MIN_DATE, schemas.MAX_DATE) == (s.MIN_DATE, s.MAX_DATE)


@pytest.mark.parametrize("date", EDGES)
def test_validate_refuses_a_test_date_out_of_range_by_line(run_main, data_dir, date):
    set_cell(s.TEST_FILE, 5, s.DATE, date)(data_dir)
    code, out, err = run_main("validate", "--data", str(data_dir))
    assert code == 2 and "Traceback" not in out + err
    assert (f"test.csv, line 5, column `Date`: expected a date 2000-01-01..2099-12-31 written YYYY-MM-DD, "
            f"got '{date}'") in _flat(err)
    assert "DayOfWeek" not in err  # the weekday of a refused date is not judged as well


@pytest.mark.parametrize("date", EDGES)
def test_predict_refuses_it_before_the_model_loads(run_main, data_dir, model, tmp_path, date):
    set_cell(s.TEST_FILE, 5, s.DATE, date)(data_dir)
    out = tmp_path / "preds.csv"
    code, _, err = run_main("predict", "--model", str(model), "--data", str(data_dir), "--out", str(out))
    assert code == 2 and "Traceback" not in err
    assert "test.csv, line 5, column `Date`: expected a date 2000-01-01..2099-12-31" in _flat(err)
    assert "load storecast-" not in err and not out.exists()


def test_a_train_row_dated_1800_is_refused(run_main, data_dir, tmp_path):
    set_cell(s.TRAIN_FILE, 8, s.DATE, "1800-01-01")(data_dir)
    with pytest.raises(DataContractError, match=r"train\.csv, line 8, column `Date`: .* got '1800-01-01'"):
        load_train(data_dir / s.TRAIN_FILE)
    code, _, err = run_main("train", "--data", str(data_dir), "--models-dir", str(tmp_path / "m"))
    assert code == 2 and "got '1800-01-01'" in _flat(err)
    assert not (tmp_path / "m").exists() or not list((tmp_path / "m").iterdir())


def test_the_range_edges_themselves_are_good_and_weekdays_are_checked_there(data_dir):
    set_cell(s.TEST_FILE, 2, s.DATE, "2000-01-01")(data_dir)  # a Saturday, given as 4
    set_cell(s.TEST_FILE, 3, s.DATE, "2099-12-31")(data_dir)  # a Thursday, given as 4: right
    with pytest.raises(DataContractError) as err:
        load_test(data_dir / s.TEST_FILE)
    (problem,) = err.value.problems
    assert (problem.line, problem.column) == (2, s.DAY_OF_WEEK)
    assert problem.message.startswith("expected 6 for 2000-01-01 (a Saturday; Monday=1 .. Sunday=7), got 4")


def _rows(dates) -> pd.DataFrame:
    return pd.DataFrame({s.STORE: 1, s.DATE: dates, s.PROMO: 0, s.STATE_HOLIDAY: "0", s.SCHOOL_HOLIDAY: 0})


@pytest.mark.parametrize("date", EDGES)
def test_validate_rows_refuses_text_dates_out_of_range(date):
    with pytest.raises(DataContractError, match=f"row 1: expected a date 2000-01-01..2099-12-31 .*got '{date}'"):
        validate_rows(_rows(["2015-08-03", date]))


@pytest.mark.parametrize("date", ["2262-04-11", "1800-01-01", "2150-06-01", "1999-12-31"])
def test_validate_rows_refuses_datetime_columns_out_of_range(date):
    """Typed frames (microsecond dates hold any year) take the same range, also on the API's fast path."""
    dates = np.array(["2015-08-03", date], dtype="datetime64[us]")
    rows = _rows(dates).astype({s.STORE: "int32", s.PROMO: "int8", s.SCHOOL_HOLIDAY: "int8"})
    rows[s.OPEN] = np.int8(1)
    rows[s.DAY_OF_WEEK] = ((dates.astype("datetime64[D]").astype("int64") + 3) % 7 + 1).astype("int8")
    rows[s.STATE_HOLIDAY] = pd.Categorical(rows[s.STATE_HOLIDAY], categories=list(s.STATE_HOLIDAY_CODES))
    with pytest.raises(DataContractError, match="row 1: expected a date 2000-01-01..2099-12-31"):
        validate_rows(rows)


# ---- data too short for a window: say so, and never advise a later --until --------------------------------

def test_data_too_short_for_any_until_say_how_many_days(run_main, data_dir, tmp_path):
    code, _, err = run_main("train", "--data", str(data_dir), "--models-dir", str(tmp_path / "m"))
    said = _flat(err)
    assert code == 2 and "Traceback" not in err
    assert "train.csv leaves too little history for a model with calibrated intervals" in said
    assert "it has 6 days (2015-06-14..2015-06-19), at least" in said and "so no --until can fit" in said
    assert "add older days to train.csv" in said and "later --until" not in said


def test_too_many_folds_on_short_data_suggest_fewer_folds_not_a_later_until():
    dates = pd.Series(pd.date_range("2014-01-01", "2014-12-31"))
    with pytest.raises(WindowError) as err:
        check_window(dates, None, first_day_needed=lambda u: u - pd.Timedelta(days=800), what="40 folds",
                     fix="ask for fewer --folds or a later --until")
    assert str(err.value) == ("train.csv leaves too little history for 40 folds: it has 365 days "
                              "(2014-01-01..2014-12-31), at least 801 are needed, so no --until can fit: "
                              "ask for fewer --folds, or add older days to train.csv.")


def test_the_holdout_alone_on_short_data_does_not_suggest_fewer_folds(run_main, data_dir):
    """`--folds 0` asks for no fold at all: "ask for fewer --folds" was advice that cannot be followed."""
    code, _, err = run_main("evaluate", "--data", str(data_dir), "--folds", "0")
    said = _flat(err)
    assert code == 2 and "Traceback" not in err
    assert "leaves too little history for the holdout and 0 backtest fold(s)" in said
    assert "so no --until can fit: add older days to train.csv." in said and "fewer --folds" not in said


def test_an_early_until_on_long_enough_data_names_the_earliest_possible(dataset):
    dates = dataset.train[s.DATE]
    with pytest.raises(WindowError) as err:
        check_window(dates, "2013-02-01", first_day_needed=lambda u: u - pd.Timedelta(days=100), what="a model",
                     fix="choose a later --until")
    assert str(err.value).endswith("train.csv starts on 2013-01-01: choose a later --until "
                                   "(--until 2013-04-11 or later).")


@pytest.mark.parametrize("until", ["0001-01-01", "1999-12-31", "9999-12-31"])
def test_an_until_outside_the_range_is_a_usage_error(run_main, data_dir, until):
    code, _, err = run_main("train", "--data", str(data_dir), "--until", until)
    assert code == 2 and "`--until` must be a date 2000-01-01..2099-12-31" in _flat(err.replace("│", " "))
