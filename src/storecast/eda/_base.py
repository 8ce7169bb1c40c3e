"""Shared pieces of the exploration report: the result object, the open-day filter, baselines, figures.

Every question function returns a `QuestionResult`: the numbers its answer is written from, the tables
behind it, and a ``draw`` callable that builds the figure only when the report is rendered (so tests on
tiny frames never pay for matplotlib). Figures use matplotlib's object API with an explicit Agg canvas:
no pyplot state, nothing to close, and no backend switched for whoever imports storecast.
"""

from __future__ import annotations

__all__ = [
    "QuestionResult", "Numbers", "unanswered", "trading_weekdays", "on_trading_days", "ratio_to_baseline",
    "new_figure", "figure_png", "count_axis",
    "pct", "num", "plural", "strength", "few_stores", "COLORS", "SMALL_GAP", "FEW_STORES",
]

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from storecast import schema as s

Numbers = dict[str, Any]
COLORS = ("#1f5f8b", "#e07b39", "#3a9d5d", "#b8405e", "#7a5cad", "#8c8c8c")
# A relative gap smaller than this is read as "no effect", not as a direction: Promo2's round months at
# -0.5% are "no lift", and near-competitor stores selling 1.7% below far ones do not show competition costing sales
SMALL_GAP = 0.02
FEW_STORES = 10
"""Below this many stores a spread or ranking across stores (a 10th percentile, "the top stores") is said to rest
on them: on a 3-store chain the "10% of stores below" one value is a third of a store."""
_DPI = 96


@dataclass
class QuestionResult:
    """One answered question: numbers, tables, the answer text and a lazy figure.

    Attributes
    ----------
    key : str
        HTML anchor and prefix of the question's CSV files.
    question : str
        The question as the finance team asked it.
    answer : str
        One or two sentences written from ``numbers`` only.
    numbers : dict
        Every figure quoted in ``answer`` and ``finding`` (written to numbers.json).
    tables : dict of str to DataFrame
        Tables behind the answer (one CSV each); ``shown_table`` is also printed in the report.
    draw : callable or None
        Builds the figure; called once while rendering.
    finding : str or None
        One sentence with its number for the Findings list at the top.
    """

    key: str
    question: str
    answer: str
    numbers: Numbers
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    draw: Callable[[], Figure] | None = None
    finding: str | None = None
    shown_table: str | None = None


def unanswered(key: str, question: str, why: str) -> QuestionResult:
    """A question the data cannot answer, kept in the report with the reason instead of a chart.

    Why not skip it: a reader who finds a section short must see what was missing in the data (no promo
    days, Customers never recorded), not guess; and numbers.json records it under the same key.
    """
    return QuestionResult(key, question, f"Not answered: {why}", {"answered": False, "reason": why})


def trading_weekdays(train: pd.DataFrame) -> pd.DataFrame:
    """Store x weekday (1..7) booleans: True where the store was open on at least half of those dates.

    Separates a store's regular rhythm (e.g. closed on Sundays) from exceptions (a holiday, a
    refurbishment, a one-off Sunday opening), which would otherwise distort weekday averages.
    """
    share = train.groupby([s.STORE, s.DAY_OF_WEEK])[s.OPEN].mean().unstack().reindex(columns=range(1, 8))
    return share.fillna(0) >= 0.5


def on_trading_days(rows: pd.DataFrame, trades: pd.DataFrame) -> pd.DataFrame:
    """``rows`` restricted to weekdays on which their store regularly trades (see `trading_weekdays`)."""
    flat = trades.stack()
    idx = pd.MultiIndex.from_arrays([rows[s.STORE].to_numpy(), rows[s.DAY_OF_WEEK].to_numpy()])
    return rows[flat.reindex(idx).fillna(False).to_numpy(dtype=bool)]


