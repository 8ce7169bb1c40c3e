"""Model files under hostile use: concurrent saves, incomplete files, foreign content, bad and edited cards.

One test per item of the issue; every refusal is one line (``ArtifactError``, exit 2 in the CLI),
and nothing is lost or left half-written.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from model_file_support import complete_model_file
from storecast import publish as publish_module
from storecast.artifacts import file_sha256, latest_model, load_bundle, save_bundle
from storecast.card import inspect_card
from storecast.errors import ArtifactError
from trees_support import fit_small


@pytest.fixture(scope="module")
def small_model(dataset):
    """A tiny fitted LightGBM ConformalRegressor and its training end: this module's own, as a test edits it."""
    return fit_small(dataset)


def _edit_card(path: Path, edit) -> None:
    card_path = path.with_suffix(".json")
    card = json.loads(card_path.read_text())
    card_path.write_text(json.dumps(edit(card)))


def _one_line_exit_2(run_main, *args: str) -> str:
    code, out, err = run_main(*args)
    assert code == 2, out + err
    assert "Traceback" not in out + err
    return " ".join(err.split())


# 1. names that cannot collide -------------------------------------------------------------------

_SAVER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from storecast.artifacts import save_bundle

    folder, me, other = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    for i in range(8):  # each round starts together, so both save within the same second
        (folder / f"ready-{me}-{i}").touch()
        while not (folder / f"ready-{other}-{i}").exists():
            time.sleep(0.0005)
        save_bundle({"writer": me, "i": i}, kind="rf", models_dir=folder / "models")
""")


def test_two_processes_saving_at_once_keep_both_models_each_with_its_own_card(tmp_path):
    import skops.io as sio

    procs = [subprocess.Popen([sys.executable, "-c", _SAVER, str(tmp_path), me, other], stderr=subprocess.PIPE)
             for me, other in (("a", "b"), ("b", "a"))]
    for p in procs:
        assert p.wait(timeout=120) == 0, p.stderr.read().decode()
    models = sorted((tmp_path / "models").glob("storecast-rf-*.skops"))
    assert len(models) == 16  # nothing overwritten
    held = set()
    for path in models:
        card = json.loads(path.with_suffix(".json").read_text())
        assert card["file"] == path.name and card["sha256"] == file_sha256(path)
        content = sio.load(path, trusted=[])
        held.add((content["writer"], content["i"]))
    assert len(held) == 16
    assert not [p.name for p in (tmp_path / "models").iterdir() if p.suffix not in (".skops", ".json")]


def test_a_failure_between_card_and_model_leaves_nothing_behind(tmp_path, monkeypatch):
    real = publish_module._link_exclusive
    seen = []

    def publish(src: Path, dst: Path, **kwargs) -> None:
        if dst.suffix == ".skops":  # the card is complete on disk before the model file may appear
            card = json.loads(dst.with_suffix(".json").read_text())
            seen.append(card["sha256"] == file_sha256(src))
            raise OSError(28, "No space left on device")
        real(src, dst, **kwargs)

    monkeypatch.setattr(publish_module, "_link_exclusive", publish)
    with pytest.raises(OSError, match="No space left"):
        save_bundle({"x": 1}, kind="lgbm", models_dir=tmp_path)
    assert seen == [True]
    assert list(tmp_path.iterdir()) == []  # no card without its model, no temp file


def _without_hard_links(monkeypatch) -> None:
    """A file system without hard links (FAT, exFAT, many SMB shares): ``os.link`` fails as it does there."""
    def no_link(src, dst, *args, **kwargs):
        raise PermissionError(1, "Operation not permitted", str(src))

    monkeypatch.setattr(os, "link", no_link)


def test_without_hard_links_a_reader_never_sees_an_empty_model_file(tmp_path, monkeypatch):
    """Without hard links the model's final name was reserved with an empty file, then replaced: a reader in
    between (``models list``, ``serve``'s pick) found a model file that "does not match its card (modified or
    truncated)", a false alarm about a model still being saved, and ``serve`` passed over it for an older one."""
    from storecast.artifacts import model_files

    _without_hard_links(monkeypatch)
    older = complete_model_file(tmp_path, "storecast-rf-2015-01-01T00-00-00Z.skops")
    real_replace, seen = os.replace, []

    def replace(src, dst, *args, **kwargs):
        if Path(dst).suffix == ".skops":  # the model file's step: run the readers just before it
            seen.append([(f.path.name, f.problem) for f in model_files(tmp_path) if f.path != older])
            seen.append(latest_model(tmp_path))
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    path = save_bundle({"x": 1}, kind="rf", models_dir=tmp_path)
    assert seen == [[(path.with_suffix(".json").name, "a card without its model file")], older]
    (found,) = [f for f in model_files(tmp_path) if f.path == path]
    assert found.complete and latest_model(tmp_path) == path


