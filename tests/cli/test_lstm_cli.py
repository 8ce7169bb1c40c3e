"""CLI: storecast lstm analyze / train / evaluate, then the shared `storecast predict` on the .pt file."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from storecast import schema as s
from storecast.cli import app

pytestmark = pytest.mark.torch
runner = CliRunner()


@pytest.fixture(scope="module")
def trained(synthetic_dir, tmp_path_factory):
    models = tmp_path_factory.mktemp("models")
    res = runner.invoke(app, ["lstm", "train", "--data", str(synthetic_dir), "--epochs", "2",
                              "--models-dir", str(models), "--device", "cpu"])
    assert res.exit_code == 0, res.output
    return models / res.stdout.strip().splitlines()[-1].split("/")[-1]


def test_train_writes_a_timestamped_pt_and_its_card(trained):
    assert trained.suffix == ".pt" and trained.name.startswith("storecast-lstm-")
    card = json.loads(trained.with_suffix(".json").read_text())
    assert card["kind"] == "lstm" and len(card["sha256"]) == 64
    assert {"start", "end"} <= set(card["training"]) and "calibration" in card["metrics"]
    assert card["scaler"]["kind"].startswith("log1p") and len(card["scaler"]["store_mean"]) > 0
    assert card["config"]["device"] == "cpu" and card["training"]["device"] == "cpu"


def test_predict_command_serves_the_lstm_file(trained, synthetic_dir, tmp_path):
    out = tmp_path / "preds.csv"
    res = runner.invoke(app, ["predict", "--model", str(trained), "--data", str(synthetic_dir), "--out", str(out)])
    assert res.exit_code == 0, res.output
    preds = pd.read_csv(out)
    test = pd.read_csv(synthetic_dir / s.TEST_FILE)
    assert len(preds) == len(test) and list(preds.columns) == ["Id", "Store", "Date", "Sales", "lower", "upper"]
    assert (preds["lower"] <= preds["Sales"]).all() and (preds["Sales"] <= preds["upper"]).all()


def test_evaluate_scores_a_saved_model_next_to_the_baseline(dataset, tmp_path):
    from storecast.evaluation.lstm import evaluate_lstm
    from storecast.train_run import train_lstm_bundle

    cut = dataset.train[s.DATE].max() - pd.Timedelta(days=43)
    path = train_lstm_bundle(dataset, until=cut, models_dir=tmp_path, small=True)
    result = evaluate_lstm(dataset, model_path=path)
    assert result["holdout"] == f"{cut + pd.Timedelta(days=1):%Y-%m-%d}..{dataset.train[s.DATE].max():%Y-%m-%d}"
    assert 0 < result["rmspe_lstm"] < 1 and 0 < result["rmspe_naive"] < 1
    assert result["coverage_0.8"] <= result["coverage_0.95"]


def test_evaluate_names_the_stores_a_saved_model_does_not_know(run_main, dataset, synthetic_dir, tmp_path):
    """Was silent: the rows of stores the model was not trained with were dropped, the score said nothing."""
    import dataclasses

    from storecast.errors import WindowError
    from storecast.evaluation.lstm import evaluate_lstm
    from storecast.train_run import train_lstm_bundle

    cut = dataset.train[s.DATE].max() - pd.Timedelta(days=43)
    fewer = dataclasses.replace(dataset, train=dataset.train[~dataset.train[s.STORE].isin([11, 12])])
    path = train_lstm_bundle(fewer, until=cut, models_dir=tmp_path, small=True, epochs=1)
    code, _, err = run_main("lstm", "evaluate", "--data", str(synthetic_dir), "--model", str(path))
    said = " ".join(err.split())
    assert code in (0, None), err
    assert "the model was not trained with 2 store(s) of the data (11, 12)" in said, err
    after = dataset.train[(dataset.train[s.DATE] > cut) & (dataset.train[s.SALES] > 0)]
    known = after.loc[~after[s.STORE].isin([11, 12]), s.STORE].nunique()
    assert f"the score covers the {known} stores it knows only" in said, err
    only_new = dataclasses.replace(dataset, train=dataset.train[dataset.train[s.STORE].isin([11, 12])])
    with pytest.raises(WindowError, match=r"not trained with any store of the data \(11, 12\)"):
        evaluate_lstm(only_new, model_path=path)


def test_evaluate_command_scores_seasonal_windows_in_a_table(synthetic_dir, tmp_path):
    res = runner.invoke(app, ["lstm", "evaluate", "--data", str(synthetic_dir), "--windows", "2", "--epochs", "1",
                              "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "mean" in res.output and "worst" in res.output and "baseline" in res.output
    # captured, not a terminal: a plain line per step and per epoch, no bar; the table whole, not cut to 80
    lines = res.output.splitlines()
    assert any(re.fullmatch(r"\d\d:\d\d:\d\d window 1/2 w1: fit <= [-\d]+, score [-\d.]+", line) for line in lines)
    assert any(re.fullmatch(r"\d\d:\d\d:\d\d LSTM window 2/2 holdout epoch 1/\d+  train \d+\.\d{4}  val \d+\.\d{4}",
                            line) for line in lines)
    assert "baseline RMSPE" in res.output and "…" not in res.output
    report = json.loads((tmp_path / "metrics.json").read_text())
    assert [w["fold"] for w in report["windows"]] == ["w1", "holdout"] and report["summary"]["windows"] == 2
    assert report["device"] == "cpu" and report["config"]["epochs"] == 1


def test_evaluate_command_refuses_windows_with_a_saved_model(tmp_path):
    res = runner.invoke(app, ["lstm", "evaluate", "--data", str(tmp_path), "--model", str(tmp_path / "m.pt"),
                              "--windows", "6"])
    assert res.exit_code == 2 and "must be 1 with --model" in res.output


@pytest.mark.parametrize("given", ["tree", "csv"])
def test_evaluate_refuses_a_file_that_is_no_lstm_in_words(run_main, model_path, synthetic_dir, given):
    """A tree model's card passed the card check: torch then failed on the skops archive, called "damaged"."""
    path = model_path if given == "tree" else synthetic_dir / s.STORE_FILE
    code, _, err = run_main("lstm", "evaluate", "--data", str(synthetic_dir), "--model", str(path))
    said = "is a tree model (.skops), not an LSTM" if given == "tree" else "is not an LSTM file: expected a .pt"
    assert code == 2 and f"error: model file {path} {said}" in err, err
    assert "Traceback" not in err and "inline_container" not in err and err.count("\n") == 1


