"""A models directory: which files are complete models, the newest of a kind, and why others are skipped.

Nothing here deserialises a model: a file is complete when its name has a stamp, its card is valid and
the card's sha256 matches the file. ``latest_model`` and ``model_files`` say why they skip the others.
Only ``latest_loaded`` and ``loads`` go further, with the loader they are given: a card edited by hand still
matches its file's sha256, and only the load, which compares the card with the copy the file holds, tells.
The checks each loader makes before it reads a model file live here too (``card_of_kind``, ``served_level``),
with the error for a model path that is no file (``model_file_missing``).
"""

from __future__ import annotations

__all__ = ["ModelFile", "model_files", "latest_model", "latest_loaded", "loads", "model_file_missing",
           "require_model_file", "train_into", "followed", "unreadable_advice",
           "card_of_kind", "served_level", "SERVABLE_KINDS"]

import errno
import logging
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import TypeVar, cast

from storecast.card import card_path_of, inspect_card, read_card
from storecast.errors import ArtifactError, MissingDependencyError
from storecast.publish import STAMP_FORMAT, file_sha256

log = logging.getLogger("storecast.artifacts")

# What `serve` and `latest_model` pick by default: the LSTM needs recent history and is only chosen when asked.
SERVABLE_KINDS = ("lgbm", "rf")
_SUFFIX_KINDS = {".skops": ("lgbm", "rf"), ".pt": ("lstm",)}

T = TypeVar("T")


def require_model_file(path: Path, where: str = "") -> Path:
    """``path`` when it is a file, else ``model_file_missing``'s error (``where``: the setting it came from)."""
    if not path.is_file():
        raise model_file_missing(path, where)
    return path


def model_file_missing(path: Path, where: str = "") -> ArtifactError:
    """The error for a model path that is no file; ``where`` names the setting it came from.

    Why a directory gets its own words: "not found" for a folder that is there sends the user looking in
    the wrong place, when what is missing is the file name. A model kind (``lgbm``) gets its own too: it is
    what ``train --model`` takes, so it is the likely slip where ``--model`` wants a file; and so does a name
    without its suffix when the model file is there with it. Any other missing name says where the saved ones
    are listed: "not found." alone left the user to guess what the option wants.
    """
    if path.is_dir():
        return ArtifactError(f"model file {path}{where} is a directory: expected a .skops or .pt model file, "
                             f"e.g. the newest one in it (see `storecast models list --models-dir {path}`).")
    if path.is_symlink() and not path.exists():  # `ls` shows it: "not found" would send the user looking
        try:
            path.stat()
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                return ArtifactError(f"model file {path}{where} is a symbolic link that loops (it leads back to "
                                     "itself): point it at a .skops or .pt model file.")
        return ArtifactError(f"model file {path}{where} is a symbolic link to {os.readlink(path)}, which is not "
                             "there: point it at a model file that is, or give that file itself.")
    if path.exists():
        return ArtifactError(f"model file {path}{where} is not a regular file (a FIFO, socket or device): give the "
                             ".skops or .pt file `storecast train` (or `lstm train`) saved.")
    beside = (path.with_name(path.name + suffix) for suffix in _SUFFIX_KINDS)
    if path.suffix == "" and (found := next((p for p in beside if p.is_file()), None)):  # as `models list` shows it
        return ArtifactError(f"model file {path} not found{where}: {found} is there; give the name with its "
                             f"suffix, {found.suffix}.")
    if str(path).lower() in {kind for kinds in _SUFFIX_KINDS.values() for kind in kinds}:
        return ArtifactError(f"model file {path} not found{where}: {str(path)!r} is a model kind, not a file; give "
                             "the .skops or .pt file `storecast train` (or `lstm train`) saved and printed "
                             "(`storecast models list` shows them).")
    folder = path.parent
    look = (f"`storecast models list --models-dir {folder}` shows the ones in {folder}" if folder.is_dir()
            else f"there is no folder {folder}")
    return ArtifactError(f"model file {path} not found{where}: give a .skops or .pt file that `storecast train` (or "
                         f"`lstm train`) saved; {look}.")


