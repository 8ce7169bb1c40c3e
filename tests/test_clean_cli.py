"""`storecast clean` writes cleaned parquet files and a report, and never touches its input."""

from __future__ import annotations

import json

import pandas as pd
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


def test_clean_refuses_an_unknown_action(synthetic_dir, tmp_path):
    result = CliRunner().invoke(app, ["clean", "--data", str(synthetic_dir), "--out", str(tmp_path),
                                      "--outlier-action", "ignore"])
    assert result.exit_code == 2
    assert "`outlier_action` must be cap, log, flag or remove" in " ".join(result.output.split())
