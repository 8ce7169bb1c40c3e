"""The Python API a notebook uses: load, evaluate, train, reload and forecast in five calls."""

from __future__ import annotations

import subprocess
import sys

import pytest

import storecast as sc
from storecast.errors import DataContractError, OutputPathError

SMALL = {"n_estimators": 30, "num_leaves": 15, "learning_rate": 0.2, "n_jobs": 1}


def test_from_a_data_directory_to_a_forecast(synthetic_dir, tmp_path):
    data = sc.load_data(synthetic_dir)
    path = sc.train(data, models_dir=tmp_path, **SMALL)
    model = sc.load_model(path)
    forecast = sc.forecast(model, data.test)

    assert path.parent == tmp_path and path.suffix == ".skops"
    assert list(forecast.columns) == ["Id", "Store", "Date", "Sales", "lower", "upper"]
    assert len(forecast) == len(data.test)
    open_days = data.test["Open"].to_numpy() == 1
    assert (forecast["Sales"][open_days] > 0).all() and (forecast["Sales"][~open_days] == 0).all()
    assert (forecast["lower"] <= forecast["Sales"]).all() and (forecast["Sales"] <= forecast["upper"]).all()


def test_score_forecasts_a_sold_period_without_its_sales(dataset, tmp_path):
    import pandas as pd

    from storecast.evaluation.metrics import rmspe

    cut = dataset.train["Date"].max() - pd.Timedelta(days=42)
    model = sc.load_model(sc.train(dataset, until=cut, models_dir=tmp_path, **SMALL))
    later = dataset.train[dataset.train["Date"] > cut]
    result = sc.score(model, later)
    forecast = sc.forecast(model, later.drop(columns=["Sales", "Customers"]))
    assert result["rmspe"] == pytest.approx(rmspe(later["Sales"].to_numpy(), forecast["Sales"].to_numpy()))
    assert result["in_sample_days"] == 0 and len(result["weeks"]) >= 6
    assert sc.score(model, later.assign(Sales=later["Sales"] * 2))["bias"] > result["bias"]  # Sales is scored only
    with pytest.raises(ValueError, match="train.csv-shaped"):
        sc.score(model, later.drop(columns=["Sales"]))


def test_evaluate_scores_the_holdout_beside_the_naive_baseline(dataset):
    report = sc.evaluate(dataset, folds=1, importance=False, **SMALL)
    holdout = report["holdout"]
    assert len(report["folds"]) == 1
    assert 0 < holdout["rmspe"] < holdout["baseline_rmspe"]


def test_until_cuts_the_training_data(dataset, tmp_path):
    import json

    path = sc.train(dataset, until="2014-10-31", models_dir=tmp_path, **SMALL)
    card = json.loads(path.with_suffix(".json").read_text())
    assert card["training"]["end"] == "2014-10-31"


def test_errors_are_the_cli_errors(tmp_path):
    with pytest.raises(DataContractError, match="data directory not found"):
        sc.load_data(tmp_path / "nowhere")


