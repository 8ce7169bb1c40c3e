"""``train_dask``: the local engine's model (a ConformalRegressor around prep + LightGBM), fitted on Dask.

The steps mirror ``ConformalRegressor.fit``: a calibration-stage fit on the rows up to the last sales day
minus 42 days, conformal calibration on those 42 days (collected on the client: 42 days of rows), then the
final fit on all rows. Each fit is ``lightgbm.dask.DaskLGBMRegressor`` on the per-partition feature matrices;
``to_local()`` turns it into the plain LGBMRegressor the local pipeline holds, so the saved file is loaded
and served by the same code. LightGBM's data-parallel fit bins and bags per worker, so the trees are close
to, not identical with, a local fit on the same rows.
"""

from __future__ import annotations

__all__ = ["train_dask"]

import contextlib
import io
import logging
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from storecast import schema as s
from storecast.data.contract import (
    data_file,
    input_files,
    load_store,
    no_sales_day_problem,
    warn_stores_without_history,
)
from storecast.dates import to_days
from storecast.distributed import RANK_WAIT_MIN, check_whole_stores, require_dask
from storecast.distributed.cluster import dask_client, rank_died
from storecast.distributed.partitions import (
    MATRIX_DTYPE,
    block_columns,
    fit_prep,
    load_part,
    part_report,
    partition_paths,
    stage_rows,
    worker_block,
)
from storecast.distributed.placement import AddressOrdered, home_workers
from storecast.distributed.warnings_relay import say_again
from storecast.errors import DataContractError
from storecast.models.conformal import ConformalRegressor, check_sales_span
from storecast.models.training import DEFAULT_LEVELS, fitted_card_facts, training_days
from storecast.models.trees import LGBM_DEFAULTS, SalesRegressor, make_estimator, make_pipeline
from storecast.windows import WINDOW_DAYS, check_window

if TYPE_CHECKING:
    from distributed import Client


_log = logging.getLogger(__name__)


def _day(days: int) -> pd.Timestamp:
    return pd.Timestamp(np.datetime64(int(days), "D"))


def _stores_of(part: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, int]:
    """A partition's stores, those with a trading day (an open day with Sales > 0), and its row count."""
    return part[s.STORE].unique(), part.loc[s.is_sales_day(part).to_numpy(), s.STORE].unique(), len(part)


def _load(client, paths: list[Path], store: pd.DataFrame, root: Path) -> list:
    """Every partition validated on the workers and kept there; all partitions' problems raised together.

    Then the local engine's warnings (``load_dataset``'s): the parts' own, and the stores of ``store`` that no part
    has rows or a trading day for.
    """
    # scattered once, not passed as an argument of every task: Dask embeds a large argument (55,750 ids are
    # 446 kB) as a task of its own, which failed with "AssertionError(<TaskState 'store_ids' processing>)"
    ids = client.scatter(store[s.STORE].to_numpy(dtype=np.int64), broadcast=True)
    # each part kept on its home worker (placement.home_workers), so that LightGBM's ranks hold the same rows
    # every run; a loose restriction: if that worker is gone, another loads it
    parts = [client.submit(load_part, str(p), store_ids=ids, workers=[home], allow_other_workers=True)
             for p, home in zip(paths, home_workers(client, len(paths)), strict=True)]
    # a failed task is not a contract problem: gather raises it as it is; problems come back as values
    reports = client.gather(client.map(part_report, parts))
    problems = [p for found, _ in reports for p in found]
    if problems:
        raise DataContractError(problems)
    for _, said in reports:  # the warnings the local engine shows (a respelled code, Open = 0 with Sales)
        say_again(said)
    found = client.gather(client.map(_stores_of, parts))
    # once, on every row, before any fit: checked per fit stage on the stage's sales days, a store whose rows
    # in a second part all lay after the calibration cut was refused only after the calibration-stage fit,
    # and one whose closed days lay there (their proximity features differ part by part) was never refused
    check_whole_stores(paths, [a for a, _, _ in found])
    trading = np.concatenate([b for _, b, _ in found])
    if not len(trading):  # the local gate's problem (load_dataset), for the parts taken together
        raise DataContractError([no_sales_day_problem(data_file(root, s.TRAIN_FILE), sum(n for *_, n in found))])
    warn_stores_without_history(root, store[s.STORE].to_numpy(), np.concatenate([a for a, _, _ in found]),
                                trading, None)
    return parts


def _date_span(part: pd.DataFrame) -> tuple[int, int]:
    days = to_days(part[s.DATE])
    return int(days.min()), int(days.max())


def _take(pair: tuple, i: int):
    return pair[i]


