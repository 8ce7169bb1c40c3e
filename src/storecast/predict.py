"""``predict_frame``: the ONLY inference path (the CLI ``predict`` command, the API and the Python API call it).

It validates test-shaped rows, asks the bundle for open-day forecasts with intervals and returns one
row per input row in input order, closed days set to 0 (a closed store sells nothing). Rows come as a
DataFrame (files, Python callers) or as ``RequestRows`` (the API and the planner, typed already): both
become ``RequestRows`` once checked, and the model sees that one shape.
"""

from __future__ import annotations

__all__ = ["predict_frame", "OUTPUT_COLUMNS", "model_stores", "unknown_store_rows", "calibrated_through",
           "calibration_days", "fitted_through", "training_start"]

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.data.contract import validate_rows
from storecast.data.request_rows import RequestRows
from storecast.errors import MAX_STORES_LISTED, ContractProblem, DataContractError, first_and_more
from storecast.lookup import sorted_positions

if TYPE_CHECKING:
    from storecast.artifacts.bundle import Bundle

OUTPUT_COLUMNS = (s.ID, s.STORE, s.DATE, s.SALES, "lower", "upper")


def model_stores(bundle: Any) -> np.ndarray | None:
    """Sorted ids of the stores the model was trained with (``Bundle.facts``); None when it does not say.

    Why not store.csv: the fitted store tables hold the stores that had training rows, so a store
    listed in store.csv without any sales history is as unknown to the model as one never listed.
    """
    facts = getattr(bundle, "facts", None)
    stores = getattr(facts, "stores", None)
    return None if stores is None or not len(stores) else np.asarray(stores, dtype=np.int64)


def unknown_store_rows(bundle: Any, stores: np.ndarray) -> np.ndarray:
    """Positions of the rows whose store the model was not trained with; none when the model does not say.

    The one home of the rule: ``predict_frame`` refuses such rows, ``batch.check_known_stores`` names their file
    lines first and the API their JSON fields; each words the problem for its caller, none re-implements the test.
    """
    known = model_stores(bundle)
    if known is None:
        return np.empty(0, dtype=np.intp)
    return np.flatnonzero(~sorted_positions(known, np.asarray(stores, dtype=np.int64))[1])


def _training(bundle: Any, key: str) -> pd.Timestamp | None:
    """The card's ``training.<key>`` date; None when the bundle has no card or the card does not say."""
    value = ((getattr(bundle, "card", None) or {}).get("training") or {}).get(key)
    return pd.Timestamp(value) if value else None


def training_start(bundle: Any) -> pd.Timestamp | None:
    """First day of the model's training data (from its card); None when the card does not say."""
    return _training(bundle, "start")


def fitted_through(bundle: Any) -> pd.Timestamp | None:
    """Last day of the model's training data (from its card): a forecast of that day or earlier is in-sample."""
    return _training(bundle, "end")


def calibrated_through(bundle: Any) -> pd.Timestamp | None:
    """The last day whose interval coverage was measured: the card's training end + the calibration days.

    Why: the intervals are calibrated on 1..N-day-ahead errors (N = 42, `schema.HORIZON_DAYS`, unless the
    model was fitted with another window), so a band for a later day has a coverage nobody measured; callers
    flag such rows instead of presenting them as equally sure.
    """
    end = fitted_through(bundle)
    return None if end is None else end + pd.Timedelta(days=calibration_days(bundle))


def calibration_days(bundle: Any) -> int:
    """Days after the training end the intervals were calibrated for, as the card records them.

    A tree model's card says ``intervals.calibration_days`` (``ConformalRegressor(calibration_days=...)``), the
    LSTM's ``config.horizon`` (it calibrates on the last horizon of its fit days); older cards say neither and
    were all calibrated on `schema.HORIZON_DAYS`.
    """
    card = getattr(bundle, "card", None) or {}
    for section, key in (("intervals", "calibration_days"), ("config", "horizon")):
        value = (card.get(section) or {}).get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return value
    return s.HORIZON_DAYS


def _check_stores(bundle: Any, stores: np.ndarray) -> None:
    """Refuse rows of stores the model was not trained with, in one problem that names each store once."""
    unknown = unknown_store_rows(bundle, stores)
    if not len(unknown):
        return
    ids = np.unique(stores[unknown]).tolist()
    named = first_and_more(ids, MAX_STORES_LISTED)
    raise DataContractError(ContractProblem(
        "rows", f"the model was not trained with store(s) {named} ({len(unknown):,} row(s)): its training "
                "data had no sales rows for them; remove those rows, or add their sales history to train.csv and "
                "retrain", column=s.STORE))


