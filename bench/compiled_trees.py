"""Compiled trees in the inference path: load cost, exactness on every row, and latency against LightGBM.

Usage: ``python bench/compiled_trees.py --model PATH [--data DIR] [--repeats 300]``.

Why each figure sits beside a reference measured in the same run: absolute times do not travel between
machines (or between quiet and busy minutes on a shared one), ratios do. Measured:

- load: ``load_bundle`` with ``STORECAST_COMPILE=0``, with a cold cache (a copy of the model file in a
  temp directory: compiles and writes the cache) and with the warm cache (checked, then loaded);
- exactness: ``predict_frame`` with and without compiled trees on every test.csv row and on a synthetic
  set (Sales, lower, upper: the largest relative difference), and the booster's matrix on its own;
- latency: ``predict_frame`` p50 for 1 and 1,000 API-shaped rows (as ``bench/predict_latency.py``), with
  and without compiled trees, each as a ratio to LightGBM's ``Booster.predict`` of the same rows' matrix
  (one thread), the reference issue 16's acceptance uses.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from timing import max_rel_diff, p50_ms

sys.path.insert(0, str(Path(__file__).resolve().parent))
from predict_latency import _rows  # noqa: E402 - the same API-shaped rows as the latency bench


def _load(path: Path, compile_: bool):
    from storecast.artifacts import load_bundle

    os.environ["STORECAST_COMPILE"] = "1" if compile_ else "0"
    start = time.perf_counter()
    bundle = load_bundle(path)
    return bundle, time.perf_counter() - start


def _frame_diff(fast, plain, rows: pd.DataFrame) -> float:
    from storecast.predict import predict_frame

    a, b = predict_frame(fast, rows), predict_frame(plain, rows)
    return max(max_rel_diff(a[c].to_numpy(), b[c].to_numpy()) for c in ("Sales", "lower", "upper"))


def _synthetic_rows(bundle, n: int = 20_000) -> pd.DataFrame:
    """Rows no file holds: every known store on random days 2013..2016, random promo/holiday flags, open."""
    rng = np.random.default_rng(1)
    frame = _rows(bundle, n, rng).frame()
    return frame.assign(Date=lambda d: d["Date"] - pd.to_timedelta(rng.integers(0, 900, n), "D"),
                        DayOfWeek=lambda d: (d["Date"].dt.day_of_week + 1).astype("int8"))


def main(argv: list[str] | None = None) -> int:
    """Load three ways, check exactness, time 1 and 1,000 rows; print Markdown tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, required=True, help="a full-data lgbm .skops bundle")
    ap.add_argument("--data", type=Path, default=Path("../shared/rossmann"), help="directory with test.csv")
    ap.add_argument("--repeats", type=int, default=300, help="timed calls for one row (1,000 rows: a tenth)")
    ap.add_argument("--keep", type=Path, help="compile a copy of the model in this directory and keep it with its "
                    "cache (for later runs of bench/batch_predict.py or the API bench with STORECAST_COMPILE=1)")
    args = ap.parse_args(argv)

    from storecast import schema as s
    from storecast.data.contract import load_rows
    from storecast.models.compiled import boosters_of
    from storecast.predict import predict_frame

    out = sys.stdout
    out.write(f"model: {args.model.name}; python {platform.python_version()}, {platform.machine()}, "
              f"{os.cpu_count()} cpus, load average {os.getloadavg()[0]:.1f}\n\n")
    plain, t_plain = _load(args.model, False)
    with tempfile.TemporaryDirectory() as tmp:
        where = args.keep or Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        copy = where / args.model.name
        shutil.copy(args.model, copy)
        shutil.copy(args.model.with_suffix(".json"), copy.with_suffix(".json"))
        cold, t_cold = _load(copy, True)
        warm, t_warm = _load(copy, True)
        cache_mb = cold.compiled.cache.stat().st_size / 2**20 if cold.compiled.cache else float("nan")
    assert cold.compiled is not None and warm.compiled is not None and warm.compiled.origin == "cache"
    out.write("| load_bundle | s | ratio to COMPILE=0 |\n|---|---:|---:|\n")
    for name, t in (("STORECAST_COMPILE=0 (reference)", t_plain), ("cold cache: compile + write", t_cold),
                    ("warm cache: check + load", t_warm)):
        out.write(f"| {name} | {t:.2f} | {t / t_plain:.2f}x |\n")
    out.write(f"\ncompile alone (in the cold load): {cold.compiled.seconds:.1f} s; cache file {cache_mb:.1f} MiB\n\n")

    test = load_rows(args.data / s.TEST_FILE)
    synth = _synthetic_rows(warm)
    boosters = boosters_of(plain.model)  # one, or each seed's of an average (each compiled on its own)
    booster = boosters[0]  # issue 16's reference: one booster's own Booster.predict
    X = plain.model.estimator_.steps[0][1].transform(test[test[s.OPEN] != 0])
    lgbm = type(booster).predict
    member_diff = max(max_rel_diff(fast.predict(X), lgbm(slow, X))
                      for fast, slow in zip(boosters_of(warm.model), boosters, strict=True))
    out.write("| exactness (max relative difference, compiled vs LightGBM) | rows | value |\n|---|---:|---:|\n")
    out.write(f"| booster matrix of test.csv's open rows (worst of {len(boosters)} booster(s)) | {len(X):,} | "
              f"{member_diff:.1e} |\n")
    out.write(f"| predict_frame on test.csv (Sales, lower, upper) | {len(test):,} | "
              f"{_frame_diff(warm, plain, test):.1e} |\n")
    out.write(f"| predict_frame on synthetic rows | {len(synth):,} | {_frame_diff(warm, plain, synth):.1e} |\n\n")
    out.flush()

    rng = np.random.default_rng(0)
    out.write(f"Two references: one booster's `Booster.predict` of the matrix (issue 16's wording, written for a "
              f"one-booster model), and LightGBM predicting the model's whole forest ({len(boosters)} booster(s) "
              "called in turn and averaged, what the model's trees cost in LightGBM). Ratios: to one booster; "
              "to the whole forest.\n\n")
    out.write("| rows | one Booster.predict, ms | whole forest in LightGBM, ms | predict_frame, LightGBM, ms | "
              "predict_frame, compiled, ms | the same rows as a DataFrame, compiled, ms |\n"
              "|---:|---:|---:|---:|---:|---:|\n")
    for n in (1, 1000):
        rows = _rows(warm, n, rng)  # RequestRows, as the API passes them
        frame = rows.frame()
        matrix = plain.model.estimator_.steps[0][1].transform(frame)
        reps = args.repeats if n == 1 else max(10, args.repeats // 10)
        # LightGBM at its fastest: a lone row on one thread, 1,000 rows on every core (models.trees does the same)
        kw = {"num_threads": 1} if n == 1 else {}
        ref = p50_ms(lambda m=matrix, kw=kw: lgbm(booster, m, **kw), reps)
        forest = p50_ms(lambda m=matrix, kw=kw: np.mean([lgbm(b, m, **kw) for b in boosters], axis=0), reps)
        slow = p50_ms(lambda r=rows: predict_frame(plain, r), reps)
        fast = p50_ms(lambda r=rows: predict_frame(warm, r), reps)
        fast_frame = p50_ms(lambda f=frame: predict_frame(warm, f), reps)

        def both(ms: float, ref: float = ref, forest: float = forest) -> str:
            return f"{ms:.3f} ({ms / ref:.2f}x; {ms / forest:.2f}x)"

        out.write(f"| {n:,} | {ref:.3f} | {forest:.3f} | {both(slow)} | {both(fast)} | {both(fast_frame)} |\n")
        out.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
