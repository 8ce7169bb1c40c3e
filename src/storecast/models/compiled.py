"""Compiled trees: a fitted LightGBM booster compiled to native code with ``lleaves``, cached beside its model file.

Why: LightGBM's generic predictor walks 1,200 trees through pointer-chasing loops; lleaves (LLVM) turns
each tree into straight branches, which predicts the same values several times faster (figures in
docs/benchmarks.md, "Compiled trees"). Why lleaves over treelite/tl2cgen: it needs no C compiler at run
time (llvmlite ships LLVM in its wheel), compiles this model faster and matches LightGBM to the last bit
on the real model; tl2cgen needs gcc on the serving machine.

How it is hooked in: ``install(booster, ...)`` shadows the fitted booster's ``predict`` with a
``CompiledTrees`` object for the one call inference makes (``SalesRegressor`` calls
``booster_.predict(X[, num_threads=1])`` on a float64 matrix); any other call goes to LightGBM. The
model file is never changed: the compiled code is a cache, never the model.

The cache, and why it is checked: loading object code executes it, so a cached object (``models.compiled_cache``:
its files, names and record) is loaded only when its bytes hash to the sha256 recorded beside it, and its name
carries the model file's sha256 and a hash of the compiler versions and the CPU it was built for (code built for
another CPU may not run here). A mismatch (tampered, truncated, stale) is logged, rebuilt and overwritten, never
loaded; a new object removes those of the model file's earlier contents (another sha256: a file replaced in
place), and those of model files deleted from the folder, which nothing can load again (``compiled_cache.remove_stale``,
``remove_orphans``). The record guards against corruption and
staleness, not against someone who can write the models directory (they could replace the model and its card as
well): keep that directory writable by the serving user only. A fresh compile then predicts a probe matrix built
from the model's own split thresholds both ways and falls back to LightGBM unless all rows agree to 1e-9 relative;
a cached object (checked that way when it was compiled) is loaded from its recorded one-tree header, without the
trees' text, and checked on random rows. ``preload`` starts that load in a thread while the model file is still
being read; the forest is installed only after the check against the loaded booster (docs/benchmarks.md).

When: ``STORECAST_COMPILE`` unset, every load uses a checked cache when one exists and never compiles
(compiling the default model's three boosters takes about 3 minutes and 1.5 GB, which a one-off
``storecast predict`` would not win back); ``storecast serve`` compiles in the background when there is
none, so the cache exists from a server's first start on. ``=1`` compiles at load, ``=0`` never uses
compiled trees. A missing lleaves or any error falls back to LightGBM's predictor with one log line.
"""

from __future__ import annotations

__all__ = ["ENV_VAR", "COMPILE_FLAGS", "CompiledTrees", "CompiledEnsemble", "compile_mode", "cache_path",
           "compile_booster", "compile_model", "booster_of", "boosters_of", "install", "preload", "MAX_REL_DIFF"]

import functools
import logging
import os
import re
import tempfile
import threading
import time
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from storecast.models.compiled_cache import (
    COMPILE_FLAGS,
    any_cache,
    cache_path,
    cached_bytes,
    cached_header,
    keep_header,
    remove_orphans,
    remove_stale,
    write_cache,
)

log = logging.getLogger("storecast.compiled")

ENV_VAR = "STORECAST_COMPILE"
MAX_REL_DIFF = 1e-9  # compiled and LightGBM predictions must agree this closely on the probe, else no swap
_OFF = ("0", "false", "no", "off")
_ON = ("1", "true", "yes", "on")
_WARNED: set[str] = set()  # unknown STORECAST_COMPILE values already warned about
_PROBE_ROWS = 512
_MAX_MEMBERS = 64  # boosters of an average of seeds looked for by preload (the default has 3)
_ZERO = float(np.float32(1e-35))  # LightGBM's kZeroThreshold (a float constant widened to double)
_PARALLEL_FROM = 2_000  # below this many rows one thread is faster than a thread pool (as in models.trees)


