"""The public holidays that close a German state's stores, as the Rossmann files mark them.

One rule for the synthetic chain, the model's holiday distances, the LSTM's inputs and the API's default
plans. The ``holidays`` package files Assumption Day in Bavaria and Corpus Christi in Saxony under its
"catholic" category (holidays of Catholic towns only), yet the real train.csv marks them "a" for every
store of those states (2013-08-15 in BY; 2013-05-30, 2014-06-19, 2015-06-04 in SN). Thuringia's Corpus
Christi is in the same category and stays unmarked in the real files, so it stays out. With this rule the
calendar and the real files' StateHoliday days (the majority of a state's stores, 2013-01-01..2015-06-19)
differ on one day of all states: TH's 2015-01-01, which the files leave unmarked.
"""

from __future__ import annotations

__all__ = ["CATHOLIC_TOWN_STATES", "state_holidays"]

from collections.abc import Iterable
from datetime import date

# States whose Catholic-town holidays the real files mark for every store.
CATHOLIC_TOWN_STATES = ("BY", "SN")


def state_holidays(subdiv: str | None, years: Iterable[int]) -> dict[date, str]:
    """Day -> English name of the holidays that close stores in ``subdiv`` (nationwide ones when None)."""
    import holidays  # a second to import: only where a calendar is built

    kinds = ("public", "catholic") if subdiv in CATHOLIC_TOWN_STATES else ("public",)
    cal = holidays.country_holidays("DE", subdiv=subdiv, years=sorted(set(years)), categories=kinds,
                                    language="en_US")
    return dict(cal.items())
