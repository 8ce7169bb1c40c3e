"""Seasonal and rolling-origin backtests of a tree model against the naive baseline.

Default (``windows``): 6-week windows spread over the year before ``until``, the first in the same
season one year before the weeks to come, the last the holdout; each window's model is fitted exactly
as ``storecast train`` fits one (``fit_model`` on ``training_rows(..., until=cut)``: calibration-stage
fit, intervals, final fit), so the backtest scores the product. The older layout (``folds``):
consecutive 6-week windows ending at the holdout, where the model of one fold is the
calibration-stage model of the next (see ConformalRegressor.calibrate).
"""

from __future__ import annotations

__all__ = ["naive_baseline", "evaluate", "score_rows", "window_rows", "window_forecasts", "check_scored_windows",
           "summarise", "BASELINE_DAYS", "DEFAULT_WINDOWS"]

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd
from sklearn.base import clone

from storecast import schema as s
from storecast.atomic import atomic_write, atomic_write_text
from storecast.clean.rows import is_sales_day, sales_days
from storecast.errors import MAX_STORES_LISTED, WindowError, first_and_more
from storecast.evaluation.metrics import coverage, metrics_json, relative_width, score, trade_day_scores
from storecast.features.schedule import schedule_step, with_schedule
from storecast.lookup import sorted_positions
from storecast.models.conformal import ConformalRegressor, fitted_stores
from storecast.models.training import DEFAULT_LEVELS, fit_model, schedule_rows, training_rows
from storecast.models.trees import make_pipeline
from storecast.windows import WINDOW_DAYS, Fold, check_window, holdout_fold, rolling_folds, seasonal_windows

log = logging.getLogger(__name__)

BASELINE_DAYS = 182  # "last 6 months of the fit window"
DEFAULT_WINDOWS = 6


def naive_baseline(train: pd.DataFrame, cut, rows: pd.DataFrame) -> np.ndarray:
    """Median Sales by (Store, DayOfWeek, Promo) over the 6 months up to ``cut``.

    Falls back to the store's median, then the overall median, where a cell is empty.
    """
    cut = pd.Timestamp(cut)
    past = train[(train[s.DATE] <= cut) & (train[s.DATE] > cut - pd.Timedelta(days=BASELINE_DAYS))]
    past = sales_days(past)
    keys = [s.STORE, s.DAY_OF_WEEK, s.PROMO]
    cell = past.groupby(keys)[s.SALES].median().rename("cell")
    store = past.groupby(s.STORE)[s.SALES].median().rename("store")
    out = rows[keys].merge(cell, left_on=keys, right_index=True, how="left")
    out = out.merge(store, left_on=s.STORE, right_index=True, how="left")
    pred = out["cell"].fillna(out["store"]).fillna(past[s.SALES].median())
    return pred.to_numpy(dtype=float)


def score_rows(train: pd.DataFrame, fold: Fold) -> pd.DataFrame:
    """The scored rows of a fold: open days with Sales > 0 in its window (RMSPE's domain)."""
    return sales_days(train[fold.in_window(train[s.DATE])])


def window_rows(train: pd.DataFrame, fold: Fold, scored: pd.DataFrame) -> pd.DataFrame:
    """Every row of ``fold``'s window of the stores in ``scored``, open and closed: the window as a planner sends
    it, from which a store's schedule is read (``window_forecasts``, the importance, the LSTM's windows)."""
    return train[fold.in_window(train[s.DATE]) & train[s.STORE].isin(scored[s.STORE].unique())]


def _known_store_rows(model: ConformalRegressor, rows: pd.DataFrame, fold: Fold) -> pd.DataFrame:
    """The scored rows of stores the window's model was fitted on; the others are left out with a log line.

    Why: a store whose first sales day lies inside the window (a new store, one closed until then) has no
    history before the cut, so no model fitted there can forecast it; the window is scored without it.
    """
    known = fitted_stores(model.estimator_)
    keep = sorted_positions(known, rows[s.STORE].to_numpy(dtype=np.int64))[1]
    if not keep.all():
        new = sorted({int(v) for v in rows.loc[~keep, s.STORE]})
        log.warning("%s: %d scored row(s) of %d store(s) with no sales day up to %s left out (store(s) %s)",
                    fold.name, int((~keep).sum()), len(new), f"{fold.cut:%Y-%m-%d}",
                    first_and_more(new, MAX_STORES_LISTED))
    if not keep.any():
        raise _nothing_to_score(fold, rows[s.DATE])
    return rows[keep]


