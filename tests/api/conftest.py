"""API fixtures: the session's tiny REAL model (``models_dir``/``model_path`` in tests/conftest.py), and clients.

No stub model anywhere: every API test predicts with a LightGBM bundle trained by
``storecast.train_run.train_bundle`` on the conftest ``dataset`` (12 stores, 2013-2014).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from storecast.api import create_app
from storecast.config import Settings


@pytest.fixture(scope="session")
def bundle(model_path: Path):
    """The model loaded the way the API loads it."""
    from storecast.artifacts import load_bundle

    return load_bundle(model_path)


@pytest.fixture(scope="session")
def settings(models_dir: Path) -> Settings:
    """Settings that serve the newest model of ``models_dir`` without a token."""
    return Settings(models_dir=models_dir, model_path=None, api_token=None)


@pytest.fixture(scope="session")
def client(settings: Settings) -> Iterator[TestClient]:
    """A client of an app whose lifespan has loaded the model (shared by the read-only tests)."""
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture(scope="module")
def guarded(settings: Settings) -> Iterator[TestClient]:
    """A client of an app that wants ``api_helpers.TOKEN`` (a Bearer token) on every route but /health."""
    from api_helpers import TOKEN

    with TestClient(create_app(settings.model_copy(update={"api_token": TOKEN}))) as c:
        yield c


@pytest.fixture(scope="session")
def known_stores(dataset) -> list[int]:
    """Stores of the synthetic training data (the model knows them)."""
    return sorted(int(v) for v in dataset.train["Store"].unique())


@pytest.fixture
def bad_model_dir(model_path: Path, tmp_path: Path) -> Path:
    """A copy of the model whose file is truncated, so its sha256 no longer matches the card."""
    target = tmp_path / model_path.name
    shutil.copy(model_path, target)
    shutil.copy(model_path.with_suffix(".json"), target.with_suffix(".json"))
    with open(target, "r+b") as fh:
        fh.truncate(max(1, target.stat().st_size // 2))
    return tmp_path

