"""Load and validate the Rossmann-shaped CSV files into typed DataFrames.

Every command that reads a data directory comes through here first, so a bad file stops the job
before anything is computed or written. Problems are collected, not raised one by one: a
`DataContractError` lists each as ``file, line N, column `X`: message`` (line 1 is the header).
Parquet (train.parquet or train/part-*.parquet, store.parquet, test.parquet; any file named ``.parquet`` or
``.pq``, in any letter case: ``is_parquet``) is read into the same text frame (data/_parquetfile.py), so the
same rules and messages apply; its problems say ``file, row N``.

Returned dtypes
---------------
train: Store int32, DayOfWeek int8, Date datetime64[ns], Sales int64, Customers int64, Open int8,
       Promo int8, StateHoliday category("0","a","b","c"), SchoolHoliday int8
test:  Id int64, Store int32, DayOfWeek int8, Date datetime64[ns], Open int8 (missing -> 1),
       Promo int8, StateHoliday category, SchoolHoliday int8
store: Store int32, StoreType category(a-d), Assortment category(a-c), CompetitionDistance float64,
       CompetitionOpenSinceMonth/Year float64, Promo2 int8, Promo2SinceWeek/Year float64,
       PromoInterval object (NaN when none), State object (only when external/store_states.csv exists)
"""

from __future__ import annotations

__all__ = ["Dataset", "load_train", "load_store", "load_test", "load_rows", "load_dataset", "validate_rows",
           "data_file", "is_parquet", "parquet_frame", "parquet_parts", "train_parts", "cannot_read",
           "read_text_chunks", "count_missing_open", "warn_missing_open", "Respellings", "packed_hint",
           "cell_problem", "EXPECTED", "as_rows", "check_cell_types", "parquet_text", "train_files",
           "input_files", "scan_lines", "LineScan", "RowProblem", "not_a_file", "MAX_REPORTED", "rows_layout",
           "unknown_store_problems", "warn_stores_without_history", "no_sales_day_problem", "FLAG_COLUMNS",
           "FLAG_WORDS", "flag_words", "flag_words_problem", "column_problem", "unparsed_cells", "repeat_message",
           "not_listed"]

import datetime as dt
import functools
import logging
import os
import re
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from storecast import schema as s
from storecast.data._csvfile import (
    HEADER_AGAIN,
    LineScan,
    header_again,
    read_text_chunks,
    read_text_frame,
    scan_lines,
)
from storecast.data._csvheader import read_header
from storecast.data._dates import date_hint, parse_dates
from storecast.data._filecheck import cannot_read, misplaced, not_a_file, packed_hint, problem
from storecast.data._numbers import number_hint, thousands_dots, whole_numbers
from storecast.data._parquetfile import (
    as_rows,
    check_cell_types,
    data_file,
    input_files,
    is_parquet,
    no_parts_beside,
    parquet_columns,
    parquet_frame,
    parquet_parts,
    parquet_text,
    read_parquet_text_frame,
    train_files,
    train_parts,
)
from storecast.data._rows import RowProblem, no_open_value, validate_rows, weekday_mismatch
from storecast.data._schemas import EXPECTED, REQUIRED, TYPES, VALUES, shown_text
from storecast.data._spellings import Respellings
from storecast.data._store_facts import warn_promo2_facts
from storecast.errors import ContractProblem, DataContractError, first_and_more

log = logging.getLogger(__name__)


def _place_word(path: Path) -> str:
    """How a message names a place in ``path``: "row" in parquet (rows from 1), "line" in CSV (the header is line 1)."""
    return "row" if is_parquet(path) else "line"

MAX_REPORTED = 200  # problems kept per file and kind; the error says how many more there were
_FIX = "correct the value or remove the {}"  # the line of a CSV file, the row of a parquet one
_UNIQUE_CHECKS = ("multiple_fields_uniqueness", "field_uniqueness")


@dataclass(frozen=True)
class Dataset:
    """The validated files of one data directory."""

    root: Path
    train: pd.DataFrame
    store: pd.DataFrame
    test: pd.DataFrame | None = None
    states_rows: int | None = None  # external/store_states.csv's own row count; None when the file is absent


def _shown(value: Any) -> str:
    if value is None or (np.ndim(value) == 0 and pd.isna(value)):
        return "an empty value"
    return shown_text(str(value))


# Number columns whose bad text may be a number written another way (``number_hint``); True: whole numbers
_NUMBERS = {**dict.fromkeys((s.STORE, s.DAY_OF_WEEK, s.SALES, s.CUSTOMERS, s.OPEN, s.PROMO, s.SCHOOL_HOLIDAY, s.ID,
                             s.PROMO2), True),
            **dict.fromkeys((s.COMPETITION_DISTANCE, s.COMPETITION_OPEN_SINCE_MONTH, s.COMPETITION_OPEN_SINCE_YEAR,
                             s.PROMO2_SINCE_WEEK, s.PROMO2_SINCE_YEAR), False)}


# Opening and closing quotes a word processor or a web page writes (English, German, French, single): a CSV
# reader keeps them as part of the value, and in a message they look much like the straight quotes around it
_TYPOGRAPHIC = re.compile("[\u201c\u201e\u201d\u00ab\u2018\u201a\u2019\u2039](.*)"
                          "[\u201d\u201c\u00bb\u2019\u2018\u203a]")


def _hint(column: str, raw_value: object) -> str:
    """What a bad cell most likely is (a date or a number written another way, a value in typographic quotes), for
    the message; else ""."""
    if not isinstance(raw_value, str):
        return ""
    if quoted := _TYPOGRAPHIC.fullmatch(raw_value.strip(" \t")):
        return (" (in typographic quotes, as a word processor or a web page writes them: write "
                f"{quoted[1]}, in straight quotes or none)")
    if column == s.DATE:
        return date_hint(raw_value)
    return number_hint(raw_value, whole=_NUMBERS[column]) if column in _NUMBERS else ""


