"""The Dask engine on a 2-worker LocalCluster: the local engine's model file, served by the same code.

One small chain (16 stores in 3 store-block parts, 6 months) and one tiny fit shared by the module:
the tests check the engine and the file, not accuracy, and must stay fast on 2 shared cores.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from storecast import schema as s
from storecast.data.contract import load_dataset
from storecast.data.synth_writer import write_chain
from storecast.errors import DataContractError, MissingDependencyError

TINY = {"n_estimators": 25, "num_leaves": 15}


@pytest.fixture(scope="module")
def chain(tmp_path_factory) -> Path:
    return write_chain(tmp_path_factory.mktemp("chain"), n_stores=16, start="2014-09-01", end="2015-02-28",
                       test_days=14, chunk_stores=6, fmt="parquet")


@pytest.fixture(scope="module")
def scheduler() -> str:
    """One 2-worker LocalCluster for the module, reached as ``--scheduler ADDRESS`` (as a real cluster is).

    Its scheduler's HTTP server on a free port (":0"), as ``dask_client`` starts one: the default 8787 is taken
    when two runs (``pytest -n 2`` workers, another checkout's suite) hold this fixture at once.
    """
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None,
                      scheduler_kwargs={"dashboard_address": ":0"}) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def dask_model(chain, scheduler, tmp_path_factory) -> Path:
    from storecast.distributed.training import train_dask

    return train_dask(chain, models_dir=tmp_path_factory.mktemp("models"), scheduler=scheduler, **TINY)


def test_train_on_dask_prints_only_the_model_path_on_stdout(chain, tmp_path, monkeypatch, capfd):
    """stdout is for scripts (``model=$(storecast train ...)``): it also held lightgbm.dask's "Finding random open
    ports for workers" and a dozen "[LightGBM] [Info] Trying to bind port ..." lines from the local workers."""
    import storecast.distributed.training as training

    monkeypatch.setattr(training, "LGBM_DEFAULTS", {**training.LGBM_DEFAULTS, **TINY})  # a fast fit, same path
    code, said = _main_captured(monkeypatch, capfd, "train", "--engine", "dask", "--workers", "2", "--data", str(chain),
                                "--models-dir", str(tmp_path / "models"))
    assert code in (0, None), said.err
    (path,) = (tmp_path / "models").glob("*.skops")
    assert said.out.splitlines() == [str(path)]


def test_the_shared_preprocessor_equals_the_local_one(chain, scheduler):
    """Per-store statistics fitted per partition and stacked give the local engine's features exactly."""
    from storecast.distributed.cluster import dask_client
    from storecast.distributed.partitions import fit_prep, partition_paths
    from storecast.distributed.training import _load
    from storecast.features.build import make_preprocessor
    from storecast.models.training import training_rows

    ds, last = load_dataset(chain), pd.Timestamp("2015-01-15")
    X, y = training_rows(ds.train, ds.store, last)
    with dask_client(scheduler) as client:
        paths = partition_paths(chain)
        parts = _load(client, paths, ds.store, chain)
        prep, facts = fit_prep(client, parts, client.scatter(ds.store, broadcast=True), ds.store, last)
    assert facts["rows"] == len(X) and facts["stores"] == 16
    local = make_preprocessor().fit(X, y)
    np.testing.assert_array_equal(prep.transform(X), local.transform(X))


def test_a_worker_block_is_its_partitions_local_features_in_one_float32_block(chain):
    """What a worker hands LightGBM: its partitions' features, float32, one column-major block, no copy on the way;
    the features the local engine's fit gives the same rows (the store's seasonal profile cross-fitted)."""
    from lightgbm.dask import _concat

    from storecast.distributed.partitions import MATRIX_DTYPE, load_part, partition_paths, worker_block
    from storecast.features.build import make_preprocessor
    from storecast.models.training import training_rows

    ds, last = load_dataset(chain), pd.Timestamp("2015-01-15")
    chain_rows, chain_sales = training_rows(ds.train, ds.store, last)
    prep = make_preprocessor()
    local = pd.DataFrame(prep.fit_transform(chain_rows, chain_sales),
                         index=pd.MultiIndex.from_frame(chain_rows[[s.STORE, s.DATE]]))
    parts = [load_part(str(p), ds.store[s.STORE].to_numpy()) for p in partition_paths(chain)[:2]]
    X, y = worker_block(ds.store, prep, last, *parts)
    # partition by partition, each in its fit-row order (training_rows orders one frame's rows by Date, Store)
    staged = [training_rows(part, ds.store, last) for part in parts]
    rows, sales = pd.concat([r for r, _ in staged]), np.concatenate([y for _, y in staged])
    assert (X.dtypes == MATRIX_DTYPE).all() and MATRIX_DTYPE == np.float32 and len(X) == len(rows) > 0
    expected = local.loc[pd.MultiIndex.from_frame(rows[[s.STORE, s.DATE]])].to_numpy()
    np.testing.assert_array_equal(X.to_numpy(), expected.astype(np.float32))
    np.testing.assert_array_equal(y.to_numpy(), np.log1p(sales))
    values = X.to_numpy(copy=False)
    assert values.flags["F_CONTIGUOUS"] and np.shares_memory(_concat([X]).to_numpy(copy=False), values)


def test_a_store_table_of_a_large_chain_reaches_every_partition(chain, scheduler):
    """55,750 store ids (a 50x chain) are sent to the workers once; as a task argument Dask failed on them."""
    from storecast.distributed.cluster import dask_client
    from storecast.distributed.partitions import partition_paths
    from storecast.distributed.training import _load

    store = load_dataset(chain).store
    extra = store.iloc[np.zeros(55_750 - len(store), dtype=int)].assign(
        **{s.STORE: np.arange(len(store) + 1, 55_751)})
    large = pd.concat([store, extra], ignore_index=True)
    with dask_client(scheduler) as client:
        parts = client.gather(_load(client, partition_paths(chain), large, chain))
    assert sum(len(p) for p in parts) == len(load_dataset(chain).train)


def test_the_dask_file_loads_predicts_and_is_served_by_the_api(dask_model, chain):
    from fastapi.testclient import TestClient

    from storecast.api import create_app
    from storecast.artifacts import load_bundle
    from storecast.card import read_card
    from storecast.config import Settings
    from storecast.predict import predict_frame

    card = read_card(dask_model)
    assert card["kind"] == "lgbm" and card["engine"]["name"] == "dask" and card["engine"]["partitions"] == 3
    assert card["engine"]["scheduler"].startswith("tcp://")
    assert card["training"]["end"] == "2015-02-28" and card["training"]["stores"] == 16
    bundle = load_bundle(dask_model)
    test = load_dataset(chain, require_test=True).test
    out = predict_frame(bundle, test)
    opened = out[test[s.OPEN].to_numpy() == 1]
    assert len(out) == len(test) and (opened["Sales"] > 0).all()
    assert (opened["lower"] <= opened["Sales"]).all() and (opened["Sales"] <= opened["upper"]).all()
    with TestClient(create_app(Settings(models_dir=dask_model.parent, model_path=dask_model, api_token=None))) as c:
        answer = c.post("/predict", json={"rows": [{"store": 3, "date": "2015-03-02", "open": 1, "promo": 1,
                                                    "state_holiday": "0", "school_holiday": 0}]})
    assert answer.status_code == 200, answer.text
    row = test[(test[s.STORE] == 3) & (test[s.DATE] == pd.Timestamp("2015-03-02"))]
    assert answer.json()["predictions"][0]["sales"] == pytest.approx(
        float(predict_frame(bundle, row.assign(**{s.PROMO: 1}))["Sales"].iloc[0]), rel=1e-6)


def _trees(path: Path) -> str:
    """A saved model's LightGBM trees, as text: all of the booster but its parameters, which name the run's ports."""
    from storecast.artifacts import load_bundle

    booster = load_bundle(path).model.estimator_.named_steps["model"].estimator_.booster_
    return booster.model_to_string().split("\nparameters:")[0]


def test_two_runs_that_list_the_workers_in_other_orders_fit_the_same_model(dask_model, chain, scheduler, tmp_path,
                                                                           monkeypatch):
    """lightgbm.dask ranks its workers in the order ``Client.who_has`` lists the data, which Dask takes from a set
    of strings: it followed PYTHONHASHSEED, and the rank decides which worker's rows set each feature's bins, so
    runs on the same data gave other trees and intervals. Here the second run gets that list reversed."""
    from distributed import Client

    from storecast.artifacts import load_bundle
    from storecast.distributed.training import train_dask
    from storecast.predict import predict_frame

    listed = Client.who_has
    monkeypatch.setattr(Client, "who_has", lambda self, *a, **k: dict(reversed(listed(self, *a, **k).items())))
    again = train_dask(chain, models_dir=tmp_path / "models", scheduler=scheduler, **TINY)
    assert _trees(again) == _trees(dask_model)
    test = load_dataset(chain, require_test=True).test
    first, second = (predict_frame(load_bundle(path), test) for path in (dask_model, again))
    pd.testing.assert_frame_equal(first, second, check_exact=True)


def test_a_malformed_partition_stops_the_fit_with_the_usual_error(chain, scheduler, tmp_path):
    from storecast.distributed.training import train_dask

    data = Path(shutil.copytree(chain, tmp_path / "data"))
    part = data / "train" / "part-00002.parquet"
    df = pd.read_parquet(part)
    df.loc[9, s.DAY_OF_WEEK] = 9
    df.to_parquet(part, index=False)
    failed_before = _failed_tasks_logged(scheduler)
    with pytest.raises(DataContractError) as err:
        train_dask(data, models_dir=tmp_path / "models", scheduler=scheduler, **TINY)
    assert str(err.value).startswith(f"{part}, row 10, column `DayOfWeek`: expected")
    # a malformed part is the user's to fix, not a crash: no worker logs "Compute Failed" and a traceback
    # (a LocalCluster's workers print it on the terminal, above the one-line error)
    assert _failed_tasks_logged(scheduler) == failed_before



@pytest.mark.parametrize(("sales_from", "until"), [
    (None, None),  # no open day with Sales > 0 anywhere: the data contract's problem
    ("2015-02-01", None),  # sales days, but all inside the calibration window
    ("2015-02-01", "2015-01-20"),  # sales days after --until only
], ids=["no-sales-day", "none-before-calibration", "none-up-to-until"])
def test_too_few_sales_days_stop_the_fit_in_the_local_engines_words(chain, scheduler, tmp_path, sales_from, until):
    """Was: numpy's "max() arg is an empty sequence" (no sales day up to --until), or "no open days with sales
    up to ... in any partition: nothing to fit on", where the local engine names the data's sales days."""
    from storecast.distributed.training import train_dask
    from storecast.errors import StorecastError
    from storecast.train_run import train_bundle

    data = Path(shutil.copytree(chain, tmp_path / "data"))
    for part in sorted((data / "train").glob("part-*.parquet")):
        df = pd.read_parquet(part)
        df.loc[pd.to_datetime(df[s.DATE]) < pd.Timestamp(sales_from or "2099-01-01"), s.SALES] = 0
        df.to_parquet(part, index=False)
    with pytest.raises(StorecastError) as local:
        train_bundle(load_dataset(data), "lgbm", until=until, models_dir=tmp_path / "local", **TINY)
    with pytest.raises(StorecastError) as dask:
        train_dask(data, until=until, models_dir=tmp_path / "dask", scheduler=scheduler, **TINY)
    assert type(dask.value) is type(local.value)
    assert str(dask.value) == str(local.value)
    assert not (tmp_path / "dask").exists() or not list((tmp_path / "dask").iterdir())

def test_a_store_split_over_parts_stops_the_fit_as_it_stops_a_forecast(chain, scheduler, tmp_path):
    """Training said "store(s) [1] appear in more than one partition", without naming the parts, in other
    words than ``predict --engine dask`` (and as a StorecastError, not the contract error it is)."""
    from storecast.distributed.training import train_dask

    data = Path(shutil.copytree(chain, tmp_path / "data"))
    a, b = data / "train" / "part-00000.parquet", data / "train" / "part-00001.parquet"
    first, second = pd.read_parquet(a), pd.read_parquet(b)
    moved = (first[s.STORE].astype(int) == 1) & (pd.to_datetime(first[s.DATE]) >= "2015-01-01")
    first[~moved].to_parquet(a, index=False)
    pd.concat([second, first[moved]], ignore_index=True).to_parquet(b, index=False)
    with pytest.raises(DataContractError) as err:
        train_dask(data, models_dir=tmp_path / "models", scheduler=scheduler, **TINY)
    assert str(err.value) == (
        f"{data / 'train'}, column `Store`: expected each store's rows in one part, got 1 store(s) in more than one "
        "(store 1 in part-00000.parquet and part-00001.parquet): --engine dask fits and forecasts each part "
        "alone; write each store's rows to one part, as `storecast synth --format parquet` does")



@pytest.mark.parametrize("moved", ["after-the-calibration-cut", "closed-days"])
def test_a_split_store_is_refused_once_before_any_fit(chain, scheduler, tmp_path, monkeypatch, moved):
    """Was checked in each fit stage on that stage's sales days: a store whose rows in a second part all lay
    after the calibration cut (2015-01-17) was refused only after the calibration-stage fit, and one whose
    second part held only closed days was never refused (each part computes its own closure features)."""
    import storecast.distributed.training as training

    data = Path(shutil.copytree(chain, tmp_path / "data"))
    a, b = data / "train" / "part-00000.parquet", data / "train" / "part-00001.parquet"
    first, second = pd.read_parquet(a), pd.read_parquet(b)
    store_1 = first[s.STORE].astype(int) == 1
    if moved == "closed-days":
        rows = store_1 & (first[s.OPEN] == 0)
        assert rows.any()
    else:
        rows = store_1 & (pd.to_datetime(first[s.DATE]) >= "2015-02-01")
    first[~rows].to_parquet(a, index=False)
    pd.concat([second, first[rows]], ignore_index=True).to_parquet(b, index=False)
    fits: list[pd.Timestamp] = []
    real = training._fit_stage
    monkeypatch.setattr(training, "_fit_stage", lambda *args: (fits.append(args[4]), real(*args))[1])
    with pytest.raises(DataContractError, match=r"got 1 store\(s\) in more than one \(store 1 in part-00000.parquet "
                                                r"and part-00001.parquet\)"):
        training.train_dask(data, models_dir=tmp_path / "models", scheduler=scheduler, **TINY)
    assert fits == []

def test_the_split_store_check_names_the_first_stores_and_counts_the_rest(tmp_path):
    from storecast.distributed import check_whole_stores

    parts = [tmp_path / f"part-0000{i}.parquet" for i in range(3)]
    check_whole_stores(parts, [[1, 2], [3], [4, 4]])  # whole stores: nothing to say
    with pytest.raises(DataContractError) as err:
        check_whole_stores(parts, [[5, 1, 2, 9], [9, 3, 2], [2, 5, 1, 7]])
    assert ("got 4 store(s) in more than one (store 1 in part-00000.parquet and part-00002.parquet, store 2 in "
            "part-00000.parquet and part-00001.parquet, store 5 in part-00000.parquet and part-00002.parquet and 1 "
            "more)") in str(err.value)
    assert err.value.problems[0].file == str(tmp_path)


def test_a_part_with_a_store_missing_from_store_file_names_its_row_as_the_local_engine(chain, tmp_path):
    """A worker's check said the part and no row; the local engine's said another place for the same store."""
    from storecast.distributed.partitions import load_part

    data = Path(shutil.copytree(chain, tmp_path / "data"))
    part = data / "train" / "part-00001.parquet"
    df = pd.read_parquet(part)
    df.loc[6, s.STORE] = 99
    df.to_parquet(part, index=False)
    with pytest.raises(DataContractError) as local:
        load_dataset(data)
    found = load_part(str(part), load_dataset(chain).store[s.STORE].to_numpy())
    assert found.problems == local.value.problems
    assert str(found.problems[0]).startswith(f"{part}, row 7, column `Store`: expected a Store listed in store.csv")


def _failed_tasks_logged(scheduler: str) -> int:
    """How many "Compute Failed" lines (a task that raised, with its traceback) the cluster's workers logged."""
    from distributed import Client

    with Client(scheduler) as client:
        return sum("Compute Failed" in line for logs in client.get_worker_logs().values() for _, line in logs)


def test_a_parts_warnings_are_said_on_the_client_as_the_local_engine_says_them(chain, scheduler, tmp_path, caplog):
    """A StateHoliday written "A" is read as "a" with a warning: on a worker too, where nobody saw it."""
    from storecast.data.contract import load_train
    from storecast.distributed.cluster import dask_client
    from storecast.distributed.partitions import partition_paths
    from storecast.distributed.training import _load

    data = Path(shutil.copytree(chain, tmp_path / "data"))
    part = data / "train" / "part-00001.parquet"
    df = pd.read_parquet(part)
    df[s.STATE_HOLIDAY] = df[s.STATE_HOLIDAY].astype(str)
    df.loc[3, s.STATE_HOLIDAY] = "A"
    df.to_parquet(part, index=False)
    with caplog.at_level("WARNING", logger="storecast"):
        load_train(part)
    local = [r.getMessage() for r in caplog.records]
    assert f"{part}, row 4, column `StateHoliday`: 'A' is read as \"a\"" in local[0]
    caplog.clear()
    with dask_client(scheduler) as client, caplog.at_level("WARNING", logger="storecast"):
        parts = _load(client, partition_paths(data), load_dataset(chain).store, data)
        assert "storecast_warnings" not in client.submit(lambda p: p.attrs, parts[1]).result()
    assert [r.getMessage() for r in caplog.records if r.name.startswith("storecast.data")] == local


def test_stores_without_history_are_named_on_dask_as_the_local_engine_names_them(chain, scheduler, tmp_path,
                                                                                   caplog):
    """A store of store.csv without train rows got the local engine's warning; on dask it passed in silence."""
    from storecast.data.contract import load_store
    from storecast.distributed.cluster import dask_client
    from storecast.distributed.partitions import partition_paths
    from storecast.distributed.training import _load

    data = Path(shutil.copytree(chain, tmp_path / "data"))
    store = pd.read_parquet(data / "store.parquet")
    pd.concat([store, store.tail(1).assign(Store=17)], ignore_index=True).to_parquet(data / "store.parquet")
    with open(data / s.STATES_FILE, "a", encoding="utf-8") as fh:
        fh.write("17,NW\n")
    with caplog.at_level("WARNING", logger="storecast"):
        load_dataset(data)
    (local,) = [r.getMessage() for r in caplog.records if "no rows in train.csv" in r.getMessage()]
    assert "1 store(s) listed in store.csv have no rows in train.csv (17)" in local
    caplog.clear()
    with dask_client(scheduler) as client, caplog.at_level("WARNING", logger="storecast"):
        _load(client, partition_paths(data), load_store(data / "store.parquet", data / s.STATES_FILE), data)
    assert [r.getMessage() for r in caplog.records if "no rows in train.csv" in r.getMessage()] == [local]


def _test_parts(chain: Path, out: Path) -> tuple[Path, pd.DataFrame]:
    """test rows of the chain as two parquet parts of whole stores (1..8, 9..16), as a store export lays them out."""
    test = load_dataset(chain, require_test=True).test
    out.mkdir()
    for k, stores in enumerate((range(1, 9), range(9, 17))):
        part = test[test[s.STORE].isin(stores)].copy()
        part[s.STATE_HOLIDAY] = part[s.STATE_HOLIDAY].astype(str)
        part.to_parquet(out / f"part-{k:05d}.parquet", index=False)
    return out, test


def test_predict_on_dask_writes_the_local_forecasts_part_by_part(run_main, dask_model, chain, scheduler, tmp_path):
    from storecast.artifacts import load_bundle
    from storecast.predict import predict_frame

    parts, test = _test_parts(chain, tmp_path / "rows")
    out = tmp_path / "forecasts"
    code, said, err = run_main("predict", "--engine", "dask", "--scheduler", scheduler, "--model", str(dask_model),
                               "--data", str(chain), "--input", str(parts), "--out", str(out))
    assert code == 0, err
    assert f"wrote {len(test):,} forecasts in 2 part(s)" in said + err
    assert sorted(p.name for p in out.iterdir()) == ["part-00000.parquet", "part-00001.parquet"]
    served = pd.concat([pd.read_parquet(p) for p in sorted(out.glob("*.parquet"))]).sort_values(s.ID)
    local = predict_frame(load_bundle(dask_model), test).sort_values(s.ID)
    assert served[s.ID].tolist() == local[s.ID].tolist()
    for col in (s.SALES, "lower", "upper"):
        np.testing.assert_array_equal(served[col].to_numpy(), local[col].to_numpy())


def test_predict_on_dask_counts_the_parts_as_they_are_written(run_main, dask_model, chain, scheduler, tmp_path):
    """A batch of many parts said "forecast N part(s)" and then nothing until it ended; piped (as captured here),
    each part written is a plain line with its time, between that step and the last line."""
    import re

    parts, _ = _test_parts(chain, tmp_path / "rows")
    code, _, err = run_main("predict", "--engine", "dask", "--scheduler", scheduler, "--model", str(dask_model),
                            "--data", str(chain), "--input", str(parts), "--out", str(tmp_path / "forecasts"))
    assert code == 0, err
    steps = [re.sub(r"^\d\d:\d\d:\d\d +\d+\.\ds ", "", line, count=1) for line in err.split("\nwrote ")[0].splitlines()]
    assert steps[0] == "forecast 2 part(s) on 2 worker(s)" and steps[-1] == "predict on dask: done", steps
    counted = steps[1:-1]
    assert [line.split(": ")[0] for line in counted] == ["part 1/2 done", "part 2/2 done"], steps
    assert sorted(line.split(": ")[1] for line in counted) == ["part-00000.parquet", "part-00001.parquet"]


def test_predict_on_dask_says_a_parts_warnings(run_main, dask_model, chain, scheduler, tmp_path):
    parts, test = _test_parts(chain, tmp_path / "rows")
    part = parts / "part-00000.parquet"
    df = pd.read_parquet(part)
    df[s.OPEN] = df[s.OPEN].astype("float64")
    df.loc[2, s.OPEN] = np.nan
    df.to_parquet(part, index=False)
    code, said, err = run_main("predict", "--engine", "dask", "--scheduler", scheduler, "--model", str(dask_model),
                               "--data", str(chain), "--input", str(parts), "--out", str(tmp_path / "forecasts"))
    assert code == 0, err
    assert "1 rows have no Open value (first on row 3); they are taken as open (1)" in " ".join((said + err).split())


def test_predict_on_dask_warns_of_days_the_model_was_trained_on_as_the_local_engine(run_main, dask_model, chain,
                                                                                      scheduler, tmp_path):
    """The local engine names rows inside the training data (in-sample fits); on dask the same rows passed silently."""
    train = load_dataset(chain).train
    rows = train[train[s.DATE] > train[s.DATE].max() - pd.Timedelta(days=7)].drop(columns=[s.SALES, s.CUSTOMERS])
    rows.insert(0, s.ID, np.arange(1, len(rows) + 1))
    rows[s.STATE_HOLIDAY] = rows[s.STATE_HOLIDAY].astype(str)
    parts = tmp_path / "rows"
    parts.mkdir()
    for k, stores in enumerate((range(1, 9), range(9, 17))):
        rows[rows[s.STORE].isin(stores)].to_parquet(parts / f"part-{k:05d}.parquet", index=False)
    rows.to_parquet(tmp_path / "rows.parquet", index=False)

    def warning(*engine: str, rows: Path, out: Path) -> str:
        code, said, err = run_main("predict", *engine, "--model", str(dask_model), "--data", str(chain),
                                   "--input", str(rows), "--out", str(out))
        assert code == 0, err
        text = " ".join((said + err).split())
        return text[text.index("warning:"):].split(" wrote ")[0]

    local = warning(rows=tmp_path / "rows.parquet", out=tmp_path / "local.csv")
    assert f"{len(rows):,} row(s) lie inside the model's training data" in local
    assert warning("--engine", "dask", "--scheduler", scheduler, rows=parts, out=tmp_path / "forecasts") == local


def test_predict_on_dask_stops_at_a_malformed_part_and_writes_nothing(run_main, dask_model, chain, scheduler,
                                                                      tmp_path):
    parts, _ = _test_parts(chain, tmp_path / "rows")
    bad = parts / "part-00001.parquet"
    df = pd.read_parquet(bad)
    df[s.PROMO] = df[s.PROMO].astype("int64")
    df.loc[4, s.PROMO] = 7
    df.to_parquet(bad, index=False)
    out = tmp_path / "forecasts"
    failed_before = _failed_tasks_logged(scheduler)
    code, _, err = run_main("predict", "--engine", "dask", "--scheduler", scheduler, "--model", str(dask_model),
                            "--data", str(chain), "--input", str(parts), "--out", str(out))
    assert code == 2
    assert f"{bad}, row 5, column `Promo`" in err and "Traceback" not in err
    assert _failed_tasks_logged(scheduler) == failed_before  # nor on a worker's terminal
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".forecasts")]


