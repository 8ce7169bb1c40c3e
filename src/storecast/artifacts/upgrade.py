"""``storecast models upgrade``: a tree model file of an older format written again in the current one.

Why: files saved before each seed's booster was written once (``artifacts.trees._as_written``) hold every
booster's model text twice, in a file twice the size that is read and parsed twice at every load. The model is
loaded with every check of ``load_bundle`` and written back as it is (its own key facts, its card less the
sha256, its name and stamp), so nothing about it changes but its bytes.
"""

from __future__ import annotations

__all__ = ["upgrade_model"]

from datetime import UTC, datetime
from pathlib import Path

from storecast.errors import ArtifactError

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
    return republish_model(path, card, lambda tmp: sio.dump(written, tmp), Path(into) if into else path.parent)


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
