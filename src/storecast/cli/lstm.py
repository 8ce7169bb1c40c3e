"""`storecast lstm analyze | train | evaluate`: the deep-learning forecaster beside the tree models."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from storecast.cli._app import MODELS_DIR_HELP, app, console, models_dir_option

__all__ = ["lstm_app"]
lstm_app = typer.Typer(help="Deep-learning model: time-series analysis and an LSTM.", no_args_is_help=True)
app.add_typer(lstm_app, name="lstm")


def _date(value: str | None) -> str | None:
    """Check ``--until`` before the data is loaded (seconds on the real files)."""
    if value is not None:
        try:
            datetime.strptime(value, "%Y-%m-%d")
        except ValueError as exc:
            raise typer.BadParameter(f"`--until` must look like YYYY-MM-DD; got {value!r}.") from exc
    return value


def _require_torch() -> None:
    """Stop with one line (exit 2) before reading data when PyTorch is missing: it is an optional extra."""
    from storecast.models.lstm.forecaster import require_torch

    require_torch()


def _epoch_progress(epochs: int):
    progress = Progress(TextColumn("LSTM epoch {task.completed}/{task.total}"), BarColumn(),
                        TextColumn("{task.fields[losses]}"), TimeElapsedColumn(), console=console)
    task = progress.add_task("train", total=epochs, losses="")

    def update(epoch: int, train_loss: float, val_loss: float) -> None:
        progress.update(task, completed=epoch, losses=f"train {train_loss:.4f}  val {val_loss:.4f}")

    return progress, update


@lstm_app.command()
def analyze(
    data: Path = typer.Option(..., "--data", help="Directory with train.csv, store.csv and test.csv."),
    out: Path = typer.Option(Path("out/lstm-analysis"), "--out", help="Where the charts and index.html go."),
) -> None:
    """Stationarity (ADF, KPSS) and autocorrelation (ACF, PACF) of the sales series, as a small report."""
    from storecast.data.contract import load_dataset
    from storecast.models.lstm.analysis import write_analysis

    with console.status("analysing the series..."):
        index = write_analysis(load_dataset(data).train, out)
    console.print(f"analysis written to {index}")


@lstm_app.command()
def train(
    data: Path = typer.Option(..., "--data", help="Directory with train.csv, store.csv and test.csv."),
    until: str | None = typer.Option(None, "--until", help="Last date used for fitting (default: last date)."),
    epochs: int | None = typer.Option(None, "--epochs", min=1, help="Maximum epochs (early stopping may end sooner)."),
    models_dir: Path | None = typer.Option(None, "--models-dir", help=MODELS_DIR_HELP),
) -> None:
    """Train the LSTM and save it with a timestamped name (tensors + JSON card)."""
    from storecast.data.contract import load_dataset
    from storecast.models.lstm.forecaster import LSTMConfig, train_lstm_bundle

    until = _date(until)
    _require_torch()
    dataset = load_dataset(data)
    progress, update = _epoch_progress(epochs or LSTMConfig().epochs)
    with progress:
        path = train_lstm_bundle(dataset, until=until, models_dir=models_dir_option(models_dir), epochs=epochs,
                                 progress=update)
    console.print(f"saved {path}")
    typer.echo(str(path))


@lstm_app.command()
def evaluate(
    data: Path = typer.Option(..., "--data", help="Directory with train.csv, store.csv and test.csv."),
    until: str | None = typer.Option(None, "--until", help="Fit cut (default: 43 days before the last date)."),
    epochs: int | None = typer.Option(None, "--epochs", min=1, help="Maximum epochs."),
    model: Path | None = typer.Option(None, "--model", help="Score this saved .pt instead of fitting one."),
) -> None:
    """Fit up to --until and score RMSPE on the tree models' 6-week holdout, next to the naive baseline."""
    from storecast.data.contract import load_dataset
    from storecast.evaluation.lstm import evaluate_lstm
    from storecast.models.lstm.forecaster import LSTMConfig

    until = _date(until)
    _require_torch()
    dataset = load_dataset(data)
    if model is not None:
        with console.status("scoring the saved model..."):
            result = evaluate_lstm(dataset, model_path=model)
    else:
        progress, update = _epoch_progress(epochs or LSTMConfig().epochs)
        with progress:
            result = evaluate_lstm(dataset, until=until, epochs=epochs, progress=update)
    for key, value in result.items():
        console.print(f"{key:>22}: {value}")
