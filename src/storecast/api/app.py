"""``create_app(settings)``: the FastAPI application factory with a lifespan that loads the model once.

Nothing is loaded at import. The lifespan resolves the model (``settings.model_path``, else the newest
timestamped file in ``settings.models_dir``), loads it with ``artifacts.load_bundle`` and keeps it in
``app.state.served``. A missing or bad model file raises there, which stops start-up: uvicorn prints
the message and exits non-zero instead of serving a process that can only fail.
"""

from __future__ import annotations

__all__ = ["create_app"]

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import Depends, FastAPI

from storecast import __version__
from storecast.api.batching import Columns, MicroBatcher, Result
from storecast.api.deps import require_token
from storecast.api.errors import install_error_handlers
from storecast.api.middleware import BodySizeLimit, RequestLog
from storecast.api.routes import health, model, predict
from storecast.api.serving import ServedModel, load_served, rows_frame
from storecast.config import Settings
from storecast.errors import StorecastError

log = logging.getLogger("storecast.api")


def _predict_columns(served: ServedModel):
    def run(columns: Columns) -> Result:
        return served.predict(rows_frame(*columns))

    return run


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
    app.state.served = served
    app.state.batcher = MicroBatcher(_predict_columns(served), max_rows=max(settings.max_batch_rows, 1))
    try:
        yield
    finally:
        log.info("shutting down: %s", app.state.batcher.stats())
        app.state.served = None
        app.state.batcher = None


def create_app(settings: Settings | None = None, *, served: ServedModel | None = None) -> FastAPI:
    """Build the API; the model loads when the app starts (the lifespan), not here.

    Parameters
    ----------
    settings : Settings, optional
        Model choice, token, size limits; read from ``STORECAST_*`` variables when omitted.
    served : ServedModel, optional
        A model already loaded with ``load_served`` (``storecast serve`` loads it before uvicorn starts,
        so a bad file is reported as one clear line rather than a lifespan traceback).

    Returns
    -------
    FastAPI
        Serve it with ``uvicorn.run("storecast.api.app:create_app", factory=True)`` or ``storecast serve``.
    """
    settings = settings if settings is not None else Settings()
    app = FastAPI(
        title="storecast",
        version=__version__,
        summary="Daily sales forecasts with prediction intervals for a chain of retail stores.",
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.preloaded = served
    app.state.served = None
    app.state.batcher = None
    install_error_handlers(app)
    guarded = [Depends(require_token)] if settings.api_token else []
    app.include_router(health.open_router)
    app.include_router(health.router, dependencies=guarded)
    app.include_router(model.router, dependencies=guarded)
    app.include_router(predict.router, dependencies=guarded)
    # Added last = outermost: the log line times the whole request, size limit included.
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestLog)
    return app
