"""The synthetic chain: deterministic, loadable through the contract, and shaped like the real data."""

from __future__ import annotations

import csv
import filecmp

import holidays
import numpy as np
import pandas as pd
import pytest

from storecast import schema as s
from storecast.data.contract import load_dataset, load_store, load_test, load_train
from storecast.data.synthetic import make_synthetic, write_synthetic

# 30 stores over the real data's span: every structure below shows, and it builds in well under a second.
KW = {"n_stores": 30, "start": "2013-01-01", "end": "2015-07-31", "test_days": 48, "seed": 3}
FILES = (s.TRAIN_FILE, s.STORE_FILE, s.TEST_FILE, s.STATES_FILE)


@pytest.fixture(scope="module")
def chain():
    return make_synthetic(**KW)


@pytest.fixture(scope="module")
def open_days(chain):
    return chain.train[chain.train[s.OPEN] == 1]


# --- determinism and the file contract ---------------------------------------------------------------


def test_same_seed_gives_byte_identical_files(tmp_path):
    small = {"n_stores": 5, "end": "2013-06-30", "test_days": 10}
    a = write_synthetic(tmp_path / "a", seed=1, **small)
    b = write_synthetic(tmp_path / "b", seed=1, **small)
    c = write_synthetic(tmp_path / "c", seed=2, **small)
    for name in FILES:
        assert filecmp.cmp(a / name, b / name, shallow=False), name
    assert not filecmp.cmp(a / s.TRAIN_FILE, c / s.TRAIN_FILE, shallow=False)
    assert not list(tmp_path.rglob("*.tmp"))  # atomic writes leave no temp files behind


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_the_same_bytes_where_text_files_end_lines_with_crlf(tmp_path, monkeypatch, fmt):
    """Windows' text mode writes each "\\n" as "\\r\\n": the chain's files must not depend on the platform.

    Emulated here with the pure-Python io, whose text files end lines with ``os.linesep``.
    """
    import _pyio
    import io
    import os

    from storecast.data.synth_writer import write_chain

    small = {"n_stores": 4, "end": "2013-03-31", "test_days": 5, "seed": 1}

    def chains(where):
        return write_chain(where / "chain", fmt=fmt, chunk_stores=2, **small), write_synthetic(where / "one", **small)

    here = chains(tmp_path / "linux")
    monkeypatch.setattr(os, "linesep", "\r\n")
    monkeypatch.setattr(io, "open", _pyio.open)
    there = chains(tmp_path / "windows")
    for a, b in zip(here, there, strict=True):
        files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
        assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file()) and files
        for name in files:
            assert (a / name).read_bytes() == (b / name).read_bytes(), name


@pytest.mark.parametrize(("frame", "load", "name"), [
    ("train", load_train, s.TRAIN_FILE),
    ("test", load_test, s.TEST_FILE),
    ("store", load_store, s.STORE_FILE),
])
def test_frames_equal_what_the_loader_reads_back(tmp_path, frame, load, name):
    data = make_synthetic(n_stores=12, start="2014-05-01", end="2015-01-31", test_days=20, seed=5)
    root = write_synthetic(tmp_path, n_stores=12, start="2014-05-01", end="2015-01-31", test_days=20, seed=5)
    pd.testing.assert_frame_equal(load(root / name), getattr(data, frame))  # values and dtypes


def test_session_fixture_loads_through_the_contract(dataset):
    assert list(dataset.train.columns) == list(s.TRAIN_COLUMNS)
    assert list(dataset.test.columns) == list(s.TEST_COLUMNS)
    assert list(dataset.store.columns) == [*s.STORE_COLUMNS, s.STATE]
    assert dataset.store[s.STATE].isin(s.GERMAN_STATES).all()
    assert dataset.train[s.DATE].min() == pd.Timestamp("2013-01-01")
    assert dataset.train[s.DATE].max() == pd.Timestamp("2014-12-31")


