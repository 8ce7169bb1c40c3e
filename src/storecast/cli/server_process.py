"""Start a real `storecast serve` in a subprocess and talk to it: for `storecast demo`, server tests and benches.

Not API code (it is a client of the running server), so it lives with the commands that use it.
"""

from __future__ import annotations

__all__ = ["free_port", "running_server", "wait_ready", "demo_roundtrip"]

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx

from storecast.errors import StorecastError


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_ready(base_url: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    """Poll ``GET /ready`` until 200; raise StorecastError when the process dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise StorecastError(f"the server exited with code {proc.returncode} before it was ready")
        try:
            if httpx.get(f"{base_url}/ready", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise StorecastError(f"the server at {base_url} was not ready within {timeout:.0f} s")


@contextmanager
def running_server(model_path: str | Path, *, port: int | None = None, workers: int = 1,
                   timeout: float = 60.0, env: dict[str, str] | None = None,
                   log_file: Path | None = None) -> Iterator[str]:
    """Run ``storecast serve --model model_path`` on loopback; yield its base URL; always stop it."""
    port = port or free_port()
    cmd = [sys.executable, "-c", "from storecast.cli import main; main()", "serve",
           "--model", str(model_path), "--host", "127.0.0.1", "--port", str(port),
           "--workers", str(workers), "--log-level", "warning"]
    with ExitStack() as files:  # the log closed on every path: Popen refusing the command, a kill that hangs
        out = files.enter_context(open(log_file, "wb")) if log_file is not None else subprocess.DEVNULL
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, **(env or {})})
        base = f"http://127.0.0.1:{port}"
        try:
            wait_ready(base, proc, timeout)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


def demo_roundtrip(model_path: str | Path, *, row: dict[str, Any] | None = None,
                   timeout: float = 60.0) -> dict[str, Any]:
    """Start the server on a free loopback port, wait for /ready, send one /predict row, stop it.

    Parameters
    ----------
    model_path : path
        The model file to serve.
    row : dict, optional
        One request row; default: the first store the model knows, open with a promo, tomorrow.

    Returns
    -------
    dict with ``url``, ``request``, ``status`` and ``response`` (the parsed JSON answer).
    """
    import datetime as dt

    with running_server(model_path, timeout=timeout) as base:
        if row is None:
            card = httpx.get(f"{base}/model", timeout=10.0).json()
            store = (card.get("stores") or [1])[0]
            row = {"id": 1, "store": store, "date": (dt.date.today() + dt.timedelta(days=1)).isoformat(),
                   "open": 1, "promo": 1, "state_holiday": "0", "school_holiday": 0}
        body = {"rows": [row]}
        answer = httpx.post(f"{base}/predict", json=body, timeout=30.0)
        return {"url": f"{base}/predict", "request": body, "status": answer.status_code,
                "response": answer.json()}