def followed(path: Path) -> Path:
    """``path``, or the model file it is a symbolic link to: the card and the compiled cache lie beside that file.

    Why: ``storecast serve`` always resolved its model path, so a link such as ``models/current.skops`` served,
    while ``predict`` and ``plan`` looked for ``current.json`` beside the link and called the card missing.
    """
    return path.resolve() if path.is_symlink() and path.is_file() else path


def card_of_kind(path: Path, suffix_holds: str) -> dict:
    """The card of the model file ``path``, after checking that the file exists and that the card names a kind
    a file with this suffix holds (``suffix_holds``: e.g. "an lstm model").

    Why one home: each loader starts with these checks before it deserialises anything. The caller then reads
    the file only through ``publish.open_checked(path, card)``: its sha256 checked, and the same open file read.
    """
    card = read_card(require_model_file(path))
    if card["kind"] not in _SUFFIX_KINDS.get(path.suffix, ()):
        raise ArtifactError(f"model card {card_path_of(path)} says kind {card['kind']!r}, but a {path.suffix} "
                            f"file holds {suffix_holds}; restore the card or retrain.")
    return card


def served_level(calibrated: Iterable[float], card: dict, path: Path, level: float | None, *,
                 retrain: str = "retrain") -> float:
    """``level``, else the card's default level, once the card's levels are checked against the calibrated ones.

    Why one rule for every kind of model file, checked at load: the card's ``intervals`` are plain JSON beside
    the file, and a level the model never calibrated (an edited card) must stop the load, not the first
    forecast. Each of the card's levels
    must be one the model calibrated, its default one of its levels, and a level asked for one of them too.
    """
    calibrated = [float(lv) for lv in calibrated]
    intervals = card.get("intervals") or {}
    said = [float(lv) for lv in intervals.get("levels") or calibrated]
    default = float(intervals.get("default_level", said[0] if said else 0.8))

    def among(value: float, levels: list[float]) -> bool:
        return any(abs(value - lv) <= 1e-9 for lv in levels)

    edited = f"the card was edited; restore it or {retrain}."
    for name, value in [*(("intervals.levels", lv) for lv in said), ("intervals.default_level", default)]:
        if not among(value, calibrated):
            raise ArtifactError(f"model card {card_path_of(path)} says {name} {value}, but the model file calibrated "
                                f"only {calibrated}: {edited}")
    if not among(default, said):
        raise ArtifactError(f"model card {card_path_of(path)} says intervals.default_level {default}, not one of its "
                            f"intervals.levels {said}: {edited}")
    if level is not None and not among(float(level), said):
        raise ArtifactError(f"`level` must be one of the model's interval levels {said}; got {level}.")
    return float(level) if level is not None else default


# what skops and torch say about a file of a newer format than they read
_NEWER_FORMAT = re.compile(r"only supports protocols up to|maximum supported version", re.IGNORECASE)


def unreadable_advice(card: dict, package: str, exc: BaseException, otherwise: str, retrain: str) -> str:
    """What to do about a file ``package`` (skops, torch) could not read: ``otherwise`` unless versions explain it.

    Why: a file saved by a newer install is neither damaged nor foreign, and retraining is not the only way
    out; when the card names another version of the reader than the one installed, or the reader says the
    format is newer than it reads, the user hears that, and which version reads it.
    """
    saved = (card.get("versions") or {}).get(package)
    try:
        now = metadata.version(package)
    except metadata.PackageNotFoundError:
        now = "not installed"
    if saved is not None and str(saved) != now:
        return (f"it was saved with {package} {saved} and {package} {now} is installed: install "
                f"{package}=={saved} to read it, or {retrain} on this install")
    if _NEWER_FORMAT.search(str(exc)):
        return (f"it was written by a newer {package} than the one installed here: upgrade {package}, or {retrain} "
                "on this install")
    return otherwise


