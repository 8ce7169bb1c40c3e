"""Boosters left unparsed while their compiled cache serves (models.lazy_booster), and every way back to LightGBM.

A warm load (a checked cache with its recorded probe predictions) never parses the trees' text; anything that
needs LightGBM's own predictor parses it then, and a load without compiled trees parses it at once, as before.
"""

from __future__ import annotations

import hashlib
import logging

import lightgbm
import numpy as np
import pandas as pd
import pytest

from storecast import schema as s
from storecast.artifacts import load_bundle, save_bundle
from storecast.errors import ArtifactError
from storecast.models import compiled as cm
from storecast.models import compiled_cache
from storecast.predict import predict_frame
from trees_support import fit_small


@pytest.fixture(scope="module")
def fitted(dataset):
    model, _ = fit_small(dataset, seeds=2, n_estimators=30, num_leaves=15)
    return model


@pytest.fixture
def model_path(fitted, tmp_path, monkeypatch):
    """A model file (an average of two seeds) whose compiled cache is written by a first load."""
    monkeypatch.setenv(cm.ENV_VAR, "1")
    path = save_bundle(fitted, kind="lgbm", models_dir=tmp_path)
    assert load_bundle(path).compiled.origin == "compiled"
    return path


@pytest.fixture(scope="module")
def rows(dataset):
    late = dataset.train.tail(400).drop(columns=[s.SALES, s.CUSTOMERS])
    test = [dataset.test.drop(columns=[s.ID])] if dataset.test is not None else []
    return pd.concat([*test, late], ignore_index=True)


def _unparsed(bundle) -> list[bool]:
    """For each booster: True while LightGBM has not parsed its text (no handle set on it)."""
    return ["_handle" not in vars(b) for b in cm.boosters_of(bundle.model)]


def _plain(path, monkeypatch):
    monkeypatch.setenv(cm.ENV_VAR, "0")
    bundle = load_bundle(path)
    monkeypatch.setenv(cm.ENV_VAR, "1")
    return bundle


def _objects(path):
    return sorted(path.parent.glob("*.lleaves.o"))


def test_a_warm_load_leaves_every_booster_unparsed_and_forecasts_the_same(model_path, rows, monkeypatch):
    warm = load_bundle(model_path)
    assert warm.compiled.origin == "cache" and _unparsed(warm) == [True, True]
    fast, plain = predict_frame(warm, rows), predict_frame(_plain(model_path, monkeypatch), rows)
    for col in (s.SALES, "lower", "upper"):
        np.testing.assert_allclose(fast[col], plain[col], rtol=cm.MAX_REL_DIFF)
    assert _unparsed(warm) == [True, True]  # the compiled trees served every row


def test_lightgbm_s_own_predictor_parses_a_booster_on_first_use(model_path, monkeypatch):
    """Anything the compiled forest does not take (here a float32 matrix) goes to LightGBM, which parses then."""
    warm, plain = load_bundle(model_path), _plain(model_path, monkeypatch)
    booster, reference = cm.boosters_of(warm.model)[0], cm.boosters_of(plain.model)[0]
    X = np.random.default_rng(1).normal(size=(50, reference.num_feature())).astype(np.float32)
    np.testing.assert_array_equal(booster.predict(X), reference.predict(X))
    assert type(booster) is lightgbm.Booster and _unparsed(warm) == [False, True]
    np.testing.assert_array_equal(booster.feature_importance("gain"), reference.feature_importance("gain"))


