"""CLI: train -> models list -> predict -> evaluate on a small data directory."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from storecast import schema as s
from storecast.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def data_dir(synthetic_dir):
    """A Kaggle-layout directory: the session's synthetic one (tests/conftest.py)."""
    return synthetic_dir


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


@pytest.mark.parametrize(("args", "said"), [
    (["train", "--until", "2010-01-01"], "leaves too little history for a model with calibrated intervals"),
    (["train", "--until", "2030-01-01"], "is after the last date in train.csv"),
    (["evaluate", "--folds", "40"], "leaves too little history for the holdout and 40 backtest fold(s)"),
    (["evaluate", "--until", "2030-01-01", "--folds", "0"], "is after the last date in train.csv"),
    (["lstm", "train", "--until", "2010-01-01"], "leaves too little history for the LSTM"),
    (["lstm", "evaluate", "--until", "2030-01-01"], "is after the last date in train.csv"),
])
def test_dates_outside_the_data_stop_before_any_fit_with_a_message(run_main, data_dir, tmp_path, args, said):
    """Exit 2 with what the data covers, not a numpy error from deep inside a fit on an empty frame."""
    code, _, err = run_main(*args, "--data", str(data_dir), *(
        ["--models-dir", str(tmp_path)] if "train" in args else []))
    assert code == 2, err
    assert said in " ".join(err.split())
    assert "Traceback" not in err
    assert not list(tmp_path.iterdir())  # nothing written


def test_lstm_evaluate_with_no_days_left_to_score_says_so_before_fitting(run_main, data_dir):
    last = pd.read_csv(data_dir / s.TRAIN_FILE, usecols=[s.DATE])[s.DATE].max()
    code, _, err = run_main("lstm", "evaluate", "--data", str(data_dir), "--until", last)
    assert code == 2 and "leaves no days to score" in " ".join(err.split())


def test_predict_out_must_be_a_file_not_a_directory(run_main, trained, data_dir, tmp_path):
    _, path = trained
    code, _, err = run_main("predict", "--model", path, "--data", str(data_dir), "--out", str(tmp_path))
    assert code == 2 and err.startswith("error: --out: ") and "is a directory" in err
    assert not list(tmp_path.iterdir())


def test_predict_takes_train_shaped_rows_and_ignores_their_sales(trained, data_dir, tmp_path):
    """A later period cut from a train.csv-shaped file forecasts as if Sales were unknown; Id = row number."""
    _, path = trained
    past = pd.read_csv(data_dir / s.TRAIN_FILE, dtype=str, nrows=40)
    as_train, as_test = tmp_path / "period.csv", tmp_path / "period-test.csv"
    past.to_csv(as_train, index=False)
    past.drop(columns=[s.SALES, s.CUSTOMERS]).assign(**{s.ID: range(1, 41)})[list(s.TEST_COLUMNS)].to_csv(
        as_test, index=False)
    outs = []
    for name, rows in (("a", as_train), ("b", as_test)):
        out = tmp_path / f"{name}.csv"
        res = runner.invoke(app, ["predict", "--model", path, "--data", str(data_dir), "--input", str(rows),
                                  "--out", str(out)])
        assert res.exit_code == 0, res.output
        outs.append(pd.read_csv(out))
    pd.testing.assert_frame_equal(outs[0], outs[1])
    assert outs[0][s.ID].tolist() == list(range(1, 41))
    past[s.SALES] = "999999"  # the actual sales play no part in the forecast
    past.to_csv(as_train, index=False)
    res = runner.invoke(app, ["predict", "--model", path, "--data", str(data_dir), "--input", str(as_train),
                              "--out", str(tmp_path / "c.csv")])
    assert res.exit_code == 0, res.output
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "c.csv"), outs[0])


