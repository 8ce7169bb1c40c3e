"""Score the LSTM on the tree models' yardstick: the seasonal 6-week windows, next to the naive baseline.

``evaluate_lstm`` scores one window, the holdout: with the default cut (43 days before the last date;
2015-05-07 on the Rossmann copy) it is 2015-05-08..2015-06-19. ``backtest_lstm`` fits one LSTM per
seasonal window (`storecast.windows.seasonal_windows`), each on the rows up to its own cut only, and
scores every window as `evaluation.backtest.evaluate` scores the trees: the same windows, the same rows
(open days with Sales > 0), the same metrics and key names, so the two metrics.json files compare
line by line. The bar the LSTM must clear to earn its place beside the trees (docs/modeling-lstm.md):
below the naive baseline's RMSPE on every window, with a bias (mean relative error) within +-2% on every
window; the summary counts both.
"""

from __future__ import annotations

__all__ = ["evaluate_lstm", "score_lstm", "backtest_lstm", "summarise_lstm", "DEFAULT_WINDOWS", "BIAS_TOLERANCE"]

import logging
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.artifacts.lstm import LSTMBundle, load_lstm_bundle
from storecast.atomic import atomic_write, atomic_write_text
from storecast.clean.rows import is_sales_day
from storecast.errors import MAX_STORES_LISTED, WindowError, first_and_more
from storecast.evaluation.backtest import check_scored_windows, naive_baseline, score_rows, summarise, window_rows
from storecast.evaluation.metrics import coverage, metrics_json, rmspe, score, trade_day_scores
from storecast.models.lstm.forecaster import LSTMConfig, LSTMForecaster
from storecast.windows import WINDOW_DAYS, Fold, check_window, holdout_fold, seasonal_windows

log = logging.getLogger(__name__)
DEFAULT_WINDOWS = 6  # the trees' yardstick (evaluation.backtest.DEFAULT_WINDOWS)
BIAS_TOLERANCE = 0.02  # the LSTM's bar: |mean(1 - forecast/actual)| within 2% on every window


def _window(model: LSTMForecaster) -> Fold:
    """The days a model is scored on: cut+1..cut+min(horizon, WINDOW_DAYS)."""
    cut = model.cut_
    return Fold("holdout", cut, cut + pd.Timedelta(days=min(model.config.horizon, WINDOW_DAYS)))


def _scored_rows(model: LSTMForecaster, train: pd.DataFrame) -> pd.DataFrame:
    """The holdout rows of the stores the model was trained with; the others are left out with a log line.

    Why a warning and not an error: as the trees' windows (``evaluation.backtest``), the known stores can
    still be scored; but a score over fewer stores than the data holds must say so.
    """
    rows = score_rows(train, _window(model))  # open days with Sales > 0 (RMSPE's domain)
    known = rows[s.STORE].isin(model.stores_)
    if not known.all():
        new = sorted({int(v) for v in rows.loc[~known, s.STORE]})
        named = first_and_more(new, MAX_STORES_LISTED)
        if not known.any():
            raise WindowError(f"the model was not trained with any store of the data ({named}): nothing to score; "
                              "evaluate it on the data it was trained on.")
        log.warning("the model was not trained with %d store(s) of the data (%s): their %d scored row(s) after %s "
                    "are left out, so the score covers the %d stores it knows only", len(new), named,
                    int((~known).sum()), f"{model.cut_:%Y-%m-%d}", rows.loc[known, s.STORE].nunique())
    rows = rows[known]
    if rows.empty:
        # a saved model's cut is fixed (--model): the remedy may be the data as well as an earlier --until
        raise WindowError(f"train.csv has no open day with Sales > 0 after the model's cut {model.cut_:%Y-%m-%d} "
                          f"(its last date: {train[s.DATE].max():%Y-%m-%d}): score it on data that run past its "
                          "cut, or fit with an earlier --until.")
    return rows


