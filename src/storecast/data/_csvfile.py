"""File-level checks of the data contract: is this a readable, comma-separated UTF-8 text file with a good header?

pandas reads many broken files without complaint (a semicolon file becomes one column, a truncated last line
is padded with NaN, a blank line becomes a row of NaN), so these checks run before any value is looked at
and turn each case into a `ContractProblem` that names the line and says how to fix the file.
"""

from __future__ import annotations

__all__ = ["cannot_read", "check_header", "not_a_file", "packed_hint", "problem", "read_head", "read_header",
           "read_text_chunks", "read_text_frame", "blank_cells", "blanks_as_missing", "LineScan", "scan_lines"]

import csv
import io
import os
import re
import sys
import unicodedata
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from storecast.data._schemas import shown_text
from storecast.errors import ContractProblem, DataContractError, clipped
from storecast.schema import STATE, STATES_FILE, STORE, STORE_TYPE

_SNIFF_BYTES = 64 * 1024
_EXPORT_HINT = "export or save it as 'CSV UTF-8 (comma delimited)'"


def problem(path: Path, message: str, line: int | None = None, column: str | None = None) -> ContractProblem:
    """One located problem of ``path`` (line 1 is the header)."""
    return ContractProblem(str(path), message, line, column)


def read_head(path: Path, size: int) -> bytes:
    """The first ``size`` bytes of ``path``; a file that exists but cannot be opened is a located problem.

    Why: without read permission (or on an I/O error) ``open`` raises ``PermissionError``/``OSError``, which
    is no `StorecastError`, so the command ended in a traceback instead of naming the file.
    """
    try:
        with path.open("rb") as fh:
            return fh.read(size)
    except OSError as exc:
        raise cannot_read(path, exc) from None


def not_a_file(path: Path, kind: str) -> ContractProblem:
    """The problem for a path that is no regular file: missing, a directory, a broken link, or a device/pipe.

    Why three wordings: "file not found" for a path that exists sends the user looking in the wrong place.
    """
    if path.is_dir():
        pieces = sorted(p.name for p in path.glob("*.csv"))
        if pieces:  # Spark's df.write.csv("train.csv") writes such a folder of part-*.csv files
            return problem(path, f"is a directory of {len(pieces)} CSV file(s) ({pieces[0]} ...), as Spark writes "
                                 f"a CSV: expected {kind} here as one file; join them into one, with one header "
                                 "line")
        return problem(path, f"is a directory: expected {kind} here as a file (see --data)")
    if path.parent.is_file():  # --data given a file: DATA/test.csv lies "under" it
        return problem(path.parent, f"is a file, not a directory{packed_hint(path.parent)}: expected the directory "
                                    f"holding {kind} (see --data)")
    if path.is_symlink() and not path.exists():
        return problem(path, f"is a broken symbolic link (to {os.readlink(path)}, which is missing or a loop): "
                             f"expected {kind} here as a file; fix or remove the link")
    if path.exists():
        return problem(path, f"is not a regular file (a device, pipe or socket, such as a link to /dev/null): "
                             f"expected {kind} here as a file")
    packed = [p.name for p in (path.with_name(path.name + ext) for ext in _PACKED) if p.is_file()]
    if packed:  # Kaggle's download, left as it came: say what to do, not only that the file is missing
        return problem(path, f"file not found: expected {kind} here, found {packed[0]}: unpack it in this "
                             f"directory first ({_PACKED[Path(packed[0]).suffix]})")
    named = _named_otherwise(path)
    if named:
        return problem(path, f"file not found: expected {kind} here, found {named}: rename it {path.name}")
    below = _one_folder_down(path)
    if below:  # --data ../shared for ../shared/rossmann: name the folder that holds the file
        return problem(path, f"file not found: expected {kind} here, found {below}: pass --data {below.parent}")
    return problem(path, f"file not found: expected {kind} here (see --data)")


def _one_folder_down(path: Path) -> Path | None:
    """``path``'s name in the one folder just below its own that holds it: the data directory is likely that
    folder (``--data ../shared`` for ``../shared/rossmann``). None when several do: which one is a guess."""
    try:
        found = [p for p in path.parent.glob(f"*/{path.name}") if p.is_file()]
    except OSError:  # an unreadable folder: no hint, the plain message
        return None
    return found[0] if len(found) == 1 else None


