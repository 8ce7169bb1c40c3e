"""GET /health, /ready and /model, and start-up refusing a bad model."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from storecast.api import create_app
from storecast.config import Settings
from storecast.errors import ArtifactError


def test_health_is_200(client):
    assert client.get("/health").json() == {"status": "ok"}


def test_ready_names_the_model(client, model_path):
    r = client.get("/ready")
    assert r.status_code == 200 and r.json() == {"status": "ready", "model": model_path.name}


def test_before_the_model_loads_ready_and_predict_are_503_health_is_200(settings):
    app = create_app(settings)
    c = TestClient(app)  # not entered: the lifespan has not run, so no model is loaded
    assert c.get("/health").status_code == 200
    r = c.get("/ready")
    assert r.status_code == 503 and "not ready" in r.json()["detail"]
    r = c.post("/predict", json={"rows": [{"store": 1, "date": "2015-08-03", "promo": 1}]})
    assert r.status_code == 503 and r.headers["retry-after"] == "5"


def test_model_card(client, model_path, known_stores):
    card = client.get("/model").json()
    assert card["model"] == model_path.name
    assert card["kind"] == "lgbm"
    assert card["created"]
    # first training row is the first open day with sales (1 January is a closed holiday)
    assert "2013-01-01" <= card["train_start"] <= "2013-01-07" and card["train_end"] == "2014-12-31"
    assert card["metrics"] and card["features"]
    assert card["interval_levels"] == [0.8, 0.95]
    assert card["stores"] == known_stores
    assert card["card"]["sha256"]


def test_model_is_loaded_once_at_start_up_not_at_import(settings, monkeypatch):
    import storecast.artifacts as artifacts

    calls = []
    original = artifacts.load_bundle

    def counting(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(artifacts, "load_bundle", counting)
    app = create_app(settings)
    assert calls == []
    with TestClient(app) as c:
        for _ in range(3):
            c.post("/predict", json={"rows": [{"store": 1, "date": "2015-08-03", "promo": 1}]})
    assert len(calls) == 1


def test_bad_model_file_stops_start_up(bad_model_dir):
    app = create_app(Settings(models_dir=bad_model_dir, model_path=None))
    with pytest.raises(ArtifactError, match="does not match its card"):
        with TestClient(app):
            pass


def test_missing_model_stops_start_up(tmp_path):
    with pytest.raises(ArtifactError, match="no model file"):
        with TestClient(create_app(Settings(models_dir=tmp_path / "empty", model_path=None))):
            pass
    with pytest.raises(ArtifactError, match="not found"):
        with TestClient(create_app(Settings(model_path=tmp_path / "nope.skops"))):
            pass


def test_a_bug_is_a_safe_logged_500(settings, caplog):
    app = create_app(settings)

    async def boom() -> None:
        raise RuntimeError("secret internal detail")

    app.add_api_route("/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/boom")
    assert r.status_code == 500
    assert "secret" not in r.text and "server log" in r.json()["detail"]
    assert any("unhandled error on GET /boom" in rec.getMessage() for rec in caplog.records)


def test_a_bug_logs_the_path_as_sent_and_clipped(settings, caplog):
    """Was the decoded path, whole (``/boom/Axxx...`` for ``/boom/%41xxx...``), unlike the access log's line."""
    from storecast.api.sent_path import MAX_LOGGED_PATH

    app = create_app(settings)

    async def boom(part: str) -> None:
        raise RuntimeError("secret internal detail")

    app.add_api_route("/boom/{part}", boom)
    sent = "/boom/%41" + "x" * 1000
    with TestClient(app, raise_server_exceptions=False) as c:
        assert c.get(sent).status_code == 500
    (line,) = [rec.getMessage() for rec in caplog.records if rec.getMessage().startswith("unhandled error on")]
    assert line == f"unhandled error on GET {sent[:MAX_LOGGED_PATH]}…"