def test_files_use_the_kaggle_layout(synthetic_dir):
    def lines(name: str) -> list[str]:
        return (synthetic_dir / name).read_text().splitlines()

    train, store, test, states = (lines(n) for n in FILES)
    assert train[0] == ",".join(f'"{c}"' for c in s.TRAIN_COLUMNS)
    assert test[0] == ",".join(f'"{c}"' for c in s.TEST_COLUMNS)
    assert store[0] == ",".join(f'"{c}"' for c in s.STORE_COLUMNS)
    assert states[0] == "Store,State"
    assert train[1].startswith("1,3,2014-12-31,")  # newest first, dates as YYYY-MM-DD
    assert train[1].endswith((',"0","0"', ',"0","1"'))  # StateHoliday and SchoolHoliday as quoted text
    without_promo2 = [line for line in store[1:] if next(csv.reader([line]))[6] == "0"]
    assert without_promo2 and all(line.endswith(',0,,,""') for line in without_promo2)  # as the real file
    assert any(next(csv.reader([line]))[4:6] == ["", ""] for line in store[1:])  # CompetitionOpenSince* missing


def test_without_test_days_no_test_file_is_written(tmp_path):
    (tmp_path / s.TEST_FILE).write_text("stale")
    root = write_synthetic(tmp_path, n_stores=3, end="2013-03-31", test_days=0)
    assert not (root / s.TEST_FILE).exists()
    assert load_dataset(root).test is None


@pytest.mark.parametrize(("bad", "said"), [
    ({"n_stores": 0}, "`n_stores` must be a positive integer; got 0."),
    ({"test_days": -1}, "`test_days` must be >= 0; got -1."),
    ({"start": "2014-01-01", "end": "2013-01-01"}, "`end` (2013-01-01) must come after `start` (2014-01-01)."),
    ({"start": "2099-11-01", "end": "2099-12-01", "test_days": 31},  # 2100-01-01: refused by the contract
     "`start` .. `end` + `test_days` (2099-11-01..2100-01-01) must lie within 2000-01-01..2099-12-31, the dates "
     "the data contract accepts."),
    ({"start": "1999-12-01", "end": "2000-01-31"},
     "`start` .. `end` + `test_days` (1999-12-01..2000-03-19) must lie within 2000-01-01..2099-12-31, the dates "
     "the data contract accepts."),
])
def test_bad_arguments_are_refused_naming_the_argument(bad, said):
    with pytest.raises(ValueError) as refused:
        make_synthetic(**bad)
    assert str(refused.value) == said


@pytest.mark.parametrize(("start", "end"), [
    ("2000-01-01", "2000-03-31"),  # competitors opened before 2000: the year before the data
    ("2005-01-01", "2006-12-31"),  # Promo2 started in 2009 at the earliest: the last year of the data
])
def test_a_chain_of_any_years_the_contract_accepts_is_made_and_loads(tmp_path, start, end):
    """Every date the CLI takes (2000..2099) makes a chain; these crashed with numpy's "low >= high"."""
    root = write_synthetic(tmp_path, n_stores=12, start=start, end=end, test_days=5, seed=1)
    store = load_dataset(root).store
    first, last = pd.Timestamp(start).year, pd.Timestamp(end).year
    assert store[s.COMPETITION_OPEN_SINCE_YEAR].dropna().between(min(2000, first - 1), last).all()
    assert store[s.PROMO2_SINCE_YEAR].dropna().between(min(2009, last), last).all()


# --- calendar and schedule ---------------------------------------------------------------------------


def test_test_rows_follow_the_end_of_train(chain):
    test = chain.test
    assert test[s.DATE].min() == pd.Timestamp(KW["end"]) + pd.Timedelta(days=1)
    assert test[s.DATE].nunique() == KW["test_days"]
    assert test[s.ID].tolist() == list(range(1, len(test) + 1))
    assert len(test) == KW["test_days"] * KW["n_stores"]
    assert s.SALES not in test.columns and s.CUSTOMERS not in test.columns


