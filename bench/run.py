"""Time the main commands on a data directory: wall time and peak memory of each, as a table.

Usage: ``python bench/run.py --data ../shared/rossmann [--only clean,eda] [--out bench/results]``.
Each step runs as its own process; peak memory is that process tree's maximum resident set size
(``os.wait4`` rusage), so figures match ``/usr/bin/time -v``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shlex
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def _steps(data: Path, out: Path) -> dict[str, list[str]]:
    sc = str(BIN / "storecast")
    models = out / "models"
    return {
        "validate": [sc, "validate", "--data", str(data)],
        "clean": [sc, "clean", "--data", str(data), "--out", str(out / "clean")],
        "eda": [sc, "eda", "--data", str(data), "--out", str(out / "report")],
        "train-lgbm": [sc, "train", "--data", str(data), "--model", "lgbm", "--models-dir", str(models)],
        "predict-test": ["__predict__"],
        "train-rf": [sc, "train", "--data", str(data), "--model", "rf", "--models-dir", str(models / "rf")],
    }


def _run(cmd: list[str]) -> tuple[int, float, float]:
    """Run one command; return (exit code, wall seconds, peak RSS in MiB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    return os.waitstatus_to_exitcode(status), wall, usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    parser.add_argument("--only", default="", help="comma-separated step names")
    args = parser.parse_args()
    if not (args.data / "train.csv").is_file():
        print(f"no train.csv in {args.data}: pass --data DIR with the Rossmann files", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    steps = _steps(args.data, args.out)
    wanted = [s for s in args.only.split(",") if s] or list(steps)
    rows = []
    for name in wanted:
        cmd = steps[name]
        if cmd == ["__predict__"]:
            model_files = sorted((args.out / "models").glob("storecast-lgbm-*.skops"))
            if not model_files:
                print("predict-test: no lgbm model trained yet, skipped", file=sys.stderr)
                continue
            cmd = [str(BIN / "storecast"), "predict", "--model", str(model_files[-1]),
                   "--data", str(args.data), "--out", str(args.out / "preds.csv")]
        print(f"$ {shlex.join(cmd)}", file=sys.stderr)
        code, wall, rss = _run(cmd)
        rows.append((name, code, wall, rss))
        print(f"  -> exit {code}, {wall:.1f} s, peak {rss:,.0f} MiB", file=sys.stderr)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores; date {stamp}; data {args.data}",
        "",
        "| step | exit | wall (s) | peak RSS (MiB) |",
        "|---|---|---|---|",
        *[f"| {n} | {c} | {w:.1f} | {r:,.0f} |" for n, c, w, r in rows],
    ]
    table = "\n".join(lines)
    (args.out / "bench.md").write_text(table + "\n")
    print(table)
    return 0 if all(c == 0 for _, c, _, _ in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
