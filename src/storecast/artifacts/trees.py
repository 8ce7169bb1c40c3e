"""Tree model files: skops archives whose every type is on an explicit allowlist.

Tree models are written with ``skops.io`` (no pickle): loading audits every type in the file before
building anything and accepts only skops' defaults and those on ``TRUSTED_TYPES``, so a crafted file
cannot make the loader build an arbitrary object. The sha256 in the card is checked before anything is deserialised.
An average of seeds is written with each booster once (``_as_written``), named again at load (``_name_members``).
"""

from __future__ import annotations

__all__ = ["TRUSTED_TYPES", "TreeBundle", "save_bundle", "load_tree_bundle"]

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np
import pandas as pd

from storecast.artifacts.files import card_of_kind, served_level, unreadable_advice
from storecast.background import in_background
from storecast.card import READER_FIELDS, card_facts, check_facts
from storecast.data.request_rows import RequestRows
from storecast.errors import ArtifactError
from storecast.long_lived import no_collections
from storecast.model_imports import imports_skipped
from storecast.publish import card_given, open_checked, package_versions, publish_model

if TYPE_CHECKING:
    from storecast.features.facts import StoreFacts

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
    "sklearn.utils._bunch.Bunch",  # its named_estimators_, in files saved before _as_written
    "sklearn.tree._tree.Tree",
    "collections.OrderedDict",
)


@dataclass
class TreeBundle:
    """A tree pipeline wrapped in a ConformalRegressor, loaded from a ``.skops`` file."""

    kind: str
    path: Path
    card: dict
    model: Any = field(repr=False)
    level: float = 0.8
    # models.compiled.CompiledTrees (one booster) or CompiledEnsemble (an average of seeds), or None
    # (LightGBM's own predictor, or a forest)
    compiled: Any = field(default=None, repr=False)
    facts: StoreFacts = field(init=False, repr=False)
    needs_history: bool = field(default=False, init=False)  # the store statistics travel inside the model file
    # predict_frame also hands it the closed rows at a store's edges in the request: its schedule step reads a
    # closure there (features.schedule); forecasts for those rows are discarded
    reads_closed_rows: bool = field(default=True, init=False)

    def __post_init__(self) -> None:
        from sklearn.pipeline import Pipeline

        from storecast.features.facts import StoreFacts, store_facts

        pipe = getattr(self.model, "estimator_", None)  # ConformalRegressor -> Pipeline([prep, model])
        prep = pipe.named_steps.get("prep") if isinstance(pipe, Pipeline) else None
        self.facts = store_facts(prep) if isinstance(prep, Pipeline) else StoreFacts()

    def predict_open(self, rows: RequestRows | pd.DataFrame,
                     history: pd.DataFrame | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(point, lower, upper) at ``self.level`` for open-day rows (and the closed ones at a store's edges,
        ``reads_closed_rows``); ``history`` is ignored (``needs_history``).

        ``RequestRows`` go to the pipeline as their column arrays: its feature steps read a mapping of
        columns as they read a frame, and for a few rows building the frame would cost more than the trees.
        """
        X = rows.columns() if isinstance(rows, RequestRows) else rows
        return self.model.predict_interval(X, level=self.level)

    def compile_trees(self) -> bool:
        """Compile the LightGBM booster(s) now, cache them beside the file and switch predictions to them.

        For a caller that can afford minutes (``storecast serve`` runs it in a background thread when no
        cache exists). Predictions made meanwhile use LightGBM's predictor; the switch is one attribute
        per booster. False when there is nothing to compile (a forest), it is impossible, or it is done.
        """
        from storecast.models.compiled import compile_model

        if self.compiled is not None:
            return False
        compiled = compile_model(self.model, model_path=self.path, model_sha256=str(self.card["sha256"]), mode="on")
        self.compiled = compiled
        return compiled is not None

    @property
    def can_compile(self) -> bool:
        """True when the model has LightGBM boosters that are not compiled yet."""
        from storecast.models.compiled import boosters_of

        return self.compiled is None and bool(boosters_of(self.model))


def save_bundle(model: Any, *, kind: str, models_dir: str | Path = "models",
                card: dict | None = None) -> Path:
    """Write ``model`` to ``models_dir/storecast-<kind>-<UTC stamp>.skops`` and its JSON card.

    The model file also holds the card's key facts (``storecast_facts_``: kind, versions, training
    end, and the fields a reader judges the model by: ``card.READER_FIELDS``), so an edited card is caught at load.

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

    body = {**card_given(card, kind, models_dir), "kind": kind, "versions": package_versions()}
    written = _as_written(model, card_facts(body, READER_FIELDS))
    return publish_model(models_dir, body, ".skops", lambda tmp: sio.dump(written, tmp))


