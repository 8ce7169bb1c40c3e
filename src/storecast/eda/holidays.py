"""Section 3, holidays: sales around state holidays and in school holidays; Christmas and Easter."""

from __future__ import annotations

__all__ = ["state_holiday_window", "school_holiday_effect", "christmas_easter"]

from typing import Any

import numpy as np
import pandas as pd
from dateutil.easter import easter

from storecast import schema as s
from storecast.clean.rows import sales_days
from storecast.eda._base import COLORS, QuestionResult, new_figure, pct, ratio_to_baseline, unanswered

_HOLIDAY_NAMES = {"a": "public holiday", "b": "Easter", "c": "Christmas"}
_STATE_QUESTION = "What happens to sales before, during and after state holidays?"
_MIN_POINT_DAYS = 100  # open store-days behind a point of the state-holiday chart below which it is drawn hollow
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def state_holiday_window(train: pd.DataFrame, window: int = 7) -> QuestionResult:
    """Sales on the days before, during and after state holidays, relative to the store's normal level.

    Each open day is tied to the store's nearest state holiday within ``window`` days (offset -window
    .. +window). Its sales are divided by the store's mean on days of the same weekday and Promo flag
    far from any holiday (``ratio_to_baseline``), so 1.0 means a normal day.
    """
    hol = train.loc[train[s.STATE_HOLIDAY] != "0", [s.STORE, s.DATE, s.STATE_HOLIDAY]]
    if hol.empty:
        return unanswered("state-holidays", _STATE_QUESTION, "train.csv has no state holiday (StateHoliday is 0 on "
                          "every row), so there is no holiday to look before or after.")
    hol = hol.rename(columns={s.DATE: "holiday", s.STATE_HOLIDAY: "kind"}).sort_values("holiday")
    hol["kind"] = hol["kind"].astype(str)
    rows = sales_days(train)[[s.STORE, s.DAY_OF_WEEK, s.PROMO, s.DATE, s.SALES]].sort_values(s.DATE)
    tied = pd.merge_asof(rows, hol, left_on=s.DATE, right_on="holiday", by=s.STORE, direction="nearest",
                         tolerance=pd.Timedelta(days=window))
    tied["offset"] = (tied[s.DATE] - tied["holiday"]).dt.days
    tied["ratio"] = ratio_to_baseline(tied, tied["offset"].isna()).to_numpy()
    near = tied.dropna(subset=["offset", "ratio"])
    profile = near.groupby(["kind", "offset"])["ratio"].mean().unstack("kind")
    overall = near.groupby("offset")["ratio"].mean()
    # open store-days behind each point: a day counts only toward its nearest holiday, so after Christmas the
    # days from 30 Dec belong to New Year's Day, except where a store's 1 January is not marked as a holiday
    # (36 Thuringia stores in 2015), whose few days gave Christmas a lone point at +7 after a gap at +6 (closed)
    store_days = near.groupby(["kind", "offset"]).size().unstack("kind").reindex(
        index=profile.index, columns=profile.columns).fillna(0).astype(int)
    overall_days = near.groupby("offset").size().reindex(overall.index).fillna(0).astype(int)

    def _mean(series: pd.Series, lo: int, hi: int) -> float:
        part = series[(series.index >= lo) & (series.index <= hi)]
        return float(part.mean()) if len(part) else float("nan")

    all_days = train.loc[train[s.STATE_HOLIDAY] != "0"]
    nums = {"window_days": window, "holiday_store_days": len(all_days),
            "open_share_on_holiday": float((all_days[s.OPEN] == 1).mean()) if len(all_days) else float("nan"),
            "on_holiday": _mean(overall, 0, 0),
            "day_before": _mean(overall, -1, -1), "days_before_3": _mean(overall, -3, -1),
            "day_after": _mean(overall, 1, 1), "days_after_3": _mean(overall, 1, 3)}
    for kind in profile.columns:
        nums[f"day_before_{kind}"] = _mean(profile[kind].dropna(), -1, -1)
        nums[f"day_after_{kind}"] = _mean(profile[kind].dropna(), 1, 1)
    sides = [f"the day {side} {'a holiday ' if side == 'before' else ''}sells {pct(nums[f'day_{side}'] - 1)}"
             + (" vs a normal day of the same weekday and promo status" if side == "before" else "")
             # the mean of days 1-3, not day 3: "3 days after: +6.5%" read as the third day alone
             + f" (days 1-3 {side}, on average: {pct(nums[f'days_{side}_3'] - 1)})"
             for side in ("before", "after") if np.isfinite(nums[f"day_{side}"])]
    if not sides:
        return unanswered("state-holidays", _STATE_QUESTION, f"no open day with sales lies within {window} days of a "
                          "state holiday and has normal days of its weekday to compare with.")
    closed = nums["open_share_on_holiday"] < 0.5
    # "demand moves" only where stores mostly close and a neighbouring day sells above normal (as printed)
    moved = [round(nums[f"day_{side}"] - 1, 3) > 0 for side in ("before", "after") if np.isfinite(nums[f"day_{side}"])]
    why = ("" if not closed else ": demand moves around the closed day rather than disappearing" if any(moved) else
           ": the closed day's demand is not made up on the days around it")
    around = " and ".join(sides)
    during = (f" (where they open, they sell {pct(nums['on_holiday'] - 1)})" if np.isfinite(nums["on_holiday"]) else
              "")
    # none open: "never", not "open on only 0.0%" (pct keeps "<0.1%" for a few open store-days)
    opened = ("Stores never open on a state holiday" if nums["open_share_on_holiday"] == 0 else
              f"Stores are open on {'only ' if closed else ''}{pct(nums['open_share_on_holiday'], signed=False)} of "
              f"state-holiday store-days{during}")
    answer = f"{opened}. {around[0].upper()}{around[1:]}{why}."
    finding = (f"The day before a state holiday sells {pct(nums['day_before'] - 1)} and the day after "
               f"{pct(nums['day_after'] - 1)} compared with a normal day of the same weekday and promo status."
               if len(sides) == 2 else None)

    def draw():
        fig, (ax,) = new_figure(height=3.8)

        def curve(values: pd.Series, days: pd.Series, color: str, **style) -> None:
            # the line joins points of _MIN_POINT_DAYS+ open store-days; thinner ones are hollow and unjoined
            solid = values.where(days >= _MIN_POINT_DAYS)
            thin = values[(days > 0) & (days < _MIN_POINT_DAYS)].dropna()
            ax.plot(values.index, solid.to_numpy(), color=color, **style)
            if len(thin):
                ax.plot(thin.index, thin.to_numpy(), ls="none", marker="o", ms=5, mfc="white", mec=color, mew=1.2)

        for i, kind in enumerate(profile.columns):
            curve(profile[kind], store_days[kind], COLORS[i + 1], marker="o", ms=3,
                  label=_HOLIDAY_NAMES.get(kind, kind))
        curve(overall, overall_days, COLORS[0], lw=2.2, label="all state holidays")
        ax.axhline(1, color="black", lw=0.8)
        ax.axvline(0, color="grey", lw=0.8, ls="--")
        nearest = ("each open day counts once, toward its nearest state holiday"
                   + ("; after Christmas, from 30 Dec, that is New Year's Day" if {"a", "c"} <= set(profile.columns)
                      else ""))
        ax.set_xlabel(f"days from the nearest state holiday ({nearest})\nhollow: fewer than {_MIN_POINT_DAYS} "
                      "open store-days behind the point, not joined; no point: no open store-day", fontsize=9)
        ax.set_ylabel("sales / normal day")
        ax.set_title(f"Sales around state holidays (open days, +/-{window} days; normal day: no holiday near, same "
                     "weekday and promo flag)", fontsize=10)
        ax.legend(frameon=False, ncol=4)
        return fig

    table = profile.assign(all=overall).join(store_days.add_prefix("store_days_")).assign(
        store_days_all=overall_days).reset_index()
    return QuestionResult("state-holidays", _STATE_QUESTION,
                          answer, nums, {"state_holiday_window": table}, draw, finding)


