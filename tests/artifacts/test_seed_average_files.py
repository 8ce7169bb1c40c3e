"""Files of an average of LightGBM seeds (the default model): each seed's booster written once, old files still read.

A fitted VotingRegressor refers to its members twice (``estimators_`` and the Bunch ``named_estimators_``), and skops
writes an object once per reference: the full-data file held each booster's 14.5 MB model text twice.
"""

from __future__ import annotations

import copy
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from storecast import schema as s
from storecast.artifacts import file_sha256, load_bundle, save_bundle
from storecast.errors import ArtifactError
from trees_support import fit_small


@pytest.fixture(scope="module")
def averaged(dataset):
    """A tiny fitted average of two LightGBM seeds (this module's own: a test copies and edits it)."""
    model, _ = fit_small(dataset, seeds=2)
    return model


def _voting(model):
    return model.estimator_.named_steps["model"].estimator_


def _booster_texts(path: Path) -> list[str]:
    """Every LightGBM model text in the file's schema.json (one per booster written)."""
    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            node = list(node.values())
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, str) and node.startswith('"tree\\nversion='):  # skops keeps a str JSON-encoded
            found.append(json.loads(node))

    with zipfile.ZipFile(path) as archive:
        walk(json.loads(archive.read("schema.json")))
    return found


def _rows(ds):
    return ds.train[ds.train[s.OPEN] == 1].tail(300).drop(columns=[s.SALES, s.CUSTOMERS])


def _save_as_before(model, folder: Path) -> Path:
    """The model as storecast wrote it before each booster was saved once: ``skops.io.dump`` of the whole model."""
    import skops.io as sio

    path = save_bundle(model, kind="lgbm", models_dir=folder)
    sio.dump(model, path)
    card = json.loads(path.with_suffix(".json").read_text())
    path.with_suffix(".json").write_text(json.dumps({**card, "sha256": file_sha256(path)}))
    return path


def _assert_same_forecasts(bundle, model, ds) -> None:
    for got, want in zip(bundle.predict_open(_rows(ds)), model.predict_interval(_rows(ds), level=0.8), strict=True):
        np.testing.assert_array_equal(got, want)


def test_each_seeds_booster_is_written_once_and_the_model_in_memory_keeps_its_names(averaged, tmp_path):
    path = save_bundle(averaged, kind="lgbm", models_dir=tmp_path)
    voting = _voting(averaged)
    assert sorted(_booster_texts(path)) == sorted(m.booster_.model_to_string() for m in voting.estimators_)
    assert list(voting.named_estimators_) == ["seed0", "seed1"]  # the caller's model is as it was


def test_saving_leaves_the_callers_model_as_it_was_even_while_the_file_is_written(averaged, dataset, tmp_path,
                                                                                    monkeypatch):
    """Before: the average of seeds lost ``named_estimators_`` while skops wrote it (a forecast meanwhile took
    another path) and the model kept a ``storecast_facts_`` it did not have."""
    import skops.io as sio

    model = copy.deepcopy(averaged)
    voting = _voting(model)
    attributes, members = dict(vars(model)), dict(vars(voting))
    seen_while_writing: list[bool] = []
    dump = sio.dump

    def watched_dump(obj, file):
        seen_while_writing.append(dict(vars(voting)) == members)
        dump(obj, file)

    monkeypatch.setattr(sio, "dump", watched_dump)
    bundle = load_bundle(save_bundle(model, kind="lgbm", models_dir=tmp_path))
    assert seen_while_writing == [True]
    assert vars(model) == attributes and vars(voting) == members
    assert list(vars(voting)) == list(members)  # the same attributes in the same order
    assert len(_booster_texts(bundle.path)) == 2  # still each booster once in the file
    _assert_same_forecasts(bundle, model, dataset)


