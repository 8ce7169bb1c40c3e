"""Section 8: competition: distance to the nearest competitor (overall and by store type), and a competitor opening."""

from __future__ import annotations

__all__ = ["competition_distance", "competitor_opening", "DISTANCE_BANDS"]

from typing import Any

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.clean.rows import sales_days
from storecast.eda._base import (
    COLORS,
    SMALL_GAP,
    QuestionResult,
    count_axis,
    new_figure,
    num,
    pct,
    plural,
    strength,
    unanswered,
)
from storecast.eda.stores import store_means

DISTANCE_BANDS = (0, 250, 500, 1_000, 2_500, 5_000, 10_000, 20_000, np.inf)
_BAND_LABELS = ("<250 m", "250-500 m", "0.5-1 km", "1-2.5 km", "2.5-5 km", "5-10 km", "10-20 km", ">20 km")


def _rank_text(rho: float) -> str:
    """The distance-sales rank correlation in words: its size says how much, its sign which way."""
    how = strength(rho)
    if how == "barely":
        return f"Distance barely ranks stores (Spearman rho = {rho:.2f})."
    way = "the farther from a competitor, the more" if rho > 0 else "the nearer a competitor, the more"
    return f"Distance {how} ranks stores: {way} a store sells (Spearman rho = {rho:.2f})."


def _near_far_by_type(close: pd.DataFrame, far: pd.DataFrame) -> pd.DataFrame:
    """Per store type: stores and median sales within 500 m and 5 km+ of a competitor, and near vs far."""
    def side(part: pd.DataFrame) -> pd.DataFrame:
        return part.groupby(part[s.STORE_TYPE].astype(str))[s.SALES].agg(["size", "median"])

    near, away = side(close), side(far)
    out = pd.DataFrame({"stores_within_500m": near["size"], "median_sales_within_500m": near["median"],
                        "stores_5km_plus": away["size"], "median_sales_5km_plus": away["median"]})
    out[["stores_within_500m", "stores_5km_plus"]] = out[["stores_within_500m", "stores_5km_plus"]].fillna(0)
    out = out.astype({"stores_within_500m": int, "stores_5km_plus": int})
    out["near_vs_far_sales"] = out["median_sales_within_500m"] / out["median_sales_5km_plus"] - 1
    return out.rename_axis(s.STORE_TYPE).sort_index()


def _type_text(by_type: pd.DataFrame, n_close: int, n_far: int) -> str:
    """The near/far store-type mix and the near vs far gap within each type, in one or two sentences.

    Near and far stores are different kinds of store (on the real data most stores within 500 m are
    type a, half of those 5 km+ away type d), so the overall gap mixes store type with distance; the
    gap within one type does not.
    """
    if len(by_type) < 2:  # one store type only: the overall gap is already the within-type gap
        return ""

    def top(col: str, n: int, where: str) -> str:
        kind, count = by_type[col].idxmax(), int(by_type[col].max())
        return f"{count:,} of the {plural(n, 'store')} {where} {'is' if count == 1 else 'are'} type {kind}"

    text = (f" By store type: {top('stores_within_500m', n_close, 'within 500 m')} and "
            f"{top('stores_5km_plus', n_far, '5 km+ away')}")
    both = by_type[(by_type["stores_within_500m"] > 0) & (by_type["stores_5km_plus"] > 0)]
    if both.empty:
        return text + "; no store type has stores both near and far, so distance cannot be read within a type."
    within = ", ".join(f"type {r.Index} {pct(r.near_vs_far_sales)} ({r.stores_within_500m:,} near, "
                       f"{r.stores_5km_plus:,} far)" for r in both.itertuples())
    return text + f"; within one type, near vs far stores sell: {within}."


