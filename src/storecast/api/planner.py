"""Promotion planning: a store's usual plan against a scenario, and where one extra promo week gains most.

Why one module: ``POST /plan``, ``POST /plan/rank``, ``storecast plan`` and the bench scripts must give the
same numbers, so they all build their rows here and predict through ``storecast.predict.predict_frame``.

- The *usual* plan is ``api.plan.default_plan`` (what ``/forecast`` assumes). A *scenario* replaces its
  promo days and/or closed days by the lists given; everything else (holidays, school holidays) stays.
- A *gain* is the model's forecast with promos minus its forecast without, on the same days. Nothing is
  clipped: when the model forecasts less on a promo day, the difference is negative and shown as such.
- Ranking predicts every store's usual plan and every candidate extra promo week (Monday..Friday, inside
  the period, without a usual promo) in one batch. Only the changed days need predicting because a
  storecast forecast depends on its own row and its store's schedule (the open days) in the request
  (``tests/test_predict.py``), and a promo changes no open day, so the other days of a scenario cannot move.
"""

from __future__ import annotations

__all__ = ["NoPromoWeekError", "PlanForecast", "Scenario", "Ranking", "day_problems", "scenario_plan", "plan_scenario",
           "rank_stores", "RANK_CHUNK_STORES", "outer_bundle", "promo_weeks", "whole_units"]

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.api.plan import DayPlan, default_plan
from storecast.api.schemas import MAX_FORECAST_DAYS
from storecast.data.request_rows import RequestRows
from storecast.dates import date_of, day_number, weekday
from storecast.errors import StorecastError
from storecast.features.facts import StoreFacts

_WEEKDAYS = 5  # promos run Monday..Friday
# Stores per prediction of a ranking, between which it may stop (``rank_stores``' ``check``). Why chunks: one call
# over Rossmann's 1,115 stores ran its 1-2 s to the end for a client that had gone; 250 stores stop within a
# fraction of that, and each call still predicts 250 stores' rows at once, so the few calls cost little beside them.
RANK_CHUNK_STORES = 250


class NoPromoWeekError(StorecastError, ValueError):
    """The period holds no Monday..Friday week free of usual promos, so no extra promo week can be ranked."""


@dataclasses.dataclass(frozen=True)
class PlanForecast:
    """One plan of one store and its forecast, column-wise (``days`` are days since 1970-01-01).

    ``lower``/``upper`` are at the model's served level; ``outer_lower``/``outer_upper`` at its widest
    calibrated level above that (None when it has none: one level, or the served one is the widest).
    """

    days: np.ndarray
    open: np.ndarray
    promo: np.ndarray
    sales: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    outer_lower: np.ndarray | None = None
    outer_upper: np.ndarray | None = None

    @property
    def total(self) -> float:
        """Forecast sales summed over the period."""
        return float(self.sales.sum())

    def dates(self) -> list[str]:
        """ISO dates of the days."""
        return [date_of(d).isoformat() for d in self.days.tolist()]


@dataclasses.dataclass(frozen=True)
class Scenario:
    """The usual plan and a scenario of one store over the same days, with their levels."""

    store: int
    usual: PlanForecast
    scenario: PlanForecast
    level: float | None
    outer_level: float | None

    @property
    def difference(self) -> np.ndarray:
        """Scenario minus usual sales, day by day."""
        return self.scenario.sales - self.usual.sales


@dataclasses.dataclass(frozen=True)
class Ranking:
    """Stores ranked by the forecast gain of one extra promo week; ``table`` has one row per store."""

    start: dt.date
    days: int
    weeks: list[dt.date]  # Mondays of the candidate extra promo weeks
    table: pd.DataFrame  # store, gain, gain_pct, usual_total, week; best gain first


def whole_units(values: np.ndarray) -> np.ndarray:
    """Round half up to whole sales units, exactly as the page's ``Math.round`` does.

    Why one rule: the page, its CSV and ``storecast plan`` show each day rounded and add up those rounded
    days for weeks and totals, so every column a reader adds up matches its total, and the page and the
    command line show the same figures. (``round`` and ``:.0f`` round halves to even; JavaScript rounds
    them up.) The API answers unrounded sales and totals.
    """
    x = np.asarray(values, dtype=float)
    low = np.floor(x)
    return low + (x - low >= 0.5)  # not floor(x + 0.5): that rounds 0.49999999999999994 up, Math.round does not


