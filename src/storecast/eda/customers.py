"""Sections 5 and 6: sales vs customers, and how stores behave around closures and at weekends."""

from __future__ import annotations

__all__ = ["sales_vs_customers", "closure_effects", "trading_days", "store_correlations"]

from typing import Any

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.clean.rows import is_sales_day, sales_days
from storecast.eda._base import (
    COLORS,
    FEW_STORES,
    QuestionResult,
    count_axis,
    few_stores,
    new_figure,
    on_trading_days,
    pct,
    plural,
    ratio_to_baseline,
    strength,
    trading_weekdays,
    unanswered,
)

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def store_correlations(rows: pd.DataFrame) -> pd.Series:
    """Pearson correlation of Sales and Customers per store, from grouped sums (one pass, no Python loop)."""
    x, y = rows[s.SALES].astype(float), rows[s.CUSTOMERS].astype(float)
    parts = pd.DataFrame({"x": x, "y": y, "xy": x * y, "xx": x * x, "yy": y * y, s.STORE: rows[s.STORE]})
    g = parts.groupby(s.STORE).agg(["sum", "count"])
    n = g[("x", "count")]
    mx, my = g[("x", "sum")] / n, g[("y", "sum")] / n
    cov = g[("xy", "sum")] / n - mx * my
    vx, vy = g[("xx", "sum")] / n - mx * mx, g[("yy", "sum")] / n - my * my
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cov / np.sqrt(vx * vy)
    return r.where((vx > 0) & (vy > 0)).rename("r")


