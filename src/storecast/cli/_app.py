"""The Typer application every command module registers on, and the one place errors become messages."""

from __future__ import annotations

__all__ = ["app", "console", "main"]

import logging
import sys

import typer
from rich.console import Console
from rich.logging import RichHandler

from storecast.errors import StorecastError

console = Console(stderr=True)

app = typer.Typer(
    name="storecast",
    help="Forecast daily sales of a chain of retail stores.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Log each step (read, validate, change, write)."
    ),
) -> None:
    """Forecast daily sales of a chain of retail stores."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(console=console, show_path=False, show_time=verbose)],
        force=True,
    )


def main() -> None:
    """Console-script entry point: domain errors exit 2 with a message and no traceback."""
    try:
        app()
    except StorecastError as exc:
        console.print(f"[bold red]error:[/bold red] {exc}", highlight=False, markup=True)
        sys.exit(2)
