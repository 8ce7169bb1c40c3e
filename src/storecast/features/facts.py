"""What a fitted preprocessor knows about the stores, as one typed record for the model files and the API.

Why here: the feature steps own their fitted attributes (``StoreAttributes.stores_``/``states_``,
``ScheduleProximity.promo_anchor_``, ``StoreHistory.stats_``); reading them is this package's business, so
the serving code gets ``StoreFacts`` from the loaded bundle and never walks a fitted pipeline itself.
"""

from __future__ import annotations

__all__ = ["StoreFacts", "store_facts"]

from dataclasses import dataclass, field

import numpy as np
from sklearn.pipeline import Pipeline

from storecast.features.history import StoreHistory
from storecast.features.proximity import ScheduleProximity
from storecast.features.store import StoreAttributes

# share of a store's sales days that are Sundays x 7: ~1 when open every day, 0 never
_SUNDAY_SHARE = "hist_open_sundays"
# a store counts as open on Sundays when it sold on at least about half of them
_SUNDAY_OPEN_FROM = 0.5


@dataclass(frozen=True)
class StoreFacts:
    """The stores a model was fitted on and what the API's defaults need about each (empty when unknown)."""

    stores: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))  # sorted ids
    states: dict[int, str] = field(default_factory=dict)
    sunday_open: frozenset[int] = frozenset()
    promo_anchor: int | None = None  # a Monday (days since 1970-01-01) that starts a promo week


def store_facts(prep: Pipeline) -> StoreFacts:
    """The facts of a fitted ``features.build.make_preprocessor()`` (steps found by type, not by name)."""
    stores: np.ndarray | None = None
    states: dict[int, str] = {}
    sunday: frozenset[int] = frozenset()
    anchor: int | None = None
    for _, step in prep.steps:
        if isinstance(step, StoreAttributes) and hasattr(step, "states_"):
            stores = np.sort(np.asarray(step.stores_, dtype=np.int64))
            states = {int(k): str(v) for k, v in zip(step.stores_, step.states_, strict=False)}
        elif isinstance(step, ScheduleProximity) and hasattr(step, "promo_anchor_"):
            anchor = int(step.promo_anchor_)
        elif isinstance(step, StoreHistory) and hasattr(step, "stat_names_"):
            names = [str(n) for n in step.stat_names_]
            if _SUNDAY_SHARE in names:
                col = np.asarray(step.stats_)[:, names.index(_SUNDAY_SHARE)]
                sunday = frozenset(int(st) for st, v in zip(step.stores_, col, strict=False) if v > _SUNDAY_OPEN_FROM)
    return StoreFacts(stores=np.empty(0, dtype=np.int64) if stores is None else stores,
                      states=states, sunday_open=sunday, promo_anchor=anchor)
