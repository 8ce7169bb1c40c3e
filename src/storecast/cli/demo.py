"""`storecast demo`: the whole job end to end on the embedded synthetic data."""

from __future__ import annotations

from pathlib import Path

import typer

from storecast.cli._app import app, console


@app.command()
def demo(
    out: Path = typer.Option(Path("demo-out"), "--out", help="Where the demo writes its data and results."),
) -> None:
    """Generate synthetic data, validate, clean, explore, train, evaluate and serve it."""
    console.print(f"demo output goes to {out}")
