"""api.planner on its own: scenario plans, listed-day checks, candidate promo weeks, bands and the ranking."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from storecast.api.plan import DayPlan
from storecast.api.planner import (
    NoPromoWeekError,
    day_problems,
    outer_bundle,
    plan_scenario,
    promo_weeks,
    rank_stores,
    scenario_plan,
    whole_units,
)
from storecast.api.serving import load_served

START = dt.date(2015, 8, 3)  # a Monday


@pytest.fixture(scope="module")
def served(settings):
    return load_served(settings)


def _usual(n: int = 7) -> DayPlan:
    days = (START - dt.date(1970, 1, 1)).days + np.arange(n)
    return DayPlan(days=days, open=np.array([1, 1, 1, 1, 1, 1, 0][:n], dtype=np.int8),
                   promo=np.array([1, 1, 1, 1, 1, 0, 0][:n], dtype=np.int8), state_holiday=["0"] * n,
                   school_holiday=np.zeros(n, dtype=np.int8))


def test_listed_days_replace_the_usual_ones_and_none_keeps_them():
    usual = _usual()
    same = scenario_plan(usual)
    assert same.promo.tolist() == usual.promo.tolist() and same.open.tolist() == usual.open.tolist()
    out = scenario_plan(usual, promo_days=[START + dt.timedelta(days=5)], closed_days=[START])
    assert out.promo.tolist() == [0, 0, 0, 0, 0, 1, 0]
    assert out.open.tolist() == [0, 1, 1, 1, 1, 1, 1]  # Sunday opens: closed_days lists every closed day
    assert usual.promo.tolist() == [1, 1, 1, 1, 1, 0, 0]  # the usual plan is left alone
    assert scenario_plan(usual, promo_days=[]).promo.sum() == 0


def test_a_listed_day_outside_the_window_is_refused_not_wrapped_round():
    # a day before the window indexed the plan from its end: the Sunday became a promo day, silently
    with pytest.raises(ValueError, match=r"scenario_plan: 2015-08-02 is outside the planning window 2015-08-03"):
        scenario_plan(_usual(), promo_days=[START - dt.timedelta(days=1)])
    with pytest.raises(ValueError, match="2015-08-10 is outside"):
        scenario_plan(_usual(), closed_days=[START + dt.timedelta(days=7)])


def test_day_problems_name_days_outside_the_window_and_repeats():
    days = [START, START + dt.timedelta(days=9), START]
    assert [(i, typ) for i, _, typ in day_problems(days, START, 7)] == [(1, "plan_date"), (2, "plan_duplicate")]
    assert day_problems([START + dt.timedelta(days=6)], START, 7) == []
    # the routes name their list, so a repeat names the earlier item; `storecast plan` names none
    assert [msg for _, msg, _ in day_problems(days, START, 7, name="promo_days")][1] == (
        f"{START} is also promo_days[0]: list each day once")
    assert [msg for _, msg, _ in day_problems(days, START, 7)][1] == f"{START} is listed twice"


def test_candidate_weeks_are_promo_free_mondays_whose_friday_is_inside():
    first = (START - dt.date(1970, 1, 1)).days - 2  # Saturday before START
    promo = np.zeros((2, 16), dtype=np.int8)
    promo[0, 2:7] = 1  # store 0: promo in the first week
    mondays, free = promo_weeks(promo, first)
    assert mondays.tolist() == [2, 9]  # the Monday at offset 16 would end after the window
    assert free.tolist() == [[False, True], [True, True]]


def test_the_wider_band_is_the_same_model_at_its_other_calibrated_level(bundle):
    level, outer = outer_bundle(bundle)
    assert level == 0.8 and outer.level == 0.95 and outer.model is bundle.model
    one = dataclasses.replace(bundle, card={**bundle.card, "intervals": {"levels": [0.8]}})
    assert outer_bundle(one) == (0.8, None)
    # served at its widest level: no narrower band passed off as the wider one (it hid under the served band)
    widest = dataclasses.replace(bundle, level=0.95)
    assert outer_bundle(widest) == (0.95, None)


def test_plan_scenario_forecasts_both_plans_with_both_bands(served):
    result = plan_scenario(served.bundle, served.facts, 1, START, 14, closed_days=[])
    assert (result.level, result.outer_level) == (0.8, 0.95)
    assert result.scenario.open.tolist() == [1] * 14
    opened = result.usual.open == 1
    assert (result.usual.outer_lower[opened] < result.usual.lower[opened]).all()
    assert result.difference[opened] == pytest.approx(0.0)
    assert (result.difference[~opened] > 0).all()  # the usual closed days now sell


def test_rank_is_best_gain_first_with_a_week_each(served):
    ranking = rank_stores(served.bundle, served.facts, START, 42)
    table = ranking.table
    assert len(table) == len(served.facts.stores)
    assert table["gain"].is_monotonic_decreasing
    assert set(table["week"]) <= {w.isoformat() for w in ranking.weeks}
    assert len(ranking.weeks) == 3


def test_a_ranking_made_in_chunks_of_stores_answers_exactly_what_one_call_does(served):
    # the chunks that let a ranking stop midway (below) must not move a figure: a store's forecast reads only its
    # own rows, so 5 + 5 + 2 stores answer the same bytes as all 12 in one call
    whole = rank_stores(served.bundle, served.facts, START, 42, chunk=len(served.facts.stores))
    chunked = rank_stores(served.bundle, served.facts, START, 42, chunk=5)
    assert len(served.facts.stores) > 10 and chunked.weeks == whole.weeks
    assert chunked.table.to_json(double_precision=15) == whole.table.to_json(double_precision=15)
    pd.testing.assert_frame_equal(chunked.table, whole.table, check_exact=True)


def test_a_store_listed_twice_is_refused_naming_its_first_place_before_any_prediction(served, monkeypatch):
    # stores 1 and 2, then 1 again: in chunks of 2 the repeat fell in a chunk of its own and the table ranked store 1
    # twice; in one chunk its rows were sent twice in one request. Refused, as /plan refuses a day listed twice.
    import storecast.predict

    predicted: list[int] = []
    real = storecast.predict.predict_frame
    monkeypatch.setattr(storecast.predict, "predict_frame",
                        lambda bundle, rows, **kw: (predicted.append(len(rows.store)), real(bundle, rows, **kw))[1])
    a, b = (int(st) for st in served.facts.stores[:2])
    for chunk in (2, 3):
        with pytest.raises(ValueError, match=re.escape(f"`stores`: store {a} is also stores[0]: list each store once")):
            rank_stores(served.bundle, served.facts, START, 42, stores=[a, b, a], chunk=chunk)
    assert predicted == []
    with pytest.raises(ValueError, match=re.escape(f"store {b} is also stores[1] (and 1 more): list each store once")):
        rank_stores(served.bundle, served.facts, START, 42, stores=[a, b, a, b, b, a], chunk=2)
    listed_once = rank_stores(served.bundle, served.facts, START, 42, stores=[a, b], chunk=1)
    assert sorted(listed_once.table["store"]) == sorted([a, b])


def test_a_ranking_whose_client_has_gone_stops_after_its_current_chunk(served, monkeypatch):
    # one ranking was one prediction over every store, checked only before it: a client that went during it
    # (1-2 s on Rossmann's 1,115 stores) had it computed to the end for nobody
    import storecast.predict

    asked: list[list[int]] = []  # the stores of each prediction made
    real = storecast.predict.predict_frame

    def counted(bundle, rows, **kwargs):
        asked.append(sorted(set(rows.store.tolist())))
        return real(bundle, rows, **kwargs)  # the client goes while the first chunk is predicted

    def check():
        if asked:
            raise _Gone

    monkeypatch.setattr(storecast.predict, "predict_frame", counted)
    with pytest.raises(_Gone):
        rank_stores(served.bundle, served.facts, START, 42, check=check, chunk=5)
    assert asked == [sorted(served.facts.stores)[:5]]


class _Gone(Exception):
    """What a ``check`` raises once the client has gone (``planning_queue.ClientGone`` in the API)."""


class _PromoAndSchedule:
    """A stand-in bundle whose "forecast" is 1,000 on a promo day plus the closure distances its schedule step reads."""

    kind, needs_history, level, reads_closed_rows = "lgbm", False, 0.8, True

    def __init__(self, facts):
        self.facts = facts

    def predict_open(self, rows, history=None):
        from storecast.features.schedule import StoreSchedule

        cols = rows.columns()
        read = StoreSchedule().fit(cols).transform(cols)
        echo = 1000.0 * cols["Promo"] + read["closure_ahead_days"] + read["reopened_days"]
        return echo, echo, echo


def test_rank_gain_is_the_promo_alone_read_with_the_store_s_usual_schedule(served):
    """A candidate week's days are forecast with the store's whole usual plan around them, as in ``/plan``.

    Before, the candidate days were their own schedule: Monday..Friday of every other week, with 9 days
    between them read as closures, so a model that reads closures (the default one does) added a
    clearance/reopening effect that no plan has to every gain.
    """
    ranking = rank_stores(_PromoAndSchedule(served.facts), served.facts, START, 42)
    assert ranking.table["gain"].tolist() == [5 * 1000.0] * len(served.facts.stores)


def test_a_period_without_a_free_week_cannot_be_ranked(served):
    with pytest.raises(NoPromoWeekError, match="no Monday..Friday week without a usual promo"):
        rank_stores(served.bundle, served.facts, START, 4)


@pytest.mark.parametrize(("start", "hint"), [
    (START, "plan a longer period: "),
    # 36 days from 2099-11-25 are served: it was told to start earlier, as if every period were 42 days long
    (dt.date(2099, 11, 25), "plan a longer period: "),
    # a longer period from 2099-12-31 runs past the last date served: it was told only "plan a longer period"
    (dt.date(2099, 12, 31), "plan a longer period starting earlier (the last date served is 2099-12-31)"),
    (dt.date(2099, 12, 24), "plan a longer period starting earlier"),  # no Monday..Friday left before the end
])
def test_a_period_without_a_free_week_says_how_to_get_one(served, start, hint):
    with pytest.raises(NoPromoWeekError, match=re.escape(hint)) as caught:
        rank_stores(served.bundle, served.facts, start, 1)
    said = re.search(r"(\d+) days from \S+ hold one", str(caught.value))
    assert (said is None) == ("starting earlier" in hint), str(caught.value)
    if said:
        ranking = rank_stores(served.bundle, served.facts, start, int(said[1]))  # the period it names can be ranked
        assert ranking.weeks and (start + dt.timedelta(days=int(said[1]) - 1)) <= dt.date(2099, 12, 31)


@pytest.mark.parametrize("offset", range(7))
def test_a_too_short_period_is_told_how_many_days_from_its_start_day_hold_a_free_week(served, offset):
    """The hint names the days from that start that hold a free week: that many rank, one fewer does not.

    Before, it said "42 days hold three such weeks" whatever the start: from a Tuesday..Friday, 42 days
    hold five whole Monday..Friday weeks, two or three of them free.
    """
    start = START + dt.timedelta(days=offset)
    stand_in = _PromoAndSchedule(served.facts)
    with pytest.raises(NoPromoWeekError) as caught:
        rank_stores(stand_in, served.facts, start, (7 - offset) % 7 + 4)  # up to the first Thursday: no whole week
    need = int(re.search(r"(\d+) days from \S+ hold one", str(caught.value))[1])
    assert rank_stores(stand_in, served.facts, start, need).table["week"].notna().all()
    with pytest.raises(NoPromoWeekError):
        rank_stores(stand_in, served.facts, start, need - 1)


def test_whole_units_round_halves_up_as_the_pages_math_round_does():
    # Python's round and ":.0f" round halves to even (2.5 -> 2): the page's Math.round says 3, so the page
    # and `storecast plan` would print different figures for the same day
    got = whole_units(np.array([2.5, 3.5, 0.49999999999999994, 1234.4999, -2.5, -0.4, 0.0]))
    assert got.tolist() == [3.0, 4.0, 0.0, 1234.0, -2.0, 0.0, 0.0]