def _named_otherwise(path: Path) -> str | None:
    """A file beside ``path`` that is most likely it under another name: ``Train.csv`` (names are case-sensitive),
    ``train (1).csv`` (a browser's second download), ``train.csv.csv`` or ``.txt`` (Windows hides the suffix)."""
    stem, suffix = path.stem.lower(), path.suffix.lower()
    wanted = re.compile(rf"{re.escape(stem)}( ?\(\d+\))?{re.escape(suffix)}(\.csv|\.txt)?")
    try:
        found = sorted(p.name for p in path.parent.iterdir() if wanted.fullmatch(p.name.lower()) and p.is_file())
    except OSError:  # an unreadable directory: "file not found" is all that can be said
        return None
    return found[0] if found else None


_PACKED = {".gz": "gunzip -k FILE.gz", ".zip": "unzip FILE.zip", ".bz2": "bunzip2 -k FILE.bz2",
           ".xz": "unxz -k FILE.xz", ".7z": "7z x FILE.7z"}


def packed_hint(path: Path) -> str:
    """`` (packed: unpack it first, unzip FILE.zip)`` for a file named as packed data (such as Kaggle's
    download, rossmann-store-sales.zip, given as --data), else ""."""
    unpack = _PACKED.get(path.suffix.lower())
    return f" (packed: unpack it first, {unpack})" if unpack else ""


def cannot_read(path: Path, exc: OSError) -> DataContractError:
    """The error for a file that exists but cannot be read (no read permission, an I/O error)."""
    return DataContractError(problem(path, f"cannot be read ({exc.strerror or exc}): check that the file is "
                                           "readable by this user (ls -l), or copy it again"))


# Compressed data by its magic bytes, and the command that unpacks it (bzip2's "BZh" is followed by a digit)
_COMPRESSED = ((b"\x1f\x8b", "gzip", ".gz"), (b"BZh", "bzip2", ".bz2"), (b"\xfd7zXZ\x00", "xz", ".xz"),
               (b"7z\xbc\xaf\x27\x1c", "7z", ".7z"), (b"\x28\xb5\x2f\xfd", "zstd", ".zst"))
_UNPACK = {".zst": "unzstd FILE.zst"}


def _binary_kind(head: bytes, path: Path) -> str | None:
    """Name what a non-text file most likely is, so the message can say how to get a CSV out of it."""
    for magic, name, ext in _COMPRESSED:
        if head.startswith(magic) and (name != "bzip2" or head[3:4].isdigit()):
            return (f"{name}-compressed data: unpack it first ({_PACKED.get(ext) or _UNPACK[ext]}) and pass the "
                    "plain .csv")
    if head.startswith(b"PAR1"):  # the commands tell parquet from CSV by the suffix
        return f"a parquet file, not CSV text: name it {path.with_suffix('.parquet').name}"
    if head.startswith(b"PK\x03\x04"):
        return f"a zip archive or an Excel workbook: unzip it, or open it in Excel and {_EXPORT_HINT}"
    sample = head[:4096]
    if sample.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return f"UTF-32 text, expected UTF-8: {_EXPORT_HINT}"
    zeros = sorted((sample[0::2].count(0), sample[1::2].count(0)))
    # UTF-16 without a byte order mark: ASCII has a zero byte at every other position, and only there
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")) or (
        len(sample) >= 8 and zeros[1] > len(sample) // 4 and zeros[0] <= len(sample) // 64
    ):
        return f"UTF-16 text, expected UTF-8: {_EXPORT_HINT}"
    if b"\x00" in sample:
        return f"binary data, expected comma-separated text: {_EXPORT_HINT}"
    return None


_NUL_TAIL = "the file ends in NUL bytes (\\x00) from here on, as a crash or an interrupted copy leaves"


def _nul_problem(path: Path, head: bytes) -> ContractProblem | None:
    """Text with NUL bytes in it, located: a file padded with them at the end (what a crash or an interrupted
    copy leaves), or one NUL in a line; None when no NUL follows comma-separated UTF-8 text.

    Why: such a file was named "UTF-16 text" (NULs at every position of a padded tail look like UTF-16's) or
    "binary data" on line 1, which sends its owner to re-export a file that only needs copying again.
    """
    at = head.find(b"\x00")
    text = head[:at]
    if at < 0 or b"," not in text or not _is_utf8(text):
        return None
    line = text.count(b"\n") + 1
    if not head[at:].strip(b"\x00"):
        return problem(path, f"{_NUL_TAIL}, the file looks truncated (copy or download it again)", line)
    return problem(path, "expected text, got a NUL byte (\\x00): the file is damaged; remove the NUL bytes or copy "
                         "the file again", line)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(data) - 3  # a character cut at the end of the sample is still text
    return True


