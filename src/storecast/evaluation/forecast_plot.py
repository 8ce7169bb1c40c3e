"""The holdout as a picture: forecast, intervals and actual sales, for the chain and three stores.

Why: an RMSPE of 0.097 says little to a planner; a chart of the six weeks shows what the number means
(where the forecast follows the week, where a store surprised it, how wide the bands are). The three
stores are picked by their holdout RMSPE, best, median and worst, so the chart shows the spread of
quality rather than a flattering example.
"""

from __future__ import annotations

__all__ = ["pick_stores", "plot_holdout"]

from pathlib import Path

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.atomic import save_figure


def _store_rmspe(frame: pd.DataFrame) -> pd.Series:
    """RMSPE per store over days with Sales > 0 (``metrics.rmspe``'s rule, grouped in one pass)."""
    scored = frame[frame[s.SALES] > 0]
    return (((1 - scored["pred"] / scored[s.SALES]) ** 2).groupby(scored[s.STORE]).mean() ** 0.5).rename("rmspe")


def pick_stores(frame: pd.DataFrame, errors: pd.Series | None = None) -> dict[str, int]:
    """Stores with the best, the median and the worst holdout RMSPE (open days with Sales > 0).

    ``frame`` has Store, Sales and pred (``holdout_predictions.csv``'s columns); ``errors`` is its
    per-store RMSPE when the caller has it already. Ties go to the lower store number, so the pick is
    deterministic.
    """
    errors = _store_rmspe(frame) if errors is None else errors
    ranked = errors.reset_index().sort_values(["rmspe", s.STORE], kind="stable")
    stores = ranked[s.STORE].to_numpy()
    return {"best": int(stores[0]), "median": int(stores[(len(stores) - 1) // 2]), "worst": int(stores[-1])}


def plot_holdout(frame: pd.DataFrame, path: str | Path) -> Path:
    """Save a 4-panel PNG: chain total (actual vs forecast), then the best, median and worst store.

    Store panels show the 80% and 95% intervals as bands; the chain panel has none, because the sum of
    per-store bounds is not an interval of the sum.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frame = frame.assign(**{s.DATE: pd.to_datetime(frame[s.DATE])})
    errors = _store_rmspe(frame)
    picks = pick_stores(frame, errors)
    fig, axes = plt.subplots(4, 1, figsize=(11, 12), sharex=True)
    chain = frame.groupby(s.DATE)[[s.SALES, "pred"]].sum()
    axes[0].plot(chain.index, chain[s.SALES], "o-", ms=3, color="#333333", label="actual")
    axes[0].plot(chain.index, chain["pred"], color="#4c72b0", label="forecast")
    total = chain[chain[s.SALES] > 0]
    gap = float(total["pred"].sum() / total[s.SALES].sum() - 1) if len(total) else np.nan
    axes[0].set_title(f"all stores in the holdout: total daily sales (forecast total {gap:+.1%} vs actual)")
    for ax, (label, store) in zip(axes[1:], picks.items(), strict=True):
        rows = frame[frame[s.STORE] == store].sort_values(s.DATE)
        scored = rows[rows[s.SALES] > 0]
        if {"lower_0.95", "upper_0.95"} <= set(rows.columns):
            ax.fill_between(rows[s.DATE], rows["lower_0.95"], rows["upper_0.95"], color="#4c72b0", alpha=0.15,
                            label="95% interval")
        if {"lower_0.8", "upper_0.8"} <= set(rows.columns):
            ax.fill_between(rows[s.DATE], rows["lower_0.8"], rows["upper_0.8"], color="#4c72b0", alpha=0.3,
                            label="80% interval")
        ax.plot(rows[s.DATE], rows["pred"], color="#4c72b0", label="forecast")
        ax.plot(scored[s.DATE], scored[s.SALES], "o", ms=3, color="#333333", label="actual")
        ax.set_title(f"{label} store of the holdout: store {store}, RMSPE {errors[store]:.3f}")
    for ax in axes:
        ax.set_ylabel("sales")
        ax.grid(alpha=0.3)
    axes[0].legend(loc="upper right")
    axes[1].legend(loc="upper right", ncols=4)
    fig.tight_layout()
    return save_figure(fig, path, dpi=96)
