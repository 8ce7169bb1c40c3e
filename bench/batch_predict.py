"""Where ``storecast predict`` spends its time on test.csv, and its wall beside ``storecast validate``.

Usage: ``python bench/batch_predict.py --model PATH [--data DIR] [--runs 3]``.

Phases, each timed in-process the way the command runs them (best of ``--runs``): read and validate
the rows (``load_rows``), load the model (sha256, skops, compiled trees from their cache or LightGBM's
predictor), ``validate_rows`` again inside ``predict_frame``, the features (the fitted preprocessor),
the trees (booster predict: compiled and LightGBM, same matrix), the intervals and frames, and the CSV
write. Then the two commands end to end as subprocesses (median wall of ``--runs``): ``storecast
predict`` with compiled trees (warm cache), with ``STORECAST_COMPILE=0``, and ``storecast validate``
on the same data directory, the reference issue 16's acceptance uses (it reads the same files).
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def _best(fn, runs: int):
    times, value = [], None
    for _ in range(runs):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return min(times), value


def _wall(cmd: list[str], runs: int, env: dict[str, str]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    """Time each phase, then the commands; print Markdown tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, required=True, help="a full-data lgbm .skops bundle")
    ap.add_argument("--data", type=Path, default=Path("../shared/rossmann"))
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)

    from storecast import schema as s
    from storecast.artifacts import load_bundle
    from storecast.batch import _write
    from storecast.data.contract import load_rows, validate_rows
    from storecast.models.compiled import booster_of
    from storecast.predict import predict_frame

    out = sys.stdout
    out.write(f"model: {args.model.name}; python {platform.python_version()}, {platform.machine()}, "
              f"{os.cpu_count()} cpus, load average {os.getloadavg()[0]:.1f}\n\n")
    t_read, rows = _best(lambda: load_rows(args.data / s.TEST_FILE), args.runs)
    os.environ["STORECAST_COMPILE"] = "1"
    load_bundle(args.model)  # make sure the cache is warm
    t_load, bundle = _best(lambda: load_bundle(args.model), args.runs)
    os.environ["STORECAST_COMPILE"] = "0"
    t_load0, _ = _best(lambda: load_bundle(args.model), args.runs)
    t_valid, typed = _best(lambda: validate_rows(rows), args.runs)
    open_rows = typed[typed[s.OPEN].to_numpy() != 0]
    prep = bundle.model.estimator_.steps[0][1]
    t_feat, X = _best(lambda: prep.transform(open_rows), args.runs)
    booster = booster_of(bundle.model)
    t_fast, _ = _best(lambda: booster.predict(X), args.runs)
    t_slow, _ = _best(lambda: type(booster).predict(booster, X), args.runs)
    t_frame, frame = _best(lambda: predict_frame(bundle, rows), args.runs)
    t_write, _ = _best(lambda: _write(frame.copy(), io.StringIO(), True), args.runs)
    rest = t_frame - t_valid - t_feat - t_fast
    out.write(f"| phase ({len(rows):,} rows, {len(X):,} open) | ms |\n|---|---:|\n")
    for name, t in (("read + validate test.csv (load_rows)", t_read),
                    ("load model, compiled trees (warm cache)", t_load),
                    ("load model, STORECAST_COMPILE=0", t_load0), ("validate_rows in predict_frame", t_valid),
                    ("features (fitted preprocessor)", t_feat), ("trees, compiled", t_fast),
                    ("trees, LightGBM Booster.predict (same matrix)", t_slow),
                    ("rest of predict_frame (intervals, frames)", max(rest, 0.0)), ("CSV write", t_write)):
        out.write(f"| {name} | {t * 1e3:.0f} |\n")
    out.flush()

    exe = str(Path(sys.executable).with_name("storecast"))
    env = {**os.environ, "STORECAST_COMPILE": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        predict = [exe, "predict", "--model", str(args.model), "--data", str(args.data), "--out", f"{tmp}/f.csv"]
        fast = _wall(predict, args.runs, env)
        plain = _wall(predict, args.runs, {**env, "STORECAST_COMPILE": "0"})
        validate = _wall([exe, "validate", "--data", str(args.data)], args.runs, env)
    out.write(f"\n| command (median wall of {args.runs}) | s | ratio to validate |\n|---|---:|---:|\n")
    for name, t in (("storecast validate (reference)", validate), ("storecast predict, compiled trees", fast),
                    ("storecast predict, STORECAST_COMPILE=0", plain)):
        out.write(f"| {name} | {t:.2f} | {t / validate:.2f}x |\n")
    return 0 if np.isfinite(fast) else 1


if __name__ == "__main__":
    raise SystemExit(main())
