"""Parquet input for the data contract: a parquet file read into the same text frame a CSV file gives.

Why text: every rule of the contract (parsing, value checks, the wording of each message) then applies to
parquet unchanged, and a value that parquet's types let through (a float in an integer column, a date
outside the range) is refused with the same sentence as in a CSV file. Each distinct value is formatted
once, so this costs little next to the checks. A parquet file has no lines, so problems point at the row
within the file (row 1 is the first data row): ``train/part-00003.parquet, row 17, column `Sales`: ...``.
"""

from __future__ import annotations

__all__ = ["PARQUET_SUFFIXES", "is_parquet", "read_parquet_text_frame", "as_rows", "check_cell_types",
           "parquet_text", "check_parquet_columns", "data_file", "parquet_columns", "parquet_frame", "parquet_parts",
           "train_parts", "train_files", "input_files", "no_parts_beside"]

import logging
import os
from pathlib import Path

import pandas as pd

from storecast import schema as s
from storecast.data._csvfile import blanks_as_missing
from storecast.data._csvheader import check_header
from storecast.data._filecheck import not_a_file, problem, read_head
from storecast.errors import ContractProblem, DataContractError

log = logging.getLogger(__name__)
_PARQUET_MAGIC = b"PAR1"
# columns of codes, not numbers: a float there is written out as a CSV writer would ("0.0"), so that it
# meets the CSV rule (a StateHoliday "0.0" is refused) and the chunked read (batch.iter_rows) says the same
_CODE_COLUMNS = (s.STATE_HOLIDAY, s.STORE_TYPE, s.ASSORTMENT, s.PROMO_INTERVAL)
_FLAG_COLUMNS = (s.OPEN, s.PROMO, s.SCHOOL_HOLIDAY, s.PROMO2)  # 0 or 1: the only ones a boolean stands for
PARQUET_SUFFIXES = (".parquet", ".pq")  # compared in lower case: ROWS.PARQUET and rows.pq are parquet too


def is_parquet(path: Path) -> bool:
    """A parquet file by its name (``.parquet`` or ``.pq``, in any letter case), or a directory (of parts).

    The one rule every reader asks: ``storecast predict`` counted ``rows.pq`` as parquet and streamed it, while
    the file contract took it for CSV text ("a parquet file, not CSV text"), so one input was read two ways.
    """
    return path.suffix.lower() in PARQUET_SUFFIXES or path.is_dir()


def _parquet_files(path: Path) -> list[Path]:
    """The parquet files of a directory, leaving out hidden and bookkeeping files (``.``, ``_``) as pyarrow,
    Spark and Hive do: macOS leaves ``._part-00000.parquet`` beside each part copied to a FAT or network
    drive, and that was read as a part ("not a parquet file")."""
    return sorted(p for p in path.glob("*") if p.is_file() and is_parquet(p) and not p.name.startswith((".", "_")))


def data_file(root: Path, name: str) -> Path:
    """The file of ``name`` (e.g. "train.csv") in ``root``: ``train.csv``, else ``train.parquet``, else ``train/``.

    Missing in every form: the CSV path, so the "file not found" message names the usual file. Present in two
    forms: a warning names both and the one read, once per process (a command), not on every call.

    Why the warning: a stale train.csv beside fresh train/ parts was read without a word.
    """
    csv_path = root / name
    stem = Path(name).stem
    found = [candidate for candidate in (csv_path, root / f"{stem}.parquet", root / stem)
             if candidate.is_file() or (candidate.is_dir() and candidate != root and (
                 _parquet_files(candidate) or _holds_parquet(candidate)))]  # parts only in folders: `_left_out`
    if len(found) > 1:
        _say_choice(root, found)
    if not found:  # a parquet form that is there but no file (a folder, a pipe, a broken link): named for that
        found = [candidate for candidate in (root / f"{stem}.parquet", root / stem) if candidate != root and (
            _no_file(candidate) if candidate.suffix else candidate.is_dir() and _parquet_named_non_files(candidate))]
    return found[0] if found else csv_path