@pytest.mark.parametrize("frame", ["train", "test"])
def test_day_of_week_matches_the_date(chain, frame):
    df = getattr(chain, frame)
    assert (df[s.DAY_OF_WEEK] == df[s.DATE].dt.day_of_week + 1).all()


def test_closed_days_sell_nothing(chain):
    closed = chain.train[chain.train[s.OPEN] == 0]
    assert (closed[s.SALES] == 0).all() and (closed[s.CUSTOMERS] == 0).all()


def test_promo_runs_on_weekdays_of_alternating_weeks(chain):
    one = chain.train[chain.train[s.STORE] == 1]
    assert (one.loc[one[s.DAY_OF_WEEK] >= 6, s.PROMO] == 0).all()
    weekly = one.groupby(one[s.DATE].dt.to_period("W"))[s.PROMO].sum()
    full = weekly.iloc[1:-1]  # the first and last weeks may be cut by the date range
    assert set(full.unique()) == {0, 5}
    assert (full.to_numpy()[1:] != full.to_numpy()[:-1]).all()
    # a schedule: it stays on when a store is closed on a weekday (as in the real file)
    assert chain.train.loc[chain.train[s.OPEN] == 0, s.PROMO].any()


@pytest.mark.parametrize(("date", "code"), [
    ("2014-04-18", "b"),  # Good Friday
    ("2014-04-21", "b"),  # Easter Monday
    ("2013-12-25", "c"),
    ("2014-12-26", "c"),
    ("2014-05-01", "a"),  # Labour Day
    ("2014-10-03", "a"),  # German Unity Day
    ("2014-03-05", "0"),
])
def test_nationwide_holidays_have_the_rossmann_codes(chain, date, code):
    day = chain.train[chain.train[s.DATE] == date]
    assert (day[s.STATE_HOLIDAY] == code).all()


def test_regional_holidays_follow_each_store_state(chain):
    corpus_christi = pd.Timestamp("2014-06-19")
    day = chain.train[chain.train[s.DATE] == corpus_christi].merge(chain.states, on=s.STORE)
    kinds = {"BY": ("public", "catholic"), "SN": ("public", "catholic")}  # as the real files mark them (below)
    expected = [
        any(corpus_christi in holidays.country_holidays("DE", subdiv=sub, years=2014,
                                                        categories=kinds.get(sub, ("public",)))
            for sub in st.split(","))
        for st in day[s.STATE]
    ]
    assert 0 < sum(expected) < len(expected)  # the chain spans states with and without it
    assert ((day[s.STATE_HOLIDAY] == "a").to_numpy() == np.array(expected)).all()


def test_holidays_of_catholic_towns_are_marked_as_the_real_files_mark_them(chain):
    """Rossmann's files mark Assumption Day for every Bavarian store (2015-08-15 is test.csv's one "a") and Corpus
    Christi for every Saxon one, not for Thuringian ones: days the holidays package lists for those states only
    in its "catholic" category (some towns)."""
    def codes(frame, day, state):
        rows = frame.merge(chain.states, on=s.STORE)
        on_day = (rows[s.DATE] == pd.Timestamp(day)) & (rows[s.STATE] == state)
        return set(rows.loc[on_day, s.STATE_HOLIDAY].astype(str))

    assert codes(chain.train, "2013-08-15", "BY") == {"a"} and codes(chain.train, "2013-08-15", "NW") == {"0"}
    assert codes(chain.test, "2015-08-15", "BY") == {"a"} and codes(chain.test, "2015-08-15", "BE") == {"0"}
    assert codes(chain.train, "2013-05-30", "SN") == {"a"} and codes(chain.train, "2013-05-30", "TH") == {"0"}