def sales_vs_customers(train: pd.DataFrame, store: pd.DataFrame) -> QuestionResult:
    """How closely sales follow customers (overall and per store), and sales per customer by store type.

    Sales per customer by type is the type's total sales over its total customers on all open days, so each
    store weighs by its number of open days; ``eda.stores.type_assortment``'s basket weighs every store the same.
    """
    rows = sales_days(train)
    rows = rows[rows[s.CUSTOMERS] > 0]
    if rows.empty:
        return unanswered("sales-customers", "How do sales relate to customers?",
                          "Customers is 0 on every open day with sales in train.csv (not recorded), so sales "
                          "cannot be set against customers.")
    # r is undefined where sales or customers never vary (np.corrcoef would warn and give nan)
    varies = all(rows[c].min() != rows[c].max() for c in (s.SALES, s.CUSTOMERS))
    r_all = float(np.corrcoef(rows[s.SALES], rows[s.CUSTOMERS])[0, 1]) if varies else float("nan")
    r_store = store_correlations(rows).dropna()
    types = rows[s.STORE].map(store.set_index(s.STORE)[s.STORE_TYPE]).astype(str)
    sums = rows.groupby(types)[[s.SALES, s.CUSTOMERS]].sum()
    spc_type = sums[s.SALES] / sums[s.CUSTOMERS]
    nums: dict[str, Any]  # numbers, names and lists side by side
    nums = {"r_overall": r_all, "r_store_median": float(r_store.median()), "r_store_p05": float(r_store.quantile(0.05)),
            "share_stores_r_above_0_8": float((r_store > 0.8).mean()),
            "sales_per_customer": float(rows[s.SALES].sum() / rows[s.CUSTOMERS].sum()),
            "spc_by_type": {str(k): float(v) for k, v in spc_type.items()},
            "spc_high_type": str(spc_type.idxmax()), "spc_high": float(spc_type.max()),
            "spc_low_type": str(spc_type.idxmin()), "spc_low": float(spc_type.min())}
    above = pct(nums["share_stores_r_above_0_8"], signed=False, digits=0)
    # a store whose r is undefined is left out of the median; when no store has one, say so rather than "nan"
    same = "sales or customers are the same on every open day"
    overall = (f"Across all open days sales and customers correlate at r = {r_all:.2f}" if np.isfinite(r_all) else
               f"Across all open days r cannot be computed ({same})")
    within = (f"within the one store r is {nums['r_store_median']:.2f}" if len(r_store) == 1 else  # no spread
              f"within a store the median r is {nums['r_store_median']:.2f} ({above} of stores above 0.8, "
              f"5% below {nums['r_store_p05']:.2f})" if len(r_store) >= FEW_STORES else
              # a 5th percentile of 2..9 stores is an interpolation next to the lowest one: the range instead
              f"within a store the median r is {nums['r_store_median']:.2f} (from {r_store.min():.2f} to "
              f"{r_store.max():.2f}{few_stores(len(r_store))})" if len(r_store) else
              f"within a store r cannot be computed (in every store {same})")
    corr = (f"{overall}; {within}" if np.isfinite(r_all) or len(r_store) else
            f"Sales and customers cannot be correlated, across all open days or within a store: {same}")
    one_type = len(spc_type) == 1  # "from 9.23 at type a to 9.23 at type a" compares a type with itself
    answer = (f"{corr}. A customer spends {nums['sales_per_customer']:.2f} on average "
              f"(total sales / total customers)"
              + (f"; every store is type {nums['spc_low_type']}." if one_type else
                 f", from {nums['spc_low']:.2f} at type {nums['spc_low_type']} to {nums['spc_high']:.2f} at type "
                 f"{nums['spc_high_type']} stores."))
    r_med = nums["r_store_median"]  # the verb and adverb follow the correlation they quote
    follow = ("Sales barely follow customers" if strength(r_med) == "barely" else
              f"Sales follow customers {'closely' if r_med >= 0.7 else strength(r_med)}" if r_med > 0 else
              f"Sales move {strength(r_med)} against customers")
    lead = (f"{follow} ({'median ' if len(r_store) > 1 else ''}within-store r = {r_med:.2f})" if len(r_store) else
            f"The within-store correlation of sales and customers cannot be computed (in every store {same})")
    finding = (f"{lead}; a customer "
               f"spends {nums['sales_per_customer']:.2f} (all open days pooled)"
               + ("." if one_type else f", least at type {nums['spc_low_type']} ({nums['spc_low']:.2f})."))

    def draw():
        fig, (a1, a2) = new_figure(2)
        hb = a1.hexbin(rows[s.CUSTOMERS], rows[s.SALES], gridsize=60, bins="log", cmap="Blues", mincnt=1)
        fig.colorbar(hb, ax=a1, label="store-days (log)")
        a1.set_xlabel("customers per store-day")
        a1.set_ylabel("sales per store-day")
        a1.set_title(f"Sales vs customers (r = {r_all:.2f})" if np.isfinite(r_all) else "Sales vs customers")
        a2.hist(r_store, bins=40, color=COLORS[0])
        a2.set_xlabel("correlation within a store")
        count_axis(a2)
        a2.set_title("Per-store correlation")
        return fig

    table = pd.DataFrame({"StoreType": spc_type.index, "sales_per_customer": spc_type.to_numpy()})
    return QuestionResult("sales-customers", "How do sales relate to customers?", answer, nums,
                          {"sales_per_customer_by_type": table, "correlation_per_store": r_store.reset_index()},
                          draw, finding, "sales_per_customer_by_type")


