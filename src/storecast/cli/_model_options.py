"""Options and helpers the model commands share: --model, --data, --until, --seeds, a progress spinner."""

from __future__ import annotations

__all__ = ["DATA_OPTION", "KIND_OPTION", "SEEDS_OPTION", "UNTIL_OPTION", "checked_kind", "engine_options",
           "forecast_with", "outside_training", "progress_steps", "seeds_params", "until_date"]

import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from storecast.cli._app import PARQUET_TOO, date_option

KIND_OPTION = typer.Option("lgbm", "--model", help="Model kind: lgbm (accurate default) or rf.")
DATA_OPTION = typer.Option(..., "--data", help="Directory with train.csv, store.csv (and external/)." + PARQUET_TOO)
UNTIL_OPTION = typer.Option(None, "--until", help="Last date used for fitting (YYYY-MM-DD); default: last date.")
SEEDS_OPTION = typer.Option(
    None, "--seeds", min=1, help="--model lgbm: LightGBM models averaged, each with other row/column samples "
    "(default 3). 1 trains about 2x faster (2 fits instead of 1 + 3), forecasts a single row about 1.5x faster "
    "and scored 0.7% worse on the seasonal backtest (docs/modeling.md, docs/benchmarks.md).")


def until_date(value: str | None) -> datetime | None:
    """``--until`` as a datetime, checked (YYYY-MM-DD, inside the data contract's range) before any work."""
    return None if value is None else datetime.combine(date_option(value, "--until"), datetime.min.time())


def forecast_with(path: Path, data: Path) -> str:
    """The ``predict`` command for a model just saved, as ``train`` and ``lstm train`` both say it last.

    Why one: the path alone left the user to find how a forecast is made; the two commands each wrote the line.
    """
    import shlex

    return (f"forecast with: storecast predict --model {shlex.quote(str(path))} --data {shlex.quote(str(data))} "
            "--out predictions.csv")


def checked_kind(value: str) -> str:
    """``--model`` checked before the data are read (seconds on the real files), not at the first fit."""
    if value.lower().endswith((".skops", ".pt")):  # predict, plan and serve take a file as --model: train does not
        raise typer.BadParameter(f"`--model` here is a model kind, lgbm or rf, not a model file; got {value!r}. To "
                                 f"score a saved model on weeks with known Sales: storecast predict --model "
                                 f"{value} --data DIR --input later.csv --out scored.csv")
    if value not in ("lgbm", "rf"):
        raise typer.BadParameter(f"`--model` must be lgbm or rf; got {value!r}.")
    return value


def engine_options(ctx: typer.Context, engine: str, *, dask_only: tuple[str, ...] = ("scheduler", "workers"),
                   local_only: tuple[str, ...] = ()) -> None:
    """Refuse an option typed for the other ``--engine``: ignored, it changed nothing and said nothing.

    Why: ``--scheduler tcp://...`` without ``--engine dask`` ran the whole job on this machine, the one
    the user meant to spare; ``--chunk-rows`` with dask (each part is forecast whole) was dropped alike.
    """
    wrong_for, names = ("dask", local_only) if engine == "dask" else ("local", dask_only)
    given = {name for name in (*dask_only, *local_only)  # typed: not the option's default
             if getattr(ctx.get_parameter_source(name), "name", "DEFAULT") != "DEFAULT"}
    typed = [f"--{name.replace('_', '-')}" for name in names if name in given]
    if typed:
        other = "local" if wrong_for == "dask" else "dask"
        raise typer.BadParameter(f"{', '.join(typed)}: only with --engine {other}, and this run is --engine "
                                 f"{wrong_for}, which would ignore {'it' if len(typed) == 1 else 'them'}: use "
                                 f"--engine {other}, or leave {'it' if len(typed) == 1 else 'them'} out.")
    # --workers sizes the local cluster that --engine dask starts without --scheduler: a running one keeps its own
    if engine == "dask" and {"scheduler", "workers"} <= given:
        raise typer.BadParameter("--workers: the workers of the local cluster started without --scheduler; the "
                                 "cluster at --scheduler has its own, which --workers would not change: leave "
                                 "--workers out, or --scheduler to start a local cluster.")


