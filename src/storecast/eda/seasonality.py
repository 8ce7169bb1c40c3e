"""Section 4, seasonality: the weekly rhythm and the yearly cycle, overall and by store type."""

from __future__ import annotations

__all__ = ["weekly_pattern", "monthly_pattern"]

from typing import Any

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.clean.rows import sales_days
from storecast.eda._base import (
    COLORS,
    QuestionResult,
    new_figure,
    on_trading_days,
    pct,
    trading_weekdays,
    unanswered,
)

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _with_type(rows: pd.DataFrame, store: pd.DataFrame) -> pd.DataFrame:
    return rows.assign(**{s.STORE_TYPE: rows[s.STORE].map(store.set_index(s.STORE)[s.STORE_TYPE]).astype(str)})


def _relative_to_mon_sat(rows: pd.DataFrame) -> pd.Series:
    """Each day's sales / its own store's Mon-Sat mean over ``rows``: the few (big) stores open on Sunday
    then don't inflate Sunday, and a store's level is not mistaken for a weekday's."""
    level = rows[rows[s.DAY_OF_WEEK] <= 6].groupby(s.STORE)[s.SALES].mean()
    return rows[s.SALES] / rows[s.STORE].map(level)


def _weekday_index(rows: pd.DataFrame) -> pd.Series:
    """Mean over days of sales / the store's Mon-Sat mean, per weekday 1..7."""
    return _relative_to_mon_sat(rows).groupby(rows[s.DAY_OF_WEEK]).mean().reindex(range(1, 8))


def _share_of_gap(nums: dict[str, Any]) -> str:
    """'most' or 'part': how much of the best-worst weekday gap disappears on days without a promo."""
    gap = nums["best_index"] - nums["worst_index"]
    plain_gap = nums["best_index_no_promo"] - nums["worst_index_no_promo"]
    return "most" if plain_gap < gap / 2 else "part"


def _plain_week(nums: dict[str, Any]) -> str:
    """The promo-free week in words: best and worst Mon-Sat day, and Saturday when it is neither."""
    best, worst = nums["best_weekday_no_promo"], nums["worst_weekday_no_promo"]
    if round(nums["best_index_no_promo"] - nums["worst_index_no_promo"], 3) == 0:
        return "on days without a promo Monday to Saturday sell alike"
    text = (f"on days without a promo {best} sells most ({pct(nums['best_index_no_promo'] - 1)}) and {worst} least "
            f"({pct(nums['worst_index_no_promo'] - 1)})")
    return text + (f", Sat {pct(nums['saturday_index_no_promo'] - 1)}" if "Sat" not in (best, worst) else "")