def closure_effects(train: pd.DataFrame) -> QuestionResult:
    """Sales and customers on the day before and the day after a closure, vs the store's weekday and promo level.

    Sunday closures are the normal rhythm, so a "closure" here is a closed Monday-Saturday; the first
    day after a closure of 3+ days (refurbishment, long holidays) is shown apart.
    """
    t = train[[s.STORE, s.DATE, s.DAY_OF_WEEK, s.OPEN, s.PROMO, s.SALES, s.CUSTOMERS]].sort_values([s.STORE, s.DATE])
    g = t.groupby(s.STORE, observed=True)
    day = pd.Timedelta(days=1)
    prev_any = (g[s.OPEN].shift() == 0) & ((t[s.DATE] - g[s.DATE].shift()) == day)
    prev_closed = prev_any & (g[s.DAY_OF_WEEK].shift() != 7)
    next_closed = (g[s.OPEN].shift(-1) == 0) & ((g[s.DATE].shift(-1) - t[s.DATE]) == day) & (
        g[s.DAY_OF_WEEK].shift(-1) != 7)
    closed = (t[s.OPEN] == 0).astype(int)
    run_id = ((closed.diff().fillna(1) != 0) | (t[s.STORE] != t[s.STORE].shift())).cumsum()
    run_len = closed.groupby(run_id).transform("sum")
    prev_run = run_len.groupby(t[s.STORE]).shift().fillna(0)
    is_open = is_sales_day(t)
    t = t.assign(kind=np.select([prev_any & (prev_run >= 3), prev_closed, next_closed],
                                ["after 3+ day closure", "day after closure", "day before closure"], "normal"))
    t = t[is_open]
    normal = t["kind"] == "normal"
    ratios = pd.DataFrame({"kind": t["kind"], "sales": ratio_to_baseline(t, normal, s.SALES),
                           "customers": ratio_to_baseline(t, normal, s.CUSTOMERS)})
    order = ["normal", "day before closure", "day after closure", "after 3+ day closure"]
    summary = ratios.groupby("kind")[["sales", "customers"]].mean().reindex(order)
    summary["days"] = ratios.groupby("kind").size().reindex(order).fillna(0).astype(int)
    nums = {f"{k.replace(' ', '_').replace('+', 'plus')}_{c}": float(summary.loc[k, c])
            for k in order[1:] for c in ("sales", "customers")}
    nums |= {f"{k.replace(' ', '_').replace('+', 'plus')}_days": int(summary.loc[k, "days"]) for k in order[1:]}
    if not (nums["day_before_closure_days"] or nums["day_after_closure_days"]  # all open, or closed only on Sundays
            or nums["after_3plus_day_closure_days"]):
        return unanswered("closures", "What happens to customers and sales around closing days?",
                          "no Monday-Saturday closure in train.csv has an open day with sales next to it, so there "
                          "is no day before or after a closure to compare with a normal day.")
    # Customers not recorded (0) leaves no customer level; a long closure may not occur: quote neither as "n/a"
    def _customers(key: str) -> str:
        return f" with {pct(nums[key] - 1)} customers" if np.isfinite(nums[key]) else ""

    def _side(side: str) -> str:  # a side without days (a closure on the file's first or last day) is said so
        key = f"day_{side}_closure"
        if not nums[f"{key}_days"]:
            return ("no open day follows a closure of 1-2 days" if side == "after" else
                    "no open day falls just before a Mon-Sat closure")
        lead = "the day before a (Mon-Sat) closure sells" if side == "before" else "the day after sells"
        return f"{lead} {pct(nums[f'{key}_sales'] - 1)}{_customers(f'{key}_customers')}"

    long_sales = nums["after_3plus_day_closure_sales"]
    answer = (f"Against a normal day of the same weekday and promo status, {_side('before')}; {_side('after')}"
              + (f", and the first day after a closure of 3+ days {pct(long_sales - 1)} "
                 f"({plural(nums['after_3plus_day_closure_days'], 'case')})." if np.isfinite(long_sales) else
                 "; no closure of 3+ days is followed by an open day.")
              + ("" if np.isfinite(summary["customers"]).any() else
                 " Customers is not recorded (0), so customers are not compared."))
    quoted = [f"the day {side} sells {pct(nums[f'day_{side}_closure_sales'] - 1)}"
              for side in ("before", "after") if nums[f"day_{side}_closure_days"]]
    finding = (f"Around a Mon-Sat closure, {', and '.join(quoted)} vs a normal day of the same weekday and promo "
               "status.") if quoted else None
    drawn = [c for c in ("sales", "customers") if np.isfinite(summary[c]).any()]

    def draw():
        fig, (ax,) = new_figure(height=3.2)
        x = np.arange(len(order))
        for i, c in enumerate(drawn):
            vals = summary[c].to_numpy(dtype=float)
            bars = ax.bar(x + (i - 0.5) * 0.38, np.nan_to_num(vals), 0.38, color=COLORS[i], label=c)
            ax.bar_label(bars, [f"{v:.2f}" if np.isfinite(v) else "no days" for v in vals], fontsize=8)
        # each group's day count under its name: 2.32x over 56 days is not 1.17x over 20,000
        ax.set_xticks(x, [f"{k}\n({plural(n, 'day')})" for k, n in zip(order, summary["days"], strict=True)])
        ax.axhline(1, color="black", lw=0.8)
        ax.margins(y=0.08)  # room for the tallest bar's label under the title
        ax.set_ylabel("vs store's normal day\n(same weekday and promo flag)")
        ax.set_title("Sales and customers around closures (closed Mon-Sat days)")
        # "best" avoids the bars and their labels: the tallest group is the right-hand one on the real files, but
        # without a 3+ day closure (the synthetic chain) every group is about 1 and "upper left" covered "1.00"
        ax.legend(frameon=False, loc="best")
        return fig

    # the cells are ratios to the store's normal day, not sales or customers: the headers say so
    table = summary.reset_index(names="day").rename(columns={"sales": "sales_vs_normal_day",
                                                             "customers": "customers_vs_normal_day"})
    return QuestionResult("closures", "What happens to customers and sales around closing days?", answer, nums,
                          {"closures": table}, draw, finding, "closures")


