"""LSTM model files: tensors only, loaded with ``torch.load(weights_only=True)``, and a JSON card beside them.

The file holds the network's weights, the scaler's parameters and each store's last look-back window at
the cut (``LSTMForecaster.state_tensors``), plus one JSON string of the card's key facts, so an edited card
is caught; no code is unpickled. The tensors are saved from the CPU and loaded onto it, so a model trained
on a GPU serves on a machine without one.
"""

from __future__ import annotations

__all__ = ["LSTMBundle", "save_lstm", "load_lstm_bundle"]

import json
import logging
import pickle
import re
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from storecast.artifacts.files import card_of_kind, followed, served_level, unreadable_advice
from storecast.card import READER_FIELDS, card_facts, card_path_of, check_facts
from storecast.data.request_rows import RequestRows
from storecast.errors import ArtifactError
from storecast.features.facts import StoreFacts
from storecast.models.lstm.dataset import ENC_FEATURES
from storecast.models.lstm.forecaster import LSTMForecaster, decoder_inputs, torch_module
from storecast.models.lstm.revision import INPUTS_REVISION, REVISION_FIELD, stale_inputs
from storecast.publish import card_given, open_checked, package_versions, publish_model

log = logging.getLogger("storecast.artifacts")
_FACTS = "storecast_facts"  # the model file's copy of its card's key facts (a JSON string)
# The card's fields the network, its scaler and its intervals are rebuilt from: the file keeps a copy of each, so
# an edited lookback or quantile is refused at load instead of crashing a forecast or changing its numbers.
_BUILT_FROM = ("config", "cut", "store_states", "intervals", "features")
_KEPT = _BUILT_FROM + tuple(f for f in READER_FIELDS if f not in _BUILT_FROM)  # and what a reader judges it by
_RETRAIN = "retrain it with `storecast lstm train`"
# `storecast lstm train` has no context option: a context model is fitted and saved in Python
_RETRAIN_CONTEXT = ("retrain it with its config (`LSTMForecaster(LSTMConfig(context=True)).fit`, then "
                    "`storecast.artifacts.save_lstm`)")


@dataclass
class LSTMBundle:
    """A loaded LSTM model file, with the Bundle protocol of `storecast.artifacts`."""

    path: Path
    card: dict
    model: LSTMForecaster = field(repr=False)
    kind: str = "lstm"
    needs_history: bool = True
    level: float = 0.8

    @property
    def facts(self) -> StoreFacts:
        """The stores the network has an embedding for, and their states (no schedule facts: no API use)."""
        stores = np.asarray(self.model.stores_, dtype=np.int64)
        return StoreFacts(stores=np.sort(stores),
                          states={int(k): str(v) for k, v in zip(stores, self.model.states_, strict=True)})

    @property
    def reads_closed_rows(self) -> bool:
        """Whether ``predict_frame`` also hands over the closed rows at a store's edges in the request.

        True for a network that reads the store's schedule (``LSTMConfig.context``): its training windows read
        a closure on their first or last days, and the trees read one at a request's edges; given the open
        rows alone, it lost that closure. Without the context, no input reads another row.
        """
        return bool(self.model.config.context)

    def predict_open(self, rows: RequestRows | pd.DataFrame, history: pd.DataFrame | None = None):
        """(point, lower, upper) Sales for open-day rows (the network reads them as a test-shaped frame);
        closed rows are read as their store's schedule and answered 0 (``reads_closed_rows``)."""
        frame = rows.frame() if isinstance(rows, RequestRows) else rows
        group = rows.group if isinstance(rows, RequestRows) else None
        return self.model.predict_open(frame, history=history, level=self.level, group=group)


