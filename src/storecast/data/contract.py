"""Load and validate the Rossmann-shaped CSV files into typed DataFrames.

Every command that reads a data directory comes through here first, so a bad file stops the job
before anything is computed or written. Problems are collected, not raised one by one: a
`DataContractError` lists each as ``file, line N, column `X`: message`` (line 1 is the header).

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

__all__ = ["Dataset", "load_train", "load_store", "load_test", "load_dataset", "validate_rows"]

import csv
import io
import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from storecast import schema as s
from storecast.data._schemas import REQUIRED, TYPES, VALUES
from storecast.errors import ContractProblem, DataContractError

log = logging.getLogger(__name__)

_SNIFF_BYTES = 64 * 1024
_MAX_REPORTED = 200  # problems kept per file; the error says how many more there were


@dataclass(frozen=True)
class Dataset:
    """The validated files of one data directory."""

    root: Path
    train: pd.DataFrame
    store: pd.DataFrame
    test: pd.DataFrame | None = None


def _problem(path: Path, message: str, line: int | None = None, column: str | None = None) -> ContractProblem:
    return ContractProblem(str(path), message, line, column)


def _check_text(path: Path, kind: str) -> list[str]:
    """Refuse what is not comma-separated UTF-8 text; return the header's column names."""
    if not path.is_file():
        raise DataContractError(_problem(path, f"file not found: storecast needs {kind} here"))
    head = path.open("rb").read(_SNIFF_BYTES)
    if not head.strip():
        raise DataContractError(_problem(path, f"file is empty: expected a header line of {kind}", 1))
    if head[:2] == b"\x1f\x8b" or head[:4] == b"PK\x03\x04" or b"\x00" in head:
        raise DataContractError(_problem(
            path, "binary data (compressed or not text): unpack it to a plain comma-separated CSV first", 1
        ))
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a multi-byte character cut at the sniff limit
            raise DataContractError(_problem(
                path, f"not UTF-8 text (byte {exc.start}): save the file as UTF-8 CSV", 1
            )) from exc
        text = head[: exc.start].decode("utf-8")
    header_line = text.lstrip("\ufeff").splitlines()[0]
    header = next(csv.reader([header_line]))
    if len(header) == 1:
        for sep, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "pipes")):
            if sep in header_line:
                raise DataContractError(_problem(
                    path, f"columns are separated by {name}, not commas: save it as comma-separated CSV", 1
                ))
    return [h.strip() for h in header]


def _check_header(path: Path, header: list[str], name: str) -> None:
    expected = REQUIRED[name]
    problems = [
        _problem(path, f"column is missing (expected columns: {', '.join(expected)})", 1, col)
        for col in expected if col not in header
    ]
    problems += [
        _problem(path, f"unexpected column (expected only: {', '.join(expected)})", 1, col)
        for col in header if col not in expected
    ]
    dupes = {c for c in header if header.count(c) > 1}
    problems += [_problem(path, "column appears more than once", 1, c) for c in sorted(dupes)]
    if problems:
        raise DataContractError(problems)


def _check_last_line(path: Path, n_columns: int) -> None:
    """A file cut mid-write ends in a short line; pandas would silently pad it with NaN."""
    with path.open("rb") as fh:
        fh.seek(0, io.SEEK_END)
        size = fh.tell()
        fh.seek(max(0, size - 4096))
        tail = fh.read().decode("utf-8", errors="replace")
    lines = tail.rstrip("\r\n").splitlines()
    if not lines:
        return
    fields = next(csv.reader([lines[-1]]), [])
    if 0 < len(fields) < n_columns:
        n_lines = _count_lines(path)
        raise DataContractError(_problem(
            path, f"last line has {len(fields)} of {n_columns} fields: the file looks truncated", n_lines
        ))


