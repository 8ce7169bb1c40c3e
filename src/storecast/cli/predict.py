"""`storecast predict`: forecast rows (test.csv by default) with a saved model, in chunks, to a CSV.

With ``--engine dask`` each part of the input (a directory of parquet parts, or one file) is forecast on a
worker, and the forecasts are written as a new directory of parquet parts.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from storecast.cli._app import PARQUET_TOO, app, check_out, console, examples
from storecast.cli._model_options import engine_options, outside_training, progress_steps
from storecast.cli._progress import progress

__all__ = ["predict", "columns_note"]


@app.command(epilog=examples(
    "# X.skops: a model file `storecast models list` shows",
    "storecast predict --model models/X.skops --data ../shared/rossmann --out out/preds.csv",
    "storecast predict --model models/X.skops --data ../shared/rossmann --input later.csv --out out/later.csv",
))
def predict(
    ctx: typer.Context,
    model: Path = typer.Option(..., "--model", help="Model file (.skops, or .pt for the LSTM)."),
    data: Path = typer.Option(..., "--data", help="Directory with train.csv (history, for the LSTM) and "
                              "test.csv (the default --input); store.csv is optional: the model carries the store "
                              "facts it was trained on, and a tree model warns when DATA/store.csv differs."
                              + PARQUET_TOO),
    input: Path | None = typer.Option(
        None, "--input", help="Rows to forecast, CSV or parquet (.parquet or .pq), in test.csv's layout or train.csv's "
        "(with or without Id: without, Id = row number; Sales/Customers are not used to forecast, then the "
        "forecasts are scored against them: RMSPE, bias and coverage per week); default DATA/test.csv."),
    out: Path = typer.Option(..., "--out", help="CSV to write: Id,Store,Date,Sales,lower,upper (Sales per store "
                             "and day, in the units of train.csv's Sales; lower..upper: the model's default "
                             "prediction interval, 80% for `storecast train`'s models; closed days 0)."),
    chunk_rows: int = typer.Option(
        100_000, "--chunk-rows", min=1, help="Rows read and checked at a time, and about the rows "
        "forecast at a time (whole stores: a forecast reads its store's schedule); the checked rows of a longer input "
        "are held, the output written in file order to a temp file renamed at the end."),
    engine: str = typer.Option(
        "local", "--engine", help="local, or dask: forecast each part of --input (a directory of parquet parts, "
        "each holding whole stores) on a Dask cluster and write --out as a new directory of part-*.parquet "
        "(pip install 'storecast\\[dask]')."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="With --engine dask: a running scheduler (tcp://host:8786); default a local one."),
    workers: int = typer.Option(2, "--workers", min=1, help="With --engine dask, no --scheduler: local workers."),
) -> None:
    """Forecast Sales with prediction intervals for test-shaped rows."""
    _check_arguments(engine, input, data)
    engine_options(ctx, engine, local_only=("chunk_rows",))
    if engine == "dask":
        _predict_on_dask(model, data, input, out, scheduler, workers)
        return
    _predict_locally(model, data, input, out, chunk_rows)


def _check_arguments(engine: str, rows: Path | None, data: Path) -> None:
    """Refuse a wrong ``--engine``, ``--input`` or ``--data`` before anything is loaded.

    Why here: without ``--input`` the rows default to DATA/test.csv, so a missing ``--input`` file would
    otherwise be reported as "expected test.csv here (see --data)", which points at the wrong option.
    """
    if engine not in ("local", "dask"):
        raise typer.BadParameter(f"`--engine` must be local or dask; got {engine!r}.")
    if rows is None:
        return
    from storecast.errors import StorecastError

    if not rows.exists():
        raise StorecastError(f"--input: {rows} not found: give the CSV or parquet file of rows to forecast, "
                             "or leave --input out to forecast DATA/test.csv.")
    if rows.is_dir() and engine == "local":
        raise StorecastError(f"--input: {rows} is a directory: give the CSV or parquet file of rows to "
                             "forecast (a directory of parquet parts takes --engine dask).")
    if not data.is_dir():  # a tree model does not read it then: a wrong --data must not pass unnoticed
        from storecast.data.contract import packed_hint

        what = f"is a file, not a directory{packed_hint(data)}" if data.exists() else "not found"
        raise StorecastError(f"--data: {data} {what}: expected the directory holding train.csv and, optionally, "
                             "store.csv.")


def _check_model_path(model: Path) -> None:
    """Refuse a ``--model`` that is no file before any progress line.

    Why: the model loads in the background while the rows are read, so a mistyped path printed "read rows
    (loading X meanwhile)", "load X" and a spinner line before "model file X not found", which then read as
    one more step of a run that had started.
    """
    from storecast.artifacts.files import require_model_file

    require_model_file(model)


def _predict_locally(model: Path, data: Path, rows: Path | None, out: Path, chunk_rows: int) -> None:
    """``--engine local``: stream the rows through ``predict_frame`` in chunks and write ``out``.

    ``out`` is checked first: never an input file or the model, never a link, device or directory, and its
    directory must take a new file. The model loads in a background thread (its imports and the skops file,
    every check included) while the first chunk of rows is read and checked; a bad input still fails as soon
    as it is read, and a bad model file raises its own error when it is waited for, after the rows passed
    (the same order and messages as loading one after the other). Missing rows or a missing model file are
    refused before any progress line. Rows past the calibrated horizon (training end + the calibration
    days, 42 by default), before the training data or, without Sales, inside it get a warning line.
    Imports that the command never uses are skipped (``model_imports.imports_skipped``: hypothesis here,
    pytest, torch and dask in the loader).
    """
    from storecast.model_imports import import_before_pandas, imports_skipped

    import_before_pandas()  # before storecast.batch and the artifacts bring pandas: 0.3 s less to load the model
    with imports_skipped("hypothesis"):  # pandera's data synthesis, imported with its checks when installed
        _forecast_locally(model, data, rows, out, chunk_rows)


def _forecast_locally(model: Path, data: Path, rows: Path | None, out: Path, chunk_rows: int) -> None:
    """``_predict_locally`` after its imports' order and skips are set: the model and the rows, then the forecast."""
    import contextlib
    import dataclasses
    from itertools import chain

    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn

    from storecast import schema as s
    from storecast.artifacts import load_bundle
    from storecast.background import in_background
    from storecast.batch import check_known_stores, count_rows, iter_rows, predict_chunks
    from storecast.data.contract import data_file, is_parquet, load_train, not_a_file, scan_lines
    from storecast.errors import DataContractError
    from storecast.long_lived import freeze_until_exit

    rows_path = rows or data_file(data, s.TEST_FILE)  # test.csv, else test.parquet
    check_out(out, model=model, data=data, more_inputs=(rows_path,))
    if not rows_path.is_file():  # the reader's own words for it ("file not found", a broken link, a folder), first;
        # named as itself: test.parquet as a folder was "expected test.csv here"
        problem = not_a_file(rows_path, rows_path.name)
        if rows is None and data.is_dir() and problem.message.endswith("here (see --data)"):
            # DATA is right but holds no test.csv: the rows may be elsewhere, which only --input can say
            problem = dataclasses.replace(problem, message=f"{problem.message}, or give the rows to forecast "
                                                           "with --input FILE")
        raise DataContractError(problem)
    _check_model_path(model)
    # "ready", not "done": the forecast runs after this block (its own bar); a later chunk's bad row may still stop it
    with progress_steps("predict", done="ready") as say:
        say(f"read rows (loading {model.name} meanwhile)")
        loaded = in_background(load_bundle, model)
        # a CSV's one pass over its bytes counts the rows for the bar and serves the reader's checks
        scan = None if is_parquet(rows_path) else scan_lines(rows_path)  # a file: checked above
        total = scan.rows if scan is not None else count_rows(rows_path)
        chunks = iter_rows(rows_path, chunk_rows, keep_actuals=True, scan=scan)
        first = next(chunks)
        say(f"load {model.name}")
        bundle = loaded()
        freeze_until_exit()  # the model and its imports live until exit: later collections skip them
        # the first chunk's stores before "predict: ready": an unknown store stops here, not after that line
        first = check_known_stores(first, bundle, rows_path)
        history = None
        if bundle.needs_history:
            history = load_train(data_file(data, s.TRAIN_FILE))
        # read and compared while the trees run (compiled code outside the GIL): ~80 ms of CPU off the clock
        store_note = in_background(_store_file_note, data, bundle)
        say(f"forecast {total:,} rows" + (f" in chunks of {chunk_rows:,}" if total > len(first) else ""))
    try:
        with progress(TextColumn("forecast"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      transient=False, shown=total > len(first)) as bar:
            task = bar.add_task("forecast", total=total or None)
            checked = chain([first], (check_known_stores(chunk, bundle, rows_path) for chunk in chunks))
            result = predict_chunks(bundle, checked, out, history=history, on_chunk=lambda n: bar.advance(task, n))
    except BaseException:
        # a later chunk's bad row (or Ctrl-C) ends the run: the store.csv check must end first, as the process
        # exits; a daemon thread cut off inside pyarrow's C++ aborted it now and then ("terminate called without
        # an active exception", exit code 134 in place of the message's 2)
        with contextlib.suppress(Exception):
            store_note()
        raise
    # rows with Sales are scored below, whose table already counts the in-sample days
    inside = result.in_training if result.score is None else 0
    outside = outside_training(bundle, result.after_calibrated, result.before_training, inside=inside)
    for note in (outside, store_note()):
        if note:
            console.print(f"[yellow]warning:[/yellow] {escape(note)}", highlight=False, markup=True, soft_wrap=True)
    console.print(f"wrote {result.rows:,} forecasts to {out} ({columns_note(bundle)})", soft_wrap=True)
    _print_totals(result.totals.rows())
    if result.score is not None:
        _print_score(result.score.summary(), rows_path)


def _store_file_note(data: Path, bundle) -> str | None:
    """One warning line when DATA/store.csv cannot be read or says other than the store facts the model
    carries, else None (also when there is no store.csv: a tree model does not need it).

    Why: a tree model forecasts with the store table it was fitted on and never read DATA/store.csv, so a broken
    or edited file in the folder the user named passed unnoticed. A warning, not an error: the forecasts are the
    model's either way, and the file may be meant for the next training. About 80 ms of CPU on Rossmann's 1,115
    stores (the data contract's whole check of store.csv), so ``predict`` runs it beside the forecast.
    """
    from storecast import schema as s
    from storecast.data.contract import data_file, load_store
    from storecast.errors import DataContractError

    path = data_file(data, s.STORE_FILE)
    if not path.exists() or bundle.needs_history:  # the LSTM carries no store table to compare
        return None
    try:
        differences = bundle.facts.store_file_differences(load_store(path))
    except DataContractError as exc:
        first = str(exc.problems[0]) if exc.problems else str(exc)
        more = f" (and {len(exc.problems) - 1:,} more problem(s))" if len(exc.problems) > 1 else ""
        return (f"{path} cannot be read ({first}{more}): the model forecasts with the store facts it was "
                "trained on, which this run did not check against the file")
    if not differences:
        return None
    return (f"{path} differs from the store facts in {bundle.path.name}: {'; '.join(differences)}; the model "
            "forecasts with the facts it was trained on (train a new model to use the file's)")


_MAX_WEEKS_SHOWN = 26


def columns_note(bundle: object) -> str:
    """What the written columns hold, the interval's level included: the CSV itself says only lower/upper.

    Why: an analyst opening the file could not tell an 80% band from a 95% one, nor a closed day's 0 from a
    missing forecast.
    """
    level = getattr(bundle, "level", None)
    band = f"its {level:.0%} prediction interval" if isinstance(level, float) and level == level else "its interval"
    return f"Sales: the point forecast per store and day; lower..upper: {band}; closed days: 0"


def _print_totals(weeks: list[dict]) -> None:
    """Forecast Sales summed by week: the chain's (or the input's stores') weeks at a glance."""
    from rich.table import Table

    if not weeks:
        return
    table = Table(title="forecast Sales by week (sums of the point forecasts; the rows' intervals do not add up "
                        "to a week's)", title_justify="left")
    for name in ("week (Mon)", "days", "stores", "open store-days", "forecast Sales"):
        table.add_column(name, justify="left" if name.startswith("week") else "right")
    for week in weeks[:_MAX_WEEKS_SHOWN]:
        table.add_row(week["week"], str(week["days"]), f"{week['stores']:,}", f"{week['open_days']:,}",
                      f"{week['sales']:,.0f}")
    table.add_row("all", "", "", f"{sum(w['open_days'] for w in weeks):,}",
                  f"{sum(w['sales'] for w in weeks):,.0f}", style="bold")
    console.print(table)
    if len(weeks) > _MAX_WEEKS_SHOWN:
        console.print(f"({len(weeks) - _MAX_WEEKS_SHOWN} more weeks in the total, not listed)")


def _print_score(score: dict, rows_path: Path) -> None:
    """The forecasts against the input's own Sales, for the period and each week (train.csv-shaped input)."""
    from rich.table import Table

    if not score["days"]:
        console.print(f"{rows_path.name} has Sales but no open day with Sales > 0: nothing to score")
        return
    level = f"{score['level']:.0%}" if score["level"] == score["level"] else "interval"
    table = Table(title=f"forecasts against the Sales of {rows_path.name} (open days with Sales > 0; "
                        "bias = mean(1 - forecast/actual), negative: forecast high)", title_justify="left")
    for name in ("week (Mon)", "days", "RMSPE", "RMSPE trade days", "bias", f"{level} coverage"):
        table.add_column(name, justify="left" if name.startswith("week") else "right")

    def add(label: str, part: dict, **style) -> None:
        table.add_row(label, f"{part['days']:,}", f"{part['rmspe']:.4f}", f"{part['rmspe_trade_days']:.4f}",
                      f"{part['bias']:+.3f}", f"{part['coverage']:.3f}", **style)

    for week in score["weeks"]:
        add(week["week"], week)
    add("all", score, style="bold")
    console.print(table)
    if score["in_sample_days"]:
        console.print(f"[yellow]warning:[/yellow] {score['in_sample_days']:,} of the {score['days']:,} scored days "
                      "lie inside the model's training data: for them this is an in-sample fit, not a test of "
                      "the forecast (score a period after the training end)", highlight=False, markup=True,
                      soft_wrap=True)


def _predict_on_dask(model: Path, data: Path, rows: Path | None, out: Path, scheduler: str | None,
                     workers: int) -> None:
    """``--engine dask``: one task per input part, forecasts written by the workers (storecast.distributed).

    Each part done (forecast and written, or refused: the problems follow) is counted on stderr ("part 3/12 done:
    part-00007.parquet"): in the spinner's text on a terminal, a plain line when piped (``progress_steps``' ``count``).
    """
    from storecast import schema as s
    from storecast.data.contract import data_file
    from storecast.distributed.prediction import predict_dask

    _check_model_path(model)
    with progress_steps("predict on dask") as say:

        def part_done(done: int, total: int, name: str) -> None:
            say(f"part {done}/{total} done: {name}", count=True)

        result = predict_dask(model, rows or data_file(data, s.TEST_FILE), out, scheduler=scheduler, workers=workers,
                              progress=say, on_part=part_done)
    # the local engine's warning (its forecasts are not scored here, so rows inside the training data are named)
    outside = outside_training(result.bundle, result.after_calibrated, result.before_training,
                               inside=result.in_training)
    if outside:
        console.print(f"[yellow]warning:[/yellow] {escape(outside)}", highlight=False, markup=True, soft_wrap=True)
    console.print(f"wrote {result.rows:,} forecasts in {result.parts} part(s) to {result.out}")
