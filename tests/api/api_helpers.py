"""Small helpers shared by the API tests (imported as ``from api_helpers import row``)."""

from __future__ import annotations


def row(store: int = 1, date: str = "2015-08-03", **kw) -> dict:
    """One valid /predict row (open, with promo) with ``kw`` overriding fields."""
    return {"store": store, "date": date, "open": 1, "promo": 1, "state_holiday": "0",
            "school_holiday": 0, **kw}


def fields(response) -> list[str]:
    """The field paths named by a 422 answer."""
    return [item["field"] for item in response.json()["detail"]]