def school_holiday_effect(train: pd.DataFrame) -> QuestionResult:
    """Sales on school-holiday days vs other days of the same month, relative to the store's weekday and promo level."""
    rows = sales_days(train)
    rows = rows[rows[s.STATE_HOLIDAY] == "0"]
    school = rows[s.SCHOOL_HOLIDAY] == 1
    if not school.any() or school.all():  # one side missing: nothing to compare, and no "n/a" sentence
        return unanswered("school-holidays", "Do school holidays change sales?",
                          "no open day with sales falls in a school holiday" if not school.any() else
                          "every open day with sales falls in a school holiday: there are no other days to compare")
    ratio = ratio_to_baseline(rows, rows[s.SCHOOL_HOLIDAY] == 0)
    frame = pd.DataFrame({"month": rows[s.DATE].dt.month, "school": rows[s.SCHOOL_HOLIDAY], "ratio": ratio})
    by_month = frame.groupby(["month", "school"])["ratio"].mean().unstack("school").reindex(columns=[0, 1])
    counts = frame[frame["school"] == 1].groupby("month").size()
    lift = (by_month[1] / by_month[0] - 1).dropna()
    weights = counts.reindex(lift.index).fillna(0)
    overall = float(np.average(lift, weights=weights)) if weights.sum() else float("nan")
    nums: dict[str, Any]  # numbers, names and lists side by side
    nums = {"school_holiday_share": float(frame["school"].mean()), "lift_same_month": overall,
            "lift_by_month": {int(m): float(v) for m, v in lift.items()}}
    if len(lift):
        nums |= {"best_month": int(lift.idxmax()), "best_month_lift": float(lift.max()),
                 "worst_month": int(lift.idxmin()), "worst_month_lift": float(lift.min())}
    answer = (f"{pct(nums['school_holiday_share'], signed=False)} of open days fall in school holidays. Within the "
              f"same month they sell {pct(overall)} vs other days of the same weekday and promo flag (weighted by "
              f"school-holiday days)"
              + (f", from {pct(nums['worst_month_lift'])} in {_MONTH_ABBR[nums['worst_month'] - 1]} to "
                 f"{pct(nums['best_month_lift'])} in {_MONTH_ABBR[nums['best_month'] - 1]}." if len(lift) > 1 else
                 f", all in {_MONTH_ABBR[nums['best_month'] - 1]}." if len(lift) else "."))
    if not len(lift):  # e.g. one week: each weekday comes once, so no school-holiday day has a day to compare
        answer = (f"{pct(nums['school_holiday_share'], signed=False)} of open days fall in school holidays, but no "
                  "month has a school-holiday day and another day of the same weekday and promo flag of the same "
                  "store, so their lift cannot be measured.")

    def draw():
        fig, (ax,) = new_figure(height=3.2)
        x = np.arange(1, 13)
        bm = by_month.reindex(x)
        # bars start at 1 (the weekday and promo level), not at the cut-off axis: their length is the change
        ax.bar(x - 0.2, bm[0] - 1, 0.4, bottom=1, color=COLORS[5], label="no school holiday")
        ax.bar(x + 0.2, bm[1] - 1, 0.4, bottom=1, color=COLORS[0], label="school holiday")
        ax.set_xticks(x, _MONTH_ABBR)
        ax.axhline(1, color="black", lw=0.8)
        ax.set_ylim(max(0.0, float(np.nanmin(bm.to_numpy())) - 0.1), float(np.nanmax(bm.to_numpy())) + 0.05)
        ax.set_ylabel("sales / store's level\n(same weekday and promo flag)")
        ax.set_title("Sales on school-holiday days vs other days, by month")
        ax.legend(frameon=False)
        return fig

    table = by_month.rename(columns={0: "no_school_holiday", 1: "school_holiday"}).assign(lift=lift).reset_index()
    return QuestionResult("school-holidays", "Do school holidays change sales?", answer, nums,
                          {"school_holidays": table}, draw)


