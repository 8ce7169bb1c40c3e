"""Compiled trees (models.compiled): equal to LightGBM, cached by the model's sha256, never trusted unchecked.

Every fallback (switched off, lleaves missing, compiling fails, a probe that disagrees) leaves LightGBM's
own predictor serving and says so in one log line.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import time

import numpy as np
import pandas as pd
import pytest

from storecast import schema as s
from storecast.artifacts import load_bundle, save_bundle
from storecast.models import compiled as cm
from storecast.models import compiled_cache
from storecast.predict import predict_frame
from trees_support import fit_small


@pytest.fixture(scope="module")
def ds(dataset):
    return dataset


@pytest.fixture(scope="module")
def fitted(ds):
    model, _ = fit_small(ds, n_estimators=60, num_leaves=31)
    return model


@pytest.fixture
def model_path(fitted, tmp_path):
    """A fresh model file in its own directory (no cache beside it yet)."""
    return save_bundle(fitted, kind="lgbm", models_dir=tmp_path)


@pytest.fixture(autouse=True)
def compiling_on(monkeypatch):
    """Compiling is opt-in (``STORECAST_COMPILE=1``); these tests are about the compiled path."""
    monkeypatch.setenv(cm.ENV_VAR, "1")


@pytest.fixture(scope="module")
def rows(ds):
    """Every test row plus the last 600 train rows (open and closed days), as test-shaped rows."""
    late = ds.train.tail(600).drop(columns=[s.SALES, s.CUSTOMERS])
    both = pd.concat([ds.test.drop(columns=[s.ID]), late], ignore_index=True) if ds.test is not None else late
    return both.reset_index(drop=True)


def _caches(folder):
    return sorted(p.name for p in folder.iterdir() if ".lleaves." in p.name)


def test_compiled_predictions_equal_lightgbm_on_every_row(model_path, rows, monkeypatch):
    compiled = load_bundle(model_path)
    assert isinstance(compiled.compiled, cm.CompiledTrees)
    monkeypatch.setenv(cm.ENV_VAR, "0")
    plain = load_bundle(model_path)
    assert plain.compiled is None
    fast, ref = predict_frame(compiled, rows), predict_frame(plain, rows)
    for col in (s.SALES, "lower", "upper"):
        a, b = fast[col].to_numpy(), ref[col].to_numpy()
        assert np.all(np.abs(a - b) <= cm.MAX_REL_DIFF * np.abs(b)), col
    stores = rows[s.STORE].unique()[::17]  # a store's rows alone == their rows of the batch
    for store in stores:
        own = rows[s.STORE].to_numpy() == store
        alone = predict_frame(compiled, rows[own])[s.SALES].to_numpy()
        assert np.array_equal(alone, fast[s.SALES].to_numpy()[own])


def test_the_booster_matrix_path_is_exact_and_other_calls_go_to_lightgbm(model_path):
    bundle = load_bundle(model_path)
    booster = cm.booster_of(bundle.model)
    X = cm._probe(booster.model_to_string(), booster.num_feature(), rows=3000)  # above the thread-pool size
    lgbm = type(booster).predict
    np.testing.assert_allclose(booster.predict(X), lgbm(booster, X), rtol=cm.MAX_REL_DIFF, atol=0)
    np.testing.assert_allclose(booster.predict(X[:5], num_threads=1), lgbm(booster, X[:5]), rtol=1e-9, atol=0)
    leaves = booster.predict(X[:5], pred_leaf=True)  # not a plain prediction: LightGBM answers it
    assert leaves.shape == (5, booster.num_trees())


def test_values_lightgbm_reads_as_zero_are_snapped_to_zero_and_nothing_else():
    """LightGBM takes |x| <= 1e-35 for 0 (its kZeroThreshold); the compiled forest gets them as 0 too."""
    X = np.array([[1e-36, -1e-36, 0.0, -0.0], [np.nan, 1e-34, -3.5, 1e-300]])
    snapped = cm._snap_zeros(X)
    np.testing.assert_array_equal(snapped, [[0.0, 0.0, 0.0, -0.0], [np.nan, 1e-34, -3.5, 0.0]])
    plain = np.array([[0.0, -0.0, 1.0], [np.nan, 2e-35, 7.0]])
    assert cm._snap_zeros(plain) is plain  # no near-zero value: no copy
    assert cm._snap_zeros(np.asfortranarray(plain)).flags.c_contiguous


def test_the_cache_is_written_beside_the_model_and_reused(model_path):
    first = load_bundle(model_path)
    assert first.compiled.origin == "compiled"
    sha12 = first.card["sha256"][:12]
    names = _caches(model_path.parent)  # the object, its record, the one-tree header lleaves loads it with
    assert len(names) == 3 and names[0].startswith(f"{model_path.stem}.{sha12}.") and names[0].endswith(".o")
    assert names[1] == names[0] + ".sha256" and names[2] == names[0][: -len(".o")] + ".txt"
    record = (model_path.parent / names[1]).read_text().splitlines()  # sha256sum format: `sha256sum -c` checks it
    assert record == [f"{_sha256(model_path.parent / name)}  {name}" for name in (names[0], names[2])]
    assert load_bundle(model_path).compiled.origin == "cache"


def test_the_cache_does_not_disturb_the_model_listing(model_path):
    from storecast.artifacts import latest_model, model_files

    load_bundle(model_path)
    assert [f.path for f in model_files(model_path.parent)] == [model_path]
    assert latest_model(model_path.parent) == model_path


@pytest.mark.parametrize("damage", ["flip a byte", "truncate", "drop the record"])
def test_a_damaged_cache_is_never_loaded_but_rebuilt(model_path, damage, caplog):
    obj = load_bundle(model_path).compiled.cache
    data = obj.read_bytes()
    if damage == "flip a byte":
        obj.write_bytes(data[:100] + bytes([data[100] ^ 0xFF]) + data[101:])
    elif damage == "truncate":
        obj.write_bytes(data[: len(data) // 2])
    else:
        obj.with_name(obj.name + ".sha256").unlink()
    with caplog.at_level(logging.INFO, logger="storecast.compiled"):
        again = load_bundle(model_path).compiled
    assert again.origin == "compiled"  # rebuilt, not loaded from the damaged file
    assert "rebuilding" in caplog.text  # each damage is said, a missing record too
    assert obj.read_bytes() == data  # rewritten with the good bytes (compiling the same trees gives the same object)
    assert load_bundle(model_path).compiled.origin == "cache"


@pytest.mark.parametrize(("mode", "then"), [("cache", "not loaded; LightGBM's predictor serves"),
                                            ("1", "rebuilding it")])
def test_an_empty_record_says_what_happens_in_each_mode(model_path, mode, then, monkeypatch, caplog):
    """Was "incomplete (list index out of range): rebuilding it", even where the default mode rebuilds nothing."""
    obj = load_bundle(model_path).compiled.cache
    obj.with_name(obj.name + ".sha256").write_text("", encoding="utf-8")
    monkeypatch.setenv(cm.ENV_VAR, mode)
    with caplog.at_level(logging.INFO, logger="storecast.compiled"):
        again = load_bundle(model_path).compiled
    assert f"{obj.name} has an empty or unreadable sha256 record" in caplog.text and then in caplog.text
    assert "list index" not in caplog.text
    assert (again is None) if mode == "cache" else (again.origin == "compiled")


def test_a_cache_of_another_model_file_is_not_used(model_path, tmp_path_factory, fitted):
    load_bundle(model_path)
    other = save_bundle(fitted, kind="lgbm", models_dir=tmp_path_factory.mktemp("other"))
    for name in _caches(model_path.parent):  # a cache copied over under the other model's stem
        shutil.copy(model_path.parent / name, other.parent / name.replace(model_path.stem, other.stem))
    assert load_bundle(other).compiled.origin == "compiled"  # its sha256 differs: another key


def test_a_model_file_replaced_in_place_leaves_no_cache_of_its_old_contents(model_path, ds, tmp_path_factory, caplog):
    """A retrained model copied over the served name: its first compile removes the old objects, which nothing can
    load again (their name holds the old sha256), and leaves every other file beside the model alone."""
    load_bundle(model_path)  # compiles and caches the first contents
    old = _caches(model_path.parent)
    assert len(old) == 3
    folder = model_path.parent
    keep = [folder / "notes.lleaves.o", folder / f"{model_path.stem}.lleaves.o",  # not names storecast writes
            folder / old[0].replace(model_path.stem, "storecast-lgbm-2000-01-01T00-00-00Z")]  # another model's
    for path in keep:
        path.write_bytes(b"not ours")
    (folder / "storecast-lgbm-2000-01-01T00-00-00Z.skops").write_bytes(b"that model")  # there: its cache is kept
    link = folder / old[0].replace(old[0].split(".")[-4], "0" * 12)  # a link named like a stale cache
    link.symlink_to(folder / "notes.lleaves.o")
    other_model, _ = fit_small(ds, n_estimators=20, num_leaves=7)
    other = save_bundle(other_model, kind="lgbm", models_dir=tmp_path_factory.mktemp("retrained"))
    shutil.copy(other, model_path)  # the deploy: model file and card copied over the served ones
    shutil.copy(other.with_suffix(".json"), model_path.with_suffix(".json"))
    with caplog.at_level(logging.INFO, logger="storecast.compiled"):
        new = load_bundle(model_path)
    assert new.compiled.origin == "compiled"
    left = set(_caches(folder)) - {p.name for p in (*keep, link)}
    assert len(left) == 3 and all(n.startswith(f"{model_path.stem}.{new.card['sha256'][:12]}.") for n in left)
    assert all(p.read_bytes() == b"not ours" for p in keep) and link.is_symlink()
    assert "removed 3 compiled-trees cache file(s) of earlier contents" in caplog.text
    assert load_bundle(model_path).compiled.origin == "cache"


def test_stale_caches_are_kept_while_the_model_file_is_not_the_one_compiled(model_path):
    """A server that compiled for minutes after loading removes nothing once its file was replaced meanwhile:
    the caches beside it may be those of the new contents."""
    load_bundle(model_path)
    before = _caches(model_path.parent)
    assert compiled_cache.remove_stale(model_path, "f" * 64) == []  # the file no longer hashes to the one compiled
    assert _caches(model_path.parent) == before
    assert compiled_cache.stale_caches(model_path, "f" * 64) == [model_path.parent / n for n in before]


def test_the_caches_of_a_deleted_model_file_go_with_the_next_compile_beside_them(model_path, ds, tmp_path_factory,
                                                                                 caplog):
    """A model file deleted (an old model tidied away) left its compiled caches (about 15 MiB a booster of the
    default model, three files each) beside the others for good: nothing can load them without the file. The
    next compile in that folder removes them: only regular files named as the cache names them, and only once
    their model file is gone."""
    import shutil

    folder = model_path.parent
    old_model, _ = fit_small(ds, n_estimators=20, num_leaves=7)
    gone = save_bundle(old_model, kind="lgbm", models_dir=tmp_path_factory.mktemp("old"))
    while gone.stem == model_path.stem:  # saved in the served model's second: its caches would be that model's
        time.sleep(0.2)
        gone = save_bundle(old_model, kind="lgbm", models_dir=tmp_path_factory.mktemp("old"))
    load_bundle(gone)  # compiles and caches it there
    for name in _caches(gone.parent):  # as if compiled beside the served model, then its file deleted
        shutil.copy(gone.parent / name, folder / name)
    orphans = set(_caches(folder))
    assert len(orphans) == 3
    keep = [folder / "notes.lleaves.o", folder / f"{gone.stem}.lleaves.o"]  # not names storecast writes
    for path in keep:
        path.write_bytes(b"not ours")
    link = folder / sorted(orphans)[0].replace(gone.stem, "storecast-lgbm-2001-01-01T00-00-00Z")
    link.symlink_to(folder / "notes.lleaves.o")  # a link named like a cache of a model file that is not there
    with caplog.at_level(logging.INFO, logger="storecast.compiled"):
        served = load_bundle(model_path)
    assert served.compiled.origin == "compiled"
    assert not orphans & set(_caches(folder))
    assert all(p.read_bytes() == b"not ours" for p in keep) and link.is_symlink()
    assert f"removed 3 compiled-trees cache file(s) of model files no longer there ({gone.name})" in caplog.text
    assert load_bundle(model_path).compiled.origin == "cache"  # its own cache kept


def _sha256(path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _text_asked(monkeypatch) -> list:
    """Records each ``Booster.model_to_string`` call's ``num_iteration`` (None: the whole forest's text)."""
    import lightgbm

    asked: list = []
    real = lightgbm.Booster.model_to_string
    monkeypatch.setattr(lightgbm.Booster, "model_to_string",
                        lambda self, *a, **k: asked.append(k.get("num_iteration")) or real(self, *a, **k))
    return asked


def test_a_cached_load_is_preloaded_without_the_trees_text_and_equals_lightgbm(model_path, rows, monkeypatch, caplog):
    """A warm load starts loading the object (with its recorded header) before the model file is read, and reads
    no tree text; the forest is installed after a probe against the loaded booster."""
    load_bundle(model_path)  # compiles and caches
    asked = _text_asked(monkeypatch)
    with caplog.at_level(logging.INFO, logger="storecast.compiled"):
        warm = load_bundle(model_path)
    assert warm.compiled.origin == "cache" and asked == []
    assert "compiled trees on (cache, preloaded" in caplog.text
    monkeypatch.setenv(cm.ENV_VAR, "0")
    plain = load_bundle(model_path)
    np.testing.assert_allclose(predict_frame(warm, rows)[s.SALES], predict_frame(plain, rows)[s.SALES], rtol=1e-9)


def test_a_cache_without_a_header_loads_after_the_booster_and_gains_one(model_path, monkeypatch, caplog):
    """A cache written before headers (a one-line record): one tree's text is read, then the header is kept."""
    obj = load_bundle(model_path).compiled.cache
    header = obj.with_suffix(".txt")
    header.unlink()
    obj.with_name(obj.name + ".sha256").write_text(f"{_sha256(obj)}  {obj.name}\n")
    asked = _text_asked(monkeypatch)
    with caplog.at_level(logging.INFO, logger="storecast.compiled"):
        assert load_bundle(model_path).compiled.origin == "cache"
    assert asked == [1] and "preloaded" not in caplog.text
    assert header.is_file() and f"{_sha256(header)}  {header.name}" in obj.with_name(obj.name + ".sha256").read_text()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="storecast.compiled"):
        assert load_bundle(model_path).compiled.origin == "cache"
    assert "preloaded" in caplog.text


