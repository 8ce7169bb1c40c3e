"""The LSTM on the trees' seasonal windows: the same windows, one fit per window on its past only."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from storecast import schema as s
from storecast.errors import WindowError
from storecast.evaluation import lstm as ev
from storecast.evaluation.metrics import score
from storecast.models.lstm.forecaster import LSTMConfig, LSTMForecaster
from storecast.windows import WINDOW_DAYS, seasonal_windows
from trees_support import poisoned_after

pytestmark = pytest.mark.torch
QUICK = LSTMConfig(lookback=28, hidden=16, emb=4, epochs=2, origins_per_store=4, batch_size=64, networks=1)


@pytest.fixture(scope="module")
def clean(dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("lstm-windows")
    return ev.backtest_lstm(dataset, windows=2, config=QUICK, out_dir=out), out


def test_windows_are_the_trees_windows_for_the_same_holdout(clean, dataset):
    report, out = clean
    last = dataset.train[s.DATE].max()
    # default cut: 43 days before the last date, as `storecast lstm evaluate` always had it
    assert report["cut"] == f"{last - pd.Timedelta(days=WINDOW_DAYS):%Y-%m-%d}"
    assert report["until"] == f"{last:%Y-%m-%d}"
    expected = seasonal_windows(last, 2)  # what `storecast evaluate --windows 2` scores the trees on
    assert [(w["fold"], w["cut"], w["end"]) for w in report["windows"]] == [
        (f.name, f"{f.cut:%Y-%m-%d}", f"{f.end:%Y-%m-%d}") for f in expected]
    assert report["holdout"] is report["windows"][-1] and report["device"] == "cpu"


def test_each_window_reports_rmspe_bias_baseline_and_coverage(clean):
    report, out = clean
    for w in report["windows"]:
        assert w["rows"] > 0 and 0 < w["rmspe"] < 1 and 0 < w["baseline_rmspe"] < 1 and abs(w["bias"]) < 1
        assert 0 <= w["coverage_0.8"] <= w["coverage_0.95"] <= 1
    m = report["summary"]
    assert m["windows"] == 2 and m["rmspe_worst"] == max(w["rmspe"] for w in report["windows"])
    assert all(0 < w["rmspe_trade_days"] < 1 and 0 < w["baseline_rmspe_trade_days"] < 1 for w in report["windows"])
    assert m["rmspe_mean"] == pytest.approx(np.mean([w["rmspe"] for w in report["windows"]]))
    written = json.loads((out / "metrics.json").read_text())
    assert written["summary"] == pytest.approx(m) and len(pd.read_csv(out / "folds.csv")) == 2
    rows = pd.read_csv(out / "window_predictions.csv")
    hold = rows[rows["window"] == "holdout"]
    assert len(hold) == report["holdout"]["rows"]
    assert score(hold[s.SALES], hold["pred"])["rmspe"] == pytest.approx(report["holdout"]["rmspe"])


def test_the_last_window_is_the_holdout_evaluate_lstm_scores(clean, dataset):
    """``--windows 1`` (evaluate_lstm, unchanged) and the backtest's last window: the same fit, the same score."""
    hold = clean[0]["holdout"]
    alone = ev.evaluate_lstm(dataset, config=QUICK)
    assert alone["rows"] == hold["rows"] and alone["rmspe_lstm"] == round(hold["rmspe"], 4)
    assert alone["rmspe_naive"] == round(hold["baseline_rmspe"], 4) and alone["device"] == "cpu"


def test_the_holdout_mean_sales_is_of_the_rows_scored(dataset):
    """A store first seen after the cut is left out of the score (logged), so out of its mean Sales too."""
    train = dataset.train
    cut = train[s.DATE].max() - pd.Timedelta(days=WINDOW_DAYS)
    late = train[~((train[s.STORE] == 1) & (train[s.DATE] <= cut))]  # store 1 opens after the cut
    out = ev.evaluate_lstm(dataclasses.replace(dataset, train=late), config=QUICK)
    scored = late[(late[s.DATE] > cut) & (late[s.STORE] != 1) & (late[s.OPEN] == 1) & (late[s.SALES] > 0)]
    assert out["rows"] == len(scored)
    assert out["mean_sales"] == pytest.approx(scored[s.SALES].mean())  # was the mean with store 1's rows


