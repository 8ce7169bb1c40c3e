"""A model saved with other package versions loads, says so once in the log, and shows it on GET /model."""

from __future__ import annotations

import logging
from importlib import metadata

from fastapi.testclient import TestClient

from storecast import artifacts
from storecast.api.app import create_app


def _installed_lightgbm_is(monkeypatch, version: str) -> None:
    real = metadata.version
    monkeypatch.setattr(metadata, "version", lambda name: version if name == "lightgbm" else real(name))


def test_same_versions_load_silently(model_path, client, caplog):
    with caplog.at_level(logging.WARNING, logger="storecast.artifacts"):
        bundle = artifacts.load_bundle(model_path)
    assert not [r for r in caplog.records if "package versions" in r.getMessage()]
    body = client.get("/model").json()
    assert body["version_drift"] == {} and body["versions"] == bundle.card["versions"]


def test_other_versions_are_named_at_load(model_path, monkeypatch, caplog):
    saved = artifacts.load_bundle(model_path).card["versions"]["lightgbm"]
    _installed_lightgbm_is(monkeypatch, "99.0.0")
    with caplog.at_level(logging.WARNING, logger="storecast.artifacts"):
        artifacts.load_bundle(model_path)
    [warning] = [r.getMessage() for r in caplog.records if "package versions" in r.getMessage()]
    assert f"lightgbm {saved} -> 99.0.0" in warning and model_path.name in warning
    assert artifacts.version_drift({"versions": {"lightgbm": saved}}) == {"lightgbm": (saved, "99.0.0")}


def test_the_api_shows_the_drift(settings, monkeypatch):
    _installed_lightgbm_is(monkeypatch, "99.0.0")
    with TestClient(create_app(settings)) as client:
        body = client.get("/model").json()
    assert body["version_drift"]["lightgbm"]["installed"] == "99.0.0"
    assert body["version_drift"]["lightgbm"]["saved"] == body["versions"]["lightgbm"]
