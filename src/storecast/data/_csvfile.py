"""Line-level checks of the data contract and the two CSV readers that run every check of a contract file.

pandas reads many broken files without complaint (a semicolon file becomes one column, a truncated last line
is padded with NaN, a blank line becomes a row of NaN), so these checks run before any value is looked at
and turn each case into a `ContractProblem` that names the line and says how to fix the file.

What a path and its first bytes are is ``_filecheck``, the header line ``_csvheader``; here are the checks of
the lines (the first and the last, a Ctrl-Z, a lone CR, ragged, blank and repeated header lines, a value over
several lines), the one pass that counts the lines (``scan_lines``), and the two readers that run every check, whole
(``read_text_frame``) and in chunks (``read_text_chunks``).
"""

from __future__ import annotations

__all__ = ["read_text_chunks", "read_text_frame", "blank_cells", "blanks_as_missing", "LineScan", "scan_lines",
           "HEADER_AGAIN", "header_again"]

import csv
import io
import re
import sys
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from storecast.data._csvheader import check_header, read_header
from storecast.data._filecheck import _EXPORT_HINT, _NUL_TAIL, _encoding_problem, _fields, cannot_read, problem
from storecast.errors import ContractProblem, DataContractError

# A line ends where pandas and the csv module end it: LF, CR LF or a lone CR. str.splitlines also breaks at a
# form feed, U+001C..U+001E, U+0085 and U+2028/9: one such character in a cell of the last line made it "cut
# short, the file looks truncated" instead of the bad value it is.
_LINE_END = re.compile(rb"\r\n|\r|\n")
_BLANK_END = b" \t\r\n"  # what may trail the last line (lines of only spaces at the end are blank)


def _check_last_line(path: Path, n_columns: int) -> None:
    """A file cut mid-write ends in a short line; pandas would silently pad it with NaN."""
    with path.open("rb") as fh:
        fh.seek(0, io.SEEK_END)
        size = fh.tell()
        window = 4096
        while True:  # widen until the window holds the whole last line, else its cut start looks short
            fh.seek(max(0, size - window))
            data = fh.read()
            if window >= size or _LINE_END.search(data.rstrip(_BLANK_END)):
                break
            window *= 16
    last = _LINE_END.split(data.rstrip(_BLANK_END))[-1]
    if not last:
        return
    try:
        fields = next(csv.reader([last.decode("utf-8", errors="replace")]), [])
    except csv.Error:  # a field over the csv module's 128 KiB limit: pandas reads it, the value checks judge it
        return
    if 0 < len(fields) < n_columns:
        with path.open("rb") as fh:
            data = fh.read().rstrip(_BLANK_END)
        n_lines = len(_LINE_END.findall(data)) + 1
        if (opened := _quote_opened_on(data)) is not None:
            raise DataContractError(_runs_on(path, n_lines - opened, n_lines))
        if last.strip() == b"\x1a":
            raise DataContractError(problem(path, "expected a data row, got Ctrl-Z (\\x1a, an old DOS end-of-file "
                                                  "mark): remove it", n_lines))
        what = (_NUL_TAIL if last.endswith(b"\x00")
                else f"expected {n_columns} fields, got {len(fields)}: the last line is cut short")
        raise DataContractError(problem(path, f"{what}, the file looks truncated (copy or download it again)",
                                        n_lines))


def _quote_opened_on(data: bytes) -> int | None:
    """How many lines before the last one a quoted value that the last line closes was opened, or None.

    Why: a line break inside the last line's last quoted value (``"0\\n"`` at the end of the file) left a last
    line of one field, ``"``, reported as "the last line is cut short, the file looks truncated" on the line after
    the row at fault. A last line with an odd number of quotes closes a value opened on the nearest line above
    whose quotes, with those below it, come to an even count (``""``, a quote inside a value, counts two).
    A quote never closed (a file cut inside a quoted value) balances on no data line: None, truncated it is.
    """
    lines = _LINE_END.split(data)
    quotes = lines[-1].count(b'"')
    if quotes % 2 == 0:
        return None
    for back, line in enumerate(reversed(lines[1:-1]), start=1):  # never the header line
        quotes += line.count(b'"')
        if quotes % 2 == 0:
            return back
    return None


