"""The model card: its schema, reading it, and the key facts the model file holds to catch an edited card.

Why a schema: the card is JSON a person can open and edit, and every reader (``load_bundle``, ``serve``,
``models list``) trusts its fields. A card that is a list, has ``intervals: null`` or a string where a
number belongs must stop with one line naming the card and the field, never a ``TypeError`` deep in a
reader. Extra keys are allowed, so cards of older and newer storecast versions keep loading.

Why key facts: the card's sha256 protects the model file; the model file protects the card in turn by
holding a copy of the card's kind, package versions and training end (``card_facts``), plus whole card
fields: those the loader builds the model from (the LSTM's config, cut and intervals) and those a reader judges
the model by (`READER_FIELDS`), which ``check_facts`` compares at load.
"""

from __future__ import annotations

__all__ = ["ModelCard", "READER_FIELDS", "read_card", "inspect_card", "card_problem", "card_facts", "check_facts",
           "card_path_of"]

import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, ValidationError

from storecast.errors import ECHO_LIMIT, ArtifactError

log = logging.getLogger("storecast.artifacts")

# The card fields a reader judges a model by, kept whole in the model file (``card_facts``): its fit window, its
# scores, its intervals (levels, calibration days: predict's warnings read them) and the data it was fitted on.
# Why: ``GET /model`` and ``models list`` show them as the model's, and an edit of one loaded unnoticed.
READER_FIELDS = ("training", "metrics", "intervals", "data_fingerprint")

# strict: "0.8" (a string) is refused instead of quietly read as a number
_Level = Annotated[StrictFloat, Field(gt=0, lt=1)]
_Number = StrictFloat | StrictInt
_Date = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class Intervals(_Open):
    """Interval levels calibrated and the one served by default."""

    levels: list[_Level] = Field(default_factory=list)
    default_level: _Level = 0.8


class Training(_Open):
    """The fit window (``end`` is the last day the model saw)."""

    start: _Date | None = None
    end: _Date | None = None


class Calibration(_Open):
    """Scores on the calibration window."""

    rmspe: _Number | None = None


class Metrics(_Open):
    """Scores recorded at training time."""

    calibration: Calibration = Field(default_factory=Calibration)


class ModelCard(_Open):
    """The JSON card beside a model file; fields a reader relies on are typed, others pass through."""

    kind: Literal["lgbm", "rf", "lstm"]
    created: str
    file: str
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    versions: dict[str, str]
    intervals: Intervals = Field(default_factory=Intervals)
    training: Training = Field(default_factory=Training)
    metrics: Metrics = Field(default_factory=Metrics)


def card_path_of(model_path: str | Path) -> Path:
    """The card of a model file: the same stem with ``.json``."""
    return Path(model_path).with_suffix(".json")


_PLAIN = {"float_type": "expected a number", "int_type": "expected an integer", "string_type": "expected a string",
          "dict_type": "expected an object", "model_type": "expected an object", "list_type": "expected a list",
          "missing": "missing", "literal_error": "expected one of 'lgbm', 'rf', 'lstm'",
          "string_pattern_mismatch": "wrong format"}


def _say(err: Mapping[str, Any]) -> str:
    where = ".".join(str(p) for p in err["loc"])
    what = _PLAIN.get(err["type"], err["msg"][:1].lower() + err["msg"][1:])
    if err["type"] == "string_pattern_mismatch" and where == "sha256":
        what = "expected 64 hex digits"
    got = "" if err["type"] == "missing" else f", got {json.dumps(err['input'], default=str)[:ECHO_LIMIT]}"
    return f"field {where}: {what}{got}"


def card_problem(data: Any) -> str | None:
    """Why ``data`` (a parsed card) is not a valid ``ModelCard``, in a few words; None when it is."""
    if not isinstance(data, dict):
        return f"expected a JSON object, got a {'list' if isinstance(data, list) else type(data).__name__}"
    try:
        ModelCard.model_validate(data)
    except ValidationError as exc:
        return "; ".join(_say(e) for e in exc.errors()[:5])
    return None


_UNREADABLE = "cannot be read"


class _DuplicateKey(ValueError):
    """A key given twice in one JSON object of a card."""


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """One JSON object of a card, refusing a key given twice.

    Why: ``json.loads`` keeps the last of ``"kind": "rf", "kind": "lgbm"`` silently, so a hand edit that left
    the old line in would be read as whichever came last, not as the person meant.
    """
    data = dict(pairs)
    if len(data) < len(pairs):
        keys = [k for k, _ in pairs]
        key = next(k for k in keys if keys.count(k) > 1)
        raise _DuplicateKey(f"duplicate key {json.dumps(key)} (given {keys.count(key)} times); keep one")
    return data


