"""Model files: ``save_bundle`` / ``load_bundle`` / ``latest_model`` and the ``Bundle`` protocol.

Tree models are written with ``skops.io`` (no pickle): loading lists the file's types with
``get_untrusted_types`` and accepts only those on the explicit ``TRUSTED_TYPES`` allowlist below, so
a crafted file cannot make the loader build an arbitrary object. A JSON card beside each file records
what a reader needs to trust and describe it, including the model file's sha256, which is checked
before anything is deserialised (a truncated or edited file is refused); the model file holds a copy of
the card's key facts in turn (``storecast.card``), so an edited card is refused too.

Saving publishes the card, then the model, each with an exclusive link (``publish_model``): two runs
saving in the same second get distinct names, and no reader ever sees a model without its card.
``latest_model`` and ``model_files`` pick only complete files and say why they skip the others.
"""

from __future__ import annotations

__all__ = [
    "Bundle", "TreeBundle", "ModelFile", "save_bundle", "load_bundle", "latest_model", "model_files",
    "publish_model", "check_sha256", "version_drift", "write_card", "file_sha256", "data_fingerprint",
    "package_versions",
    "TRUSTED_TYPES", "SERVABLE_KINDS",
]

import importlib.abc
import logging
import sys
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from storecast.card import card_facts, card_path_of, check_facts, inspect_card, read_card
from storecast.errors import ArtifactError

if TYPE_CHECKING:
    from storecast.features.facts import StoreFacts

from storecast.publish import (  # re-exported: the names model files are written and checked with
    _STAMP,
    check_sha256,
    data_fingerprint,
    file_sha256,
    package_versions,
    publish_model,
    write_card,
)

log = logging.getLogger("storecast.artifacts")

# What `serve` and `latest_model` pick by default: the LSTM needs recent history and is only chosen when asked.
SERVABLE_KINDS = ("lgbm", "rf")
_SUFFIX_KINDS = {".skops": ("lgbm", "rf"), ".pt": ("lstm",)}

# Every non-builtin type a storecast tree bundle may contain; anything else makes loading fail.
TRUSTED_TYPES = (
    "storecast.models.conformal.ConformalRegressor",
    "storecast.models.trees.SalesRegressor",
    "storecast.features.store.StoreAttributes",
    "storecast.features.calendar.CalendarFeatures",
    "storecast.features.proximity.ScheduleProximity",
    "storecast.features.schedule.StoreSchedule",
    "storecast.features.history.StoreHistory",
    "storecast.features.build.FeatureMatrix",
    "storecast.clean.missing.StoreContextImputer",
    "storecast.clean.report.CleaningReport",
    "storecast.clean.report.CleaningAction",
    "lightgbm.sklearn.LGBMRegressor",
    "lightgbm.basic.Booster",
    "sklearn.ensemble._voting.VotingRegressor",  # the average of LightGBM seeds (models.trees.LGBM_SEEDS)
    "sklearn.utils._bunch.Bunch",  # its named_estimators_
    "sklearn.tree._tree.Tree",
    "collections.OrderedDict",
)


@runtime_checkable
class Bundle(Protocol):
    """A loaded model: what it is, where it came from, and open-day predictions with intervals."""

    kind: str
    path: Path
    card: dict
    facts: StoreFacts  # the stores it was fitted on, their states, Sunday opening, the promo phase

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
    # models.compiled.CompiledTrees serving the booster's predict, or None (LightGBM's own, or a forest)
    compiled: Any = field(default=None, repr=False)
    facts: StoreFacts = field(init=False, repr=False)

    def __post_init__(self) -> None:
        from sklearn.pipeline import Pipeline

        from storecast.features.facts import StoreFacts, store_facts

        pipe = getattr(self.model, "estimator_", None)  # ConformalRegressor -> Pipeline([prep, model])
        prep = pipe.named_steps.get("prep") if isinstance(pipe, Pipeline) else None
        self.facts = store_facts(prep) if isinstance(prep, Pipeline) else StoreFacts()

    def predict_open(self, rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(point, lower, upper) at ``self.level`` for open-day rows."""
        return self.model.predict_interval(rows, level=self.level)


def save_bundle(model: Any, *, kind: str, models_dir: str | Path = "models",
                card: dict | None = None) -> Path:
    """Write ``model`` to ``models_dir/storecast-<kind>-<UTC stamp>.skops`` and its JSON card.

    The model file also holds the card's key facts (``storecast_facts_``: kind, versions, training
    end), so an edited card is caught at load.

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

    body = {**(card or {}), "kind": kind, "versions": package_versions()}
    if hasattr(model, "__dict__"):  # a fitted estimator; skops stores a dict of str without extra trust
        model.storecast_facts_ = card_facts(body)
    return publish_model(models_dir, body, ".skops", lambda tmp: sio.dump(model, tmp))