def save_lstm(model: LSTMForecaster, models_dir: str | Path, card: dict | None = None) -> Path:
    """Write ``storecast-lstm-<UTC stamp>.pt`` (tensors) and its JSON card, never over another model.

    The file also holds the card's key facts (kind, versions, training end) and a copy of the card's fields the
    model is rebuilt from (``_BUILT_FROM``) and of those a reader judges it by (``card.READER_FIELDS``) as one JSON
    string, a type ``torch.load(weights_only=True)`` accepts, so an edited card is caught at load.
    """
    given = card_given(card, "lstm", models_dir, objects=("training", "features"))
    torch = torch_module()

    body = {
        "kind": "lstm", "config": asdict(model.config), "cut": f"{model.cut_:%Y-%m-%d}",
        "store_states": {str(int(k)): str(v) for k, v in zip(model.stores_, model.states_, strict=True)},
        "intervals": {"levels": list(model.config.levels), "default_level": model.config.levels[0],
                      "method": f"split-conformal on |log residual| of the last {model.config.horizon} fit days",
                      "abs_log_residual_quantiles": model.quantiles_},
        "scaler": {"kind": "log1p(Sales) - store mean, then MinMaxScaler(feature_range=(-1, 1))",
                   "scale": float(model.scaler_.scaler_.scale_[0]), "min": float(model.scaler_.scaler_.min_[0]),
                   "store_mean": {str(int(k)): round(float(v), 6)
                                  for k, v in zip(model.stores_, model.scaler_.store_mean_, strict=True)}},
        "metrics": {"calibration": getattr(model, "validation_", {})},
        "training_history": model.history_ if hasattr(model, "history_") else [],
        **given,
        # which rules computed the network's inputs, so that a later change of them is told at load (`revision`)
        "features": {**(given.get("features") or {}),
                     REVISION_FIELD: getattr(model, "inputs_revision_", INPUTS_REVISION)},
        "versions": {**package_versions(), "torch": torch.__version__},
    }
    tensors = {**model.state_tensors(), _FACTS: json.dumps(card_facts(body, _KEPT))}
    return publish_model(models_dir, body, ".pt", lambda tmp: torch.save(tensors, tmp))


def load_lstm_bundle(path: str | Path, *, level: float | None = None) -> LSTMBundle:
    """Load an LSTM model file after checking its card, sha256 and key facts; tensors only, no code is unpickled.

    ``level`` picks the served interval (one of the card's levels; default: the card's default level).
    """
    torch = torch_module()

    path = followed(Path(path))
    if path.suffix != ".pt" and not path.is_dir():  # a directory gets its own words from card_of_kind
        raise ArtifactError(_not_lstm(path))
    card = card_of_kind(path, "an lstm model")
    checked = open_checked(path, card)  # what was hashed is what is read, whatever the name holds by then
    try:
        with checked:
            tensors = torch.load(checked, weights_only=True, map_location="cpu")
        held = tensors.pop(_FACTS, None)
        held = json.loads(held) if isinstance(held, str) else None
    except pickle.UnpicklingError as exc:  # weights_only met something that is not a tensor
        raise ArtifactError(f"model file {path} holds Python objects besides tensors, which are refused (loading "
                            f"them could run code): it is not from `storecast lstm train`; {_RETRAIN}.") from exc
    except Exception as exc:  # torch raises several kinds on a corrupt file
        if _incomplete_zip(path):
            raise ArtifactError(f"model file {path} is truncated or damaged (not the whole zip archive "
                                f"`storecast lstm train` writes); {_RETRAIN}.") from exc
        advice = unreadable_advice(card, "torch", exc, f"it is damaged or not from `storecast lstm train`; {_RETRAIN}",
                                   retrain=_RETRAIN)
        raise ArtifactError(f"model file {path} is not a readable LSTM file ({_one_line(exc)}): {advice}.") from exc
    check_facts(card, held if isinstance(held, dict) else None, path)
    if isinstance(held, dict) and "card" not in held:
        log.warning("model file %s holds no copy of its card's config and intervals (written by an older storecast): "
                    "an edit of them cannot be caught; retrain to get the check", path.name)
    # after check_facts: an edited card (its config.context, its features) is named as the card's edit, field
    # and all; what is left is a card the file agrees with, from a storecast that fed other inputs
    inputs = card.get("features", {}).get("decoder") if isinstance(card.get("features"), dict) else None
    config = card.get("config")
    context = isinstance(config, dict) and bool(config.get("context", False))
    expected = decoder_inputs(context)
    if inputs is not None and list(inputs) != list(expected):
        raise ArtifactError(f"model file {path} was trained on other LSTM inputs ({len(inputs)} known-future "
                            f"inputs; this storecast feeds {len(expected)}): retrain it with "
                            "`storecast lstm train`.")
    if stale := stale_inputs(card):
        log.warning("model file %s was trained before a change of the LSTM's inputs, so it is given inputs its "
                    "training never showed it: %s; %s", path.name, "; ".join(stale),
                    _RETRAIN_CONTEXT if context else _RETRAIN)
    try:
        model = LSTMForecaster.from_state(tensors, card)
        calibrated = sorted(float(lv) for lv in model.quantiles_)
        lookback = model.last_window_.shape[1]  # (stores, look-back days, encoder inputs)
    except Exception as exc:  # a file of other tensors, or a card without the LSTM's config
        raise ArtifactError(f"model file {path} and its card do not make an LSTM ({_one_line(exc)}); "
                            f"{_RETRAIN}.") from exc
    if lookback != model.config.lookback:
        raise ArtifactError(f"model card {card_path_of(path)} does not fit its model file (look-back "
                            f"{model.config.lookback} vs {lookback} days held); restore the card or {_RETRAIN}.")
    if (why := _tensor_problem(tensors, model.config.lookback)) is not None:
        raise ArtifactError(f"model file {path} holds tensors that do not make this LSTM ({why}): it is damaged or "
                            f"not from `storecast lstm train`; {_RETRAIN}.")
    served = served_level(calibrated, card, path, level, retrain=_RETRAIN)
    return LSTMBundle(path=path, card=card, model=model, level=served)


