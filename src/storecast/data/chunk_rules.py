"""The file contract's whole-file rules for a rows file read in chunks: its columns, and no key twice.

Why: ``storecast predict --input`` reads a file longer than one chunk, or any parquet file, chunk by chunk, and
each chunk passes the row contract (``validate_rows``), which sees one chunk and takes any columns it can use.
The same file read in one piece is held to test.csv's (or train.csv's) exact columns and refuses a repeated Id or
(Store, Date): so a parquet file without an Id column was forecast into a CSV without Ids, and a key in two
chunks into two output rows. These checks give a chunked read the same rules and the same words; so do
``FlagWords`` for yes/no words in a 0/1 column and ``UnparsedColumns`` for a column none of whose values parse
(CSV or parquet), one problem for the column across chunks.
"""

from __future__ import annotations

__all__ = ["BadCells", "FlagWords", "RepeatedKeys", "UnparsedColumns", "check_layout", "repeat_problem",
           "counted_header_again"]

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.data._csvfile import HEADER_AGAIN, header_again
from storecast.data._csvheader import check_header
from storecast.data._numbers import whole_numbers
from storecast.data._parquetfile import as_rows, check_parquet_columns
from storecast.data._schemas import REQUIRED, VALUES
from storecast.data.contract import (
    FLAG_COLUMNS,
    FLAG_WORDS,
    MAX_REPORTED,
    cell_problem,
    column_problem,
    flag_words,
    flag_words_problem,
    not_listed,
    parquet_text,
    repeat_message,
    rows_layout,
    unparsed_cells,
)
from storecast.errors import ContractProblem, DataContractError

_MAX_LISTED = 10
_DAY = np.timedelta64(1, "D")


def check_layout(path: Path, columns: Sequence[str], *, parquet: bool) -> None:
    """Refuse columns other than test.csv's, or train.csv's (with or without Id) when Sales is among them, as a
    whole read does: those of the layout ``contract.rows_layout`` picks, the rule ``load_rows`` reads by."""
    expected = REQUIRED[rows_layout(columns)]
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

    def add(self, rows: pd.DataFrame, chunk: pd.DataFrame | None = None) -> None:
        """Take one chunk (indexed by position in the file); raise naming the first repeats, else remember it.

        ``chunk``: the chunk as read from the file (same index), before the row contract: a repeat shows its cells
        as written, as a whole read shows them (``Store=5.0``, not the ``Store=5`` it reads as); else the values.
        """
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
            text = None if chunk is None else (  # a parquet chunk as its whole read turns it into text
                parquet_text(chunk[list(self.keys)]).set_axis(chunk.index) if self.parquet else chunk)
            raise DataContractError([self._problem(rows, int(order[i]), int(at[i]), int(first_here[i]), text)
                                     for i in bad])
        where = np.searchsorted(self.seen, keys)
        self.seen, self.first = np.insert(self.seen, where, keys), np.insert(self.first, where, at)

    def _problem(self, rows: pd.DataFrame, row: int, at: int, first: int,
                 text: pd.DataFrame | None) -> ContractProblem:
        shown = ", ".join(f"{k}={_shown(rows[k].iloc[row]) if text is None else text.at[at, k]}" for k in self.keys)
        return repeat_problem(self.path, self.keys, shown, at, first, parquet=self.parquet)


def repeat_problem(path: Path, keys: tuple[str, ...], shown: str, at: int, first: int, *,
                   parquet: bool) -> ContractProblem:
    """A key (``shown``: ``Id=3``) at file position ``at`` repeating the row at ``first`` (positions from 0),
    worded as a whole read words it: ``file, line N`` (or ``row N``) ``, column `Id`: expected each (Id) once, ...``.

    Why public: a key repeated inside one chunk (``batch.iter_rows``, from ``validate_rows``) reads as one repeated
    across chunks and as in a file read whole.
    """
    column = "/".join(keys)
    if parquet:  # worded as a whole read words a parquet file's problems: ``file, row N, column X``
        return as_rows(ContractProblem(str(path), repeat_message(keys, shown, first + 1), at + 1, column))
    return ContractProblem(str(path), repeat_message(keys, shown, first + 2), at + 2, column)


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


