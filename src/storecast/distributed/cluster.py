"""A Dask client: on the cluster at ``--scheduler ADDRESS``, else on a LocalCluster of worker processes."""

from __future__ import annotations

__all__ = ["dask_client", "rank_died", "work_cancelled", "worker_died"]

import logging
import signal
from collections.abc import Iterator
from concurrent.futures import CancelledError
from contextlib import contextmanager, nullcontext

from storecast.distributed import require_dask

_log = logging.getLogger(__name__)

WORKERS_WAIT_S = 30.0
"""How long a ``--scheduler`` without workers is given for one to join before the run stops."""

CLOSE_TIMEOUT_S = 120.0
"""How long closing a client or cluster may take before it is logged and left (Dask's own default is 60 s)."""

CLOSE_MARGIN_S = 5.0
"""How much longer than each worker's own wait closing the workers may take before those left are killed."""

FAILED_CLOSE_S = 5.0
"""How long a worker of a failed run is given to stop before it is killed (the Nanny's own default)."""


@contextmanager
def dask_client(scheduler: str | None = None, workers: int = 2, *, threads_per_worker: int = 1,
                memory_limit: str | float = "auto") -> Iterator:
    """Yield a ``distributed.Client``; a LocalCluster made here is closed on exit.

    Why processes with one thread each: LightGBM's distributed fit runs one rank per worker, and on a
    small machine one thread per rank keeps the ranks from fighting over cores. ``memory_limit`` is
    per worker ("auto": the machine's memory divided among the workers); past it Dask spills to disk.
    """
    require_dask()
    from distributed import Client, KilledWorker, LocalCluster

    from storecast.distributed.endings import say_survived
    from storecast.distributed.worker_logs import held_records, watched_deaths

    verbose = logging.getLogger().isEnabledFor(logging.INFO)
    if not verbose:  # the scheduler's INFO lines only with --verbose; not put back after the run: an in-process
        # scheduler still logs from its own thread after the client closed ("Close client connection")
        logging.getLogger("distributed").setLevel(logging.WARNING)

    # the scheduler's HTTP server (health routes) listens without a dashboard too, by default on port 8787: when
    # that port is taken (another run, a notebook's cluster) Dask printed "UserWarning: Port 8787 is already in
    # use ..." with its source line; a free port (":0") is all a local cluster needs
    cluster = None if scheduler else LocalCluster(
        n_workers=workers, threads_per_worker=threads_per_worker, processes=True, memory_limit=memory_limit,
        dashboard_address=None, scheduler_kwargs={"dashboard_address": ":0"}, silence_logs=logging.ERROR)
    failed = True  # until the work is done: a failed run's workers are not waited for (Workers)
    # a local cluster's scheduler and Nanny log a lost worker in this process: not above the one line that says it;
    # how its workers ended tells a --rank-wait timeout from a worker that died (rank_died)
    with (nullcontext() if cluster is None else watched_deaths(verbose=verbose) as deaths,
          nullcontext() if cluster is None or verbose else held_records() as held):
        try:
            client = _connect(Client, scheduler, cluster)
            try:
                if scheduler:
                    _wait_for_a_worker(client, scheduler)
                else:  # never on --scheduler's workers: that cluster and its logs are the user's
                    _watch_local_workers(client, cluster, deaths, verbose=verbose)
                yield client
                failed = False
                if deaths is not None:  # a worker that died while its tasks could run elsewhere: said, once
                    say_survived(deaths.deaths(wait=0), held)
            except KilledWorker as exc:  # a part names itself where it can (prediction._follow); any other task
                from dask.utils import key_split

                raise worker_died(f"a task of this run ({key_split(exc.task)})", exc) from None
            except CancelledError as exc:  # Dask's FutureCancelledError, FuturesCancelledError (concurrent.futures')
                from dask.utils import key_split

                raise work_cancelled(f"a task of this run ({key_split(cancelled_key(exc))})", exc) from None
            finally:
                _close_quietly(client)
        finally:
            if cluster is not None:  # a cluster made here (also when the client failed to start); never --scheduler's
                _close_quietly(Workers(cluster, failed=failed))
                _close_quietly(cluster)


