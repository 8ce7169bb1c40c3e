"""One plain LightGBM fit, timed: how OpenMP's waiting policy and the thread count fare, quiet or busy.

Usage: ``[OMP_WAIT_POLICY=PASSIVE | GOMP_SPINCOUNT=N] python bench/openmp_wait.py --threads 2 --rows 20000``.
Set the variable on the command line: OpenMP reads it once, when LightGBM loads it. Prints the policy, the
threads, the rows, the wall and CPU seconds. docs/scaling.md holds a table of runs, quiet and beside busy loops
(``sh -c 'while :; do :; done' &`` four times).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--trees", type=int, default=200)
    args = ap.parse_args(argv)
    import lightgbm as lgb

    rng = np.random.default_rng(0)
    X = rng.normal(size=(args.rows, 50))
    y = X[:, 0] + rng.normal(size=args.rows)
    wall, cpu = time.perf_counter(), time.process_time()
    lgb.train({"objective": "regression", "num_leaves": 127, "learning_rate": 0.05, "num_threads": args.threads,
               "verbose": -1}, lgb.Dataset(X, y), args.trees)
    policy = os.environ.get("OMP_WAIT_POLICY") or (f"GOMP_SPINCOUNT={os.environ['GOMP_SPINCOUNT']}"
                                                    if "GOMP_SPINCOUNT" in os.environ else "default")
    print(f"{policy}: {args.threads} thread(s), {args.rows:,} rows, {args.trees} trees: "
          f"wall {time.perf_counter() - wall:.1f} s, cpu {time.process_time() - cpu:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