def _text_kind(text: str) -> str | None:
    """Name a text file that is no CSV at all, which otherwise gave a "column is missing" problem per column and
    one "unexpected column" per JSON field or HTML tag, instead of saying what the file is."""
    start = text.lstrip()[:100].lower()
    if start.startswith("version https://git-lfs.github.com/spec/"):
        return "a Git LFS pointer, not the data: fetch the file itself (git lfs pull), or download it again"
    if start.startswith(("<!doctype html", "<html")) or (start.startswith("<") and "<html" in text[:4096].lower()):
        return ("an HTML page (an error or login page saved in place of the data?), expected comma-separated "
                "text: download the file again")
    if start.startswith("<"):
        return f"XML or other markup, expected comma-separated text: {_EXPORT_HINT}"
    if start.startswith(("{", "[")):
        return ("JSON, expected comma-separated text: convert it to CSV (for example "
                "pandas.read_json(FILE).to_csv(index=False))")
    return None


def _encoding_problem(path: Path, data: bytes, exc: UnicodeDecodeError, header: list[str]) -> ContractProblem:
    """Locate a byte that is not UTF-8 (line and column) and guess the encoding the file was saved in."""
    start = data.rfind(b"\n", 0, exc.start) + 1
    line = data.count(b"\n", 0, exc.start) + 1
    prefix = data[start:exc.start].decode("utf-8", errors="replace")
    field = max(len(_fields(prefix + "x")) - 1, 0)
    column = header[field] if line > 1 and field < len(header) else None
    bad = data[exc.start:exc.start + 1]
    guess = bad.decode("cp1252", errors="replace")
    return problem(
        path,
        f"expected UTF-8 text, got byte {bad!r} (that is {guess!r} in Windows-1252/Latin-1, as Excel often "
        f"writes): {_EXPORT_HINT}",
        line, column,
    )


def read_header(path: Path, kind: str) -> list[str]:
    """Refuse what is not comma-separated UTF-8 text; return the header's column names."""
    if not path.is_file():
        raise DataContractError(not_a_file(path, kind))
    head = read_head(path, _SNIFF_BYTES)
    if not head.strip():
        raise DataContractError(problem(path, f"file is empty: expected a header line of {kind} and data rows", 1))
    nul = _nul_problem(path, head)
    if nul and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataContractError(nul)
    binary = _binary_kind(head, path)
    if binary:
        raise DataContractError(problem(path, binary, 1))
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a multi-byte character cut at the sniff limit
            first = head.split(b"\n", 1)[0].decode("utf-8", errors="replace")
            raise DataContractError(_encoding_problem(path, head, exc, _split(first))) from exc
        text = head[: exc.start].decode("utf-8")
    text = text.lstrip("\ufeff")
    if "\r\r\n" in text:  # pandas ends a line at each CR: "an empty line" after every line, 200 times
        raise DataContractError(problem(
            path, "expected lines ending in LF or CR LF, got CR CR LF (a file converted to Windows line ends twice):"
                  " convert it back once, e.g. with sed -i 's/\\r\\r$/\\r/' FILE",
            text[: text.index("\r\r\n")].count("\n") + 1))
    if not text.strip():  # only a byte order mark: what Excel saves for an empty sheet
        raise DataContractError(problem(path, f"file is empty: expected a header line of {kind} and data rows", 1))
    odd = _text_kind(text)
    if odd:
        raise DataContractError(problem(path, odd, 1))
    header_line = text.splitlines()[0]
    if not header_line.strip():  # pandas would take the empty line for the header: "column is missing" for all
        raise DataContractError(problem(path, f"expected the header line of {kind}, got an empty line: remove the "
                                              "empty lines above the header", 1))
    if re.fullmatch(r"sep=.?", header_line.strip()) or header_line.startswith("#"):
        what = "a comment" if header_line.startswith("#") else "Excel's separator hint"
        raise DataContractError(problem(path, f"expected the header line of {kind}, got {what} "
                                              f"{shown_text(header_line.strip())}: remove that line", 1))
    header = _split(header_line)
    if len(header) == 1:
        for sep, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "pipes")):
            if sep in header_line:
                raise DataContractError(problem(
                    path, f"expected columns separated by commas, got {name}: {_EXPORT_HINT}", 1
                ))
    return header