def day_problems(days: Sequence[dt.date | None], start: dt.date | None, n: int | None, *,
                 window: str = "planning window", kind: str = "plan",
                 name: str | None = None) -> list[tuple[int, str, str]]:
    """``(index, message, type)`` for each date outside ``start..start+n-1`` or listed twice.

    One rule for every list of days a request names (the plan's promo and closed days, ``/forecast``'s
    schedule); ``window`` names the period in the message and ``kind`` prefixes the error types
    (``plan_date``, ``plan_duplicate``; ``schedule_date``, ...). Given the list's ``name``, a repeat names the
    earlier item (``2015-08-03 is also schedule[0]``), as ``/predict`` names the earlier row of a repeated day.
    A day of None (a date the schema refused, ``api.beside``) is skipped; a ``start`` or ``n`` of None (no window
    known) checks the repeats only.
    """
    end = None if start is None or n is None else start + dt.timedelta(days=n - 1)
    first: dict[dt.date, int] = {}
    out = []
    for i, day in enumerate(days):
        if day is None:
            continue
        if start is not None and end is not None and not start <= day <= end:
            out.append((i, f"{day} is outside the {window} {start}..{end}: list only days inside it",
                        f"{kind}_date"))
        elif (j := first.setdefault(day, i)) != i:
            said = f"{day} is also {name}[{j}]: list each day once" if name else f"{day} is listed twice"
            out.append((i, said, f"{kind}_duplicate"))
    return out


def scenario_plan(usual: DayPlan, *, promo_days: Sequence[dt.date] | None = None,
                  closed_days: Sequence[dt.date] | None = None) -> DayPlan:
    """``usual`` with its promo days and/or closed days replaced by exactly the given dates.

    ``None`` keeps the usual days; an empty list means none (no promo, or never closed). Dates must lie
    inside the plan's window (see ``day_problems``); one outside it raises ValueError.
    """
    first = int(usual.days[0])
    listed = [*(promo_days or []), *(closed_days or [])]
    # a date before the window gave a negative index, which numpy reads from the end: the plan's last
    # days changed without a word (every caller checks with ``day_problems`` first; this is the guard)
    if problems := [p for p in day_problems(listed, date_of(first), len(usual.days)) if p[2] == "plan_date"]:
        raise ValueError(f"scenario_plan: {problems[0][1]}")
    promo, open_ = usual.promo.copy(), usual.open.copy()
    if promo_days is not None:
        promo[:] = 0
        promo[[day_number(d) - first for d in promo_days]] = 1
    if closed_days is not None:
        open_[:] = 1
        open_[[day_number(d) - first for d in closed_days]] = 0
    return DayPlan(days=usual.days, open=open_, promo=promo, state_holiday=list(usual.state_holiday),
                   school_holiday=usual.school_holiday.copy())


def outer_bundle(bundle: Any) -> tuple[float | None, Any | None]:
    """The bundle's served level, and a copy of it serving its widest calibrated level above that (or None).

    Why a copy: ``predict_frame`` answers at the bundle's one level; the page draws 80% and 95% bands,
    so the 95% band is the same model asked at its other calibrated level, still through ``predict_frame``.
    Only a wider level: a model serving 95% (its card's first level) with 80% calibrated too drew its 80%
    band as the "outer" one, hidden under the 95% band, and the API called it the wider band.
    """
    level = getattr(bundle, "level", None)
    levels = ((getattr(bundle, "card", None) or {}).get("intervals") or {}).get("levels") or []
    others = [float(lv) for lv in levels if level is not None and float(lv) > level + 1e-9]
    if level is None or not others or not dataclasses.is_dataclass(bundle) or isinstance(bundle, type):
        return level, None
    return float(level), dataclasses.replace(bundle, level=max(others))


def _forecast(bundle: Any, outer: Any | None, store: int, plan: DayPlan, check: Callable[[], None]) -> PlanForecast:
    from storecast.predict import predict_frame  # lazily: pandera and the model stack load on first use

    n = len(plan.days)
    rows = RequestRows(np.full(n, store, dtype=np.int64), plan.days, plan.open, plan.promo, plan.state_holiday,
                       plan.school_holiday)
    check()
    out = predict_frame(bundle, rows)
    check()
    wide = predict_frame(outer, rows) if outer is not None else None
    return PlanForecast(
        days=np.asarray(plan.days), open=np.asarray(plan.open), promo=np.asarray(plan.promo),
        sales=out[s.SALES].to_numpy(dtype=float), lower=out["lower"].to_numpy(dtype=float),
        upper=out["upper"].to_numpy(dtype=float),
        outer_lower=None if wide is None else wide["lower"].to_numpy(dtype=float),
        outer_upper=None if wide is None else wide["upper"].to_numpy(dtype=float),
    )


