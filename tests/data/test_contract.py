"""The data contract: good files load typed; every kind of bad file is refused naming file, line and column.

The files are hand-made (a few rows in the Kaggle layout: quoted header, quoted and unquoted StateHoliday,
quoted PromoInterval with commas), so each case below is one visible edit of a known-good line.
"""

from __future__ import annotations

import logging
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from contract_support import BAD, REAL, STORE, TRAIN, add_line, edit_bytes, set_cell, write_good
from storecast import schema as s
from storecast.data.contract import load_dataset, load_store, load_test, load_train, validate_rows
from storecast.errors import DataContractError


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return write_good(tmp_path / "data")


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_input_is_refused_naming_file_line_and_column(data_dir, case):
    bad = BAD[case]
    bad.edit(data_dir)
    with pytest.raises(DataContractError, match=re.escape(bad.where) + " " + bad.message) as err:
        load_dataset(data_dir, require_test=True)
    assert any(p.file.endswith(bad.file) and p.line == bad.line and p.column == bad.column
               for p in err.value.problems), err.value.problems


def _read_whole_and_in_chunks(path: Path) -> list:
    from storecast.batch import iter_rows

    return [lambda: load_test(path), lambda: list(iter_rows(path, chunk_rows=2))]


@pytest.mark.parametrize(("at", "line", "column"), [
    (b'2,2,4', 3, s.DAY_OF_WEEK),  # in a cell: was "expected a weekday number, got '4\x1a'"
    (b"", 4, s.ID),  # at the start of a line, where copy /b leaves it between two files
])
def test_a_ctrl_z_inside_a_file_is_named_for_what_it_is_whole_or_in_chunks(data_dir, at, line, column):
    path = data_dir / s.TEST_FILE
    lines = path.read_bytes().split(b"\n")
    lines[line - 1] = lines[line - 1].replace(at, at + b"\x1a", 1)
    path.write_bytes(b"\n".join(lines))
    for read in _read_whole_and_in_chunks(path):
        with pytest.raises(DataContractError) as err:
            read()
        (problem,) = err.value.problems
        assert (problem.line, problem.column) == (line, column)
        assert problem.message == ("expected text, got Ctrl-Z (\\x1a, an old DOS end-of-file mark) inside the file, "
                                   "as files joined with copy /b have: remove it")


@pytest.mark.parametrize(("at", "line", "column"), [
    (b"2,2,4,", 3, s.DAY_OF_WEEK),  # in a cell: its halves were two lines with too few fields
    (b"\n3,", 4, s.ID),  # at the start of a line: LF CR, line ends written the wrong way round
])
def test_a_lone_cr_in_a_file_of_lf_lines_is_named_at_its_line_whole_or_in_chunks(data_dir, at, line, column):
    """A later problem was named one line too late (pandas ends a line at the CR, grep -n and editors do not)."""
    path = data_dir / s.TEST_FILE
    path.write_bytes(path.read_bytes().replace(at, at[:-1] + b"\r" + at[-1:], 1).replace(b"4,1,3,", b"4,1,x,"))
    for read in _read_whole_and_in_chunks(path):
        with pytest.raises(DataContractError) as err:
            read()
        (problem,) = err.value.problems
        assert (problem.line, problem.column) == (line, column)
        assert problem.message.startswith("expected lines ending in LF or CR LF, got a lone carriage return (\\r)")


def test_a_file_of_lone_cr_line_ends_is_read_as_before(data_dir):
    """Old Mac files end every line in CR: one line end throughout, read as pandas reads it."""
    edit_bytes(s.TRAIN_FILE, lambda b: b.replace(b"\n", b"\r"))(data_dir)
    assert len(load_dataset(data_dir).train) == 7


@pytest.mark.parametrize(("data", "lines", "rows", "ctrl_z"), [
    (b"Id\n1\n2\n", 3, 2, -1),
    (b"Id\r\n1\r\n2", 3, 2, -1),  # CR LF, no ending on the last line
    (b"Id\r1\r2\r", 3, 2, -1),  # lone CRs throughout (an old Mac file): rows by CR (was 0: "forecast 0 rows")
    (b"Id\r1\r2\r\r \r", 5, 2, -1),  # ... and its blank lines at the end left out
    (b"Id\n" + b"9" * ((1 << 20) - 4) + b"\r\n1\x1a\n", 3, 2, (1 << 20) + 2),  # a CR LF split by the 1 MiB blocks
    (b"Id\n1\n2\n\n \r\n\n", 6, 2, -1),  # blank lines at the end: left out of the rows, as the readers leave them
    (b"Id\n1\n2 \n\n  ", 5, 2, -1),  # ... the last one without its line end
    (b"Id\n1\n" + b"\n" * (1 << 20), 2 + (1 << 20), 1, -1),  # ... running on over the next 1 MiB block
])
def test_one_pass_counts_the_lines_and_finds_the_first_ctrl_z(tmp_path, data, lines, rows, ctrl_z):
    """The Ctrl-Z check reads a valid file in the pass that counts its lines, not in one of its own."""
    from storecast.data.contract import scan_lines

    path = tmp_path / "rows.csv"
    path.write_bytes(data)
    found = scan_lines(path)
    assert (found.lines, found.rows, found.ctrl_z) == (lines, rows, ctrl_z)


@pytest.mark.parametrize(("joined", "line", "column"), [
    (b'"0"\n2,2,4', 2, s.SCHOOL_HOLIDAY),  # the first data line and the next: was "expected 8 fields, got 15"
    (b'"SchoolHoliday"\n1,1,4', 1, None),  # the header and the first data line: was "column is missing" ...
])
def test_a_ctrl_z_joining_two_lines_at_the_top_is_named_for_what_it_is(data_dir, joined, line, column):
    """copy /b a.csv+b.csv, with a.csv lacking its last line break, joins the lines around the mark into one."""
    path = data_dir / s.TEST_FILE
    path.write_bytes(path.read_bytes().replace(joined, joined.replace(b"\n", b"\x1a"), 1))
    for read in _read_whole_and_in_chunks(path):
        with pytest.raises(DataContractError) as err:
            read()
        (problem,) = err.value.problems
        assert (problem.line, problem.column) == (line, column)
        assert problem.message.startswith("expected text, got Ctrl-Z (\\x1a, an old DOS end-of-file mark)")


def test_a_header_in_single_quotes_is_one_problem_whole_or_in_chunks(data_dir):
    """'Store' is no quoted Store to CSV: each name was "missing" and "unexpected", 16 problems for one cause."""
    path = data_dir / s.TEST_FILE
    head, rest = path.read_text().split("\n", 1)
    path.write_text(head.replace('"', "'") + "\n" + rest)
    for read in _read_whole_and_in_chunks(path):
        with pytest.raises(DataContractError) as err:
            read()
        (problem,) = err.value.problems
        assert problem.line == 1 and problem.message.startswith(
            f"expected the column names {', '.join(s.TEST_COLUMNS)} without quotes or in double quotes, got them in "
            "single quotes ('Id', 'Store', 'DayOfWeek', ...)")


@pytest.mark.parametrize(("name", "first"), [
    (s.TRAIN_FILE, "'1', '5', '2015-06-19', ..."),
    (s.STATES_FILE, "'1', 'HE'"),
])
def test_a_file_without_its_header_line_is_one_problem(data_dir, name, first):
    """A file saved without its header (to_csv(header=False)) was one "column is missing" per column and one
    "unexpected column `1`" per value: 19 lines for train.csv, none saying what was wrong."""
    path = data_dir / name
    path.write_text(path.read_text().split("\n", 1)[1])
    with pytest.raises(DataContractError) as err:
        load_dataset(data_dir)
    (problem,) = err.value.problems
    assert problem.file.endswith(name) and problem.line == 1
    header = ",".join(s.TRAIN_COLUMNS) if name == s.TRAIN_FILE else "Store,State"
    assert problem.message == (f"expected the header line {header}, got a line of data ({first}): the file has no "
                               "header line; add it above the first row")


