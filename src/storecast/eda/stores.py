"""Sections 7 and 8: store type and assortment, and competition (distance, and a competitor opening)."""

from __future__ import annotations

__all__ = ["type_assortment", "competition_distance", "competitor_opening", "DISTANCE_BANDS"]

from typing import Any

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.clean.rows import sales_days
from storecast.eda._base import (
    COLORS,
    QuestionResult,
    count_axis,
    new_figure,
    num,
    pct,
    plural,
    strength,
    unanswered,
)

DISTANCE_BANDS = (0, 250, 500, 1_000, 2_500, 5_000, 10_000, 20_000, np.inf)
_SCALE_MIN_STORES = 5  # the type x assortment colour scale ends at the highest cell of this many stores
_BAND_LABELS = ("<250 m", "250-500 m", "0.5-1 km", "1-2.5 km", "2.5-5 km", "5-10 km", "10-20 km", ">20 km")


def _store_means(train: pd.DataFrame, store: pd.DataFrame) -> pd.DataFrame:
    """Per store: mean daily sales, customers and sales per customer on open days, joined to store.csv."""
    rows = sales_days(train)
    per = rows.groupby(s.STORE)[[s.SALES, s.CUSTOMERS]].mean()
    per["spc"] = per[s.SALES] / per[s.CUSTOMERS].where(per[s.CUSTOMERS] > 0)  # Customers 0: not recorded, no basket
    return per.join(store.set_index(s.STORE), how="inner")


def _rank_text(rho: float) -> str:
    """The distance-sales rank correlation in words: its size says how much, its sign which way."""
    how = strength(rho)
    if how == "barely":
        return f"Distance barely ranks stores (Spearman rho = {rho:.2f})."
    way = "the farther from a competitor, the more" if rho > 0 else "the nearer a competitor, the more"
    return f"Distance {how} ranks stores: {way} a store sells (Spearman rho = {rho:.2f})."


