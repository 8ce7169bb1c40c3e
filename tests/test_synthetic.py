"""The synthetic chain: deterministic, loadable through the contract, and shaped like the real data."""

from __future__ import annotations

import filecmp

import numpy as np
import pandas as pd
import pytest

from storecast import schema as s
from storecast.data.contract import load_dataset
from storecast.data.synthetic import make_synthetic, write_synthetic

KW = {"n_stores": 30, "start": "2013-01-01", "end": "2015-03-31", "test_days": 42, "seed": 3}


@pytest.fixture(scope="module")
def chain():
    return make_synthetic(**KW)


def test_same_seed_gives_byte_identical_files(tmp_path):
    a = write_synthetic(tmp_path / "a", n_stores=5, end="2013-06-30", seed=1)
    b = write_synthetic(tmp_path / "b", n_stores=5, end="2013-06-30", seed=1)
    c = write_synthetic(tmp_path / "c", n_stores=5, end="2013-06-30", seed=2)
    for name in (s.TRAIN_FILE, s.STORE_FILE, s.TEST_FILE, s.STATES_FILE):
        assert filecmp.cmp(a / name, b / name, shallow=False)
    assert not filecmp.cmp(a / s.TRAIN_FILE, c / s.TRAIN_FILE, shallow=False)


def test_written_files_load_through_the_contract_with_the_same_frames(tmp_path, chain):
    ds = load_dataset(write_synthetic(tmp_path, **KW), require_test=True)
    assert list(ds.train.columns) == list(s.TRAIN_COLUMNS)
    assert list(ds.test.columns) == list(s.TEST_COLUMNS)
    pd.testing.assert_frame_equal(ds.train, chain.train, check_dtype=False)
    pd.testing.assert_series_equal(ds.train.dtypes, chain.train.dtypes)
    assert ds.store[s.STATE].tolist() == chain.states[s.STATE].tolist()


def test_test_rows_follow_the_end_of_train(chain):
    assert chain.test[s.DATE].min() == chain.train[s.DATE].max() + pd.Timedelta(days=1)
    assert chain.test[s.DATE].nunique() == KW["test_days"]
    assert chain.test[s.ID].tolist() == list(range(1, len(chain.test) + 1))


def test_day_of_week_matches_date_and_closed_days_sell_nothing(chain):
    t = chain.train
    assert (t[s.DAY_OF_WEEK] == t[s.DATE].dt.day_of_week + 1).all()
    closed = t[t[s.OPEN] == 0]
    assert (closed[s.SALES] == 0).all() and (closed[s.CUSTOMERS] == 0).all()
    assert (closed[s.PROMO] == 0).all()


@pytest.mark.parametrize("column", [s.SALES, s.CUSTOMERS])
def test_promo_lifts_sales_and_customers(chain, column):
    open_days = chain.train[chain.train[s.OPEN] == 1]
    means = open_days.groupby(s.PROMO)[column].mean()
    assert means[1] > 1.1 * means[0]


def test_promo_lifts_sales_more_than_customers(chain):
    o = chain.train[chain.train[s.OPEN] == 1]
    m = o.groupby(s.PROMO)[[s.SALES, s.CUSTOMERS]].mean()
    assert m.loc[1, s.SALES] / m.loc[0, s.SALES] > m.loc[1, s.CUSTOMERS] / m.loc[0, s.CUSTOMERS]


def test_most_stores_close_on_sundays_and_state_holidays(chain):
    t = chain.train
    sunday_open_share = t[t[s.DAY_OF_WEEK] == 7].groupby(s.STORE)[s.OPEN].mean()
    assert (sunday_open_share < 0.05).mean() > 0.8
    assert t.loc[t[s.STATE_HOLIDAY] != "0", s.OPEN].mean() < 0.2
    assert set(t[s.STATE_HOLIDAY].unique()) == {"0", "a", "b", "c"}


def test_december_is_the_peak_month(chain):
    o = chain.train[chain.train[s.OPEN] == 1]
    by_month = o.groupby(o[s.DATE].dt.month)[s.SALES].mean()
    assert by_month.idxmax() == 12
    assert by_month[12] > 1.1 * o[s.SALES].mean()


def test_gap_stores_have_no_rows_in_the_second_half_of_2014(chain):
    t = chain.train
    in_gap = t[s.DATE].between("2014-07-01", "2014-12-31")
    present = t[in_gap][s.STORE].unique()
    missing = set(chain.store[s.STORE]) - set(present)
    assert 0 < len(missing) < 0.3 * KW["n_stores"]
    # they come back afterwards
    after = t[t[s.DATE] > "2014-12-31"][s.STORE].unique()
    assert missing <= set(after)


def test_competitor_opening_inside_the_data_lowers_sales(chain):
    st = chain.store
    since = pd.to_datetime(
        {"year": st[s.COMPETITION_OPEN_SINCE_YEAR], "month": st[s.COMPETITION_OPEN_SINCE_MONTH], "day": 1},
        errors="coerce",
    )
    inside = st[(since > "2013-03-01") & (since < "2015-01-01")]
    assert len(inside) > 0
    o = chain.train[chain.train[s.OPEN] == 1]
    ratios = []
    for store_id, when in zip(inside[s.STORE], since[inside.index], strict=True):
        x = o[o[s.STORE] == store_id]
        before = x[(x[s.DATE] < when) & (x[s.DATE] >= when - pd.Timedelta(days=56))][s.SALES].mean()
        after = x[(x[s.DATE] >= when) & (x[s.DATE] < when + pd.Timedelta(days=56))][s.SALES].mean()
        if np.isfinite(before) and np.isfinite(after):
            ratios.append(after / before)
    assert np.median(ratios) < 0.97


def test_store_table_has_missing_values_where_the_real_file_does(chain):
    st = chain.store
    no_promo2 = st[s.PROMO2] == 0
    for col in (s.PROMO2_SINCE_WEEK, s.PROMO2_SINCE_YEAR, s.PROMO_INTERVAL):
        assert st.loc[no_promo2, col].isna().all()
        assert st.loc[~no_promo2, col].notna().all()
    assert st[s.COMPETITION_OPEN_SINCE_YEAR].isna().any()
    assert st[s.COMPETITION_DISTANCE].isna().any()
    assert set(st.loc[~no_promo2, s.PROMO_INTERVAL]) <= set(s.PROMO_INTERVALS)


@pytest.mark.parametrize(
    "bad", [{"n_stores": 0}, {"test_days": -1}, {"start": "2014-01-01", "end": "2013-01-01"}]
)
def test_bad_arguments_are_refused(bad):
    with pytest.raises(ValueError, match="`"):
        make_synthetic(**bad)
