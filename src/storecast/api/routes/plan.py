"""``POST /plan`` (one store: usual plan vs a scenario) and ``POST /plan/rank`` (where an extra promo week gains most).

Thin: check the request against the model (known store, window, listed dates), run ``api.planner`` in the app's
planning queue (``api.planning_queue``: one planning job at a time in a worker thread, at most ``MAX_PLANS`` plans
and ``MAX_RANKINGS`` rankings asked at once, past which 503 with ``Retry-After``, and no job for a client that has
gone) and write the answer from its arrays.
"""

from __future__ import annotations

__all__ = ["MAX_PLANS", "MAX_RANKINGS", "router"]

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from fastapi import APIRouter, Request, Response

from storecast.api.answers import BODY_ANSWERS, MODEL_ANSWERS, TOKEN_ANSWERS, error_responses
from storecast.api.beside import beside_schema, field_value, value_of
from storecast.api.body import StrictJSONRoute, json_response
from storecast.api.body_place import Loc
from storecast.api.deps import ServedDep
from storecast.api.errors import InputError, window_problems
from storecast.api.plan_schemas import PlanRequest, PlanResponse, RankRequest, RankResponse
from storecast.api.planner import NoPromoWeekError, PlanForecast, day_problems, plan_scenario, rank_stores
from storecast.api.planning_queue import CLIENT_GONE, MAX_PLANS, MAX_RANKINGS, busy_description, run_planning
from storecast.api.schemas import MAX_FORECAST_DAYS, IsoDate
from storecast.api.serving import ServedModel
from storecast.dates import day_number

router = APIRouter(tags=["plan"], route_class=StrictJSONRoute)

def _check_window(start: dt.date, days: int) -> None:
    if problems := window_problems(start, days):
        raise InputError(problems)


def _period(start: dt.date, days: int) -> np.ndarray:
    """The period's days as days since 1970-01-01, for ``ServedModel.horizon``."""
    return day_number(start) + np.arange(days, dtype=np.int64)


def _side(f: PlanForecast) -> dict[str, Any]:
    outer_lo = f.outer_lower.tolist() if f.outer_lower is not None else [None] * len(f.days)
    outer_hi = f.outer_upper.tolist() if f.outer_upper is not None else [None] * len(f.days)
    days = [{"date": d, "open": o, "promo": p, "sales": v, "lower": lo, "upper": hi, "outer_lower": olo,
             "outer_upper": ohi}
            for d, o, p, v, lo, hi, olo, ohi in zip(f.dates(), f.open.tolist(), f.promo.tolist(), f.sales.tolist(),
                                                     f.lower.tolist(), f.upper.tolist(), outer_lo, outer_hi,
                                                     strict=True)]
    return {"days": days, "total": f.total}


_LISTS = ("promo_days", "closed_days")


def _plan_problems(served: ServedModel | None, store: int | None, start: dt.date | None, days: int | None,
                   lists: Mapping[str, Sequence[dt.date | None]]) -> list[tuple[Loc, str, str]]:
    """Every problem of a ``/plan`` body the schema cannot see (the store, the window, the days listed), at once so
    the caller fixes them all in one go. A value of None (refused by the schema, ``api.beside``) is not checked."""
    problems = served.store_problems([store], loc=("store",)) if served is not None and store is not None else []
    if start is not None and days is not None:
        problems += window_problems(start, days)
    return problems + [((name, i), msg, typ) for name in _LISTS
                       for i, msg, typ in day_problems(lists.get(name) or [], start, days, name=name)]


def _plan_beside(request: Request, body: dict[str, Any]) -> list[tuple[Loc, str, str]]:
    """``_plan_problems`` of a body that failed the schema, on the fields it took (``api.beside``)."""
    lists = {name: [value_of(IsoDate, day) for day in days] for name in _LISTS
             if type(days := body.get(name)) is list and len(days) <= MAX_FORECAST_DAYS}
    return _plan_problems(getattr(request.app.state, "served", None), field_value(PlanRequest, "store", body),
                          field_value(PlanRequest, "start", body), field_value(PlanRequest, "days", body), lists)


def _rank_beside(request: Request, body: dict[str, Any]) -> list[tuple[Loc, str, str]]:
    """The window of a ``/plan/rank`` body that failed the schema, when its ``start`` and ``days`` were taken."""
    start, days = field_value(RankRequest, "start", body), field_value(RankRequest, "days", body)
    return window_problems(start, days) if start is not None and days is not None else []


