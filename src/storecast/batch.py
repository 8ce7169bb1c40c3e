"""``predict_file``: forecast a rows file of any size through ``predict_frame``, read in chunks.

Why chunks: the reading and checking, and the features and trees, run on bounded pieces instead of the whole
file; only the checked rows and their forecasts are held (a few dozen bytes a row each), so that a store's
rows, wherever they lie in the file, are forecast together (``store_batches``: a forecast reads its own store's
schedule). The output is written into a temp file beside the target that is renamed at the end (a reader never
sees half a forecast, a failed run leaves nothing behind). A CSV file that fits in one chunk is
read by the file contract (``load_rows``: every problem located by line, repeated (Store, Date) rows
refused); a longer CSV or any parquet file is read in chunks that each pass the row contract
(``validate_rows``, a bad cell worded as the whole read words it, at the file's line or row); nothing is
forecast when a chunk is bad, but the later chunks are still checked, so the error lists the file's
problems in file order as a whole read does (up to `data.contract.MAX_REPORTED`); the columns and the repeated-key rules
of the whole file hold there too (``data.chunk_rules``), and a code written "A" or " a " is read as Kaggle's
"a" with the one warning a whole read gives (``Respellings``)."""

from __future__ import annotations

__all__ = ["BatchResult", "check_known_stores", "count_dates", "count_rows", "iter_rows", "predict_chunks",
           "predict_file", "store_batches", "DEFAULT_CHUNK_ROWS"]

import csv
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.atomic import atomic_write
from storecast.data.chunk_rules import (
    BadCells,
    FlagWords,
    RepeatedKeys,
    UnparsedColumns,
    check_layout,
    counted_header_again,
    repeat_problem,
)
from storecast.data.contract import (
    MAX_REPORTED,
    LineScan,
    Respellings,
    RowProblem,
    as_rows,
    cannot_read,
    cell_problem,
    check_cell_types,
    count_missing_open,
    is_parquet,
    load_rows,
    parquet_frame,
    parquet_text,
    read_text_chunks,
    rows_layout,
    scan_lines,
    validate_rows,
    warn_missing_open,
)
from storecast.errors import MAX_STORES_LISTED, ContractProblem, DataContractError, first_and_more
from storecast.evaluation.period_score import PeriodScore
from storecast.predict import calibrated_through, fitted_through, predict_frame, training_start, unknown_store_rows
from storecast.weekly_totals import WeeklyTotals

DEFAULT_CHUNK_ROWS = 100_000  # ~10 MB of rows and features per chunk; test.csv (41,088 rows) is one chunk


def count_rows(path: str | Path) -> int:
    """Data rows in a CSV (lines after the header, by counting newlines: ``scan_lines``) or a parquet file (its
    footer)."""
    path = Path(path)
    if is_parquet(path):
        return int(_parquet_file(path).metadata.num_rows)
    return scan_lines(path).rows


def _rows_of(frame: pd.DataFrame, path: Path, done: int, keep_actuals: bool = False,
             words: FlagWords | None = None, cells: BadCells | None = None,
             where: dict[int, tuple[int, ContractProblem]] | None = None) -> pd.DataFrame:
    """One chunk as test-shaped, validated rows; a train.csv-shaped chunk loses Sales/Customers and, without an
    Id column of its own, gets Id = row number.

    The row contract names chunk positions (``row i``, from 0); they are turned into the file's own lines (CSV,
    header = line 1) or rows (parquet, row 1 = the first row, as the file contract and ``check_known_stores``
    count them), so a message points into the file, not the chunk.
    Sales and Customers are checked before they are dropped (kept with ``keep_actuals``, as ``load_rows``
    keeps them), as a file read in one piece checks them.
    ``words``: the file's yes/no words in 0/1 columns (``FlagWords``), each refused here in file order among the
    chunk's other problems, and counted for the file. ``cells``: the file's bad cells (``BadCells``), handed there
    to be listed and counted for the file, not among this chunk's problems. ``where``: each problem raised here
    (by ``id``) -> its position in the file and itself (kept, so that no later problem takes its ``id``).
    """
    if rows_layout(frame.columns) == s.TRAIN_FILE:  # train.csv's layout without Id: the row number
        frame = frame.copy()
        frame.insert(0, s.ID, np.arange(done + 1, done + 1 + len(frame), dtype="int64"))
    held: list[tuple[ContractProblem, int]] = []
    if words is not None:
        frame, held = words.take(frame, done)
    place, placed = _placed(frame, path, done), list(held)

    def placing(found: RowProblem) -> ContractProblem:
        placed.append((place(found), found.row))  # the list keeps each problem, so its id stays its own
        return placed[-1][0]

    try:
        rows = validate_rows(frame, source=str(path), place=placing, bad_values=None if cells is None else cells.hand)
    except DataContractError as exc:  # in file order, as a whole read lists them (a count of more rows last)
        if cells is not None:
            cells.take(frame)
        row_of = {id(problem): row for problem, row in placed}
        problems = sorted(exc.problems + [problem for problem, _ in held], key=lambda p: row_of.get(id(p), len(frame)))
        if where is not None:
            where.update((id(p), (done + row_of.get(id(p), len(frame)), p)) for p in problems)
        raise DataContractError(problems) from None
    if held:
        if where is not None:
            where.update((id(p), (done + row, p)) for p, row in held)
        raise DataContractError([problem for problem, _ in held])
    if keep_actuals and s.SALES in rows.columns:
        for col in (s.SALES, s.CUSTOMERS):  # checked whole numbers >= 0 above, as text or numbers
            rows[col] = pd.to_numeric(rows[col]).astype("int64")
        return rows
    return rows.drop(columns=[c for c in (s.SALES, s.CUSTOMERS) if c in rows.columns])