def _check_tree_model(model: Any, path: Path) -> None:
    """Refuse a valid skops archive that does not hold what ``train_bundle`` saves."""
    from sklearn.pipeline import Pipeline

    from storecast.models.conformal import ConformalRegressor
    from storecast.models.trees import SalesRegressor

    pipe = getattr(model, "estimator_", None) if isinstance(model, ConformalRegressor) else None
    steps = dict(pipe.steps) if isinstance(pipe, Pipeline) else {}
    if set(steps) != {"prep", "model"} or not isinstance(steps["model"], SalesRegressor):
        what = type(model).__module__ + "." + type(model).__qualname__
        raise ArtifactError(f"model file {path} holds a {what}, not a fitted storecast model (a ConformalRegressor "
                            "around the prep + model pipeline); retrain with `storecast train`.")


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
    bundle = _load_checked(Path(path), level)
    drift = version_drift(bundle.card)
    if drift:
        log.warning("%s was saved with other package versions than those installed (%s): its predictions may "
                    "differ from those measured at training; retrain with this install to be sure", bundle.path.name,
                    ", ".join(f"{name} {saved} -> {now}" for name, (saved, now) in sorted(drift.items())))
    return bundle


class _NotInThisThread(importlib.abc.MetaPathFinder):
    """Makes ``modules`` unimportable for one thread while it is on ``sys.meta_path``; other threads import as usual."""

    def __init__(self, modules: tuple[str, ...]) -> None:
        self.modules, self.thread = modules, threading.get_ident()

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if threading.get_ident() == self.thread and name.partition(".")[0] in self.modules:
            raise ModuleNotFoundError(f"No module named {name!r} (not needed to load a skops file)", name=name)
        return None


# Imported by `import skops.io` only through scikit-learn's vendored array-API shims, never used by a tree model.
_SKOPS_NEEDLESS = ("torch", "dask")


def _skops_io() -> Any:
    """``skops.io``, imported without torch and dask (those not loaded yet): about 1.3 s less per process.

    Why: skops builds its default trusted types at import with scikit-learn's ``all_estimators()``, whose
    ``pkgutil.walk_packages`` imports every sub-package on the way, ``sklearn.externals.array_api_compat.torch``
    and ``.dask.array`` too (they import torch and dask, installed for the LSTM and the dask engine), though it
    then skips everything under ``externals``. Those two imports fail here instead (walk_packages ignores an
    ImportError), for this thread only, so skops' trusted types are the very same lists (a test compares them)
    and the allowlist check below is unchanged. A later ``import torch`` works as usual; should a future skops
    or scikit-learn need one of them at import, the import is retried without the block.
    """
    needless = tuple(name for name in _SKOPS_NEEDLESS if name not in sys.modules)
    if "skops.io" in sys.modules or not needless:
        import skops.io

        return skops.io
    block = _NotInThisThread(needless)
    sys.meta_path.insert(0, block)
    try:
        import skops.io
    except ImportError:
        sys.meta_path.remove(block)
        import skops.io
    finally:
        if block in sys.meta_path:
            sys.meta_path.remove(block)
    return skops.io


def _load_checked(path: Path, level: float | None) -> Bundle:
    if path.suffix == ".pt":
        from storecast.models.lstm.forecaster import load_lstm_bundle

        return load_lstm_bundle(path, level=level)
    if path.suffix != ".skops":
        raise ArtifactError(f"unknown model file {path}: expected a .skops (trees) or .pt (LSTM) file.")
    if not path.is_file():
        raise ArtifactError(f"model file {path} not found.")
    card = read_card(path)
    if card["kind"] not in ("lgbm", "rf"):
        raise ArtifactError(f"model card {card_path_of(path)} says kind {card['kind']!r}, but a .skops file holds "
                            "an lgbm or rf model; restore the card or retrain.")
    check_sha256(path, card)
    sio = _skops_io()
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
    _check_tree_model(model, path)
    held = getattr(model, "storecast_facts_", None)
    check_facts(card, held if isinstance(held, dict) else None, path)
    default = (card.get("intervals") or {}).get("default_level", 0.8)
    from storecast.models.compiled import compile_model

    # after every check above: compiled code is a cache keyed by the verified sha256, never part of the model
    compiled = compile_model(model, model_path=path, model_sha256=str(card["sha256"]))
    return TreeBundle(kind=str(card["kind"]), path=path, card=card, model=model,
                      level=float(level if level is not None else default), compiled=compiled)