def no_parts_beside(path: Path) -> ContractProblem | None:
    """The problem of a missing ``train.csv`` whose parts folder (``train/``) is there but holds no parquet file.

    Why: ``data_file`` reads such a folder only with parts in it, so an empty ``train/`` (a write that failed, a
    copy not yet done) was "train.csv: file not found", as if the folder were not there. None otherwise.
    """
    folder = path.with_suffix("")
    if os.path.lexists(path) or path.suffix.lower() != ".csv" or not folder.is_dir():
        return None
    return problem(folder, f"holds no parquet part files (.parquet, .pq), and there is no {path.name} or "
                           f"{folder.name}.parquet beside it: expected {path.name}, {folder.name}.parquet or "
                           f"{folder.name}/part-*.parquet")


_SAID: set[tuple[str, ...]] = set()  # the choices already warned about (``data_file``)


def _say_choice(root: Path, found: list[Path]) -> None:
    key = tuple(str(p.resolve()) for p in found)
    if key in _SAID:
        return
    _SAID.add(key)
    names = [p.name + ("/" if p.is_dir() else "") for p in found]
    log.warning("%s: holds both %s; reading %s (remove or rename the one that is stale)", root,
                " and ".join(names), names[0])


def _no_file(path: Path) -> bool:
    """Whether ``path`` is there (a link counts, broken or not) but is no regular file."""
    return os.path.lexists(path) and not path.is_file()


def _parquet_named_non_files(folder: Path) -> list[Path]:
    """The entries of ``folder`` named like a parquet part yet no regular file: a broken link, a pipe, an empty folder.

    Why: `_parquet_files` passes over them, so such a part's rows were left out without a word, and a train/
    holding only such parts was "train.csv: file not found".
    """
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return []
    return [p for p in entries if p.suffix.lower() in PARQUET_SUFFIXES and not p.name.startswith((".", "_"))
            and not p.is_file() and not (p.is_dir() and _holds_parquet(p))]


def _holds_parquet(folder: Path) -> bool:
    """Whether a parquet file (not hidden or bookkeeping) lies anywhere under ``folder``."""
    return any(p.is_file() and is_parquet(p) and not p.name.startswith((".", "_")) for p in folder.rglob("*"))


_TOP_ONLY = "only the parquet files (.parquet, .pq) at the top level of {}/ are read, so its rows would be left out"


def _left_out(path: Path) -> list[ContractProblem]:
    """What a parts directory holds rows in, yet is read as no part: a CSV file, a folder of parquet files.

    Why: such a part was left out without a word (a warning of stores without history at most), and a dataset
    written in Hive-style partition folders (``train/Store=1/part-0.parquet``) was "train.csv: file not found".
    """
    try:
        entries = sorted(p for p in path.iterdir() if not p.name.startswith((".", "_")))
    except OSError:  # an unreadable directory: its parts cannot be listed either, which says so
        return []
    found = []
    for entry in entries:
        if entry.is_file() and entry.suffix.lower() == ".csv":
            found.append(problem(entry, f"a CSV file among the parquet parts of {path.name}/: "
                                        f"{_TOP_ONLY.format(path.name)}; write it as parquet beside the other parts"))
        elif entry.is_dir() and _holds_parquet(entry):
            found.append(problem(entry, f"a folder of parquet files inside {path.name}/ (a Hive-style partition such "
                                        f"as Store=1/?): {_TOP_ONLY.format(path.name)}; write the dataset with every "
                                        "part at that level (without partition_cols)"))
    return found + [not_a_file(entry, f"{path.name}/{entry.name}") for entry in _parquet_named_non_files(path)]


def _stored_index(name: object) -> bool:
    return str(name).startswith("__index_level_")  # pandas' saved index, not a column of the rows