def _rows_of_block(pair: tuple) -> int:
    return len(pair[1])


def _worker_blocks(client, parts: list, store_f, prep_f, last: pd.Timestamp) -> list:
    """One ``worker_block`` per worker, of the partitions kept there (futures of (features, target)), in worker
    address order.

    Why the home workers, not ``who_has``: a partition copied to a second worker (a task of another stage ran
    there) was counted on the first address listed, so a block's rows could change from run to run.
    """
    held: dict[str, list] = {}
    for part, addr in zip(parts, home_workers(client, len(parts)), strict=True):
        held.setdefault(addr, []).append(part)
    return [client.submit(worker_block, store_f, prep_f, last, *mine, workers=[addr], allow_other_workers=False,
                          pure=False) for addr, mine in sorted(held.items())]


def _fit_stage(client, parts: list, store_f, store: pd.DataFrame, last: pd.Timestamp, params: dict,
               rank_wait: int = RANK_WAIT_MIN) -> tuple:
    """Fit the preprocessor and LightGBM on every partition's rows up to ``last``; the local Pipeline + facts.

    ``rank_wait``: LightGBM's ``time_out`` (minutes), see `RANK_WAIT_MIN`.
    """
    import dask.dataframe as dd
    from lightgbm import DaskLGBMRegressor

    prep, facts = fit_prep(client, parts, store_f, store, last)
    width = len(prep.named_steps["matrix"].features_)
    prep_f = client.scatter(prep, broadcast=True)
    blocks = _worker_blocks(client, parts, store_f, prep_f, last)
    lengths = client.gather([client.submit(_rows_of_block, b, pure=False) for b in blocks])
    blocks = [b for b, n in zip(blocks, lengths, strict=True) if n]  # LightGBM refuses a worker without rows
    xs = [client.submit(_take, b, 0, pure=False) for b in blocks]
    ys = [client.submit(_take, b, 1, pure=False) for b in blocks]
    meta = pd.DataFrame({c: pd.Series(dtype=MATRIX_DTYPE) for c in block_columns(width)})
    X = dd.from_delayed(xs, meta=meta, verify_meta=False)
    y = dd.from_delayed(ys, meta=pd.Series(dtype=float, name=s.SALES), verify_meta=False)
    params = {k: v for k, v in params.items() if k != "seeds"}  # one booster, see below
    settings = {k: v for k, v in {**LGBM_DEFAULTS, **params}.items() if k != "n_jobs"}  # each worker's threads
    settings["time_out"] = rank_wait  # a network setting, not the model's: see RANK_WAIT_MIN
    # lightgbm.dask prints its info ("Finding random open ports for workers") on stdout, which holds only the
    # model path (scripts read it): logged at INFO instead, shown with --verbose
    printed = io.StringIO()
    with warnings.catch_warnings(), contextlib.redirect_stdout(printed):
        # lightgbm.dask always sets, then drops, num_threads: not our setting
        warnings.filterwarnings("ignore", r"Parameter (n_jobs|num_threads) will be ignored")
        # the workers in address order: rank k fits on the k-th block in every run (placement.AddressOrdered)
        ordered = cast("Client", AddressOrdered(client))  # the client's whole API, as lightgbm.dask uses it
        try:
            fitted = DaskLGBMRegressor(client=ordered, **settings).fit(X, y)
        except Exception as exc:  # a worker that died under a rank: one line (cluster.rank_died); else as it is
            if (died := rank_died(exc, rank_wait)) is None:
                raise
            raise died from None
    for line in printed.getvalue().splitlines():
        _log.info("lightgbm.dask: %s", line)
    tree = fitted.to_local()
    tree.set_params(n_jobs=LGBM_DEFAULTS["n_jobs"])  # serving runs on one machine: all its cores
    # one LightGBM model: lightgbm.dask fits one booster across the workers; the local engine's average of
    # seeds (LGBM_SEEDS) would cost as many distributed fits (docs/scaling.md)
    model = SalesRegressor(make_estimator("lgbm", seeds=1, **params), loss="log")
    model.estimator_, model.n_features_in_ = tree, width
    del blocks, xs, ys, prep_f
    return Pipeline([("prep", prep), ("model", model)]), facts


