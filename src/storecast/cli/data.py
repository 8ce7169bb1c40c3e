"""`storecast validate`: check a data directory against the contract."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from storecast.cli._app import app, console


@app.command()
def validate(
    data: Path = typer.Option(..., "--data", help="Directory with train.csv, store.csv and test.csv."),
) -> None:
    """Check the data files against the contract and print a short summary."""
    from storecast import schema as s
    from storecast.data.contract import load_dataset

    with console.status("reading and validating..."):
        ds = load_dataset(data)
    table = Table(title=f"{data}: all files valid", title_justify="left")
    for col in ("file", "rows", "stores", "first date", "last date"):
        table.add_column(col, justify="right" if col in ("rows", "stores") else "left")
    for name, df in ((s.TRAIN_FILE, ds.train), (s.TEST_FILE, ds.test)):
        if df is not None:
            table.add_row(name, f"{len(df):,}", f"{df[s.STORE].nunique():,}",
                          f"{df[s.DATE].min():%Y-%m-%d}", f"{df[s.DATE].max():%Y-%m-%d}")
    table.add_row(s.STORE_FILE, f"{len(ds.store):,}", f"{ds.store[s.STORE].nunique():,}", "", "")
    console.print(table)
