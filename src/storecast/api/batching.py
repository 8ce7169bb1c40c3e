"""Micro-batching: requests that arrive while a prediction runs share the next ``predict_frame`` call.

Why: one ``predict_frame`` call costs a fixed few milliseconds of pandas/sklearn overhead whether it
carries 1 row or 50, so under concurrent single-row traffic one call for all waiting requests serves
many times more requests a second. No request waits on a timer: the first request starts a call at
once and the ones arriving meanwhile form the next batch. Calls run one at a time in a worker thread
(CPU-bound work gains nothing from more threads under the GIL, and the event loop stays free).

This is exact, not an approximation: every storecast feature is computed from the row itself, the
fitted state and the rows of the *same store in the same request* (``features.schedule.StoreSchedule``
reads a merged call per request, ``RequestRows.concat``'s ``group``), so a request predicts the same
alone or in any merged call, also beside other requests for its own stores. Only requests that keep the
data contract are merged (a request that breaks it runs alone and gets its own error). A failing merged
batch is retried request by request, so an error reaches only the request that caused it.
"""

from __future__ import annotations

__all__ = ["MicroBatcher"]

import asyncio
import time
from collections import deque
from collections.abc import Callable

import anyio
import anyio.to_thread
import numpy as np

from storecast.data.request_rows import RequestRows

Result = tuple[np.ndarray, np.ndarray, np.ndarray]  # (sales, lower, upper) aligned with the rows


class MicroBatcher:
    """Queue column batches and answer each with its slice of one shared prediction.

    Parameters
    ----------
    predict : callable
        ``predict(rows: RequestRows) -> (sales, lower, upper)`` arrays aligned with the rows; runs in a thread.
    max_rows : int
        Upper bound of rows merged into one call (a single larger request still runs alone).
    """

    def __init__(self, predict: Callable[[RequestRows], Result], *, max_rows: int = 20_000) -> None:
        self._predict = predict
        self._max_rows = max_rows
        self._queue: deque[tuple[RequestRows, asyncio.Future[Result]]] = deque()  # popleft: O(1), not list.pop(0)
        self._draining = False
        # the running drain task: the loop keeps only a weak reference, so an unreferenced task may be
        # garbage-collected mid-flight, leaving its batch's futures unanswered (asyncio.create_task's docs)
        self.drainer: asyncio.Task[None] | None = None
        self._limiter = anyio.CapacityLimiter(1)
        # counters for the shutdown log line: how much batching happened and how busy predict was
        self.requests = 0
        self.calls = 0
        self.rows = 0
        self.busy_s = 0.0

    async def predict(self, rows: RequestRows) -> Result:
        """Forecast ``rows``, sharing the call with whatever else is waiting."""
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self.requests += 1
        self._queue.append((rows, future))
        if not self._draining:
            self._draining = True
            self.drainer = asyncio.get_running_loop().create_task(self._drain())
        return await future

    def _take(self) -> list[tuple[RequestRows, asyncio.Future[Result]]]:
        batch: list[tuple[RequestRows, asyncio.Future[Result]]] = []
        rows = 0
        while self._queue:
            head = self._queue[0][0]
            n, valid = len(head), head.in_contract()
            if batch and (rows + n > self._max_rows or not valid):
                break
            batch.append(self._queue.popleft())
            rows += n
            if not valid:
                break  # a request that breaks the contract runs alone: its error is its own
        return [(c, f) for c, f in batch if not f.cancelled()]

    def _timed(self, rows: RequestRows) -> Result:
        start = time.perf_counter()
        try:
            return self._predict(rows)
        finally:
            self.busy_s += time.perf_counter() - start
            self.calls += 1
            self.rows += len(rows)

    async def _run(self, rows: RequestRows) -> Result:
        return await anyio.to_thread.run_sync(self._timed, rows, limiter=self._limiter)

    def stats(self) -> str:
        """One line: requests, predict calls, mean rows per call, seconds spent predicting."""
        per_call = self.rows / self.calls if self.calls else 0.0
        return (f"{self.requests} requests in {self.calls} predict calls "
                f"({per_call:.1f} rows per call), {self.busy_s:.1f} s predicting")

    async def _drain(self) -> None:
        try:
            while self._queue:
                batch = self._take()
                if not batch:
                    continue
                try:
                    sales, lower, upper = await self._run(RequestRows.concat([c for c, _ in batch]))
                except Exception as exc:
                    if len(batch) == 1:
                        _settle(batch[0][1], exc=exc)
                        continue
                    for cols, fut in batch:  # isolate the request that failed
                        if fut.done():  # cancelled while the merged call ran: no one reads its answer
                            continue
                        try:
                            _settle(fut, result=await self._run(cols))
                        except Exception as one:
                            _settle(fut, exc=one)
                    continue
                start = 0
                for cols, fut in batch:
                    end = start + len(cols)
                    _settle(fut, result=(sales[start:end], lower[start:end], upper[start:end]))
                    start = end
        finally:
            self._draining = False


def _settle(fut: asyncio.Future[Result], *, result: Result | None = None,
            exc: BaseException | None = None) -> None:
    if fut.done():
        return
    if exc is not None:
        fut.set_exception(exc)
    else:
        fut.set_result(result)  # type: ignore[arg-type]
