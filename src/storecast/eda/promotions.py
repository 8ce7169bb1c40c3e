"""Section 2, promotions: train vs test promo mix, the promo effect, which stores gain most, Promo2."""

from __future__ import annotations

__all__ = ["promo_train_vs_test", "promo_effect", "promo_uplift_by_store", "promo2_effect", "promo2_start"]

from typing import Any

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.clean.rows import sales_days
from storecast.dates import iso_week_monday
from storecast.eda._base import (
    COLORS,
    SMALL_GAP,
    QuestionResult,
    count_axis,
    few_stores,
    new_figure,
    num,
    pct,
    plural,
    unanswered,
)

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _mon_fri_open(train: pd.DataFrame) -> pd.DataFrame:
    """Open Monday-Friday rows: promos never run at weekends, so weekends would bias any promo comparison."""
    rows = sales_days(train)
    return rows[rows[s.DAY_OF_WEEK] <= 5]


def promo_train_vs_test(train: pd.DataFrame, test: pd.DataFrame | None) -> QuestionResult | None:
    """Is Promo distributed alike in train and test (overall, per store, per weekday), counted on open days."""
    if test is None:
        return None
    tr, te = train[train[s.OPEN] == 1], test[test[s.OPEN] == 1]
    per_store = pd.DataFrame({"train": tr.groupby(s.STORE)[s.PROMO].mean(),
                              "test": te.groupby(s.STORE)[s.PROMO].mean()}).dropna()
    by_dow = pd.DataFrame({"train": tr.groupby(s.DAY_OF_WEEK)[s.PROMO].mean(),
                           "test": te.groupby(s.DAY_OF_WEEK)[s.PROMO].mean()}).reindex(range(1, 8)).fillna(0.0)
    nums = {
        "train_promo_share": float(tr[s.PROMO].mean()), "test_promo_share": float(te[s.PROMO].mean()),
        "train_store_share_median": float(per_store["train"].median()),
        "test_store_share_median": float(per_store["test"].median()),
        "test_store_share_min": float(per_store["test"].min()), "test_store_share_max": float(per_store["test"].max()),
        "weekend_promo_share_train": float(tr.loc[tr[s.DAY_OF_WEEK] >= 6, s.PROMO].mean() if
                                           (tr[s.DAY_OF_WEEK] >= 6).any() else 0.0),
    }
    # one Promo per date for all test stores; shares of open days differ anyway (Sunday openings, closures)
    nums["test_promo_same_for_all_stores"] = chain_wide = bool((test.groupby(s.DATE)[s.PROMO].nunique() <= 1).all())
    answer = (f"Promo runs on {pct(nums['train_promo_share'], signed=False)} of open store-days in train and "
              f"{pct(nums['test_promo_share'], signed=False)} in test; per store the median share is "
              f"{pct(nums['train_store_share_median'], signed=False)} vs "
              f"{pct(nums['test_store_share_median'], signed=False)} and "
              + (f"every test store has Promo on {pct(nums['test_store_share_min'], signed=False)} of its open days: "
                 if pct(nums["test_store_share_min"], signed=False) == pct(nums["test_store_share_max"], signed=False)
                 else f"every test store lies between {pct(nums['test_store_share_min'], signed=False)} and "
                 f"{pct(nums['test_store_share_max'], signed=False)}: ")
              + ("every test store has the same promo dates (Promo is set for the whole chain by date), so a store's "
                 "share differs only by the days it opens, and the overall mix by how many promo weeks fall in the "
                 "window." if chain_wide else
                 "test stores do not share the same promo days, so the mix differs by store as well as by "
                 "how many promo weeks fall in the window."))
    if per_store.empty and not te.empty:  # test stores without train history: only the overall shares compare
        answer = (f"Promo runs on {pct(nums['train_promo_share'], signed=False)} of open store-days in train and "
                  f"{pct(nums['test_promo_share'], signed=False)} in test; no test store has open days in "
                  "train.csv, so shares cannot be set side by side per store.")
    if te.empty:  # every test row closed: there is no test mix to set against train's
        answer = (f"test.csv has no open day (every row has Open = 0), so there is no promo mix to compare; Promo "
                  f"runs on {pct(nums['train_promo_share'], signed=False)} of open store-days in train.")

    def draw():
        fig, (a1, a2) = new_figure(2)
        lo, hi = float(min(per_store.min().min(), 0.3)), float(max(per_store.max().max(), 0.6))
        bins = np.linspace(lo, hi, 41)
        a1.hist([per_store["train"], per_store["test"]], bins=bins, color=[COLORS[0], COLORS[1]],
                label=["train", "test"])
        a1.set_xlabel("share of a store's open days with Promo")
        count_axis(a1)
        a1.set_title("Promo share per store")
        a1.legend(frameon=False)
        x = np.arange(7)
        a2.bar(x - 0.2, by_dow["train"], 0.4, color=COLORS[0], label="train")
        a2.bar(x + 0.2, by_dow["test"], 0.4, color=COLORS[1], label="test")
        a2.set_xticks(x, _WEEKDAYS)
        a2.set_ylabel("share with Promo")
        a2.set_title("Promo share by weekday (open days)")
        a2.legend(frameon=False)
        return fig

    table = per_store.reset_index().rename(columns={"index": s.STORE})
    return QuestionResult("promo-mix", "Is Promo distributed alike in train and test?", answer, nums,
                          {"promo_share_per_store": table, "promo_share_by_weekday": by_dow.reset_index()}, draw)


