"""Model files: ``save_bundle`` / ``load_bundle`` / ``latest_model`` and the ``Bundle`` protocol.

Tree models are written with ``skops.io`` (no pickle): loading lists the file's types with
``get_untrusted_types`` and accepts only those on the explicit ``TRUSTED_TYPES`` allowlist below, so
a crafted file cannot make the loader build an arbitrary object. A JSON card beside each file records
what a reader needs to trust and describe it, including the model file's sha256, which is checked
before anything is deserialised (a truncated or edited file is refused).
"""

from __future__ import annotations

__all__ = [
    "Bundle", "TreeBundle", "save_bundle", "load_bundle", "latest_model", "write_card",
    "file_sha256", "data_fingerprint", "package_versions", "TRUSTED_TYPES",
]

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from storecast.atomic import atomic_write
from storecast.errors import ArtifactError

_STAMP = "%Y-%m-%dT%H-%M-%SZ"
_PACKAGES = ("storecast", "numpy", "pandas", "scikit-learn", "lightgbm", "skops", "holidays")

# Every non-builtin type a storecast tree bundle may contain; anything else makes loading fail.
TRUSTED_TYPES = (
    "storecast.models.conformal.ConformalRegressor",
    "storecast.models.trees.SalesRegressor",
    "storecast.features.store.StoreAttributes",
    "storecast.features.calendar.CalendarFeatures",
    "storecast.features.proximity.ScheduleProximity",
    "storecast.features.history.StoreHistory",
    "storecast.features.build.FeatureMatrix",
    "storecast.clean.missing.StoreContextImputer",
    "storecast.clean.report.CleaningReport",
    "storecast.clean.report.CleaningAction",
    "lightgbm.sklearn.LGBMRegressor",
    "lightgbm.basic.Booster",
    "sklearn.tree._tree.Tree",
    "collections.OrderedDict",
)


