"""A complete model file for tests that only list or pick models: bytes plus a valid card whose sha256 matches."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


def complete_model_file(folder: Path, name: str, data: bytes = b"model bytes") -> Path:
    """``folder/name`` with a matching card: complete for ``latest_model``/``models list``, not loadable."""
    path = folder / name
    path.write_bytes(data)
    card = {"kind": name.split("-")[1], "created": "2015-01-01T00:00:00Z", "file": name,
            "sha256": hashlib.sha256(data).hexdigest(), "versions": {}}
    path.with_suffix(".json").write_text(json.dumps(card))
    return path
