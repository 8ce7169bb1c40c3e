"""Section 1, data overview and quality: coverage and gaps, missing values, outliers per rule."""

from __future__ import annotations

__all__ = ["find_gaps", "data_overview", "missing_values", "outlier_counts"]

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from storecast import schema as s
from storecast.clean.outliers import OutlierHandler
from storecast.clean.report import CleaningReport
from storecast.clean.rows import sales_days
from storecast.eda._base import COLORS, QuestionResult, new_figure, num, pct, plural

_DAY = pd.Timedelta(days=1)
_RULE_LABELS = {"iqr": "IQR (k=1.5)", "zscore": "z-score (k=3)", "mad": "MAD (k=3.5)"}


def find_gaps(train: pd.DataFrame) -> pd.DataFrame:
    """One row per run of consecutive dates a store has no row for (inside the file's date range).

    Returns
    -------
    DataFrame with columns Store, start, end, days (sorted by start, then Store).
    """
    d = train[[s.STORE, s.DATE]].sort_values([s.STORE, s.DATE])
    first, last = d[s.DATE].min(), d[s.DATE].max()
    prev = d.groupby(s.STORE, observed=True)[s.DATE].shift()
    inner = d[(d[s.DATE] - prev) > _DAY]
    parts = [pd.DataFrame({s.STORE: inner[s.STORE].to_numpy(), "start": (prev[inner.index] + _DAY).to_numpy(),
                           "end": (inner[s.DATE] - _DAY).to_numpy()})]
    span = d.groupby(s.STORE, observed=True)[s.DATE].agg(["min", "max"])
    lead, trail = span[span["min"] > first], span[span["max"] < last]
    parts.append(pd.DataFrame({s.STORE: lead.index, "start": first, "end": lead["min"] - _DAY}))
    parts.append(pd.DataFrame({s.STORE: trail.index, "start": trail["max"] + _DAY, "end": last}))
    gaps = pd.concat(parts, ignore_index=True)
    gaps["days"] = ((gaps["end"] - gaps["start"]) / _DAY).astype(int) + 1
    return gaps.sort_values(["start", s.STORE]).reset_index(drop=True)


def _gap_groups(gaps: pd.DataFrame) -> pd.DataFrame:
    """Gaps shared by several stores (e.g. a refurbishment wave) collapsed into one row each."""
    g = gaps.groupby(["start", "end", "days"], as_index=False).agg(
        stores=(s.STORE, "size"), example_stores=(s.STORE, lambda x: ", ".join(map(str, sorted(x)[:5]))))
    return g.sort_values(["stores", "days"], ascending=False).reset_index(drop=True)