def _placed(frame: pd.DataFrame, path: Path, done: int) -> Callable[[RowProblem], ContractProblem]:
    """How the row contract's problems of one chunk are placed and worded, as a whole read of the file does.

    Why: the chunk's ``row i: expected X, got Y: correct it`` named the parquet row after the column, showed
    Python reprs (``datetime.time(0, 0)``) where a whole read quotes the cell's text, and left out the whole
    read's hints (a date written 20150801). A bad cell is worded by the whole read's own ``cell_problem``, from
    the chunk's text (a parquet chunk's as its whole read turns it into text), and an Id repeated inside the
    chunk as one repeated across chunks (``repeat_problem``); other problems keep their words, at the file's
    line (CSV) or row (parquet).
    """
    parquet = is_parquet(path)
    texts: list[pd.DataFrame] = []  # the chunk's text, made when a message first quotes it

    def text() -> pd.DataFrame:
        if not texts:  # the whole read's text frame is indexed from -1 for parquet: row 1 has index -1
            texts.append(parquet_text(frame).set_axis(frame.index - 1) if parquet else frame)
        return texts[0]

    def place(found: RowProblem) -> ContractProblem:
        i, column = done + found.row, found.column
        if column in frame.columns and found.bad_value:
            return cell_problem(path, text(), i - 1 if parquet else i, column)
        if found.first is not None:  # the key's value as the file writes it, as a whole read shows it
            shown = f"{column}={text()[column].iat[found.row]}"
            return repeat_problem(path, (column,), shown, i, done + found.first, parquet=parquet)
        said = found.in_file or found.text  # a DayOfWeek not the Date's: a file cannot leave the column out
        if parquet:
            return as_rows(ContractProblem(str(path), said, i + 1, column))
        return ContractProblem(str(path), said, i + 2, column)

    return place


def _whole_file(rows: pd.DataFrame, path: Path) -> bool:
    """Whether ``rows`` hold every row of ``path`` (a file read in one chunk), by position and the file's count.

    Asked only when a message needs it (it counts the file's rows): "in this part of the file" would mislead
    when there is no other part.
    """
    return len(rows) > 0 and int(rows.index[0]) == 0 and len(rows) == count_rows(path)


def check_known_stores(rows: pd.DataFrame, bundle: Any, path: str | Path) -> pd.DataFrame:
    """``rows`` (a chunk of ``iter_rows``), after refusing stores the model was not trained with.

    Why here and not only in ``predict_frame``: the chunk still knows where each row sits in ``path``, so the
    error names the file's lines (parquet: rows) and the Store column, as every other problem of the file does.
    The first `errors.MAX_STORES_LISTED` stores each get their first row; one last problem counts the others and
    names them (``first_and_more``), and the error shows every line of it.
    """
    ids = rows[s.STORE].to_numpy(dtype=np.int64)
    bad = unknown_store_rows(bundle, ids)
    if not len(bad):
        return rows
    path = Path(path)
    hint = ("the model's training data had no sales rows for it: remove its rows, or add the store's sales "
            "history to train.csv and retrain")
    stores, first, counts = np.unique(ids[bad], return_index=True, return_counts=True)
    problems = []
    in_order = np.argsort(first)  # one problem per store, at its first row, in file order
    for k in in_order[:MAX_STORES_LISTED]:
        position = int(rows.index[bad[first[k]]])
        message = (f"expected a store the model knows, got {stores[k]}"
                   f"{f' ({counts[k]:,} rows, the first here)' if counts[k] > 1 else ''}: {hint}")
        if is_parquet(path):
            problems.append(as_rows(ContractProblem(str(path), message, position + 1, s.STORE)))
        else:
            problems.append(ContractProblem(str(path), message, position + 2, s.STORE))
    rest = stores[in_order[MAX_STORES_LISTED:]].tolist()
    if rest:
        where = "the file" if _whole_file(rows, path) else "this part of the file"
        problems.append(ContractProblem(str(path), f"{len(rest):,} more unknown store(s) in {where}: "
                                                   f"{first_and_more(rest, MAX_STORES_LISTED)}", None, s.STORE))
    raise DataContractError(problems, limit=len(problems))  # the count of the rest is the last line


