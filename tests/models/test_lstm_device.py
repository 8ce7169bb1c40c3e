"""`--device auto|cpu|cuda`: CPU by default, auto falls back to it, cuda without a GPU is one line; files are CPU."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch

from storecast import schema as s
from storecast.artifacts.lstm import load_lstm_bundle, save_lstm
from storecast.errors import MissingDependencyError
from storecast.models.lstm.device import resolve_device
from storecast.models.lstm.forecaster import LSTMConfig, LSTMForecaster

pytestmark = pytest.mark.torch
CUT = pd.Timestamp("2014-11-19")
QUICK = LSTMConfig(lookback=28, hidden=16, emb=4, epochs=2, origins_per_store=4, batch_size=64, networks=1)
needs_gpu = pytest.mark.skipif(not torch.cuda.is_available(), reason="no GPU that PyTorch can use")


@pytest.fixture
def no_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


@pytest.mark.parametrize(("asked", "gpu", "got"), [("cpu", True, "cpu"), ("cpu", False, "cpu"),
                                                   ("auto", True, "cuda"), ("auto", False, "cpu"),
                                                   ("cuda", True, "cuda")])
def test_the_device_asked_for_resolves(monkeypatch, asked, gpu, got):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: gpu)
    assert resolve_device(asked) == got


def test_cuda_without_a_gpu_names_the_fix(no_gpu):
    with pytest.raises(MissingDependencyError, match=r"`--device cuda` needs a GPU.*use --device cpu, or --device au"):
        resolve_device("cuda")


def test_an_unknown_device_is_refused_by_the_config():
    with pytest.raises(ValueError, match=r"`device` must be one of auto, cpu, cuda; got 'gpu'"):
        LSTMConfig(device="gpu")


def test_cli_refuses_cuda_without_a_gpu_in_one_line_before_loading_data(run_main, tmp_path, no_gpu):
    # tmp_path holds no train.csv: the device is checked first
    for command in ("train", "evaluate"):
        code, out, err = run_main("lstm", command, "--data", str(tmp_path), "--device", "cuda")
        assert code == 2 and "--device cpu" in err and "train.csv" not in err, err
        assert len(err.strip().splitlines()) <= 2  # one message (rich may wrap it on a narrow terminal)


def test_cli_refuses_an_unknown_device(run_main, tmp_path):
    code, out, err = run_main("lstm", "train", "--data", str(tmp_path), "--device", "gpu")
    assert code == 2 and "must be one of auto, cpu, cuda" in err


@pytest.fixture(scope="module")
def fitted(dataset):
    return LSTMForecaster(QUICK).fit(dataset.train, CUT, store=dataset.store)


def test_a_fit_on_auto_runs_on_the_cpu_without_a_gpu_and_saves_cpu_tensors(dataset, tmp_path, no_gpu):
    model = LSTMForecaster(LSTMConfig(**{**QUICK.__dict__, "device": "auto"})).fit(dataset.train, CUT)
    assert model.device_ == "cpu"
    path = save_lstm(model, tmp_path, {"training": {"device": model.device_}})
    held = torch.load(path, weights_only=True)  # no map_location: the tensors must already be CPU ones
    assert all(v.device.type == "cpu" for v in held.values() if isinstance(v, torch.Tensor))
    card = json.loads(path.with_suffix(".json").read_text())
    assert card["config"]["device"] == "auto" and card["training"]["device"] == "cpu"
    assert load_lstm_bundle(path).model.device_ == "cpu"


def test_a_fitted_models_state_is_on_the_cpu(fitted):
    assert all(v.device.type == "cpu" for v in fitted.state_tensors().values())


def test_scoring_a_saved_model_reports_its_device(dataset, fitted, tmp_path, no_gpu):
    from storecast.evaluation.lstm import evaluate_lstm

    path = save_lstm(fitted, tmp_path, {"training": {"device": "cpu"}})
    result = evaluate_lstm(dataset, model_path=path, device="auto")
    assert result["device"] == "cpu" and result["trained_on"] == "cpu"


@needs_gpu
def test_a_model_trained_on_the_gpu_predicts_the_same_on_the_cpu(dataset, tmp_path):
    model = LSTMForecaster(LSTMConfig(**{**QUICK.__dict__, "device": "cuda"})).fit(dataset.train, CUT,
                                                                                   store=dataset.store)
    assert model.device_ == "cuda" and next(model.net_.parameters()).device.type == "cuda"
    t = dataset.train
    rows = t[(t[s.DATE] > CUT) & (t[s.DATE] <= CUT + pd.Timedelta(days=42)) & (t[s.OPEN] == 1)].head(200)
    on_gpu = model.predict_open(rows)
    path = save_lstm(model, tmp_path, {"training": {"device": model.device_}})
    held = torch.load(path, weights_only=True)
    assert all(v.device.type == "cpu" for v in held.values() if isinstance(v, torch.Tensor))
    loaded = load_lstm_bundle(path).model
    assert loaded.device_ == "cpu"
    for a, b in zip(on_gpu, loaded.predict_open(rows), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4)
    for a, b in zip(on_gpu, loaded.to("cuda").predict_open(rows), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5)