def test_without_hard_links_a_model_file_left_without_its_card_is_not_replaced(tmp_path, monkeypatch):
    """A model file without its card holds its name: a save in that second moves on, as with hard links."""
    from datetime import UTC, datetime, timedelta

    _without_hard_links(monkeypatch)
    now = datetime.now(UTC)
    left = [tmp_path / f"storecast-rf-{(now + timedelta(seconds=i)).strftime(publish_module.STAMP_FORMAT)}.skops"
            for i in range(5)]  # the names of this second and the next four
    for i, path in enumerate(left):
        path.write_bytes(b"left behind %d" % i)
    saved = save_bundle({"x": 1}, kind="rf", models_dir=tmp_path)
    assert saved not in left and saved.with_suffix(".json").is_file()
    assert [p.read_bytes() for p in left] == [b"left behind %d" % i for i in range(5)]
    assert not [p for p in left if p.with_suffix(".json").exists()]  # no card left beside them


# 2. the newest complete, servable model ----------------------------------------------------------

def test_a_model_stamped_in_the_future_is_picked_with_a_warning_naming_it(tmp_path, caplog):
    """The newest file is read from its name: one stamped 2099 (renamed by hand, or saved by a machine whose clock
    ran ahead) wins every pick until 2099, so the pick says so; a file stamped a minute ago does not."""
    from datetime import UTC, datetime, timedelta

    complete_model_file(tmp_path, "storecast-lgbm-2015-01-01T00-00-00Z.skops")
    ahead = complete_model_file(tmp_path, "storecast-rf-2099-01-01T00-00-00Z.skops")
    with caplog.at_level(logging.WARNING, logger="storecast.artifacts"):
        assert latest_model(tmp_path) == ahead
    warned = " ".join(r.getMessage() for r in caplog.records)
    assert "storecast-rf-2099-01-01T00-00-00Z.skops is stamped 2099-01-01 00:00 UTC, later than now" in warned
    assert "rename it with its real time, or serve a file with --model" in warned

    ahead.unlink()
    just_now = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H-%M-%SZ")
    recent = complete_model_file(tmp_path, f"storecast-lgbm-{just_now}.skops")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="storecast.artifacts"):
        assert latest_model(tmp_path) == recent
    assert not [r for r in caplog.records if "later than now" in r.getMessage()]