def _cell_message(column: str, raw_value: object, path: Path) -> str:
    """``expected X, got Y: fix``: the same sentence whether the cell failed to parse or failed a rule."""
    expected = EXPECTED.get(column, "a valid value")
    hint = _hint(column, raw_value)
    return f"expected {expected}, got {_shown(raw_value)}{hint}: {_FIX.format(_place_word(path))}"


def cell_problem(path: Path, raw: pd.DataFrame, i: int, column: str) -> ContractProblem:
    """The whole read's problem for the bad cell of ``raw`` at index ``i`` (its line ``i + 2``, or parquet row).

    ``raw`` is the text frame as read (``read_text_chunks``, ``parquet_text``). Why public: a file read in chunks
    (``batch.iter_rows``) words its bad cells with this, so the same cell reads the same either way.
    """
    found = _bad_cell(path, raw, i, column)
    return as_rows(found) if is_parquet(path) else found


def _bad_cell(path: Path, raw: pd.DataFrame, i: int, column: str) -> ContractProblem:
    """The bad cell of ``raw`` at index ``i``, at its line ``i + 2`` (a whole parquet read renumbers it later)."""
    message = _closed_day_message(raw, i, column) or _cell_message(column, raw.at[i, column], path)
    return problem(path, message, i + 2, column)


def not_listed(path: Path, total: int, what: str) -> list[ContractProblem]:
    """The note that says how many more of a kind there are, with the true total (it is sorted first).

    Why public: a file read in chunks (``chunk_rules.BadCells``) says its bad cells' count in these words.
    """
    if total <= MAX_REPORTED:
        return []
    return [problem(path, f"{total - MAX_REPORTED:,} more {what} not listed "
                          f"(the first {MAX_REPORTED} of {total:,} are)")]


def _duplicate_problems(typed: pd.DataFrame, raw: pd.DataFrame, keys: list[str],
                        path: Path) -> list[ContractProblem]:
    """Report every repeat of a key once, pointing at the line that has it first.

    Counted with pandas over the whole typed frame, not from pandera's failure cases, so the total in
    the note is the true number of repeated rows however many pandera chose to report.
    """
    sub = typed[keys]
    repeat = sub.duplicated(keep="first").to_numpy()
    firsts = sub[~repeat].reset_index(names="_first")
    later = sub[repeat].head(MAX_REPORTED).reset_index(names="_at").merge(firsts, on=keys, how="left")
    names = "/".join(keys)
    out = []
    for at, first in zip(later["_at"], later["_first"], strict=True):
        shown = ", ".join(f"{k}={raw.at[at, k]}" for k in keys)
        out.append(problem(path, repeat_message(keys, shown, int(first) + 2), int(at) + 2, names))
    return out + not_listed(path, int(repeat.sum()), f"repeated {names} rows")


def repeat_message(keys: Sequence[str], shown: str, first_line: int) -> str:
    """The words of a key given twice (``shown``: ``Id=3``), its first row on line ``first_line`` of the file.

    Why public: a file read in chunks (``chunk_rules.repeat_problem``) says a key repeated across chunks in these words.
    """
    return (f"expected each ({', '.join(keys)}) once, got ({shown}) again, first on line {first_line}: "
            "remove one of the two lines")


def _run_schema(schema: pa.DataFrameSchema, df: pd.DataFrame, raw: pd.DataFrame,
                path: Path) -> tuple[pd.DataFrame, list[ContractProblem]]:
    """Validate ``df`` with pandera (all failures at once) and word each failure for a person.

    ``raw`` is the text frame as read, so messages show the value as written in the file.
    """
    try:
        return schema.validate(df, lazy=True), []
    except pa.errors.SchemaErrors as err:
        fc = err.failure_cases
    # after a failed coercion pandera also reports the dtype check of the same cell: keep one line per cell
    fc = fc[~fc["check"].astype(str).str.startswith("dtype(")]
    located = fc[fc["index"].notna()]
    problems: list[ContractProblem] = []
    unique = located["check"].isin(_UNIQUE_CHECKS)
    repeats = located[unique]
    # a repeated key is reported once per key column by pandera; one message per repeated row is enough
    repeats = repeats.assign(column=repeats["column"].where(repeats["check"] == "field_uniqueness", None))
    for check, column in repeats[["check", "column"]].drop_duplicates().itertuples(index=False):
        keys = list(schema.unique) if check == "multiple_fields_uniqueness" else [str(column)]
        problems += _duplicate_problems(df, raw, keys, path)
    cells = located[~unique].drop_duplicates(["index", "column"])
    for idx, column in zip(cells["index"].astype(int)[:MAX_REPORTED], cells["column"][:MAX_REPORTED],
                           strict=True):
        problems.append(problem(path, _cell_message(column, raw.at[idx, column], path), idx + 2, column))
    problems += not_listed(path, len(cells), "bad values")
    if not problems:  # failures without a row (never seen so far): still refuse, never return unchecked data
        problems = [problem(path, f"{row.check}: {row.failure_case}", column=row.column)
                    for row in fc.head(MAX_REPORTED).itertuples(index=False)]
    return df, problems


def _parse_column(text: pd.Series, dtype: str, column: str,
                  iso_length: bool | None = None, stored_float: bool = False) -> tuple[pd.Series, np.ndarray | None]:
    """Parse one text column to ``dtype``; return the values and the mask of cells that do not parse.

    ``iso_length`` is what the reader already knows of the column from its distinct values (parquet):
    ASCII of 10 characters; None checks it here, per cell. ``stored_float``: the file stores the column as
    floats (parquet), so its text is a float's own and never a thousands dot.
    """
    if dtype == "int64":  # rows with a bad cell are left out of the typed frame: their 0 is never read
        ints, bad = whole_numbers(text)
        return pd.Series(ints, index=text.index), bad if bad.any() else None
    if column == s.OPEN:  # a whole number like Promo; float64 only so that test.csv's may be empty
        ints, bad = whole_numbers(text)
        missing = no_open_value(text)  # the one rule of an Open without a value, as validate_rows reads it
        return pd.Series(np.where(missing, np.nan, ints), index=text.index), bad & ~missing
    if dtype == "float64":  # "8.750" is 8,750 metres written with a German thousands dot, not 8.75: refused
        values = pd.to_numeric(text, errors="coerce").astype("float64")
        bad = ((values.isna() & text.notna()) | np.isinf(values)).to_numpy()
        return values, bad if stored_float else bad | thousands_dots(text)
    if dtype.startswith("datetime"):
        return parse_dates(text, iso_length=bool(iso_length))
    return text, None  # text columns: their values are checked by the VALUES schema