def _tensor_problem(tensors: dict, lookback: int) -> str | None:
    """Why the loaded tensors cannot be the forecaster's state (a shape that does not fit, a value not finite), or None.

    Why: ``load_state_dict`` checks the network's weights only; the stores' means, look-back windows, scaler
    and profiles are read at the first forecast, where a damaged one was an IndexError or a broadcast error,
    and a NaN one forecast NaN for every row with exit status 0.
    """
    n = int(tensors["stores"].shape[0]) if tensors["stores"].ndim == 1 else -1
    expected = {"stores": (n,), "store_mean": (n,), "last_window": (n, lookback, len(ENC_FEATURES)), "scale": (2,),
                "season": (365,), "store_profile": (n, 7, 2), "promo_anchor": (1,)}
    for name, shape in expected.items():
        if name in tensors and tuple(tensors[name].shape) != shape:
            return f"{name} has shape {tuple(tensors[name].shape)}, expected {shape}"
    # what every forecast reads: NaN or inf here makes every forecast NaN (season and profiles may hold NaN)
    for name, tensor in tensors.items():
        if ((name.startswith("net.") or name in ("store_mean", "scale", "last_window"))
                and tensor.is_floating_point() and not bool(tensor.isfinite().all())):
            return f"{name} holds NaN or infinite values"
    return None


def _not_lstm(path: Path) -> str:
    """Why ``path`` is no LSTM file, by its suffix.

    Why before the card: a tree model's card names a kind its .skops suffix holds, so it would pass the card
    check and leave torch to fail on the skops archive with words that call the file damaged; and no card can
    make a file of another suffix an LSTM, so asking for one would send the user the wrong way.
    """
    if path.suffix == ".skops":
        return (f"model file {path} is a tree model (.skops), not an LSTM: give a .pt file from "
                "`storecast lstm train` (`storecast predict --model` takes either kind).")
    return f"model file {path} is not an LSTM file: expected a .pt file from `storecast lstm train`."


def _incomplete_zip(path: Path) -> bool:
    """Whether ``path`` starts as a zip archive (what ``torch.save`` writes) but is not a whole, intact one.

    Why: torch reads a cut-short archive with a seek past its end and says only "OSError: [Errno 22]
    Invalid argument", or "failed finding central directory", neither of which says the file lost its tail.
    """
    try:
        with path.open("rb") as f:
            if f.read(4) != b"PK\x03\x04":
                return False
    except OSError:  # unreadable is not truncated: the caller's own words say what torch met
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.testzip() is not None
    except (OSError, EOFError, zipfile.BadZipFile, RuntimeError, ValueError):
        return True


def _one_line(exc: BaseException) -> str:
    """An exception as one short line: its first line (torch's run over several) and its type when it says nothing."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc)).strip()  # torch puts terminal bold codes in its messages
    text = text.splitlines()[0] if text else ""
    text = text if len(text) <= 200 else text[:197] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