def iter_rows(path: str | Path, chunk_rows: int = DEFAULT_CHUNK_ROWS, *,
              keep_actuals: bool = False, scan: LineScan | None = None) -> Iterator[pd.DataFrame]:
    """Validated test-shaped rows of ``path`` (CSV or parquet), at most ``chunk_rows`` at a time, in file order.

    ``keep_actuals``: rows in train.csv's layout keep Sales and Customers (int64) after the test columns,
    for ``predict_chunks`` to score the forecasts against; test-shaped rows are the same either way.
    A bad chunk ends the rows yielded; the chunks after it are read and checked, and one ``DataContractError``
    lists every problem found, in file order. ``scan``: a CSV file's ``scan_lines(path)`` when the caller has
    made it (``storecast predict`` counts the rows with it for its progress bar), else it is made here.
    """
    path = Path(path)
    parquet = is_parquet(path)
    if scan is None and path.is_file() and not parquet:
        scan = scan_lines(path)  # the rows, and the Ctrl-Z check's answer
    if not path.is_file() or (scan is not None and scan.rows <= chunk_rows):
        # one chunk: the file contract, with line numbers (and its missing-file message)
        yield load_rows(path, keep_actuals=keep_actuals, scan=scan)
        return
    done, keys = 0, [RepeatedKeys(path, key, parquet=parquet) for key in ((s.ID,), (s.STORE, s.DATE))]
    missing_open, first_open = 0, 0
    respelled = Respellings()  # "A" or " a " read as Kaggle's "a", said once for the file as a whole read says it
    words = FlagWords(path, parquet=parquet)  # yes/no words in 0/1 columns: one problem a column, as a whole read
    unparsed = UnparsedColumns(path, parquet=parquet)  # a column none of whose values parse: one problem, as whole
    cells = BadCells(path, parquet=parquet)  # bad cells: the first 200 of each kind and a count, as a whole read
    where: dict[int, tuple[int, ContractProblem]] = {}  # id of a problem found -> its position: cells go among them
    read_through = False  # every chunk read: only then can a column be said to hold no value that parses
    found: list[ContractProblem] = []  # from the first bad chunk on: every chunk checked, none yielded
    checked_up_to: list[ContractProblem] = []  # the note of a check stopped early, said first
    capped_at = 0  # the lines checked when the cap was reached: said only if another chunk shows lines were left
    try:
        for frame in _frames(path, chunk_rows, scan):
            if capped_at:  # the cap reached and more rows follow: the rest of the file is left, said first
                checked_up_to.append(ContractProblem(str(path), f"the file is checked up to "
                                                                f"{'row' if parquet else 'line'} "
                                                                f"{capped_at:,} only: correct the "
                                                                "problems listed, then check it again"))
                break
            if not done:  # the whole file's rules (chunk_rules): its columns once, each key once across chunks
                check_layout(path, list(frame.columns), parquet=parquet)
                if rows_layout(frame.columns) == s.TRAIN_FILE:  # Id = row number: unique already
                    keys = keys[1:]
            frame.index = pd.RangeIndex(done, done + len(frame))
            frame = respelled.respell(frame, frame.index.to_numpy() + (1 if parquet else 2))
            unparsed.take(frame)  # a parquet chunk too: a column it stores as text may parse no more than a CSV's
            try:
                rows = _rows_of(frame, path, done, keep_actuals, words, cells, where)
                for seen in keys:
                    seen.add(rows, frame)
            except DataContractError as exc:
                found += exc.problems
                where.update((id(p), (done + len(frame), p)) for p in exc.problems if id(p) not in where)  # a repeat
            if not found and not cells.any():
                if s.OPEN in frame.columns and s.SALES not in frame.columns:  # filled with 1 by validate_rows
                    count, first = count_missing_open(frame[s.OPEN])
                    if count and not missing_open:
                        first_open = done + first  # the file's first, as load_test names it
                    missing_open += count
                yield rows
            done += len(frame)
            held = sum(id(p) in words.listed for p in found)  # said once a column at the end
            if len(found) - held >= MAX_REPORTED:  # as many as a whole read lists: enough to fix (cells: BadCells)
                capped_at = done + (0 if parquet else 1)
        else:
            read_through = True
    except DataContractError as exc:  # what the reader refuses further on (a ragged line) follows what came before
        problems = [counted_header_again(p, [k.keys for k in keys]) for p in exc.problems]
        if not found and not cells.any():
            raise DataContractError(problems) from None
        found += problems
        where.update((id(p), (done, p)) for p in problems)
    if found or cells.any():  # as a whole read reports a file: every problem (up to its cap), in file order
        found = words.settle(found, done)
        found = unparsed.settle(found, done) if read_through else found
        notes, listed = cells.settle(unparsed.whole_columns(done) if read_through else set())
        placed = sorted([(where[id(p)][0], p) for p in found if id(p) in where] + listed, key=lambda pair: pair[0])
        raise DataContractError(checked_up_to + [p for p in found if id(p) not in where] + notes
                                + [p for _, p in placed])
    if not done:  # a parquet file without rows: as its whole read (and a header-only CSV file) is refused
        raise DataContractError(ContractProblem(str(path), "no data rows: expected at least one row"))
    respelled.warn(path, parquet=parquet)
    if missing_open:  # as load_test says it of a file read in one piece: CSV line (header = 1), parquet row
        warn_missing_open(path, missing_open, first_open + (1 if parquet else 2), parquet=parquet)


