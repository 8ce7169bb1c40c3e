"""Options and helpers the model commands share: --model, --data, --until, --seeds, a progress spinner."""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import typer

from storecast.cli._app import console, date_option

_KIND = typer.Option("lgbm", "--model", help="Model kind: lgbm (accurate default) or rf.")
_DATA = typer.Option(..., "--data", help="Directory with train.csv, store.csv (and external/).")
_UNTIL = typer.Option(None, "--until", help="Last date used for fitting (YYYY-MM-DD); default: last date.")
_SEEDS = typer.Option(
    None, "--seeds", min=1, help="--model lgbm: LightGBM models averaged, each with other row/column samples "
    "(default 3). 1 trains about 2x faster (2 fits instead of 1 + 3) and scored 0.7% worse on the seasonal "
    "backtest (docs/modeling.md).")


def _date(value: str | None) -> datetime | None:
    """``--until`` as a datetime, checked (YYYY-MM-DD, inside the data contract's range) before any work."""
    return None if value is None else datetime.combine(date_option(value, "--until"), datetime.min.time())


def _kind(value: str) -> str:
    if value not in ("lgbm", "rf"):
        raise typer.BadParameter(f"`--model` must be lgbm or rf; got {value!r}.")
    return value


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


def _seeds(kind: str, seeds: int | None) -> dict[str, Any]:
    """``--seeds`` as a model parameter (LightGBM only)."""
    if seeds is None:
        return {}
    if kind != "lgbm":
        raise typer.BadParameter(f"`--seeds` applies to --model lgbm only; got --model {kind}.")
    return {"seeds": seeds}