def _watch_local_workers(client, cluster, deaths, *, verbose: bool) -> None:
    """The plugins of a local cluster made here: its workers print nothing on stdout, log a lost rank's error
    once (not without ``verbose``), and note how they end for ``deaths`` (``worker_logs.WorkerDeaths``)."""
    from storecast.distributed.crash_notes import CrashNotes
    from storecast.distributed.worker_logs import QuietWorkerRecords, WorkerPids
    from storecast.distributed.worker_stdout import QuietStdout

    WorkerPids(deaths).watch(cluster.scheduler)  # the Nanny names a process, the one line its worker
    client.register_plugin(CrashNotes(deaths.notes_dir))  # before any task: a crash says where
    client.register_plugin(QuietStdout(verbose=verbose))
    if not verbose:
        client.register_plugin(QuietWorkerRecords())


def _connect(client_class, scheduler: str | None, cluster):
    """A client of ``cluster`` or of the scheduler at ``scheduler``; a StorecastError naming the address when none
    answers there.

    Why: a mistyped or stopped --scheduler ended in Dask's chained CommClosedError / OSError traceback, which
    names Dask's connector, not the option to fix.
    """
    from storecast.errors import StorecastError

    try:
        return client_class(scheduler or cluster)
    except OSError as exc:  # dask's CommClosedError and "Timed out trying to connect" among them
        if cluster is not None:
            raise
        raise StorecastError(f"--scheduler {scheduler}: no Dask scheduler answered there ({exc}): check the address, "
                             "start the scheduler (`dask scheduler`), or leave --scheduler out to run on a local "
                             "cluster.") from None


def worker_died(what: str, exc) -> Exception:
    """A WorkerLostError for Dask's KilledWorker ``exc``: ``what`` killed a worker on every try.

    Why: Dask's own message came with a traceback through the CLI and Dask's internals, and named a task key
    ("_predict_part-1f0c...-1"), not the part or what to change. Nothing is saved by then: a model is saved
    after the last task, a forecast's temp directory is removed. On a local cluster the line says how the last
    worker's process ended (``endings``): memory, a crash in compiled code and an exit call want other fixes.
    """
    from dataclasses import replace

    from storecast.distributed.endings import advice, how_it_ended, local_deaths, which_worker, worker_ended
    from storecast.errors import WorkerLostError

    tries = exc.allowed_failures + 1
    pid = getattr(exc.last_worker, "pid", None) or None  # a WorkerState's; 0 when the worker did not say
    death = worker_ended(local_deaths(pid), pid)
    last = f"worker {exc.last_worker.address}" if death is None else (
        f"{which_worker(replace(death, address=death.address or exc.last_worker.address))} {how_it_ended(death)}")
    return WorkerLostError(
        f"{what}: the Dask worker running it died, {tries} time(s) on {tries} worker(s); the last, "
        f"{last}, so Dask gave up and nothing was saved: {advice(death)}")


def cancelled_key(exc: CancelledError) -> object:
    """The task key of Dask's FutureCancelledError ``exc``, or of the first future of a FuturesCancelledError."""
    groups = getattr(exc, "error_groups", None)
    if groups:
        return groups[0].errors[0].key
    return getattr(exc, "key", "?")


def work_cancelled(what: str, exc: CancelledError) -> Exception:
    """A WorkerLostError for Dask's FutureCancelledError (or FuturesCancelledError) ``exc``: the result of ``what``
    was cancelled while the run waited for it.

    Why: storecast cancels no task it still waits for, so this is Dask giving up on one: a worker died with data
    no other worker held (a scattered table: "already forgotten", "lost dependencies"), or the client lost its
    scheduler. Under load that cancellation could reach the client before the KilledWorker of the task that
    killed the worker, and the run ended in a traceback.
    """
    from storecast.distributed.endings import advice, how_it_ended, local_deaths, which_worker, worker_ended
    from storecast.errors import WorkerLostError

    groups = getattr(exc, "error_groups", None)
    reasons = sorted({g.reason for g in groups}) if groups else [getattr(exc, "reason", "unknown")]
    death = worker_ended(local_deaths())
    lost = ("a Dask worker holding data it needed died, or this client lost the scheduler" if death is None else
            f"a Dask worker holding data it needed died: the {which_worker(death)} {how_it_ended(death)}")
    return WorkerLostError(
        f"{what}: Dask cancelled it before its result came ({'; '.join(reasons)}): {lost}, so nothing was saved: "
        f"{advice(death)}")


