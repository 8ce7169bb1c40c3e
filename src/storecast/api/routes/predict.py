"""``POST /predict`` (a batch of test.csv-shaped rows) and ``POST /forecast`` (one store, N days).

Both are thin: check the request against the model (known stores, batch size, schedule window),
hand the rows column-wise to the micro-batcher, which calls ``storecast.predict.predict_frame``, and
write the answer straight from the result arrays.
"""

from __future__ import annotations

__all__ = ["predict_answer", "router"]

import datetime as dt
from collections.abc import Callable, Hashable, Sequence
from typing import Any, NamedTuple

import numpy as np
from fastapi import APIRouter, Request, Response

from storecast.api.answers import MODEL_ROUTE_ERRORS
from storecast.api.beside import beside_schema, field_value
from storecast.api.body import StrictJSONRoute, json_response
from storecast.api.body_place import Loc
from storecast.api.deps import ServedDep, served_model
from storecast.api.errors import InputError, window_problems
from storecast.api.middleware import ROWS_STATE_KEY
from storecast.api.plan import default_plan
from storecast.api.planner import day_problems
from storecast.api.schemas import (
    MAX_FORECAST_DAYS,
    MAX_ROWS,
    ForecastRequest,
    ForecastResponse,
    PredictRequest,
    PredictResponse,
    PredictRow,
    ScheduleDay,
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


class _Keys(NamedTuple):
    """The fields of a ``/predict`` row that the route's own checks read, each None where the schema refused it."""

    store: int | None
    date: dt.date | None
    id: int | None


_Row = PredictRow | _Keys


def _repeats(rows: Sequence[_Row], key: Callable[[_Row], Hashable | None],
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


def _store_day(r: _Row) -> tuple[int, dt.date] | None:
    return None if r.store is None or r.date is None else (r.store, r.date)


def _repeat_problems(rows: Sequence[_Row], packed: Callable[[], np.ndarray]) -> list[tuple[Loc, str, str]]:
    """InputError items naming each row whose (store, date) an earlier row of the request already has.

    Why refused: a store's schedule context is read from its own rows in the request, and two rows for one
    day (open and closed, say) make that schedule ambiguous; ``storecast predict`` refuses the same input.
    ``packed()``: the rows' (store, date) keys as int64 (``_store_day_keys``), for ``_repeats``.
    """
    found = _repeats(rows, _store_day, packed)
    return [(("rows", i, "date"), f"store {rows[i].store} on {rows[i].date} is also rows[{j}]: "
             "list each store and day once", "row_duplicate") for i, j in found]


def _store_day_keys(stores: np.ndarray, days: np.ndarray) -> np.ndarray:
    # days since 1970 of 2000..2099 fit in 16 bits and a store in 31: one int64 key per (store, date)
    return (stores << 16) | days


def _id_problems(rows: Sequence[_Row]) -> list[tuple[Loc, str, str]]:
    """InputError items naming each row whose ``id`` an earlier row of the request already has (null: no id).

    Why refused: an id is how a client matches each answer to its own row, so two rows with one id make
    the answer ambiguous; test.csv's contract (and ``storecast predict``) refuses a repeated Id the same way.
    Past ``_FEW_ROWS`` rows, gathering the ids costs about 0.7 ms for 10,000 rows (their columns ~5 ms).
    """
    found = _repeats(rows, lambda r: r.id,
                     lambda: np.fromiter((r.id for r in rows if r.id is not None), dtype=np.int64))
    return [(("rows", i, "id"), f"id {rows[i].id} is also rows[{j}]: give each row its own id, or none",
             "id_duplicate") for i, j in found]


def _batch_problems(n: int, limit: int) -> list[tuple[Loc, str, str]]:
    """The InputError item of a batch over this server's ``max_batch_rows`` (the schema's cap is ``MAX_ROWS``)."""
    return [(("rows",), f"the batch has {n:,} rows; this server takes at most {limit:,} per request: split it",
             "too_long")]


def _predict_beside(request: Request, body: dict[str, Any]) -> list[tuple[Loc, str, str]]:
    """The route's own problems of a body that failed the schema (``api.beside``): unknown stores, repeated rows
    and ids, among the fields the schema took; none for a batch the schema or the server refuses whole."""
    raw = body.get("rows")
    if type(raw) is not list or len(raw) > MAX_ROWS:
        return []  # not rows, or refused whole by the schema: its rows are not looked at
    if len(raw) > (limit := request.app.state.settings.max_batch_rows):
        return _batch_problems(len(raw), limit)  # refused whole by this server
    rows = [_Keys(field_value(PredictRow, "store", r), field_value(PredictRow, "date", r),
                  field_value(PredictRow, "id", r)) for r in raw]
    problems: list[tuple[Loc, str, str]] = []
    stores = [(i, r.store) for i, r in enumerate(rows) if r.store is not None]
    if (served := getattr(request.app.state, "served", None)) is not None:
        problems += [(("rows", stores[loc[1]][0], *loc[2:]), msg, typ)  # a place among `stores` -> its row's
                     for loc, msg, typ in served.store_problems([store for _, store in stores])
                     if isinstance(loc[1], int)]
    keys = [(r.store, day_number(r.date)) for r in rows if r.store is not None and r.date is not None]
    return problems + _repeat_problems(rows, lambda: _store_day_keys(
        *np.array(keys, dtype=np.int64).reshape(-1, 2).T)) + _id_problems(rows)


@router.post("/predict", response_model=PredictResponse, responses=MODEL_ROUTE_ERRORS)
@beside_schema(_predict_beside)
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
    naming the field, e.g. ``rows[3].store``; unknown stores and repeated rows or ids come in one answer, beside
    the field errors of the other rows (a field that is itself wrong is named once, as wrong).
    ``beyond_horizon`` counts the rows dated after ``calibrated_through`` (training end + the calibration days), whose
    interval coverage was never measured, and ``before_training`` those dated before ``training_start``.
    """
    return await predict_answer(body, request.app, request.scope.setdefault("state", {}))


async def predict_answer(body: PredictRequest, app: Any, state: dict[str, Any]) -> Response:
    """The answer to a ``/predict`` body the schema took: the route's checks, the micro-batcher, the JSON bytes.

    The one implementation of ``POST /predict`` after validation, for both of its paths: the FastAPI route and the
    lean ASGI path (``api.fast_predict``), which hands over the same ``app`` and the request's ``state`` (the rows
    served go there, for the log line). Raises what the route raises (``InputError``, ``NotReadyError``), answered by
    ``api.errors``; nothing is sent here.
    """
    served, settings = served_model(app), app.state.settings
    rows = body.rows
    n = len(rows)
    if n > settings.max_batch_rows:
        raise InputError(_batch_problems(n, settings.max_batch_rows))
    asked = _request_rows(rows)
    # every problem at once, as /forecast does: unknown stores beside repeated rows
    if problems := (served.store_problems([r.store for r in rows])
                    + _repeat_problems(rows, lambda: _store_day_keys(asked.store, asked.days)) + _id_problems(rows)):
        raise InputError(problems)
    sales, lower, upper = await app.state.batcher.predict(asked)
    state[ROWS_STATE_KEY] = n
    return json_response({"model": served.name, "predictions": [
        {"id": r.id, "store": r.store, "date": r.date.isoformat(), "sales": p, "lower": lo, "upper": hi}
        for r, p, lo, hi in zip(rows, sales.tolist(), lower.tolist(), upper.tolist(), strict=True)
    ], **served.horizon(asked.days)})


def _forecast_problems(served: ServedModel | None, store: int | None, start: dt.date | None, days: int | None,
                      schedule: Sequence[dt.date | None]) -> list[tuple[Loc, str, str]]:
    """Every problem of a ``/forecast`` body the schema cannot see: the store's, the window's and the schedule's,
    at once so they are fixed in one go. A value of None (refused by the schema, ``api.beside``) is not checked."""
    problems = served.store_problems([store], loc=("store",)) if served is not None and store is not None else []
    if start is not None and days is not None:
        problems += window_problems(start, days)
    bad = day_problems(schedule, start, days, window="forecast window", kind="schedule", name="schedule")
    return problems + [(("schedule", i, "date"), message, kind) for i, message, kind in bad]


def _forecast_beside(request: Request, body: dict[str, Any]) -> list[tuple[Loc, str, str]]:
    """``_forecast_problems`` of a body that failed the schema, on the fields it took (``api.beside``)."""
    schedule = body.get("schedule")
    dates = ([field_value(ScheduleDay, "date", day) for day in schedule]
             if type(schedule) is list and len(schedule) <= MAX_FORECAST_DAYS else [])
    return _forecast_problems(getattr(request.app.state, "served", None),
                              field_value(ForecastRequest, "store", body), field_value(ForecastRequest, "start", body),
                              field_value(ForecastRequest, "days", body), dates)


@router.post("/forecast", response_model=ForecastResponse, responses=MODEL_ROUTE_ERRORS)
@beside_schema(_forecast_beside)
async def forecast(body: ForecastRequest, served: ServedDep, request: Request) -> Response:
    """Forecast one store for ``days`` consecutive days from ``start`` (default 42, at most 92).

    Days not given in ``schedule`` follow the store's usual pattern: open Monday..Saturday (and
    Sunday when the store sells on Sundays), closed on its state's public holidays, promos
    Monday..Friday in alternating weeks in the phase the model learned, school holidays of its state. A day
    given in ``schedule`` replaces only the fields it gives: ``{"date": "2015-08-09", "promo": 1}`` keeps that
    day's usual opening, holiday and school holiday. ``beyond_horizon`` counts the
    days after ``calibrated_through`` (training end + the calibration days), whose interval coverage was never measured,
    and ``before_training`` those before ``training_start``.
    """
    schedule = body.schedule or []
    if problems := _forecast_problems(served, body.store, body.start, body.days, [day.date for day in schedule]):
        raise InputError(problems)
    start = day_number(body.start)
    plan = default_plan(served.facts, body.store, start, body.days)
    for day in schedule:  # the fields given replace the usual ones; a field left out (None) keeps it
        k = (day.date - body.start).days
        if day.open is not None:
            plan.open[k] = day.open
        if day.promo is not None:
            plan.promo[k] = day.promo
        if day.state_holiday is not None:
            plan.state_holiday[k] = day.state_holiday
        if day.school_holiday is not None:
            plan.school_holiday[k] = day.school_holiday
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
    ], **served.horizon(np.asarray(plan.days))})
