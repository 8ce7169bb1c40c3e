"""CLI: train -> models list -> predict -> evaluate on a small data directory."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from storecast import schema as s
from storecast.cli import app
from test_trees_support import get_dataset

runner = CliRunner()


@pytest.fixture(scope="module")
def data_dir(request, tmp_path_factory):
    """A Kaggle-layout directory of the test dataset (the synthetic one, or the real slice)."""
    try:
        return request.getfixturevalue("synthetic_dir")
    except Exception:  # generator not there yet: write the fallback slice in the Kaggle layout
        ds = get_dataset(request)
        d = tmp_path_factory.mktemp("data")
        (d / "external").mkdir()
        fmt = {s.DATE: lambda c: c.dt.strftime("%Y-%m-%d")}
        ds.train.assign(**{k: f(ds.train[k]) for k, f in fmt.items()}).to_csv(d / s.TRAIN_FILE, index=False)
        ds.store.drop(columns=[s.STATE]).to_csv(d / s.STORE_FILE, index=False)
        ds.store[[s.STORE, s.STATE]].to_csv(d / s.STATES_FILE, index=False)
        ds.test.assign(**{k: f(ds.test[k]) for k, f in fmt.items()}).to_csv(d / s.TEST_FILE, index=False)
        return d


@pytest.fixture(scope="module")
def trained(data_dir, tmp_path_factory):
    models = tmp_path_factory.mktemp("models")
    res = runner.invoke(app, ["train", "--data", str(data_dir), "--model", "rf", "--models-dir", str(models)])
    assert res.exit_code == 0, res.output
    path = res.stdout.strip().splitlines()[-1]
    return models, path


def test_train_prints_the_saved_path(trained):
    models, path = trained
    assert path.endswith(".skops") and path.startswith(str(models))


def test_models_list_shows_the_card(trained):
    models, path = trained
    res = runner.invoke(app, ["models", "list", "--models-dir", str(models)])
    assert res.exit_code == 0 and "rf" in res.output


def test_predict_writes_one_row_per_input(trained, data_dir, tmp_path):
    _, path = trained
    out = tmp_path / "preds.csv"
    res = runner.invoke(app, ["predict", "--model", path, "--data", str(data_dir), "--out", str(out)])
    assert res.exit_code == 0, res.output
    preds = pd.read_csv(out)
    test = pd.read_csv(data_dir / s.TEST_FILE)
    assert list(preds.columns) == [s.ID, s.STORE, s.DATE, s.SALES, "lower", "upper"]
    assert preds[s.ID].tolist() == test[s.ID].tolist()


def test_bad_until_is_a_usage_error(data_dir):
    res = runner.invoke(app, ["train", "--data", str(data_dir), "--until", "19/06/2015"])
    assert res.exit_code != 0 and "YYYY-MM-DD" in res.output
