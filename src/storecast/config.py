"""Runtime settings (paths, seed, server) read from ``STORECAST_*`` environment variables.

Hyperparameters do not live here: they belong to estimators and CLI options.
"""

from __future__ import annotations

__all__ = ["Settings", "get_settings"]

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Settings of the CLI and the API server."""

    model_config = SettingsConfigDict(env_prefix="STORECAST_", extra="ignore")

    models_dir: Path = Path("models")
    model_path: Path | None = None  # serve this file instead of the newest one in models_dir
    seed: int = 42
    host: str = "127.0.0.1"
    port: int = 8000
    api_token: str | None = None  # when set, every route but /health needs `Authorization: Bearer <token>`
    max_body_bytes: int = 5_000_000
    max_batch_rows: int = 10_000


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read once from the environment."""
    return Settings()