_CTRL_Z = b"\x1a"


@dataclass(frozen=True)
class LineScan:
    """What the checks ask of a CSV file's every byte, from one pass (``scan_lines``)."""

    lines: int  # lines as pandas ends them (LF, CR LF or a lone CR), a last line without an ending included
    rows: int  # data rows by LF (by CR in an old Mac file, no LF at all), a last line without one included, blank
    # lines at the end left out as the readers leave them out (``batch.count_rows``, ``storecast predict``'s total)
    ctrl_z: int  # the offset of the first Ctrl-Z (0x1A), -1 when there is none
    lone_cr: int = 0  # CRs not followed by LF in a file that also has LF line ends (``_check_lone_cr``)


def scan_lines(path: Path) -> LineScan:
    """Count ``path``'s lines and find its first Ctrl-Z in one pass over it, in blocks.

    Why one pass: the Ctrl-Z check read every file once more beside the line count (the whole read's check for
    rows over several lines, the chunked read's row count), so a valid file was read three times, not twice.
    The rows leave out the blank lines at the end, as both readers do, and a file that ends its lines in CR
    alone (an old Mac file) counts them by CR: ``storecast predict`` announced more rows than it forecast (or
    "forecast 0 rows") and its bar ended short of 100% (or had no total).
    """
    lf = cr = crlf = 0
    ctrl_z, offset, last = -1, 0, b""
    tail_lf = tail_cr = 0  # LFs and CRs after the file's last byte that is not blank (_BLANK_END) so far
    try:
        with path.open("rb") as fh:
            while block := fh.read(1 << 20):
                lf, cr, crlf = lf + block.count(b"\n"), cr + block.count(b"\r"), crlf + block.count(b"\r\n")
                crlf += last == b"\r" and block[:1] == b"\n"  # a CR LF split between two blocks
                if ctrl_z < 0 and (at := block.find(_CTRL_Z)) >= 0:
                    ctrl_z = offset + at
                kept = len(block.rstrip(_BLANK_END))
                tail_lf = block.count(b"\n", kept) + (0 if kept else tail_lf)
                tail_cr = block.count(b"\r", kept) + (0 if kept else tail_cr)
                offset, last = offset + len(block), block[-1:]
    except OSError as exc:  # no read permission: the file's own message, not a traceback
        raise cannot_read(path, exc) from None
    lines = lf + cr - crlf + (1 if last and last not in (b"\n", b"\r") else 0)
    end, ends, tail = (b"\n", lf, tail_lf) if lf else (b"\r", cr, tail_cr)
    # the blank tail's first line end ends the last line with text; each later one (and an unended rest) a blank line
    blank_tail = tail - 1 + (last != end) if tail else 0
    return LineScan(lines=lines, rows=max(ends + (last != end) - 1 - blank_tail, 0), ctrl_z=ctrl_z,
                    lone_cr=cr - crlf if lf else 0)


def _check_ctrl_z(path: Path, header: list[str], at: int) -> None:
    """Refuse a Ctrl-Z (0x1A) anywhere in the file, naming its line and column, as one problem.

    Why: DOS and ``copy /b a.csv+b.csv`` leave this end-of-file mark in the middle of a file joined from pieces,
    where it sat in a cell ("expected a weekday number, got '3\\x1a'") or started a line that repeats the header,
    none of which says what the byte is. It runs before the header and line-length checks: a Ctrl-Z where a line
    break was lost joins two lines into one, which they reported as a column or field-count problem instead (the
    first data line and the header have no later check to fall back on). A Ctrl-Z alone on the last line is
    ``_check_last_line``'s, with its own message. ``at``: the first Ctrl-Z's offset (``scan_lines``, the pass
    that counts the lines anyway); the file is read again only when there is one.
    """
    if at < 0:
        return
    with path.open("rb") as fh:
        before = fh.read(at)
        start = max(before.rfind(b"\n"), before.rfind(b"\r")) + 1
        fh.seek(1, io.SEEK_CUR)
        if not before[start:].strip() and not any(b.strip(_BLANK_END) for b in iter(lambda: fh.read(1 << 20), b"")):
            return  # alone on the last line: _check_last_line says so
    line = len(_LINE_END.findall(before)) + 1
    prefix = before[start:].decode("utf-8", errors="replace")
    field = max(len(_fields(prefix + "x")) - 1, 0)
    column = header[field] if line > 1 and field < len(header) else None
    raise DataContractError(problem(path, "expected text, got Ctrl-Z (\\x1a, an old DOS end-of-file mark) inside "
                                          "the file, as files joined with copy /b have: remove it", line, column))