def test_rows_to_forecast_without_their_header_line_are_one_problem_whole_or_in_chunks(data_dir):
    path = data_dir / s.TEST_FILE
    path.write_text(path.read_text().split("\n", 1)[1])
    for read in _read_whole_and_in_chunks(path):
        with pytest.raises(DataContractError) as err:
            read()
        (problem,) = err.value.problems
        assert problem.line == 1
        assert "got a line of data ('1', '1', '4', ...): the file has no header line" in problem.message


def test_one_name_in_single_quotes_is_named_with_what_it_means(data_dir):
    path = data_dir / s.TEST_FILE
    path.write_text(path.read_text().replace('"Store"', "'Store'", 1))
    with pytest.raises(DataContractError) as err:
        load_test(path)
    assert [p.column for p in err.value.problems] == [s.STORE, "'Store'"]
    assert "(did you mean `Store`? CSV reads single quotes as part of the name" in err.value.problems[1].message


def test_missing_test_file_is_an_error_only_when_required(data_dir):
    (data_dir / s.TEST_FILE).unlink()
    assert load_dataset(data_dir).test is None
    with pytest.raises(DataContractError, match=r"test\.csv: file not found"):
        load_dataset(data_dir, require_test=True)


@pytest.mark.parametrize("with_id", [False, True])
def test_a_test_file_with_sales_is_read_as_rows_to_forecast(data_dir, with_id):
    """A later period put in test.csv's place in train.csv's layout (with or without Id) is what `predict` reads as
    DATA/test.csv; loading the directory (`train`, `validate`, `evaluate`) refused it ("unexpected column Sales")."""
    rows = pd.read_csv(data_dir / s.TRAIN_FILE, dtype=str, keep_default_na=False)
    if with_id:
        rows.insert(0, s.ID, [str(100 + i) for i in range(len(rows))])
    rows.to_csv(data_dir / s.TEST_FILE, index=False)
    ds = load_dataset(data_dir, require_test=True)
    assert list(ds.test.columns) == list(s.TEST_COLUMNS)
    expected = [100 + i for i in range(len(rows))] if with_id else list(range(1, len(rows) + 1))
    assert ds.test[s.ID].tolist() == expected and len(ds.train) == len(rows)


def test_all_problems_of_all_files_are_reported_at_once(data_dir):
    for edit in (set_cell(s.TRAIN_FILE, 3, s.SALES, "-1"), set_cell(s.TRAIN_FILE, 5, s.OPEN, "4"),
                 set_cell(s.STORE_FILE, 2, s.STORE_TYPE, "x"), set_cell(s.TEST_FILE, 2, s.PROMO, "7")):
        edit(data_dir)
    with pytest.raises(DataContractError) as err:
        load_dataset(data_dir)
    found = {(Path(p.file).name, p.line, p.column) for p in err.value.problems}
    assert found == {("train.csv", 3, s.SALES), ("train.csv", 5, s.OPEN), ("store.csv", 2, s.STORE_TYPE),
                     ("test.csv", 2, s.PROMO)}
    assert len(str(err.value).splitlines()) == 4


def test_bad_types_and_bad_values_are_reported_together_in_file_order(data_dir):
    for edit in (set_cell(s.TRAIN_FILE, 6, s.SALES, "-4"), set_cell(s.TRAIN_FILE, 3, s.DATE, "19.06.2015"),
                 set_cell(s.TRAIN_FILE, 4, s.CUSTOMERS, "many")):
        edit(data_dir)
    with pytest.raises(DataContractError) as err:
        load_train(data_dir / s.TRAIN_FILE)
    assert [(p.line, p.column) for p in err.value.problems] == [(3, s.DATE), (4, s.CUSTOMERS), (6, s.SALES)]


@pytest.mark.timeout(15)
def test_one_bad_cell_in_a_big_file_is_found_fast(data_dir):
    """pandera's own coercion searches failing cells one by one: minutes for one bad date in 970k rows."""
    days = pd.date_range("2000-01-01", periods=25_000)  # x 4 stores: 100k rows inside the accepted dates
    lines = [f'{st},{d.day_of_week + 1},{d:%Y-%m-%d},5,1,1,1,"0","0"' for st in range(1, 5) for d in days]
    lines[70_000] = lines[70_000].replace(",5,1,", ",x,1,").replace(f"{days[20_000]:%Y-%m-%d}", "2015-02-30")
    (data_dir / s.TRAIN_FILE).write_text(TRAIN.splitlines(True)[0] + "\n".join(lines) + "\n")
    with pytest.raises(DataContractError) as err:
        load_train(data_dir / s.TRAIN_FILE)
    assert [(p.line, p.column) for p in err.value.problems] == [(70_002, s.DATE), (70_002, s.SALES)]


def test_good_files_load_with_the_documented_dtypes(data_dir):
    ds = load_dataset(data_dir, require_test=True)
    daily = {s.STORE: "int32", s.DAY_OF_WEEK: "int8", s.DATE: "datetime64[ns]", s.OPEN: "int8", s.PROMO: "int8",
             s.STATE_HOLIDAY: "category", s.SCHOOL_HOLIDAY: "int8"}
    assert ds.train.dtypes.astype(str).to_dict() == {**daily, s.SALES: "int64", s.CUSTOMERS: "int64"}
    assert list(ds.train.columns) == list(s.TRAIN_COLUMNS)
    assert ds.test.dtypes.astype(str).to_dict() == {s.ID: "int64", **daily}
    assert list(ds.test.columns) == list(s.TEST_COLUMNS)
    assert ds.store.dtypes.astype(str).to_dict() == {
        s.STORE: "int32", s.STORE_TYPE: "category", s.ASSORTMENT: "category", s.COMPETITION_DISTANCE: "float64",
        s.COMPETITION_OPEN_SINCE_MONTH: "float64", s.COMPETITION_OPEN_SINCE_YEAR: "float64", s.PROMO2: "int8",
        s.PROMO2_SINCE_WEEK: "float64", s.PROMO2_SINCE_YEAR: "float64", s.PROMO_INTERVAL: "object",
        s.STATE: "object",
    }
    for frame in (ds.train, ds.test):
        assert list(frame[s.STATE_HOLIDAY].cat.categories) == list(s.STATE_HOLIDAY_CODES)
    # the file mixes unquoted 0 and quoted "0": both are the code "0"
    assert ds.train[s.STATE_HOLIDAY].tolist() == ["0", "0", "0", "0", "a", "0", "0"]
    assert ds.store[s.PROMO_INTERVAL].isna().tolist() == [True, False, False]
    assert ds.store[s.STATE].tolist() == ["HE", "TH", "NW"]
    assert list(ds.store[s.STORE_TYPE].cat.categories) == list(s.STORE_TYPES)


def test_each_loader_reads_its_file_and_states_are_optional(data_dir):
    assert len(load_train(data_dir / s.TRAIN_FILE)) == 7
    assert len(load_test(data_dir / s.TEST_FILE)) == 4
    assert s.STATE not in load_store(data_dir / s.STORE_FILE).columns
    (data_dir / s.STATES_FILE).unlink()
    assert s.STATE not in load_dataset(data_dir).store.columns