def rank_died(exc: Exception, rank_wait: int | None = None) -> Exception | None:
    """The WorkerLostError of ``exc``, raised by ``lightgbm.dask``'s fit, when it says a worker died under a
    LightGBM rank or a rank never joined the others; None for any other error (raise it as it is).

    Why: a rank's task is pinned to its worker, so Dask does not retry it elsewhere, and no KilledWorker comes:
    the client got "FutureCancelledError: ... cancelled for reason: already forgotten" (the dead rank's task), or
    the surviving ranks' "LightGBMError: Socket recv error, Connection reset by peer", each as a traceback. A
    rank that waited ``rank_wait`` minutes (LightGBM's ``time_out``) for one that never joined looks the same to
    the client (LightGBM aborts its worker: "Socket accept error"), yet the fix is another: it is told apart by
    the socket's own timeout in the error, or, on a local cluster, by the worker's SIGABRT (``WorkerDeaths``), and
    said as what happened. On a ``--scheduler`` cluster a worker that died says both. A local worker that crashed
    in compiled code (SIGSEGV) is said as a crash, with its last lines, not as a lack of memory (``endings``).
    """
    from distributed.client import FutureCancelledError
    from lightgbm.basic import LightGBMError

    from storecast.distributed.endings import (
        advice,
        crashed,
        how_it_ended,
        not_known,
        which_worker,
        worker_ended,
    )
    from storecast.distributed.worker_logs import current_deaths, lost_rank, timed_out
    from storecast.errors import WorkerLostError

    if isinstance(exc, LightGBMError) and not lost_rank(str(exc)):
        return None
    if not isinstance(exc, LightGBMError | FutureCancelledError):
        return None
    watched = current_deaths()
    deaths = [] if watched is None else watched.deaths()  # one read, waited for: what both tests below see
    if (isinstance(exc, LightGBMError) and timed_out(str(exc))) or any(d.signal == signal.SIGABRT for d in deaths):
        waited = "LightGBM's time_out" if rank_wait is None else f"--rank-wait {rank_wait} minute(s)"
        return WorkerLostError(
            f"LightGBM's distributed fit (lightgbm.dask): its ranks did not all connect (or answer) within {waited}, "
            "so the waiting rank gave up (LightGBM ends its Dask worker then) and nothing was saved: a worker was "
            "stuck or too busy to run its rank in time; run on fewer or less busy workers (a local cluster: fewer "
            "--workers), or give the ranks longer with a larger --rank-wait.")
    death = worker_ended(deaths)
    if death is not None and crashed(death):  # SIGABRT said above: a crash in compiled code
        return WorkerLostError(
            f"LightGBM's distributed fit (lightgbm.dask): the Dask {which_worker(death)} running one of its ranks "
            f"{how_it_ended(death)}, so the fit stopped and nothing was saved: {advice(death)} A LightGBM rank also "
            "crashes so about 2 minutes after it gave up connecting to a rank that never joined (a worker stuck or "
            "too busy): then run on fewer or less busy workers (a local cluster: fewer --workers).")
    # killed (SIGKILL, SIGTERM: for memory, as Dask's Nanny and the kernel kill) or an exit: a death, said alone;
    # not known (--scheduler, or the Nanny's "unknown signal"): the wait may be the cause too
    lost = ("a Dask worker running one of its ranks died, and" if death is None else
            f"the Dask {which_worker(death)} running one of its ranks {how_it_ended(death)};")
    waited = "" if rank_wait is None or not not_known(death) else (
        f" A rank that waits {rank_wait} minute(s) for another that never joins LightGBM's network (a worker stuck "
        "or too busy) stops its worker the same way: --rank-wait sets that wait.")
    return WorkerLostError(
        f"LightGBM's distributed fit (lightgbm.dask): {lost} a rank cannot move to another worker, so the fit "
        f"stopped and nothing was saved: {advice(death)}{waited}")


def _wait_for_a_worker(client, scheduler: str) -> None:
    """Return once the cluster at ``scheduler`` has a worker; a StorecastError after `WORKERS_WAIT_S` without one.

    Why: a scheduler whose workers were not started (or had all stopped) took every task and ran none, so
    ``train`` and ``predict`` waited without a word, forever.
    """
    from storecast.errors import StorecastError

    if client.nthreads():
        return
    try:
        client.wait_for_workers(1, timeout=WORKERS_WAIT_S)
    except TimeoutError:  # distributed's WorkerStartTimeoutError
        raise StorecastError(f"--scheduler {scheduler}: the scheduler answered, but no worker joined it within "
                             f"{WORKERS_WAIT_S:g} s: start workers (`dask worker {scheduler}`), or leave "
                             "--scheduler out to run on a local cluster.") from None