def test_serve_and_models_list_pick_the_newest_complete_tree_model(tmp_path, run_main, caplog, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # the table folds long file names on a narrow terminal
    good = complete_model_file(tmp_path, "storecast-lgbm-2015-01-01T00-00-00Z.skops")
    complete_model_file(tmp_path, "storecast-lstm-2015-09-01T00-00-00Z.pt")  # never served from a directory
    (tmp_path / "storecast-rf-2015-08-01T00-00-00Z.skops").write_bytes(b"no card")
    complete_model_file(tmp_path, "storecast-rf-2015-07-01T00-00-00Z.skops").write_bytes(b"truncated")
    _edit_card(complete_model_file(tmp_path, "storecast-lgbm-2015-06-01T00-00-00Z.skops"), lambda c: [c])
    with caplog.at_level(logging.WARNING, logger="storecast.artifacts"):
        assert latest_model(tmp_path) == good
    warned = " ".join(r.getMessage() for r in caplog.records)
    assert "storecast-rf-2015-08-01T00-00-00Z.skops in" in warned and "no card" in warned
    assert "storecast-rf-2015-07-01T00-00-00Z.skops" in warned and "does not match its card" in warned
    assert "storecast-lgbm-2015-06-01T00-00-00Z.skops" in warned and "expected a JSON object" in warned
    assert latest_model(tmp_path, kinds=("lstm",)).suffix == ".pt"

    code, _, err = run_main("models", "list", "--models-dir", str(tmp_path))
    text = " ".join(err.replace("│", " ").split())
    assert code == 0 and good.name in text and "storecast-lstm-2015-09-01T00-00-00Z.pt" in text
    assert "skipped: storecast-rf-2015-08-01T00-00-00Z.skops (no card)" in text
    assert "skipped: storecast-rf-2015-07-01T00-00-00Z.skops (does not match its card" in text

    good.unlink()
    err = _one_line_exit_2(run_main, "serve", "--models-dir", str(tmp_path))
    assert "no complete lgbm/rf model file" in err and "storecast-rf-2015-08-01T00-00-00Z.skops (no card)" in err
    assert "not of kind lgbm/rf: storecast-lstm-2015-09-01T00-00-00Z.pt" in err
    # the train command that saves into this folder: plain `storecast train` fills models/, not the folder served
    assert f"run `storecast train --data DIR --models-dir {tmp_path}`" in err


def test_serve_takes_the_newest_model_that_loads_past_a_newer_one_whose_card_was_edited(small_model, tmp_path,
                                                                                        run_main, caplog, monkeypatch):
    """A card edited by hand still matches its file's sha256: `serve` without --model picked that newest file and
    stopped on its load ("the card was edited"), though an older complete model was there, which `models list
    --check` listed first. It now serves the newest model that loads, naming the one skipped, as the listing does."""
    import uvicorn

    from storecast.api.serving import load_served
    from storecast.config import Settings

    monkeypatch.setenv("COLUMNS", "200")  # the table folds long file names on a narrow terminal
    monkeypatch.delenv("STORECAST_MODEL_PATH", raising=False)
    model, until = small_model
    card = {"training": {"end": f"{until:%Y-%m-%d}"}, "intervals": {"levels": [0.8, 0.95], "default_level": 0.8}}
    older = save_bundle(model, kind="lgbm", models_dir=tmp_path, card=card)
    newer = save_bundle(model, kind="lgbm", models_dir=tmp_path, card=card)
    _edit_card(newer, lambda c: {**c, "intervals": {**c["intervals"], "default_level": 0.5}})
    assert latest_model(tmp_path) == newer  # by the card and the sha256 alone, the edit does not show
    why = f"model card {newer.with_suffix('.json')} says intervals.default_level 0.5"

    with caplog.at_level(logging.WARNING, logger="storecast.artifacts"):
        served = load_served(Settings(models_dir=tmp_path, model_path=None, api_token=None))
    assert Path(served.bundle.path) == older
    assert f"skipped {newer.name} in {tmp_path}: {why}" in " ".join(r.getMessage() for r in caplog.records)
    ran: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: ran.update(kw))
    code, _, err = run_main("serve", "--models-dir", str(tmp_path), "--port", "0")
    assert code in (0, None) and f"serving {older.name} on" in " ".join(err.split()) and ran

    code, _, err = run_main("models", "list", "--models-dir", str(tmp_path), "--check")  # the same pick
    said = " ".join(err.replace("│", " ").split())
    assert code == 0 and said.index(older.name) < said.index(f"skipped: {newer.name} ({why}")

    older.unlink()  # none left that loads: the error names what was skipped and why
    with pytest.raises(ArtifactError, match=f"no complete lgbm/rf model file in {tmp_path}: skipped {newer.name} "
                       r"\(model card .* says intervals.default_level 0.5"):
        load_served(Settings(models_dir=tmp_path, model_path=None, api_token=None))
    err = _one_line_exit_2(run_main, "serve", "--models-dir", str(tmp_path))
    assert f"skipped {newer.name} ({why}" in err and "Traceback" not in err


