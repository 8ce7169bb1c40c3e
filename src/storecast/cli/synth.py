"""`storecast synth`: write a synthetic chain of any size in the Kaggle layout (CSV or partitioned parquet)."""

from __future__ import annotations

__all__ = ["synth"]

import datetime as dt
import shlex
from pathlib import Path

import typer

from storecast.cli._app import app, check_out_dir, console, date_option, examples


@app.command(epilog=examples(
    "storecast synth --out /tmp/chain                     # 30 stores, 2013-01-01..2015-07-31",
    "storecast synth --stores 11150 --format parquet --out chain-10x",
))
def synth(
    stores: int = typer.Option(30, "--stores", min=1, max=1_000_000,
                               help="Stores in the chain (the demo's 30 by default; Rossmann has 1,115; at most "
                               "1,000,000)."),
    out: Path = typer.Option(..., "--out", help="Directory to write the data files into."),
    # the data contract's range (schema.MIN_DATE..MAX_DATE), written out: importing schema here would slow --help
    start: str = typer.Option("2013-01-01", "--start",
                              help="First day of train (YYYY-MM-DD, 2000-01-01 or later)."),
    end: str = typer.Option("2015-07-31", "--end",
                            help="Last day of train (YYYY-MM-DD); --end plus --test-days must stay within "
                            "2099-12-31, the last date the data contract accepts."),
    test_days: int = typer.Option(48, "--test-days", min=0, max=3_660,
                                  help="Days after --end in test (no Sales); at most 3,660 (ten years)."),
    seed: int = typer.Option(0, "--seed", min=0, help="Same stores, seed and --chunk-stores: same bytes."),
    fmt: str = typer.Option("csv", "--format", help="csv (train.csv ...) or parquet (train/part-*.parquet ...)."),
    chunk_stores: int = typer.Option(
        1_000, "--chunk-stores", min=1, help="Stores generated at a time: memory grows with it, not with --stores."),
    overwrite: bool = typer.Option(
        False, "--overwrite", help="Replace the chain files already in --out (without it, such a folder is refused)."),
) -> None:
    """Write a synthetic chain: train, store, test and external/store_states.csv; prints the directory."""
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn

    from storecast.cli._progress import progress
    from storecast.data.synth_writer import FORMATS, chain_files_in, write_chain
    from storecast.errors import OutputPathError, StorecastError
    from storecast.schema import MAX_DATE

    if fmt not in FORMATS:
        raise typer.BadParameter(f"`--format` must be csv or parquet; got {fmt!r}.")
    start, end = date_option(start, "--start").isoformat(), date_option(end, "--end").isoformat()
    if end <= start:  # named as options here; write_chain's own words name its arguments (`end`)
        raise StorecastError(f"synth: `--end` ({end}) must come after `--start` ({start}).")
    last = dt.date.fromisoformat(end) + dt.timedelta(days=test_days)
    if last > MAX_DATE:  # test.csv's last days would be refused by the contract: a chain no command reads
        raise StorecastError(f"synth: `--end` ({end}) plus `--test-days` ({test_days:,}) runs to {last}, past "
                             f"{MAX_DATE}, the last date the data contract accepts: choose an earlier --end or "
                             "fewer --test-days.")
    check_out_dir(out)
    existing = [] if overwrite else chain_files_in(out, fmt)
    if existing:  # never replaced without a word: `--out` given a data folder by mistake would lose its files
        raise OutputPathError(f"--out: {out} already holds a data set: {', '.join(existing)} would be replaced; "
                              "pass --overwrite to replace them, or choose another folder")
    with progress(TextColumn("synth stores"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  transient=True, shown=stores > chunk_stores) as bar:
        task = bar.add_task("synth", total=stores)
        try:
            root = write_chain(out, n_stores=stores, start=start, end=end, test_days=test_days, seed=seed,
                               fmt=fmt, chunk_stores=chunk_stores,
                               progress=lambda done, _total: bar.update(task, completed=done))
        except ValueError as exc:  # a bad date or an end before the start: a user error, one line
            raise StorecastError(f"synth: {exc}") from exc
    # on stderr, as `storecast train` does: stdout keeps only the directory, for scripts
    console.print(f"wrote {stores:,} stores, {start}..{end} in train and {test_days:,} days after it in test, to "
                  f"{root}; next: storecast validate --data {shlex.quote(str(root))}", soft_wrap=True, markup=False,
                  highlight=False)
    typer.echo(str(root))
