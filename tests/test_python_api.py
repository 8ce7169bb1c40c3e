"""The Python API a notebook uses: load, evaluate, train, reload and forecast in five calls."""

from __future__ import annotations

import subprocess
import sys

import pytest

import storecast as sc
from storecast.errors import DataContractError

SMALL = {"n_estimators": 30, "num_leaves": 15, "learning_rate": 0.2, "n_jobs": 1}


def test_from_a_data_directory_to_a_forecast(synthetic_dir, tmp_path):
    data = sc.load_data(synthetic_dir)
    path = sc.train(data, models_dir=tmp_path, **SMALL)
    model = sc.load_model(path)
    forecast = sc.forecast(model, data.test)

    assert path.parent == tmp_path and path.suffix == ".skops"
    assert list(forecast.columns) == ["Id", "Store", "Date", "Sales", "lower", "upper"]
    assert len(forecast) == len(data.test)
    open_days = data.test["Open"].to_numpy() == 1
    assert (forecast["Sales"][open_days] > 0).all() and (forecast["Sales"][~open_days] == 0).all()
    assert (forecast["lower"] <= forecast["Sales"]).all() and (forecast["Sales"] <= forecast["upper"]).all()


def test_score_forecasts_a_sold_period_without_its_sales(dataset, tmp_path):
    import pandas as pd

    from storecast.evaluation.metrics import rmspe

    cut = dataset.train["Date"].max() - pd.Timedelta(days=42)
    model = sc.load_model(sc.train(dataset, until=cut, models_dir=tmp_path, **SMALL))
    later = dataset.train[dataset.train["Date"] > cut]
    result = sc.score(model, later)
    forecast = sc.forecast(model, later.drop(columns=["Sales", "Customers"]))
    assert result["rmspe"] == pytest.approx(rmspe(later["Sales"].to_numpy(), forecast["Sales"].to_numpy()))
    assert result["in_sample_days"] == 0 and len(result["weeks"]) >= 6
    assert sc.score(model, later.assign(Sales=later["Sales"] * 2))["bias"] > result["bias"]  # Sales is scored only
    with pytest.raises(ValueError, match="train.csv-shaped"):
        sc.score(model, later.drop(columns=["Sales"]))


def test_evaluate_scores_the_holdout_beside_the_naive_baseline(dataset):
    report = sc.evaluate(dataset, folds=1, importance=False, **SMALL)
    holdout = report["holdout"]
    assert len(report["folds"]) == 1
    assert 0 < holdout["rmspe"] < holdout["baseline_rmspe"]


def test_until_cuts_the_training_data(dataset, tmp_path):
    import json

    path = sc.train(dataset, until="2014-10-31", models_dir=tmp_path, **SMALL)
    card = json.loads(path.with_suffix(".json").read_text())
    assert card["training"]["end"] == "2014-10-31"


def test_errors_are_the_cli_errors(tmp_path):
    with pytest.raises(DataContractError, match="data directory not found"):
        sc.load_data(tmp_path / "nowhere")


def test_the_functions_load_lazily():
    code = ("import sys, storecast; assert 'lightgbm' not in sys.modules and 'pandas' not in sys.modules; "
            "storecast.forecast; assert 'storecast.workflow' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
    assert set(sc.__all__) >= {"load_data", "train", "load_model", "forecast", "score", "evaluate"}