def compile_mode() -> str:
    """``STORECAST_COMPILE`` read as "on" (1/true/yes/on: compile when loading, or load the cache), "off"
    (0/false/no/off: LightGBM's predictor only) or "cache" (unset, empty, auto or cache: the default).

    Why "cache" by default: a checked cache costs nothing to use (it loads in a second), while compiling the
    default model's three boosters takes about 3 minutes and 1.5 GB, which a one-off ``storecast predict``
    would not win back. ``storecast serve`` therefore compiles in the background when no cache exists
    (``api.serving``), and every later load, of any command, picks the cache up.
    """
    value = os.environ.get(ENV_VAR, "").strip().lower()
    if value in _OFF:
        return "off"
    if value in _ON:
        return "on"
    if value not in ("", "auto", "cache") and value not in _WARNED:
        # a typo must not start minutes of compiling unasked: warn (once a value) and keep the default
        _WARNED.add(value)
        log.warning("%s=%r is not one of 1/true/yes/on, 0/false/no/off, auto/cache: using the default (cache)",
                    ENV_VAR, os.environ.get(ENV_VAR))
    return "cache"


@dataclass
class CompiledTrees:
    """Stands in for ``Booster.predict``: float64 matrices go to the compiled forest, anything else to LightGBM.

    Attributes
    ----------
    forest : lleaves.Model, compiled.
    fallback : the booster's own bound ``predict``.
    n_features : int, columns the forest reads.
    origin : str, "compiled" (this process built it) or "cache" (a checked cached file).
    cache : Path or None, the cached object file (None when it could not be written).
    seconds : float, what compiling or loading took.
    """

    forest: Any = field(repr=False)
    fallback: Any = field(repr=False)
    n_features: int
    origin: str
    cache: Path | None
    seconds: float

    def __call__(self, data, *args, num_threads: int | None = None, **kwargs) -> np.ndarray:
        """``Booster.predict(data[, num_threads=...])``; other arguments or inputs go to LightGBM."""
        if (args or kwargs or not isinstance(data, np.ndarray) or data.dtype != np.float64 or data.ndim != 2
                or data.shape[1] != self.n_features or not data.shape[0]):
            if num_threads is not None:
                kwargs["num_threads"] = num_threads
            return self.fallback(data, *args, **kwargs)
        n_jobs = 1 if num_threads == 1 or data.shape[0] < _PARALLEL_FROM else _usable_cpus()
        return self.forest.predict(_snap_zeros(data), n_jobs=n_jobs)


@functools.cache
def _usable_cpus() -> int:
    """The CPUs this process may run on, the count LightGBM's and scikit-learn's ``n_jobs=-1`` resolve to.

    Why not ``os.cpu_count()``: it counts the machine's CPUs, those a ``taskset``, cpuset or container CPU
    quota keeps the process off included, so a large batch ran more threads than it had cores. joblib's count
    honours the affinity mask, the cgroup quota and ``LOKY_MAX_CPU_COUNT``. Each row is predicted whole by one
    thread, so the forecasts do not depend on it. Read once per process (cached): joblib reads the cgroup
    files again on every call, and this runs on every large prediction.
    """
    from joblib import cpu_count

    return max(int(cpu_count()), 1)


def _snap_zeros(X: np.ndarray) -> np.ndarray:
    """``X`` with values of magnitude up to LightGBM's ``kZeroThreshold`` (1e-35) set to 0, C-contiguous.

    Why: LightGBM reads such a value as zero (its "missing: zero" branch), lleaves compares it with the
    threshold as it is; snapping them first makes both take the same branch. Real features never hold
    them, so this is two counts per call (zeros and near-zeros: equal unless one lies in between; no gather of the
    many exact zeros of the flag columns, a third of the time on test.csv) and a copy only when one is found.
    """
    near = np.abs(X) <= _ZERO
    if np.count_nonzero(near) != np.count_nonzero(X == 0):
        X = np.where(near, 0.0, X)
    return np.ascontiguousarray(X)


def _thresholds(model_text: str, n_features: int) -> list[np.ndarray]:
    """Each feature's split thresholds, read from the model text (what a probe must straddle)."""
    per: list[list[float]] = [[] for _ in range(n_features)]
    feats = re.findall(r"^split_feature=(.*)$", model_text, flags=re.M)
    thrs = re.findall(r"^threshold=(.*)$", model_text, flags=re.M)
    for f_line, t_line in zip(feats, thrs, strict=False):
        for f, t in zip(f_line.split(), t_line.split(), strict=False):
            per[int(f)].append(float(t))
    return [np.unique(np.asarray(v, dtype=np.float64)) for v in per]


