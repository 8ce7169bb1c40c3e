"""The rows of a request, column-wise: the one typed shape from a route to the model.

Why one shape: a route validates its JSON once (pydantic), then the rows travel as ``RequestRows`` through
the micro-batcher (which merges requests by concatenating columns) to ``frame()``, the test-shaped
DataFrame that ``storecast.predict.predict_frame`` takes. No positional tuples, no second conversion.
"""

from __future__ import annotations

__all__ = ["RequestRows"]

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from storecast import schema as s
from storecast.dates import EPOCH_ORDINAL, from_days, iso_weekday

if TYPE_CHECKING:
    from storecast.api.schemas import PredictRow

_HOLIDAY_CODES = list(s.STATE_HOLIDAY_CODES)
_CODE_INDEX = {c: i for i, c in enumerate(_HOLIDAY_CODES)}


@dataclass(frozen=True, init=False)
class RequestRows:
    """Rows to forecast: store ids, days since 1970-01-01, Open, Promo, StateHoliday codes, SchoolHoliday."""

    store: np.ndarray  # int64
    days: np.ndarray  # int64 days since 1970-01-01; the day of week is derived from them
    open: np.ndarray  # int8 0/1
    promo: np.ndarray  # int8 0/1
    state_holiday: list[str]  # "0", "a", "b", "c"
    school_holiday: np.ndarray  # int8 0/1

    def __init__(self, store: ArrayLike, days: ArrayLike, open: ArrayLike, promo: ArrayLike,
                 state_holiday: Sequence[str], school_holiday: ArrayLike) -> None:
        set_ = object.__setattr__  # frozen: the columns are fixed once built
        set_(self, "store", np.asarray(store, dtype=np.int64))
        set_(self, "days", np.asarray(days, dtype=np.int64))
        set_(self, "open", np.asarray(open, dtype=np.int8))
        set_(self, "promo", np.asarray(promo, dtype=np.int8))
        set_(self, "state_holiday", list(state_holiday))
        set_(self, "school_holiday", np.asarray(school_holiday, dtype=np.int8))

    def __len__(self) -> int:
        return len(self.store)

    @classmethod
    def from_request(cls, rows: Sequence[PredictRow]) -> RequestRows:
        """The validated rows of a ``POST /predict`` body."""
        n = len(rows)
        return cls(
            np.fromiter((r.store for r in rows), dtype=np.int64, count=n),
            np.fromiter((r.date.toordinal() for r in rows), dtype=np.int64, count=n) - EPOCH_ORDINAL,
            np.fromiter((r.open for r in rows), dtype=np.int8, count=n),
            np.fromiter((r.promo for r in rows), dtype=np.int8, count=n),
            [r.state_holiday for r in rows],
            np.fromiter((r.school_holiday for r in rows), dtype=np.int8, count=n),
        )

    @classmethod
    def concat(cls, parts: Sequence[RequestRows]) -> RequestRows:
        """Several requests' rows as one, in order (the micro-batcher's merge)."""
        if len(parts) == 1:
            return parts[0]
        codes: list[str] = []
        for p in parts:
            codes.extend(p.state_holiday)
        return cls(np.concatenate([p.store for p in parts]), np.concatenate([p.days for p in parts]),
                   np.concatenate([p.open for p in parts]), np.concatenate([p.promo for p in parts]), codes,
                   np.concatenate([p.school_holiday for p in parts]))

    def frame(self) -> pd.DataFrame:
        """Test-shaped rows (the dtypes of ``data.contract.load_test``, without Id) for ``predict_frame``."""
        codes = np.fromiter((_CODE_INDEX[c] for c in self.state_holiday), dtype=np.int8, count=len(self))
        return pd.DataFrame({
            s.STORE: self.store.astype(np.int32),
            s.DAY_OF_WEEK: iso_weekday(self.days).astype(np.int8),
            s.DATE: from_days(self.days).astype("datetime64[us]"),
            s.OPEN: self.open,
            s.PROMO: self.promo,
            s.STATE_HOLIDAY: pd.Categorical.from_codes(codes, categories=_HOLIDAY_CODES),
            s.SCHOOL_HOLIDAY: self.school_holiday,
        })
