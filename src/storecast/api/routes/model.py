"""``GET /model``: the card of the served model."""

from __future__ import annotations

__all__ = ["router"]

from typing import Any

from fastapi import APIRouter

from storecast.api.deps import ServedDep
from storecast.api.schemas import ModelCard
from storecast.artifacts import version_drift

router = APIRouter(tags=["model"])


def _first(card: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        node: Any = card
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None:
            return node
    return None


def _levels(card: dict[str, Any]) -> list[float]:
    levels = _first(card, "intervals.levels", "interval_levels", "levels")
    if isinstance(levels, list | tuple):
        return [float(v) for v in levels if isinstance(v, int | float)]
    if isinstance(levels, int | float):
        return [float(levels)]
    default = _first(card, "intervals.default_level")
    return [float(default)] if isinstance(default, int | float) else []


@router.get("/model", response_model=ModelCard)
async def model_card(served: ServedDep) -> ModelCard:
    """The served model: kind, creation time, training range, metrics, features and interval levels."""
    card = served.bundle.card or {}
    features = _first(card, "features", "feature_names")
    metrics = _first(card, "metrics")
    start = _first(card, "train_start", "training.start", "train_range.start", "fit_window.start")
    end = _first(card, "train_end", "training.end", "train_range.end", "fit_window.end")
    return ModelCard(
        model=served.name,
        kind=str(served.bundle.kind),
        created=None if card.get("created") is None else str(card["created"]),
        train_start=None if start is None else str(start),
        train_end=None if end is None else str(end),
        metrics=metrics if isinstance(metrics, dict) else {},
        features=[str(f) for f in features] if isinstance(features, list) else [],
        interval_levels=_levels(card),
        stores=served.facts.stores.tolist(),
        versions={str(k): str(v) for k, v in (card.get("versions") or {}).items()},
        version_drift={name: {"saved": saved, "installed": now} for name, (saved, now) in version_drift(card).items()},
        card=card,
    )
