"""Dask engine vs local engine on the real data's documented holdout (issue 18, parity).

Why a bench and not a test: on the real data each engine's fit takes minutes. This writes train.csv as a
partitioned parquet dataset (``train/part-*.parquet``, blocks of whole stores, as ``storecast synth
--format parquet`` lays them out), fits ``train_dask`` on a local 2-worker cluster and ``train_bundle``
(one LightGBM booster, as the Dask engine fits, and the three-seed default) on the days up to the
holdout's cut, forecasts the holdout with ``predict_frame`` and prints each RMSPE and wall time.

    python bench/dask_parity.py --data ../shared/rossmann [--parts 4] [--workers 2] [--skip-default]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from storecast import schema as s
from storecast.artifacts import load_bundle
from storecast.clean.rows import sales_days
from storecast.data.contract import load_dataset
from storecast.evaluation.metrics import rmspe, trade_days
from storecast.predict import predict_frame
from storecast.train_run import train_bundle
from storecast.windows import fold_rows, holdout_fold


def _partitioned(ds, out: Path, parts: int) -> Path:
    """``out`` with store.csv, the states file and train/ as ``parts`` parquet files of whole stores."""
    root = Path(ds.root)
    (out / "train").mkdir(parents=True)
    for name in (s.STORE_FILE, s.STATES_FILE):
        if (root / name).is_file():
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(root / name, out / name)
    stores = np.sort(ds.train[s.STORE].unique())
    for k, block in enumerate(np.array_split(stores, parts)):
        rows = ds.train[ds.train[s.STORE].isin(block)].copy()
        rows[s.STATE_HOLIDAY] = rows[s.STATE_HOLIDAY].astype(str)  # the contract reads the Kaggle codes as text
        rows.to_parquet(out / "train" / f"part-{k:05d}.parquet", index=False)
    return out


def _score(path: Path, scored) -> tuple[float, float]:
    bundle = load_bundle(path)
    out = predict_frame(bundle, scored.drop(columns=[s.SALES, s.CUSTOMERS]))
    y, p = scored[s.SALES].to_numpy(float), out[s.SALES].to_numpy(float)
    trade = trade_days(scored[s.CUSTOMERS])
    return rmspe(y, p), rmspe(y[trade], p[trade])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/rossmann")
    parser.add_argument("--parts", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-default", action="store_true", help="do not fit the three-seed local default")
    args = parser.parse_args()

    from storecast.distributed.training import train_dask

    ds = load_dataset(args.data)
    fold = holdout_fold(ds.train[s.DATE].max())
    _, scored = fold_rows(ds.train, fold)
    scored = sales_days(scored)
    print(f"holdout {fold.describe()}, {len(scored):,} scored rows")
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        data = _partitioned(ds, Path(tmp) / "data", args.parts)
        fits = [("dask, 1 booster", lambda m: train_dask(data, fold.cut, m, workers=args.workers)),
                ("local, 1 booster (seeds=1)", lambda m: train_bundle(ds, "lgbm", fold.cut, m, seeds=1))]
        if not args.skip_default:
            fits.append(("local default (3 seeds)", lambda m: train_bundle(ds, "lgbm", fold.cut, m)))
        for name, fit in fits:
            models = Path(tmp) / name.split(",")[0].replace(" ", "-")
            start = time.perf_counter()
            path = fit(models)
            wall = time.perf_counter() - start
            runs.append((name, wall, *_score(path, scored)))
            print(f"{name:28s} fit {wall:7.1f} s  RMSPE {runs[-1][2]:.4f}  trade days {runs[-1][3]:.4f}", flush=True)
    base = runs[0][2]
    for name, _, score, _ in runs[1:]:
        print(f"dask - {name}: {base - score:+.4f} RMSPE (parity: within 0.003)")


if __name__ == "__main__":
    main()
