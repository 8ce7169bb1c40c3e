"""German holiday calendars per state: the package's public holidays, and the days that close the stores.

The ``holidays`` package files Assumption Day in Bavaria and Corpus Christi in Saxony under its
"catholic" category (holidays of Catholic towns only), yet the real train.csv marks them "a" for every
store of those states (2013-08-15 in BY; 2013-05-30, 2014-06-19, 2015-06-04 in SN). Thuringia's Corpus
Christi is in the same category and stays unmarked in the real files, so it stays out. Against the real
files' StateHoliday days (most of a state's stores, 2013-01-01..2015-06-19) ``store_holidays`` misses no
day and adds one (TH's 2015-01-01, which the files leave unmarked); ``public_holidays`` misses those four.

Who reads which: the synthetic chain and the API's default plans mark the days a store is closed, so
they read ``store_holidays``. The model's holiday distances (``features.proximity``, and the LSTM's inputs
through it) read ``public_holidays``: switching them to ``store_holidays`` was measured on the seasonal
backtest on 2026-12-07 and changed the mean by +0.1% (docs/modeling.md), so the features stay as chosen.
"""

from __future__ import annotations

__all__ = ["CATHOLIC_TOWN_STATES", "public_holidays", "store_holidays"]

from collections.abc import Iterable
from datetime import date

# States whose Catholic-town holidays the real files mark for every store.
CATHOLIC_TOWN_STATES = ("BY", "SN")


def public_holidays(subdiv: str | None, years: Iterable[int]) -> dict[date, str]:
    """Day -> English name of the ``holidays`` package's public holidays of ``subdiv`` (nationwide when None)."""
    return _calendar(subdiv, years, ("public",))


def store_holidays(subdiv: str | None, years: Iterable[int]) -> dict[date, str]:
    """Day -> English name of the holidays that close stores in ``subdiv``, as the real files mark them."""
    kinds = ("public", "catholic") if subdiv in CATHOLIC_TOWN_STATES else ("public",)
    return _calendar(subdiv, years, kinds)


def _calendar(subdiv: str | None, years: Iterable[int], kinds: tuple[str, ...]) -> dict[date, str]:
    import holidays  # about a second to import: only where a calendar is built

    cal = holidays.country_holidays("DE", subdiv=subdiv, years=sorted(set(years)), categories=kinds,
                                    language="en_US")
    return dict(cal.items())
