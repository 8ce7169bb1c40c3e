"""Parquet input: train.parquet or a train/ directory of parts, under the same contract as train.csv."""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from storecast import schema as s
from storecast.data.contract import data_file, load_dataset, load_rows, load_train, train_files
from storecast.data.synth_writer import write_chain
from storecast.errors import DataContractError


@pytest.fixture(scope="module")
def chain(tmp_path_factory) -> Path:
    """12 stores in 3 parquet parts, two months."""
    return write_chain(tmp_path_factory.mktemp("pq"), n_stores=12, start="2015-01-01", end="2015-02-28",
                       test_days=5, chunk_stores=4, fmt="parquet")


def _copy(chain: Path, tmp_path: Path) -> Path:
    import shutil

    return Path(shutil.copytree(chain, tmp_path / "data"))


def test_a_parts_directory_and_one_parquet_file_load_alike(chain, tmp_path):
    parts = load_train(chain / "train")
    single = tmp_path / "train.parquet"
    pd.concat([pd.read_parquet(p) for p in sorted((chain / "train").glob("*.parquet"))]).to_parquet(single)
    pd.testing.assert_frame_equal(parts, load_train(single))
    assert parts.index.equals(pd.RangeIndex(len(parts)))


def test_a_malformed_partition_names_the_file_row_and_column(chain, tmp_path):
    data = _copy(chain, tmp_path)
    part = data / "train" / "part-00001.parquet"
    df = pd.read_parquet(part)
    df.loc[4, s.SALES] = -3  # row 5 of the file
    df.loc[6, s.STATE_HOLIDAY] = "x"  # row 7
    df.to_parquet(part, index=False)
    with pytest.raises(DataContractError) as err:
        load_dataset(data)
    assert str(err.value).splitlines()[0] == (
        f"{part}, row 5, column `Sales`: expected a whole number 0..2147483647, got '-3': correct the value or "
        "remove the row")
    assert [(p.file, p.column) for p in err.value.problems] == [
        (f"{part}, row 5", s.SALES), (f"{part}, row 7", s.STATE_HOLIDAY)]


def test_a_missing_column_and_a_file_that_is_not_parquet(chain, tmp_path):
    data = _copy(chain, tmp_path)
    part = data / "train" / "part-00000.parquet"
    pd.read_parquet(part).drop(columns=[s.PROMO]).to_parquet(part, index=False)
    (data / "train" / "part-00002.parquet").write_text("Store,Date\n1,2015-01-01\n")
    with pytest.raises(DataContractError) as err:
        load_train(data / "train")
    found = [(Path(p.file).name, p.column, p.line) for p in err.value.problems]
    assert ("part-00000.parquet", s.PROMO, None) in found
    assert ("part-00002.parquet", None, None) in found  # every part is checked, all problems at once
    assert "not a parquet file" in str(err.value)


def test_a_column_of_lists_names_the_file_and_column(chain, tmp_path):
    """pandas cannot compare list cells: this used to end in ``TypeError: unhashable type`` (a traceback)."""
    data = _copy(chain, tmp_path)
    part = data / "train" / "part-00001.parquet"
    df = pd.read_parquet(part)
    df[s.SALES] = [[v] for v in df[s.SALES]]
    df.to_parquet(part, index=False)
    with pytest.raises(DataContractError) as err:
        load_dataset(data)
    assert [(p.file, p.column) for p in err.value.problems] == [(str(part), s.SALES)]
    assert "expected one value per row, got a column of type list<element: int64>" in str(err.value)


def test_a_repeated_key_points_at_the_first_row(chain, tmp_path):
    data = _copy(chain, tmp_path)
    part = data / "train" / "part-00000.parquet"
    df = pd.read_parquet(part)
    pd.concat([df, df.iloc[[2]]], ignore_index=True).to_parquet(part, index=False)
    with pytest.raises(DataContractError, match=r"first on row 3: remove one"):
        load_dataset(data)


def test_predict_rows_from_a_parquet_file_in_either_layout(chain):
    rows = load_rows(chain / "test.parquet")
    assert list(rows.columns) == list(s.TEST_COLUMNS) and len(rows) == 12 * 5
    past = load_rows(chain / "train" / "part-00000.parquet")  # train's layout: Sales dropped, Id = row number
    assert past[s.ID].tolist() == list(range(1, len(past) + 1))


def test_the_csv_layout_wins_when_both_are_present(chain, tmp_path, caplog):
    """CSV first, as before, but no longer silently: a stale train.csv beside fresh parts was read without a word.
    The warning names both and the one read, once, however often the folder is looked at."""
    data = _copy(chain, tmp_path)
    write_chain(data, n_stores=12, start="2015-01-01", end="2015-01-31", test_days=0, chunk_stores=4)
    with caplog.at_level(logging.WARNING):
        assert load_dataset(data).train[s.DATE].max() == pd.Timestamp("2015-01-31")
        assert train_files(data) == [data / s.TRAIN_FILE] and load_train(data_file(data, s.TRAIN_FILE)) is not None
    said = [r.getMessage() for r in caplog.records if "holds both train" in r.getMessage()]
    assert said == [f"{data}: holds both train.csv and train/; reading train.csv (remove or rename the one that is "
                    "stale)"]


def test_a_folder_with_one_train_layout_says_nothing_of_a_choice(chain, caplog):
    with caplog.at_level(logging.WARNING):
        assert data_file(chain, s.TRAIN_FILE) == chain / "train"
    assert not [r for r in caplog.records if "holds both" in r.getMessage()]


def test_predict_reads_test_parquet_when_the_data_directory_has_no_test_csv(run_main, chain, model_path, tmp_path):
    """`storecast predict --data DIR` with DIR in the parquet layout: test.parquet is the default input."""
    assert not (chain / s.TEST_FILE).exists() and (chain / "test.parquet").is_file()
    out = tmp_path / "forecast.csv"
    code, _, err = run_main("predict", "--model", str(model_path), "--data", str(chain), "--out", str(out))
    assert code == 0, err
    forecast = pd.read_csv(out)
    assert forecast[s.ID].tolist() == load_rows(chain / "test.parquet")[s.ID].tolist()


