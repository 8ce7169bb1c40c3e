"""The records Dask logs about a lost worker, on a local cluster: not said above the one line that says it.

Why: when a worker died under a LightGBM rank, ``train --engine dask`` ended in one line (exit 2), but above it
the surviving rank's worker logged Dask's "Compute Failed" block (key, task, the rank's LightGBMError and its
traceback), and the local cluster's scheduler and Nanny, which run in the command's process, logged the lost
worker ("Removing worker ... caused the cluster to lose ...", "Restarting worker"): 15 lines for one fact. The
workers of a ``--scheduler`` cluster log to their own terminals, the user's; nothing here touches them.
With ``--verbose`` every record is said as before. The Nanny's records also say how each worker ended
(``WorkerDeaths``), which tells a ``--rank-wait`` timeout (SIGABRT) from a worker that died.
"""

from __future__ import annotations

__all__ = ["Death", "QuietWorkerRecords", "WorkerDeaths", "WorkerPids", "held_records", "current_deaths", "lost_rank",
           "timed_out", "watched_deaths"]

import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from distributed.diagnostics.plugin import SchedulerPlugin, WorkerPlugin

from storecast.errors import WorkerLostError

_NETWORK_WORDS = ("Socket", "Connect", "connection")  # LightGBM's words for a rank it lost: "Socket recv error", ...


def lost_rank(message: str) -> bool:
    """Whether a LightGBMError's ``message`` says that its rank lost another (LightGBM's network words)."""
    return any(word in message for word in _NETWORK_WORDS)


# a socket whose time_out passed (EAGAIN: "Socket recv error, Resource temporarily unavailable (code: 11)"; ETIMEDOUT)
_TIMED_OUT = re.compile(r"Resource temporarily unavailable|timed out", re.IGNORECASE)


def timed_out(message: str) -> bool:
    """Whether a LightGBMError's ``message`` says that its rank waited in vain (a timeout), not that a peer died."""
    return lost_rank(message) and _TIMED_OUT.search(message) is not None


_DEATH = re.compile(r"Worker process (\d+) (?:was killed by (?:signal (\d+)|unknown signal)|exited with status (\d+))")
_OVER_BUDGET = re.compile(r"Worker (\S+) \(pid=(\d+)\) exceeded")  # distributed.nanny.memory's warning


@dataclass(frozen=True)
class Death:
    """How one worker process of a local cluster ended: killed by ``signal``, or exited with ``status``.

    ``address``: the worker's, when the scheduler knew its process; ``over_budget``: Dask's Nanny stopped it (SIGTERM)
    past its memory budget (``distributed.worker.memory.terminate``); ``notes``: the last lines it wrote to its crash
    notes (``crash_notes``), if any.
    """

    pid: int
    signal: int | None
    status: int | None = None
    address: str | None = None
    over_budget: bool = False
    notes: tuple[str, ...] = ()


class WorkerDeaths(logging.Filter):
    """How a local cluster's worker processes ended, from its Nanny's records ("Worker process N was killed by
    signal S", "... exited with status C"), which it logs at INFO in the command's process.

    Why: when a LightGBM rank waits ``--rank-wait`` minutes for another that never connects, LightGBM's listening
    thread raises a C++ exception nothing catches, and the rank's worker ends with SIGABRT; to the client that is a
    worker that died (a FutureCancelledError), as one killed for memory (SIGKILL) is, or one that crashed in compiled
    code (SIGSEGV). ``deaths`` tells them apart (``endings`` words each). The Nanny's records below WARNING are said
    only with ``verbose``, as before.
    """

    def __init__(self, *, verbose: bool) -> None:
        super().__init__()
        self.verbose = verbose
        self._ended: list[tuple[int, int | None, int | None]] = []  # (pid, signal, status), as the Nanny said
        self.addresses: dict[int, str] = {}  # pid -> worker address (WorkerPids, the Nanny's memory warning)
        self.over_budget: set[int] = set()  # pids the Nanny stopped past their memory budget
        self.notes_dir: Path | None = None  # where the workers keep their crash notes (crash_notes.CrashNotes)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if found := _DEATH.match(message):
            sig = int(found[2]) if found[2] else None
            status = int(found[3]) if found[3] else (255 if sig is None else None)  # "unknown signal": 255
            self._ended.append((int(found[1]), sig, status))
        elif found := _OVER_BUDGET.match(message):
            self.addresses[int(found[2])] = found[1]
            self.over_budget.add(int(found[2]))
        return self.verbose or record.levelno >= logging.WARNING

    def deaths(self, wait: float = 5.0, pid: int | None = None) -> list[Death]:
        """Every worker process that ended, in order, with what is known of it; [] when none within ``wait`` s.

        ``pid``: the process the caller knows ended (a KilledWorker's last worker): waited for itself, not for any.
        Why wait: the scheduler may tell the client of a lost worker before the Nanny has seen its process end.
        """
        from storecast.distributed.crash_notes import last_notes

        deadline = time.monotonic() + wait
        while (not self._ended if pid is None else pid not in {p for p, _, _ in self._ended}) \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        return [Death(ended, sig, status, self.addresses.get(ended), ended in self.over_budget,
                      last_notes(self.notes_dir, ended) if self.notes_dir else ())
                for ended, sig, status in list(self._ended)]


