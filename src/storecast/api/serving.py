"""The model as the API serves it: loaded once, with what it knows about stores, and one predict call.

``ServedModel`` wraps a loaded bundle and reads, once at start-up, the facts the routes need that the
fitted pipeline already holds: which stores it knows, each store's German state, whether a store opens
on Sundays and the phase of the chain's promo rhythm. Predictions always go through
``storecast.predict.predict_frame``, the one inference path.
"""

from __future__ import annotations

__all__ = ["ServedModel", "StoreFacts", "load_served", "rows_frame", "resolve_model_path"]

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from storecast import schema as s
from storecast.api.errors import InputError, Loc
from storecast.config import Settings
from storecast.errors import ArtifactError

log = logging.getLogger("storecast.api")

_HOLIDAY_CODES = list(s.STATE_HOLIDAY_CODES)
_CODE_INDEX = {c: i for i, c in enumerate(_HOLIDAY_CODES)}


@dataclass(frozen=True)
class StoreFacts:
    """What the fitted model knows about the stores (empty when the bundle does not say)."""

    stores: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))  # sorted ids
    states: dict[int, str] = field(default_factory=dict)
    sunday_open: frozenset[int] = frozenset()
    promo_anchor: int | None = None  # a Monday (days since 1970-01-01) that starts a promo week


def _store_facts(bundle: Any) -> StoreFacts:
    """Read the store facts from the fitted pipeline's steps, else from the card."""
    stores = states = sunday = anchor = None
    from storecast.predict import nested_estimators

    for est in nested_estimators(bundle):
        if stores is None and hasattr(est, "states_") and hasattr(est, "stores_"):
            stores = np.asarray(est.stores_, dtype=np.int64)
            states = {int(k): str(v) for k, v in zip(est.stores_, est.states_, strict=False)}
        if anchor is None and hasattr(est, "promo_anchor_"):
            anchor = int(est.promo_anchor_)
        if sunday is None and hasattr(est, "stat_names_") and hasattr(est, "stats_"):
            names = [str(n) for n in est.stat_names_]
            if "hist_open_sundays" in names:
                col = np.asarray(est.stats_)[:, names.index("hist_open_sundays")]
                # share of a store's sales days that are Sundays x 7: ~1 when open every day, 0 never
                sunday = frozenset(int(st) for st, v in zip(est.stores_, col, strict=False) if v > 0.5)
    card = getattr(bundle, "card", {}) or {}
    if stores is None and isinstance(card.get("stores"), list):
        stores = np.asarray(sorted(int(x) for x in card["stores"]), dtype=np.int64)
    return StoreFacts(
        stores=np.empty(0, dtype=np.int64) if stores is None else np.sort(stores),
        states=states or {}, sunday_open=sunday or frozenset(), promo_anchor=anchor,
    )


def rows_frame(store: ArrayLike, days: ArrayLike, open_: ArrayLike, promo: ArrayLike,
               state_holiday: Sequence[str], school_holiday: ArrayLike) -> pd.DataFrame:
    """Build test-shaped rows column-wise (dtypes of ``data.contract.load_test``, without Id).

    ``days`` are int64 days since 1970-01-01; the day of week (1 = Monday) is derived from them.
    """
    days = np.asarray(days, dtype=np.int64)
    codes = np.fromiter((_CODE_INDEX[c] for c in state_holiday), dtype=np.int8, count=len(days))
    return pd.DataFrame({
        s.STORE: np.asarray(store, dtype=np.int32),
        s.DAY_OF_WEEK: ((days + 3) % 7 + 1).astype(np.int8),
        s.DATE: days.astype("datetime64[D]").astype("datetime64[us]"),
        s.OPEN: np.asarray(open_, dtype=np.int8),
        s.PROMO: np.asarray(promo, dtype=np.int8),
        s.STATE_HOLIDAY: pd.Categorical.from_codes(codes, categories=_HOLIDAY_CODES),
        s.SCHOOL_HOLIDAY: np.asarray(school_holiday, dtype=np.int8),
    })


