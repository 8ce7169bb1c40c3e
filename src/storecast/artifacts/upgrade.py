"""``storecast models upgrade``: a tree model file of an older format written again in the current one.

Why: files saved before each seed's booster was written once (``artifacts.trees._as_written``) hold every
booster's model text twice, in a file twice the size that is read and parsed twice at every load. The model is
loaded with every check of ``load_bundle`` and written back as it is (its own key facts, its card less the
sha256, its name and stamp), so nothing about it changes but its bytes.

The compiled trees' cache (``models.compiled_cache``) is carried over: it is keyed by the model file's sha256,
which the upgrade changes, so serve and predict would compile every booster again (minutes on the full model).
Safe because the rest of its key stays true: the object is compiled from a booster's trees alone, each member
keeps its place in the average (``member``), and the compile target (versions, flags, CPU) is this machine's.
The old object is carried only when it passes the cache's own check (``cached_bytes``: its sha256 record and
a whole ELF file; the old file's sha256 was checked against its card by the load); it is written under the new
key atomically, with its one-tree header made again from the booster; every load still checks it on probe
rows. Once carried, the old key's files (about 15 MiB a booster) go as a compile's do (``remove_stale``: those
of the file's earlier contents, and only while the file still hashes to what was written): nothing loads them
again, and no compile comes to remove them after a carry. With ``--out`` the source's caches lie beside the
source, which is left as it was, so they stay.
"""

from __future__ import annotations

__all__ = ["upgrade_model"]

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from storecast.atomic import atomic_write_bytes
from storecast.errors import ArtifactError

log = logging.getLogger("storecast.compiled")

# in the schema of a file whose average of seeds kept its named members: each booster written twice
_MEMBERS_TWICE = "sklearn.utils._bunch.Bunch"


def upgrade_model(path: str | Path, into: str | Path | None = None) -> Path:
    """Write the tree model file ``path`` in the current format, in place or into the folder ``into``.

    Returns
    -------
    The path written: ``path`` itself (a symbolic link's target), or ``into`` / its name.

    Raises
    ------
    ArtifactError
        Not a tree model file, one that does not load (the loader's reason), one saved with other package
        versions than those installed, one already in the current format, or a name taken in ``into``.
    """
    from storecast.artifacts.bundle import version_drift
    from storecast.artifacts.files import followed, require_model_file
    from storecast.artifacts.trees import _as_written, load_tree_bundle
    from storecast.publish import republish_model

    path = followed(require_model_file(Path(path)))
    _check_suffix(path)
    bundle = load_tree_bundle(path, compiled=False)  # compiled trees are a cache beside the file, never in it
    import skops.io as sio  # imported by the load, without the modules it never needs (``trees._skops_io``)

    drift = version_drift(bundle.card)
    if drift:  # written again here, the card's versions would say this install trained it
        said = ", ".join(f"{name} {saved} -> {now}" for name, (saved, now) in sorted(drift.items()))
        raise ArtifactError(f"model file {path} was saved with other package versions than those installed ({said}): "
                            "upgrade it where its card's versions are installed, or retrain it with `storecast "
                            "train`; nothing was written.")
    if _MEMBERS_TWICE not in sio.get_untrusted_types(file=path):
        raise ArtifactError(f"model file {path} is already in the current format (each booster written once): "
                            "nothing to upgrade.")
    card = {**bundle.card, "upgraded": {"from_sha256": bundle.card["sha256"],
                                        "at": datetime.now(UTC).replace(microsecond=0).isoformat()}}
    written = _as_written(bundle.model, None)  # the facts the file holds, as it holds them
    # the sha256 of the bytes renamed into place (the card's): the new cache key
    target, sha256 = republish_model(path, card, lambda tmp: sio.dump(written, tmp),
                                     Path(into) if into else path.parent)
    _carry_compiled(bundle.model, path, str(bundle.card["sha256"]), target, sha256)
    return target


def _check_suffix(path: Path) -> None:
    """Refuse what is no tree model file before anything is read: an LSTM's tensors, a card, any other file."""
    if path.suffix == ".skops":
        return
    if path.suffix == ".pt":
        raise ArtifactError(f"model file {path} is an LSTM: its tensors are written once already; nothing to "
                            "upgrade (only tree models, .skops, saved before each booster was written once).")
    model = path.with_suffix(".skops")
    hint = f" {path.name} is the card of {model}: give the model file itself." if (
        path.suffix == ".json" and model.is_file()) else ""
    raise ArtifactError(f"{path} is not a tree model file: expected a .skops file `storecast train` saved.{hint}")


def _carry_compiled(model: Any, old: Path, old_sha256: str, new: Path, new_sha256: str) -> list[Path]:
    """Copy each booster's checked compiled object from the old file's cache key to the new one's, then remove
    the caches of ``new``'s earlier contents (``remove_stale``; in place, the old key's).

    Returns the objects written. A member whose old object is absent or fails its check is left out (logged
    by the check): the next ``serve`` compiles it as usual. A cache that cannot be written is only logged:
    the upgrade itself is done.
    """
    from storecast.models.compiled import boosters_of
    from storecast.models.compiled_cache import any_cache, cache_path, cached_bytes, keep_header, remove_stale

    if not any_cache(old, old_sha256):  # no llvmlite import when there is nothing to carry
        return []
    boosters = boosters_of(model)
    carried = []
    try:
        for i, booster in enumerate(boosters):
            member = None if len(boosters) == 1 else i
            source = cache_path(old, old_sha256, member)
            # its sha256 record and ELF extents; None, said in one log line, when absent or not whole
            obj = cached_bytes(source, then=f"not carried over to {new.name}; serve compiles it again")
            if obj is None:
                continue
            target = cache_path(new, new_sha256, member)
            atomic_write_bytes(target, obj)
            keep_header(target, obj, booster.model_to_string(num_iteration=1), strict=True)
            carried.append(target)
    except Exception as exc:  # an optimisation only (no llvmlite, a read-only folder): the upgrade is done
        log.info("compiled trees not carried over to %s (%s: %s): serve compiles them again", new.name,
                 type(exc).__name__, exc)
        return carried
    if carried:
        log.info("carried %d compiled booster(s) over to %s: %s", len(carried), new.name,
                 ", ".join(p.name for p in carried))
        remove_stale(new, new_sha256)  # beside ``new`` only: with --out, the source's stay with the source
    return carried
