"""`storecast lstm analyze | train | evaluate`: the deep-learning forecaster beside the tree models."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, TextColumn, TimeElapsedColumn

from storecast.cli._app import (
    MODELS_DIR_HELP,
    PARQUET_TOO,
    StorecastTyper,
    app,
    check_out_dir,
    console,
    date_option,
    examples,
    models_dir_option,
    score_cell,
    table_console,
)
from storecast.cli._model_options import UNTIL_OPTION, forecast_with

__all__ = ["lstm_app"]
_DATA_HELP = "Directory with train.csv and store.csv (test.csv optional)." + PARQUET_TOO
lstm_app = StorecastTyper(help="Deep-learning model: time-series analysis and an LSTM.", no_args_is_help=True,
                       epilog=examples(
    "storecast lstm analyze --data ../shared/rossmann --out out/lstm-analysis",
    "storecast lstm train --data ../shared/rossmann     # prints the saved .pt",
    "storecast lstm evaluate --data ../shared/rossmann --out out/lstm-eval",
))
app.add_typer(lstm_app, name="lstm")


def _date(value: str | None) -> str | None:
    """Check ``--until`` before the data is loaded (seconds on the real files), as the tree commands do."""
    if value is not None:
        date_option(value, "--until")
    return value


_DEVICE_HELP = ("Where the LSTM runs: cpu (default), cuda (a GPU; an error where PyTorch sees none) or auto "
                "(cuda when PyTorch sees a GPU, else cpu). A model file loads on the CPU whatever trained it.")


def _device(value: str) -> str:
    """Check the name of ``--device`` before anything is imported or loaded."""
    from storecast.models.lstm.device import DEVICES

    if value not in DEVICES:
        raise typer.BadParameter(f"`--device` must be one of {', '.join(DEVICES)}; got {value!r}.")
    return value


def _require_torch(device: str = "cpu") -> None:
    """Stop with one line (exit 2) before reading data when PyTorch is missing (an optional extra), or
    when ``--device cuda`` asks for a GPU that PyTorch does not see."""
    from storecast.models.lstm.device import resolve_device
    from storecast.models.lstm.forecaster import require_torch

    require_torch()
    resolve_device(device)


def _epoch_progress(epochs: int | None, networks: int | None):
    """(bar, update, say): a bar of one fit's epochs, every network's in turn (the options given, else the
    config's); ``say(msg)`` logs a step and restarts the bar.

    Not on a terminal (piped, redirected, captured; ``live_display``): no bar, and one plain line per step and
    per epoch with its losses, as a log of a long fit should read (rich's log lines were padded to the width,
    wrapped and carried a time column of their own).
    """
    from storecast.cli._progress import plain_line, say_step
    from storecast.cli._progress import progress as progress_bar
    from storecast.models.lstm.forecaster import LSTMConfig

    default = LSTMConfig()
    total = (epochs or default.epochs) * (networks or default.networks)
    progress = progress_bar(TextColumn("{task.description} epoch {task.completed}/{task.total}"), BarColumn(),
                            TextColumn("{task.fields[losses]}"), TimeElapsedColumn(), transient=False)
    task = progress.add_task("LSTM", total=total, losses="")

    def update(epoch: int, train_loss: float, val_loss: float) -> None:
        losses = f"train {train_loss:.4f}  val {val_loss:.4f}"
        progress.update(task, completed=epoch, losses=losses)
        if progress.disable:
            plain_line(f"{progress.tasks[0].description} epoch {epoch}/{total}  {losses}")

    def say(msg: str) -> None:
        say_step(progress, msg)
        if msg.startswith("window "):  # "window 2/6 w2: fit <= ...": a new fit begins
            progress.update(task, description=f"LSTM {msg.split(': ')[0]}", completed=0, losses="")

    return progress, update, say


@lstm_app.command(epilog=examples(
    "storecast lstm analyze --data ../shared/rossmann --out out/lstm-analysis   # then open its index.html",
))
def analyze(
    data: Path = typer.Option(..., "--data", help=_DATA_HELP),
    out: Path = typer.Option(Path("out/lstm-analysis"), "--out", help="Where the charts and index.html go."),
) -> None:
    """Stationarity (ADF, KPSS) and autocorrelation (ACF, PACF) of the sales series, as a small report."""
    from storecast.data.contract import load_dataset
    from storecast.models.lstm.analysis import write_analysis

    check_out_dir(out)
    with console.status("analysing the series..."):
        index = write_analysis(load_dataset(data).train, out)
    console.print(f"analysis written to {index}")


# the defaults of LSTMConfig, written out: the config module imports torch, which --help must not wait for
_EPOCHS_HELP = "Maximum epochs of each fit (default 30, LSTMConfig.epochs); early stopping may end sooner"
_NETWORKS_HELP = ("Networks trained from consecutive seeds and averaged (default 3, LSTMConfig.networks); each "
                  "costs one fit, 1 is a third of the time.")


@lstm_app.command(epilog=examples(
    "storecast lstm train --data ../shared/rossmann                  # 3 networks averaged",
    "storecast lstm train --data ../shared/rossmann --networks 1     # a third of the time",
))
def train(
    data: Path = typer.Option(..., "--data", help=_DATA_HELP),
    until: str | None = UNTIL_OPTION,  # the words of `storecast train --until`: the same option
    epochs: int | None = typer.Option(None, "--epochs", min=1, help=_EPOCHS_HELP + "."),
    models_dir: Path | None = typer.Option(None, "--models-dir", help=MODELS_DIR_HELP),
    device: str = typer.Option("cpu", "--device", help=_DEVICE_HELP),
    networks: int | None = typer.Option(None, "--networks", min=1, help=_NETWORKS_HELP),
) -> None:
    """Train the LSTM and save it with a timestamped name (tensors + JSON card)."""
    from storecast.data.contract import load_dataset
    from storecast.train_run import train_lstm_bundle

    until = _date(until)
    device = _device(device)
    check_out_dir(models_dir_option(models_dir), "--models-dir")
    _require_torch(device)
    dataset = load_dataset(data)
    progress, update, _ = _epoch_progress(epochs, networks)
    with progress:
        path = train_lstm_bundle(dataset, until=until, models_dir=models_dir_option(models_dir), epochs=epochs,
                                 device=device, progress=update, networks=networks)
    console.print(f"saved {path}")
    console.print(forecast_with(path, data), soft_wrap=True)
    typer.echo(str(path))


@lstm_app.command(epilog=examples(
    "storecast lstm evaluate --data ../shared/rossmann --out out/lstm-eval",
    "storecast lstm evaluate --data ../shared/rossmann --model models/X.pt   # X.pt: saved by `lstm train --until` an "
    "earlier day, scored on the days after it",
))
def evaluate(
    data: Path = typer.Option(..., "--data", help=_DATA_HELP),
    until: str | None = typer.Option(
        None, "--until", help="The holdout's fit cut (default: 43 days before the last date); the windows are the "
        "ones `storecast evaluate --until <cut + 43 days>` scores the trees on. Not with --model (its own cut)."),
    epochs: int | None = typer.Option(None, "--epochs", min=1, help=_EPOCHS_HELP + "; not with --model."),
    model: Path | None = typer.Option(
        None, "--model", help="Score this saved .pt on its holdout instead of fitting (default: fit one per window)."),
    windows: int | None = typer.Option(
        None, "--windows", min=1, max=52, help="Seasonal 6-week windows over the year before the holdout's end, one "
        "LSTM fitted per window on the days before it (default 6, the trees' yardstick); 1 = the holdout alone; at "
        "most 52, one starting each week."),
    device: str = typer.Option("cpu", "--device", help=_DEVICE_HELP),
    out: Path | None = typer.Option(
        None, "--out", help="Directory for metrics.json (and, with 2+ windows, folds.csv, window_predictions.csv); "
        "default: the table only, nothing written."),
    networks: int | None = typer.Option(None, "--networks", min=1, help=_NETWORKS_HELP),
) -> None:
    """Score the LSTM per 6-week window next to the naive baseline: RMSPE, bias, coverage; mean and worst."""
    from storecast.data.contract import load_dataset
    from storecast.evaluation.lstm import DEFAULT_WINDOWS, backtest_lstm, evaluate_lstm

    until = _date(until)
    device = _device(device)
    if model is not None and windows not in (None, 1):
        raise typer.BadParameter(f"`--windows` must be 1 with --model (a saved model has one cut); got {windows}.")
    if model is not None and networks is not None:
        raise typer.BadParameter("`--networks` is a training setting: a saved model (--model) keeps its own.")
    if model is not None and epochs is not None:  # ignored, it would let the user believe the model was refitted
        raise typer.BadParameter("`--epochs` is a training setting: a saved model (--model) keeps its own.")
    if model is not None and until is not None:  # it cannot apply: the holdout is the days after the model's cut
        raise typer.BadParameter(f"`--until` cannot move a saved model's cut: --model is scored on the days after "
                                 f"the cut it was trained to; got --until {until}. Leave --until out, or train "
                                 "a model with `storecast lstm train --until` first.")
    check_out_dir(out)
    _require_torch(device)
    dataset = load_dataset(data)
    if model is not None:
        with console.status("scoring the saved model..."):
            result = evaluate_lstm(dataset, model_path=model, device=device, out_dir=out)
        _print_result(result, out)
        return
    progress, update, say = _epoch_progress(epochs, networks)
    if (windows or DEFAULT_WINDOWS) == 1:  # the holdout alone: one result, no per-window table
        with progress:
            result = evaluate_lstm(dataset, until=until, epochs=epochs, device=device, out_dir=out, progress=update,
                                   networks=networks)
        _print_result(result, out)
        return
    with progress:
        report = backtest_lstm(dataset, until=until, windows=windows or DEFAULT_WINDOWS, epochs=epochs,
                               device=device, out_dir=out, progress=update, say=say, networks=networks)
    _print_windows(report, out)


def _print_result(result: dict, out: Path | None) -> None:
    for key, value in result.items():
        console.print(f"{key:>22}: {value}")
    if out is not None:
        console.print(f"results in {out}")


def _print_windows(report: dict, out: Path | None) -> None:
    """The trees' table (``storecast evaluate``): one row per window, then the mean and the worst.

    Each fit's time and epochs are in the log lines above it and in metrics.json.
    """
    from rich.table import Table

    levels = [f"{lv:g}" for lv in report["levels"]]
    table = Table(title=f"lstm on {report['device']}, seasonal windows: RMSPE per 6-week window (open days, "
                        "Sales > 0); bias = mean(1 - forecast/actual), + = forecast low")
    for col in ("window", "scored days", "RMSPE", "bias", "MAE", "baseline RMSPE", "trade days: RMSPE / baseline",
                *(f"cover {float(lv):.0%}" for lv in levels)):
        table.add_column(col, justify="right" if col != "window" else "left")
    for r in report["windows"]:
        table.add_row(f"{r['fold']} {r['start']}..{r['end']}", f"{r['rows']:,}", f"{r['rmspe']:.4f}",
                      f"{r['bias']:+.3f}", f"{r['mae']:.0f}", f"{r['baseline_rmspe']:.4f}",
                      f"{score_cell(r['rmspe_trade_days'], '.4f')} / "
                      f"{score_cell(r['baseline_rmspe_trade_days'], '.4f')}",
                      *(f"{r[f'coverage_{lv}']:.3f}" for lv in levels))
    m = report["summary"]
    table.add_row("mean", "", f"{m['rmspe_mean']:.4f}", f"{m['bias_mean']:+.3f}", "", f"{m['baseline_rmspe_mean']:.4f}",
                  f"{score_cell(m['rmspe_trade_days_mean'], '.4f')} / "
                  f"{score_cell(m['baseline_rmspe_trade_days_mean'], '.4f')}",
                  *(f"{m[f'coverage_{lv}_mean']:.3f}" for lv in levels))
    table.add_row(f"worst ({m['worst_window']})", "", f"{m['rmspe_worst']:.4f}", "", "", "", "",
                  *("" for _ in levels))
    table_console(130).print(table)  # whole when piped, as `storecast evaluate`'s table
    n = m["windows"]
    console.print(f"below the naive baseline on {m['beats_baseline_windows']}/{n} windows "
                  f"({m['beats_baseline_trade_days_windows']}/{n} on trade days); |bias| <= "
                  f"{m['bias_tolerance']:.0%} on {m['bias_within_tolerance_windows']}/{n} (the bar is all)")
    if out is not None:
        console.print(f"results in {out}")
