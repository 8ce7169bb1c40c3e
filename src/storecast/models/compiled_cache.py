"""The compiled trees' cache: where its files lie beside a model, their sha256 record, and reading them back.

Why a module of its own: what makes loading object code safe is here, apart from compiling and probing
(``models.compiled``). Each booster's object ``<model stem>.<sha12>.<target8>[.m<i>].lleaves.o`` lies beside
the model file with its one-tree header (``.lleaves.txt``, what lleaves reads to load it) and a record
(``.lleaves.o.sha256``, ``sha256sum`` format: the object on the first line, the header on the second). A file
is read back only when its bytes hash to its record line; anything else is treated as absent, so it is
rebuilt (object) or rewritten (header), never loaded. Once a new object is written, the cache files of earlier
contents of the same model file (another sha12 in the name) are removed (``remove_stale``), and so are those of
model files no longer there (``remove_orphans``): nothing can load them.
"""

from __future__ import annotations

__all__ = ["COMPILE_FLAGS", "any_cache", "cache_path", "cached_bytes", "cached_header", "compile_target",
           "header_of", "keep_header", "object_problem", "orphaned_caches", "record_of", "remove_orphans",
           "remove_stale", "stale_caches", "write_cache"]

import functools
import glob
import hashlib
import logging
import os
import re
import stat
import struct
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from storecast.atomic import atomic_write_bytes, atomic_write_text
from storecast.publish import file_sha256

log = logging.getLogger("storecast.compiled")

# lleaves' compile flags. finline=False: each tree stays a function of its own; inlining them into the
# blocks made LLVM take 15 minutes and 13.4 GB per booster of the default model (1,200 trees x 127 leaves),
# without, 1 minute and 1.5 GB. fblocksize=150: trees are walked in blocks of 150 (cache blocking); a
# block of the whole forest is fastest for one row, small blocks for 1,000 rows, 150 is near the best of
# both (docs/benchmarks.md, "Compile flags").
COMPILE_FLAGS: dict[str, Any] = {"finline": False, "fblocksize": 150}


@functools.cache
def compile_target() -> str:
    """What compiled code depends on besides the model: library versions, compile flags and the CPU it targets.

    Asked once a process (about 0.7 ms: package metadata and LLVM's CPU query), not at every cache path.
    """
    import llvmlite.binding as llvm

    llvm.initialize_native_target()
    try:
        features = llvm.get_host_cpu_features().flatten()
    except RuntimeError:  # LLVM cannot read the features: lleaves then compiles without them too
        features = ""
    flags = " ".join(f"{k}={v}" for k, v in sorted(COMPILE_FLAGS.items()))
    return (f"lleaves {metadata.version('lleaves')} llvmlite {metadata.version('llvmlite')} {flags} "
            f"cpu {llvm.get_host_cpu_name()} {features}")


def cache_path(model_path: Path, model_sha256: str, member: int | None = None) -> Path:
    """``<model stem>.<sha12>.<target8>[.m<i>].lleaves.o`` beside the model; its record adds ``.sha256``.

    ``member`` numbers the boosters of an average of seeds (one object file each); None for a lone booster.
    """
    target = hashlib.sha256(compile_target().encode()).hexdigest()[:8]
    which = "" if member is None else f".m{member}"
    return model_path.with_name(f"{model_path.stem}.{model_sha256[:12]}.{target}{which}.lleaves.o")


def any_cache(model_path: Path, model_sha256: str) -> bool:
    """Whether any compiled object of this model (any target or member) lies beside it: a cheap first look."""
    return any(model_path.parent.glob(f"{glob.escape(model_path.stem)}.{model_sha256[:12]}.*.lleaves.o"))


def record_of(obj: Path) -> Path:
    return obj.with_name(obj.name + ".sha256")


def header_of(obj: Path) -> Path:
    """``.lleaves.o`` -> ``.lleaves.txt``: the booster's one-tree text, all lleaves reads to load the object."""
    return obj.with_suffix(".txt")


