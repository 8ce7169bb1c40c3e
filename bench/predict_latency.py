"""In-process latency of ``predict_frame`` for 1, 10, 100 and 1,000 rows: p50 / p99 per call.

Usage: ``python bench/predict_latency.py [--model PATH] [--repeats 300] [--sizes 1,10,100,1000]``.

Without ``--model`` a small LightGBM bundle is trained on synthetic data with
``storecast.train_run.train_bundle`` (about a minute), so the figure is the per-call overhead
of the inference path rather than the tree walk of a big model. Rows are built the way the API
builds them (``data.request_rows.RequestRows``), for stores the model knows, on dates just after its fit
window. Wall time per call (``perf_counter``) and CPU time per call (``process_time``) are both
reported: on a shared machine the CPU figure is the one that does not depend on the neighbours.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def _train(out: Path) -> Path:
    """A small LightGBM bundle on synthetic data (50 stores, 2013-01..2015-07)."""
    from storecast.data.contract import load_dataset
    from storecast.data.synthetic import write_synthetic
    from storecast.train_run import train_bundle

    data = write_synthetic(out / "data", n_stores=50, seed=0)
    dataset = load_dataset(data)
    return train_bundle(dataset, kind="lgbm", models_dir=out / "models", n_estimators=300, n_jobs=1)


def _rows(bundle, n: int, rng: np.random.Generator):
    """``n`` open-day rows as the API hands them to ``predict_frame`` (``RequestRows``): distinct (Store, Date)
    pairs of known stores on the 48 days after the fit. ``.frame()`` gives the same rows as a DataFrame."""
    from storecast.data.request_rows import RequestRows

    stores = bundle.facts.stores
    end = pd.Timestamp(bundle.card.get("training", {}).get("end", "2015-07-31"))
    first = (end - pd.Timestamp("1970-01-01")).days + 1
    pick = rng.choice(len(stores) * 48, n, replace=False)  # the contract refuses a repeated (Store, Date)
    return RequestRows(stores[pick // 48], first + pick % 48, np.ones(n, dtype=np.int8), rng.integers(0, 2, n),
                       ["0"] * n, rng.integers(0, 2, n))


def _time(bundle, rows, repeats: int) -> tuple[np.ndarray, np.ndarray]:
    from storecast.predict import predict_frame

    for _ in range(min(20, repeats)):  # warm caches and lazy imports
        predict_frame(bundle, rows)
    wall, cpu = np.empty(repeats), np.empty(repeats)
    for i in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        predict_frame(bundle, rows)
        cpu[i], wall[i] = time.process_time() - c, time.perf_counter() - w
    return wall * 1e3, cpu * 1e3


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, load or train a model, time each batch size and print a Markdown table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, help="a .skops bundle (default: train one on synthetic data)")
    ap.add_argument("--repeats", type=int, default=300, help="timed calls per size (1,000 rows: a fifth)")
    ap.add_argument("--sizes", default="1,10,100,1000")
    args = ap.parse_args(argv)

    from storecast.artifacts import load_bundle

    with tempfile.TemporaryDirectory() as tmp:
        path = args.model or _train(Path(tmp))
        bundle = load_bundle(path)
    rng = np.random.default_rng(0)
    out = sys.stdout
    out.write(f"model: {Path(path).name} ({bundle.kind}); python {platform.python_version()}, "
              f"{platform.machine()}, {os.cpu_count()} cpus, load average {os.getloadavg()[0]:.1f}\n\n")
    out.write("| rows | p50 ms | p99 ms | mean CPU ms | calls |\n|---:|---:|---:|---:|---:|\n")
    for n in (int(v) for v in args.sizes.split(",")):
        repeats = args.repeats if n < 1000 else max(10, args.repeats // 5)
        wall, cpu = _time(bundle, _rows(bundle, n, rng), repeats)
        out.write(f"| {n:,} | {np.percentile(wall, 50):.3f} | {np.percentile(wall, 99):.3f} | "
                  f"{cpu.mean():.3f} | {repeats} |\n")
        out.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
