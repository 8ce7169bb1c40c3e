"""`storecast train`, `storecast evaluate`, `storecast predict` and `storecast models list`."""

from __future__ import annotations

__all__ = ["models_app"]

import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from storecast.cli._app import MODELS_DIR_HELP, app, check_out, console, models_dir_option

models_app = typer.Typer(help="Inspect saved model files.", no_args_is_help=True)
app.add_typer(models_app, name="models")

_KIND = typer.Option("lgbm", "--model", help="Model kind: lgbm (accurate default) or rf.")
_DATA = typer.Option(..., "--data", help="Directory with train.csv, store.csv (and external/).")
_UNTIL = typer.Option(None, "--until", help="Last date used for fitting (YYYY-MM-DD); default: last date.")
_SEEDS = typer.Option(
    None, "--seeds", min=1, help="--model lgbm: LightGBM models averaged, each with other row/column samples "
    "(default 3). 1 trains about 2x faster (2 fits instead of 1 + 3) and scored 0.7% worse on the seasonal "
    "backtest (docs/modeling.md).")


def _date(value: str | None) -> datetime | None:
    if value is None:
        return None
    from storecast.schema import MAX_DATE, MIN_DATE

    try:
        day = datetime.strptime(value, "%Y-%m-%d")
    except ValueError as exc:
        raise typer.BadParameter(f"`--until` must look like YYYY-MM-DD; got {value!r}.") from exc
    if not MIN_DATE <= day.date() <= MAX_DATE:  # the one date range of the data contract and the API
        raise typer.BadParameter(f"`--until` must be a date {MIN_DATE}..{MAX_DATE}; got {value!r}.")
    return day


def _kind(value: str) -> str:
    if value not in ("lgbm", "rf"):
        raise typer.BadParameter(f"`--model` must be lgbm or rf; got {value!r}.")
    return value


def _outside_training(bundle, late: int, early: int) -> str | None:
    """One sentence when rows lie before the model's training data or past its calibrated horizon, else None.

    ``late``/``early``: the rows after the calibrated horizon and before the training start
    (``batch.BatchResult`` counts them). Why a warning and not an error: forecasting further out is a
    legitimate request, but the intervals were calibrated on 1..42-day-ahead errors, so the reader must
    know when a band was never measured.
    """
    from storecast.predict import calibrated_through, training_start
    from storecast.schema import HORIZON_DAYS

    parts = []
    through, start = calibrated_through(bundle), training_start(bundle)
    if through is not None and late:
        parts.append(f"{late:,} row(s) lie after {through:%Y-%m-%d}, more than {HORIZON_DAYS} days after the "
                     "model's training end: their intervals' coverage was never measured (retrain on recent data)")
    if start is not None and early:
        parts.append(f"{early:,} row(s) lie before {start:%Y-%m-%d}, the first day the model was trained on")
    return "; ".join(parts) or None


@contextmanager
def _steps(title: str):
    """A rich spinner whose text follows the library's progress messages, with elapsed times."""
    from rich.markup import escape
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}", markup=False), TimeElapsedColumn(),
                  console=console, transient=False) as bar:
        task = bar.add_task(title, total=None)
        start = time.perf_counter()

        def say(msg: str) -> None:
            bar.console.log(f"[dim]{time.perf_counter() - start:6.1f}s[/dim] {escape(msg)}", markup=True)
            bar.update(task, description=f"{title}: {msg}")

        yield say
        bar.update(task, description=f"{title}: done")


@app.command()
def train(
    data: Path = _DATA,
    model: str = _KIND,
    until: str | None = _UNTIL,
    models_dir: Path | None = typer.Option(None, "--models-dir", help=MODELS_DIR_HELP),
    engine: str = typer.Option(
        "local", "--engine", help="local (one machine) or dask (train/part-*.parquet by store blocks, on a Dask "
        "cluster; pip install 'storecast[dask]'): the same kind of model file either way."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="With --engine dask: a running scheduler (tcp://host:8786); default a local one."),
    workers: int = typer.Option(2, "--workers", min=1, help="With --engine dask, no --scheduler: local workers."),
    seeds: int | None = _SEEDS,
) -> None:
    """Fit, calibrate (80%/95% intervals) and save a tree model; prints the saved path."""
    from storecast.data.contract import load_dataset
    from storecast.train_run import train_bundle

    kind = _kind(model)
    if engine not in ("local", "dask") or (engine == "dask" and kind != "lgbm"):
        raise typer.BadParameter(f"`--engine` must be local, or dask with --model lgbm; got {engine!r}, {kind!r}.")
    if engine == "dask" and seeds not in (None, 1):
        raise typer.BadParameter("`--seeds`: the dask engine fits one LightGBM booster; leave --seeds out.")
    params = _seeds(kind, seeds)
    if engine == "dask":  # the engine lives in storecast.distributed, an optional extra
        from storecast.distributed import require_dask

        require_dask()
        from storecast.distributed.training import train_dask

        with _steps("train lgbm on dask") as say:
            path = train_dask(data, _date(until), models_dir_option(models_dir), scheduler=scheduler,
                              workers=workers, progress=say)
        typer.echo(str(path))
        return
    with _steps(f"train {kind}") as say:
        say("load data")
        ds = load_dataset(data)
        path = train_bundle(ds, kind, _date(until), models_dir_option(models_dir), progress=say, **params)
    typer.echo(str(path))


