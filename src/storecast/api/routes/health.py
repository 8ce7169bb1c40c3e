"""``GET /health`` (alive) and ``GET /ready`` (a model is loaded).

Both ignore a query string (``/health?ts=123`` is ``/health``): monitors and browsers add cache busters, and
neither route takes input that one could mean (``body.QUERY_STRING_RULE``).
"""

from __future__ import annotations

__all__ = ["open_router", "router"]

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from storecast.api.schemas import MODEL_ROUTE_ERRORS, ErrorBody, Health, Ready

open_router = APIRouter(tags=["health"])
router = APIRouter(tags=["health"])


@open_router.get("/health", response_model=Health)
async def health() -> Health:
    """Liveness: always 200 while the process answers (no authentication); a query string is ignored."""
    return Health()


@router.get("/ready", response_model=Ready,
            responses={401: MODEL_ROUTE_ERRORS[401], 503: {"model": ErrorBody, "description": "No model loaded"}})
async def ready(request: Request) -> Ready | JSONResponse:
    """Readiness: 200 with the model file name once a model is loaded, else 503; a query string is ignored."""
    served = getattr(request.app.state, "served", None)
    if served is None:
        return JSONResponse({"detail": "not ready: no model is loaded yet"}, status_code=503,
                            headers={"Retry-After": "5"})
    return Ready(model=served.name)
