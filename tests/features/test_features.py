"""Features: calendar parts, store attributes, schedule proximity, fit-window history, the preprocessor."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from storecast import schema as s
from storecast.dates import monday_on_or_before, to_days, weekday
from storecast.errors import DataContractError
from storecast.features import FeatureColumns, as_columns
from storecast.features.build import FEATURES, FeatureMatrix, make_preprocessor, merge_store
from storecast.features.calendar import CalendarFeatures, _holiday_codes, date_parts
from storecast.features.history import StoreHistory
from storecast.features.proximity import ScheduleProximity, latest_promo_monday, promo_anchor
from storecast.features.store import StoreAttributes
from storecast.models.training import training_rows

TEST_COLS = [s.STORE, s.DAY_OF_WEEK, s.DATE, s.OPEN, s.PROMO, s.STATE_HOLIDAY, s.SCHOOL_HOLIDAY]


@pytest.fixture(scope="module")
def fit_rows(dataset):
    ds = dataset
    until = ds.train[s.DATE].max() - pd.Timedelta(days=43)
    X, y = training_rows(ds.train, ds.store, until)
    later = ds.train[ds.train[s.DATE] > until]
    return ds, X, y, later[later[s.OPEN] == 1][TEST_COLS].reset_index(drop=True)


@pytest.fixture(scope="module")
def prep(fit_rows):
    _, X, y, _ = fit_rows
    return make_preprocessor().fit(X, y)


def test_date_parts_match_pandas():
    dates = pd.to_datetime(["2013-01-01", "2014-12-31", "2015-02-28", "2016-02-29", "2015-06-19"])
    days = dates.values.astype("datetime64[D]").astype(np.int64)
    parts = date_parts(days)
    assert list(parts["year"]) == list(dates.year)
    assert list(parts["month"]) == list(dates.month)
    assert list(parts["day"]) == list(dates.day)
    assert list(parts["day_of_year"]) == list(dates.day_of_year)
    assert list(parts["day_of_week"]) == list(dates.day_of_week + 1)


def _calendar(dates: pd.DatetimeIndex) -> pd.DataFrame:
    rows = pd.DataFrame({s.STORE: 1, s.DATE: dates})
    return CalendarFeatures().fit(rows).transform(rows)


def test_day_of_year_is_leap_neutral_and_unchanged_for_common_years():
    """``day_of_year`` counted from 1 January gave every date from 1 March of a leap year the next date's number:
    2016-12-23 was 358, Christmas Eve's in the common years the trees learned from (train.csv holds none), and
    forecast 21% low (docs/modeling.md). 29 February now takes 28 February's number, later days their common-year
    one, and every date of train.csv's years keeps the number it had, so existing models forecast them unchanged."""
    common = pd.date_range("2013-01-01", "2015-12-31")  # train.csv's years, and test.csv's
    got = _calendar(common)
    assert got["day_of_year"].tolist() == common.day_of_year.tolist()
    assert got["week_of_year"].tolist() == ((common.day_of_year - 1) // 7 + 1).tolist()

    def numbers(*dates: str) -> list[int]:
        return _calendar(pd.to_datetime(list(dates)))["day_of_year"].tolist()

    assert numbers("2016-12-23", "2015-12-23", "2016-12-24", "2015-12-24") == [357, 357, 358, 358]
    assert numbers("2016-02-28", "2016-02-29", "2016-03-01", "2015-03-01", "2016-12-31") == [59, 59, 60, 60, 365]
    assert numbers("2000-03-01", "2020-12-25", "2021-12-25") == [60, 359, 359]  # 2000: a leap year (÷400)
    weeks = _calendar(pd.to_datetime(["2016-12-23", "2015-12-23"]))["week_of_year"].tolist()
    assert weeks[0] == weeks[1] == 51


def test_preprocessor_outputs_every_feature_in_order(prep, fit_rows):
    *_, later = fit_rows
    Z = prep.transform(later)
    assert Z.shape == (len(later), len(FEATURES))
    assert list(prep.get_feature_names_out()) == list(FEATURES)
    assert np.isfinite(Z[:, list(FEATURES).index("hist_log_mean")]).all()


def test_excluding_every_feature_is_refused_naming_exclude():
    """An ablation that leaves no column would give a 0 x 0 matrix for any rows: refused at fit instead."""
    X = {name: np.zeros(3) for name in FEATURES}
    assert FeatureMatrix(exclude=FEATURES[1:]).fit(X).transform(X).shape == (3, 1)
    with pytest.raises(ValueError, match="`exclude` names all"):
        FeatureMatrix(exclude=FEATURES).fit(X)


def test_a_stores_rows_alone_equal_the_batch_in_any_order(prep, fit_rows):
    *_, later = fit_rows
    batch = prep.transform(later)
    shuffled = later.sample(frac=1.0, random_state=3)
    np.testing.assert_array_equal(prep.transform(shuffled), batch[shuffled.index.to_numpy()])
    for store in later[s.STORE].unique()[:5]:
        own = later[later[s.STORE] == store]
        np.testing.assert_array_equal(prep.transform(own), batch[own.index.to_numpy()])


def test_unknown_store_is_refused_by_number(prep, fit_rows):
    *_, later = fit_rows
    rows = later.iloc[:2].copy()
    rows[s.STORE] = [99991, 99992]
    with pytest.raises(DataContractError, match="99991, 99992"):
        prep.transform(rows)


def test_merge_store_names_missing_stores(fit_rows):
    ds, *_ = fit_rows
    rows = ds.train.iloc[:1].copy()
    rows[s.STORE] = 424242
    with pytest.raises(DataContractError, match="424242"):
        merge_store(rows, ds.store)


def test_merge_store_counts_the_missing_stores_it_does_not_list(fit_rows):
    """25 missing stores: the first 20 are named and the message says 5 more, not 20 as if they were all."""
    ds, *_ = fit_rows
    rows = ds.train.iloc[:25].copy()
    rows[s.STORE] = np.arange(900_001, 900_026)
    with pytest.raises(DataContractError, match=r"900001, .*, 900020 and 5 more appear"):
        merge_store(rows, ds.store)


def test_unknown_stores_are_listed_up_to_a_limit(prep, fit_rows):
    """A fitted preprocessor asked for 1,000 unknown stores names 20 of them, not a message of 1,000 ids."""
    *_, later = fit_rows
    rows = later.iloc[:1].loc[[later.index[0]] * 1000].reset_index(drop=True)
    rows[s.STORE] = np.arange(900_001, 901_001)
    with pytest.raises(DataContractError, match=r"900020 and 980 more") as info:
        prep.transform(rows)
    assert "900021" not in str(info.value)


def test_proximity_counts_days_to_known_holidays(fit_rows):
    ds, X, y, _ = fit_rows
    step = ScheduleProximity().fit(X)
    rows = pd.DataFrame({s.STORE: [1, 1, 1, 1], s.DATE: pd.to_datetime(
        ["2015-12-22", "2015-12-25", "2015-12-28", "2015-04-03"]), s.PROMO: [0, 0, 1, 0]})
    out = step.transform(rows)
    assert list(out["christmas_before"][:2]) == [3, 0]
    assert out["christmas_after"][2] == 3
    assert out["holiday_before"][1] == 0  # Christmas Day is a public holiday everywhere
    assert out["easter_before"][3] == 2  # Good Friday 2015-04-03, Easter Sunday 04-05
    assert out["promo_cycle_pos"][2] == 0  # Monday with Promo=1 starts a promo week


def test_promo_phase_from_rows_equals_the_phase_from_per_monday_counts(fit_rows):
    """The Dask engine sums per-Monday promo counts over its parts; the phase must be the local one."""
    _, X, _, _ = fit_rows
    days = to_days(X[s.DATE])
    promo = X[s.PROMO].to_numpy(dtype=float)
    monday = weekday(days) == 0
    counts = pd.DataFrame({"day": days[monday], "promo": promo[monday]}).groupby("day")["promo"].agg(["sum", "count"])
    from_counts = latest_promo_monday(counts.index.to_numpy(), (counts["sum"] / counts["count"]).to_numpy(),
                                      int(days.max()))
    anchor = promo_anchor(days, promo)
    assert from_counts == anchor
    assert weekday(np.array([anchor]))[0] == 0 and promo[days == anchor].mean() > 0.5
    # no Monday ran a promo: the Monday on or before the last day
    last = int(days.max())
    assert latest_promo_monday(counts.index.to_numpy(), np.zeros(len(counts)), last) == monday_on_or_before(last)


def test_promo2_and_competition_features():
    store = pd.DataFrame({
        s.STORE: [1, 2], s.STORE_TYPE: ["a", "b"], s.ASSORTMENT: ["a", "c"],
        s.COMPETITION_DISTANCE: [100.0, np.nan], s.COMPETITION_OPEN_SINCE_MONTH: [1.0, np.nan],
        s.COMPETITION_OPEN_SINCE_YEAR: [2014.0, np.nan], s.PROMO2: [1, 0],
        s.PROMO2_SINCE_WEEK: [1.0, np.nan], s.PROMO2_SINCE_YEAR: [2015.0, np.nan],
        s.PROMO_INTERVAL: ["Jan,Apr,Jul,Oct", np.nan],
    })
    dates = pd.to_datetime(["2015-04-10", "2014-12-30", "2015-04-10"])
    rows = pd.DataFrame({s.STORE: [1, 1, 2], s.DATE: dates})
    step = StoreAttributes(imputer=None).fit(merge_store(rows, store))
    out = step.transform(rows[[s.STORE, s.DATE]])
    assert out["competition_months"][0] == 15
    assert np.isnan(out["competition_months"][2])
    assert out["promo2_month"].tolist() == [1.0, 0.0, 0.0]  # April is a relaunch month; 2014 before start
    weeks = (pd.Timestamp("2015-04-10") - pd.Timestamp("2014-12-29")).days / 7  # ISO week 1 of 2015
    assert out["promo2_weeks"][0] == pytest.approx(weeks)
    assert out["store_type"].tolist() == [0.0, 0.0, 1.0]


def test_history_is_learned_from_y(fit_rows):
    _, X, y, _ = fit_rows
    a = StoreHistory().fit(X, y)
    shifted = StoreHistory().fit(X, y * 2.0)
    i = list(shifted.stat_names_).index("hist_log_mean")
    assert (shifted.stats_[:, i] > a.stats_[:, i]).all()
    with pytest.raises(ValueError, match="`y`"):
        StoreHistory().fit(X, None)


def test_a_part_of_the_chain_measures_its_recent_level_up_to_the_day_it_is_given(fit_rows):
    """A store whose rows end early (here the first store's last 30 days dropped) has its recent level measured
    back from the chain's last day in a fit on all rows; fitted alone, from its own last day, unless told the
    chain's (``recent_until``, what the Dask engine's store partitions pass)."""
    _, X, y, _ = fit_rows
    first = X[s.STORE] == X[s.STORE].min()
    cut = X[s.DATE].max() - pd.Timedelta(days=30)
    keep = ~first | (X[s.DATE] <= cut)
    X, y = X[keep].reset_index(drop=True), np.asarray(y)[keep.to_numpy()]
    part = (X[s.STORE] == X[s.STORE].min()).to_numpy()
    col = list(StoreHistory().fit(X, y).stat_names_).index("hist_recent")
    chain = StoreHistory().fit(X, y).stats_[0, col]
    alone = StoreHistory().fit(X[part], y[part]).stats_[0, col]
    told = StoreHistory().fit(X[part], y[part], recent_until=to_days(X[s.DATE][y > 0]).max()).stats_[0, col]
    assert told == pytest.approx(chain, rel=1e-12) and alone != pytest.approx(chain, rel=1e-6)


@pytest.mark.parametrize("recent_days", [0, -7, 91.5, "91"])
def test_a_recent_window_of_no_whole_days_is_refused_naming_recent_days(fit_rows, recent_days):
    """``recent_days=0`` used to fit, with ``hist_recent`` NaN for every store and nothing said."""
    _, X, y, _ = fit_rows
    with pytest.raises(ValueError, match="`recent_days` must be a whole number"):
        StoreHistory(recent_days=recent_days).fit(X, y)


def test_history_without_any_sales_is_refused_naming_the_problem(fit_rows):
    """Was numpy's "zero-size array to reduction operation maximum which has no identity"."""
    _, X, y, _ = fit_rows
    with pytest.raises(ValueError, match=rf"`y` \(Sales\) has no value > 0 among its {len(y):,} rows"):
        StoreHistory().fit(X, np.zeros(len(y)))


@pytest.mark.parametrize("est", [StoreAttributes(), CalendarFeatures(), ScheduleProximity(), StoreHistory()],
                         ids=lambda e: type(e).__name__)
def test_transformer_contract(est, fit_rows):
    _, X, y, later = fit_rows
    assert clone(est).get_params() == est.get_params()
    with pytest.raises(NotFittedError):
        est.transform(later)
    fitted = clone(est).fit(X, y)
    later = later.set_axis(later.index * 10 + 3)  # any index: it is kept
    out = fitted.transform(later)
    # a DataFrame in, a DataFrame out: the same rows and index, the input's columns first, then the step's
    assert isinstance(out, pd.DataFrame)
    assert out.index.equals(later.index)
    assert out.columns.tolist()[:len(later.columns)] == later.columns.tolist()
    names = fitted.get_feature_names_out().tolist()
    assert set(out.columns[len(later.columns):]) <= set(names)
    assert {c for c in names if c not in X.columns} <= set(out.columns)
    assert set(fitted.get_feature_names_out()) >= set(X.columns)
    # the fast path (the columns as a mapping) gives FeatureColumns holding the very same values
    fast = fitted.transform(as_columns(later))
    assert isinstance(fast, FeatureColumns)
    assert list(fast) == out.columns.tolist()
    for name in out.columns:
        assert pd.Series(fast[name]).equals(pd.Series(as_columns(out)[name])), name


def test_column_extraction_equals_to_numpy():
    """``as_columns`` takes string categoricals from their codes: the values ``to_numpy`` gives."""
    frame = pd.DataFrame({
        s.STATE_HOLIDAY: pd.Categorical(["0", "a", None, "c"], categories=list(s.STATE_HOLIDAY_CODES)),
        "ints": pd.Categorical([1, 2, 1, 2]),
        s.STORE: np.array([1, 2, 3, 4], dtype=np.int32),
        s.DATE: pd.to_datetime(["2015-08-01"] * 4),
    })
    cols = as_columns(frame)
    for name in frame.columns:
        expected = frame[name].to_numpy()
        assert cols[name].dtype == expected.dtype
        assert pd.Series(cols[name]).equals(pd.Series(expected))


def test_holiday_codes_batch_path_equals_row_loop():
    values = np.array(["0", "a", "b", "c", "x", None, np.nan, 0, 1, 0.0] * 10, dtype=object)
    loop = np.array([_holiday_codes(values[[i]])[0] for i in range(len(values))])
    assert len(values) > 64  # the vectorised branch
    np.testing.assert_array_equal(_holiday_codes(values), loop)


def test_each_store_alone_equals_batch_across_states(prep, fit_rows):
    """Rows of several states, far-ahead dates and closed days: each store's rows alone give their batch rows.

    A row's features may read its own store's schedule in the input (``StoreSchedule``), never other stores'.
    """
    *_, later = fit_rows
    rows = pd.concat([later.iloc[::7], later.iloc[:5].assign(**{s.DATE: pd.Timestamp("2019-12-24")})],
                     ignore_index=True)
    batch = prep.transform(rows)
    for _, own in rows.groupby(s.STORE):
        np.testing.assert_array_equal(prep.transform(own), batch[own.index.to_numpy()])


def test_a_row_alone_equals_its_batch_row_when_its_store_has_no_closure_in_reach(prep, fit_rows):
    """Without a closure of its store in the input, a row's features do not depend on its company at all."""
    *_, later = fit_rows
    one_day = later[later[s.DATE] == later[s.DATE].min()].reset_index(drop=True)
    batch = prep.transform(one_day)
    for i in range(0, len(one_day), 5):
        np.testing.assert_array_equal(prep.transform(one_day.iloc[[i]])[0], batch[i])


def test_carnival_offset_counts_days_to_and_from_rosenmontag():
    """Rosenmontag 2015 was 2015-02-16 (Easter 04-05 minus 48 days); 2014: 03-03."""
    X = pd.DataFrame({s.STORE: [1], s.DATE: pd.to_datetime(["2014-06-01"]), s.PROMO: [0]})
    step = ScheduleProximity(cap=30).fit(X)
    days = ["2015-02-12", "2015-02-16", "2015-02-17", "2014-03-03", "2015-07-01"]
    out = step.transform(pd.DataFrame({s.STORE: [1] * 5, s.DATE: pd.to_datetime(days), s.PROMO: [0] * 5}))
    assert list(out["carnival_offset"]) == [-4, 0, 1, 0, 30]  # Weiberfastnacht, the day, Ash Wednesday
