"""`storecast train`: fit, calibrate and save a model (local engine or Dask)."""

from __future__ import annotations

from pathlib import Path

import typer

from storecast.cli._app import MODELS_DIR_HELP, app, check_out_dir, examples, models_dir_option
from storecast.cli._model_options import (
    DATA_OPTION,
    KIND_OPTION,
    SEEDS_OPTION,
    UNTIL_OPTION,
    checked_kind,
    engine_options,
    forecast_with,
    progress_steps,
    seeds_params,
    until_date,
)
from storecast.distributed import RANK_WAIT_MIN


@app.command(epilog=examples(
    "storecast train --data ../shared/rossmann             # saves models/storecast-lgbm-<UTC>.skops",
    "storecast train --data ../shared/rossmann --seeds 1   # about half the time",
    "storecast train --data ../shared/rossmann --until 2015-05-07 --models-dir /tmp/models",
))
def train(
    ctx: typer.Context,
    data: Path = DATA_OPTION,
    model: str = KIND_OPTION,
    until: str | None = UNTIL_OPTION,
    models_dir: Path | None = typer.Option(None, "--models-dir", help=MODELS_DIR_HELP),
    engine: str = typer.Option(
        "local", "--engine", help="local (one machine) or dask (train/part-*.parquet by store blocks, on a Dask "
        "cluster; pip install 'storecast\\[dask]'): the same kind of model file either way."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="With --engine dask: a running scheduler (tcp://host:8786); default a local one."),
    workers: int = typer.Option(2, "--workers", min=1, help="With --engine dask, no --scheduler: local workers."),
    rank_wait: int = typer.Option(
        RANK_WAIT_MIN, "--rank-wait", min=1, metavar="MINUTES", help="With --engine dask: how long a LightGBM "
        "rank waits for another that never joins (a worker stuck or gone) before the fit stops with one line."),
    seeds: int | None = SEEDS_OPTION,
) -> None:
    """Fit, calibrate (80%/95% intervals) and save a tree model; prints the saved path."""
    from storecast.data.contract import load_dataset
    from storecast.train_run import train_bundle

    kind = checked_kind(model)
    cut = until_date(until)  # a bad --until stops before the data are read (seconds on the real files)
    if engine not in ("local", "dask") or (engine == "dask" and kind != "lgbm"):
        raise typer.BadParameter(f"`--engine` must be local, or dask with --model lgbm; got {engine!r}, {kind!r}.")
    engine_options(ctx, engine, dask_only=("scheduler", "workers", "rank_wait"))
    if engine == "dask" and seeds not in (None, 1):
        raise typer.BadParameter("`--seeds`: the dask engine fits one LightGBM booster; leave --seeds out.")
    params = seeds_params(kind, seeds)
    check_out_dir(models_dir_option(models_dir), "--models-dir")
    if engine == "dask":  # the engine lives in storecast.distributed, an optional extra
        from storecast.distributed import require_dask

        require_dask()
        from storecast.distributed.training import train_dask

        with progress_steps("train lgbm on dask") as say:
            path = train_dask(data, cut, models_dir_option(models_dir), scheduler=scheduler, workers=workers,
                              progress=say, rank_wait=rank_wait)
        _say_saved(path, data)
        typer.echo(str(path))
        return
    with progress_steps(f"train {kind}") as say:
        say("load data")
        ds = load_dataset(data)
        path = train_bundle(ds, kind, cut, models_dir_option(models_dir), progress=say, **params)
    _say_saved(path, data)
    typer.echo(str(path))


def _say_saved(path: Path, data: Path) -> None:
    """On stderr, what was saved and the command that uses it; stdout keeps only the path, for scripts.

    Why: the path alone left an analyst to find the card for how good the model is, and to look up how a
    forecast is made with it.
    """
    import json

    from storecast.cli._app import console

    card = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    end = (card.get("training") or {}).get("end") or "?"
    held = (card.get("metrics") or {}).get("calibration") or {}
    levels = ", ".join(f"{lv:.0%}" for lv in (card.get("intervals") or {}).get("levels", [])) or "-"
    score = "" if held.get("rmspe") is None else (
        f"; RMSPE {held['rmspe']:.4f} on {held.get('start', '?')}..{held.get('end', '?')}, held out of a first fit")
    console.print(f"saved {path} (fit through {str(end)[:10]}{score}; intervals {levels})", soft_wrap=True)
    console.print(forecast_with(path, data), soft_wrap=True)
