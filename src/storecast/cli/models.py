"""`storecast models list`: the saved model files, newest first, and why any are skipped; `models upgrade`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from storecast.cli._app import (
    MODELS_DIR_HELP,
    StorecastTyper,
    app,
    console,
    examples,
    models_dir_choice,
    table_console,
)

if TYPE_CHECKING:
    from storecast.artifacts import ModelFile

__all__ = ["models_app"]

models_app = StorecastTyper(help="List, check and upgrade saved model files.", no_args_is_help=True, epilog=examples(
    "storecast models list                            # newest first",
    "storecast models list --models-dir /tmp/models",
    "storecast models upgrade --model models/storecast-lgbm-2026-12-01T10-00-00Z.skops   # an older file",
))
app.add_typer(models_app, name="models")


@models_app.command("list", epilog=examples(
    "storecast models list",
    "storecast models list --models-dir /tmp/models",
    "storecast models list --check                    # load each model, as predict and serve do",
))
def list_models(
    models_dir: Path | None = typer.Option(None, "--models-dir", help=MODELS_DIR_HELP),
    check: bool = typer.Option(False, "--check", help="Also load each model, as predict and serve do, so that a "
                               "card edited since training (its scores, intervals or fit window against the copy the "
                               "model file holds) is skipped too, and forecast one row with each tree model, as "
                               "serve does before it takes one: about a second per model, more for large ones."),
) -> None:
    """Table of the complete models (valid card, matching sha256), newest first; then what was skipped and why."""
    from rich.table import Table

    from storecast.artifacts import model_files
    from storecast.artifacts.files import train_into

    # given None: the default folder, which no model has been saved into yet
    models_dir, given = models_dir_choice(models_dir)
    if given is None and not models_dir.exists():
        console.print(f"no models yet: {models_dir} does not exist (`storecast train` saves into it)", markup=False)
        return
    if not models_dir.is_dir():  # was "no complete model in X", exit 0: a typo or a file looked like an empty folder
        from storecast.errors import ArtifactError

        what = "is a file, not a directory" if models_dir.exists() else "not found"
        raise ArtifactError(f"{given or 'the models directory'}: {models_dir} {what}: give the directory "
                            "`storecast train` saved into.")
    found = list(model_files(models_dir))  # newest first by the UTC stamp in the name, whatever the kind
    if check:
        found = [_loaded(f) if f.complete else f for f in found]
    complete = [f for f in found if f.complete]
    # the sha256 ties each file to its card, not the card's fields to the file: hashing is cheap (about 0.25 s for
    # a full-data model of 89 MB), loading is not (a second or more each), so the plain listing says what it checked
    table = Table(title=f"models in {models_dir} (newest first)", caption=None if check else (
        "sha256 checked; card fields as written: --check compares them with the model file's copy"))
    # The file name is what `predict --model` and `serve --model` need: fold it, never cut it with "...".
    # It already carries the UTC creation stamp, so no separate "created" column.
    table.add_column("file", overflow="fold", min_width=24)
    table.add_column("kind")
    table.add_column("fit through")  # the first day is in the card; the last one is what ages
    for col in ("calib. RMSPE", "intervals"):
        table.add_column(col)
    for f in complete:  # cards checked against storecast.card.ModelCard: the fields below have their types
        c = f.card or {}
        rmspe = (c.get("metrics") or {}).get("calibration", {}).get("rmspe")
        levels = (c.get("intervals") or {}).get("levels", [])
        table.add_row(f.path.name, str(c["kind"]), str((c.get("training") or {}).get("end") or "?"),
                      "-" if rmspe is None else f"{rmspe:.4f}", ", ".join(f"{lv:.0%}" for lv in levels) or "-")
    if complete:
        table_console(120).print(table)  # the whole file name on one line, ready to copy
    else:
        console.print(f"no complete model in {models_dir}" + ("" if found else f": `{train_into(models_dir)}` "
                      "saves one"), markup=False, soft_wrap=True)
    for f in found:
        if not f.complete:
            console.print(f"skipped: {f.path.name} ({f.problem})", markup=False, highlight=False, soft_wrap=True)


def _loaded(found: ModelFile) -> ModelFile:
    """``found`` once its file loaded as ``predict`` and ``serve`` load it, else skipped with the loader's reason.

    Why: a card edited by hand still matches its model file's sha256 (the hash is the file's, not the card's), so
    only the load, which compares the card with the copy the file holds, tells such a card from the saved one. A
    tree model must also forecast serve's one warm-up row (``api.serving.served_file``, the rule by which serve
    picks the newest, ``latest_loaded``): one that loads but cannot forecast was listed while serve skipped it.
    An LSTM, which serve never takes (it needs recent history), is loaded as ``predict`` loads it.
    """
    from storecast.api.serving import served_file
    from storecast.artifacts import SERVABLE_KINDS, load_bundle
    from storecast.artifacts.files import loads

    servable = (found.card or {}).get("kind") in SERVABLE_KINDS
    return loads(found, served_file if servable else load_bundle)[0]


@models_app.command("upgrade", epilog=examples(
    "storecast models upgrade --model models/storecast-lgbm-2026-12-01T10-00-00Z.skops",
    "storecast models upgrade --model models/storecast-lgbm-2026-12-01T10-00-00Z.skops --out /tmp/upgraded",
))
def upgrade_model_file(
    model: Path = typer.Option(..., "--model", help="A .skops tree model file saved before each booster was "
                               "written once (its card beside it)."),
    out: Path | None = typer.Option(None, "--out", metavar="DIR", help="Write the upgraded file and its card into "
                                    "this folder (made when missing) under the same name; another folder than the "
                                    "model's leaves --model as it is. Default: the file and its card are replaced."),
) -> None:
    """Rewrite a tree model saved with each booster twice in the current format: the same model, half the bytes.

    Loaded with every check of predict and serve; written under the same name and stamp (the newest stays newest).

    Its card gets the new sha256; the compiled trees cached beside it are carried over to it when they check out.
    """
    from storecast.artifacts.upgrade import upgrade_model

    if out is not None:
        from storecast.atomic import check_folder

        check_folder(out, "--out")
    before = model.stat().st_size if model.is_file() else None
    written = upgrade_model(model, out)
    if before is not None:
        console.print(f"upgraded {model}: {before / 1e6:.1f} MB -> {written.stat().st_size / 1e6:.1f} MB",
                      soft_wrap=True)
    typer.echo(str(written))