_PLAN_ERRORS = error_responses(TOKEN_ANSWERS, BODY_ANSWERS, MODEL_ANSWERS, {503: busy_description("plan")})


@router.post("/plan", response_model=PlanResponse, responses=_PLAN_ERRORS)
@beside_schema(_plan_beside)
async def plan(body: PlanRequest, served: ServedDep, request: Request) -> Response:
    """Forecast one store's usual plan and a scenario (other promo days and/or closed days) side by side.

    ``promo_days`` and ``closed_days`` list *every* promo or closed day of the scenario; a missing list keeps
    the usual ones, so a body without them answers the usual plan twice (equal to ``/forecast``). A day
    outside ``start..start+days-1`` or listed twice is a 422 naming it, e.g. ``promo_days[2]`` (a repeat also
    names the earlier one). A day in both lists is a closed day of a promo week (as on public holidays in
    train.csv and in the usual plan): it sells nothing and keeps ``promo`` 1. As on ``/forecast``,
    ``beyond_horizon`` counts the period's days after ``calibrated_through``, whose bands' coverage was never
    measured, and ``before_training`` those before ``training_start``. Past ``MAX_PLANS`` plans asked at once
    (one runs, the others wait their turn), 503 with ``Retry-After``; a plan whose client has gone is dropped.
    """
    if problems := _plan_problems(served, body.store, body.start, body.days,
                                  {name: getattr(body, name) or [] for name in _LISTS}):
        raise InputError(problems)
    result = await run_planning(request, "plan", lambda check: plan_scenario(
        served.bundle, served.facts, body.store, body.start, body.days, promo_days=body.promo_days,
        closed_days=body.closed_days, check=check))
    if result is None:
        return Response(status_code=CLIENT_GONE)
    usual, scenario = _side(result.usual), _side(result.scenario)
    diff = result.difference
    return json_response({
        "model": served.name, "store": body.store, "level": result.level, "outer_level": result.outer_level,
        "usual": usual, "scenario": scenario,
        "difference": {"total": scenario["total"] - usual["total"],
                       "days": [{"date": d, "sales": v} for d, v in zip(result.usual.dates(), diff.tolist(),
                                                                       strict=True)]},
        **served.horizon(_period(body.start, body.days)),
    })


def _number(value: float | None) -> float | None:
    """``value`` for JSON: None where it is no finite number (``gain_pct`` of a store whose usual total is 0)."""
    return None if value is None or not math.isfinite(value) else float(value)


_RANK_ERRORS = error_responses(TOKEN_ANSWERS, BODY_ANSWERS, MODEL_ANSWERS, {
    422: "A period without a Monday..Friday week free of the usual promo (at `days`)",
    503: busy_description("rank")})


@router.post("/plan/rank", response_model=RankResponse, responses=_RANK_ERRORS)
@beside_schema(_rank_beside)
async def rank(body: RankRequest, served: ServedDep, request: Request) -> Response:
    """Rank every store the model knows by the forecast gain of one extra promo week in the period.

    For each store the candidate weeks are the Monday..Friday blocks inside the period without a usual
    promo; its ``gain`` is the best one's forecast sales with promo minus without, ``gain_pct`` that gain
    in percent of the store's usual total over the period. Answers the ``top`` stores, best first. Past
    ``MAX_RANKINGS`` rankings asked at once (one runs, the others wait their turn), 503 with ``Retry-After``; a
    ranking whose client has gone is dropped.
    ``beyond_horizon`` and ``before_training`` count the period's days after ``calibrated_through`` and before
    ``training_start``, as on ``/plan``: gains there come from forecasts never checked against sales.
    """
    _check_window(body.start, body.days)
    try:
        ranking = await run_planning(request, "rank", lambda check: rank_stores(
            served.bundle, served.facts, body.start, body.days, check=check))
    except NoPromoWeekError as exc:
        raise InputError([(("days",), str(exc), "no_promo_week")]) from exc
    if ranking is None:
        return Response(status_code=CLIENT_GONE)
    table = ranking.table.dropna(subset=["gain"]).head(body.top)
    stores = [{"store": st, "gain": g, "gain_pct": _number(p), "usual_total": t, "week": w}
              for st, g, p, t, w in zip(table["store"].tolist(), table["gain"].tolist(), table["gain_pct"].tolist(),
                                        table["usual_total"].tolist(), table["week"].tolist(), strict=True)]
    return json_response({"model": served.name, "start": body.start.isoformat(), "days": body.days,
                          "weeks": [w.isoformat() for w in ranking.weeks], "stores": stores,
                          **served.horizon(_period(body.start, body.days))})

