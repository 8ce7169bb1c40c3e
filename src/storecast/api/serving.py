"""The model as the API serves it: loaded once, with what it knows about stores, and one predict call.

``ServedModel`` wraps a loaded bundle and keeps the facts the routes need, which the bundle carries
(``Bundle.facts``, read from the fitted preprocessor at load): which stores it knows, each store's German
state, whether a store opens on Sundays and the phase of the chain's promo rhythm. The API never reaches
into a fitted pipeline. Predictions always go through
``storecast.predict.predict_frame``, the one inference path.
"""

from __future__ import annotations

__all__ = ["ServedModel", "compile_in_background", "load_served", "resolve_model_path", "served_file"]

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from storecast import schema as s
from storecast.api.body_place import Loc
from storecast.config import Settings
from storecast.data.request_rows import RequestRows
from storecast.dates import day_number, to_days
from storecast.errors import ArtifactError
from storecast.features.facts import StoreFacts

log = logging.getLogger("storecast.api")


@dataclass
class ServedModel:
    """A loaded bundle plus the store facts the routes check requests against."""

    bundle: Any
    facts: StoreFacts
    # The same stores as a set of Python ints: checking a small request against it never leaves the
    # interpreter, while numpy calls may drop the GIL and then wait behind the predict thread.
    store_set: frozenset[int] = field(init=False)
    # File name of the model, as reported in every answer (read once: the path does not change).
    name: str = field(init=False)
    # ``predict.calibrated_through`` of the bundle, read once from its card (every answer reports it):
    # as an ISO date and as days since 1970-01-01; None when the card does not say.
    calibrated_through: str | None = field(init=False)
    calibrated_last_day: int | None = field(init=False)
    # ``predict.training_start``, the same two ways: a day before it is as far outside the data as one past the
    # horizon (``storecast predict`` warns of both)
    training_start: str | None = field(init=False)
    training_first_day: int | None = field(init=False)
    # The thread compiling the trees in the background (``compile_in_background``), None when none was started:
    # `storecast serve` says so on its first lines, before the server's logging is set up.
    compiling: threading.Thread | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        from storecast.predict import calibrated_through, training_start  # lazily, as the inference path is

        self.store_set = frozenset(self.facts.stores.tolist())
        self.name = Path(self.bundle.path).name
        through = calibrated_through(self.bundle)
        self.calibrated_through = None if through is None else through.date().isoformat()
        self.calibrated_last_day = None if through is None else day_number(through.date())
        first = training_start(self.bundle)
        self.training_start = None if first is None else first.date().isoformat()
        self.training_first_day = None if first is None else day_number(first.date())

    def beyond_horizon(self, days: np.ndarray) -> int:
        """How many of ``days`` (days since 1970-01-01) fall after ``calibrated_through``."""
        last = self.calibrated_last_day
        return 0 if last is None else int(np.count_nonzero(days > last))

    def before_training(self, days: np.ndarray) -> int:
        """How many of ``days`` (days since 1970-01-01) fall before ``training_start``."""
        first = self.training_first_day
        return 0 if first is None else int(np.count_nonzero(days < first))

    def horizon(self, days: np.ndarray) -> dict[str, Any]:
        """``calibrated_through`` and ``beyond_horizon``, ``training_start`` and ``before_training`` of an answer:
        which of ``days`` (days since 1970-01-01) lie past the measured horizon or before the training data, so
        their forecasts or bands were never measured there. One home: ``/predict``, ``/forecast``, ``/plan`` and
        ``/plan/rank`` answer the same four fields with the same meaning.
        """
        return {"calibrated_through": self.calibrated_through, "beyond_horizon": self.beyond_horizon(days),
                "training_start": self.training_start, "before_training": self.before_training(days)}

    def unknown_stores(self, stores: Sequence[int]) -> list[int]:
        """Positions of ``stores`` the model was not fitted on (none when the bundle does not say).

        Every store known, the usual case, is answered from ``store_set`` without numpy; anything else
        goes through ``predict.unknown_store_rows``, the rule's one home.
        """
        from storecast.predict import unknown_store_rows

        known = self.store_set
        if known and all(store in known for store in stores):
            return []
        return unknown_store_rows(self.bundle, np.asarray(stores, dtype=np.int64)).tolist()

    def store_problems(self, stores: Sequence[int], loc: Loc = ("rows",)) -> list[tuple[Loc, str, str]]:
        """InputError items naming every row whose store the model does not know; none when it knows them all.

        An unknown store is a 422 at ``rows[i].store`` (``/predict``), or at ``loc`` for a route that asks for one
        store (``("store",)``: ``/forecast``, ``/plan``): the endpoint exists, one field names a value this model
        cannot forecast, and the caller fixes it by removing the row (asking for a known store) or retraining.
        Every route reports these beside its other problems, in one ``InputError``.
        """
        bad = self.unknown_stores(stores)
        if not bad:
            return []
        known = self.facts.stores
        knows = f"this model knows {len(known)} stores ({known[0]}..{known[-1]})"
        if loc == ("rows",):
            hint = f"{knows}; remove the row or serve a model trained with this store"
            return [((*loc, int(i), "store"), f"unknown store {int(stores[i])}: {hint}", "unknown_store")
                    for i in bad]
        # one store asked: "remove the row" named no option of /forecast's or /plan's callers, who have no rows
        store = int(stores[bad[0]])
        return [(loc, f"unknown store {store}: {knows}; ask for one of those or serve a model trained with store "
                      f"{store}", "unknown_store")]

    def predict(self, rows: RequestRows) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(sales, lower, upper) float arrays in row order, through ``predict_frame``."""
        from storecast.predict import predict_frame

        out = predict_frame(self.bundle, rows)
        return (out[s.SALES].to_numpy(dtype=float), out["lower"].to_numpy(dtype=float),
                out["upper"].to_numpy(dtype=float))

    def warm_up(self) -> None:
        """Predict one row (today, the first known store) at start-up: the first request pays no lazy
        initialisation, and a file that loads but cannot forecast never starts serving.

        Raises
        ------
        ArtifactError
            The model's fitted preprocessor knows no store (``Bundle.facts``), or the prediction fails or is
            not one finite number.
        """
        path = Path(self.bundle.path)
        if len(self.facts.stores) == 0:
            raise ArtifactError(f"model file {path} names no store (its fitted preprocessor knows none): "
                                "it is not a storecast model that can be served; retrain with `storecast train`.")
        day = to_days(np.array([np.datetime64("today", "D")]))
        try:
            sales, lower, upper = self.predict(RequestRows(self.facts.stores[:1], day, [1], [0], ["0"], [0]))
        except Exception as exc:  # a model that cannot predict one row must not start serving
            said = " ".join(str(exc).split())
            raise ArtifactError(f"model file {path} loaded but cannot predict ({type(exc).__name__}: {said}).") from exc
        if len(sales) != 1 or not np.isfinite([sales[0], lower[0], upper[0]]).all():
            raise ArtifactError(f"model file {path} loaded but its warm-up forecast is {sales!r}, not one number.")


def resolve_model_path(model_path: str | Path) -> Path:
    """``model_path`` (``--model`` or ``STORECAST_MODEL_PATH``) once it is a model file beside its card.

    Only a named file comes here: without one, ``load_served`` serves the newest tree model that loads
    (``artifacts.files.latest_loaded``), and never an LSTM from a directory (it needs recent history).
    """
    from storecast.artifacts.files import require_model_file

    return require_model_file(Path(model_path), " (STORECAST_MODEL_PATH / --model)")


def load_served(settings: Settings) -> ServedModel:
    """Load the bundle once, read its store facts and predict one warm-up row; errors name the file.

    Without ``settings.model_path``, the newest tree model of ``settings.models_dir`` that loads and forecasts its
    warm-up row (``artifacts.files.latest_loaded``): newer files skipped, by their card, their load or their warm-up,
    are named in a warning.

    Raises
    ------
    ArtifactError
        No model file, or a file that is missing, tampered, truncated, of an unknown kind, not a
        storecast model, an LSTM (it needs history), or one that cannot forecast one row.
    """
    from storecast.artifacts import SERVABLE_KINDS
    from storecast.artifacts.files import latest_loaded

    if settings.model_path is None:  # the newest that serves: a newer file whose card was edited is named and skipped
        served = latest_loaded(settings.models_dir, served_file, kinds=SERVABLE_KINDS)[1]
    else:
        served = served_file(resolve_model_path(settings.model_path))
    log.info("serving %s (%s, %d stores)", served.name, served.bundle.kind, len(served.facts.stores))
    served.compiling = compile_in_background(served.bundle)
    return served


def served_file(path: Path) -> ServedModel:
    """The model file at ``path`` loaded and warmed up (``ServedModel.warm_up``), or an ``ArtifactError``.

    Why one step: a directory's pick skips a file that loads but cannot forecast one row, as it skips one that
    does not load, instead of stopping serve while an older model that serves is there; ``models list --check``
    judges each tree model by it too, so a file it lists is one serve takes.
    """
    from storecast.artifacts import load_bundle

    bundle = load_bundle(path)
    if bundle.needs_history:
        # said by `storecast plan` too (its model loads here): words for both, not for the API alone
        raise ArtifactError(f"model file {path} is an LSTM: it forecasts only the days after its cut, from recent "
                            "history that serve and plan do not take; give them a tree model (`storecast train`), "
                            f"or forecast with `storecast predict --model {path}`.")
    served = ServedModel(bundle=bundle, facts=bundle.facts)
    served.warm_up()
    return served


def compile_in_background(bundle: Any) -> threading.Thread | None:
    """Compile the served trees in a daemon thread when no cache exists (``STORECAST_COMPILE`` unset).

    Why in the background: compiling the default model takes minutes, and a server must answer from its
    first second; LightGBM's predictor serves until the compiled trees are in (the same forecasts to
    1e-9 relative, checked on a probe before the switch). The cache it writes serves every later load of
    the file, by any command. None when there is nothing to do (compiled already, a forest, an LSTM,
    ``STORECAST_COMPILE=0`` or ``=1``, which compiled at load).
    """
    from storecast.models.compiled import compile_mode

    if compile_mode() != "cache" or not getattr(bundle, "can_compile", False):
        return None
    name = Path(bundle.path).name

    def work() -> None:
        started = time.perf_counter()
        if bundle.compile_trees():
            log.info("compiled trees now serve %s (compiled in the background in %.0f s)", name,
                     time.perf_counter() - started)

    log.info("compiling the trees of %s in the background (a few minutes for a full-size model; LightGBM's "
             "predictor serves meanwhile; STORECAST_COMPILE=0 turns this off)", name)
    thread = threading.Thread(target=work, name="storecast-compile", daemon=True)
    thread.start()
    return thread