def test_models_list_orders_by_creation_time_across_kinds(tmp_path):
    """Newest first by the UTC stamp, not by file name (where "lgbm" < "lstm" < "rf"); complete models only."""
    import hashlib
    import json

    for kind, created, suffix in (("rf", "2026-01-01T00-00-00Z", ".skops"), ("lgbm", "2026-03-01T00-00-00Z", ".skops"),
                                  ("lstm", "2026-02-01T00-00-00Z", ".pt")):
        name = f"storecast-{kind}-{created}{suffix}"
        (tmp_path / name).write_bytes(b"model")
        (tmp_path / name).with_suffix(".json").write_text(json.dumps({
            "file": name, "kind": kind, "created": created.replace("-00-00Z", ":00:00Z"),
            "sha256": hashlib.sha256(b"model").hexdigest(), "versions": {}}))
    res = runner.invoke(app, ["models", "list", "--models-dir", str(tmp_path)], env={"COLUMNS": "160"})
    assert res.exit_code == 0, res.output
    shown = [line.split()[1] for line in res.output.splitlines() if "storecast-" in line]
    assert shown == ["storecast-lgbm-2026-03-01T00-00-00Z.skops", "storecast-lstm-2026-02-01T00-00-00Z.pt",
                     "storecast-rf-2026-01-01T00-00-00Z.skops"]


@pytest.mark.parametrize(("args", "rows"), [(["--windows", "2"], ["w1 ", "holdout ", "mean", "worst"]),
                                            (["--folds", "1"], ["fold1 ", "holdout ", "mean", "worst"])])
def test_evaluate_prints_each_window_the_mean_and_the_worst(data_dir, monkeypatch, args, rows):
    """Seasonal windows by default (--windows), the older rolling --folds still answer; a tiny forest."""
    from storecast.models import trees

    monkeypatch.setattr(trees, "LGBM_DEFAULTS", {**trees.LGBM_DEFAULTS, "n_estimators": 20, "num_leaves": 7,
                                                 "learning_rate": 0.3, "n_jobs": 1})
    monkeypatch.setenv("COLUMNS", "200")
    res = runner.invoke(app, ["evaluate", "--data", str(data_dir), *args])
    assert res.exit_code == 0, res.output
    assert all(row in res.output for row in rows) and "bias" in res.output
    # without --out the minutes of fitting left nothing behind, and the output did not say so
    assert res.output.strip().splitlines()[-1].startswith("shown only here: add --out DIR to keep metrics.json")