def _nothing_to_score(fold: Fold, sold_days: pd.Series) -> WindowError:
    gap = _gap_words(fold, sold_days)
    return WindowError(f"window {fold.name} ({fold.start:%Y-%m-%d}..{fold.end:%Y-%m-%d}) has no sales day "
                       f"(open, Sales > 0) of a store with sales days up to {fold.cut:%Y-%m-%d}: nothing to "
                       f"score; {gap + ': add the missing days, or ' if gap else ''}choose another --until.")


def _gap_words(fold: Fold, sold_days: pd.Series) -> str:
    """``train.csv has no sales day from A to B (N days)``: the gap in the data that holds ``fold``, when the
    window has no sales day at all; else "".

    Why: a train.csv that lost months (an export cut in two) named only the window, so "choose another --until"
    was tried again and again, landing in the same gap, where naming the gap shows what to fix.
    """
    if fold.in_window(sold_days).any():
        return ""
    before, after = sold_days[sold_days < fold.start], sold_days[sold_days > fold.end]
    if before.empty or after.empty:
        return ""
    first, last = before.max() + pd.Timedelta(days=1), after.min() - pd.Timedelta(days=1)
    return (f"{s.TRAIN_FILE} has no sales day from {first:%Y-%m-%d} to {last:%Y-%m-%d} "
            f"({(last - first).days + 1:,} days)")


def check_scored_windows(train: pd.DataFrame, plan: list[Fold]) -> None:
    """A WindowError for the first window of ``plan`` with nothing to score, raised before any fit.

    Why: a window in a gap of the data (an export that lost some weeks, every store closed) was found only
    when its turn came to be scored, after the fits of the windows before it (hours on the real data).
    Scored, as ``_known_store_rows`` scores: a window's sales days of stores with a sales day up to its cut.
    """
    sold = sales_days(train)
    first_sale = sold.groupby(s.STORE)[s.DATE].min()
    for fold in plan:
        stores = sold.loc[fold.in_window(sold[s.DATE]), s.STORE]
        if not (stores.map(first_sale) <= fold.cut).any():
            raise _nothing_to_score(fold, sold[s.DATE])