def _count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        data = fh.read()
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def _read_text_frame(path: Path, name: str) -> pd.DataFrame:
    header = _check_text(path, name)
    _check_header(path, header, name)
    _check_last_line(path, len(header))
    try:
        df = pd.read_csv(
            path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig",
            skip_blank_lines=False, engine="c",
        )
    except pd.errors.ParserError as exc:
        m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if m:
            raise DataContractError(_problem(
                path, f"line has {m[3]} fields, expected {m[1]}: a stray comma or a broken quote?", int(m[2])
            )) from exc
        raise DataContractError(_problem(path, f"not readable as CSV: {exc}")) from exc
    except UnicodeDecodeError as exc:
        raise DataContractError(_problem(path, f"not UTF-8 text ({exc.reason}): save it as UTF-8")) from exc
    df.columns = [c.strip() for c in df.columns]
    # a blank line at the very end is harmless; anywhere else it is a row with every value missing
    while len(df) and df.iloc[-1].isna().all():
        df = df.iloc[:-1]
    if df.empty:
        raise DataContractError(_problem(path, "no data rows: the file has only a header", 2))
    return df


def _explain(check: str, value: object) -> str:
    """Turn a pandera check name and the failing value into a sentence a person can act on."""
    shown = "an empty value" if pd.isna(value) else repr(str(value))
    if check.startswith("coerce_dtype('datetime") or check.startswith("coerce_dtype('<M8"):
        return f"expected a date like 2015-07-31 (YYYY-MM-DD), got {shown}"
    if check.startswith("coerce_dtype('int"):
        return f"expected a whole number, got {shown}"
    if check.startswith("coerce_dtype('float"):
        return f"expected a number, got {shown}"
    if check == "not_nullable":
        return "value is missing"
    return f"{check}, got {shown}"


def _run_schema(schema: pa.DataFrameSchema, df: pd.DataFrame, path: Path) -> tuple[pd.DataFrame, list]:
    try:
        return schema.validate(df, lazy=True), []
    except pa.errors.SchemaErrors as err:
        fc = err.failure_cases
    fc = fc[fc["index"].notna()]
    # after a failed coercion pandera also reports the dtype check of the same cell: keep one line per cell
    fc = fc[~fc["check"].astype(str).str.startswith("dtype(")]
    problems: list[ContractProblem] = []
    dup_rows = fc[fc["check"] == "multiple_fields_uniqueness"]
    for idx in sorted(set(dup_rows["index"].astype(int)))[:_MAX_REPORTED]:
        keys = ", ".join(f"{c}={df.at[idx, c]}" for c in schema.unique)
        problems.append(_problem(path, f"duplicate row for ({keys}): each key may appear once", idx + 2,
                                 "/".join(schema.unique)))
    cells = fc[fc["check"] != "multiple_fields_uniqueness"].drop_duplicates(["index", "column"])
    for row in cells.head(_MAX_REPORTED).itertuples(index=False):
        problems.append(_problem(path, _explain(str(row.check), row.failure_case), int(row.index) + 2,
                                 str(row.column)))
    if len(cells) > _MAX_REPORTED:
        problems.append(_problem(path, f"{len(cells) - _MAX_REPORTED} more bad values not listed"))
    return df, problems


def _validate_file(path: Path, name: str) -> pd.DataFrame:
    started = time.perf_counter()
    raw = _read_text_frame(path, name)
    typed, problems = _run_schema(TYPES[name], raw, path)
    if problems:
        raise DataContractError(problems)
    typed, problems = _run_schema(VALUES[name], typed, path)
    if s.DAY_OF_WEEK in typed.columns:
        problems += _day_of_week_problems(typed, path)
    if problems:
        raise DataContractError(problems)
    seconds = time.perf_counter() - started
    log.info("read and validated %s: %s rows in %.1f s", path, f"{len(typed):,}", seconds)
    return typed