def test_nothing_is_preloaded_until_the_model_file_matched_its_card(model_path):
    """The loader hashes the model file while skops is imported; the cache waits for that check (``after``) and
    loads nothing when it fails, so no compiled code is read for a file that will be refused."""
    load_bundle(model_path)  # compiles and caches
    sha = load_bundle(model_path).card["sha256"]

    def refused() -> None:
        raise RuntimeError("sha256 mismatch")

    assert cm.preload(model_path, sha, after=refused)() == {}
    checked = []
    assert set(cm.preload(model_path, sha, after=lambda: checked.append(True))()) == {None} and checked == [True]


def test_a_tampered_header_is_never_preloaded(model_path, rows, monkeypatch, caplog):
    """A header that does not hash to its record line is ignored: the object loads the usual way, correct."""
    compiled = load_bundle(model_path)
    header = compiled.compiled.cache.with_suffix(".txt")
    header.write_text(header.read_text().replace("max_feature_idx=", "max_feature_idx=1"))
    with caplog.at_level(logging.INFO, logger="storecast.compiled"):
        again = load_bundle(model_path)
    assert again.compiled.origin == "cache" and "preloaded" not in caplog.text
    for col in (s.SALES, "lower", "upper"):
        np.testing.assert_array_equal(predict_frame(again, rows)[col], predict_frame(compiled, rows)[col])