def _split(line: str) -> list[str]:
    return [h.strip() for h in next(csv.reader([line]), [])]


def check_header(path: Path, header: list[str], expected: tuple[str, ...]) -> None:
    """Refuse a header that lacks, adds, misnames or repeats a column of ``expected``, naming every one at once.

    Shared by the CSV readers and the parquet and chunked readers, so a column problem reads the same in each.
    """
    listed = ", ".join(expected)
    named_all = [c for c in header if c]
    if named_all and all(_single_quoted(c) for c in named_all):  # one problem, not a missing and an unexpected each
        raise DataContractError(problem(
            path, f"expected the column names {listed} without quotes or in double quotes, got them in single quotes "
                  f"({', '.join(named_all[:3])}{', ...' if len(named_all) > 3 else ''}), which CSV reads as part of "
                  "each name: save the file again with double quotes or none", 1))
    spaced = [c for c in named_all if _double_quoted(c) and c[1:-1] in expected]
    if spaced:  # `"Store", "Sales"`: one problem, not a missing and an unexpected column each
        raise DataContractError(problem(
            path, f"expected the column names {listed}, got {', '.join(spaced[:3])}{', ...' if len(spaced) > 3 else ''}"
                  " with a space or tab before the opening quote, which CSV reads as part of each name: remove the "
                  "spaces and tabs after the commas of the header line", 1))
    problems = [
        problem(path, f"column is missing: expected the columns {listed}", 1, col)
        for col in expected if col not in header
    ]
    named = len(header)
    while named > 1 and not header[named - 1]:  # the unnamed columns at the end: one problem for them all
        named -= 1
    for number, col in enumerate(header[:named], start=1):
        if not col:  # no name to quote (column ``): say where it is and the usual cause
            cause = (_PANDAS_INDEX if number == 1 and named > 1 and all(c in expected for c in header[1:named])
                     else "a comma too many on the header line?")
            problems.append(problem(path, f"column {number} has no name ({cause}): expected only {listed}; remove it",
                                    1))
        elif col not in expected:
            hint = _meant(col, expected) + _cut_note(col)
            problems.append(problem(path, f"unexpected column{hint}: expected only {listed}; remove it", 1,
                                    clipped(col, _NAME_CHARS)))
    if named == len(header) - 1:
        problems.append(problem(path, f"column {len(header)} has no name (a comma at the end of the header line?): "
                                      f"expected only {listed}; remove it", 1))
    elif named < len(header):  # what a spreadsheet saves after columns were cleared, not deleted
        problems.append(problem(path, f"columns {named + 1}..{len(header)} have no name (commas at the end of the "
                                      f"header line, as a spreadsheet leaves after cleared columns?): expected only "
                                      f"{listed}; delete those columns", 1))
    dupes = sorted({c for c in header if c and header.count(c) > 1})
    problems += [problem(path, f"column appears more than once{_cut_note(c)}: keep one of them", 1,
                         clipped(c, _NAME_CHARS)) for c in dupes]
    if problems:
        raise DataContractError(problems)


# A column name longer than this is cut in a message: a header cell of megabytes (a line of data or a whole file
# read as the header) printed a message of megabytes.
_NAME_CHARS = 40


def _cut_note(name: str) -> str:
    """`` (its name shown cut ...)`` for a name a message shows cut (``clipped``), else ""."""
    return f" (its name shown cut after {_NAME_CHARS} characters)" if len(name) > _NAME_CHARS else ""


def _single_quoted(name: str) -> bool:
    return len(name) > 2 and name[0] == name[-1] == "'"


def _double_quoted(name: str) -> bool:
    """A name that kept its double quotes: a space before the opening quote makes them part of the name."""
    return len(name) > 2 and name[0] == name[-1] == '"'


# pandas writes its index as a first column without a name (``df.to_csv(path)``), which reads back as `Unnamed: 0`
_PANDAS_INDEX = "a pandas index, which DataFrame.to_csv writes unless index=False?"


