"""`storecast demo` end to end on a tiny chain: every artefact a new user is promised appears."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from storecast.cli import app


@pytest.mark.slow
def test_demo_runs_the_whole_job(tmp_path):
    out = tmp_path / "demo"
    result = CliRunner().invoke(app, ["demo", "--out", str(out), "--stores", "5"])
    assert result.exit_code == 0, result.output
    assert (out / "data" / "train.csv").is_file()
    assert (out / "clean" / "cleaning_report.csv").is_file()
    assert (out / "report" / "report.html").is_file()
    metrics = json.loads((out / "evaluation" / "metrics.json").read_text())
    assert 0 < metrics["holdout"]["rmspe"] < 1
    assert len(list((out / "models").glob("storecast-lgbm-*.skops"))) == 1
    assert len(list((out / "models").glob("storecast-lstm-*.pt"))) == 1
    preds = pd.read_csv(out / "predictions.csv")
    assert list(preds.columns) == ["Id", "Store", "Date", "Sales", "lower", "upper"]
    assert "-> 200" in result.output and "demo finished" in result.output
    # the closing lines point at the two files an analyst came for, and at the same steps on their own files
    said = " ".join(result.output.split())
    assert f"the report: {out / 'report' / 'report.html'}" in said
    assert f"the forecasts: {out / 'predictions.csv'}" in said
    assert f"storecast serve --models-dir {out / 'models'}" in said and "storecast validate --data DIR" in said


def _open_on(path) -> list[str]:
    """This process's file descriptors open on ``path`` (Linux: /proc/self/fd)."""
    import os

    fds = "/proc/self/fd"
    return [fd for fd in os.listdir(fds) if os.path.realpath(os.path.join(fds, fd)) == str(path.resolve())]


def test_running_server_closes_its_log_when_the_server_does_not_start(tmp_path):
    """The log file stayed open when Popen refused the command: the handle lived on in the traceback's frame
    (until garbage collection, with a ResourceWarning)."""
    from storecast.cli.server_process import running_server
    from storecast.errors import StorecastError

    log = tmp_path / "server.log"
    with pytest.raises(ValueError, match="null byte") as refused:  # Popen refuses it before any process starts
        with running_server(tmp_path / "none.joblib", log_file=log, env={"X": "a\0b"}):
            pass
    assert refused.value is not None and _open_on(log) == []
    with pytest.raises(StorecastError, match="exited with code 2") as exited:  # no model: serve exits at once
        with running_server(tmp_path / "none.joblib", timeout=60, log_file=log):
            pass
    assert exited.value is not None and _open_on(log) == []
    assert log.read_bytes()  # the server's words are in the log
