"""``GET /health`` (alive) and ``GET /ready`` (a model is loaded).

Both ignore a query string (``/health?ts=123`` is ``/health``): monitors and browsers add cache busters, and
neither route takes input that one could mean (``body.QUERY_STRING_RULE``).
"""

from __future__ import annotations

__all__ = ["open_router", "router"]

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from storecast.api.answers import TOKEN_ANSWERS, error_responses
from storecast.api.schemas import Health, Ready

open_router = APIRouter(tags=["health"])
router = APIRouter(tags=["health"])


@open_router.get("/health", response_model=Health, responses=error_responses())
async def health() -> Health:
    """Liveness: always 200 while the process answers (no authentication); a query string is ignored."""
    return Health()


@router.get("/ready", response_model=Ready,
            responses=error_responses(TOKEN_ANSWERS, {503: "No model loaded yet (Retry-After)"}))
async def ready(request: Request) -> Ready | JSONResponse:
    """Readiness: 200 with the model file name once a model is loaded, else 503; a query string is ignored."""
    served = getattr(request.app.state, "served", None)
    if served is None:
        return JSONResponse({"detail": "not ready: no model is loaded yet"}, status_code=503,
                            headers={"Retry-After": "5"})
    return Ready(model=served.name)