def type_assortment(train: pd.DataFrame, store: pd.DataFrame) -> QuestionResult:
    """Mean store sales, customers and basket by store type and assortment (each store counts once).

    The basket is the group's mean sales over its mean customers, so the table's three columns agree
    (sales / customers = basket) and type b's basket is the 5.06 of the sales-and-customers section;
    the mean of the stores' own baskets (5.16) let a few small, high-basket stores count as much as
    the busy ones and gave a second figure for the same thing.
    """
    per = _store_means(train, store)
    for col in (s.STORE_TYPE, s.ASSORTMENT):
        per[col] = per[col].astype(str)

    def _groups(col: str) -> pd.DataFrame:
        g = per.groupby(col)[[s.SALES, s.CUSTOMERS]].mean()
        # Customers 0 (not recorded): no basket, NaN, not sales / 0 = inf
        return g.assign(spc=g[s.SALES] / g[s.CUSTOMERS].where(g[s.CUSTOMERS] > 0), stores=per.groupby(col).size())

    by_type, by_assort = _groups(s.STORE_TYPE), _groups(s.ASSORTMENT)
    grid = per.pivot_table(index=s.STORE_TYPE, columns=s.ASSORTMENT, values=s.SALES, aggfunc="mean")
    med_type = float(by_type[s.SALES].median())
    nums: dict[str, Any]  # numbers, names and lists side by side
    nums = {"sales_by_type": {k: float(v) for k, v in by_type[s.SALES].items()},
            "stores_by_type": {k: int(v) for k, v in by_type["stores"].items()},
            "sales_by_assortment": {k: float(v) for k, v in by_assort[s.SALES].items()},
            "top_type": str(by_type[s.SALES].idxmax()), "top_type_vs_median": float(by_type[s.SALES].max() / med_type),
            "top_type_spc": float(by_type.loc[by_type[s.SALES].idxmax(), "spc"]),
            "spc_by_type": {k: float(v) for k, v in by_type["spc"].items()}}
    if {"a", "c"} <= set(by_assort.index):
        nums["assortment_c_vs_a"] = float(by_assort.loc["c", s.SALES] / by_assort.loc["a", s.SALES] - 1)
    smallest = nums["top_type_spc"] <= min(nums["spc_by_type"].values())  # False when the basket is unknown
    answer = (f"Type {nums['top_type']} stores ({plural(nums['stores_by_type'][nums['top_type']], 'store')}) sell "
              f"{nums['top_type_vs_median']:.2f}x the median type per day"
              + (f", with a basket of only {nums['top_type_spc']:.2f} per customer (sales / customers), the smallest "
                 f"of any type: many customers, small purchases." if smallest else
                 f", with a basket of {nums['top_type_spc']:.2f} per customer (sales / customers)."
                 if np.isfinite(nums["top_type_spc"]) else
                 "; Customers is not recorded (0) for them, so their basket is unknown.")
              + (f" Assortment c (extended) sells {pct(nums['assortment_c_vs_a'])} vs a (basic)."
                 if "assortment_c_vs_a" in nums else ""))
    finding = (f"Type {nums['top_type']} stores sell {nums['top_type_vs_median']:.2f}x the median store type per day "
               f"but with the smallest basket ({nums['top_type_spc']:.2f} per customer)."
               if smallest else
               f"Type {nums['top_type']} stores sell {nums['top_type_vs_median']:.2f}x the median store type per day.")

    counts = per.pivot_table(index=s.STORE_TYPE, columns=s.ASSORTMENT, values=s.SALES, aggfunc="size")
    counts = counts.reindex(index=grid.index, columns=grid.columns).fillna(0).to_numpy(dtype=int)
    values = grid.to_numpy(dtype=float)
    # The colour scale ends at the highest cell of at least _SCALE_MIN_STORES stores: the one type b /
    # assortment c store (18,001 a day) set the top of the scale and left every other cell nearly white.
    # Cells above that end (fewer stores) share the top colour; the printed values stay exact.
    backed = values[np.isfinite(values) & (counts >= _SCALE_MIN_STORES)]
    top_all = float(np.nanmax(values))
    top = float(backed.max()) if backed.size else top_all
    low = float(np.nanmin(values))
    top = top if top > low else top_all

    def draw():
        fig, (a1, a2) = new_figure(2)
        im = a1.imshow(values, cmap="Blues", aspect="auto", vmin=low, vmax=top)
        a1.set_xticks(range(grid.shape[1]), [f"assort. {c}" for c in grid.columns])
        a1.set_yticks(range(grid.shape[0]), [f"type {t}" for t in grid.index])
        for (i, j), v in np.ndenumerate(values):
            if np.isfinite(v):
                dark = im.norm(min(v, top)) > 0.55 if top > low else False
                a1.text(j, i, f"{v:,.0f}\n({plural(counts[i, j], 'store')})", ha="center", va="center", fontsize=8,
                        color="white" if dark else "black")
        a1.set_title("Mean daily sales: type x assortment")
        a1.grid(False)
        capped = top < top_all
        bar = fig.colorbar(im, ax=a1, extend="max" if capped else "neither")
        bar.set_label(f"mean daily sales; colours end at {top:,.0f},\nthe top cell of {_SCALE_MIN_STORES}+ stores"
                      if capped else "mean daily sales", fontsize=8)
        x = np.arange(len(by_type))
        spc = by_type["spc"].to_numpy(dtype=float)
        bars = a2.bar(x, np.nan_to_num(spc), color=COLORS[0])
        a2.bar_label(bars, [f"{v:.2f}" if np.isfinite(v) else "no customers" for v in spc], fontsize=8)
        a2.set_xticks(x, [f"type {t}" for t in by_type.index])
        a2.set_ylabel("sales per customer")
        a2.set_title("Basket size by store type")
        return fig

    table = pd.concat([by_type.reset_index().rename(columns={s.STORE_TYPE: "group"}).assign(by="StoreType"),
                       by_assort.reset_index().rename(columns={s.ASSORTMENT: "group"}).assign(by="Assortment")])
    table = table[["by", "group", "stores", s.SALES, s.CUSTOMERS, "spc"]].rename(columns={"spc": "sales_per_customer"})
    return QuestionResult("types", "How do store type and assortment change sales?", answer, nums,
                          {"type_assortment": table.reset_index(drop=True), "type_x_assortment": grid.reset_index()},
                          draw, finding, "type_assortment")