@dataclass(frozen=True)
class ModelFile:
    """A model file (or a card left without one) in a models directory, and why it is unusable, if it is."""

    path: Path
    card: dict | None = None
    problem: str | None = None  # None: complete (valid card, matching sha256)

    @property
    def complete(self) -> bool:
        """A valid card whose sha256 matches the file."""
        return self.problem is None


def _name(path: Path) -> tuple[str, datetime | None]:
    parts = path.stem.split("-", 2)  # storecast-<kind>-<stamp>
    if len(parts) < 3:
        return "?", None
    try:
        return parts[1], datetime.strptime(parts[2], STAMP_FORMAT)
    except ValueError:
        return parts[1], None


def _check(path: Path) -> ModelFile:
    """Everything short of loading: the name, the card, the card's kind and the sha256."""
    kind, stamp = _name(path)
    card, why = None, None
    if not path.is_file():  # a folder or a link to nothing under a model's name: left out without a word, before
        why = "not a regular file (a directory, or a link to a file that is not there)"
    elif path.suffix == ".json":
        why = "a card without its model file"
    elif stamp is None:
        why = "name is not storecast-<kind>-<YYYY-MM-DDTHH-MM-SSZ>"
    elif kind not in _SUFFIX_KINDS[path.suffix]:
        why = f"kind {kind!r} in the name does not fit a {path.suffix} file"
    else:
        card, why = inspect_card(path)
        if card is None:
            why = why if why == "no card" else f"card {card_path_of(path).name}: {why}"
        elif card["kind"] != kind:
            why = f"its card says kind {card['kind']!r}, the file name {kind!r}"
        else:
            try:
                if file_sha256(path) != card["sha256"]:
                    why = "does not match its card (sha256 differs: modified or truncated)"
            except OSError as exc:
                why = f"cannot be read ({exc.strerror or exc})"
    return ModelFile(path, card, why)


def _candidates(models_dir: Path) -> list[Path]:
    """Model files and cards left without one, newest stamp first (names without a stamp last)."""
    if not models_dir.is_dir():
        return []
    files = [p for p in models_dir.glob("storecast-*")
             if p.suffix in (".skops", ".pt", ".json") and (p.is_file() or p.suffix != ".json")]
    models = {p.with_suffix("") for p in files if p.suffix != ".json"}
    files = [p for p in files if p.suffix != ".json" or p.with_suffix("") not in models]
    return sorted(files, key=lambda p: (_name(p)[1] or datetime.min, p.name), reverse=True)


def model_files(models_dir: str | Path = "models", kinds: Iterable[str] | None = None) -> Iterator[ModelFile]:
    """Each model file of ``kinds`` (default: all) in ``models_dir``, newest first, checked as it is reached.

    Lazy on purpose: checking means hashing the file, and ``latest_model`` stops at the first complete one.
    """
    wanted = None if kinds is None else set(kinds)
    for path in _candidates(Path(models_dir)):
        if wanted is None or _name(path)[0] in wanted:
            yield _check(path)


def train_into(models_dir: Path) -> str:
    """The train command that saves into ``models_dir``: plain for the default folder, else with --models-dir.

    Why: told "run `storecast train` first" about ``--models-dir /tmp/m``, a user trained into models/ (the
    default) and found /tmp/m as empty as before.
    """
    import shlex

    folder = "" if Path(models_dir) == Path("models") else f" --models-dir {shlex.quote(str(models_dir))}"
    return f"storecast train --data DIR{folder}"


_CLOCK_SLACK = timedelta(hours=1)  # two machines' clocks may differ by minutes; a stamp an hour ahead is no skew


def _warn_if_stamped_ahead(path: Path) -> None:
    """Warn when the newest file by name is stamped later than now (UTC): it wins every pick until then.

    Why: "newest" is read from the file's name, so a file renamed by hand (``...-2099-...``) or saved on a
    machine whose clock ran ahead is served before every model trained today, silently, until that date.
    """
    stamp = _name(path)[1]
    now = datetime.now(UTC).replace(tzinfo=None)
    if stamp is not None and stamp > now + _CLOCK_SLACK:
        log.warning("%s is stamped %s UTC, later than now (%s UTC): it is taken as the newest model until then, "
                    "ahead of any trained meanwhile; rename it with its real time, or serve a file with --model",
                    path.name, f"{stamp:%Y-%m-%d %H:%M}", f"{now:%Y-%m-%d %H:%M}")