@dataclass(frozen=True)
class ModelFile:
    """A model file (or a card left without one) in a models directory, and why it is unusable, if it is."""

    path: Path
    kind: str  # as the file name says
    stamp: datetime | None  # the UTC stamp in the name; None when the name has none
    card: dict | None = None
    problem: str | None = None  # None: complete (valid card, matching sha256)

    @property
    def complete(self) -> bool:
        """A valid card whose sha256 matches the file."""
        return self.problem is None


def _name(path: Path) -> tuple[str, datetime | None]:
    parts = path.stem.split("-", 2)  # storecast-<kind>-<stamp>
    if len(parts) < 3:
        return "?", None
    try:
        return parts[1], datetime.strptime(parts[2], _STAMP)
    except ValueError:
        return parts[1], None


def _check(path: Path) -> ModelFile:
    """Everything short of loading: the name, the card, the card's kind and the sha256."""
    kind, stamp = _name(path)
    card, why = None, None
    if path.suffix == ".json":
        why = "a card without its model file"
    elif stamp is None:
        why = "name is not storecast-<kind>-<YYYY-MM-DDTHH-MM-SSZ>"
    elif kind not in _SUFFIX_KINDS[path.suffix]:
        why = f"kind {kind!r} in the name does not fit a {path.suffix} file"
    else:
        card, why = inspect_card(path)
        if card is None:
            why = why if why == "no card" else f"card {card_path_of(path).name}: {why}"
        elif card["kind"] != kind:
            why = f"its card says kind {card['kind']!r}, the file name {kind!r}"
        else:
            try:
                if file_sha256(path) != card["sha256"]:
                    why = "does not match its card (sha256 differs: modified or truncated)"
            except OSError as exc:
                why = f"cannot be read ({exc.strerror or exc})"
    return ModelFile(path, kind, stamp, card, why)


def _candidates(models_dir: Path) -> list[Path]:
    """Model files and cards left without one, newest stamp first (names without a stamp last)."""
    if not models_dir.is_dir():
        return []
    files = [p for p in models_dir.glob("storecast-*") if p.suffix in (".skops", ".pt", ".json") and p.is_file()]
    models = {p.with_suffix("") for p in files if p.suffix != ".json"}
    files = [p for p in files if p.suffix != ".json" or p.with_suffix("") not in models]
    return sorted(files, key=lambda p: (_name(p)[1] or datetime.min, p.name), reverse=True)


def model_files(models_dir: str | Path = "models", kinds: Iterable[str] | None = None) -> Iterator[ModelFile]:
    """Each model file of ``kinds`` (default: all) in ``models_dir``, newest first, checked as it is reached.

    Lazy on purpose: checking means hashing the file, and ``latest_model`` stops at the first complete one.
    """
    wanted = None if kinds is None else set(kinds)
    for path in _candidates(Path(models_dir)):
        if wanted is None or _name(path)[0] in wanted:
            yield _check(path)


def latest_model(models_dir: str | Path = "models", *, kinds: Iterable[str] = SERVABLE_KINDS) -> Path:
    """The newest complete model file of ``kinds`` in ``models_dir``: a valid card whose sha256 matches.

    By default a tree model (lgbm or rf); an LSTM ``.pt`` only when asked (``kinds=("lstm",)``), since
    it cannot be served without recent history. Newer files skipped on the way are named in a warning.

    Raises
    ------
    ArtifactError
        No complete model file of ``kinds``: the message names what was found and skipped, and why.
    """
    models_dir, kinds = Path(models_dir), tuple(kinds)
    skipped = []
    for found in model_files(models_dir, kinds):
        if found.complete:
            for bad in skipped:
                log.warning("skipped %s in %s: %s", bad.path.name, models_dir, bad.problem)
            return found.path
        skipped.append(found)
    others = [p.name for p in _candidates(models_dir) if _name(p)[0] not in kinds]
    if not skipped and not others:
        raise ArtifactError(f"no model file in {models_dir}: run `storecast train` first.")
    said = [f"skipped {f.path.name} ({f.problem})" for f in skipped[:5]] + [
        f"{len(skipped) - 5} more skipped"] * (len(skipped) > 5)
    if others:
        said.append(f"not of kind {'/'.join(kinds)}: {', '.join(others[:3])}" + (" ..." if len(others) > 3 else ""))
    raise ArtifactError(f"no complete {'/'.join(kinds)} model file in {models_dir}: {'; '.join(said)}; "
                        "run `storecast train`.")
