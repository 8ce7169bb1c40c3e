"""Facts of store.csv that are each valid but contradict Promo2: read as the features read them, with a warning.

Why warnings, not errors: such a file trains and forecasts, and Kaggle's own file never has them. But the
features read Promo2SinceWeek, Promo2SinceYear and PromoInterval only when Promo2 = 1, so a Promo2 = 0 store's
values were dropped without a word; and for a Promo2 = 1 store without them the forecast counts no Promo2
round (no start) or no Promo2 month (no PromoInterval), as if the store had no Promo2.
"""

from __future__ import annotations

__all__ = ["warn_promo2_facts"]

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from storecast import schema as s

log = logging.getLogger("storecast.data.contract")  # one logger for every warning of the file contract

_FACTS = (s.PROMO2_SINCE_WEEK, s.PROMO2_SINCE_YEAR, s.PROMO_INTERVAL)


def warn_promo2_facts(store: pd.DataFrame, path: Path, *, place: str = "line") -> None:
    """Warn of Promo2 = 0 stores that give a Promo2 fact and of Promo2 = 1 stores that lack one.

    ``store`` is the validated frame, indexed so that ``index + 2`` is the CSV line (or the parquet row:
    ``place="row"``).
    """
    given = store[list(_FACTS)].notna().to_numpy()
    promo2 = store[s.PROMO2].to_numpy() == 1
    stray = ~promo2 & given.any(axis=1)
    lacking = promo2 & ~given.all(axis=1)
    if stray.any():
        i = int(np.flatnonzero(stray)[0])
        log.warning("%s: %d store(s) have Promo2 = 0 but give %s (first: Store %s, %s %d); the forecast reads "
                    "them only when Promo2 = 1, so they are ignored: set Promo2 = 1 if the store takes part, else "
                    "leave them empty", path, int(stray.sum()), _named(given[i]), store[s.STORE].iat[i], place,
                    int(store.index[i]) + 2)
    if lacking.any():
        i = int(np.flatnonzero(lacking)[0])
        log.warning("%s: %d store(s) have Promo2 = 1 but no %s (first: Store %s, %s %d); without a start the "
                    "forecast never counts Promo2 as running, without a PromoInterval no month as a Promo2 month: "
                    "fill them in, or set Promo2 = 0", path, int(lacking.sum()), _named(~given[i]),
                    store[s.STORE].iat[i], place, int(store.index[i]) + 2)


def _named(mask: np.ndarray) -> str:
    return " and ".join(col for col, on in zip(_FACTS, mask, strict=True) if on)