def _probe(model_text: str, n_features: int, rows: int = _PROBE_ROWS) -> np.ndarray:
    """Rows whose values sit on, just below and just above the model's split thresholds, and some NaN.

    Why thresholds: a compiled comparison that differs from LightGBM's (``<=`` vs ``<``, float32 vs
    float64) shows only for values at a threshold, which random data almost never hits.
    """
    rng = np.random.default_rng(0)
    X = np.empty((rows, n_features))
    for j, thr in enumerate(_thresholds(model_text, n_features)):
        if not len(thr):
            X[:, j] = rng.normal(size=rows)
            continue
        pick = thr[rng.integers(0, len(thr), rows)]
        step = rng.integers(-1, 2, rows)  # on, one ulp below or one ulp above the threshold
        X[:, j] = np.where(step < 0, np.nextafter(pick, -np.inf), np.where(step > 0, np.nextafter(pick, np.inf), pick))
    X[rng.random(X.shape) < 0.05] = np.nan
    return X


def _random_probe(n_features: int, rows: int = 64) -> np.ndarray:
    """Random rows on scales from 0.1 to 1,000 (the features' ranges), some NaN: a cheap check of a cached object."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(rows, n_features)) * 10.0 ** rng.integers(-1, 4, size=(rows, n_features))
    X[rng.random(X.shape) < 0.05] = np.nan
    return X


def _max_rel_diff(a: np.ndarray, ref: np.ndarray) -> float:
    return float(np.max(np.abs(a - ref) / np.maximum(np.abs(ref), np.finfo(float).tiny), initial=0.0))


def _forest(model_text: str, obj: bytes | None) -> tuple[Any, bytes]:
    """A compiled lleaves model: from ``obj`` (checked bytes) when given, else compiled now; and its object bytes.

    The checked bytes are copied into a private directory for lleaves to read, so what is loaded is what was
    hashed, whatever happens to the cache file meanwhile.
    """
    import lleaves

    with tempfile.TemporaryDirectory(prefix="storecast-lleaves-") as tmp:  # private: mode 0700
        txt, cache = Path(tmp) / "model.txt", Path(tmp) / "forest.o"
        txt.write_text(model_text, encoding="utf-8")
        if obj is not None:
            cache.write_bytes(obj)
        forest = lleaves.Model(model_file=str(txt))
        forest.compile(cache=str(cache), **COMPILE_FLAGS)  # reads cache when present, else compiles, writes it
        return forest, obj if obj is not None else cache.read_bytes()


def preload(model_path: Path, model_sha256: str, *, after: Callable[[], object] | None = None,
            ) -> Callable[[], dict[int | None, tuple[Any, Path]]] | None:
    """Start loading this model's checked cached objects in a thread; the callable waits and returns them by member.

    Why: loading a cached object into LLVM (about 0.15 s a booster of the default model) needs the object and
    its one-tree header, not the booster, and runs mostly outside the GIL; so it overlaps the skops import and
    load that must come first (``artifacts.trees.load_tree_bundle``). ``compile_model(preloaded=...)`` still
    checks each forest against its own booster on probe rows before installing it. None when there is
    nothing to preload (compiling off, no cache beside the model); a member whose object or header does not
    check out is left out, and loads the usual way. ``after``: called first in the thread (the model file's
    sha256 check); when it raises, nothing is loaded.
    """
    if compile_mode() == "off" or not any_cache(model_path, model_sha256):
        return None
    found: dict[int | None, tuple[Any, Path]] = {}

    def run() -> None:
        try:
            if after is not None:
                after()
            for member in (None, *range(_MAX_MEMBERS)):
                obj_path = cache_path(model_path, model_sha256, member)
                if not obj_path.is_file():
                    if member is not None:
                        break
                    continue
                header = cached_header(obj_path)
                obj = cached_bytes(obj_path, rebuild=compile_mode() == "on") if header is not None else None
                if obj is not None and header is not None:
                    found[member] = (_forest(header, obj)[0], obj_path)
        except Exception as exc:  # an optimisation only: compile_model then loads the usual way
            log.debug("compiled trees not preloaded (%s: %s)", type(exc).__name__, exc)

    thread = threading.Thread(target=run, name="storecast-preload-trees")
    thread.start()

    def wait() -> dict[int | None, tuple[Any, Path]]:
        thread.join()
        return found

    return wait


def compile_booster(booster: Any, *, model_path: Path | None = None, model_sha256: str | None = None,
                    member: int | None = None, cache_only: bool = False,
                    preloaded: tuple[Any, Path] | None = None) -> CompiledTrees | None:
    """Compile ``booster`` (or load its checked cache); None, with one log line, when that is impossible.

    Parameters
    ----------
    booster : lightgbm.Booster
        The fitted booster whose ``predict`` the result replaces.
    model_path, model_sha256 : Path and hex str, optional
        The model file and its (already verified) sha256: with both, the compiled object is cached beside
        the file and reused by the next load; without, it is compiled in memory only.
    member : int, optional
        Which booster of an average of seeds this is (its own cache file).
    cache_only : bool
        Load a checked cache or nothing: None, quietly, when there is no valid cache (never compiles).
    preloaded : (forest, object path), optional
        This booster's cached object, already loaded by ``preload``: only the probe is left to do.
    """
    start = time.perf_counter()
    if preloaded is not None:
        ready = _checked(booster, *preloaded, start)
        if ready is not None:
            return ready
    if cache_only and not (model_path and model_sha256 and any_cache(model_path, model_sha256)):
        return None  # nothing to load: no lleaves import, no LLVM start-up (the usual load without a cache)
    try:
        import lleaves  # noqa: F401 - only to know it is there
    except ImportError:
        log.log(logging.DEBUG if cache_only else logging.INFO, "compiled trees off: lleaves is not installed "
                "(pip install 'storecast[fast]'); using LightGBM's predictor")
        return None
    try:
        obj_path = cache_path(model_path, model_sha256, member) if model_path and model_sha256 else None
        cached = cached_bytes(obj_path, rebuild=not cache_only) if obj_path else None  # read and hashed once
        if cache_only and cached is None:
            return None
        n_features = booster.num_feature()
        lightgbm = types.MethodType(type(booster).predict, booster)  # the method, even when one is installed
        if cached is None:
            text = booster.model_to_string()
            probe = _probe(text, n_features)
        else:
            # A cached object needs only the model text's header and tail (lleaves reads the feature and
            # class counts there and skips the trees when loading a cache): one tree's text instead of 1,200
            # (0.5 s a booster). It was checked on the threshold probe when compiled and is bound to this
            # model by its name and sha256 record, so a random probe is enough to catch a wrong object.
            text = booster.model_to_string(num_iteration=1)
            probe = _random_probe(n_features)
        forest, obj = _forest(text, cached)
        diff = _max_rel_diff(forest.predict(_snap_zeros(probe), n_jobs=1), lightgbm(probe, num_threads=1))
    except Exception as exc:  # compiling is an optimisation: any failure must leave LightGBM serving
        log.warning("compiled trees off: compiling the booster failed (%s: %s); using LightGBM's predictor",
                    type(exc).__name__, exc)
        return None
    if not diff <= MAX_REL_DIFF:
        log.warning("compiled trees off: they differ from LightGBM by %.1e relative on the probe rows (limit "
                    "%.0e); using LightGBM's predictor", diff, MAX_REL_DIFF)
        return None
    if obj_path is not None and cached is None:
        obj_path = write_cache(obj_path, obj, booster.model_to_string(num_iteration=1))
        if obj_path is not None and model_path is not None and model_sha256 is not None:
            remove_stale(model_path, model_sha256)  # the objects of the file's earlier contents: never loaded again
            remove_orphans(model_path.parent)  # and those of model files deleted from the folder
    elif obj_path is not None and cached_header(obj_path) is None:
        keep_header(obj_path, obj, text)  # a cache from before headers: preloadable from the next load on
    origin = "cache" if cached is not None else "compiled"
    took = time.perf_counter() - start
    log.info("compiled trees on (%s, %.1f s): %s", origin, took, obj_path.name if obj_path else "in memory")
    return CompiledTrees(forest, lightgbm, n_features, origin, obj_path, took)


def _checked(booster: Any, forest: Any, obj_path: Path, start: float) -> CompiledTrees | None:
    """A preloaded forest as this booster's ``CompiledTrees`` when it agrees with LightGBM on random rows, else None."""
    n_features = booster.num_feature()
    lightgbm = types.MethodType(type(booster).predict, booster)
    try:
        probe = _random_probe(n_features)
        same = forest.num_feature() == n_features and _max_rel_diff(
            forest.predict(_snap_zeros(probe), n_jobs=1), lightgbm(probe, num_threads=1)) <= MAX_REL_DIFF
    except Exception:  # the usual path then loads (and logs) it again
        return None
    if not same:
        return None
    took = time.perf_counter() - start
    log.info("compiled trees on (cache, preloaded, %.1f s): %s", took, obj_path.name)
    return CompiledTrees(forest, lightgbm, n_features, "cache", obj_path, took)