def weekly_pattern(train: pd.DataFrame, store: pd.DataFrame) -> QuestionResult:
    """Sales by weekday as a share of each store's Mon-Sat mean (1 = normal), overall and per store type.

    Promos run Monday to Friday only, so the same index is also computed on days without a promo: the
    gap between a weekday and Saturday is then the week's own rhythm, not the promo calendar.
    """
    # only the weekdays a store regularly trades: a rare Sunday opening is an exception, not the rhythm
    rows = _with_type(on_trading_days(sales_days(train), trading_weekdays(train)), store)
    rows = rows.assign(rel=_relative_to_mon_sat(rows))
    by_dow = rows.groupby(s.DAY_OF_WEEK)[s.SALES].mean().reindex(range(1, 8))
    index = rows.groupby(s.DAY_OF_WEEK)["rel"].mean().reindex(range(1, 8))
    mon_sat = index.loc[1:6]
    # days without a promo, each against its store's promo-free Mon-Sat mean (needs such days on Mon-Sat)
    plain = _weekday_index(rows[rows[s.PROMO] == 0])
    plain_mon_sat = plain.loc[1:6].dropna()
    has_promo = bool((rows[s.PROMO] == 1).any()) and len(plain_mon_sat) == 6
    type_index = rows.groupby([s.STORE_TYPE, s.DAY_OF_WEEK])["rel"].mean().unstack(s.STORE_TYPE).reindex(range(1, 8))
    sundays = train[train[s.DAY_OF_WEEK] == 7]
    nums: dict[str, Any]  # numbers, names and lists side by side
    nums = {"index_by_weekday": {_WEEKDAYS[d - 1]: float(v) for d, v in index.items() if np.isfinite(v)},
            "best_weekday": _WEEKDAYS[int(mon_sat.idxmax()) - 1], "best_index": float(mon_sat.max()),
            "worst_weekday": _WEEKDAYS[int(mon_sat.idxmin()) - 1], "worst_index": float(mon_sat.min()),
            "sunday_open_share": float((sundays[s.OPEN] == 1).mean()) if len(sundays) else float("nan"),
            "sunday_index": float(index.get(7, np.nan))}
    if has_promo:
        nums |= {"index_by_weekday_no_promo": {_WEEKDAYS[d - 1]: float(v) for d, v in plain.items() if np.isfinite(v)},
                 "best_weekday_no_promo": _WEEKDAYS[int(plain_mon_sat.idxmax()) - 1],
                 "best_index_no_promo": float(plain_mon_sat.max()),
                 "worst_weekday_no_promo": _WEEKDAYS[int(plain_mon_sat.idxmin()) - 1],
                 "worst_index_no_promo": float(plain_mon_sat.min()),
                 "saturday_index_no_promo": float(plain.loc[6])}
    # no store trades on Sundays (e.g. a small chain without 7-day stores): there is no Sunday figure to quote
    only = "only " if nums["sunday_open_share"] < 0.5 else ""  # "only" for a minority, not for most Sundays
    sunday = (f"Stores open on {only}{pct(nums['sunday_open_share'], signed=False)} of Sundays; stores that trade on "
              f"Sundays sell {pct(nums['sunday_index'] - 1)} on a Sunday vs their own Mon-Sat mean"
              + (f" ({pct(nums['index_by_weekday_no_promo']['Sun'] - 1)} vs their Mon-Sat days without a promo)."
                 if "Sun" in nums.get("index_by_weekday_no_promo", {}) else ".")
              if np.isfinite(nums["sunday_index"]) else
              # none open: "never", not "open on 0.0% of Sunday store-days"
              "Stores never open on a Sunday, so there is no Sunday to set against the Mon-Sat mean."
              if len(sundays) and nums["sunday_open_share"] == 0 else
              f"No store regularly trades on Sundays (open on {pct(nums['sunday_open_share'], signed=False)} of "
              f"Sunday store-days), so there is no Sunday to set against the Mon-Sat mean." if len(sundays) else
              "The data has no Sunday.")
    # a flat week (best and worst equal as printed) has no strongest day to name
    flat = round(nums["best_index"] - nums["worst_index"], 3) == 0
    answer = ("Monday to Saturday sell alike (each within 0.1% of the Mon-Sat mean). " if flat else
              f"Among Monday-Saturday, {nums['best_weekday']} sells most ({pct(nums['best_index'] - 1)} vs the Mon-Sat "
              f"mean) and {nums['worst_weekday']} least ({pct(nums['worst_index'] - 1)})"
              + (f", but promos, which run Monday to Friday only, make {_share_of_gap(nums)} of that gap: "
                 f"{_plain_week(nums)}. " if has_promo else ". ")) + sunday
    finding = None if flat else (
        f"{nums['best_weekday']} is the strongest day ({pct(nums['best_index'] - 1)} vs the Mon-Sat mean), "
        f"{nums['worst_weekday']} the weakest ({pct(nums['worst_index'] - 1)})"
        + (f"; promos run Mon-Fri only, and {_plain_week(nums)}." if has_promo else "."))

    def draw():
        fig, (a1, a2) = new_figure(2)
        x = np.arange(7)
        width = 0.4 if has_promo else 0.8
        # values inside the bars, upright: two labels a weekday side by side would run into each other
        bars = a1.bar(x - (width / 2 if has_promo else 0), index.to_numpy(), width, color=COLORS[0],
                      label="all open days")
        a1.bar_label(bars, fmt="{:.2f}", fontsize=8, label_type="center", rotation=90, color="white")
        if has_promo:
            bars = a1.bar(x + width / 2, plain.to_numpy(), width, color=COLORS[5], label="days without promo")
            a1.bar_label(bars, fmt="{:.2f}", fontsize=8, label_type="center", rotation=90, color="white")
            a1.legend(frameon=False, loc="upper center", ncol=2)
            a1.set_ylim(0, float(np.nanmax([index.max(), plain.max()])) * 1.2)  # room for the legend
        a1.set_xticks(x, _WEEKDAYS)
        a1.axhline(1, color="black", lw=0.8)
        a1.set_ylabel("sales / Mon-Sat mean")
        a1.set_title("Sales by weekday (open days; promos run Mon-Fri)" if has_promo else
                     "Sales by weekday (open days)")
        for i, t in enumerate(type_index.columns):
            a2.plot(_WEEKDAYS, type_index[t].to_numpy(), marker="o", color=COLORS[i], label=f"type {t}")
        a2.axhline(1, color="black", lw=0.8)
        a2.set_ylabel("sales / Mon-Sat mean")  # its own scale: say the unit, not only on the left panel
        a2.set_title("By store type (open days)")
        a2.legend(frameon=False, ncol=2)
        return fig

    # the mean of one store's day, pooled over the stores that trade that weekday (not the chain's total a
    # day): on Sunday that is the few 7-day stores, big ones, so the column says so and counts them
    stores = rows.groupby(s.DAY_OF_WEEK)[s.STORE].nunique().reindex(range(1, 8)).fillna(0).astype(int)
    table = pd.DataFrame({"weekday": _WEEKDAYS, "mean_sales_per_store_day": by_dow.to_numpy(),
                          "stores": stores.to_numpy(), "index": index.to_numpy()})
    table = pd.concat([table, type_index.add_prefix("index_type_").reset_index(drop=True)], axis=1)
    return QuestionResult("weekly", "What does the week look like?", answer, nums, {"weekly": table}, draw, finding)