def _parquet_file(path: Path):
    """``pyarrow.parquet.ParquetFile`` of ``path``; a file that is not parquet is a DataContractError naming it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        if isinstance(exc, OSError) and not isinstance(exc, pa.ArrowException) and exc.errno:
            # a file that cannot be opened (no read permission): the contract's words for it, not pyarrow's
            # "Failed to open local file" followed by advice to write the file again
            raise cannot_read(path, OSError(exc.errno, os.strerror(exc.errno))) from None
        raise DataContractError(ContractProblem(str(path), f"cannot be read as parquet ({exc}): write it with "
                                                "pandas.DataFrame.to_parquet, or pass a .csv")) from None


def _frames(path: Path, chunk_rows: int, scan: LineScan | None) -> Iterator[pd.DataFrame]:
    if is_parquet(path):
        import pyarrow as pa

        parts = _parquet_file(path)
        check_cell_types(path, parts.schema_arrow)  # lists, structs, monthly periods: named as a whole read names them
        try:
            for batch in parts.iter_batches(batch_size=chunk_rows):
                yield parquet_frame(batch)
        except (pa.ArrowException, OSError) as exc:
            raise DataContractError(ContractProblem(str(path), f"cannot be read as parquet ({exc})")) from None
        return
    # text like the file contract reads it: every cell a string, an empty cell missing (Open: taken as open),
    # after the same file-level checks (encoding, separator, ragged and blank lines)
    # its columns checked before its lines, as a whole read checks them
    yield from read_text_chunks(path, s.TEST_FILE, chunk_rows, scan,
                                lambda header: check_layout(path, header, parquet=False))


@dataclass
class BatchResult:
    """What ``predict_file`` wrote, and how many rows lie outside what the model was trained and calibrated for."""

    rows: int = 0
    chunks: int = 0
    after_calibrated: int = 0  # rows after predict.calibrated_through: their interval coverage is unmeasured
    before_training: int = 0  # rows before the first training day
    in_training: int = 0  # rows dated inside the training data: in-sample fits, not forecasts of unseen days
    score: PeriodScore | None = None  # rows in train.csv's layout: the forecasts against their Sales
    totals: WeeklyTotals = field(default_factory=WeeklyTotals)  # forecast Sales summed by week


def _write(frame: pd.DataFrame, fh: Any, header: bool) -> None:
    frame[s.DATE] = frame[s.DATE].dt.strftime("%Y-%m-%d")
    frame.to_csv(fh, index=False, header=header, float_format="%.2f", quoting=csv.QUOTE_MINIMAL)


def store_batches(stores: np.ndarray, size: int) -> list[np.ndarray]:
    """Row positions in batches of whole stores of about ``size`` rows each (a store of more rows alone), each in
    file order: a store's rows are forecast together, as they read each other's schedule."""
    order = np.argsort(stores, kind="stable")
    ordered = stores[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    batches, first = [], 0
    for start in starts[1:]:
        if start - first >= size:  # this batch is full: the next store starts the next one
            batches.append(np.sort(order[first:start]))
            first = start
    batches.append(np.sort(order[first:]))
    return batches


def count_dates(result: BatchResult, bundle: Any, dates: pd.Series) -> None:
    """Count the rows outside what the model was trained and calibrated for (the warnings ``predict`` prints).

    Public for ``predict --engine dask``, whose workers count their parts' rows with it, so both engines warn alike.
    """
    through, start, end = calibrated_through(bundle), training_start(bundle), fitted_through(bundle)
    if through is not None:
        result.after_calibrated += int((dates > through).sum())
    if start is not None:
        result.before_training += int((dates < start).sum())
        if end is not None:
            result.in_training += int(((dates >= start) & (dates <= end)).sum())


def predict_file(bundle: Any, path: str | Path, out: str | Path, *, chunk_rows: int = DEFAULT_CHUNK_ROWS,
                 history: pd.DataFrame | None = None, on_chunk: Callable[[int], object] | None = None,
                 ) -> BatchResult:
    """Forecast every row of ``path`` (CSV or parquet, test.csv's layout or train.csv's) into the CSV ``out``.

    ``predict_chunks`` of ``iter_rows(path, chunk_rows)``, each chunk through ``check_known_stores``; see there.
    """
    checked = (check_known_stores(rows, bundle, path) for rows in iter_rows(path, chunk_rows, keep_actuals=True))
    return predict_chunks(bundle, checked, out, history=history, on_chunk=on_chunk)


def predict_chunks(bundle: Any, chunks: Iterable[pd.DataFrame], out: str | Path, *,
                   history: pd.DataFrame | None = None, on_chunk: Callable[[int], object] | None = None,
                   ) -> BatchResult:
    """Forecast the rows of every chunk with ``predict_frame``, whole stores at a time, into the CSV ``out``.

    Why not chunk by chunk: a row's forecast reads its own store's schedule in the input (``features.schedule``:
    the closures around its day), and a file lists its rows in any order (test.csv by date), so chunks of the file
    split stores and a forecast depended on where a chunk ended (34 of test.csv's rows changed by up to 6% with
    5,000-row chunks). The chunks are read and checked in turn and their rows held (a few dozen bytes a row); the
    features and trees, the memory that grows with a batch, run on batches of whole stores of about a chunk's rows
    (``store_batches``), and the forecasts are written in file order.

    Parameters
    ----------
    bundle : Bundle
        From ``artifacts.load_bundle``.
    chunks : iterable of DataFrame
        Test-shaped rows (``iter_rows``). Rows that carry Sales and Customers
        (``iter_rows(..., keep_actuals=True)`` of a train.csv-shaped file) are forecast without them, then
        scored against them (``BatchResult.score``).
    out : path
        Id,Store,Date,Sales,lower,upper; written atomically: a temp file beside it, renamed once every
        forecast is written.
    history : DataFrame, optional
        Passed to ``predict_frame`` (models that need past sales).
    on_chunk : callable, optional
        Called with the number of rows of each batch once it is forecast (progress bars).

    Raises
    ------
    DataContractError
        A chunk breaks the contract; nothing is written to ``out``.
    """
    result = BatchResult()
    parts = []
    for rows in chunks:  # each chunk read and checked in turn: a bad one stops here, before any forecast
        parts.append(rows)
        result.chunks += 1
    if not parts:  # no rows, no header: as an empty input gave when chunks were written in turn
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        atomic_write(out, lambda tmp: Path(tmp).write_bytes(b""))
        return result
    rows = parts[0] if len(parts) == 1 else pd.concat(parts)
    batches = store_batches(rows[s.STORE].to_numpy(), max(len(p) for p in parts))
    del parts
    count_dates(result, bundle, rows[s.DATE])
    actual = None
    if s.SALES in rows.columns:  # set aside: the forecast never sees what was sold
        actual = rows[[c for c in (s.OPEN, s.SALES, s.CUSTOMERS) if c in rows.columns]]
        rows = rows.drop(columns=[s.SALES, s.CUSTOMERS])
    forecasts = []
    for positions in batches:
        forecasts.append(predict_frame(bundle, rows if len(batches) == 1 else rows.iloc[positions], history=history))
        if on_chunk is not None:
            on_chunk(len(positions))
    frame = forecasts[0]
    if len(forecasts) > 1:  # back into file order
        frame = pd.concat(forecasts, ignore_index=True).iloc[np.argsort(np.concatenate(batches))]
    result.totals.add(frame)
    if actual is not None:
        result.score = PeriodScore.for_model(bundle)
        result.score.add_forecast(frame, actual)
    result.rows = len(frame)

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            _write(frame, fh, header=True)

    Path(out).parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, write)
    return result
