"""A Dask client: on the cluster at ``--scheduler ADDRESS``, else on a LocalCluster of worker processes."""

from __future__ import annotations

__all__ = ["dask_client"]

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from storecast.distributed import require_dask


@contextmanager
def dask_client(scheduler: str | None = None, workers: int = 2, *, threads_per_worker: int = 1,
                memory_limit: str | float = "auto") -> Iterator:
    """Yield a ``distributed.Client``; a LocalCluster made here is closed on exit.

    Why processes with one thread each: LightGBM's distributed fit runs one rank per worker, and on a
    small machine one thread per rank keeps the ranks from fighting over cores. ``memory_limit`` is
    per worker ("auto": the machine's memory divided among the workers); past it Dask spills to disk.
    """
    require_dask()
    from distributed import Client, LocalCluster

    if not logging.getLogger().isEnabledFor(logging.INFO):  # the scheduler's INFO lines only with --verbose
        logging.getLogger("distributed").setLevel(logging.WARNING)

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with LocalCluster(n_workers=workers, threads_per_worker=threads_per_worker, processes=True,
                      memory_limit=memory_limit, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        yield client