@pytest.mark.parametrize(("method", "path", "meant"), [
    ("POST", "/predict/", "/predict"), ("GET", "/health/", "/health"), ("POST", "/plan//rank/", "/plan/rank"),
])
def test_a_path_with_a_stray_slash_is_404_naming_the_route_not_a_redirect(client, method, path, meant):
    """No 307: Starlette builds its Location from the Host header (http://evil.example/predict)."""
    r = client.request(method, path, headers={"host": "evil.example"}, follow_redirects=False)
    assert r.status_code == 404 and "location" not in r.headers
    assert r.json() == {"detail": f"nothing at {path}: did you mean {meant}? (paths take no trailing or "
                                  "doubled slash)"}


@pytest.mark.parametrize(("path", "meant", "why"), [
    ("/docs/", "/docs", "paths take no trailing or doubled slash"),
    ("/openapi.json/", "/openapi.json", "paths take no trailing or doubled slash"),
    ("/Docs", "/docs", "paths are case-sensitive"), ("/OPENAPI.JSON", "/openapi.json", "paths are case-sensitive"),
])
def test_a_404_names_the_docs_route_meant_too(client, path, meant, why):
    # the routes the OpenAPI description leaves out were no candidates: /docs/ read "GET /openapi.json lists the routes"
    r = client.get(path)
    assert (r.status_code, r.json()) == (404, {"detail": f"nothing at {path}: did you mean {meant}? ({why})"})


@pytest.mark.parametrize(("path", "meant", "why"), [
    ("/Web/planner.js", "/web/planner.js", "paths are case-sensitive"),
    ("/WEB/PLANNER.CSS", "/web/planner.css", "paths are case-sensitive"),
    ("/web/planner.js/", "/web/planner.js", "paths take no trailing or doubled slash"),
    ("/web//rank.js", "/web/rank.js", "paths take no trailing or doubled slash"),
    ("/INDEX.html", None, None), ("/web/", None, None),
])
def test_a_404_names_the_planner_file_meant(client, path, meant, why):
    # was "GET /openapi.json lists the routes": the page's route is the template /web/{name}, which no typo matched
    r = client.get(path)
    if meant is None:  # /web/ is no file: no route to suggest
        assert (r.status_code, r.json()) == (404, {"detail": f"nothing at {path}: GET /openapi.json lists the routes"})
        return
    assert (r.status_code, r.json()) == (404, {"detail": f"nothing at {path}: did you mean {meant}? ({why})"})
    assert client.get(meant).status_code == 200


def test_an_unknown_path_is_404_pointing_to_the_route_list(client):
    r = client.get("/predict%0Aforged")
    assert r.status_code == 404
    assert r.json() == {"detail": "nothing at /predict%0Aforged: GET /openapi.json lists the routes"}


def test_a_404_names_the_path_as_sent_and_cuts_a_long_one_visibly(client, caplog):
    """Was the decoded path cut silently at 200 (``/Axxx...x``, read as the path sent), unlike the log line, which
    names the path as sent and clipped with "…": one path, one spelling."""
    import logging

    from storecast.api.sent_path import MAX_LOGGED_PATH

    sent = "/%41" + "x" * 1000
    with caplog.at_level(logging.INFO, logger="storecast.api.access"):
        r = client.get(sent)
    assert r.status_code == 404
    assert r.json() == {"detail": f"nothing at {sent[:MAX_LOGGED_PATH]}…: GET /openapi.json lists the routes"}
    assert any(rec.getMessage().startswith(f"GET {sent[:MAX_LOGGED_PATH]}… 404") for rec in caplog.records)


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("DELETE", "/health", "GET, HEAD"), ("PUT", "/model", "GET, HEAD"), ("POST", "/", "GET, HEAD"),
    ("DELETE", "/openapi.json", "GET, HEAD"), ("GET", "/predict", "POST"), ("HEAD", "/plan", "POST"),
])
def test_a_405_allows_head_wherever_it_allows_get(client, method, path, allow):
    """HeadAsGet answers HEAD on every GET route, so the Allow header of a 405 names it too."""
    r = client.request(method, path)
    assert r.status_code == 405 and r.headers["allow"] == allow
    if method != "HEAD":
        assert r.json() == {"detail": f"{method} is not allowed on {path}: it takes {allow}"}