def inspect_card(model_path: str | Path) -> tuple[dict | None, str | None]:
    """(card, None) when the card beside ``model_path`` is valid, else (None, why); never raises."""
    card_path = card_path_of(model_path)
    if not card_path.is_file():
        return None, "no card"
    try:
        # utf-8-sig: Windows Notepad saves with a byte order mark; the card is not hashed, so the BOM is harmless
        text = card_path.read_text(encoding="utf-8-sig")
    except OSError as exc:  # another user's card (mode 0600): not a JSON problem, and not one to retrain for
        return None, f"{_UNREADABLE} ({exc.strerror or exc})"
    except UnicodeDecodeError as exc:  # a card saved in Latin-1: one line, not a traceback out of "never raises"
        return None, f"not valid JSON ({exc})"
    try:
        data = json.loads(text, object_pairs_hook=_refuse_duplicates)
    except _DuplicateKey as exc:
        return None, str(exc)
    except ValueError as exc:
        return None, f"not valid JSON ({exc})"
    except RecursionError:  # "[[[[..." past the reader's depth: Python's limit, not a JSON error, yet no card
        return None, "JSON nested too deeply to read (arrays or objects inside each other)"
    why = card_problem(data)
    return (None, why) if why else (data, None)


def read_card(model_path: str | Path) -> dict:
    """The validated card beside ``model_path``.

    Raises
    ------
    ArtifactError
        One line naming the card file and its bad fields (the first five), e.g.
        ``model card X.json: field intervals.default_level: expected a number, got "high"``.
    """
    card, why = inspect_card(model_path)
    if card is None:
        card_path = card_path_of(model_path)
        if why == "no card" and os.path.lexists(card_path):  # "not found" sent the user looking for what is there
            what = "a directory" if card_path.is_dir() else "not a regular file (a broken link, a pipe or a device)"
            raise ArtifactError(f"model card {card_path} is {what}: expected the JSON card saved beside the model "
                                "file; restore it or retrain.")
        if why == "no card":
            raise ArtifactError(f"model card {card_path} not found: a model file is loaded only with its card.")
        if why and why.startswith(_UNREADABLE):
            raise ArtifactError(f"model card {card_path}: {why}: give this user read access to it, or run as its "
                                "owner.")
        raise ArtifactError(f"model card {card_path}: {why}; restore the card or retrain.")
    return card


def card_facts(card: dict, parts: tuple[str, ...] = ()) -> dict[str, Any]:
    """What the model file keeps of its card: kind, package versions and (when known) the training end.

    ``parts``: top-level card fields the loader builds the model from (the LSTM's config, cut, intervals...),
    kept whole under ``"card"``, so an edit of one is caught instead of changing the forecasts or crashing.
    """
    versions = {str(k): str(v) for k, v in card["versions"].items()}
    facts: dict[str, Any] = {"kind": str(card["kind"]), "versions": versions}
    end = (card.get("training") or {}).get("end")
    if end is not None:
        facts["training_end"] = str(end)
    if parts:
        facts["card"] = {key: _as_json(card.get(key)) for key in parts}
    return facts


def _as_json(value: Any) -> Any:
    """``value`` as the card file holds it once read back (tuples as lists, other objects as text)."""
    return json.loads(json.dumps(value, default=str))


def _difference(card_value: Any, file_value: Any, where: str) -> tuple[str, Any, Any] | None:
    """The first place where two JSON values differ, as (dotted field, card's value, file's value)."""
    if isinstance(card_value, dict) and isinstance(file_value, dict):
        for key in sorted(set(card_value) | set(file_value)):
            found = _difference(card_value.get(key), file_value.get(key), f"{where}.{key}")
            if found:
                return found
        return None
    if card_value != card_value and file_value != file_value:  # NaN (a score of no trade day) on both sides
        return None
    return None if card_value == file_value else (where, card_value, file_value)


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def check_facts(card: dict, held: dict | None, model_path: Path) -> None:
    """Compare the card with the facts its model file holds; an edit of the card is an ArtifactError.

    ``held`` is None for files written before storecast embedded facts: loaded, with a warning.
    """
    card_path = card_path_of(model_path)
    if held is None:
        log.warning("model file %s holds no copy of its card's key facts (written by an older storecast): "
                    "its card %s cannot be cross-checked; retrain to get the check", model_path.name, card_path.name)
        return
    said = card_facts(card)
    pairs = [("kind", said["kind"], held.get("kind"))]
    pairs += [("training end", said.get("training_end"), held.get("training_end"))] if "training_end" in held else []
    versions, kept = said["versions"], held.get("versions") or {}
    pairs += [(f"{name} version", versions.get(name), kept.get(name)) for name in sorted(set(versions) | set(kept))]
    for what, card_value, file_value in pairs:
        if card_value != file_value:
            raise ArtifactError(
                f"model card {card_path} says {what} {card_value!r} but the model file holds {file_value!r}: "
                "the card was edited; restore it or retrain.")
    kept_parts = held.get("card")
    for key, file_value in (kept_parts.items() if isinstance(kept_parts, dict) else ()):
        found = _difference(_as_json(card.get(key)), file_value, key)
        if found:
            where, card_value, file_value = found
            raise ArtifactError(
                f"model card {card_path} says {where} {_short(card_value)} but the model file holds "
                f"{_short(file_value)}: the card was edited; restore it or retrain.")
