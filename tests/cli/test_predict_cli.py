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
    assert " ".join(err.split()) == f"error: model file {model} not found."


def test_a_data_folder_without_test_csv_is_said_before_any_step(run_main, model_path, synthetic_dir, tmp_path):
    """Without --input the rows are DATA/test.csv: its absence is the reader's "file not found", said first."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(synthetic_dir, data)
    (data / "test.csv").unlink()
    code, out, err = run_main("predict", "--model", str(model_path), "--data", str(data),
                              "--out", str(tmp_path / "preds.csv"))
    assert code == 2 and out == ""
    assert " ".join(err.split()) == f"error: {data / 'test.csv'}: file not found: expected test.csv here (see --data)"