def test_missing_open_in_test_is_read_as_open_with_a_warning(data_dir, caplog):
    caplog.set_level(logging.INFO, logger="storecast.data.contract")
    test = load_dataset(data_dir).test
    assert test[s.OPEN].tolist() == [1, 1, 0, 1]
    assert test.attrs["missing_open_filled"] == 1
    warned = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 1 and "1 rows have no Open value (first on line 3)" in warned[0].getMessage()
    infos = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert any("train.csv: 7 rows in" in m for m in infos) and len(infos) == 4  # train, test, store, states


def _denied(monkeypatch, path: Path) -> None:
    """Opening ``path`` raises PermissionError, as for a user without read access (root can read any file)."""
    real_open = Path.open

    def open_(self, *args, **kwargs):
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_)


@pytest.mark.parametrize("name", [s.TRAIN_FILE, s.STORE_FILE, s.STATES_FILE])
def test_a_file_that_cannot_be_read_is_named_not_a_traceback(data_dir, monkeypatch, name):
    _denied(monkeypatch, data_dir / name)
    with pytest.raises(DataContractError, match=re.escape(f"{data_dir / name}: cannot be read (Permission denied)")):
        load_dataset(data_dir)


def test_a_folder_that_hides_the_states_file_is_named_not_passed_over(data_dir, monkeypatch):
    """Without search rights on external/ (``chmod 000``, as another user) lexists() is False for the file in it,
    so the states were left out as if there were none; root passes every check, so the refusal is simulated."""
    import os

    states, real_lstat = data_dir / s.STATES_FILE, os.lstat

    def lstat(path, *args, **kwargs):
        if Path(path) == states:
            raise PermissionError(13, "Permission denied", str(path))
        return real_lstat(path, *args, **kwargs)

    monkeypatch.setattr(os, "lstat", lstat)
    with pytest.raises(DataContractError, match=re.escape(f"{states.parent}: cannot be read (Permission denied)")):
        load_dataset(data_dir)


def test_a_long_bad_cell_is_cut_in_the_message(data_dir):
    set_cell(s.TRAIN_FILE, 3, s.SALES, "9" * 200_000)(data_dir)
    with pytest.raises(DataContractError) as err:
        load_train(data_dir / s.TRAIN_FILE)
    assert str(err.value) == (f"{data_dir / s.TRAIN_FILE}, line 3, column `Sales`: expected a whole number "
                              f"0..2147483647, got '{'9' * 40}'... (200,000 characters): correct the value or "
                              "remove the line")


def test_validate_rows_cuts_a_long_bad_cell_as_the_file_contract_does():
    rows = pd.DataFrame({s.STORE: ["9" * 200_000], s.DATE: ["2015-09-17"], s.PROMO: ["1"],
                         s.STATE_HOLIDAY: ["0"], s.SCHOOL_HOLIDAY: ["0"]})  # a chunk of a CSV: every cell text
    with pytest.raises(DataContractError) as err:
        validate_rows(rows, source="rows.csv")
    assert f"got '{'9' * 40}'... (200,000 characters): correct it" in str(err.value)
    assert len(str(err.value)) < 300


