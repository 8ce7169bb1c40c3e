"""`storecast predict --out`: where it refuses to write (checked before the forecast), what it keeps, what it warns.

Every refusal is exit 2 with one message naming the path, and nothing is written or changed anywhere.
"""

from __future__ import annotations

import os
import shutil
import stat

import pandas as pd
import pytest

from storecast import schema as s


@pytest.fixture(scope="module")
def data_dir(synthetic_dir, tmp_path_factory):
    """A private copy of the synthetic data: some tests point --out at its files."""
    return shutil.copytree(synthetic_dir, tmp_path_factory.mktemp("d") / "data")


@pytest.fixture(scope="module")
def model(model_path):
    """The session's tiny LightGBM bundle, fitted on the same synthetic data (training ended 2014-12-31)."""
    return model_path


@pytest.fixture
def predict(run_main, model, data_dir):
    def run(out, *more: str) -> tuple[int, str]:
        code, _, err = run_main("predict", "--model", str(model), "--data", str(data_dir), "--out", str(out), *more)
        if code == 2:
            message = err[err.index("error: "):]  # after any progress lines: one line, as every user error
            assert message.strip().count("\n") == 0 and "Traceback" not in err, err
        return code, " ".join(err.split())

    return run


def _files(folder):
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("name", [s.TRAIN_FILE, s.STORE_FILE, s.TEST_FILE, s.STATES_FILE])
def test_an_input_file_is_never_the_output(predict, data_dir, name):
    target = data_dir / name
    before = target.read_bytes()
    code, err = predict(target)
    assert code == 2 and "an input file (data, model or card)" in err and "Traceback" not in err
    assert target.read_bytes() == before


def test_the_input_rows_and_the_model_are_never_the_output(predict, data_dir, model, tmp_path):
    rows = tmp_path / "rows.csv"
    shutil.copy(data_dir / s.TEST_FILE, rows)
    for target in (rows, model, model.with_suffix(".json")):
        before = target.read_bytes()
        code, err = predict(target, "--input", str(rows))
        assert code == 2 and "an input file (data, model or card)" in err, err
        assert target.read_bytes() == before


def test_a_hard_link_to_an_input_is_recognised(predict, data_dir, tmp_path):
    link = tmp_path / "train-link.csv"
    os.link(data_dir / s.TRAIN_FILE, link)
    before = link.read_bytes()
    code, err = predict(link)
    assert code == 2 and "an input file (data, model or card)" in err
    assert link.read_bytes() == before


@pytest.mark.parametrize(("make", "said"), [
    (lambda p: os.symlink(os.devnull, p), "is a symbolic link to a character device"),
    (lambda p: os.mkfifo(p), "is a named pipe (FIFO)"),
    (lambda p: os.mkdir(p), "is a directory"),
])
def test_only_a_regular_file_is_replaced(predict, tmp_path, make, said):
    target = tmp_path / "out.csv"
    make(target)
    code, err = predict(target)
    assert code == 2 and said in err, err
    assert _files(tmp_path) == ["out.csv"]
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)  # the device is still a device


def test_dev_stdout_is_refused(predict):
    code, err = predict("/dev/stdout")
    assert code == 2 and "/dev/stdout is a symbolic link" in err
    assert os.path.islink("/dev/stdout")