def competition_distance(train: pd.DataFrame, store: pd.DataFrame) -> QuestionResult:
    """Store mean sales by distance to the nearest competitor (bands), and the rank correlation."""
    per = _store_means(train, store)
    per = per[per[s.COMPETITION_DISTANCE].notna()]
    if per.empty:
        return unanswered("competition-distance", "Do stores near a competitor sell less?",
                          "CompetitionDistance is blank for every store with sales in store.csv, so no store can be "
                          "placed by distance.")
    per["band"] = pd.cut(per[s.COMPETITION_DISTANCE], DISTANCE_BANDS, labels=_BAND_LABELS, right=False)
    bands = per.groupby("band", observed=False).agg(stores=(s.SALES, "size"), median_sales=(s.SALES, "median"),
                                                    median_customers=(s.CUSTOMERS, "median"),
                                                    median_spc=("spc", "median"))
    rho = float(per[s.COMPETITION_DISTANCE].rank().corr(per[s.SALES].rank())) if len(per) > 2 else float("nan")
    close = per[per[s.COMPETITION_DISTANCE] < 500]
    far = per[per[s.COMPETITION_DISTANCE] >= 5_000]
    nums = {"stores_with_distance": len(per), "spearman_distance_sales": rho,
            "stores_within_500m": len(close), "median_sales_within_500m": float(close[s.SALES].median()),
            "median_sales_5km_plus": float(far[s.SALES].median()),
            "median_customers_within_500m": float(close[s.CUSTOMERS].median()),
            "median_customers_5km_plus": float(far[s.CUSTOMERS].median())}
    nums["close_vs_far_sales"] = nums["median_sales_within_500m"] / nums["median_sales_5km_plus"] - 1
    # a rank needs 3+ stores and a comparison needs stores on both sides: quote only what the data defines
    has_rho, has_gap = bool(np.isfinite(rho)), bool(len(close) and len(far))
    if not (has_rho or has_gap):
        return unanswered("competition-distance", "Do stores near a competitor sell less?",
                          f"a rank correlation needs 3 stores with a CompetitionDistance (the data has {len(per):,}), "
                          "and no store within 500 m of a competitor has one 5 km+ away to compare it with.")
    rho_text = _rank_text(rho) if has_rho else ""
    if has_gap:
        # store.csv has no location or site type: say how near stores sell, not where they are
        more_customers = nums["median_customers_within_500m"] > nums["median_customers_5km_plus"]
        reading = (": close competition goes with lower sales." if nums["close_vs_far_sales"] < 0 else
                   ": near stores also draw more customers, so nearness to a competitor does not go with lower "
                   "sales." if more_customers else ": nearness to a competitor does not go with lower sales here.")
        answer = (f"{rho_text} The {plural(len(close), 'store')} with a competitor "
                  f"within 500 m {'sells' if len(close) == 1 else 'sell'} a median "
                  f"{num(nums['median_sales_within_500m'])} a day with "
                  f"{num(nums['median_customers_within_500m'])} customers vs "
                  f"{num(nums['median_sales_5km_plus'])} and {num(nums['median_customers_5km_plus'])} for stores "
                  f"5 km+ from one ({pct(nums['close_vs_far_sales'])})" + reading).strip()
        finding = (f"Stores with a competitor within 500 m sell {pct(nums['close_vs_far_sales'])} vs stores 5 km+ "
                   f"away" + (f" (rank correlation of distance and sales {rho:.2f})." if has_rho else "."))
    else:
        answer = (f"{rho_text} No store has a competitor within 500 m" if not len(close) else
                  f"{rho_text} No store is 5 km+ from a competitor") + ", so near and far stores cannot be compared."
        finding = None

    def draw():
        fig, (ax,) = new_figure(height=3.4)
        data = [per.loc[per["band"] == b, s.SALES].to_numpy() for b in _BAND_LABELS]
        keep = [i for i, d in enumerate(data) if len(d)]
        ax.boxplot([data[i] for i in keep], tick_labels=[f"{_BAND_LABELS[i]}\n({len(data[i])})" for i in keep],
                   showfliers=False)
        ax.set_ylabel("store's mean daily sales")
        ax.set_xlabel("distance to nearest competitor (number of stores in the band)")
        ax.set_title("Store sales by competitor distance")
        return fig

    return QuestionResult("competition-distance", "Do stores near a competitor sell less?", answer, nums,
                          {"distance_bands": bands.reset_index()}, draw, finding, "distance_bands")