def _fitted_tree(model: Any) -> Any:
    """The fitted tree model inside a ConformalRegressor (-> pipeline -> SalesRegressor), or None."""
    steps = getattr(getattr(model, "estimator_", None), "steps", None)
    return getattr(steps[-1][1], "estimator_", None) if isinstance(steps, list) and steps else None


def _average_of_seeds(tree: Any) -> Any:
    """``tree`` if a VotingRegressor (an average of seeds), else None (none unless sklearn.ensemble is imported)."""
    voting = sys.modules.get("sklearn.ensemble._voting")
    return tree if voting is not None and isinstance(tree, voting.VotingRegressor) else None


def _shallow(obj: Any, drop: str | None = None, **changed: Any) -> Any:
    """A copy of ``obj`` sharing its attributes in their order (as skops writes them), ``changed``, less ``drop``."""
    twin = object.__new__(type(obj))
    twin.__dict__.update({key: changed.get(key, value) for key, value in vars(obj).items() if key != drop})
    twin.__dict__.update({key: value for key, value in changed.items() if key not in twin.__dict__})
    return twin


def _as_written(model: Any, facts: dict | None) -> Any:
    """What goes into the file for ``model``: it with the card's key facts, each seed's booster once.

    ``facts`` None: the model's own (``storecast models upgrade``, which writes a loaded file again as it was).
    The caller's model is never changed (it may serve meanwhile, or be saved again): the objects from the
    ConformalRegressor down to its average of seeds are shallow copies sharing every fitted part. Each booster
    once: skops writes an object once per reference (it shares them only when loading), and a fitted
    VotingRegressor's ``named_estimators_`` is a Bunch of the very models in ``estimators_``, so each booster's
    text (14.5 MB on the full data) was written, and parsed at every load, twice. ``_name_members`` rebuilds it.
    """
    if not hasattr(model, "__dict__"):  # not a fitted estimator: written as it is
        return model
    voting = _average_of_seeds(_fitted_tree(model))
    if voting is not None and "named_estimators_" in vars(voting):
        pipe = model.estimator_
        name, regressor = pipe.steps[-1]
        lean_regressor = _shallow(regressor, estimator_=_shallow(voting, drop="named_estimators_"))
        model = _shallow(model, estimator_=_shallow(pipe, steps=[*pipe.steps[:-1], (name, lean_regressor)]))
    return model if facts is None else _shallow(model, storecast_facts_=facts)  # skops stores a dict of str as is


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


# Imported by `import skops.io` only through scikit-learn's vendored array-API shims (torch, dask) and its test
# helpers (pytest, inside try/except ImportError), never used by a tree model.
_SKOPS_NEEDLESS = ("torch", "dask", "pytest")


def _skops_io() -> Any:
    """``skops.io``, imported without torch, dask and pytest (those not loaded yet): about 1.35 s less per process.

    Why: skops builds its default trusted types at import with scikit-learn's ``all_estimators()``, whose
    ``pkgutil.walk_packages`` imports every sub-package on the way, ``sklearn.externals.array_api_compat.torch``
    and ``.dask.array`` too (they import torch and dask, installed for the LSTM and the dask engine), though it
    then skips everything under ``externals``; and ``all_estimators`` imports ``sklearn.utils._testing``, which
    imports pytest when installed (the dev extra) for test markers only. Those imports fail here instead
    (walk_packages ignores an ImportError, ``_testing`` has a branch without pytest), for this thread only, so
    skops' trusted types are the very same lists (a test compares them) and the allowlist check below is
    unchanged. A later ``import torch`` works as usual; should a future skops or scikit-learn need one of them
    at import, the import is retried without the block.
    """
    if "skops.io" in sys.modules:
        import skops.io

        return skops.io
    try:
        with imports_skipped(*_SKOPS_NEEDLESS):
            import skops.io
    except ImportError:
        import skops.io
    return skops.io


