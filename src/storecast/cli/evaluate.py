"""`storecast evaluate`: the seasonal backtest (or rolling folds) of a model kind, beside the naive baseline."""

from __future__ import annotations

from pathlib import Path

import typer

from storecast.cli._app import app, check_out_dir, console, examples, score_cell, table_console
from storecast.cli._model_options import (
    DATA_OPTION,
    KIND_OPTION,
    SEEDS_OPTION,
    checked_kind,
    progress_steps,
    seeds_params,
    until_date,
)


@app.command(epilog=examples(
    "storecast evaluate --data ../shared/rossmann --out out/eval",
    "storecast evaluate --data ../shared/rossmann --until 2015-05-07 --seeds 1   # quicker, an earlier holdout",
))
def evaluate(
    data: Path = DATA_OPTION,
    model: str = KIND_OPTION,
    until: str | None = typer.Option(
        None, "--until", help="Last day of the holdout (YYYY-MM-DD): the 43 days up to it are scored, "
        "each window fitted only on the days before it; default: last date in train.csv."),
    windows: int | None = typer.Option(
        None, "--windows", min=2, max=52, help="Seasonal 6-week windows spread over the year before --until (the "
        "first in the same season a year before the weeks to come, the last the holdout): the default yardstick, "
        "6 windows; at least 2 (the holdout alone: --folds 0); at most 52, one starting each week (more would repeat "
        "windows, each a fit)."),
    folds: int | None = typer.Option(
        None, "--folds", min=0, max=60, help="Instead of --windows (the default layout): the older layout, N "
        "consecutive 6-week folds before the holdout (cheaper, but no summer or autumn in it); 0: the holdout alone "
        "(2 fits); at most 60 (seven years)."),
    out: Path | None = typer.Option(
        None, "--out", help="Write metrics.json, folds.csv, importance.csv/png, holdout_forecasts.png, "
        "holdout_predictions.csv and window_predictions.csv (every scored row of every window); default: the table "
        "only, nothing written."),
    seeds: int | None = SEEDS_OPTION,
) -> None:
    """Score the model on 6-week windows over the last year, beside the naive baseline: each, mean, worst."""
    from rich.table import Table

    from storecast.data.contract import load_dataset
    from storecast.evaluation.backtest import DEFAULT_WINDOWS
    from storecast.evaluation.backtest import evaluate as run
    from storecast.evaluation.metrics import TRADE_DAY_MIN_CUSTOMERS

    kind = checked_kind(model)
    cut = until_date(until)  # a bad --until stops before the data are read (seconds on the real files)
    if folds is not None and windows is not None:  # --folds replaces the seasonal layout: --windows would be ignored
        raise typer.BadParameter("give --windows (seasonal windows) or --folds (rolling folds), not both.")
    params = seeds_params(kind, seeds)
    check_out_dir(out)
    with progress_steps(f"evaluate {kind}") as say:
        say("load data")
        ds = load_dataset(data)
        report = run(ds, kind, cut, folds, out, windows=windows or DEFAULT_WINDOWS, progress=say, **params)
    layout = "seasonal windows" if folds is None else "rolling folds + holdout"
    table = Table(title=f"{kind}, {layout}: RMSPE per 6-week window (open days, Sales > 0); "
                        "bias = mean(1 - forecast/actual), + = forecast low")
    for col in ("window", "scored days", "RMSPE", "RMSPE trade days", "bias", "MAE", "baseline RMSPE", "cover 80%",
                "cover 95%"):
        table.add_column(col, justify="right" if col != "window" else "left", no_wrap=col == "window")
    for r in report["windows"]:
        table.add_row(f"{r['fold']} {r['start']}..{r['end']}", f"{r['rows']:,}", f"{r['rmspe']:.4f}",
                      score_cell(r["rmspe_trade_days"], ".4f"), f"{r['bias']:+.3f}", f"{r['mae']:.0f}",
                      f"{r['baseline_rmspe']:.4f}", f"{r['coverage_0.8']:.3f}", f"{r['coverage_0.95']:.3f}")
    m = report["summary"]
    table.add_row("mean", "", f"{m['rmspe_mean']:.4f}", score_cell(m["rmspe_trade_days_mean"], ".4f"),
                  f"{m['bias_mean']:+.3f}", "", f"{m['baseline_rmspe_mean']:.4f}", f"{m['coverage_0.8_mean']:.3f}",
                  f"{m['coverage_0.95_mean']:.3f}")
    table.add_row(f"worst ({m['worst_window']})", "", f"{m['rmspe_worst']:.4f}", "", "", "", "", "", "")
    table_console(130).print(table)
    unscored = sum(r["rmspe_trade_days"] != r["rmspe_trade_days"] for r in report["windows"])  # NaN: no trade day
    if unscored:  # its score is n/a, and so is the mean (summarise: a mean is over all windows or none)
        console.print(f"RMSPE trade days n/a: {unscored} of {len(report['windows'])} "
                      f"window(s) had no scored day with {TRADE_DAY_MIN_CUSTOMERS}+ customers (is Customers recorded "
                      "in train.csv?), so there is no mean over all windows", soft_wrap=True)
    if out is not None:
        console.print(f"results in {out}: metrics.json (these scores), holdout_forecasts.png (forecast vs actual), "
                      "window_predictions.csv (every scored row)", soft_wrap=True)
    else:  # the fits took minutes: say how to keep their results before the user closes the terminal
        console.print("shown only here: add --out DIR to keep metrics.json, the forecast-vs-actual chart and every "
                      "scored row", soft_wrap=True)