def test_a_wrong_object_with_a_forged_record_fails_the_probe(model_path, ds, tmp_path_factory, caplog):
    """Another model's compiled code, renamed and re-recorded as this model's cache, disagrees on the probe."""
    import hashlib

    other_model, _ = fit_small(ds, n_estimators=20, num_leaves=7)
    other = save_bundle(other_model, kind="lgbm", models_dir=tmp_path_factory.mktemp("forged"))
    wrong = load_bundle(other).compiled.cache.read_bytes()
    obj = load_bundle(model_path).compiled.cache
    obj.write_bytes(wrong)
    obj.with_name(obj.name + ".sha256").write_text(f"{hashlib.sha256(wrong).hexdigest()}  {obj.name}\n")
    with caplog.at_level(logging.WARNING, logger="storecast.compiled"):
        assert load_bundle(model_path).compiled is None  # LightGBM serves
    assert "differ from LightGBM" in caplog.text


def test_switched_off_by_the_environment(model_path, monkeypatch):
    monkeypatch.setenv(cm.ENV_VAR, "off")
    bundle = load_bundle(model_path)
    assert bundle.compiled is None and "predict" not in vars(cm.booster_of(bundle.model))
    assert _caches(model_path.parent) == []


def test_without_lleaves_lightgbm_serves_with_one_log_line(model_path, monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "lleaves", None)  # import lleaves -> ImportError
    with caplog.at_level(logging.INFO, logger="storecast.compiled"):
        bundle = load_bundle(model_path)
    assert bundle.compiled is None
    assert [r.message for r in caplog.records if r.name == "storecast.compiled"] == [
        "compiled trees off: lleaves is not installed (pip install 'storecast[fast]'); using LightGBM's predictor"]


