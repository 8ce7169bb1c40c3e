"""What `storecast predict` tells an analyst about the file it wrote."""

from __future__ import annotations

import pandas as pd


def test_predict_says_what_lower_and_upper_are(run_main, model_path, synthetic_dir, tmp_path):
    """Was only "wrote N forecasts to X": nothing said lower..upper is an 80% band, or that closed days are 0."""
    out = tmp_path / "preds.csv"
    code, _, err = run_main("predict", "--model", str(model_path), "--data", str(synthetic_dir), "--out", str(out))
    said = " ".join(err.split())
    assert code in (0, None), err
    rows = len(pd.read_csv(out))
    assert f"wrote {rows:,} forecasts to {out} (Sales: the point forecast per store and day; lower..upper: its 80% " \
           "prediction interval; closed days: 0)" in said