def _meant(name: str, expected: tuple[str, ...]) -> str:
    """`` (did you mean `Sales`? ...)`` for a name that differs from an expected one in case or in characters that
    do not show, such as a zero-width space or a byte order mark; "" for any other name.

    Why: "unexpected column `Sales`" (a zero-width space at its end) beside "column is missing: `Sales`" reads
    as a contradiction.
    """
    lower = {c.lower(): c for c in expected}
    if name == STATE and STORE_TYPE in expected:  # a store table merged with Kaggle's external store_states.csv
        return f" (a store's {STATE} is read from {STATES_FILE}, as {STORE},{STATE}: move the column there)"
    if name.lower() in lower:
        return f" (did you mean `{lower[name.lower()]}`? names are case-sensitive)"
    if name == "Unnamed: 0":  # pandas' name for that index column, once the file was read and saved again
        return f" ({_PANDAS_INDEX})"
    if _single_quoted(name) and name[1:-1].strip() in expected:
        return (f" (did you mean `{name[1:-1].strip()}`? CSV reads single quotes as part of the name: write it "
                "without quotes or in double quotes)")
    hidden = [ch for ch in name if unicodedata.category(ch) in ("Cf", "Cc", "Zs", "Zl", "Zp")]
    visible = "".join(ch for ch in name if ch not in hidden)
    if not hidden or visible.lower() not in lower:
        return ""
    return (f" (did you mean `{lower[visible.lower()]}`? the name holds the invisible character "
            f"U+{ord(hidden[0]):04X}: retype it)")


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
            data = fh.read()
        n_lines = len(_LINE_END.findall(data.rstrip(_BLANK_END))) + 1
        if last.strip() == b"\x1a":
            raise DataContractError(problem(path, "expected a data row, got Ctrl-Z (\\x1a, an old DOS end-of-file "
                                                  "mark): remove it", n_lines))
        what = (_NUL_TAIL if last.endswith(b"\x00")
                else f"expected {n_columns} fields, got {len(fields)}: the last line is cut short")
        raise DataContractError(problem(path, f"{what}, the file looks truncated (copy or download it again)",
                                        n_lines))


_CTRL_Z = b"\x1a"


@dataclass(frozen=True)
class LineScan:
    """What the checks ask of a CSV file's every byte, from one pass (``scan_lines``)."""

    lines: int  # lines as pandas ends them (LF, CR LF or a lone CR), a last line without an ending included
    rows: int  # data rows by LF alone, a last line without one included (``batch.count_rows``)
    ctrl_z: int  # the offset of the first Ctrl-Z (0x1A), -1 when there is none


def scan_lines(path: Path) -> LineScan:
    """Count ``path``'s lines and find its first Ctrl-Z in one pass over it, in blocks.

    Why one pass: the Ctrl-Z check read every file once more beside the line count (the whole read's check for
    rows over several lines, the chunked read's row count), so a valid file was read three times, not twice.
    """
    lf = cr = crlf = 0
    ctrl_z, offset, last = -1, 0, b""
    try:
        with path.open("rb") as fh:
            while block := fh.read(1 << 20):
                lf, cr, crlf = lf + block.count(b"\n"), cr + block.count(b"\r"), crlf + block.count(b"\r\n")
                crlf += last == b"\r" and block[:1] == b"\n"  # a CR LF split between two blocks
                if ctrl_z < 0 and (at := block.find(_CTRL_Z)) >= 0:
                    ctrl_z = offset + at
                offset, last = offset + len(block), block[-1:]
    except OSError as exc:  # no read permission: the file's own message, not a traceback
        raise cannot_read(path, exc) from None
    lines = lf + cr - crlf + (1 if last and last not in (b"\n", b"\r") else 0)
    return LineScan(lines=lines, rows=max(lf + (last != b"\n") - 1, 0), ctrl_z=ctrl_z)


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


def _fields(line: str) -> list[str]:
    """The fields of one line, however long: a field over the csv module's 128 KiB limit raised ``csv.Error``,
    a traceback, where the value checks name the line and column of the value too long to be one."""
    limit = csv.field_size_limit(sys.maxsize)
    try:
        return next(csv.reader([line]), [])
    finally:
        csv.field_size_limit(limit)


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


_HEADER_AGAIN = "expected a data row, got the header line again (two files joined into one?): remove it"


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


