"""What `storecast predict` tells an analyst about the file it wrote."""

from __future__ import annotations

import pandas as pd
import pytest


def test_predict_says_what_lower_and_upper_are(run_main, model_path, synthetic_dir, tmp_path):
    """Was only "wrote N forecasts to X": nothing said lower..upper is an 80% band, or that closed days are 0."""
    out = tmp_path / "preds.csv"
    code, _, err = run_main("predict", "--model", str(model_path), "--data", str(synthetic_dir), "--out", str(out))
    said = " ".join(err.split())
    assert code in (0, None), err
    rows = len(pd.read_csv(out))
    assert f"wrote {rows:,} forecasts to {out} (Sales: the point forecast per store and day; lower..upper: its 80% " \
           "prediction interval; closed days: 0)" in said


_PREDICT_THEN_SAY_IMPORTS = """
import json, sys
from storecast.cli import main
try:
    main()
except SystemExit as exc:
    assert not exc.code, exc.code
print(json.dumps({name: name in sys.modules for name in ("hypothesis", "pytest", "torch", "dask",
                                                                    "charset_normalizer")}))
"""


def test_predict_imports_no_test_tools_or_torch(model_path, synthetic_dir, tmp_path):
    """pandera imported hypothesis, scikit-learn pytest (both installed with the dev extra) and numpy.f2py
    charset_normalizer, for features `storecast predict` never uses: about 0.15 s of every run
    (docs/benchmarks.md)."""
    import importlib.util
    import json
    import subprocess
    import sys

    for name in ("hypothesis", "pytest", "charset_normalizer"):  # installed, else the test shows nothing
        assert importlib.util.find_spec(name), name
    out = tmp_path / "preds.csv"
    done = subprocess.run([sys.executable, "-c", _PREDICT_THEN_SAY_IMPORTS, "predict", "--model", str(model_path),
                           "--data", str(synthetic_dir), "--out", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == {"hypothesis": False, "pytest": False, "torch": False,
                                                         "dask": False, "charset_normalizer": False}
    assert len(pd.read_csv(out)) == len(pd.read_csv(synthetic_dir / "test.csv"))


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_a_missing_model_file_is_the_only_thing_said(run_main, synthetic_dir, tmp_path, engine):
    """Was "read rows (loading X meanwhile)", "load X" and a spinner line first, as if the run had started."""
    model = tmp_path / "does-not-exist.skops"
    code, out, err = run_main("predict", "--model", str(model), "--data", str(synthetic_dir), "--engine", engine,
                              "--out", str(tmp_path / "preds.csv"))
    assert code == 2 and out == ""
    assert " ".join(err.split()) == (f"error: model file {model} not found: give a .skops or .pt file that "
                                     f"`storecast train` (or `lstm train`) saved; `storecast models list "
                                     f"--models-dir {tmp_path}` shows the ones in {tmp_path}.")


def test_a_data_folder_without_test_csv_is_said_before_any_step(run_main, model_path, synthetic_dir, tmp_path):
    """Without --input the rows are DATA/test.csv: its absence is the reader's "file not found", said first."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(synthetic_dir, data)
    (data / "test.csv").unlink()
    code, out, err = run_main("predict", "--model", str(model_path), "--data", str(data),
                              "--out", str(tmp_path / "preds.csv"))
    assert code == 2 and out == ""
    # and names --input: "(see --data)" alone sent a user whose rows lie elsewhere to the wrong option
    assert " ".join(err.split()) == (f"error: {data / 'test.csv'}: file not found: expected test.csv here (see "
                                     "--data), or give the rows to forecast with --input FILE")


def test_a_test_parquet_that_is_a_folder_is_named_as_itself(run_main, model_path, synthetic_dir, tmp_path):
    """test.parquet as a folder, no test.csv: was "test.csv: file not found" (now the reader's path) and then
    "test.parquet: is a directory: expected test.csv here", naming a file the folder never was."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(synthetic_dir, data)
    (data / "test.csv").unlink()
    (data / "test.parquet").mkdir()
    code, out, err = run_main("predict", "--model", str(model_path), "--data", str(data),
                              "--out", str(tmp_path / "preds.csv"))
    assert code == 2 and out == ""
    assert " ".join(err.split()) == (f"error: {data / 'test.parquet'}: is a directory: expected test.parquet here as "
                                     "a file (see --data)")


def _data_with_store_csv(synthetic_dir, tmp_path, edit):
    """A copy of the synthetic data whose store.csv ``edit`` rewrites (a text -> text function)."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(synthetic_dir, data)
    (data / "store.csv").write_text(edit((data / "store.csv").read_text()))
    return data


def _store_type_of_store_2(text: str, to: str) -> str:
    header, *lines = text.splitlines()
    col = [c.strip('"') for c in header.split(",")].index("StoreType")
    cells = lines[1].split(",")  # store 2: store.csv is sorted by Store
    assert cells[0].strip('"') == "2"
    was = cells[col].strip('"')
    cells[col] = to if to != "other" else next(t for t in "abcd" if t != was)
    return "\n".join([header, lines[0], ",".join(cells), *lines[2:]]) + "\n"


@pytest.mark.parametrize(("to", "said"), [
    ("other", "differs from the store facts in {model}: StoreType of 1 store(s) (2); the model forecasts with "
              "the facts it was trained on (train a new model to use the file's)"),
    ("z", "cannot be read ({store}, line 3, column `StoreType`: expected one of a, b, c, d, got 'z': correct the "
          "value or remove the line): the model forecasts with the store facts it was trained on, which this run "
          "did not check against the file"),
])
def test_a_store_csv_that_disagrees_with_the_model_is_a_warning(run_main, model_path, synthetic_dir, tmp_path, to,
                                                                said):
    """Was nothing: a tree model carries its store table, so an edited or broken DATA/store.csv passed unnoticed."""
    data = _data_with_store_csv(synthetic_dir, tmp_path, lambda text: _store_type_of_store_2(text, to))
    out = tmp_path / "preds.csv"
    code, _, err = run_main("predict", "--model", str(model_path), "--data", str(data), "--out", str(out))
    assert code in (0, None), err
    text = " ".join(err.split())
    assert f"warning: {data / 'store.csv'} " + said.format(model=model_path.name, store=data / "store.csv") in text
    assert len(pd.read_csv(out)) == len(pd.read_csv(data / "test.csv"))  # forecast as before


def test_the_store_csv_the_model_was_trained_on_says_nothing(run_main, model_path, synthetic_dir, tmp_path):
    # an empty CompetitionDistance is no difference: the model filled that gap its own way at fit
    def blank_distance(text: str) -> str:
        header, *lines = text.splitlines()
        col = [c.strip('"') for c in header.split(",")].index("CompetitionDistance")
        cells = lines[0].split(",")
        cells[col] = ""
        return "\n".join([header, ",".join(cells), *lines[1:]]) + "\n"

    data = _data_with_store_csv(synthetic_dir, tmp_path, blank_distance)
    code, _, err = run_main("predict", "--model", str(model_path), "--data", str(data),
                            "--out", str(tmp_path / "preds.csv"))
    assert code in (0, None) and "store.csv" not in err, err


def test_store_csv_is_optional_and_the_help_says_so(run_main, model_path, synthetic_dir, tmp_path):
    """Was a help naming store.csv first, as if required, while a run without it said nothing and forecast as
    usual (the model carries its store facts): the help now says the file is optional."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(synthetic_dir, data)
    (data / "store.csv").unlink()
    out = tmp_path / "preds.csv"
    code, _, err = run_main("predict", "--model", str(model_path), "--data", str(data), "--out", str(out))
    assert code in (0, None) and "store.csv" not in err, err
    assert len(pd.read_csv(out)) == len(pd.read_csv(data / "test.csv"))
    _, help_text, _ = run_main("predict", "--help")
    assert "store.csv is optional" in " ".join(help_text.replace("│", " ").split())


def test_a_bad_row_in_a_later_chunk_ends_the_run_after_the_store_csv_check(run_main, model_path, synthetic_dir,
                                                                         tmp_path, monkeypatch):
    """The store.csv check runs in a daemon thread beside the forecast; a bad row in a later chunk ended the
    command while it ran, and a thread cut off inside pyarrow's C++ at exit aborted the process now and then
    ("terminate called without an active exception", exit code 134 instead of the message and 2)."""
    import threading
    import time

    import storecast.batch
    import storecast.cli.predict as predict_cli

    failed = threading.Event()
    checks: list[str] = []
    real_check, real_predict = predict_cli._store_file_note, storecast.batch.predict_chunks

    def check_still_running_when_the_forecast_fails(data, bundle):
        checks.append("started")
        failed.wait(timeout=60)
        time.sleep(0.3)  # pyarrow still reading store.csv after the bad row was found
        checks.append("done")
        return real_check(data, bundle)

    def predict_chunks(*args, **kwargs):
        try:
            return real_predict(*args, **kwargs)
        finally:
            failed.set()

    monkeypatch.setattr(predict_cli, "_store_file_note", check_still_running_when_the_forecast_fails)
    monkeypatch.setattr(storecast.batch, "predict_chunks", predict_chunks)
    lines = (synthetic_dir / "test.csv").read_text().splitlines(keepends=True)
    *cells, _ = lines[-1].rstrip("\n").split(",")
    rows = tmp_path / "rows.csv"
    rows.write_text("".join(lines[:-1]) + ",".join([*cells, '"x"']) + "\n")  # SchoolHoliday 'x' on the last line
    code, _, err = run_main("predict", "--model", str(model_path), "--data", str(synthetic_dir), "--input", str(rows),
                            "--out", str(tmp_path / "preds.csv"), "--chunk-rows", "50")
    assert code == 2 and f"line {len(lines)}, column `SchoolHoliday`" in " ".join(err.split()), err
    assert checks == ["started", "done"]


@pytest.mark.parametrize("edit", [
    lambda text: text + b"\n  \n\r\n\n",  # blank lines at the end, as an editor or a spreadsheet may leave them
    lambda text: text.replace(b"\n", b"\r"),  # an old Mac file: every line ends in CR alone
], ids=["blank lines at the end", "lone CR line ends"])
def test_the_forecast_step_counts_the_rows_forecast(run_main, model_path, synthetic_dir, tmp_path, edit):
    """Blank lines at a file's end are left out of the forecast, but the step's total (and the bar's) counted
    them: "forecast 1,005 rows" for 1,000 rows written, and a bar that ended short of 100%; an old Mac file
    was "forecast 0 rows"."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(synthetic_dir, data)
    test_csv = data / "test.csv"
    rows = len(pd.read_csv(test_csv))
    test_csv.write_bytes(edit(test_csv.read_bytes()))
    out = tmp_path / "preds.csv"
    code, _, err = run_main("predict", "--model", str(model_path), "--data", str(data), "--out", str(out))
    assert code in (0, None), err
    said = " ".join(err.split())
    assert f"forecast {rows:,} rows" in said and f"wrote {rows:,} forecasts" in said, said
