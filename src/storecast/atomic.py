"""Atomic file writes: every output goes to a temp file beside its target, then one rename.

A crash or a full disk therefore never leaves a half-written model, report or data file behind,
and a reader sees either the old file or the new one.
"""

from __future__ import annotations

__all__ = ["atomic_write", "atomic_write_set", "atomic_write_bytes", "atomic_write_text", "save_figure",
           "target_problem", "folder_problem", "check_folder", "sync_file", "sync_folder", "ready_to_replace"]

import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any


def _mode_for(path: Path) -> int:
    """The permission bits the written file gets: the existing file's (a private 0600 stays private), else 0644."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o644  # new: mkstemp would make it 0600, but outputs are read by servers and people


def sync_file(path: str | Path) -> None:
    """Flush ``path``'s bytes to the disk before it is renamed or linked into place.

    Why: a rename can reach the disk before the data it names (ext4 with delalloc, XFS); after a power loss
    the new name then holds an empty or partial file, the very thing the temp file was meant to prevent.
    """
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def ready_to_replace(tmp: str | Path, target: str | Path | None = None) -> None:
    """Give the temp file ``tmp`` the permission bits of ``target``, the file it will be renamed or linked onto
    (0644 when there is none yet, or no ``target``: a new name), and flush it to the disk.

    Why one helper: every writer that renames a temp file into place (``atomic_write``, the model files of
    ``publish``, the files of an EDA report) keeps a replaced file's mode this way; the report's own copy made
    each file 0644, so a report the user had made private (0640) came back readable by everyone.
    """
    os.chmod(tmp, _mode_for(Path(target)) if target is not None else 0o644)
    sync_file(tmp)


def sync_folder(path: str | Path) -> None:
    """Flush directory ``path``'s entries (a rename into it) to the disk; skipped where a directory cannot be
    opened for that (Windows), where the rename is durable anyway."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems refuse fsync on a directory: the file itself is already synced
        pass
    finally:
        os.close(fd)