def window_forecasts(model: ConformalRegressor, train: pd.DataFrame, fold: Fold,
                     levels) -> tuple[pd.DataFrame, dict[float, tuple[np.ndarray, np.ndarray, np.ndarray]]]:
    """The scored rows of ``fold`` and, per level, (point, lower, upper) on them, forecast as serving forecasts.

    Why the window's every row: ``predict_frame`` (the one inference path) is asked for the window's rows of
    the scored stores as a planner sends them, open and closed days, and only then are the sales days kept
    for scoring. Asked for the sales days alone, the model read other schedules than serving reads for the
    same days: a closure at a window's edge was lost, and an open day with Sales 0 read as a closed day.
    """
    from storecast.artifacts.trees import TreeBundle
    from storecast.data.request_rows import RequestRows
    from storecast.predict import predict_frame

    scored = _known_store_rows(model, score_rows(train, fold), fold)
    window = window_rows(train, fold, scored)
    sold = is_sales_day(window).to_numpy()
    asked = RequestRows.from_frame(window)
    out: dict[float, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for level in levels:
        bundle = TreeBundle(kind="backtest", path=Path(fold.name), card={}, model=model, level=float(level))
        got = predict_frame(bundle, asked)
        point, lower, upper = (got[c].to_numpy(dtype=float)[sold] for c in (s.SALES, "lower", "upper"))
        out[level] = point, lower, upper
    return window[sold], out


def _fold_result(model: ConformalRegressor, dataset, fold: Fold, levels) -> tuple[dict, pd.DataFrame]:
    rows, forecasts = window_forecasts(model, dataset.train, fold, levels)
    y = rows[s.SALES].to_numpy(dtype=float)
    res = {"fold": fold.name, "cut": f"{fold.cut:%Y-%m-%d}", "start": f"{fold.start:%Y-%m-%d}",
           "end": f"{fold.end:%Y-%m-%d}", "rows": int(len(rows))}
    preds = {}
    for level in levels:
        point, lo, hi = forecasts[level]
        res[f"coverage_{level:g}"] = coverage(y, lo, hi)
        res[f"rel_width_{level:g}"] = relative_width(point, lo, hi)
        preds[f"lower_{level:g}"], preds[f"upper_{level:g}"] = lo, hi
    res.update(score(y, point))
    raw = point / model.correction_
    res["rmspe_uncorrected"] = score(y, raw)["rmspe"]
    # the bias correction's effect, whichever way it is set: learned factor vs none
    res["rmspe_with_learned_factor"] = score(y, raw * cast(float, model.calibration_["factor"]))["rmspe"]
    res["correction"] = model.correction_
    res["learned_factor"] = model.calibration_["factor"]
    base = naive_baseline(dataset.train, fold.cut, rows)
    res.update({f"baseline_{k}": v for k, v in score(y, base).items()})
    res.update(trade_day_scores(y, point, base, rows[s.CUSTOMERS]))
    frame = pd.DataFrame({s.STORE: rows[s.STORE].to_numpy(), s.DATE: rows[s.DATE].to_numpy(),
                          s.SALES: y, s.CUSTOMERS: rows[s.CUSTOMERS].to_numpy(), "pred": point, "baseline": base,
                          **preds})
    return res, frame


def evaluate(dataset, kind: str = "lgbm", until=None, folds: int | None = None,
             out_dir: str | Path | None = None, *, windows: int = DEFAULT_WINDOWS, loss: str = "log",
             levels=DEFAULT_LEVELS, importance: bool = True, stores=None,
             progress: Callable[[str], None] | None = None, **params) -> dict:
    """Score a model kind on seasonal windows (default) or on the holdout and ``folds`` rolling folds.

    Parameters
    ----------
    folds : int, optional
        Use the rolling-origin layout: ``folds`` consecutive windows before the holdout (the older
        layout: cheaper, but no summer or autumn in it). None (default): ``windows`` seasonal windows
        (``windows.seasonal_windows``).
    windows : int, default=6
        Number of seasonal windows, the holdout included.

    Every window's model is fitted on rows up to its cut only. Returns a dict with "windows" (all,
    oldest first), "holdout" (the last), "folds" (the others), "summary" (mean and worst RMSPE,
    mean bias and coverage, the baseline's mean) and the settings. Also written to ``out_dir``
    (metrics.json, folds.csv, holdout_predictions.csv, window_predictions.csv, importance.csv/png,
    holdout_forecasts.png).
    """
    say = progress or (lambda _msg: None)
    layout, need, what, fix = _layout(folds, windows)
    if folds is None:
        fix = _rolling_instead(dataset.train[s.DATE], layout, need) + fix
    until = check_window(dataset.train[s.DATE], until,
                         first_day_needed=lambda u: layout(u)[0].cut - pd.Timedelta(days=need), what=what, fix=fix)
    plan = layout(until)
    train = dataset.train if stores is None else dataset.train[dataset.train[s.STORE].isin(stores)]
    scoped = _Scoped(dataset, train)
    check_scored_windows(train, plan)
    fitted = _seasonal_models if folds is None else _rolling_models
    results: list[dict] = []
    frames: list[pd.DataFrame] = []
    for fold, model in fitted(dataset, plan, kind=kind, loss=loss, levels=levels, stores=stores, say=say,
                              params=params):
        res, frame = _fold_result(model, scoped, fold, levels)
        results.append(res)
        frames.append(frame.assign(window=fold.name))
        say(f"{fold.name} scored: RMSPE {res['rmspe']:.4f} (baseline {res['baseline_rmspe']:.4f}), "
            f"bias {res['bias']:+.3f}, " + ", ".join(f"cover {lv:.0%} {res[f'coverage_{lv:g}']:.3f}" for lv in levels))
    report = {"kind": kind, "loss": loss, "until": f"{until:%Y-%m-%d}", "levels": list(levels),
              "layout": "seasonal" if folds is None else "rolling", "params": params,
              "windows": results, "holdout": results[-1], "folds": results[:-1], "summary": summarise(results)}
    if out_dir is not None:
        _write_report(Path(out_dir), report, frames)
        if importance:
            say("feature importance (impurity + permutation on the holdout)")
            # the plan ends with the holdout, so ``model`` is the holdout window's
            report["importance_top"] = _write_importance(Path(out_dir), model, scoped, plan[-1], frames[-1])
        # last, so the file holds every key of the returned report, importance_top included
        atomic_write_text(Path(out_dir) / "metrics.json", metrics_json(report))
    return report


def _layout(folds: int | None, windows: int) -> tuple[Callable[[pd.Timestamp], list[Fold]], int, str, str]:
    """The windows a backtest up to a day scores, the days of data before the first cut they need, and the
    words (what, fix) for ``check_window``'s message when train.csv is too short."""
    if folds is None:
        def seasonal(day: pd.Timestamp) -> list[Fold]:
            return seasonal_windows(day, windows)

        # each window fits a calibration-stage model on the 6 weeks before its cut, after 6 weeks of data
        return (seasonal, 2 * WINDOW_DAYS,
                f"{windows} seasonal backtest windows of {WINDOW_DAYS} days over a year", "a later --until")

    def rolling(day: pd.Timestamp) -> list[Fold]:
        return [*rolling_folds(day, folds), holdout_fold(day)]

    # the first calibration-stage model needs 6 weeks of data; with no fold, fewer is no remedy
    fix = "ask for fewer --folds or a later --until" if folds else "choose a later --until"
    return (rolling, WINDOW_DAYS + WINDOW_DAYS, f"the holdout and {folds} backtest fold(s) of {WINDOW_DAYS} days each",
            fix)


def _rolling_instead(dates: pd.Series, seasonal: Callable[[pd.Timestamp], list[Fold]], need: int) -> str:
    """"score the rolling layout instead (--folds K) or " when no --until fits the seasonal windows in ``dates``
    but K >= 1 rolling folds fit (the most that do); else "".

    Why: the seasonal windows need a year and the first fit's history; data shorter than that were told only
    to get older days, though the rolling layout (``--folds``) scores them today.
    """
    first, last = dates.min(), dates.max()
    if pd.isna(first) or seasonal(last)[0].cut - pd.Timedelta(days=need) >= first:
        return ""
    # K rolling folds, the holdout and the first calibration-stage fit need (K + 3) windows of days
    k = (last - first).days // WINDOW_DAYS - 3
    return f"score the rolling layout instead (--folds {k}) or " if k >= 1 else ""


def _write_report(out: Path, report: dict, frames: list[pd.DataFrame]) -> None:
    """folds.csv, every window's scored rows and the holdout's rows and chart under ``out`` (not metrics.json)."""
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "folds.csv", lambda tmp: pd.DataFrame(report["windows"]).to_csv(tmp, index=False))
    holdout_frame = frames[-1].drop(columns="window")
    atomic_write(out / "holdout_predictions.csv", lambda tmp: holdout_frame.to_csv(tmp, index=False))
    # every window's rows, so a later question (a subset, another metric) needs no refit
    every = pd.concat(frames, ignore_index=True)
    atomic_write(out / "window_predictions.csv", lambda tmp: every.to_csv(tmp, index=False))
    from storecast.evaluation.forecast_plot import plot_holdout

    plot_holdout(holdout_frame, out / "holdout_forecasts.png")