def _window_forecasts(model: LSTMForecaster, train: pd.DataFrame, cut: pd.Timestamp
                      ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, dict[float, tuple], np.ndarray]:
    """The scored rows after ``model.cut_``, their Sales, the forecast, each level's band and the naive baseline
    fitted on the rows up to ``cut``.

    Why one function: the holdout's score (``score_lstm``) and each backtest window's (``_window_result``) must
    forecast, band and baseline the same rows the same way; they differ only in how they report it.
    """
    from storecast.data.request_rows import RequestRows
    from storecast.predict import predict_frame

    rows = _scored_rows(model, train)
    # every row of the window's scored stores, open and closed, through predict_frame as a planner sends them, and
    # only then the sales days kept, as the trees' windows are forecast (``backtest.window_forecasts``): asked for
    # the sales days alone, a model reading schedule context (``LSTMConfig.context``) read an open day with
    # Sales 0 as a closed day, unlike serving
    window = window_rows(train, _window(model), rows)
    sold = is_sales_day(window).to_numpy()
    asked = RequestRows.from_frame(window)
    bands: dict[float, tuple] = {}
    for level in model.config.levels:  # the point forecast is the same at every level
        got = predict_frame(LSTMBundle(path=Path("backtest"), card={}, model=model, level=level), asked)
        point, lower, upper = (got[c].to_numpy(dtype=float)[sold] for c in (s.SALES, "lower", "upper"))
        bands[level] = (lower, upper)
    return rows, rows[s.SALES].to_numpy(float), point, bands, naive_baseline(train, cut, rows)


def score_lstm(model: LSTMForecaster, train: pd.DataFrame) -> dict[str, object]:
    """RMSPE, interval coverage, the naive baseline and the mean Sales of the rows scored after ``model.cut_``."""
    rows, y, point, bands, base = _window_forecasts(model, train, model.cut_)
    out: dict[str, object] = {"holdout": f"{rows[s.DATE].min():%Y-%m-%d}..{rows[s.DATE].max():%Y-%m-%d}",
                              "rows": int(len(rows)), "rmspe_lstm": round(rmspe(y, point), 4)}
    out.update({f"coverage_{level}": round(coverage(y, lower, upper), 3) for level, (lower, upper) in bands.items()})
    out["rmspe_naive"] = round(rmspe(y, base), 4)
    out["mean_sales"] = float(np.mean(y))  # of the rows scored: the stores the model knows
    return out


def _config(config: LSTMConfig | None, epochs: int | None, device: str | None,
            networks: int | None = None) -> LSTMConfig:
    return (config or LSTMConfig()).with_changes(epochs=epochs, device=device or None, networks=networks)


def _holdout_cut(train: pd.DataFrame, until: pd.Timestamp | str | None) -> pd.Timestamp:
    """The holdout's fit cut: ``until``, by default 43 days before the last date; never the last date itself."""
    last = train[s.DATE].max()
    cut = pd.Timestamp(until) if until is not None else last - pd.Timedelta(days=WINDOW_DAYS)
    if cut == last:  # a later cut is refused by the fit's own window check, also before any training
        raise WindowError(f"--until {cut:%Y-%m-%d} leaves no days to score: train.csv ends on {last:%Y-%m-%d}; "
                          f"choose a date before it (the default is {WINDOW_DAYS} days before: "
                          f"{last - pd.Timedelta(days=WINDOW_DAYS):%Y-%m-%d}).")
    return cut


def _write_json(out_dir: str | Path, report: dict) -> Path:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return atomic_write_text(out / "metrics.json", metrics_json(report))


def evaluate_lstm(dataset, *, until: pd.Timestamp | str | None = None, epochs: int | None = None,
                  config: LSTMConfig | None = None, model_path: str | Path | None = None,
                  device: str | None = None, out_dir: str | Path | None = None,
                  progress: Callable[[int, float, float], None] | None = None,
                  networks: int | None = None) -> dict[str, object]:
    """Fit on rows up to ``until`` (default: 43 days before the last date) and score the holdout after it.

    With ``model_path`` the saved model is scored instead (its own cut is the ``until``), so one
    ``storecast lstm train`` run serves both the benchmark and the evaluation. ``device`` ("cpu",
    "cuda", "auto"; default: the config's, "cpu") is where the fit and the forecasts run; the result
    says which ("device"). With ``out_dir`` the result is also written to ``out_dir/metrics.json``.
    """
    train = dataset.train
    if model_path is not None:
        bundle = load_lstm_bundle(model_path)
        model = bundle.model.to(device) if device else bundle.model
        out = {"model": str(model_path), **score_lstm(model, train),
               "fit_seconds": bundle.card.get("training", {}).get("seconds"),
               "epochs_run": bundle.card.get("training", {}).get("epochs_run"),
               "trained_on": bundle.card.get("training", {}).get("device", "cpu"), "device": model.device_}
    else:
        cfg = _config(config, epochs, device, networks)
        cut = _holdout_cut(train, until)
        started = time.perf_counter()
        model = LSTMForecaster(cfg).fit(train, cut, progress=progress, store=dataset.store)
        seconds = time.perf_counter() - started
        out = score_lstm(model, train)
        out.update({"fit_seconds": round(seconds, 1), "epochs_run": len(model.history_),
                    "validation_rmspe": round(model.validation_["rmspe"], 4), "device": model.device_})
    if out_dir is not None:
        _write_json(out_dir, out)
    return out


