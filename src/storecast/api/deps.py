"""Dependencies of the routes, as ``Annotated`` aliases (the FastAPI template's ``deps.py`` pattern).

All are ``async def`` on purpose: they only read ``app.state``, and an ``async`` dependency runs on the
event loop instead of costing a thread hop per request.
"""

from __future__ import annotations

__all__ = ["ServedDep", "SettingsDep", "auth_mode", "require_token", "served_model"]

import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.applications import Starlette

from storecast.api.errors import NotReadyError
from storecast.api.serving import ServedModel
from storecast.config import Settings

_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer <STORECAST_API_TOKEN>`")


def served_model(app: Starlette) -> ServedModel:
    """The model ``app`` serves, or 503 until the lifespan has loaded it.

    Called directly by ``POST /predict`` rather than declared as a dependency: each dependency FastAPI
    solves costs that route, called thousands of times a second, about 10 us of the event loop's time.
    """
    served = getattr(app.state, "served", None)
    if served is None:
        raise NotReadyError("no model is loaded yet; retry when GET /ready answers 200")
    return served


async def _served(request: Request) -> ServedModel:
    return served_model(request.app)


async def _settings(request: Request) -> Settings:
    return request.app.state.settings


ServedDep = Annotated[ServedModel, Depends(_served)]
SettingsDep = Annotated[Settings, Depends(_settings)]


def auth_mode(settings: Settings) -> str:
    """One line for start-up output: is a bearer token required? (An operator must never have to guess.)"""
    if settings.api_token:
        return "auth: bearer token required"
    return "auth: off (set STORECAST_API_TOKEN to require a token)"


async def require_token(
    request: Request,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Refuse the request (401) unless it carries ``Authorization: Bearer <api_token>``."""
    expected = settings.api_token
    if not expected:
        return
    if credentials is None:
        # HTTPBearer gives None for a header of another form too (Basic, a bare token, a tab): not "missing"
        if "authorization" in request.headers:
            raise HTTPException(401, "the Authorization header is not `Bearer <token>`: send `Authorization: "
                                "Bearer <token>` (the word Bearer, one space, the token)",
                                headers={"WWW-Authenticate": "Bearer"})
        raise HTTPException(401, "missing bearer token: send `Authorization: Bearer <token>`",
                            headers={"WWW-Authenticate": "Bearer"})
    if not secrets.compare_digest(credentials.credentials.encode(), expected.encode()):
        raise HTTPException(401, "wrong bearer token",
                            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
