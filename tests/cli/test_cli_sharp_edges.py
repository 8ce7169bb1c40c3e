"""The CLI's promises on a careless user's input: one escaped line, exit 2, no traceback."""

from __future__ import annotations

import csv
import importlib.abc
import shutil
import sys

import pytest

from storecast import __version__


def _copy_with_cell(src, dst, file: str, line: int, column: str, value: str):
    shutil.copytree(src, dst)
    path = dst / file
    with path.open(newline="") as fh:
        rows = list(csv.reader(fh))
    rows[line - 1][rows[0].index(column)] = value  # line 1 is the header
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return dst


def test_a_cell_holding_rich_markup_is_printed_as_written(run_main, synthetic_dir, tmp_path):
    data = _copy_with_cell(synthetic_dir, tmp_path / "data", "test.csv", 5, "StateHoliday", "[/b]")
    code, _, err = run_main("validate", "--data", str(data))
    assert code == 2
    assert "test.csv, line 5, column `StateHoliday`" in err and "'[/b]'" in err
    assert "Traceback" not in err and "MarkupError" not in err


def test_a_path_holding_rich_markup_is_printed_as_written(run_main, tmp_path):
    code, _, err = run_main("validate", "--data", str(tmp_path / "[bold]x[/]"))
    assert code == 2 and "[bold]x[/]" in err and "Traceback" not in err


