"""``train_bundle``'s card: what it records of the data a model was trained on."""

from __future__ import annotations

import json

from storecast import schema as s
from storecast.artifacts import data_fingerprint
from storecast.data.contract import load_dataset
from storecast.data.synth_writer import write_chain
from storecast.train_run import train_bundle

TINY = {"n_estimators": 10, "num_leaves": 7, "seeds": 1, "n_jobs": 1}


def test_a_parquet_data_directory_is_fingerprinted_by_its_own_files(tmp_path):
    """Was the hash of external/store_states.csv alone: no train.csv or store.csv there to find."""
    root = write_chain(tmp_path / "data", n_stores=3, start="2014-06-01", end="2015-07-31", test_days=0,
                       chunk_stores=2, fmt="parquet")
    parts = sorted((root / "train").glob("*.parquet"))
    assert len(parts) == 2 and not (root / s.TRAIN_FILE).exists()

    path = train_bundle(load_dataset(root), "lgbm", models_dir=tmp_path / "models", **TINY)

    card = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    read = [*parts, root / "store.parquet", root / s.STATES_FILE]
    assert card["data_fingerprint"] == data_fingerprint(*read)
    assert card["data_fingerprint"] != data_fingerprint(root / s.STATES_FILE)
