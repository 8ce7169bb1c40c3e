"""The header line of a CSV file: read it after the checks of the file's head, and check its column names.

``read_header`` refuses what is not comma-separated UTF-8 text (``_filecheck`` names what it is) and a first line
that is no header (empty, a comment, Excel's ``sep=`` hint, another separator); ``check_header`` refuses a header
that lacks, adds, misnames or repeats a column, naming every one at once and the name most likely meant.
"""

from __future__ import annotations

__all__ = ["check_header", "read_header"]

import csv
import re
import unicodedata
from pathlib import Path

from storecast.data._filecheck import (
    _EXPORT_HINT,
    _binary_kind,
    _encoding_problem,
    _nul_problem,
    _text_kind,
    not_a_file,
    problem,
    read_head,
)
from storecast.data._schemas import shown_text
from storecast.errors import DataContractError, clipped
from storecast.schema import STATE, STATES_FILE, STORE, STORE_TYPE

_SNIFF_BYTES = 64 * 1024


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
    if len(head) == _SNIFF_BYTES and not re.search("[\r\n]", text):  # a header line longer than the head
        whole = _whole_first_line(path)
        try:
            _split(whole)
            header_line = whole
        except csv.Error:  # a name over the csv module's 128 KiB: the head's names, that one cut, say what is wrong
            pass
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


# The longest header line read whole: past it the names are those of its first 16 MiB (a file of one line, no CSV).
_HEADER_BYTES = 16 << 20


def _whole_first_line(path: Path) -> str:
    """The file's first line, read on past the head up to ``_HEADER_BYTES``.

    Why: the names were split from the head's 64 KiB, so the columns of a header line longer than that (a long
    stray name before them, thousands of empty names a spreadsheet left) were called missing though they are
    there, or counted short ("columns 10..65453 have no name" of 200,009).
    """
    with path.open("rb") as fh:
        data = b""
        while len(data) < _HEADER_BYTES and (block := fh.read(1 << 20)):
            data += block
            if re.search(rb"[\r\n]", block):
                break
    line = re.split(rb"\r\n|\r|\n", data[:_HEADER_BYTES], maxsplit=1)[0]
    return line.decode("utf-8", errors="replace").lstrip("\ufeff")


def _split(line: str) -> list[str]:
    return [h.strip() for h in next(csv.reader([line]), [])]


def check_header(path: Path, header: list[str], expected: tuple[str, ...], *, text: bool = True) -> None:
    """Refuse a header that lacks, adds, misnames or repeats a column of ``expected``, naming every one at once.

    Shared by the CSV readers and the parquet and chunked readers, so a column problem reads the same in each;
    ``text``: the names come from a CSV file's first line (False for a parquet file's columns).
    """
    listed = ", ".join(expected)
    named_all = [c for c in header if c]
    if text and _data_line(named_all, expected):  # one problem, not each column missing and each value unexpected
        shown = ", ".join(shown_text(c) for c in named_all[:3]) + (", ..." if len(named_all) > 3 else "")
        raise DataContractError(problem(
            path, f"expected the header line {','.join(expected)}, got a line of data ({shown}): the file has no "
                  "header line; add it above the first row", 1))
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


# A value as a data line holds it: a whole or decimal number, or a date (2015-07-31, 31.07.2015, 07/31/2015).
_VALUE = re.compile(r"[-+]?\d+(?:[.,]\d+)?|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}")


def _data_line(names: list[str], expected: tuple[str, ...]) -> bool:
    """A first line that is a row of data: no expected name (in any letter case) and at least half its cells values.

    Why: a file exported without its header (``to_csv(header=False)``, a spreadsheet's data range) gave one
    "column is missing" per column and one "unexpected column `1`" per value, 19 lines for train.csv.
    """
    lower = {c.lower() for c in expected}
    if not names or any(n.strip('"\'').lower() in lower for n in names):
        return False
    return 2 * sum(bool(_VALUE.fullmatch(n)) for n in names) >= len(names)


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
    trimmed = name.strip(" \t")
    if trimmed != name and trimmed.lower() in lower:  # a parquet column's name: a CSV header's cells are stripped
        return f" (did you mean `{lower[trimmed.lower()]}`? the name has spaces or tabs around it: remove them)"
    hidden = [ch for ch in name if unicodedata.category(ch) in ("Cf", "Cc", "Zs", "Zl", "Zp")]
    visible = "".join(ch for ch in name if ch not in hidden)
    if not hidden or visible.lower() not in lower:
        return ""
    return (f" (did you mean `{lower[visible.lower()]}`? the name holds the invisible character "
            f"U+{ord(hidden[0]):04X}: retype it)")
