"""Which worker holds which partition, and which LightGBM rank each worker is: the same every run.

Why: ``lightgbm.dask`` numbers its workers (LightGBM's machine ranks) in the order ``Client.who_has`` lists the
data's keys, and Dask builds that list from a set of key strings, so the order followed the client's
PYTHONHASHSEED and the keys' random tokens; which partitions a worker held followed Dask's scheduling. The rank
decides which worker's rows set each feature's bins and the order histograms are summed in, so two runs on the
same data gave different trees (docs/scaling.md, "Repeatable runs"). Here partition ``i`` is kept on the
``i mod n``-th worker in address order, a worker's block is built of exactly those partitions, and LightGBM sees
the workers in address order: rank ``k`` holds the same rows in every run with the same number of workers.
"""

from __future__ import annotations

__all__ = ["AddressOrdered", "home_workers"]

from typing import Any


def home_workers(client, count: int) -> list[str]:
    """The worker address each of ``count`` partitions is kept on: round robin over the workers in address order.

    Why by index, not by where Dask put them: placement then depends on the partitions' names and the
    number of workers alone.
    """
    workers = sorted(client.nthreads())
    return [workers[i % len(workers)] for i in range(count)]


class AddressOrdered:
    """``client`` as ``lightgbm.dask`` uses it, with ``who_has`` listing the data's keys in worker address order.

    Why a wrapper: ``lightgbm.dask`` takes no worker order (its ``machines`` parameter sets ports, but hands
    them to the workers in ``who_has``'s order, so on one host the ranks still moved), and its rank order is
    ``who_has``'s. Everything else is the client's own.
    """

    def __init__(self, client) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def who_has(self, futures=None, **kwargs) -> dict:
        found = self._client.who_has(futures, **kwargs)
        return dict(sorted(found.items(), key=lambda item: (sorted(item[1]), str(item[0]))))
