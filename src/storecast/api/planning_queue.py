"""The planner's queue: one planning job at a time, a cap on the jobs asked of each route, and no job for a client
that has gone.

Why: uvicorn does not cancel a request whose client hung up, so every plan and ranking asked was computed in turn,
for nobody: 150 rankings sent and dropped held the ``/plan`` sent after them 9 s on an 8-store model (0.06 s alone),
minutes on Rossmann's 1,115 stores (1-2 s a ranking); and the page cancels a plan at every newer one (a week
pressed twice, the store list moved with the arrow keys), which the server still computed to the end. Now:

- one job at a time in a worker thread (``PlanningQueue.limiter``), so a ranking of every store cannot starve the
  event loop;
- past ``MAX_PLANS`` plans or ``MAX_RANKINGS`` rankings asked and not yet answered, the next of that route is 503
  with ``Retry-After`` at once (the same words for both: :func:`run_planning`);
- a job whose client has gone is dropped while it waits its turn, and stopped at its next prediction once it runs
  (a ranking predicts ``planner.RANK_CHUNK_STORES`` stores at a time)
  (the ``check`` the job is given raises :class:`ClientGone`); the route then answers ``CLIENT_GONE`` (499, nginx's
  "client closed request") into the closed connection, which only the log line sees.

A queue is an app's (made by its lifespan, in ``app.state.planning``), not the module's: two apps in one process
(tests, a reload) each have their own.
"""

from __future__ import annotations

__all__ = ["CLIENT_GONE", "MAX_PLANS", "MAX_RANKINGS", "ClientGone", "PlanningQueue", "busy_description",
           "run_planning"]

import threading
from collections.abc import Callable
from typing import Literal, TypeVar

import anyio
import anyio.to_thread
from fastapi import HTTPException, Request

from storecast.api.half_close import ClientEOF
from storecast.api.protocol import CLIENT_EOF

# Rankings asked and not yet answered (the running one included), past which a ranking is refused: a /plan waits
# for at most 4 rankings.
MAX_RANKINGS = 4
# Plans asked and not yet answered, past which a plan is refused. A plan is four predictions of a few dozen rows
# (0.06 s on the 8-store model), so 16 hold a plan sent after them about a second, beside the rankings.
MAX_PLANS = 16
# The status of a request whose client went before the answer (nginx's "client closed request"): nobody reads it,
# the log line says it.
CLIENT_GONE = 499
# How often a job waiting or running asks whether its client is still there.
_WATCH_S = 0.1

Kind = Literal["plan", "rank"]
# Each route's cap, and the verb its 503 uses ("the server is already ranking 4 requests, ...").
_CAPS: dict[Kind, tuple[int, str]] = {"plan": (MAX_PLANS, "planning"), "rank": (MAX_RANKINGS, "ranking")}

T = TypeVar("T")


class ClientGone(Exception):
    """Raised by a job's ``check`` once its client has gone: the job stops before its next prediction."""


class PlanningQueue:
    """An app's planning jobs: one at a time in a worker thread (``limiter``), and the jobs of each route asked and
    not yet answered (``asked``: ``plans`` and ``rankings``), each at most its cap."""

    def __init__(self) -> None:
        self.limiter = anyio.CapacityLimiter(1)
        self.asked: dict[Kind, int] = {"plan": 0, "rank": 0}

    @property
    def plans(self) -> int:
        """``/plan`` requests asked and not yet answered (waiting or running)."""
        return self.asked["plan"]

    @property
    def rankings(self) -> int:
        """``/plan/rank`` requests asked and not yet answered (waiting or running)."""
        return self.asked["rank"]


def busy_description(kind: Kind) -> str:
    """The 503 of ``kind`` in the OpenAPI description: the limit, not the constant's name."""
    limit = _CAPS[kind][0]
    return f"{limit} {'plans' if kind == 'plan' else 'rankings'} asked and not yet answered (Retry-After)"


async def _gone(request: Request) -> bool:
    """Whether the client has closed its connection: uvicorn saw it go, or it sent its EOF (``CLIENT_EOF``) and
    reset the connection on the ``100 Continue`` sent then (``api.half_close``: a client that only half-closed is
    answered)."""
    eof: ClientEOF | None = request.scope.get(CLIENT_EOF)
    return (eof is not None and eof.gone()) or await request.is_disconnected()


async def run_planning(request: Request, kind: Kind, job: Callable[[Callable[[], None]], T]) -> T | None:
    """``job(check)`` in the app's planning worker, in its turn; None when the client went first.

    Raises
    ------
    HTTPException
        503 with ``Retry-After`` when ``kind``'s cap of requests asked and not yet answered is reached.
    """
    queue: PlanningQueue = request.app.state.planning
    limit, verb = _CAPS[kind]
    if queue.asked[kind] >= limit:
        raise HTTPException(503, f"the server is already {verb} {limit} requests, as many as it queues: "
                                 "retry in a moment", headers={"Retry-After": "2"})
    queue.asked[kind] += 1
    stop = threading.Event()

    def check() -> None:
        if stop.is_set():
            raise ClientGone

    async def watch(scope: anyio.CancelScope) -> None:
        while not await _gone(request):
            await anyio.sleep(_WATCH_S)
        stop.set()
        scope.cancel()  # a job still waiting for the worker: dropped; a running one stops at its next `check`

    done: list[T] = []
    failed: list[Exception] = []  # raised after the task group, which would wrap it in an ExceptionGroup
    try:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(watch, tasks.cancel_scope)
            try:
                done.append(await anyio.to_thread.run_sync(job, check, limiter=queue.limiter))
            except ClientGone:
                pass
            except Exception as exc:  # the job's own error (NoPromoWeekError): the route answers it
                failed.append(exc)
            tasks.cancel_scope.cancel()
    finally:
        queue.asked[kind] -= 1
    if failed:
        raise failed[0]
    return done[0] if done and not stop.is_set() else None
