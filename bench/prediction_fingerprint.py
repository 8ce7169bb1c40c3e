"""Forecasts of fixed inputs saved to one file, to show a refactor changed no prediction (bit for bit).

Why: issue 15 moved code between modules; a refactor is only safe when every forecast stays the same. This
forecasts test.csv of ``--data`` with a saved model (``--model``, e.g. the full-data default), then fits
small lgbm, rf and LSTM models on a fixed synthetic chain and forecasts it, and writes every array to
``--out`` (.npz). Run it before and after a change, then compare:

    python bench/prediction_fingerprint.py --data ../shared/rossmann --model models/M.skops --out before.npz
    ... change the code ...
    python bench/prediction_fingerprint.py --data ../shared/rossmann --model models/M.skops --out after.npz
    python bench/prediction_fingerprint.py --compare before.npz after.npz
"""

from __future__ import annotations

import argparse
import sys
import tempfile

import numpy as np
import pandas as pd


def fingerprint(data: str, model: str) -> dict[str, np.ndarray]:
    import storecast as sc
    from storecast import schema as s
    from storecast.data.contract import load_dataset
    from storecast.data.synthetic import write_synthetic
    from storecast.models.lstm.forecaster import LSTMConfig, LSTMForecaster
    from storecast.predict import predict_frame

    out = {}
    real = sc.load_data(data, require_test=True)
    out["real_test"] = predict_frame(sc.load_model(model), real.test)[[s.SALES, "lower", "upper"]].to_numpy()
    with tempfile.TemporaryDirectory() as tmp:
        ds = load_dataset(write_synthetic(tmp, n_stores=20, seed=3), require_test=True)
        for kind, params in (("lgbm", {"n_estimators": 60}), ("rf", {"n_estimators": 20})):
            path = sc.train(ds, kind, models_dir=f"{tmp}/m", **params)
            out[f"syn_{kind}"] = predict_frame(sc.load_model(path), ds.test)[[s.SALES, "lower", "upper"]].to_numpy()
    cut = pd.Timestamp(ds.train[s.DATE].max()) - pd.Timedelta(days=48)
    lstm = LSTMForecaster(LSTMConfig(lookback=28, hidden=16, emb=4, epochs=2, origins_per_store=4,
                                     batch_size=64, networks=1)).fit(ds.train, cut)
    rows = ds.train[(ds.train[s.DATE] > cut) & (ds.train[s.OPEN] == 1)].drop(columns=[s.SALES, s.CUSTOMERS])
    out["syn_lstm"] = np.stack(lstm.predict_open(rows))
    return out


def compare(before: str, after: str) -> bool:
    a, b = np.load(before), np.load(after)
    same = sorted(a.files) == sorted(b.files)
    for key in a.files:
        equal = key in b.files and np.array_equal(a[key], b[key])
        same &= equal
        print(f"{key:10s} {a[key].shape}  {'IDENTICAL' if equal else 'DIFFERENT'}")
    return same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/rossmann")
    parser.add_argument("--model", help="a saved .skops model to forecast test.csv with")
    parser.add_argument("--out", help="where to write the .npz")
    parser.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args()
    if args.compare:
        sys.exit(0 if compare(*args.compare) else 1)
    if not (args.model and args.out):
        parser.error("--model and --out are needed (or --compare BEFORE AFTER)")
    np.savez(args.out, **fingerprint(args.data, args.model))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