def _range_index_names(path: Path) -> set[str]:
    """Names of the pandas indexes ``path`` keeps in its metadata only: a RangeIndex is saved as start, stop and
    step, without a column (``df.set_index("Id")`` of ids 1..n is one). Empty when the file says nothing of it."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        meta = (pq.read_schema(path).metadata or {}).get(b"pandas")
        indexes = json.loads(meta)["index_columns"] if meta else []
    except (pa.ArrowException, OSError, ValueError, KeyError, TypeError):
        return set()
    return {str(i["name"]) for i in indexes if isinstance(i, dict) and i.get("kind") == "range" and i.get("name")}


def check_parquet_columns(path: Path, names: list, expected: tuple[str, ...]) -> None:
    """The header rule of a CSV file for a parquet file's column names (pandas' saved index left out).

    A parquet file has no header line: each problem names the column only. A missing column that the file
    keeps as its pandas index, without a column (`_range_index_names`), says so and how to write it: "column is
    missing" alone is true of the file, but sends its writer looking for a column they can see in pandas.
    """
    try:
        check_header(path, [str(c) for c in names if not _stored_index(c)], expected, text=False)
    except DataContractError as exc:
        missing = {p.column for p in exc.problems if p.message.startswith("column is missing")}
        indexed = _range_index_names(path) & missing if missing else set()
        raise DataContractError([
            ContractProblem(p.file, p.message + (_INDEX_HINT.format(p.column) if p.column in indexed else ""), None,
                            p.column)
            for p in exc.problems
        ]) from None


_INDEX_HINT = ("; {} is saved as the file's pandas index, not as a column: write it as one, with "
               "df.reset_index().to_parquet(path) or df.to_parquet(path, index=True)")


def parquet_columns(path: Path) -> list[str]:
    """The column names of a parquet file, without reading its data."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    read_head(path, 4)  # a file that cannot be opened: the contract's message, not a PermissionError
    try:
        return list(pq.read_schema(path).names)
    except (pa.ArrowException, OSError) as exc:
        raise DataContractError(problem(path, f"not readable as parquet ({exc}): write the file again")) from None


def parquet_frame(data) -> pd.DataFrame:
    """A pyarrow Table or RecordBatch as a frame of the columns its file holds, whatever pandas saved with it.

    Why: ``to_pandas`` turns a column that pandas saved as a named index (``df.set_index("Store").to_parquet()``)
    back into the index, so the contract read a file whose schema lists Store as a frame without it: a
    KeyError traceback, or "column is missing" for a column the file has. An unnamed saved index
    (``__index_level_0__``) is no column of the rows and is dropped.
    """
    data, exact = _decimals_as_numbers(_periods_as_dates(_binary_as_text(data)))
    frame = data.to_pandas(ignore_metadata=True)
    # "" (a file written from text, as pandas' dtype=str or a Spark job of strings write an empty CSV cell) or only
    # spaces is a missing value, as the CSV reader takes it: an unknown Promo2SinceWeek was refused as "got ''"
    frame = blanks_as_missing(frame.drop(columns=[c for c in frame.columns if _stored_index(c)]))
    frame.attrs["decimal_text_columns"] = exact  # numbers with a fraction, as text: no thousands dot (parquet_text)
    return frame


def _period_freq(field) -> str | None:
    """The frequency of a pandas Period column ("D", "M", ...), None for any other column.

    pandas writes a Period column as its int64 ordinals, tagged ``pandas.period``: read as the extension type
    once pandas has registered it (it does so on its first ``to_parquet``), else as plain int64 whose field
    metadata keeps the tag.
    """
    import json

    if getattr(field.type, "extension_name", None) == "pandas.period":
        return str(field.type.freq)
    meta = field.metadata or {}
    if meta.get(b"ARROW:extension:name") != b"pandas.period":
        return None
    try:
        return str(json.loads(meta.get(b"ARROW:extension:metadata", b"{}"))["freq"])
    except (ValueError, KeyError, TypeError):
        return "unknown"


def _check_periods(path: Path, schema) -> None:
    """Refuse a pandas Period column of any frequency but days (``df.Date.dt.to_period("M")``), naming it.

    Why: its cells are month (or week, ...) numbers, not dates; read as numbers they were refused as "got '541'"
    on every row, with no word of what the column was. A daily Period column is read as its dates
    (``parquet_frame``).
    """
    periods = [(f, _period_freq(f)) for f in schema]
    wrong = [(f, freq) for f, freq in periods if freq not in (None, "D")]
    if wrong:
        raise DataContractError([problem(path, f"expected a date per row, got a pandas Period column of frequency "
                                               f"{freq}, not days: write dates as date32 or text (YYYY-MM-DD)",
                                         column=f.name) for f, freq in wrong])


