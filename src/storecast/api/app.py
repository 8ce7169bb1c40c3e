"""``create_app(settings)``: the FastAPI application factory with a lifespan that loads the model once.

Nothing is loaded at import. The lifespan resolves the model (``settings.model_path``, else the newest
timestamped file in ``settings.models_dir``), loads it with ``artifacts.load_bundle`` and keeps it in
``app.state.served``. A missing or bad model file raises there, which stops start-up: uvicorn prints
the message and exits non-zero instead of serving a process that can only fail. An empty or short
API token stops it too (``config.token_problem``), and the lifespan logs whether auth is on, so
``uvicorn --factory`` users see it as ``storecast serve`` users do (which says it on its own start-up line).
"""

from __future__ import annotations

__all__ = ["SERVE_HANDLER_MARK", "create_app"]

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import Depends, FastAPI

from storecast import __version__
from storecast.api.batching import MicroBatcher
from storecast.api.body import QUERY_STRING_RULE
from storecast.api.deps import auth_mode, require_token
from storecast.api.errors import install_error_handlers
from storecast.api.fast_predict import FastPredict
from storecast.api.http_rules import ContentEncodingGuard, HeadAsGet, HeaderRules, ServerOptions
from storecast.api.middleware import BodySizeLimit, RequestLog, RequestTimeout
from storecast.api.planning_queue import PlanningQueue
from storecast.api.routes import docs, health, model, page, plan, predict
from storecast.api.serving import ServedModel, load_served
from storecast.config import Settings, load_settings, token_problem
from storecast.errors import StorecastError
from storecast.long_lived import freeze_long_lived, thaw

log = logging.getLogger("storecast.api")

# Set (True) on the handler ``storecast serve`` gives the "storecast" logger (``cli.serve.log_config``).
SERVE_HANDLER_MARK = "storecast_serve_says_auth"


def _startup_log() -> logging.Logger | None:
    """Where the lifespan says whether auth is on, or None where ``storecast serve`` has said it.

    Why: ``storecast serve`` prints it on its "serving ..." line before uvicorn starts, and gives the
    "storecast" logger a handler of its own (``cli.serve.log_config``, applied in every worker), so a second
    line said it twice (once per worker). That handler is known by its mark, not by its shape: a user's own
    ``uvicorn --log-config`` giving "storecast" a handler that does not propagate lost the line. Under plain
    ``uvicorn --factory`` nothing configures "storecast" loggers but uvicorn's own logger is, so the line goes
    there rather than nowhere; wherever a "storecast" logger or the root has a handler, to "storecast.api".
    """
    top = logging.getLogger("storecast")
    if any(getattr(handler, SERVE_HANDLER_MARK, False) for handler in top.handlers):
        return None
    return log if log.hasHandlers() else logging.getLogger("uvicorn.error")


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    served = app.state.preloaded
    app.state.preloaded = None  # a restart of the same app object loads afresh
    if served is None:
        try:
            served = await anyio.to_thread.run_sync(load_served, settings)
        except StorecastError as exc:
            log.error("cannot start: %s", exc)
            raise
    if (said := _startup_log()) is not None:
        said.info("%s", auth_mode(settings))
    app.state.served = served
    app.state.batcher = MicroBatcher(served.predict, max_rows=max(settings.max_batch_rows, 1))
    app.state.planning = PlanningQueue()
    freeze_long_lived()  # the model serves until shutdown: no full collection walks it between requests
    try:
        yield
    finally:
        log.info("shutting down: %s", app.state.batcher.stats())
        app.state.served = None
        app.state.batcher = None
        app.state.planning = None
        thaw()


def create_app(settings: Settings | None = None, *, served: ServedModel | None = None) -> FastAPI:
    """Build the API; the model loads when the app starts (the lifespan), not here.

    Parameters
    ----------
    settings : Settings, optional
        Model choice, token, size and time limits; read from ``STORECAST_*`` variables when omitted.
    served : ServedModel, optional
        A model already loaded with ``load_served`` (``storecast serve`` loads it before uvicorn starts,
        so a bad file is reported as one clear line rather than a lifespan traceback).

    Returns
    -------
    FastAPI
        Serve it with ``storecast serve`` (which also sets uvicorn's connection limits and header
        deadline) or ``uvicorn.run("storecast.api.app:create_app", factory=True)``.

    Raises
    ------
    StorecastError
        ``settings.api_token`` is set but empty, padded with whitespace or too short.
    """
    settings = settings if settings is not None else load_settings()
    # Checked again here: Settings.model_copy(update=...) skips the validator of api_token.
    if problem := token_problem(settings.api_token):
        raise StorecastError(problem)
    app = FastAPI(
        title="storecast",
        version=__version__,
        summary="Daily sales forecasts with prediction intervals for a chain of retail stores.",
        description=QUERY_STRING_RULE,
        lifespan=_lifespan,
        # A redirect of /predict/ to /predict is built from the Host header and the inner scheme
        # (http://evil.example/..., or http:// behind a TLS proxy): such paths get a 404 naming the route.
        redirect_slashes=False,
        docs_url=None,  # FastAPI's /docs and /redoc load their scripts from a CDN: routes.docs serves them here
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.preloaded = served
    app.state.served = None
    app.state.batcher = None
    app.state.planning = None
    install_error_handlers(app, check_token=require_token)  # a 401 comes before any refusal of the body
    guarded = [Depends(require_token)] if settings.api_token else []
    # /predict first: routes are matched in order, and it is the one called thousands of times a second
    app.include_router(predict.router, dependencies=guarded)
    app.include_router(health.open_router)
    app.include_router(health.router, dependencies=guarded)
    app.include_router(model.router, dependencies=guarded)
    app.include_router(plan.router, dependencies=guarded)
    app.include_router(page.router)  # the page and its assets hold no data; their API calls carry the token
    app.include_router(docs.router)  # open, as FastAPI's own /docs and /redoc are
    # Added last = outermost: the log line times the whole request, size limit and timeout included.
    app.add_middleware(FastPredict)  # innermost: a plainly valid POST /predict past the router, every guard passed
    app.add_middleware(ServerOptions)  # `OPTIONS *` passed the header rules first
    app.add_middleware(HeadAsGet)  # the log line and the guards see the method sent, HEAD
    app.add_middleware(ContentEncodingGuard)
    app.add_middleware(HeaderRules)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestTimeout, seconds=settings.request_timeout_s)
    app.add_middleware(RequestLog)
    return app
