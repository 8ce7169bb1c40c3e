"""Hand-made Kaggle-layout files, one-edit editors of them, and the corpus of bad inputs (``BAD``).

Shared by the contract tests (tests/data/test_contract.py) and the CLI's (tests/cli/test_cli_validate.py):
each case is one visible edit of a known-good line, with the file, line, column and message it must give.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import lzma
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from storecast import schema as s

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


def renamed(name: str, new: str) -> Callable[[Path], None]:
    return lambda root: (root / name).rename(root / new)


def gzipped(name: str) -> Callable[[Path], None]:
    """Replace the file ``name`` by ``name.gz``, as gzip leaves it."""
    def edit(root: Path) -> None:
        (root / f"{name}.gz").write_bytes(gzip.compress((root / name).read_bytes()))
        (root / name).unlink()
    return edit


def replace_with(name: str, what: str) -> Callable[[Path], None]:
    """Put a directory (``what="dir"``), Spark's folder of CSV parts (``"spark"``), a link to /dev/null
    (``"devnull"``) or a link to a missing file (``"broken"``) where the file ``name`` was."""
    def edit(root: Path) -> None:
        text = (root / name).read_bytes()
        (root / name).unlink()
        if what in ("dir", "spark"):
            (root / name).mkdir()
            if what == "spark":  # df.write.csv("train.csv"): a folder of parts, each with its header
                (root / name / "part-00000-1b2c.csv").write_bytes(text)
                (root / name / "_SUCCESS").write_bytes(b"")
        elif what == "broken":
            (root / name).symlink_to(root / "gone.csv")
        else:
            (root / name).symlink_to("/dev/null")
    return edit


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
    "train.csv left gzip-compressed": Bad(
        gzipped(s.TRAIN_FILE), s.TRAIN_FILE, None, None,
        r"file not found: expected train\.csv here, found train\.csv\.gz: unpack it in this directory first "
        r"\(gunzip -k FILE\.gz\)"),
    "train.csv named Train.csv": Bad(  # was only "file not found"
        renamed(s.TRAIN_FILE, "Train.csv"), s.TRAIN_FILE, None, None,
        r"file not found: expected train\.csv here, found Train\.csv: rename it train\.csv"),
    "store.csv downloaded twice": Bad(renamed(s.STORE_FILE, "store (1).csv"), s.STORE_FILE, None, None,
                                      r"file not found: expected store\.csv here, found store \(1\)\.csv: rename it"),
    "missing store.csv": Bad(remove(s.STORE_FILE), s.STORE_FILE, None, None, "file not found"),
    "test.csv a link to /dev/null": Bad(replace_with(s.TEST_FILE, "devnull"), s.TEST_FILE, None, None,
                                        r"is not a regular file \(a device, pipe or socket"),
    "store_states.csv a directory": Bad(replace_with(s.STATES_FILE, "dir"), s.STATES_FILE, None, None,
                                        r"is a directory: expected external/store_states\.csv here as a file"),
    "store_states.csv a broken link": Bad(  # exists() is False for it: the states were silently left out
        replace_with(s.STATES_FILE, "broken"), s.STATES_FILE, None, None,
        r"is a broken symbolic link \(to .*gone\.csv, which is missing or a loop\): expected "
        r"external/store_states\.csv here as a file"),
    # the optional states file put close to its place: each was read as "no states", without a word
    "store_states.csv beside external/, not in it": Bad(
        renamed(s.STATES_FILE, "store_states.csv"), s.STATES_FILE, None, None,
        r"file not found: expected external/store_states\.csv here, found .*store_states\.csv: move it into "
        r"external/$"),
    "store_states.csv named Store_States.csv": Bad(
        renamed(s.STATES_FILE, "external/Store_States.csv"), s.STATES_FILE, None, None,
        r"file not found: expected external/store_states\.csv here, found Store_States\.csv: rename it "
        r"store_states\.csv"),
    "store_states.csv left gzip-compressed": Bad(
        gzipped(s.STATES_FILE), s.STATES_FILE, None, None,
        r"file not found: expected external/store_states\.csv here, found store_states\.csv\.gz: unpack it in this "
        r"directory first \(gunzip -k FILE\.gz\)"),
    "store_states written as parquet": Bad(
        renamed(s.STATES_FILE, "external/store_states.parquet"), s.STATES_FILE, None, None,
        r"file not found: expected external/store_states\.csv here, found store_states\.parquet: this file is read "
        r"as CSV only; write it as store_states\.csv \(Store,State\)"),
    "external a file, not a folder": Bad(
        lambda root: (shutil.rmtree(root / "external"), (root / "external").write_text("Store,State\n")), "external",
        None, None, r"is not a directory: expected the directory holding external/store_states\.csv"),
    "train.csv a directory": Bad(  # was "no parquet files in this directory", as if parts were expected there
        replace_with(s.TRAIN_FILE, "dir"), s.TRAIN_FILE, None, None,
        r"is a directory: expected train\.csv here as a file"),
    "train.csv a folder of Spark's CSV parts": Bad(
        replace_with(s.TRAIN_FILE, "spark"), s.TRAIN_FILE, None, None,
        r"is a directory of 1 CSV file\(s\) \(part-00000-1b2c\.csv \.\.\.\), as Spark writes a CSV: expected "
        r"train\.csv here as one file; join them into one, with one header line"),
    "test.csv a folder of Spark's CSV parts": Bad(
        replace_with(s.TEST_FILE, "spark"), s.TEST_FILE, None, None, r"is a directory of 1 CSV file\(s\)"),
    "train.csv a broken link": Bad(replace_with(s.TRAIN_FILE, "broken"), s.TRAIN_FILE, None, None,
                                   r"is a broken symbolic link \(to .*gone\.csv"),
    "missing column": Bad(edit_text(s.TRAIN_FILE, _csv(lambda d: d.drop(columns=[s.CUSTOMERS]))), s.TRAIN_FILE,
                          1, s.CUSTOMERS, "column is missing: expected the columns Store, DayOfWeek"),
    "extra column": Bad(edit_text(s.TRAIN_FILE, _csv(lambda d: d.assign(Weather="sunny"))), s.TRAIN_FILE, 1,
                        "Weather", "unexpected column: expected only Store, .*; remove it"),
    "a header cell of a million characters": Bad(  # the whole name was printed: a message of a megabyte
        edit_text(s.TRAIN_FILE, lambda t: t.replace('"SchoolHoliday"', '"SchoolHoliday","' + "y" * 10**6 + '"', 1)),
        s.TRAIN_FILE, 1, "y" * 40 + "\u2026", r"unexpected column \(its name shown cut after 40 characters\): "
                                               "expected only Store, .*; remove it$"),
    "wrong-case column": Bad(edit_text(s.TRAIN_FILE, lambda t: t.replace('"Sales"', '"sales"')), s.TRAIN_FILE, 1,
                             "sales", r"unexpected column \(did you mean `Sales`\?"),
    "a column name with a zero-width space": Bad(  # it looked like `Sales`, reported missing beside it
        edit_text(s.TRAIN_FILE, lambda t: t.replace('"Sales"', '"Sales\u200b"')), s.TRAIN_FILE, 1, "Sales\u200b",
        r"unexpected column \(did you mean `Sales`\? the name holds the invisible character U\+200B: retype it\)"),
    "unparsable date": Bad(set_cell(s.TRAIN_FILE, 3, s.DATE, "2015-02-30"), s.TRAIN_FILE, 3, s.DATE,
                           r"expected a date 2000-01-01\.\.2099-12-31 written YYYY-MM-DD, got '2015-02-30'"),
    "Date in Arabic-Indic digits": Bad(set_cell(s.TRAIN_FILE, 3, s.DATE, "\u0662\u0660\u0661\u0665-06-19"),
                                       s.TRAIN_FILE, 3, s.DATE, r"expected a date .* written YYYY-MM-DD, got"),
    "every Date written day.month.year": Bad(  # was 7 identical problems (200 and "N more" in a real file)
        edit_text(s.TRAIN_FILE, lambda t: re.sub(r"(\d{4})-(\d\d)-(\d\d)", r"\3.\2.\1", t)), s.TRAIN_FILE, None,
        s.DATE, r"expected a date 2000-01-01\.\.2099-12-31 written YYYY-MM-DD, got '19\.06\.2015' \(day\.month\.year\) "
                r"on line 2, and not one of the 7 lines holds such a value: correct the whole column"),
    "a closed day without Sales": Bad(  # was "got an empty value: correct the value", not saying which
        set_cell(s.TRAIN_FILE, 4, s.SALES, ""), s.TRAIN_FILE, 4, s.SALES,
        r"expected a whole number 0\.\.2147483647, got an empty value on a closed day \(Open = 0\): write 0, as it "
        r"sold nothing"),
    "every Sales empty": Bad(edit_text(s.TRAIN_FILE, _csv(lambda d: d.assign(Sales=""))), s.TRAIN_FILE, None, s.SALES,
                             r"expected a whole number 0\.\.2147483647, got an empty value on line 2, and not one of "
                             r"the 7 lines holds such a value: correct the whole column"),
    "a Date without its leading zeros": Bad(  # was "expected ... YYYY-MM-DD, got '2015-6-9'" without the fix
        set_cell(s.TRAIN_FILE, 3, s.DATE, "2015-6-9"), s.TRAIN_FILE, 3, s.DATE,
        r"expected a date .* got '2015-6-9' \(a month or day without its leading zero: write 2015-06-09\): correct "
        r"the value"),
    "a Date as Excel's day number": Bad(
        set_cell(s.TRAIN_FILE, 3, s.DATE, "42174"), s.TRAIN_FILE, 3, s.DATE,
        r"expected a date .* got '42174' \(an Excel day number: format the column as a date, yyyy-mm-dd, before "
        r"saving\): correct the value"),
    "a Date with a time of day": Bad(
        set_cell(s.TRAIN_FILE, 3, s.DATE, "2015-06-19 13:00:00"), s.TRAIN_FILE, 3, s.DATE,
        r"expected a date .* got '2015-06-19 13:00:00' \(a date with a time of day: write the date alone\): correct"),
    "Date without leading zeros": Bad(set_cell(s.TRAIN_FILE, 3, s.DATE, "2015-6-1"), s.TRAIN_FILE, 3, s.DATE,
                                      r"expected a date .* written YYYY-MM-DD, got '2015-6-1'"),
    "non-numeric Sales": Bad(set_cell(s.TRAIN_FILE, 4, s.SALES, "lots"), s.TRAIN_FILE, 4, s.SALES,
                             r"expected a whole number 0\.\.2147483647, got 'lots': correct the value"),
    # Python's int() reads these (as 12 and 10); the file must not mean something other than it shows
    "Sales in Arabic-Indic digits": Bad(set_cell(s.TRAIN_FILE, 4, s.SALES, "\u0661\u0662"), s.TRAIN_FILE, 4,
                                        s.SALES, r"expected a whole number 0\.\.2147483647, got '\u0661\u0662'"),
    "Sales with an underscore": Bad(set_cell(s.TRAIN_FILE, 4, s.SALES, "1_0"), s.TRAIN_FILE, 4, s.SALES,
                                    r"expected a whole number 0\.\.2147483647, got '1_0'"),
    "test Store in full-width digits": Bad(set_cell(s.TEST_FILE, 3, s.STORE, "\uff12"), s.TEST_FILE, 3, s.STORE,
                                           r"expected a store number .*, got '\uff12'"),
    # "12.0" is 12 (spreadsheets export whole numbers so), but three decimals are a German thousands separator:
    # "4.100" and a Store "1.000" passed as 4 and 1
    "Sales with a thousands comma": Bad(set_cell(s.TRAIN_FILE, 4, s.SALES, "4,100"), s.TRAIN_FILE, 4, s.SALES,
                                        r"expected a whole number 0\.\.2147483647, got '4,100' \(a thousands "
                                        r"separator\? write 4100\): correct the value"),
    "Sales with a no-break space as thousands separator": Bad(  # was "got '4\xa0100'" alone: the space does not show
        set_cell(s.TRAIN_FILE, 4, s.SALES, "4\u00a0100"), s.TRAIN_FILE, 4, s.SALES,
        r"expected a whole number 0\.\.2147483647, got '4\\xa0100' \(a thousands separator\? write 4100\): correct"),
    "Sales with a thousands dot": Bad(set_cell(s.TRAIN_FILE, 4, s.SALES, "4.100"), s.TRAIN_FILE, 4, s.SALES,
                                      r"expected a whole number 0\.\.2147483647, got '4\.100'"),
    "test Store with a thousands dot": Bad(set_cell(s.TEST_FILE, 3, s.STORE, "1.000"), s.TEST_FILE, 3, s.STORE,
                                           r"expected a store number .*, got '1\.000'"),
    "fractional Sales": Bad(set_cell(s.TRAIN_FILE, 5, s.SALES, "480.5"), s.TRAIN_FILE, 5, s.SALES,
                            r"expected a whole number 0\.\.2147483647, got '480\.5'"),
    "negative Sales": Bad(set_cell(s.TRAIN_FILE, 5, s.SALES, "-20"), s.TRAIN_FILE, 5, s.SALES,
                          r"expected a whole number 0\.\.2147483647, got '-20'"),
    # a valid int64, but the report's sums over such rows wrapped round to negative numbers ("a customer spends
    # -20783564986524.16"), without a word
    "Sales near int64's maximum": Bad(set_cell(s.TRAIN_FILE, 3, s.SALES, str(2**63 - 1)), s.TRAIN_FILE, 3, s.SALES,
                                      r"expected a whole number 0\.\.2147483647, got '9223372036854775807'"),
    "Customers beyond int32": Bad(set_cell(s.TRAIN_FILE, 3, s.CUSTOMERS, "2147483648"), s.TRAIN_FILE, 3,
                                  s.CUSTOMERS, r"expected a whole number 0\.\.2147483647, got '2147483648'"),
    "negative Customers": Bad(set_cell(s.TRAIN_FILE, 6, s.CUSTOMERS, "-1"), s.TRAIN_FILE, 6, s.CUSTOMERS,
                              r"expected a whole number 0\.\.2147483647, got '-1'"),
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
    "only a byte order mark": Bad(  # what Excel saves for an empty sheet: was an IndexError traceback
        edit_bytes(s.TEST_FILE, lambda b: b"\xef\xbb\xbf"), s.TEST_FILE, 1, None,
        r"file is empty: expected a header line of test\.csv"),
    "header only": Bad(edit_text(s.TRAIN_FILE, lambda t: t.splitlines(True)[0]), s.TRAIN_FILE, 2, None,
                       "no data rows: expected data lines after the header"),
    "truncated last line": Bad(edit_text(s.TRAIN_FILE, lambda t: CUT), s.TRAIN_FILE, 8, None,
                               "expected 9 fields, got 7: the last line is cut short, the file looks truncated"),
    "last line longer than the tail read": Bad(  # its cut start used to be reported as a truncated file
        add_line(s.TRAIN_FILE, '1,3,2015-06-17,4000,' + "9" * 5000 + ',1,1,"0","0"'), s.TRAIN_FILE, 9,
        s.CUSTOMERS, r"expected a whole number 0\.\.2147483647, got '9{20}"),
    "last line with a field over 128 KiB": Bad(  # over the csv module's field limit: was a csv.Error traceback
        add_line(s.TRAIN_FILE, '1,3,2015-06-17,4000,' + "9" * 200_000 + ',1,1,"0","0"'), s.TRAIN_FILE, 9,
        s.CUSTOMERS, r"expected a whole number 0\.\.2147483647, got '9{20}"),
    "first data line with a field over 128 KiB": Bad(  # read to count its fields: was a csv.Error traceback
        set_cell(s.TRAIN_FILE, 2, s.CUSTOMERS, "9" * 200_000), s.TRAIN_FILE, 2, s.CUSTOMERS,
        r"expected a whole number 0\.\.2147483647, got '9{20}"),
    "a byte that is no UTF-8 after 128 KiB of one field": Bad(  # located by its field: was a csv.Error traceback
        edit_bytes(s.TRAIN_FILE, lambda b: b.replace(b",480,", b"," + b"9" * 200_000 + b"\xe9,")), s.TRAIN_FILE, 5,
        s.CUSTOMERS, r"expected UTF-8 text, got byte b'\\xe9'"),
    "a Ctrl-Z after 128 KiB of one field": Bad(  # located by its field: was a csv.Error traceback
        edit_bytes(s.TRAIN_FILE, lambda b: b.replace(b",480,", b"," + b"9" * 200_000 + b"\x1a,")), s.TRAIN_FILE, 5,
        s.CUSTOMERS, r"expected text, got Ctrl-Z"),
    # str.splitlines breaks there too, so the last line's tail was taken for a line "cut short, truncated"
    "a form feed in the last line": Bad(add_line(s.TRAIN_FILE, '1,3,2015-06-17,4000\f,400,1,1,"0","0"'), s.TRAIN_FILE,
                                        9, s.SALES, r"expected a whole number 0\.\.2147483647, got '4000\\x0c'"),
    "a line separator U+2028 in the last line": Bad(
        add_line(s.TRAIN_FILE, '1,3,2015-06-17,4000,400,1,1,"0\u2028","0"'), s.TRAIN_FILE, 9, s.STATE_HOLIDAY,
        r"expected one of 0 \(none\), .*, got '0\\u2028'"),
    "no open day with Sales": Bad(  # valid line by line, but cleaning and training failed on the empty set
        edit_text(s.TRAIN_FILE, _csv(lambda d: d.assign(Open="0", Sales="0", Customers="0"))), s.TRAIN_FILE, None,
        s.SALES, r"expected at least one open day with Sales > 0, got none in 7 row\(s\)"),
    "blank line inside": Bad(edit_text(s.TRAIN_FILE, lambda t: t.replace("\n1,4,", "\n\n1,4,")), s.TRAIN_FILE, 5,
                             None, "expected a data row, got an empty line: remove it"),
    "a line of spaces inside": Bad(edit_text(s.TRAIN_FILE, lambda t: t.replace("\n1,4,", "\n   \n1,4,")),
                                   s.TRAIN_FILE, 5, None, "expected a data row, got an empty line: remove it"),
    "header line repeated inside": Bad(  # two files joined: was one "got 'Store'" problem per cell
        edit_text(s.TRAIN_FILE, lambda t: t.replace("\n1,4,", "\n" + t.splitlines()[0] + "\n1,4,")), s.TRAIN_FILE,
        5, None, r"expected a data row, got the header line again \(two files joined into one\?\): remove it"),
    "too many fields": Bad(edit_text(s.TRAIN_FILE, lambda t: t.replace('480,1,1,0,"1"', '480,1,1,0,"1",9')),
                           s.TRAIN_FILE, 5, None, "expected 9 fields, got 10: a stray comma"),
    "too many fields on the first data line": Bad(  # pandas would read the first column as the index
        edit_text(s.TRAIN_FILE, lambda t: t.replace("\n", ",9\n", 2).replace(",9\n", "\n", 1)), s.TRAIN_FILE, 2,
        None, "expected 9 fields, got 10: a stray comma"),
    "too many fields on the first test line": Bad(
        edit_text(s.TEST_FILE, lambda t: t.replace("\n", ",9\n", 2).replace(",9\n", "\n", 1)), s.TEST_FILE, 2,
        None, "expected 8 fields, got 9: a stray comma"),
    "too many fields on a first data line longer than 64 KiB": Bad(  # pandas dropped the extra field, warning only
        edit_text(s.TRAIN_FILE, lambda t: t.replace('"0","0"\n', '"0","0","' + "x" * 70_000 + '"\n', 1)),
        s.TRAIN_FILE, 2, None, "expected 9 fields, got 10: a stray comma"),
    "too few fields in store.csv": Bad(  # its last columns may be empty: pandas' padding used to pass the line
        edit_text(s.STORE_FILE, lambda t: t.replace(',13,2010,"Jan,Apr,Jul,Oct"', ",13")), s.STORE_FILE, 3, None,
        "expected 10 fields, got 8: a value or a comma is missing"),
    "too few fields inside train.csv": Bad(edit_text(s.TRAIN_FILE, lambda t: t.replace('480,1,1,0,"1"', "480,1,1,0")),
                                           s.TRAIN_FILE, 5, None, "expected 9 fields, got 8: a value or a comma"),
    "a quote left open that swallows a comma": Bad(  # was "a value or a comma is missing"
        edit_text(s.TRAIN_FILE, lambda t: t.replace('544,1,1,"0","0"', '544,1,1,"0,"0"')), s.TRAIN_FILE, 3,
        s.STATE_HOLIDAY, r"expected 9 fields, got 8: the quote opened in this column is never closed \(the line has "
                         r"an odd number of quotes\), so the comma after it was read as part of the value "
                         r"\('0,0\"'\): add the closing quote, or remove the opening one"),
    "a quote left open in store.csv beside a PromoInterval": Bad(
        edit_text(s.STORE_FILE, lambda t: t.replace('2,"a","a",570', '2,"a,"a",570')), s.STORE_FILE, 3,
        s.STORE_TYPE, r"expected 10 fields, got 9: the quote opened in this column is never closed"),
    "too few fields with a stray quote inside a value": Bad(  # no quote swallowed a comma: the line is short
        edit_text(s.TRAIN_FILE, lambda t: t.replace('4100,480,1,1,0,"1"', '4100",480,1,1,0')), s.TRAIN_FILE, 5, None,
        "expected 9 fields, got 8: a value or a comma is missing"),
    "unclosed quote": Bad(edit_text(s.STORE_FILE, lambda t: t.replace('Sept,Dec"', "Sept,Dec")), s.STORE_FILE, 4,
                          None, "a quote opened here is never closed"),
    # pandas reads such a value as one row: every later line was named one too early
    "a line break inside a quoted value": Bad(
        edit_text(s.TEST_FILE, lambda t: t.replace('2,2,4,2015-09-17,,1,"0"', '2,2,4,2015-09-17,,1,"0\n"')),
        s.TEST_FILE, 3, None, "expected one line per row, got a quoted value that runs on to line 4: close the "
                              "quote on its own line, or remove the line break"),
    "a quote left open on the first data line": Bad(  # its extra fields were dropped with a pandas warning
        edit_text(s.STORE_FILE, lambda t: t.replace('0,,,""\n2,', '0,,,"\n2,', 1)), s.STORE_FILE, 2, None,
        "expected one line per row, got a quoted value that runs on to line 3"),
    "semicolon-separated": Bad(edit_text(s.TRAIN_FILE, lambda t: t.replace(",", ";")), s.TRAIN_FILE, 1, None,
                               "expected columns separated by commas, got semicolons"),
    "tab-separated": Bad(edit_text(s.TEST_FILE, lambda t: t.replace(",", "\t")), s.TEST_FILE, 1, None,
                         "expected columns separated by commas, got tabs"),
    "gzip bytes": Bad(edit_bytes(s.TRAIN_FILE, gzip.compress), s.TRAIN_FILE, 1, None,
                      r"gzip-compressed data: unpack it first"),
    "Excel workbook": Bad(edit_bytes(s.STORE_FILE, lambda b: b"PK\x03\x04" + bytes(200)), s.STORE_FILE, 1, None,
                          "a zip archive or an Excel workbook"),
    # not CSV text under a .csv name: each was "binary data", or a column problem per JSON field or HTML tag
    "a parquet file named .csv": Bad(edit_bytes(s.TRAIN_FILE, lambda b: b"PAR1" + bytes(200) + b"PAR1"),
                                     s.TRAIN_FILE, 1, None, r"a parquet file, not CSV text: name it train\.parquet"),
    "bzip2 bytes": Bad(edit_bytes(s.TRAIN_FILE, bz2.compress), s.TRAIN_FILE, 1, None,
                       r"bzip2-compressed data: unpack it first \(bunzip2 -k FILE\.bz2\)"),
    "xz bytes": Bad(edit_bytes(s.STORE_FILE, lzma.compress), s.STORE_FILE, 1, None,
                    r"xz-compressed data: unpack it first \(unxz -k FILE\.xz\)"),
    "a JSON file": Bad(edit_text(s.TRAIN_FILE, lambda t: pd.read_csv(io.StringIO(t)).to_json(orient="records")),
                       s.TRAIN_FILE, 1, None, r"JSON, expected comma-separated text: convert it to CSV"),
    "an HTML page": Bad(edit_text(s.TEST_FILE, lambda t: "\n<!DOCTYPE html>\n<html><body>Sign in</body></html>\n"),
                        s.TEST_FILE, 1, None, r"an HTML page \(an error or login page saved in place of the data\?\)"),
    "a Git LFS pointer": Bad(
        edit_text(s.TRAIN_FILE, lambda t: "version https://git-lfs.github.com/spec/v1\noid sha256:0a1b\nsize 3629\n"),
        s.TRAIN_FILE, 1, None, r"a Git LFS pointer, not the data: fetch the file itself \(git lfs pull\)"),
    "an empty line before the header": Bad(edit_text(s.STORE_FILE, lambda t: "\n" + t), s.STORE_FILE, 1, None,
                                           "expected the header line of store.csv, got an empty line: remove the empty "
                                           "lines above the header"),
    "Excel's sep= line before the header": Bad(
        edit_text(s.TRAIN_FILE, lambda t: "sep=,\n" + t), s.TRAIN_FILE, 1, None,
        r"expected the header line of train\.csv, got Excel's separator hint 'sep=,': remove that line"),
    "a comment line before the header": Bad(
        edit_text(s.TEST_FILE, lambda t: "# exported 2015-09-01\n" + t), s.TEST_FILE, 1, None,
        r"expected the header line of test\.csv, got a comment '# exported 2015-09-01': remove that line"),
    "UTF-16 text": Bad(edit_bytes(s.TRAIN_FILE, lambda b: b.decode().encode("utf-16")), s.TRAIN_FILE, 1, None,
                       "UTF-16 text, expected UTF-8"),
    "a spreadsheet's empty columns at the end of every line": Bad(  # was one problem per empty column
        edit_text(s.TRAIN_FILE, lambda t: t.replace("\n", ",,,,,,\n")), s.TRAIN_FILE, 1, None,
        r"columns 10\.\.15 have no name \(commas at the end of the header line, as a spreadsheet leaves after "
        r"cleared columns\?\): expected only Store, .*; delete those columns"),
    "a pandas index saved with the rows": Bad(  # df.to_csv(path): was "a comma too many on the header line?"
        edit_text(s.TRAIN_FILE, lambda t: pd.read_csv(io.StringIO(t), dtype=str).to_csv()), s.TRAIN_FILE, 1, None,
        r"column 1 has no name \(a pandas index, which DataFrame\.to_csv writes unless index=False\?\): expected "
        r"only Store, .*; remove it"),
    "a pandas index read back and saved again": Bad(
        edit_text(s.TEST_FILE, lambda t: pd.read_csv(io.StringIO(t), dtype=str).rename_axis("Unnamed: 0").to_csv()),
        s.TEST_FILE, 1, "Unnamed: 0", r"unexpected column \(a pandas index, which DataFrame\.to_csv writes unless "
                                      r"index=False\?\): expected only Id, .*; remove it"),
    "a space before each quoted name": Bad(  # was a missing and an unexpected column for each name but the first
        edit_text(s.STORE_FILE, lambda t: t.replace('","', '", "', 3)), s.STORE_FILE, 1, None,
        r"expected the column names Store, .*, got \"StoreType\", \"Assortment\", \"CompetitionDistance\" with a "
        r"space or tab before the opening quote, which CSV reads as part of each name: remove the spaces and tabs "
        "after the commas of the header line"),
    "a Ctrl-Z at the end": Bad(  # an old DOS end-of-file mark: was "the last line is cut short ... truncated"
        edit_bytes(s.STORE_FILE, lambda b: b + b"\x1a"), s.STORE_FILE, 5, None,
        r"expected a data row, got Ctrl-Z \(\\x1a, an old DOS end-of-file mark\): remove it"),
    "the State in store.csv": Bad(  # Kaggle kernels merge store_states.csv into store.csv
        edit_text(s.STORE_FILE, _csv(lambda d: d.assign(State="HE"))), s.STORE_FILE, 1, s.STATE,
        r"unexpected column \(a store's State is read from external/store_states\.csv, as Store,State: move the "
        r"column there\)"),
    "UTF-16 text without a byte order mark": Bad(edit_bytes(s.STORE_FILE, lambda b: b.decode().encode("utf-16-le")),
                                                 s.STORE_FILE, 1, None, "UTF-16 text, expected UTF-8"),
    "UTF-32 text": Bad(edit_bytes(s.STORE_FILE, lambda b: b.decode().encode("utf-32")), s.STORE_FILE, 1, None,
                       "UTF-32 text, expected UTF-8"),  # was "UTF-16 text"
    # what a crash or an interrupted copy leaves: was "UTF-16 text" (NULs at every position looked like it)
    "a file padded with NUL bytes": Bad(edit_bytes(s.TRAIN_FILE, lambda b: b + bytes(4096)), s.TRAIN_FILE, 9, None,
                                        r"the file ends in NUL bytes \(\\x00\) from here on, as a crash or an "
                                        r"interrupted copy leaves, the file looks truncated"),
    "a big file padded with NUL bytes": Bad(  # the padding past the first 64 KiB: was "the last line is cut short"
        edit_bytes(s.TRAIN_FILE, lambda b: b + b'1,5,2015-06-19,4202,487,1,1,"0","0"\n' * 3000 + bytes(100)),
        s.TRAIN_FILE, 8 + 3000 + 1, None, r"the file ends in NUL bytes \(\\x00\) from here on"),
    "a NUL byte in a line": Bad(edit_bytes(s.TRAIN_FILE, lambda b: b.replace(b"\n1,4,", b"\n1,4\x00,")), s.TRAIN_FILE,
                                5, None, r"expected text, got a NUL byte \(\\x00\): the file is damaged"),  # "binary"
    "lines ending in CR CR LF": Bad(  # was "expected a data row, got an empty line" on every other line
        edit_bytes(s.TRAIN_FILE, lambda b: b.replace(b"\n", b"\r\r\n")), s.TRAIN_FILE, 1, None,
        r"expected lines ending in LF or CR LF, got CR CR LF \(a file converted to Windows line ends twice\)"),
    # pandas ends a line at a lone CR: its two halves were "expected 9 fields, got 4" and "got 6", and every later
    # line was named one too late ("line 11" for what an editor and grep -n call line 10)
    "a lone CR inside a line": Bad(
        edit_bytes(s.TRAIN_FILE, lambda b: b.replace(b",4100,", b",4100\r,")), s.TRAIN_FILE, 5, s.SALES,
        r"expected lines ending in LF or CR LF, got a lone carriage return \(\\r\) inside the line, which splits it in "
        r"two \(a line break pasted into a cell\?\): remove it \(1 lone CR\(s\) in the file\)"),
    "data lines separated by semicolons": Bad(  # was "the last line is cut short, the file looks truncated"
        edit_bytes(s.TRAIN_FILE, lambda b: b.split(b"\n", 1)[0] + b"\n" + b.split(b"\n", 1)[1].replace(b",", b";")),
        s.TRAIN_FILE, 2, None, r"expected 9 fields separated by commas, got semicolons"),
    "two files with byte order marks joined": Bad(  # was one bad value per cell of the second header
        edit_bytes(s.TEST_FILE, lambda b: b"\xef\xbb\xbf" + b + b"\xef\xbb\xbf" + b), s.TEST_FILE, 6, None,
        r"expected a data row, got the header line again \(two files joined into one\?\)"),
    "Latin-1 text": Bad(edit_bytes(s.STORE_FILE, lambda b: b.replace(b'3,"d"', b'3,"\xe4"')), s.STORE_FILE, 4,
                        s.STORE_TYPE, r"expected UTF-8 text, got byte b'\\xe4' \(that is 'ä' in Windows-1252"),
    "StateHoliday in typographic quotes": Bad(  # was "got '\u201c0\u201d'" alone, the quotes hard to tell apart
        set_cell(s.TRAIN_FILE, 3, s.STATE_HOLIDAY, "\u201c0\u201d"), s.TRAIN_FILE, 3, s.STATE_HOLIDAY,
        r"expected one of 0 \(none\), .*, got '\u201c0\u201d' \(in typographic quotes, as a word processor or a web "
        r"page writes them: write 0, in straight quotes or none\): correct the value"),
    "StoreType in German quotes": Bad(
        set_cell(s.STORE_FILE, 2, s.STORE_TYPE, "\u201ec\u201c"), s.STORE_FILE, 2, s.STORE_TYPE,
        r"expected one of a, b, c, d, got '\u201ec\u201c' \(in typographic quotes, .*: write c, "),
    "unknown StoreType": Bad(set_cell(s.STORE_FILE, 2, s.STORE_TYPE, "e"), s.STORE_FILE, 2, s.STORE_TYPE,
                             "expected one of a, b, c, d, got 'e'"),
    "unknown Assortment": Bad(set_cell(s.STORE_FILE, 3, s.ASSORTMENT, "z"), s.STORE_FILE, 3, s.ASSORTMENT,
                              "expected one of a, b, c, got 'z'"),
    "non-numeric CompetitionDistance": Bad(set_cell(s.STORE_FILE, 2, s.COMPETITION_DISTANCE, "near"), s.STORE_FILE,
                                           2, s.COMPETITION_DISTANCE, r"expected a distance in metres 0\.\.40000000 "
                                                                      r"\(or empty when unknown\), got 'near'"),
    "CompetitionDistance of 1e308": Bad(  # finite, but the imputer's fill (twice a quantile) became inf
        set_cell(s.STORE_FILE, 2, s.COMPETITION_DISTANCE, "1e308"), s.STORE_FILE, 2, s.COMPETITION_DISTANCE,
        r"expected a distance in metres 0\.\.40000000 \(or empty when unknown\), got '1e308'"),
    # read as 1.27 metres without a word; whole-number columns already refused "4.100"
    "CompetitionDistance with a thousands dot": Bad(
        set_cell(s.STORE_FILE, 2, s.COMPETITION_DISTANCE, "1.270"), s.STORE_FILE, 2, s.COMPETITION_DISTANCE,
        r"expected a distance in metres 0\.\.40000000 \(or empty when unknown\), got '1\.270' \(a thousands "
        r"separator, or a decimal\? write 1270, or 1\.27 without the zeros\): correct the value"),
    "CompetitionDistance with a decimal comma": Bad(
        set_cell(s.STORE_FILE, 3, s.COMPETITION_DISTANCE, "570,5"), s.STORE_FILE, 3, s.COMPETITION_DISTANCE,
        r"expected a distance in metres .*, got '570,5' \(a decimal comma\? write 570\.5\): correct the value"),
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
                                       r"expected a store number \(a whole number 1\.\.2147483647\), got 'x'"),
    "Store beyond int32": Bad(  # cast to int32 it used to wrap to Store 1 and pass
        set_cell(s.TRAIN_FILE, 3, s.STORE, "4294967297"), s.TRAIN_FILE, 3, s.STORE,
        r"expected a store number \(a whole number 1\.\.2147483647\), got '4294967297'"),
    "test Store beyond int32": Bad(set_cell(s.TEST_FILE, 2, s.STORE, "2147483648"), s.TEST_FILE, 2, s.STORE,
                                   r"expected a store number \(a whole number 1\.\.2147483647\), got '2147483648'"),
    "fractional CompetitionOpenSinceMonth": Bad(
        set_cell(s.STORE_FILE, 2, s.COMPETITION_OPEN_SINCE_MONTH, "6.5"), s.STORE_FILE, 2,
        s.COMPETITION_OPEN_SINCE_MONTH, r"expected a month 1\.\.12 \(or empty when unknown\), got '6\.5'"),
    "fractional Promo2SinceWeek": Bad(set_cell(s.STORE_FILE, 3, s.PROMO2_SINCE_WEEK, "13.5"), s.STORE_FILE, 3,
                                      s.PROMO2_SINCE_WEEK, r"expected an ISO week 1\.\.53 .*got '13\.5'"),
    "Promo2SinceWeek 53 in a year of 52 weeks": Bad(  # was read as week 1 of 2011 without a word
        set_cell(s.STORE_FILE, 3, s.PROMO2_SINCE_WEEK, "53"), s.STORE_FILE, 3, s.PROMO2_SINCE_WEEK,
        r"expected an ISO week 1\.\.52 for Promo2SinceYear 2010, got 53: ISO year 2010 has 52 weeks"),
    "fractional Promo2SinceYear": Bad(set_cell(s.STORE_FILE, 4, s.PROMO2_SINCE_YEAR, "2011.25"), s.STORE_FILE, 4,
                                      s.PROMO2_SINCE_YEAR, r"expected a year 1900\.\.2100 .*got '2011\.25'"),
    "duplicate Store in states": Bad(add_line(s.STATES_FILE, "1,BY"), s.STATES_FILE, 5, s.STORE,
                                     r"expected each \(Store\) once, got \(Store=1\) again, first on line 2"),
    "empty State": Bad(set_cell(s.STATES_FILE, 4, s.STATE, ""), s.STATES_FILE, 4, s.STATE,
                       "expected a state code such as NW or HB,NI, got an empty value"),
    "store without a state": Bad(drop_line(s.STATES_FILE, 4), s.STATES_FILE, None, s.STORE,
                                 r"expected a row for every store of store\.csv, got none for Store 3 "
                                 r"\(store\.csv line 4\)"),
}


