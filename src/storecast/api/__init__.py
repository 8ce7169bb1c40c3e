"""The model-serving REST API: ``create_app`` builds it; ``storecast serve`` runs it with uvicorn."""

from storecast.api.app import create_app

__all__ = ["create_app"]