def _older_and_a_newer_that_cannot_forecast(small_model, models_dir: Path, monkeypatch) -> tuple[Path, Path]:
    """Two saved copies of one model; the newer one loads but its trees fail serve's one-row warm-up."""
    from storecast.api.serving import ServedModel

    model, until = small_model
    card = {"training": {"end": f"{until:%Y-%m-%d}"}, "intervals": {"levels": [0.8, 0.95], "default_level": 0.8}}
    older = save_bundle(model, kind="lgbm", models_dir=models_dir, card=card)
    newer = save_bundle(model, kind="lgbm", models_dir=models_dir, card=card)
    predict = ServedModel.predict

    def fails_for_newer(self, rows):  # a file that loads but whose trees cannot forecast (say, a broken feature)
        if Path(self.bundle.path) == newer:
            raise ValueError("number of features of the model must match the input")
        return predict(self, rows)

    monkeypatch.setattr(ServedModel, "predict", fails_for_newer)
    return older, newer


def test_serve_takes_the_newest_model_that_forecasts_past_a_newer_one_that_cannot(small_model, tmp_path, monkeypatch,
                                                                                  caplog):
    """A newest file that loaded but failed its one-row warm-up stopped serve, though an older model that serves
    was there: the warm-up is now part of the directory's pick, and the file skipped is named with its reason."""
    from storecast.api.serving import load_served
    from storecast.config import Settings

    older, newer = _older_and_a_newer_that_cannot_forecast(small_model, tmp_path, monkeypatch)
    with caplog.at_level(logging.WARNING, logger="storecast.artifacts"):
        served = load_served(Settings(models_dir=tmp_path, model_path=None, api_token=None))
    assert Path(served.bundle.path) == older
    said = " ".join(r.getMessage() for r in caplog.records)
    assert f"skipped {newer.name} in {tmp_path}: model file {newer} loaded but cannot predict (ValueError" in said
    with pytest.raises(ArtifactError, match="loaded but cannot predict"):  # named with --model: still refused
        load_served(Settings(model_path=newer, api_token=None))


def test_models_list_check_skips_a_model_that_loads_but_cannot_forecast_as_serve_does(small_model, tmp_path,
                                                                                      monkeypatch, run_main):
    """`models list --check` loaded each file but skipped serve's one-row warm-up: a newest file that cannot
    forecast was listed first while serve skipped it for the older one. Both now judge a tree model alike."""
    older, newer = _older_and_a_newer_that_cannot_forecast(small_model, tmp_path, monkeypatch)
    code, _, err = run_main("models", "list", "--models-dir", str(tmp_path), "--check")
    said = " ".join(err.replace("│", " ").split())
    assert code == 0 and "Traceback" not in said
    assert (f"skipped: {newer.name} (model file {newer} loaded but cannot predict (ValueError: number of features "
            "of the model must match the input))") in said
    table = said[:said.index("skipped:")]
    assert older.name in table and newer.name not in table


# 3. loading checks what the file holds ------------------------------------------------------------

def test_a_skops_file_that_is_not_a_storecast_model_never_starts_serving(tmp_path, run_main, monkeypatch):
    from fastapi.testclient import TestClient

    from storecast.api import create_app
    from storecast.api.serving import ServedModel
    from storecast.artifacts import TreeBundle
    from storecast.config import Settings
    from storecast.features.facts import StoreFacts

    path = save_bundle({"a": 1}, kind="lgbm", models_dir=tmp_path)  # a valid archive, a matching card
    with pytest.raises(ArtifactError, match="holds a builtins.dict, not a fitted storecast model"):
        load_bundle(path)
    app = create_app(Settings(models_dir=tmp_path, model_path=None, api_token=None))
    with pytest.raises(ArtifactError, match="not a fitted storecast model"), TestClient(app):
        pass
    assert getattr(app.state, "served", None) is None  # never marked ready
    monkeypatch.delenv("STORECAST_MODEL_PATH", raising=False)
    err = _one_line_exit_2(run_main, "serve", "--models-dir", str(tmp_path))
    assert "not a fitted storecast model" in err
    # a failed serve leaves the caller's environment as it was: later Settings() must not serve this file
    assert "STORECAST_MODEL_PATH" not in os.environ

    # whatever loads, start-up predicts one row: a bundle that names no store or cannot predict is refused
    bundle = TreeBundle(kind="lgbm", path=path, card={}, model={"a": 1})
    with pytest.raises(ArtifactError, match="names no store"):
        ServedModel(bundle=bundle, facts=StoreFacts()).warm_up()
    import numpy as np

    with pytest.raises(ArtifactError, match="loaded but cannot predict"):
        ServedModel(bundle=bundle, facts=StoreFacts(stores=np.array([1]))).warm_up()


