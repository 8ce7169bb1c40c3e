"""Section 7: store type and assortment (the competition sections are in ``eda.competition``)."""

from __future__ import annotations

__all__ = ["type_assortment", "store_means"]

from typing import Any

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.clean.rows import sales_days
from storecast.eda._base import COLORS, QuestionResult, new_figure, num, pct, plural

_SCALE_MIN_STORES = 5  # the type x assortment colour scale ends at the highest cell of this many stores


def store_means(train: pd.DataFrame, store: pd.DataFrame) -> pd.DataFrame:
    """Per store: mean daily sales, customers and sales per customer on open days, joined to store.csv."""
    rows = sales_days(train)
    per = rows.groupby(s.STORE)[[s.SALES, s.CUSTOMERS]].mean()
    per["spc"] = per[s.SALES] / per[s.CUSTOMERS].where(per[s.CUSTOMERS] > 0)  # Customers 0: not recorded, no basket
    return per.join(store.set_index(s.STORE), how="inner")


def type_assortment(train: pd.DataFrame, store: pd.DataFrame) -> QuestionResult:
    """Mean store sales, customers and basket by store type and assortment (each store counts once).

    The basket is the group's mean sales over its mean customers (each store's open-day means, every
    store weighing the same), so the table's three columns agree (sales / customers = basket). The
    sales-and-customers section (``eda.customers``) divides instead the type's total sales by its total
    customers over all open days, which weighs each store by its number of open days: the two are the
    same only where every store of the type has as many open days. On the Kaggle data they meet to two
    decimals for type b alone (5.06); a, c and d differ in the second decimal (e.g. a: 8.71 here, 8.69 there).
    The mean of the stores' own baskets (5.16 for b) was not used: it let a few small, high-basket stores
    count as much as the busy ones.
    """
    per = store_means(train, store)
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
    # one type (a small chain, or one store): "1.00x the median type" and "the smallest basket of any type" are
    # true of any lone type, so they say nothing; the answer gives its level instead
    single = len(by_type) == 1
    smallest = not single and nums["top_type_spc"] <= min(nums["spc_by_type"].values())  # False: basket unknown
    assortment = (f" Assortment c (extended) sells {pct(nums['assortment_c_vs_a'])} vs a (basic)."
                  if "assortment_c_vs_a" in nums else "")
    top_stores = plural(nums["stores_by_type"][nums["top_type"]], "store")
    if single:
        answer = (f"Every store is type {nums['top_type']} ({top_stores}), so store types cannot be compared: they "
                  f"sell {num(float(by_type[s.SALES].iloc[0]))} a day on average, "
                  + (f"with a basket of {nums['top_type_spc']:.2f} per customer (sales / customers)."
                     if np.isfinite(nums["top_type_spc"]) else "and Customers is not recorded (0), so their basket "
                     "is unknown.") + assortment)
    else:
        answer = (f"Type {nums['top_type']} stores ({top_stores}) sell "
                  f"{nums['top_type_vs_median']:.2f}x the median type per day"
                  + (f", with a basket of only {nums['top_type_spc']:.2f} per customer (sales / customers), the "
                     f"smallest of any type: many customers, small purchases." if smallest else
                     f", with a basket of {nums['top_type_spc']:.2f} per customer (sales / customers)."
                     if np.isfinite(nums["top_type_spc"]) else
                     "; Customers is not recorded (0) for them, so their basket is unknown.") + assortment)
    finding = (f"Type {nums['top_type']} stores sell {nums['top_type_vs_median']:.2f}x the median store type per day "
               f"but with the smallest basket ({nums['top_type_spc']:.2f} per customer)."
               if smallest else None if single else
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