def load_tree_bundle(path: Path, level: float | None = None, *, compiled: bool = True) -> TreeBundle:
    """A ``.skops`` file, after its card, sha256, allowlisted types, content and key facts are checked.

    ``compiled=False``: LightGBM's own predictor, no cache looked at (a model to be written again: installed
    compiled trees are no part of it, and no allowlisted type)."""
    card = card_of_kind(path, "an lgbm or rf model")
    from storecast.models.compiled import compile_model, preload

    # The file's sha256 (hashlib works outside the GIL) is computed in a thread while skops is imported, and
    # checked before anything of the file is read; skops then reads that same open file, so what loads is what
    # was hashed even if the name is replaced meanwhile. The compiled cache (bound to that sha256) loads into
    # LLVM in another thread once the hash matched, while skops reads the file; it is installed only after every
    # check below and a probe against the loaded boosters.
    hashed = in_background(open_checked, path, card)
    early = preload(path, str(card["sha256"]), after=hashed) if compiled else None
    with no_collections():
        sio = _skops_io()
    with hashed() as checked:
        model = _read_skops(sio, checked, path, card)
    _check_tree_model(model, path)
    _name_members(model, path)
    # the levels first: an edited level is named against the levels the model calibrated, as in files without a
    # copy of the card's intervals
    served = served_level(getattr(model, "levels_", ()), card, path, level)
    held = getattr(model, "storecast_facts_", None)
    check_facts(card, held if isinstance(held, dict) else None, path)
    # after every check above: compiled code is a cache keyed by the verified sha256, never part of the model
    trees = compile_model(model, model_path=path, model_sha256=str(card["sha256"]), preloaded=early,
                          mode=None if compiled else "off")
    return TreeBundle(kind=str(card["kind"]), path=path, card=card, model=model, level=served, compiled=trees)


def _name_members(model: Any, path: Path) -> None:
    """Give a loaded average of seeds its ``named_estimators_``, built from ``estimators`` and ``estimators_``.

    Files saved since ``_as_written`` have no Bunch; older files' one is rebuilt too (skops loads it as the same
    objects), so a loaded model names its members as fitting named them: a member set to ``"drop"`` (which
    scikit-learn allows; storecast never drops a seed) keeps its name with ``"drop"``, scikit-learn's placeholder.
    Members that do not match their names are refused here, not at the first forecast.
    """
    from sklearn.utils import Bunch

    voting = _average_of_seeds(_fitted_tree(model))
    if voting is None:
        return
    fitted = getattr(voting, "estimators_", None)
    try:  # as VotingRegressor.fit: one fitted member per named estimator that is not "drop", in order
        named = [(name, isinstance(est, str) and est == "drop") for name, est in voting.estimators]
    except (TypeError, ValueError):
        named = None
    names = [name for name, _ in named or ()]
    if (not isinstance(fitted, list) or named is None or sum(not dropped for _, dropped in named) != len(fitted)
            or len(set(names)) != len(names) or not all(isinstance(name, str) for name in names)
            or not all(hasattr(m, "predict") for m in fitted)):
        raise ArtifactError(f"model file {path} holds an average of seeds whose fitted members (`estimators_`) do "
                            "not match its named members (`estimators`): it is damaged or not from `storecast "
                            "train`; retrain it with `storecast train`.")
    members = iter(fitted)
    voting.named_estimators_ = Bunch(**{name: "drop" if dropped else next(members) for name, dropped in named})


def _read_skops(sio: Any, checked: BinaryIO, path: Path, card: dict) -> Any:
    """The object in the checked open file of ``path``, every type audited; an ArtifactError when skops refuses it."""
    from skops.io.exceptions import UntrustedTypesFoundException

    # one pass over the archive: skops audits the whole tree against its defaults plus TRUSTED_TYPES before it
    # constructs anything (the same check as listing `get_untrusted_types` first, at half the reading)
    try:
        with no_collections():
            return sio.load(checked, trusted=list(TRUSTED_TYPES))
    except UntrustedTypesFoundException:
        checked.seek(0)
        refused = sorted(set(sio.get_untrusted_types(data=checked.read())) - set(TRUSTED_TYPES))
        raise ArtifactError(f"model file {path} contains types outside the allowlist: {refused}; it was not "
                            "written by `storecast train`: never load it, retrain instead.") from None
    except Exception as exc:  # skops raises several kinds on a corrupt archive
        advice = unreadable_advice(card, "skops", exc, "it is damaged or not from `storecast train`; retrain it with "
                                   "`storecast train`", retrain="retrain it with `storecast train`")
        raise ArtifactError(f"model file {path} cannot be read as a skops archive ({exc}): {advice}.") from exc