def test_predict_on_dask_refuses_a_store_split_over_parts_and_writes_nothing(run_main, dask_model, chain,
                                                                              scheduler, tmp_path):
    """Each part is forecast alone, and a store's forecast reads its own closures: split, it would differ."""
    test = load_dataset(chain, require_test=True).test
    test[s.STATE_HOLIDAY] = test[s.STATE_HOLIDAY].astype(str)
    parts = tmp_path / "rows"
    parts.mkdir()
    early = test[s.DATE] < test[s.DATE].min() + pd.Timedelta(days=7)  # every store's first week, then the rest
    test[early].to_parquet(parts / "part-00000.parquet", index=False)
    test[~early].to_parquet(parts / "part-00001.parquet", index=False)
    out = tmp_path / "forecasts"
    code, _, err = run_main("predict", "--engine", "dask", "--scheduler", scheduler, "--model", str(dask_model),
                            "--data", str(chain), "--input", str(parts), "--out", str(out))
    assert code == 2, err
    assert ("got 16 store(s) in more than one (store 1 in part-00000.parquet and part-00001.parquet, store 2 in "
            "part-00000.parquet and part-00001.parquet, store 3 in part-00000.parquet and part-00001.parquet and 13 "
            "more): --engine dask fits and forecasts each part alone") in err
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".forecasts")]


