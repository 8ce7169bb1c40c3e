"""``POST /predict`` (a batch of test.csv-shaped rows) and ``POST /forecast`` (one store, N days).

Both are thin: check the request against the model (known stores, batch size, schedule window),
hand the rows column-wise to the micro-batcher, which calls ``storecast.predict.predict_frame``, and
write the answer straight from the result arrays.
"""

from __future__ import annotations

__all__ = ["router"]

import datetime as dt
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
from fastapi import APIRouter, Request, Response

from storecast.api.answers import MODEL_ROUTE_ERRORS
from storecast.api.body import StrictJSONRoute, json_response
from storecast.api.deps import ServedDep, served_model
from storecast.api.errors import InputError, Loc, window_problems
from storecast.api.middleware import ROWS_STATE_KEY
from storecast.api.plan import default_plan
from storecast.api.planner import day_problems
from storecast.api.schemas import (
    ForecastRequest,
    ForecastResponse,
    PredictRequest,
    PredictResponse,
    PredictRow,
)
from storecast.api.serving import ServedModel
from storecast.data.request_rows import RequestRows
from storecast.dates import EPOCH_ORDINAL, day_number

router = APIRouter(tags=["predict"], route_class=StrictJSONRoute)
_FEW_ROWS = 16  # up to this many rows a dict finds repeats faster than numpy's sort (both ~4 us at 16 rows)


def _request_rows(rows: list[PredictRow]) -> RequestRows:
    """The validated rows of a ``POST /predict`` body, column-wise."""
    n = len(rows)
    return RequestRows(
        np.fromiter((r.store for r in rows), dtype=np.int64, count=n),
        np.fromiter((r.date.toordinal() for r in rows), dtype=np.int64, count=n) - EPOCH_ORDINAL,
        np.fromiter((r.open for r in rows), dtype=np.int8, count=n),
        np.fromiter((r.promo for r in rows), dtype=np.int8, count=n),
        [r.state_holiday for r in rows],
        np.fromiter((r.school_holiday for r in rows), dtype=np.int8, count=n),
    )


def _repeats(rows: list[PredictRow], key: Callable[[PredictRow], Hashable | None],
             packed: Callable[[], np.ndarray]) -> list[tuple[int, int]]:
    """``(i, j)`` for each row ``i`` whose ``key`` an earlier row ``j`` already has; a None key never repeats.

    The cost rules of every repeat check of a request: one row needs no check (the single-row path, issue 16);
    a batch over ``_FEW_ROWS`` is checked with one sort of ``packed()`` (the keys as int64, None left out:
    about 0.1 ms for 10,000 rows) first, and only a batch that has a repeat is walked to name them.
    """
    n = len(rows)
    if n == 1:
        return []
    if n > _FEW_ROWS:
        keys = np.sort(packed())
        if not (keys[1:] == keys[:-1]).any():
            return []
    first: dict[Hashable, int] = {}
    found = []
    for i, r in enumerate(rows):
        k = key(r)
        if k is not None and (j := first.setdefault(k, i)) != i:
            found.append((i, j))
    return found


def _repeat_problems(rows: list[PredictRow], asked: RequestRows) -> list[tuple[Loc, str, str]]:
    """InputError items naming each row whose (store, date) an earlier row of the request already has.

    Why refused: a store's schedule context is read from its own rows in the request, and two rows for one
    day (open and closed, say) make that schedule ambiguous; ``storecast predict`` refuses the same input.
    """
    # days since 1970 of 2000..2099 fit in 16 bits and a store in 31: one int64 key per (store, date)
    found = _repeats(rows, lambda r: (r.store, r.date), lambda: (asked.store << 16) | asked.days)
    return [(("rows", i, "date"), f"store {rows[i].store} on {rows[i].date} is also rows[{j}]: "
             "list each store and day once", "row_duplicate") for i, j in found]


def _id_problems(rows: list[PredictRow]) -> list[tuple[Loc, str, str]]:
    """InputError items naming each row whose ``id`` an earlier row of the request already has (null: no id).

    Why refused: an id is how a client matches each answer to its own row, so two rows with one id make
    the answer ambiguous; test.csv's contract (and ``storecast predict``) refuses a repeated Id the same way.
    Past ``_FEW_ROWS`` rows, gathering the ids costs about 0.7 ms for 10,000 rows (their columns ~5 ms).
    """
    found = _repeats(rows, lambda r: r.id,
                     lambda: np.fromiter((r.id for r in rows if r.id is not None), dtype=np.int64))
    return [(("rows", i, "id"), f"id {rows[i].id} is also rows[{j}]: give each row its own id, or none",
             "id_duplicate") for i, j in found]


def _horizon(served: ServedModel, days: np.ndarray) -> dict[str, Any]:
    """``calibrated_through`` and ``beyond_horizon`` of an answer: which bands' coverage was never measured.

    ``days`` are the rows' dates as days since 1970-01-01 (the routes have them already).
    """
    return {"calibrated_through": served.calibrated_through, "beyond_horizon": served.beyond_horizon(days)}


