"""The Dask engine: train on a chain too big for one machine, with the same model file as the local engine.

Optional (``pip install 'storecast[dask]'``): nothing here is imported by the local engine, and
`require_dask` turns a missing Dask into one line that says what to install.
"""

from __future__ import annotations

__all__ = ["require_dask", "check_whole_stores", "DASK_INSTALL_HINT", "RANK_WAIT_MIN"]

from collections.abc import Iterable, Sequence
from pathlib import Path

DASK_INSTALL_HINT = ("--engine dask needs Dask: pip install 'storecast[dask]' "
                     "(dask[dataframe] and distributed, pinned in constraints.txt)")

RANK_WAIT_MIN = 10
"""Minutes a LightGBM rank waits for another to join its network, or to answer, before the fit stops.

LightGBM's ``time_out`` (whole minutes, at least 1; its default 120): a rank that never joined (its worker stuck,
too busy, or gone before the fit) kept the others waiting two hours before anything was said. Ranks wait on each
other for seconds in a healthy fit (each builds its histograms, then they are summed), so 10 minutes leaves room
for a slow worker; ``storecast train --rank-wait`` sets it (``distributed.training``).
"""


def require_dask() -> None:
    """Raise MissingDependencyError (exit 2 in the CLI) unless dask and distributed import."""
    from storecast.errors import MissingDependencyError

    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as exc:
        raise MissingDependencyError(DASK_INSTALL_HINT) from exc


_STORES_NAMED = 3  # stores named in the message, each with the first two parts that hold it


def check_whole_stores(parts: Sequence[Path], stores: Sequence[Iterable[int]]) -> None:
    """Raise a DataContractError naming the stores whose rows lie in more than one of ``parts``.

    ``stores[i]``: the store numbers of ``parts[i]``. Why one check: the engine works on each part alone (a
    part's rows fit its stores' statistics in ``train``, a part is forecast alone in ``predict``, and a
    forecast reads its store's schedule), so a store split over parts gives another model or other forecasts
    than the local engine. Training and prediction said so in two wordings, one without the parts' names.
    """
    from storecast import schema as s
    from storecast.errors import ContractProblem, DataContractError

    first: dict[int, Path] = {}
    split: dict[int, tuple[Path, Path]] = {}
    for part, ids in zip(parts, stores, strict=True):
        for value in ids:
            sid = int(value)
            if sid in first and sid not in split and first[sid] != part:
                split[sid] = (first[sid], part)
            first.setdefault(sid, part)
    if not split:
        return
    named = sorted(split)[:_STORES_NAMED]
    listed = ", ".join(f"store {sid} in {split[sid][0].name} and {split[sid][1].name}" for sid in named)
    more = f" and {len(split) - len(named):,} more" if len(split) > len(named) else ""
    raise DataContractError(ContractProblem(
        str(parts[0].parent), f"expected each store's rows in one part, got {len(split):,} store(s) in more than one "
        f"({listed}{more}): --engine dask fits and forecasts each part alone; write each store's rows to one part, "
        "as `storecast synth --format parquet` does", None, s.STORE))
