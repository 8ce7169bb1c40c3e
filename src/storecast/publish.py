"""Publishing model files: checksums, package versions and exclusive, complete-card-first names.

One home for both model formats: the trees' ``.skops`` (``artifacts.trees``) and the LSTM's ``.pt``
(``artifacts.lstm``) are written through ``publish_model``, and ``artifacts.files`` reads the stamped names
and checks the sha256 with the same rules; ``storecast.artifacts`` re-exports the public names.
"""

from __future__ import annotations

__all__ = ["publish_model", "republish_model", "card_given", "check_sha256", "open_checked", "file_sha256",
           "data_fingerprint", "package_versions", "STAMP_FORMAT"]

import errno
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from storecast.atomic import atomic_write_set, ready_to_replace, sync_folder
from storecast.card import card_problem
from storecast.errors import ArtifactError

STAMP_FORMAT = "%Y-%m-%dT%H-%M-%SZ"
_ATTEMPTS = 1000  # name collisions tolerated before giving up (each moves the stamp one second on)
_PACKAGES = ("storecast", "numpy", "pandas", "scikit-learn", "lightgbm", "skops", "holidays")


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    with open(path, "rb") as fh:
        return _sha256_of(fh)


def _sha256_of(fh: BinaryIO) -> str:
    """Hex sha256 of an open file from where it stands to its end, read in 1 MiB chunks."""
    h = hashlib.sha256()
    for chunk in iter(lambda: fh.read(1 << 20), b""):
        h.update(chunk)
    return h.hexdigest()


def data_fingerprint(*items: str | Path | pd.DataFrame) -> str:
    """sha256 over input files (their bytes) or frames (their hashed rows): which data made a model."""
    h = hashlib.sha256()
    for item in items:
        if isinstance(item, pd.DataFrame):
            h.update(pd.util.hash_pandas_object(item, index=False).to_numpy().tobytes())
        else:
            h.update(file_sha256(item).encode())
    return h.hexdigest()


def package_versions() -> dict[str, str]:
    """Installed versions of the packages a bundle depends on."""
    out = {}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _card_text(card: dict) -> str:
    return json.dumps(card, indent=2, sort_keys=False, default=str) + "\n"


def _temp(models_dir: Path, stem: str) -> Path:
    # a dot name: never matched by the "storecast-*" globs of readers
    fd, tmp = tempfile.mkstemp(dir=models_dir, prefix=f".{stem}.", suffix=".tmp")
    os.close(fd)
    return Path(tmp)