def _check_lone_cr(path: Path, header: list[str], count: int) -> None:
    """Refuse a CR without an LF after it in a file whose lines end in LF or CR LF, at its line and column.

    Why: pandas ends a line at a lone CR, so one pasted into a cell (or an LF CR line end) split its line in two
    ("expected 9 fields, got 4" and "got 6"), and every later problem was named one line too late for grep -n and
    most editors. A file that ends every line in a lone CR (an old Mac file) has one line end throughout and is read
    as before. ``count``: ``LineScan.lone_cr``; the file is read again only when it is not 0. A lone CR followed
    by nothing but blank lines at the end changes no line and is left alone.
    """
    if not count:
        return
    data = path.read_bytes()
    found = re.search(rb"\r(?!\n)", data)
    if found is None or not data[found.end():].strip(_BLANK_END):
        return
    before = data[: found.start()]  # no lone CR before the first: counting LFs counts the lines
    prefix = before[before.rfind(b"\n") + 1:].decode("utf-8", errors="replace")
    field = max(len(_fields(prefix + "x")) - 1, 0)
    line = before.count(b"\n") + 1
    column = header[field] if line > 1 and field < len(header) else None
    raise DataContractError(problem(
        path, "expected lines ending in LF or CR LF, got a lone carriage return (\\r) inside the line, which splits "
              f"it in two (a line break pasted into a cell?): remove it ({count:,} lone CR(s) in the file)",
        line, column))


def _too_many_fields(path: Path, n_columns: int, n_fields: int, line: int) -> ContractProblem:
    return problem(path, f"expected {n_columns} fields, got {n_fields}: a stray comma, a value with a comma "
                         "that needs quotes, or a quote never closed?", line)


def _check_first_line(path: Path, n_columns: int) -> None:
    """A first data line with more fields than the header: pandas would take the first column as the index
    (every value then sits one column to the right) instead of reporting it as it does for later lines.

    Read until that line is whole: with ``index_col=False`` pandas drops a longer first line's extra fields
    with only a warning, so a line past the first read (a long stray value) would pass unchecked.
    """
    with path.open("rb") as fh:
        data = fh.read(1 << 16)
        while len(data.splitlines()) < 3 and (more := fh.read(len(data))):
            data += more
    lines = _LINE_END.split(data)
    if len(lines) < 2:  # no data line
        return
    line = lines[1].decode("utf-8", errors="replace")
    fields = _fields(line)
    if len(fields) > n_columns:
        raise DataContractError(_too_many_fields(path, n_columns, len(fields), 2))
    if 0 < len(fields) < n_columns and (name := _other_separator(line, n_columns)):
        raise DataContractError(problem(path, f"expected {n_columns} fields separated by commas, got {name}: "
                                              f"{_EXPORT_HINT}", 2))


def _other_separator(line: str, n_columns: int) -> str | None:
    """The separator a data line uses instead of commas (under a header with commas), or None.

    Why: such lines were read as one field each, and reported as "the last line is cut short, the file looks
    truncated" (the last line is checked first), which sends the user to download the file again.
    """
    for sep, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "pipes")):
        if line.count(sep) >= n_columns - 1:
            return name
    return None