def _day_of_week_problems(df: pd.DataFrame, path: Path, *, offset: int = 2) -> list[ContractProblem]:
    actual = df[s.DATE].dt.day_of_week.to_numpy() + 1
    bad = np.flatnonzero(df[s.DAY_OF_WEEK].to_numpy() != actual)
    out = [
        _problem(path, f"DayOfWeek {df[s.DAY_OF_WEEK].iat[i]} does not match {df[s.DATE].iat[i]:%Y-%m-%d}, "
                       f"a {df[s.DATE].iat[i]:%A} (expected {actual[i]}; Monday=1 .. Sunday=7)",
                 int(df.index[i]) + offset, s.DAY_OF_WEEK)
        for i in bad[:_MAX_REPORTED]
    ]
    if len(bad) > _MAX_REPORTED:
        out.append(_problem(path, f"{len(bad) - _MAX_REPORTED} more DayOfWeek mismatches not listed"))
    return out


def _finish_daily(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out[s.STORE] = out[s.STORE].astype("int32")
    out[s.DAY_OF_WEEK] = out[s.DAY_OF_WEEK].astype("int8")
    out[s.DATE] = out[s.DATE].astype("datetime64[ns]")
    out[s.STATE_HOLIDAY] = pd.Categorical(out[s.STATE_HOLIDAY], categories=list(s.STATE_HOLIDAY_CODES))
    for col in (s.PROMO, s.SCHOOL_HOLIDAY):
        out[col] = out[col].astype("int8")
    return out


def load_train(path: str | Path) -> pd.DataFrame:
    """Read and validate train.csv into the typed frame described in the module docstring."""
    df = _finish_daily(_validate_file(Path(path), s.TRAIN_FILE))
    df[s.OPEN] = df[s.OPEN].astype("int8")
    return df[list(s.TRAIN_COLUMNS)]


def load_test(path: str | Path) -> pd.DataFrame:
    """Read and validate test.csv; a missing Open is taken as open (1), the schedule's usual case."""
    df = _finish_daily(_validate_file(Path(path), s.TEST_FILE))
    missing_open = int(df[s.OPEN].isna().sum())
    if missing_open:
        log.warning("%s: %d rows have no Open value; they are taken as open (1)", path, missing_open)
    df[s.OPEN] = df[s.OPEN].fillna(1).astype("int8")
    df = df[list(s.TEST_COLUMNS)]
    df.attrs["missing_open_filled"] = missing_open  # the cleaning report shows it
    return df


def load_store(path: str | Path, states_path: str | Path | None = None) -> pd.DataFrame:
    """Read and validate store.csv, joining external/store_states.csv's State when a path is given."""
    df = _validate_file(Path(path), s.STORE_FILE)
    df[s.STORE] = df[s.STORE].astype("int32")
    df[s.STORE_TYPE] = pd.Categorical(df[s.STORE_TYPE], categories=list(s.STORE_TYPES))
    df[s.ASSORTMENT] = pd.Categorical(df[s.ASSORTMENT], categories=list(s.ASSORTMENTS))
    df[s.PROMO2] = df[s.PROMO2].astype("int8")
    df[s.PROMO_INTERVAL] = df[s.PROMO_INTERVAL].astype(object).where(df[s.PROMO_INTERVAL].notna(), np.nan)
    df = df[list(s.STORE_COLUMNS)]
    if states_path is not None and Path(states_path).is_file():
        states = _validate_file(Path(states_path), s.STATES_FILE)
        states[s.STORE] = states[s.STORE].astype("int32")
        states[s.STATE] = states[s.STATE].astype(object)
        df = df.merge(states[[s.STORE, s.STATE]], on=s.STORE, how="left", validate="one_to_one")
    return df.reset_index(drop=True)


def _unknown_store_problems(daily: pd.DataFrame, store: pd.DataFrame, path: Path) -> list[ContractProblem]:
    known = store[s.STORE].to_numpy()
    unknown = ~daily[s.STORE].isin(known).to_numpy()
    if not unknown.any():
        return []
    first = daily[unknown].drop_duplicates(s.STORE)
    return [
        _problem(path, f"Store {sid} is not in store.csv: add its row there or drop these rows", int(i) + 2,
                 s.STORE)
        for i, sid in zip(first.index[:_MAX_REPORTED], first[s.STORE][:_MAX_REPORTED], strict=True)
    ]


def load_dataset(data_dir: str | Path, *, require_test: bool = False) -> Dataset:
    """Load and cross-check train.csv, store.csv and (when present or required) test.csv."""
    root = Path(data_dir)
    if not root.is_dir():
        raise DataContractError(_problem(root, "data directory not found: pass --data DIR with train.csv, "
                                               "store.csv and test.csv"))
    store = load_store(root / s.STORE_FILE, root / s.STATES_FILE)
    train = load_train(root / s.TRAIN_FILE)
    problems = _unknown_store_problems(train, store, root / s.TRAIN_FILE)
    test_path = root / s.TEST_FILE
    test = load_test(test_path) if (require_test or test_path.exists()) else None
    if test is not None:
        problems += _unknown_store_problems(test, store, test_path)
    if problems:
        raise DataContractError(problems)
    return Dataset(root=root, train=train, store=store, test=test)


def validate_rows(rows: pd.DataFrame, *, source: str = "rows") -> pd.DataFrame:
    """Check in-memory test-shaped rows (a request, an --input file already read) and type them.

    Cheap vectorised checks, because the API calls this on every request. ``DayOfWeek`` and ``Open``
    may be absent (derived from the date / taken as open). Problems name the row position (0-based).
    """
    need = (s.STORE, s.DATE, s.PROMO, s.STATE_HOLIDAY, s.SCHOOL_HOLIDAY)
    missing = [c for c in need if c not in rows.columns]
    if missing:
        raise DataContractError([ContractProblem(source, "column is missing", column=c) for c in missing])
    if rows.empty:
        raise DataContractError(ContractProblem(source, "no rows to predict"))
    out = rows.reset_index(drop=True).copy()
    problems: list[ContractProblem] = []

    def bad(mask: np.ndarray, column: str, what: str) -> None:
        for i in np.flatnonzero(mask)[:20]:
            problems.append(ContractProblem(source, f"row {i}: {what}, got {rows[column].iat[i]!r}",
                                            column=column))

    if not pd.api.types.is_datetime64_any_dtype(out[s.DATE]):
        parsed = pd.to_datetime(out[s.DATE], format="%Y-%m-%d", errors="coerce")
        bad(parsed.isna().to_numpy(), s.DATE, "expected a date YYYY-MM-DD")
        out[s.DATE] = parsed
    for col, allowed in ((s.PROMO, (0, 1)), (s.SCHOOL_HOLIDAY, (0, 1)), (s.OPEN, (0, 1))):
        if col not in out.columns:
            continue
        values = pd.to_numeric(out[col], errors="coerce")
        if col == s.OPEN:
            values = values.fillna(1)
        bad(~values.isin(allowed).to_numpy(), col, "must be 0 or 1")
        out[col] = values.fillna(0).astype("int8")
    if s.OPEN not in out.columns:
        out[s.OPEN] = np.int8(1)
    store = pd.to_numeric(out[s.STORE], errors="coerce")
    bad((store.isna() | (store < 1) | (store % 1 != 0)).to_numpy(), s.STORE, "must be a store number >= 1")
    out[s.STORE] = store.fillna(0).astype("int32")
    holiday = out[s.STATE_HOLIDAY].astype(str)
    bad(~holiday.isin(s.STATE_HOLIDAY_CODES).to_numpy(), s.STATE_HOLIDAY, "must be one of '0', 'a', 'b', 'c'")
    out[s.STATE_HOLIDAY] = pd.Categorical(holiday, categories=list(s.STATE_HOLIDAY_CODES))
    if problems:
        raise DataContractError(problems)
    actual = (out[s.DATE].dt.day_of_week + 1).astype("int8")
    if s.DAY_OF_WEEK in out.columns:
        given = pd.to_numeric(out[s.DAY_OF_WEEK], errors="coerce")
        bad((given != actual).to_numpy(), s.DAY_OF_WEEK, "does not match the date (Monday=1 .. Sunday=7)")
        if problems:
            raise DataContractError(problems)
    out[s.DAY_OF_WEEK] = actual
    out.index = rows.index
    return out
