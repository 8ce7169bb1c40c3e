"""lleaves vs treelite/tl2cgen on one fitted LightGBM booster: compile time, latency, exactness.

Usage: ``python bench/compare_tree_compilers.py --model PATH [--data DIR] [--repeats 300]``.

Why this script exists: issue 16 asks to pick one of the two compilers on a real full-data model.
Both compile the same booster; each is timed against LightGBM's own ``Booster.predict`` on the very
same float64 matrix (the feature matrix of test.csv's open rows, built by the model's own fitted
preprocessor), in the same process and run, so the ratios hold on another machine even when the
absolute figures do not. Exactness is the largest relative difference to ``Booster.predict`` over
every row.
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
from timing import max_rel_diff, p50_ms


def _matrix(bundle, data: Path) -> np.ndarray:
    """The model's feature matrix of test.csv's open rows (what the booster sees at inference)."""
    from storecast import schema as s
    from storecast.data.contract import load_rows, validate_rows

    rows = validate_rows(load_rows(data / s.TEST_FILE))
    rows = rows[rows[s.OPEN].to_numpy() != 0]
    prep = bundle.model.estimator_.steps[0][1]
    return np.ascontiguousarray(prep.transform(rows), dtype=np.float64)


def _lleaves(booster, tmp: Path):
    import lleaves

    txt = tmp / "model.txt"
    booster.save_model(txt)
    start = time.perf_counter()
    model = lleaves.Model(model_file=str(txt))
    model.compile(cache=str(tmp / "model.lleaves.o"))
    took = time.perf_counter() - start
    return took, lambda X: model.predict(X, n_jobs=1), lambda X: model.predict(X, n_jobs=os.cpu_count())


def _treelite(booster, tmp: Path):
    import tl2cgen
    import treelite

    start = time.perf_counter()
    model = treelite.frontend.from_lightgbm(booster)
    lib = tmp / "model.tl2cgen.so"
    tl2cgen.export_lib(model, toolchain="gcc", libpath=str(lib), params={"parallel_comp": os.cpu_count()},
                       nthread=os.cpu_count())
    took = time.perf_counter() - start
    one, many = tl2cgen.Predictor(str(lib), nthread=1), tl2cgen.Predictor(str(lib), nthread=os.cpu_count())

    def run(pred, X):
        return np.asarray(pred.predict(tl2cgen.DMatrix(X, dtype="float64"))).reshape(len(X))

    return took, lambda X: run(one, X), lambda X: run(many, X)


def main(argv: list[str] | None = None) -> int:
    """Compile with both libraries, time 1 and 1,000 rows and the full matrix, print a Markdown table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, required=True, help="a full-data lgbm .skops bundle")
    ap.add_argument("--data", type=Path, default=Path("../shared/rossmann"), help="directory with test.csv")
    ap.add_argument("--repeats", type=int, default=300, help="timed calls for one row (1,000 rows: a tenth)")
    ap.add_argument("--only", choices=("lleaves", "treelite"), help="measure one library only")
    args = ap.parse_args(argv)

    import os as _os

    _os.environ["STORECAST_COMPILE"] = "0"  # the bundle's own booster, not a compiled one
    from storecast.artifacts import load_bundle

    bundle = load_bundle(args.model)
    booster = bundle.model.estimator_.steps[-1][1].estimator_.booster_
    X = _matrix(bundle, args.data)
    one, thousand = X[:1].copy(), X[:1000].copy()
    out = sys.stdout
    out.write(f"model: {args.model.name}, {booster.num_trees()} trees; matrix {X.shape[0]:,} x {X.shape[1]}; "
              f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cpus, "
              f"load average {os.getloadavg()[0]:.1f}\n\n")
    ref_all = booster.predict(X)
    lgb1 = p50_ms(lambda: booster.predict(one, num_threads=1), args.repeats)
    lgb1k = p50_ms(lambda: booster.predict(thousand, num_threads=1), max(10, args.repeats // 10))
    lgball = p50_ms(lambda: booster.predict(X), 3)
    out.write("| predictor | compile s | 1 row p50 ms | 1,000 rows p50 ms (1 thread) | all rows ms (all threads) "
              "| max rel. diff |\n|---|---:|---:|---:|---:|---:|\n")
    out.write(f"| LightGBM Booster.predict (reference) | - | {lgb1:.3f} (1.00x) | {lgb1k:.2f} (1.00x) "
              f"| {lgball:.0f} (1.00x) | 0 |\n")
    out.flush()
    libs = {"lleaves": _lleaves, "treelite": _treelite}
    for name, build in libs.items():
        if args.only and name != args.only:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            took, single, multi = build(booster, Path(tmp))
            diff = max_rel_diff(multi(X), ref_all)
            t1 = p50_ms(lambda: single(one), args.repeats)  # noqa: B023 - used inside the loop turn only
            t1k = p50_ms(lambda: single(thousand), max(10, args.repeats // 10))  # noqa: B023
            tall = p50_ms(lambda: multi(X), 3)  # noqa: B023
        out.write(f"| {name} | {took:.1f} | {t1:.3f} ({t1 / lgb1:.2f}x) | {t1k:.2f} ({t1k / lgb1k:.2f}x) "
                  f"| {tall:.0f} ({tall / lgball:.2f}x) | {diff:.1e} |\n")
        out.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
