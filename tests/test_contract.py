"""The data contract: good files load typed; every kind of bad file is refused with file, line and column."""

from __future__ import annotations

import gzip
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from storecast import schema as s
from storecast.data.contract import load_dataset, validate_rows
from storecast.data.synthetic import write_synthetic
from storecast.errors import DataContractError

REAL = Path(__file__).resolve().parents[2] / "shared" / "rossmann"


@pytest.fixture(scope="module")
def good_dir(tmp_path_factory) -> Path:
    return write_synthetic(tmp_path_factory.mktemp("good"), n_stores=3, start="2015-01-01",
                           end="2015-01-20", test_days=5, seed=1)


@pytest.fixture
def data_dir(good_dir, tmp_path) -> Path:
    """A private copy of the good files for one test to break."""
    return Path(shutil.copytree(good_dir, tmp_path / "data"))


def _edit(path: Path, line: int, column: str, value: str) -> None:
    """Set one cell (1-based line, header = line 1) of a simple CSV."""
    lines = path.read_text().splitlines()
    header = [h.strip('"') for h in lines[0].split(",")]
    cells = lines[line - 1].split(",")
    cells[header.index(column)] = value
    lines[line - 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def _write(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines) + "\n")


def _drop_column(path: Path, column: str) -> None:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.drop(columns=[column]).to_csv(path, index=False)


def _add_column(path: Path) -> None:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.assign(Weather="sunny").to_csv(path, index=False)


def _train(d: Path) -> Path:
    return d / s.TRAIN_FILE


def _store(d: Path) -> Path:
    return d / s.STORE_FILE


def _test(d: Path) -> Path:
    return d / s.TEST_FILE


def _shift_day_of_week(path: Path, line: int) -> None:
    current = int(_lines(path)[line - 1].split(",")[1])
    _edit(path, line, s.DAY_OF_WEEK, str(current % 7 + 1))


BAD_CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "missing file": (lambda d: _train(d).unlink(), r"train\.csv: file not found"),
    "missing column": (lambda d: _drop_column(_train(d), s.CUSTOMERS),
                       r"train\.csv, line 1, column `Customers`: column is missing"),
    "extra column": (lambda d: _add_column(_train(d)), r"train\.csv, line 1, column `Weather`: unexpected"),
    "unparsable date": (lambda d: _edit(_train(d), 3, s.DATE, "2015-02-30"),
                        r"train\.csv, line 3, column `Date`: expected a date .*'2015-02-30'"),
    "non-numeric Sales": (lambda d: _edit(_train(d), 4, s.SALES, "lots"),
                          r"train\.csv, line 4, column `Sales`: expected a whole number, got 'lots'"),
    "negative Sales": (lambda d: _edit(_train(d), 5, s.SALES, "-20"),
                       r"train\.csv, line 5, column `Sales`: must be >= 0"),
    "negative Customers": (lambda d: _edit(_train(d), 6, s.CUSTOMERS, "-1"),
                           r"train\.csv, line 6, column `Customers`: must be >= 0"),
    "Open not 0/1": (lambda d: _edit(_train(d), 2, s.OPEN, "2"),
                     r"train\.csv, line 2, column `Open`: must be 0 or 1"),
    "Promo not 0/1": (lambda d: _edit(_train(d), 7, s.PROMO, "yes"),
                      r"train\.csv, line 7, column `Promo`: expected a whole number, got 'yes'"),
    "unknown StateHoliday": (lambda d: _edit(_train(d), 8, s.STATE_HOLIDAY, "d"),
                             r"train\.csv, line 8, column `StateHoliday`: must be one of"),
    "DayOfWeek not matching Date": (lambda d: _shift_day_of_week(_train(d), 9),
                                    r"train\.csv, line 9, column `DayOfWeek`: DayOfWeek \d does not match"),
    "duplicate Store/Date": (lambda d: _write(_train(d), _lines(_train(d)) + [_lines(_train(d))[1]]),
                             r"train\.csv, line 2, column `Store/Date`: duplicate row"),
    "store missing from store.csv": (
        lambda d: _write(_store(d), [ln for ln in _lines(_store(d)) if not ln.startswith("2,")]),
        r"train\.csv, line \d+, column `Store`: Store 2 is not in store\.csv"),
    "empty file": (lambda d: _train(d).write_text(""), r"train\.csv, line 1: file is empty"),
    "header only": (lambda d: _write(_train(d), _lines(_train(d))[:1]),
                    r"train\.csv, line 2: no data rows"),
    "truncated last line": (lambda d: _train(d).write_text(_train(d).read_text().rstrip("\n")[:-12]),
                            r"train\.csv, line \d+: last line has \d of 9 fields: the file looks truncated"),
    "semicolon-separated": (lambda d: _write(_train(d), [ln.replace(",", ";") for ln in _lines(_train(d))]),
                            r"train\.csv, line 1: columns are separated by semicolons"),
    "gzip bytes": (lambda d: _train(d).write_bytes(gzip.compress(_train(d).read_bytes())),
                   r"train\.csv, line 1: binary data"),
    "not UTF-8": (lambda d: _train(d).write_bytes(_train(d).read_bytes()[:200] + b"\xff\xfe\xfa" * 50),
                  r"train\.csv.*not UTF-8"),
    "too many fields": (lambda d: _write(_train(d), _lines(_train(d))[:3] + [_lines(_train(d))[3] + ",9"]
                                         + _lines(_train(d))[4:]),
                        r"train\.csv, line 4: line has 10 fields, expected 9"),
    "unknown StoreType": (lambda d: _edit(_store(d), 2, s.STORE_TYPE, "e"),
                          r"store\.csv, line 2, column `StoreType`: must be one of a, b, c, d"),
    "unknown Assortment": (lambda d: _edit(_store(d), 3, s.ASSORTMENT, "z"),
                           r"store\.csv, line 3, column `Assortment`: must be one of a, b, c"),
    "non-numeric distance": (lambda d: _edit(_store(d), 2, s.COMPETITION_DISTANCE, "near"),
                             r"store\.csv, line 2, column `CompetitionDistance`: expected a number"),
    "duplicate store": (lambda d: _write(_store(d), _lines(_store(d)) + [_lines(_store(d))[1]]),
                        r"store\.csv, line 2, column `Store`: duplicate row"),
    "bad test Open": (lambda d: _edit(_test(d), 2, s.OPEN, "3"),
                      r"test\.csv, line 2, column `Open`: must be 0 or 1"),
    "test store missing from store.csv": (
        lambda d: _edit(_test(d), 2, s.STORE, "77"),
        r"test\.csv, line 2, column `Store`: Store 77 is not in store\.csv"),
}