def _moves(x: float) -> str:
    """A change with its verb: 0.12 -> 'rise 12.0%', -0.2 -> 'fall 20.0%' (never 'rise -20.0%')."""
    return "stay flat (+0.0%)" if round(x, 3) == 0 else f"{'rise' if x > 0 else 'fall'} {pct(abs(x), signed=False)}"


def _promo_mechanism(customers: float, basket: float) -> str:
    """Why a promo day sells what it does, from the signs and sizes of the customer and basket changes.

    Signs are read at the precision the answer prints them (0.1%), so the words never contradict the figures.
    """
    c, b = np.sign(round(customers, 3)), np.sign(round(basket, 3))
    if c > 0 and b > 0:
        lead = "the extra customers" if customers >= basket else "the bigger basket"
        return f"promos bring people in and raise the basket, more through {lead}"
    if c > 0:
        return ("promos work by bringing people in; the basket is unchanged" if b == 0 else
                "promos work by bringing people in, who each spend less")
    if b > 0:
        return ("promos work through bigger baskets; customer numbers are unchanged" if c == 0 else
                "promos work through bigger baskets, even though fewer people come")
    if c < 0 and b < 0:
        return "promo days lose customers and shrink the basket"
    if c < 0:
        return "promo days lose customers; the basket is unchanged"
    return ("promo days shrink the basket; customer numbers are unchanged" if b < 0 else
            "promos change neither customer numbers nor the basket")


def promo_effect(train: pd.DataFrame) -> QuestionResult:
    """Effect of Promo on sales, customers and sales per customer, on open Monday-Friday days."""
    rows = _mon_fri_open(train)
    g = rows.groupby(s.PROMO)[[s.SALES, s.CUSTOMERS]].sum()
    n = rows.groupby(s.PROMO).size()
    means = pd.DataFrame({"sales": g[s.SALES] / n, "customers": g[s.CUSTOMERS] / n,
                          # Customers 0 (not recorded): no basket, NaN (a blank cell), not sales / 0 = inf
                          "sales_per_customer": g[s.SALES] / g[s.CUSTOMERS].where(g[s.CUSTOMERS] > 0)}).reindex([0, 1])
    absent = [tag for p, tag in ((0, "without"), (1, "with")) if n.get(p, 0) == 0]
    if absent:
        return unanswered("promo-effect", "How much does a promo add to sales, customers and sales per customer?",
                          f"train.csv has no open Monday-Friday day {' or '.join(absent)} Promo, so there is "
                          "nothing to compare a promo day with.")
    uplift = means.loc[1] / means.loc[0] - 1
    nums = {f"{k}_{tag}": float(means.loc[p, k]) for k in means.columns for p, tag in ((0, "no_promo"), (1, "promo"))}
    nums |= {f"uplift_{k}": float(uplift[k]) for k in means.columns}
    # Customers not recorded (0) on one side: the split into more people vs bigger baskets is unknown
    split = bool((g[s.CUSTOMERS] > 0).all())
    answer = (f"On open Monday-Friday days a promo day sells {num(nums['sales_promo'])} vs "
              f"{num(nums['sales_no_promo'])} ({pct(nums['uplift_sales'])}); "
              + (f"customers {_moves(nums['uplift_customers'])} and sales per customer "
                 f"{_moves(nums['uplift_sales_per_customer'])}, so "
                 f"{_promo_mechanism(nums['uplift_customers'], nums['uplift_sales_per_customer'])}." if split else
                 "Customers is 0 on all promo or all non-promo days (not recorded), so whether promos bring people in "
                 "or raise the basket cannot be told."))
    finding = (f"A promo day sells {pct(nums['uplift_sales'])} vs a non-promo weekday"
               + (f" (customers {pct(nums['uplift_customers'])}, basket {pct(nums['uplift_sales_per_customer'])})."
                  if split else "."))
    shown = list(means.columns) if split else ["sales"]

    def draw():
        fig, axes = new_figure(len(shown), height=3.0)
        for ax, col, title in zip(axes, shown, ("Sales per day", "Customers per day", "Sales per customer"),
                                  strict=False):
            bars = ax.bar(["no promo", "promo"], means[col].to_numpy(), color=[COLORS[5], COLORS[0]])
            ax.bar_label(bars, fmt="{:,.1f}" if col == "sales_per_customer" else "{:,.0f}", fontsize=8)
            ax.set_title(f"{title} ({pct(float(uplift[col]))})")
            ax.set_ylabel(f"{title.lower().replace(' per day', ' per store-day')} (open Mon-Fri)")
        return fig

    table = means.rename(index={0: "no promo", 1: "promo"}).reset_index(names="day")
    return QuestionResult("promo-effect", "How much does a promo add to sales, customers and sales per customer?",
                          answer, nums, {"promo_effect": table}, draw, finding, "promo_effect")


