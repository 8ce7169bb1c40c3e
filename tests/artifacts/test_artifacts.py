"""Model files: round trip, card, sha256 and allowlist checks, latest_model, suffix dispatch."""

from __future__ import annotations

import json

import numpy as np
import pytest

from model_file_support import complete_model_file
from storecast import schema as s
from storecast.artifacts import Bundle, TreeBundle, latest_model, load_bundle, save_bundle
from storecast.errors import ArtifactError


@pytest.fixture(scope="module")
def ds(dataset):
    return dataset


@pytest.fixture(scope="module")
def saved(small_fit, tmp_path_factory):
    model, until = small_fit
    d = tmp_path_factory.mktemp("models")
    path = save_bundle(model, kind="lgbm", models_dir=d, card={"training": {"end": f"{until:%Y-%m-%d}"},
                                                                "intervals": {"default_level": 0.8}})
    return model, path


def _rows(ds):
    return ds.train[ds.train[s.OPEN] == 1].tail(200).drop(columns=[s.SALES, s.CUSTOMERS])


def test_round_trip_gives_identical_predictions(ds, saved):
    model, path = saved
    assert path.suffix == ".skops" and path.name.startswith("storecast-lgbm-")
    bundle = load_bundle(path)
    assert isinstance(bundle, TreeBundle) and bundle.kind == "lgbm" and bundle.level == 0.8
    assert isinstance(bundle, Bundle) and bundle.needs_history is False  # statistics inside the file
    point, lo, hi = bundle.predict_open(_rows(ds))
    exp = model.predict_interval(_rows(ds), level=0.8)
    for a, b in zip((point, lo, hi), exp, strict=True):
        np.testing.assert_array_equal(a, b)


def test_card_records_what_was_saved(saved):
    _, path = saved
    card = json.loads(path.with_suffix(".json").read_text())
    assert card["kind"] == "lgbm" and card["file"] == path.name
    assert len(card["sha256"]) == 64 and card["created"].endswith("Z")
    assert {"numpy", "scikit-learn", "lightgbm", "skops"} <= set(card["versions"])


@pytest.mark.parametrize("damage", ["flip", "truncate"])
def test_damaged_file_is_refused(saved, tmp_path, damage):
    _, path = saved
    data = bytearray(path.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0xFF
    else:
        data = data[: len(data) // 2]
    bad = tmp_path / path.name
    bad.write_bytes(bytes(data))
    bad.with_suffix(".json").write_text(path.with_suffix(".json").read_text())
    with pytest.raises(ArtifactError, match="does not match its card"):
        load_bundle(bad)


def test_untrusted_type_is_refused_even_with_a_matching_card(tmp_path):
    # A file whose card is consistent but that would call eval() on load: the allowlist must stop it.
    path = save_bundle({"model": eval}, kind="lgbm", models_dir=tmp_path)
    with pytest.raises(ArtifactError, match="outside the allowlist.*builtins.eval"):
        load_bundle(path)


def test_missing_card_unknown_suffix_and_missing_file(saved, tmp_path):
    _, path = saved
    lonely = tmp_path / path.name
    lonely.write_bytes(path.read_bytes())
    with pytest.raises(ArtifactError, match=r"^model card .*\.json not found: a model file is loaded only with"):
        load_bundle(lonely)
    with pytest.raises(ArtifactError, match="unknown model file"):
        load_bundle(tmp_path / "model.pkl")
    with pytest.raises(ArtifactError, match=r"^model file .*\.skops not found: give a \.skops or \.pt file that "):
        load_bundle(tmp_path / "storecast-lgbm-2020-01-01T00-00-00Z.skops")


@pytest.mark.parametrize(("name", "said"), [
    ("storecast-lgbm-2020-01-01T00-00-00Z.skops",
     "`storecast models list --models-dir {dir}` shows the ones in {dir}."),
    ("modles/storecast-lgbm-2020-01-01T00-00-00Z.skops", "there is no folder {dir}/modles."),
], ids=["folder-there", "no-folder"])
def test_a_missing_model_file_says_where_the_saved_ones_are_listed(tmp_path, name, said):
    """Was "model file X not found." alone: the user had to guess that `models list` shows what --model takes."""
    with pytest.raises(ArtifactError) as caught:
        load_bundle(tmp_path / name)
    message = str(caught.value)
    assert message.startswith(f"model file {tmp_path / name} not found: give a .skops or .pt file that `storecast "
                              "train` (or `lstm train`) saved; ")
    assert message.endswith(said.format(dir=tmp_path))


@pytest.mark.parametrize("card", [[{"training": {"end": "2014-11-18"}}], "trained on the synthetic chain", 3,
                                  {"training": ["2013-01-01", "2014-11-18"]}],
                         ids=["list", "text", "number", "training-a-list"])
def test_a_card_that_is_no_object_is_refused_before_anything_is_written(small_fit, tmp_path, card):
    # before: a TypeError ("'list' object is not a mapping") or an AttributeError from inside save_bundle
    model, _ = small_fit
    with pytest.raises(ArtifactError) as caught:
        save_bundle(model, kind="lgbm", models_dir=tmp_path / "models", card=card)
    said = str(caught.value)
    assert said.startswith("the card of a new lgbm model is invalid (") and "expected a JSON object" in said
    assert said.endswith(f"nothing was saved in {tmp_path / 'models'}.")
    assert not (tmp_path / "models").exists()


def test_latest_model_picks_the_newest_stamp(tmp_path):
    for name in ("storecast-rf-2015-01-01T00-00-00Z.skops", "storecast-lgbm-2016-01-01T00-00-00Z.skops",
                 "storecast-lstm-2017-06-01T00-00-00Z.pt"):
        complete_model_file(tmp_path, name)
    (tmp_path / "notes.skops").write_bytes(b"x")
    assert latest_model(tmp_path).name == "storecast-lgbm-2016-01-01T00-00-00Z.skops"
    assert latest_model(tmp_path, kinds=("lstm",)).name == "storecast-lstm-2017-06-01T00-00-00Z.pt"
    with pytest.raises(ArtifactError, match="no model file"):
        latest_model(tmp_path / "empty")


def test_two_saves_in_one_second_get_distinct_names(tmp_path):
    a = save_bundle({"x": 1}, kind="rf", models_dir=tmp_path)
    b = save_bundle({"x": 2}, kind="rf", models_dir=tmp_path)
    assert a != b and a.exists() and b.exists()


def test_a_model_calibrated_at_other_levels_serves_its_first_one(ds, tmp_path):
    """The card's default level is one the model calibrated, so the file loads (``storecast.train(levels=...)``)."""
    from storecast.models.training import fitted_card_facts
    from trees_support import fit_small

    model, until = fit_small(ds, levels=(0.9, 0.5))
    facts = fitted_card_facts(model)
    assert facts["intervals"]["levels"] == [0.9, 0.5] and facts["intervals"]["default_level"] == 0.9
    path = save_bundle(model, kind="lgbm", models_dir=tmp_path, card=facts)
    assert load_bundle(path).level == 0.9
