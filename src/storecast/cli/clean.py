"""`storecast clean`: validated data in, cleaned parquet files and a cleaning report out."""

from __future__ import annotations

__all__ = ["clean"]

import json
import logging
from pathlib import Path

import typer
from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from storecast.atomic import atomic_write_set
from storecast.cli._app import PARQUET_TOO, app, check_out_dir, console, examples, table_console
from storecast.cli._progress import progress as progress_bar

log = logging.getLogger(__name__)


@app.command(epilog=examples(
    "storecast clean --data ../shared/rossmann --out out/clean",
    "storecast clean --data ../shared/rossmann --out out/clean --outlier-action flag   # add *_outlier flags",
))
def clean(
    data: Path = typer.Option(..., "--data", help="Directory with train.csv and store.csv; test.csv is optional "
                              "(when there, its missing Open values are counted in the report)." + PARQUET_TOO),
    out: Path = typer.Option(..., "--out", help="Directory for the cleaned parquet files and the report."),
    outlier_method: str = typer.Option("iqr", help="Outlier detection: iqr, zscore or mad."),
    outlier_action: str = typer.Option("cap", help="Outlier handling: cap, log, flag or remove."),
    impute: str = typer.Option(
        "median", help="Imputation of what is still missing: mean, median, most_frequent, model."
    ),
) -> None:
    """Clean the data (missing values, outliers) and write it next to a report; input files stay untouched."""
    from storecast.clean.pipeline import CleanOptions, clean_dataset
    from storecast.data.contract import load_dataset

    try:
        options = CleanOptions(outlier_method=outlier_method, outlier_action=outlier_action, impute=impute)
    except ValueError as exc:  # name the option as typed (`--outlier-method`), not CleanOptions' field
        message = str(exc)
        for field in ("outlier_method", "outlier_action", "impute"):
            message = message.replace(f"`{field}`", f"`--{field.replace('_', '-')}`")
        raise typer.BadParameter(message) from exc
    check_out_dir(out)
    with progress_bar(SpinnerColumn(), TextColumn("{task.description}", markup=False), TimeElapsedColumn(),
                      transient=True) as progress:
        task = progress.add_task("reading and validating", total=None)
        log.info("clean: reading and validating %s", data)
        dataset = load_dataset(data)
        result = clean_dataset(dataset, options, progress=lambda msg: progress.update(task, description=msg))
        progress.update(task, description=f"writing to {out}")
        out.mkdir(parents=True, exist_ok=True)
        frame = result.report.to_frame()
        payload = {"data": str(data), "options": options.__dict__, **result.report.to_dict()}
        # one set: the cleaned data and the report that describes it are all new or all as before
        written = atomic_write_set({
            out / "train_clean.parquet": lambda p: result.train.to_parquet(p, index=False),
            out / "store_clean.parquet": lambda p: result.store.to_parquet(p, index=False),
            out / "cleaning_report.csv": lambda p: frame.to_csv(p, index=False),
            out / "cleaning_report.json": lambda p: p.write_text(json.dumps(payload, indent=2, default=str)),
        })
        for path in written:
            log.info("wrote %s", path)
    table = Table(title=f"cleaning report ({len(result.train):,} daily rows written to {out})", title_justify="left")
    for col in ("step", "column", "rule", "detected", "changed"):
        numeric = col in ("detected", "changed")
        table.add_column(col, justify="right" if numeric else "left", no_wrap=numeric, overflow="fold")
    previous = None
    for row in frame.itertuples(index=False):
        if previous is not None and row.step != previous:
            table.add_section()
        shown = row.step if row.step != previous else ""
        table.add_row(shown, row.column, row.rule, f"{row.detected:,}", f"{row.changed:,}")
        previous = row.step
    table_console(120).print(table)
    # the table title names the output, 30 lines up: the last line is the one a user reads
    console.print(f"wrote {out / 'train_clean.parquet'} and store_clean.parquet (pandas.read_parquet reads them); "
                  "this report: cleaning_report.csv", soft_wrap=True, markup=False, highlight=False)