def _parser_problem(path: Path, exc: Exception) -> ContractProblem:
    text = str(exc)
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if m:
        return _too_many_fields(path, int(m[1]), int(m[3]), int(m[2]))
    m = re.search(r"EOF inside string starting at row (\d+)", text)
    if m:  # pandas counts rows from 0 with the header as row 0
        return problem(path, "a quote opened here is never closed: close or remove it", int(m[1]) + 1)
    return problem(path, f"not readable as comma-separated text ({text}): {_EXPORT_HINT}")


def _blank_rows(df: pd.DataFrame) -> np.ndarray:
    """Rows read from an empty line or a line of only spaces or tabs (pandas gives that one whitespace cell).

    Why: a line of spaces at the end is as harmless as an empty one, yet was taken for a cut-short last line
    ("the file looks truncated"); inside the file it is the same hole as an empty line, and worded so.
    """
    first = df.iloc[:, 0]
    blank = df.iloc[:, 1:].isna().all(axis=1).to_numpy(copy=True)
    spaces = np.flatnonzero(blank & first.notna().to_numpy())
    blank[spaces] = first.iloc[spaces].str.strip().eq("").to_numpy()
    return blank


HEADER_AGAIN = "expected a data row, got the header line again (two files joined into one?): remove it"


def header_again(repeated: int, names: str) -> str:
    """`HEADER_AGAIN`, saying how many rows after the line repeat the key ``names`` (``Id``, ``Store/Date``) of an
    earlier row: the count ties those rows' own problems to their one cause. Both readers word it so."""
    if not repeated:
        return HEADER_AGAIN
    return f"{HEADER_AGAIN}, and the {repeated:,} rows after it that repeat the {names} of an earlier row"


def _header_rows(df: pd.DataFrame) -> np.ndarray:
    """Rows that repeat the header line, as files joined end to end have: one problem each, not one per cell."""
    names = list(df.columns)
    again = _as_name(df.iloc[:, 0]).eq(names[0]).fillna(False).to_numpy(dtype=bool, copy=True)
    for i in np.flatnonzero(again):
        again[i] = _as_name(df.iloc[i].astype("str")).tolist() == names
    return again


def _as_name(cells: pd.Series) -> pd.Series:
    """Cells as a header name reads: the second file of two joined keeps its byte order mark, before the quote
    (``\ufeff"Id"``), so its header line was taken for data: one bad value per cell instead of one problem."""
    return cells.str.strip().str.lstrip("\ufeff").str.strip('"')


def blank_cells(values: pd.Series) -> np.ndarray:
    """The cells of a text column that hold no value: empty, or only spaces and tabs.

    Why: a file written with ", " between fields holds ", ," for an empty cell; its " " was refused as
    "got ' '" while " 5" reads as 5 and " a " as a (with a warning), so such a cell is read as the empty cell it
    is, and the empty-cell rules apply (an empty Open is open, an empty Store a problem). A no-break space is no
    space anyone types between fields: it stays a value, and is refused as one.
    """
    if values.dtype.kind in "biufcmM":  # numbers and timestamps hold no text
        return np.zeros(len(values), dtype=bool)
    try:
        text = values.str
    except AttributeError:  # an object column of no text at all (times of day, bytes): nothing is blank
        return np.zeros(len(values), dtype=bool)
    return text.strip(" \t").eq("").to_numpy(dtype=bool, na_value=False)