def _seeds(kind: str, seeds: int | None) -> dict[str, Any]:
    """``--seeds`` as a model parameter (LightGBM only)."""
    if seeds is None:
        return {}
    if kind != "lgbm":
        raise typer.BadParameter(f"`--seeds` applies to --model lgbm only; got --model {kind}.")
    return {"seeds": seeds}


@app.command()
def evaluate(
    data: Path = _DATA,
    model: str = _KIND,
    until: str | None = typer.Option(
        None, "--until", help="Last day of the holdout (YYYY-MM-DD): the 42 days up to it are scored, "
        "each window fitted only on the days before it; default: last date in train.csv."),
    windows: int = typer.Option(
        6, "--windows", min=2, help="Seasonal 6-week windows spread over the year before --until (the first in "
        "the same season a year before the weeks to come, the last the holdout): the default yardstick."),
    folds: int | None = typer.Option(
        None, "--folds", min=0, help="Instead of --windows: the older layout, N consecutive 6-week folds before "
        "the holdout (cheaper, but no summer or autumn in it)."),
    out: Path | None = typer.Option(
        None, "--out", help="Write metrics.json, folds.csv, importance.csv/png, holdout_forecasts.png."),
    seeds: int | None = _SEEDS,
) -> None:
    """Score the model on 6-week windows over the last year, beside the naive baseline: each, mean, worst."""
    from rich.table import Table

    from storecast.data.contract import load_dataset
    from storecast.evaluation.backtest import evaluate as run

    kind = _kind(model)
    params = _seeds(kind, seeds)
    with _steps(f"evaluate {kind}") as say:
        say("load data")
        ds = load_dataset(data)
        report = run(ds, kind, _date(until), folds, out, windows=windows, progress=say, **params)
    layout = "seasonal windows" if folds is None else "rolling folds + holdout"
    table = Table(title=f"{kind}, {layout}: RMSPE per 6-week window (open days, Sales > 0); "
                        "bias = mean(1 - forecast/actual), + = forecast low")
    for col in ("window", "scored days", "RMSPE", "RMSPE trade days", "bias", "MAE", "baseline RMSPE", "cover 80%",
                "cover 95%"):
        table.add_column(col, justify="right" if col != "window" else "left")
    for r in report["windows"]:
        table.add_row(f"{r['fold']} {r['start']}..{r['end']}", f"{r['rows']:,}", f"{r['rmspe']:.4f}",
                      f"{r['rmspe_trade_days']:.4f}", f"{r['bias']:+.3f}", f"{r['mae']:.0f}",
                      f"{r['baseline_rmspe']:.4f}", f"{r['coverage_0.8']:.3f}", f"{r['coverage_0.95']:.3f}")
    m = report["summary"]
    table.add_row("mean", "", f"{m['rmspe_mean']:.4f}", f"{m['rmspe_trade_days_mean']:.4f}", f"{m['bias_mean']:+.3f}",
                  "", f"{m['baseline_rmspe_mean']:.4f}", f"{m['coverage_0.8_mean']:.3f}",
                  f"{m['coverage_0.95_mean']:.3f}")
    table.add_row(f"worst ({m['worst_window']})", "", f"{m['rmspe_worst']:.4f}", "", "", "", "", "", "")
    console.print(table)
    if out is not None:
        console.print(f"results in {out}")


