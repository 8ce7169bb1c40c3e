"""Static store attributes, remembered at fit, and the store x date features built from them.

The fitted step keeps one row per store (type, assortment, competition, Promo2, German state) as numpy
arrays, so inference needs only test-shaped rows and a store lookup is a binary search, not a merge.
"""

from __future__ import annotations

__all__ = ["StoreAttributes", "STORE_FEATURES", "category_codes"]

import numpy as np
import pandas as pd
from sklearn.base import clone

from storecast import schema as s
from storecast.clean.missing import StoreContextImputer
from storecast.dates import iso_week_monday, to_days
from storecast.errors import MAX_STORES_LISTED, ContractProblem, DataContractError, first_and_more
from storecast.features._base import AddColumnsTransformer
from storecast.features.calendar import date_parts
from storecast.lookup import sorted_positions

STORE_FEATURES = (
    "store_type", "assortment", "competition_distance", "competition_months",
    "promo2", "promo2_weeks", "promo2_month", "promo2_month_pos", "state_code",
)
# Ages are clipped: beyond 20 years of competition or 10 years of Promo2 a store is "long established" and
# the trees gain nothing from the exact age; -1 stands for every date before the start.
_MAX_COMPETITION_MONTHS = 240
_MAX_PROMO2_WEEKS = 520
_STATIC = (
    s.STORE_TYPE, s.ASSORTMENT, s.COMPETITION_DISTANCE, s.COMPETITION_OPEN_SINCE_MONTH,
    s.COMPETITION_OPEN_SINCE_YEAR, s.PROMO2, s.PROMO2_SINCE_WEEK, s.PROMO2_SINCE_YEAR,
    s.PROMO_INTERVAL,
)


def _default_imputer() -> StoreContextImputer:
    """The context-aware imputer of the store table; no indicator columns (the feature matrix does not select them)."""
    return StoreContextImputer(add_indicators=False)


def category_codes(values: pd.Series, categories: tuple[str, ...]) -> np.ndarray:
    """Each value's position in ``categories`` as float (NaN for any other value): the trees' numeric code."""
    lookup = {c: float(i) for i, c in enumerate(categories)}
    return values.astype(object).map(lookup).to_numpy(dtype=float)