def _link_exclusive(src: Path, dst: Path, *, stem_held: bool = False) -> None:
    """Make ``src``'s complete content appear at ``dst`` at once; FileExistsError when ``dst`` is taken.

    Without hard links the name is reserved with an empty file, then replaced, unless ``stem_held``: the
    call's card already holds the stem (no other save takes it), so the model file's name is only checked free.
    Why: an empty file under a model file's name was, to a reader in between (``models list``, ``serve``'s pick
    of the newest), a model that "does not match its card (modified or truncated)"; an empty card beside no
    model file is what a reader sees between the two steps anyway ("a card without its model file").
    """
    try:
        os.link(src, dst)
    except FileExistsError:
        raise
    except OSError:  # no hard links on this file system
        if not stem_held:  # reserve the name exclusively
            os.close(os.open(dst, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
        elif os.path.lexists(dst):  # a model file left without its card holds the name: leave it
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(dst)) from None
        os.replace(src, dst)


def card_given(card: object, kind: str, models_dir: str | Path, *, objects: tuple[str, ...] = ("training",)) -> dict:
    """The card fields a caller gave a save function (None: none), refused as ``publish_model`` refuses a bad card.

    Why: a card that is a list (or text, a number), or a field read as an object on the way (``objects``: the
    training end that the model file keeps, the LSTM's ``features``) that is not one, ended in a TypeError or
    AttributeError inside the save function, before ``publish_model`` checks the card it completes.
    """
    if card is None:
        return {}
    if isinstance(card, dict):
        why = next((f"field {name}: {card_problem(card[name])}" for name in objects
                    if card.get(name) is not None and not isinstance(card[name], dict)), None)
        if why is None:
            return card
    else:
        why = card_problem(card)
    raise ArtifactError(f"the card of a new {kind} model is invalid ({why}); nothing was saved in {models_dir}.")


def publish_model(models_dir: str | Path, card: dict, suffix: str, write: Callable[[Path], object]) -> Path:
    """Write a model file and its card as ``storecast-<kind>-<UTC stamp>``, never over another model.

    Why this order: the model is written to a temp file and hashed first; then the card is published
    under the first free stem with an exclusive link (that reserves the name: a second process saving
    in the same second gets ``FileExistsError`` and moves to the next second), and only then the model
    file, also exclusively. A reader therefore never sees a model file without its complete card, and
    a failure at any step removes what this call wrote.

    Parameters
    ----------
    card : dict
        The card without ``created``, ``file`` and ``sha256`` (added here); must hold ``kind``.
    suffix : str
        ".skops" or ".pt".
    write : callable
        ``write(tmp_path)`` writes the model file.
    """
    models_dir = Path(models_dir)
    kind = str(card["kind"])
    try:
        return _publish(models_dir, kind, card, suffix, write)
    except ArtifactError:
        raise
    except OSError as exc:  # each step already removed what it wrote; say why, without a traceback
        raise ArtifactError(f"cannot save the {kind} model in {models_dir}: {exc.strerror or exc}; nothing was "
                            f"saved: {_remedy(exc)}.") from exc


def _remedy(exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "free some space there or give another --models-dir"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "make the folder writable for this user or give another --models-dir"
    return "check the folder, or give another --models-dir"


def _publish(models_dir: Path, kind: str, card: dict, suffix: str, write: Callable[[Path], object]) -> Path:
    """``publish_model``'s steps; an OSError leaves nothing of this call behind."""
    models_dir.mkdir(parents=True, exist_ok=True)
    rest = {k: v for k, v in card.items() if k not in ("kind", "created", "file", "versions", "sha256")}

    def complete(when: datetime, name: str, digest: str) -> dict:
        return {"kind": kind, "created": when.isoformat().replace("+00:00", "Z"), "file": name, **rest,
                "versions": card.get("versions", {}), "sha256": digest}

    when = datetime.now(UTC).replace(microsecond=0)
    why = card_problem(json.loads(json.dumps(complete(when, "-", "0" * 64), default=str)))
    if why:  # a bug in the caller: refuse before anything is written
        raise ArtifactError(f"the card of a new {kind} model is invalid ({why}); nothing was saved.")
    model_tmp = _temp(models_dir, f"storecast-{kind}{suffix}")
    card_tmp: Path | None = None
    try:
        write(model_tmp)
        ready_to_replace(model_tmp)  # mkstemp creates 0600; a new name gets 0644
        digest = file_sha256(model_tmp)
        for _ in range(_ATTEMPTS):
            path = models_dir / f"storecast-{kind}-{when.strftime(STAMP_FORMAT)}{suffix}"
            card_path = path.with_suffix(".json")
            card_tmp = _temp(models_dir, path.stem)
            card_tmp.write_text(_card_text(complete(when, path.name, digest)), encoding="utf-8")
            ready_to_replace(card_tmp)
            try:
                _link_exclusive(card_tmp, card_path)  # reserves the stem
            except FileExistsError:
                when += timedelta(seconds=1)
                continue
            finally:
                card_tmp.unlink(missing_ok=True)
            try:
                _link_exclusive(model_tmp, path, stem_held=True)
            except FileExistsError:  # a model file without a card holds this name: leave it, take the next
                card_path.unlink(missing_ok=True)
                when += timedelta(seconds=1)
                continue
            except BaseException:
                card_path.unlink(missing_ok=True)
                raise
            sync_folder(models_dir)  # the two new names on the disk too, not only the bytes they name
            return path
        raise ArtifactError(f"no free model file name in {models_dir} after {_ATTEMPTS} tries.")
    finally:
        model_tmp.unlink(missing_ok=True)
        if card_tmp is not None:  # interrupted between writing the card's temp file and linking it
            card_tmp.unlink(missing_ok=True)



def republish_model(path: Path, card: dict, write: Callable[[Path], object], into: Path) -> tuple[Path, str]:
    """Write a model file again under its own name, with its card (``sha256`` made the new file's), into ``into``.

    Returns the path written and its sha256 (the card's, hashed once from the bytes renamed into place).

    Why its own name: the stamp says when the model was trained, and the newest stamp is the model ``serve``
    picks; a file written again is the same model, not a newer one. Into its own folder the pair replaces the
    old one (both written first, then renamed: ``atomic_write_set``); into another folder, only where neither
    name is taken. Used by ``storecast models upgrade``.
    """
    target = into / path.name
    card_target = target.with_suffix(".json")
    if into.resolve() != path.parent.resolve():
        taken = [p.name for p in (target, card_target) if os.path.lexists(p)]
        if taken:
            raise ArtifactError(f"{into} already holds {' and '.join(taken)}: nothing was written; give another "
                                "folder, or none to rewrite the model file where it is.")
    digest: list[str] = []

    def model_file(tmp: Path) -> None:
        write(tmp)
        digest.append(file_sha256(tmp))

    def card_file(tmp: Path) -> None:  # written after the model file: its sha256 is known
        tmp.write_text(_card_text({**card, "sha256": digest[0]}), encoding="utf-8")

    try:
        into.mkdir(parents=True, exist_ok=True)
        atomic_write_set({target: model_file, card_target: card_file})
    except OSError as exc:
        raise ArtifactError(f"cannot write {target}: {exc.strerror or exc}; nothing was written: "
                            f"{_remedy(exc).replace('--models-dir', '--out')}.") from exc
    return target, digest[0]


def check_sha256(path: Path, card: dict) -> None:
    """Refuse a model file whose bytes are not those its card recorded, or that this user cannot read."""
    with open_checked(path, card):
        pass


def open_checked(path: Path, card: dict) -> BinaryIO:
    """``path`` opened for reading at its start, once its bytes hashed to the card's sha256; the caller closes it.

    Why an open file and not ``check_sha256`` then the path: a loader that opened the path again read whatever
    the name held by then, so a model file replaced in between (a deploy renaming a retrained model onto the
    served name) loaded under the card of the file that was checked. An open file keeps reading what was hashed
    through any rename or removal of its name.
    """
    try:
        fh = open(path, "rb")  # noqa: SIM115 - handed to the caller, who closes it
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    try:
        _compare(path, card, _sha256_of(fh))
        fh.seek(0)
    except ArtifactError:  # an OSError too: its own message, not "cannot be read (...): give read access"
        fh.close()
        raise
    except OSError as exc:  # a file of another user (mode 0600), or an I/O error: one line, not a traceback
        fh.close()
        raise _unreadable(path, exc) from exc
    except BaseException:
        fh.close()
        raise
    return fh


def _unreadable(path: Path, exc: OSError) -> ArtifactError:
    return ArtifactError(f"model file {path} cannot be read ({exc.strerror or exc}): give this user read access "
                         "to it (and its card), or run as its owner.")


def _compare(path: Path, card: dict, digest: str) -> None:
    if card.get("sha256") != digest:
        raise ArtifactError(
            f"model file {path} does not match its card (sha256 {digest[:12]}... != "
            f"{str(card.get('sha256'))[:12]}...): the file was modified or truncated; retrain or restore it.")
