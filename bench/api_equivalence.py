"""Served predictions vs ``storecast predict``: every test.csv row must match exactly.

    .venv/bin/python bench/api_equivalence.py --model MODEL_FILE --data DATA_DIR [--batch 10000]

1. runs ``storecast predict --model M --data D --out <tmp>/cli.csv`` (the offline path);
2. starts ``storecast serve --model M`` on a free loopback port and POSTs every test.csv row to
   /predict in batches of at most ``--batch`` rows (10,000 at most per request), each store's rows in one
   request (a forecast reads its store's schedule in the request);
3. compares Id order and Sales/lower/upper exactly: the CLI writes its CSV with
   ``float_format="%.2f"``, so each served value formatted the same way must equal the CLI's text;
   and the full-precision served doubles must equal an in-process ``predict_frame`` call bit for bit
   (the JSON round trip is exact: Python writes the shortest repr that reads back to the same double).
Prints one summary line per check and exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.cli.server_process import running_server
from storecast.data.contract import load_test


def _rows(test: pd.DataFrame) -> list[dict]:
    return [
        {"id": int(i), "store": int(st), "date": f"{d:%Y-%m-%d}", "open": int(o), "promo": int(p),
         "state_holiday": str(h), "school_holiday": int(sh)}
        for i, st, d, o, p, h, sh in zip(
            test[s.ID], test[s.STORE], test[s.DATE], test[s.OPEN], test[s.PROMO],
            test[s.STATE_HOLIDAY], test[s.SCHOOL_HOLIDAY], strict=True)
    ]


def _store_batches(rows: list[dict], size: int) -> list[list[dict]]:
    """Requests of at most ``size`` rows that never split a store: a forecast reads its own store's schedule
    in the request (its closures), so a store cut in two would be forecast from two half-schedules."""
    stores: dict[int, list[dict]] = {}
    for r in rows:
        stores.setdefault(r["store"], []).append(r)
    batches: list[list[dict]] = [[]]
    for group in stores.values():
        if batches[-1] and len(batches[-1]) + len(group) > size:
            batches.append([])
        batches[-1].extend(group)
    return batches


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--batch", type=int, default=10_000)
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="storecast-equiv-"))
    cli_csv = tmp / "cli.csv"
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from storecast.cli import main; main()", "predict",
                    "--model", str(args.model), "--data", str(args.data), "--out", str(cli_csv)],
                   check=True, timeout=1800)
    offline = pd.read_csv(cli_csv, dtype=str, keep_default_na=False)
    print(f"storecast predict: {len(offline):,} rows in {time.perf_counter() - t0:.1f} s")

    test = load_test(args.data / s.TEST_FILE)
    rows = _rows(test)
    by_id: dict[int, dict] = {}
    batches = _store_batches(rows, args.batch)
    with running_server(args.model, timeout=300) as base, httpx.Client(timeout=300) as http:
        t0 = time.perf_counter()
        for k, batch in enumerate(batches):
            r = http.post(f"{base}/predict", json={"rows": batch})
            if r.status_code != 200:
                print(f"batch {k}: HTTP {r.status_code}: {r.text[:500]}")
                return 1
            by_id.update({p["id"]: p for p in r.json()["predictions"]})
        print(f"served: {len(by_id):,} rows in {time.perf_counter() - t0:.1f} s "
              f"({len(batches)} requests of <= {args.batch:,} rows, each store's rows in one request)")
    served = [by_id[r["id"]] for r in rows if r["id"] in by_id]

    ok = len(served) == len(offline) and [p["id"] for p in served] == offline[s.ID].astype(int).tolist()
    print(f"Id order identical: {ok}")
    from storecast.artifacts import load_bundle
    from storecast.predict import predict_frame

    inproc = predict_frame(load_bundle(args.model), test)
    for col, key in ((s.SALES, "sales"), ("lower", "lower"), ("upper", "upper")):
        text = [f"{p[key]:.2f}" for p in served]
        cli_same = text == offline[col].tolist()
        got = np.array([p[key] for p in served], dtype=float)
        want = inproc[col].to_numpy(dtype=float)
        bits_same = got.shape == want.shape and bool(np.array_equal(got, want))
        print(f"{col}: equal to `storecast predict` CSV (%.2f text): {cli_same} "
              f"({sum(a != b for a, b in zip(text, offline[col], strict=False))} mismatches); "
              f"equal to predict_frame bit for bit: {bits_same}")
        ok = ok and cli_same and bits_same
    print("RESULT", "IDENTICAL" if ok else "DIFFERENT")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