def unparsed_cells(text: pd.Series, name: str, *, iso_length: bool | None = None,
                   stored_float: bool = False) -> np.ndarray | None:
    """The cells of ``text`` (a column of file ``name``'s layout, as read: text) that do not parse, by the rule of a
    whole read; None for a column that is not parsed (text, or not in the layout), and for a whole-number column
    every cell of which parses (``_parse_column``'s None: no mask to keep). ``iso_length`` and ``stored_float``: what
    ``parquet_text`` says of a parquet file's column (``_parse_column``).

    Why public: a file read in chunks (``chunk_rules.UnparsedColumns``) finds a column none of whose values parse
    by this rule, so that its one problem for the column is the whole read's.
    """
    spec = TYPES[name].columns.get(str(text.name))
    return None if spec is None else _parse_column(text, str(spec.dtype), str(text.name), iso_length,
                                                   stored_float)[1]


def _parse(raw: pd.DataFrame, name: str, path: Path) -> tuple[pd.DataFrame, list[ContractProblem]]:
    """Turn the text frame into the types ``TYPES[name]`` declares, locating every cell that does not parse.

    Vectorised on purpose: pandera's own coercion looks for failing cells one value at a time, which takes
    minutes for one bad date in train.csv's 970k rows. Rows with a bad cell are left out of the typed frame,
    so the value rules still run on (and report problems in) all other rows.
    """
    parsed, bad_cells, n_bad, whole = {}, [], 0, []
    bad_rows = np.zeros(len(raw), dtype=bool)  # every row with a bad cell, listed or not
    iso = raw.attrs.get("iso_length_text")  # the parquet reader's answers
    floats = raw.attrs.get("float_columns", ())
    for col, spec in TYPES[name].columns.items():
        dtype = str(spec.dtype)
        parsed[col], bad = _parse_column(raw[col], dtype, col, None if iso is None else col in iso, col in floats)
        if bad is not None and bad.any():
            bad_rows |= bad
            if len(bad) > 1 and bad.all():
                whole.append(_column_problem(raw[col], path))
            elif (worded := _flag_words_problem(raw[col], bad, path)) is not None:
                whole.append(worded)
            else:
                n_bad += int(bad.sum())
                bad_cells += [(int(i), col) for i in raw.index[bad][:MAX_REPORTED]]
            if dtype != "int64":  # an int64 column stays exact: NaN would make it float64 for every row
                parsed[col] = parsed[col].where(~bad)
    typed = pd.DataFrame(parsed, index=raw.index)[list(raw.columns)]
    if not bad_cells and not whole:
        return typed, []
    typed = typed[~bad_rows]
    bad_cells.sort()
    problems = [_bad_cell(path, raw, i, col) for i, col in bad_cells[:MAX_REPORTED]]
    return typed, whole + problems + not_listed(path, n_bad, "values that do not parse")


def _closed_day_message(raw: pd.DataFrame, i: int, column: str) -> str | None:
    """The message for an empty Sales or Customers of a row with Open = 0, which says the value; else None.

    Why: exports often leave a closed day's Sales empty; "got an empty value: correct the value" does not say
    which value is right, though for a closed day it can only be 0.
    """
    if column not in (s.SALES, s.CUSTOMERS) or s.OPEN not in raw.columns or not pd.isna(raw.at[i, column]):
        return None
    if str(raw.at[i, s.OPEN]).strip() not in ("0", "0.0", "0.00"):
        return None
    return f"expected {EXPECTED[column]}, got an empty value on a closed day (Open = 0): write 0, as it sold nothing"


def _column_problem(text: pd.Series, path: Path) -> ContractProblem:
    """One problem for a column none of whose values parse: a column written another way (dates as 31.07.2015,
    numbers with decimal commas), not thousands of bad cells.

    Why: such a file listed 200 identical problems and "4,326 more not listed", burying the one fix it needs.
    """
    return column_problem(path, str(text.name), text.iat[0], int(text.index[0]) + 2, len(text))


def column_problem(path: Path, column: str, first: object, first_at: int, rows: int) -> ContractProblem:
    """``_column_problem``'s words for a column of ``rows`` rows none of which parses, the first (``first``) on line
    (parquet: row) ``first_at``. Why public: a file read in chunks says it of a column of yes/no words alone."""
    place = _place_word(path)
    return problem(path, f"expected {EXPECTED.get(column, 'a valid value')}, got {_shown(first)}{_hint(column, first)} "
                         f"on {place} {first_at}, and not one of the {rows:,} {place}s holds such a value: "
                         "correct the whole column", None, column)


# The 0/1 columns, and the words a spreadsheet's yes/no column exports for 1 and 0 (TRUE/FALSE, yes/no)
FLAG_COLUMNS = (s.OPEN, s.PROMO, s.SCHOOL_HOLIDAY, s.PROMO2)
FLAG_WORDS = {"true": 1, "yes": 1, "false": 0, "no": 0}


def flag_words(text: pd.Series) -> pd.Series:
    """The cells of ``text`` (a 0/1 column as read) that are yes/no words, as written but for spaces and tabs around.

    Why public: a file read in chunks (``batch.iter_rows``) finds them with this rule, so that its one problem for
    the column is the whole read's.
    """
    words = text.dropna().astype(str).str.strip(" \t")
    return words[words.str.lower().isin(list(FLAG_WORDS))]