def data_overview(train: pd.DataFrame, store: pd.DataFrame, test: pd.DataFrame | None = None) -> QuestionResult:
    """How much data is there, over which dates, and which stores have holes in their history."""
    gaps = find_gaps(train)
    groups = _gap_groups(gaps)
    first, last = train[s.DATE].min(), train[s.DATE].max()
    n_stores = int(train[s.STORE].nunique())
    days = int((last - first) / _DAY) + 1
    gap_stores = int(gaps[s.STORE].nunique())
    opened = sales_days(train)
    nums = {
        "train_rows": len(train), "stores": n_stores, "stores_in_store_csv": len(store),
        "first_date": f"{first:%Y-%m-%d}", "last_date": f"{last:%Y-%m-%d}", "days": days,
        "stores_complete": n_stores - int(gaps[s.STORE].nunique()), "stores_with_gaps": int(gaps[s.STORE].nunique()),
        "missing_store_days": int(gaps["days"].sum()),
        "open_share": float((train[s.OPEN] == 1).mean()),
        "open_zero_sales_days": int(((train[s.OPEN] == 1) & (train[s.SALES] == 0)).sum()),
        "mean_daily_sales_open": float(opened[s.SALES].mean()),
        "gap_groups": [{"start": f"{r.start:%Y-%m-%d}", "end": f"{r.end:%Y-%m-%d}", "days": int(r.days),
                        "stores": int(r.stores)} for r in groups.head(10).itertuples()],
    }
    if test is not None:
        nums |= {"test_rows": len(test), "test_stores": int(test[s.STORE].nunique()),
                 "test_first_date": f"{test[s.DATE].min():%Y-%m-%d}",
                 "test_last_date": f"{test[s.DATE].max():%Y-%m-%d}"}
    gap_text = "; ".join(
        f"{plural(r.stores, 'store')} ({r.example_stores}{', ...' if r.stores > 5 else ''}) "
        f"miss{'es' if r.stores == 1 else ''} {r.start:%Y-%m-%d}"
        + (f" to {r.end:%Y-%m-%d} ({r.days} days)" if r.days > 1 else "")
        for r in groups.head(3).itertuples())
    answer = (f"train.csv has {num(len(train))} rows for {plural(n_stores, 'store')} from {nums['first_date']} to "
              f"{nums['last_date']} ({plural(days, 'day')}); {plural(n_stores - gap_stores, 'store')} "
              f"{'has' if n_stores - gap_stores == 1 else 'have'} every day. "
              + (f"Gaps: {gap_text}." if len(gaps) else "No store has a gap."))
    no_rows = int((~store[s.STORE].isin(train[s.STORE].unique())).sum())
    if no_rows:  # counted in numbers.json; a reader of the answer must not take store.csv for the chain traded
        answer += (f" {plural(no_rows, 'store')} in store.csv {'has' if no_rows == 1 else 'have'} no rows in "
                   "train.csv.")
    if test is not None:
        answer += (f" test.csv asks for {num(len(test))} rows of {plural(test[s.STORE].nunique(), 'store')} from "
                   f"{nums['test_first_date']} to {nums['test_last_date']}.")
    finding = None
    if len(groups):
        top = groups.iloc[0]
        finding = (f"{plural(top.stores, 'store')} {'has' if top.stores == 1 else 'have'} no data from "
                   f"{top.start:%Y-%m-%d} to {top.end:%Y-%m-%d} ({plural(top.days, 'day')}); models and averages "
                   f"must not read that gap as zero sales.")
    per_day = train.groupby(s.DATE).size()

    def draw():
        fig, (ax,) = new_figure(height=3.0)
        ax.plot(per_day.index, per_day.to_numpy(), color=COLORS[0], lw=1)
        ax.set_ylabel("stores with a row")
        ax.set_title("Stores reporting per day")
        ax.set_ylim(0, per_day.max() * 1.08)
        shaded = [r for r in groups.head(3).itertuples() if r.stores > 1]
        for r in shaded:
            ax.axvspan(r.start, r.end, color=COLORS[1], alpha=0.15, lw=0,
                       label=f"{plural(r.stores, 'store')} without rows, {r.start:%Y-%m-%d} to {r.end:%Y-%m-%d}")
        if shaded:  # a shaded band without a key reads as decoration, not as the gap the answer names
            ax.legend(frameon=False, loc="lower left")
        return fig

    table = groups.assign(start=groups["start"].dt.strftime("%Y-%m-%d"), end=groups["end"].dt.strftime("%Y-%m-%d"))
    gaps_out = gaps.assign(start=gaps["start"].dt.strftime("%Y-%m-%d"), end=gaps["end"].dt.strftime("%Y-%m-%d"))
    return QuestionResult("overview", "How much data is there, over which dates, and where are the holes?",
                          answer, nums, {"gap_groups": table, "gaps": gaps_out}, draw, finding, "gap_groups")


def _treatments(report: CleaningReport | None) -> dict[tuple[str, str], str]:
    """(file, column) -> every rule that filled that file's column: the context rules act on store.csv, the
    contract's "test.csv X" rows on test.csv (so train.csv's Open, never missing, carries no test.csv rule)."""
    if report is None:
        return {}
    out: dict[tuple[str, str], list[str]] = {}
    for a in report.actions:
        if a.step in ("StoreContextImputer", "contract") and a.changed > 0:
            file, _, column = a.column.partition(" ") if a.step == "contract" else ("store.csv", "", a.column)
            out.setdefault((file, column), []).append(f"{a.rule}: {a.detail}")
    return {key: "; ".join(rules) for key, rules in out.items()}


