"""Open the EDA report of the synthetic data in headless Chromium: no console errors, every chart drawn.

CI installs Chromium; a machine without it fails here with a message instead of silently skipping.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from browser_support import chromium_or_skip

pytestmark = pytest.mark.browser

_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
          "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


@pytest.fixture(scope="module")
def report(dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from storecast.eda.render import build_report

    return build_report(dataset, tmp_path_factory.mktemp("eda-browser"))


def _run(args: list[str], tmp: Path) -> subprocess.CompletedProcess:
    cmd = [chromium_or_skip(), *_FLAGS, f"--user-data-dir={tmp / 'profile'}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def test_report_renders_without_console_errors_and_every_chart_loads(report: Path, tmp_path: Path):
    done = _run(["--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000", "--dump-dom",
                 report.as_uri()], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    errors = [line for line in done.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert not errors, "\n".join(errors)
    m = re.search(r'data-charts-ok="(\d+)/(\d+)"', done.stdout)
    assert m, "the report's load script did not run (no data-charts-ok on <body>)"
    loaded, total = int(m[1]), int(m[2])
    assert total == 18 and loaded == total


def test_screenshot(report: Path, tmp_path: Path):
    shot = tmp_path / "report.png"
    done = _run([f"--screenshot={shot}", "--window-size=1280,4000", report.as_uri()], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.is_file() and shot.stat().st_size > 50_000  # a blank page is a few KB
