"""Model files that are odd rather than merely edited: re-recorded tensors, unreadable or special paths.

Each case is a file a user can end up with (a damaged copy whose card was re-recorded, a link, a FIFO, a
file without read permission): it loads as the model it is, or stops with one line naming the file and
saying what to do, never a traceback at the first forecast.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
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


def test_a_model_file_this_user_cannot_read_is_one_line_saying_so(model_path, synthetic_dir, tmp_path, run_main,
                                                                   monkeypatch):
    """Before: a PermissionError traceback from the sha256 check (root reads anything, so the refusal is simulated)."""
    import builtins

    from storecast import publish

    def refused(path, *args, **kwargs):  # the loader opens the file once, to hash it and to read it
        if Path(path).suffix == ".skops":
            raise PermissionError(13, "Permission denied", str(path))
        return builtins.open(path, *args, **kwargs)

    monkeypatch.setattr(publish, "open", refused, raising=False)
    with pytest.raises(ArtifactError, match=r"cannot be read \(Permission denied\)"):
        load_bundle(model_path)
    code, _, err = run_main("predict", "--model", str(model_path), "--data", str(synthetic_dir),
                            "--out", str(tmp_path / "p.csv"))
    said = " ".join(err.split())
    assert code == 2 and "Traceback" not in err, err
    assert f"model file {model_path} cannot be read (Permission denied): give this user read access" in said


def test_a_card_this_user_cannot_read_says_so_not_invalid_json(model_path, monkeypatch):
    card_path = model_path.with_suffix(".json")
    real = Path.read_text

    def refused(self, *args, **kwargs):
        if self == card_path:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", refused)
    with pytest.raises(ArtifactError) as caught:
        load_bundle(model_path)
    message = str(caught.value)
    assert message.startswith(f"model card {card_path}: cannot be read (Permission denied)")
    assert "not valid JSON" not in message and "give this user read access" in message


def test_saving_into_a_full_disk_is_one_line_and_leaves_nothing(tmp_path, monkeypatch):
    """Before: skops' OSError traceback out of `storecast train` (a 3 MB tmpfs showed it)."""
    from storecast.artifacts import save_bundle

    def full(tmp):
        Path(tmp).write_bytes(b"half a model")
        raise OSError(28, "No space left on device")

    import skops.io

    monkeypatch.setattr(skops.io, "dump", lambda model, tmp: full(tmp))
    with pytest.raises(ArtifactError) as caught:
        save_bundle({"x": 1}, kind="lgbm", models_dir=tmp_path)
    message = str(caught.value)
    assert message.startswith(f"cannot save the lgbm model in {tmp_path}: No space left on device; nothing was saved")
    assert "free some space there or give another --models-dir" in message
    assert list(tmp_path.iterdir()) == []


def test_a_link_to_a_model_file_loads_that_file_with_its_card_as_serve_does(model_path, synthetic_dir, tmp_path,
                                                                           run_main):
    """Before: predict and plan looked for current.json beside the link ("not found"), while serve followed it."""
    link = tmp_path / "current.skops"
    link.symlink_to(model_path)
    bundle = load_bundle(link)
    assert bundle.path == model_path.resolve() and bundle.card["file"] == model_path.name
    code, _, err = run_main("predict", "--model", str(link), "--data", str(synthetic_dir),
                            "--out", str(tmp_path / "p.csv"))
    assert code == 0, err


@pytest.mark.parametrize(("make", "said"), [
    (lambda p: os.mkfifo(p), "is not a regular file (a FIFO, socket or device)"),
    (lambda p: (p.symlink_to(p.with_name("b.skops")), p.with_name("b.skops").symlink_to(p)),
     "is a symbolic link that loops"),
    (lambda p: p.symlink_to(p.with_name("gone.skops")), "is a symbolic link to "),
], ids=["fifo", "loop", "dangling"])
def test_a_model_path_that_is_there_but_no_file_is_not_called_not_found(tmp_path, make, said):
    """Before: "model file X not found" for a FIFO and a link loop that `ls` shows right there."""
    path = tmp_path / "a.skops"
    make(path)
    with pytest.raises(ArtifactError) as caught:
        load_bundle(path)
    message = str(caught.value)
    assert message.startswith(f"model file {path} {said}") and "not found" not in message.split(":")[0]


def _rezip(path: Path, change) -> None:
    """Rewrite the archive ``path`` with ``change(name, data)`` applied to each member, then re-record its card."""
    import zipfile

    with zipfile.ZipFile(path) as old:
        members = [(info, old.read(info.filename)) for info in old.infolist()]
    with zipfile.ZipFile(path, "w") as new:
        for info, data in members:
            new.writestr(info, change(info.filename, data))
    _rerecord(path)


def _newer_skops(name: str, data: bytes) -> bytes:
    return json.dumps({**json.loads(data), "protocol": 99}).encode() if name == "schema.json" else data


@pytest.mark.parametrize("card_skops", [None, "99.0"], ids=["same-version-in-card", "newer-version-in-card"])
def test_a_file_from_a_newer_skops_says_upgrade_not_damaged(model_path, tmp_path, card_skops):
    """Before: "it is damaged or not from `storecast train`; retrain it", under skops' own "update skops"."""
    path = _copy(model_path, tmp_path)
    _rezip(path, _newer_skops)
    if card_skops:
        card = json.loads(path.with_suffix(".json").read_text())
        card["versions"]["skops"] = card_skops
        path.with_suffix(".json").write_text(json.dumps(card))
    with pytest.raises(ArtifactError) as caught:
        load_bundle(path)
    message = str(caught.value)
    assert "damaged" not in message and "\n" not in message
    if card_skops:
        assert "it was saved with skops 99.0 and skops " in message and "install skops==99.0 to read it" in message
    else:
        assert "it was written by a newer skops than the one installed here" in message
    assert message.endswith("or retrain it with `storecast train` on this install.")


@pytest.mark.torch
def test_a_file_from_a_newer_torch_says_upgrade_not_damaged(lstm_file, tmp_path):
    path = _copy(lstm_file, tmp_path)
    _rezip(path, lambda name, data: b"99" if name.endswith("/version") else data)
    with pytest.raises(ArtifactError) as caught:
        load_bundle(path)
    message = str(caught.value)
    assert "it was written by a newer torch than the one installed here" in message and "damaged" not in message
    assert message.endswith("or retrain it with `storecast lstm train` on this install.")