# 4. the card is validated -------------------------------------------------------------------------

def _listed_as_skipped(run_main, path: Path, said: str) -> None:
    """``storecast models list`` over ``path``'s folder succeeds and lists ``path`` as skipped for its card
    with ``said``."""
    code, _, err = run_main("models", "list", "--models-dir", str(path.parent))
    assert code == 0 and f"skipped: {path.name} (card {path.stem}.json: {said}" in " ".join(err.split())


@pytest.mark.parametrize(("edit", "said"), [
    (lambda c: [c], "expected a JSON object, got a list"),
    (lambda c: {**c, "intervals": None}, "field intervals: expected an object, got null"),
    (lambda c: {**c, "intervals": {"levels": [0.8], "default_level": "high"}},
     'field intervals.default_level: expected a number, got "high"'),
    (lambda c: {**c, "metrics": {"calibration": {"rmspe": "low"}}}, "field metrics.calibration.rmspe"),
], ids=["list", "null-intervals", "text-level", "text-rmspe"])
@pytest.mark.parametrize("suffix", [".skops", ".pt"])
def test_a_malformed_card_is_one_line_naming_card_and_field(tmp_path, run_main, edit, said, suffix):
    kind = "lstm" if suffix == ".pt" else "lgbm"
    path = complete_model_file(tmp_path, f"storecast-{kind}-2015-01-01T00-00-00Z{suffix}")
    _edit_card(path, edit)
    with pytest.raises(ArtifactError) as caught:
        load_bundle(path)
    message = str(caught.value)
    assert message.startswith(f"model card {path.with_suffix('.json')}: ") and said in message
    assert "\n" not in message
    _listed_as_skipped(run_main, path, said)


def test_a_card_nested_past_the_json_readers_depth_is_one_line_not_a_traceback(tmp_path, run_main):
    """Was: RecursionError out of ``json.loads`` and ``inspect_card`` ("never raises"), so ``models list``, ``predict``
    and ``serve`` ended in a traceback over a card holding arrays inside arrays 100,000 deep."""
    path = complete_model_file(tmp_path, "storecast-lgbm-2015-01-01T00-00-00Z.skops")
    card_path = path.with_suffix(".json")
    card_path.write_text(card_path.read_text()[:-1] + ', "note": ' + "[" * 100_000 + "]" * 100_000 + "}")
    said = "JSON nested too deeply to read (arrays or objects inside each other)"
    with pytest.raises(ArtifactError) as caught:
        load_bundle(path)
    assert str(caught.value) == f"model card {card_path}: {said}; restore the card or retrain."
    _listed_as_skipped(run_main, path, f"{said})")


def _add_bom(path: Path) -> None:
    """Save the card as Windows Notepad does: UTF-8 behind a byte order mark."""
    card_path = path.with_suffix(".json")
    card_path.write_bytes(b"\xef\xbb\xbf" + card_path.read_bytes())


def test_a_card_saved_with_a_byte_order_mark_still_loads(small_model, tmp_path, run_main):
    model, _ = small_model
    path = save_bundle(model, kind="lgbm", models_dir=tmp_path)
    _add_bom(path)
    # only the model file is hashed, so the card's extra bytes change nothing: it loads, lists and is picked
    assert load_bundle(path).kind == "lgbm"
    card, why = inspect_card(path)
    assert why is None and card is not None and card["sha256"] == file_sha256(path)
    assert latest_model(tmp_path) == path
    code, out, err = run_main("models", "list", "--models-dir", str(tmp_path))
    assert code == 0 and path.name in err and "skipped" not in err


