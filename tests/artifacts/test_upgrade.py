"""`storecast models upgrade`: a tree model file saved with each booster twice, written again in the current format.

Files saved before each seed's booster was written once (``artifacts.trees._as_written``) hold every booster's
model text twice; the upgrade loads one with every check of ``load_bundle`` and writes the same model back.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from storecast import schema as s
from storecast.artifacts import file_sha256, load_bundle, save_bundle
from trees_support import fit_small


@pytest.fixture(scope="module")
def averaged(dataset):
    """A tiny fitted average of two LightGBM seeds."""
    model, _ = fit_small(dataset, seeds=2)
    return model


def _old_file(model, folder: Path) -> Path:
    """The model as storecast wrote it before each booster was saved once: ``skops.io.dump`` of the whole model."""
    import skops.io as sio

    path = save_bundle(model, kind="lgbm", models_dir=folder, card={"metrics": {"calibration": {"rmspe": 0.12}}})
    sio.dump(load_bundle(path).model, path)  # the loaded model: its named members and its key facts
    card = json.loads(path.with_suffix(".json").read_text())
    path.with_suffix(".json").write_text(json.dumps({**card, "sha256": file_sha256(path)}, indent=2) + "\n")
    return path


def _booster_texts(path: Path) -> int:
    with zipfile.ZipFile(path) as archive:
        return archive.read("schema.json").decode().count('"tree\\\\nversion=')


def _forecasts(path: Path, ds) -> tuple[np.ndarray, ...]:
    rows = ds.train[ds.train[s.OPEN] == 1].tail(300).drop(columns=[s.SALES, s.CUSTOMERS])
    return load_bundle(path).predict_open(rows)


def _said(err: str) -> str:
    return " ".join(err.split())


def test_an_old_file_is_rewritten_in_place_with_each_booster_once_and_the_same_forecasts(averaged, dataset,
                                                                                          tmp_path, run_main):
    old = _old_file(averaged, tmp_path)
    card = json.loads(old.with_suffix(".json").read_text())
    size, want = old.stat().st_size, _forecasts(old, dataset)
    assert _booster_texts(old) == 4

    code, out, err = run_main("models", "upgrade", "--model", str(old))
    assert code in (0, None), err
    assert out.strip() == str(old) and {p.name for p in tmp_path.iterdir()} == {old.name, old.stem + ".json"}
    assert _booster_texts(old) == 2 and old.stat().st_size < 0.9 * size
    assert f"upgraded {old}: {size / 1e6:.1f} MB -> {old.stat().st_size / 1e6:.1f} MB" in _said(err)
    new_card = json.loads(old.with_suffix(".json").read_text())
    assert new_card["sha256"] == file_sha256(old) and new_card["upgraded"]["from_sha256"] == card["sha256"]
    assert {k: v for k, v in new_card.items() if k not in ("sha256", "upgraded")} == {
        k: v for k, v in card.items() if k != "sha256"}  # name, stamp, created, scores: the same model
    for got, expected in zip(_forecasts(old, dataset), want, strict=True):
        np.testing.assert_array_equal(got, expected)


def test_out_writes_the_upgraded_file_elsewhere_under_its_name_and_leaves_the_old_one(averaged, dataset, tmp_path,
                                                                                     run_main):
    old = _old_file(averaged, tmp_path / "models")
    before = old.read_bytes(), old.with_suffix(".json").read_bytes()
    code, out, err = run_main("models", "upgrade", "--model", str(old), "--out", str(tmp_path / "upgraded"))
    new = tmp_path / "upgraded" / old.name
    assert code in (0, None) and out.strip() == str(new), err
    assert (old.read_bytes(), old.with_suffix(".json").read_bytes()) == before
    assert _booster_texts(new) == 2 and load_bundle(new).path == new

    code, _, err = run_main("models", "upgrade", "--model", str(old), "--out", str(tmp_path / "upgraded"))  # taken
    assert code == 2 and "Traceback" not in err
    assert _said(err).endswith(f"{tmp_path / 'upgraded'} already holds {old.name} and {old.stem}.json: nothing was "
                               "written; give another folder, or none to rewrite the model file where it is.")


def test_a_file_already_current_is_refused_and_left_as_it_is(averaged, tmp_path, run_main):
    current = save_bundle(averaged, kind="lgbm", models_dir=tmp_path)
    before = current.read_bytes()
    code, out, err = run_main("models", "upgrade", "--model", str(current))
    assert code == 2 and out == "" and "Traceback" not in err
    assert _said(err).endswith(f"model file {current} is already in the current format (each booster written "
                               "once): nothing to upgrade.")
    assert current.read_bytes() == before


@pytest.mark.parametrize(("name", "said"), [
    ("train.csv", "{path} is not a tree model file: expected a .skops file `storecast train` saved."),
    ("storecast-lstm-2015-01-01T00-00-00Z.pt", "model file {path} is an LSTM: its tensors are written once already"),
    ("storecast-lgbm-2015-01-01T00-00-00Z.skops", "model card {card} not found: a model file is loaded only with "
     "its card."),
])
def test_what_is_no_tree_model_file_is_refused_in_one_line(tmp_path, run_main, name, said):
    path = tmp_path / name
    path.write_bytes(b"Store,Date\n1,2015-01-01\n")
    code, out, err = run_main("models", "upgrade", "--model", str(path))
    assert code == 2 and out == "" and "Traceback" not in err
    assert said.format(path=path, card=path.with_suffix(".json")) in _said(err)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # nothing written


def test_a_file_that_does_not_load_is_refused_with_the_loaders_reason(averaged, tmp_path, run_main):
    old = _old_file(averaged, tmp_path)
    card = json.loads(old.with_suffix(".json").read_text())
    card["metrics"]["calibration"]["rmspe"] = 0.01  # a card edited since training: the upgrade must not bless it
    old.with_suffix(".json").write_text(json.dumps(card))
    before = old.read_bytes()
    code, _, err = run_main("models", "upgrade", "--model", str(old))
    assert code == 2 and "Traceback" not in err
    assert f"model card {old.with_suffix('.json')} says metrics.calibration.rmspe 0.01 but the model file holds" \
        in _said(err)
    assert old.read_bytes() == before


def test_a_file_saved_with_other_package_versions_is_refused(averaged, tmp_path, run_main, monkeypatch):
    """Written again here, its card would say this install saved it, and load would no longer warn of the drift."""
    import storecast.artifacts.bundle as bundle

    old = _old_file(averaged, tmp_path)
    monkeypatch.setattr(bundle, "version_drift", lambda card: {"lightgbm": ("4.5.0", "4.7.0")})
    code, _, err = run_main("models", "upgrade", "--model", str(old))
    assert code == 2 and "Traceback" not in err
    assert (f"model file {old} was saved with other package versions than those installed (lightgbm 4.5.0 -> "
            "4.7.0): upgrade it where its card's versions are installed") in _said(err)
    assert _booster_texts(old) == 4


def test_a_file_with_compiled_trees_cached_beside_it_is_upgraded_without_them(averaged, dataset, tmp_path, run_main,
                                                                             monkeypatch):
    """The loader installs a cached compiled forest on each booster; written with them, the file would hold
    objects no allowlist trusts."""
    import storecast.models.compiled as cm

    old = _old_file(averaged, tmp_path)
    monkeypatch.setenv(cm.ENV_VAR, "1")
    assert load_bundle(old).compiled is not None  # compiled and cached beside the file
    monkeypatch.delenv(cm.ENV_VAR)  # the default: a load takes the cache
    assert load_bundle(old).compiled.origin == "cache"
    code, _, err = run_main("models", "upgrade", "--model", str(old))
    assert code in (0, None), err
    monkeypatch.setenv(cm.ENV_VAR, "0")
    assert _booster_texts(old) == 2 and load_bundle(old).compiled is None


def _compiles(monkeypatch) -> list:
    """Spy on the compile step: ``_forest(text, None)`` compiles; with checked cached bytes it only loads them."""
    import storecast.models.compiled as cm

    real, members = cm._forest, []
    monkeypatch.setattr(cm, "_forest", lambda text, obj: (members.append(obj is None), real(text, obj))[1])
    return members


@pytest.mark.parametrize("out", [None, "upgraded"])
def test_the_compiled_trees_cache_is_carried_over_and_serves_without_compiling(averaged, dataset, tmp_path, run_main,
                                                                               monkeypatch, out):
    """The cache is keyed by the file's sha256, which the upgrade changes: without the carry, the next serve
    compiled every booster again (minutes on the full model)."""
    import storecast.models.compiled as cm

    old = _old_file(averaged, tmp_path / "models")
    monkeypatch.setenv(cm.ENV_VAR, "1")
    assert load_bundle(old).compiled.origin == "compiled"  # cached beside the old file
    code, written, err = run_main("models", "upgrade", "--model", str(old), *(["--out", str(tmp_path / out)]
                                                                                 if out else []))
    assert code in (0, None), err
    compiles = _compiles(monkeypatch)
    bundle = load_bundle(written.strip())  # STORECAST_COMPILE=1: what has no valid cache is compiled
    assert bundle.compiled.origin == "cache" and len(bundle.compiled.members) == 2
    assert compiles.count(True) == 0 and bundle.compiled.cache.parent == (tmp_path / out if out else old.parent)
    assert all(bundle.card["sha256"][:12] in m.cache.name for m in bundle.compiled.members)
    monkeypatch.setenv(cm.ENV_VAR, "0")
    for got, expected in zip(bundle.predict_open(dataset.train[dataset.train[s.OPEN] == 1].tail(300).drop(
            columns=[s.SALES, s.CUSTOMERS])), _forecasts(Path(written.strip()), dataset), strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-9)


@pytest.mark.parametrize(("out", "replaced"), [(None, False), ("upgraded", False), (None, True)])
def test_an_upgrade_in_place_removes_the_old_keys_caches_and_one_elsewhere_keeps_them(averaged, tmp_path, run_main,
                                                                                      monkeypatch, out, replaced):
    """In place, the caches under the file's old sha256 (about 15 MiB a booster, three files each) stayed for good:
    nothing loads them again, and after the carry no compile comes to remove them. They go by ``remove_stale``'s
    rule, so not when the file was replaced (here right after the upgrade wrote it) by other bytes, whose caches
    they might be; with --out the source is left as it was, its caches included."""
    import storecast.models.compiled as cm
    import storecast.publish as publish

    old = _old_file(averaged, tmp_path / "models")
    monkeypatch.setenv(cm.ENV_VAR, "1")
    assert load_bundle(old).compiled.origin == "compiled"  # cached beside the old file
    old_sha12 = json.loads(old.with_suffix(".json").read_text())["sha256"][:12]
    before = {p.name: p.read_bytes() for p in old.parent.glob(f"*.{old_sha12}.*")}
    assert len(before) == 6  # two boosters: object, one-tree header and record each
    if replaced:
        real = publish.republish_model

        def then_replaced(*args, **kwargs):  # another deploy copies other bytes over the upgraded file
            written = real(*args, **kwargs)
            written[0].write_bytes(written[0].read_bytes() + b"\0")
            return written

        monkeypatch.setattr(publish, "republish_model", then_replaced)
    code, written, err = run_main("models", "upgrade", "--model", str(old), *(["--out", str(tmp_path / out)]
                                                                                 if out else []))
    assert code in (0, None), err
    new = Path(written.strip())
    new_sha12 = json.loads(new.with_suffix(".json").read_text())["sha256"][:12]
    assert len(list(new.parent.glob(f"*.{new_sha12}.*"))) == 6  # carried
    left = {p.name: p.read_bytes() for p in old.parent.glob(f"*.{old_sha12}.*")}
    assert left == ({} if out is None and not replaced else before)


def test_a_tampered_cache_is_not_carried_over_and_is_compiled_again_later(averaged, tmp_path, run_main, monkeypatch):
    import storecast.models.compiled as cm

    old = _old_file(averaged, tmp_path)
    monkeypatch.setenv(cm.ENV_VAR, "1")
    tampered = load_bundle(old).compiled.members[1].cache
    data = tampered.read_bytes()
    tampered.write_bytes(data[:100] + bytes([data[100] ^ 0xFF]) + data[101:])
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if ".lleaves." in p.name}
    code, _, err = run_main("models", "upgrade", "--model", str(old))
    assert code in (0, None), err
    assert (f"{tampered.name} does not match its recorded sha256 (tampered, truncated or stale): not carried over "
            f"to {old.name}; serve compiles it again") in _said(err)
    new_sha12 = json.loads(old.with_suffix(".json").read_text())["sha256"][:12]
    assert sorted(p.name.split(".")[3] for p in tmp_path.glob(f"*.{new_sha12}.*.lleaves.o")) == ["m0"]
    assert not [n for n in before if (tmp_path / n).exists()]  # the old key's, once m0 was carried (remove_stale)
    compiles = _compiles(monkeypatch)
    bundle = load_bundle(old)
    assert bundle.compiled.origin == "compiled" and compiles.count(True) == 1  # member 1 only, as any bad cache
    assert [m.origin for m in bundle.compiled.members] == ["cache", "compiled"]