def _plan(train: pd.DataFrame, until, windows: int, cfg: LSTMConfig) -> tuple[pd.Timestamp, list[Fold]]:
    """(holdout cut, windows oldest first), checked against train.csv's dates before any fit."""
    if windows < 1:
        raise ValueError(f"`windows` must be >= 1; got {windows}.")
    if cfg.horizon < WINDOW_DAYS:  # else each window would score its first days only, under the trees' dates
        raise ValueError(f"`horizon` must cover the trees' {WINDOW_DAYS}-day windows to be scored on them; got "
                         f"{cfg.horizon}: use LSTMConfig(horizon={WINDOW_DAYS}) or more, or evaluate_lstm for the "
                         "holdout alone.")
    cut = _holdout_cut(train, until)

    def layout(c: pd.Timestamp) -> list[Fold]:
        # the trees' windows for the same holdout: `storecast evaluate --until <cut + 43 days>`
        end = c + pd.Timedelta(days=WINDOW_DAYS)
        return [holdout_fold(end)] if windows == 1 else seasonal_windows(end, windows)

    need = cfg.days_needed  # each window's fit checks the same (LSTMForecaster.fit), but only once it starts
    cut = check_window(train[s.DATE], cut, first_day_needed=lambda c: layout(c)[0].cut - pd.Timedelta(days=need - 1),
                       what=f"{windows} seasonal LSTM window(s), each fit needing {need} days up to its cut",
                       fix="ask for fewer --windows or choose a later --until")
    plan = layout(cut)
    check_scored_windows(train, plan)  # a window in a gap of the data: said before the first fit, not after
    return cut, plan


def _window_result(model: LSTMForecaster, train: pd.DataFrame, fold: Fold) -> tuple[dict, pd.DataFrame]:
    """One window's scores in `evaluation.backtest`'s key names, and its rows with the forecasts."""
    rows, y, point, bands, base = _window_forecasts(model, train, fold.cut)
    res: dict[str, object] = {"fold": fold.name, "cut": f"{fold.cut:%Y-%m-%d}", "start": f"{fold.start:%Y-%m-%d}",
                              "end": f"{fold.end:%Y-%m-%d}", "rows": int(len(rows))}
    preds = {}
    for level, (lower, upper) in bands.items():
        res[f"coverage_{level:g}"] = coverage(y, lower, upper)
        preds[f"lower_{level:g}"], preds[f"upper_{level:g}"] = lower, upper
    res.update(score(y, point))
    res.update({f"baseline_{k}": v for k, v in score(y, base).items()})
    res.update(trade_day_scores(y, point, base, rows[s.CUSTOMERS]))  # the trees' yardstick
    frame = pd.DataFrame({s.STORE: rows[s.STORE].to_numpy(), s.DATE: rows[s.DATE].to_numpy(), s.SALES: y,
                          "pred": point, "baseline": base, **preds, "window": fold.name})
    return res, frame