def _flag_words_problem(text: pd.Series, bad: np.ndarray, path: Path) -> ContractProblem | None:
    """One problem for a 0/1 column whose bad cells (two or more) are all yes/no words, else None.

    Why: a column written partly as TRUE/FALSE or yes/no (rows pasted from a spreadsheet that shows them so) gave
    one identical problem per row, 200 of them and "N more not listed" on a real file, for one fix. A column of
    nothing but such words is ``_column_problem``'s; a cell of any other text keeps the row-by-row problems.
    """
    column = str(text.name)
    if column not in FLAG_COLUMNS or bad.sum() < 2:
        return None
    words = flag_words(text[bad])
    if len(words) < bad.sum():
        return None
    return flag_words_problem(path, column, set(words), len(words), int(words.index[0]) + 2)


def flag_words_problem(path: Path, column: str, given: set[str], count: int, first_at: int) -> ContractProblem:
    """The one problem of ``count`` yes/no words (``given``: each as written) in the 0/1 ``column``, the first on
    line (parquet: row) ``first_at``: what to write for each word.

    Why public: a file read in chunks counts them across its chunks and says it in these words (``batch.iter_rows``).
    """
    place, words = _place_word(path), sorted(given)
    fix = [f"{value} for {' or '.join(repr(w) for w in words if FLAG_WORDS[w.lower()] == value)}"
           for value in (1, 0) if any(FLAG_WORDS[w.lower()] == value for w in words)]
    return problem(path, f"expected {EXPECTED[column]}, got {' or '.join(repr(w) for w in words)} (yes/no words) on "
                         f"{count:,} {place}s, the first {place} {first_at}: write {' and '.join(fix)} throughout "
                         "the column", None, column)


def _validate_file(path: Path, name: str, scan: LineScan | None = None) -> pd.DataFrame:
    """Validate one CSV or parquet file; a parquet file's problems name the row within it, not a line.

    ``scan``: a CSV file's ``scan_lines(path)`` when the caller has made it (``read_text_frame``).
    """
    if not is_parquet(path):
        return _validate_frame(path, name, functools.partial(read_text_frame, scan=scan))
    try:
        return _validate_frame(path, name, read_parquet_text_frame)
    except DataContractError as exc:
        raise DataContractError([as_rows(p) for p in exc.problems]) from None


def _validate_frame(path: Path, name: str, read: Callable) -> pd.DataFrame:
    started = time.perf_counter()
    raw, problems = read(path, name, REQUIRED[name])
    # "A", " a ", "jan,apr,jul,oct": Kaggle's value, "2015-07-31 00:00:00": the date; said once below. Before
    # parsing, as the chunked read (batch.iter_rows) respells; + 2: the CSV line, or the parquet row
    respelled = Respellings()
    raw = respelled.respell(raw, raw.index.to_numpy() + 2)
    typed, found = _parse(raw, name, path)
    problems += found
    typed, found = _run_schema(VALUES[name], typed, raw, path)
    problems += found
    if s.DAY_OF_WEEK in typed.columns:
        problems += _day_of_week_problems(typed, path)
    if s.PROMO2_SINCE_WEEK in typed.columns:
        problems += _week_53_problems(typed, path)
    if problems:  # the "N more not listed" notes first (they carry the true totals), then in file order
        raise DataContractError(_joined_first(sorted(problems, key=lambda p: (p.line is not None, p.line or 0)),
                                              typed, VALUES[name]))
    respelled.warn(path, parquet=is_parquet(path))
    seconds = time.perf_counter() - started
    log.info("read and validated %s: %s rows in %.1f s", path, f"{len(typed):,}", seconds)
    return typed


def _joined_first(problems: list[ContractProblem], typed: pd.DataFrame,
                  schema: pa.DataFrameSchema) -> list[ContractProblem]:
    """``problems`` with the first repeated header line first, saying how many rows after it repeat a key.

    Why: a file joined to itself (``cat train.csv train.csv``) listed "N more repeated Store/Date rows not
    listed" and 200 repeated rows first, and the one cause of them all, the second header line, after them.
    """
    again = next((p for p in problems if p.message == HEADER_AGAIN), None)
    if again is None:
        return problems
    after = typed.index.to_numpy() + 2 > (again.line or 0)
    keys = [[c] for c, col in schema.columns.items() if col.unique] + ([list(schema.unique)] if schema.unique else [])
    counts = {"/".join(k): int((typed[k].duplicated().to_numpy() & after).sum())
              for k in keys if set(k) <= set(typed.columns)}
    names, repeated = max(counts.items(), key=lambda kv: kv[1], default=("", 0))
    first = replace(again, message=header_again(repeated, names))
    return [first, *(p for p in problems if p is not again)]


def _day_of_week_problems(df: pd.DataFrame, path: Path) -> list[ContractProblem]:
    given = df[s.DAY_OF_WEEK].to_numpy()
    actual = df[s.DATE].dt.day_of_week.to_numpy() + 1
    bad = np.flatnonzero((given != actual) & (given >= 1) & (given <= 7))  # out of range: reported already
    out = []
    for i in bad[:MAX_REPORTED]:
        out.append(problem(path, weekday_mismatch(df[s.DATE].iat[i], actual[i], given[i]), int(df.index[i]) + 2,
                           s.DAY_OF_WEEK))
    return out + not_listed(path, len(bad), "DayOfWeek mismatches")


def _week_53_problems(df: pd.DataFrame, path: Path) -> list[ContractProblem]:
    """Promo2SinceWeek 53 in a Promo2SinceYear whose ISO calendar has 52 weeks (2014, 2019; not 2015, 2020).

    Why: the features count weeks on from week 1's Monday, so such a week silently became week 1 of the next year
    (and a week beyond the year is no date a promotion began); Kaggle's file never has one.
    """
    week, year = df[s.PROMO2_SINCE_WEEK].to_numpy(float), df[s.PROMO2_SINCE_YEAR].to_numpy(float)
    at = np.flatnonzero((week == 53) & (year >= 1) & (year <= 9999) & (year % 1 == 0))  # out of range: said already
    bad = [i for i in at if dt.date(int(year[i]), 12, 28).isocalendar()[1] == 52]
    out = []
    for i in bad[:MAX_REPORTED]:
        y = int(year[i])
        out.append(problem(
            path, f"expected an ISO week 1..52 for Promo2SinceYear {y}, got 53: ISO year {y} has 52 weeks (week 53 "
                  f"is only in years such as 2015 and 2020); give the week Promo2 began, such as 52, or week 1 of "
                  f"{y + 1}", int(df.index[i]) + 2, s.PROMO2_SINCE_WEEK))
    return out + not_listed(path, len(bad), "Promo2SinceWeek 53 in a year of 52 weeks")