def competitor_opening(train: pd.DataFrame, store: pd.DataFrame, weeks: int = 8) -> QuestionResult:
    """Paired before/after: a store's mean daily sales ``weeks`` weeks before vs after a competitor opened.

    Only the month is known, so the opening month itself is left out: "before" ends on its first day,
    "after" starts on the first day of the next month. Each store's ratio is divided by the chain's
    ratio over the same dates, so seasons and chain-wide promos cancel; the chain there is every other
    store (the store itself left out, so its own drop does not shrink its baseline). Stores need data
    on at least half of each window's days (28 of 56 for 8 weeks).
    """
    rows = sales_days(train)[[s.STORE, s.DATE, s.SALES]]
    first, last = train[s.DATE].min(), train[s.DATE].max()
    span = pd.Timedelta(weeks=weeks)
    st = store.dropna(subset=[s.COMPETITION_OPEN_SINCE_YEAR, s.COMPETITION_OPEN_SINCE_MONTH])
    opening = pd.to_datetime(pd.DataFrame({"year": st[s.COMPETITION_OPEN_SINCE_YEAR].astype(int),
                                           "month": st[s.COMPETITION_OPEN_SINCE_MONTH].astype(int), "day": 1}))
    cand = pd.DataFrame({s.STORE: st[s.STORE].to_numpy(), "opened": opening.to_numpy()})
    cand["after_start"] = cand["opened"] + pd.offsets.MonthBegin(1)
    cand = cand[(cand["opened"] - span >= first) & (cand["after_start"] + span - pd.Timedelta(days=1) <= last)]
    records = []
    need = -(-span.days // 2)  # at least half of the window's days, rounded up
    by_date = rows.groupby(s.DATE)[s.SALES]
    chain_sum, chain_n = by_date.sum(), by_date.size()

    def others(own: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> float:
        """Mean over [start, end) of the daily mean sales of every store but ``own``'s."""
        inside = (chain_sum.index >= start) & (chain_sum.index < end)
        mine = own.set_index(s.DATE)[s.SALES]
        total = chain_sum[inside].sub(mine, fill_value=0).reindex(chain_sum.index[inside])
        count = chain_n[inside].sub(pd.Series(1, index=mine.index), fill_value=0).reindex(total.index)
        return float((total / count.where(count > 0)).mean())

    by_store = dict(tuple(rows[rows[s.STORE].isin(cand[s.STORE])].groupby(s.STORE)))
    for sid, opened, after_start in cand[[s.STORE, "opened", "after_start"]].itertuples(index=False):
        part = by_store.get(sid)
        if part is None:
            continue
        before = part[(part[s.DATE] >= opened - span) & (part[s.DATE] < opened)]
        after = part[(part[s.DATE] >= after_start) & (part[s.DATE] < after_start + span)]
        if len(before) < need or len(after) < need:
            continue
        c_before = others(before, opened - span, opened)
        c_after = others(after, after_start, after_start + span)
        if not (c_before > 0 and c_after > 0):  # no other store trades in a window: nothing to net it of
            continue
        b, a = before[s.SALES].mean(), after[s.SALES].mean()
        records.append({s.STORE: int(sid), "opened": f"{opened:%Y-%m}", "sales_before": b, "sales_after": a,
                        "change": a / b - 1, "chain_change": c_after / c_before - 1,
                        "adjusted_change": (a / b) / (c_after / c_before) - 1})
    pairs = pd.DataFrame(records, columns=[s.STORE, "opened", "sales_before", "sales_after", "change",
                                           "chain_change", "adjusted_change"])
    adj = pairs["adjusted_change"]
    nums = {"weeks": weeks, "stores": len(pairs),
            "median_adjusted_change": float(adj.median()) if len(adj) else float("nan"),
            "mean_adjusted_change": float(adj.mean()) if len(adj) else float("nan"),
            "share_stores_down": float((adj < 0).mean()) if len(adj) else float("nan"),
            "share_stores_down_5pct": float((adj < -0.05).mean()) if len(adj) else float("nan")}
    if len(pairs):
        answer = (f"For {plural(len(pairs), 'store')} whose competitor opened inside the data, mean daily sales in "
                  f"the {plural(weeks, 'week')} after the opening month vs the {plural(weeks, 'week')} before "
                  f"changed by a median "
                  f"{pct(nums['median_adjusted_change'])} net of the chain's trend; "
                  f"{pct(nums['share_stores_down'], signed=False, digits=0)} of these stores lost sales and "
                  f"{pct(nums['share_stores_down_5pct'], signed=False, digits=0)} lost more than 5%.")
        finding = (f"A competitor opening changes the median affected store's daily sales by "
                   f"{pct(nums['median_adjusted_change'])} ({plural(len(pairs), 'store')}, "
                   f"{plural(weeks, 'week')} before vs after, net of the chain).")
    else:
        answer, finding = f"No store has a competitor opening with {plural(weeks, 'week')} of data on both sides.", None

    def draw():
        fig, (a1, a2) = new_figure(2)
        a1.hist(adj * 100, bins=30, color=COLORS[0])
        a1.axvline(0, color="black", lw=0.8)
        if len(adj):
            a1.axvline(nums["median_adjusted_change"] * 100, color=COLORS[1], lw=1.5, label="median")
            a1.legend(frameon=False)
        a1.set_xlabel("change in daily sales, net of chain (%)")
        count_axis(a1)
        a1.set_title(f"After vs before a competitor opened ({weeks} weeks)")
        a2.scatter(pairs["sales_before"], pairs["sales_after"], s=12, color=COLORS[0], alpha=0.7)
        lim = [0, float(max(pairs["sales_before"].max(), pairs["sales_after"].max()) * 1.05) if len(pairs) else 1.0]
        a2.plot(lim, lim, color="black", lw=0.8, ls="--")
        a2.set_xlabel("mean daily sales before")
        a2.set_ylabel("mean daily sales after")
        a2.set_title("Paired store means")
        return fig

    return QuestionResult("competitor-opening", "What happens to a store's sales when a competitor opens nearby?",
                          answer, nums, {"competitor_opening": pairs}, draw, finding)