def test_analyze_command_writes_the_report(synthetic_dir, tmp_path):
    res = runner.invoke(app, ["lstm", "analyze", "--data", str(synthetic_dir), "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "index.html").is_file() and (tmp_path / "analysis.json").is_file()


def test_importing_storecast_does_not_import_torch():
    code = "import sys, storecast; from storecast.cli import app; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_torch_names_the_extra(monkeypatch):
    from storecast.models.lstm import forecaster

    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match=r"storecast\[lstm\]"):
        forecaster.torch_module()


def test_a_bad_until_is_refused_before_loading(tmp_path):
    res = runner.invoke(app, ["lstm", "train", "--data", str(tmp_path), "--until", "May 7"])
    assert res.exit_code == 2 and "YYYY-MM-DD" in res.output


def test_train_averages_as_many_networks_as_asked(synthetic_dir, tmp_path):
    res = runner.invoke(app, ["lstm", "train", "--data", str(synthetic_dir), "--epochs", "1", "--networks", "2",
                              "--models-dir", str(tmp_path)])
    assert res.exit_code == 0, res.output
    card = json.loads(next(tmp_path.glob("storecast-lstm-*.json")).read_text())
    assert card["config"]["networks"] == 2 and card["training"]["epochs_run"] == 2  # one epoch each


def test_evaluate_command_refuses_networks_with_a_saved_model(tmp_path):
    res = runner.invoke(app, ["lstm", "evaluate", "--data", str(tmp_path), "--model", str(tmp_path / "m.pt"),
                              "--networks", "3"])
    assert res.exit_code == 2 and "--networks" in res.output


@pytest.mark.parametrize(("option", "value"), [("--until", "2014-06-30"), ("--epochs", "5")])
def test_evaluate_command_refuses_training_options_with_a_saved_model(tmp_path, option, value):
    """They were ignored without a word: the saved model was scored at its own cut, with its own fit."""
    res = runner.invoke(app, ["lstm", "evaluate", "--data", str(tmp_path), "--model", str(tmp_path / "m.pt"),
                              option, value])
    assert res.exit_code == 2 and f"`{option}`" in res.output and "saved model" in res.output


def test_the_networks_help_names_the_configs_default():
    from storecast.models.lstm.forecaster import LSTMConfig

    res = runner.invoke(app, ["lstm", "train", "--help"], env={"COLUMNS": "200"})
    assert res.exit_code == 0 and f"(default {LSTMConfig().networks}," in res.output


def test_train_says_how_to_forecast_with_the_saved_file(run_main, synthetic_dir, tmp_path, monkeypatch):
    """Was "saved X" alone, where `storecast train` also gives the command that uses the file; stdout keeps
    only the path, for scripts. (The fit is stubbed: this tests what is said about the file.)"""
    import storecast.train_run as train_run

    saved = tmp_path / "storecast-lstm-2026-01-01T00-00-00Z.pt"
    monkeypatch.setattr(train_run, "train_lstm_bundle", lambda *a, **k: saved)
    code, out, err = run_main("lstm", "train", "--data", str(synthetic_dir), "--models-dir", str(tmp_path))
    assert code in (0, None), err
    assert out.strip() == str(saved)
    assert (f"forecast with: storecast predict --model {saved} --data {synthetic_dir} --out predictions.csv"
            in " ".join(err.split()))