_WORDS_LISTED = 20  # a column's yes/no words listed per chunk when they stay row problems, as validate_rows lists


class FlagWords:
    """The yes/no words (TRUE/FALSE, yes/no) in the 0/1 columns of a file read in chunks, counted across its chunks.

    Why: a whole read says them in one problem per column (``contract.flag_words_problem``: two or more, and no
    other text there that is no whole number), but each chunk listed them row by row, 20 a chunk and a count of the
    rest, for one fix. Each chunk's words are listed among its problems as before (counted apart from the cap on
    problems, so the count covers the file), and ``settle`` turns them into the whole read's one problem at the
    end, when the file allows it.
    """

    def __init__(self, path: Path, *, parquet: bool) -> None:
        self.path, self.parquet = path, parquet
        self.count: dict[str, int] = {}
        self.first: dict[str, tuple[int, object]] = {}  # the first word's place (line or row) and text
        self.given: dict[str, set[str]] = {}  # as written, without spaces and tabs around
        self.listed: dict[int, str] = {}  # id() of each problem listed for words -> its column
        self.mixed: set[str] = set()  # columns with a cell that is no whole number nor such a word: listed by row

    def take(self, frame: pd.DataFrame, done: int) -> tuple[pd.DataFrame, list[tuple[ContractProblem, int]]]:
        """``frame`` (a chunk indexed by file position) with each word read as what it means, which the row contract
        passes, and the problems listed for them, each with its row in the chunk."""
        held: list[tuple[ContractProblem, int]] = []
        copied = False
        for column in FLAG_COLUMNS:
            if column not in frame.columns or frame[column].dtype.kind != "O":  # text; a number or bool is no word
                continue
            unparsed = whole_numbers(frame[column])[1]
            if column == s.OPEN:  # an empty Open is read as open, or is the value rule's problem, not the parse's
                unparsed &= frame[column].notna().to_numpy()
            if not unparsed.any():
                continue
            found = flag_words(frame[column][unparsed])
            if len(found) < unparsed.sum():  # as a whole read: words among other text that does not parse (or an
                self.mixed.add(column)  # empty Promo) stay row problems
            if found.empty:
                continue
            at = found.index.to_numpy(dtype=np.int64)
            if column not in self.count:
                self.first[column] = (int(at[0]) + (1 if self.parquet else 2), frame.at[at[0], column])
            self.count[column] = self.count.get(column, 0) + len(found)
            self.given.setdefault(column, set()).update(found)
            text = frame[[column]].set_axis(frame.index - 1) if self.parquet else frame
            for i in at[:_WORDS_LISTED]:  # worded as every other bad cell of the file
                held.append((cell_problem(self.path, text, int(i) - (1 if self.parquet else 0), column), int(i) - done))
            if len(at) > _WORDS_LISTED:
                held.append((ContractProblem(str(self.path), f"{len(at) - _WORDS_LISTED} more rows with a bad {column}",
                                             column=column), len(frame)))
            if not copied:
                frame, copied = frame.copy(), True
            frame.loc[found.index, column] = found.str.lower().map(FLAG_WORDS).astype(str)
        self.listed.update((id(problem), problem.column or "") for problem, _ in held)
        return frame, held

    def settle(self, found: list[ContractProblem], rows: int) -> list[ContractProblem]:
        """``found`` with each column's listed words as the whole read's one problem, first, where the column has
        two or more and no other bad value (of ``rows`` read); else as listed."""
        whole, gone = [], set()
        for column in FLAG_COLUMNS:  # in the order a whole read checks them
            count = self.count.get(column, 0)
            if count < 2 or column in self.mixed:
                continue
            first_at, first = self.first[column]
            whole.append(column_problem(self.path, column, first, first_at, rows) if count == rows
                         else flag_words_problem(self.path, column, self.given[column], count, first_at))
            gone |= {key for key, listed in self.listed.items() if listed == column}
        return whole + [p for p in found if id(p) not in gone]


