"""Write a synthetic chain of any size in store chunks, so memory stays flat as the number of stores grows.

Why chunks of `make_synthetic`: one call holds days x stores arrays for every column, which for 55,750
stores x 990 days is tens of GB. Here each chunk of ``chunk_stores`` stores is generated on its own,
renumbered after the stores written before it, and written out before the next one is made. A chunk's seed
is drawn from ``seed`` and the chunk's position, so the same (``n_stores``, ``seed``, ``chunk_stores``) gives
the same bytes. The result is not the same chain as one ``make_synthetic(n_stores)`` call: its per-store
draws depend on the number of stores it is given, so chunked and one-shot chains differ for N > chunk size.

Parquet output: ``train/part-00000.parquet``, ... one file per chunk (a block of consecutive stores, the
partitions the Dask engine fits on); store, test and states are single files like in the CSV layout.

Whole files only: the chain is written into a hidden folder inside ``out_dir`` and its files renamed into place
at the end, so an interrupted or failed run never leaves a partial train.csv beside an older store.csv. The
directory's other files (the other format's chain, a models/ folder...) are never touched.
"""

from __future__ import annotations

__all__ = ["write_chain", "chain_files_in", "FORMATS", "CHUNK_STORES"]

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.data.synthetic import SyntheticData, _csv_text, _write_text, make_synthetic

FORMATS = ("csv", "parquet")
CHUNK_STORES = 1_000  # ~1M train rows per chunk at 942 days: about 0.5 GB while it is generated
TRAIN_DIR = "train"
# the files a chain of each format is made of: an existing directory's copies are replaced, never kept
_OWN = {"csv": {s.TRAIN_FILE, s.STORE_FILE, s.TEST_FILE, s.STATES_FILE},
        "parquet": {"store.parquet", "test.parquet", s.STATES_FILE}}


def chain_files_in(out_dir: str | Path, fmt: str) -> list[str]:
    """The files (and ``train/`` folder) of a ``fmt`` chain already in ``out_dir``: what `write_chain` replaces.

    Why here: the one list of a chain's files (``_OWN``) decides both what a new chain replaces and what
    ``storecast synth`` warns about before replacing it.
    """
    root = Path(out_dir)
    found = sorted(name for name in _OWN[fmt] if (root / name).is_file())
    if fmt == "parquet" and (root / TRAIN_DIR).is_dir():
        found.append(f"{TRAIN_DIR}/")
    return found


def _chunk_seed(seed: int, index: int) -> int:
    """A well-mixed seed per chunk: neighbouring chunks get unrelated streams."""
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


def _chunks(n_stores: int, chunk_stores: int, start: str, end: str, test_days: int,
            seed: int) -> Iterator[SyntheticData]:
    """Each chunk's frames with Store renumbered after the previous chunks (Id is renumbered by the writer)."""
    for index, first in enumerate(range(0, n_stores, chunk_stores)):
        n = min(chunk_stores, n_stores - first)
        data = make_synthetic(n_stores=n, start=start, end=end, test_days=test_days, seed=_chunk_seed(seed, index))
        for df in (data.train, data.store, data.test, data.states):
            df[s.STORE] = (df[s.STORE].astype("int64") + first).astype("int32")
        yield data


def _parquet_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Kaggle's text codes kept as text (StateHoliday "0", PromoInterval) so the contract reads them the same."""
    out = df.copy()
    for col in (s.STATE_HOLIDAY, s.STORE_TYPE, s.ASSORTMENT):
        if col in out:
            out[col] = out[col].astype(str)
    return out


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    _parquet_frame(df).to_parquet(tmp, index=False, engine="pyarrow")
    tmp.replace(path)


def _append_csv(df: pd.DataFrame, name: str, path: Path, first: bool) -> None:
    text = _csv_text(df, name)
    if not first:
        text = text.split("\n", 1)[1]  # the header once, at the top
    with path.open("w" if first else "a", encoding="utf-8", newline="") as fh:
        fh.write(text)