@app.command()
def predict(
    model: Path = typer.Option(..., "--model", help="Model file (.skops, or .pt for the LSTM)."),
    data: Path = typer.Option(..., "--data", help="Directory with store.csv and train.csv (history)."),
    input: Path | None = typer.Option(
        None, "--input", help="Rows to forecast, CSV or parquet (.parquet), in test.csv's layout or train.csv's "
        "(Sales/Customers are ignored, Id = row number); default DATA/test.csv."),
    out: Path = typer.Option(..., "--out", help="CSV to write: Id,Store,Date,Sales,lower,upper."),
    chunk_rows: int = typer.Option(
        100_000, "--chunk-rows", min=1, help="Rows read, forecast and written at a time: a longer input is "
        "streamed in chunks (memory stays bounded), the output written as it goes and renamed at the end."),
) -> None:
    """Forecast Sales with prediction intervals for test-shaped rows."""
    # --out is checked first: never an input file or the model, never a link, device or directory, and its
    # directory must take a new file. The model loads in a background thread (its imports and the skops file,
    # every check included) while the first chunk of rows is read and checked; a bad input still fails as soon
    # as it is read, and a bad model file raises its own error when it is waited for, after the rows passed
    # (the same order and messages as loading one after the other). The other chunks stream through
    # predict_frame with a progress bar. Rows past the calibrated horizon (training end + 42 days) or before
    # the training data get a warning line.
    from itertools import chain

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from storecast import schema as s
    from storecast.artifacts import load_bundle
    from storecast.batch import count_rows, in_background, iter_rows, predict_chunks
    from storecast.data.contract import load_train

    rows_path = input or data / s.TEST_FILE
    check_out(out, model=model, data=data, more_inputs=(rows_path,))
    with _steps("predict") as say:
        say(f"read rows (loading {model.name} meanwhile)")
        loaded = in_background(load_bundle, model)
        total = count_rows(rows_path) if rows_path.is_file() else 0
        chunks = iter_rows(rows_path, chunk_rows)
        first = next(chunks)
        say(f"load {model.name}")
        bundle = loaded()
        history = None
        if getattr(bundle, "needs_history", False):
            history = load_train(data / s.TRAIN_FILE)
        say(f"forecast {total:,} rows" + (f" in chunks of {chunk_rows:,}" if total > len(first) else ""))
    with Progress(TextColumn("forecast"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=False, disable=total <= len(first)) as bar:
        task = bar.add_task("forecast", total=total or None)
        result = predict_chunks(bundle, chain([first], chunks), out, history=history,
                                on_chunk=lambda n: bar.advance(task, n))
    outside = _outside_training(bundle, result.after_calibrated, result.before_training)
    if outside:
        console.print(f"[yellow]warning:[/yellow] {outside}", highlight=False, markup=True, soft_wrap=True)
    console.print(f"wrote {result.rows:,} forecasts to {out}")


@models_app.command("list")
def list_models(
    models_dir: Path | None = typer.Option(None, "--models-dir", help=MODELS_DIR_HELP),
) -> None:
    """Table of the complete models (valid card, matching sha256), newest first; then what was skipped and why."""
    from rich.table import Table

    from storecast.artifacts import model_files

    models_dir = models_dir_option(models_dir)
    found = list(model_files(models_dir))  # newest first by the UTC stamp in the name, whatever the kind
    complete = [f for f in found if f.complete]
    table = Table(title=f"models in {models_dir} (newest first)")
    # The file name is what `predict --model` and `serve --model` need: fold it, never cut it with "...".
    # It already carries the UTC creation stamp, so no separate "created" column.
    table.add_column("file", overflow="fold", min_width=24)
    table.add_column("kind")
    table.add_column("fit through")  # the first day is in the card; the last one is what ages
    for col in ("calib. RMSPE", "intervals"):
        table.add_column(col)
    for f in complete:  # cards checked against storecast.card.ModelCard: the fields below have their types
        c = f.card or {}
        rmspe = (c.get("metrics") or {}).get("calibration", {}).get("rmspe")
        levels = (c.get("intervals") or {}).get("levels", [])
        table.add_row(f.path.name, str(c["kind"]), str((c.get("training") or {}).get("end") or "?"),
                      "-" if rmspe is None else f"{rmspe:.4f}", ", ".join(f"{lv:.0%}" for lv in levels) or "-")
    if complete:
        console.print(table)
    else:
        console.print(f"no complete model in {models_dir}", markup=False)
    for f in found:
        if not f.complete:
            console.print(f"skipped: {f.path.name} ({f.problem})", markup=False, highlight=False, soft_wrap=True)