def test_data_that_end_at_a_models_cut_are_refused_naming_both_ways_out(dataset):
    """A saved model's cut cannot move (``lstm evaluate --model``): an earlier --until is not the only remedy."""
    cut = dataset.train[s.DATE].max() - pd.Timedelta(days=WINDOW_DAYS)
    model = LSTMForecaster(QUICK).fit(dataset.train, cut)
    with pytest.raises(WindowError, match=rf"no open day with Sales > 0 after the model's cut {cut:%Y-%m-%d} \(its "
                       rf"last date: {cut:%Y-%m-%d}\): score it on data that run past its cut, or fit with an "
                       "earlier --until"):  # was "no scored rows ...: fit with an earlier `until`" alone
        ev.score_lstm(model, dataset.train[dataset.train[s.DATE] <= cut])


def test_rows_after_a_cut_cannot_change_that_window(clean, dataset, tmp_path, monkeypatch):
    """Poison every row after the holdout's cut; record the rows each fit receives (a spy).

    The first window, a year earlier, keeps its whole result; the holdout keeps its forecasts.
    """
    report, out = clean
    cut = pd.Timestamp(report["cut"])
    train = poisoned_after(dataset.train, cut)
    seen: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    real = LSTMForecaster.fit

    def spy(self, rows, until=None, **kw):
        seen.append((pd.Timestamp(until), rows[s.DATE].max()))
        return real(self, rows, until, **kw)

    monkeypatch.setattr(LSTMForecaster, "fit", spy)
    poisoned = ev.backtest_lstm(dataclasses.replace(dataset, train=train), windows=2, config=QUICK, out_dir=tmp_path)
    assert len(seen) == 2 and all(last <= until for until, last in seen)
    drop = ["fit_seconds"]
    assert {k: v for k, v in poisoned["windows"][0].items() if k not in drop} == {
        k: v for k, v in report["windows"][0].items() if k not in drop}
    a, b = (pd.read_csv(d / "window_predictions.csv") for d in (out, tmp_path))
    for col in ("pred", "baseline", "lower_0.8", "upper_0.95"):
        np.testing.assert_array_equal(a[col].to_numpy(), b[col].to_numpy())


def test_too_little_history_is_refused_before_any_fit(dataset, monkeypatch):
    def no_fit(*_a, **_k):
        raise AssertionError("fitted before the window check")

    monkeypatch.setattr(LSTMForecaster, "fit", no_fit)
    with pytest.raises(WindowError, match="fewer --windows"):
        ev.backtest_lstm(dataset, until="2014-03-01", windows=6, config=QUICK)


def test_a_horizon_shorter_than_the_windows_is_refused_before_any_fit(dataset, monkeypatch):
    """Each window would score its first 14 days only, reported under the trees' 43-day window."""
    def no_fit(*_a, **_k):
        raise AssertionError("fitted before the horizon check")

    monkeypatch.setattr(LSTMForecaster, "fit", no_fit)
    with pytest.raises(ValueError, match=r"`horizon` must cover the trees' 43-day windows .*; got 14"):
        ev.backtest_lstm(dataset, windows=2, config=dataclasses.replace(QUICK, horizon=14))


