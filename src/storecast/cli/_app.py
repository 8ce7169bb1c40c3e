"""The Typer application every command module registers on, and the one place errors become messages."""

from __future__ import annotations

__all__ = ["app", "console", "main", "models_dir_option", "models_dir_choice", "MODELS_DIR_HELP", "check_out",
           "check_out_dir", "PARQUET_TOO", "date_option", "examples", "live_display", "table_console", "HelpCommand",
           "HelpGroup", "StorecastTyper", "score_cell"]

import datetime as dt
import errno
import logging
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape

from storecast.errors import INTERRUPTED, StorecastError

# markup=False: messages quote file names and data cells ("got '[/b]'"), which must print as written;
# the few styled words are marked up explicitly (``markup=True`` with ``escape`` around the data).
# log_path=False: the progress lines (``console.log``) are for the user; storecast's source file and line
# beside each ("_model_options.py:50") only told them where our code printed it.
console = Console(stderr=True, markup=False, log_path=False)


EXAMPLES = "Examples:"


def _format_help(command: Any, ctx: Any, typer_help: Callable[[], None]) -> None:
    """``typer_help`` (Typer's rich help of ``command``) with a switch shown without a value type, then the
    examples of an `examples` epilog printed whole, one line each.

    Why: Typer 0.29's rich help gave every switch a type, ``--help <bool>``, as if it took a value (its plain help
    does not), and wrapped an example at the console's width (80 columns when piped), so a copied line lost the
    words after the break. Its rich help reads neither ``context_settings`` ``max_content_width`` nor ``\\b``
    in an epilog; the switches get no type only while the help is made, so parsing and errors are untouched.
    """
    switches = [p for p in command.get_params(ctx) if getattr(p, "is_flag", False) and p.metavar is None]
    epilog = command.epilog if (command.epilog or "").startswith(EXAMPLES) else None
    for p in switches:
        p.metavar = ""  # Typer prints the metavar, when set, instead of the type
    command.epilog = None if epilog else command.epilog
    try:
        typer_help()
    finally:
        for p in switches:
            p.metavar = None
        command.epilog = epilog or command.epilog
    if epilog:  # as Typer lays out an epilog (a blank line, one space in), but never wrapped
        typer.echo("".join(f"\n {line}" for line in epilog.splitlines()) + "\n")


class HelpCommand(typer.core.TyperCommand):
    """Every storecast command: its ``--help`` shows switches as flags and its examples whole (`_format_help`)."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _format_help(self, ctx, lambda: super(HelpCommand, self).format_help(ctx, formatter))


class HelpGroup(typer.core.TyperGroup):
    """A storecast command group (``models``, ``lstm``, ``plan``): its ``--help`` as `HelpCommand`'s."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _format_help(self, ctx, lambda: super(HelpGroup, self).format_help(ctx, formatter))