def competition_distance(train: pd.DataFrame, store: pd.DataFrame) -> QuestionResult:
    """Store mean sales by distance to the nearest competitor (bands), and the rank correlation.

    Near and far stores are compared overall and within each store type (the ``distance_by_type``
    table and a sentence of the answer), because the two groups hold different store types.
    """
    per = store_means(train, store)
    per = per[per[s.COMPETITION_DISTANCE].notna()]
    if per.empty:
        return unanswered("competition-distance", "Do stores near a competitor sell less?",
                          "CompetitionDistance is blank for every store with sales in store.csv, so no store can be "
                          "placed by distance.")
    per["band"] = pd.cut(per[s.COMPETITION_DISTANCE], DISTANCE_BANDS, labels=_BAND_LABELS, right=False)
    bands = per.groupby("band", observed=False).agg(stores=(s.SALES, "size"), median_sales=(s.SALES, "median"),
                                                    median_customers=(s.CUSTOMERS, "median"),
                                                    median_sales_per_customer=("spc", "median"))
    rho = float(per[s.COMPETITION_DISTANCE].rank().corr(per[s.SALES].rank())) if len(per) > 2 else float("nan")
    close = per[per[s.COMPETITION_DISTANCE] < 500]
    far = per[per[s.COMPETITION_DISTANCE] >= 5_000]
    nums: dict[str, Any]  # numbers and, per store type, dicts side by side
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
        # a gap within SMALL_GAP is no direction: 1.7% below, by medians, read as "goes with lower sales"
        reading = (": a gap this small does not show close competition going with lower sales."
                   if -SMALL_GAP < nums["close_vs_far_sales"] < 0 else
                   ": close competition goes with lower sales." if nums["close_vs_far_sales"] < 0 else
                   ": near stores also draw more customers, so nearness to a competitor does not go with lower "
                   "sales." if more_customers else ": nearness to a competitor does not go with lower sales here.")
        answer = (f"{rho_text} The {plural(len(close), 'store')} with a competitor "
                  f"within 500 m {'sells' if len(close) == 1 else 'sell'} a median "
                  f"{num(nums['median_sales_within_500m'])} a day with "
                  f"{num(nums['median_customers_within_500m'])} customers vs "
                  f"{num(nums['median_sales_5km_plus'])} and {num(nums['median_customers_5km_plus'])} for stores "
                  f"5 km+ from one ({pct(nums['close_vs_far_sales'])})" + reading).strip()
        by_type = _near_far_by_type(close, far)
        nums["stores_within_500m_by_type"] = {k: int(v) for k, v in by_type["stores_within_500m"].items()}
        nums["stores_5km_plus_by_type"] = {k: int(v) for k, v in by_type["stores_5km_plus"].items()}
        nums["close_vs_far_sales_by_type"] = {k: float(v) for k, v in by_type["near_vs_far_sales"].items()
                                              if np.isfinite(v)}
        answer += _type_text(by_type, len(close), len(far))
        mixed = by_type["stores_within_500m"].idxmax() != by_type["stores_5km_plus"].idxmax()
        finding = (f"Stores with a competitor within 500 m sell {pct(nums['close_vs_far_sales'])} vs stores 5 km+ "
                   f"away" + (f" (rank correlation of distance and sales {rho:.2f})" if has_rho else "")
                   + (", but the two groups hold different store types." if mixed else "."))
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
                          {"distance_bands": bands.reset_index()}
                          | ({"distance_by_type": by_type.reset_index()} if has_gap else {}),
                          draw, finding, "distance_bands")


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
    if pairs.empty:  # an empty histogram and scatter would read as a chart of nothing happening
        result = unanswered("competitor-opening", "What happens to a store's sales when a competitor opens nearby?",
                            f"no store has a competitor opening with {plural(weeks, 'week')} of data on both sides "
                            "of the opening month.")
        result.tables["competitor_opening"] = pairs
        return result
    adj = pairs["adjusted_change"]
    nums = {"weeks": weeks, "stores": len(pairs),
            "median_adjusted_change": float(adj.median()), "mean_adjusted_change": float(adj.mean()),
            "share_stores_down": float((adj < 0).mean()), "share_stores_down_5pct": float((adj < -0.05).mean())}
    answer = (f"For {plural(len(pairs), 'store')} whose competitor opened inside the data, mean daily sales in "
              f"the {plural(weeks, 'week')} after the opening month vs the {plural(weeks, 'week')} before "
              f"changed by a median "
              f"{pct(nums['median_adjusted_change'])} net of the chain's trend; "
              f"{pct(nums['share_stores_down'], signed=False, digits=0)} of these stores lost sales and "
              f"{pct(nums['share_stores_down_5pct'], signed=False, digits=0)} lost more than 5%.")
    finding = (f"A competitor opening changes the median affected store's daily sales by "
               f"{pct(nums['median_adjusted_change'])} ({plural(len(pairs), 'store')}, "
               f"{plural(weeks, 'week')} before vs after, net of the chain).")

    def draw():
        fig, (a1, a2) = new_figure(2)
        a1.hist(adj * 100, bins=30, color=COLORS[0])
        a1.axvline(0, color="black", lw=0.8)
        a1.axvline(nums["median_adjusted_change"] * 100, color=COLORS[1], lw=1.5, label="median")
        a1.legend(frameon=False)
        a1.set_xlabel("change in daily sales, net of chain (%)")
        count_axis(a1)
        a1.set_title(f"After vs before a competitor opened ({weeks} weeks)")
        a2.scatter(pairs["sales_before"], pairs["sales_after"], s=12, color=COLORS[0], alpha=0.7)
        lim = [0, float(max(pairs["sales_before"].max(), pairs["sales_after"].max()) * 1.05)]
        a2.plot(lim, lim, color="black", lw=0.8, ls="--")
        a2.set_xlabel("mean daily sales before")
        a2.set_ylabel("mean daily sales after")
        a2.set_title("Paired store means")
        return fig

    return QuestionResult("competitor-opening", "What happens to a store's sales when a competitor opens nearby?",
                          answer, nums, {"competitor_opening": pairs}, draw, finding)