@dataclass
class ServedModel:
    """A loaded bundle plus the store facts the routes check requests against."""

    bundle: Any
    facts: StoreFacts
    # The same stores as a set of Python ints: checking a small request against it never leaves the
    # interpreter, while numpy calls may drop the GIL and then wait behind the predict thread.
    store_set: frozenset[int] = field(init=False)

    def __post_init__(self) -> None:
        self.store_set = frozenset(self.facts.stores.tolist())

    @property
    def name(self) -> str:
        """File name of the model, as reported in every answer."""
        return Path(self.bundle.path).name

    def unknown_stores(self, stores: Sequence[int]) -> list[int]:
        """Positions of ``stores`` the model was not fitted on (none when the bundle does not say)."""
        known = self.store_set
        if not known:
            return []
        return [i for i, st in enumerate(stores) if st not in known]

    def check_stores(self, stores: Sequence[int], loc: tuple[str | int, ...] = ("rows",)) -> None:
        """Raise InputError naming every row whose store the model does not know.

        An unknown store is a 422 at ``rows[i].store``: the endpoint exists, one field names a value
        this model cannot forecast, and the caller fixes it by removing the row or retraining.
        """
        bad = self.unknown_stores(stores)
        if not bad:
            return
        known = self.facts.stores
        hint = (f"this model knows {len(known)} stores ({known[0]}..{known[-1]}); "
                "remove the row or serve a model trained with this store")
        problems: list[tuple[Loc, str, str]]
        if loc == ("rows",):
            problems = [((*loc, int(i), "store"), f"unknown store {int(stores[i])}: {hint}", "unknown_store")
                        for i in bad[:50]]
        else:
            problems = [(loc, f"unknown store {int(stores[bad[0]])}: {hint}", "unknown_store")]
        raise InputError(problems)

    def predict(self, rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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
            Neither the model nor its card names a store, or the prediction fails.
        """
        path = Path(self.bundle.path)
        if len(self.facts.stores) == 0:
            raise ArtifactError(f"model file {path} names no store (neither the fitted model nor its card): "
                                "it is not a storecast model that can be served; retrain with `storecast train`.")
        day = np.array([(np.datetime64("today", "D") - np.datetime64("1970-01-01", "D")).astype(int)])
        try:
            sales, lower, upper = self.predict(rows_frame(self.facts.stores[:1], day, [1], [0], ["0"], [0]))
        except Exception as exc:  # a model that cannot predict one row must not start serving
            said = " ".join(str(exc).split())
            raise ArtifactError(f"model file {path} loaded but cannot predict ({type(exc).__name__}: {said}).") from exc
        if len(sales) != 1 or not np.isfinite([sales[0], lower[0], upper[0]]).all():
            raise ArtifactError(f"model file {path} loaded but its warm-up forecast is {sales!r}, not one number.")


def resolve_model_path(settings: Settings) -> Path:
    """``settings.model_path`` when set, else the newest complete tree model in ``settings.models_dir``.

    The LSTM is never picked from a directory (it needs recent history); serve one with ``--model``.
    """
    from storecast.artifacts import SERVABLE_KINDS, latest_model

    if settings.model_path is not None:
        path = Path(settings.model_path)
        if not path.is_file():
            raise ArtifactError(f"model file {path} not found (STORECAST_MODEL_PATH / --model).")
        return path
    return latest_model(settings.models_dir, kinds=SERVABLE_KINDS)


def load_served(settings: Settings) -> ServedModel:
    """Load the bundle once, read its store facts and predict one warm-up row; errors name the file.

    Raises
    ------
    ArtifactError
        No model file, or a file that is missing, tampered, truncated, of an unknown kind, not a
        storecast model, an LSTM (it needs history), or one that cannot forecast one row.
    """
    from storecast.artifacts import load_bundle

    path = resolve_model_path(settings)
    bundle = load_bundle(path)
    if getattr(bundle, "needs_history", False):
        raise ArtifactError(f"model file {path} is an LSTM: it forecasts only the days after its cut, from recent "
                            "history the API does not take; serve a tree model (`storecast train`) or forecast "
                            f"with `storecast predict --model {path}`.")
    served = ServedModel(bundle=bundle, facts=_store_facts(bundle))
    served.warm_up()
    log.info("serving %s (%s, %d stores)", served.name, bundle.kind, len(served.facts.stores))
    return served
