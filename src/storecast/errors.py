"""Exception classes: every error storecast raises on purpose is a StorecastError.

They subclass built-ins (``DataContractError(ValueError)``) so callers that catch the built-in keep working,
and the CLI and the API map them to a clean message / HTTP status in one place each. ``first_and_more`` is
the one way a message names the first few of many values ("3, 7, 9 and 12 more"), ``clipped`` the one way it
repeats a long value sent to it.
"""

from __future__ import annotations

__all__ = [
    "StorecastError", "DataContractError", "NotFittedError", "ArtifactError", "ContractProblem", "WindowError",
    "MissingDependencyError", "LSTM_INSTALL_HINT", "OutputPathError", "first_and_more", "MAX_STORES_LISTED", "clipped",
    "MAX_KEY", "INTERRUPTED", "ECHO_LIMIT", "quoted", "json_leaf", "WorkerLostError",
]

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


class StorecastError(Exception):
    """Base class of the errors storecast raises on purpose (shown to users without a traceback)."""


@dataclass(frozen=True)
class ContractProblem:
    """One problem found in an input file: where it is and what is wrong."""

    file: str
    message: str
    line: int | None = None  # 1-based line in the file, header = line 1
    column: str | None = None
    # 0-based position among rows held in memory (``validate_rows``), when the problem is one row's: the API names
    # the request's field from it (``rows[3].store``), where the message says it in words
    row: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column `{self.column}`"
        return f"{where}: {self.message}"


class DataContractError(StorecastError, ValueError):
    """Input data break the contract; carries *all* problems found, not just the first."""

    def __init__(self, problems: list[ContractProblem] | ContractProblem, *, limit: int = 20):
        if isinstance(problems, ContractProblem):
            problems = [problems]
        self.problems = list(problems)
        shown = [str(p) for p in self.problems[:limit]]
        more = len(self.problems) - len(shown)
        if more > 0:
            shown.append(f"... and {more} more problem(s)")
        super().__init__("\n".join(shown))


class NotFittedError(StorecastError, AttributeError):
    """An estimator or bundle was used before it was fitted."""


class ArtifactError(StorecastError, OSError):
    """A model file is missing, truncated, tampered with or of an unknown kind."""


class WindowError(StorecastError, ValueError):
    """The chosen dates (``--until``, ``--folds``) fall outside what train.csv can fit or score."""


class WorkerLostError(StorecastError):
    """A Dask run stopped because a worker died (or Dask lost data a task needed); nothing was saved.

    Why a class: the Dask engine quietens the records Dask logs about a lost worker when the run ends in this
    one line, which already says it (``distributed.worker_logs``).
    """


class MissingDependencyError(StorecastError, ImportError):
    """An optional dependency (PyTorch for the LSTM) is not installed; the message says what to install."""


# What the CLI prints on Ctrl-C (exit 130), wherever the command was: importing, reading, fitting
INTERRUPTED = "interrupted (Ctrl-C): the command stopped before its end"

LSTM_INSTALL_HINT = "the LSTM needs PyTorch: pip install 'storecast[lstm]' (torch==2.13.0, a CPU build)"


class OutputPathError(StorecastError, ValueError):
    """An output path that must not or cannot be written (an input file, a link, a device, no write access)."""


# How many store ids an error message names before "and N more": enough to spot a pattern, short enough to read.
MAX_STORES_LISTED = 20


def first_and_more(values: Sequence[Any], most: int, *, sep: str = ", ") -> str:
    """The first ``most`` values for a message, then how many were left out: ``"3, 7, 9 and 12 more"``.

    Values that are sentences themselves join with ``sep="; "``, which then sets the count apart too
    (``"a; b; ... and 3 more"``), so that it is not read as the end of the last one.
    """
    shown = sep.join(str(v) for v in values[:most])
    if len(values) <= most:
        return shown
    return shown + (" and" if sep == ", " else f"{sep}... and") + f" {len(values) - most} more"


# Characters of a value sent by a client (a header, a field's value, a setting) that a message echoes: one limit,
# so that every answer cuts a long value at the same place (and one change here moves them all).
ECHO_LIMIT = 40


def clipped(text: str, limit: int) -> str:
    """``text`` for a message, past ``limit`` characters cut with a visible "…" (a silent cut read as the value sent,
    and a whole 60 kB value made the answer 60 kB)."""
    return text if len(text) <= limit else text[:limit] + "…"


def quoted(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text`` sent by a client, quoted for a message: ``'ａ'``, ``'4\\xa0100'``, ``'\\ud800'``; past ``limit``
    characters cut visibly, without its closing quote (``'xxx…``).

    The one rule of every echo (Python's ``repr``): a printable character is shown as it is, in any script, so that
    ``'ａ'`` reads as the full-width letter sent; a control character, a line or paragraph separator, a no-break space
    or a lone surrogate is shown as its escape, since a message must not carry it raw (an invisible or line-breaking
    character hides what was sent, and a lone surrogate cannot be encoded as UTF-8).
    """
    return repr(text) if len(text) <= limit else repr(text[:limit])[:-1] + "…"


def json_leaf(value: Any) -> str:
    """A value that holds no other as JSON (Python's repr for one that is no JSON type), by the rule of
    ``quoted``: printable characters as they are (``"ａ"``, not ``"\\uff41"``), the others escaped.
    The one home of a JSON echo: a value in a message, a key in a field path (``api.unprocessable.field_path``).

    Here, not in ``api.schemas``: ``api.strict_body``, which ``api.schemas`` imports, writes field paths too.
    """
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)
    return "".join(c if c.isprintable() else json.dumps(c)[1:-1] for c in text)


# Characters of a key (a JSON field name, a query parameter's name) that a message repeats, wherever it is named:
# a key is a name, usually short, and one limit keeps the same key looking the same in ``loc`` and in every message.
MAX_KEY = 64
