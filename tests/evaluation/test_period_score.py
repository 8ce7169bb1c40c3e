"""PeriodScore: the scores `storecast predict` prints for a past period, the same in one piece or in chunks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from storecast.evaluation.metrics import bias, coverage, rmspe
from storecast.evaluation.period_score import PeriodScore


@pytest.fixture
def period():
    rng = np.random.default_rng(0)
    n = 500
    dates = pd.date_range("2015-06-20", periods=42).repeat(12)[:n]
    actual = rng.integers(2_000, 9_000, n).astype(float)
    actual[rng.random(n) < 0.15] = 0.0  # closed days: forecast 0, no error
    forecast = np.where(actual > 0, actual * rng.normal(1.0, 0.1, n), 0.0)
    customers = np.where(actual > 0, rng.integers(100, 900, n), 0)
    customers[np.flatnonzero(actual > 0)[:3]] = 8  # token openings
    return dates, actual, customers, forecast, forecast * 0.9, forecast * 1.1


def test_the_scores_are_the_metrics_of_the_open_days(period):
    dates, actual, customers, forecast, lower, upper = period
    score = PeriodScore(level=0.8)
    score.add(dates, actual, customers, forecast, lower, upper)
    got, sold = score.summary(), actual > 0
    assert got["days"] == int(sold.sum())
    assert got["rmspe"] == pytest.approx(rmspe(actual, forecast))
    assert got["bias"] == pytest.approx(bias(actual, forecast))
    assert got["coverage"] == pytest.approx(coverage(actual[sold], lower[sold], upper[sold]))
    traded = sold & (customers >= 20)
    assert got["rmspe_trade_days"] == pytest.approx(rmspe(actual[traded], forecast[traded]))


def test_chunks_give_the_scores_of_one_piece(period):
    whole, chunked = PeriodScore(level=0.8), PeriodScore(level=0.8)
    whole.add(*period)
    for part in np.array_split(np.arange(len(period[1])), 7):
        chunked.add(*(np.asarray(x)[part] for x in period))
    a, b = whole.summary(), chunked.summary()
    assert len(a["weeks"]) == len(b["weeks"])
    for key in ("days", "rmspe", "rmspe_trade_days", "bias", "coverage"):
        assert a[key] == pytest.approx(b[key])
    for wa, wb in zip(a["weeks"], b["weeks"], strict=True):
        assert wa["week"] == wb["week"] and wa["rmspe"] == pytest.approx(wb["rmspe"])


def test_weeks_run_monday_to_sunday_in_date_order(period):
    score = PeriodScore(level=0.8)
    score.add(*period)
    weeks = score.summary()["weeks"]
    assert [w["week"] for w in weeks] == sorted(w["week"] for w in weeks)
    assert all(pd.Timestamp(w["week"]).day_of_week == 0 for w in weeks)
    assert weeks[0]["week"] == "2015-06-15"  # 2015-06-20 is a Saturday
    assert sum(w["days"] for w in weeks) == score.summary()["days"]


def test_a_period_without_sales_days_scores_nan_not_an_error():
    score = PeriodScore(level=0.95)
    score.add(pd.to_datetime(["2015-06-21"]), [0.0], [0], [0.0], [0.0], [0.0])
    got = score.summary()
    assert got["days"] == 0 and np.isnan(got["rmspe"]) and got["weeks"] == []


def test_days_up_to_the_training_end_are_counted_as_in_sample(period):
    dates, *rest = period
    score = PeriodScore(level=0.8, fitted_through=pd.Timestamp("2015-06-21"))
    score.add(dates, *rest)
    sold = np.asarray(period[1]) > 0
    assert score.summary()["in_sample_days"] == int((sold & (dates <= "2015-06-21")).sum()) > 0


def test_a_row_flagged_closed_is_not_scored_even_with_sales():
    # Open = 0 with Sales > 0 breaks no contract (load_train warns of it); predict_frame forecasts such a row 0,
    # which is no forecast error: RMSPE's domain is open days with Sales > 0 (schema.is_sales_day)
    dates = pd.to_datetime(["2015-06-22", "2015-06-23", "2015-06-24"])
    forecast = pd.DataFrame({"Date": dates, "Sales": [90.0, 0.0, 210.0], "lower": [80.0, 0.0, 150.0],
                             "upper": [120.0, 0.0, 250.0]})
    actual = pd.DataFrame({"Open": [1, 0, np.nan], "Sales": [100, 500, 200], "Customers": [30, 40, 50]})
    score = PeriodScore(level=0.8)
    score.add_forecast(forecast, actual)
    got = score.summary()
    assert got["days"] == 2  # the missing Open counts as open, as predict_frame reads it
    assert got["rmspe"] == pytest.approx(rmspe([100, 200], [90, 210]))
    assert got["coverage"] == 1.0
