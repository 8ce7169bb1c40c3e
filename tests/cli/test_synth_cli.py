"""`storecast synth`: a chain of any size, CSV or partitioned parquet, the same bytes for the same arguments."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from storecast import schema as s
from storecast.data import synth_writer
from storecast.data.contract import load_dataset
from storecast.data.synth_writer import write_chain

SMALL = ["--stores", "25", "--start", "2015-01-01", "--end", "2015-03-31", "--test-days", "7", "--chunk-stores", "10"]


def _digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_parquet_chain_is_partitioned_by_store_blocks_and_passes_the_contract(run_main, tmp_path):
    code, out, _ = run_main("synth", *SMALL, "--format", "parquet", "--out", str(tmp_path))
    assert code in (0, None) and out.strip() == str(tmp_path)
    parts = sorted((tmp_path / "train").glob("part-*.parquet"))
    assert [p.name for p in parts] == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    blocks = [set(pd.read_parquet(p)[s.STORE]) for p in parts]
    assert blocks == [set(range(1, 11)), set(range(11, 21)), set(range(21, 26))]
    ds = load_dataset(tmp_path, require_test=True)
    assert ds.store[s.STORE].tolist() == list(range(1, 26))
    assert ds.test[s.ID].tolist() == list(range(1, len(ds.test) + 1))  # Ids run on across chunks
    assert ds.train[s.STORE].nunique() == 25 and ds.train[s.DATE].max() == pd.Timestamp("2015-03-31")


def test_csv_and_parquet_chains_hold_the_same_rows(tmp_path):
    write_chain(tmp_path / "csv", n_stores=25, start="2015-01-01", end="2015-03-31", test_days=7, chunk_stores=10)
    write_chain(tmp_path / "pq", n_stores=25, start="2015-01-01", end="2015-03-31", test_days=7, chunk_stores=10,
                fmt="parquet")
    a, b = load_dataset(tmp_path / "csv"), load_dataset(tmp_path / "pq")
    key = [s.STORE, s.DATE]
    pd.testing.assert_frame_equal(a.train.sort_values(key).reset_index(drop=True),
                                  b.train.sort_values(key).reset_index(drop=True))
    pd.testing.assert_frame_equal(a.store, b.store)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_same_stores_seed_and_chunk_size_give_the_same_bytes(tmp_path, fmt):
    args = {"n_stores": 12, "start": "2015-01-01", "end": "2015-02-28", "test_days": 5, "chunk_stores": 5, "fmt": fmt}
    first = _digest(write_chain(tmp_path / "a", seed=3, **args))
    assert first == _digest(write_chain(tmp_path / "b", seed=3, **args))
    assert first != _digest(write_chain(tmp_path / "c", seed=4, **args))


def test_a_bad_format_or_date_is_one_line_and_exit_2(run_main, tmp_path):
    code, _, err = run_main("synth", "--stores", "3", "--format", "xlsx", "--out", str(tmp_path))
    assert code == 2 and "--format" in err
    code, _, err = run_main("synth", "--stores", "3", "--start", "2015-03-01", "--end", "2015-01-01",
                            "--out", str(tmp_path))
    assert code == 2 and "`--end` (2015-01-01) must come after `--start` (2015-03-01)" in " ".join(err.split())


def test_test_days_past_the_last_date_the_contract_accepts_are_refused(run_main, tmp_path):
    """test.csv dated 2100 was written, and every command then refused the chain, 48 lines at a time."""
    code, _, err = run_main("synth", "--stores", "3", "--start", "2099-11-01", "--end", "2099-12-01",
                            "--out", str(tmp_path / "data"))
    assert code == 2 and ("`--end` (2099-12-01) plus `--test-days` (48) runs to 2100-01-18, past 2099-12-31"
                          in " ".join(err.split()))
    assert not (tmp_path / "data").exists()
    code, _, _ = run_main("synth", "--stores", "3", "--start", "2099-11-01", "--end", "2099-12-01",
                          "--test-days", "30", "--out", str(tmp_path / "data"))
    assert code == 0 and load_dataset(tmp_path / "data").test[s.DATE].max() == pd.Timestamp("2099-12-31")



def test_synth_help_names_the_date_range_the_contract_accepts(run_main):
    """--start and --end said only YYYY-MM-DD; 1999 or an --end near 2100 was refused with no hint in --help."""
    code, out, _ = run_main("synth", "--help")
    text = " ".join(out.replace("│", " ").split())
    assert code == 0 and str(s.MIN_DATE) in text and str(s.MAX_DATE) in text

@pytest.fixture
def second_chunk_fails(monkeypatch):
    """The disk fills up while the second chunk of stores of a run is made."""
    made = []

    def make(**kwargs):
        made.append(kwargs)
        if len(made) % 2 == 0:  # the second chunk of each run
            raise OSError(28, "No space left on device")
        return real(**kwargs)

    real = synth_writer.make_synthetic
    monkeypatch.setattr(synth_writer, "make_synthetic", make)
    return made


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_failed_run_leaves_no_part_of_its_chain_behind(run_main, tmp_path, fmt, request):
    """An older chain stays whole (never a new train beside an old store file); a new directory never appears."""
    old = write_chain(tmp_path / "data", n_stores=25, start="2015-01-01", end="2015-03-31", test_days=7,
                      chunk_stores=10, fmt=fmt)
    (old / "notes.txt").write_text("kept", encoding="utf-8")
    before = _digest(old)
    request.getfixturevalue("second_chunk_fails")
    for out in (old, tmp_path / "new"):
        with pytest.raises(OSError, match="No space"):
            run_main("synth", *SMALL, "--seed", "7", "--format", fmt, "--out", str(out), "--overwrite")
    assert _digest(old) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # no temporary directory left either


def test_a_new_chain_replaces_its_own_files_and_keeps_the_others(tmp_path):
    """The other format's files and the user's stay; a test.csv the new chain has not (``test_days=0``) goes."""
    data = write_chain(tmp_path / "data", n_stores=6, start="2015-01-01", end="2015-01-31", test_days=5,
                       chunk_stores=4, fmt="parquet")
    write_chain(data, n_stores=6, start="2015-01-01", end="2015-01-31", test_days=5, chunk_stores=4)
    (data / "external" / "notes.txt").write_text("kept", encoding="utf-8")
    write_chain(data, n_stores=3, start="2015-02-01", end="2015-02-28", test_days=0, chunk_stores=4)
    assert sorted(p.relative_to(data).as_posix() for p in data.rglob("*") if p.is_file()) == [
        "external/notes.txt", "external/store_states.csv", "store.csv", "store.parquet", "test.parquet",
        "train.csv", "train/part-00000.parquet", "train/part-00001.parquet"]
    assert pd.read_csv(data / s.STORE_FILE)[s.STORE].tolist() == [1, 2, 3]


@pytest.mark.parametrize(("args", "said"), [
    (["--start", "2015/01/01"], "`--start` must look like YYYY-MM-DD"),
    (["--end", "01/02/2015"], "`--end` must look like YYYY-MM-DD"),  # never read as 2 January
    (["--start", "2015-W01-1"], "`--start` must look like YYYY-MM-DD"),
    (["--start", "2015-02-30"], "`--start` must be a calendar date; got '2015-02-30' (day is out of range"),
    (["--end", "2015-13-01"], "`--end` must be a calendar date; got '2015-13-01' (month must be in 1..12)"),
    (["--seed", "-1"], "--seed"),
])
def test_dates_and_seed_are_checked_as_options_before_any_work(run_main, tmp_path, args, said):
    code, _, err = run_main("synth", "--stores", "3", *args, "--out", str(tmp_path / "data"))
    assert code == 2 and said in " ".join(err.replace("│", " ").split())  # the message as one line, box undone
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize(("fmt", "files"), [
    ("csv", "external/store_states.csv, store.csv, test.csv, train.csv"),
    ("parquet", "external/store_states.csv, store.parquet, test.parquet, train/"),
])
def test_an_existing_chain_is_kept_unless_overwrite_is_given(run_main, tmp_path, fmt, files):
    """Was overwritten without a word: `--out` pointed at a data folder by mistake lost its files."""
    data = write_chain(tmp_path / "data", n_stores=6, start="2015-01-01", end="2015-01-31", test_days=5,
                       chunk_stores=4, fmt=fmt)
    before = _digest(data)
    code, _, err = run_main("synth", *SMALL, "--format", fmt, "--out", str(data))
    assert code == 2 and err.count("\n") == 1, err
    assert f"error: --out: {data} already holds a data set: {files} would be replaced" in err, err
    assert "--overwrite" in err and _digest(data) == before
    code, out, err = run_main("synth", *SMALL, "--format", fmt, "--out", str(data), "--overwrite")
    assert code in (0, None) and out.strip() == str(data), err
    assert load_dataset(data).store[s.STORE].tolist() == list(range(1, 26))


def test_an_empty_folder_or_one_without_a_chain_is_written_into(run_main, tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("kept", encoding="utf-8")
    for out in (tmp_path / "empty", tmp_path / "other"):
        code, _, err = run_main("synth", *SMALL, "--out", str(out))
        assert code in (0, None), err
        assert load_dataset(out).store[s.STORE].nunique() == 25
    assert (tmp_path / "other" / "notes.txt").read_text(encoding="utf-8") == "kept"


def test_synth_needs_only_out(run_main, tmp_path):
    """`storecast synth --out DIR`, the first thing a newcomer types, was "Missing option '--stores'"."""
    code, out, err = run_main("synth", "--out", str(tmp_path), "--start", "2015-01-01", "--end", "2015-01-31",
                              "--test-days", "3")
    assert code in (0, None), err
    assert pd.read_csv(tmp_path / "store.csv")[s.STORE].tolist() == list(range(1, 31))  # the demo's 30 stores
    # was the directory alone: stdout keeps it, for scripts; stderr says what was written and what comes next
    assert out.strip() == str(tmp_path)
    assert " ".join(err.split()) == (f"wrote 30 stores, 2015-01-01..2015-01-31 in train and 3 days after it in test, "
                                     f"to {tmp_path}; next: storecast validate --data {tmp_path}")
