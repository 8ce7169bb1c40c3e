"""The store's own schedule as context: days until its next closure of 3+ days, days since it reopened.

Why: a store closed for a week (a refurbishment) sells far from its usual level on the days around the
closure: clearance before, a reopening rush after. Nothing in a row itself says so; the store's other
rows do. So this step, unlike the others, reads the rows of the *same store* in the input, and never
those of other stores: a row's forecast depends on its own store's schedule in the request, not on the
row order and not on which other stores are asked about.

What counts as closed, the same at fit and at forecast time: between a store's first and last row in
the input, every day without an open row (a row with ``Open = 0``, or no row at all: training rows are
the open days, and a forecast request that skips days says nothing else). A run of 3 to
``max_closure`` closed days is a closure; longer runs are read as a gap in the data (e.g. the 180
Rossmann stores missing from July to December 2014), not an event. A store with no closure in reach
gets "no known event": ``cap`` days away, length 0, the same as a lone row or a store whose
neighbouring days are not in the input.

An input column ``schema.SCHEDULE_GROUP`` (the API's merged requests) splits a store's rows further:
each (group, store) is its own schedule, as if each group were a separate input.

Fit rows are the sales days (open, Sales > 0), not the store's whole schedule: read from them alone, an open
day with Sales 0 was a closed day and a closure at the fit period's first or last days was lost, where
serving reads the days a planner sends, open and closed. So ``with_schedule`` gives the fit rows the
features read from every row of their period, and this step keeps features that rows arrive with (all
four columns): the rows carry their schedule, as a request's rows carry theirs. A request never does
(``RequestRows`` has fixed columns), and re-reading rows that went through the step gives them back.
"""

from __future__ import annotations

__all__ = ["StoreSchedule", "SCHEDULE_FEATURES", "closure_runs", "schedule_features", "schedule_ids", "schedule_step",
           "with_schedule"]

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.dates import to_days
from storecast.features._base import AddColumnsTransformer, numeric

SCHEDULE_FEATURES = ("closure_ahead_days", "closure_ahead_len", "reopened_days", "reopened_after_len")
_MIN_CLOSURE = 3  # a Sunday plus a public holiday is two days; three closed days in a row is an event