def _write_importance(out: Path, model: ConformalRegressor, scoped: _Scoped, holdout: Fold,
                      holdout_frame: pd.DataFrame) -> list[str]:
    """importance.csv/png of the holdout's model on the holdout's scored stores; returns the top 10 features."""
    from storecast.evaluation.importance import feature_importance, plot_importance

    rows = score_rows(scoped.train, holdout)
    rows = rows[rows[s.STORE].isin(holdout_frame[s.STORE])]  # the stores scored (_known_store_rows)
    # their schedules read from every row of the window (open and closed), as ``window_forecasts`` served them
    rows = with_schedule(rows, window_rows(scoped.train, holdout, rows), schedule_step(model.estimator_))
    table = feature_importance(model, rows)
    atomic_write(out / "importance.csv", lambda tmp: table.to_csv(tmp, index=False))
    plot_importance(table, out / "importance.png")
    return table.head(10)["feature"].tolist()


def summarise(results: list[dict]) -> dict:
    """Mean and worst RMSPE over the windows (the yardstick), mean bias and the largest |bias|, mean coverage,
    and the baseline's means. Each mean is over all windows or none: a window with no trade day makes the
    trade-day means NaN (null in metrics.json); "rmspe_trade_days_windows" counts the windows scored. Why: pandas
    skips NaN, so a mean of five windows stood beside means of six, the yardsticks covering different weeks."""
    frame = pd.DataFrame(results)

    def mean(column: str) -> float:
        return float(frame[column].mean(skipna=False))

    worst = frame.loc[frame["rmspe"].idxmax()]
    out = {"windows": len(frame), "rmspe_mean": mean("rmspe"), "rmspe_worst": float(worst["rmspe"]),
           "worst_window": str(worst["fold"]), "bias_mean": mean("bias"),
           "bias_abs_max": float(frame["bias"].abs().max()),
           "rmspe_trade_days_mean": mean("rmspe_trade_days"),
           "rmspe_trade_days_windows": int(frame["rmspe_trade_days"].notna().sum()),
           "baseline_rmspe_mean": mean("baseline_rmspe"),
           "baseline_rmspe_trade_days_mean": mean("baseline_rmspe_trade_days")}
    out.update({f"{c}_mean": mean(c) for c in frame.columns if c.startswith("coverage_")})
    return out


