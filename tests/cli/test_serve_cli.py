"""`storecast serve` start-up: what it says before uvicorn runs, and what it refuses first."""

from __future__ import annotations

import socket

import pytest


@pytest.fixture
def busy_port():
    """A loopback port another server is listening on."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


def test_a_port_in_use_is_one_line_and_exit_2_before_the_model_loads(run_main, busy_port, tmp_path, monkeypatch):
    """Was: the model loaded, "serving ... on" printed, then uvicorn's ERROR line among its logs and exit 3."""
    import storecast.api.serving as serving

    def must_not_load(*_a, **_k):
        raise AssertionError("the model was loaded before the port was checked")

    monkeypatch.setattr(serving, "load_served", must_not_load)
    monkeypatch.setattr(serving, "resolve_model_path", must_not_load)
    code, out, err = run_main("serve", "--model", str(tmp_path / "m.skops"), "--port", str(busy_port))
    said = " ".join(err.split())
    assert code == 2 and "Traceback" not in out + err
    assert f"--port: cannot listen on 127.0.0.1:{busy_port}" in said and "pass another --port" in said
    assert "serving" not in out + err


def test_an_unknown_host_is_named(run_main, tmp_path):
    code, _, err = run_main("serve", "--model", str(tmp_path / "m.skops"), "--host", "no-such-host.invalid")
    assert code == 2 and "--host: cannot bind 'no-such-host.invalid'" in " ".join(err.split())


def test_start_up_lines_say_where_the_planner_is(run_main, model_path, monkeypatch):
    """The analyst's first question after `storecast serve`: which address to open."""
    import uvicorn

    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    ran = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: ran.update(kw))
    code, out, err = run_main("serve", "--model", str(model_path), "--port", str(port))
    said = " ".join(err.split())
    assert code in (0, None) and ran["port"] == port
    assert f"planner: http://127.0.0.1:{port}/ " in said and f"http://127.0.0.1:{port}/openapi.json" in said


@pytest.mark.parametrize(("how", "said"), [("flag", "--models-dir: {dir} not found"),
                                           ("env", "STORECAST_MODELS_DIR: {dir} not found"),
                                           ("file", "--models-dir: {dir} is a file, not a directory")])
def test_a_models_dir_that_is_not_there_is_named_as_a_typo(run_main, tmp_path, monkeypatch, how, said):
    """Was "no model file in X: run `storecast train` first", as if nothing had been trained yet."""
    folder = tmp_path / "modles"
    if how == "file":
        folder.write_text("keep")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STORECAST_MODEL_PATH", raising=False)
    if how == "env":
        monkeypatch.setenv("STORECAST_MODELS_DIR", str(folder))
    code, _, err = run_main("serve", *(["--models-dir", str(folder)] if how != "env" else []))
    assert code == 2 and said.format(dir=folder) in " ".join(err.split()), err


def test_the_default_models_dir_missing_still_says_train_first(run_main, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("STORECAST_MODEL_PATH", "STORECAST_MODELS_DIR"):
        monkeypatch.delenv(name, raising=False)
    code, _, err = run_main("serve")
    assert code == 2 and "no model file in models: run `storecast train --data DIR` first" in err


def test_an_empty_models_dir_names_itself_in_the_train_command(run_main, tmp_path, monkeypatch):
    """Was "run `storecast train` first", which saves into models/: the folder served stayed empty."""
    monkeypatch.delenv("STORECAST_MODEL_PATH", raising=False)
    code, _, err = run_main("serve", "--models-dir", str(tmp_path))
    assert code == 2
    assert f"run `storecast train --data DIR --models-dir {tmp_path}` first" in " ".join(err.split())
    code, out, err = run_main("models", "list", "--models-dir", str(tmp_path))
    assert code in (0, None), err
    assert " ".join((out + err).split()) == (f"no complete model in {tmp_path}: `storecast train --data DIR "
                                             f"--models-dir {tmp_path}` saves one")


def test_port_0_is_not_printed_as_an_address(run_main, model_path, monkeypatch):
    """--port 0 printed "serving ... on http://127.0.0.1:0": no address to open."""
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: None)
    code, _, err = run_main("serve", "--model", str(model_path), "--port", "0")
    said = " ".join(err.split())
    assert code in (0, None) and ":0 " not in said and "planner:" not in said
    assert "on 127.0.0.1, on a free port that uvicorn's 'running on' line names (1 worker(s)); auth: off" in said


@pytest.mark.parametrize(("value", "said"), [("abc", "STORECAST_PORT: Input should be a valid integer, unable to "
                                                      "parse string as an integer; got 'abc'"),
                                             ("99999", "STORECAST_PORT: Input should be less than or equal to 65535; "
                                                       "got '99999'"),
                                             # a value of 10 kB (a file pasted into the variable) is cut visibly
                                             ("9" * 10_000, "STORECAST_PORT: Unable to parse input string as an "
                                                            "integer, exceeded maximum size; got '" + "9" * 39 + "…")])
def test_a_bad_setting_is_named_with_the_value_read(run_main, model_path, monkeypatch, value, said):
    """Was the rule alone: which value the environment held (a stray export, a quoted "8000 ") was not said."""
    monkeypatch.setenv("STORECAST_PORT", value)
    code, _, err = run_main("serve", "--model", str(model_path))
    assert code == 2 and " ".join(err.split()) == f"error: {said}"


def test_a_wildcard_host_prints_an_address_to_open(run_main, model_path, monkeypatch):
    """--host 0.0.0.0 printed "planner: http://0.0.0.0:8000/", which some browsers refuse and which means
    nothing on another machine: the loopback is printed, the bind said beside it."""
    import socket

    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: None)
    with socket.socket() as probe:  # a port free a moment ago; check_bind tries it before serving
        probe.bind(("0.0.0.0", 0))
        port = probe.getsockname()[1]
    code, _, err = run_main("serve", "--model", str(model_path), "--host", "0.0.0.0", "--port", str(port))
    said = " ".join(err.split())
    assert code in (0, None) and "http://0.0.0.0" not in said, said
    assert f"on http://127.0.0.1:{port} (bound to 0.0.0.0: every interface)" in said
    assert f"planner: http://127.0.0.1:{port}/ " in said


def test_an_ipv6_host_is_bracketed_in_the_urls():
    from storecast.cli.serve import url_host

    assert [url_host(h) for h in ("127.0.0.1", "::1", "::", "0.0.0.0", "localhost")] == [
        "127.0.0.1", "[::1]", "[::1]", "127.0.0.1", "localhost"]


def test_log_level_help_lists_every_level_it_takes():
    """The help said "debug, info, warning or error" while critical was taken too (and applied)."""
    from typer.testing import CliRunner

    from storecast.cli import app
    from storecast.cli.serve import _LOG_LEVELS

    shown = " ".join(CliRunner().invoke(app, ["serve", "--help"], terminal_width=200).output.replace("│", " ").split())
    assert "debug, info, warning, error or critical." in shown and len(_LOG_LEVELS) == 5
