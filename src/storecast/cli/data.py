"""`storecast validate`: check a data directory against the contract before any other command uses it."""

from __future__ import annotations

__all__ = ["validate"]

import logging
import time
from pathlib import Path

import typer
from rich.table import Table

from storecast.cli._app import PARQUET_TOO, app, console, examples

log = logging.getLogger(__name__)


@app.command(epilog=examples(
    "storecast validate --data ../shared/rossmann",
))
def validate(
    data: Path = typer.Option(..., "--data", help="Directory with train.csv, store.csv and test.csv." + PARQUET_TOO),
) -> None:
    """Check train.csv, store.csv, test.csv (and external/store_states.csv when present); print a summary.

    Bad files exit with status 2 and list every problem as "file, line N, column `X`: message".
    """
    from storecast import schema as s
    from storecast.data.contract import load_dataset

    started = time.perf_counter()
    with console.status("reading and validating..."):
        # validate is the place to learn that test.csv is missing, before predict needs it
        ds = load_dataset(data, require_test=True)
    log.info("validated %s in %.1f s", data, time.perf_counter() - started)
    table = Table(title=f"{data}: all files valid", title_justify="left")
    for col in ("file", "rows", "stores", "first date", "last date"):
        table.add_column(col, justify="right" if col in ("rows", "stores") else "left")
    for name, df in ((s.TRAIN_FILE, ds.train), (s.TEST_FILE, ds.test)):
        if df is not None:
            table.add_row(_read(data, name), f"{len(df):,}", f"{df[s.STORE].nunique():,}",
                          f"{df[s.DATE].min():%Y-%m-%d}", f"{df[s.DATE].max():%Y-%m-%d}")
    table.add_row(_read(data, s.STORE_FILE), f"{len(ds.store):,}", f"{ds.store[s.STORE].nunique():,}", "", "")
    if ds.states_rows is not None:  # Store is unique there: as many stores as rows, store.csv's or more
        table.add_row(s.STATES_FILE, f"{ds.states_rows:,}", f"{ds.states_rows:,}", "", "")
    console.print(table)


def _read(data: Path, name: str) -> str:
    """The file the contract read for ``name``: ``train.csv``, else ``train.parquet``, else ``train/`` (parts)."""
    from storecast.data.contract import data_file

    path = data_file(data, name)
    return f"{path.name}/" if path.is_dir() else path.name