@router.post("/predict", response_model=PredictResponse, responses=MODEL_ROUTE_ERRORS)
async def predict(body: PredictRequest, request: Request) -> Response:
    """Forecast a batch of 1..10,000 rows shaped like test.csv; answers in request order.

    Closed days (``open`` = 0) are forecast as 0. A row's forecast depends on the row and on its own
    store's schedule in the request, never on other stores' rows or the row order: between a store's first
    and last requested day, a day with ``open`` = 0 or without a row counts as closed, and a closure of 3
    to 100 days moves the days before and after it (refurbishments: clearance before, a rush after). A
    store's lone row, or rows without such a closure in reach (30 days), get "no known event". Send a
    store's whole schedule for the weeks asked (as ``/forecast`` builds it) or single rows, not every n-th
    day. List each store and day once: a second row for the same store and date would make that store's
    schedule ambiguous, so it is a 422 at ``rows[i].date`` naming the earlier row (separate requests may
    ask for the same day; each is its own schedule). Give each row its own ``id``, or none: the ids are how
    the answers are matched to the rows, so a repeated id is a 422 at ``rows[i].id`` naming the earlier row
    (rows without an id never repeat one). An unknown store, a malformed date or a wrong type is a 422
    naming the field, e.g. ``rows[3].store``; unknown stores and repeated rows or ids come in one answer.
    ``beyond_horizon`` counts the rows dated after ``calibrated_through`` (training end + the calibration days), whose
    interval coverage was never measured.
    """
    served, settings = served_model(request), request.app.state.settings
    rows = body.rows
    n = len(rows)
    if n > settings.max_batch_rows:
        raise InputError([(("rows",), f"the batch has {n:,} rows; this server takes at most "
                           f"{settings.max_batch_rows:,} per request: split it", "too_long")])
    asked = _request_rows(rows)
    # every problem at once, as /forecast does: unknown stores beside repeated rows
    if problems := (served.store_problems([r.store for r in rows]) + _repeat_problems(rows, asked)
                    + _id_problems(rows)):
        raise InputError(problems)
    sales, lower, upper = await request.app.state.batcher.predict(asked)
    setattr(request.state, ROWS_STATE_KEY, n)
    return json_response({"model": served.name, "predictions": [
        {"id": r.id, "store": r.store, "date": r.date.isoformat(), "sales": p, "lower": lo, "upper": hi}
        for r, p, lo, hi in zip(rows, sales.tolist(), lower.tolist(), upper.tolist(), strict=True)
    ], **_horizon(served, asked.days)})


@router.post("/forecast", response_model=ForecastResponse, responses=MODEL_ROUTE_ERRORS)
async def forecast(body: ForecastRequest, served: ServedDep, request: Request) -> Response:
    """Forecast one store for ``days`` consecutive days from ``start`` (default 42, at most 92).

    Days not given in ``schedule`` follow the store's usual pattern: open Monday..Saturday (and
    Sunday when the store sells on Sundays), closed on its state's public holidays, promos
    Monday..Friday in alternating weeks in the phase the model learned. ``beyond_horizon`` counts the
    days after ``calibrated_through`` (training end + the calibration days), whose interval coverage was never measured.
    """
    # every problem at once, the store's and the window's beside the schedule's: fixed in one go
    problems = served.store_problems([body.store], loc=("store",)) + window_problems(body.start, body.days)
    start = day_number(body.start)
    schedule = body.schedule or []
    bad = day_problems([day.date for day in schedule], body.start, body.days, window="forecast window",
                       kind="schedule", name="schedule")
    problems += [(("schedule", i, "date"), message, kind) for i, message, kind in bad]
    if problems:
        raise InputError(problems)
    plan = default_plan(served.facts, body.store, start, body.days)
    for day in schedule:
        k = (day.date - body.start).days
        plan.open[k], plan.promo[k] = day.open, day.promo
        plan.state_holiday[k], plan.school_holiday[k] = day.state_holiday, day.school_holiday
    n = body.days
    asked = RequestRows(np.full(n, body.store, dtype=np.int64), plan.days, plan.open, plan.promo,
                        plan.state_holiday, plan.school_holiday)
    sales, lower, upper = await request.app.state.batcher.predict(asked)
    setattr(request.state, ROWS_STATE_KEY, n)
    dates = [(body.start + dt.timedelta(days=k)).isoformat() for k in range(n)]
    return json_response({"model": served.name, "predictions": [
        {"store": body.store, "date": d, "open": o, "promo": pr, "state_holiday": h, "school_holiday": sh,
         "sales": p, "lower": lo, "upper": hi}
        for d, o, pr, h, sh, p, lo, hi in zip(
            dates, plan.open.tolist(), plan.promo.tolist(), plan.state_holiday,
            plan.school_holiday.tolist(), sales.tolist(), lower.tolist(), upper.tolist(), strict=True)
    ], **_horizon(served, np.asarray(plan.days))})