@runtime_checkable
class Bundle(Protocol):
    """A loaded model: what it is, where it came from, and open-day predictions with intervals."""

    kind: str
    path: Path
    card: dict

    def predict_open(self, rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(point, lower, upper) Sales for rows of open days."""
        ...


@dataclass
class TreeBundle:
    """A tree pipeline wrapped in a ConformalRegressor, loaded from a ``.skops`` file."""

    kind: str
    path: Path
    card: dict
    model: Any = field(repr=False)
    level: float = 0.8

    def predict_open(self, rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(point, lower, upper) at ``self.level`` for open-day rows."""
        return self.model.predict_interval(rows, level=self.level)


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def data_fingerprint(*items: str | Path | pd.DataFrame) -> str:
    """sha256 over input files (their bytes) or frames (their hashed rows): which data made a model."""
    h = hashlib.sha256()
    for item in items:
        if isinstance(item, pd.DataFrame):
            h.update(pd.util.hash_pandas_object(item, index=False).to_numpy().tobytes())
        else:
            h.update(file_sha256(item).encode())
    return h.hexdigest()


def package_versions() -> dict[str, str]:
    """Installed versions of the packages a bundle depends on."""
    out = {}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


# kept under its old name: the LSTM's model files are written through it too
_atomic_write = atomic_write


def write_card(path: Path, card: dict) -> None:
    """Write ``card`` as pretty JSON, atomically."""
    text = json.dumps(card, indent=2, sort_keys=False, default=str)
    _atomic_write(path, lambda tmp: tmp.write_text(text + "\n", encoding="utf-8"))


def _free_path(models_dir: Path, kind: str, suffix: str) -> tuple[Path, datetime]:
    now = datetime.now(UTC).replace(microsecond=0)
    while True:  # two saves within one second: take the next free stamp, never overwrite
        path = models_dir / f"storecast-{kind}-{now.strftime(_STAMP)}{suffix}"
        if not path.exists():
            return path, now
        now += timedelta(seconds=1)


def save_bundle(model: Any, *, kind: str, models_dir: str | Path = "models",
                card: dict | None = None) -> Path:
    """Write ``model`` to ``models_dir/storecast-<kind>-<UTC stamp>.skops`` and its JSON card.

    Parameters
    ----------
    model : ConformalRegressor
        The fitted tree model.
    kind : str
        "lgbm" or "rf" (goes into the file name and the card).
    card : dict
        Training range, features, metrics, intervals, data fingerprint...; this function adds
        ``kind``, ``created``, ``file``, ``sha256`` and ``versions``.

    Returns
    -------
    Path of the model file (the card is the same stem with ``.json``).
    """
    import skops.io as sio

    models_dir = Path(models_dir)
    models_dir.mkdir(parents=True, exist_ok=True)
    path, created = _free_path(models_dir, kind, ".skops")
    _atomic_write(path, lambda tmp: sio.dump(model, tmp))
    full = {"kind": kind, "created": created.isoformat().replace("+00:00", "Z"), "file": path.name,
            **(card or {}), "versions": package_versions(), "sha256": file_sha256(path)}
    write_card(path.with_suffix(".json"), full)
    return path


def _read_card(path: Path) -> dict:
    card_path = path.with_suffix(".json")
    if not card_path.is_file():
        raise ArtifactError(f"model card {card_path} not found: a model file is loaded only with its card.")
    try:
        return json.loads(card_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"model card {card_path} is not valid JSON ({exc}).") from exc


def load_bundle(path: str | Path, *, level: float | None = None) -> Bundle:
    """Load a model file after checking its card, its sha256 and (skops) its types.

    Raises
    ------
    ArtifactError
        Missing file or card, sha256 mismatch (tampered or truncated), a type outside
        ``TRUSTED_TYPES``, an unreadable file, or an unknown suffix.
    """
    path = Path(path)
    if path.suffix == ".pt":
        from storecast.models.lstm.forecaster import load_lstm_bundle

        return load_lstm_bundle(path, level=level)
    if path.suffix != ".skops":
        raise ArtifactError(f"unknown model file {path}: expected a .skops (trees) or .pt (LSTM) file.")
    if not path.is_file():
        raise ArtifactError(f"model file {path} not found.")
    card = _read_card(path)
    digest = file_sha256(path)
    if card.get("sha256") != digest:
        raise ArtifactError(
            f"model file {path} does not match its card (sha256 {digest[:12]}... != "
            f"{str(card.get('sha256'))[:12]}...): the file was modified or truncated; retrain or restore it.")
    import skops.io as sio

    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # skops raises several kinds on a corrupt archive
        raise ArtifactError(f"model file {path} cannot be read as a skops archive ({exc}).") from exc
    refused = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if refused:
        raise ArtifactError(f"model file {path} contains types outside the allowlist: {refused}.")
    try:
        model = sio.load(path, trusted=list(untrusted))
    except Exception as exc:
        raise ArtifactError(f"model file {path} could not be loaded ({exc}).") from exc
    default = card.get("intervals", {}).get("default_level", 0.8)
    return TreeBundle(kind=str(card.get("kind", "tree")), path=path, card=card, model=model,
                      level=float(level if level is not None else default))


def latest_model(models_dir: str | Path = "models") -> Path:
    """The newest ``storecast-<kind>-<stamp>.*`` model file (any kind) in ``models_dir``."""
    models_dir = Path(models_dir)
    found = []
    for p in models_dir.glob("storecast-*-*") if models_dir.is_dir() else []:
        if p.suffix in (".skops", ".pt"):
            stamp = p.stem.rsplit("-", 5)
            try:
                when = datetime.strptime("-".join(stamp[1:]), _STAMP)
            except ValueError:
                continue
            found.append((when, p.name, p))
    if not found:
        raise ArtifactError(f"no model file in {models_dir}: run `storecast train` first.")
    return max(found)[2]
