"""Malformed data files, round 21: each case one edit of the good hand-made files, run through `storecast validate`.

The bar for every case: exit code 2, one ``error:`` naming the file, the line or row and the column where it
applies, and what to do; no traceback. Cases that were already met stay as regression tests; the ones that
were not are marked "was: ..." with what they said before. Odd files that read as the clean ones (a byte order
mark with CR LF, a header name padded with spaces) are in ``READ_AS_GOOD``: the same summary, exit code 0.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from contract_support import add_line, edit_bytes, edit_text, set_cell, write_good
from storecast import schema as s

TRAIN, STORE, TEST, STATES = s.TRAIN_FILE, s.STORE_FILE, s.TEST_FILE, s.STATES_FILE
INTS = ["Store", "DayOfWeek", "Sales", "Customers", "Open", "Promo", "SchoolHoliday"]


@dataclass(frozen=True)
class Case:
    """An edit and the place (``train.csv, line 3, column `Date``) and words (a regex) its one error must give."""

    edit: Callable[[Path], None]
    where: str
    message: str



def cell_case(name: str, line: int, column: str, value: str, message: str) -> Case:
    """One cell of ``name`` set to ``value``: its error must name that very place (``name, line N, column `C```)."""
    return Case(set_cell(name, line, column, value), f"{name}, line {line}, column `{column}`:", message)

def _train_frame(root: Path) -> pd.DataFrame:
    frame = pd.read_csv(root / TRAIN, dtype=str, keep_default_na=False)
    return frame.astype(dict.fromkeys(INTS, "int64"))


def as_parquet(change: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[Path], None]:
    """train.csv replaced by train.parquet holding ``change`` of its typed rows."""
    def edit(root: Path) -> None:
        frame = change(_train_frame(root))
        (root / TRAIN).unlink()
        frame.to_parquet(root / "train.parquet", index=False)
    return edit


def as_parts(*parts: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[Path], None]:
    """train.csv replaced by train/part-N.parquet, part N holding ``parts[N]`` of its typed rows."""
    def edit(root: Path) -> None:
        frame = _train_frame(root)
        (root / TRAIN).unlink()
        (root / "train").mkdir()
        for n, part in enumerate(parts):
            part(frame).to_parquet(root / "train" / f"part-{n}.parquet", index=False)
    return edit


def replace_header(name: str, old: str, new: str) -> Callable[[Path], None]:
    return edit_text(name, lambda t: t.replace(old, new, 1))


def last_value_broken(name: str) -> Callable[[Path], None]:
    """A line break typed into the last quoted value of the file: ``..."0\\n"`` ends it."""
    return edit_text(name, lambda t: t.rstrip("\n")[:-1] + '\n"\n')


def symlink_loop(root: Path) -> None:
    (root / TRAIN).unlink()
    (root / "a.csv").symlink_to(root / "b.csv")
    (root / "b.csv").symlink_to(root / "a.csv")
    (root / TRAIN).symlink_to(root / "a.csv")


def fifo(root: Path) -> None:
    (root / TRAIN).unlink()
    os.mkfifo(root / TRAIN)


def csv_parts(root: Path) -> None:
    (root / "train").mkdir()
    shutil.move(root / TRAIN, root / "train" / "part-0.csv")


def zipped(folder: str = "") -> Callable[[Path], None]:
    """The three Kaggle files packed into rossmann-store-sales.zip (under ``folder``/), as the download comes."""
    def edit(root: Path) -> None:
        with zipfile.ZipFile(root / "rossmann-store-sales.zip", "w") as archive:
            for name in (TRAIN, STORE, TEST):
                archive.write(root / name, folder + name)
                (root / name).unlink()
    return edit


def hive_parts(root: Path) -> None:
    frame = _train_frame(root)
    (root / TRAIN).unlink()
    (root / "train" / "year=2015").mkdir(parents=True)
    frame.to_parquet(root / "train" / "year=2015" / "part-0.parquet", index=False)


_DATE = r"expected a date 2000-01-01\.\.2099-12-31 written YYYY-MM-DD, got "
_FIX = ": correct the value or remove the line"
_HOLIDAY = r"expected one of 0 \(none\), a \(public holiday\), b \(Easter\), c \(Christmas\), got "
_RUNS_ON = (r"expected one line per row, got a quoted value that runs on to line {}: close the quote on its own line, "
            r"or remove the line break from the value")

CASES: dict[str, Case] = {
    # ---- a line break inside a quoted value: the last line (was: "line N+1: expected 9 fields, got 1: the last
    # line is cut short, the file looks truncated", the line after the row at fault, and a download again for a typo)
    "a line break in train.csv's last quoted value": Case(last_value_broken(TRAIN), "train.csv, line 8:",
                                                          _RUNS_ON.format(9)),
    "a line break in store.csv's last quoted value": Case(last_value_broken(STORE), "store.csv, line 4:",
                                                          _RUNS_ON.format(5)),
    "a line break in test.csv's last quoted value": Case(last_value_broken(TEST), "test.csv, line 5:",
                                                         _RUNS_ON.format(6)),
    "a line break in the states file's last value": Case(edit_text(STATES, lambda t: t.replace("3,NW", '3,"NW\n"')),
                                                         "external/store_states.csv, line 4:", _RUNS_ON.format(5)),
    "three line breaks in the last value, no final newline": Case(
        edit_text(TRAIN, lambda t: t.rstrip("\n")[:-1] + '\n\n\n"'), "train.csv, line 8:", _RUNS_ON.format(11)),
    # ---- ... elsewhere (already met)
    "a line break in a quoted Sales": Case(replace_header(TRAIN, "3,5,2015-06-19,0,0", '3,5,2015-06-19,"0\n",0'),
                                           "train.csv, line 4:", _RUNS_ON.format(5)),
    "a CR LF inside a quoted Date": Case(replace_header(TRAIN, "2,4,2015-06-18,5100", '2,4,"2015-06-18\r\n",5100'),
                                         "train.csv, line 6:", _RUNS_ON.format(7)),
    "a line break in a quoted StoreType": Case(replace_header(STORE, '1,"c","a"', '1,"c\nx","a"'), "store.csv, line 2:",
                                               _RUNS_ON.format(3)),
    "a file cut inside a quoted value": Case(edit_text(TRAIN, lambda t: t.rstrip("\n")[:-2]), "train.csv, line 8:",
                                             "a quote opened here is never closed: close or remove it"),
    "a file cut short": Case(edit_text(TRAIN, lambda t: t.rstrip("\n")[:-12]), "train.csv, line 8:",
                             "expected 9 fields, got 5: the last line is cut short, the file looks truncated"),
    # ---- the header
    "a column name in small letters": Case(replace_header(TRAIN, '"Sales"', '"sales"'), "train.csv, line 1, column",
                                           r"`Sales`: column is missing"),
    "a header with Store twice (Customers lost)": Case(replace_header(TRAIN, '"Customers"', '"Store"'),
                                                       "train.csv, line 1, column `Customers`:", "column is missing"),
    "an empty column name": Case(replace_header(TRAIN, '"Customers"', '""'), "train.csv, line 1, column `Customers`:",
                                 "column is missing"),
    "the states header in small letters": Case(replace_header(STATES, "Store,State", "store,state"),
                                               "external/store_states.csv, line 1, column `Store`:",
                                               "column is missing: expected the columns Store, State"),
    "a states file with a third column": Case(
        edit_text(STATES, lambda t: "Store,State,Name\n1,HE,x\n2,TH,y\n3,NW,z\n"),
        "external/store_states.csv, line 1, column `Name`:",
        "unexpected column: expected only Store, State; remove it"),
    # a header line longer than the 64 KiB read first (was: its columns past that point "missing", or counted short)
    "a 70 KiB name before the header's columns": Case(
        edit_text(TRAIN, lambda t: '"' + "x" * 70_000 + '",' + t.replace("\n", "\n,").rstrip(",")),
        "train.csv, line 1, column `" + "x" * 40 + "\u2026`:",
        r"error: \S+/train\.csv, line 1, column `x{40}\u2026`: unexpected column \(its name shown cut after 40 "
        r"characters\): expected only Store, DayOfWeek, Date, Sales, Customers, Open, Promo, StateHoliday, "
        r"SchoolHoliday; remove it$"),
    "200,000 commas after the header's names": Case(
        edit_text(TRAIN, lambda t: t.replace('"SchoolHoliday"', '"SchoolHoliday"' + "," * 200_000, 1)),
        "train.csv, line 1:", r"columns 10\.\.200009 have no name \(commas at the end of the header line"),
    # ---- dates
    "an empty Date on the last line": cell_case(TRAIN, 8, "Date", "", _DATE + "an empty value" + _FIX),
    "a Date written year/month/day": cell_case(TRAIN, 3, "Date", "2015/06/19",
                                               _DATE + r"'2015/06/19' \(year/month/day\)"),
    "one Date written day.month.year": cell_case(TRAIN, 3, "Date", "19.06.2015",
                                                 _DATE + r"'19\.06\.2015' \(day\.month"),
    "a Date in 1900": cell_case(TRAIN, 3, "Date", "1900-06-19", _DATE + "'1900-06-19'" + _FIX),
    "a Date in 2100": cell_case(TRAIN, 3, "Date", "2100-06-19", _DATE + "'2100-06-19'" + _FIX),
    "a test Date in 1900": cell_case(TEST, 2, "Date", "1900-09-17", _DATE + "'1900-09-17'"),
    "February 30": cell_case(TRAIN, 3, "Date", "2015-02-30", _DATE + "'2015-02-30'"),
    "an ISO week date": cell_case(TRAIN, 3, "Date", "2015-W25-5", _DATE + "'2015-W25-5'"),
    "a Date with a UTC time": cell_case(TRAIN, 3, "Date", "2015-06-19T00:00:00Z",
                                        _DATE + r".*a time of day: write the date alone"),
    "a Date with a zone offset": cell_case(TRAIN, 3, "Date", "2015-06-19+02:00", _DATE + "'2015-06-19\\+02:00'"),
    "a Date without dashes": cell_case(TRAIN, 3, "Date", "20150619", _DATE + r"'20150619' \(YYYYMMDD without dashes\)"),
    # ---- store numbers
    "Store 0": cell_case(TRAIN, 2, "Store", "0",
                         r"expected a store number \(a whole number 1\.\.2147483647\), got '0'"),
    "Store -1": cell_case(TRAIN, 2, "Store", "-1", "got '-1'"),
    "Store 1e3": cell_case(TRAIN, 2, "Store", "1e3", "got '1e3'"),
    "Store 1.5": cell_case(TRAIN, 2, "Store", "1.5", "got '1.5'"),
    "Store 0x1": cell_case(TRAIN, 2, "Store", "0x1", "got '0x1'"),
    "store.csv Store 0": cell_case(STORE, 2, "Store", "0", "got '0'"),
    "store_states Store 0": cell_case(STATES, 2, "Store", "0", "got '0'"),
    "a store of store.csv missing from the states file": Case(
        edit_text(STATES, lambda t: t.replace("3,NW", "9,NW")), "external/store_states.csv, column `Store`:",
        r"expected a row for every store of store\.csv, got none for Store 3 \(store\.csv line 4\): add `3,<state>`"),
    # ---- amounts and codes
    "Sales 1e12 written out": cell_case(TRAIN, 2, "Sales", "1000000000000",
                                        r"expected a whole number 0\.\.2147483647, got '1000000000000'"),
    "Sales 1e12": cell_case(TRAIN, 2, "Sales", "1e12", "got '1e12'"),
    "Sales inf": cell_case(TRAIN, 2, "Sales", "inf", "got 'inf'"),
    "Sales NA": cell_case(TRAIN, 2, "Sales", "NA", "got 'NA'"),
    "Sales only spaces": cell_case(TRAIN, 2, "Sales", "   ", "got an empty value"),
    "Customers 1e12 written out": cell_case(TRAIN, 2, "Customers", "1000000000000", "got '1000000000000'"),
    "StateHoliday 0.0": cell_case(TRAIN, 2, "StateHoliday", "0.0", _HOLIDAY + "'0.0'" + _FIX),
    "StateHoliday empty": cell_case(TRAIN, 2, "StateHoliday", "", _HOLIDAY + "an empty value"),
    "StateHoliday 1": cell_case(TRAIN, 2, "StateHoliday", "1", _HOLIDAY + "'1'"),
    "test StateHoliday 0.0": cell_case(TEST, 2, "StateHoliday", "0.0", _HOLIDAY + "'0.0'"),
    "DayOfWeek 0": cell_case(TRAIN, 2, "DayOfWeek", "0",
                             r"expected a weekday number, 1 \(Monday\) \.\. 7 \(Sunday\), got '0'"),
    "Open true": cell_case(TRAIN, 2, "Open", "true", "expected 0 or 1, got 'true'"),
    "Promo -1": cell_case(TRAIN, 2, "Promo", "-1", "got '-1'"),
    "test Id empty": cell_case(TEST, 2, "Id", "", "expected a unique whole number, got an empty value"),
    "test Id of 20 digits": cell_case(TEST, 2, "Id", "99999999999999999999", "got '99999999999999999999'"),
    # ---- store.csv's facts
    "CompetitionOpenSinceYear 15": cell_case(STORE, 2, "CompetitionOpenSinceYear", "15",
                                             r"expected a year 1900\.\.2100 \(or empty when unknown\), got '15'"),
    "CompetitionOpenSinceMonth 13": cell_case(STORE, 2, "CompetitionOpenSinceMonth", "13",
                                              r"expected a month 1\.\.12 \(or empty when unknown\), got '13'"),
    "CompetitionOpenSinceMonth Sep": cell_case(STORE, 2, "CompetitionOpenSinceMonth", "Sep", "got 'Sep'"),
    "CompetitionDistance -5": cell_case(STORE, 2, "CompetitionDistance", "-5",
                                        r"expected a distance in metres 0\.\.40000000 \(or empty when unknown\), "
                                        r"got '-5'"),
    "CompetitionDistance nan": cell_case(STORE, 2, "CompetitionDistance", "nan", "got 'nan'"),
    "Promo2SinceWeek 0": cell_case(STORE, 3, "Promo2SinceWeek", "0",
                                   r"expected an ISO week 1\.\.53 \(or empty when unknown\), got '0'"),
    "PromoInterval in German": cell_case(STORE, 3, "PromoInterval", "Jan,Apr,Jul,Okt",
                                         r'expected empty or one of "Jan,Apr,Jul,Oct" \| "Feb,May,Aug,Nov" \| '
                                         r"\"Mar,Jun,Sept,Dec\", got 'Jan,Apr,Jul,Okt'"),
    "PromoInterval of full month names": cell_case(STORE, 3, "PromoInterval", "January,April,July,October",
                                                   "got 'January,April"),
    "PromoInterval with semicolons": cell_case(STORE, 3, "PromoInterval", "Jan;Apr;Jul;Oct", "got 'Jan;Apr;Jul;Oct'"),
    "PromoInterval of three months": cell_case(STORE, 3, "PromoInterval", "Jan,Apr,Jul", "got 'Jan,Apr,Jul'"),
    "StoreType empty": cell_case(STORE, 2, "StoreType", "", "expected one of a, b, c, d, got an empty value"),
    "Promo2 empty": cell_case(STORE, 2, "Promo2", "", "expected 0 or 1, got an empty value"),
    # ---- what a file is
    "store.csv of zero bytes": Case(edit_text(STORE, lambda t: ""), "store.csv, line 1:",
                                    "file is empty: expected a header line of store.csv and data rows"),
    "test.csv of its header only": Case(edit_text(TEST, lambda t: t.splitlines()[0] + "\n"), "test.csv, line 2:",
                                        "no data rows: expected data lines after the header"),
    "the states file of zero bytes": Case(edit_text(STATES, lambda t: ""), "external/store_states.csv, line 1:",
                                          "file is empty"),
    "the states file with semicolons": Case(edit_text(STATES, lambda t: t.replace(",", ";")),
                                            "external/store_states.csv, line 1:",
                                            "expected columns separated by commas, got semicolons"),
    "train.csv a link in a loop": Case(symlink_loop, "train.csv:",
                                       r"is a broken symbolic link \(to .*a\.csv, which is missing or a loop\)"),
    "store.csv a link to itself": Case(lambda root: ((root / STORE).unlink(), (root / STORE).symlink_to(STORE)),
                                       "store.csv:", r"is a broken symbolic link \(to store\.csv, which is missing or "
                                                     r"a loop\): expected store\.csv here as a file"),
    "train.csv a named pipe": Case(fifo, "train.csv:", r"is not a regular file \(a device, pipe or socket"),
    "store.csv gzip bytes under its own name": Case(edit_bytes(STORE, gzip.compress), "store.csv, line 1:",
                                                    r"gzip-compressed data: unpack it first"),
    # Kaggle's download left packed (was: "file not found: expected train.csv here (see --data)", beside the zip)
    "Kaggle's zip, not unpacked": Case(zipped(), "train.csv:",
                                       r"file not found: expected train\.csv here, found rossmann-store-sales\.zip, "
                                       r"which holds train\.csv: unpack it in this directory first \(unzip "
                                       r"rossmann-store-sales\.zip\)"),
    "a zip holding a folder of the files": Case(zipped("rossmann/"), "store.csv:",
                                                r"found rossmann-store-sales\.zip, which holds rossmann/store\.csv: "
                                                r"unpack it in this directory first \(unzip "
                                                r"rossmann-store-sales\.zip\), then pass --data \S+/data/rossmann"),
    # ---- parquet
    "a parquet Date of YYYYMMDD integers": Case(
        as_parquet(lambda f: f.assign(Date=f.Date.str.replace("-", "").astype(int))), "train.parquet, column `Date`:",
        _DATE + r"'20150619' \(YYYYMMDD without dashes\) on row 1, and not one of the 7 rows"),
    "a parquet Date of epoch milliseconds": Case(
        as_parquet(lambda f: f.assign(Date=pd.to_datetime(f.Date).astype("int64") // 10**6)),
        "train.parquet, column `Date`:", _DATE + "'1434672000' on row 1"),
    "a parquet Date with a time of day": Case(
        as_parquet(lambda f: f.assign(Date=pd.to_datetime(f.Date) + pd.Timedelta(hours=13))),
        "train.parquet, column `Date`:", _DATE + r"'2015-06-19 13:00:00' \(a date with a time of day"),
    "a parquet Date at midnight Berlin, stored in UTC": Case(
        as_parquet(lambda f: f.assign(
            Date=pd.to_datetime(f.Date).dt.tz_localize("Europe/Berlin").dt.tz_convert("UTC"))),
        "train.parquet, column `Date`:", _DATE + r"'2015-06-18 22:00:00\+00:00' \(a date with a time of day"),
    "a parquet Date of durations": Case(
        as_parquet(lambda f: f.assign(Date=pd.Timedelta(days=16000))), "train.parquet, column `Date`:",
        _DATE + "'16000 days 00:00:00'"),
    "a parquet Sales of 1.5": Case(as_parquet(lambda f: f.assign(Sales=[1.5, 1, 0, 1, 1, 1, 0])),
                                   "train.parquet, row 1, column `Sales`:", "expected a whole number 0..2147483647, "
                                                                            "got '1.5'"),
    "a parquet Store float with a NaN": Case(
        as_parquet(lambda f: f.assign(Store=[1.0, 2.0, float("nan"), 1.0, 2.0, 3.0, 1.0])),
        "train.parquet, row 3, column `Store`:", "got an empty value: correct the value or remove the row"),
    "a parquet Sales of structs": Case(as_parquet(lambda f: f.assign(Sales=[{"v": 1}] * len(f))),
                                       "train.parquet, column `Sales`:",
                                       r"expected one value per row, got a column of type struct<v: int64>"),
    # was: "the name holds the invisible character U+0020: retype it", of a plain space
    "a parquet column named with a trailing space": Case(
        as_parquet(lambda f: f.rename(columns={"Sales": "Sales "})), "train.parquet, column `Sales `:",
        r"unexpected column \(did you mean `Sales`\? the name has spaces or tabs around it: remove them\)"),
    "a parquet column named with a tab before it": Case(
        as_parquet(lambda f: f.rename(columns={"Date": "\tDate"})), "train.parquet, column `\tDate`:",
        r"did you mean `Date`\? the name has spaces or tabs around it: remove them"),
    "a parquet file of no rows": Case(as_parquet(lambda f: f.iloc[:0]), "train.parquet:",
                                      "no data rows: expected at least one row"),
    "train/ with one part of another schema": Case(
        as_parts(lambda f: f.iloc[:3], lambda f: f.iloc[3:].rename(columns={"Sales": "Revenue"})),
        "train/part-1.parquet, column `Sales`:", "column is missing"),
    "train/ with parts that overlap": Case(
        as_parts(lambda f: f.iloc[:4], lambda f: f.iloc[3:]), "train/part-1.parquet, row 1, column `Store/Date`:",
        r"expected each \(Store, Date\) once in train/, got \(Store=1, Date=2015-06-18\) again, first in "
        r"part-0\.parquet row 4"),
    "train/ of CSV parts": Case(csv_parts, "train:", r"holds no parquet part files \(\.parquet, \.pq\)"),
    "train/ of Hive partitions": Case(hive_parts, "train/year=2015:", "a folder of parquet files inside train/"),
    "train/ with a part of zero bytes": Case(
        lambda root: (as_parts(lambda f: f)(root), (root / "train" / "part-1.parquet").write_bytes(b"")),
        "train/part-1.parquet:", r"not a parquet file \(it does not start with PAR1\)"),
    # ---- repeated rows
    "a Store and Date twice, the second another weekday": Case(
        add_line(TRAIN, '1,6,2015-06-19,1,1,1,0,"0","0"'), "train.csv, line 9, column `Store/Date`:",
        r"expected each \(Store, Date\) once, got \(Store=1, Date=2015-06-19\) again, first on line 2"),
}


def _flat(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_a_malformed_file_is_one_located_error(run_main, tmp_path, case):
    root = write_good(tmp_path / "data")
    CASES[case].edit(root)
    code, out, err = run_main("validate", "--data", str(root))
    said = " ".join(err.split())  # rich wraps long lines at spaces
    assert code == 2, said
    assert "Traceback" not in out + err
    assert said.count("error:") == 1, said
    assert _flat(f"{root}/{CASES[case].where}") in _flat(said), said
    assert re.search(CASES[case].message, said), said


READ_AS_GOOD: dict[str, Callable[[Path], None]] = {
    "a byte order mark and CR LF line ends": edit_bytes(TRAIN, lambda b: b"\xef\xbb\xbf" + b.replace(b"\n", b"\r\n")),
    "CR LF on the first lines only": edit_bytes(TRAIN, lambda b: b.replace(b"\n", b"\r\n", 3)),
    "a column name padded with spaces": replace_header(TRAIN, '"Sales"', '"Sales  "'),
    "Store written 1.0": set_cell(TRAIN, 2, "Store", "1.0"),
    "the states file with a byte order mark and CR LF": edit_bytes(
        STATES, lambda b: b"\xef\xbb\xbf" + b.replace(b"\n", b"\r\n")),
}


@pytest.mark.parametrize("case", list(READ_AS_GOOD), ids=list(READ_AS_GOOD))
def test_an_odd_but_usable_file_reads_as_the_good_one(run_main, tmp_path, case):
    good = write_good(tmp_path / "a" / "data")  # paths of one length: rich wraps the lines alike
    code, _, expected = run_main("validate", "--data", str(good))
    assert code in (0, None) and "all files valid" in expected
    odd = write_good(tmp_path / "b" / "data")
    READ_AS_GOOD[case](odd)
    code, out, err = run_main("validate", "--data", str(odd))
    assert code in (0, None), err
    # rich may wrap a line inside a path (where depends on tmp_path's length): compare without the whitespace
    assert _unwrapped(err).replace(str(odd), str(good)) == _unwrapped(expected)


def _unwrapped(text: str) -> str:
    return "".join(text.split())