def test_predict_on_dask_refuses_two_parts_that_would_write_one_file(run_main, dask_model, chain, scheduler,
                                                                     tmp_path):
    """part-00001.parquet and part-00001.pq are both parquet parts, and each part's forecasts are written as
    <stem>.parquet: one file overwrote the other, so half the forecasts were lost while the row count said all."""
    parts, _ = _test_parts(chain, tmp_path / "rows")
    (parts / "part-00001.parquet").rename(parts / "part-00000.pq")
    out = tmp_path / "forecasts"
    code, _, err = run_main("predict", "--engine", "dask", "--scheduler", scheduler, "--model", str(dask_model),
                            "--data", str(chain), "--input", str(parts), "--out", str(out))
    assert code == 2, err
    assert (f"{parts}: expected one part per output name, got part-00000.parquet and part-00000.pq, both "
            "forecast into part-00000.parquet: rename one") in err and "Traceback" not in err
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".forecasts")]


@pytest.mark.parametrize(("out", "said"), [
    ("afile/forecasts", "--out: {tmp}/afile is a file, not a directory"),  # was mkdir's FileExistsError traceback
    ("forecasts.csv", "--out {tmp}/forecasts.csv: --engine dask writes a directory of parquet parts, not a CSV "
                      "file: name a directory (such as {tmp}/forecasts), or use --engine local for one CSV."),
    ("rows/forecasts", "--out {tmp}/rows/forecasts is inside --input {tmp}/rows: its parts would lie among the "
                       "input's and be read with them next time; name a directory outside the input."),
], ids=["under-a-file", "a-csv-name", "inside-the-input"])
def test_predict_on_dask_refuses_an_out_it_cannot_or_should_not_make(run_main, dask_model, chain, scheduler,
                                                                      tmp_path, out, said):
    """Each was found after the model loaded (a traceback) or not at all (a directory named forecasts.csv; a
    folder among the input's parts, which the next run on that input refused)."""
    parts, _ = _test_parts(chain, tmp_path / "rows")
    (tmp_path / "afile").write_text("not a directory", encoding="utf-8")
    code, _, err = run_main("predict", "--engine", "dask", "--scheduler", scheduler, "--model", str(dask_model),
                            "--data", str(chain), "--input", str(parts), "--out", str(tmp_path / out))
    assert code == 2 and "Traceback" not in err, err
    assert said.format(tmp=tmp_path) in " ".join(err.split())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "rows"]
    assert sorted(p.name for p in parts.iterdir()) == ["part-00000.parquet", "part-00001.parquet"]


