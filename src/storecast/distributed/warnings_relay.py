"""The data contract's warnings, said on a worker, said again on the client.

Why: a worker reads its part through the contract (``load_train``, ``load_rows``), whose warnings (a StateHoliday
"A" read as "a", Open = 0 with Sales > 0, test rows without Open) went to the worker's log, which a LocalCluster
silences below ERROR and a remote cluster keeps on its own machines. The local engine shows them; the Dask
engine read the same file without a word. A worker now keeps them (``kept_warnings``) and returns them with its
result; the client logs each (``say_again``) under the logger that said it, so they read as the local engine's.
"""

from __future__ import annotations

__all__ = ["kept_warnings", "say_again"]

import logging
from collections.abc import Iterator
from contextlib import contextmanager

_ROOT = "storecast"


class _Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.said: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.said.append((record.name, record.levelno, record.getMessage()))


@contextmanager
def kept_warnings() -> Iterator[list[tuple[str, int, str]]]:
    """Collect storecast's warnings said inside the block as (logger name, level, message), on a worker."""
    keep = _Keep()
    logger = logging.getLogger(_ROOT)
    logger.addHandler(keep)
    try:
        yield keep.said
    finally:
        logger.removeHandler(keep)


def say_again(said: list[tuple[str, int, str]]) -> None:
    """Log warnings kept on a worker, each under the logger and level that said it (on the client)."""
    for name, level, message in said:
        logging.getLogger(name).log(level, "%s", message)
