"""Metrics, time splits (seasonal windows, rolling folds), the naive baseline and the no-leakage guarantee."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from storecast import schema as s
from storecast.evaluation import backtest as bt
from storecast.evaluation.metrics import bias, coverage, mae, metrics_json, relative_width, rmse, rmspe
from storecast.windows import WINDOW_DAYS, holdout_fold, rolling_folds, seasonal_windows
from trees_support import SMALL_LGBM, poisoned_after


@pytest.fixture(scope="module")
def ds(dataset):
    return dataset


def test_metrics_by_hand():
    y, p = np.array([100.0, 200.0, 0.0]), np.array([110.0, 180.0, 50.0])
    assert rmspe(y, p) == pytest.approx(np.sqrt((0.1**2 + 0.1**2) / 2))  # zero-sales day ignored
    assert mae(y, p) == pytest.approx(80 / 3)
    assert rmse(y, p) == pytest.approx(np.sqrt((100 + 400 + 2500) / 3))
    assert coverage(y, p - 15, p + 15) == pytest.approx(1 / 3)
    assert relative_width(p, p * 0.9, p * 1.1) == pytest.approx(0.2)
    assert bias(y, p) == pytest.approx((-0.1 + 0.1) / 2)  # 10% high and 10% low cancel
    assert bias([100.0], [95.0]) == pytest.approx(0.05)  # positive: the forecast runs low
    with pytest.raises(ValueError, match="same shape"):
        rmspe(y, p[:2])


def test_interval_metrics_refuse_bounds_of_another_length():
    y, p = np.array([100.0, 200.0, 300.0]), np.array([110.0, 180.0, 290.0])
    # one bound per forecast, not one for all: numpy broadcast [0] and [500] and called every row covered
    with pytest.raises(ValueError, match=r"`y_true` and `lower` and `upper` must have the same shape; got \(3,\) "
                       r"and \(1,\) and \(1,\)"):
        coverage(y, [0.0], [500.0])
    with pytest.raises(ValueError, match="`point` and `lower` and `upper` must have the same shape"):
        relative_width(p, p[:1] * 0.9, p[:1] * 1.1)


def test_folds_are_consecutive_windows_ending_at_the_holdout():
    hold = holdout_fold("2015-06-19")
    assert (f"{hold.cut:%Y-%m-%d}", f"{hold.start:%Y-%m-%d}") == ("2015-05-07", "2015-05-08")
    folds = rolling_folds("2015-06-19", 3)
    assert [f.end for f in folds[1:]] == [f.cut + pd.Timedelta(days=WINDOW_DAYS) for f in folds[1:]]
    assert folds[-1].end == hold.cut and folds[0].end == folds[1].cut


def test_seasonal_windows_start_a_year_before_the_next_weeks_and_end_with_the_holdout():
    windows = seasonal_windows("2015-06-19")
    assert [f"{w.start:%Y-%m-%d}" for w in windows] == [
        "2014-06-20", "2014-08-23", "2014-10-27", "2014-12-30", "2015-03-05", "2015-05-08"]
    assert windows[-1] == holdout_fold("2015-06-19")
    assert all((w.end - w.cut).days == WINDOW_DAYS for w in windows)
    assert all(a.end < b.start for a, b in zip(windows, windows[1:], strict=False))  # no overlap, oldest first
    with pytest.raises(ValueError, match="`n_windows` must be >= 2"):
        seasonal_windows("2015-06-19", 1)


def test_naive_baseline_is_the_cell_median(ds):
    cut = ds.train[s.DATE].max() - pd.Timedelta(days=43)
    rows = bt.score_rows(ds.train, holdout_fold(ds.train[s.DATE].max()))
    pred = bt.naive_baseline(ds.train, cut, rows)
    r = rows.iloc[0]
    past = ds.train[(ds.train[s.DATE] <= cut) & (ds.train[s.DATE] > cut - pd.Timedelta(days=182))
                    & (ds.train[s.STORE] == r[s.STORE]) & (ds.train[s.DAY_OF_WEEK] == r[s.DAY_OF_WEEK])
                    & (ds.train[s.PROMO] == r[s.PROMO]) & (ds.train[s.SALES] > 0)]
    assert pred[0] == pytest.approx(past[s.SALES].median())


def _until(ds) -> pd.Timestamp:
    """Two months before the data end: keeps Christmas (absent from calibration) out of the holdout."""
    return ds.train[s.DATE].max() - pd.Timedelta(days=61)


@pytest.fixture(scope="module")
def clean_run(ds, tmp_path_factory):
    """The default layout: six seasonal windows, each fitted as ``storecast train`` fits a model."""
    out = tmp_path_factory.mktemp("eval")
    report = bt.evaluate(ds, "lgbm", _until(ds), out_dir=out, importance=True, **SMALL_LGBM)
    return report, out


def test_evaluate_reports_each_window_the_mean_the_worst_and_the_bias(clean_run):
    report = clean_run[0]
    assert report["layout"] == "seasonal" and len(report["windows"]) == 6 and len(report["folds"]) == 5
    rmspes = [w["rmspe"] for w in report["windows"]]
    summary = report["summary"]
    assert summary["rmspe_mean"] == pytest.approx(np.mean(rmspes))
    assert summary["rmspe_worst"] == max(rmspes)
    assert summary["worst_window"] == report["windows"][int(np.argmax(rmspes))]["fold"]
    assert all(abs(w["bias"]) < 0.5 and w["baseline_rmspe"] > 0 for w in report["windows"])
    # the same season one year before the weeks after ``until``
    assert report["windows"][0]["start"] == f"{pd.Timestamp(report['until']) - pd.Timedelta(days=364):%Y-%m-%d}"


def test_metrics_json_is_the_returned_report_importance_included(clean_run):
    """The file is written after the importance step, so it lacks no key the caller gets."""
    report, out = clean_run
    written = json.loads((out / "metrics.json").read_text())
    assert written["importance_top"] == report["importance_top"] and len(written["importance_top"]) == 10
    assert written == json.loads(metrics_json(report))


def test_a_store_that_opens_inside_a_window_is_left_out_of_its_score(ds, caplog):
    """No model fitted before a store's first sales day can forecast it: the window is scored without it."""
    until = _until(ds)
    train = ds.train.copy()
    shut = (train[s.STORE] == 5) & (train[s.DATE] <= until - pd.Timedelta(days=7))
    train.loc[shut, [s.OPEN, s.SALES, s.CUSTOMERS]] = 0
    report = bt.evaluate(dataclasses.replace(ds, train=train), "lgbm", until, 0, importance=False, **SMALL_LGBM)
    holdout = report["holdout"]
    assert "holdout: " in caplog.text and "left out (store(s) 5)" in caplog.text
    window = bt.score_rows(train, holdout_fold(until))
    assert (window[s.STORE] == 5).any() and holdout["rows"] == int((window[s.STORE] != 5).sum())
    assert np.isfinite(holdout["rmspe"])