@pytest.mark.parametrize("command", ["train", "predict"])
def test_a_scheduler_that_does_not_answer_is_named_without_a_traceback(run_main, chain, tmp_path, command, request):
    """A mistyped --scheduler address: one message that names it, not Dask's chained CommClosedError traceback."""
    import dask
    import distributed  # noqa: F401  (its config defaults first: config.set would drop them again on exit)

    address = "tcp://127.0.0.1:1"  # nothing listens on port 1
    if command == "train":
        args = ["--models-dir", str(tmp_path / "m")]
    else:
        args = ["--model", str(request.getfixturevalue("dask_model")), "--input", str(chain / "test.parquet"),
                "--out", str(tmp_path / "o")]
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        code, _, err = run_main(command, "--engine", "dask", "--scheduler", address, "--data", str(chain), *args)
    assert code == 2 and "Traceback" not in err, err
    assert f"--scheduler {address}: no Dask scheduler answered" in " ".join(err.split())
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("command", ["train", "predict"])
def test_a_scheduler_without_workers_is_named_instead_of_waiting_forever(run_main, chain, tmp_path, monkeypatch,
                                                                        command, request):
    """Its workers not started (or all gone), the scheduler took the tasks and nothing ran: the run hung."""
    from distributed import LocalCluster

    import storecast.distributed.cluster as cluster

    monkeypatch.setattr(cluster, "WORKERS_WAIT_S", 0.5)
    if command == "train":
        args = ["--models-dir", str(tmp_path / "m")]
    else:
        args = ["--model", str(request.getfixturevalue("dask_model")), "--input", str(chain / "test.parquet"),
                "--out", str(tmp_path / "o")]
    with LocalCluster(n_workers=0, dashboard_address=None, scheduler_kwargs={"dashboard_address": ":0"}) as empty:
        address = empty.scheduler_address
        code, _, err = run_main(command, "--engine", "dask", "--scheduler", address, "--data", str(chain), *args)
    assert code == 2 and "Traceback" not in err, err
    assert (f"--scheduler {address}: the scheduler answered, but no worker joined it within 0.5 s: start workers "
            f"(`dask worker {address}`)") in " ".join(err.split())
    assert not (tmp_path / "o").exists() and not (tmp_path / "m").exists()


@pytest.mark.parametrize("command", ["train", "predict"])
def test_a_worker_that_dies_is_one_line_that_says_what_to_change(run_main, chain, tmp_path, monkeypatch, command,
                                                                 request):
    """A worker killed on every try (out of memory, most often) ended in Dask's KilledWorker traceback, naming a
    task key ("_predict_part-1f0c...-1"), not the part or what to change."""
    import dask
    import distributed  # noqa: F401  (its config defaults first: config.set would drop them again on exit)

    import storecast.distributed.prediction as prediction
    import storecast.distributed.training as training

    # train's parts reach the scheduler one by one (see _when_this_worker_holds); predict's together (client.map)
    tasks = len(list((chain / "train").glob("*.parquet"))) if command == "train" else 1

    def dies(*_args, **_kwargs):  # as the kernel's out-of-memory killer ends a process, with every part's task on it
        import os
        import signal

        _when_this_worker_holds(tasks)
        os.kill(os.getpid(), signal.SIGKILL)

    if command == "train":
        monkeypatch.setattr(training, "load_part", dies)
        args, named = ["--models-dir", str(tmp_path / "m")], "a task of this run (dies)"
    else:
        monkeypatch.setattr(prediction, "_predict_part", dies)
        parts, _ = _test_parts(chain, tmp_path / "rows")
        args = ["--model", str(request.getfixturevalue("dask_model")), "--input", str(parts),
                "--out", str(tmp_path / "o")]
        named = "forecasting part-0000"
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):  # one death, not four: a fast test
        code, _, err = run_main(command, "--engine", "dask", "--workers", "1", "--data", str(chain), *args)
    text = " ".join(err.split())
    assert code == 2 and "Traceback" not in err, err
    assert f"{named}" in text and "the Dask worker running it died, 1 time(s) on 1 worker(s)" in text, text
    assert "was killed (SIGKILL), most often by the kernel's out-of-memory killer" in text, text
    assert "most often a worker runs out of memory" in text
    assert not (tmp_path / "o").exists() and not list(tmp_path.glob(".o.*")) and not list(tmp_path.glob("m/*"))


