"""``storecast predict --engine dask``: forecast a partitioned rows dataset on a Dask cluster, part by part.

Why per part: a row's forecast reads its own store's schedule in the input (``features.schedule``), so a
part must hold whole stores, as ``storecast synth --format parquet`` and store-partitioned exports lay them
out; then each part is forecast alone, on a worker, with the same ``predict_frame`` as every other path, and
the result is the same as one local call on all rows. That a part holds whole stores is checked first, on
the Store column alone (cheap to read from parquet), so a split store fails before any work. Each worker
loads the model file once (every check of ``load_bundle``) and writes its parts' forecasts as
``part-*.parquet``: the input never passes through the client, so inputs larger than one machine's memory
work. The parts go to a temp directory beside ``out``
that is renamed at the end: a reader never sees half a forecast, a failed run leaves nothing behind.
"""

from __future__ import annotations

__all__ = ["DaskPrediction", "predict_dask", "rows_parts"]

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storecast import schema as s
from storecast.errors import ArtifactError, ContractProblem, DataContractError, StorecastError

_BUNDLES: dict[str, Any] = {}  # per worker process: model path -> loaded bundle


@dataclass(frozen=True)
class DaskPrediction:
    """What a distributed prediction wrote."""

    out: Path
    parts: int
    rows: int
    # rows outside what the model was trained and calibrated for, as ``batch.BatchResult`` counts them
    after_calibrated: int = 0
    before_training: int = 0
    in_training: int = 0
    bundle: Any = field(default=None, repr=False)  # the model as loaded for the checks (the client's copy)


def rows_parts(rows: Path) -> list[Path]:
    """The parts of a rows input: a directory's parquet files (``.parquet`` or ``.pq``, sorted; hidden and ``_``
    files left out, a CSV file or folder of parts among them refused: ``parquet_parts``), or the one file given."""
    if rows.is_dir():
        from storecast.data.contract import parquet_parts

        parts = parquet_parts(rows)
        _check_output_names(rows, parts)
        return parts
    if not rows.is_file():
        raise DataContractError(ContractProblem(str(rows), "rows file not found"))
    return [rows]


def _output_name(part: Path) -> str:
    """The file a part's forecasts are written to: named after the part, as parquet."""
    return part.stem + ".parquet"


def _check_output_names(rows: Path, parts: list[Path]) -> None:
    """A DataContractError naming the parts that would be forecast into one file (``a.parquet`` and ``a.pq``).

    Why: the second part's forecasts replaced the first's, and the count of rows written still said both.
    """
    seen: dict[str, Path] = {}
    clashes = []
    for part in parts:
        name = _output_name(part)
        if name in seen:
            clashes.append(ContractProblem(str(rows), f"expected one part per output name, got {seen[name].name} and "
                                                      f"{part.name}, both forecast into {name}: rename one"))
        seen.setdefault(name, part)
    if clashes:
        raise DataContractError(clashes)


def _bundle(model: str) -> Any:
    from storecast.artifacts import load_bundle

    if model not in _BUNDLES:
        _BUNDLES[model] = load_bundle(model)
    return _BUNDLES[model]


def _predict_part(part: str, model: str, out_dir: str) -> tuple[int, list[ContractProblem], list, tuple[int, ...]]:
    """Forecast one part on a worker and write ``out_dir/<part name>.parquet``; return its row count, its
    contract problems, the contract's warnings (``warnings_relay``: the client says them again) and its rows
    after the calibrated horizon, before the training data and inside it (``batch.count_dates``).

    A part that breaks the row contract returns its problems (and 0 rows) instead of raising: a task that raises
    is logged by its worker as "Compute Failed" with a traceback, on the terminal of a LocalCluster, above the
    client's error.
    """
    from storecast.atomic import atomic_write
    from storecast.batch import BatchResult, count_dates
    from storecast.data.contract import load_rows
    from storecast.distributed.warnings_relay import kept_warnings
    from storecast.predict import predict_frame

    with kept_warnings() as said:
        try:
            forecast = predict_frame(_bundle(model), load_rows(part))
        except DataContractError as exc:
            return 0, exc.problems, said, (0, 0, 0)
    target = Path(out_dir) / _output_name(Path(part))
    atomic_write(target, lambda tmp: forecast.to_parquet(tmp, index=False))
    counted = BatchResult()
    count_dates(counted, _bundle(model), forecast[s.DATE])
    return len(forecast), [], said, (counted.after_calibrated, counted.before_training, counted.in_training)


def _part_stores(part: Path) -> list[int]:
    """The store ids in one parquet part, from its Store column alone; [] when that cannot be read.

    [] is safe: a part without a readable Store column (or not parquet) is refused by the row contract
    on the worker, with the file, row and column, and that message is the one to show.
    """
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        ids = pc.unique(pq.read_table(part, columns=[s.STORE]).column(0)).to_pylist()
    except (pa.ArrowException, OSError, KeyError):
        return []
    # parquet parts may hold Store as text (the contract reads them as text): "7" is store 7
    numbers = pd.to_numeric(pd.Series(ids, dtype=object), errors="coerce").dropna()
    return sorted({int(x) for x in numbers if float(x).is_integer()})


