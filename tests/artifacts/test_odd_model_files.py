"""Model files that are odd rather than merely edited: re-recorded tensors, unreadable or special paths.

Each case is a file a user can end up with (a damaged copy whose card was re-recorded, a link, a FIFO, a
file without read permission): it loads as the model it is, or stops with one line naming the file and
saying what to do, never a traceback at the first forecast.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest

from storecast.artifacts import load_bundle
from storecast.errors import ArtifactError


def _rerecord(path: Path) -> None:
    """Write the file's sha256 into its card, as a copy tool that "repairs" a card would."""
    card_path = path.with_suffix(".json")
    card = json.loads(card_path.read_text())
    card["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    card_path.write_text(json.dumps(card))


@pytest.fixture(scope="module")
def lstm_file(dataset, tmp_path_factory):
    """A tiny LSTM model file (one network, one epoch) and its card."""
    pytest.importorskip("torch")
    from storecast.artifacts.lstm import save_lstm
    from storecast.models.lstm.forecaster import LSTMConfig, LSTMForecaster

    tiny = LSTMConfig(lookback=28, horizon=14, hidden=8, emb=2, epochs=1, origins_per_store=2, batch_size=64,
                      networks=1)
    model = LSTMForecaster(tiny).fit(dataset.train, "2014-11-19")
    return save_lstm(model, tmp_path_factory.mktemp("lstm"), {"training": {"start": "2013-01-01",
                                                                         "end": "2014-11-19"}})


def _copy(path: Path, folder: Path) -> Path:
    for suffix in (path.suffix, ".json"):
        (folder / path.with_suffix(suffix).name).write_bytes(path.with_suffix(suffix).read_bytes())
    return folder / path.name


@pytest.mark.torch
@pytest.mark.parametrize(("edit", "said"), [
    (lambda t: {**t, "store_mean": t["store_mean"][:2]}, "store_mean has shape (2,), expected ("),
    (lambda t: {**t, "last_window": t["last_window"][:2]}, "last_window has shape (2, 28, 7), expected ("),
    (lambda t: {**t, "scale": t["scale"][:1]}, "scale has shape (1,), expected (2,)"),
    (lambda t: {**t, "season": t["season"][:3]}, "season has shape (3,), expected (365,)"),
    (lambda t: {**t, "store_mean": t["store_mean"] * float("nan")}, "store_mean holds NaN or infinite values"),
    (lambda t: {**t, **{k: v * float("inf") for k, v in t.items() if k.startswith("net.") and v.ndim == 2}},
     "holds NaN or infinite values"),
], ids=["store-mean", "last-window", "scale", "season", "nan-store-mean", "inf-weights"])
def test_an_lstm_file_with_tensors_of_the_wrong_shape_or_not_finite_is_refused_at_load(
        lstm_file, tmp_path, edit, said):
    """Before: an IndexError or a broadcast error at the first forecast, or forecasts of NaN, exit 0."""
    import torch

    path = _copy(lstm_file, tmp_path)
    tensors = torch.load(path, weights_only=True)
    buffer = io.BytesIO()
    torch.save(edit(tensors), buffer)
    path.write_bytes(buffer.getvalue())
    _rerecord(path)
    with pytest.raises(ArtifactError) as caught:
        load_bundle(path)
    message = str(caught.value)
    assert message.startswith(f"model file {path} ") and said in message and "\n" not in message
    assert message.endswith("retrain it with `storecast lstm train`.")


@pytest.mark.torch
def test_the_lstm_file_as_saved_passes_the_tensor_checks(lstm_file, dataset):
    bundle = load_bundle(lstm_file)
    assert bundle.kind == "lstm" and len(bundle.facts.stores) == dataset.train["Store"].nunique()
