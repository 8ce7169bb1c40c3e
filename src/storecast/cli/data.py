"""`storecast validate` and `storecast clean`."""

from __future__ import annotations

from pathlib import Path

import typer

from storecast.cli._app import app, console


@app.command()
def validate(
    data: Path = typer.Option(..., "--data", help="Directory with train.csv, store.csv and test.csv."),
) -> None:
    """Check the data files against the contract and print a short summary."""
    from storecast.data.contract import load_dataset

    ds = load_dataset(data)
    t = ds.train
    console.print(
        f"[green]ok[/green] train.csv: {len(t):,} rows, {t['Store'].nunique():,} stores, "
        f"{t['Date'].min():%Y-%m-%d}..{t['Date'].max():%Y-%m-%d}; store.csv: {len(ds.store):,} stores"
        + (f"; test.csv: {len(ds.test):,} rows" if ds.test is not None else "")
    )
