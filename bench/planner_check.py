"""Is the planner's promo gain worth ranking stores by? A backtest against the uplift the stores realised.

Usage: ``python bench/planner_check.py --data ../shared/rossmann [--cut 2015-05-08] [--days 42] [--trees 300]
[--model PATH] [--out FILE]``

The default cut leaves the last 42 days of the shared train.csv (it ends 2015-06-19) as the window.

1. Fit a LightGBM model on the data up to ``--cut`` (300 trees by default instead of 1,200, so the check
   runs in minutes on 2 cores), unless ``--model`` names one fitted no later than the cut.
2. In the ``--days`` window after the cut, take every store's open Monday..Friday days with sales. The
   *predicted* gain of a store is the model's forecast of its actual promo days with promo minus without
   (all else as it was), per promo day and in percent of the no-promo forecast.
3. The *realised* uplift is the window's mean sales on promo days against non-promo weekdays (the EDA's
   measure, restricted to the window): per day and in percent.
4. Compare the two rankings of stores: Spearman correlation, and the top-decile hit rate (the share of the
   model's top 10% of stores that are in the realised top 10%; chance is 10%).

Two references put the figures in scale: the same comparison for the stores' *historical* uplift (the
EDA's number, computed on the data before the cut), and for the realised uplift of the previous window
(how far the realised ranking agrees with itself from one six-week window to the next).
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

TEST_COLUMNS = ["Store", "DayOfWeek", "Date", "Open", "Promo", "StateHoliday", "SchoolHoliday"]


def _weekdays_open(train: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    rows = train[(train["Date"] >= first) & (train["Date"] <= last)]
    return rows[(rows["Open"] == 1) & (rows["Sales"] > 0) & (rows["DayOfWeek"] <= 5)]


def realised(rows: pd.DataFrame) -> pd.DataFrame:
    """Per store: mean sales on promo vs non-promo weekdays -> uplift per day and in percent."""
    m = rows.groupby(["Store", "Promo"])["Sales"].mean().unstack().reindex(columns=[0, 1]).dropna()
    return pd.DataFrame({"per_day": m[1] - m[0], "pct": 100 * (m[1] / m[0] - 1)})


def predicted(bundle, rows: pd.DataFrame) -> pd.DataFrame:
    """Per store: the forecast of its promo days with promo minus without -> gain per day and in percent."""
    from storecast.predict import predict_frame

    promo_days = rows[rows["Promo"] == 1][TEST_COLUMNS].reset_index(drop=True)
    on = predict_frame(bundle, promo_days)["Sales"].to_numpy()
    off = predict_frame(bundle, promo_days.assign(Promo=np.int8(0)))["Sales"].to_numpy()
    frame = pd.DataFrame({"Store": promo_days["Store"].to_numpy(), "on": on, "off": off})
    g = frame.groupby("Store")[["on", "off"]].sum()
    n = frame.groupby("Store").size()
    return pd.DataFrame({"per_day": (g["on"] - g["off"]) / n, "pct": 100 * (g["on"] / g["off"] - 1)})


def agreement(score: pd.Series, truth: pd.Series) -> dict[str, float]:
    """Spearman correlation and top-decile hit rate of ranking stores by ``score`` against ``truth``."""
    both = pd.concat([score.rename("score"), truth.rename("truth")], axis=1).dropna()
    k = max(1, math.ceil(len(both) / 10))
    top_score = set(both["score"].nlargest(k).index)
    top_truth = set(both["truth"].nlargest(k).index)
    return {"stores": len(both), "spearman": float(both["score"].corr(both["truth"], method="spearman")),
            "top_decile_hit_rate": len(top_score & top_truth) / k, "top_k": k}


def _model(args, dataset, cut: pd.Timestamp) -> Path:
    if args.model:
        return Path(args.model)
    from storecast.train_run import train_bundle

    out = Path(tempfile.mkdtemp(prefix="planner-check-"))
    return train_bundle(dataset, "lgbm", until=cut, models_dir=out, n_estimators=args.trees)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, type=Path)
    ap.add_argument("--cut", default="2015-05-08", help="last day the model may see (default: 42 days before the end)")
    ap.add_argument("--days", type=int, default=42)
    ap.add_argument("--trees", type=int, default=300)
    ap.add_argument("--model", help="a model file fitted no later than --cut (skips the fit)")
    ap.add_argument("--out", type=Path, help="write the figures as JSON here too")
    args = ap.parse_args()

    from storecast.artifacts import load_bundle
    from storecast.data.contract import load_dataset
    from storecast.eda.promotions import promo_effect, promo_uplift_by_store

    t0 = time.perf_counter()
    dataset = load_dataset(args.data)
    train = dataset.train
    cut = pd.Timestamp(args.cut)
    first, last = cut + pd.Timedelta(days=1), cut + pd.Timedelta(days=args.days)
    path = _model(args, dataset, cut)
    bundle = load_bundle(path)
    end = pd.Timestamp(bundle.card["training"]["end"])
    if end > cut:
        raise SystemExit(f"{path.name} was fitted through {end:%Y-%m-%d}, after the cut {cut:%Y-%m-%d}")
    fitted = time.perf_counter() - t0

    window = _weekdays_open(train, first, last)
    truth = realised(window)
    model = predicted(bundle, window)
    before = train[train["Date"] <= cut]
    history = realised(_weekdays_open(before, before["Date"].min(), cut))
    previous = realised(_weekdays_open(train, cut - pd.Timedelta(days=args.days - 1), cut))
    eda_all = promo_effect(train).numbers
    eda_store = promo_uplift_by_store(train, dataset.store).numbers

    figures = {
        "model": path.name, "trees": None if args.model else args.trees,
        "fitted_through": f"{end:%Y-%m-%d}", "window": f"{first:%Y-%m-%d}..{last:%Y-%m-%d}",
        "model_vs_realised": {kind: agreement(model[kind], truth[kind]) for kind in ("per_day", "pct")},
        "history_vs_realised": {kind: agreement(history[kind], truth[kind]) for kind in ("per_day", "pct")},
        "previous_window_vs_realised": {kind: agreement(previous[kind], truth[kind]) for kind in ("per_day", "pct")},
        "chain_mean_pct": {"model": float(model["pct"].mean()), "realised": float(truth["pct"].mean()),
                           "history": float(history["pct"].mean())},
        "median_pct": {"model": float(model["pct"].median()), "realised": float(truth["pct"].median())},
        "eda": {"uplift_sales_pct": 100 * eda_all["uplift_sales"], "median_store_uplift_pct":
                100 * eda_store["median_uplift"], "p10_pct": 100 * eda_store["p10_uplift"],
                "p90_pct": 100 * eda_store["p90_uplift"]},
        "seconds": {"load_and_fit": round(fitted, 1), "total": round(time.perf_counter() - t0, 1)},
    }
    text = json.dumps(figures, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