ENDINGS = {  # how a worker's process ends: what the line says of it, and what it says to do
    "SIGKILL": ("was killed (SIGKILL), most often by the kernel's out-of-memory killer",
                "most often a worker runs out of memory; give each worker more"),
    "SIGTERM": ("was stopped (SIGTERM) from outside the run, not for Dask's memory budget",  # the Nanny says so
                "not a lack of memory: find what stops processes on this machine"),
    "SIGSEGV": ("crashed in compiled code (SIGSEGV, a segmentation fault: LightGBM's or another library's, not "
                "Python's)", "not a lack of memory: run it again, and if it crashes again, run with --verbose"),
    "SIGABRT": ("aborted (SIGABRT): compiled code (LightGBM's or another library's) gave up on an error",
                "not a lack of memory: run it again, and if it crashes again, run with --verbose"),
    "exit": ("exited with status 3 (code it ran ended the process: no signal, no memory limit)",
             "not a lack of memory: code the task ran ended its process"),
}


def _when_this_worker_holds(tasks: int, wait: float = 60.0) -> None:
    """On a worker, in a task: return once the worker holds ``tasks`` tasks of the calling task's name (one per part).

    Why: ``train`` submits one task per part (each to its home worker); one that reached the scheduler after the
    worker had died was cancelled ("already forgotten": the store ids scattered to that worker went with it), and
    Dask's gather raises whichever failure it sees first, that cancellation or the KilledWorker the test is about
    (1 run in 4 of a 3-task script). A worker that dies with every part's task on it gives the KilledWorker alone.
    """
    import time

    from dask.utils import key_split
    from distributed import get_worker

    worker = get_worker()
    name = key_split(worker.get_current_task())
    deadline = time.monotonic() + wait
    while sum(key_split(key) == name for key in list(worker.state.tasks)) < tasks and time.monotonic() < deadline:
        time.sleep(0.05)


def _end_this_process(ending: str) -> None:
    """End the worker process running the calling task: ``ending`` a signal's name, sent to the task's own thread
    (as a fault in compiled code comes), or "exit" (status 3)."""
    import os
    import signal
    import threading

    if ending == "exit":
        os._exit(3)
    signal.pthread_kill(threading.get_ident(), signal.Signals[ending])


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_a_worker_that_dies_is_said_as_what_ended_it(chain, tmp_path, monkeypatch, capfd, ending):
    """Every lost worker read as one that died "most often" of memory: a crash in compiled code (SIGSEGV) too, where
    more memory changes nothing. Its local cluster's Nanny says how the process ended; the line now names the worker,
    says what ended it and what to do, with the worker's last lines (its last record, or where it crashed)."""
    import dask
    import distributed  # noqa: F401  (its config defaults first: config.set would drop them again on exit)

    import storecast.distributed.training as training

    parts = len(list((chain / "train").glob("*.parquet")))

    def dies(*_args, **_kwargs):  # on the worker, as it reads its part
        import logging

        _when_this_worker_holds(parts)  # as in test_a_worker_that_dies_is_one_line_that_says_what_to_change
        logging.getLogger("storecast.data").warning("reading part-00000")
        _end_this_process(ending)

    monkeypatch.setattr(training, "load_part", dies)
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):  # one death, not four: a fast test
        code, err = _main_fd(monkeypatch, capfd, "train", "--engine", "dask", "--workers", "1", "--data", str(chain),
                             "--models-dir", str(tmp_path / "m"))
    text = " ".join(err.split())
    said, advice = ENDINGS[ending]
    assert code == 2 and "Traceback" not in err, err
    assert re.search(r"error: a task of this run \(dies\): the Dask worker running it died, 1 time\(s\) on 1 "
                     r"worker\(s\); the last, worker tcp://[\d.]+:\d+ \(process \d+\) " + re.escape(said), text), text
    if ending in ("SIGSEGV", "SIGABRT"):  # faulthandler's report: the crash, then the task's innermost frame
        fatal = "Segmentation fault" if ending == "SIGSEGV" else "Aborted"
        assert re.search(rf'its last lines: "Fatal Python error: {fatal}" \| "\S+:\d+ in _end_this_process"', text)
    else:
        assert 'its last lines: "storecast.data WARNING: reading part-00000"' in text, text
    assert f"so Dask gave up and nothing was saved: {advice}" in text, text
    assert ("out of memory" in text) == (ending == "SIGKILL")
    assert _said_by_dask(err) == [], err  # nor the crash report on the terminal
    assert not list(tmp_path.glob("m/*"))


def _main_captured(monkeypatch, capfd, *args: str) -> tuple[int, Any]:
    """``storecast *args`` in-process, as ``run_main``, but with the workers' output too (their processes write to
    the file descriptors, which ``capsys`` does not see); (exit code, what ``capfd`` captured)."""
    import logging

    from storecast.cli import main

    monkeypatch.setattr(sys, "argv", ["storecast", *args])
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        with pytest.raises(SystemExit) as done:
            main()
    finally:
        root.handlers[:], root.level = saved  # the CLI's callback reconfigures logging for the process
    return done.value.code, capfd.readouterr()


def _main_fd(monkeypatch, capfd, *args: str) -> tuple[int, str]:
    """``_main_captured``'s exit code and stderr."""
    code, said = _main_captured(monkeypatch, capfd, *args)
    return code, said.err


def _said_by_dask(err: str) -> list[str]:
    """stderr's lines but the command's step lines ("17:07:21   18.8s fit ...") and the error line, and LightGBM's own
    "[LightGBM] [Fatal] ..." line, which its compiled code prints on the worker's stderr (nothing in Python sees it)."""
    import re

    return [line for line in err.splitlines() if line.strip() and not re.match(r"\d\d:\d\d:\d\d +[\d.]+s ", line)
            and not line.startswith(("error: ", "[LightGBM] [Fatal] "))]


@pytest.mark.parametrize("ending", ["SIGKILL", "SIGSEGV"])
def test_a_worker_that_dies_inside_lightgbms_fit_is_one_line_too(chain, tmp_path, monkeypatch, capfd, ending):
    """A rank's task is pinned to its worker, so Dask neither retries it nor raises KilledWorker: the run ended in
    a traceback of "FutureCancelledError: ... cancelled for reason: already forgotten" (or of the surviving rank's
    "LightGBMError: Socket recv error"), after a model-less fit. Then, above the one line: the surviving rank's
    worker logged Dask's "Compute Failed" block with the LightGBMError's traceback, and the local cluster's
    scheduler and Nanny the lost worker ("Removing worker ... caused the cluster to lose ...", "Restarting worker").
    A rank's worker that crashed (SIGSEGV: LightGBM's rank does once its connect retries to a rank that never joined
    run out) read as one lost for memory; it is said as a crash, with where it crashed."""
    import lightgbm.dask as lgb_dask

    def one_rank_dies(*args, **kwargs):  # on the workers: the rank that returns no model dies at its 3rd tree
        import lightgbm.dask

        if not kwargs["return_model"]:
            def die(env):
                if env.iteration == 3:
                    _end_this_process(ending)

            kwargs["callbacks"] = [die]
        return lightgbm.dask._train_part(*args, **kwargs)  # the workers' own module: not patched there

    monkeypatch.setattr(lgb_dask, "_train_part", one_rank_dies)
    code, err = _main_fd(monkeypatch, capfd, "train", "--engine", "dask", "--workers", "2", "--data", str(chain),
                         "--models-dir", str(tmp_path / "m"))
    text = " ".join(err.split())
    assert code == 2 and "Traceback (most recent call last)" not in err, err
    ranks = (r"error: LightGBM's distributed fit \(lightgbm.dask\): the Dask worker tcp://[\d.]+:\d+ \(process \d+\) "
             r"running one of its ranks ")
    if ending == "SIGKILL":
        assert re.search(ranks + re.escape(
            "was killed (SIGKILL), most often by the kernel's out-of-memory killer; a rank cannot move to another "
            "worker, so the fit stopped and nothing was saved: most often a worker runs out of memory"), text), text
    else:
        crash = re.escape("crashed in compiled code (SIGSEGV, a segmentation fault: LightGBM's or another library's, "
                          'not Python\'s); its last lines: "Fatal Python error: Segmentation fault" | "')
        assert re.search(ranks + crash + r"\S+:\d+ in _end_this_process", text), text
        assert "so the fit stopped and nothing was saved: not a lack of memory" in text
        assert "rank that never joined" in text and "out of memory" not in text, text
    assert "--rank-wait" not in err  # the local cluster's Nanny said how it ended: not LightGBM's abort
    assert _said_by_dask(err) == [], err
    assert not list(tmp_path.glob("m/*"))