def backtest_lstm(dataset, *, until: pd.Timestamp | str | None = None, windows: int = DEFAULT_WINDOWS,
                  epochs: int | None = None, config: LSTMConfig | None = None, device: str | None = None,
                  out_dir: str | Path | None = None, progress: Callable[[int, float, float], None] | None = None,
                  say: Callable[[str], None] | None = None, networks: int | None = None) -> dict:
    """Fit one LSTM per seasonal window, each on the rows up to its cut only, and score every window.

    Parameters
    ----------
    until : date-like, optional
        The holdout's fit cut, as in `evaluate_lstm` (default: 43 days before the last date). The
        windows are ``seasonal_windows(until + 43 days, windows)``: the ones ``storecast evaluate
        --until <until + 43 days>`` scores the trees on, the last one the holdout.
    windows : int, default=6
        Number of windows, the holdout included; 1 scores the holdout alone.
    epochs, config, device, networks
        The LSTM's settings (default ``LSTMConfig()``, on the CPU); every window uses the same.
    out_dir : path, optional
        Also write metrics.json (this report), folds.csv (one row per window) and
        window_predictions.csv (every scored row: Sales, forecast, baseline, interval bounds).
    progress, say
        Callbacks: each fit's epochs ``(epoch, train_loss, val_loss)``; one line per step.

    Returns
    -------
    dict
        "windows" (oldest first), "holdout" (the last), "folds" (the others), "summary"
        (`summarise_lstm`), the cut, the last scored day ("until", the trees' meaning), the device,
        the config.

    Raises
    ------
    WindowError
        train.csv is too short for the first window's fit, or ``until`` leaves nothing to score; raised
        before any training.
    ValueError
        ``windows`` < 1, or the config's ``horizon`` is shorter than a window; raised before any training.
    """
    say = say or (lambda _msg: None)
    cfg = _config(config, epochs, device, networks)
    train = dataset.train
    cut, plan = _plan(train, until, windows, cfg)
    results, frames, used = [], [], "cpu"
    for k, fold in enumerate(plan, 1):
        say(f"window {k}/{len(plan)} {fold.describe()}")
        started = time.perf_counter()
        # the rows up to the cut, and nothing else: the fit cannot see the window it is scored on
        model = LSTMForecaster(cfg).fit(train[train[s.DATE] <= fold.cut], fold.cut, progress=progress,
                                        store=dataset.store)
        seconds = time.perf_counter() - started
        res, frame = _window_result(model, train, fold)
        res.update({"fit_seconds": round(seconds, 1), "epochs_run": len(model.history_),
                    "validation_rmspe": model.validation_["rmspe"],
                    "validation_bias": model.validation_["bias"]})
        used = model.device_
        results.append(res)
        frames.append(frame)
        say(f"{fold.name} scored: RMSPE {res['rmspe']:.4f} (baseline {res['baseline_rmspe']:.4f}), "
            f"bias {res['bias']:+.3f}, fit {seconds:.0f} s")
    report = {"kind": "lstm", "layout": "seasonal" if len(plan) > 1 else "holdout", "cut": f"{cut:%Y-%m-%d}",
              "until": f"{plan[-1].end:%Y-%m-%d}", "levels": list(cfg.levels), "device": used,
              "config": asdict(cfg), "windows": results, "holdout": results[-1], "folds": results[:-1],
              "summary": summarise_lstm(results)}
    if out_dir is not None:
        out = _write_json(out_dir, report).parent
        atomic_write(out / "folds.csv", lambda tmp: pd.DataFrame(results).to_csv(tmp, index=False))
        every = pd.concat(frames, ignore_index=True)
        atomic_write(out / "window_predictions.csv", lambda tmp: every.to_csv(tmp, index=False))
    return report


def summarise_lstm(results: list[dict]) -> dict:
    """The trees' summary (``backtest.summarise``, key for key) plus the counts of the LSTM's bar.

    Why built on it: the two metrics.json files are compared line by line, so their shared keys must agree.
    The bar, both counts equal to "windows": "beats_baseline_windows", windows where the LSTM's RMSPE is below
    the naive baseline's (and "beats_baseline_trade_days_windows" the same without token openings, the trees'
    yardstick); "bias_within_tolerance_windows", windows with |bias| <= `BIAS_TOLERANCE`.
    """
    frame = pd.DataFrame(results)
    return {**summarise(results),
            "beats_baseline_windows": int((frame["rmspe"] < frame["baseline_rmspe"]).sum()),
            "beats_baseline_trade_days_windows": int((frame["rmspe_trade_days"]
                                                      < frame["baseline_rmspe_trade_days"]).sum()),
            "bias_tolerance": BIAS_TOLERANCE,
            "bias_within_tolerance_windows": int((frame["bias"].abs() <= BIAS_TOLERANCE).sum())}