def _finish_daily(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out[s.STORE] = out[s.STORE].astype("int32")
    out[s.DAY_OF_WEEK] = out[s.DAY_OF_WEEK].astype("int8")
    out[s.DATE] = out[s.DATE].astype("datetime64[ns]")
    out[s.STATE_HOLIDAY] = pd.Categorical(out[s.STATE_HOLIDAY], categories=list(s.STATE_HOLIDAY_CODES))
    for col in (s.PROMO, s.SCHOOL_HOLIDAY):
        out[col] = out[col].astype("int8")
    return out


def _validate_parts(path: Path, name: str, scan: LineScan | None = None) -> pd.DataFrame:
    """A partitioned parquet dataset (``train/part-*.parquet``): every part checked, all problems raised at once."""
    if not path.is_dir():
        empty_folder = no_parts_beside(path)  # train/ there, empty: not "train.csv: file not found"
        if empty_folder:
            raise DataContractError(empty_folder)
        return _warn_closed_days(_validate_file(path, name, scan), path)
    if path.suffix.lower() == ".csv":  # train.csv/ without parquet parts: no dataset of parts, a misplaced folder
        raise DataContractError(not_a_file(path, name))
    frames, problems = [], []
    for part in train_parts(path):
        try:
            frames.append(_validate_file(part, name))
        except DataContractError as exc:
            problems += exc.problems
    if not problems:
        problems = _repeats_across_parts(frames, train_parts(path), path)
    if problems:
        raise DataContractError(problems)
    for frame, part in zip(frames, train_parts(path), strict=True):
        _warn_closed_days(frame, part)
    return pd.concat(frames, ignore_index=True)


def _warn_closed_days(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Warn of a validated train file's closed days with Sales, or with Customers but no Sales; return ``df``.

    Per file, with ``df`` indexed as read (``index + 2``: the CSV line, or the parquet row), so the first such
    row is named by its own file and line or row. Why: warned once for a whole train/ directory, the rows of
    later parts were counted on from the first part's ("line 1087" for row 26 of part-00001.parquet), and a
    parquet row was called a line; the Dask engine, which reads each part alone, named yet another place.
    """
    closed = df[s.OPEN].to_numpy() == 0
    place = _place_word(path)
    closed_selling = np.flatnonzero(closed & (df[s.SALES].to_numpy() > 0))
    if len(closed_selling):  # contradictory, but one bad flag should not stop a whole training run
        log.warning("%s: %d row(s) have Open = 0 but Sales > 0 (first on %s %d); training and the "
                    "statistics use open days with sales only, so they are left out", path, len(closed_selling),
                    place, int(df.index[closed_selling[0]]) + 2)
    closed_visited = np.flatnonzero(closed & (df[s.SALES].to_numpy() == 0) & (df[s.CUSTOMERS].to_numpy() > 0))
    if len(closed_visited):  # as contradictory: customers who bought nothing on a day the store was shut
        log.warning("%s: %d row(s) have Open = 0 and Sales 0 but Customers > 0 (first on %s %d); check Open "
                    "or Customers: training and the statistics use open days with sales only, so they are left "
                    "out", path, len(closed_visited), place, int(df.index[closed_visited[0]]) + 2)
    return df


def _repeats_across_parts(frames: list[pd.DataFrame], parts: list[Path], path: Path) -> list[ContractProblem]:
    """A (Store, Date) in two parts of a parquet dataset, pointing at the part and row that has it first.

    Why: each part is checked on its own, so a day written into two parts (a part copied twice, an export
    run again with overlapping dates) passed, and training counted that day twice without a word.
    """
    keys = pd.concat([f[[s.STORE, s.DATE]].assign(part=i, row=f.index.to_numpy() + 2)
                      for i, f in enumerate(frames)], ignore_index=True)
    repeat = keys.duplicated([s.STORE, s.DATE], keep="first").to_numpy()
    if not repeat.any():
        return []
    firsts = keys[~repeat]
    later = keys[repeat].head(MAX_REPORTED).merge(firsts, on=[s.STORE, s.DATE], suffixes=("", "_first"))
    out = [ContractProblem(
        f"{parts[r.part]}, row {r.row}",
        f"expected each (Store, Date) once in {path.name}/, got (Store={r.Store}, Date={r.Date:%Y-%m-%d}) again, "
        f"first in {parts[r.part_first].name} row {r.row_first}: remove one of the two rows", None,
        f"{s.STORE}/{s.DATE}") for r in later.itertuples(index=False)]
    return out + not_listed(path, int(repeat.sum()), f"{s.STORE}/{s.DATE} rows repeated across parts")


def load_train(path: str | Path) -> pd.DataFrame:
    """Read and validate train.csv (or train.parquet, or a train/ directory of parquet parts) into a typed frame."""
    return _load_train(path)


def _load_train(path: str | Path, scan: LineScan | None = None, kind: str = s.TRAIN_FILE) -> pd.DataFrame:
    """``load_train``, with a CSV file's ``scan_lines`` made by the caller (``load_rows``); ``kind``
    `schema.SCORED_LAYOUT` (``load_rows``) takes train.csv's columns with an Id, unique, kept first."""
    df = _finish_daily(_validate_parts(Path(path), kind, scan))
    df[s.OPEN] = df[s.OPEN].astype("int8")
    df = df.reset_index(drop=True) if is_parquet(Path(path)) else df  # parquet rows are indexed from -1
    if kind == s.SCORED_LAYOUT:
        df[s.ID] = df[s.ID].astype("int64")
        return df[list(s.SCORED_COLUMNS)]
    return df[list(s.TRAIN_COLUMNS)]


def count_missing_open(values: pd.Series) -> tuple[int, int]:
    """How many cells of an Open column have no value (``no_open_value``), and the position of the first (-1: none).

    The one count behind ``warn_missing_open``, for a file read whole (``load_test``) or chunk by chunk
    (``batch.iter_rows``), so both warn of the same rows.
    """
    empty = no_open_value(values)
    count = int(empty.sum())
    return count, int(empty.argmax()) if count else -1


def warn_missing_open(path: str | Path, count: int, first: int, *, parquet: bool) -> None:
    """The one warning for test-shaped rows whose Open is empty (taken as open), read whole or in chunks.

    ``first``: the first such row's line in a CSV file (the header is line 1) or its row in a parquet file
    (from 1), as every other message of the contract names a place.
    """
    log.warning("%s: %d rows have no Open value (first on %s %d); they are taken as open (1)", path, count,
                "row" if parquet else "line", first)


def load_test(path: str | Path) -> pd.DataFrame:
    """Read and validate test.csv; a missing Open is taken as open (1), the schedule's usual case."""
    return _load_test(path)


def _load_test(path: str | Path, scan: LineScan | None = None) -> pd.DataFrame:
    """``load_test``, with a CSV file's ``scan_lines`` made by the caller (``load_rows``)."""
    df = _finish_daily(_validate_file(Path(path), s.TEST_FILE, scan))
    missing_open, first = count_missing_open(df[s.OPEN])
    if missing_open:  # index + 2: the CSV line, or the parquet row (read_parquet_text_frame indexes from -1)
        warn_missing_open(path, missing_open, int(df.index[first]) + 2, parquet=is_parquet(Path(path)))
    df[s.OPEN] = df[s.OPEN].fillna(1).astype("int8")
    df = df[list(s.TEST_COLUMNS)]
    df.attrs["missing_open_filled"] = missing_open  # the cleaning report shows it
    return df


def load_rows(path: str | Path, *, keep_actuals: bool = False, scan: LineScan | None = None) -> pd.DataFrame:
    """Rows to forecast: test.csv's layout, or train.csv's (a past period to backtest).

    Why both: scoring a model on a later period means forecasting rows cut from a train.csv-shaped
    file, and asking the user to strip Sales/Customers and invent Ids by hand is busywork. A file
    whose header has Sales is read and validated as train.csv; Sales and Customers are then dropped
    (a forecast must not see them), or with ``keep_actuals`` kept after test.csv's columns for the
    caller to set aside and score against (``batch.predict_chunks``). ``Id`` is the file's own when it has
    one (`schema.SCORED_COLUMNS`: test.csv's Ids beside the Sales they are scored on, unique as in
    test.csv), else the 1-based row number, so output rows map back to input rows. Any other file is read as
    test.csv. ``scan``: a CSV file's ``scan_lines(path)`` when the caller has made it (``batch.iter_rows``),
    else it is made here.
    """
    path = Path(path)
    if is_parquet(path) and not path.is_file():  # a folder, pipe or broken link: named as itself, as load_test does
        return _load_test(path, scan)
    names = parquet_columns(path) if is_parquet(path) else None
    # a file that is neither parquet nor CSV text fails here as in load_test
    header = names or read_header(path, s.TEST_FILE)
    layout = rows_layout(header)
    if layout == s.TEST_FILE:
        return _load_test(path, scan)
    if layout == s.SCORED_LAYOUT:
        rows = _load_train(path, scan, kind=s.SCORED_LAYOUT)
        log.info("%s has train.csv's layout with Id: Sales and Customers are not used to forecast", path)
    else:
        rows = _load_train(path, scan)
        rows.insert(0, s.ID, np.arange(1, len(rows) + 1, dtype="int64"))
        log.info("%s has train.csv's layout: Sales and Customers are not used to forecast; Id = row number", path)
    rows.attrs["missing_open_filled"] = 0
    return rows[list(s.TEST_COLUMNS) + ([s.SALES, s.CUSTOMERS] if keep_actuals else [])]


def rows_layout(columns: Collection[str]) -> str:
    """Which layout ``load_rows`` reads a rows file with, by its column names: test.csv's without Sales, train.csv's
    with Sales, and with an Id beside them the scored layout (``schema.SCORED_COLUMNS``)."""
    if s.SALES not in columns:
        return s.TEST_FILE
    return s.SCORED_LAYOUT if s.ID in columns else s.TRAIN_FILE


def load_store(path: str | Path, states_path: str | Path | None = None) -> pd.DataFrame:
    """Read and validate store.csv, joining external/store_states.csv's State when that file exists."""
    return _load_store(path, states_path)[0]


def _load_store(path: str | Path, states_path: str | Path | None) -> tuple[pd.DataFrame, int | None]:
    """``load_store`` and the row count of external/store_states.csv (None when absent), which may list stores
    store.csv lacks: ``validate`` shows that file's own rows, not store.csv's."""
    states_rows: int | None = None
    df = _validate_file(Path(path), s.STORE_FILE)
    warn_promo2_facts(df, Path(path), place=_place_word(Path(path)))
    df[s.STORE] = df[s.STORE].astype("int32")
    df[s.STORE_TYPE] = pd.Categorical(df[s.STORE_TYPE], categories=list(s.STORE_TYPES))
    df[s.ASSORTMENT] = pd.Categorical(df[s.ASSORTMENT], categories=list(s.ASSORTMENTS))
    df[s.PROMO2] = df[s.PROMO2].astype("int8")
    df[s.PROMO_INTERVAL] = df[s.PROMO_INTERVAL].astype(object).where(df[s.PROMO_INTERVAL].notna(), np.nan)
    df = df[list(s.STORE_COLUMNS)]
    # optional, but a directory or a broken link (lexists), or the file put beside its place, is not silently left out
    if states_path is not None and not os.path.lexists(states_path):
        near = misplaced(Path(states_path), s.STATES_FILE)
        if near is not None:
            raise DataContractError(near)
    if states_path is not None and os.path.lexists(states_path):
        if not Path(states_path).is_file():
            raise DataContractError(not_a_file(Path(states_path), s.STATES_FILE))
        states = _validate_file(Path(states_path), s.STATES_FILE)
        states_rows = len(states)
        states[s.STORE] = states[s.STORE].astype("int32")
        states[s.STATE] = states[s.STATE].astype(object)
        lacking = ~df[s.STORE].isin(states[s.STORE]).to_numpy()
        if lacking.any():  # a NaN State would only surface later, as a puzzling feature error
            at = _places(Path(path), df, np.flatnonzero(lacking)[:MAX_REPORTED])  # store.parquet: its row
            raise DataContractError([
                problem(Path(states_path), f"expected a row for every store of store.csv, got none for Store "
                                           f"{sid} ({file.name} {_place_word(file)} {n}): add "
                                           f"`{sid},<state>`", None, s.STORE)
                for (file, n), sid in zip(at, df[s.STORE][lacking], strict=False)
            ])
        df = df.merge(states[[s.STORE, s.STATE]], on=s.STORE, how="left", validate="one_to_one")
        _warn_extra_states(Path(states_path), states[~states[s.STORE].isin(df[s.STORE])][s.STORE], path)
        odd = df[df[s.STATE].map(s.state_subdivision).isna()]
        if len(odd):  # not an error: the forecast still works, with the holidays every state shares
            log.warning("%s: %d store(s) have a State that is no German state code (e.g. store %s: %r); "
                        "the nationwide holiday calendar is used for them", states_path, len(odd),
                        odd[s.STORE].iat[0], odd[s.STATE].iat[0])
    return df.reset_index(drop=True), states_rows


def _warn_extra_states(states_path: Path, extra: pd.Series, store_path: str | Path) -> None:
    """One warning naming the stores the states file lists that store.csv lacks: how many, and the first few.

    Not an error (a states file kept for the whole chain serves a store.csv cut to some stores), but a store
    left out of store.csv by mistake was taken without a word, and got no forecast.
    """
    if len(extra):
        few = ", ".join(str(v) for v in extra.head(5))
        log.warning("%s: %d store(s) are not in %s and are left out (Store %s%s); add them to %s if they "
                    "should be forecast", states_path, len(extra), Path(store_path).name, few,
                    ", ..." if len(extra) > 5 else "", Path(store_path).name)


def unknown_store_problems(daily: pd.DataFrame, store_ids: np.ndarray, path: Path) -> list[ContractProblem]:
    """Each Store of ``daily`` that ``store_ids`` (store.csv's) lacks, at its first row: file, line or row.

    ``daily`` is the frame ``load_train`` or ``load_test`` read from ``path`` (``_places``). Why public: the Dask
    engine reads each part alone and checks it with the same words (``distributed.partitions.load_part``).
    """
    unknown = ~np.isin(daily[s.STORE].to_numpy(), store_ids)
    if not unknown.any():
        return []
    stores = pd.Series(daily[s.STORE].to_numpy()[unknown])
    counts = stores.value_counts(sort=False)
    first = stores.drop_duplicates()[:MAX_REPORTED]
    out = []
    for (file, at), sid in zip(_places(path, daily, np.flatnonzero(unknown)[first.index]), first, strict=True):
        what = _place_word(file)
        found = problem(file, f"expected a Store listed in store.csv, got {sid} ({counts[sid]:,} {what}(s) in all): "
                              f"add the store to store.csv or remove its {what}s", at, s.STORE)
        out.append(as_rows(found) if is_parquet(file) else found)
    return out


def _places(path: Path, daily: pd.DataFrame, positions: np.ndarray) -> list[tuple[Path, int]]:
    """The file and place of ``daily``'s rows at ``positions``, for a frame ``load_train``/``load_test`` read from
    ``path``: a CSV file's line (its index + 2), a parquet file's row (from 1), a train/ directory's part and row.

    Why: the frames of parquet input are indexed from 0 (or -1) and a directory's parts are joined into one, so
    ``index + 2`` named row 5 of train.parquet "line 6" and row 5 of part-00001.parquet "train, line 1066".
    """
    if path.is_dir():
        import pyarrow.parquet as pq

        parts = train_parts(path)  # every part's rows are in the frame, in this order (``_validate_parts``)
        ends = np.cumsum([pq.read_metadata(part).num_rows for part in parts])
        which = np.searchsorted(ends, positions, side="right")
        return [(parts[j], int(at - (ends[j - 1] if j else 0)) + 1) for j, at in zip(which, positions, strict=True)]
    if is_parquet(path):
        return [(path, int(at) + 1) for at in positions]
    return [(path, int(daily.index[at]) + 2) for at in positions]


def load_dataset(data_dir: str | Path, *, require_test: bool = False) -> Dataset:
    """Load and cross-check the files of a data directory: the one gate before any command computes.

    Every file is checked even when an earlier one fails, so one run lists the problems of all files.

    Parameters
    ----------
    data_dir : str or Path
        Holds train.csv, store.csv, test.csv and optionally external/store_states.csv (joined as State).
        test.csv is read as ``load_rows`` reads it: test.csv's layout, or train.csv's (a later period with its
        Sales, which are dropped here; Id the file's own or the row number).
    require_test : bool
        Refuse a directory without test.csv (``validate``, ``predict``); otherwise ``test`` is None.

    Returns
    -------
    Dataset
        The typed frames (dtypes in the module docstring).

    Raises
    ------
    DataContractError
        Listing every problem as ``file, line N, column `X`: expected ..., got ...: fix``.
    """
    root = Path(data_dir)
    # test.csv only for the commands that read it: train, clean, eda and lstm told to bring one were misled
    holding = "train.csv and store.csv" + (", and test.csv, the rows to forecast" if require_test else "")
    if root.exists() and not root.is_dir():
        raise DataContractError(problem(root, f"is a file, not a directory{packed_hint(root)}: pass --data DIR, the "
                                              f"directory holding {holding} (such as {root.parent})"))
    if root.is_symlink() and not root.exists():  # `ls` shows it: "not found" would send the user looking
        raise DataContractError(problem(root, f"is a broken symbolic link (to {os.readlink(root)}, which is missing "
                                              f"or a loop): fix the link, or pass --data DIR with {holding}"))
    if not root.is_dir():
        raise DataContractError(problem(root, f"data directory not found: pass --data DIR with {holding}"))
    problems: list[ContractProblem] = []

    def attempt(load: Callable[..., pd.DataFrame], *args: Path) -> pd.DataFrame | None:
        try:
            return load(*args)
        except DataContractError as exc:
            problems.extend(exc.problems)
            return None

    train_path, test_path = data_file(root, s.TRAIN_FILE), data_file(root, s.TEST_FILE)
    states_rows: int | None = None
    try:
        store, states_rows = _load_store(data_file(root, s.STORE_FILE), root / s.STATES_FILE)
    except DataContractError as exc:
        problems.extend(exc.problems)
        store = None
    train = attempt(load_train, train_path)
    # test.csv as `predict` reads it (load_rows): a later period in train.csv's layout, Sales and all, is rows to
    # forecast too, and must not stop `train` or `validate`, which do not use its Sales
    test = attempt(load_rows, test_path) if (require_test or test_path.exists()) else None
    if store is not None:
        for daily, path in ((train, train_path), (test, test_path)):
            if daily is not None:
                problems += unknown_store_problems(daily, store[s.STORE].to_numpy(), path)
    if train is not None:
        problems += _no_sales_day_problems(train, train_path)
    if problems:
        raise DataContractError(problems)
    _warn_stores_without_history(root, store, train, test)
    if test is not None:
        _warn_test_within_train(test_path, train, test)
    return Dataset(root=root, train=train, store=store, test=test, states_rows=states_rows)


def _no_sales_day_problems(train: pd.DataFrame, path: Path) -> list[ContractProblem]:
    """A train.csv without one open day with Sales > 0 (``schema.is_sales_day``): nothing to learn from.

    Why in the gate: every rule holds for each line of such a file, yet cleaning, training, the backtest and
    the report all learn from those days only, and each failed on the empty set with a numpy traceback.
    """
    if s.is_sales_day(train).any():
        return []
    return [no_sales_day_problem(path, len(train))]


def no_sales_day_problem(path: Path, rows: int) -> ContractProblem:
    """The problem of train rows (``rows`` of them, read from ``path``) without one open day with Sales > 0.

    Why public: the Dask engine checks its parts one by one and learns only on the client that none of
    them holds such a day; it says so with these words, as the local engine's gate does.
    """
    return problem(path, f"expected at least one open day with Sales > 0, got none in {rows:,} row(s): "
                         "models, cleaning and the report learn from such days; add the stores' trading days",
                   None, s.SALES)


def _warn_test_within_train(path: Path, train: pd.DataFrame, test: pd.DataFrame) -> None:
    """Name the test.csv rows dated on or before train.csv's last day: their range and how many.

    Why a warning: test.csv holds the days to forecast, after train.csv's; days the model was trained on
    usually mean the wrong file (train.csv's own tail, an old export) and give forecasts that look far better
    than any real one. Not an error: forecasting a known period on purpose is allowed (scoring a later period
    goes through ``predict --input``, which this check does not read).
    """
    last = train[s.DATE].max()
    within = test[s.DATE].to_numpy() <= last.to_datetime64()
    if not within.any():
        return
    dates = test[s.DATE][within]
    log.warning("%s: %s row(s) are dated %s..%s, on or before %s's last day (%s): forecasting days the model "
                "has already seen usually means the wrong file; %s should hold the days after %s", path,
                f"{int(within.sum()):,}", f"{dates.min():%Y-%m-%d}", f"{dates.max():%Y-%m-%d}", s.TRAIN_FILE,
                f"{last:%Y-%m-%d}", s.TEST_FILE, s.TRAIN_FILE)


def _warn_stores_without_history(root: Path, store: pd.DataFrame, train: pd.DataFrame,
                                 test: pd.DataFrame | None) -> None:
    """Name the stores of store.csv that have no train.csv rows, or rows without one trading day (an open day
    with Sales > 0): valid data, but no model can forecast them.

    Why a warning: such files pass every rule, yet ``predict`` refuses the store's test rows later,
    because a model is trained only with the stores it has sales history for.
    """
    warn_stores_without_history(root, store[s.STORE].to_numpy(), train[s.STORE].unique(),
                                train.loc[s.is_sales_day(train).to_numpy(), s.STORE].unique(), test)


def warn_stores_without_history(root: Path, stores: np.ndarray, with_rows: np.ndarray, trading: np.ndarray,
                                test: pd.DataFrame | None) -> None:
    """``_warn_stores_without_history`` from the store ids alone: store.csv's, those with train rows, those with
    a trading day. Why public: the Dask engine gathers these from its parts and warns with the same words.
    """
    lacking = np.setdiff1d(stores, with_rows)
    _warn_unforecastable(root, lacking, test, f"listed in {s.STORE_FILE} have no rows in {s.TRAIN_FILE}",
                         "add their sales history to")
    closed = np.setdiff1d(np.intersect1d(stores, with_rows), trading)
    _warn_unforecastable(root, closed, test, f"have rows in {s.TRAIN_FILE} but not one open day with Sales > 0",
                         "add the days they traded to")


def _warn_unforecastable(root: Path, stores: np.ndarray, test: pd.DataFrame | None, what: str, fix: str) -> None:
    if not len(stores):
        return
    shown = first_and_more(stores.tolist(), 20)
    in_test = 0 if test is None else int(test[s.STORE].isin(stores).sum())
    log.warning("%s: %d store(s) %s (%s): a model trained on this directory cannot forecast them%s; %s %s or "
                "remove them", root, len(stores), what, shown,
                f", and {s.TEST_FILE} has {in_test:,} row(s) for them" if in_test else "", fix, s.TRAIN_FILE)