def install(booster: Any, compiled: CompiledTrees) -> None:
    """Make ``booster.predict`` the compiled forest (an instance attribute shadowing the method)."""
    booster.predict = compiled


def _tree_of(model: Any) -> Any:
    """The fitted tree model inside a ConformalRegressor (-> pipeline -> SalesRegressor), or None."""
    pipe = getattr(model, "estimator_", None)
    steps = getattr(pipe, "steps", None) or [(None, None)]
    return getattr(steps[-1][1], "estimator_", None)


@dataclass
class CompiledEnsemble:
    """The compiled boosters of an average of LightGBM seeds, one ``CompiledTrees`` installed on each."""

    members: list[CompiledTrees]

    @property
    def origin(self) -> str:
        """"cache" when every member came from its checked cache, else "compiled"."""
        return "cache" if all(m.origin == "cache" for m in self.members) else "compiled"

    @property
    def seconds(self) -> float:
        return sum(m.seconds for m in self.members)

    @property
    def cache(self) -> Path | None:
        """The first member's object file (each member has its own, ``.m<i>.`` in the name)."""
        return self.members[0].cache if self.members else None


def boosters_of(model: Any) -> list[Any]:
    """Every LightGBM booster of a fitted tree model: one, or each seed's of an average; [] for a forest."""
    from storecast.models.trees import tree_members

    tree = _tree_of(model)
    if tree is None:
        return []
    found = []
    for member in tree_members(tree):
        try:
            booster = getattr(member, "booster_", None)
        except Exception:  # lightgbm's not-fitted error: nothing to compile
            booster = None
        if booster is None:
            return []
        found.append(booster)
    return found


