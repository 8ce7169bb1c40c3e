"""Clean a whole data directory: the library behind `storecast clean`, the demo and the EDA report.

Store table: `StoreContextImputer` (what the gaps mean), then `ColumnImputer` for anything still
missing (a column with no value at all stays missing, reported: no fill to learn), then outliers in
CompetitionDistance. Daily rows: outliers in Sales, Customers and sales per
customer, per store, fitted on and judged on open days with sales; the other days (closures in effect)
pass through as they are, counted in the report. Every step adds to one `CleaningReport`.
"""

from __future__ import annotations

__all__ = ["CleanOptions", "CleanResult", "clean_dataset"]

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.clean.missing import DISTANCE_MISSING, ColumnImputer, StoreContextImputer
from storecast.clean.outliers import SALES_PER_CUSTOMER, OutlierHandler
from storecast.clean.report import CleaningReport
from storecast.clean.rows import drop_outlier_rows, sales_days
from storecast.data.contract import Dataset
from storecast.schema import is_sales_day

log = logging.getLogger(__name__)

_STORE_NUMERIC = (s.COMPETITION_DISTANCE, s.COMPETITION_OPEN_SINCE_MONTH, s.COMPETITION_OPEN_SINCE_YEAR,
                  s.PROMO2_SINCE_WEEK, s.PROMO2_SINCE_YEAR)


@dataclass(frozen=True)
class CleanOptions:
    """How to treat outliers and what is still missing after the context rules."""

    outlier_method: str = "iqr"
    outlier_action: str = "cap"  # cap | log | flag | remove
    impute: str = "median"  # mean | median | most_frequent | model

    def __post_init__(self) -> None:
        if self.outlier_action not in ("cap", "log", "flag", "remove"):
            raise ValueError(f"`outlier_action` must be cap, log, flag or remove; got {self.outlier_action!r}.")
        if self.outlier_method not in ("iqr", "zscore", "mad"):
            raise ValueError(f"`outlier_method` must be iqr, zscore or mad; got {self.outlier_method!r}.")
        if self.impute not in ("mean", "median", "most_frequent", "model"):
            raise ValueError(f"`impute` must be mean, median, most_frequent or model; got {self.impute!r}.")


@dataclass(frozen=True)
class CleanResult:
    """Cleaned copies of the frames and the report of everything that was changed."""

    train: pd.DataFrame
    store: pd.DataFrame
    report: CleaningReport


def _keep_sentinel(checked: pd.DataFrame, store: pd.DataFrame, sentinel: np.ndarray, action: str) -> pd.DataFrame:
    """Undo the outlier step on the "no known competitor" distance: it means "farther than all", not an outlier.

    Capping it would turn it into the distance of the farthest ordinary competitor and flagging it
    would call it an outlier; "log" rescales every distance alike, so the sentinel keeps its place.
    """
    if action == "cap":
        checked.loc[sentinel, s.COMPETITION_DISTANCE] = store.loc[sentinel, s.COMPETITION_DISTANCE]
    elif action == "flag":
        checked.loc[sentinel, f"{s.COMPETITION_DISTANCE}_outlier"] = 0
    return checked


def _daily_outlier_report(handler: OutlierHandler, train: pd.DataFrame, judged: np.ndarray) -> CleaningReport:
    """The daily outlier step's rows: outliers detected on the days judged; for "log", every value it rescales."""
    found = handler.report(train[judged])
    if handler.action != "log":
        return found
    rescaled = handler.report(train)  # log1p of every nonzero value, judged or not
    return CleaningReport([dataclasses.replace(a, changed=b.changed)
                           for a, b in zip(found.actions, rescaled.actions, strict=True)])


def _passed_through(train: pd.DataFrame, judged: np.ndarray, action: str) -> CleaningReport:
    """One report row for the days without trade whose Sales or Customers the outlier step did not judge."""
    other = train[~judged]
    valued = other[(other[s.SALES] != 0) | (other[s.CUSTOMERS] != 0)]
    open_ = valued[valued[s.OPEN] == 1]
    what = "log-transformed like every value, never" if action == "log" else "left as they are, not"
    report = CleaningReport()
    report.add("OutlierHandler", "(days without sales)", "not judged -> passed through", len(valued),
               0, f"{len(open_)} open day(s) with Sales 0 and Customers > 0, {len(valued) - len(open_)} closed "
               f"day(s) with Sales or Customers: {what} judged against the store's bounds (closures in effect, "
               "not demand); training leaves them out (open days with Sales > 0 only)")
    return report


