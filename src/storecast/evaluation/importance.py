"""Post-prediction analysis: impurity and permutation feature importance, as a table and a chart."""

from __future__ import annotations

__all__ = ["feature_importance", "plot_importance"]

from pathlib import Path

import pandas as pd

from storecast import schema as s
from storecast.atomic import save_figure
from storecast.evaluation.metrics import rmspe
from storecast.features import as_columns


def feature_importance(model, rows: pd.DataFrame, *, max_rows: int = 10_000, n_repeats: int = 2,
                       seed: int = 0) -> pd.DataFrame:
    """Impurity importance of the fitted trees and permutation importance on holdout ``rows``.

    Permutation importance is the rise in holdout RMSPE when one feature column is shuffled: it
    measures what the model *uses* on unseen days, which impurity (a training-set quantity) can
    overstate for high-cardinality features. Features are built once and the tree step alone is
    re-scored, so this costs ``n_features * n_repeats`` predictions on at most ``max_rows`` rows (a
    sample of ``rows``, whose features are built from all of them, never from the sample alone).

    The features are built from ``rows``: a schedule feature reads a store's other rows, so sales days alone
    would read an open day with Sales 0 as closed and lose a closure at the window's edge. The backtest
    forecasts a window's every row, open and closed, through ``predict_frame`` (``backtest.window_forecasts``);
    it passes here the holdout's sales days with their schedule already read from every window row
    (``features.schedule.with_schedule``, whose columns the schedule step keeps), so the features are those
    it scored. Read the table as the model's use of its features on these rows, not as a decomposition of
    the backtest's RMSPE.

    Returns
    -------
    DataFrame: feature, impurity, permutation_mean, permutation_std; sorted by permutation_mean.
    """
    from sklearn.inspection import permutation_importance

    pipe = model.estimator_
    prep, reg = pipe.named_steps["prep"], pipe.named_steps["model"]
    # Features first, from all the rows, then the sample: a row's schedule features read its store's other
    # rows (features.schedule), and a sample's gaps read as closures the model never saw on those days.
    Z = prep.transform(as_columns(rows.drop(columns=[c for c in (s.SALES, s.CUSTOMERS) if c in rows])))
    y = rows[s.SALES].to_numpy(dtype=float)
    if len(rows) > max_rows:
        picked = rows.reset_index(drop=True).sample(max_rows, random_state=seed).index.to_numpy()
        Z, y = Z[picked], y[picked]
    c = float(getattr(model, "correction_", 1.0))

    def neg_rmspe(est, X, y_true) -> float:
        return -rmspe(y_true, c * est.predict(X))

    perm = permutation_importance(reg, Z, y, scoring=neg_rmspe, n_repeats=n_repeats, random_state=seed,
                                  n_jobs=1)
    names = prep.named_steps["matrix"].features_
    table = pd.DataFrame({
        "feature": names, "impurity": reg.feature_importances_,
        "permutation_mean": perm.importances_mean, "permutation_std": perm.importances_std,
    })
    return table.sort_values("permutation_mean", ascending=False).reset_index(drop=True)


def plot_importance(table: pd.DataFrame, path: str | Path, top: int = 25) -> Path:
    """Two horizontal bar charts (impurity, permutation) of the ``top`` features, saved as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    head = table.head(top).iloc[::-1]
    fig, axes = plt.subplots(1, 2, figsize=(12, max(4, 0.3 * len(head))), sharey=True)
    axes[0].barh(head["feature"], head["impurity"], color="#4c72b0")
    axes[0].set_title("impurity (share of total gain)")
    axes[1].barh(head["feature"], head["permutation_mean"], xerr=head["permutation_std"], color="#dd8452")
    axes[1].set_title("permutation: holdout RMSPE increase")
    for ax in axes:
        ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return save_figure(fig, path, dpi=110)