class UnparsedColumns:
    """The columns of a rows file read in chunks none of whose values parse, so far (every Date 31.07.2015).

    Why: a whole read says such a column in one problem (``contract.column_problem``: the first row's value, and
    that no line holds one that parses), but each chunk listed it row by row, 20 a chunk and a count, and the read
    stopped after the first chunk, "checked up to line 100,001 only". Its cells are ``BadCells``', which do not
    count toward that cap, so the whole file is read, and ``settle`` turns them into the whole read's one problem
    (``BadCells.settle`` leaves them out). Only a column whose first cell does not parse is followed.
    ``parquet``: a parquet file's chunk is typed, but a column it stores as text (a Date of '31.07.2015' strings)
    parses no more than a CSV file's: its cells are judged as the whole read's text (``parquet_text``), at rows.
    """

    def __init__(self, path: Path, *, parquet: bool = False) -> None:
        self.path, self.parquet = path, parquet
        self.layout = ""
        self.first: dict[str, object] | None = None  # column -> its first row's cell, while none of its cells parsed

    def take(self, frame: pd.DataFrame) -> None:
        """Read one chunk (CSV: text, as the file writes it): a column with a cell that parses is followed no more."""
        if self.first is None:  # the first chunk: the layout, and the columns whose first cell does not parse
            self.layout = rows_layout(frame.columns)
            head = self._text(frame.iloc[:1])
            self.first = {str(column): head[column].iat[0] for column in head.columns if len(head) and (
                (bad := _unparsed(head, column, self.layout)) is not None and bad.all())}
        followed = [column for column in self.first if column in frame.columns]
        text = self._text(frame[followed]) if followed else frame[followed]
        for column in list(self.first):
            bad = _unparsed(text, column, self.layout) if column in text.columns else None
            if bad is None or not bad.all():
                del self.first[column]

    def _text(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The chunk's text as its whole read sees it: a CSV chunk as it is, a parquet chunk through ``parquet_text``
        (of the columns followed only, after the first row)."""
        return parquet_text(frame) if self.parquet else frame

    def whole_columns(self, rows: int) -> set[str]:
        """The columns none of whose values parse in a file of ``rows`` rows read through: said once (``settle``)."""
        return set(self.first or {}) if rows > 1 else set()

    def settle(self, found: list[ContractProblem], rows: int) -> list[ContractProblem]:
        """``found`` (the problems of the whole file, of ``rows`` rows) with each column none of whose values parses
        said once, first, as a whole read says it (two rows or more, as there); else as listed."""
        whole_columns = self.whole_columns(rows)
        columns = {column: first for column, first in (self.first or {}).items() if column in whole_columns}
        first_at = 1 if self.parquet else 2  # the first row (parquet) or line (CSV, after its header)
        whole = [column_problem(self.path, column, first, first_at, rows) for column, first in columns.items()]
        return whole + [p for p in found if p.column not in columns]


def _unparsed(text: pd.DataFrame, column: str, layout: str, positions: np.ndarray | None = None) -> np.ndarray | None:
    """``contract.unparsed_cells`` of ``text[column]`` (its rows at ``positions``, default all), with what
    ``parquet_text`` noted of a parquet file's column (``text.attrs``): the whole read's rule for a chunk's cells."""
    values = text[column] if positions is None else text[column].iloc[positions]
    return unparsed_cells(values, layout, iso_length=column in text.attrs.get("iso_length_text", ()),
                          stored_float=column in text.attrs.get("float_columns", ()))


class BadCells:
    """The bad cells of a rows file read in chunks, listed and counted for the file as a whole read lists them.

    Why: each chunk's row contract listed 20 bad cells a column and a count of the rest ("205 more rows with a bad
    Promo"), and the read stopped past 200 problems: a column with many bad cells was 20 a chunk, where a whole
    read lists the file's first 200 and one note with the true total. As there (``contract._parse``,
    ``_run_schema``): cells that do not parse, the first `MAX_REPORTED` in file order, apart from cells whose value
    breaks a rule, the first `MAX_REPORTED` column by column (the schema's order), these not in a row with a cell
    that does not parse; each with its "N more ... not listed" note. Each column keeps its first `MAX_REPORTED` of
    each kind, worded when kept, and a count.
    """

    def __init__(self, path: Path, *, parquet: bool) -> None:
        self.path, self.parquet = path, parquet
        self.layout = ""
        self.handed: dict[str, np.ndarray] = {}  # this chunk's bad cells: column -> positions in the chunk
        self.count: dict[tuple[bool, str], int] = {}  # (parses, column) -> cells
        self.kept: dict[tuple[bool, str], list[tuple[int, ContractProblem]]] = {}  # the first: (position, problem)

    def hand(self, column: str, positions: np.ndarray) -> None:
        """``validate_rows``'s ``bad_values``: one column's bad cells of the chunk being checked."""
        self.handed[column] = positions

    def any(self) -> bool:
        return bool(self.count)

    def take(self, frame: pd.DataFrame) -> None:
        """The cells handed for ``frame`` (the chunk checked, indexed by position in the file): kept and counted."""
        handed, self.handed = self.handed, {}
        if not handed:
            return
        self.layout = self.layout or rows_layout(frame.columns)
        text = parquet_text(frame).set_axis(frame.index - 1) if self.parquet else frame  # as _placed words a cell
        unparsed = {}
        for column, positions in handed.items():
            bad = _unparsed(text, column, self.layout, positions)
            unparsed[column] = np.zeros(len(positions), dtype=bool) if bad is None else np.asarray(bad, dtype=bool)
        rows_unparsed = np.concatenate([positions[unparsed[c]] for c, positions in handed.items()])
        for column, positions in handed.items():
            for parses in (False, True):
                at = positions[~unparsed[column]] if parses else positions[unparsed[column]]
                if parses:  # a whole read checks the values of the rows whose every cell parsed
                    at = at[~np.isin(at, rows_unparsed)]
                if not len(at):
                    continue
                key = (parses, column)
                self.count[key] = self.count.get(key, 0) + len(at)
                kept = self.kept.setdefault(key, [])
                for i in frame.index.to_numpy()[np.sort(at)[:MAX_REPORTED - len(kept)]]:
                    kept.append((int(i), cell_problem(self.path, text, int(i) - (1 if self.parquet else 0), column)))

    def settle(self, leave: set[str]) -> tuple[list[ContractProblem], list[tuple[int, ContractProblem]]]:
        """The notes of cells not listed, and the cells listed with their positions, as a whole read lists them;
        the columns in ``leave`` (said once for the column) left out."""
        notes, listed = [], []
        columns = [c for c in VALUES[self.layout].columns if c not in leave] if self.layout else []
        for parses, what in ((False, "values that do not parse"), (True, "bad values")):
            keys = [key for key in self.kept if key[0] == parses and key[1] not in leave]
            if parses:  # column by column, as pandera lists a schema's failures
                keys.sort(key=lambda key: columns.index(key[1]) if key[1] in columns else len(columns))
                cells = [(at, column, p) for _, column in keys for at, p in self.kept[(parses, column)]]
            else:  # by row, then column name, as a whole read sorts the cells that do not parse
                cells = sorted((at, column, p) for _, column in keys for at, p in self.kept[(parses, column)])
            listed += [(at, p) for at, _, p in cells[:MAX_REPORTED]]
            notes += not_listed(self.path, sum(self.count[key] for key in keys), what)
        return notes, listed