def _known(nums: dict[str, Any], key: str) -> bool:
    """Whether ``nums`` holds a finite ``key``: a NaN would print "n/a" in an answer."""
    return key in nums and bool(np.isfinite(nums[key]))


def trading_days(train: pd.DataFrame) -> QuestionResult:
    """Which stores trade on which weekdays, and how the weekend sells at 7-day vs Mon-Sat stores.

    A store "trades" on a weekday when it was open on at least half of its recorded dates of that
    weekday (holidays and refurbishments do not change its pattern). "Open all weekdays" = trades
    Monday to Friday; "open 7 days" = trades every day including Sunday. Promos run Monday to Friday
    only, so the weekend is also set against the store's Mon-Fri days without a promo.
    """
    trades = trading_weekdays(train)
    weekdays = trades[[1, 2, 3, 4, 5]].all(axis=1)
    seven = trades.all(axis=1)
    mon_sat = weekdays & trades[6] & ~trades[7]
    group = pd.Series(np.select([seven, mon_sat, weekdays], ["7 days", "Mon-Sat", "Mon-Fri (+ other)"], "other"),
                      index=trades.index)
    rows = on_trading_days(sales_days(train), trades)
    rows = rows.assign(group=rows[s.STORE].map(group))
    level = rows[rows[s.DAY_OF_WEEK] <= 5].groupby(s.STORE)[s.SALES].mean()
    rows = rows.assign(rel=rows[s.SALES] / rows[s.STORE].map(level))
    profile = rows.groupby(["group", s.DAY_OF_WEEK])["rel"].mean().unstack("group").reindex(range(1, 8))
    plain = rows[rows[s.PROMO] == 0]
    plain_level = plain[plain[s.DAY_OF_WEEK] <= 5].groupby(s.STORE)[s.SALES].mean()
    plain = plain.assign(rel=plain[s.SALES] / plain[s.STORE].map(plain_level))
    plain_profile = plain.groupby(["group", s.DAY_OF_WEEK])["rel"].mean().unstack("group").reindex(
        index=range(1, 8), columns=profile.columns)
    has_promo = bool((rows[s.PROMO] == 1).any())
    nums: dict[str, Any]  # numbers, names and lists side by side
    nums = {"stores": len(trades), "open_all_weekdays": int(weekdays.sum()), "open_7_days": int(seven.sum()),
            "open_mon_sat": int(mon_sat.sum()),
            "open_7_days_stores": [int(x) for x in trades.index[seven]]}
    for grp, tag in (("7 days", "seven"), ("Mon-Sat", "mon_sat")):
        if grp in profile.columns:
            nums[f"{tag}_saturday_vs_weekday"] = float(profile.loc[6, grp])
            nums[f"{tag}_sunday_vs_weekday"] = float(profile.loc[7, grp])
            if has_promo:  # NaN where no Mon-Fri day goes without a promo; the answer then leaves it out
                nums[f"{tag}_saturday_vs_weekday_no_promo"] = float(plain_profile.loc[6, grp])
                nums[f"{tag}_sunday_vs_weekday_no_promo"] = float(plain_profile.loc[7, grp])
    answer = (f"{nums['open_all_weekdays']:,} of {plural(nums['stores'], 'store')} "
              f"trade{'s' if nums['open_all_weekdays'] == 1 else ''} on all weekdays Mon-Fri; "
              f"{nums['open_mon_sat']:,} trade{'s' if nums['open_mon_sat'] == 1 else ''} Mon-Sat and "
              f"{nums['open_7_days']:,} on all 7 days.")
    if "seven_sunday_vs_weekday" in nums:
        answer += (f" At 7-day stores Saturday sells {pct(nums['seven_saturday_vs_weekday'] - 1)} and Sunday "
                   f"{pct(nums['seven_sunday_vs_weekday'] - 1)} vs their Mon-Fri mean"
                   + (f", while Mon-Sat stores' Saturday sells {pct(nums['mon_sat_saturday_vs_weekday'] - 1)}."
                      if "mon_sat_saturday_vs_weekday" in nums else "."))
        if _known(nums, "seven_sunday_vs_weekday_no_promo"):  # most of the weekend gap is the Mon-Fri promos
            answer += (f" Promos run Monday to Friday only; against Mon-Fri days without a promo, 7-day stores' "
                       f"Saturday sells {pct(nums['seven_saturday_vs_weekday_no_promo'] - 1)} and Sunday "
                       f"{pct(nums['seven_sunday_vs_weekday_no_promo'] - 1)}"
                       + (f", and Mon-Sat stores' Saturday "
                          f"{pct(nums['mon_sat_saturday_vs_weekday_no_promo'] - 1)}."
                          if _known(nums, "mon_sat_saturday_vs_weekday_no_promo") else "."))
    finding = None
    if "seven_sunday_vs_weekday" in nums:
        only = "Only " if nums["open_7_days"] < nums["stores"] / 2 else ""  # a minority, not most of the chain
        finding = (f"{only}{plural(nums['open_7_days'], 'store')} trade{'s' if nums['open_7_days'] == 1 else ''} "
                   f"on Sundays, "
                   f"and there Sunday sells "
                   f"{pct(nums['seven_sunday_vs_weekday'] - 1)} vs their Mon-Fri mean"
                   + (f" ({pct(nums['seven_sunday_vs_weekday_no_promo'] - 1)} vs Mon-Fri days without a promo)."
                      if _known(nums, "seven_sunday_vs_weekday_no_promo") else "."))

    def draw():
        fig, (ax,) = new_figure(height=3.2)
        for i, grp in enumerate(profile.columns):
            ax.plot(_WEEKDAYS, profile[grp].to_numpy(), marker="o", color=COLORS[i],
                    label=f"{grp} ({plural(int((group == grp).sum()), 'store')})")
            if has_promo:  # the same stores' days without a promo, against their promo-free Mon-Fri mean
                ax.plot(_WEEKDAYS, plain_profile[grp].to_numpy(), marker="o", mfc="white", ls="--", color=COLORS[i],
                        label=f"{grp}, days without promo")
        ax.axhline(1, color="black", lw=0.8)
        ax.set_ylabel("sales / store's Mon-Fri mean\n(dashed: of days without promo)" if has_promo else
                      "sales / store's Mon-Fri mean")
        ax.set_title("Weekday profile by trading pattern")
        ax.legend(frameon=False, ncol=2 if has_promo else 1)
        return fig

    table = pd.DataFrame({s.STORE: group.index, "trading_pattern": group.to_numpy()})
    return QuestionResult("trading-days", "Which stores open on all weekdays or all 7 days, and how do their "
                          "weekends sell?", answer, nums,
                          {"trading_pattern": table, "weekday_profile": profile.join(
                              plain_profile.add_suffix(" without promo")).reset_index()}, draw, finding)