def closure_runs(store: np.ndarray, days: np.ndarray, open_: np.ndarray,
                 max_closure: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Closures of 3..``max_closure`` days as (store code, first day, last day), sorted by store then day.

    ``store`` holds integer store codes, ``days`` days since epoch and ``open_`` whether the row is
    open; closed days are the days of a store's span [first row, last row] without an open row.
    """
    if len(days) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    order = np.lexsort((days, store))
    store, days, open_ = store[order], days[order], open_[order]
    first = np.r_[True, store[1:] != store[:-1]]
    last = np.r_[store[1:] != store[:-1], True]
    span_lo = dict(zip(store[first].tolist(), days[first].tolist(), strict=True))
    span_hi = dict(zip(store[last].tolist(), days[last].tolist(), strict=True))
    o_store, o_day = store[open_], days[open_]
    keep = np.ones(len(o_store), dtype=bool)  # not np.r_[True, ...]: one too many for an input without open rows
    keep[1:] = (o_store[1:] != o_store[:-1]) | (o_day[1:] != o_day[:-1])  # repeated days
    o_store, o_day = o_store[keep], o_day[keep]
    runs_store, runs_lo, runs_hi = [], [], []
    # between two open days of the same store
    same = o_store[1:] == o_store[:-1]
    runs_store.append(o_store[1:][same])
    runs_lo.append(o_day[:-1][same] + 1)
    runs_hi.append(o_day[1:][same] - 1)
    # before a store's first open day and after its last one (explicit Open = 0 rows at the span's ends)
    if len(o_store):
        head = np.r_[True, o_store[1:] != o_store[:-1]]
        tail = np.r_[o_store[1:] != o_store[:-1], True]
        lo = np.array([span_lo[c] for c in o_store[head].tolist()], dtype=np.int64)
        hi = np.array([span_hi[c] for c in o_store[tail].tolist()], dtype=np.int64)
        runs_store += [o_store[head], o_store[tail]]
        runs_lo += [lo, o_day[tail] + 1]
        runs_hi += [o_day[head] - 1, hi]
    # stores without any open row: their whole span is closed
    shut = np.setdiff1d(store[first], o_store)
    runs_store.append(shut)
    runs_lo.append(np.array([span_lo[c] for c in shut.tolist()], dtype=np.int64))
    runs_hi.append(np.array([span_hi[c] for c in shut.tolist()], dtype=np.int64))
    r_store, r_lo, r_hi = (np.concatenate(parts).astype(np.int64) for parts in (runs_store, runs_lo, runs_hi))
    length = r_hi - r_lo + 1
    event = (length >= _MIN_CLOSURE) & (length <= int(max_closure))
    r_store, r_lo, r_hi = r_store[event], r_lo[event], r_hi[event]
    order = np.lexsort((r_lo, r_store))
    return r_store[order], r_lo[order], r_hi[order]


class StoreSchedule(AddColumnsTransformer):
    """Add the distance to the store's next closure and from its last reopening, from its rows in the input.

    Parameters
    ----------
    cap : int, default=30
        Distances are capped here, and a store with no closure in reach gets ``cap`` ("no known event").
    max_closure : int, default=100
        Longer runs of closed days are read as missing data, not as a closure.

    Features
    --------
    closure_ahead_days : days until the first day of the next closure (1 = tomorrow), capped.
    closure_ahead_len : that closure's length in days (capped at ``cap``), 0 when none.
    reopened_days : days since the last day of the previous closure (1 = first day open again), capped.
    reopened_after_len : that closure's length (capped at ``cap``), 0 when none.
    """

    def __init__(self, *, cap: int = 30, max_closure: int = 100):
        self.cap = cap
        self.max_closure = max_closure

    def fit(self, X: pd.DataFrame, y=None) -> StoreSchedule:
        """Check the parameters and the columns (nothing is learned: the context is the input's own)."""
        X = self._check_frame(X, (s.STORE, s.DATE))
        if int(self.cap) < 1 or int(self.max_closure) < _MIN_CLOSURE:
            raise ValueError(f"`cap` must be >= 1 and `max_closure` >= {_MIN_CLOSURE}; "
                             f"got {self.cap}, {self.max_closure}.")
        self._remember_input(X)
        return self

    def _added_names(self) -> list[str]:
        return list(SCHEDULE_FEATURES)

    def _features(self, X: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        if all(name in X for name in SCHEDULE_FEATURES):  # read from a wider schedule: ``with_schedule``
            return {name: np.asarray(X[name], dtype=float) for name in SCHEDULE_FEATURES}
        ids = schedule_ids(X[s.STORE], X.get(s.SCHEDULE_GROUP))
        # NaN (unknown) counts as open, as predict_frame treats it
        return schedule_features(ids, to_days(X[s.DATE]), numeric(X, s.OPEN) != 0, int(self.cap),
                                 int(self.max_closure))


def schedule_ids(store: np.ndarray, group: np.ndarray | None = None) -> np.ndarray:
    """One id per schedule: the store, or (request, store) for the rows of merged requests (``group``)."""
    ids = np.asarray(store)
    if group is None or not len(ids):
        return ids
    ids = ids.astype(np.int64)
    return np.asarray(group, dtype=np.int64) * (int(ids.max()) + 1) + ids


def schedule_features(ids: np.ndarray, days: np.ndarray, open_: np.ndarray, cap: int = 30,
                      max_closure: int = 100) -> dict[str, np.ndarray]:
    """`SCHEDULE_FEATURES` of rows given as schedule ids (a store, or a store within one request), days
    since epoch and open flags: the one implementation the trees' step and the LSTM's decoder share."""
    n = len(days)
    out = {"closure_ahead_days": np.full(n, float(cap)), "closure_ahead_len": np.zeros(n),
           "reopened_days": np.full(n, float(cap)), "reopened_after_len": np.zeros(n)}
    if n < 2:
        # a lone row spans one day. Not n < 3: two open rows a week apart enclose a closure, and a shortcut
        # taken on the request's size gave a store's two rows other features once another store joined them
        return out
    store = pd.factorize(np.asarray(ids))[0].astype(np.int64)
    r_store, r_lo, r_hi = closure_runs(store, days, np.asarray(open_, dtype=bool), int(max_closure))
    if len(r_store) == 0:
        return out
    length = np.minimum(r_hi - r_lo + 1, cap).astype(float)
    # one sorted key per (store, day) so one searchsorted finds each row's neighbours in its store
    base = int(min(days.min(), r_lo.min())) - 1
    width = int(max(days.max(), r_hi.max())) - base + 2
    key = store * width + (days - base)
    lo_key, hi_key = r_store * width + (r_lo - base), r_store * width + (r_hi - base)
    nxt = np.searchsorted(lo_key, key, side="right")  # first closure starting after the day
    has = nxt < len(lo_key)
    nxt_c = np.minimum(nxt, len(lo_key) - 1)
    has &= r_store[nxt_c] == store
    ahead = np.where(has, r_lo[nxt_c] - days, cap)
    out["closure_ahead_days"] = np.minimum(ahead, cap).astype(float)
    out["closure_ahead_len"] = np.where(has & (ahead <= cap), length[nxt_c], 0.0)
    # hi_key is sorted too: closures of one store do not overlap
    prv = np.searchsorted(hi_key, key, side="left") - 1  # last closure ending before the day
    has = prv >= 0
    prv_c = np.maximum(prv, 0)
    has &= r_store[prv_c] == store
    since = np.where(has, days - r_hi[prv_c], cap)
    out["reopened_days"] = np.minimum(since, cap).astype(float)
    out["reopened_after_len"] = np.where(has & (since <= cap), length[prv_c], 0.0)
    return out


def with_schedule(rows: pd.DataFrame, period: pd.DataFrame, step: StoreSchedule | None = None) -> pd.DataFrame:
    """``rows`` plus `SCHEDULE_FEATURES` read from ``period``: every row of their stores' schedule (Store, Date,
    Open; open and closed days) over the days they stand for, as ``step`` reads a request (its ``cap`` and
    ``max_closure``; default ``StoreSchedule()``). The step then keeps them.

    Why: fit rows are the sales days only; read from them alone, an open day with Sales 0 was a closed day
    and a closure at the period's edge was lost, unlike in serving (module docstring). ``rows`` may lie
    outside ``period``: they are read together with it.
    """
    step = StoreSchedule() if step is None else step
    both = {
        s.STORE: np.r_[rows[s.STORE].to_numpy(dtype=np.int64), period[s.STORE].to_numpy(dtype=np.int64)],
        s.DATE: np.r_[to_days(rows[s.DATE]), to_days(period[s.DATE])],
        # NaN (unknown) counts as open, as the step reads it
        s.OPEN: np.r_[rows[s.OPEN].to_numpy(dtype=float) if s.OPEN in rows else np.ones(len(rows)),
                      period[s.OPEN].to_numpy(dtype=float)],
    }
    read = schedule_features(both[s.STORE], both[s.DATE], both[s.OPEN] != 0, int(step.cap), int(step.max_closure))
    return rows.assign(**{name: read[name][:len(rows)] for name in SCHEDULE_FEATURES})


def schedule_step(pipeline) -> StoreSchedule | None:
    """The schedule step of a ``make_pipeline()`` (its "prep" step's "schedule"); None when it has none.

    Why: rows given their schedule by ``with_schedule`` must read it with the model's own ``cap`` and
    ``max_closure``, the step's settings, not the defaults.
    """
    prep = getattr(pipeline, "named_steps", {}).get("prep")
    step = getattr(prep, "named_steps", {}).get("schedule")
    return step if isinstance(step, StoreSchedule) else None