def test_a_quote_left_open_on_the_first_line_is_one_problem_without_a_pandas_warning(data_dir):
    """pandas took the first row's extra fields for an index it was told not to use, dropping them with a
    ParserWarning printed above the contract's message; the later rows' lines were one too early."""
    (data_dir / s.STORE_FILE).write_text(STORE.replace('0,,,""\n2,', '0,,,"\n2,', 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DataContractError) as err:
            load_store(data_dir / s.STORE_FILE)
    assert [(p.line, p.column) for p in err.value.problems] == [(2, None)]


def test_windows_line_ends_and_a_byte_order_mark_are_accepted(data_dir):
    edit_bytes(s.TRAIN_FILE, lambda b: b"\xef\xbb\xbf" + b.replace(b"\n", b"\r\n"))(data_dir)
    assert len(load_dataset(data_dir).train) == 7


def test_empty_lines_and_lines_of_spaces_at_the_end_are_harmless(data_dir):
    """Editors and exports leave them; a line of spaces was taken for a cut-short line ("looks truncated")."""
    edit_bytes(s.TRAIN_FILE, lambda b: b + b"\n   \n\t\r\n")(data_dir)
    edit_bytes(s.STORE_FILE, lambda b: b + b"  \n")(data_dir)
    ds = load_dataset(data_dir)
    assert (len(ds.train), len(ds.store)) == (7, 3)

def test_input_files_are_not_modified(data_dir):
    before = {p: p.read_bytes() for p in data_dir.rglob("*.csv")}
    load_dataset(data_dir)
    assert {p: p.read_bytes() for p in data_dir.rglob("*.csv")} == before


def test_problems_per_file_are_capped_and_counted(data_dir):
    days = pd.date_range("2014-01-01", periods=250)
    lines = [f'1,{d.day_of_week + 1},{d:%Y-%m-%d},-5,1,1,1,"0","0"' for d in days]
    (data_dir / s.TRAIN_FILE).write_text(TRAIN.splitlines(True)[0] + "\n".join(lines) + "\n")
    with pytest.raises(DataContractError) as err:
        load_dataset(data_dir)
    problems = err.value.problems
    # the note with the true total comes first, so the (capped) message shows it
    note = "50 more bad values not listed (the first 200 of 250 are)"
    assert len(problems) == 201 and problems[0].message == note
    assert str(err.value).splitlines()[0].endswith(f"train.csv: {note}")
    assert str(err.value).endswith("... and 181 more problem(s)")  # the message stays readable


def test_a_file_with_every_line_twice_reports_the_true_number_of_repeats(data_dir):
    days = pd.date_range("2014-01-01", periods=150)
    lines = [f'{st},{d.day_of_week + 1},{d:%Y-%m-%d},5,1,1,1,"0","0"' for st in (1, 2) for d in days]
    (data_dir / s.TRAIN_FILE).write_text(TRAIN.splitlines(True)[0] + "\n".join(x for ln in lines for x in (ln, ln)))
    with pytest.raises(DataContractError) as err:
        load_train(data_dir / s.TRAIN_FILE)
    first, second = err.value.problems[:2]
    assert first.message == "100 more repeated Store/Date rows not listed (the first 200 of 300 are)"
    assert second.line == 3 and "got (Store=1, Date=2014-01-01) again, first on line 2" in second.message
    assert str(err.value).splitlines()[0].endswith(first.message)  # the true total is on the first line shown


def test_more_bad_dates_than_listed_do_not_break_the_weekday_check(data_dir):
    """Rows whose cell was not listed (beyond the first 200) must still be left out of later checks."""
    lines = [f'1,1,{2015 + i // 300}-13-{1 + i % 28:02d},5,1,1,1,"0","0"' for i in range(300)]
    lines.append('1,1,2015-06-15,5,1,1,1,"0","0"')  # one good date: a column without any is one problem
    (data_dir / s.TRAIN_FILE).write_text(TRAIN.splitlines(True)[0] + "\n".join(lines) + "\n")
    with pytest.raises(DataContractError) as err:
        load_train(data_dir / s.TRAIN_FILE)
    assert err.value.problems[0].message == "100 more values that do not parse not listed (the first 200 of 300 are)"


def test_stores_without_train_rows_are_named_in_a_warning(data_dir, caplog):
    add_line(s.STORE_FILE, '4,"a","a",100,,,0,,,""')(data_dir)
    add_line(s.STATES_FILE, "4,NW")(data_dir)
    add_line(s.TEST_FILE, '5,4,4,2015-09-17,1,0,"0","0"')(data_dir)
    with caplog.at_level(logging.WARNING, logger="storecast.data.contract"):
        load_dataset(data_dir)
    (warning,) = [r.getMessage() for r in caplog.records if "no rows in train.csv" in r.getMessage()]
    assert "1 store(s) listed in store.csv have no rows in train.csv (4)" in warning
    assert "test.csv has 1 row(s) for them" in warning


def test_stores_whose_train_rows_hold_no_trading_day_are_named_in_a_warning(data_dir, caplog):
    """A store whose every train.csv day is closed passed validate without a word; predict then refused it."""
    for line in (4, 7):  # store 3's two days: closed, selling nothing
        for column, value in ((s.OPEN, "0"), (s.SALES, "0"), (s.CUSTOMERS, "0")):
            set_cell(s.TRAIN_FILE, line, column, value)(data_dir)
    with caplog.at_level(logging.WARNING, logger="storecast.data.contract"):
        load_dataset(data_dir)
    (warning,) = [r.getMessage() for r in caplog.records if "not one open day" in r.getMessage()]
    assert ("1 store(s) have rows in train.csv but not one open day with Sales > 0 (3): a model trained on this "
            "directory cannot forecast them, and test.csv has 1 row(s) for them; add the days they traded to "
            "train.csv or remove them") in warning


# ---- validate_rows: the same contract for rows already in memory ----------------------------------------

def _rows(**change) -> pd.DataFrame:
    base = {s.STORE: [1, 2], s.DATE: ["2015-08-01", "2015-08-03"], s.PROMO: [1, 0],
            s.STATE_HOLIDAY: ["0", "a"], s.SCHOOL_HOLIDAY: [0, 1]}
    return pd.DataFrame({**base, **change})


def test_validate_rows_types_rows_like_load_test_and_derives_day_of_week():
    out = validate_rows(_rows(Open=[None, 0], Id=[10, 11]).set_axis([5, 6]))
    assert out[s.DAY_OF_WEEK].tolist() == [6, 1]
    assert out[s.OPEN].tolist() == [1, 0]
    assert list(out.index) == [5, 6]
    assert out[[*s.TEST_COLUMNS]].dtypes.astype(str).to_dict() == {
        s.ID: "int64", s.STORE: "int32", s.DAY_OF_WEEK: "int8", s.DATE: "datetime64[ns]", s.OPEN: "int8",
        s.PROMO: "int8", s.STATE_HOLIDAY: "category", s.SCHOOL_HOLIDAY: "int8"}


def test_validate_rows_on_the_text_of_test_csv_gives_what_load_test_gives(data_dir):
    text = pd.read_csv(data_dir / s.TEST_FILE, dtype=str, keep_default_na=False, na_values=[""])
    pd.testing.assert_frame_equal(validate_rows(text)[list(s.TEST_COLUMNS)], load_test(data_dir / s.TEST_FILE),
                                  check_dtype=True, check_categorical=True)


@pytest.mark.parametrize(("change", "column", "message"), [
    ({s.DATE: ["2015-13-01", "2015-08-03"]}, s.DATE,
     "row 0: expected a date 2000-01-01..2099-12-31 written YYYY-MM-DD.*got '2015-13-01'"),
    ({s.DATE: ["2015-08-03", "2015-8-4"]}, s.DATE, "row 1: expected a date .* written YYYY-MM-DD.*got '2015-8-4'"),
    ({s.DATE: ["2015-08-03", "04.08.2015"]}, s.DATE,  # said as the file contract says it
     r"row 1: expected a date .* YYYY-MM-DD, got '04\.08\.2015' \(day\.month\.year\): correct it"),
    ({s.DATE: ["\u0662\u0660\u0661\u0665-08-03", "2015-08-04"]}, s.DATE, "row 0: expected a date .* YYYY-MM-DD"),
    ({s.PROMO: [2, 0]}, s.PROMO, "row 0: expected 0 or 1, got 2"),
    ({s.SCHOOL_HOLIDAY: [0, "x"]}, s.SCHOOL_HOLIDAY, "row 1: expected 0 or 1, got 'x'"),
    ({s.OPEN: [1, 5]}, s.OPEN, "row 1: expected 0 or 1, got 5"),
    ({s.OPEN: [None, "abc"]}, s.OPEN, "row 1: expected 0 or 1, got 'abc'"),  # only an empty Open is open
    ({s.STATE_HOLIDAY: ["x", "0"]}, s.STATE_HOLIDAY, "row 0: expected one of 0 .*got 'x': use 0 for"),
    # a program's rows send the exact codes; only a file's "A" is read as "a" (data/_spellings.py)
    ({s.STATE_HOLIDAY: ["0", "A"]}, s.STATE_HOLIDAY, "row 1: expected one of 0 .*got 'A': use 0 for"),
    ({s.STORE: [-3, 2]}, s.STORE, r"row 0: expected a store number \(a whole number 1\.\.2147483647\), got -3"),
    ({s.STORE: [1, 2**32 + 1]}, s.STORE, r"row 1: expected a store number .*, got 4294967297"),  # not wrapped to 1
    # a weekday, but not the Date's: said as a file read whole says it, not "expected a weekday number"
    ({s.DAY_OF_WEEK: [6, 2]}, s.DAY_OF_WEEK, r"row 1: expected 1 for 2015-08-03 \(a Monday; Monday=1 \.\. Sunday=7\), "
                                            "got 2: correct DayOfWeek or the Date, or leave the column out"),
    ({s.DAY_OF_WEEK: [6, 9]}, s.DAY_OF_WEEK, r"row 1: expected a weekday number.*got 9: correct it to match"),
    ({s.ID: [4, 4]}, s.ID, "row 1: expected a unique whole number, got 4"),
    # no Id a number: the repeat check of the good ones (none) ended in an IndexError, a traceback of
    # `storecast predict --chunk-rows 1` on one bad Id
    ({s.ID: ["x", "y"]}, s.ID, "row 0: expected a unique whole number, got 'x'"),
])
def test_validate_rows_names_the_row_and_column(change, column, message):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. no pandas warning about categories on the way to the error
        with pytest.raises(DataContractError, match=message) as err:
            validate_rows(_rows(**change), source="request")
    assert err.value.problems[0].column == column
    assert err.value.problems[0].file == "request"


@pytest.mark.parametrize("big", [2**53 + 1, 2**63 - 1])
def test_validate_rows_keeps_a_large_id_exact_as_text_or_as_int64(big):
    """Ids went through float64: 2**53 + 1 came back one lower and 2**63 - 1 as -2**63, in the forecasts."""
    for ids in ([str(big), "1"], np.array([big, 1], dtype="int64")):
        assert validate_rows(_rows(Id=ids))[s.ID].tolist() == [big, 1]


@pytest.mark.parametrize(("column", "value"), [
    (s.ID, "1e2"), (s.ID, "99999999999999999999"), (s.PROMO, "1e0"), (s.PROMO, ".0"), (s.STORE, "0x1"),
    (s.STORE, "\x0c1"), (s.OPEN, "1e0"), (s.DAY_OF_WEEK, "x"), (s.DAY_OF_WEEK, ""),
])
def test_validate_rows_reads_numbers_by_the_file_contracts_rule(data_dir, column, value):
    """validate_rows reads a file longer than one chunk: its float64 parse took "1e2" as 100 and an Id of 20
    digits as -2**63, and ignored a DayOfWeek of "x" (derived an empty one), where the same file read in one
    piece is refused."""
    set_cell(s.TEST_FILE, 3, column, value)(data_dir)
    with pytest.raises(DataContractError) as whole:
        load_test(data_dir / s.TEST_FILE)
    assert [(p.line, p.column) for p in whole.value.problems] == [(3, column)]
    text = pd.read_csv(data_dir / s.TEST_FILE, dtype=str, keep_default_na=False, na_values=[""])
    with pytest.raises(DataContractError) as rows:
        validate_rows(text)
    assert [(p.column, p.message[:6]) for p in rows.value.problems] == [(column, "row 1:")]


def test_validate_rows_reads_datetimes_as_dates_refusing_a_time_of_day():
    """A datetime at 13:00 passed as that day, and a zone-aware one was read in UTC (Berlin's midnight as the
    day before): now the first is refused as a CSV line with a time is, the second read as its own date."""
    with pytest.raises(DataContractError, match=r"row 0: expected a date .*, got '2015-08-01 13:00:00'"):
        validate_rows(_rows(Date=pd.to_datetime(["2015-08-01 13:00", "2015-08-03 00:00"])))
    zoned = _rows(Date=pd.to_datetime(["2015-08-01", "2015-08-03"]).tz_localize("Europe/Berlin"), DayOfWeek=[6, 1])
    assert validate_rows(zoned)[s.DATE].tolist() == list(pd.to_datetime(["2015-08-01", "2015-08-03"]))
    typed = _typed(**{s.DATE: pd.to_datetime(["2015-08-01 13:00", "2015-08-03 00:00"])})  # the fast path's dtypes
    with pytest.raises(DataContractError, match="13:00:00"):
        validate_rows(typed)


def test_validate_rows_allows_the_same_store_and_day_twice():
    """Unlike the files: a request may ask for one day under two schedules, each row gets an answer."""
    out = validate_rows(_rows(Store=[1, 1], Date=["2015-08-01", "2015-08-01"], Promo=[0, 1]))
    assert out[s.PROMO].tolist() == [0, 1]


def test_validate_rows_lists_missing_columns():
    with pytest.raises(DataContractError, match="column is missing") as err:
        validate_rows(_rows().drop(columns=[s.PROMO, s.DATE]))
    assert {p.column for p in err.value.problems} == {s.PROMO, s.DATE}


def test_validate_rows_refuses_a_column_given_twice_naming_it():
    """pd.concat of two frames can repeat a column: it failed deep inside pandas ("no attribute 'dtype'")."""
    rows = pd.concat([_rows(), _rows()[[s.STORE]]], axis=1)
    with pytest.raises(DataContractError, match="column given twice") as err:
        validate_rows(rows, source="request")
    assert [p.column for p in err.value.problems] == [s.STORE]


@pytest.mark.skipif(not (REAL / s.TRAIN_FILE).is_file(), reason="real Rossmann files not present")
def test_real_files_pass_the_contract():
    ds = load_dataset(REAL, require_test=True)
    assert len(ds.train) == 970_379 and ds.store[s.STORE].nunique() == 1115
    assert ds.test is not None and len(ds.test) == 41_088 and ds.test.attrs["missing_open_filled"] == 11
    assert ds.store[s.STATE].notna().all()
    assert set(ds.train[s.STATE_HOLIDAY].unique()) == set(s.STATE_HOLIDAY_CODES)


# ---- validate_rows on rows that are already typed (the API's frames) -------------------------------------

def _typed(**change) -> pd.DataFrame:
    """Rows as the API builds them: validate_rows' own output dtypes, without Id."""
    return validate_rows(_rows(Open=[1, 0])).assign(**change)


def test_validate_rows_returns_typed_valid_rows_unchanged():
    rows = _typed()
    assert validate_rows(rows) is rows  # nothing left to parse: no copy, no per-column work


def test_validate_rows_gives_the_same_frame_for_typed_and_text_rows():
    text = _rows(Open=["1", "0"], Store=["1", "2"]).astype(str)
    pd.testing.assert_frame_equal(validate_rows(_typed()), validate_rows(text), check_categorical=True)


@pytest.mark.parametrize(("change", "column"), [
    ({s.PROMO: np.array([2, 0], dtype="int8")}, s.PROMO),
    ({s.OPEN: np.array([1, -1], dtype="int8")}, s.OPEN),
    ({s.STORE: np.array([0, 2], dtype="int32")}, s.STORE),
    ({s.DAY_OF_WEEK: np.array([1, 1], dtype="int8")}, s.DAY_OF_WEEK),
    ({s.DATE: pd.to_datetime([None, "2015-08-03"])}, s.DATE),
])
def test_validate_rows_still_checks_values_of_typed_rows(change, column):
    """Right dtypes are not enough: a bad value in a typed frame gets the full path's message."""
    with pytest.raises(DataContractError) as err:
        validate_rows(_typed(**change), source="request")
    assert err.value.problems[0].column == column


# ---- odd but usable: a warning, not an error -----------------------------------------------------------

def test_a_closed_day_with_sales_is_loaded_with_a_warning_naming_its_line(data_dir, caplog):
    set_cell(s.TRAIN_FILE, 2, s.OPEN, "0")(data_dir)
    with caplog.at_level(logging.WARNING, logger="storecast"):
        train = load_train(data_dir / s.TRAIN_FILE)
    assert train[s.OPEN].iat[0] == 0 and train[s.SALES].iat[0] > 0
    assert "1 row(s) have Open = 0 but Sales > 0 (first on line 2)" in caplog.text


def test_customers_on_a_closed_day_without_sales_are_loaded_with_a_warning_naming_the_line(data_dir, caplog):
    """Sales > 0 on a closed day warned; Customers > 0 with Sales 0 on one (as contradictory) passed in silence."""
    set_cell(s.TRAIN_FILE, 8, s.CUSTOMERS, "12")(data_dir)
    set_cell(s.TRAIN_FILE, 4, s.CUSTOMERS, "3")(data_dir)
    with caplog.at_level(logging.WARNING, logger="storecast"):
        train = load_train(data_dir / s.TRAIN_FILE)
    assert train[s.CUSTOMERS].tolist()[2::4] == [3, 12]
    (warned,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "2 row(s) have Open = 0 and Sales 0 but Customers > 0 (first on line 4)" in warned


def test_test_rows_dated_within_train_are_named_in_a_warning(data_dir, caplog):
    """test.csv rows on days train.csv already has (its own tail pasted in, an old export) were accepted in silence:
    validate names the file, their range and count, and still loads them (a known period may be forecast)."""
    set_cell(s.TEST_FILE, 2, s.DATE, "2015-06-18")(data_dir)
    set_cell(s.TEST_FILE, 2, s.DAY_OF_WEEK, "4")(data_dir)
    set_cell(s.TEST_FILE, 5, s.DATE, "2015-06-19")(data_dir)
    set_cell(s.TEST_FILE, 5, s.DAY_OF_WEEK, "5")(data_dir)
    with caplog.at_level(logging.WARNING, logger="storecast"):
        ds = load_dataset(data_dir, require_test=True)
    assert len(ds.test) == 4
    (warned,) = [r.getMessage() for r in caplog.records if "train.csv's last day" in r.getMessage()]
    assert warned == (f"{data_dir / s.TEST_FILE}: 2 row(s) are dated 2015-06-18..2015-06-19, on or before train.csv's "
                      "last day (2015-06-19): forecasting days the model has already seen usually means the wrong "
                      "file; test.csv should hold the days after train.csv")


def test_test_rows_after_train_give_no_warning(data_dir, caplog):
    with caplog.at_level(logging.WARNING, logger="storecast"):
        load_dataset(data_dir, require_test=True)
    assert caplog.records and not [r for r in caplog.records if "train.csv's last day" in r.getMessage()]


def test_a_state_that_is_no_german_state_code_is_loaded_with_a_warning(data_dir, caplog):
    set_cell(s.STATES_FILE, 3, s.STATE, "XX")(data_dir)
    with caplog.at_level(logging.WARNING, logger="storecast"):
        store = load_store(data_dir / s.STORE_FILE, data_dir / s.STATES_FILE)
    assert store.set_index(s.STORE).at[2, s.STATE] == "XX"
    assert "1 store(s) have a State that is no German state code (e.g. store 2: 'XX')" in caplog.text


@pytest.mark.parametrize(("written", "read"), [
    (" Jan,Apr,Jul,Oct", "Jan,Apr,Jul,Oct"), ("jan,apr,jul,oct", "Jan,Apr,Jul,Oct"),
    ("Jan, Apr, Jul, Oct", "Jan,Apr,Jul,Oct"), ("Mar,Jun,Sep,Dec", "Mar,Jun,Sept,Dec"),
    ("FEB , may,Aug ,Nov\t", "Feb,May,Aug,Nov"),
])
def test_a_promo_interval_written_another_way_is_read_as_kaggles_with_one_warning(data_dir, caplog, written, read):
    set_cell(s.STORE_FILE, 3, s.PROMO_INTERVAL, written)(data_dir)
    set_cell(s.STORE_FILE, 4, s.PROMO_INTERVAL, "mar,jun,sept,dec")(data_dir)
    before = (data_dir / s.STORE_FILE).read_bytes()
    with caplog.at_level(logging.WARNING, logger="storecast"):
        store = load_store(data_dir / s.STORE_FILE)
    assert store[s.PROMO_INTERVAL].tolist()[1:] == [read, "Mar,Jun,Sept,Dec"]
    (warned,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warned.startswith(f"{data_dir / s.STORE_FILE}, line 3, column `{s.PROMO_INTERVAL}`: {written!r} is read "
                             f'as "{read}", Kaggle\'s spelling (2 row(s) in all')
    assert (data_dir / s.STORE_FILE).read_bytes() == before  # read differently, never rewritten


@pytest.mark.parametrize("written", ["Jan,Feb", "Foo", "Apr,Jan,Jul,Oct", "Jan;Apr;Jul;Oct", "Jan,Apr,Jul,Oct,",
                                     "January,April,July,October",
                                     # no space anyone types: a code's or a number's rule refuses it too
                                     "Jan,Apr,Jul,Oct\u2028", "\u00a0Jan,Apr,Jul,Oct"])
def test_a_promo_interval_naming_other_months_is_still_refused(data_dir, written):
    set_cell(s.STORE_FILE, 3, s.PROMO_INTERVAL, written)(data_dir)
    with pytest.raises(DataContractError, match=r"expected empty or one of .*got ") as err:
        load_store(data_dir / s.STORE_FILE)
    (problem,) = err.value.problems
    assert (problem.line, problem.column) == (3, s.PROMO_INTERVAL) and repr(written) in problem.message


@pytest.mark.parametrize(("name", "column", "cells", "read"), [
    # (file, column, {line: as written}, the column as read): Kaggle's one-letter codes as spreadsheets write them
    (s.STORE_FILE, s.STORE_TYPE, {2: "C", 4: " d "}, ["c", "a", "d"]),
    (s.STORE_FILE, s.ASSORTMENT, {3: "A\t"}, ["a", "a", "c"]),
    (s.TRAIN_FILE, s.STATE_HOLIDAY, {3: " 0", 6: "A", 8: "b "}, ["0", "0", "0", "0", "a", "0", "b"]),
    (s.TEST_FILE, s.STATE_HOLIDAY, {5: "C"}, ["0", "0", "0", "c"]),
])
def test_a_code_in_capitals_or_with_spaces_is_read_as_kaggles_with_one_warning(data_dir, caplog, name, column, cells,
                                                                                read):
    """As PromoInterval: read as Kaggle's spelling, one warning per column counting the rows and naming the first,
    the file never rewritten. Such cells were refused ("expected one of a, b, c, d, got 'C'")."""
    for line, written in cells.items():
        set_cell(name, line, column, written)(data_dir)
    before = (data_dir / name).read_bytes()
    load = {s.STORE_FILE: load_store, s.TRAIN_FILE: load_train, s.TEST_FILE: load_test}[name]
    with caplog.at_level(logging.WARNING, logger="storecast"):
        frame = load(data_dir / name)
    assert frame[column].astype(str).tolist() == read
    (warned,) = [r.getMessage() for r in caplog.records if "Kaggle's spelling" in r.getMessage()]
    line, written = next(iter(cells.items()))
    assert warned == (f"{data_dir / name}, line {line}, column `{column}`: {written!r} is read as "
                      f'"{written.strip().lower()}", Kaggle\'s spelling ({len(cells)} row(s) in all written with other '
                      "spaces or letter case); the file is left as it is")
    assert (data_dir / name).read_bytes() == before


def test_a_state_in_small_letters_is_read_as_the_state_code_with_one_warning(data_dir, caplog):
    """store_states.csv's "he" was kept as "he", warned of as no German state code, and the store forecast with
    the nationwide holidays instead of Hesse's."""
    (data_dir / s.STATES_FILE).write_text("Store,State\n1,he\n2,TH\n3, nw\n")
    with caplog.at_level(logging.WARNING, logger="storecast"):
        store = load_store(data_dir / s.STORE_FILE, data_dir / s.STATES_FILE)
    assert store[s.STATE].tolist() == ["HE", "TH", "NW"]
    assert [r.getMessage() for r in caplog.records] == [
        f"{data_dir / s.STATES_FILE}, line 2, column `State`: 'he' is read as \"HE\", Kaggle's spelling (2 row(s) in "
        "all written with other spaces or letter case); the file is left as it is"]


def _midnights(data_dir: Path, name: str, times: dict[int, str]) -> None:
    for line, time in times.items():
        date = (data_dir / name).read_text().splitlines()[line - 1].split(",")[3 if name == s.TEST_FILE else 2]
        set_cell(name, line, s.DATE, f"{date}{time}")(data_dir)


def test_a_date_with_a_midnight_time_is_read_as_the_date_with_one_warning(data_dir, caplog):
    """Excel and pandas export a date column as "2015-06-19 00:00:00": refused in a CSV file ("a date with a time
    of day") while a parquet timestamp at midnight passed. Both read it as the date now; the CSV says so once."""
    good = load_train(data_dir / s.TRAIN_FILE)
    _midnights(data_dir, s.TRAIN_FILE, {3: " 00:00:00", 5: "T00:00", 8: " 00:00:00.000"})
    before = (data_dir / s.TRAIN_FILE).read_bytes()
    with caplog.at_level(logging.WARNING, logger="storecast"):
        pd.testing.assert_frame_equal(load_train(data_dir / s.TRAIN_FILE), good)
    (warned,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warned == (f"{data_dir / s.TRAIN_FILE}, line 3, column `Date`: '2015-06-19 00:00:00' is read as "
                      '"2015-06-19", the date alone (3 row(s) in all written with a time of day of midnight); the '
                      "file is left as it is")
    assert (data_dir / s.TRAIN_FILE).read_bytes() == before


def test_a_date_with_a_midnight_time_reads_alike_whole_or_in_chunks(data_dir, caplog):
    from storecast.batch import iter_rows

    good = load_test(data_dir / s.TEST_FILE)
    _midnights(data_dir, s.TEST_FILE, {2: " 00:00:00", 3: " 00:00:00", 5: " 00:00:00"})
    for read in (lambda: load_test(data_dir / s.TEST_FILE),
                 lambda: pd.concat(iter_rows(data_dir / s.TEST_FILE, chunk_rows=2))):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="storecast"):
            rows = read()
        assert rows[s.DATE].tolist() == good[s.DATE].tolist()
        (warned,) = [r.getMessage() for r in caplog.records if "the date alone" in r.getMessage()]
        assert warned.startswith(f"{data_dir / s.TEST_FILE}, line 2, column `Date`: '2015-09-17 00:00:00' is read "
                                 'as "2015-09-17", the date alone (3 row(s) in all')


def test_a_file_with_a_space_after_each_comma_reads_its_dates_too(data_dir, caplog):
    """A file written with ", " between its fields (numpy.savetxt(delimiter=", ")): every number and code was
    read, its Date alone refused ("got ' 2015-09-17'", a space that hardly shows), whole or in chunks. Read as
    the date now, with one warning."""
    from storecast.batch import iter_rows

    path = data_dir / s.TEST_FILE
    good = load_test(path)
    lines = path.read_text().replace('"', "").replace(",,", ",1,").replace(",", ", ").splitlines()  # Open given
    lines[3] = lines[3].replace("2015-09-17", "2015-09-17 00:00:00")  # line 4
    path.write_text("\n".join(lines) + "\n")
    for read in (lambda: load_test(path), lambda: pd.concat(iter_rows(path, chunk_rows=2))):
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="storecast"):
            rows = read()
        assert rows[s.DATE].tolist() == good[s.DATE].tolist()
        (warned,) = [r.getMessage() for r in caplog.records if "the date alone" in r.getMessage()]
        assert warned == (f"{path}, line 2, column `Date`: ' 2015-09-17' is read as \"2015-09-17\", the date alone "
                          "(4 row(s) in all written with spaces around the date or a time of day of midnight); the "
                          "file is left as it is")
    path.write_text(path.read_text().replace(" 2015-09-17,", " 2015-9-17,", 1))  # written another way: refused
    with pytest.raises(DataContractError, match="got ' 2015-9-17'"):
        load_test(path)


@pytest.mark.parametrize("time", [" 00:00:01", " 13:00", "T00:00:00Z", " 00:00:00.5", " 24:00"])
def test_a_date_with_any_other_time_is_still_refused_whole_or_in_chunks(data_dir, time):
    from storecast.batch import iter_rows

    _midnights(data_dir, s.TEST_FILE, {4: time})
    for read in (lambda: load_test(data_dir / s.TEST_FILE), lambda: list(iter_rows(data_dir / s.TEST_FILE, 2))):
        with pytest.raises(DataContractError, match=r"expected a date .* got '2015-09-17" + re.escape(time)) as err:
            read()
        (problem,) = err.value.problems
        assert (problem.line, problem.column) == (4, s.DATE)


@pytest.mark.parametrize(("column", "written"), [
    (s.STORE_TYPE, "e"), (s.STORE_TYPE, "aa"), (s.STORE_TYPE, "a b"),
    (s.STORE_TYPE, "\u00a0a"), (s.ASSORTMENT, "D"), (s.ASSORTMENT, "\uff41"),  # a no-break space; a full-width a
])
def test_a_code_that_is_no_kaggle_code_in_any_case_is_still_refused(data_dir, column, written):
    set_cell(s.STORE_FILE, 3, column, written)(data_dir)
    with pytest.raises(DataContractError, match=r"expected one of a, b, c") as err:
        load_store(data_dir / s.STORE_FILE)
    (problem,) = err.value.problems
    assert (problem.line, problem.column) == (3, column) and repr(written) in problem.message


def test_whole_numbers_written_as_decimals_load_as_in_the_api_rows(data_dir):
    """Spreadsheets export 1 as "1.0": every whole-number column reads it as 1, as Open and the API's rows do."""
    for col, value in ((s.PROMO, "1.0"), (s.SALES, "5263.00"), (s.STORE, " 1 "), (s.OPEN, "1.0")):
        set_cell(s.TRAIN_FILE, 2, col, value)(data_dir)
    train = load_train(data_dir / s.TRAIN_FILE)
    assert train.loc[0, [s.STORE, s.PROMO, s.SALES, s.OPEN]].tolist() == [1, 1, 5263, 1]
    assert train[s.SALES].dtype == "int64"
    rows = validate_rows(pd.DataFrame({s.STORE: ["1.0"], s.DAY_OF_WEEK: ["5.0"], s.DATE: ["2015-06-19"],
                                       s.OPEN: ["1.0"], s.PROMO: ["1.0"], s.STATE_HOLIDAY: ["0"],
                                       s.SCHOOL_HOLIDAY: ["0.0"]}))
    assert rows.loc[0, [s.STORE, s.PROMO, s.OPEN]].tolist() == [1, 1, 1]


@pytest.mark.parametrize(("line", "column", "value", "warning"), [
    (2, s.PROMO2_SINCE_YEAR, "2012", "1 store(s) have Promo2 = 0 but give Promo2SinceYear (first: Store 1, line 2); "
                                     "the forecast reads them only when Promo2 = 1, so they are ignored"),
    (2, s.PROMO_INTERVAL, "Jan,Apr,Jul,Oct", "have Promo2 = 0 but give PromoInterval (first: Store 1, line 2)"),
    (4, s.PROMO_INTERVAL, "", "1 store(s) have Promo2 = 1 but no PromoInterval (first: Store 3, line 4); without a "
                              "start the forecast never counts Promo2 as running, without a PromoInterval no month "
                              "as a Promo2 month: fill them in, or set Promo2 = 0"),
    (3, s.PROMO2_SINCE_WEEK, "", "have Promo2 = 1 but no Promo2SinceWeek (first: Store 2, line 3)"),
])
def test_promo2_facts_that_contradict_promo2_are_read_with_a_warning(data_dir, caplog, line, column, value, warning):
    """Each value is valid, so the file loads; but the forecast ignores or fills them, which was never said."""
    set_cell(s.STORE_FILE, line, column, value)(data_dir)
    with caplog.at_level(logging.WARNING, logger="storecast"):
        store = load_store(data_dir / s.STORE_FILE)
    assert len(store) == 3
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 1 and warning in warned[0], warned


def test_kaggle_promo2_facts_give_no_warning(data_dir, caplog):
    with caplog.at_level(logging.WARNING, logger="storecast"):
        load_store(data_dir / s.STORE_FILE)
    assert not [r for r in caplog.records if r.levelno == logging.WARNING]


@pytest.mark.parametrize(("year", "monday"), [("2015", "2015-12-28"), ("2020", "2020-12-28")])
def test_promo2_since_week_53_is_taken_in_a_year_that_has_one(data_dir, year, monday):
    """ISO years 2015 and 2020 have a week 53 (2010, 2014 refuse it, see contract_support.BAD): the features
    start Promo2 on that week's Monday."""
    from storecast.dates import iso_week_monday

    set_cell(s.STORE_FILE, 3, s.PROMO2_SINCE_WEEK, "53")(data_dir)
    set_cell(s.STORE_FILE, 3, s.PROMO2_SINCE_YEAR, year)(data_dir)
    store = load_store(data_dir / s.STORE_FILE)
    start = iso_week_monday(store[s.PROMO2_SINCE_YEAR].to_numpy(float), store[s.PROMO2_SINCE_WEEK].to_numpy(float))
    assert pd.to_datetime(start[1], unit="D") == pd.Timestamp(monday)


@pytest.mark.parametrize("week", ["0", "54"])
def test_promo2_since_week_outside_1_to_53_is_refused(data_dir, week):
    set_cell(s.STORE_FILE, 3, s.PROMO2_SINCE_WEEK, week)(data_dir)
    with pytest.raises(DataContractError, match=rf"store\.csv, line 3, column `Promo2SinceWeek`: expected an ISO "
                                                rf"week 1\.\.53 \(or empty when unknown\), got '{week}'"):
        load_store(data_dir / s.STORE_FILE)


def test_a_cell_of_only_spaces_is_read_as_an_empty_cell(data_dir):
    """A file written with ", " between fields holds ", ," for an empty cell: its " " was refused as "got '   '",
    though " d " reads as d. It is empty now, and the empty-cell rules apply: an empty PromoInterval is none, an
    empty StoreType still a problem."""
    set_cell(s.STORE_FILE, 3, s.PROMO_INTERVAL, "   ")(data_dir)
    assert pd.isna(load_store(data_dir / s.STORE_FILE)[s.PROMO_INTERVAL].iat[1])
    set_cell(s.STORE_FILE, 3, s.STORE_TYPE, " \t ")(data_dir)
    with pytest.raises(DataContractError) as err:
        load_store(data_dir / s.STORE_FILE)
    (problem,) = err.value.problems
    assert (problem.line, problem.column) == (3, s.STORE_TYPE)
    assert problem.message.startswith("expected one of a, b, c") and "got an empty value: " in problem.message


def _train_of(days: int) -> str:
    """train.csv of the three hand-made stores over ``days`` days up to 2015-06-19: 3 * days rows."""
    header, rows = TRAIN.splitlines()[0], []
    for day in pd.date_range(end="2015-06-19", periods=days)[::-1]:
        rows += [f'{store},{day.day_of_week + 1},{day:%Y-%m-%d},4000,400,1,1,"0","0"' for store in (1, 2, 3)]
    return "\n".join([header, *rows]) + "\n"


@pytest.mark.parametrize(("name", "days", "what"), [(s.TRAIN_FILE, 70, "Store/Date"), (s.TEST_FILE, 0, "Id")])
def test_a_file_joined_to_itself_names_the_repeated_header_line_first(data_dir, name, days, what):
    """`cat train.csv train.csv > x`: was "10 more repeated Store/Date rows not listed" and 200 repeated rows
    first, the one cause (the header line again) buried after them and not tied to them."""
    path = data_dir / name
    text = _train_of(days) if days else path.read_text()
    path.write_text(text * 2)
    rows = len(text.splitlines()) - 1
    with pytest.raises(DataContractError) as err:
        load_dataset(data_dir, require_test=True)
    first = err.value.problems[0]
    assert (first.file, first.line, first.column) == (str(path), rows + 2, None)
    assert first.message == ("expected a data row, got the header line again (two files joined into one?): remove "
                             f"it, and the {rows} rows after it that repeat the {what} of an earlier row")
    assert len(err.value.problems) > 1  # the repeated rows are still listed, after it


def test_a_test_file_joined_to_itself_names_the_header_line_in_chunks_too(data_dir):
    from storecast.batch import iter_rows

    path = data_dir / s.TEST_FILE
    path.write_text(path.read_text() * 2)
    with pytest.raises(DataContractError) as err:
        list(iter_rows(path, chunk_rows=2))
    assert (err.value.problems[0].line, err.value.problems[0].column) == (6, None)
    assert err.value.problems[0].message.startswith("expected a data row, got the header line again")


@pytest.mark.parametrize(("name", "days", "what", "end"), [(s.TRAIN_FILE, 70, "Store/Date", ""),
                                                          (s.TEST_FILE, 0, "Id", ""), (s.TEST_FILE, 0, "Id", "\n\n")])
def test_a_file_joined_to_itself_read_in_chunks_counts_the_rows_after_the_header_line_too(data_dir, name, days,
                                                                                          what, end):
    """`storecast predict --input` reads a file longer than a chunk in chunks, which stopped at the second header
    line with no count (the rows after it were never read): one stray line, not the file twice over. It now says
    what the file read in one piece says (blank lines at the end repeat no Id)."""
    from storecast.batch import iter_rows
    from storecast.data.contract import load_rows

    path = data_dir / name
    text = _train_of(days) if days else path.read_text()
    path.write_text(text * 2 + end)
    rows = len(text.splitlines()) - 1
    with pytest.raises(DataContractError) as whole:
        load_rows(path)
    with pytest.raises(DataContractError) as chunked:
        list(iter_rows(path, chunk_rows=3))
    assert chunked.value.problems[0] == whole.value.problems[0]
    assert chunked.value.problems[0].message.endswith(
        f"and the {rows} rows after it that repeat the {what} of an earlier row")


def test_stores_of_the_states_file_that_store_csv_lacks_are_named_in_one_warning(data_dir, caplog):
    """A states file may list stores that store.csv lacks (one file for the whole chain); they were taken
    without a word, so a store left out of store.csv by mistake got no forecast and no hint why."""
    (data_dir / s.STATES_FILE).write_text("Store,State\n1,HE\n2,TH\n3,NW\n" +
                                          "".join(f"{n},BY\n" for n in range(10, 17)))
    with caplog.at_level(logging.WARNING, logger="storecast"):
        store = load_store(data_dir / s.STORE_FILE, data_dir / s.STATES_FILE)
    assert store[s.STORE].tolist() == [1, 2, 3]
    assert [r.getMessage() for r in caplog.records] == [
        f"{data_dir / s.STATES_FILE}: 7 store(s) are not in store.csv and are left out (Store 10, 11, 12, 13, 14, "
        "...); add them to store.csv if they should be forecast"]


@pytest.mark.parametrize(("name", "column", "words"), [
    (s.TRAIN_FILE, s.SCHOOL_HOLIDAY, {2: "False", 3: "False", 5: "True"}),  # a spreadsheet's TRUE/FALSE, in part
    (s.TEST_FILE, s.PROMO, {2: "yes", 4: "yes", 5: "yes"}),  # the rows predict reads
    (s.TEST_FILE, s.OPEN, {2: "TRUE", 4: "FALSE"}),
])
def test_yes_no_words_in_a_0_1_column_are_one_problem_for_the_column(data_dir, name, column, words):
    """A 0/1 column written partly as TRUE/FALSE or yes/no (rows pasted from a spreadsheet that shows them so) gave
    one identical problem per row: 200 lines and "N more not listed" on a real file, for one fix."""
    for line, word in words.items():
        set_cell(name, line, column, word)(data_dir)
    with pytest.raises(DataContractError) as err:
        load_dataset(data_dir, require_test=True)
    (found,) = [p for p in err.value.problems if p.column == column]
    trues = sorted({w for w in words.values() if w.lower() in ("true", "yes")})
    falses = sorted({w for w in words.values() if w.lower() in ("false", "no")})
    got = " or ".join(repr(w) for w in sorted(set(words.values())))
    fix = " and ".join([f"1 for {' or '.join(map(repr, trues))}"] * bool(trues)
                       + [f"0 for {' or '.join(map(repr, falses))}"] * bool(falses))
    assert found.line is None and found.file.endswith(name)
    assert found.message == (f"expected 0 or 1, got {got} (yes/no words) on {len(words)} lines, the first line "
                             f"{min(words)}: write {fix} throughout the column")