def _check_out(out: Path, rows: Path) -> None:
    """Refuse an ``out`` that would not be a new directory of forecasts apart from the input, before any work.

    Why: under a file it ended in ``mkdir``'s FileExistsError traceback; named ``preds.csv`` (the local
    engine's habit) it became a directory called preds.csv; inside the input directory it became a folder
    among the input's parts, which the next run on that input refuses as a nested folder.
    """
    from storecast.atomic import folder_problem
    from storecast.errors import OutputPathError

    if out.suffix.lower() == ".csv":
        raise OutputPathError(f"--out {out}: --engine dask writes a directory of parquet parts, not a CSV file: name "
                              f"a directory (such as {out.with_suffix('')}), or use --engine local for one CSV.")
    if rows.is_dir() and out.resolve().is_relative_to(rows):
        raise OutputPathError(f"--out {out} is inside --input {rows}: its parts would lie among the input's and be "
                              "read with them next time; name a directory outside the input.")
    problem = folder_problem(out.parent)
    if problem:
        raise OutputPathError(f"--out: {problem}")


def _follow(futures: list, parts: list[Path], on_part: Callable[[int, int, str], None] | None) -> None:
    """Wait for every part's task, telling ``on_part`` of each as it ends; a part that failed raises here, at once.

    A part whose rows break the contract is no failure (its problems come back as a value, raised together
    after all parts), so it is counted as done like the others.
    """
    from concurrent.futures import CancelledError

    from distributed import KilledWorker, as_completed

    from storecast.distributed.cluster import work_cancelled, worker_died

    name_of = {future.key: part.name for future, part in zip(futures, parts, strict=True)}
    for done, future in enumerate(as_completed(futures), 1):
        if future.status != "finished":  # an error, or cancelled
            try:
                future.result()  # raises the task's exception, as gather did
            except KilledWorker as exc:
                raise worker_died(f"forecasting {name_of[future.key]}", exc) from None
            except CancelledError as exc:  # Dask's FutureCancelledError: a worker died with data it needed
                raise work_cancelled(f"forecasting {name_of[future.key]}", exc) from None
        if on_part is not None:
            on_part(done, len(futures), name_of[future.key])


def predict_dask(model: str | Path, rows: str | Path, out: str | Path, *, scheduler: str | None = None,
                 workers: int = 2, progress: Callable[[str], None] | None = None,
                 on_part: Callable[[int, int, str], None] | None = None) -> DaskPrediction:
    """Forecast every part of ``rows`` on Dask with the model file ``model``; write ``out/part-*.parquet``.

    Parameters
    ----------
    model : path
        A tree model file (``.skops``); every worker must see it at this path (a shared file system).
    rows : path
        A directory of parquet parts, each holding whole stores, or one parquet/CSV file (one part).
    out : path
        A directory that does not exist yet; it receives one parquet file of forecasts per input part
        (Id when given, Store, Date, Sales, lower, upper), named after the part.
    progress : callable, optional
        Told each step as it starts (the CLI's step lines).
    on_part : callable, optional
        ``on_part(done, total, name)`` as each part is done (its forecasts written, or its contract problems
        found), in the order the workers finish them; why: a batch of many parts showed nothing between
        "forecast N part(s)" and its end.

    Raises
    ------
    DataContractError
        A part breaks the row contract (its message names the part's file, row and column), names a
        store the model was not trained with, a store has rows in more than one part, or two parts
        would be written as one file (``a.parquet`` and ``a.pq``); nothing is written.
    ArtifactError
        The model file is missing, tampered or an LSTM (it needs history; use the local engine).
    """
    from storecast.distributed import check_whole_stores, require_dask
    from storecast.distributed.cluster import dask_client
    from storecast.distributed.warnings_relay import say_again

    require_dask()
    say = progress or (lambda _msg: None)
    model, rows, out = Path(model).resolve(), Path(rows).resolve(), Path(out)
    if out.exists():
        raise StorecastError(f"--out {out} exists: --engine dask writes a new directory of parquet parts; "
                             "name one that does not exist yet.")
    _check_out(out, rows)
    if model.suffix != ".skops":
        raise ArtifactError(f"model file {model}: --engine dask forecasts with tree models (.skops); an LSTM "
                            "needs recent history, forecast it with the local engine.")
    _bundle(str(model))  # every check of the file here first, so a bad model fails before any work is sent
    parts = rows_parts(rows)
    if len(parts) > 1:  # before any work: a split store would be found only after every part was forecast
        check_whole_stores(parts, [_part_stores(p) for p in parts])
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    tmp.chmod(0o755)  # mkdtemp's 0700 would stay on the published directory
    try:
        with dask_client(scheduler, workers) as client:
            say(f"forecast {len(parts)} part(s) on {len(client.nthreads())} worker(s)")
            futures = client.map(_predict_part, [str(p) for p in parts], model=str(model), out_dir=str(tmp),
                                 pure=False)
            _follow(futures, parts, on_part)
            done = client.gather(futures)
        problems = [p for _, found, _, _ in done for p in found]
        if problems:  # every part's, as train --engine dask lists them
            raise DataContractError(problems)
        for _, _, said, _ in done:
            say_again(said)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    late, early, inside = (sum(counts[k] for *_, counts in done) for k in range(3))
    return DaskPrediction(out=out, parts=len(parts), rows=sum(n for n, *_ in done), after_calibrated=late,
                          before_training=early, in_training=inside, bundle=_bundle(str(model)))
