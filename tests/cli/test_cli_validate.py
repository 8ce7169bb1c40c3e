"""`storecast validate` as a user runs it: a summary when good, one clear message and exit 2 when not.

Every bad-input kind of ``test_contract.BAD`` goes through ``storecast.cli.main`` in-process (fast); a few
also run the installed console script, to prove the real entry point prints no traceback.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from contract_support import BAD, write_good
from storecast.cli import app

STORECAST = str(Path(sys.executable).parent / "storecast")


def _flat(text: str) -> str:
    """Without any whitespace: rich wraps long lines wherever the terminal width says."""
    return "".join(text.split())


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return write_good(tmp_path / "data")



def _script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([STORECAST, *args], capture_output=True, text=True, timeout=120,
                          env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_every_bad_input_kind_exits_2_with_file_line_column(run_main, data_dir, case):
    bad = BAD[case]
    bad.edit(data_dir)
    code, out, err = run_main("validate", "--data", str(data_dir))
    assert code == 2
    assert "error:" in err
    assert _flat(str(data_dir / bad.where)) in _flat(err)
    assert "Traceback" not in err + out


def test_good_files_print_a_summary_per_file(run_main, data_dir):
    code, out, err = run_main("validate", "--data", str(data_dir))
    assert code == 0
    text = " ".join((out + err).split())
    assert "all files valid" in text
    assert "train.csv │ 7 │ 3 │ 2015-06-14 │ 2015-06-19" in text
    assert "test.csv │ 4 │ 3 │ 2015-09-16 │ 2015-09-17" in text
    assert "store.csv │ 3 │ 3" in text and "store_states.csv" in text


def test_the_states_row_counts_that_files_own_rows(run_main, data_dir):
    """external/store_states.csv may list a store store.csv lacks: its row showed store.csv's 3, not its own 4."""
    from storecast import schema as s

    (data_dir / s.STATES_FILE).write_text("Store,State\n1,HE\n2,TH\n3,NW\n4,BY\n")
    code, out, err = run_main("validate", "--data", str(data_dir))
    assert code == 0
    text = " ".join((out + err).split())
    assert "store.csv │ 3 │ 3" in text and "store_states.csv │ 4 │ 4" in text


def test_the_summary_names_the_files_read_parquet_too(run_main, tmp_path):
    from storecast.data.synth_writer import write_chain

    chain = write_chain(tmp_path / "pq", n_stores=4, start="2015-01-01", end="2015-01-31", test_days=3,
                        chunk_stores=2, fmt="parquet")
    code, out, err = run_main("validate", "--data", str(chain))
    assert code == 0
    text = " ".join((out + err).split())
    assert "train/ │ 124 │ 4 │ 2015-01-01 │ 2015-01-31" in text
    assert "test.parquet │ 12 │ 4" in text and "store.parquet │ 4 │ 4" in text
    assert "train.csv" not in text and "test.csv" not in text and "store.csv" not in text


def test_validate_needs_test_csv(run_main, data_dir):
    (data_dir / "test.csv").unlink()
    code, _, err = run_main("validate", "--data", str(data_dir))
    assert code == 2 and "test.csv: file not found" in " ".join(err.split())


def test_data_one_folder_too_high_names_the_folder_below(run_main, tmp_path):
    """`--data ../shared` for `../shared/rossmann` was "file not found" thrice, with no word of where they are."""
    data = write_good(tmp_path / "rossmann")
    code, _, err = run_main("validate", "--data", str(tmp_path))
    assert code == 2
    assert f"train.csv: file not found: expected train.csv here, found {data / 'train.csv'}: pass --data {data}" in (
        " ".join(err.split()))
    write_good(tmp_path / "other")  # two folders below hold the files: which one is meant is a guess, not said
    code, _, err = run_main("validate", "--data", str(tmp_path))
    assert code == 2 and "train.csv: file not found: expected train.csv here (see --data)" in " ".join(err.split())


def test_missing_directory_is_a_clear_error(run_main, tmp_path):
    code, _, err = run_main("validate", "--data", str(tmp_path / "nowhere"))
    assert code == 2 and "data directory not found" in err


def test_cli_runner_sees_the_contract_error_itself(data_dir):
    """Without ``main`` the error is not turned into a message: CliRunner gets the exception object."""
    BAD["negative Sales"].edit(data_dir)
    result = CliRunner().invoke(app, ["validate", "--data", str(data_dir)])
    assert result.exit_code == 1
    assert ("train.csv, line 5, column `Sales`: expected a whole number 0..2147483647, got '-20'"
            in str(result.exception))


def test_console_script_prints_a_summary_and_logs_with_v(data_dir):
    result = _script("-v", "validate", "--data", str(data_dir))
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stderr.split())
    assert "all files valid" in text
    assert "read and validated" in text and "train.csv: 7 rows in" in text
    assert "1 rows have no Open value (first on line 3)" in text


@pytest.mark.parametrize("case", ["gzip bytes", "missing column", "Store missing from store.csv",
                                  "DayOfWeek not matching Date"])
def test_console_script_reports_without_a_traceback(data_dir, case):
    bad = BAD[case]
    bad.edit(data_dir)
    result = _script("validate", "--data", str(data_dir))
    assert result.returncode == 2
    assert "error: " in result.stderr
    assert _flat(bad.where) in _flat(result.stderr)
    assert "Traceback" not in result.stderr
