"""Time windows, the ground floor of training and scoring: holdout, rolling folds, seasonal windows, check_window.

Why a top-level module: models (to check ``--until`` before a fit) and evaluation (to lay out the
backtest) both need these rules, and models must not import evaluation, which fits models.

Never random: a forecaster is scored on days after everything it was fitted on, like in production.
Seasonal windows are the yardstick (docs/modeling.md): consecutive folds before the holdout cover only the
months just before it, so a setting tuned on them never met summer or the Christmas run-up.
"""

from __future__ import annotations

__all__ = ["Fold", "holdout_fold", "rolling_folds", "seasonal_windows", "fold_rows", "check_window", "WINDOW_DAYS",
           "SEASON_DAYS"]

import re
from dataclasses import dataclass

import pandas as pd

from storecast import schema as s
from storecast.errors import WindowError

# A 6-week window counted as in the data README: fit through 2015-05-07, score 2015-05-08..2015-06-19,
# i.e. the cut lies 43 days before the last scored day.
WINDOW_DAYS = s.HORIZON_DAYS + 1
# The first seasonal window starts one year before the day after ``until``: the season of the next,
# unseen six weeks (on the real data 2014-06-20, for the weeks after 2015-06-19).
SEASON_DAYS = 365
# the part of a caller's remedy that proposes a later --until ("choose a later --until", "... or a later --until")
_LATER_UNTIL = re.compile(r"(\s*,?\s*or\s+|\bchoose\s+)?a\s+later\s+--until")


@dataclass(frozen=True)
class Fold:
    """Fit on rows with Date <= ``cut``; score on ``cut`` < Date <= ``end``."""

    name: str
    cut: pd.Timestamp
    end: pd.Timestamp

    @property
    def start(self) -> pd.Timestamp:
        """First scored day."""
        return self.cut + pd.Timedelta(days=1)

    def describe(self) -> str:
        """``name: fit <= cut, score start..end``."""
        return f"{self.name}: fit <= {self.cut:%Y-%m-%d}, score {self.start:%Y-%m-%d}..{self.end:%Y-%m-%d}"

    def in_window(self, dates: pd.Series) -> pd.Series:
        """Mask of the ``dates`` inside the scored window: ``cut < date <= end`` (the one home of the bounds)."""
        return (dates > self.cut) & (dates <= self.end)


def holdout_fold(until, horizon: int = WINDOW_DAYS) -> Fold:
    """The last ``horizon`` days up to ``until`` (inclusive) as the holdout."""
    until = pd.Timestamp(until)
    return Fold("holdout", until - pd.Timedelta(days=horizon), until)


def rolling_folds(until, n_folds: int, horizon: int = WINDOW_DAYS) -> list[Fold]:
    """``n_folds`` consecutive 6-week windows before the holdout, oldest first.

    They end where the holdout starts, so settings chosen on them never see the holdout.
    """
    if n_folds < 0:
        raise ValueError(f"`n_folds` must be >= 0; got {n_folds}.")
    hold = holdout_fold(until, horizon)
    folds = []
    for k in range(n_folds, 0, -1):
        end = hold.cut - pd.Timedelta(days=horizon * (k - 1))
        folds.append(Fold(f"fold{n_folds - k + 1}", end - pd.Timedelta(days=horizon), end))
    return folds


def seasonal_windows(until, n_windows: int = 6, horizon: int = WINDOW_DAYS,
                     span_days: int = SEASON_DAYS) -> list[Fold]:
    """``n_windows`` 6-week windows spread evenly over the year before ``until``, oldest first.

    The first starts ``span_days`` before the day after ``until`` (the same season one year before the
    weeks a model trained through ``until`` will forecast); the last is the holdout. Start days are
    rounded to whole days, so the windows are as evenly spaced as the calendar allows; with more
    than ``(span_days - horizon) // horizon + 1`` windows they overlap, which is allowed (each window
    has its own fit) but wasteful.

    Examples
    --------
    >>> [f"{w.start:%Y-%m-%d}" for w in seasonal_windows("2015-06-19")]
    ['2014-06-20', '2014-08-23', '2014-10-27', '2014-12-30', '2015-03-05', '2015-05-08']
    """
    if n_windows < 2:
        raise ValueError(f"`n_windows` must be >= 2 (the same season a year before, then the holdout); "
                         f"got {n_windows}.")
    hold = holdout_fold(until, horizon)
    first_cut = pd.Timestamp(until) - pd.Timedelta(days=span_days)
    spread = (hold.cut - first_cut).days
    if spread < 0:
        raise ValueError(f"`span_days` ({span_days}) must be at least the horizon ({horizon}).")
    cuts = [first_cut + pd.Timedelta(days=round(k * spread / (n_windows - 1))) for k in range(n_windows)]
    windows = [Fold(f"w{k + 1}", cut, cut + pd.Timedelta(days=horizon)) for k, cut in enumerate(cuts[:-1])]
    return [*windows, hold]


def fold_rows(frame: pd.DataFrame, fold: Fold) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows with Date <= cut, rows in the scored window)."""
    d = frame[s.DATE]
    return frame[d <= fold.cut], frame[fold.in_window(d)]


def check_window(dates: pd.Series, until, *, first_day_needed, what: str, fix: str) -> pd.Timestamp:
    """``until`` as a Timestamp when train.csv covers what a command needs; else a WindowError saying so.

    Why here: train, evaluate and the LSTM each need some history before ``until`` and must not run past
    the last day of data; without this check they fail deep inside numpy or pandas on an empty frame.
    When train.csv is shorter than the need itself, no --until can help: the message gives the days
    there and the days needed instead of advising a later --until (and names the earliest --until
    when there is one).

    Parameters
    ----------
    dates : Series
        train.csv's Date column.
    until : date-like or None
        The requested last day (None: the last date in the data).
    first_day_needed : callable
        ``until -> Timestamp``: the earliest day the data must reach back to.
    what, fix : str
        Name the need and the remedy in the message ("2 backtest folds", "use fewer folds").
    """
    first, last = dates.min(), dates.max()
    if pd.isna(first):
        raise WindowError("train.csv has no rows to fit on.")
    until = pd.Timestamp(until) if until is not None else last
    if until > last:
        raise WindowError(f"--until {until:%Y-%m-%d} is after the last date in train.csv ({last:%Y-%m-%d}): "
                          f"choose a date up to {last:%Y-%m-%d}, or leave --until out to use it.")
    needed = pd.Timestamp(first_day_needed(until))
    if needed >= first:
        return until
    span = until - needed  # the history a window needs: the same whatever the day it ends on
    earliest = first + span
    if earliest <= last:
        raise WindowError(f"--until {until:%Y-%m-%d} leaves too little history for {what}: it needs data from "
                          f"{needed:%Y-%m-%d}, train.csv starts on {first:%Y-%m-%d}: {fix} "
                          f"(--until {earliest:%Y-%m-%d} or later).")
    # no --until can help: the data are simply shorter than the need, so do not suggest a later one
    remedy = _LATER_UNTIL.sub("", fix).strip(" ,")
    remedy = f"{remedy}, or add older days to train.csv" if remedy else "add older days to train.csv"
    raise WindowError(f"train.csv leaves too little history for {what}: it has {(last - first).days + 1:,} days "
                      f"({first:%Y-%m-%d}..{last:%Y-%m-%d}), at least {span.days + 1:,} are needed, so no --until "
                      f"can fit: {remedy}.")
