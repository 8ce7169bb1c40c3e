"""Request and response bodies of the API (pydantic v2).

Inputs are strict: 0/1 flags must be JSON integers (not ``true``, ``1.0`` or ``"1"``), dates must be
``"YYYY-MM-DD"`` strings, unknown fields are refused (``extra="forbid"``). Every error names its field path.
A text field (a date, ``start``, ``state_holiday``) sent blank, ``""`` or only spaces and tabs, reads as not
sent, as a file reads such a cell as empty: its default, or the 422 "this field is required" of a field left out.
"""

from __future__ import annotations

__all__ = [
    "MIN_DATE", "MAX_DATE", "MAX_ROWS", "MAX_FORECAST_DAYS", "IsoDate", "Flag", "StateHolidayCode",
    "StoreId", "CalibratedThrough", "BeyondHorizon", "TrainingStart", "BeforeTraining", "Horizon", "BlankTextIsMissing",
    "also_blank", "at_most", "json_leaf",
    "PredictRow", "PredictRequest", "Prediction", "PredictResponse", "ScheduleDay", "ForecastRequest",
    "ForecastDay", "ForecastResponse", "ModelCard", "Health", "Ready", "ErrorItem", "ErrorBody",
]

import datetime as dt
import itertools
import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from storecast.api.strict_body import StrictBody
from storecast.config import MAX_BATCH_ROWS
from storecast.errors import ECHO_LIMIT, json_leaf, quoted
from storecast.schema import MAX_DATE, MIN_DATE  # the one date range of files, frames and requests

MAX_ROWS = MAX_BATCH_ROWS  # hard cap of one /predict batch; Settings.max_batch_rows may lower it
MAX_FORECAST_DAYS = 92
_INT32_MAX = 2**31 - 1
_INT64_MAX = 2**63 - 1
_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII: \\d also matches "٢"
_FIRST, _LAST = MIN_DATE.isoformat(), MAX_DATE.isoformat()


def _iso_date_string(value: Any) -> Any:
    """Accept only ``YYYY-MM-DD`` text: no timestamps, no datetimes, no other formats.

    The served range is checked here too (ISO dates compare as text): pydantic's own ``ge``/``le`` error
    reads "greater than or equal to datetime.date(2000, 1, 1)", a Python repr rather than a date. So is the
    calendar: pydantic calls "2015-02-30" "a valid date or datetime, day value is outside expected range".
    """
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _ISO.fullmatch(value):
        try:
            dt.date.fromisoformat(value)
        except ValueError as exc:
            raise PydanticCustomError(
                "date_value", "expected a calendar date 'YYYY-MM-DD', got {got}: {why}",
                {"got": repr(value), "why": str(exc)}) from exc
        if not _FIRST <= value <= _LAST:
            raise PydanticCustomError(
                "date_range", "expected a date from {first} to {last}, the dates this API serves, got {got}",
                {"first": _FIRST, "last": _LAST, "got": repr(value)})
        return value
    raise PydanticCustomError(
        "date_format", "expected an ISO date string 'YYYY-MM-DD' (for example '2015-08-01'), got {got}",
        {"got": _shown(value)},
    )


def _shown(value: Any) -> str:
    """``value`` for a message: a string quoted as every message quotes one (``storecast.errors.quoted``), anything
    else as the JSON it came as (``null``, not Python's ``None``), cut at ``ECHO_LIMIT`` characters with an ellipsis."""
    if isinstance(value, str):
        return quoted(value)
    shown = _json_head(value, ECHO_LIMIT)
    # cut visibly: a cut [1, 2 read as the value sent
    return shown if len(shown) <= ECHO_LIMIT else shown[:ECHO_LIMIT - 1] + "…"


class _Text(str):
    """Punctuation of :func:`_json_head` waiting on its stack, told apart from a string value."""


