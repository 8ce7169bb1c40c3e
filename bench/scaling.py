"""Scale-up of training: wall time and peak memory, local engine vs Dask, on synthetic chains of N stores.

Usage::

    python bench/scaling.py --stores 280,1115 --trees 100 --out bench/results/scaling.json
    python bench/scaling.py --stores 11150 --engines dask --workers 2 --trees 100 --scheduler tcp://host:8786

Each size is written once with ``storecast synth --format parquet`` (train/part-*.parquet, 1,000 stores a
part), then each engine trains in its own process. A sampler reads the resident memory of that process
and all its children (the Dask workers are children of a LocalCluster) every 0.2 s: "peak total" is the
largest sum, "peak per process" the largest single process (for Dask: the busiest worker, or the client).
``--trees`` caps LightGBM's trees (the default model has 1,200, twice: calibration stage and final fit):
data handling and memory do not depend on it, tree time grows about linearly with it (docs/scaling.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

ROSSMANN_STORES = 1_115


def _sample(pid: int, stop: threading.Event, peaks: dict) -> None:
    """Largest resident memory of the process tree (sum) and of any one process in it, in MiB."""
    root = psutil.Process(pid)
    while not stop.is_set():
        try:
            procs = [root, *root.children(recursive=True)]
            rss = []
            for p in procs:
                try:
                    rss.append(p.memory_info().rss)
                except psutil.Error:
                    pass
            peaks["total"] = max(peaks.get("total", 0), sum(rss) / 2**20)
            peaks["process"] = max(peaks.get("process", 0), max(rss, default=0) / 2**20)
            peaks["processes"] = max(peaks.get("processes", 0), len(rss))
            for p in procs:  # CPU seconds per process, last seen: workers count even when nobody waits for them
                try:
                    cpu = p.cpu_times()
                    peaks.setdefault("cpu", {})[p.pid] = cpu.user + cpu.system
                except psutil.Error:
                    pass
        except psutil.Error:
            pass
        stop.wait(0.2)


def _measure(cmd: list[str]) -> dict:
    """Run ``cmd``; its exit code, wall and CPU seconds (user + system of every process of the tree, sampled)
    and peak memory (MiB). CPU seconds say more than wall time on a machine shared with other jobs."""
    import tempfile

    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, text=True)
        stop, peaks = threading.Event(), {}
        sampler = threading.Thread(target=_sample, args=(proc.pid, stop, peaks), daemon=True)
        sampler.start()
        _, status, _ = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        stop.set()
        sampler.join()
        err.seek(0)
        tail = err.read().strip().splitlines()[-30:]  # a traceback's last frames, not only its last line
    out = {"rc": proc.returncode, "wall_s": round(time.perf_counter() - start, 1),
           "cpu_s": round(sum(peaks.get("cpu", {}).values()), 1),
           "peak_total_mib": round(peaks.get("total", 0)), "peak_process_mib": round(peaks.get("process", 0)),
           "processes": peaks.get("processes", 0)}
    if proc.returncode:
        out["error"] = tail
    return out


def _child(engine: str, data: str, models: str, trees: int, workers: int, scheduler: str | None,
           threads: int) -> None:
    """The measured process: one training run through the library (what `storecast train` calls)."""
    params = {"n_estimators": trees} if trees else {}
    if engine == "local":
        if threads:
            params["n_jobs"] = threads
        from storecast.data.contract import load_dataset
        from storecast.train_run import train_bundle

        train_bundle(load_dataset(data), "lgbm", models_dir=models, **params)
    else:
        from storecast.distributed.training import train_dask

        train_dask(data, models_dir=models, scheduler=scheduler, workers=workers, **params)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stores", default="280,1115", help="Comma-separated chain sizes (Rossmann: 1115).")
    ap.add_argument("--engines", default="local,dask")
    ap.add_argument("--start", default="2013-01-01")
    ap.add_argument("--end", default="2015-07-31", help="With --start: 942 days, Rossmann's span.")
    ap.add_argument("--trees", type=int, default=100, help="LightGBM trees per fit (0: the default 1,200).")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--local-threads", type=int, default=0,
                    help="LightGBM threads of the local engine (0: its default, all cores).")
    ap.add_argument("--scheduler", default=None, help="A running Dask scheduler instead of a LocalCluster.")
    ap.add_argument("--work", type=Path, default=Path("bench/results/scaling-data"))
    ap.add_argument("--out", type=Path, default=Path("bench/results/scaling.json"))
    ap.add_argument("--child", nargs=2, metavar=("ENGINE", "DATA"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args.child[0], args.child[1], str(args.work / "models"), args.trees, args.workers, args.scheduler,
               args.local_threads)
        return
    sc = str(Path(sys.executable).parent / "storecast")
    rows = []
    for n in [int(v) for v in args.stores.split(",")]:
        data = args.work / f"chain-{n}"
        synth = _measure([sc, "synth", "--stores", str(n), "--start", args.start, "--end", args.end,
                          "--format", "parquet", "--out", str(data), "--overwrite"])  # its own work data
        rows.append({"stores": n, "x_rossmann": round(n / ROSSMANN_STORES, 2), "step": "synth", **synth})
        print(json.dumps(rows[-1]), flush=True)  # noqa: T201 - a benchmark reports as it goes
        for engine in args.engines.split(","):
            cmd = [sys.executable, __file__, "--child", engine, str(data), "--trees", str(args.trees),
                   "--workers", str(args.workers), "--work", str(args.work), "--local-threads", str(args.local_threads)]
            if args.scheduler:
                cmd += ["--scheduler", args.scheduler]
            rows.append({"stores": n, "x_rossmann": round(n / ROSSMANN_STORES, 2), "step": f"train-{engine}",
                         "trees": args.trees or 1200, "threads": args.local_threads if engine == "local" else None,
                         "workers": args.workers if engine == "dask" else None, **_measure(cmd)})
            print(json.dumps(rows[-1]), flush=True)  # noqa: T201
    args.out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"machine": f"{platform.machine()}, {os.cpu_count()} CPUs, "
                       f"{psutil.virtual_memory().total / 2**30:.0f} GiB",
            "load_average_at_end": os.getloadavg(), "python": platform.python_version()}
    old = json.loads(args.out.read_text())["rows"] if args.out.is_file() else []  # runs add up
    args.out.write_text(json.dumps({"meta": meta, "rows": old + rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
