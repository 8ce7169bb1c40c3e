"""``GET /model``: the card of the served model."""

from __future__ import annotations

__all__ = ["router"]

from typing import Any

from fastapi import APIRouter

from storecast.api.answers import MODEL_ANSWERS, TOKEN_ANSWERS, error_responses
from storecast.api.deps import ServedDep
from storecast.api.schemas import ModelCard
from storecast.artifacts import version_drift

router = APIRouter(tags=["model"])


def _levels(intervals: dict[str, Any]) -> list[float]:
    """The calibrated levels; a card without the list still names the level it serves."""
    levels = intervals.get("levels")
    if isinstance(levels, list):
        return [float(v) for v in levels if isinstance(v, int | float)]
    default = intervals.get("default_level")
    return [float(default)] if isinstance(default, int | float) else []


@router.get("/model", response_model=ModelCard, responses=error_responses(TOKEN_ANSWERS, MODEL_ANSWERS))
async def model_card(served: ServedDep) -> ModelCard:
    """The served model: kind, creation time, training range, metrics, features and interval levels.

    Takes no input, so a query string is ignored (a cache buster), not refused.
    """
    card = served.bundle.card or {}
    # the card's fields as storecast.card.ModelCard checked them when the file loaded
    training, intervals = card.get("training") or {}, card.get("intervals") or {}
    features, metrics = card.get("features"), card.get("metrics")
    start, end = training.get("start"), training.get("end")
    return ModelCard(
        model=served.name,
        kind=str(served.bundle.kind),
        created=None if card.get("created") is None else str(card["created"]),
        train_start=None if start is None else str(start),
        train_end=None if end is None else str(end),
        metrics=metrics if isinstance(metrics, dict) else {},
        features=[str(f) for f in features] if isinstance(features, list) else [],
        interval_levels=_levels(intervals),
        stores=served.facts.stores.tolist(),
        versions={str(k): str(v) for k, v in (card.get("versions") or {}).items()},
        version_drift={name: {"saved": saved, "installed": now} for name, (saved, now) in version_drift(card).items()},
        card=card,
    )
