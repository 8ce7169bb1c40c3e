"""Score the forecasts of a past period against what the stores sold, by week and for the period.

Why: the question a finance team asks of a model is how it did on weeks it never saw. ``storecast predict
--input past.csv`` on rows in train.csv's layout (a later period cut from a train.csv-shaped file) forecasts
them without reading Sales or Customers, then scores the forecasts against them here: RMSPE over open days
with Sales > 0 (the competition's metric), the same on trade days (the backtest's yardstick, token openings
out), the bias ``mean(1 - forecast / actual)`` and the served interval's coverage, for the period and for
each week. Sums, not rows, are kept, so a period may be added in parts (``add`` each) as well as whole.
"""

from __future__ import annotations

__all__ = ["PeriodScore"]

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.dates import from_days, monday_on_or_before, to_days
from storecast.evaluation.metrics import trade_days
from storecast.predict import fitted_through


@dataclass
class _Sums:
    days: int = 0  # open days with Sales > 0 (RMSPE's domain)
    squared: float = 0.0  # sum of (1 - forecast / actual)^2
    relative: float = 0.0  # sum of (1 - forecast / actual)
    covered: int = 0  # actual inside [lower, upper]
    trade_days: int = 0
    trade_squared: float = 0.0

    def add(self, actual: np.ndarray, forecast: np.ndarray, lower: np.ndarray, upper: np.ndarray,
            traded: np.ndarray) -> None:
        err = 1.0 - forecast / actual
        self.days += len(actual)
        self.squared += float(np.sum(err**2))
        self.relative += float(np.sum(err))
        self.covered += int(np.sum((actual >= lower) & (actual <= upper)))
        self.trade_days += int(traded.sum())
        self.trade_squared += float(np.sum(err[traded] ** 2))

    def summary(self) -> dict[str, float | int]:
        if not self.days:
            nan = float("nan")
            return {"days": 0, "rmspe": nan, "rmspe_trade_days": nan, "bias": nan, "coverage": nan}
        trade = np.sqrt(self.trade_squared / self.trade_days) if self.trade_days else float("nan")
        return {"days": self.days, "rmspe": float(np.sqrt(self.squared / self.days)),
                "rmspe_trade_days": float(trade), "bias": self.relative / self.days,
                "coverage": self.covered / self.days}


@dataclass
class PeriodScore:
    """Running scores of forecasts against actual sales; ``add`` the rows (whole or in parts), then ``summary``.

    Examples
    --------
    >>> score = PeriodScore(level=0.8)
    >>> score.add(pd.to_datetime(["2015-06-22", "2015-06-23"]), np.array([100.0, 200.0]),
    ...           np.array([50, 60]), np.array([110.0, 180.0]), np.array([90.0, 150.0]), np.array([120.0, 210.0]))
    >>> round(score.summary()["rmspe"], 4), score.summary()["coverage"]
    (0.1, 1.0)
    """

    level: float
    fitted_through: pd.Timestamp | None = None  # the model's last training day: scored days up to it are in-sample
    total: _Sums = field(default_factory=_Sums)
    weeks: dict[pd.Timestamp, _Sums] = field(default_factory=dict)
    in_sample_days: int = 0

    @classmethod
    def for_model(cls, bundle: Any) -> PeriodScore:
        """An empty score for ``bundle``'s forecasts: its served interval level and its last training day."""
        return cls(level=float(getattr(bundle, "level", float("nan"))), fitted_through=fitted_through(bundle))

    def add_forecast(self, forecast: pd.DataFrame, actual: pd.DataFrame) -> None:
        """``predict_frame``'s output beside the same rows' Sales, Customers and Open (``actual``, same order;
        without an Open column every row counts as open, as ``predict_frame`` reads a missing Open)."""
        self.add(forecast[s.DATE], actual[s.SALES], actual[s.CUSTOMERS], forecast[s.SALES], forecast["lower"],
                 forecast["upper"], open_=actual[s.OPEN] if s.OPEN in actual.columns else None)

    def add(self, dates, actual, customers, forecast, lower, upper, open_=None) -> None:
        """Add one chunk's rows; only open days with Sales > 0 count (``schema.is_sales_day``).

        Why ``open_``: a closed day's 0 is no error, and neither is a row flagged closed that has Sales (the
        data contract warns of it): ``predict_frame`` forecasts 0 for it, which would count as a 100% miss.
        ``open_`` None or a missing value counts as open.
        """
        actual = np.asarray(actual, dtype=float)
        keep = actual > 0
        if open_ is not None:
            keep &= pd.to_numeric(pd.Series(np.asarray(open_)), errors="coerce").to_numpy() != 0
        if not keep.any():
            return
        dates = pd.DatetimeIndex(dates)[keep]
        parts = (actual[keep], np.asarray(forecast, dtype=float)[keep], np.asarray(lower, dtype=float)[keep],
                 np.asarray(upper, dtype=float)[keep], trade_days(np.asarray(customers, dtype=float)[keep]))
        self.total.add(*parts)
        if self.fitted_through is not None:
            self.in_sample_days += int((dates <= self.fitted_through).sum())
        mondays = from_days(monday_on_or_before(to_days(dates.values)))
        for week in np.unique(mondays):
            sel = mondays == week
            self.weeks.setdefault(pd.Timestamp(week), _Sums()).add(*(p[sel] for p in parts))

    def summary(self) -> dict:
        """The period's scores, then one entry per week (Monday to Sunday) in date order."""
        return {**self.total.summary(), "level": self.level, "in_sample_days": self.in_sample_days,
                "weeks": [{"week": f"{week:%Y-%m-%d}", **self.weeks[week].summary()} for week in sorted(self.weeks)]}