def clean_dataset(dataset: Dataset, options: CleanOptions | None = None,
                  progress: Callable[[str], None] | None = None) -> CleanResult:
    """Clean ``dataset``'s store table and daily rows; the input frames are left untouched.

    ``progress`` is called with the name of each step as it starts (the CLI shows it). Outlier
    "remove" drops daily rows only: a store row is flagged, never dropped, since dropping it would
    orphan that store's sales.
    """
    opts = options or CleanOptions()
    report = CleaningReport()
    action = "flag" if opts.outlier_action == "remove" else opts.outlier_action

    def step(name: str) -> None:
        log.info("clean: %s", name)
        if progress is not None:
            progress(name)

    step("store table: missing values (context rules, then impute)")
    context = StoreContextImputer().fit(dataset.store)
    store = context.transform(dataset.store)
    report = report.merge(context.report_)
    # a column with no value left (e.g. Promo2SinceWeek blank for every Promo2 store) has no fill to learn:
    # left missing and said so, not filled with an invented 0
    empty = [c for c in _STORE_NUMERIC if store[c].isna().all()]
    known_cols = [c for c in _STORE_NUMERIC if c not in empty]
    if known_cols:
        imputer = ColumnImputer(strategy=opts.impute, columns=known_cols).fit(store)
        report = report.merge(imputer.report_)
        store = cast(pd.DataFrame, imputer.transform(store))  # a DataFrame in, a DataFrame out
    for col in empty:
        report.add("ColumnImputer", col, f"impute {opts.impute}", len(store), 0,
                   "left missing: no store has a value to learn a fill from")
    log.info("store table: %d missing values filled", sum(a.changed for a in report.actions))

    step(f"store table: {s.COMPETITION_DISTANCE} outliers ({opts.outlier_method}, global)")
    # bounds from, and checks on, known distances only: the "no competitor" fill is a sentinel, not a measurement
    # the context step's flag, read once: the rows judged and the rows the outlier step must leave alone
    sentinel = (store[DISTANCE_MISSING].to_numpy() != 0) if DISTANCE_MISSING in store else np.zeros(len(store), bool)
    known = store[~sentinel]
    if len(known) == 0:  # CompetitionDistance blank for every store: no distance to judge (valid data)
        report.add("OutlierHandler", s.COMPETITION_DISTANCE, f"{opts.outlier_method} global -> {action}", 0, 0,
                   "not checked: no store has a known distance in store.csv")
    else:
        distance = OutlierHandler(columns=(s.COMPETITION_DISTANCE,), method=opts.outlier_method,
                                  action=action, by=None).fit(known)
        report = report.merge(distance.report(known))
        store = _keep_sentinel(distance.transform(store), store, sentinel, action)  # "remove": flagged, kept
        if action == "log" and sentinel.any():  # rescaled with the known distances: changed, and counted
            n = int(sentinel.sum())
            report.add("OutlierHandler", s.COMPETITION_DISTANCE, "no known competitor -> log", n, n,
                       "the fill is log-transformed like every distance, so it stays the farthest")

    step("daily rows: missing values")
    train = dataset.train
    report.add("contract", "(all train.csv columns)", "missing values", int(train.isna().sum().sum()), 0,
               "the data contract refuses missing values in train.csv")
    if dataset.test is not None:
        n_open = int(dataset.test.attrs.get("missing_open_filled", 0))
        report.add("contract", f"test.csv {s.OPEN}", "missing -> open (1)", n_open, n_open,
                   "a store is taken as open when the schedule does not say")

    step(f"daily rows: Sales/Customers outliers per store ({opts.outlier_method} -> {opts.outlier_action})")
    handler = OutlierHandler(columns=(s.SALES, s.CUSTOMERS, SALES_PER_CUSTOMER), method=opts.outlier_method,
                             action=action, by=s.STORE)
    handler.fit(sales_days(train))  # closed days and zero-sales days are not "normal days" to learn from
    # ... nor days to judge: an open day without sales (a closure in effect) with 3 customers was capped up
    # to the store's lower bound (hundreds of customers on a day that sold nothing), flagged or removed.
    # They pass through as they are, counted in their own line; the row rules (training) leave them out.
    judged = is_sales_day(train).to_numpy()
    report = report.merge(_daily_outlier_report(handler, train, judged), _passed_through(train, judged, action))
    if opts.outlier_action == "remove":
        cleaned, dropped = drop_outlier_rows(train, handler, only=judged)
        report.add("drop_outlier_rows", "(rows)", f"{opts.outlier_method} per Store -> remove", dropped, dropped,
                   "rows where Sales, Customers or SalesPerCustomer is an outlier")
        train = cleaned
    else:
        checked = cast(pd.DataFrame, handler.transform(train))  # a DataFrame in, a DataFrame out
        if action == "cap":  # "log" rescales every value alike, judged or not: the column stays one scale
            checked.loc[~judged, [s.SALES, s.CUSTOMERS]] = train.loc[~judged, [s.SALES, s.CUSTOMERS]]
        elif action == "flag":
            checked.loc[~judged, [f"{c}_outlier" for c in handler.columns_]] = 0
        train = checked
    log.info("daily rows: %s rows after cleaning", f"{len(train):,}")
    return CleanResult(train=train.reset_index(drop=True), store=store, report=report)
