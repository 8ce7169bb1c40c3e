"""Time ranking every store for 42 days (``POST /plan/rank``), against references measured in the same run.

Usage: ``python bench/plan_rank.py --model PATH --data ../shared/rossmann [--repeats 5] [--days 42]``

The model should be one trained on the real data (``storecast train --data ../shared/rossmann``): 1,115
stores x 42 days = 46,830 usual rows plus 16,725 promo-week rows. Reported, wall time (``perf_counter``):

- ``rank_stores`` in-process (the planner alone: plans, two ``predict_frame`` calls, the table);
- ``POST /plan/rank`` through the in-process app (``TestClient``: routing, thread hop, JSON);
- references: ``GET /health`` on the same app (a bare FastAPI endpoint) and ``storecast validate --data``
  as a subprocess (reading and checking the 970k-row CSVs), so the ratio carries to another machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _times(fn, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def _summary(seconds: list[float]) -> dict[str, float]:
    return {"median_s": round(statistics.median(seconds), 4), "min_s": round(min(seconds), 4),
            "max_s": round(max(seconds), 4), "runs": len(seconds)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, type=Path)
    ap.add_argument("--data", required=True, type=Path)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--days", type=int, default=42)
    args = ap.parse_args()

    from fastapi.testclient import TestClient

    from storecast.api import create_app
    from storecast.api.planner import rank_stores
    from storecast.api.serving import load_served
    from storecast.config import Settings

    load_start = os.getloadavg()[0]
    settings = Settings(model_path=args.model, api_token=None)
    served = load_served(settings)
    end = dt.date.fromisoformat(str(served.bundle.card["training"]["end"])[:10])
    start = end + dt.timedelta(days=1)
    n_stores = len(served.facts.stores)

    weeks = len(rank_stores(served.bundle, served.facts, start, args.days).weeks)  # warm: imports, holiday tables
    planner = _times(lambda: rank_stores(served.bundle, served.facts, start, args.days), args.repeats)
    cpu0 = time.process_time()
    rank_stores(served.bundle, served.facts, start, args.days)
    cpu = time.process_time() - cpu0

    body = {"start": start.isoformat(), "days": args.days, "top": 20}
    with TestClient(create_app(settings, served=served)) as client:
        assert client.post("/plan/rank", json=body).status_code == 200
        route = _times(lambda: client.post("/plan/rank", json=body).raise_for_status(), args.repeats)
        health = _times(lambda: client.get("/health").raise_for_status(), 200)

    cli = [sys.executable, "-c", "from storecast.cli import main; main()", "validate", "--data", str(args.data)]
    validate = _times(lambda: subprocess.run(cli, check=True, capture_output=True), max(2, args.repeats // 2))

    route_s = statistics.median(route)
    report = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} "
                   f"{platform.python_version()}",
        "load_average": {"start": round(load_start, 2), "end": round(os.getloadavg()[0], 2)},
        "model": args.model.name, "stores": n_stores, "days": args.days, "start": start.isoformat(),
        "rows_predicted": n_stores * args.days + n_stores * 5 * weeks,
        "rank_stores": _summary(planner), "rank_stores_cpu_s": round(cpu, 3),
        "post_plan_rank": _summary(route),
        "get_health": {"median_ms": round(1000 * statistics.median(health), 3)},
        "storecast_validate": _summary(validate),
        "ratios": {"post_plan_rank_over_validate": round(route_s / statistics.median(validate), 3),
                   "post_plan_rank_over_get_health": round(route_s / statistics.median(health), 1)},
        "under_3_s": route_s < 3.0,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