def promo_uplift_by_store(train: pd.DataFrame, store: pd.DataFrame, top: int = 10) -> QuestionResult:
    """Which stores gain most from a promo: extra sales per promo day (Mon-Fri open days), ranked."""
    rows = _mon_fri_open(train)
    m = rows.groupby([s.STORE, s.PROMO])[s.SALES].mean().unstack()
    m = m.reindex(columns=[0, 1]).dropna()
    per = pd.DataFrame({"sales_no_promo": m[0], "sales_promo": m[1]})
    per["extra_sales_per_promo_day"] = per["sales_promo"] - per["sales_no_promo"]
    per["uplift"] = per["sales_promo"] / per["sales_no_promo"] - 1
    per = per.join(store.set_index(s.STORE)[[s.STORE_TYPE, s.ASSORTMENT, s.PROMO2]])
    per = per.sort_values("extra_sales_per_promo_day", ascending=False).reset_index(names=s.STORE)
    if per.empty:
        return unanswered("promo-stores", f"Which stores gain most from promos (top {top})?",
                          "no store has both promo and non-promo open Monday-Friday days in train.csv, so no "
                          "store's promo uplift can be measured.")
    # the leaders are at most half the stores: a "top 10" of 3 stores was the whole chain, whose mean could sit
    # below the median store's and still be told to "get promos first"; the top half's mean never does
    best = per.head(min(top, len(per) // 2))
    nums: dict[str, Any]  # numbers, names and lists side by side
    nums = {"stores": len(per), "median_uplift": float(per["uplift"].median()),
            "p10_uplift": float(per["uplift"].quantile(0.1)), "p90_uplift": float(per["uplift"].quantile(0.9)),
            "median_extra_sales": float(per["extra_sales_per_promo_day"].median()),
            "top_stores": [int(x) for x in best[s.STORE]],
            "top_extra_sales_mean": float(best["extra_sales_per_promo_day"].mean()),
            "stores_losing": int((per["uplift"] <= 0).sum())}
    by_type = per.groupby(s.STORE_TYPE, observed=True)["uplift"].median()
    nums["median_uplift_by_type"] = {str(k): float(v) for k, v in by_type.items()}
    if best.empty:  # one store: nothing to rank, and a histogram "across stores" of one value says nothing
        one = per.iloc[0]
        answer = (f"Only store {int(one[s.STORE])} has promo and non-promo days to compare: it sells "
                  f"{pct(float(one['uplift']))} on a promo day ({num(float(one['extra_sales_per_promo_day']))} extra "
                  "sales per promo day), and there is no other store to rank it against.")
        return QuestionResult("promo-stores", f"Which stores gain most from promos (top {top})?", answer, nums,
                              {"promo_uplift_top": best, "promo_uplift_per_store": per})
    few = few_stores(len(per))
    # the 10th and 90th percentiles of fewer than 10 stores are interpolated between one or two of them
    spread = (f"10% of stores below {pct(nums['p10_uplift'])}, 10% above {pct(nums['p90_uplift'])}" if not few else
              f"from {pct(float(per['uplift'].min()))} to {pct(float(per['uplift'].max()))}{few}")
    answer = (f"The median store sells {pct(nums['median_uplift'])} on a promo day ({spread}). Ranked by extra "
              f"sales per promo day, {'store' if len(best) == 1 else 'stores'} "
              f"{', '.join(map(str, nums['top_stores'][:5]))} {'leads' if len(best) == 1 else 'lead'} (top "
              f"{len(best)}: {num(nums['top_extra_sales_mean'])} extra sales per promo day on average vs "
              f"{num(nums['median_extra_sales'])} for the median store) and should get promos first"
              + (f"; a ranking of {plural(len(per), 'store')} only: measure it again on more" if few else "") + ".")
    finding = (f"Promo gains differ by store: the top {plural(len(best), 'store')} "
               f"add{'s' if len(best) == 1 else ''} {num(nums['top_extra_sales_mean'])} in sales "
               f"per promo day vs {num(nums['median_extra_sales'])} for the median store "
               f"(led by store {nums['top_stores'][0]}){few}.")

    def draw():
        fig, (a1, a2) = new_figure(2)
        a1.hist(per["uplift"] * 100, bins=int(np.clip(len(per) // 4, 5, 40)), color=COLORS[0])
        a1.axvline(nums["median_uplift"] * 100, color=COLORS[1], lw=1.5, label="median")
        a1.set_xlabel("promo uplift per store (%)")
        count_axis(a1)
        a1.set_title("Promo uplift across stores")
        a1.legend(frameon=False)
        types = [t for t in s.STORE_TYPES if (per[s.STORE_TYPE] == t).any()]
        a2.boxplot([per.loc[per[s.STORE_TYPE] == t, "extra_sales_per_promo_day"] for t in types],
                   tick_labels=[f"type {t}" for t in types], showfliers=False)
        a2.set_ylabel("extra sales per promo day")
        a2.set_title("Extra sales per promo day by store type")
        return fig

    shown = best[[s.STORE, s.STORE_TYPE, s.ASSORTMENT, "sales_no_promo", "sales_promo",
                  "extra_sales_per_promo_day", "uplift"]]
    return QuestionResult("promo-stores", f"Which stores gain most from promos (top {top})?", answer, nums,
                          {"promo_uplift_top": shown, "promo_uplift_per_store": per}, draw, finding,
                          "promo_uplift_top")


def promo2_start(store: pd.DataFrame) -> pd.Series:
    """Monday of ISO Promo2SinceWeek/Year per store, from week 1's as the features count (53 in any year); else NaT."""
    year = np.where(store[s.PROMO2].to_numpy() == 1, store[s.PROMO2_SINCE_YEAR].to_numpy(float), np.nan)
    days = iso_week_monday(year, store[s.PROMO2_SINCE_WEEK].to_numpy(float))  # the features' own count; NaN: NaT
    return pd.Series(pd.to_datetime(days, unit="D"), index=store[s.STORE].to_numpy())


def promo2_effect(train: pd.DataFrame, store: pd.DataFrame) -> QuestionResult:
    """Promo2 (the continuing promotion): how stores in it compare, and do its round months sell more.

    The round-month effect is a difference-in-differences: for each PromoInterval pattern, sales of
    participating stores (after their start) in the months the pattern lists, relative to their other
    months, divided by the same ratio for stores without Promo2 on the same dates (their mean on each date a
    participant's row has: one that joined mid-way meets its own months, not the file's). Sales are first
    divided by the store's own mean so big stores do not dominate; a pattern not measured (NaN) is left out.
    """
    rows = sales_days(train)[[s.STORE, s.DATE, s.SALES, s.CUSTOMERS]]
    level = rows.groupby(s.STORE)[s.SALES].transform("mean")
    rows = rows.assign(rel=rows[s.SALES] / level, month=rows[s.DATE].dt.month)
    st = store.set_index(s.STORE)
    per = rows.groupby(s.STORE)[[s.SALES, s.CUSTOMERS]].mean().join(st[[s.PROMO2]])
    per["spc"] = per[s.SALES] / per[s.CUSTOMERS].where(per[s.CUSTOMERS] > 0)  # Customers 0: not recorded, no basket
    med = per.groupby(s.PROMO2)[[s.SALES, s.CUSTOMERS, "spc"]].median().reindex([0, 1])
    # both comparisons (stores, and round months net of the calendar) need stores on each side
    for side, why in ((1, "no store with sales in train.csv takes part in Promo2, so no participant can be "
                          "compared with the others."),
                      (0, "every store with sales in train.csv takes part in Promo2, so there is no other store to "
                          "compare the participants with.")):
        if np.isnan(med.loc[side, s.SALES]):
            return unanswered("promo2", "Does Promo2, the continuing promotion, lift sales?", why)
    start = promo2_start(store)
    in_p2 = rows[s.STORE].map(st[s.PROMO2]).to_numpy() == 1
    started = (rows[s.DATE] >= rows[s.STORE].map(start)).to_numpy()
    # each row's date at the non-Promo2 stores (NaN where none trades): the control on the participants' dates
    control = rows[s.DATE].map(rows.loc[~in_p2].groupby(s.DATE)["rel"].mean())
    effects = []
    for pattern in s.PROMO_INTERVALS:
        months = [s.PROMO_INTERVAL_MONTHS.index(m) + 1 for m in pattern.split(",")]
        in_round = rows["month"].isin(months).to_numpy()
        treated = in_p2 & started & (rows[s.STORE].map(st[s.PROMO_INTERVAL]) == pattern).to_numpy()
        treated &= control.notna().to_numpy()  # a date no non-Promo2 store traded has nothing to net it of
        if not treated.any():
            continue
        t_ratio = rows["rel"][treated & in_round].mean() / rows["rel"][treated & ~in_round].mean()
        c_ratio = control[treated & in_round].mean() / control[treated & ~in_round].mean()
        effects.append({"PromoInterval": pattern, "stores": int(rows.loc[treated, s.STORE].nunique()),
                        "round_month_effect": float(t_ratio / c_ratio - 1)})
    eff = pd.DataFrame(effects, columns=["PromoInterval", "stores", "round_month_effect"]).dropna(ignore_index=True)
    weighted = float(np.average(eff["round_month_effect"], weights=eff["stores"])) if len(eff) else float("nan")
    nums = {"stores_with_promo2": int((st[s.PROMO2] == 1).sum()), "stores": len(st),
            "median_sales_promo2": float(med.loc[1, s.SALES]), "median_sales_no_promo2": float(med.loc[0, s.SALES]),
            "median_customers_promo2": float(med.loc[1, s.CUSTOMERS]),
            "median_customers_no_promo2": float(med.loc[0, s.CUSTOMERS]),
            "median_spc_promo2": float(med.loc[1, "spc"]), "median_spc_no_promo2": float(med.loc[0, "spc"]),
            "round_month_effect": weighted}
    answer = (f"{nums['stores_with_promo2']:,} of {plural(nums['stores'], 'store')} "
              f"take{'s' if nums['stores_with_promo2'] == 1 else ''} part in Promo2. The median "
              f"participating store sells {num(nums['median_sales_promo2'])} a day vs "
              f"{num(nums['median_sales_no_promo2'])} for the others "
              f"({pct(nums['median_sales_promo2'] / nums['median_sales_no_promo2'] - 1)}; different stores, so not "
              f"an effect). "
              + (f"In the months a Promo2 round starts, participants sell {pct(weighted)} relative to their other "
                 f"months, net of the same months at non-Promo2 stores." if np.isfinite(weighted) else
                 "No participant has sales both in and outside its round months after its Promo2 start, so the "
                 "round-month effect cannot be measured."))
    finding = (f"Promo2 shows no lift: its round months change sales by {pct(weighted)} net of the calendar, and "
               f"participants sell {pct(nums['median_sales_promo2'] / nums['median_sales_no_promo2'] - 1)} vs "
               f"non-participants.") if abs(weighted) < SMALL_GAP else (
               f"Promo2 round months change participants' sales by {pct(weighted)} net of the calendar."
               if np.isfinite(weighted) else None)

    def draw():
        fig, (a1, a2) = new_figure(2)
        groups = [per.loc[per[s.PROMO2] == p, s.SALES] for p in (0, 1)]
        a1.boxplot(groups, tick_labels=["no Promo2", "Promo2"], showfliers=False)
        a1.set_ylabel("store's mean daily sales")
        a1.set_title("Stores with and without Promo2")
        if len(eff):
            bars = a2.bar(range(len(eff)), eff["round_month_effect"] * 100, color=COLORS[0])
            a2.bar_label(bars, fmt="{:+.1f}%", fontsize=8, padding=2)
            a2.set_xticks(range(len(eff)), eff["PromoInterval"].str.replace(",", ", "))
            a2.axhline(0, color="black", lw=0.8)
            a2.margins(y=0.12)  # room for a label past the longest bar, up or down
        a2.set_ylabel("sales in round months vs other (%)")
        a2.set_title("Promo2 round-month effect (net of non-Promo2)")
        return fig

    table = med.rename(index={0: "no Promo2", 1: "Promo2"}).reset_index(names="group")
    return QuestionResult("promo2", "Does Promo2, the continuing promotion, lift sales?", answer, nums,
                          {"promo2_stores": table, "promo2_round_effect": eff}, draw, finding, "promo2_round_effect")