def ratio_to_baseline(rows: pd.DataFrame, normal: pd.Series | np.ndarray, column: str = s.SALES) -> pd.Series:
    """``column`` divided by the store's mean on normal days of the same weekday and the same Promo flag.

    Dividing by a per-store, per-weekday level makes days of big and small stores, and Mondays and
    Saturdays, comparable, so a window around an event shows the event and not the calendar. Promo is
    part of the level because promo weeks (about +39% a day) fall unevenly around events: 20% of the
    days after a state holiday are promo days against 44% of normal days, and Easter's Holy Week was a
    promo week in every year, so a weekday-only level reads the promo calendar as a holiday effect.
    """
    keys = [s.STORE, s.DAY_OF_WEEK, s.PROMO]
    base = rows.loc[np.asarray(normal, dtype=bool)].groupby(keys, observed=True)[column].mean()
    idx = pd.MultiIndex.from_arrays([rows[k].to_numpy() for k in keys], names=keys)
    level = base.reindex(idx).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):  # a level of 0 (Customers not recorded) gives NaN/inf
        ratio = rows[column].to_numpy(dtype=float) / level
    return pd.Series(np.where(level > 0, ratio, np.nan), index=rows.index)


def new_figure(ncols: int = 1, *, width: float = 10.0, height: float = 3.6) -> tuple[Figure, list]:
    """A figure with ``ncols`` axes side by side, laid out so labels never overlap."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    for ax in axes:
        ax.grid(axis="y", alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
    return fig, list(axes)


def count_axis(ax, label: str = "stores") -> None:
    """Label ``ax``'s y axis as a count and tick it at whole numbers only (never '2.5 stores')."""
    ax.set_ylabel(label)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def figure_png(fig: Figure) -> bytes:
    """PNG bytes of ``fig`` at a moderate DPI (small files, readable text)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=_DPI)
    fig.clear()  # free the artists at once; the report holds only the bytes
    return buf.getvalue()


def pct(x: float, *, signed: bool = True, digits: int = 1) -> str:
    """A share or change as text: 0.123 -> '+12.3%'.

    An unsigned share that is neither none nor all never reads as either: 11 of 41,088 is '<0.1%', not
    '0.0%' (which says none), and 41,087 of 41,088 is '>99.9%', not '100.0%'.
    """
    if x is None or not np.isfinite(x):
        return "n/a"
    if signed:
        return f"{x:+.{digits}%}"
    text, step = f"{x:.{digits}%}", 10.0 ** -digits
    if 0 < x < 1 and text == f"{0:.{digits}%}":
        return f"<{step:.{digits}f}%"
    if 0 < x < 1 and text == f"{1:.{digits}%}":
        return f">{100 - step:.{digits}f}%"
    return text


def num(x: float, digits: int = 0) -> str:
    """A number with thousands separators: 6955.3 -> '6,955'."""
    if x is None or not np.isfinite(x):
        return "n/a"
    return f"{x:,.{digits}f}"


def plural(n: float, word: str) -> str:
    """A count with its noun, singular for exactly one: (1, 'store') -> '1 store', (1200, 'day') -> '1,200 days'.

    Small inputs (one or two stores, a short file) are valid, and "1 stores" reads as a bug to a reader.
    """
    return f"{n:,.0f} {word}" if n == 1 else f"{n:,.0f} {word}s"


def few_stores(n: int) -> str:
    """" (n = 3 stores, too few to generalise)" for a figure across ``n`` < `FEW_STORES` stores; else "".

    Why: a small chain (a demo, a region) gave percentiles and "which stores gain most" over 2..9 stores in the
    same words as over 1,115, though each rests on one or two stores.
    """
    return f" (n = {plural(n, 'store')}, too few to generalise)" if n < FEW_STORES else ""


def strength(r: float) -> str:
    """How strongly a correlation ranks or links two things, from its size: barely, weakly or clearly.

    |r| < 0.1 barely, < 0.3 weakly, else clearly: the adjective in a sentence must follow the number it
    quotes, never be written for one data set and left standing when the number changes.
    """
    size = abs(r)
    return "barely" if size < 0.1 else "weakly" if size < 0.3 else "clearly"