def test_a_saved_average_of_seeds_loads_with_its_members_named_and_forecasts_as_in_memory(averaged, dataset,
                                                                                           tmp_path):
    bundle = load_bundle(save_bundle(averaged, kind="lgbm", models_dir=tmp_path))
    voting = _voting(bundle.model)
    assert list(voting.named_estimators_) == ["seed0", "seed1"]
    assert all(named is fitted for named, fitted in zip(voting.named_estimators_.values(), voting.estimators_,
                                                        strict=True))
    _assert_same_forecasts(bundle, averaged, dataset)


def test_a_file_saved_with_both_copies_still_loads_and_forecasts_the_same(averaged, dataset, tmp_path):
    old = _save_as_before(averaged, tmp_path / "old")
    assert len(_booster_texts(old)) == 4  # each of the two boosters twice
    bundle = load_bundle(old)
    assert list(_voting(bundle.model).named_estimators_) == ["seed0", "seed1"]
    _assert_same_forecasts(bundle, averaged, dataset)
    new = load_bundle(save_bundle(averaged, kind="lgbm", models_dir=tmp_path / "new"))
    for a, b in zip(bundle.predict_open(_rows(dataset)), new.predict_open(_rows(dataset)), strict=True):
        np.testing.assert_array_equal(a, b)


def test_an_average_with_a_dropped_seed_loads_as_fitted_and_forecasts_as_in_memory(dataset, tmp_path):
    """scikit-learn's VotingRegressor takes ``("name", "drop")``: storecast never drops a seed, a caller may.

    Before: the loaded model's ``named_estimators_`` left the dropped name out, where the fitted one holds it as
    ``"drop"`` (scikit-learn's placeholder), so the same file named other members than the model it was saved from.
    """
    from storecast.models.conformal import ConformalRegressor
    from storecast.models.training import fitted_card_facts, training_rows
    from storecast.models.trees import make_pipeline
    from trees_support import SMALL_LGBM

    until = dataset.train[s.DATE].max() - np.timedelta64(43, "D")
    X, y = training_rows(dataset.train, dataset.store, until)
    pipe = make_pipeline("lgbm", **{**SMALL_LGBM, "seeds": 3}).set_params(model__estimator__seed1="drop")
    model = ConformalRegressor(pipe).fit(X, y)
    bundle = load_bundle(save_bundle(model, kind="lgbm", models_dir=tmp_path, card=fitted_card_facts(model)))
    fitted, loaded = _voting(model), _voting(bundle.model)
    assert list(loaded.named_estimators_) == list(fitted.named_estimators_) == ["seed0", "seed1", "seed2"]
    assert loaded.named_estimators_["seed1"] == "drop"
    assert all(loaded.named_estimators_[name] is member
               for name, member in zip(("seed0", "seed2"), loaded.estimators_, strict=True))
    assert bundle.card["params"]["random_states"] == [0, 2]  # the card names the two seeds averaged
    _assert_same_forecasts(bundle, model, dataset)


def _one_member_lost(voting) -> None:
    voting.estimators_ = voting.estimators_[:1]


def _fitted_members_lost(voting) -> None:
    del voting.estimators_


def _a_name_twice(voting) -> None:
    voting.estimators = [("seed0", est) for _, est in voting.estimators]


@pytest.mark.parametrize("edit", [_one_member_lost, _fitted_members_lost, _a_name_twice],
                         ids=["one-member-lost", "members-lost", "a-name-twice"])
def test_an_average_whose_members_do_not_match_their_names_is_refused_at_load(averaged, tmp_path, edit):
    """Before: one member lost loaded and forecast with one seed; all lost, an AttributeError at the first forecast."""
    model = copy.deepcopy(averaged)
    edit(_voting(model))
    path = save_bundle(model, kind="lgbm", models_dir=tmp_path)
    with pytest.raises(ArtifactError) as caught:
        load_bundle(path)
    message = str(caught.value)
    assert message.startswith(f"model file {path} holds an average of seeds whose fitted members") \
        and "\n" not in message
    assert message.endswith("retrain it with `storecast train`.")
