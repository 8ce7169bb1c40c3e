"""Hostile use of the planner routes (``POST /plan``, ``/plan/rank``): work piled up, not only bad bodies."""

from __future__ import annotations

import threading
import time

import pytest

from storecast.api.routes import plan as plan_routes

START = "2015-08-01"


def _rankings_sent(client, answers: list[int]) -> list[threading.Thread]:
    """As many rankings as the queue holds, each sent from its own started thread; their statuses go to ``answers``."""
    asked = [threading.Thread(target=lambda: answers.append(
        client.post("/plan/rank", json={"start": START, "days": 14}).status_code))
        for _ in range(plan_routes.MAX_RANKINGS)]
    for t in asked:
        t.start()
    return asked


def test_rankings_past_the_queue_limit_are_503_at_once_not_computed_in_turn(client, monkeypatch):
    # A ranking of 1,115 stores takes 1-2 s, and a ranking whose client hung up was still computed in its turn:
    # 150 sent and dropped held a /plan sent after them for 9 s on an 8-store model.
    release, started = threading.Event(), threading.Semaphore(0)
    real = plan_routes.rank_stores

    def held(*args, **kwargs):
        started.release()
        release.wait(timeout=30)
        return real(*args, **kwargs)

    monkeypatch.setattr(plan_routes, "rank_stores", held)
    answers: list[int] = []
    asked = _rankings_sent(client, answers)
    assert started.acquire(timeout=30)  # one ranks; the others wait their turn
    deadline = time.monotonic() + 30
    while client.app.state.planning.rankings < plan_routes.MAX_RANKINGS and time.monotonic() < deadline:
        time.sleep(0.01)
    threading.Timer(10, release.set).start()  # before the fix the next one waited its turn, then answered 200
    try:
        t0 = time.monotonic()
        r = client.post("/plan/rank", json={"start": START, "days": 14})
        assert r.status_code == 503, r.text
        assert time.monotonic() - t0 < 5 and r.headers["retry-after"] == "2"
        assert r.json() == {"detail": f"the server is already ranking {plan_routes.MAX_RANKINGS} requests, as many "
                                      "as it queues: retry in a moment"}
    finally:
        release.set()
        for t in asked:
            t.join(timeout=60)
    assert answers == [200] * plan_routes.MAX_RANKINGS
    assert client.app.state.planning.rankings == 0
    assert client.post("/plan/rank", json={"start": START, "days": 14}).status_code == 200


def test_two_apps_in_one_process_do_not_share_the_ranking_queue(client, settings, monkeypatch):
    # the queue was the module's: rankings held by one app made a second app (a test's, a reload's) answer 503
    from fastapi.testclient import TestClient

    from storecast.api import create_app

    release = threading.Event()
    real = plan_routes.rank_stores
    monkeypatch.setattr(plan_routes, "rank_stores", lambda *a, **kw: (release.wait(timeout=30), real(*a, **kw))[1])
    answers: list[int] = []
    asked = _rankings_sent(client, answers)
    deadline = time.monotonic() + 30
    while client.app.state.planning.rankings < plan_routes.MAX_RANKINGS and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        assert client.post("/plan/rank", json={"start": START, "days": 14}).status_code == 503  # this app is full
        with TestClient(create_app(settings)) as other:
            threading.Timer(1.0, release.set).start()  # the other app's ranking waits for nothing of the first's
            r = other.post("/plan/rank", json={"start": START, "days": 14})
            assert r.status_code == 200, r.text
    finally:
        release.set()
        for t in asked:
            t.join(timeout=60)
    assert answers == [200] * plan_routes.MAX_RANKINGS


@pytest.mark.parametrize("body", [{"start": "2015-13-01"}, {"start": START, "days": 5}])
def test_a_refused_ranking_frees_its_place_in_the_queue(client, body):
    for _ in range(plan_routes.MAX_RANKINGS + 1):
        assert client.post("/plan/rank", json=body).status_code == 422
    assert client.app.state.planning.rankings == 0


def test_the_ranking_503_is_documented_with_the_limit_not_the_constant_name(client):
    # the OpenAPI text read "`MAX_RANKINGS` (4) rankings asked already": a Python name a client cannot look up,
    # beside a copy of the number that would not follow the constant
    said = client.get("/openapi.json").json()["paths"]["/plan/rank"]["post"]["responses"]["503"]["description"]
    assert f"{plan_routes.MAX_RANKINGS} rankings asked and not yet answered" in said and "MAX_RANKINGS" not in said
