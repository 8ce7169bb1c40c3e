"""``bench/season_width.py`` prints the ``season_days`` every fit of a window used: that record must see the fits."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.features.history import StoreHistory

BENCH = Path(__file__).resolve().parents[2] / "bench" / "season_width.py"


def test_the_bench_records_the_width_of_fit_transform_as_of_fit(monkeypatch):
    """A Pipeline's fit calls ``StoreHistory.fit_transform``, which never calls ``fit`` (a8c685a): the bench
    patched ``fit`` and printed "season_days of its fits: []" for every window, the check of its figures gone."""
    spec = importlib.util.spec_from_file_location("season_width_bench", BENCH)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    for name in ("fit", "_fit"):  # whatever the bench patches is put back after the test
        monkeypatch.setattr(StoreHistory, name, vars(StoreHistory)[name])
    days = pd.date_range("2013-01-01", "2014-11-30")
    X = pd.DataFrame({s.STORE: 1, s.DATE: days, s.PROMO: 0, s.SCHOOL_HOLIDAY: 0, s.CUSTOMERS: 100})
    y = np.full(len(days), 5000.0)
    widths: list[int | None] = []
    bench._record_widths(widths)
    StoreHistory(season_days=7).fit_transform(X, y)
    StoreHistory(season_days=30).fit(X, y)
    assert widths == [7, 30]