def cached_bytes(obj: Path, *, rebuild: bool = True, then: str | None = None) -> bytes | None:
    """The cached object's bytes when they hash to its record; None (and a log line when not absent) otherwise.

    ``rebuild``: whether the caller compiles when this is None (``STORECAST_COMPILE=1``); the log line says
    what happens next, so the default cache mode, which never compiles, does not promise a rebuild. ``then``:
    what happens next in the caller's words instead (``storecast models upgrade`` does not carry it over).
    """
    record = record_of(obj)
    if not obj.is_file() and not record.is_file():
        return None
    if then is None:
        then = ("rebuilding it" if rebuild else
                "not loaded; LightGBM's predictor serves (STORECAST_COMPILE=1 rebuilds it)")
    try:
        recorded = record.read_text(encoding="utf-8").split()
        data = obj.read_bytes()
    except OSError as exc:
        log.warning("compiled-trees cache %s is incomplete (%s cannot be read: %s): %s", obj.name,
                    Path(exc.filename or obj).name, exc.strerror or type(exc).__name__, then)
        return None
    except UnicodeDecodeError:
        recorded = []
    if not recorded:
        log.warning("compiled-trees cache %s has an empty or unreadable sha256 record (%s): %s", obj.name,
                    record.name, then)
        return None
    if hashlib.sha256(data).hexdigest() != recorded[0]:
        log.warning("compiled-trees cache %s does not match its recorded sha256 (tampered, truncated or stale): "
                    "%s", obj.name, then)
        return None
    if (why := object_problem(data)) is not None:
        log.warning("compiled-trees cache %s is not a loadable object file (%s): %s", obj.name, why, then)
        return None
    return data


def object_problem(data: bytes) -> str | None:
    """Why ``data`` is not a whole ELF object file, or None (also None off Linux: no ELF there to check).

    Why: LLVM aborts the whole process (no exception; a server dies with it) on bytes that are not an object
    file or whose sections run past its end, and the sha256 record cannot tell: a cache cut short or replaced
    and then re-recorded hashes to its record. So the ELF header and every section's extent are checked first.
    """
    if data[:4] != b"\x7fELF":
        return "no ELF header" if sys.platform.startswith("linux") else None
    if len(data) < 64 or data[4] != 2 or data[5] != 1:  # ELFCLASS64, little-endian: what LLVM builds here
        return "not a 64-bit little-endian ELF file"
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    if shentsize < 64 or shoff + shnum * shentsize > len(data):
        return "section header table past the end of the file"
    for i in range(shnum):
        sh_type, = struct.unpack_from("<I", data, shoff + i * shentsize + 4)
        offset, size = struct.unpack_from("<QQ", data, shoff + i * shentsize + 0x18)
        if sh_type != 8 and offset + size > len(data):  # 8: SHT_NOBITS (.bss) takes no room in the file
            return f"section {i} past the end of the file"
    return None


def cached_header(obj: Path) -> str | None:
    """The object's one-tree model text when the record's second line vouches for it, else None (quietly).

    A cache written before the header existed has a one-line record: it loads the usual way, after the
    booster, and gets its header then (``keep_header``).
    """
    header = header_of(obj)
    try:
        lines = record_of(obj).read_text(encoding="utf-8").split("\n")
        recorded = {name: digest for digest, _, name in (line.partition("  ") for line in lines)}
        data = header.read_bytes()
    except (OSError, UnicodeDecodeError):
        return None
    if recorded.get(header.name) != hashlib.sha256(data).hexdigest():
        return None
    return data.decode("utf-8")


def write_cache(obj_path: Path, obj: bytes, header: str) -> Path | None:
    """Object and header first, then their record, each atomically: a reader never trusts a file without a record."""
    try:
        atomic_write_bytes(obj_path, obj)
        keep_header(obj_path, obj, header, strict=True)
    except OSError as exc:
        log.info("compiled trees kept in memory: cannot write the cache beside the model (%s)", exc)
        return None
    return obj_path


def keep_header(obj_path: Path, obj: bytes, header: str, *, strict: bool = False) -> None:
    """Write the one-tree header beside the object, then the record of both (``sha256sum`` format, two lines)."""
    data = header.encode("utf-8")
    try:
        atomic_write_bytes(header_of(obj_path), data)
        atomic_write_text(record_of(obj_path), f"{hashlib.sha256(obj).hexdigest()}  {obj_path.name}\n"
                                                f"{hashlib.sha256(data).hexdigest()}  {header_of(obj_path).name}\n")
    except OSError:
        if strict:
            raise
        # a read-only models directory: the cache still loads the usual way


