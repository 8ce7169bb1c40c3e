"""A real ``storecast serve`` process on a free loopback port (bounded timeouts, always stopped)."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from storecast.cli.server_process import demo_roundtrip, free_port, running_server

pytestmark = pytest.mark.server


def test_storecast_serve_answers_over_http(model_path, tmp_path):
    log = tmp_path / "server.log"
    with running_server(model_path, workers=1, timeout=60, log_file=log) as base:
        assert httpx.get(f"{base}/health", timeout=5).json() == {"status": "ok"}
        assert httpx.get(f"{base}/ready", timeout=5).json()["model"] == model_path.name
        body = {"rows": [{"id": 1, "store": 1, "date": "2015-08-03", "open": 1, "promo": 1},
                         {"id": 2, "store": 1, "date": "2015-08-09", "open": 0, "promo": 0}]}
        r = httpx.post(f"{base}/predict", json=body, timeout=10)
        assert r.status_code == 200
        first, closed = r.json()["predictions"]
        assert first["sales"] > 0 and closed["sales"] == 0.0
        r = httpx.post(f"{base}/predict", json={"rows": [{"store": 1, "date": "2015-13-01", "promo": 1}]},
                       timeout=10)
        assert r.status_code == 422 and r.json()["detail"][0]["field"] == "rows[0].date"
        forecast = httpx.post(f"{base}/forecast", json={"store": 1, "start": "2015-08-01"}, timeout=10)
        assert forecast.status_code == 200 and len(forecast.json()["predictions"]) == 42
    started = next(line for line in log.read_text().splitlines() if line.startswith("serving "))
    assert started.endswith("auth: off (set STORECAST_API_TOKEN to require a token)")
    assert "compiling the trees in the background" not in log.read_text()  # STORECAST_COMPILE=0 in the tests


def test_serve_says_it_compiles_the_trees_in_the_background(model_path, tmp_path):
    """Its log line came before uvicorn set up logging and was lost: `storecast serve` says it on its own lines."""
    copy = tmp_path / model_path.name  # no compiled cache beside it: the server starts compiling
    copy.write_bytes(model_path.read_bytes())
    copy.with_suffix(".json").write_bytes(model_path.with_suffix(".json").read_bytes())
    log = tmp_path / "server.log"
    with running_server(copy, workers=1, timeout=60, log_file=log, env={"STORECAST_COMPILE": "cache"}) as base:
        assert httpx.get(f"{base}/ready", timeout=5).status_code == 200
    assert "compiling the trees in the background" in " ".join(log.read_text().split())


def test_demo_roundtrip(model_path):
    out = demo_roundtrip(model_path, timeout=60)
    assert out["status"] == 200
    assert out["response"]["model"] == model_path.name
    assert out["response"]["predictions"][0]["sales"] > 0


def test_serve_without_a_model_exits_2_with_a_message(tmp_path):
    cmd = [sys.executable, "-c", "from storecast.cli import main; main()", "serve",
           "--models-dir", str(tmp_path / "none"), "--port", str(free_port())]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "no model file" in done.stderr


def test_serve_with_a_bad_model_file_exits_2_with_the_reason_and_no_traceback(bad_model_dir):
    """The model loads before uvicorn starts, so the reason is one line, not a lifespan traceback."""
    cmd = [sys.executable, "-c", "from storecast.cli import main; main()", "serve",
           "--models-dir", str(bad_model_dir), "--port", str(free_port())]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "does not match its card" in done.stderr + done.stdout
    assert "Traceback" not in done.stderr + done.stdout


def test_uvicorn_finds_the_protocol_by_its_documented_name():
    # `uvicorn --factory --http storecast.api.middleware:HeaderGuardProtocol` is the name users were given
    # (docs/architecture.md); the protocol lives in api.protocol, and that name still imports it
    from uvicorn.importer import import_from_string

    from storecast.api.protocol import HeaderGuardProtocol

    assert import_from_string("storecast.api.middleware:HeaderGuardProtocol") is HeaderGuardProtocol
