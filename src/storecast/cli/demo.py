"""`storecast demo`: the whole job end to end on the embedded synthetic data, no download needed.

generate -> validate -> clean -> explore (HTML report) -> train + evaluate the tree model -> train a
small LSTM -> forecast test.csv -> serve the model and send it one real request.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from storecast.atomic import atomic_write
from storecast.cli._app import app, check_out_dir, console, examples

# The demo's chain is small: fewer, faster trees keep `make demo` to a few minutes on 2 cores.
_DEMO_LGBM: dict[str, Any] = {"n_estimators": 300, "learning_rate": 0.1}
# The demo holds its whole chain in memory and fits it all: 100 million stores ran out of memory, not into an error.
_MAX_STORES = 10_000


@contextmanager
def _step(n: int, total: int, title: str) -> Iterator[Callable[[str], None]]:
    started = time.perf_counter()
    with console.status(escape(f"[{n}/{total}] {title}")) as status:
        yield lambda msg: status.update(f"[{n}/{total}] {title}: {msg}")
    console.print(f"[green]done[/green] {escape(f'[{n}/{total}] {title}')} ({time.perf_counter() - started:.1f} s)",
                  markup=True)


@app.command(epilog=examples(
    "storecast demo                      # writes demo-out/ (a few minutes)",
    "storecast demo --no-serve --no-lstm --out /tmp/demo   # quicker: no LSTM, no API",
))
def demo(
    out: Path = typer.Option(Path("demo-out"), "--out", help="Where the demo writes its data and results."),
    stores: int = typer.Option(30, "--stores", min=3, max=_MAX_STORES, help="Synthetic stores (more: slower, "
                               f"closer to real); at most {_MAX_STORES:,} (for more: synth, then train)."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of the synthetic chain."),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="End by serving the model and calling it."),
    lstm: bool = typer.Option(True, "--lstm/--no-lstm", help="Also train a small LSTM."),
) -> None:
    """Generate synthetic data, validate, clean, explore, train, evaluate, forecast and serve it."""
    from storecast import schema as s
    from storecast.artifacts import load_bundle
    from storecast.clean.pipeline import clean_dataset
    from storecast.data.contract import load_dataset
    from storecast.data.synthetic import write_synthetic
    from storecast.evaluation.backtest import evaluate
    from storecast.predict import predict_frame
    from storecast.train_run import train_bundle

    check_out_dir(out)
    total = 7 + int(lstm) + int(serve)
    data_dir, models_dir = out / "data", out / "models"
    with _step(1, total, "generate a synthetic chain"):
        write_synthetic(data_dir, n_stores=stores, seed=seed)
    with _step(2, total, "validate the files"):
        dataset = load_dataset(data_dir, require_test=True)
        assert dataset.test is not None  # require_test=True
    console.print(f"    {len(dataset.train):,} daily rows, {len(dataset.store)} stores, "
                  f"{dataset.train[s.DATE].min():%Y-%m-%d}..{dataset.train[s.DATE].max():%Y-%m-%d} in {data_dir}")
    with _step(3, total, "clean (missing values, outliers)") as say:
        result = clean_dataset(dataset, progress=say)
        (out / "clean").mkdir(parents=True, exist_ok=True)
        report_frame = result.report.to_frame()
        atomic_write(out / "clean" / "cleaning_report.csv", lambda tmp: report_frame.to_csv(tmp, index=False))
    changed = result.report.to_frame().groupby("column")["changed"].sum()
    console.print("    changed: " + ", ".join(f"{c} {n:,}" for c, n in changed[changed > 0].items()))
    with _step(4, total, "exploration report") as say:
        from storecast.eda.render import build_report

        report = build_report(dataset, out / "report")
    console.print(f"    open {report} in a browser")
    with _step(5, total, "evaluate the tree model (holdout + 2 backtest folds)") as say:
        metrics = evaluate(dataset, kind="lgbm", folds=2, out_dir=out / "evaluation", progress=say, **_DEMO_LGBM)
    _print_metrics(metrics)
    console.print(f"    forecast vs actual on the holdout: {out / 'evaluation' / 'holdout_forecasts.png'}")
    with _step(6, total, "train the model on all data") as say:
        model_path = train_bundle(dataset, kind="lgbm", models_dir=models_dir, progress=say, **_DEMO_LGBM)
    console.print(f"    saved {model_path}")
    n = 7
    if lstm:
        from storecast.train_run import train_lstm_bundle

        with _step(n, total, "train a small LSTM"):
            lstm_path = train_lstm_bundle(dataset, models_dir=models_dir, small=True)
        console.print(f"    saved {lstm_path}")
        n += 1
    with _step(n, total, "forecast test.csv with intervals"):
        frame = predict_frame(load_bundle(model_path), dataset.test)
        atomic_write(out / "predictions.csv", lambda tmp: frame.to_csv(tmp, index=False, float_format="%.2f"))
    console.print(f"    {len(frame):,} forecasts in {out / 'predictions.csv'}")
    n += 1
    if serve:
        from storecast.cli.server_process import demo_roundtrip

        with _step(n, total, "serve the model and send one request"):
            opened = dataset.test[dataset.test[s.OPEN] == 1]
            first = opened.loc[opened[s.DATE].idxmin()]  # the first day after training: inside the calibrated bands
            row = {"id": int(first[s.ID]), "store": int(first[s.STORE]), "date": f"{first[s.DATE]:%Y-%m-%d}",
                   "open": 1, "promo": int(first[s.PROMO]), "state_holiday": str(first[s.STATE_HOLIDAY]),
                   "school_holiday": int(first[s.SCHOOL_HOLIDAY])}
            answer = demo_roundtrip(model_path, row=row)
        console.print(f"    POST {answer['url']} {json.dumps(answer['request'])}")
        console.print(f"    -> {answer['status']} {json.dumps(answer['response'])}")
    console.print(f"[bold green]demo finished[/bold green]: everything is in {escape(str(out))}", markup=True)
    for line in next_steps(out):
        console.print(line, soft_wrap=True)


def next_steps(out: Path) -> list[str]:
    """The closing lines: which demo files to open, and the commands that do the same on one's own files.

    Why: "everything is in demo-out" left an analyst to find the report and the forecasts among its files,
    and to guess that the same steps run on their own data.
    """
    return [f"    the report:    {out / 'report' / 'report.html'} (open it in a browser)",
            f"    the forecasts: {out / 'predictions.csv'} (Sales per store and day; lower..upper: its 80% "
            "prediction interval)",
            f"    the planner:   storecast serve --models-dir {out / 'models'}, then open http://127.0.0.1:8000/",
            "    on your files: storecast validate --data DIR, then eda, train, predict (each --help has examples)"]


def _print_metrics(metrics: dict) -> None:
    table = Table(title="RMSPE on 6-week windows (lower is better)", title_justify="left")
    for col in ("window", "model", "naive baseline", "coverage 80%", "coverage 95%"):
        table.add_column(col)
    for name, res in [*((f"fold {i + 1}", f) for i, f in enumerate(metrics["folds"])), ("holdout", metrics["holdout"])]:
        table.add_row(name, _fmt(res, "rmspe"), _fmt(res, "baseline_rmspe"), _fmt(res, "coverage_0.8"),
                      _fmt(res, "coverage_0.95"))
    console.print(table)


def _fmt(res: dict, key: str) -> str:
    value = res.get(key)
    return f"{value:.3f}" if isinstance(value, int | float) else "-"