def _legend_or_why(ax, lines: pd.DataFrame, why: str) -> None:
    """A legend over drawn years, or, in an empty panel, the reason it is empty (a blank panel reads as a bug)."""
    if len(lines):
        ax.legend(frameon=False)
    else:
        ax.text(0.5, 0.5, why, transform=ax.transAxes, ha="center", va="center", color=COLORS[5])


def christmas_easter(train: pd.DataFrame) -> QuestionResult:
    """December day by day against November, and the days around Easter Sunday against the weeks before.

    Works on the chain's daily mean of store-days divided by their store's level on the same weekday
    with the same Promo flag, so neither the weekday mix, nor promo weeks (Holy Week was one in every
    year), nor stores missing part of a year (the refurbishment gap) move the curve.
    """
    rows = sales_days(train)
    # each store-day against its store's weekday and promo level: Sundays (few, big stores), Mondays and promo
    # weeks don't bend the curve
    daily = ratio_to_baseline(rows, np.ones(len(rows), dtype=bool)).groupby(rows[s.DATE]).mean()
    dec_rows, easter_rows = [], []
    for year in sorted(daily.index.year.unique()):
        nov = daily[(daily.index.year == year) & (daily.index.month == 11)]
        dec = daily[(daily.index.year == year) & (daily.index.month == 12)]
        if len(nov) and len(dec):
            dec_rows.append(pd.DataFrame({"year": year, "day": dec.index.day, "ratio": dec.to_numpy() / nov.mean()}))
        sunday = pd.Timestamp(easter(year))
        offs = (daily.index - sunday).days
        base = daily[(offs >= -35) & (offs <= -15)]
        win = daily[(offs >= -14) & (offs <= 14)]
        if len(base) and len(win):
            easter_rows.append(pd.DataFrame({"year": year, "offset": (win.index - sunday).days,
                                             "ratio": win.to_numpy() / base.mean()}))
    dec_df = pd.concat(dec_rows, ignore_index=True) if dec_rows else pd.DataFrame(columns=["year", "day", "ratio"])
    eas_df = pd.concat(easter_rows, ignore_index=True) if easter_rows else pd.DataFrame(
        columns=["year", "offset", "ratio"])
    dec_mean = dec_df.groupby("day")["ratio"].mean()
    eas_mean = eas_df.groupby("offset")["ratio"].mean()
    nums: dict[str, Any]  # numbers, names and lists side by side
    nums = {"december_years": sorted({int(y) for y in dec_df["year"]}),
            "easter_years": sorted({int(y) for y in eas_df["year"]})}
    pre = dec_mean[dec_mean.index <= 23]
    late = dec_mean[dec_mean.index >= 27]
    if len(pre):  # a December cut short names the days it has: "December 1-23" and "Dec 27-31" were n/a
        nums |= {"dec_1_23_vs_nov": float(pre.mean() - 1), "dec_peak_day": int(dec_mean.idxmax()),
                 "dec_peak_vs_nov": float(dec_mean.max() - 1)}
        if len(late):
            nums["dec_27_31_vs_nov"] = float(late.mean() - 1)
    # the days quoted, where the data reaches them: March alone has the weeks before Easter but none of these
    easter_days = {"easter_thursday_vs_base": (-3, "the Thursday before Good Friday sells {}"),
                   # Holy Saturday, the day before Easter Sunday ("Easter Saturday" is, in church usage, the
                   # Saturday after it): an ordinary trading day between the Good Friday and Easter Monday closures
                   "saturday_before_easter_vs_base": (-1, "the Saturday before Easter Sunday {}"),
                   "easter_tuesday_vs_base": (2, "the Tuesday after {}")}
    easter_said = [(key, words) for key, (offset, words) in easter_days.items() if offset in eas_mean.index]
    nums |= {key: float(eas_mean[easter_days[key][0]] - 1) for key, _ in easter_said}
    parts = []
    if len(pre):
        parts.append(f"December 1-{int(pre.index.max())} sells {pct(nums['dec_1_23_vs_nov'])} vs November, peaking "
                     f"on December {nums['dec_peak_day']} ({pct(nums['dec_peak_vs_nov'])})"
                     + (f", and Dec {int(late.index.min())}-{int(late.index.max())} sells "
                        f"{pct(nums['dec_27_31_vs_nov'])}" if len(late) else ""))
    if easter_said:
        said = [words.format(pct(nums[key])) for key, words in easter_said]
        parts.append("around Easter " + (", ".join(said[:-1]) + " and " + said[-1] if len(said) > 1 else said[0])
                     + " vs the weeks before")
    if not parts:
        return unanswered("christmas-easter", "What do Christmas and Easter look like?",
                          "train.csv covers neither a November followed by its December nor an Easter window "
                          "(5 to 3 weeks before Easter Sunday and the 2 weeks around it).")
    answer = "; ".join(parts) + (" (store-days vs their level on the same weekday with the same promo flag, so "
                                 "promo weeks do not count as Christmas or Easter; averaged over years).")
    answer = answer[0].upper() + answer[1:]
    finding = (f"December 1-{int(pre.index.max())} sells {pct(nums['dec_1_23_vs_nov'])} vs November, with the peak "
               f"on December {nums['dec_peak_day']} at {pct(nums['dec_peak_vs_nov'])}.") if len(pre) else None

    def draw():
        fig, (a1, a2) = new_figure(2)
        for i, (year, part) in enumerate(dec_df.groupby("year")):
            a1.plot(part["day"], part["ratio"], marker="o", ms=3, color=COLORS[i % 5], label=str(year))
        a1.axhline(1, color="black", lw=0.8)
        a1.set_xlabel("day of December")
        a1.set_ylabel("sales / November mean")
        a1.set_title("December, day by day")
        _legend_or_why(a1, dec_df, "no November followed by its December\nin the data")
        for i, (year, part) in enumerate(eas_df.groupby("year")):
            a2.plot(part["offset"], part["ratio"], marker="o", ms=3, color=COLORS[i % 5], label=str(year))
        a2.axhline(1, color="black", lw=0.8)
        a2.axvline(0, color="grey", lw=0.8, ls="--")
        a2.set_xlabel("days from Easter Sunday")
        a2.set_ylabel("sales / mean of weeks -5..-3")
        a2.set_title("Easter window")
        _legend_or_why(a2, eas_df, "no Easter window in the data\n(5 weeks before to 2 weeks after)")
        return fig

    return QuestionResult("christmas-easter", "What do Christmas and Easter look like?", answer, nums,
                          {"december": dec_df, "easter": eas_df}, draw, finding)
