"""`storecast eda`: the exploration report (HTML with embedded charts, numbers.json, CSV tables)."""

from __future__ import annotations

__all__ = ["eda"]

from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, SpinnerColumn, TextColumn, TimeElapsedColumn

from storecast.cli._app import PARQUET_TOO, app, check_out_dir, console, examples
from storecast.cli._progress import progress as progress_bar


@app.command(epilog=examples(
    "storecast eda --data ../shared/rossmann --out out/report   # then open out/report/report.html",
))
def eda(
    data: Path = typer.Option(..., "--data", help="Directory with train.csv, store.csv (and test.csv)." + PARQUET_TOO),
    out: Path = typer.Option(Path("report"), "--out", help="Directory for report.html, numbers.json and tables/."),
) -> None:
    """Explore customer purchasing behaviour: one self-contained HTML report plus its numbers."""
    from storecast.data.contract import load_dataset
    from storecast.eda.questions import SECTIONS
    from storecast.eda.render import build_report

    check_out_dir(out)
    steps = len(SECTIONS) + 3  # read, cleaning report, sections, write
    with progress_bar(SpinnerColumn(), TextColumn("{task.description}", markup=False), BarColumn(),
                      MofNCompleteColumn(), TimeElapsedColumn(), transient=True) as progress:
        task = progress.add_task("Reading and validating", total=steps)
        dataset = load_dataset(data)
        done = {"n": 0}

        def step(title: str) -> None:
            progress.update(task, completed=done["n"] + 1, description=title)
            done["n"] += 1

        path = build_report(dataset, out, progress=step)
        progress.update(task, completed=steps)
    console.print(f"report written to [bold]{escape(str(path))}[/bold] "
                  f"(numbers: {escape(str(out / 'numbers.json'))}, tables: {escape(str(out / 'tables'))})", markup=True,
                  soft_wrap=True)  # one line: a path cut at 80 columns when piped cannot be copied
