"""``predict_frame``: the ONLY inference path (the CLI ``predict`` command and the API call it).

It validates test-shaped rows, asks the bundle for open-day forecasts with intervals and returns one
row per input row in input order, closed days set to 0 (a closed store sells nothing).
"""

from __future__ import annotations

__all__ = ["predict_frame", "OUTPUT_COLUMNS"]

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.data.contract import validate_rows

OUTPUT_COLUMNS = (s.ID, s.STORE, s.DATE, s.SALES, "lower", "upper")


def predict_frame(bundle, rows: pd.DataFrame, *, history: pd.DataFrame | None = None) -> pd.DataFrame:
    """Forecast Sales with prediction intervals for test-shaped rows.

    Parameters
    ----------
    bundle : Bundle
        From ``artifacts.load_bundle``; its ``predict_open`` handles open days.
    rows : DataFrame
        test.csv-shaped rows (Id optional). A missing Open counts as open, the usual case.
    history : DataFrame, optional
        train-shaped past rows for models that need past sales (the LSTM); tree bundles carry their
        store statistics inside the model file and ignore it.

    Returns
    -------
    DataFrame with ``Id`` (when given), Store, Date, Sales, lower, upper in input order.

    Raises
    ------
    DataContractError
        Rows break the contract, or name stores the model has never seen.
    """
    rows = validate_rows(rows)
    n = len(rows)
    open_ = rows[s.OPEN].to_numpy() != 0  # validated: 0/1 integers, a missing Open already read as 1
    sales, lower, upper = np.zeros(n), np.zeros(n), np.zeros(n)
    if open_.any():
        part = rows if open_.all() else rows[open_]
        if history is not None and getattr(bundle, "needs_history", False):
            point, lo, hi = bundle.predict_open(part, history=history)
        else:
            point, lo, hi = bundle.predict_open(part)
        sales[open_], lower[open_], upper[open_] = point, lo, hi
    out = {}
    if s.ID in rows.columns:
        out[s.ID] = rows[s.ID].to_numpy()
    out[s.STORE] = rows[s.STORE].to_numpy()
    out[s.DATE] = rows[s.DATE].to_numpy()
    out[s.SALES], out["lower"], out["upper"] = sales, lower, upper
    return pd.DataFrame(out, index=rows.index)
