"""`storecast validate` as a user runs it: a summary when good, one clear message and exit 2 when not."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

STORECAST = str(Path(sys.executable).parent / "storecast")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([STORECAST, *args], capture_output=True, text=True, timeout=120,
                          env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})


def test_validate_prints_a_summary_of_good_files(synthetic_dir):
    result = _run("validate", "--data", str(synthetic_dir))
    assert result.returncode == 0, result.stderr
    out = " ".join((result.stdout + result.stderr).split())
    assert "all files valid" in out
    assert "train.csv" in out and "2013-01-01" in out and "2014-12-31" in out


@pytest.mark.parametrize(("line", "column", "value", "expected"), [
    (3, 3, "2015-99-01", "train.csv, line 3, column `Date`: expected a date"),
    (2, 4, "-7", "train.csv, line 2, column `Sales`: must be >= 0"),
])
def test_validate_reports_bad_cells_without_a_traceback(
    synthetic_dir, tmp_path, line, column, value, expected
):
    data = Path(shutil.copytree(synthetic_dir, tmp_path / "data"))
    lines = (data / "train.csv").read_text().splitlines()
    cells = lines[line - 1].split(",")
    cells[column - 1] = value
    lines[line - 1] = ",".join(cells)
    (data / "train.csv").write_text("\n".join(lines) + "\n")
    result = _run("validate", "--data", str(data))
    assert result.returncode == 2
    assert expected in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr


def test_validate_missing_directory_is_a_clear_error(tmp_path):
    result = _run("validate", "--data", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert "data directory not found" in result.stderr
    assert "Traceback" not in result.stderr
