"""Score the LSTM on the same 6-week holdout as the tree models, next to the naive baseline."""

from __future__ import annotations

__all__ = ["evaluate_lstm"]

import time
from collections.abc import Callable
from dataclasses import asdict

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.evaluation.backtest import naive_baseline
from storecast.evaluation.metrics import coverage, rmspe
from storecast.models.lstm.forecaster import LSTMConfig, LSTMForecaster


def evaluate_lstm(dataset, *, until: pd.Timestamp | str | None = None, epochs: int | None = None,
                  config: LSTMConfig | None = None,
                  progress: Callable[[int, float, float], None] | None = None) -> dict[str, object]:
    """Fit on rows up to ``until`` (default: 42 days before the last date), score the next 42 days."""
    cfg = config or LSTMConfig()
    if epochs is not None:
        cfg = LSTMConfig(**{**asdict(cfg), "epochs": epochs})
    train = dataset.train
    until = pd.Timestamp(until) if until is not None else train[s.DATE].max() - pd.Timedelta(days=cfg.horizon)
    end = until + pd.Timedelta(days=cfg.horizon)
    holdout = train[(train[s.DATE] > until) & (train[s.DATE] <= end) & (train[s.OPEN] == 1) & (train[s.SALES] > 0)]
    started = time.perf_counter()
    model = LSTMForecaster(cfg).fit(train, until, progress=progress)
    seconds = time.perf_counter() - started
    known = holdout[holdout[s.STORE].isin(model.stores_)]
    y = known[s.SALES].to_numpy(float)
    out: dict[str, object] = {"holdout": f"{until + pd.Timedelta(days=1):%Y-%m-%d}..{end:%Y-%m-%d}",
                              "rows": len(known), "fit_seconds": round(seconds, 1), "epochs_run": len(model.history_)}
    for level in cfg.levels:
        point, lower, upper = model.predict_open(known, level=level)
        out["rmspe_lstm"] = round(rmspe(y, point), 4)
        out[f"coverage_{int(level * 100)}"] = round(coverage(y, lower, upper), 3)
    out["rmspe_naive"] = round(rmspe(y, naive_baseline(train, until, known)), 4)
    out["mean_sales"] = float(np.mean(y))
    return out