def _periods_as_dates(data):
    """A pandas Period column of days (``df.Date.dt.to_period("D")``) as the dates it holds; others unchanged.

    Why: its cells are day numbers since 1970-01-01, so a file that pandas never registered the Period type in
    read 2015-09-17 as 16695 and refused every row ("got '16695'"), while one that had registered it passed
    the whole read and was refused by the chunked one (``batch.iter_rows``).
    """
    import pyarrow as pa

    for i, field in enumerate(data.schema):
        if _period_freq(field) != "D":
            continue
        try:
            days = data.column(i).cast(pa.int64()).cast(pa.int32()).cast(pa.date32())
        except pa.ArrowInvalid:  # beyond any date: left as the numbers, which the date rule refuses
            continue
        data = data.set_column(i, pa.field(field.name, pa.date32()), days)
    return data


def _binary_as_text(data):
    """Binary columns that hold UTF-8 text as the text columns they are; any other column unchanged.

    Why: Impala, Hive and older Spark write strings as BINARY without the UTF8 annotation, so a StateHoliday
    of "0" came back as the bytes b"0" and was refused as "got \"b'0'\"" on every row; and in a chunked read
    (``batch.iter_rows``) one byte that is no UTF-8 ended in a UnicodeDecodeError traceback.
    """
    import pyarrow as pa

    def binary(kind) -> bool:  # fixed-size binary too: Impala's CHAR(n), a UUID column; a view as Arrow 15+ reads
        return (pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_fixed_size_binary(kind)
                or pa.types.is_binary_view(kind))

    for i, field in enumerate(data.schema):
        column = data.column(i)
        if pa.types.is_dictionary(field.type) and binary(field.type.value_type):  # pandas' categorical of bytes
            column = column.cast(field.type.value_type)
        elif not binary(field.type):
            continue
        try:
            text = column.cast(pa.string())
        except pa.ArrowInvalid:  # a value that is no UTF-8 is shown as its bytes, and refused as such
            text = pa.array([None if v is None else _decoded(v) for v in column.to_pylist()], pa.string())
        data = data.set_column(i, field.name, text)
    return data


