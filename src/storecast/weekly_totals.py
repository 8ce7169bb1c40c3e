"""Weekly totals of a forecast: the first thing a finance reader asks of ``storecast predict``'s rows.

Why point totals only: each row's band is that row's own interval. A week's total over many stores has a
band far narrower than the sum of its rows' bands (the stores' errors partly cancel), and no such band was
calibrated, so the totals are sums of the point forecasts and the table says so. Sums per week are kept, not
rows, so a forecast may be added in parts (``add`` each) as well as whole.
"""

from __future__ import annotations

__all__ = ["WeeklyTotals"]

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.dates import from_days, monday_on_or_before, to_days


@dataclass
class _Week:
    sales: float = 0.0
    open_days: int = 0  # store-days forecast to sell (closed days are forecast 0)
    stores: set[int] = field(default_factory=set)
    dates: set[int] = field(default_factory=set)  # days since 1970-01-01


@dataclass
class WeeklyTotals:
    """Running sums of forecast Sales by week (Monday to Sunday); ``add`` forecasts (whole or in parts), then ``rows``.

    Examples
    --------
    >>> totals = WeeklyTotals()
    >>> totals.add(pd.DataFrame({"Store": [1, 2, 1], "Sales": [100.0, 50.0, 0.0],
    ...                          "Date": pd.to_datetime(["2015-08-03", "2015-08-03", "2015-08-10"])}))
    >>> [(r["week"], r["stores"], r["open_days"], r["sales"]) for r in totals.rows()]
    [('2015-08-03', 2, 2, 150.0), ('2015-08-10', 1, 0, 0.0)]
    """

    _weeks: dict[np.datetime64, _Week] = field(default_factory=dict)

    def add(self, forecast: pd.DataFrame) -> None:
        """Add ``predict_frame``'s rows (Store, Date, Sales)."""
        days = to_days(forecast[s.DATE])
        mondays = from_days(monday_on_or_before(days))
        sales = forecast[s.SALES].to_numpy(dtype=float)
        stores = forecast[s.STORE].to_numpy()
        for monday in np.unique(mondays):
            here = mondays == monday
            week = self._weeks.setdefault(monday, _Week())
            week.sales += float(sales[here].sum())
            week.open_days += int((sales[here] > 0).sum())
            week.stores.update(int(v) for v in np.unique(stores[here]))
            week.dates.update(np.unique(days[here]).tolist())

    def rows(self) -> list[dict[str, object]]:
        """One dict a week, in date order: week (its Monday), days (dates of the week forecast), stores,
        open_days (store-days forecast to sell) and sales (the sum of the point forecasts)."""
        return [{"week": str(monday), "days": len(week.dates), "stores": len(week.stores),
                 "open_days": week.open_days, "sales": week.sales}
                for monday, week in sorted(self._weeks.items())]