@pytest.mark.parametrize("command", ["train", "predict"])
def test_a_result_dask_cancels_while_it_is_awaited_is_one_line(run_main, chain, scheduler, tmp_path, monkeypatch,
                                                                command, request):
    """Under load, the task downstream of a worker that died with data no other worker held was cancelled ("already
    forgotten", "lost dependencies") before the KilledWorker came, and the run ended in a FutureCancelledError
    traceback. Here a part's future is cancelled on purpose while the run still needs it."""
    import storecast.distributed.prediction as prediction
    import storecast.distributed.training as training

    if command == "train":
        loaded = training._load

        def load_then_cancel(client, *args, **kwargs):
            parts = loaded(client, *args, **kwargs)
            client.cancel(parts[:1])
            return parts

        monkeypatch.setattr(training, "_load", load_then_cancel)
        args, named = ["--models-dir", str(tmp_path / "m")], "a task of this run (date_span)"
    else:
        followed = prediction._follow

        def cancel_then_follow(futures, *args, **kwargs):
            futures[0].cancel()
            return followed(futures, *args, **kwargs)

        monkeypatch.setattr(prediction, "_follow", cancel_then_follow)
        parts, _ = _test_parts(chain, tmp_path / "rows")
        args = ["--model", str(request.getfixturevalue("dask_model")), "--input", str(parts),
                "--out", str(tmp_path / "o")]
        named = "forecasting part-00000.parquet"
    code, _, err = run_main(command, "--engine", "dask", "--scheduler", scheduler, "--data", str(chain), *args)
    text = " ".join(err.split())
    assert code == 2 and "Traceback" not in err, err
    assert f"error: {named}: Dask cancelled it before its result came (" in text, text
    assert "a Dask worker holding data it needed died, or this client lost the scheduler, so nothing was saved" in text
    assert not (tmp_path / "o").exists() and not list(tmp_path.glob(".o.*")) and not list(tmp_path.glob("m/*"))


def test_a_cancelled_future_names_its_task_and_dasks_reason():
    """Both of Dask's forms: one future's FutureCancelledError, and the FuturesCancelledError of ``wait``."""
    from distributed.client import CancelledFuturesGroup, FutureCancelledError, FuturesCancelledError

    from storecast.distributed.cluster import cancelled_key, work_cancelled
    from storecast.errors import WorkerLostError

    one = FutureCancelledError("stage_rows-1f0c", "already forgotten")
    many = FuturesCancelledError([CancelledFuturesGroup([one], "already forgotten"),
                                  CancelledFuturesGroup([FutureCancelledError("x-2", "lost dependencies")] * 2,
                                                        "lost dependencies")])
    assert cancelled_key(one) == "stage_rows-1f0c" and cancelled_key(many) == "x-2"  # the larger group first
    error = work_cancelled("a task of this run (stage_rows)", many)
    assert isinstance(error, WorkerLostError)
    assert str(error).startswith("a task of this run (stage_rows): Dask cancelled it before its result came "
                                 "(already forgotten; lost dependencies): ")


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_a_rank_that_never_joins_stops_the_fit_within_rank_wait(run_main, chain, tmp_path, monkeypatch):
    """A rank whose worker never starts it (stuck, too busy) left the others waiting for LightGBM's default time_out,
    120 minutes, before anything was said. Here rank 0 sleeps for 5 minutes and --rank-wait is 1 (LightGBM's
    least: whole minutes): rank 1 gives up after 1 minute, the run ends with the one line, long before rank 0."""
    import time

    import lightgbm.dask as lgb_dask

    def rank_0_never_joins(*args, **kwargs):  # on the workers; rank 0 is the one that returns the model
        import time

        import lightgbm.dask

        if kwargs["return_model"]:
            time.sleep(300)
        return lightgbm.dask._train_part(*args, **kwargs)

    monkeypatch.setattr(lgb_dask, "_train_part", rank_0_never_joins)
    started = time.monotonic()
    code, _, err = run_main("train", "--engine", "dask", "--workers", "2", "--rank-wait", "1", "--data", str(chain),
                            "--models-dir", str(tmp_path / "m"))
    took = time.monotonic() - started
    text = " ".join(err.split())
    assert code == 2 and "Traceback" not in err, err
    assert ("error: LightGBM's distributed fit (lightgbm.dask): its ranks did not all connect (or answer) within "
            "--rank-wait 1 minute(s), so the waiting rank gave up") in text, text
    assert "died" not in text and "out of memory" not in text  # rank 1's worker ended by LightGBM, not for memory
    assert took < 270, f"{took:.0f} s: rank 0's sleep (300 s) ended it, not --rank-wait"
    assert not list(tmp_path.glob("m/*"))


RESET = "Socket recv error, Connection reset by peer (code: 104)"  # a surviving rank's, after another's worker ended


@pytest.mark.parametrize(("error", "ended", "said"), [
    ("Socket recv error, Resource temporarily unavailable (code: 11)", None, "timeout"),  # a socket's own time_out
    (RESET, None, "died, or a timeout"),  # a --scheduler cluster: how the worker ended is not known here
    (RESET, "was killed by signal 9", "was killed"),  # killed for memory
    (RESET, "was killed by signal 6", "timeout"),  # LightGBM's abort
    ("cancelled", "was killed by signal 11", "crashed"),  # a rank's crash after its connect retries
    ("cancelled", "was killed by signal 6", "timeout"),
    ("cancelled", "exited with status 1", "exited"),
    ("cancelled", "was killed by unknown signal",  # not known (endings): the wait may be the cause too
     "ended with status 255, which Dask's Nanny reads as an unknown signal"),
])
def test_a_rank_wait_timeout_is_told_apart_from_a_worker_that_died(error, ended, said):
    """After a --rank-wait timeout the message led with "a Dask worker ... died ... most often ... out of memory":
    LightGBM ends the waiting rank's worker with SIGABRT, which the client sees as any lost worker. The socket's
    timeout (EAGAIN) or the worker's SIGABRT, as a local cluster's Nanny logs it, now says what happened."""
    import logging
    from contextlib import nullcontext

    from distributed.client import FutureCancelledError
    from lightgbm.basic import LightGBMError

    from storecast.distributed.cluster import rank_died
    from storecast.distributed.worker_logs import watched_deaths

    exc = FutureCancelledError("_train-1f0c", "already forgotten") if error == "cancelled" else LightGBMError(error)
    with watched_deaths(verbose=False) if ended else nullcontext():
        if ended:  # as the Nanny of a local cluster made by dask_client logs it, in the command's process
            logging.getLogger("distributed.nanny").info("Worker process 4242 %s", ended)
        message = str(rank_died(exc, rank_wait=3))
    timeout = ("LightGBM's distributed fit (lightgbm.dask): its ranks did not all connect (or answer) within "
               "--rank-wait 3 minute(s), so the waiting rank gave up (LightGBM ends its Dask worker then) and nothing "
               "was saved: a worker was stuck or too busy to run its rank in time; ")
    died = "LightGBM's distributed fit (lightgbm.dask): a Dask worker running one of its ranks died"
    ended = ("LightGBM's distributed fit (lightgbm.dask): the Dask worker process 4242 running one of its ranks "
             f"{said} ")  # how its Nanny said it ended
    hint = "A rank that waits 3 minute(s) for another that never joins LightGBM's network"
    assert message.startswith({"timeout": timeout, "died, or a timeout": died}.get(said, ended)), message
    not_known = said == "died, or a timeout" or "unknown signal" in said  # no ending, or one the Nanny could not read
    assert (hint in message) == not_known, message
    assert ("out of memory" in message) == (said == "was killed" or not_known), message