def test_a_parent_that_is_a_file_is_a_clear_error(predict, tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    code, err = predict(tmp_path / "notes.txt" / "preds.csv")
    assert code == 2 and "notes.txt is a file, not a directory" in err
    assert _files(tmp_path) == ["notes.txt"]


def test_an_unwritable_directory_is_found_before_the_forecast(predict, tmp_path, monkeypatch):
    """The probe file is what fails in a read-only directory (as root too, whatever the mode bits say)."""
    import storecast.atomic

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(storecast.atomic.tempfile, "mkstemp", refused)
    code, err = predict(tmp_path / "preds.csv")
    assert code == 2 and f"cannot write in {tmp_path} (Permission denied)" in err
    assert "forecast" not in err.split("error")[0]  # stopped before the "forecast N rows" step
    assert _files(tmp_path) == []


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes in a 0500 directory")
def test_a_read_only_directory_is_refused(predict, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        code, err = predict(folder / "preds.csv")
    finally:
        folder.chmod(0o700)
    assert code == 2 and "cannot write in" in err
    assert _files(folder) == []


def test_missing_directories_are_made(predict, tmp_path):
    code, err = predict(tmp_path / "a" / "b" / "preds.csv")
    assert code == 0, err
    assert len(pd.read_csv(tmp_path / "a" / "b" / "preds.csv")) > 0


def test_an_existing_output_keeps_its_permissions(predict, tmp_path):
    out = tmp_path / "preds.csv"
    out.write_text("old")
    out.chmod(0o600)
    code, err = predict(out)
    assert code == 0, err
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and out.read_text().startswith("Id,")


def _rows_file(folder, dates):
    rows = pd.DataFrame({s.ID: range(1, len(dates) + 1), s.STORE: 1, s.DAY_OF_WEEK: 0, s.DATE: pd.to_datetime(dates),
                         s.OPEN: 1, s.PROMO: 0, s.STATE_HOLIDAY: "0", s.SCHOOL_HOLIDAY: 0})
    rows[s.DAY_OF_WEEK] = rows[s.DATE].dt.day_of_week + 1
    path = folder / "rows.csv"
    rows.assign(**{s.DATE: rows[s.DATE].dt.strftime("%Y-%m-%d")}).to_csv(path, index=False)
    return path


@pytest.mark.parametrize(("dates", "said"), [
    (["2015-01-10", "2015-02-11"], None),  # 10 and 42 days after the training end: calibrated
    (["2015-01-10", "2015-02-12", "2015-06-01"], "2 row(s) lie after 2015-02-11, more than 42 days after the "
                                                 "model's training end: their intervals' coverage was never measured"),
    (["2012-06-01", "2015-01-10"], "1 row(s) lie before 2013-01-0"),
])
def test_rows_outside_what_the_model_saw_are_forecast_with_a_warning(predict, tmp_path, dates, said):
    code, err = predict(tmp_path / "preds.csv", "--input", str(_rows_file(tmp_path, dates)))
    assert code == 0, err
    assert len(pd.read_csv(tmp_path / "preds.csv")) == len(dates)
    if said is None:
        assert "warning" not in err
    else:
        assert "warning:" in err and said in err


def test_a_store_without_train_rows_is_named_by_validate_and_by_predict(run_main, predict, data_dir, tmp_path,
                                                                      caplog):
    """Listed in store.csv but with no sales history: validate warns, predict refuses naming the store."""
    bare = shutil.copytree(data_dir, tmp_path / "data")
    store = pd.read_csv(bare / s.STORE_FILE, dtype=str, keep_default_na=False)
    store = pd.concat([store, store.tail(1).assign(**{s.STORE: "99"})])
    store.to_csv(bare / s.STORE_FILE, index=False)
    states = pd.read_csv(bare / s.STATES_FILE, dtype=str)
    pd.concat([states, states.tail(1).assign(**{s.STORE: "99"})]).to_csv(bare / s.STATES_FILE, index=False)
    test = pd.read_csv(bare / s.TEST_FILE, dtype=str, keep_default_na=False)
    extra = test[test[s.STORE] == test[s.STORE].iloc[0]].assign(**{s.STORE: "99"})
    test = pd.concat([test, extra]).assign(**{s.ID: lambda t: [str(i) for i in range(1, len(t) + 1)]})
    test.to_csv(bare / s.TEST_FILE, index=False)

    code, _, err = run_main("validate", "--data", str(bare))
    shown = " ".join(err.split())
    assert code == 0 and "1 store(s) listed in store.csv have no rows in train.csv (99)" in shown
    assert f"test.csv has {len(extra)} row(s) for them" in shown

    code, err = predict(tmp_path / "preds.csv", "--input", str(bare / s.TEST_FILE))
    said = " ".join(err.split())
    assert code == 2 and f"expected a store the model knows, got 99 ({len(extra)} rows, the first here)" in said
    assert "test.csv, line " in said and "column `Store`" in said  # the file's line, as for any other bad value
    assert "add the store's sales history to train.csv and retrain" in said
    assert "predict: ready" not in said  # the steps' last line came before this error
    assert not (tmp_path / "preds.csv").exists()


# The model loads in a background thread while the rows are read (background.in_background): its errors must reach
# the user exactly as a load in the main thread gives them, after a bad row's error, and the output is unchanged.

def _error_of(fn, *args) -> str:
    """The one-line message ``main`` prints for what ``fn(*args)`` raises in this (the main) thread."""
    from storecast.errors import StorecastError

    with pytest.raises(StorecastError) as raised:
        fn(*args)
    return " ".join(f"error: {raised.value}".split())


def _bad_row(data_dir, folder):
    test = pd.read_csv(data_dir / s.TEST_FILE, dtype=str, keep_default_na=False)
    test.loc[3, s.PROMO] = "2"
    path = folder / "bad_rows.csv"
    test.to_csv(path, index=False)
    return path


def test_the_output_is_the_one_of_a_load_in_the_main_thread(predict, model, data_dir, tmp_path):
    from storecast.artifacts import load_bundle
    from storecast.batch import predict_file

    code, err = predict(tmp_path / "cli.csv")
    assert code == 0, err
    predict_file(load_bundle(model), data_dir / s.TEST_FILE, tmp_path / "direct.csv")
    assert (tmp_path / "cli.csv").read_bytes() == (tmp_path / "direct.csv").read_bytes()


def _model_copy(model, folder, edit):
    copy = folder / model.name
    shutil.copy(model, copy)
    shutil.copy(model.with_suffix(".json"), copy.with_suffix(".json"))
    edit(copy)
    return copy


@pytest.mark.parametrize("edit", ["tampered", "not_skops"])
def test_a_bad_model_file_fails_from_the_thread_with_its_own_message(run_main, model, data_dir, tmp_path, edit):
    import hashlib
    import json

    from storecast.artifacts import load_bundle

    def tamper(path):  # one byte changed: the sha256 check refuses it
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))

    def not_skops(path):  # a card that matches, bytes that are no skops archive: skops itself refuses them
        path.write_bytes(b"not a zip file")
        card = json.loads(path.with_suffix(".json").read_text())
        card["sha256"] = hashlib.sha256(b"not a zip file").hexdigest()
        path.with_suffix(".json").write_text(json.dumps(card))

    bad = _model_copy(model, tmp_path, {"tampered": tamper, "not_skops": not_skops}[edit])
    expected = _error_of(load_bundle, bad)
    assert ("does not match its card" if edit == "tampered" else "cannot be read as a skops archive") in expected
    code, _, err = run_main("predict", "--model", str(bad), "--data", str(data_dir), "--out", str(tmp_path / "p.csv"))
    message = err[err.index("error: "):]
    assert code == 2 and message.strip().count("\n") == 0 and "Traceback" not in err, err
    assert " ".join(message.split()) == expected
    assert not (tmp_path / "p.csv").exists()