def test_a_compile_error_falls_back(model_path, monkeypatch, caplog):
    def broken(*_a, **_k):
        raise RuntimeError("LLVM ERROR: out of memory")

    monkeypatch.setattr(cm, "_forest", broken)
    with caplog.at_level(logging.WARNING, logger="storecast.compiled"):
        assert load_bundle(model_path).compiled is None
    assert "compiling the booster failed (RuntimeError: LLVM ERROR: out of memory)" in caplog.text


def test_a_probe_that_disagrees_falls_back(model_path, monkeypatch, caplog):
    monkeypatch.setattr(cm, "_max_rel_diff", lambda a, ref: 1e-6)
    with caplog.at_level(logging.WARNING, logger="storecast.compiled"):
        assert load_bundle(model_path).compiled is None
    assert "differ from LightGBM by 1.0e-06" in caplog.text
    assert _caches(model_path.parent) == []  # nothing cached from a disagreeing build


def test_a_read_only_models_directory_compiles_in_memory(model_path, monkeypatch):
    def refuse(*_a, **_k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(compiled_cache, "atomic_write_bytes", refuse)
    bundle = load_bundle(model_path)
    assert bundle.compiled is not None and bundle.compiled.cache is None


def test_a_forest_is_left_to_scikit_learn(ds, tmp_path):
    model, _ = fit_small(ds, kind="rf", n_estimators=3)
    assert load_bundle(save_bundle(model, kind="rf", models_dir=tmp_path)).compiled is None


def test_compiling_at_load_is_opt_in_and_the_default_uses_a_cache(monkeypatch):
    """Unset means "cache": use a checked cache, never compile at load (a full-size compile takes minutes)."""
    monkeypatch.delenv(cm.ENV_VAR, raising=False)
    assert cm.compile_mode() == "cache"
    for value, mode in (("1", "on"), ("yes", "on"), ("0", "off"), ("off", "off"), ("", "cache"), ("auto", "cache")):
        monkeypatch.setenv(cm.ENV_VAR, value)
        assert cm.compile_mode() == mode


@pytest.mark.parametrize("typo", ["garbage", "2", "onn"])
def test_an_unknown_setting_keeps_the_default_and_says_so(monkeypatch, caplog, typo):
    """A typo must not start minutes of compiling unasked (it meant "on" before)."""
    monkeypatch.setenv(cm.ENV_VAR, typo)
    monkeypatch.setattr(cm, "_WARNED", set())
    with caplog.at_level(logging.WARNING, logger="storecast.compiled"):
        assert cm.compile_mode() == "cache" and cm.compile_mode() == "cache"
    assert caplog.text.count(f"STORECAST_COMPILE={typo!r} is not one of") == 1  # once, not at every load


def test_the_default_loads_a_cache_but_never_compiles(model_path, rows, monkeypatch):
    monkeypatch.setenv(cm.ENV_VAR, "cache")
    assert load_bundle(model_path).compiled is None and _caches(model_path.parent) == []  # nothing to load
    monkeypatch.setenv(cm.ENV_VAR, "1")
    compiled = load_bundle(model_path)  # writes the cache
    monkeypatch.setenv(cm.ENV_VAR, "cache")
    cached = load_bundle(model_path)
    assert cached.compiled is not None and cached.compiled.origin == "cache"
    for col in (s.SALES, "lower", "upper"):
        np.testing.assert_array_equal(predict_frame(cached, rows)[col], predict_frame(compiled, rows)[col])


def test_a_server_compiles_in_the_background_and_switches_when_done(model_path, rows, monkeypatch):
    from storecast.api.serving import compile_in_background
    from storecast.data.request_rows import RequestRows
    from storecast.dates import to_days

    monkeypatch.setenv(cm.ENV_VAR, "cache")
    bundle = load_bundle(model_path)
    open_rows = rows[rows[s.OPEN] == 1].head(200)
    typed = RequestRows(open_rows[s.STORE], to_days(open_rows[s.DATE]), open_rows[s.OPEN], open_rows[s.PROMO],
                        open_rows[s.STATE_HOLIDAY].astype(str).tolist(), open_rows[s.SCHOOL_HOLIDAY])
    before = predict_frame(bundle, typed)
    thread = compile_in_background(bundle)
    assert thread is not None
    thread.join(timeout=120)
    assert not thread.is_alive() and bundle.compiled is not None and bundle.compiled.origin == "compiled"
    assert len(_caches(model_path.parent)) == 3  # the object, its header and their sha256 record, for the next load
    after = predict_frame(bundle, typed)
    for col in (s.SALES, "lower", "upper"):
        a, b = after[col].to_numpy(), before[col].to_numpy()
        assert np.all(np.abs(a - b) <= cm.MAX_REL_DIFF * np.abs(b)), col
    assert compile_in_background(bundle) is None  # compiled already: nothing more to do
    monkeypatch.setenv(cm.ENV_VAR, "0")
    assert compile_in_background(load_bundle(model_path)) is None  # switched off


def test_an_average_of_seeds_gets_every_booster_compiled_and_cached(ds, rows, tmp_path, monkeypatch):
    """Each seed's booster is compiled and cached on its own; the average equals LightGBM's to 1e-9."""
    model, _ = fit_small(ds, seeds=2, n_estimators=20, num_leaves=15)
    path = save_bundle(model, kind="lgbm", models_dir=tmp_path)
    bundle = load_bundle(path)
    assert isinstance(bundle.compiled, cm.CompiledEnsemble) and len(bundle.compiled.members) == 2
    assert bundle.compiled.origin == "compiled"
    names = _caches(tmp_path)
    assert len(names) == 6 and sum(".m0." in n for n in names) == 3 and sum(".m1." in n for n in names) == 3
    assert all(isinstance(vars(b).get("predict"), cm.CompiledTrees) for b in cm.boosters_of(bundle.model))
    monkeypatch.setenv(cm.ENV_VAR, "0")
    plain = load_bundle(path)
    fast, ref = predict_frame(bundle, rows), predict_frame(plain, rows)
    for col in (s.SALES, "lower", "upper"):
        a, b = fast[col].to_numpy(), ref[col].to_numpy()
        assert np.all(np.abs(a - b) <= cm.MAX_REL_DIFF * np.abs(b)), col
    monkeypatch.setenv(cm.ENV_VAR, "1")
    assert load_bundle(path).compiled.origin == "cache"


def test_one_member_that_cannot_compile_leaves_every_booster_to_lightgbm(ds, tmp_path, monkeypatch, caplog):
    model, _ = fit_small(ds, seeds=2, n_estimators=5)
    path = save_bundle(model, kind="lgbm", models_dir=tmp_path)
    real = cm.compile_booster
    monkeypatch.setattr(cm, "compile_booster", lambda b, **kw: None if kw.get("member") == 1 else real(b, **kw))
    with caplog.at_level(logging.WARNING, logger="storecast.compiled"):
        bundle = load_bundle(path)
    assert bundle.compiled is None
    assert not any("predict" in vars(b) for b in cm.boosters_of(bundle.model))
    assert "booster 1 could not be compiled" in caplog.text



@pytest.mark.skipif(not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="needs a CPU affinity mask of two CPUs or more to narrow")
def test_a_large_batch_is_split_over_the_cpus_the_process_may_use():
    """Was os.cpu_count(): under `taskset -c 0` (or a container's CPU quota) every CPU of the machine got a thread."""
    asked = []

    class Forest:  # records the threads lleaves is asked for
        def predict(self, data, n_jobs):
            asked.append(n_jobs)
            return np.zeros(len(data))

    trees = cm.CompiledTrees(Forest(), fallback=None, n_features=3, origin="compiled", cache=None, seconds=0.0)
    allowed = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(allowed)})  # as `taskset -c N` starts a process
    cm._usable_cpus.cache_clear()  # the count is read once per process: as if this one started here
    try:
        trees(np.ones((cm._PARALLEL_FROM, 3)))
    finally:
        os.sched_setaffinity(0, allowed)
        cm._usable_cpus.cache_clear()
    trees(np.ones((cm._PARALLEL_FROM, 3)))
    trees(np.ones((cm._PARALLEL_FROM - 1, 3)))  # a small batch: one thread, whatever the CPUs
    from joblib import cpu_count  # the affinity mask, and a container's CPU quota when lower

    assert asked == [1, cpu_count(), 1]