def test_a_card_saved_in_latin_1_is_one_line_not_a_traceback(tmp_path, run_main):
    # was: UnicodeDecodeError out of inspect_card, so `models list` and `serve` ended in a traceback
    path = complete_model_file(tmp_path, "storecast-rf-2015-01-01T00-00-00Z.skops")
    card_path = path.with_suffix(".json")
    card_path.write_bytes(card_path.read_bytes().replace(b'"versions": {}', b'"versions": {}, "note": "caf\xe9"'))
    said = "not valid JSON ('utf-8' codec can't decode byte 0xe9"
    with pytest.raises(ArtifactError) as caught:
        load_bundle(path)
    assert str(caught.value).startswith(f"model card {card_path}: {said}")
    assert str(caught.value).endswith("; restore the card or retrain.")
    _listed_as_skipped(run_main, path, said)


def test_a_card_with_a_key_given_twice_is_refused_naming_the_key(tmp_path, run_main):
    path = complete_model_file(tmp_path, "storecast-lgbm-2015-01-01T00-00-00Z.skops")
    card_path = path.with_suffix(".json")
    text = card_path.read_text()
    card_path.write_text(text.replace('"kind": "lgbm"', '"kind": "rf", "kind": "lgbm"'))
    said = 'duplicate key "kind" (given 2 times); keep one'
    with pytest.raises(ArtifactError) as caught:
        load_bundle(path)
    assert str(caught.value) == f"model card {card_path}: {said}; restore the card or retrain."
    _listed_as_skipped(run_main, path, said)


# 5. the model file protects the card's key facts --------------------------------------------------

@pytest.mark.parametrize(("edit", "said"), [
    (lambda c: {**c, "kind": "rf"}, "says kind 'rf' but the model file holds 'lgbm'"),
    (lambda c: {**c, "versions": {**c["versions"], "lightgbm": "9.9.9"}}, "says lightgbm version '9.9.9'"),
    (lambda c: {**c, "training": {**c["training"], "end": "2099-01-01"}}, "says training end '2099-01-01'"),
    (lambda c: {**c, "intervals": {**c["intervals"], "default_level": 0.5}}, "says intervals.default_level 0.5, but "
     "the model file calibrated only [0.8, 0.95]"),
    (lambda c: {**c, "intervals": {**c["intervals"], "levels": [0.8, 0.5]}}, "says intervals.levels 0.5"),
], ids=["kind", "version", "training-end", "uncalibrated-default-level", "uncalibrated-level"])
def test_an_edited_card_is_caught_by_the_facts_the_model_file_holds(small_model, synthetic_dir, tmp_path, run_main,
                                                                    edit, said):
    model, until = small_model
    path = save_bundle(model, kind="lgbm", models_dir=tmp_path, card={
        "training": {"end": f"{until:%Y-%m-%d}"}, "intervals": {"levels": [0.8, 0.95], "default_level": 0.8}})
    assert load_bundle(path).kind == "lgbm"
    _edit_card(path, edit)
    with pytest.raises(ArtifactError, match="the card was edited; restore it or retrain") as caught:
        load_bundle(path)
    assert said in str(caught.value)
    out = tmp_path / "p.csv"
    err = _one_line_exit_2(run_main, "predict", "--model", str(path), "--data", str(synthetic_dir), "--out", str(out))
    assert "the card was edited" in err and not out.exists()