class Workers:
    """The worker processes of a LocalCluster made here, closed as one before the cluster.

    Why: the cluster closes each worker's Nanny with the Nanny's own 5 s default, whatever its own timeout, and a
    worker process still there after 4 s (a loaded machine, a worker freeing gigabytes) was killed with the
    warning "Worker process still alive after 4.0 seconds, killing", after a run that had succeeded. Closed here
    first, each gets the timeout; the cluster then finds them closed. After a failed run (``failed``) a worker
    may be stuck where it cannot stop (a LightGBM rank waiting for one that died): each gets `FAILED_CLOSE_S`,
    then is killed without that warning, below the run's own error. The close as a whole ends `CLOSE_MARGIN_S`
    after that wait: a Nanny whose close never returns (a plugin's teardown, a process that will not be joined)
    held the command forever after its work was done; the worker processes left then are killed, with one warning.
    """

    def __init__(self, cluster, *, failed: bool = False) -> None:
        self.cluster = cluster
        self.failed = failed

    def close(self, timeout: float) -> None:
        import asyncio

        wait = min(timeout, FAILED_CLOSE_S) if self.failed else timeout

        async def close_all() -> None:
            closing = {asyncio.ensure_future(nanny.close(timeout=wait)): (nanny, nanny.process)
                       for nanny in list(self.cluster.workers.values())}  # the process: a closed Nanny drops it
            if not closing:
                return
            done, left = await asyncio.wait(closing, timeout=wait + CLOSE_MARGIN_S)
            if left:
                await _kill_left([closing[task] for task in left], wait + CLOSE_MARGIN_S)
                for task in left:
                    task.cancel()  # the Nanny's close ends as closed (its own finally), which the cluster waits for
                await asyncio.wait(left, timeout=CLOSE_MARGIN_S)
            for task in done:
                task.result()  # as gather did: a Nanny's own TimeoutError is said by _close_quietly

        nanny_log = logging.getLogger("distributed.nanny")
        unsaid, cancelled = _Unsaid("Worker process still alive"), _CancelledUnsaid()
        if self.failed:  # first: a record held_records holds (and says after a run that failed) is not dropped
            nanny_log.filters.insert(0, unsaid)
        nanny_log.filters.insert(0, cancelled)
        try:
            self.cluster.sync(close_all)
        finally:
            nanny_log.removeFilter(unsaid)
            nanny_log.removeFilter(cancelled)


async def _kill_left(left: list, after: float) -> None:
    """Kill the worker processes of the Nannies in ``left`` (each a Nanny and its WorkerProcess), with one warning
    naming them: their close had not returned ``after`` seconds in, and the run's result is already saved."""
    named = []
    for nanny, worker in left:
        process = getattr(worker, "process", None)  # distributed's AsyncProcess: SIGKILL stops a stopped one too
        if process is None or not process.is_alive():
            continue
        try:
            await process.kill()
        except ValueError:  # "invalid operation on closed AsyncProcess": it ended meanwhile
            continue
        named.append(f"{nanny.worker_address or nanny.address} (process {process.pid})")
    if named:
        _log.warning("the Dask worker%s %s had not stopped %g s after closing began: killed",
                     "s" if len(named) > 1 else "", ", ".join(named), after)


class _Unsaid(logging.Filter):
    """Drops the records whose message begins with ``start``."""

    def __init__(self, start: str) -> None:
        super().__init__()
        self.start = start

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self.start)


class _CancelledUnsaid(logging.Filter):
    """Drops the records of a CancelledError: Dask's ``log_errors`` wrote a Nanny's close cancelled by ``Workers``
    (which says it in its own line) as an ERROR with a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        from asyncio import CancelledError

        return not (record.exc_info and isinstance(record.exc_info[1], CancelledError))


def _close_quietly(closable, timeout: float = CLOSE_TIMEOUT_S) -> None:
    """Close a client or cluster; a slow shutdown is logged, never raised.

    Why: the work is done (and its result saved) before the cluster is closed, so a shutdown that outlasts
    Dask's timeout (workers freeing or deleting gigabytes of spilled data) must not turn a finished run into
    a failure. Worker processes of a LocalCluster still exit with this process.
    """
    try:
        closable.close(timeout=timeout)
    except TimeoutError:  # asyncio's and dask's TimeoutError are the builtin since Python 3.11
        _log.warning("closing the Dask %s took longer than %.0f s: left to exit with the process",
                     type(closable).__name__, timeout)
    except OSError as exc:  # dask's CommClosedError among them: the other side is already gone
        _log.warning("closing the Dask %s failed (%s: %s): left to exit with the process",
                     type(closable).__name__, type(exc).__name__, exc)
