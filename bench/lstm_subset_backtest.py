"""The LSTM's subset protocol: the six seasonal windows on every n-th store, one line per seed.

Why: a full-data LSTM backtest takes 15..30 minutes a seed on 2 cores; every 5th store (223 stores) takes
about 3.5 minutes and ranked every change of docs/modeling-lstm.md the same way the full data did, so
settings are tried here first, with several seeds (a single seed's mean moves by about 1%).

Usage::

    python bench/lstm_subset_backtest.py --data ../shared/rossmann --seeds 0,1,2
    python bench/lstm_subset_backtest.py --data ../shared/rossmann --seeds 0,1,2 --set level_skips_holiday_weeks=false

Prints, per seed, the trade-day RMSPE of each window with its bias ``mean(1 - forecast/actual)`` and the
naive median's RMSPE, then the mean of the windows; ``--every 1`` is the full data. Each seed fits the default
config, three averaged networks since 2026-12-06; ``--set networks=1`` is one network a seed, the protocol of
the earlier tables in docs/modeling-lstm.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

from storecast import schema as s
from storecast.data.contract import load_dataset
from storecast.evaluation.lstm import backtest_lstm
from storecast.models.lstm.forecaster import LSTMConfig


def _setting(text: str) -> tuple[str, object]:
    """``name=value`` for an ``LSTMConfig`` field; the value is read as JSON (true, 112, "huber")."""
    name, _, value = text.partition("=")
    fields = {f.name for f in dataclasses.fields(LSTMConfig)}
    if name not in fields:
        raise argparse.ArgumentTypeError(f"{name!r} is not an LSTMConfig field ({', '.join(sorted(fields))})")
    try:
        return name, json.loads(value)
    except json.JSONDecodeError:
        return name, value


def subset(dataset, every: int):
    """The dataset restricted to stores 1, 1 + every, 1 + 2 * every, ... (every store when ``every`` is 1)."""
    keep = set(range(1, int(dataset.store[s.STORE].max()) + 1, every))
    return dataclasses.replace(
        dataset,
        train=dataset.train[dataset.train[s.STORE].isin(keep)].reset_index(drop=True),
        store=dataset.store[dataset.store[s.STORE].isin(keep)].reset_index(drop=True),
        test=None,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="directory with train.csv and store.csv")
    parser.add_argument("--seeds", default="0", help="comma-separated seeds (default 0)")
    parser.add_argument("--every", type=int, default=5, help="keep every n-th store (default 5; 1 = all)")
    parser.add_argument("--windows", type=int, default=6, help="seasonal windows (default 6)")
    parser.add_argument("--set", type=_setting, action="append", default=[], metavar="FIELD=VALUE",
                        help="an LSTMConfig setting, e.g. lookback=112 (repeatable)")
    parser.add_argument("--out", type=Path, help="also write each seed's report and window_predictions.csv "
                        "to OUT/seed-K (storecast lstm evaluate --out's files)")
    args = parser.parse_args(argv)
    data = subset(load_dataset(args.data), args.every)
    settings = dict(args.set)
    print(f"stores {data.store[s.STORE].nunique()}, settings {settings or 'default'}")
    for seed in (int(k) for k in args.seeds.split(",")):
        started = time.perf_counter()
        report = backtest_lstm(data, windows=args.windows, config=LSTMConfig(**{**settings, "seed": seed}),
                               out_dir=None if args.out is None else args.out / f"seed-{seed}")
        cells = " ".join(f"{w['rmspe_trade_days']:.4f} ({w['bias']:+.3f} | {w['baseline_rmspe_trade_days']:.4f})"
                         for w in report["windows"])
        summary = report["summary"]
        print(f"seed {seed}: {cells}  mean {summary['rmspe_trade_days_mean']:.4f} "
              f"(naive {summary['baseline_rmspe_trade_days_mean']:.4f}), "
              f"{summary['bias_within_tolerance_windows']} windows within ±2% bias, "
              f"{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