def test_the_functions_load_lazily():
    code = ("import sys, storecast; assert 'lightgbm' not in sys.modules and 'pandas' not in sys.modules; "
            "storecast.forecast; assert 'storecast.workflow' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
    assert set(sc.__all__) >= {"load_data", "train", "load_model", "forecast", "score", "evaluate"}


@pytest.mark.parametrize(("call", "error", "said"), [
    (lambda d, m: sc.load_data(5), TypeError, "`data_dir` must be a path"),
    (lambda d, m: sc.load_model(None), TypeError, "`path` must be a path"),
    (lambda d, m: sc.train("data", models_dir="x"), TypeError, "`data` must be a Dataset from storecast.load_data"),
    (lambda d, m: sc.evaluate(d.train), TypeError, "`data` must be a Dataset"),
    (lambda d, m: sc.train(d, "xgb"), ValueError, "`kind` must be one of"),
    (lambda d, m: sc.evaluate(d, "LGBM"), ValueError, "`kind` must be one of"),
    (lambda d, m: sc.train(d, until="2014-02-30"), ValueError, "`until` must be a calendar date.*2014-02-30"),
    (lambda d, m: sc.train(d, until="junk"), ValueError, "`until` must be a calendar date"),
    (lambda d, m: sc.train(d, until=""), ValueError, "`until` must be a calendar date"),
    (lambda d, m: sc.train(d, until=20141031), TypeError, "`until` must be a date"),  # not 1970 + 20 ms
    (lambda d, m: sc.evaluate(d, folds="2"), TypeError, "`folds` must be a whole number"),
    (lambda d, m: sc.evaluate(d, folds=1.5), TypeError, "`folds` must be a whole number"),
    (lambda d, m: sc.evaluate(d, folds=True), TypeError, "`folds` must be a whole number"),
    (lambda d, m: sc.evaluate(d, folds=-1), ValueError, "`folds` must be at least 0"),
    (lambda d, m: sc.evaluate(d, windows=1), ValueError, "`windows` must be at least 2"),
    (lambda d, m: sc.forecast(m, None), TypeError, "`rows` must be a pandas DataFrame.*no test.csv"),
    (lambda d, m: sc.forecast(m, [1, 2]), TypeError, "`rows` must be a pandas DataFrame"),
    (lambda d, m: sc.forecast("model.skops", d.test), TypeError, "`model` must be a model from storecast.load_model"),
    (lambda d, m: sc.score(m, "later.csv"), TypeError, "`period` must be a pandas DataFrame of train.csv-shaped"),
    (lambda d, m: sc.score(m, d.train.tail(3).assign(Sales="x")), DataContractError,  # was "could not convert ..."
     "column `Sales`: row 0: expected a number, got 'x'"),
    (lambda d, m: sc.score(m, d.train.tail(3).astype({"Sales": float}).assign(Sales=[1.0, None, None])),
     DataContractError,  # was scored silently without those rows, as storecast predict refuses an empty Sales
     r"column `Sales`: row 1: expected a number, got a missing value \(2 such row\(s\)\)"),
], ids=["data_dir-int", "path-none", "train-data-path", "evaluate-data-frame", "train-kind", "evaluate-kind",
        "until-feb-30", "until-junk", "until-empty", "until-int", "folds-str", "folds-float", "folds-bool",
        "folds-negative", "windows-one", "rows-none", "rows-list", "model-path", "period-str", "period-sales-text",
        "period-sales-missing"])
def test_a_wrong_argument_is_named_before_any_work(dataset, model_path, call, error, said):
    """Not an AttributeError from deep inside ("'str' object has no attribute 'train'"), nor an int read as a date."""
    with pytest.raises(error, match=said):
        call(dataset, sc.load_model(model_path))


@pytest.mark.parametrize("call", [
    lambda d, where: sc.train(d, models_dir=where, **SMALL),
    lambda d, where: sc.evaluate(d, folds=0, out_dir=where, importance=False, **SMALL),
], ids=["train-models_dir", "evaluate-out_dir"])
def test_an_output_directory_that_is_a_file_stops_before_the_fits(dataset, tmp_path, call):
    """It failed in mkdir after the work (FileExistsError), and for evaluate after every window's fit."""
    taken = tmp_path / "taken"
    taken.write_text("keep")
    with pytest.raises(OutputPathError, match="is a file, not a directory"):
        call(dataset, taken)
    assert taken.read_text() == "keep"


class _Fitted(Exception):
    """Raised in place of a tree's fit: the arguments were let through to the fitting."""


@pytest.fixture
def no_fit(monkeypatch):
    """Every tree fit raises ``_Fitted`` at once, so a test sees whether a call got as far as fitting."""
    from lightgbm import LGBMRegressor
    from sklearn.ensemble import RandomForestRegressor

    def fit(self, *args, **kwargs):
        raise _Fitted

    for cls in (LGBMRegressor, RandomForestRegressor):
        monkeypatch.setattr(cls, "fit", fit)


@pytest.mark.parametrize(("call", "said"), [
    (lambda d: sc.train(d, n_estimatorz=10), r"unknown model parameter `n_estimatorz` for kind='lgbm'"
                                             r".*did you mean `n_estimators`\?.*num_leaves"),
    (lambda d: sc.train(d, "rf", num_leaves=10), r"unknown model parameter `num_leaves` for kind='rf'"
                                                 r".*min_samples_leaf"),
    (lambda d: sc.evaluate(d, folds=0, learning_rat=0.1), r"unknown model parameter `learning_rat`.*learning_rate"),
], ids=["train-lgbm", "train-rf", "evaluate"])
def test_an_unknown_model_parameter_is_named_before_any_fit(dataset, no_fit, call, said):
    """Was passed to LightGBM, which only logs "Unknown parameter" and trains with the default (rf: a TypeError)."""
    with pytest.raises(ValueError, match=said):
        call(dataset)


@pytest.mark.parametrize("call", [
    lambda d: sc.train(d, max_bin=63, min_data_in_leaf=20, seeds=1, calibration_seeds=None, loss="mse",
                       exclude=(), levels=(0.8,), **SMALL),  # LightGBM's own names and storecast's options
    lambda d: sc.train(d, "rf", max_depth=4, min_samples_leaf=2),
    lambda d: sc.evaluate(d, folds=0, windows=2, importance=False, feature_fraction=0.5, **SMALL),
], ids=["train-lgbm", "train-rf", "evaluate"])
def test_known_model_parameters_and_options_still_reach_the_fit(dataset, no_fit, call):
    with pytest.raises(_Fitted):
        call(dataset)


def test_score_leaves_out_a_row_flagged_closed_that_has_sales(dataset, tmp_path):
    import pandas as pd

    from storecast.schema import is_sales_day

    cut = dataset.train["Date"].max() - pd.Timedelta(days=42)
    model = sc.load_model(sc.train(dataset, until=cut, models_dir=tmp_path, **SMALL))
    later = dataset.train[dataset.train["Date"] > cut].copy()
    later.loc[later.index[later["Sales"] > 0][0], "Open"] = 0  # contradictory, as load_train warns
    result = sc.score(model, later)
    assert result["days"] == int(is_sales_day(later).sum())  # was that + 1, the row scored as a 100% miss


def test_the_readme_example_uses_only_names_it_has_set_and_the_public_api():
    """Copied as written, the README's example stopped at its last line with a NameError: `later` was never set.

    Read, not run (on the real files it fits models for an hour): each line may use only names set by the
    lines above it or builtins, and `sc.` only what `storecast` exports.
    """
    import ast
    import builtins
    import re
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    tree = ast.parse(re.search(r"```python\n(.*?)```", readme, flags=re.S).group(1))
    known, unset = set(dir(builtins)), []
    for statement in tree.body:
        nodes = list(ast.walk(statement))
        unset += [n.id for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in known]
        known |= {n.id for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        known |= {a.asname or a.name for n in nodes if isinstance(n, ast.Import | ast.ImportFrom) for a in n.names}
    assert unset == []
    called = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and getattr(n.value, "id", "") == "sc"}
    assert called and called <= set(sc.__all__)


def test_the_scoring_examples_cut_where_the_shared_data_leave_six_sold_weeks():
    """The README's and the module's example cut at 2015-06-19, the last day of ../shared/rossmann/train.csv,
    and scored the rows after it: none. The holdout of that copy starts after 2015-05-07."""
    import re
    from pathlib import Path

    import storecast.workflow
    from storecast.windows import holdout_fold

    cut = f"{holdout_fold('2015-06-19').cut:%Y-%m-%d}"  # the copy's last day: its 43-day holdout
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    for text in (re.search(r"```python\n(.*?)```", readme, flags=re.S).group(1), storecast.workflow.__doc__):
        assert re.findall(r"until=\"([0-9-]+)\"", text) == [cut]
        assert re.findall(r"\"Date\"\] > \"([0-9-]+)\"", text) == [cut]