def test_a_killed_worker_is_named_as_every_lost_worker_is():
    """Dask's KilledWorker names its last worker by address; the line names it as the other lost-worker lines do
    (``endings.which_worker``: "worker ADDRESS (process PID)"), whether the Nanny's record knew its address or not."""
    import logging
    from types import SimpleNamespace

    from storecast.distributed.cluster import worker_died
    from storecast.distributed.worker_logs import watched_deaths

    killed = SimpleNamespace(allowed_failures=0, last_worker=SimpleNamespace(address="tcp://127.0.0.1:40123", pid=4242))
    with watched_deaths(verbose=False):  # as the Nanny of a local cluster made by dask_client logs it
        logging.getLogger("distributed.nanny").info("Worker process 4242 was killed by signal 9")
        message = str(worker_died("forecasting part-00000", killed))
    assert message.startswith("forecasting part-00000: the Dask worker running it died, 1 time(s) on 1 worker(s); "
                              "the last, worker tcp://127.0.0.1:40123 (process 4242) was killed (SIGKILL)"), message
    unknown = SimpleNamespace(allowed_failures=1, last_worker=SimpleNamespace(address="tcp://127.0.0.1:40123", pid=0))
    message = str(worker_died("forecasting part-00000", unknown))  # a --scheduler cluster: no Nanny's record here
    assert "2 time(s) on 2 worker(s); the last, worker tcp://127.0.0.1:40123, so Dask gave up" in message, message


def test_a_worker_the_nanny_stops_past_its_memory_budget_is_said_so():
    """Dask's Nanny stops a worker past 95% of its memory limit with SIGTERM, as a user or a batch system may: its
    warning, in the command's process, tells the two apart (the memory advice for it alone)."""
    import logging

    from distributed.client import FutureCancelledError

    from storecast.distributed.cluster import work_cancelled
    from storecast.distributed.worker_logs import watched_deaths

    with watched_deaths(verbose=False):  # as the Nanny of a local cluster made by dask_client logs it
        logging.getLogger("distributed.nanny.memory").warning(
            "Worker tcp://127.0.0.1:40123 (pid=4242) exceeded 95% memory budget. Restarting...")
        logging.getLogger("distributed.nanny").info("Worker process 4242 was killed by signal 15")
        message = str(work_cancelled("a task of this run (stage_rows)", FutureCancelledError("x-1", "lost")))
    assert ("a Dask worker holding data it needed died: the worker tcp://127.0.0.1:40123 (process 4242) was stopped "
            "by Dask's Nanny (SIGTERM), past its memory budget (a share of its memory limit), so nothing was saved: "
            "most often a worker runs out of memory") in message, message


def test_a_worker_the_nanny_says_killed_by_an_unknown_signal_is_not_said_to_have_exited():
    """Dask's Nanny says "killed by unknown signal" for exit code 255, which Dask also reports for a process whose
    status other code read first (``distributed.process``): the line said "exited with status 255 (... no signal, no
    memory limit)" and "not a lack of memory", more than Dask knew. It says so, with the advice of a death not known."""
    import logging

    from distributed.client import FutureCancelledError

    from storecast.distributed.cluster import work_cancelled
    from storecast.distributed.worker_logs import watched_deaths

    with watched_deaths(verbose=False):  # as the Nanny of a local cluster made by dask_client logs it
        logging.getLogger("distributed.nanny").info("Worker process 4242 was killed by unknown signal")
        message = str(work_cancelled("a task of this run (stage_rows)", FutureCancelledError("x-1", "lost")))
    assert ("the worker process 4242 ended with status 255, which Dask's Nanny reads as an unknown signal (its exit "
            "status read elsewhere first, or an exit with 255: how it ended is not known), so nothing was saved: "
            "most often a worker runs out of memory") in message, message
    assert "no signal" not in message and "not a lack of memory" not in message


def test_the_nannys_info_records_stay_unsaid_without_verbose(caplog):
    """Raising the Nanny's level to INFO, to see how workers end, must not print its INFO lines without -v."""
    import logging

    from storecast.distributed.worker_logs import watched_deaths

    nanny = logging.getLogger("distributed.nanny")
    with caplog.at_level(logging.WARNING), watched_deaths(verbose=False) as deaths:
        nanny.info("Worker process 7 was killed by signal 9")
        nanny.warning("Restarting worker (status=Status.running)")
    assert [death.signal for death in deaths.deaths(wait=0)] == [9]
    assert [r.getMessage() for r in caplog.records] == ["Restarting worker (status=Status.running)"]


def test_rank_wait_is_whole_minutes_at_least_one(run_main, chain):
    """LightGBM's time_out is an int of minutes above 0: refused before any cluster starts, not by a worker."""
    from storecast.distributed.training import train_dask

    code, _, err = run_main("train", "--data", str(chain), "--engine", "dask", "--rank-wait", "0")
    assert code == 2 and "--rank-wait" in err and "Traceback" not in err
    with pytest.raises(ValueError, match=r"`rank_wait` must be a whole number of minutes, at least 1; got 0\.5"):
        train_dask(chain, rank_wait=0.5)


def test_without_dask_the_cli_says_what_to_install(run_main, monkeypatch, chain, tmp_path):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    with pytest.raises(MissingDependencyError, match=r"pip install 'storecast\[dask\]'"):
        from storecast.distributed import require_dask

        require_dask()
    code, _, err = run_main("train", "--data", str(chain), "--engine", "dask", "--models-dir", str(tmp_path))
    assert code == 2 and "storecast[dask]" in err and len(err.strip().splitlines()) == 1


def test_an_unknown_engine_or_a_forest_on_dask_is_refused(run_main, chain, tmp_path):
    code, _, err = run_main("train", "--data", str(chain), "--engine", "spark", "--models-dir", str(tmp_path))
    assert code == 2 and "--engine" in err
    code, _, err = run_main("train", "--data", str(chain), "--engine", "dask", "--model", "rf")
    assert code == 2 and "--engine" in err


def test_a_local_cluster_starts_quietly_when_port_8787_is_taken():
    """Another run's cluster or a notebook's dashboard holds 8787: no "Port 8787 is already in use" warning."""
    import socket
    import warnings

    from storecast.distributed.cluster import dask_client

    holder = socket.socket()
    try:
        holder.bind(("", 8787))
        holder.listen()
    except OSError:  # already taken by another process: the case itself
        pass
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with dask_client(workers=1) as client:
                assert len(client.nthreads()) == 1
    finally:
        holder.close()
    assert not [w for w in caught if "already in use" in str(w.message)]


def test_a_slow_cluster_shutdown_is_logged_not_raised(caplog):
    """The model is saved before the cluster closes, so a shutdown past Dask's timeout must not fail the run."""
    from storecast.distributed.cluster import _close_quietly

    class SlowToClose:
        def close(self, timeout=None):
            raise TimeoutError(f"not closed after {timeout} s")

    with caplog.at_level("WARNING", logger="storecast.distributed.cluster"):
        _close_quietly(SlowToClose(), timeout=1.0)
    assert "closing the Dask SlowToClose took longer than 1 s" in caplog.text