def test_predict_never_writes_over_a_parquet_input(run_main, chain, model_path, tmp_path):
    data = _copy(chain, tmp_path)
    before = (data / "test.parquet").read_bytes()
    code, _, err = run_main("predict", "--model", str(model_path), "--data", str(data),
                            "--out", str(data / "test.parquet"))
    assert code == 2 and "input" in err
    assert (data / "test.parquet").read_bytes() == before


def test_text_columns_in_a_parquet_file_follow_the_csv_rules(chain, tmp_path):
    """Sales written as text: Unicode digits and "1_0" are refused, "12.0" is 12; a Date "2015-1-2" is refused."""
    data = _copy(chain, tmp_path)
    part = data / "train" / "part-00000.parquet"
    df = pd.read_parquet(part)
    df[s.SALES] = df[s.SALES].astype(str)
    df[s.DATE] = df[s.DATE].dt.strftime("%Y-%m-%d")
    good_date = df.loc[5, s.DATE]
    df.loc[2, s.SALES] = "\u0661\u0662"  # row 3
    df.loc[3, s.SALES] = "1_0"  # row 4
    df.loc[4, s.SALES] = "12.0"  # row 5: accepted
    df.loc[5, s.DATE] = "2015-1-2"  # row 6
    df.to_parquet(part, index=False)
    with pytest.raises(DataContractError) as err:
        load_train(data / "train")
    assert [(p.file, p.column) for p in err.value.problems] == [
        (f"{part}, row 3", s.SALES), (f"{part}, row 4", s.SALES), (f"{part}, row 6", s.DATE)]
    df.loc[[2, 3], s.SALES], df.loc[5, s.DATE] = "7", good_date
    df.to_parquet(part, index=False)
    assert load_train(part)[s.SALES].iloc[4] == 12


