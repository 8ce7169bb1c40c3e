"""What a fitted preprocessor knows about the stores, as one typed record for the model files and the API.

Why here: the feature steps own their fitted attributes (``StoreAttributes.stores_``/``states_``,
``ScheduleProximity.promo_anchor_``, ``StoreHistory.stats_``); reading them is this package's business, so
the serving code gets ``StoreFacts`` from the loaded bundle and never walks a fitted pipeline itself.
"""

from __future__ import annotations

__all__ = ["StoreFacts", "store_facts"]

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from storecast import schema as s
from storecast.errors import first_and_more
from storecast.features.history import StoreHistory
from storecast.features.proximity import ScheduleProximity
from storecast.features.store import StoreAttributes, category_codes
from storecast.lookup import sorted_positions

# share of a store's sales days that are Sundays x 7: ~1 when open every day, 0 never
_SUNDAY_SHARE = "hist_open_sundays"
# a store counts as open on Sundays when it sold on at least about half of them
_SUNDAY_OPEN_FROM = 0.5

# The columns of store.csv compared with a model's own (StoreAttributes' fitted arrays): those a user edits.
_TABLE = {s.STORE_TYPE: "store_type_", s.ASSORTMENT: "assortment_", s.COMPETITION_DISTANCE: "competition_distance_"}
_CODES = {s.STORE_TYPE: s.STORE_TYPES, s.ASSORTMENT: s.ASSORTMENTS}


@dataclass(frozen=True)
class StoreFacts:
    """The stores a model was fitted on and what the API's defaults need about each (empty when unknown)."""

    stores: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))  # sorted ids
    states: dict[int, str] = field(default_factory=dict)
    sunday_open: frozenset[int] = frozenset()
    promo_anchor: int | None = None  # a Monday (days since 1970-01-01) that starts a promo week
    # store.csv's facts as the model was fitted on them, one array per column aligned with ``stores`` (StoreType
    # and Assortment as codes; CompetitionDistance with the fit's gaps filled); empty when the model does not say
    table: dict[str, np.ndarray] = field(default_factory=dict)

    def store_file_differences(self, store: pd.DataFrame) -> list[str]:
        """Where a validated store.csv (``data.contract.load_store``) says other than the model was fitted on:
        ``["StoreType of 2 store(s) (3, 17)", ...]``, one item per column; stores only one side knows are left out.

        Why: a tree model carries its store table, so ``storecast predict --data DIR`` never reads DIR/store.csv, and
        an edited or broken file passed unnoticed. A CompetitionDistance left empty is no difference: the model
        filled that gap its own way at fit.
        """
        if not self.table or not len(self.stores):
            return []
        ids = store[s.STORE].to_numpy(dtype=np.int64)
        at, known = sorted_positions(self.stores, ids)
        said = []
        for name, model in self.table.items():
            # coded as StoreAttributes coded the fit's table, so equal facts compare equal
            given = category_codes(store[name], _CODES[name]) if name in _CODES else store[name].to_numpy(dtype=float)
            differ = known & ~np.isnan(given) & (given != model[at])
            if differ.any():
                stores = ids[differ].tolist()
                said.append(f"{name} of {len(stores)} store(s) ({first_and_more(stores, 5)})")
        return said


def store_facts(prep: Pipeline) -> StoreFacts:
    """The facts of a fitted ``features.build.make_preprocessor()`` (steps found by type, not by name)."""
    stores: np.ndarray | None = None
    states: dict[int, str] = {}
    sunday: frozenset[int] = frozenset()
    anchor: int | None = None
    table: dict[str, np.ndarray] = {}
    for _, step in prep.steps:
        if isinstance(step, StoreAttributes) and hasattr(step, "states_"):
            stores = np.asarray(step.stores_, dtype=np.int64)  # fitted sorted (its transform looks up by it)
            states = {int(k): str(v) for k, v in zip(step.stores_, step.states_, strict=False)}
            table = {name: np.asarray(getattr(step, attr), dtype=float) for name, attr in _TABLE.items()}
        elif isinstance(step, ScheduleProximity) and hasattr(step, "promo_anchor_"):
            anchor = int(step.promo_anchor_)
        elif isinstance(step, StoreHistory) and hasattr(step, "stat_names_"):
            names = [str(n) for n in step.stat_names_]
            if _SUNDAY_SHARE in names:
                col = np.asarray(step.stats_)[:, names.index(_SUNDAY_SHARE)]
                sunday = frozenset(int(st) for st, v in zip(step.stores_, col, strict=False) if v > _SUNDAY_OPEN_FROM)
    return StoreFacts(stores=np.empty(0, dtype=np.int64) if stores is None else stores,
                      states=states, sunday_open=sunday, promo_anchor=anchor, table=table)
