"""The data contract: good files load typed; every kind of bad file is refused naming file, line and column.

The files are hand-made (a few rows in the Kaggle layout: quoted header, quoted and unquoted StateHoliday,
quoted PromoInterval with commas), so each case below is one visible edit of a known-good line.
"""

from __future__ import annotations

import csv
import gzip
import io
import logging
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from storecast import schema as s
from storecast.data.contract import load_dataset, load_store, load_test, load_train, validate_rows
from storecast.errors import DataContractError

REAL = Path(__file__).resolve().parents[2] / "shared" / "rossmann"

TRAIN = """\
"Store","DayOfWeek","Date","Sales","Customers","Open","Promo","StateHoliday","SchoolHoliday"
1,5,2015-06-19,4202,487,1,1,"0","0"
2,5,2015-06-19,4926,544,1,1,"0","0"
3,5,2015-06-19,0,0,0,0,"0","0"
1,4,2015-06-18,4100,480,1,1,0,"1"
2,4,2015-06-18,5100,560,1,1,"a","0"
3,4,2015-06-18,3000,300,1,0,"0","1"
1,7,2015-06-14,0,0,0,0,"0","0"
"""
TEST = """\
"Id","Store","DayOfWeek","Date","Open","Promo","StateHoliday","SchoolHoliday"
1,1,4,2015-09-17,1,1,"0","0"
2,2,4,2015-09-17,,1,"0","0"
3,3,4,2015-09-17,0,0,"0","1"
4,1,3,2015-09-16,1,1,"0","0"
"""
STORE = """\
"Store","StoreType","Assortment","CompetitionDistance","CompetitionOpenSinceMonth","CompetitionOpenSinceYear",\
"Promo2","Promo2SinceWeek","Promo2SinceYear","PromoInterval"
1,"c","a",1270,9,2008,0,,,""
2,"a","a",570,11,2007,1,13,2010,"Jan,Apr,Jul,Oct"
3,"d","c",,,,1,14,2011,"Mar,Jun,Sept,Dec"
"""
STATES = "Store,State\n1,HE\n2,TH\n3,NW\n"
FILES = {s.TRAIN_FILE: TRAIN, s.TEST_FILE: TEST, s.STORE_FILE: STORE, s.STATES_FILE: STATES}


def write_good(root: Path) -> Path:
    """Write the four good hand-made files under ``root`` and return it."""
    (root / "external").mkdir(parents=True, exist_ok=True)
    for name, text in FILES.items():
        (root / name).write_text(text)
    return root


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return write_good(tmp_path / "data")


# ---- small editors: each changes one thing of a good file ---------------------------------------------

def set_cell(name: str, line: int, column: str, value: str) -> Callable[[Path], None]:
    """Set one cell (1-based line, header = line 1), keeping every other line byte for byte."""
    def edit(root: Path) -> None:
        path = root / name
        lines = path.read_text().splitlines()
        header = next(csv.reader([lines[0]]))
        cells = next(csv.reader([lines[line - 1]]))
        cells[header.index(column)] = value
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow(cells)
        lines[line - 1] = out.getvalue()
        path.write_text("\n".join(lines) + "\n")
    return edit


def edit_text(name: str, change: Callable[[str], str]) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        (root / name).write_text(change((root / name).read_text()))
    return edit