def blanks_as_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every `blank_cells` cell missing, as an empty CSV cell is read (the parquet reader too)."""
    for k in range(frame.shape[1]):  # by position: a column named twice is the header rule's to refuse
        values = frame.iloc[:, k]
        blank = blank_cells(values)
        if blank.any():
            frame.isetitem(k, values.mask(blank))
    return frame


# How a contract file is read, whole or in chunks: every cell as text, an empty cell missing, a blank line kept
# (to be reported), one byte order mark dropped.
_AS_TEXT: dict = {"dtype": str, "keep_default_na": False, "na_values": [""], "encoding": "utf-8-sig",
                  "skip_blank_lines": False, "engine": "c", "index_col": False}


def read_text_frame(path: Path, kind: str, expected: tuple[str, ...],
                    scan: LineScan | None = None) -> tuple[pd.DataFrame, list[ContractProblem]]:
    """Read a contract file as text columns (nothing parsed yet), after the file-level checks.

    Returns the frame, indexed so that row ``i`` is line ``i + 2``, and the problems that do not stop the
    reading (blank lines inside the file), to be reported together with the value problems. ``scan``: the
    caller's ``scan_lines(path)`` when it has made one (``batch.iter_rows`` reads a file of one chunk whole
    after counting its rows), else it is made here: one pass over the file's bytes, not two.
    """
    header = read_header(path, kind)
    scan = scan or scan_lines(path)
    _check_ctrl_z(path, header, scan.ctrl_z)
    _check_lone_cr(path, header, scan.lone_cr)
    check_header(path, header, expected)
    _check_first_line(path, len(header))
    _check_last_line(path, len(header))
    try:
        with warnings.catch_warnings():  # a first row over more lines than its own: _multi_line_problem says so
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            df = pd.read_csv(path, **_AS_TEXT)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise _unreadable(path, exc, header) from exc
    if scan.lines != len(df) + 1 and (multi := _multi_line_problem(path, df)):
        raise DataContractError(multi)
    df.columns = [c.strip() for c in df.columns]
    blank = _blank_rows(df)
    # pandas pads a line with too few fields with NaN: its last cell is then missing (cheap to find)
    short = _short_rows(path, np.flatnonzero(df.iloc[:, -1].isna().to_numpy() & ~blank), len(header))
    if blank.any():
        # a blank line at the very end is harmless; anywhere else it is a hole in the file
        last = len(blank) - blank[::-1].argmin() if not blank.all() else 0
        inner = [int(i) for i in blank[:last].nonzero()[0]]
    else:
        inner = []
    again = _header_rows(df) & ~blank
    keep = ~blank & ~again
    keep[list(short)] = False
    df = df[keep]
    if df.empty and not short:
        raise DataContractError(problem(path, "no data rows: expected data lines after the header", 2))
    df = blanks_as_missing(df)
    problems = [problem(path, "expected a data row, got an empty line: remove it", i + 2) for i in inner[:200]]
    problems += [problem(path, HEADER_AGAIN, int(i) + 2) for i in np.flatnonzero(again)[:200]]
    problems += [_too_few_fields(path, header, n, text, i + 2) for i, (n, text) in list(short.items())[:200]]
    return df, problems


def _multi_line_problem(path: Path, df: pd.DataFrame) -> ContractProblem | None:
    """The first row (row ``i`` starts on line ``i + 2``) with a value that holds a line break, as a problem.

    Why: no value of these files has one, so it is a quote left open (closed by a quote lines later) or a
    break pasted into a cell. pandas reads such a value as one row, so every later row was named one line too
    early ("line 30" for line 31), and a quote left open on the first data line even dropped fields with
    only a warning. Only the first is named: the lines of any later problem are not known until it is fixed.
    """
    multi = np.zeros(len(df), dtype=bool)
    for col in df.columns:
        multi |= df[col].str.contains("[\r\n]", regex=True).fillna(False).to_numpy(dtype=bool)
    if not multi.any():
        return None
    i = int(multi.argmax())
    breaks = len(re.findall(r"\r\n|\r|\n", "".join(v for v in df.iloc[i] if isinstance(v, str))))
    start = int(df.index[i]) + 2
    return _runs_on(path, start, start + breaks)


def _runs_on(path: Path, start: int, end: int) -> ContractProblem:
    return problem(path, f"expected one line per row, got a quoted value that runs on to line {end}: close "
                         "the quote on its own line, or remove the line break from the value", start)


def _not_utf8(path: Path, exc: UnicodeDecodeError, header: list[str]) -> DataContractError:
    """The error for a byte past the sniffed head that is not UTF-8, located by line and column."""
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as located:
        return DataContractError(_encoding_problem(path, data, located, header))
    return DataContractError(problem(path, f"expected UTF-8 text ({exc.reason}): {_EXPORT_HINT}"))


def _unreadable(path: Path, exc: Exception, header: list[str]) -> DataContractError:
    """The located error for what pandas could not read: a ragged line, an open quote, a byte that is not UTF-8."""
    if isinstance(exc, UnicodeDecodeError):
        return _not_utf8(path, exc, header)
    return DataContractError(_parser_problem(path, exc))


def read_text_chunks(path: Path, kind: str, chunk_rows: int, scan: LineScan | None = None,
                     check_columns: Callable[[list[str]], None] | None = None) -> Iterator[pd.DataFrame]:
    """A CSV file as text frames of at most ``chunk_rows`` rows, indexed so that row ``i`` is line ``i + 2``.

    Why: a file read in chunks (``batch.iter_rows``: longer than one chunk) skipped the checks of
    ``read_text_frame``, so a UTF-16 or Latin-1 file, a line with too many fields or a quote never closed ended
    in a pandas traceback, and a blank line was dropped silently, shifting the line of every later message.
    The same file-level checks and messages apply here; the columns are the caller's to check, with
    ``check_columns(header)``, which runs where ``read_text_frame`` checks them: before the line checks, which
    otherwise named a header with a column too many as the data lines' fault ("the last line is cut short, the
    file looks truncated"). A blank line is refused once a data line follows it (blank lines at the end are
    harmless and left out). ``scan``: the caller's ``scan_lines(path)`` (``batch.iter_rows`` counts the rows
    with it), else it is made here.
    """
    header = read_header(path, kind)
    scan = scan or scan_lines(path)
    _check_ctrl_z(path, header, scan.ctrl_z)
    _check_lone_cr(path, header, scan.lone_cr)
    if check_columns is not None:
        check_columns(header)
    _check_first_line(path, len(header))
    _check_last_line(path, len(header))
    try:  # pandas reads (and may fail on) the first block of the file already here
        with warnings.catch_warnings():  # a first row over more lines than its own: _multi_line_problem says so
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            chunks = pd.read_csv(path, chunksize=chunk_rows, **_AS_TEXT)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise _unreadable(path, exc, header) from None
    with _FieldCounts(path) as counts:
        yield from _checked_chunks(path, header, chunks, counts)


def _checked_chunks(path: Path, header: list[str], chunks: Any, counts: _FieldCounts) -> Iterator[pd.DataFrame]:
    first_blank: int | None = None  # the first blank line's row while only blank lines followed it
    while True:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", pd.errors.ParserWarning)
                chunk = next(chunks)
        except StopIteration:
            return
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise _unreadable(path, exc, header) from None
        if multi := _multi_line_problem(path, chunk):  # every earlier row was one line: its start line is right
            raise DataContractError(multi)
        # the names as the file writes them, not pandas' own for an empty or repeated one (`Unnamed: 8`, `Promo.1`)
        chunk.columns = header if len(header) == len(chunk.columns) else [c.strip() for c in chunk.columns]
        blank = _blank_rows(chunk)
        if (first_blank is not None and not blank.all()) or (blank.any() and not blank[blank.argmax():].all()):
            line = (first_blank if first_blank is not None else int(chunk.index[blank.argmax()])) + 2
            raise DataContractError(problem(path, "expected a data row, got an empty line: remove it", line))
        if blank.any():
            first_blank = int(chunk.index[blank.argmax()]) if first_blank is None else first_blank
            chunk = chunk[~blank]
        again = _header_rows(chunk)
        if again.any():
            raise DataContractError(problem(path, HEADER_AGAIN, int(chunk.index[again.argmax()]) + 2))
        # pandas pads a line with too few fields with NaN: its last cell is then missing (cheap to find)
        candidates = chunk.index[chunk.iloc[:, -1].isna().to_numpy()]
        short = counts.short(candidates.tolist(), len(header)) if len(candidates) else {}
        if short:  # as read_text_frame words it, rather than one problem per padded cell
            raise DataContractError([_too_few_fields(path, header, n, text, i + 2)
                                     for i, (n, text) in list(short.items())[:200]])
        if len(chunk):
            yield blanks_as_missing(chunk)


def _too_few_fields(path: Path, header: list[str], n_fields: int, text: str, line: int) -> ContractProblem:
    """A line of ``n_fields`` fields, fewer than ``header``'s; ``text`` is the line as written.

    Why: a quote opened and never closed (``1,1,"0,"0"``) swallows the comma after it, and was worded as "a
    value or a comma is missing", which sends a person hunting for a gap that is not there.
    """
    expected = f"expected {len(header)} fields, got {n_fields}"
    text = text.rstrip("\r\n")
    at = _open_quote(text) if text.count('"') % 2 else None
    if at is not None and at < len(header):
        value = next(csv.reader([text]))[at]
        return problem(path, f"{expected}: the quote opened in this column is never closed (the line has an odd "
                             f"number of quotes), so the comma after it was read as part of the value ({value!r}): "
                             "add the closing quote, or remove the opening one", line, header[at])
    return problem(path, f"{expected}: a value or a comma is missing; write an unknown value as nothing between two "
                         "commas", line)


def _open_quote(text: str) -> int | None:
    """The field (from 0) whose opening quote swallowed a comma: the quoted part holds a comma and ends in a
    quote that no comma or line end follows. None when no quote did (a stray quote inside a value, say)."""
    field, i = 0, 0
    while i < len(text):
        if text[i] == '"':
            k = i + 1
            while (k := text.find('"', k)) != -1 and text.startswith('""', k):
                k += 2  # a doubled quote is one quote inside the value
            if k == -1:  # still open at the line end (the csv module would read on into the next line)
                return field if "," in text[i:] else None
            if k + 1 < len(text) and text[k + 1] != "," and "," in text[i + 1:k]:
                return field
            i = k + 1
        comma = text.find(",", i)
        if comma == -1:
            return None
        field, i = field + 1, comma + 1
    return None


class _FieldCounts:
    """The number of fields of the rows a chunked read asks about, read once front to back with the csv module.

    Rows asked about must come in increasing order across calls (chunks do): the reader never goes back, so a
    whole file costs one extra pass at most, and nothing when no row is a candidate (the file is opened lazily).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: Any = None
        self._rows: Iterator[tuple[int, list[str]]] | None = None
        self._text: list[str] = []  # the lines the csv module read for its current row

    def _kept(self, lines: Iterator[str]) -> Iterator[str]:
        for text in lines:
            self._text.append(text)
            yield text

    def __enter__(self) -> _FieldCounts:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fh is not None:
            self._fh.close()

    def short(self, rows: list[int], n_columns: int) -> dict[int, tuple[int, str]]:
        """``{row: (fields, text)}`` of ``rows`` (row ``i`` = line ``i + 2``) with fewer fields than ``n_columns``;
        ``text`` is the row as written, for its message."""
        out: dict[int, tuple[int, str]] = {}
        limit = csv.field_size_limit(sys.maxsize)  # a huge field is the value checks' to judge, not a csv.Error
        try:
            if self._rows is None:
                self._fh = self.path.open(encoding="utf-8-sig", newline="")
                self._rows = enumerate(csv.reader(self._kept(self._fh)), start=-1)
            for want in rows:
                for i, fields in self._rows:
                    if i == want and 0 < len(fields) < n_columns:
                        out[i] = len(fields), "".join(self._text)
                    self._text.clear()
                    if i == want:
                        break
        except csv.Error:  # the value checks still report the row's empty cells
            self._rows = iter(())
        finally:
            csv.field_size_limit(limit)
        return out


def _short_rows(path: Path, candidates: np.ndarray, n_columns: int) -> dict[int, tuple[int, str]]:
    """``{row: (fields, text)}`` of the ``candidates`` rows (row ``i`` = line ``i + 2``) with fewer fields than
    the header.

    Why: pandas pads a short line with empty cells, so in store.csv, whose last columns may be empty, a line
    that lost its last values passed as a store without a promo interval; elsewhere it was reported as an
    empty value instead of the broken line it is. Only the candidates (last cell missing) are counted, with the
    csv module, which reads the file as pandas did (quoted commas and line breaks alike): ``_FieldCounts``,
    which a chunked read keeps open across its chunks.
    """
    if not len(candidates):
        return {}
    with _FieldCounts(path) as counts:
        return counts.short(sorted(candidates.tolist()), n_columns)
