"""How a local cluster's worker process ended, in words, and what to do about it: per signal, not "died" for all.

Why: every lost worker was said as one that died, "most often" of memory, whatever ended it: a worker that crashed
in LightGBM's compiled code (SIGSEGV, 140 s into a fit whose last rank never joined) read as a memory problem, and
the advice to give workers more memory changed nothing. The Nanny of a local cluster logs how each process ended
(``worker_logs.WorkerDeaths``); a ``--scheduler`` cluster's Nannies log elsewhere, so there the cause stays unknown.
"""

from __future__ import annotations

__all__ = ["CRASH_ADVICE", "MEMORY_ADVICE", "advice", "crashed", "for_memory", "how_it_ended", "local_deaths",
           "not_known", "say_survived", "which_worker", "worker_ended"]

import logging
import signal
from collections.abc import Sequence

from storecast.distributed.worker_logs import Death, current_deaths

MEMORY_ADVICE = ("most often a worker runs out of memory; give each worker more (a local cluster: fewer --workers; a "
                 "cluster: the workers' --memory-limit) or write smaller parts; the workers' logs say what happened.")

_CRASHES = {signal.SIGSEGV: "a segmentation fault", signal.SIGBUS: "a bus error",
            signal.SIGILL: "an illegal instruction", signal.SIGFPE: "an arithmetic fault"}

# Dask's Nanny's "killed by unknown signal": the status ``distributed.process`` reports for a process whose exit
# status other code read first (waitpid elsewhere), and a real exit with 255 alike, so not known to be either
_UNREAD_STATUS = 255

CRASH_ADVICE = ("not a lack of memory: run it again, and if it crashes again, run with --verbose and report it with "
                "the worker's lines and the library versions (`pip show lightgbm dask distributed`).")


def _name(sig: int) -> str:
    try:
        return signal.Signals(sig).name
    except ValueError:
        return f"signal {sig}"


def for_memory(death: Death) -> bool:
    """Whether ``death`` is how a process ends for memory: the kernel's OOM killer (SIGKILL), or Dask's Nanny past
    the worker's memory budget (SIGTERM, then SIGKILL), which says so in the command's process first."""
    return death.signal == signal.SIGKILL or death.over_budget


def crashed(death: Death) -> bool:
    """Whether compiled code crashed the process (SIGSEGV, SIGBUS, SIGILL, SIGFPE) or aborted it (SIGABRT)."""
    return death.signal in _CRASHES or death.signal == signal.SIGABRT


def how_it_ended(death: Death) -> str:
    """What ended the process, as the end of "the worker ... {how}", with its last notes where there are some."""
    sig = death.signal
    if _unread(death):
        how = (f"ended with status {_UNREAD_STATUS}, which Dask's Nanny reads as an unknown signal (its exit status "
               f"read elsewhere first, or an exit with {_UNREAD_STATUS}: how it ended is not known)")
    elif sig is None:
        how = f"exited with status {death.status} (code it ran ended the process: no signal, no memory limit)"
    elif death.over_budget:
        how = f"was stopped by Dask's Nanny ({_name(sig)}), past its memory budget (a share of its memory limit)"
    elif sig == signal.SIGKILL:
        how = "was killed (SIGKILL), most often by the kernel's out-of-memory killer"
    elif sig == signal.SIGTERM:  # the Nanny's memory monitor would have said so (over_budget)
        how = "was stopped (SIGTERM) from outside the run, not for Dask's memory budget"
    elif sig in _CRASHES:
        how = (f"crashed in compiled code ({_name(sig)}, {_CRASHES[signal.Signals(sig)]}: LightGBM's or another "
               "library's, not Python's)")
    elif sig == signal.SIGABRT:
        how = ("aborted (SIGABRT): compiled code (LightGBM's or another library's) gave up on an error it could "
               "not raise")
    else:
        how = f"was ended by {_name(sig)} from outside the run"
    if death.notes:
        how += "; its last lines: " + " | ".join(f'"{note}"' for note in death.notes)
    return how


def _unread(death: Death) -> bool:
    """Whether the Nanny could not say how the process ended ("killed by unknown signal": ``_UNREAD_STATUS``)."""
    return death.signal is None and death.status == _UNREAD_STATUS


def not_known(death: Death | None) -> bool:
    """Whether how the worker ended is not known: no death logged here (a --scheduler cluster), or one the Nanny
    could not read; then a rank that gave up waiting (``--rank-wait``) may be the cause as well as a death."""
    return death is None or _unread(death)


def advice(death: Death | None) -> str:
    """What to do after ``death`` (unknown: None, or a status the Nanny could not read), as the end of the message."""
    if death is None or _unread(death) or for_memory(death):
        return MEMORY_ADVICE
    if crashed(death):
        return CRASH_ADVICE
    if death.signal is None:
        return ("not a lack of memory: code the task ran ended its process (sys.exit, os._exit, a library's exit); "
                "run with --verbose to read all of the worker's lines.")
    return ("not a lack of memory: find what stops processes on this machine (a batch system's time limit, a "
            "shutdown, a user) and run when it does not.")


def which_worker(death: Death) -> str:
    """ "worker tcp://127.0.0.1:40123 (process 4242)", or "worker process 4242" where its address is not known."""
    return f"worker {death.address} (process {death.pid})" if death.address else f"worker process {death.pid}"


def local_deaths(pid: int | None = None) -> list[Death]:
    """How the workers of the local cluster in use ended (``pid``'s waited for, when given); [] on a --scheduler
    cluster, whose Nannies log elsewhere."""
    watched = current_deaths()
    return [] if watched is None else watched.deaths(pid=pid)


def worker_ended(deaths: Sequence[Death], pid: int | None = None) -> Death | None:
    """The death of process ``pid`` among ``deaths``, else the first crash, else the last death; None if none.

    Why the first crash: when one rank crashes, the others may be stopped after it; the crash is what happened.
    """
    if pid is not None:
        for death in deaths:
            if death.pid == pid:
                return death
    return next((d for d in deaths if crashed(d)), deaths[-1] if deaths else None)


_log = logging.getLogger(__name__)


def say_survived(deaths: Sequence[Death], held: list[logging.LogRecord] | None = None) -> None:
    """Warn of each worker that died in a run that still ended well (Dask ran its tasks again on another worker),
    saying how; drop the Nanny's "Restarting worker" records from ``held`` (``worker_logs.held_records``).

    Why: such a run said, after its result, Dask's "WARNING Restarting worker (status=Status.running)" alone: that
    a worker had crashed in compiled code, or been killed for memory, and would again on a larger chain, was unsaid.
    """
    for death in deaths:
        _log.warning("the Dask %s %s; Dask ran its tasks again on another worker, so the run went on: %s",
                     which_worker(death), how_it_ended(death), advice(death))
    if deaths and held is not None:
        held[:] = [r for r in held if not r.getMessage().startswith("Restarting worker")]