def atomic_write(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp_path)``, flush it to the disk, then rename the temp file onto ``path``.

    A new file is readable by others (0644); a replaced one keeps its permission bits.
    """
    return atomic_write_set({path: write})[0]  # a set of one: the temp file, flush, rename and cleanup live there


def atomic_write_set(writes: Mapping[str | Path, Callable[[Path], object]]) -> list[Path]:
    """``atomic_write`` for files that belong together: every ``write(tmp)`` first, then the renames.

    Why: files written one by one (cleaned data beside its report) were a mixed set when one write failed
    (a full disk, Ctrl-C): the new data beside the old report. Here each file is written to a temp file
    beside its target and flushed; only when all are written are they renamed into place, in the given
    order. On a failure before that no target is touched and every temp file is removed. (A failure amid
    the renames themselves, a few system calls, can still leave the set partly replaced.)
    """
    targets = [Path(path) for path in writes]
    temps: list[Path] = []
    try:
        for target, write in zip(targets, writes.values(), strict=True):
            fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            os.close(fd)
            temps.append(Path(name))
            write(temps[-1])
            ready_to_replace(temps[-1], target)
        for temp, target in zip(temps, targets, strict=True):
            os.replace(temp, target)
    except BaseException:
        for temp in temps:
            temp.unlink(missing_ok=True)
        raise
    for folder in dict.fromkeys(target.parent for target in targets):
        sync_folder(folder)
    return targets


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    return atomic_write(path, lambda tmp: tmp.write_bytes(data))


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically, its "\\n" as they are (the same bytes on every platform: in
    Windows' text mode each would become "\\r\\n")."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8", newline=""))


def save_figure(fig: Any, path: str | Path, **savefig: Any) -> Path:
    """Write a matplotlib figure to ``path`` atomically (format from the suffix), then close it.

    The one way storecast saves a chart to a file: never a half-written PNG, no temp file left on error,
    the same 0644 mode as every other output. ``savefig`` goes to ``Figure.savefig`` (dpi, bbox_inches...).
    """
    import matplotlib.pyplot as plt

    path = Path(path)
    fmt = path.suffix.lstrip(".") or "png"
    try:
        atomic_write(path, lambda tmp: fig.savefig(tmp, format=fmt, **savefig))
    finally:
        plt.close(fig)
    return path


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISCHR(mode):
        return "a character device (like /dev/null or a terminal)"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _nearest_existing(path: Path) -> Path:
    while not os.path.lexists(path) and path != path.parent:
        path = path.parent
    return path


def target_problem(path: str | Path, *, inputs: Iterable[str | Path] = ()) -> str | None:
    """Why ``atomic_write(path, ...)`` cannot or must not write there; None when it can.

    Why before the work: a write that fails only after a long forecast wastes the run, and some targets
    "work" destructively: ``os.replace`` onto an input file destroys it, onto a symlink it replaces the
    link (for ``/dev/stdout`` as root, the device node itself) instead of writing where the link points.
    So: an existing target must be a regular file that is none of ``inputs``, and its directory (or the
    nearest existing one, when directories still have to be made) must take a new file, tried for real
    with a probe file rather than guessed from permission bits (root, ACLs and read-only mounts differ).
    """
    path = Path(path)
    try:
        mode = os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):  # not there yet (or under a file: reported below)
        mode = None
    except OSError as exc:  # a folder of the path is a link that loops: a traceback, before
        if exc.errno != errno.ELOOP:
            raise
        mode = None
    if mode is not None and stat.S_ISDIR(mode):
        return f"{path} is a directory: give the path of the file to write (a new name inside it, say)"
    if mode is not None and stat.S_ISLNK(mode):
        try:
            target_mode = os.stat(path).st_mode
            pointed = "a regular file" if stat.S_ISREG(target_mode) else _kind(target_mode)
        except OSError:
            pointed = "nothing (a broken link)"
        return (f"{path} is a symbolic link to {pointed} ({os.path.realpath(path)}): a write would replace the "
                "link, not write there; give the path of a regular file")
    if mode is not None and not stat.S_ISREG(mode):
        return f"{path} is {_kind(mode)}, not a regular file: give the path of a file to write"
    if mode is not None:
        for given in inputs:
            if os.path.exists(given) and os.path.samefile(path, given):
                return (f"{path} is {given}, an input file (data, model or card): writing there would overwrite it; "
                        "choose another file")
    return _cannot_write_under(path, _nearest_existing(path.parent))


def folder_problem(path: str | Path) -> str | None:
    """Why files cannot be written into the directory ``path`` (made when missing); None when they can.

    Why: output directories (``--out``, ``--models-dir``) were made with ``mkdir`` only when the first file
    was written, so a path that is a file, or lies under one, ended a run (a training run, say) in a traceback.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        return f"{path} is a file, not a directory: give a directory (it is made when missing)"
    return _cannot_write_under(path, _nearest_existing(path))


def check_folder(path: str | Path, name: str) -> Path:
    """``path`` when files can be written into it, else ``OutputPathError`` "``name``: why" (one line, exit 2).

    For every output directory checked before the work (the CLI's ``--out``/``--models-dir``, the Python API's
    ``out_dir``/``models_dir``); ``name`` is how the caller calls it.
    """
    from storecast.errors import OutputPathError

    problem = folder_problem(path)
    if problem:
        raise OutputPathError(f"{name}: {problem}")
    return Path(path)


def _no_folder(path: Path) -> str:
    """What ``path``, which exists (``os.path.lexists``) but is no directory, is instead.

    Why: a link that loops (``ln -s loop loop``) or leads nowhere was "a file, not a directory", which sends the
    user looking for a file that is not there.
    """
    if path.is_symlink():
        try:
            path.stat()
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return "a symbolic link that loops (it leads back to itself): remove it, or give another path"
            return f"a symbolic link to {os.readlink(path)}, which is not there: fix the link, or give another path"
    return "a file, not a directory"


def _cannot_write_under(path: Path, folder: Path) -> str | None:
    """Why nothing can be written in ``folder``, the nearest existing directory of ``path`` (a probe file tries)."""
    if not folder.is_dir():
        return f"{path} cannot be created: {folder} is {_no_folder(folder)}"
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".storecast-probe-", suffix=".tmp")
    except OSError as exc:
        return f"cannot write in {folder} ({exc.strerror or exc}): choose a directory you can write to"
    os.close(fd)
    os.unlink(probe)
    return None