def read_text_frame(path: Path, kind: str, expected: tuple[str, ...]) -> tuple[pd.DataFrame, list[ContractProblem]]:
    """Read a contract file as text columns (nothing parsed yet), after the file-level checks.

    Returns the frame, indexed so that row ``i`` is line ``i + 2``, and the problems that do not stop the
    reading (blank lines inside the file), to be reported together with the value problems.
    """
    header = read_header(path, kind)
    scan = scan_lines(path)
    _check_ctrl_z(path, header, scan.ctrl_z)
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
    problems += [problem(path, _HEADER_AGAIN, int(i) + 2) for i in np.flatnonzero(again)[:200]]
    problems += [_too_few_fields(path, len(header), n, i + 2) for i, n in list(short.items())[:200]]
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
    return problem(path, f"expected one line per row, got a quoted value that runs on to line {start + breaks}: close "
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


def read_text_chunks(path: Path, kind: str, chunk_rows: int, scan: LineScan | None = None) -> Iterator[pd.DataFrame]:
    """A CSV file as text frames of at most ``chunk_rows`` rows, indexed so that row ``i`` is line ``i + 2``.

    Why: a file read in chunks (``batch.iter_rows``: longer than one chunk) skipped the checks of
    ``read_text_frame``, so a UTF-16 or Latin-1 file, a line with too many fields or a quote never closed ended
    in a pandas traceback, and a blank line was dropped silently, shifting the line of every later message.
    The same file-level checks and messages apply here; the columns are the caller's to check. A blank line
    is refused once a data line follows it (blank lines at the end are harmless and left out). ``scan``: the
    caller's ``scan_lines(path)`` (``batch.iter_rows`` counts the rows with it), else it is made here.
    """
    header = read_header(path, kind)
    _check_ctrl_z(path, header, (scan or scan_lines(path)).ctrl_z)
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
            raise DataContractError(problem(path, _HEADER_AGAIN, int(chunk.index[again.argmax()]) + 2))
        # pandas pads a line with too few fields with NaN: its last cell is then missing (cheap to find)
        candidates = chunk.index[chunk.iloc[:, -1].isna().to_numpy()]
        short = counts.short(candidates.tolist(), len(header)) if len(candidates) else {}
        if short:  # as read_text_frame words it, rather than one problem per padded cell
            raise DataContractError([_too_few_fields(path, len(header), n, i + 2)
                                     for i, n in list(short.items())[:200]])
        if len(chunk):
            yield blanks_as_missing(chunk)


def _too_few_fields(path: Path, n_columns: int, n_fields: int, line: int) -> ContractProblem:
    return problem(path, f"expected {n_columns} fields, got {n_fields}: a value or a comma is missing; write an "
                         "unknown value as nothing between two commas", line)


class _FieldCounts:
    """The number of fields of the rows a chunked read asks about, read once front to back with the csv module.

    Rows asked about must come in increasing order across calls (chunks do): the reader never goes back, so a
    whole file costs one extra pass at most, and nothing when no row is a candidate (the file is opened lazily).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: Any = None
        self._rows: Iterator[tuple[int, list[str]]] | None = None

    def __enter__(self) -> _FieldCounts:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fh is not None:
            self._fh.close()

    def short(self, rows: list[int], n_columns: int) -> dict[int, int]:
        """``{row: fields}`` of ``rows`` (row ``i`` = line ``i + 2``) with fewer fields than ``n_columns``."""
        out: dict[int, int] = {}
        limit = csv.field_size_limit(sys.maxsize)  # a huge field is the value checks' to judge, not a csv.Error
        try:
            if self._rows is None:
                self._fh = self.path.open(encoding="utf-8-sig", newline="")
                self._rows = enumerate(csv.reader(self._fh), start=-1)
            for want in rows:
                for i, fields in self._rows:
                    if i == want:
                        if 0 < len(fields) < n_columns:
                            out[i] = len(fields)
                        break
        except csv.Error:  # the value checks still report the row's empty cells
            self._rows = iter(())
        finally:
            csv.field_size_limit(limit)
        return out


def _short_rows(path: Path, candidates: np.ndarray, n_columns: int) -> dict[int, int]:
    """``{row: fields}`` of the ``candidates`` rows (row ``i`` = line ``i + 2``) with fewer fields than the header.

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