def test_evaluate_ends_naming_the_files_to_open(data_dir, tmp_path, monkeypatch):
    """Was "results in DIR" alone: which of its seven files holds the scores, which the chart, was not said."""
    from storecast.models import trees

    monkeypatch.setattr(trees, "LGBM_DEFAULTS", {**trees.LGBM_DEFAULTS, "n_estimators": 20, "num_leaves": 7,
                                                 "learning_rate": 0.3, "n_jobs": 1})
    monkeypatch.setenv("COLUMNS", "200")
    res = runner.invoke(app, ["evaluate", "--data", str(data_dir), "--folds", "0", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    said = " ".join(res.output.split())
    assert said.endswith(f"results in {tmp_path}: metrics.json (these scores), holdout_forecasts.png (forecast vs "
                         "actual), window_predictions.csv (every scored row)")
    assert all((tmp_path / name).is_file() for name in ("metrics.json", "holdout_forecasts.png",
                                                          "window_predictions.csv"))


@pytest.mark.parametrize("seeds", [1, 2])
def test_train_seeds_sets_how_many_lightgbm_models_are_averaged(data_dir, tmp_path, monkeypatch, seeds):
    import json

    from storecast.models import trees

    monkeypatch.setattr(trees, "LGBM_DEFAULTS", {**trees.LGBM_DEFAULTS, "n_estimators": 10, "num_leaves": 7,
                                                 "learning_rate": 0.3, "n_jobs": 1})
    res = runner.invoke(app, ["train", "--data", str(data_dir), "--models-dir", str(tmp_path), "--seeds", str(seeds)])
    assert res.exit_code == 0, res.output
    card = json.loads(next(tmp_path.glob("storecast-lgbm-*.json")).read_text())
    if seeds == 1:
        assert "seeds" not in card["params"] and card["params"]["random_state"] == 0
    else:
        assert card["params"]["seeds"] == 2 and card["params"]["random_states"] == [0, 1]


def test_seeds_are_refused_for_the_forest_and_the_dask_engine(data_dir, tmp_path):
    res = runner.invoke(app, ["train", "--data", str(data_dir), "--model", "rf", "--seeds", "2",
                              "--models-dir", str(tmp_path)])
    assert res.exit_code == 2 and "--model lgbm only" in " ".join(res.output.split())
    res = runner.invoke(app, ["train", "--data", str(data_dir), "--engine", "dask", "--seeds", "2",
                              "--models-dir", str(tmp_path)])
    assert res.exit_code == 2 and "one LightGBM booster" in " ".join(res.output.split())
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(("args", "said"), [
    (["train", "--scheduler", "tcp://10.0.0.9:8786"], "--scheduler: only with --engine dask, and this run is "
                                                       "--engine local, which would ignore it"),
    (["train", "--workers", "4"], "--workers: only with --engine dask"),
    (["train", "--rank-wait", "5"], "--rank-wait: only with --engine dask"),
    (["predict", "--model", "m.skops", "--out", "p.csv", "--scheduler", "tcp://10.0.0.9:8786", "--workers", "3"],
     "--scheduler, --workers: only with --engine dask, and this run is --engine local, which would ignore them"),
    (["predict", "--model", "m.skops", "--out", "p.csv", "--engine", "dask", "--chunk-rows", "10"],
     "--chunk-rows: only with --engine local, and this run is --engine dask"),
    # a running scheduler keeps its own workers: --workers changed nothing and said nothing
    (["train", "--engine", "dask", "--scheduler", "tcp://10.0.0.9:8786", "--workers", "4"],
     "--workers: the workers of the local cluster started without --scheduler"),
    (["predict", "--model", "m.skops", "--out", "p.csv", "--engine", "dask", "--scheduler", "tcp://10.0.0.9:8786",
      "--workers", "3"], "--workers: the workers of the local cluster started without --scheduler"),
])
def test_an_option_of_the_other_engine_is_refused_not_ignored(tmp_path, args, said):
    """`--scheduler` without `--engine dask` ran the whole job on this machine without a word; now exit 2."""
    res = runner.invoke(app, [*args, "--data", str(tmp_path)])  # refused before the (empty) data are read
    assert res.exit_code == 2 and said in " ".join(res.output.replace("│", " ").split()), res.output


def test_models_list_check_refuses_a_card_edited_since_training(trained, run_main, tmp_path):
    """The listing hashes each file against its card, but a card edited by hand (a better calibration RMSPE)
    matches its file's sha256 still: it was listed as a good model with the edited score, while `predict` and
    `serve` refuse it. ``--check`` loads each model as they do; the plain listing says what it checked."""
    import json
    import shutil
    from pathlib import Path

    models, path = trained
    shutil.copy(path, tmp_path)
    card = json.loads(Path(path).with_suffix(".json").read_text())
    card["metrics"]["calibration"]["rmspe"] = 0.01
    edited = tmp_path / Path(path).name
    edited.with_suffix(".json").write_text(json.dumps(card))

    code, _, err = run_main("models", "list", "--models-dir", str(tmp_path))
    said = " ".join(err.replace("│", " ").split())
    assert code == 0 and "0.0100" in said  # the card as written: the listing does not load the file
    assert "card fields as written: --check compares them with the model file's copy" in said

    code, _, err = run_main("models", "list", "--models-dir", str(tmp_path), "--check")
    said = " ".join(err.replace("│", " ").split())
    assert code == 0 and "0.0100" not in said
    assert f"no complete model in {tmp_path}" in said
    assert (f"skipped: {edited.name} (model card {edited.with_suffix('.json')} says metrics.calibration.rmspe 0.01 "
            "but the model file holds") in said

    code, _, err = run_main("models", "list", "--models-dir", str(models), "--check")  # the file as trained
    said = " ".join(err.replace("│", " ").split())
    assert code == 0 and Path(path).name in said and "skipped" not in said and "as written" not in said


def test_models_list_check_lists_an_lstm_file_it_cannot_load_here_as_skipped(tmp_path, run_main, monkeypatch):
    """Without PyTorch an LSTM file cannot load: --check stopped the whole listing with "install torch"."""
    import storecast.artifacts as artifacts
    from model_file_support import complete_model_file
    from storecast.errors import MissingDependencyError

    lstm = complete_model_file(tmp_path, "storecast-lstm-2015-01-01T00-00-00Z.pt")

    def no_torch(path, **kwargs):
        raise MissingDependencyError("the LSTM needs PyTorch: pip install 'storecast[lstm]'.")

    monkeypatch.setattr(artifacts, "load_bundle", no_torch)
    code, _, err = run_main("models", "list", "--models-dir", str(tmp_path), "--check")
    said = " ".join(err.split())
    assert code == 0 and f"skipped: {lstm.name} (the LSTM needs PyTorch: pip install 'storecast[lstm]')" in said