@pytest.mark.parametrize(("edit", "said"), [
    (lambda c: {**c, "metrics": {"calibration": {**c["metrics"]["calibration"], "rmspe": 0.05}}},
     "says metrics.calibration.rmspe 0.05 but the model file holds 0.1234"),
    (lambda c: {**c, "training": {**c["training"], "start": "2013-01-01"}},
     'says training.start "2013-01-01" but the model file holds "2014-01-01"'),
    (lambda c: {**c, "intervals": {**c["intervals"], "calibration_days": 90}},
     "says intervals.calibration_days 90 but the model file holds 42"),
    (lambda c: {**c, "data_fingerprint": "0" * 64}, 'says data_fingerprint "000'),
], ids=["rmspe", "training-start", "calibration-days", "data-fingerprint"])
def test_the_card_fields_a_reader_judges_the_model_by_are_held_by_the_model_file_too(small_model, tmp_path, edit,
                                                                                       said):
    """A finance reader's first look (``GET /model``, ``predict``'s warnings): the score, the fit window, the days the
    intervals were calibrated for, the data. Before, an edit of any of them loaded and was served as the model's."""
    model, until = small_model
    path = save_bundle(model, kind="lgbm", models_dir=tmp_path, card={
        "training": {"start": "2014-01-01", "end": f"{until:%Y-%m-%d}"}, "data_fingerprint": "f" * 64,
        "metrics": {"calibration": {"rmspe": 0.1234, "coverage": float("nan")}},
        "intervals": {"levels": [0.8, 0.95], "default_level": 0.8, "calibration_days": 42}})
    assert load_bundle(path).card["metrics"]["calibration"]["rmspe"] == 0.1234  # NaN in the card: the same both ways
    _edit_card(path, edit)
    with pytest.raises(ArtifactError, match="the card was edited; restore it or retrain") as caught:
        load_bundle(path)
    assert said in str(caught.value)


def test_a_model_file_renamed_onto_the_name_after_its_check_is_not_what_loads(small_model, dataset, tmp_path,
                                                                              monkeypatch):
    """A deploy renaming a retrained model onto the served name while a load runs (cards alike, as two fits of one
    window with the same settings have): the file was hashed, then skops opened the name again and read the new
    trees under the card checked for the old ones. Now the open file that was hashed is the one read."""
    import storecast.models.compiled as compiled
    from storecast.models.compiled import boosters_of

    model, until = small_model
    card = {"training": {"end": f"{until:%Y-%m-%d}"}}
    path = save_bundle(model, kind="lgbm", models_dir=tmp_path / "served", card=card)
    retrained, _ = fit_small(dataset, n_estimators=7)
    other = save_bundle(retrained, kind="lgbm", models_dir=tmp_path / "retrained", card=card)
    preload = compiled.preload

    def deployed_once_checked(model_path, sha, *, after):  # called by the loader right after it starts the check
        after()  # the sha256 of the file under the name matched its card
        os.replace(other, path)
        return preload(model_path, sha, after=after)

    monkeypatch.setattr(compiled, "preload", deployed_once_checked)
    loaded = load_bundle(path)
    assert [b.num_trees() for b in boosters_of(loaded.model)] == [b.num_trees() for b in boosters_of(model)]
    assert [b.num_trees() for b in boosters_of(retrained)] == [7]


@pytest.mark.torch
def test_an_lstm_file_renamed_onto_the_name_after_its_check_is_not_what_loads(dataset, tmp_path, monkeypatch):
    """The LSTM's loader hashed the file, then ``torch.load`` opened the name again: the same gap as the trees'."""
    import torch

    from storecast.artifacts.lstm import save_lstm
    from storecast.models.lstm.forecaster import LSTMConfig, LSTMForecaster

    tiny = LSTMConfig(lookback=28, horizon=14, hidden=8, emb=2, epochs=1, origins_per_store=2, batch_size=64,
                      networks=1)
    path = save_lstm(LSTMForecaster(tiny).fit(dataset.train, "2014-11-19"), tmp_path, {})
    tensors = torch.load(path, weights_only=True)
    other = tmp_path / "retrained.pt"
    torch.save({**tensors, "store_mean": tensors["store_mean"] + 1.0}, other)
    load = torch.load

    def deployed_once_checked(f, *args, **kwargs):
        if other.exists():
            os.replace(other, path)
        return load(f, *args, **kwargs)

    monkeypatch.setattr(torch, "load", deployed_once_checked)
    loaded = load_bundle(path)
    assert np.array_equal(loaded.model.scaler_.store_mean_, tensors["store_mean"].numpy())


def test_a_file_from_before_the_facts_loads_with_a_warning(small_model, tmp_path, caplog):
    import skops.io as sio

    model, _ = small_model
    path = save_bundle(model, kind="lgbm", models_dir=tmp_path)
    assert not hasattr(model, "storecast_facts_")  # the facts go into the file, not onto the caller's model
    sio.dump(model, path)  # what older storecast versions wrote
    _edit_card(path, lambda c: {**c, "sha256": file_sha256(path)})
    with caplog.at_level(logging.WARNING, logger="storecast.artifacts"):
        assert load_bundle(path).kind == "lgbm"
    assert any("holds no copy of its card's key facts" in r.getMessage() for r in caplog.records)


