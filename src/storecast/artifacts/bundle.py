"""The ``Bundle`` protocol, the serving seam, and ``load_bundle``, the one way to open a model file.

Every kind of model file loads into a Bundle: what it is (``kind``, ``path``, ``card``), what it knows
about the stores (``facts``), whether it forecasts from past sales (``needs_history``) and
``predict_open``. ``storecast.predict.predict_frame`` and the API use nothing else but the attributes they
ask for with ``getattr`` first: the served ``level``, ``reads_closed_rows`` (the trees, an LSTM with the schedule
context) and the trees' ``can_compile`` (then ``compile_trees``). Loading picks the format by suffix (``.skops``
trees, ``.pt`` LSTM) and warns once when the file was saved with other package versions than those installed.
"""

from __future__ import annotations

__all__ = ["Bundle", "load_bundle", "version_drift"]

import logging
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from storecast.errors import ArtifactError

if TYPE_CHECKING:
    import pandas as pd

    from storecast.data.request_rows import RequestRows
    from storecast.features.facts import StoreFacts

log = logging.getLogger("storecast.artifacts")


@runtime_checkable
class Bundle(Protocol):
    """A loaded model: what it is, where it came from, and open-day predictions with intervals."""

    kind: str
    path: Path
    card: dict
    # True when forecasts read recent sales (the LSTM): callers load train.csv for it, the API refuses it.
    # False when the store statistics travel inside the model file (trees).
    needs_history: bool

    @property
    def facts(self) -> StoreFacts:
        """The stores it was fitted on, their states, Sunday opening, the promo phase."""
        ...

    def predict_open(self, rows: RequestRows,
                     history: pd.DataFrame | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(point, lower, upper) Sales for rows of open days, checked against the contract already.

        ``history`` (train-shaped past rows) is read only when ``needs_history``; other bundles ignore it.
        """
        ...


def version_drift(card: dict) -> dict[str, tuple[str, str]]:
    """``{package: (saved with, installed now)}`` for each package of the card whose version differs.

    Why: skops and torch files load across versions, but a tree library or scikit-learn of another
    release may predict differently; a user should hear it once, at load, not discover it in the numbers.
    """
    drift = {}
    for name, saved in (card.get("versions") or {}).items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = "not installed"
        if str(saved) != installed:
            drift[str(name)] = (str(saved), installed)
    return drift


def load_bundle(path: str | Path, *, level: float | None = None) -> Bundle:
    """Load a model file after checking its card, its sha256, (skops) its types and what it holds.

    A model saved with other package versions than those installed loads with one warning naming them
    (``version_drift``); ``GET /model`` shows the same.

    Raises
    ------
    ArtifactError
        Missing file or card, an invalid card, sha256 mismatch (tampered or truncated), a type
        outside ``TRUSTED_TYPES``, an unreadable file, content that is not a storecast model, a card
        whose kind or versions differ from those the file holds, or an unknown suffix.
    """
    from storecast.artifacts.files import followed

    bundle = _load_checked(followed(Path(path)), level)
    drift = version_drift(bundle.card)
    if drift:
        log.warning("%s was saved with other package versions than those installed (%s): its predictions may "
                    "differ from those measured at training; retrain with this install to be sure", bundle.path.name,
                    ", ".join(f"{name} {saved} -> {now}" for name, (saved, now) in sorted(drift.items())))
    return bundle


def _load_checked(path: Path, level: float | None) -> Bundle:
    if path.suffix == ".pt" and not path.is_dir():
        from storecast.artifacts.lstm import load_lstm_bundle

        return load_lstm_bundle(path, level=level)
    if path.is_dir():  # before the suffix: a directory named x.skops too
        from storecast.artifacts.files import model_file_missing

        raise model_file_missing(path)
    if path.suffix != ".skops":
        # the card (models/X.json) sits beside its model file and shares its name: the easy one to pick by mistake
        model = [p for p in (path.with_suffix(".skops"), path.with_suffix(".pt")) if p.is_file()]
        card = f" {path.name} is the card of {model[0]}: give the model file itself." if (
            path.suffix == ".json" and model) else ""
        raise ArtifactError(f"unknown model file {path}: expected a .skops (trees) or .pt (LSTM) file.{card}")
    from storecast.artifacts.trees import load_tree_bundle

    return load_tree_bundle(path, level)