class StorecastTyper(typer.Typer):
    """``typer.Typer`` whose commands are `HelpCommand`s and whose groups `HelpGroup`s unless told otherwise.

    Why a default here: a command added without ``cls`` would quietly get Typer's help back.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**{"cls": HelpGroup, **kwargs})

    def command(self, name: str | None = None, **kwargs: Any) -> Callable[[Any], Any]:
        return super().command(name, **{"cls": HelpCommand, **kwargs})


class _RootGroup(HelpGroup):
    """The root group: a root option written after the command gets a hint where it goes.

    Why: ``storecast validate -v --data DIR`` (the usual place for a flag in other tools) stopped with "No such
    option: -v" alone, although ``-v`` exists: it belongs before the command.
    """

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except typer.exceptions.TyperException as exc:  # Typer's own click: its NoSuchOption has no public name
            if getattr(exc, "option_name", None) in ("-v", "--verbose"):
                sub_ctx = getattr(exc, "ctx", None)
                sub = sub_ctx.command_path[len(ctx.command_path):].strip() if sub_ctx is not None else "COMMAND"
                opt = exc.option_name  # type: ignore[attr-defined]
                exc.message = f"{exc.message} ({opt} goes before the command: {ctx.command_path} {opt} {sub} ...)"
            raise


app = StorecastTyper(
    name="storecast",
    cls=_RootGroup,
    help="Forecast daily sales of a chain of retail stores.",
    # The order to run things in, for a first-time user; each command's own --help ends with examples.
    epilog=("Start with `storecast demo` (a synthetic chain, every step, in demo-out/). On your files (a directory "
            "with train.csv, store.csv, test.csv): validate, eda, train, predict, serve; "
            "`storecast COMMAND --help` ends with examples to copy."),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _show_version(value: bool) -> None:
    if value:
        from storecast import __version__

        typer.echo(f"storecast {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Log each step (read, validate, change, write)."
    ),
    version: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Forecast daily sales of a chain of retail stores."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(console=console, show_path=False, show_time=verbose)],
        force=True,
    )


def live_display() -> bool:
    """Whether stderr takes spinners and bars: a terminal, not a pipe, a file or a dumb terminal.

    Why: piped or captured (``storecast train ... 2>&1 | cat``), rich draws a live display once, when it stops: a
    stray spinner line ("⠸ train rf: done 0:00:05"), a bar of box characters, or an empty line for a transient
    one. Every spinner and bar of the CLI is disabled where this is False; the steps print as plain lines.
    """
    return console.is_terminal and not console.is_dumb_terminal


def table_console(min_width: int) -> Console:
    """A console on stderr at least ``min_width`` columns wide, for a table that must not be cut.

    Why: output that is piped, logged or captured gets 80 columns, which cut the evaluate windows' dates to
    "2014-…", its "baseline RMSPE" header to "basel…", and plan's sales figures to "11,4…".
    """
    return Console(stderr=True, markup=False, log_path=False, width=max(console.width, min_width))


def score_cell(value: float, spec: str) -> str:
    """A score for a results table; n/a where there was nothing to score (NaN), as every table says it."""
    return "n/a" if value != value else format(value, spec)


def models_dir_option(value: Path | None) -> Path:
    """``--models-dir`` when given, else ``STORECAST_MODELS_DIR``, else ``models``: one rule for every command."""
    return models_dir_choice(value)[0]


def models_dir_choice(value: Path | None) -> tuple[Path, str | None]:
    """``models_dir_option``'s directory and who chose it: ``"--models-dir"``, ``"STORECAST_MODELS_DIR"``, or None
    for the default folder (which ``models list`` may find missing before any model was saved)."""
    if value is not None:
        return value, "--models-dir"
    from storecast.config import load_settings

    settings = load_settings()  # set from the environment: pydantic-settings counts it as given
    return settings.models_dir, "STORECAST_MODELS_DIR" if "models_dir" in settings.model_fields_set else None


def check_out(out: Path, *, model: Path, data: Path, more_inputs: tuple[Path, ...] = ()) -> None:
    """Refuse ``--out`` before any work: never an input (data files, the model, its card), a link or device.

    Raises ``OutputPathError`` (one line, exit 2), so a long run cannot fail at its very end.
    """
    from storecast import schema as s
    from storecast.atomic import target_problem
    from storecast.data.contract import data_file
    from storecast.errors import OutputPathError

    names = (s.TRAIN_FILE, s.STORE_FILE, s.TEST_FILE)
    inputs = [*more_inputs, model, model.with_suffix(".json"), data / s.STATES_FILE,
              *(data / name for name in names), *(data_file(data, name) for name in names)]
    problem = target_problem(out, inputs=inputs)
    if problem:
        raise OutputPathError(f"--out: {problem}")


def check_out_dir(path: Path | None, option: str = "--out") -> None:
    """Refuse an output directory (``--out``, ``--models-dir``) before any work: a file, under a file, unwritable.

    Raises ``OutputPathError`` (one line, exit 2) instead of a traceback from ``mkdir`` after the work.
    """
    from storecast.atomic import check_folder

    if path is not None:
        check_folder(path, option)


def date_option(value: str, option: str) -> dt.date:
    """``value`` of ``option`` as a date: only ``YYYY-MM-DD`` inside the data contract's range, else a usage error.

    Why strict: pandas reads "2015/01/01" and "01/02/2015" (as 2 January) too, so a typo ran on other days;
    and ``date.fromisoformat`` alone takes week dates ("2015-W01-1"). A day the calendar lacks
    ("2015-02-30") gets its own words: it does look like YYYY-MM-DD, so saying it must was no help.
    """
    from storecast.schema import MAX_DATE, MIN_DATE

    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise typer.BadParameter(f"`{option}` must look like YYYY-MM-DD; got {value!r}.")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"`{option}` must be a calendar date; got {value!r} ({exc}).") from exc
    if not MIN_DATE <= day <= MAX_DATE:
        raise typer.BadParameter(f"`{option}` must be a date {MIN_DATE}..{MAX_DATE}; got {value!r}.")
    return day


def examples(*lines: str) -> str:
    """A command's ``epilog``: command lines to copy, each as typed (``# comment`` after it), under "Examples:".

    Why: an analyst copies a working line more readily than they assemble one from the option table; and
    ``tests/cli/test_help_examples.py`` parses every line, so an example cannot name an option that is gone.
    """
    return "\n".join([EXAMPLES, *lines])  # printed as written (`_format_help`), never read as rich markup


# The --data help of every command: the contract reads each file as parquet too (data.contract, docs/scaling.md)
PARQUET_TOO = " Each file may be .parquet instead; train.csv also a train/ folder of parquet parts."
MODELS_DIR_HELP = "Directory of model files (default: $STORECAST_MODELS_DIR, else models)."


def main() -> None:
    """Console-script entry point: domain errors exit 2 with a message and no traceback."""
    from storecast.long_lived import skip_final_collection

    skip_final_collection()  # the process ends after the command: its closing collections only cost time
    try:
        app()
    except SystemExit as exc:
        # Ctrl-C: Typer turns it into exit code 130 without a word, which read like a crash or a hang-up
        if exc.code == 130 and isinstance(getattr(exc.__context__, "__cause__", None), KeyboardInterrupt):
            console.print(INTERRUPTED, highlight=False)
        raise
    except StorecastError as exc:
        # The message quotes data ("got '[/b]'"): escaped, so a cell can never be read as rich markup.
        console.print(f"[bold red]error:[/bold red] {escape(str(exc))}", highlight=False, markup=True, soft_wrap=True)
        sys.exit(2)
    except OSError as exc:
        if exc.errno != errno.ENAMETOOLONG:
            raise
        console.print(f"[bold red]error:[/bold red] {escape(name_too_long(exc.filename))}", highlight=False,
                      markup=True, soft_wrap=True)
        sys.exit(2)


def name_too_long(filename: Any) -> str:
    """What to say of a path the operating system refused as too long (ENAMETOOLONG), naming the part at fault.

    Why here, for every command: the first look at such a path (``Path.exists``, ``os.lstat``) raises it, and
    every path option of every command (``--data``, ``--model``, ``--input``, ``--out``, ``--models-dir``)
    ended in a traceback, exit code 1.
    """
    path = os.fsdecode(filename) if filename is not None else "a path"
    longest = max(Path(path).parts or (path,), key=lambda part: len(os.fsencode(part)))
    size = len(os.fsencode(longest))
    if size > 255:  # NAME_MAX of Linux's and macOS's file systems
        shown = path.replace(longest, longest[:40] + "…")
        return (f"{shown}: the name {longest[:40]}… is {size:,} bytes long, more than a file name may be (255 bytes "
                "on most file systems): choose a shorter name")
    return (f"{path[:80]}…: the path is {len(os.fsencode(path)):,} bytes long, more than a path may be (4,096 "
            "bytes on Linux): choose a shorter path")
