"""Progress on stderr: a live display on a terminal, whole plain lines when piped, for every command alike.

Why one module: six commands each built their own ``Progress`` with the same console and the same
``live_display`` test, and two of them printed their own plain lines for piped output; a command added later
would copy one of them, or forget the piped case (rich then draws a live display once, when it stops: a stray
spinner line or a bar of box characters in a log).
"""

from __future__ import annotations

__all__ = ["plain_line", "progress", "say_step"]

import time
from typing import TYPE_CHECKING

from storecast.cli._app import console, live_display

if TYPE_CHECKING:
    from rich.progress import Progress, ProgressColumn


def progress(*columns: ProgressColumn | str, transient: bool, shown: bool = True) -> Progress:
    """A rich ``Progress`` of ``columns`` on the CLI's console, drawn only where stderr takes a live display.

    ``shown=False`` keeps it hidden on a terminal too (one chunk, one store chunk: nothing to follow). Hidden, it
    draws nothing at all; ``say_step`` then prints plain lines.
    """
    from rich.progress import Progress  # rich's progress machinery only for a command that shows one

    return Progress(*columns, console=console, transient=transient, disable=not (shown and live_display()))


def plain_line(msg: str, since: float | None = None) -> None:
    """``msg`` as one whole line after the wall-clock time (and the seconds ``since`` a start, when given).

    Why whole: ``console.log`` pads each line to the width and wraps a long one, so a log of a piped run read
    as ragged blocks.
    """
    elapsed = "" if since is None else f" {time.perf_counter() - since:6.1f}s"
    console.print(f"{time.strftime('%H:%M:%S')}{elapsed} {msg}", markup=False, highlight=False, soft_wrap=True)


def say_step(bar: Progress, msg: str, since: float | None = None) -> None:
    """One step of a run: logged above ``bar`` where it is drawn (the seconds ``since`` a start dimmed before it,
    when given), else a ``plain_line``."""
    if bar.disable:
        plain_line(msg, since)
    elif since is None:
        bar.console.log(msg, markup=False, highlight=False)
    else:
        from rich.markup import escape

        bar.console.log(f"[dim]{time.perf_counter() - since:6.1f}s[/dim] {escape(msg)}", markup=True)