def _month_index(rows: pd.DataFrame) -> tuple[pd.Series, list[int]]:
    """Month-of-year index (1 = the average month) from the years that cover all 12 months, and those years.

    In each such year only stores with sales in all 12 of its months count, each store equally (the mean
    of store-month means), and each month is divided by that year's average month; the index is the mean
    over those years. Pooling every row let a partial year (2015 ends in June, 3.8% above 2014) lift
    January-June and the 180 stores absent July-December 2014 (selling 5% below the others) lift the
    second half: the report called September the low month where January is. With no full year, all
    rows are pooled.
    """
    cells = rows.groupby(["year", s.STORE, "month"])[s.SALES].mean().unstack("month").reindex(columns=range(1, 13))
    full = cells.dropna()
    if full.empty:
        pooled = rows.groupby("month")[s.SALES].mean().reindex(range(1, 13))
        return pooled / pooled.mean(), []
    per_year = full.groupby(level="year").mean()
    per_year = per_year.div(per_year.mean(axis=1), axis=0)
    return per_year.mean(), [int(y) for y in per_year.index]


def _years_text(years: list[int]) -> str:
    """The years a month-of-year index was averaged over, or what it was when no year had all 12 months."""
    return ", ".join(map(str, years)) if years else "all rows, no full year"


def _like_for_like_growth(rows: pd.DataFrame) -> dict[str, float]:
    """Growth of mean daily sales from each year to the next, on store-months present in both years.

    Same stores, same months: a year missing months (2015 ends in June) or stores (180 stores closed
    July-December 2014) is compared only where the other year has the same store and month.
    """
    cells = rows.groupby([s.STORE, "month", "year"])[s.SALES].mean().unstack("year")
    years = list(cells.columns)
    growth = {}
    for a, b in zip(years[:-1], years[1:], strict=True):
        both = cells[[a, b]].dropna()
        if len(both):
            growth[f"{b}_vs_{a}"] = float(both[b].sum() / both[a].sum() - 1)
    return growth