class WorkerPids(SchedulerPlugin):
    """A scheduler plugin of a local cluster made here: which worker address each worker process (pid) serves.

    Why: the Nanny's record of a process that ended names its pid only, and the line that says it names the worker.
    """

    name = "storecast-worker-pids"

    def __init__(self, deaths: WorkerDeaths) -> None:
        self.deaths = deaths

    def add_worker(self, scheduler, worker: str) -> None:
        if (state := scheduler.workers.get(worker)) is not None and state.pid:
            self.deaths.addresses[state.pid] = worker

    def watch(self, scheduler) -> None:
        """Add this plugin to the (in-process) ``scheduler``, and note the workers already there."""
        for address in list(scheduler.workers):
            self.add_worker(scheduler, address)
        scheduler.add_plugin(self)


_WATCHING: list[WorkerDeaths] = []  # the local cluster's, while a dask_client holds one


@contextmanager
def watched_deaths(*, verbose: bool) -> Iterator[WorkerDeaths]:
    """Watch the Nanny's records of a local cluster made here (``cluster.dask_client``) while the block runs;
    ``current_deaths()`` gives it to the code that turns a failed fit into its message. Its ``notes_dir``, a
    temporary directory removed after the block, is for the workers' crash notes (``crash_notes.CrashNotes``)."""
    import tempfile

    deaths, nanny = WorkerDeaths(verbose=verbose), logging.getLogger("distributed.nanny")
    budget = logging.getLogger("distributed.nanny.memory")  # "Worker ... (pid=N) exceeded 95% memory budget"
    level = nanny.level
    if not nanny.isEnabledFor(logging.INFO):  # its INFO records reach the filter, which says them with -v only
        nanny.setLevel(logging.INFO)
    nanny.filters.insert(0, deaths)  # before held_records' filter: what this one drops is never held
    budget.addFilter(deaths)
    _WATCHING.append(deaths)
    try:
        with tempfile.TemporaryDirectory(prefix="storecast-workers-") as notes:
            deaths.notes_dir = Path(notes)
            yield deaths
    finally:
        deaths.notes_dir = None
        _WATCHING.remove(deaths)
        nanny.removeFilter(deaths)
        budget.removeFilter(deaths)
        nanny.setLevel(level)


def current_deaths() -> WorkerDeaths | None:
    """The ``WorkerDeaths`` of the local cluster in use, or None (a ``--scheduler`` cluster's Nannies are elsewhere)."""
    return _WATCHING[-1] if _WATCHING else None


class QuietWorkerRecords(WorkerPlugin):
    """A worker plugin for a local cluster made here: the worker logs no "Compute Failed" for a LightGBM rank that
    lost another, and no failed heartbeat to a scheduler that is closing.

    Why only those: the client turns the rank's error into its one line (``cluster.rank_died``), and a local
    cluster's scheduler lives in the command's process, so it stops answering only while the command closes
    the cluster (after a failed run, while the workers are stopped: "Failed to communicate with scheduler during
    heartbeat" and a CommClosedError traceback). Any other failed task is still logged, with its traceback.
    """

    name = "storecast-quiet-worker-records"

    def __init__(self) -> None:
        self._filter = _Redundant()

    def setup(self, worker) -> None:
        logging.getLogger("distributed.worker").addFilter(self._filter)

    def teardown(self, worker) -> None:
        logging.getLogger("distributed.worker").removeFilter(self._filter)


class _Redundant(logging.Filter):
    """Drops Dask's "Compute Failed" record of a task that raised a LightGBMError about the network, and its
    record of a heartbeat the scheduler did not answer."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if message.startswith("Failed to communicate with scheduler during heartbeat"):
            return False
        # distributed.worker logs it as "Compute Failed\nKey: %s\n..." with (key, state, task, exception repr, ...)
        if not message.startswith("Compute Failed") or not isinstance(record.args, tuple):
            return True
        raised = str(record.args[3]) if len(record.args) > 3 else ""
        return not (raised.startswith("LightGBMError(") and lost_rank(raised))


_HELD = ("distributed.scheduler", "distributed.nanny")  # where a local cluster's lost worker is logged


@contextmanager
def held_records(names: tuple[str, ...] = _HELD) -> Iterator[list[logging.LogRecord]]:
    """Hold the records of the loggers ``names`` while the block runs; dropped if it raises a WorkerLostError,
    else logged after it, in their order. Yields the list, which the block may prune (``endings.say_survived``).

    Why held, not dropped: a worker that dies while its tasks can run elsewhere does not stop the run, and the
    user should still read that it died (after the run, not lost).
    """
    held: list[logging.LogRecord] = []

    def hold(record: logging.LogRecord) -> bool:
        held.append(record)
        return False

    loggers = [logging.getLogger(name) for name in names]
    for log in loggers:
        log.addFilter(hold)
    try:
        yield held
    except WorkerLostError:
        held.clear()  # the one line says it
        raise
    finally:
        for log in loggers:
            log.removeFilter(hold)
        for record in held:
            logging.getLogger(record.name).handle(record)