def test_school_holidays_cover_summer_and_christmas(chain):
    t = chain.train
    summer = t[t[s.DATE].between("2013-06-01", "2013-09-30") & (t[s.SCHOOL_HOLIDAY] == 1)]
    assert summer.groupby(s.STORE).size().between(35, 60).all()  # a six-week block ...
    assert summer.groupby(s.STORE)[s.DATE].min().nunique() > 1  # ... staggered by state
    assert (t.loc[t[s.DATE] == "2013-12-30", s.SCHOOL_HOLIDAY] == 1).all()
    assert t.loc[t[s.DATE].dt.month == 11, s.SCHOOL_HOLIDAY].eq(0).all()


def test_the_summer_school_holidays_start_on_the_same_date_in_a_leap_year():
    # counted from 1 January, the summer block of 2016 began a day before 2015's (24 June, not 25)
    t = make_synthetic(n_stores=16, start="2015-01-01", end="2016-12-31", test_days=0, seed=3).train
    summer = t[t[s.DATE].dt.month.between(6, 9) & (t[s.SCHOOL_HOLIDAY] == 1)]
    first = summer.groupby([s.STORE, summer[s.DATE].dt.year])[s.DATE].min().dt.strftime("%m-%d").unstack()
    assert (first[2016] == first[2015]).all() and first[2015].nunique() > 1  # each state's own date, every year


def test_most_stores_close_on_sundays_and_state_holidays(chain):
    t = chain.train.merge(chain.store[[s.STORE, s.STORE_TYPE]], on=s.STORE)
    sunday_open = t[t[s.DAY_OF_WEEK] == 7].groupby(s.STORE)[s.OPEN].mean()
    assert (sunday_open < 0.05).mean() > 0.8
    assert (sunday_open > 0.95).any()  # type b stores open every day
    assert (t.loc[(t[s.DAY_OF_WEEK] == 7) & (t[s.STORE_TYPE] == "b"), s.OPEN] == 1).mean() > 0.95
    assert t.loc[t[s.STATE_HOLIDAY] != "0", s.OPEN].mean() < 0.2


@pytest.mark.parametrize(("end", "has_gap"), [("2015-07-31", True), ("2014-12-31", True), ("2014-09-30", False)])
def test_refurbished_stores_have_no_rows_in_the_second_half_of_2014(end, has_gap):
    n = 40
    t = make_synthetic(n_stores=n, end=end, test_days=0, seed=11).train
    in_gap = t[s.DATE].between("2014-07-01", "2014-12-31")
    missing = set(range(1, n + 1)) - set(t.loc[in_gap, s.STORE])
    if not has_gap:
        assert not missing
        return
    assert 0.1 * n <= len(missing) <= 0.2 * n
    assert missing <= set(t.loc[t[s.DATE] < "2014-07-01", s.STORE])  # rows are missing only inside the gap


# --- sales structure ---------------------------------------------------------------------------------


@pytest.mark.parametrize("column", [s.SALES, s.CUSTOMERS])
def test_promo_lifts_sales_and_customers(open_days, column):
    means = open_days.groupby(s.PROMO)[column].mean()
    assert means[1] > 1.05 * means[0]


def test_promo_lifts_sales_by_20_to_40_percent_and_customers_less(open_days):
    m = open_days.groupby(s.PROMO)[[s.SALES, s.CUSTOMERS]].mean()
    lift = m.loc[1] / m.loc[0]
    assert 1.2 < lift[s.SALES] < 1.45
    assert 1.0 < lift[s.CUSTOMERS] < lift[s.SALES]


def test_type_b_sells_most_and_sales_per_customer_vary_by_type(chain, open_days):
    o = open_days.merge(chain.store[[s.STORE, s.STORE_TYPE]], on=s.STORE)
    by_type = o.groupby(s.STORE_TYPE, observed=True)[[s.SALES, s.CUSTOMERS]].sum()
    assert o.groupby(s.STORE_TYPE, observed=True)[s.SALES].mean().idxmax() == "b"
    per_customer = by_type[s.SALES] / by_type[s.CUSTOMERS]
    assert per_customer.idxmin() == "b" and per_customer.max() > 1.5 * per_customer.min()
    assert o[[s.SALES, s.CUSTOMERS]].corr().iloc[0, 1] > 0.6


