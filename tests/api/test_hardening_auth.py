"""An empty or short API token is refused at start-up; start-up says whether auth is on."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from storecast.api import create_app
from storecast.cli.server_process import free_port
from storecast.config import MIN_TOKEN_CHARS, Settings, load_settings
from storecast.errors import StorecastError

GOOD_TOKEN = "a" * MIN_TOKEN_CHARS


@pytest.mark.parametrize(("token", "why"), [
    ("", "is set but empty: unset it to serve without auth, or set a token of at least 16 characters"),
    ("   ", "is set but empty"),
    ("s3cret", "has 6 characters, expected at least 16"),
    (f" {GOOD_TOKEN}", "starts or ends with whitespace"),
])
def test_a_token_that_cannot_guard_the_api_is_refused(token, why, monkeypatch):
    with pytest.raises(ValidationError, match=why):
        Settings(api_token=token)
    monkeypatch.setenv("STORECAST_API_TOKEN", token)
    with pytest.raises(StorecastError, match=f"^STORECAST_API_TOKEN {why}"):
        load_settings()


def test_unset_or_long_enough_tokens_are_accepted(monkeypatch):
    monkeypatch.delenv("STORECAST_API_TOKEN", raising=False)
    assert load_settings().api_token is None
    monkeypatch.setenv("STORECAST_API_TOKEN", GOOD_TOKEN)
    assert load_settings().api_token == GOOD_TOKEN


def test_create_app_refuses_an_empty_token_that_skipped_validation(settings):
    blank = settings.model_copy(update={"api_token": ""})  # model_copy does not run validators
    with pytest.raises(StorecastError, match="set but empty"):
        create_app(blank)


@pytest.mark.parametrize(("token", "line"), [
    (None, "auth: off (set STORECAST_API_TOKEN to require a token)"),
    (GOOD_TOKEN, "auth: bearer token required"),
])
def test_the_lifespan_logs_whether_auth_is_on(settings, caplog, token, line):
    with caplog.at_level(logging.INFO, logger="storecast.api"), \
            TestClient(create_app(settings.model_copy(update={"api_token": token}))):
        pass
    assert line in [r.getMessage() for r in caplog.records if r.name == "storecast.api"]


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def storecast_logger():
    """The "storecast" logger, its handlers, level and propagation restored after the test."""
    top = logging.getLogger("storecast")
    saved = top.handlers[:], top.level, top.propagate
    yield top
    top.handlers[:], top.level, top.propagate = saved


def test_the_lifespan_leaves_the_auth_line_to_storecast_serve_where_it_set_up_the_logs(settings, caplog,
                                                                                        storecast_logger):
    # `storecast serve` says it on its "serving ..." line and gives the "storecast" logger a handler of its own
    # that does not propagate (cli.serve.log_config): the lifespan said it a second time
    import logging.config

    from storecast.cli.serve import log_config

    cfg = log_config("info")  # its "storecast" parts only: uvicorn's loggers stay as the other tests expect them
    logging.config.dictConfig({"version": 1, "disable_existing_loggers": False,
                               **{part: {"storecast": cfg[part]["storecast"]}
                                  for part in ("formatters", "handlers", "loggers")}})
    own = _Lines()
    storecast_logger.addHandler(own)
    with caplog.at_level(logging.INFO), TestClient(create_app(settings)):
        pass
    assert not [line for line in own.lines + caplog.messages if line.startswith("auth: ")]


def test_a_log_config_of_ones_own_gets_the_auth_line_on_the_storecast_handler(settings, storecast_logger):
    # `uvicorn --factory --log-config mine.yaml` with "storecast" on a handler of its own, not propagating:
    # that shape was taken for `storecast serve`'s, and the line was said nowhere
    own = _Lines()
    storecast_logger.addHandler(own)
    storecast_logger.setLevel(logging.INFO)
    storecast_logger.propagate = False
    with TestClient(create_app(settings)):
        pass
    assert "auth: off (set STORECAST_API_TOKEN to require a token)" in own.lines


def _serve(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """``storecast serve`` on a free port with ``env`` as its only STORECAST_* variables."""
    cmd = [sys.executable, "-c", "from storecast.cli import main; main()", "serve", "--port", str(free_port()),
           *args]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("STORECAST_")}
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**clean, **env})


@pytest.mark.server
@pytest.mark.parametrize("token", ["", "  ", "short"])
def test_serve_with_a_bad_token_exits_2_with_one_line(token, tmp_path):
    proc = _serve({"STORECAST_API_TOKEN": token}, "--models-dir", str(tmp_path))
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert out.strip().count("\n") == 0 and "Traceback" not in out
    assert out.startswith("error: STORECAST_API_TOKEN ")


@pytest.mark.server
def test_serve_says_auth_is_on_at_start_up(model_path):
    proc = _serve({"STORECAST_API_TOKEN": GOOD_TOKEN}, "--model", str(model_path), "--log-level", "warning")
    try:
        assert proc.stdout is not None
        started = next(line for line in proc.stdout if line.startswith("serving "))
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    assert started.rstrip().endswith("(1 worker(s)); auth: bearer token required")


@pytest.mark.server
def test_serve_says_whether_auth_is_on_once(model_path):
    # the line came twice: on `serving ...` and from the lifespan through the storecast.api logger
    proc = _serve({}, "--model", str(model_path), "--log-level", "info")
    said = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            said.append(line)
            if "Application startup complete" in line:
                break
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    assert [line for line in said if "auth: " in line] == [next(line for line in said if line.startswith("serving "))]


def test_under_uvicorn_factory_the_auth_line_goes_to_uvicorns_log(settings):
    # nothing configures "storecast" loggers there; uvicorn's logger is configured, so the line goes to it
    root = logging.getLogger()
    saved, root.handlers = root.handlers, []  # as under uvicorn: no handler above "storecast.api"
    uvicorn_log, own = logging.getLogger("uvicorn.error"), _Lines()
    uvicorn_log.addHandler(own)
    level = uvicorn_log.level
    uvicorn_log.setLevel(logging.INFO)  # as uvicorn's log config sets it
    try:
        with TestClient(create_app(settings)):
            pass
    finally:
        uvicorn_log.removeHandler(own)
        uvicorn_log.setLevel(level)
        root.handlers = saved
    assert "auth: off (set STORECAST_API_TOKEN to require a token)" in own.lines