def _json_head(value: Any, limit: int) -> str:
    """``json.dumps(value)``, or its first ``limit`` + 1 characters or more where it is longer.

    Why not ``json.dumps``: it walks the whole value, recursively. A date sent as an array nested 950 deep (the parser
    takes about 990) raised RecursionError there, a 500; and a 5 MB array or object was written out in full, on the
    event loop, to show 40 characters of it (0.15-0.3 s a request). This walks with a stack, and only what it shows:
    each item takes at least one character, so ``limit`` items of a list or object are more than enough.
    """
    out: list[str] = []
    size = 0
    stack: list[Any] = [value]
    while stack and size <= limit:
        item = stack.pop()
        if isinstance(item, _Text):
            text = str(item)
        elif isinstance(item, list | dict):
            pairs = list(itertools.islice(item.items(), limit)) if isinstance(item, dict) else item[:limit]
            stack.append(_Text("}" if isinstance(item, dict) else "]"))
            for i in range(len(pairs) - 1, -1, -1):
                if isinstance(item, dict):
                    key, child = pairs[i]
                    stack += [child, _Text(json_leaf(str(key)[:limit]) + ": ")]
                else:
                    stack.append(pairs[i])
                if i:
                    stack.append(_Text(", "))
            text = "{" if isinstance(item, dict) else "["
        else:
            text = json_leaf(item[:limit + 1] if isinstance(item, str) else item)
        out.append(text)
        size += len(text)
    return "".join(out)


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_string), Field(ge=MIN_DATE, le=MAX_DATE)]
Flag = Annotated[int, Field(strict=True, ge=0, le=1)]
StateHolidayCode = Literal["0", "a", "b", "c"]
StoreId = Annotated[int, Field(strict=True, ge=1, le=_INT32_MAX, description="Store number.")]


def at_most(limit: int) -> BeforeValidator:
    """A list's ``max_length`` checked before its items: pydantic's own check comes after every item is validated.

    Why: a 4.6 MB ``/predict`` body of 110,000 short rows (under the body limit) had each row validated, about 2 s
    of the event loop and so of every other request, before the answer "expected at most 10000 items". The error
    is pydantic's own ``too_long`` (same type, context and message), only sooner; the field keeps its
    ``max_length``, which the OpenAPI description shows.
    """
    def check(value: Any) -> Any:
        if type(value) is list and len(value) > limit:
            raise PydanticCustomError(
                "too_long", "List should have at most {max_length} items after validation, not {actual_length}",
                {"field_type": "List", "max_length": limit, "actual_length": len(value)})
        return value
    return BeforeValidator(check)


_BLANK = " \t"  # what a blank cell of a file holds (data._csvfile.blank_cells): a no-break space is a value


def _without_blank_text(data: Any, names: tuple[str, ...]) -> Any:
    """``data`` without the fields of ``names`` whose value is ``""`` or only spaces and tabs, else as it came."""
    if type(data) is dict:
        for name in names:
            if type(value := data.get(name)) is str and not value.strip(_BLANK):
                return {key: value for key, value in data.items()
                        if not (key in names and type(value) is str and not value.strip(_BLANK))}
    return data


def also_blank(schema: dict[str, Any]) -> None:
    """The JSON schema of an optional text field, widened by the blank text read as left out (``BlankTextIsMissing``).

    Why: the OpenAPI description said ``"state_holiday"`` is one of ``"0"``, ``"a"``, ``"b"``, ``"c"``, yet ``""`` is
    answered (as the field left out): a client or a fuzzer that trusts the description took that for a bug. A required
    text field needs no such branch: blank, it is the 422 of a field left out.
    """
    branches = schema.pop("anyOf", None) or [{key: schema.pop(key) for key in ("type", "enum") if key in schema}]
    schema["anyOf"] = [*branches, {"type": "string", "pattern": f"^[{_BLANK}]*$",
                                   "description": "blank (empty, spaces or tabs): read as left out"}]


