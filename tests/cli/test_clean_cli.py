"""`storecast clean` writes cleaned parquet files and a report, and never touches its input."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from storecast.cli import app


def test_clean_writes_outputs_and_leaves_input_files_byte_identical(synthetic_dir, dataset, tmp_path):
    before = {p: p.read_bytes() for p in synthetic_dir.rglob("*.csv")}
    out = tmp_path / "clean"
    result = CliRunner().invoke(app, ["clean", "--data", str(synthetic_dir), "--out", str(out),
                                      "--outlier-action", "remove"])
    assert result.exit_code == 0, result.output
    assert {p: p.read_bytes() for p in synthetic_dir.rglob("*.csv")} == before
    train = pd.read_parquet(out / "train_clean.parquet")
    store = pd.read_parquet(out / "store_clean.parquet")
    report = json.loads((out / "cleaning_report.json").read_text())
    assert not store["CompetitionDistance"].isna().any()
    removed = sum(a["changed"] for a in report["actions"] if a["step"] == "drop_outlier_rows")
    assert removed > 0 and len(train) == len(dataset.train) - removed
    assert pd.read_csv(out / "cleaning_report.csv").shape[0] == len(report["actions"])
    assert not list(out.glob("*.tmp"))  # atomic writes leave no temp files
    # the last line names the output: the table's title, which did, scrolls away above a long report
    assert " ".join(result.output.split()).endswith(
        f"wrote {out / 'train_clean.parquet'} and store_clean.parquet (pandas.read_parquet reads them); this report: "
        "cleaning_report.csv")



def test_a_failed_write_leaves_the_earlier_outputs_as_a_whole_set(synthetic_dir, tmp_path, monkeypatch):
    """Was file by file: a failure writing the report (disk full, Ctrl-C) left the new cleaned data beside the
    old run's report, which described other options and other rows."""
    import types

    import storecast.cli.clean as clean_command

    out = tmp_path / "clean"
    first = CliRunner().invoke(app, ["clean", "--data", str(synthetic_dir), "--out", str(out)])
    assert first.exit_code == 0, first.output
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert len(before) == 4

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    # the report's JSON is the last file written
    monkeypatch.setattr(clean_command, "json", types.SimpleNamespace(dumps=full_disk))
    again = CliRunner().invoke(app, ["clean", "--data", str(synthetic_dir), "--out", str(out),
                                     "--outlier-action", "remove"])
    assert again.exit_code != 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no temp file, nothing replaced

@pytest.mark.parametrize(("option", "message"), [
    ("--outlier-action", "`--outlier-action` must be cap, log, flag or remove; got 'ignore'."),
    ("--outlier-method", "`--outlier-method` must be iqr, zscore or mad; got 'ignore'."),
    ("--impute", "`--impute` must be mean, median, most_frequent or model; got 'ignore'."),
])
def test_clean_refuses_an_unknown_choice_naming_the_option(synthetic_dir, tmp_path, option, message):
    """The message names the option as typed (`--outlier-action`), not the Python field (`outlier_action`)."""
    result = CliRunner().invoke(app, ["clean", "--data", str(synthetic_dir), "--out", str(tmp_path / "out"),
                                      option, "ignore"])
    assert result.exit_code == 2
    assert message in " ".join(result.output.replace("│", " ").split())  # the message as one line, box undone
    assert not (tmp_path / "out").exists()


def test_clean_default_caps_and_reports_fill_values_and_bounds(synthetic_dir, dataset, tmp_path):
    before = {p: p.read_bytes() for p in synthetic_dir.rglob("*") if p.is_file()}
    out = tmp_path / "capped"
    result = CliRunner().invoke(app, ["-v", "clean", "--data", str(synthetic_dir), "--out", str(out),
                                      "--outlier-method", "mad", "--impute", "model"])
    assert result.exit_code == 0, result.output
    assert {p: p.read_bytes() for p in synthetic_dir.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in out.iterdir()) == [
        "cleaning_report.csv", "cleaning_report.json", "store_clean.parquet", "train_clean.parquet"]
    train = pd.read_parquet(out / "train_clean.parquet")
    store = pd.read_parquet(out / "store_clean.parquet")
    assert len(train) == len(dataset.train) and "SalesPerCustomer" in train.columns
    assert {"CompetitionDistanceMissing", "CompetitionOpenSinceMissing"} <= set(store.columns)
    assert not store.drop(columns=["State"], errors="ignore").isna().any().any()
    report = json.loads((out / "cleaning_report.json").read_text())
    assert report["options"] == {"outlier_method": "mad", "outlier_action": "cap", "impute": "model"}
    sales = next(a for a in report["actions"] if a["step"] == "OutlierHandler" and a["column"] == "Sales")
    assert sales["rule"] == "mad per Store -> cap" and "bounds over all rows" in sales["detail"]
    # capped values lie inside what the report's per-store bounds allow: nothing above the raw maximum
    assert train["Sales"].max() <= dataset.train["Sales"].max()
    assert "clean: daily rows" in result.output  # -v logs each step


@pytest.mark.parametrize("command", [["clean"], ["lstm", "analyze"], ["lstm", "train"], ["lstm", "evaluate"]])
def test_data_help_says_test_csv_is_optional(run_main, synthetic_dir, tmp_path, command):
    """Was "Directory with train.csv, store.csv and test.csv.": these commands read test.csv only when it is there."""
    code, out, _ = run_main(*command, "--help")
    said = " ".join(out.replace("│", " ").split())
    assert code == 0 and re.search(r"test\.csv (is )?optional", said), said
    if command == ["clean"]:
        import shutil

        data = shutil.copytree(synthetic_dir, tmp_path / "data", ignore=shutil.ignore_patterns("test.csv"))
        code, _, err = run_main("clean", "--data", str(data), "--out", str(tmp_path / "out"))
        assert code in (0, None), err


@pytest.mark.parametrize("command", [["validate"], ["clean"], ["eda"], ["train"], ["evaluate"], ["predict"],
                                     ["lstm", "analyze"], ["lstm", "train"], ["lstm", "evaluate"], ["plan"]])
def test_data_help_says_the_files_may_be_parquet(run_main, command):
    """Was "Directory with train.csv, store.csv ...": every command reads .parquet (and train/ parts) as well."""
    code, out, _ = run_main(*command, "--help")
    said = " ".join(out.replace("│", " ").split())
    assert code == 0 and re.search(r"\.parquet", said), said