def train_dask(data_dir: str | Path, until=None, models_dir: str | Path = "models", *, scheduler: str | None = None,
               workers: int = 2, progress: Callable[[str], None] | None = None, rank_wait: int = RANK_WAIT_MIN,
               **params) -> Path:
    """Fit, calibrate and save an lgbm model on Dask; return the model file (same kind as ``train_bundle``'s).

    Parameters
    ----------
    data_dir : path
        store.csv/.parquet, external/store_states.csv and train as ``train/part-*.parquet`` (one partition
        per file, each a block of whole stores), ``train.parquet`` or ``train.csv`` (one partition).
    until : date-like, optional
        Last date used for fitting; default the last date of train.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); default a LocalCluster of ``workers``.
    rank_wait : int
        Minutes a LightGBM rank waits for another that never joins (or stops answering) before the fit stops
        with one line (`RANK_WAIT_MIN`; LightGBM's ``time_out``, whole minutes, at least 1).
    **params
        Overrides of LightGBM's defaults (``LGBM_DEFAULTS``).
    """
    require_dask()
    if isinstance(rank_wait, bool) or not isinstance(rank_wait, int) or rank_wait < 1:
        raise ValueError(f"`rank_wait` must be a whole number of minutes, at least 1; got {rank_wait!r}.")
    say = progress or (lambda _msg: None)
    root = Path(data_dir)
    store = load_store(data_file(root, s.STORE_FILE), root / s.STATES_FILE)
    paths = partition_paths(root)
    calibration = ConformalRegressor().calibration_days
    with dask_client(scheduler, workers) as client:
        say(f"validate {len(paths)} partition(s) on {len(client.nthreads())} worker(s)")
        store_f = client.scatter(store, broadcast=True)
        parts = _load(client, paths, store, root)
        spans = client.gather(client.map(_date_span, parts))
        dates = pd.Series([_day(min(a for a, _ in spans)), _day(max(b for _, b in spans))])
        until = check_window(
            dates, until, first_day_needed=lambda u: u - pd.Timedelta(days=calibration + WINDOW_DAYS),
            what=f"a model with calibrated intervals ({WINDOW_DAYS} days to fit on, then {calibration} to "
                 "calibrate on)", fix="choose a later --until")
        sold = [(n, a, b) for n, a, b in client.gather(client.map(_sales_span, parts, last=until))
                if a is not None and b is not None]
        first_day, last_day = min((a for _, a, _ in sold), default=0), max((b for _, _, b in sold), default=0)
        # the local engine's check and words (ConformalRegressor.fit), on the chain's sales days up to --until
        check_sales_span(sum(n for n, _, _ in sold), first_day, last_day, calibration)
        cut = _day(last_day - calibration)
        say(f"fit on all but the last {calibration} days, to measure the forecast error")
        first, _ = _fit_stage(client, parts, store_f, store, cut, params, rank_wait)
        cal = client.gather(client.map(stage_rows, parts, store=store_f, last=until, since=cut))
        X_cal = pd.concat([x for x, _ in cal], ignore_index=True)
        y_cal = np.concatenate([y for _, y in cal])
        say("refit on all days: the model that forecasts")
        final, facts = _fit_stage(client, parts, store_f, store, until, params, rank_wait)
        client.cancel([*parts, store_f])  # the workers free the chain now, not while the cluster shuts down
        del parts, store_f
        model = ConformalRegressor(make_pipeline("lgbm", **params), levels=DEFAULT_LEVELS).calibrate(
            first, X_cal, y_cal, final)
        path = _save(model, root, facts, until, models_dir,
                     engine={"name": "dask", "partitions": len(paths),
                             "workers": workers if scheduler is None else None, "scheduler": scheduler})
    return path  # saved before the cluster is closed: a slow shutdown only logs (cluster._close_quietly)


def _save(model: ConformalRegressor, root: Path, facts: dict, until: pd.Timestamp,
          models_dir: str | Path, *, engine: dict) -> Path:
    """The model file and its card, as ``train_bundle`` writes them, with the engine recorded."""
    from storecast.artifacts import data_fingerprint, save_bundle

    card = {
        "training": {"start": f"{_day(facts['first']):%Y-%m-%d}", "end": f"{until:%Y-%m-%d}",
                     "rows": int(facts["rows"]), "stores": int(facts["stores"]),
                     "rows_rule": "open days with Sales > 0"},
        "engine": engine,
        "loss": "log",
        **fitted_card_facts(model),
        "data_fingerprint": data_fingerprint(*input_files(root)),  # as train_bundle's card
        "data_dir": str(root),
    }
    return save_bundle(model, kind="lgbm", models_dir=models_dir, card=card)


def _sales_span(part: pd.DataFrame, last: pd.Timestamp) -> tuple[int, int | None, int | None]:
    """The partition's open days with sales up to ``last``: how many, the first and the last (days since 1970).

    The calibration window ends on the chain's last one; the first says whether any lies before the window.
    """
    days = to_days(training_days(part, last)[s.DATE])
    return (len(days), int(days.min()), int(days.max())) if len(days) else (0, None, None)