def test_the_usable_cpus_are_read_once_per_process(monkeypatch):
    """joblib's count reads the cgroup files (cpu.max) on every call, and a large prediction asked for it each time."""
    import joblib

    calls: list[int] = []

    def counted() -> int:
        calls.append(1)
        return 3

    monkeypatch.setattr(joblib, "cpu_count", counted)
    cm._usable_cpus.cache_clear()
    try:
        assert [cm._usable_cpus() for _ in range(3)] == [3, 3, 3] and len(calls) == 1
    finally:
        cm._usable_cpus.cache_clear()  # the real count again for what runs after


@pytest.mark.parametrize("damage", ["cut in half", "not an object file"])
def test_a_re_recorded_broken_object_is_refused_before_llvm_sees_it(model_path, damage):
    """Was `LLVM ERROR: ...` and SIGABRT (exit 134, a server dies with it): the bytes matched their record.

    Run in a child process, since on the old code the abort kills the process that loads the cache.
    """
    import hashlib
    import subprocess

    obj = load_bundle(model_path).compiled.cache
    data = obj.read_bytes()
    bad = data[: len(data) // 2] if damage == "cut in half" else b"junk" * 300
    obj.write_bytes(bad)
    record = obj.with_name(obj.name + ".sha256")
    lines = record.read_text().splitlines()
    record.write_text("\n".join([f"{hashlib.sha256(bad).hexdigest()}  {obj.name}", *lines[1:]]) + "\n")
    code = ("import logging, sys; logging.basicConfig(level=logging.WARNING); from storecast.artifacts import "
            "load_bundle; print(load_bundle(sys.argv[1]).compiled)")
    env = {**os.environ, cm.ENV_VAR: "cache"}
    done = subprocess.run([sys.executable, "-c", code, str(model_path)], capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.strip() == "None"  # LightGBM serves
    assert f"{obj.name} is not a loadable object file" in done.stderr


def test_object_problem_accepts_a_whole_object_only(model_path):
    data = load_bundle(model_path).compiled.cache.read_bytes()
    assert compiled_cache.object_problem(data) is None
    assert compiled_cache.object_problem(data[:-1]) is not None
    assert compiled_cache.object_problem(data[:40]) is not None