def latest_model(models_dir: str | Path = "models", *, kinds: Iterable[str] = SERVABLE_KINDS) -> Path:
    """The newest complete model file of ``kinds`` in ``models_dir``: a valid card whose sha256 matches.

    By default a tree model (lgbm or rf); an LSTM ``.pt`` only when asked (``kinds=("lstm",)``), since
    it cannot be served without recent history. Newer files skipped on the way are named in a warning.

    Raises
    ------
    ArtifactError
        No complete model file of ``kinds``: the message names what was found and skipped, and why.
    """
    return _newest(Path(models_dir), tuple(kinds), None)[0]


def latest_loaded(models_dir: str | Path, load: Callable[[Path], T], *,
                  kinds: Iterable[str] = SERVABLE_KINDS) -> tuple[Path, T]:
    """The newest model file of ``kinds`` in ``models_dir`` that ``load`` loads, and what it loaded.

    Why: ``latest_model`` hashes files, and a card edited by hand (a better score, an uncalibrated level) still
    matches its file's sha256, so ``serve`` picked that newest file and then stopped on its load, though an older
    complete model was there; ``models list --check`` listed the older one first. Newer files skipped on the way,
    by their card or by ``load`` (``loads``), are named in a warning, as ``latest_model`` names them.

    Raises
    ------
    ArtifactError
        No model file of ``kinds`` that loads: the message names what was found and skipped, and why.
    """
    path, loaded = _newest(Path(models_dir), tuple(kinds), load)
    return path, cast(T, loaded)  # what `load` returned


def loads(found: ModelFile, load: Callable[[Path], object]) -> tuple[ModelFile, object]:
    """``found`` and what ``load`` made of its file, or ``found`` skipped with the loader's reason and None.

    The reasons a file cannot be used here: an ``ArtifactError`` (an edited card, a file that is no storecast
    model) or a ``MissingDependencyError`` (an LSTM file where PyTorch is not installed). Anything else is a bug and
    is raised. ``found`` must be complete: an incomplete file is not loaded.
    """
    try:
        return found, load(found.path)
    except (ArtifactError, MissingDependencyError) as exc:
        return replace(found, problem=str(exc).rstrip(".")), None


def _newest(models_dir: Path, kinds: tuple[str, ...],
            load: Callable[[Path], object] | None) -> tuple[Path, object]:
    """The newest complete file of ``kinds`` (that ``load`` loads, when given) and what ``load`` made of it."""
    skipped: list[ModelFile] = []
    for found in model_files(models_dir, kinds):
        loaded = None
        if found.complete and load is not None:
            found, loaded = loads(found, load)
        if found.complete:
            for bad in skipped:
                log.warning("skipped %s in %s: %s", bad.path.name, models_dir, bad.problem)
            _warn_if_stamped_ahead(found.path)
            return found.path, loaded
        skipped.append(found)
    others = [p.name for p in _candidates(models_dir) if _name(p)[0] not in kinds]
    if not skipped and not others:
        raise ArtifactError(f"no model file in {models_dir}: run `{train_into(models_dir)}` first.")
    said = [f"skipped {f.path.name} ({f.problem})" for f in skipped[:5]] + [
        f"{len(skipped) - 5} more skipped"] * (len(skipped) > 5)
    if others:
        said.append(f"not of kind {'/'.join(kinds)}: {', '.join(others[:3])}" + (" ..." if len(others) > 3 else ""))
    raise ArtifactError(f"no complete {'/'.join(kinds)} model file in {models_dir}: {'; '.join(said)}; "
                        f"run `{train_into(Path(models_dir))}`.")
