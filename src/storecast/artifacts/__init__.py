"""Model files: ``save_bundle`` / ``load_bundle`` / ``latest_model`` and the ``Bundle`` protocol.

A JSON card beside each model file records what a reader needs to trust and describe it, including the
model file's sha256, which is checked before anything is deserialised (a truncated or edited file is
refused), on the open file that is then read (``publish.open_checked``: a file renamed onto the name meanwhile
is not what loads); the model file holds a copy of the card's key facts in turn (``storecast.card``), so an edited
card is refused too. Saving publishes the card, then the model, each with an exclusive link
(``storecast.publish``): two runs saving in the same second get distinct names, and no reader ever sees a
model without its card.

One module per idea: ``bundle`` (the protocol, ``load_bundle``), ``trees`` (skops files and their type
allowlist), ``lstm`` (tensor-only ``.pt`` files), ``files`` (a models directory: complete files, the newest).
"""

from __future__ import annotations

__all__ = [
    "Bundle", "TreeBundle", "LSTMBundle", "ModelFile", "save_bundle", "save_lstm", "load_bundle",
    "load_lstm_bundle", "latest_model", "model_files", "version_drift", "publish_model", "check_sha256",
    "file_sha256", "data_fingerprint", "package_versions", "TRUSTED_TYPES", "SERVABLE_KINDS",
]

from storecast.artifacts.bundle import Bundle, load_bundle, version_drift
from storecast.artifacts.files import SERVABLE_KINDS, ModelFile, latest_model, model_files
from storecast.artifacts.trees import TRUSTED_TYPES, TreeBundle, save_bundle
from storecast.publish import (  # re-exported: the names model files are written and checked with
    check_sha256,
    data_fingerprint,
    file_sha256,
    package_versions,
    publish_model,
)


def __getattr__(name: str):
    """The LSTM's file format on first use only: it imports the LSTM package (PyTorch stays lazy)."""
    if name in ("LSTMBundle", "save_lstm", "load_lstm_bundle"):
        from storecast.artifacts import lstm

        return getattr(lstm, name)
    raise AttributeError(f"module 'storecast.artifacts' has no attribute {name!r}")