def test_no_trade_day_is_null_in_metrics_json_not_nan(ds, tmp_path):
    """Customers 0 on every day (not recorded): the trade-day RMSPE has nothing to score, and JSON has no NaN."""
    train = ds.train.assign(**{s.CUSTOMERS: 0})
    bt.evaluate(dataclasses.replace(ds, train=train), "lgbm", _until(ds), 0, tmp_path, importance=False, **SMALL_LGBM)
    text = (tmp_path / "metrics.json").read_text()
    assert "NaN" not in text
    report = json.loads(text)
    assert report["holdout"]["rmspe_trade_days"] is None and report["summary"]["rmspe_trade_days_mean"] is None
    assert report["holdout"]["rmspe"] > 0


def test_a_window_without_trade_days_leaves_no_trade_day_mean_over_fewer_windows():
    """w2 had no day with 20+ customers: its trade-day score is NaN. The mean skipped it and read 0.10 "over the
    windows", a mean of two beside another report's mean of three; now it is NaN, and the count says why."""
    def window(fold, trade):
        return {"fold": fold, "rmspe": 0.12, "bias": 0.01, "coverage_0.8": 0.8, "baseline_rmspe": 0.2,
                "rmspe_trade_days": trade, "baseline_rmspe_trade_days": 2 * trade}

    summary = bt.summarise([window("w1", 0.09), window("w2", float("nan")), window("holdout", 0.11)])
    assert np.isnan(summary["rmspe_trade_days_mean"]) and np.isnan(summary["baseline_rmspe_trade_days_mean"])
    assert summary["rmspe_trade_days_windows"] == 2 and summary["windows"] == 3
    assert json.loads(metrics_json({"summary": summary}))["summary"]["rmspe_trade_days_mean"] is None
    every = bt.summarise([window("w1", 0.09), window("w2", 0.10), window("holdout", 0.11)])
    assert every["rmspe_trade_days_mean"] == pytest.approx(0.10) and every["rmspe_trade_days_windows"] == 3