class StoreAttributes(AddColumnsTransformer):
    """Remember the store table at fit; add static and store x date features at transform.

    Parameters
    ----------
    imputer : transformer, "auto" or None, default="auto"
        Applied to the one-row-per-store table at fit to fill CompetitionDistance / *Since* gaps.
        "auto" uses ``storecast.clean.missing.StoreContextImputer`` (the shared cleaning rule, so
        training and serving fill the same way); None keeps NaN (the trees route missing values).

    Attributes
    ----------
    stores_ : ndarray of int64, sorted ids of the stores in the fit rows (not every store of store.csv).
    states_ : ndarray of str, the German state of each store ("" when unknown).
    """

    def __init__(self, *, imputer="auto"):
        self.imputer = imputer

    def fit(self, X: pd.DataFrame, y=None) -> StoreAttributes:
        """Take the static store columns of the merged fit rows (one row per store)."""
        X = self._check_frame(X, (s.STORE, s.DATE))
        self._remember_input(X)
        cols = [c for c in (s.STORE, *_STATIC, s.STATE) if c in X]
        table = (pd.DataFrame({c: X[c] for c in cols}).drop_duplicates(s.STORE)
                 .sort_values(s.STORE).reset_index(drop=True))
        imputer = _default_imputer() if self.imputer == "auto" else self.imputer
        if imputer is not None:
            self.imputer_ = clone(imputer).fit(table)
            table = self.imputer_.transform(table)
        self.stores_ = table[s.STORE].to_numpy(dtype=np.int64)
        n = len(table)

        def col(name: str) -> np.ndarray:
            if name not in table.columns:
                return np.full(n, np.nan)
            return pd.to_numeric(table[name], errors="coerce").to_numpy(dtype=float)

        def coded(name: str, categories: tuple[str, ...]) -> np.ndarray:
            return category_codes(table[name], categories) if name in table.columns else np.full(n, np.nan)

        self.store_type_ = coded(s.STORE_TYPE, s.STORE_TYPES)
        self.assortment_ = coded(s.ASSORTMENT, s.ASSORTMENTS)
        self.competition_distance_ = col(s.COMPETITION_DISTANCE)
        year, month = col(s.COMPETITION_OPEN_SINCE_YEAR), col(s.COMPETITION_OPEN_SINCE_MONTH)
        self.competition_month_index_ = year * 12 + (month - 1)  # months since year 0, NaN unknown
        self.promo2_ = col(s.PROMO2)
        self.promo2_start_ = iso_week_monday(col(s.PROMO2_SINCE_YEAR), col(s.PROMO2_SINCE_WEEK))
        months = np.zeros((n, 12), dtype=np.int8)
        if s.PROMO_INTERVAL in table.columns:
            for i, interval in enumerate(table[s.PROMO_INTERVAL].astype(object)):
                if isinstance(interval, str):
                    for m in interval.split(","):
                        if m.strip() in s.PROMO_INTERVAL_MONTHS:
                            months[i, s.PROMO_INTERVAL_MONTHS.index(m.strip())] = 1
        self.promo2_months_ = months
        states = (table[s.STATE].fillna("").astype(str).to_numpy()
                  if s.STATE in table.columns else np.full(n, "", dtype=object))
        self.states_ = np.asarray(states, dtype=str)
        self.state_names_ = np.asarray(sorted(set(self.states_)), dtype=str)
        self.state_codes_ = np.searchsorted(self.state_names_, self.states_).astype(float)
        return self

    def positions(self, stores: pd.Series | np.ndarray) -> np.ndarray:
        """Row index into the fitted store arrays; raise DataContractError naming unknown stores."""
        ids = np.asarray(stores, dtype=np.int64)
        pos, found = sorted_positions(self.stores_, ids)
        bad = ~found
        if bad.any():
            unknown = np.unique(ids[bad]).tolist()
            raise DataContractError(ContractProblem(
                "rows", f"unknown store(s) {first_and_more(unknown, MAX_STORES_LISTED)}: the model was fitted on "
                f"{len(self.stores_)} stores, those with rows in its training data (a store listed in store.csv "
                "without them is unknown too); predict only for those, or retrain with the store's sales history",
                column=s.STORE))
        return pos

    def _added_names(self) -> list[str]:
        return [*STORE_FEATURES, s.STATE]

    def _features(self, X: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        pos = self.positions(X[s.STORE])
        days = to_days(X[s.DATE])
        parts = date_parts(days)
        month_index = parts["year"] * 12 + (parts["month"] - 1)
        comp_months = month_index - self.competition_month_index_[pos]
        promo2 = self.promo2_[pos]
        start = self.promo2_start_[pos]
        weeks = np.where(promo2 == 1, (days - start) / 7.0, np.nan)
        active = (promo2 == 1) & ~np.isnan(start) & (days >= np.nan_to_num(start, nan=np.inf))
        in_month = self.promo2_months_[pos, parts["month"] - 1] == 1
        # months since the last Promo2 relaunch month (0 = the relaunch month itself), -1 when inactive
        mpos = np.full(len(pos), -1.0)
        for lag in range(2, -1, -1):
            m = (parts["month"] - 1 - lag) % 12
            hit = active & (self.promo2_months_[pos, m] == 1)
            mpos[hit] = lag
        return {
            "store_type": self.store_type_[pos],
            "assortment": self.assortment_[pos],
            "competition_distance": self.competition_distance_[pos],
            "competition_months": np.clip(comp_months, -1, _MAX_COMPETITION_MONTHS),
            "promo2": promo2,
            "promo2_weeks": np.clip(weeks, -1, _MAX_PROMO2_WEEKS),
            "promo2_month": (active & in_month).astype(float),
            "promo2_month_pos": mpos,
            "state_code": self.state_codes_[pos],
            s.STATE: self.states_[pos],
        }
