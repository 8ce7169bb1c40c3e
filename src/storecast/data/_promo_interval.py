"""store.csv's PromoInterval as people write it: Kaggle's three spellings, whatever the spaces, case or "Sep".

Why: a store table edited by hand or saved from a spreadsheet says " Jan,Apr,Jul,Oct", "jan,apr,jul,oct",
"Jan, Apr, Jul, Oct" or "Mar,Jun,Sep,Dec": the same months as one of Kaggle's values, without doubt. Stopping
a run over it helps nobody, so the contract reads such a cell as Kaggle's spelling and says so once
(``load_store``); the file itself is never changed. Only the writing may differ: the months and their order
must be one of ``schema.PROMO_INTERVALS``, so "Jan,Feb", "Apr,Jan,Jul,Oct", "Jan;Apr;Jul;Oct" or a cell of
spaces are still refused by the value rules, with the file, line and column.
"""

from __future__ import annotations

__all__ = ["canonical_promo_intervals"]

import numpy as np
import pandas as pd

from storecast import schema as s

_ALIASES = {"sep": "sept"}  # Kaggle writes September "Sept", the other months in three letters


def _months(text: str) -> tuple[str, ...]:
    """The month tokens of a cell, stripped and in lower case, with "sep" read as Kaggle's "sept"."""
    tokens = (part.strip().lower() for part in text.split(","))
    return tuple(_ALIASES.get(t, t) for t in tokens)


_KAGGLE = {_months(v): v for v in s.PROMO_INTERVALS}


def canonical_promo_intervals(text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """``text`` with each other writing of a Kaggle value replaced by Kaggle's spelling, and the cells replaced.

    Cells that already are Kaggle's spelling, empty cells and cells naming other months are left as they are
    (the value rules then refuse the last). Looked up once per distinct value: store.csv repeats three.
    """
    respelled = {}
    for value in text.dropna().unique().tolist():
        if isinstance(value, str) and value not in s.PROMO_INTERVALS:
            kaggle = _KAGGLE.get(_months(value))
            if kaggle is not None:
                respelled[value] = kaggle
    if not respelled:
        return text, np.zeros(len(text), dtype=bool)
    changed = text.isin(list(respelled)).to_numpy()
    return text.replace(respelled), changed
