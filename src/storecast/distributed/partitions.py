"""Store-partitioned training rows on the workers, and the shared preprocessor fitted from them.

Why store partitions: every per-store statistic of the preprocessor (``StoreHistory``) then comes from
one partition alone, so each worker fits its stores' statistics and the client only stacks the small
per-store arrays. What the whole chain shares (the store table, the holiday calendars of its states, the
promo phase) is fitted on the client from a skeleton of two rows per store and per-day promo counts, then
broadcast. The fitted preprocessor equals the local engine's: the same steps, the same attributes.
"""

from __future__ import annotations

__all__ = ["MATRIX_DTYPE", "PartProblems", "partition_paths", "load_part", "part_report", "fit_prep", "stage_rows",
           "block_columns", "worker_block"]

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.data.contract import load_train, train_files, unknown_store_problems
from storecast.dates import to_days, weekday
from storecast.distributed.warnings_relay import kept_warnings
from storecast.errors import ContractProblem, DataContractError, StorecastError
from storecast.features import as_columns
from storecast.features.build import make_preprocessor, merge_store
from storecast.features.history import StoreHistory
from storecast.features.proximity import latest_promo_monday
from storecast.features.schedule import with_schedule
from storecast.models.training import schedule_rows, training_days, training_rows

_HISTORY_ARRAYS = ("stats_", "dow_", "dow_promo_", "month_", "season_")  # season_: only with season_days set


@dataclass(frozen=True)
class PartProblems:
    """A partition's contract problems, returned by a worker in place of its rows.

    Why returned, not raised: a task that raises is logged by its worker as "Compute Failed" with a traceback,
    which a LocalCluster's worker prints on the user's terminal above the one-line error the client then
    shows; a malformed file is an answer, not a crash. ``_load`` gathers them and raises DataContractError.
    """

    problems: list[ContractProblem]


def partition_paths(root: Path) -> list[Path]:
    """train/part-*.parquet in name order (empty parts left out); a train.csv or train.parquet is one partition.

    ``data.contract.train_files``: the files the local engine reads and both engines' cards fingerprint.
    """
    return train_files(root)


def load_part(path: str, store_ids: np.ndarray) -> pd.DataFrame | PartProblems:
    """One partition through the data contract, plus the check that its stores are in store.csv (on a worker).

    The contract's warnings ride along in ``attrs`` until ``part_report`` takes them to the client.
    """
    with kept_warnings() as said:
        try:
            df = load_train(path)
        except DataContractError as exc:
            return PartProblems(exc.problems)
    unknown = unknown_store_problems(df, store_ids, Path(path))  # the local engine's check, file and row
    if unknown:
        return PartProblems(unknown)
    df.attrs[_SAID] = said
    return df


_SAID = "storecast_warnings"


def part_report(part: pd.DataFrame | PartProblems) -> tuple[list[ContractProblem], list[tuple[str, int, str]]]:
    """What ``load_part`` found in a partition: its problems and its warnings (run on the worker that holds it).

    The warnings leave the frame's ``attrs`` here, so the rows the fit reads carry nothing extra.
    """
    if isinstance(part, PartProblems):
        return part.problems, []
    return [], part.attrs.pop(_SAID, [])


def stage_rows(part: pd.DataFrame, store: pd.DataFrame, last: pd.Timestamp,
               since: pd.Timestamp | None = None) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows a fit stage uses, as the local engine picks them (``training_rows``), their schedules read from
    every row of the stage's days (``schedule_rows``) as ``ConformalRegressor.fit`` reads each stage's."""
    X, y = training_rows(part, store, last, since=since)
    return with_schedule(X, schedule_rows(part, last, since=since)), y


def _summary(part: pd.DataFrame, store: pd.DataFrame, last: pd.Timestamp) -> dict:
    """What the shared steps need from a partition: its stores, first/last day, promo counts on Mondays."""
    X, _ = stage_rows(part, store, last)
    days = to_days(X[s.DATE])
    monday = weekday(days) == 0
    promo = pd.Series(X[s.PROMO].to_numpy(dtype=float)[monday]).groupby(days[monday])
    return {"stores": np.unique(X[s.STORE].to_numpy(dtype=np.int64)), "rows": len(X),
            "first": int(days.min()) if len(days) else None, "last": int(days.max()) if len(days) else None,
            "promo": pd.DataFrame({"sum": promo.sum(), "count": promo.count()}), "columns": list(X.columns)}


def _history(part: pd.DataFrame, store: pd.DataFrame, last: pd.Timestamp, head, last_day: int) -> dict | None:
    """This partition's StoreHistory arrays, fitted as inside the pipeline (after the shared steps).

    ``hist_recent`` is measured back from the chain's last day, as the local fit does, not the partition's.
    """
    X, y = stage_rows(part, store, last)
    if not len(X):
        return None
    history = StoreHistory().fit(head.transform(as_columns(X)), y, recent_until=last_day)
    return {"stores_": history.stores_, **{name: getattr(history, name) for name in _HISTORY_ARRAYS
                                            if hasattr(history, name)}}


def _skeleton(stores: np.ndarray, first: int, last: int, store: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Two rows per store (first and last day): what the shared steps learn from, in the fit rows' columns."""
    dates = pd.to_datetime(np.tile(np.array([first, last], dtype="datetime64[D]"), len(stores))).astype(
        "datetime64[ns]")
    n = len(dates)
    daily = pd.DataFrame({
        s.STORE: np.repeat(stores, 2).astype("int32"),
        s.DAY_OF_WEEK: (dates.day_of_week + 1).astype("int8"),
        s.DATE: dates,
        s.CUSTOMERS: np.zeros(n, dtype="int64"),
        s.OPEN: np.ones(n, dtype="int8"),
        s.PROMO: np.zeros(n, dtype="int8"),
        s.STATE_HOLIDAY: pd.Categorical(["0"] * n, categories=list(s.STATE_HOLIDAY_CODES)),
        s.SCHOOL_HOLIDAY: np.zeros(n, dtype="int8"),
    })
    return with_schedule(merge_store(daily, store), daily)[columns]  # the fit rows' columns, schedule included