def _go_on() -> None:
    """The ``check`` of a caller that never stops a plan midway (the command line, the bench scripts)."""


def plan_scenario(bundle: Any, facts: StoreFacts, store: int, start: dt.date, n: int, *,
                  promo_days: Sequence[dt.date] | None = None,
                  closed_days: Sequence[dt.date] | None = None,
                  check: Callable[[], None] = _go_on) -> Scenario:
    """Forecast ``store``'s usual plan and the scenario for ``n`` days from ``start`` (four small predictions).

    ``check`` is called before each prediction and may raise to stop there: ``POST /plan`` stops a plan whose
    client has gone (``api.planning_queue``) rather than compute it to the end for nobody.
    """
    usual = default_plan(facts, store, day_number(start), n)
    changed = scenario_plan(usual, promo_days=promo_days, closed_days=closed_days)
    level, outer = outer_bundle(bundle)
    return Scenario(store=store, usual=_forecast(bundle, outer, store, usual, check),
                    scenario=_forecast(bundle, outer, store, changed, check), level=level,
                    outer_level=None if outer is None else float(outer.level))


def promo_weeks(promo: np.ndarray, first: int) -> tuple[np.ndarray, np.ndarray]:
    """Candidate extra promo weeks: ``(mondays, free)``.

    ``promo`` is stores x days (0/1) from day ``first``. ``mondays`` are the day offsets of the Mondays
    whose Monday..Friday lies inside the window; ``free`` (stores x Mondays) is True where that block
    has no usual promo.
    """
    n = promo.shape[1]
    dow = weekday(first + np.arange(n))  # 0 = Monday
    mondays = np.flatnonzero((dow == 0) & (np.arange(n) + _WEEKDAYS <= n))
    if not len(mondays):
        return mondays, np.zeros((promo.shape[0], 0), dtype=bool)
    block = mondays[:, None] + np.arange(_WEEKDAYS)[None, :]  # Mondays x 5
    free = np.asarray(~promo[:, block].astype(bool).any(axis=2))  # stores x Mondays
    return mondays, free


def _longer_period(facts: StoreFacts, store: int | None, start: dt.date) -> str:
    """How long a period from ``start`` must be to hold a week free of usual promos, or that it must start earlier.

    Why from the rhythm and not a fixed length: the hint assumed 42 days, so a 4-day period from 2099-11-25 was told to
    start earlier though 36 days from it are served. The usual promo weeks are the same for every store (weekday and
    the learned phase, ``api.plan.default_plan``), so one store's plan over the longest period served tells.
    """
    earlier = f"a longer period starting earlier (the last date served is {s.MAX_DATE})"
    longest = min(MAX_FORECAST_DAYS, (s.MAX_DATE - start).days + 1)
    if store is None:
        return earlier
    usual = default_plan(facts, store, day_number(start), longest)
    mondays, free = promo_weeks(usual.promo[None, :], day_number(start))
    if not free.any():
        return earlier
    days = int(mondays[np.flatnonzero(free[0])[0]]) + _WEEKDAYS
    return f"a longer period: {days} days from {start} hold one (to {start + dt.timedelta(days=days - 1)})"