@contextmanager
def progress_steps(title: str, done: str = "done"):
    """A rich spinner whose text follows the library's progress messages, with elapsed times.

    Not on a terminal (piped, redirected, captured): no spinner, one plain line per step with its time, and a
    last line "``title``: ``done``", as the spinner's last state reads (``live_display``). ``done``: the word
    for a block that ends before the command's work does (``predict``'s "ready": its forecast follows).

    ``say(msg, count=True)``: how far the running step has come ("part 3/12 done"), not a step of its own: on
    a terminal it only follows the step in the spinner's text (a line per part would bury the steps); piped, it is
    a plain line, as the LSTM's epochs are, since a log has no spinner to show it in.
    """
    from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

    from storecast.cli._progress import plain_line, progress, say_step

    with progress(SpinnerColumn(), TextColumn("{task.description}", markup=False), TimeElapsedColumn(),
                  transient=False) as bar:
        task = bar.add_task(title, total=None)
        start = time.perf_counter()
        step = [title]  # the step running now, for the heartbeat

        def say(msg: str, *, count: bool = False) -> None:
            if count and not bar.disable:
                bar.update(task, description=f"{title}: {step[0]}: {msg}")
                return
            say_step(bar, msg, since=start)
            if not count:
                bar.update(task, description=f"{title}: {msg}")
                step[0] = msg

        stop = _heartbeat(lambda: plain_line(f"{step[0]}: still running", since=start)) if bar.disable else None
        try:
            yield say
        finally:
            if stop is not None:
                stop()
        bar.update(task, description=f"{title}: {done}")
        if bar.disable:
            plain_line(f"{title}: {done}", since=start)


HEARTBEAT_S = 60.0  # piped output: a line this often while one step runs on


def _heartbeat(beat: Callable[[], None]) -> Callable[[], None]:
    """Call ``beat`` every `HEARTBEAT_S` seconds in a daemon thread until the returned stop() is called.

    Why: piped or logged, a command shows no spinner, and one step of `storecast train` on the full data runs
    for minutes (longer on a busy machine) without a line; a log that stops looks like a hang.
    """
    import threading

    done = threading.Event()

    def run() -> None:
        while not done.wait(HEARTBEAT_S):
            try:
                beat()
            except (OSError, ValueError):  # stderr closed (piped into `head`): the main thread says so itself
                return

    thread = threading.Thread(target=run, name="storecast-heartbeat", daemon=True)
    thread.start()

    def stop() -> None:
        done.set()
        thread.join()

    return stop


def seeds_params(kind: str, seeds: int | None) -> dict[str, Any]:
    """``--seeds`` as a model parameter (LightGBM only)."""
    if seeds is None:
        return {}
    if kind != "lgbm":
        raise typer.BadParameter(f"`--seeds` applies to --model lgbm only; got --model {kind}.")
    return {"seeds": seeds}


def outside_training(bundle, late: int, early: int, unit: str = "row", inside: int = 0) -> str | None:
    """One sentence when rows (or days: ``unit``) lie before the model's training data, inside it or past its
    calibrated horizon, else None.

    ``late``/``early``/``inside``: those after the calibrated horizon, before the training start and within the
    training data (``batch.BatchResult`` counts them for `predict`; `plan` counts its days). Why a warning and not
    an error: forecasting further out is a legitimate request, but the intervals were calibrated on 1..N-day-ahead
    errors (``predict.calibration_days``, 42 by default), so the reader must know when a band was never measured;
    and a day the model was fitted on is an in-sample fit, which usually means the wrong file or the wrong model.
    """
    from storecast.predict import calibrated_through, calibration_days, fitted_through, training_start

    parts = []
    through, start = calibrated_through(bundle), training_start(bundle)
    if through is not None and late:
        days = calibration_days(bundle)
        parts.append(f"{late:,} {unit}(s) lie after {through:%Y-%m-%d}, more than {days} days after the "
                     "model's training end: their intervals' coverage was never measured (retrain on recent data)")
    if start is not None and early:
        parts.append(f"{early:,} {unit}(s) lie before {start:%Y-%m-%d}, the first day the model was trained on")
    if start is not None and inside and (end := fitted_through(bundle)) is not None:
        parts.append(f"{inside:,} {unit}(s) lie inside the model's training data ({start:%Y-%m-%d}..{end:%Y-%m-%d}): "
                     "their forecasts are in-sample fits, not forecasts of unseen days (check the file and the model)")
    return "; ".join(parts) or None
