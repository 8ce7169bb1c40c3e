"""Request and response bodies of ``POST /plan`` and ``POST /plan/rank`` (pydantic v2).

The same input rules as ``api.schemas``: strict integers, ``YYYY-MM-DD`` dates within the served range,
unknown fields refused (over ``MAX_UNKNOWN`` as one error: ``StrictBody``), every error named by its
field path.
"""

from __future__ import annotations

__all__ = ["PlanRequest", "PlanDay", "PlanSide", "PlanDifferenceDay", "PlanDifference", "PlanResponse",
           "RankRequest", "RankedStore", "RankResponse", "MAX_TOP"]

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from storecast.api.schemas import (
    MAX_FORECAST_DAYS,
    BlankTextIsMissing,
    Horizon,
    IsoDate,
    StoreId,
    at_most,
)
from storecast.api.strict_body import StrictBody

MAX_TOP = 10_000


Days = Annotated[int, Field(strict=True, ge=1, le=MAX_FORECAST_DAYS, description="Length of the period (1..92).")]


class PlanRequest(StrictBody, BlankTextIsMissing):
    """One store's usual plan against a scenario over ``days`` days from ``start``."""

    text_fields = ("start",)

    store: StoreId
    start: IsoDate
    days: Days = 42
    promo_days: Annotated[list[IsoDate] | None, at_most(MAX_FORECAST_DAYS)] = Field(
        None, max_length=MAX_FORECAST_DAYS,
        description="Every promo day of the scenario (replaces the usual promos); missing = the usual promos, "
                    "[] = no promo at all.")
    closed_days: Annotated[list[IsoDate] | None, at_most(MAX_FORECAST_DAYS)] = Field(
        None, max_length=MAX_FORECAST_DAYS,
        description="Every closed day of the scenario (the other days are open); missing = the usual "
                    "closures (Sundays for most stores, public holidays), [] = open every day. A day also in "
                    "`promo_days` is a closed day of a promo week: no sales, `promo` stays 1.")

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "store": 1, "start": "2015-08-01", "days": 42, "promo_days": ["2015-08-03", "2015-08-04"],
    }]})


class PlanDay(BaseModel):
    """One day of a plan: what it assumes and its forecast with the served band and the wider one."""

    date: str
    open: int
    promo: int
    sales: float
    lower: float
    upper: float
    outer_lower: float | None = None
    outer_upper: float | None = None


class PlanSide(BaseModel):
    """A plan's days and its total forecast sales."""

    days: list[PlanDay]
    total: float = Field(description="The days' `sales` summed, unrounded. The page and `storecast plan` add up "
                                     "each day rounded to a whole number, so their totals can differ by a few.")


class PlanDifferenceDay(BaseModel):
    """Scenario minus usual sales on one day."""

    date: str
    sales: float


class PlanDifference(BaseModel):
    """Scenario minus usual: the total and day by day (negative where the model forecasts less)."""

    total: float
    days: list[PlanDifferenceDay]


class _PlanFields(BaseModel):
    model: str
    store: int
    level: float | None = Field(None, description="Coverage of `lower`..`upper` (e.g. 0.8).")
    outer_level: float | None = Field(None, description="Coverage of `outer_lower`..`outer_upper` (e.g. 0.95).")
    usual: PlanSide
    scenario: PlanSide
    difference: PlanDifference


# Horizon first, so that its fields come last (schemas.Horizon); counted over the period's days, which the usual
# plan and the scenario share
class PlanResponse(Horizon, _PlanFields):
    """The usual plan (what ``/forecast`` assumes), the scenario and their difference."""


class RankRequest(StrictBody, BlankTextIsMissing):
    """Rank the stores by the forecast gain of one extra promo week in the period."""

    text_fields = ("start",)

    start: IsoDate
    days: Days = 42
    top: Annotated[int, Field(strict=True, ge=1, le=MAX_TOP)] = 20

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"start": "2015-08-01", "days": 42, "top": 20}]})


class RankedStore(BaseModel):
    """A store's gain from its best extra promo week (the Monday in ``week``)."""

    store: int
    gain: float = Field(description="Forecast sales added by the extra promo week.")
    gain_pct: float | None = Field(description="`gain` in percent of `usual_total`.")
    usual_total: float = Field(description="Forecast sales of the usual plan over the whole period.")
    week: str = Field(description="Monday of the extra promo week (Monday..Friday with promo).")


class _RankFields(BaseModel):
    model: str
    start: str
    days: int
    weeks: list[str] = Field(description="Mondays of the weeks that were candidates for the extra promo.")
    stores: list[RankedStore]


# as on /plan: every store is forecast over the period's days
class RankResponse(Horizon, _RankFields):
    """The ``top`` stores, best gain first."""