def _seasonal_models(dataset, plan: list[Fold], *, kind, loss, levels, stores, say,
                     params) -> Iterator[tuple[Fold, ConformalRegressor]]:
    """Each window's model fitted as ``storecast train`` fits one (two fits per window)."""
    for fold in plan:
        say(f"fit {fold.describe()}")
        X, y = training_rows(dataset.train, dataset.store, fold.cut, stores=stores)
        schedule = schedule_rows(dataset.train, fold.cut, stores=stores)
        yield fold, fit_model(X, y, kind=kind, loss=loss, levels=levels, schedule=schedule, **params)


def _rolling_models(dataset, plan: list[Fold], *, kind, loss, levels, stores, say,
                    params) -> Iterator[tuple[Fold, ConformalRegressor]]:
    """Consecutive windows: one fold's model is the next one's calibration-stage model (N + 1 fits)."""
    template = make_pipeline(kind, loss=loss, **params)
    first_cut = plan[0].cut - pd.Timedelta(days=WINDOW_DAYS)
    say(f"fit calibration model (<= {first_cut:%Y-%m-%d})")

    def rows(until, since=None) -> tuple[pd.DataFrame, np.ndarray]:
        """The sales days up to ``until`` (after ``since``), their schedules read from every row of those days."""
        X, y = training_rows(dataset.train, dataset.store, until, since=since, stores=stores)
        return with_schedule(X, schedule_rows(dataset.train, until, since=since, stores=stores)), y

    previous = clone(template).fit(*rows(first_cut))
    previous_cut = first_cut
    for fold in plan:
        say(f"fit {fold.describe()}")
        current = clone(template).fit(*rows(fold.cut))
        # the calibration window read as a request of its own days, as the backtest serves a window
        X_cal, y_cal = rows(fold.cut, previous_cut)
        yield fold, ConformalRegressor(template, levels=levels).calibrate(previous, X_cal, y_cal, current)
        previous, previous_cut = current, fold.cut


class _Scoped:
    """A dataset view whose train rows are limited to some stores (quick feature experiments)."""

    def __init__(self, dataset, train: pd.DataFrame):
        self.train, self.store, self.root = train, dataset.store, getattr(dataset, "root", None)