def test_the_model_file_is_written_while_the_cluster_is_still_open(chain, scheduler, tmp_path, monkeypatch):
    """A shutdown that raises after the fit leaves the saved file in place (it did not at 50x: no file)."""
    import storecast.distributed.cluster as cluster
    from storecast.distributed.training import train_dask

    really_close = cluster._close_quietly

    def refuse_to_close(closable, timeout=cluster.CLOSE_TIMEOUT_S):
        assert list((tmp_path / "models").glob("storecast-lgbm-*.skops")), "closing before the file is saved"
        really_close(closable, timeout)
        raise TimeoutError("shutdown timed out")

    monkeypatch.setattr(cluster, "_close_quietly", refuse_to_close)
    with pytest.raises(TimeoutError, match="shutdown timed out"):
        train_dask(chain, models_dir=tmp_path / "models", scheduler=scheduler, **TINY)
    assert len(list((tmp_path / "models").glob("storecast-lgbm-*.skops"))) == 1


def test_a_store_split_over_parts_is_refused_before_any_part_is_forecast(dask_model, chain, tmp_path, monkeypatch):
    """Was checked on the stores the workers' forecasts returned: every part was forecast first, then refused."""
    from storecast.distributed import cluster
    from storecast.distributed.prediction import predict_dask

    def no_cluster(*_args, **_kwargs):
        raise AssertionError("no cluster should start: the split store is found first")

    monkeypatch.setattr(cluster, "dask_client", no_cluster)
    test = load_dataset(chain, require_test=True).test
    test[s.STATE_HOLIDAY] = test[s.STATE_HOLIDAY].astype(str)
    test[s.STORE] = test[s.STORE].astype(str)  # text Store, as a parquet export may hold it: still store 3
    parts = tmp_path / "rows"
    parts.mkdir()
    test[test[s.STORE].isin(["1", "2", "3"])].to_parquet(parts / "part-00000.parquet", index=False)
    test[~test[s.STORE].isin(["1", "2"])].to_parquet(parts / "part-00001.parquet", index=False)
    with pytest.raises(DataContractError, match=r"got 1 store\(s\) in more than one \(store 3 in "
                                                r"part-00000\.parquet and part-00001\.parquet\)"):
        predict_dask(dask_model, parts, tmp_path / "forecasts")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith((".forecasts", "forecasts"))]


def test_both_engines_fingerprint_a_folder_with_an_empty_part_alike(chain, scheduler, tmp_path):
    """Was two fingerprints for one folder: the local card hashed the empty part, the Dask card left it out."""
    import json

    from storecast.distributed.training import train_dask
    from storecast.train_run import train_bundle

    root = shutil.copytree(chain, tmp_path / "data")
    first = sorted((root / "train").glob("*.parquet"))[0]
    pd.read_parquet(first).iloc[:0].to_parquet(root / "train" / "part-99999.parquet", index=False)  # as Spark writes

    local = train_bundle(load_dataset(root), "lgbm", models_dir=tmp_path / "local", seeds=1, n_jobs=1, **TINY)
    dask = train_dask(root, models_dir=tmp_path / "dask", scheduler=scheduler, **TINY)

    cards = [json.loads(p.with_suffix(".json").read_text(encoding="utf-8")) for p in (local, dask)]
    assert cards[0]["data_fingerprint"] == cards[1]["data_fingerprint"]


def test_a_local_cluster_whose_workers_are_slow_to_stop_closes_without_a_word(capfd, caplog):
    """A worker process that takes over 4 s to stop (a loaded machine; here a plugin's teardown) was killed by
    Dask's Nanny, which closes with its own 5 s default whatever the cluster's timeout, and the user read "Worker
    process still alive after 4.0 seconds, killing" after a run that had succeeded."""
    from distributed import WorkerPlugin

    from storecast.distributed.cluster import dask_client

    class SlowToStop(WorkerPlugin):
        def teardown(self, worker):
            import time

            time.sleep(4.5)

    with caplog.at_level("WARNING"), dask_client(workers=1) as client:
        client.register_plugin(SlowToStop())
    said = capfd.readouterr().err + caplog.text
    assert "still alive" not in said and "Traceback" not in said, said


def test_a_failed_runs_workers_slow_to_stop_are_stopped_without_a_word(capfd, caplog):
    """After a failed run (a bad part: ``train`` said "not a parquet file"), a worker still stopping after 4 s was
    killed, and "Worker process still alive after 4.0 seconds, killing" stood above the run's one line: the Nanny's
    records were held until the run ended, then said, past the filter meant to drop that one."""
    from distributed import WorkerPlugin

    from storecast.distributed.cluster import dask_client
    from storecast.errors import StorecastError

    class SlowToStop(WorkerPlugin):
        def teardown(self, worker):
            import time

            time.sleep(4.5)

    with caplog.at_level("WARNING"), pytest.raises(StorecastError, match="a bad part"):
        with dask_client(workers=1) as client:
            client.register_plugin(SlowToStop())
            raise StorecastError("a bad part")
    said = capfd.readouterr().err + caplog.text
    assert "still alive" not in said and "Traceback" not in said, said


def test_a_worker_whose_close_never_returns_is_killed_after_one_deadline(tmp_path, capfd, caplog):
    """Each Nanny was given the close's timeout, but the close as a whole had none: a Nanny whose close never
    returned (here a Nanny plugin's teardown waits on a file that never comes) held the command forever after its
    work was done. Now the workers left after the wait and a margin are killed, named in one warning, not raised."""
    import logging
    import os
    import threading

    from distributed import Client, LocalCluster, NannyPlugin

    from storecast.distributed.cluster import CLOSE_MARGIN_S, Workers

    release = tmp_path / "release"

    class NeverCloses(NannyPlugin):
        def __init__(self, release):
            self.release = str(release)

        async def teardown(self, nanny):
            import asyncio

            while not os.path.exists(self.release):  # the test's way out when the close does hang
                await asyncio.sleep(0.1)

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                      scheduler_kwargs={"dashboard_address": ":0"}, silence_logs=logging.ERROR) as cluster:
        with Client(cluster) as client:
            pid = next(iter(client.run(os.getpid).values()))
            address = next(iter(client.nthreads()))
            client.register_plugin(NeverCloses(release))
        closing = threading.Thread(target=Workers(cluster).close, args=(2.0,), daemon=True)
        with caplog.at_level("WARNING", logger="storecast.distributed.cluster"):
            closing.start()
            closing.join(timeout=2.0 + CLOSE_MARGIN_S + 30)
        hung = closing.is_alive()
        release.touch()  # a close that hung returns now, and the cluster closes
        closing.join(timeout=30)
    assert not hung, "closing the workers did not return after the wait and its margin"
    said = capfd.readouterr().err + caplog.text
    assert "Traceback" not in said and "CancelledError" not in said, said
    assert [r.getMessage() for r in caplog.records if r.name.startswith("storecast")] == [
        f"the Dask worker {address} (process {pid}) had not stopped {2.0 + CLOSE_MARGIN_S:g} s after closing began:"
        " killed"]
    assert not _alive(pid)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie left for its parent to reap counts as ended)."""
    from pathlib import Path

    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ")[-1][:1] != "Z"


def test_a_worker_that_crashes_in_a_run_that_goes_on_is_said_after_it(tmp_path, capfd, caplog):
    """A worker that crashed while its task could run again elsewhere left the run whole, and the user read Dask's
    "WARNING Restarting worker (status=Status.running)" alone: not that compiled code had crashed its process."""
    import dask
    import distributed  # noqa: F401  (its config defaults first: config.set would drop them again on exit)

    from storecast.distributed.cluster import dask_client

    marker = tmp_path / "crashed-once"

    def crashes_once() -> str:  # on the worker: its first try crashes it, the second (a new process) returns
        if not marker.exists():
            marker.touch()
            _end_this_process("SIGSEGV")
        return "forecast"

    with caplog.at_level("WARNING"), dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        with dask_client(workers=1) as client:
            assert client.submit(crashes_once, pure=False).result() == "forecast"
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 1 and re.match(
        r"the Dask worker tcp://[\d.]+:\d+ \(process \d+\) crashed in compiled code \(SIGSEGV, a segmentation fault",
        said[0]), said
    assert 'its last lines: "Fatal Python error: Segmentation fault" | "' in said[0]
    assert "Dask ran its tasks again on another worker, so the run went on: not a lack of memory" in said[0]
    assert "Traceback" not in capfd.readouterr().err