def test_without_compiled_trees_every_booster_is_parsed_at_load(model_path, monkeypatch):
    assert _unparsed(_plain(model_path, monkeypatch)) == [False, False]
    for obj in _objects(model_path):  # the cache goes bad between two loads: LightGBM serves, parsed at load
        data = bytearray(obj.read_bytes())
        data[len(data) // 2] ^= 0xFF
        obj.write_bytes(bytes(data))
    monkeypatch.setenv(cm.ENV_VAR, "cache")
    bundle = load_bundle(model_path)
    assert bundle.compiled is None and _unparsed(bundle) == [False, False]


def test_a_booster_text_lightgbm_refuses_fails_the_load_in_one_line(model_path, monkeypatch):
    from storecast.models import lazy_booster

    def refuse(booster, state):
        raise lightgbm.basic.LightGBMError("Model format error, expect a tree here")

    monkeypatch.setenv(cm.ENV_VAR, "0")
    monkeypatch.setattr(lazy_booster, "_original_setstate", refuse)
    with pytest.raises(ArtifactError, match=r"cannot be read as a skops archive \(Model format error"):
        load_bundle(model_path)


def test_a_cache_from_before_recorded_probes_checks_against_the_booster_then_records_them(model_path, caplog):
    for obj in _objects(model_path):  # what earlier versions wrote: object and header in the record, no probe
        compiled_cache.probe_of(obj).unlink()
        record = compiled_cache.record_of(obj)
        record.write_text("".join(line + "\n" for line in record.read_text().splitlines()[:2]))
    with caplog.at_level(logging.INFO, logger="storecast.compiled"):
        first = load_bundle(model_path)
    assert first.compiled.origin == "cache" and "preloaded" in caplog.text and _unparsed(first) == [False, False]
    assert all(compiled_cache.cached_probe(obj) is not None for obj in _objects(model_path))
    assert _unparsed(load_bundle(model_path)) == [True, True]


def test_a_tampered_probe_record_is_ignored_and_the_booster_checks_the_forest(model_path, rows, monkeypatch):
    probe = compiled_cache.probe_of(_objects(model_path)[0])
    values = probe.read_text().split()
    probe.write_text("\n".join([(2 * float.fromhex(values[0])).hex(), *values[1:]]) + "\n")  # record not updated
    bundle = load_bundle(model_path)
    assert bundle.compiled.origin == "cache" and _unparsed(bundle) == [False, True]
    np.testing.assert_allclose(predict_frame(bundle, rows)[s.SALES],
                               predict_frame(_plain(model_path, monkeypatch), rows)[s.SALES], rtol=cm.MAX_REL_DIFF)
    assert _unparsed(load_bundle(model_path)) == [True, True]  # the probe was recorded again


def test_a_wrong_object_recorded_with_its_probe_falls_back_to_lightgbm(model_path, dataset, tmp_path_factory,
                                                                       monkeypatch, caplog):
    """Another model's object, re-recorded under this model's name with the header and probe lines kept: the
    recorded predictions refuse it, the booster is parsed, LightGBM's own probe refuses it too, LightGBM serves."""
    other_model, _ = fit_small(dataset, n_estimators=10, num_leaves=7)
    other = save_bundle(other_model, kind="lgbm", models_dir=tmp_path_factory.mktemp("other"))
    wrong = load_bundle(other).compiled.cache.read_bytes()
    obj = _objects(model_path)[0]
    obj.write_bytes(wrong)
    record = compiled_cache.record_of(obj)
    lines = record.read_text().splitlines()
    record.write_text("\n".join([f"{hashlib.sha256(wrong).hexdigest()}  {obj.name}", *lines[1:]]) + "\n")
    monkeypatch.setenv(cm.ENV_VAR, "cache")
    with caplog.at_level(logging.WARNING, logger="storecast.compiled"):
        bundle = load_bundle(model_path)
    assert bundle.compiled is None and "differ from LightGBM" in caplog.text and _unparsed(bundle) == [False, False]



def test_a_deferred_booster_pickles_and_copies_like_a_booster(model_path, monkeypatch):
    import copy
    import pickle

    from storecast.models.lazy_booster import deferred_boosters, is_deferred

    reference = cm.boosters_of(_plain(model_path, monkeypatch).model)[1]
    X = np.random.default_rng(2).normal(size=(20, reference.num_feature()))
    for again in (lambda b: pickle.loads(pickle.dumps(b)), copy.deepcopy):
        with deferred_boosters():  # as skops builds it at load
            lazy = pickle.loads(pickle.dumps(reference))
        assert is_deferred(lazy)
        np.testing.assert_array_equal(again(lazy).predict(X), reference.predict(X))