def booster_of(model: Any) -> Any | None:
    """The one LightGBM booster of a fitted tree model; None for a forest or an average of seeds."""
    found = boosters_of(model)
    return found[0] if len(found) == 1 else None


def compile_model(model: Any, *, model_path: Path | None = None, model_sha256: str | None = None,
                  mode: str | None = None,
                  preloaded: Callable[[], dict[int | None, tuple[Any, Path]]] | None = None,
                  ) -> CompiledTrees | CompiledEnsemble | None:
    """Compile and install the booster(s) of a fitted tree model; None when off, a forest, or impossible.

    ``mode`` (default ``compile_mode()``): "on" compiles what has no cache, "cache" installs only boosters
    whose checked cache exists (all of them or none), "off" does nothing.

    An average of LightGBM seeds gets each booster compiled (and cached) on its own; the average is then
    taken as before, over the compiled predictions. All or nothing: if one member cannot be compiled, every
    member keeps LightGBM's predictor. Why only LightGBM: lleaves compiles LightGBM models only. The
    RandomForest kind keeps scikit-learn's predictor (treelite could import it, but its deep trees make gcc
    take minutes: docs/benchmarks.md).
    """
    mode = compile_mode() if mode is None else mode
    early = preloaded() if preloaded is not None else {}  # waited for in any case: no thread left running
    if mode == "off":
        return None
    cache_only = mode == "cache"
    boosters = boosters_of(model)
    if not boosters:
        return None
    if len(boosters) == 1:
        compiled = compile_booster(boosters[0], model_path=model_path, model_sha256=model_sha256,
                                   cache_only=cache_only, preloaded=early.get(None))
        if compiled is not None:
            install(boosters[0], compiled)
        return compiled
    members = []
    for i, booster in enumerate(boosters):
        one = compile_booster(booster, model_path=model_path, model_sha256=model_sha256, member=i,
                              cache_only=cache_only, preloaded=early.get(i))
        if one is None:
            if not cache_only:
                log.warning("compiled trees off for all %d boosters of the average: booster %d could not be "
                            "compiled", len(boosters), i)
            return None
        members.append(one)
    for booster, one in zip(boosters, members, strict=True):
        install(booster, one)
    ensemble = CompiledEnsemble(members)
    log.info("compiled trees on for the average of %d LightGBM models (%.1f s)", len(members), ensemble.seconds)
    return ensemble