def _decimals_as_numbers(data) -> tuple:
    """DECIMAL columns as the integers they hold (exactly), else as floats; any other column unchanged; and the
    names of those read as exact text with a fraction (below).

    Why: pandas gets a DECIMAL column (as databases and Spark write money and distances) as ``Decimal`` objects,
    whose text ``440.000`` was refused as a thousands dot ("write 440000") though the file says it is the
    number 440, and a whole read and a chunked read (``batch.iter_rows``) judged such cells apart. pyarrow's
    safe cast to int64 refuses any fraction or overflow, so only then are the values read as floats, which
    keep the fraction for the contract to judge (a Sales of 68.90 is refused, a distance of 570.125 is not).
    A fraction that a float cannot hold (an Id of 1234567890123456789.5 is the float 1234567890123456768) makes
    the column exact text instead: read through the float, such an Id was a whole number, and accepted.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    exact: list[str] = []
    for i, field in enumerate(data.schema):
        if not pa.types.is_decimal(field.type):
            continue
        column = data.column(i)
        try:
            number = column.cast(pa.int64())
        except pa.ArrowInvalid:  # a fraction, or a whole number beyond int64: quoted exactly, as the file holds it
            fraction = pc.not_equal(pc.floor(column), column)  # decimal arithmetic: exact at any size
            number = column.cast(pa.float64(), safe=False)
            if not pc.any(fraction).as_py():
                number = pa.array([None if v is None else str(int(v)) for v in column.to_pylist()], pa.string())
            elif pc.any(pc.and_(fraction, pc.equal(pc.floor(number), number))).as_py():  # a fraction a float loses
                number = pa.array([None if v is None else _decimal_text(v) for v in column.to_pylist()], pa.string())
                exact.append(field.name)
        data = data.set_column(i, field.name, number)
    return data, tuple(exact)


def _decimal_text(value) -> str:
    """A ``Decimal`` as plain text, exactly: "440" for 440.000, "1234567890123456789.5" (no exponent)."""
    return str(int(value)) if value == value.to_integral_value() else format(value.normalize(), "f")


def _decoded(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return repr(value)


def _text(col: pd.Series, *, code: bool = False, flag: bool = False) -> tuple[pd.Series, bool]:
    """One column as the text a CSV file would hold: dates YYYY-MM-DD, whole floats without ".0", missing NaN.

    A ``code`` column (StateHoliday, StoreType, ...) keeps a float's ".0": 0.0 is no code, as "0.0" in a
    CSV file is none; only a number column's whole float is the integer it stands for (an int column
    with nulls comes back from parquet as floats). Likewise a code column of booleans is written "False" /
    "True", not "0" / "1": a column of flags is no StateHoliday (which day of "True" would be 'a'?), and
    a chunked read (``batch.iter_rows``) refuses it too. Only a ``flag`` column (Open, Promo, ...: 0 or 1) reads
    booleans as "1" / "0": a Sales, Store or DayOfWeek of True was read as 1 (store 1, a Monday) without a word.

    Also says whether every value is ASCII of 10 characters (as YYYY-MM-DD is), checked on the distinct
    values: cheap here, where a per-cell check of an object column would cost more than parsing it
    (data._dates uses the answer).
    """
    codes, uniques = pd.factorize(col)
    if isinstance(uniques, pd.DatetimeIndex):  # read as data._dates.date_values reads datetimes: a zone's own
        local = uniques.tz_localize(None)          # date, and a time of day written out, so that it is refused
        timed = local != local.normalize()
        text = [str(u) if t else day for u, day, t in zip(uniques, local.strftime("%Y-%m-%d"), timed, strict=True)]
    elif pd.api.types.is_float_dtype(uniques):
        text = [str(int(v)) if float(v).is_integer() and not code else repr(float(v)) for v in uniques]
    elif pd.api.types.is_bool_dtype(uniques) and flag:
        text = ["1" if v else "0" for v in uniques]
    elif pd.api.types.is_bool_dtype(uniques):  # False is no "0": a number or code column of flags is refused
        text = [str(bool(v)) for v in uniques]
    else:
        text = [str(v) for v in uniques]
    iso_long = all(t.isascii() and len(t) == 10 for t in text)
    # the string dtype a CSV file's cells have (code -1, a missing value, becomes NaN), so both are parsed alike
    values = pd.array(text, dtype="str").take(codes, allow_fill=True)
    return pd.Series(values, index=col.index), iso_long


def parquet_text(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (``parquet_frame``) as text columns, the one conversion of a whole read and a chunked one.

    ``attrs["iso_length_text"]`` names the columns whose every value is ASCII of 10 characters (``_text``);
    ``attrs["float_columns"]`` those the file stores as floats, or as decimals read as exact text with a fraction
    (``_decimals_as_numbers``), whose text is no thousands dot ("570.125" of a float is 570.125, not 570125).
    Why one: a chunked read's messages quote the cell as the whole read shows it.
    """
    columns = {c: _text(frame[c], code=c in _CODE_COLUMNS, flag=c in _FLAG_COLUMNS) for c in frame.columns}
    raw = pd.DataFrame({c: text for c, (text, _) in columns.items()}, index=frame.index)
    raw.attrs["iso_length_text"] = tuple(c for c, (_, iso) in columns.items() if iso)
    raw.attrs["float_columns"] = tuple(c for c in frame.columns if pd.api.types.is_float_dtype(frame[c])
                                       or c in frame.attrs.get("decimal_text_columns", ()))
    return raw