def test_a_bad_row_is_reported_as_before_and_wins_over_a_bad_model(run_main, predict, model, data_dir, tmp_path):
    from storecast.data.contract import load_rows

    rows = _bad_row(data_dir, tmp_path)
    expected = _error_of(load_rows, rows)
    assert "Promo" in expected
    code, err = predict(tmp_path / "p.csv", "--input", str(rows))
    assert code == 2 and err[err.index("error: "):] == expected
    (tmp_path / "m").mkdir()
    bad = _model_copy(model, tmp_path / "m", lambda p: p.write_bytes(b"truncated"))
    code, _, err = run_main("predict", "--model", str(bad), "--data", str(data_dir), "--input", str(rows),
                            "--out", str(tmp_path / "p.csv"))
    assert code == 2 and " ".join(err[err.index("error: "):].split()) == expected  # the rows' error, as before
    assert not (tmp_path / "p.csv").exists()


def test_a_bad_row_does_not_wait_for_the_model(run_main, data_dir, model, tmp_path, monkeypatch):
    """The load is a daemon thread: a bad input fails as soon as it is read, however long the model takes."""
    import threading
    import time

    from storecast import artifacts

    release = threading.Event()
    monkeypatch.setattr(artifacts, "load_bundle", lambda path: release.wait(60))
    started = time.perf_counter()
    try:
        code, _, err = run_main("predict", "--model", str(model), "--data", str(data_dir),
                                "--input", str(_bad_row(data_dir, tmp_path)), "--out", str(tmp_path / "p.csv"))
    finally:
        release.set()
    assert code == 2 and "Promo" in err
    assert time.perf_counter() - started < 30


def test_a_bad_row_in_a_later_chunk_never_follows_a_line_saying_done(predict, data_dir, tmp_path):
    """The steps before the forecast ended in "predict: done", and the chunks are forecast after them, so a bad row in
    a later chunk printed "done" and then its error. The steps' last line now says "ready"; the error still names the
    line and nothing is written."""
    rows = pd.read_csv(data_dir / s.TEST_FILE, dtype=str, keep_default_na=False)
    rows.loc[len(rows) - 1, s.DATE] = "2015-02-30"
    bad = tmp_path / "later.csv"
    rows.to_csv(bad, index=False)
    code, said = predict(tmp_path / "preds.csv", "--input", str(bad), "--chunk-rows", "50")
    assert code == 2 and f"later.csv, line {len(rows) + 1}, column `Date`" in said
    assert "predict: ready" in said and "done" not in said
    assert not (tmp_path / "preds.csv").exists()

    code, said = predict(tmp_path / "preds.csv")
    assert code == 0 and "predict: ready" in said and said.index("predict: ready") < said.index("wrote ")
