"""A local cluster's workers note their last log lines and, when compiled code crashes them, where: for the one line.

Why: a worker that crashed (SIGSEGV in LightGBM's or another library's compiled code, an abort) ended without a
word of where, and the line that said it could only guess. Each worker process of a local cluster that storecast
starts now writes its WARNING and ERROR records and, through Python's ``faulthandler``, the Python stack of a
fatal signal to a small file of its own (``worker-PID.txt``, in a temporary directory the command removes); the
client reads its last lines into the message (``endings``). The workers of a ``--scheduler`` cluster are the
user's: nothing is set there.
"""

from __future__ import annotations

__all__ = ["CrashNotes", "last_notes"]

import faulthandler
import logging
import os
import re
import sys
from pathlib import Path, PurePath
from typing import IO

from distributed.diagnostics.plugin import WorkerPlugin

NOTES_KEPT = 3
"""Lines of a worker's notes said in the message: its last records, or the crash and the innermost frames."""

_LINE_CHARS = 160  # a note longer than this is cut: the message is one line


def _notes_file(notes_dir: Path, pid: int) -> Path:
    return notes_dir / f"worker-{pid}.txt"


class CrashNotes(WorkerPlugin):
    """A worker plugin: the worker process appends its WARNING+ records and a fatal signal's Python stack to
    ``notes_dir/worker-PID.txt``.

    Registered on the client, it also runs on a worker started later (one restarted after another died).
    """

    name = "storecast-crash-notes"

    def __init__(self, notes_dir: Path) -> None:
        self.notes_dir = str(notes_dir)
        self._file: IO[str] | None = None
        self._handler: logging.Handler | None = None
        self._faulthandler_was_on = False  # a fault handler of the worker's own (PYTHONFAULTHANDLER=1): put back after

    def setup(self, worker) -> None:
        # line-buffered, appended: faulthandler writes to the file descriptor itself, in the signal handler
        self._file = open(_notes_file(Path(self.notes_dir), os.getpid()), "a", buffering=1,  # noqa: SIM115
                          encoding="utf-8")
        self._faulthandler_was_on = faulthandler.is_enabled()
        faulthandler.enable(file=self._file, all_threads=True)  # SIGSEGV, SIGFPE, SIGABRT, SIGBUS, SIGILL
        self._handler = logging.StreamHandler(self._file)
        self._handler.setLevel(logging.WARNING)
        self._handler.setFormatter(logging.Formatter("%(name)s %(levelname)s: %(message)s"))
        for name in ("", "distributed"):  # Dask's loggers do not propagate to the root logger
            logging.getLogger(name).addHandler(self._handler)

    def teardown(self, worker) -> None:
        if self._file is None or self._handler is None:
            return
        for name in ("", "distributed"):
            logging.getLogger(name).removeHandler(self._handler)
        if self._faulthandler_was_on and sys.__stderr__ is not None:  # where PYTHONFAULTHANDLER=1 writes
            faulthandler.enable(file=sys.__stderr__, all_threads=True)
        else:
            faulthandler.disable()
        self._file.close()
        self._file, self._handler = None, None


def last_notes(notes_dir: Path, pid: int, kept: int = NOTES_KEPT) -> tuple[str, ...]:
    """The last ``kept`` notes of worker process ``pid``; () when it wrote none.

    After a crash: faulthandler's first line ("Fatal Python error: Segmentation fault") and the innermost frames of
    the thread that crashed ('File ".../lightgbm/basic.py", line 1234 in __init__'), not the other threads' stacks.
    """
    try:
        text = _notes_file(notes_dir, pid).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    fatal = next((i for i, line in enumerate(lines) if line.startswith("Fatal Python error")), None)
    if fatal is not None:
        crashed = next((i for i, line in enumerate(lines) if i > fatal and line.startswith("Current thread")), None)
        frames = []  # a thread of the library's own (no Python frames): the fatal line alone
        for line in lines[crashed + 1:] if crashed is not None else []:
            if not line.startswith("File "):
                break
            frames.append(line)
        lines = [lines[fatal], *frames[:kept - 1]]
    else:
        lines = lines[-kept:]
    lines = [_FRAME.sub(_short_frame, line) for line in lines]
    return tuple(line if len(line) <= _LINE_CHARS else line[:_LINE_CHARS - 3] + "..." for line in lines)


_FRAME = re.compile(r'^File "(?P<path>[^"]*)", line (?P<line>\d+) in (?P<name>.*)$')


def _short_frame(found: re.Match[str]) -> str:
    """faulthandler's 'File "/.../site-packages/lightgbm/basic.py", line 1234 in __init__' as
    "lightgbm/basic.py:1234 in __init__": the package and file say where, the rest is the machine's."""
    path = PurePath(found["path"])
    where = f"{path.parent.name}/{path.name}" if path.parent.name else path.name  # "<dynamic-code>": no folder
    return f"{where}:{found['line']} in {found['name']}"