def test_summary_counts_issue_13s_bar():
    """Known answer: beats the baseline on 2 of 3 windows, |bias| <= 2% on 1 of 3."""
    rows = [{"fold": "w1", "rmspe": 0.10, "baseline_rmspe": 0.12, "bias": 0.01, "coverage_0.8": 0.8},
            {"fold": "w2", "rmspe": 0.15, "baseline_rmspe": 0.14, "bias": -0.03, "coverage_0.8": 0.7},
            {"fold": "holdout", "rmspe": 0.11, "baseline_rmspe": 0.13, "bias": 0.025, "coverage_0.8": 0.9}]
    # on trade days (token openings left out) w2 is won too
    trade = {"w1": (0.10, 0.12), "w2": (0.13, 0.14), "holdout": (0.11, 0.13)}
    for r in rows:
        r["rmspe_trade_days"], r["baseline_rmspe_trade_days"] = trade[r["fold"]]
    m = ev.summarise_lstm(rows)
    assert m["beats_baseline_windows"] == 2 and m["bias_within_tolerance_windows"] == 1
    assert m["beats_baseline_trade_days_windows"] == 3 and m["rmspe_trade_days_mean"] == pytest.approx(0.34 / 3)
    assert m["worst_window"] == "w2" and m["rmspe_worst"] == 0.15 and m["coverage_0.8_mean"] == pytest.approx(0.8)


def test_a_window_with_nothing_to_score_is_refused_before_any_fit(dataset, monkeypatch):
    """The trees' rule (``evaluation.backtest``): a window in a gap of the data is said before the first fit."""
    def no_fit(*_a, **_k):
        raise AssertionError("fitted before the windows were checked")

    first = seasonal_windows(dataset.train[s.DATE].max(), 2)[0]
    train = dataset.train[~first.in_window(dataset.train[s.DATE])]
    monkeypatch.setattr(LSTMForecaster, "fit", no_fit)
    with pytest.raises(WindowError, match=rf"window w1 \({first.start:%Y-%m-%d}\.\.{first.end:%Y-%m-%d}\) has no "
                                          r"sales day"):
        ev.backtest_lstm(dataclasses.replace(dataset, train=train), windows=2, config=QUICK)


def test_a_window_is_forecast_as_predict_frame_answers_its_rows(dataset, tmp_path, monkeypatch):
    """Every row of a window goes through ``predict_frame`` as a planner sends it, then the sales days are
    scored: the trees' way (``evaluation.backtest.window_forecasts``).

    Store 1 sold nothing on a Friday and Saturday it was open in the holdout. Before, the LSTM was asked for
    the sales days alone: with its schedule context on, those days and the closed Sunday after them read as
    a 3-day closure, and the days around it were forecast otherwise than serving forecasts them.
    """
    from storecast.artifacts.lstm import LSTMBundle
    from storecast.predict import predict_frame

    cfg = dataclasses.replace(QUICK, context=True)
    train = dataset.train.copy()
    day = train[s.DATE]
    cut = day.max() - pd.Timedelta(days=WINDOW_DAYS)
    friday = day[(day.dt.day_of_week == 4) & (day > cut + pd.Timedelta(days=14))].min()
    zero = (train[s.STORE] == 1) & day.isin([friday, friday + pd.Timedelta(days=1)]) & (train[s.OPEN] == 1)
    assert zero.sum() == 2
    train.loc[zero, [s.SALES, s.CUSTOMERS]] = 0
    fitted: list[LSTMForecaster] = []
    real = LSTMForecaster.fit

    def keep(self, *args, **kw):
        fitted.append(real(self, *args, **kw))
        return fitted[-1]

    monkeypatch.setattr(LSTMForecaster, "fit", keep)
    report = ev.backtest_lstm(dataclasses.replace(dataset, train=train), windows=1, config=cfg, out_dir=tmp_path)
    scored = pd.read_csv(tmp_path / "window_predictions.csv", parse_dates=[s.DATE])
    window = train[(day > cut) & (day <= cut + pd.Timedelta(days=WINDOW_DAYS))]
    served = predict_frame(LSTMBundle(path=tmp_path, card={}, model=fitted[0], level=0.8),
                           window.drop(columns=[s.SALES, s.CUSTOMERS]))
    sold = ((window[s.OPEN] == 1) & (window[s.SALES] > 0)).to_numpy()
    assert report["holdout"]["rows"] == len(scored) == sold.sum()
    np.testing.assert_allclose(scored["pred"].to_numpy(), served[s.SALES].to_numpy()[sold], rtol=1e-12)
    np.testing.assert_allclose(scored["lower_0.8"].to_numpy(), served["lower"].to_numpy()[sold], rtol=1e-12)