def rank_stores(bundle: Any, facts: StoreFacts, start: dt.date, n: int, *,
                stores: Sequence[int] | None = None, check: Callable[[], None] = _go_on,
                chunk: int = RANK_CHUNK_STORES) -> Ranking:
    """Rank ``stores`` (default: all the model knows) by the gain of their best extra promo week.

    One prediction: every store's usual plan, and each candidate week's five days again with promo on, made
    in ``predict_frame`` calls of ``chunk`` stores. ``gain`` is the week's forecast with promo minus without
    (sales); ``gain_pct`` is that gain in percent of the store's usual total over the whole period. ``check`` is
    called before each call, once every store's plan is built, and may raise to stop there (as in
    ``plan_scenario``).

    Raises
    ------
    NoPromoWeekError
        The period holds no Monday..Friday week free of usual promos (too short, or promos every week).
    ValueError
        ``chunk`` is not positive, or ``stores`` lists a store twice.
    """
    from storecast.predict import predict_frame

    if chunk < 1:
        raise ValueError(f"`chunk` must be a positive number of stores, got {chunk}")
    ids = np.asarray(facts.stores if stores is None else stores, dtype=np.int64)
    # A store listed twice was ranked twice (two rows of one store in the table) and, in one chunk, sent its rows
    # twice in one request; refused as /plan refuses a day listed twice, naming the earlier item.
    seen: dict[int, int] = {}
    if repeats := [f"store {st} is also stores[{seen[st]}]" for i, st in enumerate(ids.tolist())
                   if seen.setdefault(st, i) != i]:
        more = f" (and {len(repeats) - 3} more)" if len(repeats) > 3 else ""
        raise ValueError(f"`stores`: {'; '.join(repeats[:3])}{more}: list each store once")
    first = day_number(start)
    plans = [default_plan(facts, int(st), first, n) for st in ids.tolist()]
    opened = np.stack([p.open for p in plans])
    promo = np.stack([p.promo for p in plans])
    codes = [c for p in plans for c in p.state_holiday]
    school = np.stack([p.school_holiday for p in plans])
    days = np.broadcast_to(first + np.arange(n, dtype=np.int64), (len(ids), n))

    mondays, free = promo_weeks(promo, first)
    if not free.any():
        end = start + dt.timedelta(days=n - 1)
        raise NoPromoWeekError(f"{start}..{end} holds no Monday..Friday week without a usual promo: plan "
                               f"{_longer_period(facts, int(ids[0]) if len(ids) else None, start)}")
    st_i, wk_i = np.nonzero(free)  # one candidate (store, Monday) per pair
    cols = mondays[wk_i][:, None] + np.arange(_WEEKDAYS)[None, :]  # candidates x 5 day offsets
    rows_i = np.repeat(st_i, _WEEKDAYS)
    flat = cols.ravel()
    code_grid = np.asarray(codes, dtype=object).reshape(len(ids), n)
    # One call: the usual plan's rows, then each candidate day again with promo on. A forecast reads its
    # store's schedule (the open days) in the request; the candidate days repeat usual days with the same
    # Open, so every store's schedule is its usual plan's and only the promo flag differs. One schedule
    # (no ``group``): ``concat`` makes each part its own, and the candidate days alone (Monday..Friday of
    # every other week) read as 9-day closures between them. The call is made ``chunk`` stores at a time, with
    # ``check`` before each: a forecast reads only its own store's rows, so a chunk answers exactly what the one
    # call over every store did, and a ranking whose client has gone stops after its current chunk.
    usual, promoted = np.empty((len(ids), n)), np.empty(len(flat))
    for a in range(0, len(ids), chunk):
        b = min(a + chunk, len(ids))
        ca, cb = np.searchsorted(rows_i, [a, b])  # the chunk's candidate days (``rows_i`` is sorted by store)
        part = RequestRows.concat([
            RequestRows(np.repeat(ids[a:b], n), days[a:b].ravel(), opened[a:b].ravel(), promo[a:b].ravel(),
                        codes[a * n:b * n], school[a:b].ravel()),
            RequestRows(ids[rows_i[ca:cb]], first + flat[ca:cb], opened[rows_i[ca:cb], flat[ca:cb]],
                        np.ones(cb - ca, dtype=np.int8), code_grid[rows_i[ca:cb], flat[ca:cb]].tolist(),
                        school[rows_i[ca:cb], flat[ca:cb]]),
        ]).with_group(None)
        check()
        sales = predict_frame(bundle, part)[s.SALES].to_numpy(dtype=float)
        usual[a:b], promoted[ca:cb] = sales[:(b - a) * n].reshape(b - a, n), sales[(b - a) * n:]
    gain_c = (promoted - usual[rows_i, flat]).reshape(-1, _WEEKDAYS).sum(axis=1)

    gain = np.full(free.shape, -np.inf)
    gain[st_i, wk_i] = gain_c
    best = gain.argmax(axis=1)
    has = np.asarray(free.any(axis=1))
    best_gain = np.where(has, gain[np.arange(len(ids)), best], np.nan)
    total = usual.sum(axis=1)
    table = pd.DataFrame({
        "store": ids, "gain": best_gain,
        "gain_pct": np.divide(100 * best_gain, total, out=np.full(len(ids), np.nan), where=total > 0),
        "usual_total": total,
        "week": [date_of(first + int(mondays[b])).isoformat() if h else None for b, h in zip(best, has, strict=True)],
    })
    table = table.sort_values(["gain", "store"], ascending=[False, True], na_position="last", kind="stable")
    return Ranking(start=start, days=n, weeks=[date_of(first + int(m)) for m in mondays[free.any(axis=0)]],
                   table=table.reset_index(drop=True))