def _closed_at_the_edges(rows: RequestRows, open_: np.ndarray) -> np.ndarray:
    """Mask of the closed rows before the first or after the last open row of their store (in their request).

    Why: a tree model (and an LSTM with the schedule context) reads a store's closures from its rows in the
    request (``features.schedule``), and a closure is a run of days without an open row *between* the store's
    first and last row. Given only the open rows, a request that starts or ends with its store closed (a
    refurbishment, a planner's ``closed_days``) lost that closure: the days after it were forecast as if nothing
    had happened, where the same days after a closure in the training data had their reopening features. Closed
    rows between open ones add nothing (a missing day is a closed day) and are left out.
    """
    from storecast.features.schedule import schedule_ids  # the schedule step's own key: (request, store)

    _, which = np.unique(schedule_ids(rows.store, rows.group), return_inverse=True)
    which = which.ravel()
    days = rows.days
    first = np.full(which.max() + 1, np.iinfo(np.int64).max)
    last = np.full(which.max() + 1, np.iinfo(np.int64).min)
    np.minimum.at(first, which[open_], days[open_])
    np.maximum.at(last, which[open_], days[open_])
    has_open = last[which] >= first[which]
    return ~open_ & has_open & ((days < first[which]) | (days > last[which]))


def predict_frame(bundle: Bundle, rows: pd.DataFrame | RequestRows, *,
                  history: pd.DataFrame | None = None) -> pd.DataFrame:
    """Forecast Sales with prediction intervals for test-shaped rows.

    Parameters
    ----------
    bundle : Bundle
        From ``artifacts.load_bundle``; its ``predict_open`` handles open days.
    rows : DataFrame or RequestRows
        test.csv-shaped rows (Id optional; a missing Open counts as open, the usual case), or the same rows
        column-wise (``RequestRows``: what the API builds from a request). Rows that keep the contract
        skip the DataFrame checks (``RequestRows.in_contract``); any other goes through ``validate_rows``.
    history : DataFrame, optional
        train-shaped past rows for models that need past sales (the LSTM); tree bundles carry their
        store statistics inside the model file and ignore it.

    Returns
    -------
    DataFrame with ``Id`` (when given), Store, Date, Sales, lower, upper in input order.

    Raises
    ------
    DataContractError
        Rows break the contract, or name stores the model was not trained with (each store named once).
    """
    out: dict[str, np.ndarray] = {}
    if isinstance(rows, RequestRows) and rows.in_contract():
        asked, index = rows, None
        out[s.STORE], out[s.DATE] = rows.store.astype(np.int32), rows.dates()
    else:
        frame = validate_rows(rows.frame() if isinstance(rows, RequestRows) else rows)
        asked, index = RequestRows.from_frame(frame), frame.index
        if isinstance(rows, RequestRows) and rows.group is not None:  # same rows, same order: keep the requests apart
            asked = asked.with_group(rows.group)
        if s.ID in frame.columns:
            out[s.ID] = frame[s.ID].to_numpy()
        out[s.STORE], out[s.DATE] = frame[s.STORE].to_numpy(), frame[s.DATE].to_numpy()
    _check_stores(bundle, asked.store)
    n = len(asked)
    open_ = asked.open != 0  # checked: 0/1, a missing Open already read as 1
    sales, lower, upper = np.zeros(n), np.zeros(n), np.zeros(n)
    if open_.any():
        read = open_
        if not open_.all() and getattr(bundle, "reads_closed_rows", False):
            read = open_ | _closed_at_the_edges(asked, open_)
        part = asked if read.all() else asked.take(read)
        if history is not None and bundle.needs_history:
            point, lo, hi = bundle.predict_open(part, history=history)
        else:
            point, lo, hi = bundle.predict_open(part)
        answered = open_[read]  # the closed rows the model read are answered 0 like the others
        sales[open_], lower[open_], upper[open_] = point[answered], lo[answered], hi[answered]
    out[s.SALES], out["lower"], out["upper"] = sales, lower, upper
    return pd.DataFrame(out, index=index, copy=False)  # the arrays are ours: no copy (~20 us a call)
