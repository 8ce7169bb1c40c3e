"""Score a geometric blend of two backtests' per-row forecasts, window by window.

Why: issue 13 item 6 asks whether blending kinds (trees + LSTM) beats the trees alone on the
seasonal backtest. Both `storecast evaluate` and `storecast lstm evaluate` write
`window_predictions.csv` (Store, Date, Sales, pred, window, ...); this joins them on
(Store, Date, window) and scores RMSPE on trade days (Sales > 0 and, when the first file has
Customers, at least `TRADE_DAY_MIN_CUSTOMERS`), as the backtest's yardstick does.

    python bench/blend_backtest.py runs/trees/window_predictions.csv runs/lstm/window_predictions.csv
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from storecast.evaluation.metrics import TRADE_DAY_MIN_CUSTOMERS, rmspe


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", help="window_predictions.csv of the first model (trees)")
    parser.add_argument("second", help="window_predictions.csv of the second model (LSTM)")
    parser.add_argument("--weights", default="0,0.1,0.2,0.3,0.4,0.5", help="weights of the second model")
    args = parser.parse_args()

    key = ["Store", "Date", "window"]
    first = pd.read_csv(args.first)
    second = pd.read_csv(args.second, usecols=[*key, "pred"])
    both = first.merge(second, on=key, suffixes=("_first", "_second"), validate="one_to_one")
    scored = both["Sales"] > 0
    if "Customers" in both:
        scored &= both["Customers"] >= TRADE_DAY_MIN_CUSTOMERS
    both = both[scored]
    windows = list(dict.fromkeys(both["window"]))
    print(f"{len(both):,} scored rows in both files; windows {', '.join(windows)}")
    print("weight " + " ".join(f"{w:>8s}" for w in windows) + "     mean")
    for weight in (float(w) for w in args.weights.split(",")):
        scores = []
        for window in windows:
            rows = both[both["window"] == window]
            blend = np.exp((1 - weight) * np.log(rows["pred_first"]) + weight * np.log(rows["pred_second"]))
            scores.append(rmspe(rows["Sales"].to_numpy(), blend.to_numpy()))
        print(f"{weight:6.2f} " + " ".join(f"{x:8.4f}" for x in scores) + f" {np.mean(scores):8.4f}")


if __name__ == "__main__":
    main()