def missing_values(train: pd.DataFrame, store: pd.DataFrame, test: pd.DataFrame | None = None,
                   report: CleaningReport | None = None) -> QuestionResult:
    """Which values are missing, what the gaps mean, and how the cleaning pipeline fills them.

    ``test.attrs["missing_open_filled"]`` (set by the contract loader) counts Open values that were missing
    in test.csv before loading filled them.
    """
    rows = []
    for name, frame in (("train.csv", train), ("store.csv", store), ("test.csv", test)):
        if frame is None:
            continue
        counts = frame.isna().sum()
        if name == "test.csv":
            counts[s.OPEN] = counts.get(s.OPEN, 0) + int(frame.attrs.get("missing_open_filled", 0))
        for col, n in counts.items():
            rows.append({"file": name, "column": col, "missing": int(n), "share": float(n / max(len(frame), 1))})
    table = pd.DataFrame(rows, columns=["file", "column", "missing", "share"])
    no_p2 = store[s.PROMO2] == 0
    p2_missing = store[s.PROMO2_SINCE_WEEK].isna()
    since_missing = store[s.COMPETITION_OPEN_SINCE_YEAR].isna()
    nums = {
        "missing_total": int(table["missing"].sum()),
        "missing_train": int(table.loc[table["file"] == "train.csv", "missing"].sum()),
        "missing_store": int(table.loc[table["file"] == "store.csv", "missing"].sum()),
        "missing_test_open": int(table.loc[(table["file"] == "test.csv") & (table["column"] == s.OPEN),
                                           "missing"].sum()),
        "promo2_missing": int(p2_missing.sum()),
        "promo2_missing_share_without_promo2": float((p2_missing & no_p2).sum() / max(p2_missing.sum(), 1)),
        "stores_without_promo2": int(no_p2.sum()),
        "competition_since_missing": int(since_missing.sum()),
        "competition_since_missing_with_distance": int((since_missing & store[s.COMPETITION_DISTANCE].notna()).sum()),
        "competition_distance_missing": int(store[s.COMPETITION_DISTANCE].isna().sum()),
    }
    treat = _treatments(report)
    table["treatment"] = [treat.get((f, c), "" if m == 0 else "left as is")
                          for f, c, m in zip(table["file"], table["column"], table["missing"], strict=True)]
    shown = table[table["missing"] > 0].reset_index(drop=True)
    n_since, n_dist = nums["competition_since_missing"], nums["competition_since_missing_with_distance"]
    answer = (f"{plural(nums['missing_total'], 'value')} {'is' if nums['missing_total'] == 1 else 'are'} missing: "
              f"{num(nums['missing_train'])} in train.csv"
              # without test.csv the report read no test file: "0 Open values in test.csv" spoke of none
              + (f", {num(nums['missing_store'])} in store.csv and {nums['missing_test_open']} Open values in "
                 "test.csv." if test is not None else f" and {num(nums['missing_store'])} in store.csv.")
              if nums["missing_total"] else
              "No value is missing in train.csv, store.csv or test.csv's Open column." if test is not None else
              "No value is missing in train.csv or store.csv.")
    rules = []  # a clause per gap that exists: "empty for 0 stores, 0% of them ..." reads as a bug
    if nums["promo2_missing"]:
        rules.append(f"Promo2Since*/PromoInterval are empty for {plural(nums['promo2_missing'], 'store')}, "
                     f"{pct(nums['promo2_missing_share_without_promo2'], signed=False, digits=0)} of them stores "
                     "without Promo2 (not applicable, not unknown)")
    if n_since:
        rules.append(f"CompetitionOpenSince* is empty for {plural(n_since, 'store')}, "
                     + ("which has a competitor distance" if n_since == 1 and n_dist == 1 else
                        "which has no competitor distance either" if n_since == 1 else
                        f"{n_dist:,} of which {'has' if n_dist == 1 else 'have'} a competitor distance")
                     + (" (the competitor predates the records)" if n_dist else ""))
    if rules:
        answer += " " + "; ".join(rules) + (", and the cleaning pipeline fills each gap by that meaning (table)."
                                            if treat else ".")

    def draw():
        fig, (ax,) = new_figure(height=max(2.0, 0.35 * len(shown) + 1.0))
        labels = [f"{f}: {c}" for f, c in zip(shown["file"], shown["column"], strict=True)]
        bars = ax.barh(labels[::-1], shown["missing"].to_numpy()[::-1], color=COLORS[0])
        # count and share of the file's rows: 11 of test.csv's 41,088 Open values is "<0.1%", not "0.0%"
        ax.bar_label(bars, [f"{n:,} ({pct(v, signed=False)})"
                            for n, v in zip(shown["missing"][::-1], shown["share"][::-1], strict=True)],
                     fontsize=8, padding=3)
        ax.margins(x=0.12)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # a count: no tick at 1.5 when few are missing
        ax.set_xlabel("missing values (labels: count and share of the file's rows)")
        ax.set_title("Missing values per column (columns with none are left out)")
        ax.grid(axis="x", alpha=0.3)
        return fig

    return QuestionResult("missing", "Which values are missing, and how does cleaning treat them?", answer, nums,
                          {"missing": table, "missing_columns": shown}, draw if len(shown) else None, None,
                          "missing_columns")


