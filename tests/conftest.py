"""Shared fixtures: one small synthetic data directory and one tiny fitted model per test session."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import pytest

from browser_support import browser_required, find_chromium

# Small on purpose: 12 stores over two years keeps every test fast on 2 cores while still having
# yearly seasonality, a December peak, Easter/Christmas and a refurbishment gap.
SMALL = {"n_stores": 12, "start": "2013-01-01", "end": "2014-12-31", "seed": 7}
# Few, small trees: the tests that need a fitted model check serving, files and errors, not accuracy.
TINY = {"n_estimators": 40, "num_leaves": 15}


def pytest_configure(config) -> None:
    """No compiled trees unless a test asks (tests/models/test_compiled.py): ``storecast serve`` would otherwise
    compile each tiny test model in a background thread, and the exact-equality tests compare LightGBM's
    own predictions. Set before any fixture loads a model; subprocesses (servers, the CLI) inherit it."""
    os.environ["STORECAST_COMPILE"] = "0"


def pytest_report_header(config) -> str:
    """First screen of the run: whether the browser tests will run (a skip must not go unnoticed)."""
    found = find_chromium()
    if found:
        return f"browser tests: {found}"
    if browser_required():
        return "browser tests: chromium NOT FOUND and CI=true: they will fail"
    return "browser tests: chromium NOT FOUND: they will be SKIPPED (apt-get install -y chromium to run them)"


@pytest.fixture(scope="session")
def synthetic_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with train.csv, store.csv, test.csv and external/store_states.csv."""
    from storecast.data.synthetic import write_synthetic

    return write_synthetic(tmp_path_factory.mktemp("synthetic"), **SMALL)


@pytest.fixture(scope="session")
def dataset(synthetic_dir: Path):
    """The synthetic directory loaded through the data contract."""
    from storecast.data.contract import load_dataset

    return load_dataset(synthetic_dir)


@pytest.fixture(scope="session")
def small_fit(dataset):
    """``(model, until)``: one tiny ConformalRegressor fitted on ``dataset`` (`trees_support.fit_small`), shared.

    For the tests that save, load or predict with a model object rather than a trained bundle; read-only
    (saving it leaves it unchanged: the card's facts go into the file only, ``artifacts.trees._as_written``).
    """
    from trees_support import fit_small

    return fit_small(dataset)


@pytest.fixture(scope="session")
def models_dir(dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models directory holding one tiny LightGBM bundle fitted on ``dataset`` (and its JSON card).

    The session's one fitted tree model: read-only for every test that uses it (copy it to change it).
    """
    from storecast.train_run import train_bundle

    out = tmp_path_factory.mktemp("models")
    train_bundle(dataset, "lgbm", models_dir=out, **TINY)
    return out


@pytest.fixture(scope="session")
def model_path(models_dir: Path) -> Path:
    """The model file in ``models_dir``."""
    from storecast.artifacts import latest_model

    return latest_model(models_dir)


@pytest.fixture
def run_main(monkeypatch, capsys):
    """Call the console-script entry point in-process; return (exit code, stdout, stderr).

    ``main`` is what maps storecast's errors to exit code 2 and one message (Typer's runner does not).
    """
    from storecast.cli import main

    root = logging.getLogger()
    saved = root.handlers[:], root.level

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["storecast", *args])
        with pytest.raises(SystemExit) as done:
            main()
        out = capsys.readouterr()
        return done.value.code, out.out, out.err

    yield run
    root.handlers[:], root.level = saved  # the CLI's callback reconfigures logging for the process
