"""Which rules computed a saved LSTM's inputs: a revision number its card keeps, and what changed since.

Why: the card's ``features.decoder`` names the inputs, and a file whose names differ from today's is refused at
load. A change of how an input is computed from the rows keeps the names, so an older network was silently given
inputs its training never showed it (a context model saved before 2026-12-07 evening is given the closures at a
request's edges). Each such change bumps `INPUTS_REVISION` and adds its line to ``_CHANGES``, saying which models
it touches; `stale_inputs` lists the changes a loaded file predates (``artifacts.lstm`` warns with them).
"""

from __future__ import annotations

__all__ = ["INPUTS_REVISION", "REVISION_FIELD", "revision_of", "stale_inputs"]

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

INPUTS_REVISION = 2
REVISION_FIELD = "inputs_revision"  # under the card's "features" (kept in the file's copy of the card too)

# Files saved before the card kept a revision: the edge closures (revision 1) reached main at this time (merge
# 6581402), so a file created earlier is revision 0. `revision_of` says why no file without the field is revision 2.
_REVISION_1_SINCE = datetime(2026, 12, 7, 18, 40, 56, tzinfo=UTC)


@dataclass(frozen=True)
class _Change:
    revision: int  # the first revision with the change
    what: str  # what an older file's network was trained without, in the words of a warning
    touches: Callable[[dict], bool]  # whether the model of this card was trained on the inputs that changed


def _has_context(card: dict) -> bool:
    config = card.get("config")
    return isinstance(config, dict) and bool(config.get("context", False))


def _trained_on_leap_days(card: dict) -> bool:
    """Whether the fit's days (training start, else the cut, up to the cut) hold a leap year's 1 March..31 December."""
    training = card.get("training")
    start = training.get("start") if isinstance(training, dict) else None
    try:
        cut = date.fromisoformat(str(card["cut"]))
        start = date.fromisoformat(str(start)) if start else cut
    except (KeyError, ValueError):  # a card without a readable cut: from_state refuses it anyway
        return False
    leap_years = (y for y in range(start.year, cut.year + 1) if y % 4 == 0 and (y % 100 != 0 or y % 400 == 0))
    return any(date(y, 3, 1) <= cut and start <= date(y, 12, 31) for y in leap_years)


_CHANGES = (
    _Change(1, "its schedule context (context=True) read no closure on the first or last days of a window or a "
               "request (2026-12-07)", _has_context),
    _Change(2, "its day-of-year input for a leap year's days from 1 March was the next date's (2026-12-07)",
            _trained_on_leap_days),
)


def revision_of(card: dict) -> int:
    """The inputs' revision of the model of ``card``: its ``features.inputs_revision``, or for a file saved before
    the card kept one, 1 when created since the edge closures reached main and 0 before (or with no readable date).

    Why the date is right for main's files: revision 2 (the leap-neutral day of year) and the card's field reached
    main in one merge (d47da64, 2026-12-07 20:41:35 UTC), so a file without the field is revision 0 or 1, and main
    saved revision 1 from ``_REVISION_1_SINCE`` until that merge. What it cannot tell, no field being there: a file
    saved since then by a checkout without the edge closures (an older one, or a run that started training before
    the merge: ``created`` is when the file was saved) passes for revision 1, and one saved before it by a branch
    that had them for revision 0 (a warning it does not need; no date or setting in the card tells either apart).
    An unreadable or missing ``created`` is 0: every change that touches the model is said, never one hidden.
    """
    features = card.get("features")
    held = features.get(REVISION_FIELD) if isinstance(features, dict) else None
    if isinstance(held, int) and not isinstance(held, bool):
        return held
    try:
        created = datetime.fromisoformat(str(card.get("created")))
    except ValueError:
        return 0
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return 1 if created >= _REVISION_1_SINCE else 0


def stale_inputs(card: dict) -> list[str]:
    """What the model of ``card`` was trained without: the changes after its revision that touch it (none: [])."""
    revision = revision_of(card)
    return [change.what for change in _CHANGES if change.revision > revision and change.touches(card)]
