"""What a path and its first bytes are, before a CSV file is read as one.

A path that is no regular file (missing, a directory, a broken link, a packed download, the file under another
name), a file that cannot be opened, and a head that is no comma-separated UTF-8 text (compressed or binary data,
UTF-16, NUL bytes, a Git LFS pointer, HTML or JSON, a byte that is not UTF-8): each a `ContractProblem` that names
the file (and the line) and says how to fix it. The CSV header read (``_csvheader``), the line checks and readers
(``_csvfile``) and the parquet reader (``_parquetfile``) share these, so a file reads the same in each.
"""

from __future__ import annotations

__all__ = ["cannot_read", "misplaced", "not_a_file", "packed_hint", "problem", "read_head"]

import csv
import os
import re
import sys
import zipfile
from pathlib import Path

from storecast.errors import ContractProblem, DataContractError

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
    archive = _in_archive(path)
    if archive:  # Kaggle's rossmann-store-sales.zip, downloaded and not unzipped
        name, member = archive
        then = "" if member == path.name else f", then pass --data {path.parent / Path(member).parent}"
        return problem(path, f"file not found: expected {kind} here, found {name}, which holds {member}: unpack it "
                             f"in this directory first (unzip {name}){then}")
    below = _one_folder_down(path)
    if below:  # --data ../shared for ../shared/rossmann: name the folder that holds the file
        return problem(path, f"file not found: expected {kind} here, found {below}: pass --data {below.parent}")
    return problem(path, f"file not found: expected {kind} here (see --data)")


def misplaced(path: Path, kind: str) -> ContractProblem | None:
    """The problem of an optional file (external/store_states.csv) that is not at ``path`` yet lies close by:
    packed or under another name in its folder, or in the folder above (the data directory); its folder a file.

    Why: the file is optional, so any of these was read as "no states" without a word: every store got the
    nationwide holiday calendar, and the summary merely lacked a line. None when nothing like it is there.
    A folder this user may not search (``chmod 000 external``) hides the file from ``os.path.lexists`` too.
    """
    folder = path.parent
    try:
        os.lstat(path)
    except PermissionError as exc:
        return problem(folder, f"cannot be read ({exc.strerror}): expected {kind} to be readable when there; check "
                               "that the folder is readable by this user (ls -ld)")
    except OSError:
        pass
    if os.path.lexists(folder) and not folder.is_dir():
        return problem(folder, f"is not a directory: expected the directory holding {kind}; rename or remove it")
    packed = [p.name for p in (path.with_name(path.name + ext) for ext in _PACKED) if p.is_file()]
    if packed:
        return problem(path, f"file not found: expected {kind} here, found {packed[0]}: unpack it in this "
                             f"directory first ({_PACKED[Path(packed[0]).suffix]})")
    named = _named_otherwise(path) if folder.is_dir() else None
    if named:
        return problem(path, f"file not found: expected {kind} here, found {named}: rename it {path.name}")
    as_parquet = [p.name for p in (path.with_suffix(".parquet"), path.with_suffix(".pq")) if p.is_file()]
    if as_parquet:  # store.parquet and test.parquet are read, this file only as CSV
        return problem(path, f"file not found: expected {kind} here, found {as_parquet[0]}: this file is read as "
                             f"CSV only; write it as {path.name} (Store,State)")
    above = folder.parent / path.name
    named_above = above.name if above.is_file() else _named_otherwise(above)
    if named_above:
        return problem(path, f"file not found: expected {kind} here, found {folder.parent / named_above}: move it "
                             f"into {folder.name}/{'' if named_above == path.name else f' as {path.name}'}")
    return None


def _one_folder_down(path: Path) -> Path | None:
    """``path``'s name in the one folder just below its own that holds it: the data directory is likely that
    folder (``--data ../shared`` for ``../shared/rossmann``). None when several do: which one is a guess."""
    try:
        found = [p for p in path.parent.glob(f"*/{path.name}") if p.is_file()]
    except OSError:  # an unreadable folder: no hint, the plain message
        return None
    return found[0] if len(found) == 1 else None


def _in_archive(path: Path) -> tuple[str, str] | None:
    """(archive, member): a .zip file beside ``path`` that holds a file of its name (at its top or one folder
    down), else None.

    Why: Kaggle's download is rossmann-store-sales.zip, which holds train.csv, store.csv and test.csv; left as
    it came, each file was only "not found" beside it. Only the archives' lists of names are read.
    """
    try:
        archives = sorted(p for p in path.parent.glob("*.zip") if p.is_file())[:20]
    except OSError:
        return None
    for archive in archives:
        try:
            with zipfile.ZipFile(archive) as packed:
                names = packed.namelist()
        except (OSError, zipfile.BadZipFile, ValueError):
            continue
        member = next((n for n in names if n == path.name or re.fullmatch(rf"[^/]+/{re.escape(path.name)}", n)),
                      None)
        if member:
            return archive.name, member
    return None


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


def _fields(line: str) -> list[str]:
    """The fields of one line, however long: a field over the csv module's 128 KiB limit raised ``csv.Error``,
    a traceback, where the value checks name the line and column of the value too long to be one."""
    limit = csv.field_size_limit(sys.maxsize)
    try:
        return next(csv.reader([line]), [])
    finally:
        csv.field_size_limit(limit)