def test_monday_sells_more_than_saturday(open_days):
    by_day = open_days.groupby(s.DAY_OF_WEEK)[s.SALES].mean()
    assert by_day[1] > by_day[6] * 1.15


def test_december_is_the_peak_month(open_days):
    by_month = open_days.groupby(open_days[s.DATE].dt.month)[s.SALES].mean()
    assert by_month.idxmax() == 12
    assert by_month[12] > 1.1 * open_days[s.SALES].mean()


def test_days_before_a_holiday_sell_more(chain, open_days):
    t = chain.train.set_index([s.STORE, s.DATE])

    def later(rows: pd.DataFrame, days: int) -> pd.MultiIndex:  # the same stores, ``days`` later
        return pd.MultiIndex.from_arrays([rows[s.STORE], rows[s.DATE] + pd.Timedelta(days=days)])

    holidays_ab = t.index[t[s.STATE_HOLIDAY].isin(["a", "b"]).to_numpy()]
    eves = open_days[later(open_days, 1).isin(holidays_ab)]
    # against the same weekday two weeks before and after: the same promo phase, as promo weeks alternate
    around = np.stack([t[s.SALES].reindex(later(eves, d)).to_numpy(dtype=float) for d in (-14, 14)])
    usual = np.nanmean(np.where(around > 0, around, np.nan), axis=0)
    assert len(eves) > 50
    assert np.nanmedian(eves[s.SALES].to_numpy() / usual) > 1.05


def test_a_few_sales_outliers(open_days):
    relative = open_days[s.SALES] / open_days.groupby(s.STORE)[s.SALES].transform("median")
    spikes = (relative > 2.5).mean()
    assert 0 < spikes < 0.002


def test_competitor_opening_inside_the_data_lowers_sales(chain, open_days):
    st = chain.store
    since = pd.to_datetime(
        {"year": st[s.COMPETITION_OPEN_SINCE_YEAR], "month": st[s.COMPETITION_OPEN_SINCE_MONTH], "day": 1},
        errors="coerce",
    )
    inside = st.loc[since > KW["start"], s.STORE]
    assert len(inside) >= 2
    # each store relative to the chain on the same day, so seasonality and promos cancel out
    relative = open_days[s.SALES] / open_days.groupby(s.DATE)[s.SALES].transform("median")
    ratios = []
    for store_id in inside:
        when = since[st[s.STORE] == store_id].iloc[0]
        mine = relative[open_days[s.STORE] == store_id]
        date = open_days.loc[mine.index, s.DATE]
        ratios.append(mine[date >= when].mean() / mine[date < when].mean())
    assert np.median(ratios) < 0.92


def test_store_table_has_missing_values_where_the_real_file_does(chain):
    st = chain.store
    no_promo2 = st[s.PROMO2] == 0
    assert 0.25 < no_promo2.mean() < 0.75
    for col in (s.PROMO2_SINCE_WEEK, s.PROMO2_SINCE_YEAR, s.PROMO_INTERVAL):
        assert st.loc[no_promo2, col].isna().all()
        assert st.loc[~no_promo2, col].notna().all()
    assert set(st.loc[~no_promo2, s.PROMO_INTERVAL]) <= set(s.PROMO_INTERVALS)
    assert st[s.COMPETITION_OPEN_SINCE_YEAR].isna().any()
    assert st[s.COMPETITION_DISTANCE].isna().any()
    assert st[s.COMPETITION_DISTANCE].isna().mean() < 0.1
    # no distance means no opening date either
    assert st.loc[st[s.COMPETITION_DISTANCE].isna(), s.COMPETITION_OPEN_SINCE_YEAR].isna().all()
    assert (st[s.COMPETITION_OPEN_SINCE_MONTH].isna() == st[s.COMPETITION_OPEN_SINCE_YEAR].isna()).all()
