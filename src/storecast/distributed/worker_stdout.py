"""The stdout of the worker processes of a LocalCluster that storecast starts: not the command's stdout.

Why: a LocalCluster's worker processes share the command's stdout, where LightGBM's network set-up printed a
dozen "[LightGBM] [Info] Trying to bind port ..." lines (compiled code, before any verbosity setting applies)
between ``train``'s steps and the model path, which is all stdout should hold (scripts read it). Errors still
arrive: a failed task is raised on the client, and the workers' logs go to stderr.
"""

from __future__ import annotations

__all__ = ["QuietStdout"]

import os
import sys

from distributed.diagnostics.plugin import WorkerPlugin


class QuietStdout(WorkerPlugin):
    """A worker plugin: the worker process's stdout goes to its stderr with ``--verbose``, else nowhere.

    Registered on the client, it also runs on a worker started later (one restarted after it died).
    """

    name = "storecast-quiet-stdout"

    def __init__(self, verbose: bool) -> None:
        self.verbose = verbose

    def setup(self, worker) -> None:
        sys.stdout.flush()
        if self.verbose:
            os.dup2(2, 1)
            return
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