# every name cache_path, header_of and record_of give: <model stem>.<sha12>.<target8>[.m<i>].lleaves.(o|o.sha256|txt)
_CACHE_NAME = re.compile(r"(?P<stem>.+)\.(?P<sha>[0-9a-f]{12})\.[0-9a-f]{8}(?:\.m\d+)?\.lleaves\.(?:o|o\.sha256|txt)")


def _regular(entry: os.DirEntry) -> bool:
    try:
        return stat.S_ISREG(entry.stat(follow_symlinks=False).st_mode)
    except OSError:
        return False


def _our_caches(folder: Path) -> list[tuple[str, str, Path]]:
    """``(model stem, sha12, path)`` of each regular file in ``folder`` named exactly as ``cache_path``, ``header_of``
    and ``record_of`` name them (any target, any member); anything else, a link included, is never listed."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    return [(match["stem"], match["sha"], Path(entry.path)) for entry in entries
            if (match := _CACHE_NAME.fullmatch(entry.name)) is not None and _regular(entry)]


def stale_caches(model_path: Path, model_sha256: str) -> list[Path]:
    """The cache files beside ``model_path`` that belong to other contents of it: another sha12 in the name.

    Only regular files named exactly as ``cache_path``, ``header_of`` and ``record_of`` name them for this model's
    stem (any target, any member) are ours; anything else beside the model, a link included, is never listed.
    """
    return sorted(path for stem, sha, path in _our_caches(model_path.parent)
                  if stem == model_path.stem and sha != model_sha256[:12])


def orphaned_caches(folder: Path) -> dict[str, list[Path]]:
    """The cache files in ``folder`` whose model file (``<stem>.skops``, the only kind compiled) is not there, by stem.

    Only regular files named exactly as ``cache_path``, ``header_of`` and ``record_of`` name them count; a link
    (even one that leads nowhere) at the model's name keeps its caches, as does anything else beside them.
    """
    found: dict[str, list[Path]] = {}
    for stem, _, path in _our_caches(folder):
        if not os.path.lexists(folder / f"{stem}.skops"):
            found.setdefault(stem, []).append(path)
    return {stem: sorted(paths) for stem, paths in sorted(found.items())}


def remove_orphans(folder: Path) -> list[Path]:
    """Remove the caches of model files deleted from ``folder``; returns what was removed. Run beside
    ``remove_stale``, once a new cache is written there.

    Why: a model file deleted (an old model tidied away) left its objects (about 15 MiB a booster of the default
    model, three files each) for good, and nothing can load them without the file. Each model's are removed only
    while its file is still not there, looked at again just before: a deploy that deletes and then copies the
    file back keeps them when the copy came first. A file that cannot be removed is left, quietly.
    """
    removed, stems = [], []
    for stem, paths in orphaned_caches(folder).items():
        if os.path.lexists(folder / f"{stem}.skops"):
            continue
        for path in paths:
            try:
                path.unlink()
            except OSError:
                continue
            removed.append(path)
            stems += [stem] if stem not in stems else []
    if removed:
        log.info("removed %d compiled-trees cache file(s) of model files no longer there (%s): %s", len(removed),
                 ", ".join(f"{stem}.skops" for stem in stems), ", ".join(p.name for p in removed))
    return removed


def remove_stale(model_path: Path, model_sha256: str) -> list[Path]:
    """Remove the caches of earlier contents of ``model_path`` once its own is written; returns what was removed.

    Why: a cache is keyed by the model file's sha256, so when a file is replaced in place (a retrained model copied
    over ``models/prod.skops``) the old objects (about 15 MiB a booster of the default model) can never load again,
    and each replacement left three more files. Nothing is removed unless the file still hashes to
    ``model_sha256``: a server that compiled for minutes after loading must not remove the caches of the file
    that replaced the one it loaded. A file that cannot be removed is left, quietly.
    """
    stale = stale_caches(model_path, model_sha256)
    if not stale:
        return []
    try:
        if file_sha256(model_path) != model_sha256:
            return []
    except OSError:
        return []
    removed = []
    for path in stale:
        try:
            path.unlink()
        except OSError:
            continue
        removed.append(path)
    if removed:
        log.info("removed %d compiled-trees cache file(s) of earlier contents of %s (another sha256): %s",
                 len(removed), model_path.name, ", ".join(p.name for p in removed))
    return removed