def test_a_promo_interval_written_another_way_reads_as_in_a_csv_file(chain, tmp_path, caplog):
    """The same rule as store.csv's: Kaggle's spelling, one warning naming the first row, the file untouched."""
    data = _copy(chain, tmp_path)
    path = data / "store.parquet"
    df = pd.read_parquet(path)
    kaggle = df[s.PROMO_INTERVAL].copy()
    with_p2 = df.index[df[s.PROMO_INTERVAL].notna()]
    df.loc[with_p2[0], s.PROMO_INTERVAL] = " " + df.loc[with_p2[0], s.PROMO_INTERVAL].lower().replace(",", ", ")
    df.loc[with_p2[1], s.PROMO_INTERVAL] = df.loc[with_p2[1], s.PROMO_INTERVAL].upper()
    df.to_parquet(path, index=False)
    before = path.read_bytes()
    with caplog.at_level(logging.WARNING, logger="storecast"):
        store = load_dataset(data).store
    assert store[s.PROMO_INTERVAL].fillna("").tolist() == kaggle.fillna("").tolist()
    (warned,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warned.startswith(f"{path}, row {with_p2[0] + 1}, column `{s.PROMO_INTERVAL}`: ")
    assert "(2 row(s) in all" in warned
    assert path.read_bytes() == before
    df.loc[with_p2[0], s.PROMO_INTERVAL] = "Jan,Feb"
    df.to_parquet(path, index=False)
    with pytest.raises(DataContractError, match=rf"row {with_p2[0] + 1}, column `PromoInterval`: expected empty"):
        load_dataset(data)


def test_a_column_saved_as_pandas_index_is_read_as_the_column_it_is(chain, tmp_path):
    """``df.set_index("Store").to_parquet()`` keeps Store as a column of the file, which pandas turns back into
    the index: the contract then met a frame without Store, a KeyError traceback (a chunked read: "column is
    missing" for a column the file has)."""
    from storecast.batch import iter_rows

    part = chain / "train" / "part-00000.parquet"
    moved = tmp_path / "train.parquet"
    pd.read_parquet(part).set_index(s.STORE).to_parquet(moved)
    pd.testing.assert_frame_equal(load_train(moved), load_train(part))
    rows = tmp_path / "rows.parquet"
    pd.read_parquet(chain / "test.parquet").set_index(s.STORE).to_parquet(rows)
    chunks = pd.concat(iter_rows(rows, chunk_rows=7))
    assert chunks[s.STORE].tolist() == load_rows(chain / "test.parquet")[s.STORE].tolist()


def test_a_timestamp_with_a_time_of_day_is_refused_and_a_zones_date_is_its_own(chain, tmp_path):
    """Parquet timestamps were cut to their day without a word (13:00 passed, as no CSV line may), and a
    zone-aware one was read in UTC: midnight in Berlin became the day before, and its DayOfWeek "wrong"."""
    from storecast.batch import iter_rows

    part = chain / "train" / "part-00000.parquet"
    df = pd.read_parquet(part)
    timed, zoned = tmp_path / "timed.parquet", tmp_path / "zoned.parquet"
    df.assign(**{s.DATE: df[s.DATE].mask(df.index == 4, df[s.DATE] + pd.Timedelta(hours=13))}).to_parquet(timed)
    with pytest.raises(DataContractError) as err:
        load_train(timed)
    assert [(p.file, p.column) for p in err.value.problems] == [(f"{timed}, row 5", s.DATE)]
    assert re.search(r"written YYYY-MM-DD, got '2015-\d\d-\d\d 13:00:00'", str(err.value))
    df.assign(**{s.DATE: df[s.DATE].dt.tz_localize("Europe/Berlin")}).to_parquet(zoned)
    pd.testing.assert_frame_equal(load_train(zoned), load_train(part))
    test = pd.read_parquet(chain / "test.parquet")
    test[s.DATE] = test[s.DATE].dt.tz_localize("Europe/Berlin")
    test.to_parquet(zoned)
    assert pd.concat(iter_rows(zoned, chunk_rows=7))[s.DATE].tolist() == \
        load_rows(chain / "test.parquet")[s.DATE].tolist()
    test[s.DATE] = test[s.DATE].dt.tz_convert("UTC")  # 23:00 the day before: refused, not read as that day
    test.to_parquet(zoned)
    with pytest.raises(DataContractError, match=r"column `Date`: expected a date .* got '20\d\d-\d\d-\d\d "
                       r"23:00:00\+00:00' .* on row 1, and not one of the [\d,]+ rows holds such a value") as chunked:
        list(iter_rows(zoned, chunk_rows=7))
    with pytest.raises(DataContractError) as whole:  # every Date: one problem for the column, as a whole read says
        load_rows(zoned)
    assert [str(p) for p in chunked.value.problems] == [str(p) for p in whole.value.problems]


def test_a_column_named_twice_in_a_parquet_file_is_named_as_in_a_csv_header(chain, tmp_path):
    """pyarrow writes it, but read_table refused it with its whole schema as the message (14 lines)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(chain / "train" / "part-00000.parquet")
    twice = tmp_path / "train.parquet"
    pq.write_table(pa.table([*table.columns, table.column(s.SALES)], names=[*table.column_names, s.SALES]), twice)
    with pytest.raises(DataContractError) as err:
        load_train(twice)
    assert [(p.file, p.column, p.message) for p in err.value.problems] == [
        (str(twice), s.SALES, "column appears more than once: keep one of them")]


@pytest.mark.parametrize("name", ["rows.pq", "ROWS.PARQUET", "rows.Pq"])
def test_a_parquet_file_named_pq_or_in_capitals_is_read_as_parquet(chain, tmp_path, name):
    """``predict --input rows.pq`` streamed the file as parquet, while ``load_rows`` (one piece, and each part of
    ``--engine dask``) took it for CSV text: "a parquet file, not CSV text". One rule now: ``is_parquet``."""
    from storecast.data.contract import is_parquet

    renamed = tmp_path / name
    renamed.write_bytes((chain / "test.parquet").read_bytes())
    assert is_parquet(renamed)
    pd.testing.assert_frame_equal(load_rows(renamed), load_rows(chain / "test.parquet"))


def test_a_parts_directory_reads_a_part_named_pq_as_the_others(chain, tmp_path):
    data = _copy(chain, tmp_path)
    (data / "train" / "part-00001.parquet").rename(data / "train" / "part-00001.PQ")
    pd.testing.assert_frame_equal(load_train(data / "train"), load_train(chain / "train"))


def test_predict_input_named_pq_writes_the_parquet_forecasts(run_main, chain, model_path, tmp_path):
    forecasts = {}
    for name in ("rows.parquet", "rows.pq", "ROWS.PARQUET"):
        rows, out = tmp_path / name, tmp_path / f"{name}.csv"
        rows.write_bytes((chain / "test.parquet").read_bytes())
        code, _, err = run_main("predict", "--model", str(model_path), "--data", str(chain), "--input", str(rows),
                                "--out", str(out))
        assert code == 0, err
        forecasts[name] = out.read_bytes()
    assert forecasts["rows.pq"] == forecasts["ROWS.PARQUET"] == forecasts["rows.parquet"]


def test_codes_in_capitals_or_with_spaces_read_as_in_a_csv_file(chain, tmp_path, caplog):
    """StoreType, Assortment and StateHoliday follow PromoInterval's rule in parquet too: one warning per column
    and file, naming the first row, the files untouched."""
    data = _copy(chain, tmp_path)
    store_path, part = data / "store.parquet", data / "train" / "part-00001.parquet"
    store, train = pd.read_parquet(store_path), pd.read_parquet(part)
    store.loc[[2, 5], s.STORE_TYPE] = store.loc[[2, 5], s.STORE_TYPE].str.upper()
    store.loc[4, s.ASSORTMENT] = f" {store.loc[4, s.ASSORTMENT]} "
    train.loc[6, s.STATE_HOLIDAY] = train.loc[6, s.STATE_HOLIDAY].upper() + "\t"
    store.to_parquet(store_path, index=False)
    train.to_parquet(part, index=False)
    before = store_path.read_bytes(), part.read_bytes()
    with caplog.at_level(logging.WARNING, logger="storecast"):
        read = load_dataset(data)
    kaggle = load_dataset(chain)
    pd.testing.assert_frame_equal(read.store, kaggle.store)
    pd.testing.assert_frame_equal(read.train, kaggle.train)
    warned = [r.getMessage() for r in caplog.records if "Kaggle's spelling" in r.getMessage()]
    assert [w.split(": ")[0] for w in warned] == [f"{store_path}, row 3, column `StoreType`",
                                                  f"{store_path}, row 5, column `Assortment`",
                                                  f"{part}, row 7, column `StateHoliday`"]
    assert "(2 row(s) in all written with other spaces or letter case)" in warned[0]
    assert (store_path.read_bytes(), part.read_bytes()) == before


@pytest.mark.parametrize("chunk_rows", [None, 7])  # the file contract (load_rows), and predict's chunked read
def test_an_id_saved_only_as_pandas_index_says_so(chain, tmp_path, chunk_rows):
    """``df.set_index("Id").to_parquet()`` of ids 1..n keeps Id as a RangeIndex in the file's pandas metadata, no
    column: "column is missing: Id" was all the message said, about a column its writer sees in pandas."""
    from storecast.batch import iter_rows

    test = pd.read_parquet(chain / "test.parquet")
    assert test[s.ID].tolist() == list(range(1, len(test) + 1))
    indexed = tmp_path / "rows.parquet"
    test.set_index(s.ID).to_parquet(indexed)
    with pytest.raises(DataContractError) as err:
        load_rows(indexed) if chunk_rows is None else list(iter_rows(indexed, chunk_rows))
    (problem,) = err.value.problems
    assert (problem.file, problem.line, problem.column) == (str(indexed), None, s.ID)
    assert problem.message.startswith("column is missing: expected the columns Id, Store, ")
    assert problem.message.endswith("; Id is saved as the file's pandas index, not as a column: write it as one, "
                                    "with df.reset_index().to_parquet(path) or df.to_parquet(path, index=True)")
    test.set_index(s.ID).reset_index().to_parquet(indexed)  # the two ways the message gives both work
    pd.testing.assert_frame_equal(load_rows(indexed), load_rows(chain / "test.parquet"))
    test.set_index(s.ID).to_parquet(indexed, index=True)
    pd.testing.assert_frame_equal(load_rows(indexed), load_rows(chain / "test.parquet"))


def test_a_missing_column_that_is_no_index_gets_no_index_hint(chain, tmp_path):
    rows = tmp_path / "rows.parquet"
    pd.read_parquet(chain / "test.parquet").drop(columns=[s.PROMO]).to_parquet(rows)
    with pytest.raises(DataContractError) as err:
        load_rows(rows)
    (problem,) = err.value.problems
    assert problem.column == s.PROMO and "index" not in problem.message


@pytest.mark.parametrize("chunk_rows", [None, 7])  # the file contract (load_rows), and predict's chunked read
def test_a_state_holiday_of_floats_is_refused_as_a_csv_cell_0_0_is(chain, tmp_path, chunk_rows):
    """StateHoliday saved as floats (0.0): read whole, the file became "0" and passed, while the chunked read
    refused it ("got 0.0"). A CSV cell "0.0" is refused, so both reads refuse the float too."""
    from storecast.batch import iter_rows

    test = pd.read_parquet(chain / "test.parquet")
    as_csv = tmp_path / "rows.csv"
    test.assign(**{s.DATE: test[s.DATE].dt.strftime("%Y-%m-%d"), s.STATE_HOLIDAY: "0.0"}).to_csv(as_csv, index=False)
    with pytest.raises(DataContractError, match=r"got '0\.0'"):
        load_rows(as_csv)
    floats = tmp_path / "rows.parquet"
    test.assign(**{s.STATE_HOLIDAY: 0.0}).to_parquet(floats, index=False)
    with pytest.raises(DataContractError) as err:
        load_rows(floats) if chunk_rows is None else list(iter_rows(floats, chunk_rows))
    first = err.value.problems[0]
    assert first.column == s.STATE_HOLIDAY
    assert re.search(r"row 1\b.*got '?0\.0'?", f"{first.file} {first.message}")


def test_a_day_in_two_parts_names_both_parts(chain, tmp_path):
    """Each part was checked on its own: a day written into two parts passed and was trained on twice."""
    data = _copy(chain, tmp_path)
    first, later = data / "train" / "part-00000.parquet", data / "train" / "part-00002.parquet"
    again = pd.read_parquet(first).iloc[[4]]
    pd.concat([pd.read_parquet(later), again], ignore_index=True).to_parquet(later, index=False)
    n = len(pd.read_parquet(later))
    with pytest.raises(DataContractError) as err:
        load_dataset(data)
    store, date = again[s.STORE].iat[0], pd.Timestamp(again[s.DATE].iat[0])
    assert [(p.file, p.column) for p in err.value.problems] == [(f"{later}, row {n}", "Store/Date")]
    assert (f"expected each (Store, Date) once in train/, got (Store={store}, Date={date:%Y-%m-%d}) again, first "
            "in part-00000.parquet row 5: remove one of the two rows") in str(err.value)


@pytest.mark.parametrize("chunk_rows", [None, 7])  # the file contract (load_rows), and predict's chunked read
def test_text_saved_as_binary_reads_as_text_and_bytes_that_are_no_text_are_refused(chain, tmp_path, chunk_rows):
    """Impala, Hive and older Spark write strings as BINARY (no UTF8 annotation): StateHoliday came back as
    b"0" and every row was refused ("got \"b'0'\""), though the file holds Kaggle's codes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from storecast.batch import iter_rows

    test = pd.read_parquet(chain / "test.parquet")
    table = pa.Table.from_pandas(test, preserve_index=False)
    at = table.schema.get_field_index(s.STATE_HOLIDAY)
    binary = tmp_path / "rows.parquet"
    for codes in (table.column(at).cast(pa.binary()), table.column(at).cast(pa.binary()).dictionary_encode()):
        pq.write_table(table.set_column(at, s.STATE_HOLIDAY, codes), binary)
        rows = load_rows(binary) if chunk_rows is None else pd.concat(iter_rows(binary, chunk_rows))
        assert rows[s.STATE_HOLIDAY].astype(str).tolist() == test[s.STATE_HOLIDAY].astype(str).tolist()
    codes = pa.array([b"\xe4"] + [b"0"] * (len(test) - 1), pa.binary())  # Latin-1 bytes: no text to read
    pq.write_table(table.set_column(at, s.STATE_HOLIDAY, codes), binary)
    with pytest.raises(DataContractError) as err:
        load_rows(binary) if chunk_rows is None else list(iter_rows(binary, chunk_rows))
    assert [p.column for p in err.value.problems] == [s.STATE_HOLIDAY]


def test_a_closed_day_with_sales_is_named_by_its_part_and_row(chain, tmp_path, caplog):
    """Warned once for the whole train/ directory, it said "first on line 242" for row 5 of the second part."""
    data = _copy(chain, tmp_path)
    part = data / "train" / "part-00001.parquet"
    df = pd.read_parquet(part)
    df.loc[4, s.OPEN], df.loc[4, s.SALES] = 0, 250  # row 5 of the file
    df.to_parquet(part, index=False)
    df.to_parquet(tmp_path / "train.parquet", index=False)
    with caplog.at_level(logging.WARNING, logger="storecast"):
        load_train(data / "train")
        load_train(tmp_path / "train.parquet")
    assert [r.getMessage().split(";")[0] for r in caplog.records] == [
        f"{part}: 1 row(s) have Open = 0 but Sales > 0 (first on row 5)",
        f"{tmp_path / 'train.parquet'}: 1 row(s) have Open = 0 but Sales > 0 (first on row 5)"]


@pytest.mark.parametrize("layout", ["parts", "train.parquet", "test.parquet"])
def test_a_store_missing_from_store_file_is_named_by_its_file_and_row(chain, tmp_path, layout):
    """Placed by the joined frame's index + 2, row 5 was "train, line 242" of a parts directory, "train.parquet,
    line 6" of one file, and test.parquet's rows were called lines."""
    data = _copy(chain, tmp_path)
    part = {"parts": data / "train" / "part-00001.parquet", "test.parquet": data / "test.parquet",
            "train.parquet": data / "train.parquet"}[layout]
    if layout == "train.parquet":
        shutil.move(data / "train" / "part-00001.parquet", part)
        shutil.rmtree(data / "train")
    df = pd.read_parquet(part)
    df.loc[[4, 9], s.STORE] = 99  # rows 5 and 10 of the file
    df.to_parquet(part, index=False)
    with pytest.raises(DataContractError) as err:
        load_dataset(data, require_test=True)
    assert [str(p) for p in err.value.problems] == [
        f"{part}, row 5, column `Store`: expected a Store listed in store.csv, got 99 (2 row(s) in all): add the store "
        "to store.csv or remove its rows"]


def test_a_store_missing_from_the_states_file_is_named_by_its_store_parquet_row(chain, tmp_path):
    """The message said "(store.csv line 6)" for row 5 of store.parquet, a file and a place that do not exist."""
    data = _copy(chain, tmp_path)
    states = data / s.STATES_FILE
    lines = states.read_text(encoding="utf-8").splitlines(keepends=True)
    states.write_text("".join(lines[:5] + lines[6:]), encoding="utf-8")  # Store 5, row 5 of store.parquet
    with pytest.raises(DataContractError) as err:
        load_dataset(data)
    assert [p.message for p in err.value.problems] == [
        "expected a row for every store of store.csv, got none for Store 5 (store.parquet row 5): add `5,<state>`"]


def test_hidden_files_and_empty_parts_of_a_parts_directory_are_left_out(chain, tmp_path):
    """macOS leaves ``._part-*.parquet`` beside each copied part, Spark and Dask write empty parts: the dataset
    was refused for either ("not a parquet file", "no data rows"), where pyarrow and Spark read it."""
    data = _copy(chain, tmp_path)
    parts = data / "train"
    whole = load_train(parts)
    (parts / "._part-00000.parquet").write_bytes(b"\x00\x05\x16\x07" + bytes(60))  # an AppleDouble file
    (parts / "_SUCCESS.parquet").write_bytes(b"")
    pd.read_parquet(parts / "part-00000.parquet").iloc[:0].to_parquet(parts / "part-00003.parquet", index=False)
    pd.testing.assert_frame_equal(load_dataset(data).train, whole)
    for part in parts.glob("part-0000[0-2].parquet"):
        pd.read_parquet(part).iloc[:0].to_parquet(part, index=False)
    with pytest.raises(DataContractError) as err:  # every part empty: each says so
        load_train(parts)
    assert {(Path(p.file).name, p.message) for p in err.value.problems} == {
        (f"part-0000{i}.parquet", "no data rows: expected at least one row") for i in range(4)}


def test_a_date_column_written_another_way_is_one_problem_naming_the_column(chain, tmp_path):
    """Dates saved as integers 20150731: every row was a problem (200 listed, the rest counted)."""
    data = _copy(chain, tmp_path)
    part = data / "train" / "part-00001.parquet"
    df = pd.read_parquet(part)
    df.assign(**{s.DATE: df[s.DATE].dt.strftime("%Y%m%d").astype(int)}).to_parquet(part, index=False)
    with pytest.raises(DataContractError) as err:
        load_train(data / "train")
    assert [(p.file, p.column) for p in err.value.problems] == [(str(part), s.DATE)]
    first = f"{df[s.DATE].iat[0]:%Y%m%d}"
    assert err.value.problems[0].message == (
        f"expected a date 2000-01-01..2099-12-31 written YYYY-MM-DD, got '{first}' (YYYYMMDD without dashes) on row "
        f"1, and not one of the {len(df):,} rows holds such a value: correct the whole column")


def test_a_state_holiday_of_booleans_is_refused_whole_or_in_chunks(chain, tmp_path):
    """A boolean StateHoliday was read as "0" (False) and "1" (True) by the whole read, so a column of only False
    passed as "no holiday" while the chunked read refused it: a flag is no code 0/a/b/c, so both refuse it."""
    from storecast.batch import iter_rows

    flags = tmp_path / "flags.parquet"
    test = pd.read_parquet(chain / "test.parquet")
    test.assign(**{s.STATE_HOLIDAY: False}).to_parquet(flags, index=False)
    for read in (lambda: load_rows(flags), lambda: list(iter_rows(flags, chunk_rows=7))):
        with pytest.raises(DataContractError) as err:
            read()
        first = err.value.problems[0]
        assert first.column == s.STATE_HOLIDAY and re.search(r"expected one of 0 \(none\), a .*got '?False'?",
                                                             first.message), first.message


@pytest.mark.parametrize(("column", "said"), [(s.STORE, "a store number"), (s.DAY_OF_WEEK, "a weekday number")])
def test_booleans_are_refused_in_a_number_column_and_read_as_0_1_in_a_flag_column(chain, tmp_path, column, said):
    """True was read as 1 in every column not a code: a Store of True was store 1, a DayOfWeek of True a Monday,
    without a word. Only the 0/1 columns (Open, Promo, SchoolHoliday, Promo2) mean a boolean as 0 or 1."""
    from storecast.batch import iter_rows

    path = tmp_path / "flags.parquet"
    test = pd.read_parquet(chain / "test.parquet").iloc[:10]  # two chunks of 7 rows at most
    test.assign(**{column: test[column].ne(test[column].iloc[0])}).to_parquet(path, index=False)  # False, True...
    for read in (lambda: load_rows(path), lambda: list(iter_rows(path, chunk_rows=7))):
        with pytest.raises(DataContractError) as err:
            read()
        first = err.value.problems[0]
        assert first.column == column and f"expected {said}" in first.message and "'False'" in first.message
    test.assign(**{s.OPEN: True, s.PROMO: False, s.SCHOOL_HOLIDAY: True}).to_parquet(path, index=False)
    for read in (lambda: load_rows(path), lambda: pd.concat(iter_rows(path, chunk_rows=7))):
        assert read()[[s.OPEN, s.PROMO, s.SCHOOL_HOLIDAY]].drop_duplicates().values.tolist() == [[1, 0, 1]]


@pytest.mark.parametrize("chunk_rows", [None, 7])  # the file contract (load_rows), and predict's chunked read
def test_an_empty_text_cell_is_a_missing_value_as_an_empty_csv_cell_is(chain, tmp_path, chunk_rows, caplog):
    """A parquet file written from text (``pd.read_csv(f, dtype=str, keep_default_na=False).to_parquet()``) holds
    "" where the CSV cell was empty: it was refused as "expected 0 or 1, got ''", and in store.parquet as
    "expected an ISO week 1..53 (or empty when unknown), got ''", a message at odds with itself."""
    from storecast.batch import iter_rows

    test = pd.read_parquet(chain / "test.parquet")
    as_text = test.assign(**{s.DATE: test[s.DATE].dt.strftime("%Y-%m-%d")}).astype(str)
    as_text.loc[2, s.OPEN] = ""  # row 3
    rows = tmp_path / "rows.parquet"
    as_text.to_parquet(rows, index=False)
    with caplog.at_level(logging.WARNING):
        read = load_rows(rows) if chunk_rows is None else pd.concat(list(iter_rows(rows, chunk_rows)))
    assert read[s.OPEN].iloc[2] == 1
    assert f"{rows}: 1 rows have no Open value (first on row 3); they are taken as open (1)" in caplog.text
    as_text.loc[2, s.OPEN], as_text.loc[4, s.STORE] = "1", ""  # a value that must be there is still refused
    as_text.to_parquet(rows, index=False)
    with pytest.raises(DataContractError, match="got an empty value"):
        load_rows(rows) if chunk_rows is None else list(iter_rows(rows, chunk_rows))


def test_an_empty_text_cell_of_store_parquet_is_an_unknown_value(chain, tmp_path):
    data = _copy(chain, tmp_path)
    store = pd.read_parquet(data / "store.parquet")
    as_text = store.astype(object).where(store.notna(), "").astype(str)  # every missing value written as ""
    assert (as_text == "").any().any()
    as_text.to_parquet(data / "store.parquet", index=False)
    pd.testing.assert_frame_equal(load_dataset(data).store, load_dataset(chain).store)


def test_parts_a_parts_directory_would_leave_out_are_refused(chain, tmp_path):
    """Only the parquet files at the top level of train/ are read: a part saved as CSV, a part moved into a
    folder, or Hive-style partition folders (``train/Store=1/...``) were left out without a word (a warning of
    stores without history at most), or the whole dataset was "train.csv: file not found"."""
    import shutil

    data = _copy(chain, tmp_path)
    parts = data / "train"
    pd.read_parquet(parts / "part-00001.parquet").to_csv(parts / "part-00001.csv", index=False)
    (parts / "part-00001.parquet").unlink()
    (parts / "more").mkdir()
    (parts / "part-00002.parquet").rename(parts / "more" / "part-00002.parquet")
    with pytest.raises(DataContractError) as err:
        load_dataset(data)
    assert [(p.file, p.message.split(":")[0]) for p in err.value.problems] == [
        (str(parts / "more"), "a folder of parquet files inside train/ (a Hive-style partition such as Store=1/?)"),
        (str(parts / "part-00001.csv"), "a CSV file among the parquet parts of train/")]
    assert err.value.problems[1].message.endswith(
        ": only the parquet files (.parquet, .pq) at the top level of train/ are read, so its rows would be left "
        "out; write it as parquet beside the other parts")
    shutil.rmtree(parts)
    parts.mkdir()
    for store, rows in load_train(chain / "train").groupby(s.STORE):  # Hive style: no part at the top level
        (parts / f"Store={store}").mkdir()
        rows.drop(columns=[s.STORE]).to_parquet(parts / f"Store={store}" / "part-0.parquet", index=False)
    with pytest.raises(DataContractError) as err:
        load_dataset(data)
    assert {p.file for p in err.value.problems} == {str(d) for d in parts.iterdir()}


def test_a_float_distance_stored_in_parquet_is_read_as_stored(chain, tmp_path):
    """A parquet float 570.125 is 570.125 metres: its text looked like a German thousands dot and was refused
    ("write 570125"), though the file says it is a number. The same text in a CSV file is still refused."""
    from storecast.data.contract import load_store

    data = _copy(chain, tmp_path)
    store_path = data / "store.parquet"
    store = pd.read_parquet(store_path)
    store[s.COMPETITION_DISTANCE] = store[s.COMPETITION_DISTANCE].astype("float64")
    store.loc[0, s.COMPETITION_DISTANCE] = 570.125
    store.to_parquet(store_path, index=False)
    assert load_store(store_path)[s.COMPETITION_DISTANCE].iloc[0] == 570.125
    store.to_csv(data / "store.csv", index=False)
    with pytest.raises(DataContractError, match=r"got '570\.125' \(a thousands separator, or a decimal\?"):
        load_store(data / "store.csv")


def _no_file_at(path, kind: str) -> None:
    """Put at ``path`` something named like a file that is none: a broken link, a pipe or an empty folder."""
    import os

    if kind == "broken link":
        path.symlink_to("gone.parquet")
    elif kind == "pipe":
        os.mkfifo(path)
    else:
        path.mkdir()


@pytest.mark.parametrize("kind", ["broken link", "pipe", "empty folder"])
def test_a_part_that_is_no_file_is_refused_not_left_out(chain, tmp_path, kind):
    """A part named like one but no regular file (a link to a part not copied along, a pipe, an empty folder) was
    passed over: validate said "all files valid" while that part's rows were left out without a word."""
    data = _copy(chain, tmp_path)
    part = data / "train" / "part-00001.parquet"
    part.unlink()
    _no_file_at(part, kind)
    with pytest.raises(DataContractError) as err:
        load_dataset(data)
    assert [p.file for p in err.value.problems] == [str(part)]
    assert err.value.problems[0].message.split(":")[0] == {
        "broken link": "is a broken symbolic link (to gone.parquet, which is missing or a loop)",
        "pipe": "is not a regular file (a device, pipe or socket, such as a link to /dev/null)",
        "empty folder": "is a directory"}[kind]


@pytest.mark.parametrize("kind", ["broken link", "pipe", "empty folder"])
@pytest.mark.parametrize("name", ["store.parquet", "test.parquet", "train/part-00000.parquet"])
def test_a_parquet_file_that_is_no_file_is_named_not_the_csv_as_missing(chain, tmp_path, name, kind):
    """store.parquet as a folder, a pipe or a broken link (and a train/ of such parts only) was
    "store.csv: file not found": the file that is there, and what is wrong with it, went unsaid."""
    data = _copy(chain, tmp_path)
    for part in (data / "train").glob("part-*.parquet"):
        part.unlink()
    shutil.copy(chain / "train" / "part-00000.parquet", data / "train.parquet")
    if name.startswith("train/"):
        (data / "train.parquet").unlink()
    else:
        (data / name).unlink()
    path = data / name
    _no_file_at(path, kind)
    with pytest.raises(DataContractError) as err:
        load_dataset(data, require_test=True)
    assert [p.file for p in err.value.problems] == [str(path)]
    assert "file not found" not in str(err.value)
    assert f"expected {name} here as a file" in str(err.value)


@pytest.mark.parametrize("left", [[], [".keep", "_SUCCESS"], ["part-00000.csv"]], ids=["empty", "hidden", "csv"])
def test_a_train_folder_without_parts_is_named_not_a_missing_train_csv(chain, tmp_path, left):
    """An empty train/ (a write that failed, a copy not yet done) and no train.csv: the error was "train.csv: file
    not found", as if the folder were not there; the local and the Dask engine read their files from here."""
    data = _copy(chain, tmp_path)
    shutil.rmtree(data / "train")
    (data / "train").mkdir()
    for name in left:
        (data / "train" / name).write_text("Store,Date\n")
    with pytest.raises(DataContractError) as err:
        load_dataset(data)
    assert [(p.file, p.message) for p in err.value.problems] == [(
        str(data / "train"), "holds no parquet part files (.parquet, .pq), and there is no train.csv or train.parquet "
                             "beside it: expected train.csv, train.parquet or train/part-*.parquet")]
    with pytest.raises(DataContractError, match="holds no parquet part files"):
        load_train(data_file(data, s.TRAIN_FILE))
    (data / "train.csv").write_text("")  # a train.csv there: about that file, as before
    with pytest.raises(DataContractError, match="file is empty"):
        load_dataset(data)


def _as_decimal(path: Path, column: str, change=lambda v: v, precision: int = 12, scale: int = 3) -> list:
    """Rewrite ``column`` of the parquet file at ``path`` as DECIMAL(precision, scale), each value through
    ``change``."""
    import decimal

    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    values = [None if v is None else change(decimal.Decimal(str(v))) for v in table.column(column).to_pylist()]
    pq.write_table(table.set_column(table.schema.get_field_index(column), column,
                                    pa.array(values, pa.decimal128(precision, scale))), path)
    return values


@pytest.mark.parametrize("chunk_rows", [None, 7])
def test_decimal_columns_are_read_as_the_numbers_they_hold(chain, tmp_path, chunk_rows):
    """A DECIMAL(12, 3) column (databases and Spark write money and distances so) held 440 as 440.000, whose text
    was refused as a thousands dot ("write 440000"), and a whole Id likewise. A fraction of an Id is still refused."""
    from decimal import Decimal

    from storecast.batch import iter_rows
    from storecast.data.contract import load_store

    def read(path: Path) -> pd.DataFrame:
        return pd.concat(list(iter_rows(path, chunk_rows=chunk_rows))) if chunk_rows else load_rows(path)

    data = _copy(chain, tmp_path)
    distances = _as_decimal(data / "store.parquet", s.COMPETITION_DISTANCE,
                            lambda v: Decimal("570.125") if v == 440 else v)
    assert Decimal("570.125") in distances
    read_back = load_store(data / "store.parquet")[s.COMPETITION_DISTANCE]
    assert read_back.tolist() == pytest.approx([np.nan if v is None else float(v) for v in distances], nan_ok=True)

    ids = _as_decimal(data / "test.parquet", s.ID)
    assert read(data / "test.parquet")[s.ID].tolist() == [int(v) for v in ids]

    _as_decimal(data / "test.parquet", s.ID, lambda v: v + Decimal("0.5") if v == 3 else v)
    with pytest.raises(DataContractError, match=r"row 3, column `Id`: expected a unique whole number, got '3\.5'"):
        read(data / "test.parquet")


@pytest.mark.parametrize("chunk_rows", [None, 7])  # the file contract (load_rows), and predict's chunked read
@pytest.mark.parametrize("kind", ["fixed_size_binary", "binary_view"])
def test_text_saved_as_fixed_size_or_view_binary_reads_as_text(chain, tmp_path, chunk_rows, kind):
    """Impala's CHAR(n) comes as fixed-size BINARY, padded with spaces; Arrow 15+ may write a binary view. Both
    ended in a TypeError traceback ("Cannot use .str.strip with values of inferred dtype 'bytes'")."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from storecast.batch import iter_rows

    test = pd.read_parquet(chain / "test.parquet")
    table = pa.Table.from_pandas(test, preserve_index=False)
    at = table.schema.get_field_index(s.STORE)
    stores = [str(v).encode().ljust(4) for v in test[s.STORE]]  # b"7   ": CHAR(4)
    column = pa.array(stores, pa.binary(4)) if kind == "fixed_size_binary" else pa.array(stores, pa.binary_view())
    path = tmp_path / "rows.parquet"
    pq.write_table(table.set_column(at, s.STORE, column), path)
    rows = load_rows(path) if chunk_rows is None else pd.concat(iter_rows(path, chunk_rows))
    assert rows[s.STORE].tolist() == test[s.STORE].tolist()


@pytest.mark.parametrize("chunk_rows", [None, 7])  # the file contract (load_rows), and predict's chunked read
@pytest.mark.parametrize(("kind", "cells"), [
    ("list", lambda v: [v]),
    ("struct", lambda v: {"value": v}),
    ("map", lambda v: [("value", v)]),
])
def test_a_column_of_lists_structs_or_maps_is_named_whole_or_in_chunks(chain, tmp_path, chunk_rows, kind, cells):
    """The whole read named such a column; `storecast predict`'s chunked read ended in a traceback
    ("TypeError: unhashable type: 'dict'")."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from storecast.batch import iter_rows

    test = pd.read_parquet(chain / "test.parquet")
    table = pa.Table.from_pandas(test, preserve_index=False)
    at = table.schema.get_field_index(s.PROMO)
    kinds = {"list": pa.list_(pa.int64()), "struct": pa.struct([("value", pa.int64())]),
             "map": pa.map_(pa.string(), pa.int64())}
    path = tmp_path / "rows.parquet"
    pq.write_table(table.set_column(at, s.PROMO, pa.array([cells(int(v)) for v in test[s.PROMO]], kinds[kind])), path)
    with pytest.raises(DataContractError) as err:
        load_rows(path) if chunk_rows is None else list(iter_rows(path, chunk_rows))
    assert [(p.file, p.column) for p in err.value.problems] == [(str(path), s.PROMO)]
    assert f"expected one value per row, got a column of type {kind}<" in str(err.value)


def test_a_decimal_whole_number_beyond_int64_is_quoted_as_the_file_holds_it(chain, tmp_path):
    """Read through a float, a DECIMAL(38, 0) Id of 10**30 + 5 was quoted as 1000000000000000019884624838656."""
    from decimal import Decimal

    data = _copy(chain, tmp_path)
    huge = Decimal(10**30 + 5)
    _as_decimal(data / "test.parquet", s.ID, lambda v: huge if v == 3 else v, precision=38, scale=0)
    with pytest.raises(DataContractError, match=rf"row 3, column `Id`: expected a unique whole number, got '{huge}'"):
        load_rows(data / "test.parquet")


@pytest.mark.parametrize("zone", [None, "Europe/Berlin"])
def test_a_whole_column_of_times_of_day_gets_the_same_hint_with_or_without_a_zone(chain, tmp_path, zone):
    """Timestamps at 13:00 were told "(a date with a time of day: write the date alone)", but the same ones in
    Europe/Berlin were quoted with their offset ("... 13:00:00+01:00") and told nothing of what was wrong."""
    part = chain / "train" / "part-00000.parquet"
    df = pd.read_parquet(part)
    timed = df[s.DATE] + pd.Timedelta(hours=13)
    path = tmp_path / "timed.parquet"
    df.assign(**{s.DATE: timed if zone is None else timed.dt.tz_localize(zone)}).to_parquet(path)
    with pytest.raises(DataContractError) as err:
        load_train(path)
    assert [(p.file, p.column) for p in err.value.problems] == [(str(path), s.DATE)]
    offset = "" if zone is None else r"\+01:00"
    assert re.search(rf"got '2015-\d\d-\d\d 13:00:00{offset}' \(a date with a time of day: write the date alone\) "
                     rf"on row 1, and not one of the {len(df)} rows", err.value.problems[0].message)


@pytest.mark.parametrize("chunk_rows", [None, 7])  # the file contract (load_rows), and predict's chunked read
def test_a_decimal_fraction_a_float_cannot_hold_is_refused_as_the_file_holds_it(chain, tmp_path, chunk_rows):
    """Read through a float, a DECIMAL(38, 1) Id of 1234567890123456789.5 became 1234567890123456768, a whole
    number, and was accepted as that Id."""
    from decimal import Decimal

    from storecast.batch import iter_rows

    data = _copy(chain, tmp_path)
    huge = Decimal("1234567890123456789.5")
    _as_decimal(data / "test.parquet", s.ID, lambda v: huge if v == 3 else v, precision=38, scale=1)
    with pytest.raises(DataContractError, match=rf"row 3, column `Id`: expected a unique whole number, got '{huge}'"):
        load_rows(data / "test.parquet") if chunk_rows is None else list(iter_rows(data / "test.parquet", chunk_rows))


@pytest.fixture(params=["registered", "unregistered"])
def period_type(request):
    """pyarrow reads a pandas Period column as its extension type once pandas has registered it (on its first
    ``to_parquet`` in a process), else as plain int64 day numbers (``storecast validate`` in a fresh process)."""
    import pyarrow as pa
    from pandas.core.arrays.arrow.extension_types import ArrowPeriodType

    if request.param == "unregistered":
        pa.unregister_extension_type("pandas.period")
        request.addfinalizer(lambda: pa.register_extension_type(ArrowPeriodType("D")))
    return request.param


@pytest.mark.parametrize("chunk_rows", [None, 7])  # the file contract (load_rows), and predict's chunked read
def test_a_pandas_period_column_of_days_reads_as_its_dates_and_of_months_is_named(chain, tmp_path, chunk_rows,
                                                                                 period_type):
    """``df.Date.dt.to_period("D")`` is saved as day numbers: read in a fresh process, every row was refused as
    "got '16695'" with no word of why, and the chunked read refused it even where pandas knew the type."""
    from storecast.batch import iter_rows

    def read(path: Path) -> pd.DataFrame:
        return load_rows(path) if chunk_rows is None else pd.concat(list(iter_rows(path, chunk_rows)))

    test = pd.read_parquet(chain / "test.parquet")
    days, months = tmp_path / "days.parquet", tmp_path / "months.parquet"
    test.assign(**{s.DATE: test[s.DATE].dt.to_period("D")}).to_parquet(days)
    test.assign(**{s.DATE: test[s.DATE].dt.to_period("M")}).to_parquet(months)
    assert read(days)[s.DATE].tolist() == load_rows(chain / "test.parquet")[s.DATE].tolist()
    with pytest.raises(DataContractError) as err:
        read(months)
    assert [(p.file, p.column) for p in err.value.problems] == [(str(months), s.DATE)]
    assert err.value.problems[0].message == ("expected a date per row, got a pandas Period column of frequency M, "
                                             "not days: write dates as date32 or text (YYYY-MM-DD)")


def test_a_decimal_column_read_as_exact_text_keeps_its_fractions_as_decimals(chain, tmp_path):
    """A column read exactly (a fraction a float cannot hold, in one of its cells) is text: its other fractions
    were taken for thousands dots, a distance of 570.125 refused as "write 570125"."""
    from decimal import Decimal

    from storecast.data.contract import load_store

    data = _copy(chain, tmp_path)
    huge = Decimal("12345678901234567.125")
    _as_decimal(data / "store.parquet", s.COMPETITION_DISTANCE, precision=38,
                change=lambda v: Decimal("570.125") if v == 440 else huge if v == 1840 else v)
    with pytest.raises(DataContractError) as err:
        load_store(data / "store.parquet")
    assert [p.column for p in err.value.problems] == [s.COMPETITION_DISTANCE]
    assert f"got '{huge}'" in err.value.problems[0].message