class BlankTextIsMissing(BaseModel):
    """A body object whose text fields (``text_fields``) read a blank value as not sent.

    Why: a file reads a cell of only spaces as empty (data._csvfile.blank_cells) and a client that turns such a
    row into JSON sends ``"state_holiday": " "``, which was refused as "got the string ' '" while the field left
    out is ``"0"``. Left out here, pydantic itself gives the default, or for a required field (a date,
    ``start``) the same 422 as when it is absent, at the same field. Numbers stay strict: ``"open": " "`` is text
    where a number belongs, refused as ``"1"`` is.
    """

    text_fields: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="before")
    @classmethod
    def _blank_text_is_missing(cls, data: Any) -> Any:
        return _without_blank_text(data, cls.text_fields)


class _Strict(BlankTextIsMissing):
    model_config = ConfigDict(extra="forbid")


class PredictRow(_Strict):
    """One row in the shape of test.csv; the day of week is derived from ``date``."""

    text_fields = ("date", "state_holiday")

    id: Annotated[int, Field(strict=True, ge=0, le=_INT64_MAX)] | None = Field(
        None, description="Your row id, echoed back unchanged: each row its own, or null (a repeat is a 422)."
    )
    store: StoreId
    date: IsoDate
    open: Flag = Field(1, description="1 open, 0 closed (a closed day is forecast as 0). Missing = open.")
    promo: Flag = Field(description="1 when the store runs a promo that day.")
    state_holiday: StateHolidayCode = Field(
        "0", description='"0" none, "a" public holiday, "b" Easter, "c" Christmas.', json_schema_extra=also_blank
    )
    school_holiday: Flag = 0


class PredictRequest(StrictBody):
    """A batch of rows to forecast, answered in the same order."""

    rows: Annotated[list[PredictRow], at_most(MAX_ROWS)] = Field(min_length=1, max_length=MAX_ROWS)

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"rows": [{
            "id": 7, "store": 1, "date": "2015-08-01", "open": 1, "promo": 1,
            "state_holiday": "0", "school_holiday": 0,
        }]}]},
    )


class Prediction(BaseModel):
    """Forecast of one row: point forecast and interval bounds (all 0 on a closed day)."""

    id: int | None = None
    store: int
    date: dt.date
    sales: float
    lower: float
    upper: float


# Added fields (older clients ignore them): when a band's coverage was never measured, the answer says so.
CalibratedThrough = Annotated[dt.date | None, Field(description=(
    "The last date whose interval coverage was measured: the model's training end + its calibration days "
    "(42 by default: the intervals are calibrated on 1..42-day-ahead errors). Null when the model's card "
    "does not say."))]
BeyondHorizon = Annotated[int, Field(ge=0, description=(
    "How many predictions are dated after `calibrated_through`: their lower/upper bands have a "
    "coverage that was never measured, so treat them as rougher than the stated level."))]


TrainingStart = Annotated[dt.date | None, Field(description=(
    "The first date of the model's training data. Null when the model's card does not say."))]
BeforeTraining = Annotated[int, Field(ge=0, description=(
    "How many predictions are dated before `training_start`: the model saw no day that early, so their "
    "forecasts and bands are extrapolated and were never measured."))]


class Horizon(BaseModel):
    """The fields every forecasting answer ends with (``ServedModel.horizon`` fills them): which forecasts lie
    past the measured horizon or before the training data.

    An answer lists it first among its bases, before the model of its own fields (``_PredictFields``): pydantic
    takes the bases' fields from the last base on, so these four follow the answer's own fields, where the OpenAPI
    document lists them.
    """

    calibrated_through: CalibratedThrough = None
    beyond_horizon: BeyondHorizon = 0
    training_start: TrainingStart = None
    before_training: BeforeTraining = 0


class _PredictFields(BaseModel):
    model: str
    predictions: list[Prediction]


class PredictResponse(Horizon, _PredictFields):
    """Forecasts in request order, with the file name of the model that made them."""


