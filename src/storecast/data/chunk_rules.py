"""The file contract's whole-file rules for a rows file read in chunks: its columns, and no key twice.

Why: ``storecast predict --input`` reads a file longer than one chunk, or any parquet file, chunk by chunk, and
each chunk passes the row contract (``validate_rows``), which sees one chunk and takes any columns it can use.
The same file read in one piece is held to test.csv's (or train.csv's) exact columns and refuses a repeated Id or
(Store, Date): so a parquet file without an Id column was forecast into a CSV without Ids, and a key in two
chunks into two output rows. These checks give a chunked read the same rules and the same words.
"""

from __future__ import annotations

__all__ = ["RepeatedKeys", "check_layout", "repeat_problem", "counted_header_again"]

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.data._csvfile import HEADER_AGAIN, header_again
from storecast.data._csvheader import check_header
from storecast.data._parquetfile import as_rows, check_parquet_columns
from storecast.errors import ContractProblem, DataContractError

_MAX_LISTED = 10
_DAY = np.timedelta64(1, "D")


def check_layout(path: Path, columns: Sequence[str], *, parquet: bool) -> None:
    """Refuse columns other than test.csv's, or train.csv's (with or without Id) when Sales is among them, as a
    whole read does."""
    expected: tuple[str, ...] = s.TEST_COLUMNS
    if s.SALES in columns:
        expected = s.SCORED_COLUMNS if s.ID in columns else s.TRAIN_COLUMNS
    if parquet:
        check_parquet_columns(path, list(columns), expected)
    else:
        check_header(path, [str(c) for c in columns], expected)


class RepeatedKeys:
    """The keys of the rows read so far; a key seen before, in this chunk or an earlier one, is refused.

    ``keys``: ``("Id",)`` or ``("Store", "Date")``. Each key is one int64 (a Store and a day since 1970 packed
    into one), kept in sorted numpy arrays with its first row's position: 16 bytes a row, not Python objects.
    ``parquet``: problems name rows (from 1), else the file's lines.
    """

    def __init__(self, path: Path, keys: tuple[str, ...], *, parquet: bool) -> None:
        self.path, self.keys, self.parquet = path, keys, parquet
        self.seen = np.empty(0, dtype=np.int64)
        self.first = np.empty(0, dtype=np.int64)  # each key's position in the file (position 0 = the first row)

    def _packed(self, rows: pd.DataFrame) -> np.ndarray:
        if self.keys == (s.ID,):
            return rows[s.ID].to_numpy(dtype=np.int64)
        days = ((rows[s.DATE].to_numpy(dtype="datetime64[D]") - np.datetime64("1970-01-01")) // _DAY).astype(np.int64)
        return rows[s.STORE].to_numpy(dtype=np.int64) * 1_000_000 + days  # days of 1970..4707 stay below 1e6

    def add(self, rows: pd.DataFrame) -> None:
        """Take one chunk (indexed by position in the file); raise naming the first repeats, else remember it."""
        packed = self._packed(rows)
        order = np.argsort(packed, kind="stable")
        keys, at = packed[order], rows.index.to_numpy(dtype=np.int64)[order]
        first_here = at[np.searchsorted(keys, keys)]  # position of the first equal key in this chunk
        repeat = np.r_[False, keys[1:] == keys[:-1]]
        earlier = np.zeros(len(keys), dtype=bool)
        if len(self.seen):
            k = np.minimum(np.searchsorted(self.seen, keys), len(self.seen) - 1)
            earlier = self.seen[k] == keys
            first_here = np.where(earlier, self.first[k], first_here)
        bad = np.flatnonzero(repeat | earlier)
        if len(bad):
            bad = bad[np.argsort(at[bad], kind="stable")][:_MAX_LISTED]
            raise DataContractError([self._problem(rows, int(order[i]), int(at[i]), int(first_here[i])) for i in bad])
        where = np.searchsorted(self.seen, keys)
        self.seen, self.first = np.insert(self.seen, where, keys), np.insert(self.first, where, at)

    def _problem(self, rows: pd.DataFrame, row: int, at: int, first: int) -> ContractProblem:
        shown = ", ".join(f"{k}={_shown(rows[k].iloc[row])}" for k in self.keys)
        return repeat_problem(self.path, self.keys, shown, at, first, parquet=self.parquet)


def repeat_problem(path: Path, keys: tuple[str, ...], shown: str, at: int, first: int, *,
                   parquet: bool) -> ContractProblem:
    """A key (``shown``: ``Id=3``) at file position ``at`` repeating the row at ``first`` (positions from 0),
    worded as a whole read words it: ``file, line N`` (or ``row N``) ``, column `Id`: expected each (Id) once, ...``.

    Why public: a key repeated inside one chunk (``batch.iter_rows``, from ``validate_rows``) reads as one repeated
    across chunks and as in a file read whole.
    """
    what, fix = f"expected each ({', '.join(keys)}) once, got ({shown}) again", "remove one of the two lines"
    column = "/".join(keys)
    if parquet:  # worded as a whole read words a parquet file's problems: ``file, row N, column X``
        return as_rows(ContractProblem(str(path), f"{what}, first on line {first + 1}: {fix}", at + 1, column))
    return ContractProblem(str(path), f"{what}, first on line {first + 2}: {fix}", at + 2, column)


def _shown(value: object) -> str:
    return f"{value:%Y-%m-%d}" if isinstance(value, pd.Timestamp) else str(value)


def counted_header_again(found: ContractProblem, keys: Sequence[tuple[str, ...]]) -> ContractProblem:
    """``found``, when it is the chunked read's repeated header line, saying how many rows after it repeat a key of
    ``keys`` of an earlier row (the key most repeated), as a whole read of the file says it (``header_again``);
    any other problem as it is.

    Why: the chunked read stops at that line, so it had read no row after it and gave no count; ``cat test.csv
    test.csv`` then read as one stray line, not as a file twice over. The rows are read again here, the key
    columns only, as text (an Id written ``01`` is not ``1`` here), on this refusal alone; a file pandas cannot
    read past the line keeps the message without a count.
    """
    if found.message != HEADER_AGAIN:
        return found
    wanted = {c for key in keys for c in key}
    try:
        cells = pd.read_csv(found.file, usecols=lambda name: name.strip() in wanted, dtype=str, keep_default_na=False,
                            skip_blank_lines=False, encoding="utf-8-sig", engine="c")
    except (ValueError, OSError):  # pandas' ParserError and a decoding error are ValueErrors
        return found
    cells = cells.rename(columns=str.strip).apply(lambda column: column.str.strip())
    after = cells.index.to_numpy() + 2 > (found.line or 0)  # row i is line i + 2
    counts = {}
    for key in keys:
        if set(key) <= set(cells.columns):
            rows = cells[list(key)]
            header = (rows == list(key)).all(axis=1).to_numpy()  # each header line again: no data row
            filled = (rows != "").all(axis=1).to_numpy()  # a blank line or a key left empty repeats no key
            counts["/".join(key)] = int((rows.duplicated().to_numpy() & after & filled & ~header).sum())
    names, repeated = max(counts.items(), key=lambda kv: kv[1], default=("", 0))
    return replace(found, message=header_again(repeated, names))

