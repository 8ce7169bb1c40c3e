"""Score the LSTM on the same 6-week holdout as the tree models, next to the naive baseline.

The holdout is `storecast.windows.holdout_fold`'s window: with the default cut
(43 days before the last date; 2015-05-07 on the Rossmann copy) it is 2015-05-08..2015-06-19.
"""

from __future__ import annotations

__all__ = ["evaluate_lstm", "score_lstm"]

import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.errors import WindowError
from storecast.evaluation.backtest import naive_baseline
from storecast.evaluation.metrics import coverage, rmspe
from storecast.models.lstm.forecaster import LSTMConfig, LSTMForecaster, load_lstm_bundle
from storecast.windows import WINDOW_DAYS


def _holdout(train: pd.DataFrame, cut: pd.Timestamp, horizon: int) -> pd.DataFrame:
    """Open days with Sales > 0 in cut+1..cut+min(horizon, WINDOW_DAYS) (RMSPE's domain)."""
    end = cut + pd.Timedelta(days=min(horizon, WINDOW_DAYS))
    d = train[s.DATE]
    return train[(d > cut) & (d <= end) & (train[s.OPEN] == 1) & (train[s.SALES] > 0)]


def score_lstm(model: LSTMForecaster, train: pd.DataFrame) -> dict[str, object]:
    """RMSPE, interval coverage and the naive baseline on the window after ``model.cut_``."""
    rows = _holdout(train, model.cut_, model.config.horizon)
    rows = rows[rows[s.STORE].isin(model.stores_)]
    if rows.empty:
        raise WindowError(f"no scored rows after the model's cut {model.cut_:%Y-%m-%d}: fit with an earlier `until`.")
    y = rows[s.SALES].to_numpy(float)
    out: dict[str, object] = {"holdout": f"{rows[s.DATE].min():%Y-%m-%d}..{rows[s.DATE].max():%Y-%m-%d}",
                              "rows": int(len(rows))}
    for i, level in enumerate(model.config.levels):
        point, lower, upper = model.predict_open(rows, level=level)
        if i == 0:
            out["rmspe_lstm"] = round(rmspe(y, point), 4)
        out[f"coverage_{level}"] = round(coverage(y, lower, upper), 3)
    out["rmspe_naive"] = round(rmspe(y, naive_baseline(train, model.cut_, rows)), 4)
    return out


def evaluate_lstm(dataset, *, until: pd.Timestamp | str | None = None, epochs: int | None = None,
                  config: LSTMConfig | None = None, model_path: str | Path | None = None,
                  progress: Callable[[int, float, float], None] | None = None) -> dict[str, object]:
    """Fit on rows up to ``until`` (default: 43 days before the last date) and score the holdout after it.

    With ``model_path`` the saved model is scored instead (its own cut is the ``until``), so one
    ``storecast lstm train`` run serves both the benchmark and the evaluation.
    """
    train = dataset.train
    if model_path is not None:
        bundle = load_lstm_bundle(model_path)
        return {"model": str(model_path), **score_lstm(bundle.model, train),
                "fit_seconds": bundle.card.get("training", {}).get("seconds"),
                "epochs_run": bundle.card.get("training", {}).get("epochs_run")}
    cfg = config or LSTMConfig()
    if epochs is not None:
        cfg = LSTMConfig(**{**asdict(cfg), "epochs": epochs})
    last = train[s.DATE].max()
    cut = pd.Timestamp(until) if until is not None else last - pd.Timedelta(days=WINDOW_DAYS)
    if cut == last:  # a later cut is refused by the fit's own window check, also before any training
        raise WindowError(f"--until {cut:%Y-%m-%d} leaves no days to score: train.csv ends on {last:%Y-%m-%d}; "
                          f"choose a date before it (the default is 43 days before: "
                          f"{last - pd.Timedelta(days=WINDOW_DAYS):%Y-%m-%d}).")
    started = time.perf_counter()
    model = LSTMForecaster(cfg).fit(train, cut, progress=progress, store=dataset.store)
    seconds = time.perf_counter() - started
    out = score_lstm(model, train)
    out.update({"fit_seconds": round(seconds, 1), "epochs_run": len(model.history_),
                "validation_rmspe": round(model.validation_["rmspe"], 4), "mean_sales": float(np.mean(
                    _holdout(train, cut, cfg.horizon)[s.SALES]))})
    return out
