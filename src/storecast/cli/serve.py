"""`storecast serve`: run the REST API with uvicorn (the app factory, so ``--workers N`` works)."""

from __future__ import annotations

__all__ = ["serve", "log_config", "check_bind", "url_host"]

import os
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from storecast.cli._app import app, console, examples


def log_config(level: str = "INFO") -> dict[str, Any]:
    """uvicorn's logging config plus the ``storecast`` loggers (one line per request, no payload).

    Its handler carries ``api.app.SERVE_HANDLER_MARK``: the app's lifespan then leaves the "auth: ..." line
    to the "serving ..." line printed here, and says it itself under any other log config.
    """
    from uvicorn.config import LOGGING_CONFIG

    from storecast.api.app import SERVE_HANDLER_MARK

    cfg: dict[str, Any] = {k: (dict(v) if isinstance(v, dict) else v) for k, v in LOGGING_CONFIG.items()}
    cfg["formatters"] = {**cfg["formatters"], "storecast": {
        "format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}}
    cfg["handlers"] = {**cfg["handlers"], "storecast": {
        "formatter": "storecast", "class": "logging.StreamHandler", "stream": "ext://sys.stderr",
        ".": {SERVE_HANDLER_MARK: True}}}
    cfg["loggers"] = {**cfg["loggers"], "storecast": {
        "handlers": ["storecast"], "level": level.upper(), "propagate": False}}
    return cfg


_LOG_LEVELS = ("debug", "info", "warning", "error", "critical")


def _check_models_dir(folder: Path, given: str | None) -> None:
    """A models directory that was given and is not there is a typo to name, not "no model file in X: run
    `storecast train` first"; the default folder missing does mean that nothing was trained yet."""
    from storecast.cli._app import models_dir_choice
    from storecast.errors import ArtifactError

    who = given or models_dir_choice(None)[1]
    if folder.is_dir() or who is None:
        return
    what = "is a file, not a directory" if folder.exists() else "not found"
    raise ArtifactError(f"{who}: {folder} {what}, so no model file to serve: give the directory `storecast train` "
                        "saved into, or a model file with --model.")


# Binding to every interface: no address to open, so the lines printed give this machine's loopback instead.
WILDCARDS = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}


def url_host(host: str) -> str:
    """``host`` as a URL a browser opens: "http://0.0.0.0:8000/" fails in some browsers and means nothing on
    another machine, and "http://::1:8000/" is no URL (an IPv6 address goes in brackets)."""
    return WILDCARDS.get(host) or (f"[{host}]" if ":" in host else host)


def check_bind(host: str, port: int) -> None:
    """Refuse a ``--host``/``--port`` that cannot be bound, before the model loads.

    Why: uvicorn finds out only after the model has loaded (and its trees started compiling), then logs an
    ``ERROR`` line among its start-up lines and exits 3, after ``serving ... on`` was already printed. Bound
    with ``SO_REUSEADDR`` as uvicorn binds, so a port left in TIME_WAIT by a server just stopped is not refused.
    """
    import socket

    from storecast.errors import StorecastError

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise StorecastError(f"--host: cannot bind {host!r} ({exc.strerror}): give an address of this machine, "
                             "such as 127.0.0.1 (this machine only) or 0.0.0.0 (every interface).") from exc
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise StorecastError(f"--port: cannot listen on {host}:{port} ({exc.strerror}): another server "
                                 "holds it, or it needs more rights; pass another --port (0: any free port) "
                                 "or stop the other server.") from exc


@app.command(epilog=examples(
    "# X.skops: a model file `storecast models list` shows",
    "storecast serve                     # newest model in models/, http://127.0.0.1:8000/",
    "storecast serve --model models/X.skops --port 8080",
))
def serve(
    model: Path | None = typer.Option(
        None, "--model", help="Serve this model file (default: $STORECAST_MODEL_PATH, else the newest in "
        "--models-dir)."),
    models_dir: Path | None = typer.Option(
        None, "--models-dir", help="Serve the newest complete tree model in this directory "
        "(default: $STORECAST_MODELS_DIR, else models)."),
    host: str | None = typer.Option(
        None, "--host", help="Interface to bind (default: $STORECAST_HOST, else 127.0.0.1, loopback only)."),
    port: int | None = typer.Option(None, "--port", min=0, max=65535,
                                    help="TCP port (default: $STORECAST_PORT, else 8000)."),
    workers: int = typer.Option(1, "--workers", min=1, help="Worker processes (each loads the model)."),
    log_level: str = typer.Option("info", "--log-level", help=f"{', '.join(_LOG_LEVELS[:-1])} or {_LOG_LEVELS[-1]}."),
) -> None:
    """Serve forecasts over HTTP: POST /predict, /forecast, /plan; GET /model, /health, /ready; the planner at /.

    Auth: STORECAST_API_TOKEN (at least 16 characters; unset = no auth).

    Limits: STORECAST_REQUEST_TIMEOUT_S, _KEEP_ALIVE_S, _LIMIT_CONCURRENCY, _BACKLOG.
    """
    from storecast.model_imports import import_before_pandas

    import_before_pandas()  # before the API's imports bring pandas: the model loads 0.3 s sooner
    import uvicorn

    from storecast.api.app import create_app
    from storecast.api.deps import auth_mode
    from storecast.api.protocol import HeaderGuardProtocol
    from storecast.api.serving import load_served, resolve_model_path
    from storecast.config import load_settings

    if model is not None and models_dir is not None:
        raise typer.BadParameter("give --model or --models-dir, not both")
    if log_level.lower() not in _LOG_LEVELS:  # else logging's dictConfig fails inside uvicorn with a traceback
        raise typer.BadParameter(f"`--log-level` must be one of {', '.join(_LOG_LEVELS)}; got {log_level!r}.")
    overrides: dict[str, Any] = {}
    if model is not None:
        overrides["model_path"] = model
    if models_dir is not None:
        overrides["models_dir"] = models_dir
        overrides["model_path"] = None  # the flag beats a STORECAST_MODEL_PATH left in the environment
    # Bad STORECAST_* values (an empty API token, say) stop here: one line, exit code 2.
    settings = load_settings(**overrides)
    host = host if host is not None else settings.host
    port = port if port is not None else settings.port
    check_bind(host, port)
    # Resolve "newest" once, here: every worker then loads the same file even if a newer model lands
    # while they start. Errors (no model, missing file) stop here with exit code 2 and no traceback.
    # Load (and warm up) the model here, before uvicorn: a tampered, truncated or unreadable file then
    # stops with one line and exit code 2, not a lifespan traceback. One worker serves this very object;
    # with more, each worker process loads the file again (the check here made sure it can).
    if settings.model_path is None:  # the newest that loads and forecasts: its name is known then (load_served)
        _check_models_dir(settings.models_dir, "--models-dir" if models_dir is not None else None)
        with console.status(escape(f"loading the newest model in {settings.models_dir}")):
            served = load_served(settings)
        path = Path(served.bundle.path).resolve()
    else:
        path = resolve_model_path(settings.model_path).resolve()
        with console.status(escape(f"loading {path.name}")):
            served = load_served(settings.model_copy(update={"model_path": path}))
    settings = settings.model_copy(update={"model_path": path})
    # soft_wrap: one line however narrow the terminal, so logs and scripts can grep it.
    # --port 0: the system picks the port when uvicorn binds; "http://host:0" was no address to open
    url = f"http://{url_host(host)}:{port}"
    bound = f" (bound to {host}: every interface)" if host in WILDCARDS else ""
    where = f"{url}{bound}" if port else f"{host}, on a free port that uvicorn's 'running on' line names"
    console.print(f"serving {path.name} on {where} ({workers} worker(s)); {auth_mode(settings)}", soft_wrap=True)
    if port:  # port 0: the OS picks one, which uvicorn's "running on" line below names
        console.print(f"planner: {url}/ · API: POST /predict, /forecast, /plan · its description: "
                      f"{url}/openapi.json", soft_wrap=True)
    if served.compiling is not None:  # its log line comes before uvicorn configures logging: said here instead
        console.print("compiling the trees in the background (a few minutes for a full-size model; LightGBM's "
                      "predictor serves meanwhile, with the same forecasts to 1e-9 relative; STORECAST_COMPILE=0 "
                      "turns this off)",
                      soft_wrap=True)
    common: dict[str, Any] = {
        "host": host, "port": port, "log_config": log_config(log_level), "log_level": log_level.lower(),
        "access_log": False,
        # Slow and greedy clients: a deadline on headers (HeaderGuardProtocol; uvicorn has none) and on
        # bodies (the RequestTimeout middleware), idle keep-alive closed after keep_alive_s, and 503
        # beyond limit_concurrency open connections or running requests (per worker).
        "http": HeaderGuardProtocol, "timeout_keep_alive": settings.keep_alive_s,
        "limit_concurrency": settings.limit_concurrency, "backlog": settings.backlog,
    }
    if workers == 1:
        uvicorn.run(create_app(settings, served=served), **common)
    else:
        del served
        # The workers build their app from the environment: hand them the file resolved above. Restored
        # afterwards, so a caller running this command in its own process keeps its environment.
        before = os.environ.get("STORECAST_MODEL_PATH")
        os.environ["STORECAST_MODEL_PATH"] = str(path)
        try:
            uvicorn.run("storecast.api.app:create_app", factory=True, workers=workers, **common)
        finally:
            if before is None:
                os.environ.pop("STORECAST_MODEL_PATH", None)
            else:
                os.environ["STORECAST_MODEL_PATH"] = before
