"""Runtime settings (paths, server, limits) read from ``STORECAST_*`` environment variables.

Hyperparameters do not live here: they belong to estimators and CLI options. Settings that would make
the server unsafe (an empty or short API token) are refused here, at start-up, never silently used.
"""

from __future__ import annotations

__all__ = ["MAX_BATCH_ROWS", "MIN_TOKEN_CHARS", "Settings", "get_settings", "load_settings", "token_problem"]

from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from storecast.errors import ECHO_LIMIT, StorecastError, clipped

# 16 characters of `secrets.token_urlsafe` are ~96 bits: far beyond online guessing, short enough to paste.
MIN_TOKEN_CHARS = 16
# The hard cap of one /predict batch (``api.schemas.MAX_ROWS``): STORECAST_MAX_BATCH_ROWS may lower it, not raise it.
MAX_BATCH_ROWS = 10_000
# The longest request timeout or keep-alive taken, in seconds (a day): beyond it a value is a typo, not a setting.
MAX_TIME_S = 86_400
_TOKEN_HINT = "e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))'"


def token_problem(token: str | None) -> str | None:
    """Why ``token`` cannot guard the API, or None when it can (``None`` itself means: auth off).

    Why refuse rather than read an empty ``STORECAST_API_TOKEN`` as "auth off": a typo in a deployment
    script must not open the API without a word.
    """
    if token is None:
        return None
    if not token.strip():
        return (f"STORECAST_API_TOKEN is set but empty: unset it to serve without auth, "
                f"or set a token of at least {MIN_TOKEN_CHARS} characters ({_TOKEN_HINT})")
    if token != token.strip():
        return ("STORECAST_API_TOKEN starts or ends with whitespace, which no client can send in an "
                "Authorization header: remove it")
    if len(token) < MIN_TOKEN_CHARS:
        return (f"STORECAST_API_TOKEN has {len(token)} characters, expected at least {MIN_TOKEN_CHARS} "
                f"({_TOKEN_HINT})")
    return None


class Settings(BaseSettings):
    """Settings of the CLI and the API server."""

    model_config = SettingsConfigDict(env_prefix="STORECAST_", extra="ignore")

    models_dir: Path = Path("models")
    model_path: Path | None = None  # serve this file instead of the newest one in models_dir
    host: str = "127.0.0.1"  # `storecast serve` binds here unless --host is given
    port: int = Field(8000, ge=0, le=65535)
    api_token: str | None = None  # when set, every route but /health needs `Authorization: Bearer <token>`
    # At least 1: 0 or less started a server that refused every POST body (413) or every /predict batch. At most
    # MAX_BATCH_ROWS: a larger value was taken, and every batch past 10,000 rows was refused by the body's schema.
    max_body_bytes: int = Field(5_000_000, ge=1)
    max_batch_rows: int = Field(MAX_BATCH_ROWS, ge=1, le=MAX_BATCH_ROWS)
    # Slow or many clients: a request's headers and body must arrive within request_timeout_s (else 408),
    # an idle keep-alive connection closes after keep_alive_s, and beyond limit_concurrency open
    # connections or running requests uvicorn answers 503. backlog: connections the OS queues unaccepted.
    # Finite and at most a day: "inf" (or 1e400) was taken and silently turned the 408 guard off; a keep-alive
    # past float's range failed later, in uvicorn, with a traceback. NaN was already refused (not > 0).
    request_timeout_s: float = Field(10.0, gt=0, le=MAX_TIME_S, allow_inf_nan=False)
    keep_alive_s: int = Field(5, ge=1, le=MAX_TIME_S)
    limit_concurrency: int = Field(200, ge=1)
    backlog: int = Field(2048, ge=1)
    # POST /predict through the lean ASGI path (api.fast_predict) where a request is plainly valid; off: every
    # request through FastAPI's route. The answers are the same either way; the switch is there to compare them.
    fast_predict: bool = True

    @field_validator("api_token")
    @classmethod
    def _token_guards_the_api(cls, token: str | None) -> str | None:
        problem = token_problem(token)
        if problem:
            raise ValueError(problem)
        return token


def load_settings(**overrides: Any) -> Settings:
    """``Settings(**overrides)`` whose validation errors become one ``StorecastError`` line (CLI exit 2).

    Raises
    ------
    StorecastError
        Naming each bad ``STORECAST_*`` variable and why, instead of pydantic's multi-line report.
    """
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
            name = "STORECAST_" + "_".join(str(p) for p in err.get("loc", ())).upper()
            # the value as read: "STORECAST_PORT: Input should be a valid integer" left the user to find it
            # (never a token's: a secret is not echoed to a terminal or a log; a long value cut visibly)
            secret = name == "STORECAST_API_TOKEN" or "input" not in err
            shown = "" if secret else clipped(repr(str(err["input"])), ECHO_LIMIT)
            got = f"; got {shown}" if shown else ""
            problems.append(msg if msg.startswith(name) else f"{name}: {msg}{got}")
        raise StorecastError("; ".join(problems)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read once from the environment."""
    return load_settings()