@pytest.mark.torch
def test_an_lstm_file_protects_its_card_too(dataset, tmp_path):
    from storecast.api.serving import load_served
    from storecast.artifacts.lstm import load_lstm_bundle, save_lstm
    from storecast.config import Settings
    from storecast.models.lstm.forecaster import LSTMConfig, LSTMForecaster

    tiny = LSTMConfig(lookback=28, horizon=14, hidden=8, emb=2, epochs=1, origins_per_store=2, batch_size=64,
                      networks=1)
    model = LSTMForecaster(tiny).fit(dataset.train, "2014-11-19")
    path = save_lstm(model, tmp_path, {"training": {"start": "2013-01-01", "end": "2014-11-19"}})
    assert load_lstm_bundle(path).kind == "lstm"
    with pytest.raises(ArtifactError, match="is an LSTM: it forecasts only the days after its cut"):
        load_served(Settings(model_path=path, api_token=None))  # never served: the API takes no history
    card = path.with_suffix(".json").read_text()
    for edit, said in [
        (lambda c: {**c, "versions": {**c["versions"], "torch": "0.0.1"}}, "says torch version '0.0.1'"),
        # what the network, its intervals and its horizon are rebuilt from: a crash, or other numbers, before
        (lambda c: {**c, "config": {**c["config"], "lookback": 14}}, "says config.lookback 14 but the model file "
         "holds 28"),
        (lambda c: {**c, "cut": "2014-10-01"}, 'says cut "2014-10-01" but the model file holds "2014-11-19"'),
        (lambda c: {**c, "intervals": {**c["intervals"], "abs_log_residual_quantiles": {"0.8": 5.0, "0.95": 9.0}}},
         "says intervals.abs_log_residual_quantiles.0.8 5.0"),
        # what a reader judges it by (card.READER_FIELDS): loaded unnoticed before
        (lambda c: {**c, "training": {**c["training"], "start": "2012-01-01"}},
         'says training.start "2012-01-01" but the model file holds "2013-01-01"'),
        (lambda c: {**c, "metrics": {"calibration": {**c["metrics"]["calibration"], "rmspe": 0.01}}},
         "says metrics.calibration.rmspe 0.01"),
    ]:
        path.with_suffix(".json").write_text(card)
        _edit_card(path, edit)
        with pytest.raises(ArtifactError, match="the card was edited; restore it or retrain") as caught:
            load_bundle(path)
        assert said in str(caught.value)


@pytest.mark.torch
@pytest.mark.parametrize(("data", "said"), [
    (b"", "is not a readable LSTM file (EOFError)"),
    (pickle.dumps({"weights": [1.0]}), "holds Python objects besides tensors, which are refused"),
], ids=["empty", "pickle"])
def test_an_lstm_file_that_is_no_tensor_file_is_one_line_saying_retrain(tmp_path, data, said):
    """Even with a card whose sha256 matches: torch's own message runs over many lines, or says nothing."""
    path = complete_model_file(tmp_path, "storecast-lstm-2015-01-01T00-00-00Z.pt", data)
    with pytest.raises(ArtifactError) as caught:
        load_bundle(path)
    message = str(caught.value)
    assert message.startswith(f"model file {path} {said}") and "\n" not in message and "\x1b" not in message
    assert message.endswith("retrain it with `storecast lstm train`.")


def test_a_published_model_and_its_card_are_synced_to_disk_with_their_names(tmp_path, monkeypatch):
    """The bytes are fsynced before the links; the folder after them, so a power loss keeps the new names."""
    synced: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(publish_module, "sync_folder", lambda folder: synced.append(
        (str(folder), sorted(p.name for p in Path(folder).iterdir() if not p.name.startswith(".")))))
    path = save_bundle({"x": 1}, kind="rf", models_dir=tmp_path)
    assert synced == [(str(tmp_path), sorted([path.name, path.with_suffix(".json").name]))]
