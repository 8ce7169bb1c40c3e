"""Forecast accuracy and interval metrics.

RMSPE is the business metric (the Kaggle score): the root mean squared *relative* error over days
with positive sales, so a 10% miss counts the same in a small store and a large one.
"""

from __future__ import annotations

__all__ = ["rmspe", "mae", "rmse", "bias", "coverage", "relative_width", "score", "trade_days",
           "trade_day_scores", "TRADE_DAY_MIN_CUSTOMERS", "metrics_json"]

import json
import math

import numpy as np


def _same_shape(**named) -> list[np.ndarray]:
    """The arrays as floats; a ValueError naming them when their shapes differ (numpy would broadcast one row)."""
    arrays = {name: np.asarray(v, dtype=float) for name, v in named.items()}
    shapes = [a.shape for a in arrays.values()]
    if len(set(shapes)) > 1:
        names = " and ".join(f"`{name}`" for name in arrays)
        raise ValueError(f"{names} must have the same shape; got {' and '.join(map(str, shapes))}.")
    return list(arrays.values())


def _pair(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    y, p = _same_shape(y_true=y_true, y_pred=y_pred)
    return y, p


def rmspe(y_true, y_pred) -> float:
    """Root mean squared percentage error over rows with y_true > 0 (NaN when there are none).

    Examples
    --------
    >>> round(rmspe([100, 200, 0], [90, 220, 5]), 4)  # 10% off twice; the day without sales is not scored
    0.1
    """
    y, p = _pair(y_true, y_pred)
    keep = y > 0
    if not keep.any():
        return float("nan")
    return float(np.sqrt(np.mean((1.0 - p[keep] / y[keep]) ** 2)))


def mae(y_true, y_pred) -> float:
    """Mean absolute error in Sales units."""
    y, p = _pair(y_true, y_pred)
    return float(np.mean(np.abs(y - p)))


def rmse(y_true, y_pred) -> float:
    """Root mean squared error in Sales units."""
    y, p = _pair(y_true, y_pred)
    return float(np.sqrt(np.mean((y - p) ** 2)))


def coverage(y_true, lower, upper) -> float:
    """Share of rows whose actual lies inside [lower, upper]."""
    y, lo, hi = _same_shape(y_true=y_true, lower=lower, upper=upper)
    return float(np.mean((y >= lo) & (y <= hi)))


def relative_width(point, lower, upper) -> float:
    """Mean interval width relative to the point forecast (comparable across stores)."""
    p, lo, hi = _same_shape(point=point, lower=lower, upper=upper)
    ok = p > 0
    w = (hi - lo)[ok] / p[ok]
    return float(np.mean(w)) if ok.any() else float("nan")


def bias(y_true, y_pred) -> float:
    """Mean relative error ``mean(1 - pred / actual)`` over days with actual > 0, RMSPE's own terms.

    Positive: the forecast runs low; a forecast 5% too high gives -0.05.
    """
    y, p = _pair(y_true, y_pred)
    ok = y > 0
    return float(np.mean(1 - p[ok] / y[ok])) if ok.any() else float("nan")


def score(y_true, y_pred) -> dict[str, float]:
    """RMSPE, MAE, RMSE and bias (mean relative error) of one forecast, as a dict."""
    return {"rmspe": rmspe(y_true, y_pred), "mae": mae(y_true, y_pred), "rmse": rmse(y_true, y_pred),
            "bias": bias(y_true, y_pred)}


# Open days with sales but fewer customers than this are token openings, not days of trade: 3 of 804,056
# rows of train.csv (store 652 sold 46 to 8 customers on 2014-11-22), each alone able to rule a window's
# RMSPE. Windows are scored as the competition does ("rmspe") and also without them ("rmspe_trade_days"),
# the yardstick features are chosen on (docs/modeling.md).
TRADE_DAY_MIN_CUSTOMERS = 20


def trade_days(customers) -> np.ndarray:
    """True for the scored days that were days of trade (``Customers >= TRADE_DAY_MIN_CUSTOMERS``)."""
    return np.asarray(customers, dtype=float) >= TRADE_DAY_MIN_CUSTOMERS


def trade_day_scores(y_true, y_pred, baseline, customers) -> dict[str, float | int]:
    """A window's RMSPE on trade days, for the forecast and the naive baseline, and how many days were left out."""
    traded = trade_days(customers)
    y = np.asarray(y_true, dtype=float)[traded]
    return {"rmspe_trade_days": rmspe(y, np.asarray(y_pred, dtype=float)[traded]),
            "baseline_rmspe_trade_days": rmspe(y, np.asarray(baseline, dtype=float)[traded]),
            "token_days": int((~traded).sum())}


def _finite(obj):
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    if isinstance(obj, float | np.floating):
        return float(obj) if math.isfinite(obj) else None
    return obj


def metrics_json(report: dict) -> str:
    """A report as the text of metrics.json, a score with nothing to score (NaN) written as null.

    Why: ``json.dumps`` writes NaN, which is not JSON; a window with no trade day (Customers never
    recorded) has a NaN trade-day RMSPE, and a strict reader of the file would fail on it.
    """
    return json.dumps(_finite(report), indent=2, default=str) + "\n"