_USUAL = "Left out (or null): the store's usual value that day, as for a day not in `schedule`."


class ScheduleDay(_Strict):
    """The known plan of one day: each field given replaces the store's usual value for that date.

    A field left out keeps the usual value, so ``{"date": ..., "promo": 1}`` adds a promo to a day without closing
    or opening it. Why not the defaults of a ``/predict`` row (open, no promo): a day named only to add a promo then
    opened a store on its usual closed Sunday or holiday and dropped the day's school holiday, while a day not
    listed kept them.
    """

    text_fields = ("date", "state_holiday")

    date: IsoDate
    open: Flag | None = Field(None, description=f"1 open, 0 closed. {_USUAL}")
    promo: Flag | None = Field(None, description=f"1 when the store runs a promo that day. {_USUAL}")
    state_holiday: StateHolidayCode | None = Field(
        None, description=f'"0" none, "a" public holiday, "b" Easter, "c" Christmas. {_USUAL}',
        json_schema_extra=also_blank)
    school_holiday: Flag | None = Field(None, description=f"1 inside a school break. {_USUAL}")


class ForecastRequest(StrictBody, BlankTextIsMissing):
    """Forecast ``days`` consecutive days of one store from ``start``."""

    text_fields = ("start",)

    store: StoreId
    start: IsoDate
    days: Annotated[int, Field(strict=True, ge=1, le=MAX_FORECAST_DAYS)] = 42
    schedule: Annotated[list[ScheduleDay] | None, at_most(MAX_FORECAST_DAYS)] = Field(
        None, max_length=MAX_FORECAST_DAYS,
        description=(
            "Days whose plan you know, each inside start..start+days-1 and listed once; "
            "days not listed, and the fields a listed day leaves out, follow the store's usual pattern."
        ),
    )

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "store": 1, "start": "2015-08-01", "days": 42,
        "schedule": [{"date": "2015-08-03", "open": 1, "promo": 1, "state_holiday": "0", "school_holiday": 0}],
    }]})


class ForecastDay(BaseModel):
    """Forecast of one day with the plan it assumed (given in ``schedule`` or the store's default)."""

    store: int
    date: dt.date
    open: int
    promo: int
    state_holiday: str
    school_holiday: int
    sales: float
    lower: float
    upper: float


class _ForecastFields(BaseModel):
    model: str
    predictions: list[ForecastDay]


class ForecastResponse(Horizon, _ForecastFields):
    """One forecast per day, in date order."""


class ModelCard(BaseModel):
    """What the served model is: kind, when it was trained, on what, and how well it scored."""

    model: str
    kind: str
    created: str | None = None
    train_start: str | None = None
    train_end: str | None = None
    metrics: dict[str, Any] = Field(default_factory=dict)
    features: list[str] = Field(default_factory=list)
    interval_levels: list[float] = Field(default_factory=list)
    stores: list[int] = Field(default_factory=list, description="Stores this model can forecast.")
    versions: dict[str, str] = Field(default_factory=dict, description="Package versions the model was saved with.")
    version_drift: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="Packages whose installed version differs from the saved one: "
        "{package: {saved, installed}}; empty when the server runs the versions the model was trained with.")
    card: dict[str, Any] = Field(default_factory=dict, description="The full JSON card saved with the model.")


class Health(BaseModel):
    """Liveness: the process answers."""

    status: Literal["ok"] = "ok"


class Ready(BaseModel):
    """Readiness: a model is loaded and predictions can be served."""

    status: Literal["ready"] = "ready"
    model: str


class ErrorItem(BaseModel):
    """One problem with the request; ``field`` is a path such as ``rows[3].store``."""

    loc: list[str | int]
    field: str
    msg: str
    type: str


class ErrorBody(BaseModel):
    """Body of every 4xx/5xx answer: a list of problems (422) or one message."""

    detail: list[ErrorItem] | str