@pytest.mark.parametrize("case", list(BAD_CASES), ids=list(BAD_CASES))
def test_bad_input_is_refused_naming_file_line_and_column(data_dir, case):
    breaker, message = BAD_CASES[case]
    breaker(data_dir)
    with pytest.raises(DataContractError, match=message):
        load_dataset(data_dir)


def test_all_problems_of_a_file_are_reported_at_once(data_dir):
    _edit(_train(data_dir), 3, s.SALES, "-1")
    _edit(_train(data_dir), 5, s.OPEN, "4")
    with pytest.raises(DataContractError) as err:
        load_dataset(data_dir)
    found = {(p.line, p.column) for p in err.value.problems}
    assert {(3, s.SALES), (5, s.OPEN)} <= found


def test_good_files_load_with_the_documented_dtypes(good_dir):
    ds = load_dataset(good_dir, require_test=True)
    assert ds.train.dtypes.astype(str).to_dict() == {
        s.STORE: "int32", s.DAY_OF_WEEK: "int8", s.DATE: str(ds.train[s.DATE].dtype), s.SALES: "int64",
        s.CUSTOMERS: "int64", s.OPEN: "int8", s.PROMO: "int8", s.STATE_HOLIDAY: "category",
        s.SCHOOL_HOLIDAY: "int8",
    }
    assert pd.api.types.is_datetime64_any_dtype(ds.train[s.DATE])
    assert list(ds.train[s.STATE_HOLIDAY].cat.categories) == list(s.STATE_HOLIDAY_CODES)
    assert list(ds.test.columns) == list(s.TEST_COLUMNS)
    assert s.STATE in ds.store.columns and ds.store[s.STATE].notna().all()


def test_missing_open_in_test_is_read_as_open(data_dir):
    _edit(_test(data_dir), 2, s.OPEN, "")
    ds = load_dataset(data_dir)
    assert ds.test[s.OPEN].iloc[0] == 1


def test_quoted_fields_and_mixed_state_holiday_codes_are_accepted(data_dir):
    lines = _lines(_train(data_dir))
    lines[1] = re.sub(r",(\w),(\d)$", r',"\1","\2"', lines[1])
    _write(_train(data_dir), lines)
    assert len(load_dataset(data_dir).train) == len(lines) - 1


def test_input_files_are_not_modified(good_dir):
    before = {p: p.read_bytes() for p in good_dir.rglob("*.csv")}
    load_dataset(good_dir)
    assert {p: p.read_bytes() for p in good_dir.rglob("*.csv")} == before


def test_validate_rows_types_request_rows_and_derives_day_of_week():
    rows = pd.DataFrame({s.STORE: [1, 2], s.DATE: ["2015-08-01", "2015-08-03"], s.PROMO: [1, 0],
                         s.STATE_HOLIDAY: ["0", "a"], s.SCHOOL_HOLIDAY: [0, 1]})
    out = validate_rows(rows)
    assert out[s.DAY_OF_WEEK].tolist() == [6, 1]
    assert out[s.OPEN].tolist() == [1, 1]
    assert pd.api.types.is_datetime64_any_dtype(out[s.DATE])


@pytest.mark.parametrize(("column", "value", "message"), [
    (s.DATE, "2015-13-01", "row 0: expected a date"),
    (s.PROMO, 2, "row 0: must be 0 or 1"),
    (s.STATE_HOLIDAY, "x", "row 0: must be one of"),
    (s.STORE, -3, "row 0: must be a store number"),
])
def test_validate_rows_names_the_row_and_column(column, value, message):
    rows = pd.DataFrame({s.STORE: [1], s.DATE: ["2015-08-01"], s.PROMO: [1], s.STATE_HOLIDAY: ["0"],
                         s.SCHOOL_HOLIDAY: [0]})
    rows[column] = [value]
    with pytest.raises(DataContractError, match=message) as err:
        validate_rows(rows, source="request")
    assert err.value.problems[0].column == column


@pytest.mark.skipif(not (REAL / s.TRAIN_FILE).is_file(), reason="real Rossmann files not present")
def test_real_files_pass_the_contract():
    ds = load_dataset(REAL)
    assert len(ds.train) == 970_379 and ds.store[s.STORE].nunique() == 1115
    assert ds.test is not None and len(ds.test) == 41_088