def outlier_counts(train: pd.DataFrame, methods: tuple[str, ...] = ("iqr", "zscore", "mad")) -> QuestionResult:
    """How many Sales and Customers values each outlier rule flags, with bounds learned per store.

    Uses the cleaning pipeline's `OutlierHandler` (open days with sales; IQR k=1.5, z-score k=3,
    MAD k=3.5), so the counts are the ones `storecast clean` acts on.
    """
    rows = sales_days(train)
    records = []
    for method in methods:
        handler = OutlierHandler(columns=(s.SALES, s.CUSTOMERS), method=method, action="flag", by=s.STORE).fit(rows)
        for a in handler.report_.actions:
            records.append({"method": method, "column": a.column, "outliers": a.detected,
                            "share": a.detected / max(len(rows), 1)})
    table = pd.DataFrame(records, columns=["method", "column", "outliers", "share"])
    nums = {f"{r.method}_{r.column}": int(r.outliers) for r in table.itertuples()}
    nums["open_days_checked"] = len(rows)
    parts = [f"{m.upper() if m != 'zscore' else 'z-score'} flags {nums[f'{m}_{s.SALES}']:,} Sales and "
             f"{nums[f'{m}_{s.CUSTOMERS}']:,} Customers values" for m in methods]
    answer = (f"On {num(len(rows))} open days, with bounds per store: " + "; ".join(parts)
              + ". The cleaning pipeline caps IQR outliers at the store's bounds by default.")
    pivot = table.pivot(index="method", columns="column", values="outliers").reindex(list(methods))

    def draw():
        fig, (ax,) = new_figure(height=3.0)
        x = np.arange(len(pivot))
        for i, col in enumerate((s.SALES, s.CUSTOMERS)):
            bars = ax.bar(x + (i - 0.5) * 0.38, pivot[col].to_numpy(), 0.38, label=col, color=COLORS[i])
            ax.bar_label(bars, fmt="{:,.0f}", fontsize=8)
        ax.set_xticks(x, [_RULE_LABELS.get(m, m) for m in pivot.index])
        ax.set_ylabel("flagged values")
        ax.set_title("Outliers per rule (bounds per store, open days)")
        ax.legend(frameon=False)
        return fig

    return QuestionResult("outliers", "How many outliers do the usual rules flag in Sales and Customers?",
                          answer, nums, {"outliers": table}, draw, None, "outliers")
