"""Small helpers shared by the API tests (imported as ``from api_helpers import row``)."""

from __future__ import annotations

import datetime as dt

TOKEN = "s3cret-token-0123456789"  # the ``guarded`` client's token (16+ characters: shorter ones are refused)


def row(store: int = 1, date: str = "2015-08-03", **kw) -> dict:
    """One valid /predict row (open, with promo) with ``kw`` overriding fields."""
    return {"store": store, "date": date, "open": 1, "promo": 1, "state_holiday": "0",
            "school_holiday": 0, **kw}


def consecutive_rows(n: int, store: int = 1, start: str = "2015-08-03", **kw) -> list[dict]:
    """``n`` valid rows of one store on consecutive days from ``start``: /predict takes each store and day once."""
    first = dt.date.fromisoformat(start)
    return [row(store, (first + dt.timedelta(days=k)).isoformat(), **kw) for k in range(n)]


def fields(response) -> list[str]:
    """The field paths named by a 422 answer."""
    return [item["field"] for item in response.json()["detail"]]