def test_missing_torch_is_one_line_and_exit_2_before_reading_data(run_main, monkeypatch, tmp_path):
    class NoTorch(importlib.abc.MetaPathFinder):  # what `import torch` meets when PyTorch is not installed
        def find_spec(self, name, path=None, target=None):
            if name == "torch" or name.startswith("torch."):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    for name in [m for m in sys.modules if m == "torch" or m.startswith("torch.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "meta_path", [NoTorch(), *sys.meta_path])
    code, _, err = run_main("lstm", "train", "--data", str(tmp_path / "not-read"))
    assert code == 2
    assert "storecast[lstm]" in err and "Traceback" not in err
    assert "data directory" not in err  # stopped before the data were read


def test_version(run_main):
    code, out, _ = run_main("--version")
    assert code == 0 and out.strip() == f"storecast {__version__}"


def test_python_dash_m_runs_the_same_cli():
    """Where the venv's bin/ is not on PATH: was "No module named storecast.__main__"."""
    import subprocess

    done = subprocess.run([sys.executable, "-m", "storecast", "--version"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"storecast {__version__}"


def test_every_command_reads_storecast_models_dir(run_main, monkeypatch, synthetic_dir, tmp_path):
    """train writes there, models list and serve look there: one setting, not a hard-coded models/."""
    folder = tmp_path / "shared-models"
    monkeypatch.setenv("STORECAST_MODELS_DIR", str(folder))
    monkeypatch.chdir(tmp_path)  # a stray ./models would show a command ignoring the variable
    # one seed: this test is about where the file goes, and the full default fit took minutes on 2 cores
    # right after the API tests (LightGBM's training threads ran at half a core there; cause not found)
    code, out, _ = run_main("train", "--data", str(synthetic_dir), "--until", "2014-12-31", "--seeds", "1")
    assert code == 0
    saved = out.strip().splitlines()[-1]
    assert saved.startswith(str(folder)) and not (tmp_path / "models").exists()
    code, _, err = run_main("models", "list")
    shown = " ".join(err.split())
    assert code == 0 and f"models in {folder}" in shown and "lgbm" in shown and "no complete model" not in shown


def test_the_readme_lists_every_setting():
    from pathlib import Path

    from storecast.config import Settings

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    missing = [f"STORECAST_{name.upper()}" for name in Settings.model_fields
               if f"STORECAST_{name.upper()}" not in readme]
    assert not missing, f"README does not list {missing}"


@pytest.mark.parametrize("args", [
    ["synth", "--stores", "1", "--out", "{file}"],
    ["clean", "--data", "{data}", "--out", "{file}"],
    ["eda", "--data", "{data}", "--out", "{file}/report"],
    ["demo", "--out", "{file}"],
    ["evaluate", "--data", "{data}", "--out", "{file}"],
    ["train", "--data", "{data}", "--models-dir", "{file}"],
    ["lstm", "analyze", "--data", "{data}", "--out", "{file}"],
    ["lstm", "train", "--data", "{data}", "--models-dir", "{file}/models"],
    ["lstm", "evaluate", "--data", "{data}", "--out", "{file}"],
], ids=lambda args: " ".join(args[:2]))
def test_an_output_directory_that_is_a_file_stops_before_any_work(run_main, tmp_path, args):
    """Was a mkdir traceback, for train only after the whole fit; the data (absent here) are never read."""
    file = tmp_path / "notes.txt"
    file.write_text("keep me")
    code, _, err = run_main(*(a.format(file=file, data=tmp_path / "no-data") for a in args))
    said = " ".join(err.split())
    assert code == 2 and "Traceback" not in err, err
    assert f"{file}" in said and "is a file, not a directory" in said and "data directory" not in said
    assert file.read_text() == "keep me" and sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


@pytest.mark.parametrize(("args", "said"), [
    (["lstm", "train", "--until", "0001-01-01"], "`--until` must be a date 2000-01-01..2099-12-31"),
    # checked after the data were read (seconds on the real files), where `lstm` checked it first: the data (an
    # empty folder here) are not read, so the answer is about --until, not a missing train.csv
    (["train", "--until", "2015-02-30"], "`--until` must be a calendar date; got '2015-02-30'"),
    (["evaluate", "--until", "2015/05/07"], "`--until` must look like YYYY-MM-DD; got '2015/05/07'"),
    (["serve", "--model", "m.skops", "--log-level", "loud"], "`--log-level` must be one of debug, info"),
    # absurd sizes that ran for hours or wrote gigabytes (100,000 fits; 9 GB of synthetic rows), or overflowed
    (["evaluate", "--windows", "100000"], "'--windows': Input should be less than or equal to 52"),
    (["evaluate", "--folds", "100000"], "'--folds': Input should be less than or equal to 60"),
    (["lstm", "evaluate", "--windows", "100000"], "'--windows': Input should be less than or equal to 52"),
    (["synth", "--stores", "99999999999999999999", "--out", "x"], "'--stores': Input should be less than or equal"),
    (["synth", "--stores", "3", "--test-days", "100000000", "--out", "x"], "'--test-days': Input should be less"),
    # a numpy traceback (negative seed), and a chain held in memory until it ran out of it
    (["demo", "--seed", "-1", "--out", "x"], "'--seed': Input should be greater than or equal to 0"),
    (["demo", "--stores", "100000000", "--out", "x"], "'--stores': Input should be less than or equal to 10000"),
    # --folds replaced the seasonal layout, so --windows was silently ignored
    (["evaluate", "--folds", "2", "--windows", "3"], "give --windows (seasonal windows) or --folds (rolling folds)"),
], ids=["lstm-until-year-1", "train-until-no-such-day", "evaluate-until-slashes", "serve-log-level", "windows-huge",
        "folds-huge", "lstm-windows-huge", "synth-stores-huge",
        "synth-test-days-huge", "demo-seed-negative", "demo-stores-huge", "evaluate-folds-and-windows"])
def test_odd_option_values_are_usage_errors_not_tracebacks(run_main, tmp_path, monkeypatch, args, said):
    monkeypatch.chdir(tmp_path)  # where a relative --out would land
    code, out, err = run_main(*args, *(["--data", str(tmp_path)] if args[0] in ("lstm", "evaluate", "train") else []))
    assert code == 2 and "Traceback" not in out + err
    assert said in " ".join(err.replace("│", " ").split())
    assert sorted(tmp_path.iterdir()) == []  # refused before any work: nothing written


@pytest.mark.parametrize(("a_file", "said"), [(False, "not found"), (True, "is a file, not a directory")],
                         ids=["missing", "file"])
def test_models_list_of_a_folder_that_is_not_there_is_an_error(run_main, tmp_path, a_file, said):
    """Was "no complete model in X" with exit 0, as for an empty folder: a typo looked like no model yet."""
    where = tmp_path / "modles"
    if a_file:
        where.write_text("keep")
    code, _, err = run_main("models", "list", "--models-dir", str(where))
    assert code == 2 and "Traceback" not in err
    assert f"--models-dir: {where} {said}" in " ".join(err.split())


def test_models_list_names_the_setting_that_chose_the_folder(run_main, tmp_path, monkeypatch):
    """A missing folder from STORECAST_MODELS_DIR is that setting's error; the default folder missing is no error:
    nothing has been trained yet."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STORECAST_MODELS_DIR", str(tmp_path / "gone"))
    code, _, err = run_main("models", "list")
    assert code == 2 and f"STORECAST_MODELS_DIR: {tmp_path / 'gone'} not found" in " ".join(err.split())
    monkeypatch.delenv("STORECAST_MODELS_DIR")
    code, out, err = run_main("models", "list")
    assert code == 0 and "no models yet: models does not exist" in " ".join((out + err).split())


def test_models_list_reads_the_setting_as_every_command_does(run_main, tmp_path, monkeypatch):
    """The settings read variable names in any case (pydantic-settings); `models list` asks them who chose the
    folder rather than the environment itself, so a folder `train` would save into is never "the default"."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STORECAST_MODELS_DIR", raising=False)
    monkeypatch.setenv("storecast_models_dir", str(tmp_path / "gone"))
    code, _, err = run_main("models", "list")
    assert code == 2 and f"STORECAST_MODELS_DIR: {tmp_path / 'gone'} not found" in " ".join(err.split())


@pytest.mark.parametrize(("args", "said"), [
    # a models directory as --model: was "not found" (plan) or "unknown model file" (predict)
    (["predict", "--model", "{dir}", "--data", "{data}", "--out", "{out}"],
     "model file {dir} is a directory: expected a .skops or .pt model file"),
    (["plan", "rank", "--model", "{dir}", "--data", "{data}", "--start", "2015-08-01", "--out", "{out}"],
     "is a directory: expected a .skops or .pt model file, e.g. the newest one in it (see `storecast models list"),
    # was "expected test.csv here (see --data)"
    (["predict", "--model", "{dir}/m.skops", "--data", "{data}", "--input", "{dir}/rows.csv", "--out", "{out}"],
     "--input: {dir}/rows.csv not found"),
    # a data file as --data: was "data directory not found" (train) or "train.csv/test.csv: file not found"
    (["train", "--data", "{data}/train.csv", "--models-dir", "{dir}"], "train.csv: is a file, not a directory"),
    # train reads no test.csv: was told to pass a directory holding "test.csv, the rows to forecast" too
    (["train", "--data", "{data}/train.csv", "--models-dir", "{dir}"],
     "is a file, not a directory: pass --data DIR, the directory holding train.csv and store.csv (such as {data})"),
    (["validate", "--data", "{data}/train.csv"], "the directory holding train.csv and store.csv, and test.csv, the "
                                                 "rows to forecast (such as {data})"),
    (["predict", "--model", "{dir}/m.skops", "--data", "{data}/train.csv", "--out", "{out}"],
     "train.csv: is a file, not a directory: expected the directory holding test.csv"),
    # a directory as --input: was "is a directory: expected test.csv here as a file (see --data)"
    (["predict", "--model", "{dir}/m.skops", "--data", "{data}", "--input", "{dir}", "--out", "{out}"],
     "--input: {dir} is a directory: give the CSV or parquet file of rows to forecast"),
    # --data wrong while --input names the rows: was ignored without a word, the forecast written
    (["predict", "--model", "{dir}/m.skops", "--data", "{dir}/gone", "--input", "{data}/test.csv", "--out", "{out}"],
     "--data: {dir}/gone not found: expected the directory holding train.csv and, optionally, store.csv."),
    (["predict", "--model", "{dir}/m.skops", "--data", "{data}/train.csv", "--input", "{data}/test.csv",
      "--out", "{out}"], "--data: {data}/train.csv is a file, not a directory: expected the directory holding"),
    # Kaggle's download as --data: was "is a file, not a directory" without saying to unpack it
    (["validate", "--data", "{dir}/rossmann-store-sales.zip"],
     "rossmann-store-sales.zip: is a file, not a directory (packed: unpack it first, unzip FILE.zip): pass --data"),
    (["predict", "--model", "{dir}/m.skops", "--data", "{dir}/rossmann-store-sales.zip", "--out", "{out}"],
     "rossmann-store-sales.zip: is a file, not a directory (packed: unpack it first, unzip FILE.zip): expected the "
     "directory holding test.csv"),
    (["predict", "--model", "{dir}/m.skops", "--data", "{dir}/rossmann-store-sales.zip", "--input", "{data}/test.csv",
      "--out", "{out}"], "--data: {dir}/rossmann-store-sales.zip is a file, not a directory (packed: unpack it first, "
                         "unzip FILE.zip): expected the directory holding train.csv and, optionally, store.csv."),
], ids=["predict-model-dir", "plan-model-dir", "predict-input-missing", "train-data-file", "train-no-test-csv",
        "validate-test-csv", "predict-data-file",
        "predict-input-dir", "predict-data-missing-with-input", "predict-data-file-with-input", "validate-data-zip",
        "predict-data-zip", "predict-data-zip-with-input"])
def test_a_path_of_the_wrong_kind_is_named_for_what_it_is(run_main, synthetic_dir, tmp_path, args, said):
    values = {"dir": tmp_path, "data": synthetic_dir, "out": tmp_path / "out.csv"}
    (tmp_path / "rossmann-store-sales.zip").write_bytes(b"PK\x03\x04" + bytes(100))
    code, _, err = run_main(*(a.format(**values) for a in args))
    assert code == 2 and "Traceback" not in err, err
    assert said.format(**values) in " ".join(err.split())


@pytest.mark.parametrize(("args", "said"), [
    # `train --model lgbm` takes a kind: the same word where a file is wanted was only "model file lgbm not found."
    (["predict", "--model", "lgbm", "--data", "{data}", "--out", "{out}"],
     "model file lgbm not found: 'lgbm' is a model kind, not a file; give the .skops or .pt file"),
    (["plan", "--model", "rf", "--data", "{data}", "--store", "1", "--start", "2015-08-01"],
     "model file rf not found: 'rf' is a model kind, not a file"),
    # plan named STORECAST_MODEL_PATH, a setting of `serve` that plan never reads
    (["plan", "--model", "{dir}/gone.skops", "--data", "{data}", "--store", "1", "--start", "2015-08-01"],
     "error: model file {dir}/gone.skops not found: give a .skops or .pt file that `storecast train` (or `lstm "
     "train`) saved; `storecast models list --models-dir {dir}` shows the ones in {dir}."),
], ids=["predict-kind", "plan-kind", "plan-missing-file"])
def test_a_model_option_that_names_no_file_says_what_it_wants(run_main, synthetic_dir, tmp_path, args, said):
    values = {"dir": tmp_path, "data": synthetic_dir, "out": tmp_path / "out.csv"}
    code, out, err = run_main(*(a.format(**values) for a in args))
    assert code == 2 and out == "" and "STORECAST_MODEL_PATH" not in err
    assert said.format(**values) in " ".join(err.split())


@pytest.mark.parametrize(("given", "said"), [
    # the card beside the model shares its name: was "unknown model file X.json: expected a .skops or .pt file"
    (lambda m: m.with_suffix(".json"), "{card} is the card of {model}: give the model file itself."),
    # the name less its suffix: was "model file X not found." though X.skops was right there
    (lambda m: m.with_suffix(""), "{stem} not found: {model} is there; give the name with its suffix, .skops."),
], ids=["card", "no-suffix"])
def test_a_model_option_next_to_the_model_file_names_it(run_main, model_path, synthetic_dir, tmp_path, given, said):
    values = {"card": model_path.with_suffix(".json").name, "model": model_path, "stem": model_path.with_suffix("")}
    for command in (["predict", "--out", str(tmp_path / "out.csv")], ["plan", "--store", "1", "--start", "2015-08-01"]):
        code, _, err = run_main(command[0], "--model", str(given(model_path)), "--data", str(synthetic_dir),
                                *command[1:])
        assert code == 2 and said.format(**values) in " ".join(err.split()), err


@pytest.mark.parametrize(("args", "said"), [
    (("validate", "-v", "--data", "x"), "-v validate ..."),
    (("lstm", "train", "--verbose", "--data", "x"), "--verbose lstm train ..."),
])
def test_verbose_after_the_command_says_where_it_goes(run_main, args, said):
    code, _, err = run_main(*args)
    assert code == 2 and said in " ".join(err.split()) and "Traceback" not in err
