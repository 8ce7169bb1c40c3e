"""Where ``storecast predict`` spends its time on test.csv, and its wall beside ``storecast validate``.

Usage: ``python bench/batch_predict.py --model PATH [--data DIR] [--runs 3] [--compiled]``.

First the imports as a fresh process pays them (median of ``--runs`` subprocesses each): ``import
skops.io`` plainly and through ``artifacts._skops_io`` (which skips the torch, dask and pytest imports skops'
scan of scikit-learn makes), and the first ``load_bundle`` of a process. Then the phases, each timed
in-process the way the command runs them (best of ``--runs``): read and validate the rows
(``load_rows``), load the model again (sha256, skops, LightGBM's predictor), ``validate_rows`` again
inside ``predict_frame``, the features (the fitted preprocessor), the trees (LightGBM's
``Booster.predict``), the intervals and frames, and the CSV write.

Then the two commands end to end as subprocesses, interleaved (validate, predict, validate, ...) so a
change of load on a shared machine falls on both alike: ``storecast validate`` on the same data
directory, the reference of issue 16's acceptance (it reads the same files), and ``storecast predict``
as a user runs it (``STORECAST_COMPILE`` unset: the compiled trees when their cache lies beside the model,
as after a first ``storecast serve``, else LightGBM's own predictor), and ``storecast predict`` with
``STORECAST_COMPILE=0`` (LightGBM's predictor in any case). ``--compiled`` adds ``STORECAST_COMPILE=1``,
which compiles at load when no cache exists (about 3 minutes for the full-data model on 2 cores).
Prints Markdown tables: medians, the ratio of the medians, each run's ratio, and the load average.
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


def _seconds(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def _python(code: str, runs: int, env: dict[str, str]) -> float:
    """Median wall of ``python -c code`` minus that of ``python -c pass`` (the interpreter's own start)."""
    base = statistics.median(_seconds([sys.executable, "-c", "pass"], env) for _ in range(runs))
    return statistics.median(_seconds([sys.executable, "-c", code], env) for _ in range(runs)) - base


def _load() -> str:
    return "/".join(f"{v:.1f}" for v in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    """Time the imports, each phase, then the commands side by side; print Markdown tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, required=True, help="a full-data lgbm .skops bundle")
    ap.add_argument("--data", type=Path, default=Path("../shared/rossmann"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--compiled", action="store_true", help="also time predict with STORECAST_COMPILE=1 "
                    "(compiles at load when no cache lies beside the model: minutes)")
    args = ap.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if k != "STORECAST_COMPILE"}
    os.environ.pop("STORECAST_COMPILE", None)

    out = sys.stdout
    out.write(f"model: {args.model.name}; python {platform.python_version()}, {platform.machine()}, "
              f"{os.cpu_count()} cpus; load average (1/5/15 min) at start {_load()}\n\n")
    out.write(f"| import in a fresh process (median of {args.runs}) | s |\n|---|---:|\n")
    load_first = (f"from storecast.artifacts import load_bundle; load_bundle({str(args.model)!r})")
    for name, code in (("`import skops.io`", "import skops.io"),
                       ("`artifacts._skops_io()` (torch, dask, pytest skipped)",
                        "from storecast.artifacts.trees import _skops_io; _skops_io()"),
                       ("first `load_bundle` (its imports + the file)", load_first)):
        out.write(f"| {name} | {_python(code, args.runs, env):.2f} |\n")
    out.flush()

    from storecast import schema as s
    from storecast.artifacts import load_bundle
    from storecast.batch import _write
    from storecast.data.contract import load_rows, validate_rows
    from storecast.models.trees import tree_members
    from storecast.predict import predict_frame

    t_read, rows = _best(lambda: load_rows(args.data / s.TEST_FILE), args.runs)
    load_bundle(args.model)  # the imports, once
    t_load, bundle = _best(lambda: load_bundle(args.model), args.runs)
    t_valid, typed = _best(lambda: validate_rows(rows), args.runs)
    open_rows = typed[typed[s.OPEN].to_numpy() != 0]
    prep = bundle.model.estimator_.steps[0][1]
    t_feat, X = _best(lambda: prep.transform(open_rows), args.runs)
    # the default model averages several LightGBM seeds: every member's booster is walked
    members = tree_members(bundle.model.estimator_.named_steps["model"].estimator_)
    t_trees, _ = _best(lambda: [m.booster_.predict(X) for m in members], args.runs)
    t_frame, frame = _best(lambda: predict_frame(bundle, rows), args.runs)
    t_write, _ = _best(lambda: _write(frame.copy(), io.StringIO(), True), args.runs)
    rest = t_frame - t_valid - t_feat - t_trees
    out.write(f"\n| phase ({len(rows):,} rows, {len(X):,} open; best of {args.runs}) | ms |\n|---|---:|\n")
    for name, t in (("read + validate test.csv (load_rows)", t_read),
                    ("load model again (no imports; sha256, skops, LightGBM)", t_load),
                    ("validate_rows in predict_frame", t_valid), ("features (fitted preprocessor)", t_feat),
                    (f"trees, Booster.predict x {len(members)} ({'compiled' if bundle.compiled else 'LightGBM'})",
                     t_trees),
                    ("rest of predict_frame (intervals, frames)", max(rest, 0.0)), ("CSV write", t_write)):
        out.write(f"| {name} | {t * 1e3:.0f} |\n")
    out.flush()

    exe = str(Path(sys.executable).with_name("storecast"))
    with tempfile.TemporaryDirectory() as tmp:
        predict = [exe, "predict", "--model", str(args.model), "--data", str(args.data), "--out", f"{tmp}/f.csv"]
        commands = {"storecast validate (reference)": ([exe, "validate", "--data", str(args.data)], env),
                    "storecast predict": (predict, env),
                    "storecast predict, STORECAST_COMPILE=0": (predict, {**env, "STORECAST_COMPILE": "0"})}
        if args.compiled:
            commands["storecast predict, STORECAST_COMPILE=1"] = (predict, {**env, "STORECAST_COMPILE": "1"})
        walls: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):  # interleaved: each round runs every command once
            for name, (cmd, cmd_env) in commands.items():
                walls[name].append(_seconds(cmd, cmd_env))
    ref = walls["storecast validate (reference)"]
    validate = statistics.median(ref)
    out.write(f"\n| command ({args.runs} interleaved runs) | median s | runs s | ratio of medians | ratio per run |"
              "\n|---|---:|---|---:|---|\n")
    for name, times in walls.items():
        out.write(f"| {name} | {statistics.median(times):.2f} | {', '.join(f'{t:.2f}' for t in times)} | "
                  f"{statistics.median(times) / validate:.2f}x | "
                  f"{', '.join(f'{t / r:.2f}x' for t, r in zip(times, ref, strict=True))} |\n")
    out.write(f"\nload average (1/5/15 min) at the end {_load()}\n")
    return 0 if np.isfinite(validate) else 1


if __name__ == "__main__":
    raise SystemExit(main())