def edit_bytes(name: str, change: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        (root / name).write_bytes(change((root / name).read_bytes()))
    return edit


def drop_line(name: str, line: int) -> Callable[[Path], None]:
    return edit_text(name, lambda t: "".join(ln for i, ln in enumerate(t.splitlines(True), 1) if i != line))


def add_line(name: str, text: str) -> Callable[[Path], None]:
    return edit_text(name, lambda t: t + text + "\n")


def remove(name: str) -> Callable[[Path], None]:
    return lambda root: (root / name).unlink()


def _csv(change: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[str], str]:
    return lambda t: change(pd.read_csv(io.StringIO(t), dtype=str, keep_default_na=False)).to_csv(index=False)


@dataclass(frozen=True)
class Bad:
    """A breaking edit and where the error must point: file, line, column, and the message's gist."""

    edit: Callable[[Path], None]
    file: str
    line: int | None
    column: str | None
    message: str  # regex, matched right after ``file, line N, column `X`: ``

    @property
    def where(self) -> str:
        """The ``file, line N, column `X`:`` prefix the message must start with."""
        text = self.file + (f", line {self.line}" if self.line else "") + (f", column `{self.column}`" if self.column
                                                                            else "")
        return text + ":"


CUT = TRAIN.rstrip("\n")[:-8]  # the last line loses its last two fields
BAD: dict[str, Bad] = {
    "missing file": Bad(remove(s.TRAIN_FILE), s.TRAIN_FILE, None, None, r"file not found: expected train\.csv"),
    "missing store.csv": Bad(remove(s.STORE_FILE), s.STORE_FILE, None, None, "file not found"),
    "missing column": Bad(edit_text(s.TRAIN_FILE, _csv(lambda d: d.drop(columns=[s.CUSTOMERS]))), s.TRAIN_FILE,
                          1, s.CUSTOMERS, "column is missing: expected the columns Store, DayOfWeek"),
    "extra column": Bad(edit_text(s.TRAIN_FILE, _csv(lambda d: d.assign(Weather="sunny"))), s.TRAIN_FILE, 1,
                        "Weather", "unexpected column: expected only Store, .*; remove it"),
    "wrong-case column": Bad(edit_text(s.TRAIN_FILE, lambda t: t.replace('"Sales"', '"sales"')), s.TRAIN_FILE, 1,
                             "sales", r"unexpected column \(did you mean `Sales`\?"),
    "unparsable date": Bad(set_cell(s.TRAIN_FILE, 3, s.DATE, "2015-02-30"), s.TRAIN_FILE, 3, s.DATE,
                           r"expected a date 2000-01-01\.\.2099-12-31 written YYYY-MM-DD, got '2015-02-30'"),
    "non-numeric Sales": Bad(set_cell(s.TRAIN_FILE, 4, s.SALES, "lots"), s.TRAIN_FILE, 4, s.SALES,
                             r"expected a whole number >= 0, got 'lots': correct the value"),
    "negative Sales": Bad(set_cell(s.TRAIN_FILE, 5, s.SALES, "-20"), s.TRAIN_FILE, 5, s.SALES,
                          r"expected a whole number >= 0, got '-20'"),
    "negative Customers": Bad(set_cell(s.TRAIN_FILE, 6, s.CUSTOMERS, "-1"), s.TRAIN_FILE, 6, s.CUSTOMERS,
                              r"expected a whole number >= 0, got '-1'"),
    "Open not 0/1": Bad(set_cell(s.TRAIN_FILE, 2, s.OPEN, "2"), s.TRAIN_FILE, 2, s.OPEN, "expected 0 or 1, got '2'"),
    "Open empty in train": Bad(set_cell(s.TRAIN_FILE, 2, s.OPEN, ""), s.TRAIN_FILE, 2, s.OPEN,
                               "expected 0 or 1, got an empty value"),
    "Promo not 0/1": Bad(set_cell(s.TRAIN_FILE, 7, s.PROMO, "yes"), s.TRAIN_FILE, 7, s.PROMO,
                         "expected 0 or 1, got 'yes'"),
    "SchoolHoliday not 0/1": Bad(set_cell(s.TRAIN_FILE, 3, s.SCHOOL_HOLIDAY, "2"), s.TRAIN_FILE, 3,
                                 s.SCHOOL_HOLIDAY, "expected 0 or 1, got '2'"),
    "unknown StateHoliday": Bad(set_cell(s.TRAIN_FILE, 8, s.STATE_HOLIDAY, "d"), s.TRAIN_FILE, 8, s.STATE_HOLIDAY,
                                r"expected one of 0 \(none\), a \(public holiday\), b \(Easter\), c \(Christmas\), "
                                "got 'd'"),
    "DayOfWeek not matching Date": Bad(set_cell(s.TRAIN_FILE, 8, s.DAY_OF_WEEK, "1"), s.TRAIN_FILE, 8,
                                       s.DAY_OF_WEEK, r"expected 7 for 2015-06-14 \(a Sunday; Monday=1 \.\. "
                                                      r"Sunday=7\), got 1: correct DayOfWeek or the Date"),
    "DayOfWeek out of range": Bad(set_cell(s.TRAIN_FILE, 2, s.DAY_OF_WEEK, "8"), s.TRAIN_FILE, 2, s.DAY_OF_WEEK,
                                  r"expected a weekday number, 1 \(Monday\) \.\. 7 \(Sunday\), got '8'"),
    "duplicate Store/Date": Bad(add_line(s.TRAIN_FILE, '2,4,2015-06-18,5,1,1,1,"a","0"'), s.TRAIN_FILE, 9,
                                "Store/Date", r"expected each \(Store, Date\) once, got \(Store=2, Date=2015-06-18\) "
                                              "again, first on line 6: remove one of the two lines"),
    "Store missing from store.csv": Bad(drop_line(s.STORE_FILE, 4), s.TRAIN_FILE, 4, s.STORE,
                                        r"expected a Store listed in store\.csv, got 3 \(2 line\(s\) in all\)"),
    "test Store missing from store.csv": Bad(set_cell(s.TEST_FILE, 3, s.STORE, "77"), s.TEST_FILE, 3, s.STORE,
                                             r"expected a Store listed in store\.csv, got 77"),
    "empty file": Bad(edit_text(s.TRAIN_FILE, lambda t: ""), s.TRAIN_FILE, 1, None,
                      r"file is empty: expected a header line of train\.csv"),
    "header only": Bad(edit_text(s.TRAIN_FILE, lambda t: t.splitlines(True)[0]), s.TRAIN_FILE, 2, None,
                       "no data rows: expected data lines after the header"),
    "truncated last line": Bad(edit_text(s.TRAIN_FILE, lambda t: CUT), s.TRAIN_FILE, 8, None,
                               "expected 9 fields, got 7: the last line is cut short, the file looks truncated"),
    "blank line inside": Bad(edit_text(s.TRAIN_FILE, lambda t: t.replace("\n1,4,", "\n\n1,4,")), s.TRAIN_FILE, 5,
                             None, "expected a data row, got an empty line: remove it"),
    "too many fields": Bad(edit_text(s.TRAIN_FILE, lambda t: t.replace('480,1,1,0,"1"', '480,1,1,0,"1",9')),
                           s.TRAIN_FILE, 5, None, "expected 9 fields, got 10: a stray comma"),
    "too many fields on the first data line": Bad(  # pandas would read the first column as the index
        edit_text(s.TRAIN_FILE, lambda t: t.replace("\n", ",9\n", 2).replace(",9\n", "\n", 1)), s.TRAIN_FILE, 2,
        None, "expected 9 fields, got 10: a stray comma"),
    "too many fields on the first test line": Bad(
        edit_text(s.TEST_FILE, lambda t: t.replace("\n", ",9\n", 2).replace(",9\n", "\n", 1)), s.TEST_FILE, 2,
        None, "expected 8 fields, got 9: a stray comma"),
    "unclosed quote": Bad(edit_text(s.STORE_FILE, lambda t: t.replace('Sept,Dec"', "Sept,Dec")), s.STORE_FILE, 4,
                          None, "a quote opened here is never closed"),
    "semicolon-separated": Bad(edit_text(s.TRAIN_FILE, lambda t: t.replace(",", ";")), s.TRAIN_FILE, 1, None,
                               "expected columns separated by commas, got semicolons"),
    "tab-separated": Bad(edit_text(s.TEST_FILE, lambda t: t.replace(",", "\t")), s.TEST_FILE, 1, None,
                         "expected columns separated by commas, got tabs"),
    "gzip bytes": Bad(edit_bytes(s.TRAIN_FILE, gzip.compress), s.TRAIN_FILE, 1, None,
                      r"gzip-compressed data: unpack it first"),
    "Excel workbook": Bad(edit_bytes(s.STORE_FILE, lambda b: b"PK\x03\x04" + bytes(200)), s.STORE_FILE, 1, None,
                          "a zip archive or an Excel workbook"),
    "UTF-16 text": Bad(edit_bytes(s.TRAIN_FILE, lambda b: b.decode().encode("utf-16")), s.TRAIN_FILE, 1, None,
                       "UTF-16 text, expected UTF-8"),
    "Latin-1 text": Bad(edit_bytes(s.STORE_FILE, lambda b: b.replace(b'3,"d"', b'3,"\xe4"')), s.STORE_FILE, 4,
                        s.STORE_TYPE, r"expected UTF-8 text, got byte b'\\xe4' \(that is 'ä' in Windows-1252"),
    "unknown StoreType": Bad(set_cell(s.STORE_FILE, 2, s.STORE_TYPE, "e"), s.STORE_FILE, 2, s.STORE_TYPE,
                             "expected one of a, b, c, d, got 'e'"),
    "unknown Assortment": Bad(set_cell(s.STORE_FILE, 3, s.ASSORTMENT, "z"), s.STORE_FILE, 3, s.ASSORTMENT,
                              "expected one of a, b, c, got 'z'"),
    "non-numeric CompetitionDistance": Bad(set_cell(s.STORE_FILE, 2, s.COMPETITION_DISTANCE, "near"), s.STORE_FILE,
                                           2, s.COMPETITION_DISTANCE, "expected a distance in metres >= 0 "
                                                                      r"\(or empty when unknown\), got 'near'"),
    "duplicate Store in store.csv": Bad(add_line(s.STORE_FILE, '2,"a","a",570,11,2007,0,,,""'), s.STORE_FILE, 5,
                                        s.STORE, r"expected each \(Store\) once, got \(Store=2\) again, first on "
                                                 "line 3"),
    "Promo2 not 0/1": Bad(set_cell(s.STORE_FILE, 3, s.PROMO2, "2"), s.STORE_FILE, 3, s.PROMO2,
                          "expected 0 or 1, got '2'"),
    "unknown PromoInterval": Bad(set_cell(s.STORE_FILE, 3, s.PROMO_INTERVAL, "Jan,Feb"), s.STORE_FILE, 3,
                                 s.PROMO_INTERVAL, r"expected empty or one of .*got 'Jan,Feb'"),
    "test Open not 0/1": Bad(set_cell(s.TEST_FILE, 2, s.OPEN, "3"), s.TEST_FILE, 2, s.OPEN, "expected 0 or 1"),
    "duplicate test Id": Bad(set_cell(s.TEST_FILE, 4, s.ID, "2"), s.TEST_FILE, 4, s.ID,
                             r"expected each \(Id\) once, got \(Id=2\) again, first on line 3"),
    "non-numeric Store in states": Bad(set_cell(s.STATES_FILE, 3, s.STORE, "x"), s.STATES_FILE, 3, s.STORE,
                                       r"expected a store number \(a whole number >= 1\), got 'x'"),
    "duplicate Store in states": Bad(add_line(s.STATES_FILE, "1,BY"), s.STATES_FILE, 5, s.STORE,
                                     r"expected each \(Store\) once, got \(Store=1\) again, first on line 2"),
    "empty State": Bad(set_cell(s.STATES_FILE, 4, s.STATE, ""), s.STATES_FILE, 4, s.STATE,
                       "expected a state code such as NW or HB,NI, got an empty value"),
    "store without a state": Bad(drop_line(s.STATES_FILE, 4), s.STATES_FILE, None, s.STORE,
                                 r"expected a row for every store of store\.csv, got none for Store 3 "
                                 r"\(store\.csv line 4\)"),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_input_is_refused_naming_file_line_and_column(data_dir, case):
    bad = BAD[case]
    bad.edit(data_dir)
    with pytest.raises(DataContractError, match=re.escape(bad.where) + " " + bad.message) as err:
        load_dataset(data_dir, require_test=True)
    assert any(p.file.endswith(bad.file) and p.line == bad.line and p.column == bad.column
               for p in err.value.problems), err.value.problems


def test_missing_test_file_is_an_error_only_when_required(data_dir):
    (data_dir / s.TEST_FILE).unlink()
    assert load_dataset(data_dir).test is None
    with pytest.raises(DataContractError, match=r"test\.csv: file not found"):
        load_dataset(data_dir, require_test=True)


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
    assert len(warned) == 1 and "1 rows have no Open value" in warned[0].getMessage()
    infos = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert any("train.csv: 7 rows in" in m for m in infos) and len(infos) == 4  # train, test, store, states


def test_windows_line_ends_and_a_byte_order_mark_are_accepted(data_dir):
    edit_bytes(s.TRAIN_FILE, lambda b: b"\xef\xbb\xbf" + b.replace(b"\n", b"\r\n"))(data_dir)
    assert len(load_dataset(data_dir).train) == 7


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
    ({s.PROMO: [2, 0]}, s.PROMO, "row 0: expected 0 or 1, got 2"),
    ({s.SCHOOL_HOLIDAY: [0, "x"]}, s.SCHOOL_HOLIDAY, "row 1: expected 0 or 1, got 'x'"),
    ({s.OPEN: [1, 5]}, s.OPEN, "row 1: expected 0 or 1, got 5"),
    ({s.STATE_HOLIDAY: ["x", "0"]}, s.STATE_HOLIDAY, "row 0: expected one of 0 .*got 'x': use 0 for"),
    ({s.STORE: [-3, 2]}, s.STORE, r"row 0: expected a store number \(a whole number >= 1\), got -3"),
    ({s.DAY_OF_WEEK: [6, 2]}, s.DAY_OF_WEEK, r"row 1: expected a weekday number.*got 2: correct it to match"),
    ({s.ID: [4, 4]}, s.ID, "row 1: expected a unique whole number, got 4"),
])
def test_validate_rows_names_the_row_and_column(change, column, message):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. no pandas warning about categories on the way to the error
        with pytest.raises(DataContractError, match=message) as err:
            validate_rows(_rows(**change), source="request")
    assert err.value.problems[0].column == column
    assert err.value.problems[0].file == "request"


def test_validate_rows_allows_the_same_store_and_day_twice():
    """Unlike the files: a request may ask for one day under two schedules, each row gets an answer."""
    out = validate_rows(_rows(Store=[1, 1], Date=["2015-08-01", "2015-08-01"], Promo=[0, 1]))
    assert out[s.PROMO].tolist() == [0, 1]


def test_validate_rows_lists_missing_columns():
    with pytest.raises(DataContractError, match="column is missing") as err:
        validate_rows(_rows().drop(columns=[s.PROMO, s.DATE]))
    assert {p.column for p in err.value.problems} == {s.PROMO, s.DATE}


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


def test_a_state_that_is_no_german_state_code_is_loaded_with_a_warning(data_dir, caplog):
    set_cell(s.STATES_FILE, 3, s.STATE, "XX")(data_dir)
    with caplog.at_level(logging.WARNING, logger="storecast"):
        store = load_store(data_dir / s.STORE_FILE, data_dir / s.STATES_FILE)
    assert store.set_index(s.STORE).at[2, s.STATE] == "XX"
    assert "1 store(s) have a State that is no German state code (e.g. store 2: 'XX')" in caplog.text
