"""Hostile use of the planner routes (``POST /plan``, ``/plan/rank``): work piled up, not only bad bodies."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import numpy as np
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


def _next_is_refused_at_once(client, path: str, body: dict, release: threading.Event,
                             asked: list[threading.Thread], answers: list[int], *, verb: str, limit: int,
                             counted: str) -> None:
    """With ``limit`` requests of ``path`` held in the planning queue (``release`` frees them), one more is 503 at
    once with Retry-After; then the held ones are answered 200, the queue's ``counted`` is back to 0 and the next
    request is served."""
    threading.Timer(10, release.set).start()  # before the fix the next one waited its turn, then answered 200
    try:
        t0 = time.monotonic()
        r = client.post(path, json=body)
        assert r.status_code == 503, r.text
        assert time.monotonic() - t0 < 5 and r.headers["retry-after"] == "2"
        assert r.json() == {"detail": f"the server is already {verb} {limit} requests, as many "
                                      "as it queues: retry in a moment"}
    finally:
        release.set()
        for t in asked:
            t.join(timeout=60)
    assert answers == [200] * limit
    assert getattr(client.app.state.planning, counted) == 0
    assert client.post(path, json=body).status_code == 200


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
    _next_is_refused_at_once(client, "/plan/rank", {"start": START, "days": 14}, release, asked, answers,
                             verb="ranking", limit=plan_routes.MAX_RANKINGS, counted="rankings")


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


@pytest.mark.parametrize(("path", "limit", "what"), [("/plan/rank", plan_routes.MAX_RANKINGS, "rankings"),
                                                    ("/plan", plan_routes.MAX_PLANS, "plans")])
def test_the_planner_503_is_documented_with_the_limit_not_the_constant_name(client, path, limit, what):
    # the OpenAPI text read "`MAX_RANKINGS` (4) rankings asked already": a Python name a client cannot look up,
    # beside a copy of the number that would not follow the constant
    said = client.get("/openapi.json").json()["paths"][path]["post"]["responses"]["503"]["description"]
    assert f"{limit} {what} asked and not yet answered (Retry-After)" in said and "MAX_" not in said


PLAN = {"store": 1, "start": START, "days": 14}


def test_plans_past_the_queue_limit_are_503_at_once_as_rankings_are(client, monkeypatch):
    # /plan had no cap: plans asked faster than they were answered (many planners, a script) piled up without end,
    # each computed in turn, and a ranking or plan asked after them waited for them all
    release = threading.Event()
    real = plan_routes.plan_scenario
    monkeypatch.setattr(plan_routes, "plan_scenario", lambda *a, **kw: (release.wait(timeout=30), real(*a, **kw))[1])
    answers: list[int] = []
    asked = [threading.Thread(target=lambda: answers.append(client.post("/plan", json=PLAN).status_code))
             for _ in range(plan_routes.MAX_PLANS)]
    for t in asked:
        t.start()
    limiter = client.app.state.planning.limiter
    assert _until(lambda: limiter.statistics().tasks_waiting == plan_routes.MAX_PLANS - 1, 30)  # one runs
    _next_is_refused_at_once(client, "/plan", PLAN, release, asked, answers,
                             verb="planning", limit=plan_routes.MAX_PLANS, counted="plans")


@contextlib.contextmanager
def _serving(app, http: str) -> Iterator[int]:
    """``app`` under uvicorn in a thread of this process (so a test can hold the planner) on a free port, with
    ``storecast serve``'s protocol (``http="guard"``) or uvicorn's own (as ``uvicorn --factory`` serves it);
    yields the port."""
    import uvicorn

    from storecast.api.protocol import HeaderGuardProtocol

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                           http=HeaderGuardProtocol if http == "guard" else http))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 120
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _asked(port: int, path: str, start: str) -> socket.socket:
    """A socket that has sent a whole ``path`` request for 14 days from ``start`` and reads nothing yet."""
    body = json.dumps({"store": 1, "start": start, "days": 14} if path == "/plan" else {"start": start, "days": 14})
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(b"POST %s HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                 % (path.encode(), len(body), body.encode()))
    return sock


def _until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.mark.parametrize(("path", "http"), [("/plan", "guard"), ("/plan/rank", "guard"), ("/plan", "httptools")])
def test_a_request_whose_client_has_gone_is_not_computed_for_nobody(settings, monkeypatch, path, http):
    # the page cancels a plan at every newer one (a week pressed twice, the store list moved with the arrow keys,
    # a closed tab), and the server computed every cancelled one to the end, one after the other, before the plan
    # the page waited for: a request whose client has closed its socket now waits for nothing and is stopped at
    # its next prediction if it runs
    import storecast.predict
    from storecast.api import create_app

    running, waiting, after = "2015-08-03", ["2015-08-10", "2015-08-17", "2015-08-24"], "2015-09-07"
    held, release = threading.Event(), threading.Event()
    predicted: list[str] = []  # the first day of each prediction made
    real = storecast.predict.predict_frame

    def counted(bundle, rows, **kwargs):
        first = str(np.datetime64(int(rows.days.min()), "D"))
        predicted.append(first)
        if first == running and not held.is_set():
            held.set()  # the running job, held in its first prediction until its client and the others have gone
            release.wait(timeout=30)
        return real(bundle, rows, **kwargs)

    monkeypatch.setattr(storecast.predict, "predict_frame", counted)
    app = create_app(settings)
    with _serving(app, http) as port:
        gone = [_asked(port, path, running)]
        assert held.wait(timeout=30)
        gone += [_asked(port, path, start) for start in waiting]
        limiter = app.state.planning.limiter
        assert _until(lambda: limiter.statistics().tasks_waiting == len(waiting), 30)
        for sock in gone:
            sock.close()  # as a browser closes the socket of a cancelled fetch
        _until(lambda: limiter.statistics().tasks_waiting == 0, 5)  # the server sees them go (before the fix: never)
        release.set()
        body = {"store": 1, "start": after, "days": 14} if path == "/plan" else {"start": after, "days": 14}
        r = httpx.post(f"http://127.0.0.1:{port}{path}", json=body, timeout=60)
        assert r.status_code == 200, r.text
        assert [day for day in predicted if day in waiting] == []  # never started
        assert predicted.count(running) == 1  # stopped after the prediction it was in (a /plan makes four)
        assert predicted.count(after) >= 1
        # and their places in the queue are free again
        assert _until(lambda: app.state.planning.asked == {"plan": 0, "rank": 0}, 10), app.state.planning.asked


@pytest.mark.parametrize("path", ["/plan", "/plan/rank"])
def test_a_client_that_only_half_closes_after_its_request_gets_the_answer(settings, monkeypatch, path):
    # HTTP/1.1 lets a client shut its sending side once the request is out (`nc -N`, `shutdown(SHUT_WR)`); its EOF
    # read as a closed socket, so the planner dropped the job and answered 499 without a body. A socket closed whole
    # resets the connection on the interim 100 Continue the server now sends; a half-closed one reads it, then the plan
    import storecast.predict
    from storecast.api import create_app

    real = storecast.predict.predict_frame

    def slow(bundle, rows, **kwargs):
        time.sleep(0.3)  # the job runs on after the client's EOF: the queue asks several times whether it has gone
        return real(bundle, rows, **kwargs)

    monkeypatch.setattr(storecast.predict, "predict_frame", slow)
    app = create_app(settings)
    with _serving(app, "guard") as port:
        with _asked(port, path, "2015-08-03") as sock:
            sock.shutdown(socket.SHUT_WR)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        assert _until(lambda: app.state.planning.asked == {"plan": 0, "rank": 0}, 10), app.state.planning.asked
    interim, _, final = answer.partition(b"\r\n\r\n")
    assert interim == b"HTTP/1.1 100 Continue", answer[:200]
    head, _, body = final.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 "), final[:200]
    assert json.loads(body)["days" if path == "/plan/rank" else "store"] == (14 if path == "/plan/rank" else 1)