def test_the_older_rolling_layout_still_answers_to_folds(ds):
    report = bt.evaluate(ds, "lgbm", _until(ds), 1, importance=False, **SMALL_LGBM)
    assert report["layout"] == "rolling" and len(report["folds"]) == 1
    assert report["folds"][0]["end"] == report["holdout"]["cut"]


def test_evaluate_reports_holdout_folds_baseline_and_importance(clean_run):
    report, out = clean_run
    hold = report["holdout"]
    assert hold["rows"] > 0 and len(report["folds"]) == 5
    assert hold["rmspe"] < 0.5 and hold["baseline_rmspe"] > 0
    assert json.loads((out / "metrics.json").read_text())["holdout"]["rmspe"] == pytest.approx(hold["rmspe"])
    table = pd.read_csv(out / "importance.csv")
    assert {"feature", "impurity", "permutation_mean"} <= set(table.columns) and len(table) > 30
    assert (out / "importance.png").stat().st_size > 1000
    assert (out / "holdout_forecasts.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_holdout_chart_shows_the_best_median_and_worst_store():
    """Known answer: store errors 0.0, 0.1, 0.2, 0.5 -> best 3, median (lower of the two middle) 1, worst 2."""
    from storecast.evaluation.forecast_plot import pick_stores

    frame = pd.DataFrame({s.STORE: [1, 1, 2, 3, 4, 4], s.SALES: [100.0, 100.0, 100.0, 100.0, 100.0, 0.0],
                          "pred": [90.0, 110.0, 150.0, 100.0, 80.0, 999.0]})  # a closed day does not count
    assert pick_stores(frame) == {"best": 3, "median": 1, "worst": 2}


def test_interval_coverage_on_the_synthetic_holdout_is_honest(clean_run):
    hold = clean_run[0]["holdout"]
    # Loose on purpose: 12 stores, a 30-tree model, one calibration window. Nominal 80% / 95%;
    # the real-data figures are in docs/modeling.md.
    assert 0.55 <= hold["coverage_0.8"] <= 0.95
    assert 0.80 <= hold["coverage_0.95"] <= 1.0
    assert hold["coverage_0.95"] > hold["coverage_0.8"]


def test_rows_after_each_cut_cannot_change_predictions(ds, clean_run, tmp_path, monkeypatch):
    """Poison every row after the holdout's cut; record the rows each fit receives (a spy)."""
    report, out = clean_run
    cut = holdout_fold(_until(ds)).cut
    train = poisoned_after(ds.train, cut)
    seen: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    real = bt.training_rows

    def spy(train_, store, until, **kw):
        X, y = real(train_, store, until, **kw)
        seen.append((pd.Timestamp(until), X[s.DATE].max()))
        return X, y

    monkeypatch.setattr(bt, "training_rows", spy)
    poisoned = bt.evaluate(dataclasses.replace(ds, train=train), "lgbm", _until(ds), out_dir=tmp_path,
                           importance=False, **SMALL_LGBM)
    assert len(seen) == 6 and all(last <= until for until, last in seen)
    a = pd.read_csv(out / "holdout_predictions.csv")
    b = pd.read_csv(tmp_path / "holdout_predictions.csv")
    np.testing.assert_array_equal(a["pred"].to_numpy(), b["pred"].to_numpy())
    np.testing.assert_array_equal(a["baseline"].to_numpy(), b["baseline"].to_numpy())
    assert [w["rmspe"] for w in poisoned["folds"]] == [w["rmspe"] for w in report["folds"]]


def test_trade_days_leave_token_openings_out():
    from storecast.evaluation.metrics import TRADE_DAY_MIN_CUSTOMERS, trade_days

    assert TRADE_DAY_MIN_CUSTOMERS == 20
    assert trade_days([8, 19, 20, 500]).tolist() == [False, False, True, True]


def test_each_window_is_also_scored_on_trade_days_for_model_and_baseline(clean_run):
    from storecast.evaluation.metrics import trade_days

    report, out = clean_run
    rows = pd.read_csv(out / "window_predictions.csv")
    for w in report["windows"]:
        part = rows[rows["window"] == w["fold"]]
        traded = trade_days(part[s.CUSTOMERS])
        assert w["token_days"] == int((~traded).sum())
        assert w["rmspe_trade_days"] == pytest.approx(rmspe(part[s.SALES][traded], part["pred"][traded]))
        assert w["baseline_rmspe_trade_days"] == pytest.approx(rmspe(part[s.SALES][traded], part["baseline"][traded]))
    summary = report["summary"]
    assert summary["baseline_rmspe_trade_days_mean"] == pytest.approx(
        np.mean([w["baseline_rmspe_trade_days"] for w in report["windows"]]))


@pytest.mark.parametrize("folds", [None, 2])
def test_a_window_with_nothing_to_score_is_refused_before_any_fit(ds, monkeypatch, folds):
    """Six weeks lost from an export under one window: said before the fits (hours on the real data), not after."""
    from storecast.errors import WindowError

    until = _until(ds)
    plan = seasonal_windows(until) if folds is None else [*rolling_folds(until, folds), holdout_fold(until)]
    gap = plan[1]
    train = ds.train[~gap.in_window(ds.train[s.DATE])]

    def no_fit(*_a, **_k):
        raise AssertionError("fitted before the windows were checked")

    monkeypatch.setattr(bt, "training_rows", no_fit)
    with pytest.raises(WindowError, match=rf"window {gap.name} \({gap.start:%Y-%m-%d}\.\.{gap.end:%Y-%m-%d}\) has no "
                                          r"sales day \(open, Sales > 0\)"):
        bt.evaluate(dataclasses.replace(ds, train=train), "lgbm", until, folds, importance=False, **SMALL_LGBM)


def test_a_window_in_months_lost_from_the_data_names_the_gap(ds):
    """An export that lost months: the window was named, but not the gap, so "choose another --until" was tried
    again and again in the same gap. The gap is named from the last sales day before it to the first after."""
    from storecast.errors import WindowError

    until = _until(ds)
    plan = seasonal_windows(until)
    lost = ds.train[s.DATE].between(plan[1].start - pd.Timedelta(days=30), plan[2].end)
    sold = ds.train.loc[~lost & (ds.train[s.SALES] > 0) & (ds.train[s.OPEN] == 1), s.DATE]
    first = sold[sold < plan[1].start].max() + pd.Timedelta(days=1)
    last = sold[sold > plan[2].end].min() - pd.Timedelta(days=1)
    with pytest.raises(WindowError) as err:
        bt.check_scored_windows(ds.train[~lost], plan)
    assert str(err.value).endswith(
        f"nothing to score; train.csv has no sales day from {first:%Y-%m-%d} to {last:%Y-%m-%d} "
        f"({(last - first).days + 1:,} days): add the missing days, or choose another --until.")


def test_data_shorter_than_the_seasonal_year_are_pointed_to_the_rolling_layout(ds):
    """A year of data cannot hold the seasonal windows (a year, plus the first fit's history), but rolling folds
    fit in it: the message says how many, and that many work."""
    from storecast.errors import WindowError

    year = dataclasses.replace(ds, train=ds.train[ds.train[s.DATE] >= "2014-01-01"])  # 365 days
    with pytest.raises(WindowError, match=r"so no --until can fit: score the rolling layout instead \(--folds 5\), "
                                          "or add older days to train.csv"):
        bt.evaluate(year, "lgbm", importance=False, **SMALL_LGBM)
    report = bt.evaluate(year, "lgbm", folds=5, importance=False, **SMALL_LGBM)
    assert report["layout"] == "rolling" and len(report["windows"]) == 6



def _echo_schedule(real):
    """The model's forecast plus 1,000 per day of a closure its schedule step reads (just ahead or just over).

    A stand-in for a model that learned refurbishment effects (the synthetic chain has none to learn), so a
    forecast shows which schedule the model was given.
    """
    from storecast.features.schedule import StoreSchedule

    def predict(pipeline, X):
        read = StoreSchedule().fit(X).transform(X)
        closure = np.asarray(read["closure_ahead_len"]) + np.asarray(read["reopened_after_len"])
        return real(pipeline, X) + 1000.0 * closure

    return predict


def test_the_backtest_scores_what_serving_answers_for_a_window_that_starts_or_ends_closed(ds, tmp_path, monkeypatch):
    """Each store's forecasts equal ``predict_frame``'s for the window's rows as a planner sends them.

    Store 1 reopens after a refurbishment over the holdout's first days, store 3 closes for one over its
    last days. Before, the backtest forecast the sales days alone: the closures at the window's edges were
    not in them, so the days around them were forecast as if nothing happened, unlike serving.
    """
    from storecast.artifacts.trees import TreeBundle
    from storecast.models import conformal
    from storecast.predict import predict_frame

    until = _until(ds)
    hold = holdout_fold(until)
    train = ds.train.copy()
    days = train[s.DATE]
    first = (train[s.STORE] == 1) & (days > hold.cut) & (days <= hold.cut + pd.Timedelta(days=6))
    last = (train[s.STORE] == 3) & (days > hold.end - pd.Timedelta(days=6)) & (days <= hold.end)
    train.loc[first | last, [s.OPEN, s.SALES, s.CUSTOMERS]] = 0
    monkeypatch.setattr(conformal, "pipeline_predict", _echo_schedule(conformal.pipeline_predict))
    fitted = []
    real = bt.fit_model
    monkeypatch.setattr(bt, "fit_model", lambda *a, **kw: fitted.append(real(*a, **kw)) or fitted[-1])
    bt.evaluate(dataclasses.replace(ds, train=train), "lgbm", until, out_dir=tmp_path, importance=False,
                **SMALL_LGBM)
    scored = pd.read_csv(tmp_path / "holdout_predictions.csv", parse_dates=[s.DATE])
    bundle = TreeBundle(kind="lgbm", path=tmp_path, card={}, model=fitted[-1], level=0.8)
    for store in (1, 3):
        request = train[(train[s.STORE] == store) & hold.in_window(train[s.DATE])].drop(columns=[s.SALES, s.CUSTOMERS])
        served = predict_frame(bundle, request)[request[s.OPEN].to_numpy() == 1]
        mine = scored[scored[s.STORE] == store]
        assert mine[s.DATE].tolist() == served[s.DATE].tolist()  # the closed days are not scored
        assert served[s.SALES].max() > 6000  # the closure is read: 6 days long, 1,000 each
        np.testing.assert_allclose(mine["pred"].to_numpy(), served[s.SALES].to_numpy(), rtol=1e-9)
        np.testing.assert_allclose(mine["lower_0.8"].to_numpy(), served["lower"].to_numpy(), rtol=1e-9)
