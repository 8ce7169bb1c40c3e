"""Tables the CLI prints stay whole when the output is piped or captured (80 columns by default)."""

from __future__ import annotations

import pytest


def _window(fold: str, start: str, end: str) -> dict:
    return {"fold": fold, "start": start, "end": end, "rows": 1_234, "rmspe": 0.1, "rmspe_trade_days": 0.09,
            "bias": -0.01, "mae": 456.0, "baseline_rmspe": 0.12, "coverage_0.8": 0.8, "coverage_0.95": 0.95}


@pytest.fixture
def narrow(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)  # as under a pipe: rich falls back to 80 columns


def test_evaluate_table_keeps_the_window_dates_and_headers(run_main, synthetic_dir, monkeypatch, narrow):
    """Was "w1 2014-…" and "basel…" when piped: the dates a window covers were cut off. (No fit here: the scores
    are given, the table is what is tested.)"""
    from storecast.evaluation import backtest

    report = {"windows": [_window("w1", "2014-08-01", "2014-09-12"), _window("holdout", "2015-06-19", "2015-07-31")],
              "summary": {"rmspe_mean": 0.1, "rmspe_trade_days_mean": 0.09, "bias_mean": -0.01,
                          "baseline_rmspe_mean": 0.12, "coverage_0.8_mean": 0.8, "coverage_0.95_mean": 0.95,
                          "worst_window": "w1", "rmspe_worst": 0.1}}
    monkeypatch.setattr(backtest, "evaluate", lambda *a, **k: report)
    code, _, err = run_main("evaluate", "--data", str(synthetic_dir), "--windows", "2")
    assert code in (0, None), err
    assert "w1 2014-08-01..2014-09-12" in err and "holdout 2015-06-19..2015-07-31" in err
    assert "baseline RMSPE" in err and "…" not in err


def test_clean_report_keeps_step_names_on_one_line(run_main, synthetic_dir, tmp_path, narrow):
    """Was "StoreContextImpu" over "ter" when piped."""
    code, _, err = run_main("clean", "--data", str(synthetic_dir), "--out", str(tmp_path))
    assert code in (0, None), err
    assert "StoreContextImputer" in err and "OutlierHandler" in err


def test_lstm_table_says_n_a_where_a_window_had_no_trade_day_as_evaluate_does(capsys, narrow):
    """Was "nan / 0.1200": the LSTM's table printed a window without trade days (and the mean over all windows,
    which has none then) as nan, where `storecast evaluate` says n/a."""
    from storecast.cli.lstm import _print_windows

    unscored = {**_window("w1", "2014-08-01", "2014-09-12"), "rmspe_trade_days": float("nan"),
                "baseline_rmspe_trade_days": float("nan"), "coverage_0.8": 0.8}
    report = {"levels": [0.8], "device": "cpu", "windows": [unscored],
              "summary": {"rmspe_mean": 0.1, "bias_mean": -0.01, "baseline_rmspe_mean": 0.12,
                          "rmspe_trade_days_mean": float("nan"), "baseline_rmspe_trade_days_mean": float("nan"),
                          "coverage_0.8_mean": 0.8, "worst_window": "w1", "rmspe_worst": 0.1, "windows": 1,
                          "beats_baseline_windows": 1, "beats_baseline_trade_days_windows": 0,
                          "bias_tolerance": 0.02, "bias_within_tolerance_windows": 1}}
    _print_windows(report, None)
    err = capsys.readouterr().err
    assert "n/a / n/a" in err and "nan" not in err
