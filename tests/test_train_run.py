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


def test_an_until_inside_a_gap_of_the_data_is_trained_with_a_warning_naming_the_gap(tmp_path, caplog):
    """The chain sold nothing from 2015-06-20 to 2015-07-10 (rows closed): a model fit "through" 2015-07-05 saw no
    sale after 2015-06-19, which its card's end date does not tell; the warning names the gap and both ways out."""
    import dataclasses
    import logging

    import pandas as pd

    root = write_chain(tmp_path / "data", n_stores=3, start="2014-06-01", end="2015-07-31", test_days=0)
    dataset = load_dataset(root)
    train = dataset.train.copy()
    gap = (train[s.DATE] >= "2015-06-20") & (train[s.DATE] <= "2015-07-10")
    train.loc[gap, [s.OPEN, s.SALES, s.CUSTOMERS]] = 0
    gapped = dataclasses.replace(dataset, train=train)

    with caplog.at_level(logging.WARNING, logger="storecast.train_run"):
        path = train_bundle(gapped, "lgbm", until=pd.Timestamp("2015-07-05"), models_dir=tmp_path / "m", **TINY)
    said = [r.getMessage() for r in caplog.records if r.name == "storecast.train_run"]
    assert said == ["train.csv has no sales day from 2015-06-20 to --until 2015-07-05 (16 days): the model is fit "
                    "through 2015-07-05 by its card, its newest data are older; choose --until 2015-06-19 or add the "
                    "missing days"]
    assert json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))["training"]["end"] == "2015-07-05"

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="storecast.train_run"):
        train_bundle(dataset, "lgbm", until=pd.Timestamp("2015-07-05"), models_dir=tmp_path / "m", **TINY)
    assert not [r for r in caplog.records if r.name == "storecast.train_run"]  # data up to --until: no word