def monthly_pattern(train: pd.DataFrame, store: pd.DataFrame) -> QuestionResult:
    """Month-of-year index (full years) overall and per store type, and like-for-like year-over-year growth."""
    rows = _with_type(sales_days(train), store)
    rows = rows.assign(year=rows[s.DATE].dt.year, month=rows[s.DATE].dt.month)
    ym = rows.groupby(["year", "month"])[s.SALES].mean().unstack("year")
    index, index_years = _month_index(rows)
    by_type = {t: _month_index(part) for t, part in rows.groupby(s.STORE_TYPE)}
    type_index = pd.DataFrame({t: index_and_years[0] for t, index_and_years in by_type.items()})
    type_index.index.name = "month"
    type_years = {t: index_and_years[1] for t, index_and_years in by_type.items()}
    growth = _like_for_like_growth(rows)
    valid = index.dropna()
    if len(valid) < 2:  # "Mar is the peak month (+0.0%) and Mar the low (+0.0%)" compared a month with itself
        return unanswered("monthly", "What do the year and its months look like, and is the chain growing?",
                          f"train.csv covers one calendar month ({_MONTHS[int(valid.index[0]) - 1]}), so no month "
                          "can be set against another.")
    nums: dict[str, Any]  # numbers, names and lists side by side
    nums = {"index_by_month": {_MONTHS[m - 1]: float(v) for m, v in valid.items()},
            "peak_month": _MONTHS[int(valid.idxmax()) - 1], "peak_index": float(valid.max()),
            "low_month": _MONTHS[int(valid.idxmin()) - 1], "low_index": float(valid.min()),
            "index_years": index_years, "growth": growth}
    dec = type_index.loc[12].dropna() if 12 in type_index.index else pd.Series(dtype=float)
    if len(dec) > 1:  # one type is both the most and the least seasonal: nothing to name
        nums |= {"most_seasonal_type": str(dec.idxmax()), "most_seasonal_dec_index": float(dec.max()),
                 "least_seasonal_type": str(dec.idxmin()), "least_seasonal_dec_index": float(dec.min())}
    growth_text = ", ".join(f"{k.replace('_vs_', ' vs ')} {pct(v)}" for k, v in growth.items())
    # without a full year the index is over the months there are: say so, not "the average month"
    over = (f"the average month over {', '.join(map(str, index_years))}, the "
            f"{'years' if len(index_years) > 1 else 'year'} with all 12 months" if index_years else
            f"the average of the {len(valid)} months in the data, no full year")
    answer = (f"{nums['peak_month']} is the peak month ({pct(nums['peak_index'] - 1)} vs {over}) and "
              f"{nums['low_month']} the low ({pct(nums['low_index'] - 1)})"
              + (f"; in December type {nums['most_seasonal_type']} rises most "
                 f"({pct(nums['most_seasonal_dec_index'] - 1)}) "
                 f"and type {nums['least_seasonal_type']} least ({pct(nums['least_seasonal_dec_index'] - 1)})"
                 if "most_seasonal_type" in nums else "")
              + (f". Year over year, same stores in the same months: {growth_text}." if growth else "."))
    finding = (f"{nums['peak_month']} is {pct(nums['peak_index'] - 1)} above the average month"
               + (f"; like-for-like growth (same stores, same months) is {growth_text}." if growth else "."))

    def draw():
        fig, (a1, a2) = new_figure(2)
        for i, y in enumerate(ym.columns):
            a1.plot(ym.index, ym[y].to_numpy(), marker="o", ms=3, color=COLORS[i % 5], label=str(y))
        a1.set_xticks(range(1, 13), [m[0] for m in _MONTHS])
        a1.set_ylabel("mean sales per open store-day")
        a1.set_title("Monthly sales by year")
        a1.legend(frameon=False)
        # each type's index comes from the years in which that type has stores with all 12 months, not the
        # chain's: one set of years goes in the title only when every type used it, else each line says its own
        shared = {tuple(y) for y in type_years.values()}
        one = next(iter(shared)) if len(shared) == 1 else None
        for i, t in enumerate(type_index.columns):
            own = "" if one is not None else f" ({_years_text(type_years[t])})"
            a2.plot(type_index.index, type_index[t].to_numpy(), marker="o", ms=3, color=COLORS[i],
                    label=f"type {t}{own}")
        a2.axhline(1, color="black", lw=0.8)
        a2.set_xticks(range(1, 13), [m[0] for m in _MONTHS])
        a2.set_ylabel("sales / type's average month")
        a2.set_title("Month-of-year index by store type" + (f" ({_years_text(list(one))})" if one else ""))
        a2.legend(frameon=False, ncol=2)
        return fig

    table = ym.add_prefix("sales_").assign(index=index).reset_index()
    return QuestionResult("monthly", "What do the year and its months look like, and is the chain growing?",
                          answer, nums, {"monthly": table, "monthly_index_by_type": type_index.reset_index()}, draw,
                          finding)