def read_parquet_text_frame(path: Path, kind: str,
                            expected: tuple[str, ...]) -> tuple[pd.DataFrame, list[ContractProblem]]:
    """Read a parquet file as text columns, indexed so that row ``i + 1`` of the file has index ``i - 1``.

    The index makes the contract's ``index + 2`` (a CSV line) the 1-based row number; `as_rows` then
    words it as a row.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not path.is_file():  # named as itself: "store.parquet ... expected store.csv here" sent the reader elsewhere
        raise DataContractError(not_a_file(path, path.name))
    head = read_head(path, 4)
    if head != _PARQUET_MAGIC:
        raise DataContractError(problem(path, "not a parquet file (it does not start with PAR1): write it with "
                                              "pandas.DataFrame.to_parquet or pass the .csv"))
    # the columns first, from the footer: read_table refuses a column named twice with its whole schema as the
    # message ("Multiple matches for FieldRef.Name(Sales) in Store: int64 ..."), not the header rule's words
    check_parquet_columns(path, parquet_columns(path), expected)
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise DataContractError(problem(path, f"not readable as parquet ({exc}): write the file again")) from exc
    check_cell_types(path, table.schema)
    if table.num_rows == 0:
        raise DataContractError(problem(path, "no data rows: expected at least one row"))
    raw = parquet_text(parquet_frame(table))
    raw.index = pd.RangeIndex(-1, len(raw) - 1)
    return raw, []


def check_cell_types(path: Path, schema) -> None:
    """Refuse the columns of a pyarrow ``schema`` whose cells no rule of the contract reads: a list, struct or map
    per cell (`_check_flat`), a pandas Period of months or weeks (`_check_periods`). The one check of a whole read
    and a chunked one (``batch.iter_rows``), so both name such a column alike."""
    _check_flat(path, schema)
    _check_periods(path, schema)


def _check_flat(path: Path, schema) -> None:
    """Refuse the columns of a pyarrow ``schema`` that hold a list, struct or map per cell, naming each.

    No rule of the contract applies to them, and pandas cannot even compare them. Why one function: the chunked
    read (``batch.iter_rows``) lacked the whole read's check, so ``storecast predict`` on such a file ended in a
    TypeError traceback ("unhashable type: 'dict'") where ``validate`` named the column.
    """
    import pyarrow as pa

    nested = [f for f in schema if pa.types.is_nested(f.type)]
    if nested:
        raise DataContractError([problem(path, f"expected one value per row, got a column of type {f.type}: write "
                                               "plain numbers or text", column=f.name) for f in nested])


def as_rows(p: ContractProblem) -> ContractProblem:
    """A problem located by CSV line, worded for a parquet file: ``file, row N`` (row 1 = first data row)."""
    if p.line is None:
        return p
    message = p.message.replace("first on line ", "first on row ")
    return ContractProblem(f"{p.file}, row {p.line}", message, None, p.column)


def parquet_parts(path: Path, expected: str = "part-*.parquet") -> list[Path]:
    """The parquet files (`is_parquet`) of a partitioned directory, in name order (part-00000, part-00001, ...).

    Raises DataContractError naming the directory (and what was ``expected`` in it) when it holds none, and
    naming each CSV file or folder of parquet files in it, whose rows would be left out (`_left_out`).
    """
    left_out = _left_out(path)
    if left_out:
        raise DataContractError(left_out)
    parts = _parquet_files(path)
    if not parts:
        raise DataContractError(problem(path, f"no parquet files (.parquet, .pq) in this directory: expected "
                                              f"{expected}"))
    return parts


def train_parts(path: Path) -> list[Path]:
    """The parts of a partitioned train dataset (``train/part-*.parquet``), those without rows left out.

    Why: Spark and Dask write a part for every partition, an empty one included; the whole dataset was refused
    for it ("no data rows"). A dataset whose every part is empty keeps them, so that each says so.
    """
    parts = parquet_parts(path, f"{s.TRAIN_FILE}, train.parquet or train/part-*.parquet")
    with_rows = [p for p in parts if not _without_rows(p)]
    return with_rows or parts


def _without_rows(path: Path) -> bool:
    """True for a readable parquet file whose footer counts no rows; any other file is the contract's to judge."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.read_metadata(path).num_rows == 0
    except (pa.ArrowException, OSError):
        return False


def train_files(root: Path) -> list[Path]:
    """The files a data directory's train data is read from: train.csv, train.parquet or train/'s parts with rows.

    The one rule of which files hold the training rows (``train_parts``: an empty part is left out), for the Dask
    engine's partitions and every model card's ``data_fingerprint`` (``input_files``).
    """
    train = data_file(root, s.TRAIN_FILE)
    return train_parts(train) if train.is_dir() else [train]


def input_files(root: Path) -> list[Path]:
    """The files a training run reads from ``root``, in order: train's (``train_files``), store's, the states file.

    Why one list: the local engine hashed every part of train/ while the Dask engine hashed only the parts with
    rows, so the same folder with an empty part (Spark and Dask write one) got two data fingerprints. Files
    that do not exist (no states file) are left out.
    """
    return [p for p in (*train_files(root), data_file(root, s.STORE_FILE), root / s.STATES_FILE) if p.is_file()]