def write_chain(out_dir: str | Path, *, n_stores: int, start: str = "2013-01-01", end: str = "2015-07-31",
                test_days: int = 48, seed: int = 0, fmt: str = "csv", chunk_stores: int = CHUNK_STORES,
                progress: Callable[[int, int], None] | None = None) -> Path:
    """Write the Kaggle layout for ``n_stores`` stores, one chunk of stores at a time.

    Parameters
    ----------
    out_dir : str or Path
        Directory to write into (created when missing); the chain's files are put in place at the end, files
        of the other format and any others not part of the chain are left alone.
    n_stores : int
        Stores in the chain (numbered 1..n_stores).
    start, end, test_days, seed
        As for `make_synthetic`; ``seed`` seeds every chunk through `numpy.random.SeedSequence`.
    fmt : {"csv", "parquet"}
        "csv": train.csv, store.csv, test.csv; "parquet": train/part-NNNNN.parquet (one per chunk),
        store.parquet, test.parquet. external/store_states.csv is CSV in both.
    chunk_stores : int
        Stores generated at a time: peak memory grows with it, not with ``n_stores``.
    progress : callable(done, total), optional
        Told the number of stores written after each chunk.

    Returns
    -------
    Path
        ``out_dir``, readable by `storecast.data.contract.load_dataset` (and the Dask engine).
    """
    if fmt not in FORMATS:
        raise ValueError(f"`fmt` must be one of {FORMATS}; got {fmt!r}.")
    if n_stores < 1 or chunk_stores < 1:
        raise ValueError(f"`n_stores` and `chunk_stores` must be >= 1; got {n_stores}, {chunk_stores}.")
    root = Path(out_dir)
    if root.exists() and not root.is_dir():
        raise ValueError(f"{root} is a file, not a directory: give a directory (it is made when missing).")
    made = not root.exists()
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".synth-", dir=root))  # inside: same file system, renames never copy
    try:
        _write_into(work, n_stores, start, end, test_days, seed, fmt, chunk_stores, progress)
        _move_into_place(work, root, fmt)
    except BaseException:
        shutil.rmtree(root if made else work, ignore_errors=True)  # a directory this run made goes with it
        raise
    shutil.rmtree(work, ignore_errors=True)
    return root


def _write_into(root: Path, n_stores: int, start: str, end: str, test_days: int, seed: int, fmt: str,
                chunk_stores: int, progress: Callable[[int, int], None] | None) -> None:
    """The chain, chunk by chunk, into the empty directory ``root``."""
    (root / s.STATES_FILE).parent.mkdir(parents=True, exist_ok=True)
    train_dir = root / TRAIN_DIR
    if fmt == "parquet":
        train_dir.mkdir(exist_ok=True)
    stores, tests, states = [], [], []
    next_id, done = 1, 0
    for index, data in enumerate(_chunks(n_stores, chunk_stores, start, end, test_days, seed)):
        test = data.test
        test[s.ID] = np.arange(next_id, next_id + len(test), dtype="int64")
        next_id += len(test)
        if fmt == "parquet":
            _write_parquet(data.train, train_dir / f"part-{index:05d}.parquet")
            tests.append(test)
        else:
            _append_csv(data.train, s.TRAIN_FILE, root / s.TRAIN_FILE, index == 0)
            if len(test):
                _append_csv(test, s.TEST_FILE, root / s.TEST_FILE, index == 0)
        stores.append(data.store)
        states.append(data.states)
        done += len(data.store)
        if progress is not None:
            progress(done, n_stores)
    store = pd.concat(stores, ignore_index=True)
    state_table = pd.concat(states, ignore_index=True)
    _write_text(root / s.STATES_FILE, _csv_text(state_table, s.STATES_FILE))
    if fmt == "parquet":
        _write_parquet(store, root / "store.parquet")
        test = pd.concat(tests, ignore_index=True)
        if len(test):
            _write_parquet(test, root / "test.parquet")
    else:
        _write_text(root / s.STORE_FILE, _csv_text(store, s.STORE_FILE))


def _move_into_place(work: Path, root: Path, fmt: str) -> None:
    """Rename the finished chain's files from ``work`` onto their places in ``root``; nothing else is touched.

    Why file by file: the user's other files in ``root`` (the other format's chain, notes, models) stay as they
    are, and each chain file appears whole (a rename). The chain's own files that the new chain lacks (test.csv
    with ``test_days=0``) go, and so does the train/ folder of an earlier parquet chain (its parts must not
    outlive it): it is moved into ``work`` and removed with it.
    """
    for name in _OWN[fmt]:
        if not (work / name).exists():
            (root / name).unlink(missing_ok=True)
    if fmt == "parquet":
        if (root / TRAIN_DIR).is_dir():
            os.replace(root / TRAIN_DIR, work / f".old-{TRAIN_DIR}")
        os.replace(work / TRAIN_DIR, root / TRAIN_DIR)
    for name in sorted(_OWN[fmt]):  # store before test before train.csv: a reader sees the stores first
        if (work / name).exists():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(work / name, root / name)