def fit_prep(client, parts: list, store_f, store: pd.DataFrame, last: pd.Timestamp):
    """Fit ``make_preprocessor()`` on the rows up to ``last`` of every partition; return it and the stage facts.

    ``parts`` hold whole stores (``check_whole_stores``, run once on all their rows before any fit).

    Returns
    -------
    (prep, facts): the fitted Pipeline; facts has rows, stores, first and last (days since epoch).
    """
    found = client.gather(client.map(_summary, parts, store=store_f, last=last))
    summaries = [x for x in found if x["rows"]]
    if not summaries:
        raise StorecastError(f"no open days with sales up to {last:%Y-%m-%d} in any partition: nothing to fit on")
    stores = np.concatenate([x["stores"] for x in summaries])
    first, last_day = min(x["first"] for x in summaries), max(x["last"] for x in summaries)
    promo = pd.concat([x["promo"] for x in summaries]).groupby(level=0).sum()
    skeleton = _skeleton(np.sort(stores), first, last_day, store, summaries[0]["columns"])
    prep = make_preprocessor().fit(skeleton, np.ones(len(skeleton)))
    # the local rule (`features.proximity.promo_anchor`) from the per-Monday counts summed over the parts
    prep.named_steps["proximity"].promo_anchor_ = latest_promo_monday(
        promo.index.to_numpy(), (promo["sum"] / promo["count"]).to_numpy(), last_day)
    head = client.scatter(prep[:-2], broadcast=True)
    found = [h for h in client.gather(client.map(_history, parts, store=store_f, last=last, head=head,
                                                 last_day=last_day)) if h is not None]
    history = prep.named_steps["history"]
    order = np.argsort(np.concatenate([h["stores_"] for h in found]), kind="stable")
    history.stores_ = np.concatenate([h["stores_"] for h in found])[order]
    for name in (n for n in _HISTORY_ARRAYS if hasattr(history, n)):
        setattr(history, name, np.concatenate([h[name] for h in found])[order])
    facts = {"rows": sum(x["rows"] for x in summaries), "stores": len(stores), "first": first, "last": last_day}
    return prep, facts


# The dtype of the feature blocks LightGBM fits on: float32 halves the largest thing a worker holds (the
# matrix of its rows, which LightGBM needs in memory and Dask cannot spill). The features are small
# integers, day counts and store statistics; LightGBM bins them into at most 255 bins either way.
MATRIX_DTYPE = np.float32


def _fit_row_features(prep, X: pd.DataFrame, y: np.ndarray) -> np.ndarray:
    """The features the local engine's fit gives these rows: ``prep.transform`` with the store's seasonal profile
    cross-fitted (``StoreHistory.fit_rows``), which reads only the partition's rows: whole stores, so the values
    are those of a fit on the chain."""
    cols = prep[:-2].transform(as_columns(X))
    return prep.named_steps["matrix"].transform(prep.named_steps["history"].fit_rows(cols, y))


def block_columns(width: int) -> list[str]:
    """The feature blocks' column names: LightGBM's own for unnamed input, so the trees read as a matrix fit's."""
    return [f"Column_{j}" for j in range(width)]


def worker_block(store: pd.DataFrame, prep, last: pd.Timestamp, *parts: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """All of one worker's partitions' features in one float32, column-major frame, and their log1p(Sales).

    Why one block a worker, filled partition by partition: ``lightgbm.dask`` concatenates a worker's parts
    into one array inside its training task, a second copy of the worker's features that Dask cannot spill
    (at 50x Rossmann on 2 workers about 4.3 GB each, docs/scaling.md). A single part that is a one-block
    float32 frame in column order reaches LightGBM without that copy (pandas' concat of one frame and
    LightGBM's column-major input copy nothing), and filling it here needs only one partition's float64
    features at a time.
    """
    width = len(prep.named_steps["matrix"].features_)
    n = sum(len(training_days(part, last)) for part in parts)  # the rows stage_rows gives, before the store merge
    block = np.empty((n, width), dtype=MATRIX_DTYPE, order="F")
    target = np.empty(n)
    at = 0
    for part in parts:  # one partition's rows and float64 features at a time
        X, y = stage_rows(part, store, last)
        if len(y):
            block[at:at + len(y)] = _fit_row_features(prep, X, y)
            target[at:at + len(y)] = np.log1p(y)
            at += len(y)
    if at != n:  # the count above and training_rows disagree: a bug, never a silent half-empty block
        raise AssertionError(f"worker_block counted {n} fit rows but training_rows gave {at}")
    return pd.DataFrame(block, columns=block_columns(width), copy=False), pd.Series(target, name=s.SALES)
