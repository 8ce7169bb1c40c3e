"""Every number the EDA report quotes, checked on tiny hand-made frames with a known answer."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from storecast import schema as s
from storecast.clean.report import CleaningReport
from storecast.data.synthetic import make_synthetic
from storecast.eda import questions as q
from storecast.eda.promotions import promo2_start


def _days(store: int, start: str, end: str, sales: float = 100, customers: float = 10, **cols) -> pd.DataFrame:
    """Daily rows of one store, every column settable (scalars or arrays)."""
    dates = pd.date_range(start, end, freq="D")
    df = pd.DataFrame({s.STORE: np.int32(store), s.DAY_OF_WEEK: (dates.day_of_week + 1).astype("int8"), s.DATE: dates,
                       s.SALES: sales, s.CUSTOMERS: customers, s.OPEN: 1, s.PROMO: 0, s.STATE_HOLIDAY: "0",
                       s.SCHOOL_HOLIDAY: 0})
    for k, v in cols.items():
        df[k] = v
    return df


def _train(*parts: pd.DataFrame) -> pd.DataFrame:
    df = pd.concat(parts, ignore_index=True)
    df[s.STATE_HOLIDAY] = pd.Categorical(df[s.STATE_HOLIDAY], categories=list(s.STATE_HOLIDAY_CODES))
    for col in (s.OPEN, s.PROMO, s.SCHOOL_HOLIDAY):
        df[col] = df[col].astype("int8")
    df.loc[df[s.OPEN] == 0, [s.SALES, s.CUSTOMERS]] = 0
    return df[list(s.TRAIN_COLUMNS)]


def _store(n: int, **cols) -> pd.DataFrame:
    df = pd.DataFrame({s.STORE: np.arange(1, n + 1, dtype="int32"), s.STORE_TYPE: "a", s.ASSORTMENT: "a",
                       s.COMPETITION_DISTANCE: 1000.0, s.COMPETITION_OPEN_SINCE_MONTH: np.nan,
                       s.COMPETITION_OPEN_SINCE_YEAR: np.nan, s.PROMO2: 0, s.PROMO2_SINCE_WEEK: np.nan,
                       s.PROMO2_SINCE_YEAR: np.nan, s.PROMO_INTERVAL: np.nan})
    for k, v in cols.items():
        df[k] = v
    df[s.STORE_TYPE] = pd.Categorical(df[s.STORE_TYPE], categories=list(s.STORE_TYPES))
    df[s.ASSORTMENT] = pd.Categorical(df[s.ASSORTMENT], categories=list(s.ASSORTMENTS))
    df[s.PROMO2] = df[s.PROMO2].astype("int8")
    df[s.PROMO_INTERVAL] = df[s.PROMO_INTERVAL].astype(object)
    return df


# -- 1. overview and quality ------------------------------------------------------------------------------

def test_find_gaps_inner_leading_and_shared():
    full = _days(1, "2014-01-01", "2014-01-10")
    inner = _days(2, "2014-01-01", "2014-01-10").drop(index=[3, 4, 5])  # 01-04 .. 01-06
    late = _days(3, "2014-01-03", "2014-01-10")
    gaps = q.find_gaps(_train(full, inner, late))
    assert gaps[[s.STORE, "days"]].values.tolist() == [[3, 2], [2, 3]]
    assert gaps["start"].dt.strftime("%m-%d").tolist() == ["01-01", "01-04"]


def test_data_overview_counts_and_gap_groups():
    a = _days(1, "2014-01-01", "2014-01-10", Open=[1] * 9 + [0])
    b = _days(2, "2014-01-01", "2014-01-10").drop(index=[3, 4])
    c = _days(3, "2014-01-01", "2014-01-10").drop(index=[3, 4])
    test = _days(1, "2014-02-01", "2014-02-03")
    r = q.data_overview(_train(a, b, c), _store(3), test)
    n = r.numbers
    assert (n["train_rows"], n["stores"], n["days"], n["stores_complete"], n["missing_store_days"]) == (26, 3, 10, 1, 4)
    assert n["gap_groups"] == [{"start": "2014-01-04", "end": "2014-01-05", "days": 2, "stores": 2}]
    assert n["open_share"] == pytest.approx(25 / 26)
    assert (n["test_rows"], n["test_stores"]) == (3, 1)
    assert "2 stores" in r.answer and r.finding.startswith("2 stores have no data")


@pytest.mark.parametrize(("gap_stores", "said"), [
    (1, "Gaps: 1 store (2) misses 2014-01-04 to 2014-01-05 (2 days)."),
    (2, "Gaps: 2 stores (2, 3) miss 2014-01-04 to 2014-01-05 (2 days)."),
    (1, "Gaps: 1 store (2) misses 2014-01-04."),
], ids=["one-store-days", "two-stores-days", "one-store-one-day"])
def test_data_overview_names_a_gap_in_the_number_of_its_stores(gap_stores, said):
    """Was "1 store (3) miss 2014-07-01 to 2014-12-31" on a gap of several days (a single day said "misses")."""
    days = 1 if said.endswith("-04.") else 2
    parts = [_days(1, "2014-01-01", "2014-01-10")]
    parts += [_days(n, "2014-01-01", "2014-01-10").drop(index=list(range(3, 3 + days)))
              for n in range(2, 2 + gap_stores)]
    assert said in q.data_overview(_train(*parts), _store(1 + gap_stores)).answer


def test_data_overview_names_stores_of_store_csv_without_train_rows():
    train = _train(_days(1, "2014-01-01", "2014-01-10"), _days(2, "2014-01-01", "2014-01-10"))
    r = q.data_overview(train, _store(5))
    assert r.numbers["stores_in_store_csv"] == 5
    assert "3 stores in store.csv have no rows in train.csv" in r.answer
    assert "store.csv" not in q.data_overview(train, _store(2)).answer


def test_missing_values_reads_the_rule_from_the_data_and_the_treatment_from_the_report():
    store = _store(4, **{s.PROMO2: [0, 0, 1, 1], s.PROMO2_SINCE_WEEK: [np.nan, np.nan, 5, np.nan],
                         s.PROMO2_SINCE_YEAR: [np.nan, np.nan, 2012, 2012],
                         s.COMPETITION_OPEN_SINCE_YEAR: [np.nan, 2010, 2011, 2012],
                         s.COMPETITION_DISTANCE: [np.nan, 10.0, 20.0, 30.0]})
    test = _days(1, "2014-02-01", "2014-02-02")
    test.attrs["missing_open_filled"] = 2
    report = CleaningReport()
    report.add("StoreContextImputer", s.PROMO2_SINCE_WEEK, "not applicable when Promo2 == 0", 2, 2, "set to 0")
    r = q.missing_values(_train(_days(1, "2014-01-01", "2014-01-03")), store, test, report)
    n = r.numbers
    assert n["promo2_missing"] == 3
    assert n["promo2_missing_share_without_promo2"] == pytest.approx(2 / 3)
    assert (n["competition_since_missing"], n["competition_distance_missing"]) == (1, 1)
    assert n["competition_since_missing_with_distance"] == 0
    assert (n["missing_train"], n["missing_test_open"]) == (0, 2)
    assert n["missing_store"] == 3 + 2 + 1 + 1 + 4 + 4  # week, year, since-year, distance, since-month, interval
    shown = r.tables["missing_columns"].set_index("column")
    assert shown.loc[s.PROMO2_SINCE_WEEK, "treatment"].startswith("not applicable")
    assert (shown["missing"] > 0).all()


def test_missing_values_with_no_gap_says_nothing_is_missing_and_names_no_empty_rule():
    store = _store(2, **{s.COMPETITION_OPEN_SINCE_MONTH: 9.0, s.COMPETITION_OPEN_SINCE_YEAR: 2010.0,
                         s.PROMO_INTERVAL: "Jan,Apr,Jul,Oct", s.PROMO2: 1, s.PROMO2_SINCE_WEEK: 5.0,
                         s.PROMO2_SINCE_YEAR: 2012.0})
    r = q.missing_values(_train(_days(1, "2014-01-01", "2014-01-03")), store, None, None)
    assert r.answer == "No value is missing in train.csv or store.csv."
    assert r.numbers["missing_total"] == 0


def test_missing_values_names_only_the_gaps_that_exist():
    store = _store(2, **{s.COMPETITION_OPEN_SINCE_MONTH: [9.0, np.nan], s.COMPETITION_OPEN_SINCE_YEAR: [2010.0, np.nan],
                         s.PROMO_INTERVAL: "Jan,Apr,Jul,Oct", s.PROMO2: 1, s.PROMO2_SINCE_WEEK: 5.0,
                         s.PROMO2_SINCE_YEAR: 2012.0})
    r = q.missing_values(_train(_days(1, "2014-01-01", "2014-01-03")), store, None, None)
    assert r.answer.startswith("2 values are missing: 0 in train.csv and 2 in store.csv. CompetitionOpenSince* is "
                               "empty for 1 store, which has a competitor distance")
    assert "Promo2Since*" not in r.answer


def test_missing_values_treatment_is_the_rule_of_that_files_column_and_lists_every_rule():
    """Was: treatments were keyed by column name alone, so train.csv's Open (never missing) carried test.csv's
    "missing -> open" rule in tables/missing__missing.csv, and a column filled by two context rules showed one."""
    store = _store(3, **{s.COMPETITION_DISTANCE: [np.nan, 10.0, 20.0],
                         s.COMPETITION_OPEN_SINCE_MONTH: [np.nan, np.nan, 4.0],
                         s.COMPETITION_OPEN_SINCE_YEAR: [np.nan, np.nan, 2012.0]})
    test = _days(1, "2014-02-01", "2014-02-02")
    test.attrs["missing_open_filled"] = 1
    report = CleaningReport()
    report.add("contract", "test.csv Open", "missing -> open (1)", 1, 1, "taken as open")
    report.add("StoreContextImputer", s.COMPETITION_OPEN_SINCE_MONTH, "distance known", 1, 1, "set to 1")
    report.add("StoreContextImputer", s.COMPETITION_OPEN_SINCE_MONTH, "no known competitor", 1, 1, "set to 1")
    r = q.missing_values(_train(_days(1, "2014-01-01", "2014-01-03")), store, test, report)
    table = r.tables["missing"].set_index(["file", "column"])["treatment"]
    assert table[("train.csv", s.OPEN)] == ""
    assert table[("test.csv", s.OPEN)] == "missing -> open (1): taken as open"
    assert table[("store.csv", s.COMPETITION_OPEN_SINCE_MONTH)] == (
        "distance known: set to 1; no known competitor: set to 1")


def test_missing_values_chart_counts_in_whole_values():
    """A few missing values (a small chain, the synthetic demo's) put ticks at 0.5, 1.5, 2.5 on a count."""
    store = _store(4, **{s.COMPETITION_DISTANCE: [np.nan, 10.0, 20.0, 30.0],
                         s.COMPETITION_OPEN_SINCE_YEAR: [np.nan, np.nan, 2011, 2012]})
    ax = q.missing_values(_train(_days(1, "2014-01-01", "2014-01-03")), store, None).draw().axes[0]
    ticks = [tick for tick in ax.get_xticks() if ax.get_xlim()[0] <= tick <= ax.get_xlim()[1]]
    assert len(ticks) >= 2 and all(float(tick).is_integer() for tick in ticks), ticks


def test_a_few_missing_values_never_read_as_none():
    # test.csv's 11 missing Open values of 41,088 rows read "0.0%" in the report's table, i.e. none
    from storecast.eda.render import table_rows

    test = _days(1, "2014-01-01", "2022-03-18")  # 3,000 rows, 1 Open value missing
    test.attrs["missing_open_filled"] = 1
    r = q.missing_values(_train(_days(1, "2014-01-01", "2014-01-03")), _store(1), test)
    shown = r.tables["missing_columns"]
    header, rows = table_rows(shown)
    open_row = rows[shown.index[(shown["file"] == "test.csv") & (shown["column"] == s.OPEN)][0]]
    assert open_row[header.index("share")] == "<0.1%"
    ax = r.draw().axes[0]
    assert "1 (<0.1%)" in [t.get_text() for t in ax.texts]  # the chart's bar says it too, with the count

@pytest.mark.parametrize("method", ["iqr", "zscore", "mad"])
def test_outlier_counts_flag_the_one_extreme_day(method):
    sales = [100] * 10 + [110] * 10 + [1000]
    train = _train(_days(1, "2014-01-01", "2014-01-21", sales=sales, customers=10))
    r = q.outlier_counts(train, methods=(method,))
    assert r.numbers[f"{method}_{s.SALES}"] == 1
    assert r.numbers[f"{method}_{s.CUSTOMERS}"] == 0
    assert r.numbers["open_days_checked"] == 21


# -- 2. promotions -----------------------------------------------------------------------------------------

def test_promo_train_vs_test_shares_on_open_days():
    train = _train(_days(1, "2014-01-06", "2014-01-09", Promo=[1, 1, 0, 0]),
                   _days(2, "2014-01-06", "2014-01-09", Promo=[1, 0, 0, 0], Open=[1, 1, 1, 0]))
    test = _days(1, "2014-02-03", "2014-02-04", Promo=[1, 1])
    n = q.promo_train_vs_test(train, test).numbers
    assert n["train_promo_share"] == pytest.approx(3 / 7)
    assert n["test_promo_share"] == 1.0
    assert n["train_store_share_median"] == pytest.approx(1 / 2)  # only store 1 is in both
    assert q.promo_train_vs_test(train, None) is None


def test_promo_mix_with_no_store_in_both_files_compares_the_overall_shares_only():
    train = _train(_days(1, "2014-01-06", "2014-01-09", Promo=[1, 1, 0, 0]))
    test = _days(2, "2014-02-03", "2014-02-04", Promo=[1, 0])
    r = q.promo_train_vs_test(train, test)
    assert "n/a" not in r.answer
    assert r.answer.startswith("Promo runs on 50.0% of open store-days in train and 50.0% in test; no test store has "
                               "open days in train.csv, so shares cannot be set side by side per store")


def test_promo_mix_with_no_open_test_day_says_so_instead_of_n_a():
    train = _train(_days(1, "2014-01-06", "2014-01-09", Promo=[1, 1, 0, 0]))
    test = _days(1, "2014-02-03", "2014-02-04", Promo=[1, 1], Open=0)
    r = q.promo_train_vs_test(train, test)
    assert "n/a" not in r.answer
    assert "test.csv has no open day" in r.answer
    assert r.numbers["train_promo_share"] == pytest.approx(0.5)


def test_promo_effect_on_weekdays_only():
    week = _days(1, "2014-01-06", "2014-01-12",  # Mon..Sun
                 Promo=[1, 1, 0, 0, 0, 0, 0], sales=[200, 200, 100, 100, 100, 900, 900],
                 customers=[20, 20, 10, 10, 10, 90, 90])
    n = q.promo_effect(_train(week)).numbers
    assert (n["sales_promo"], n["sales_no_promo"]) == (200, 100)
    assert n["uplift_sales"] == pytest.approx(1.0)
    assert n["uplift_customers"] == pytest.approx(1.0)
    assert n["uplift_sales_per_customer"] == pytest.approx(0.0)


@pytest.mark.parametrize("promo", [0, 1])
def test_promo_questions_without_one_side_say_why_instead_of_failing(promo):
    """No promo day at all, or promo on every day: valid data, nothing to compare, and the report says so."""
    train = _train(_days(1, "2014-01-06", "2014-01-19", Promo=promo), _days(2, "2014-01-06", "2014-01-19", Promo=promo))
    effect, stores = q.promo_effect(train), q.promo_uplift_by_store(train, _store(2))
    missing = "without" if promo else "with"
    assert effect.answer.startswith(f"Not answered: train.csv has no open Monday-Friday day {missing} Promo")
    assert stores.answer.startswith("Not answered: no store has both promo and non-promo")
    assert (effect.draw, stores.draw, stores.numbers["answered"]) == (None, None, False)


def test_promo_uplift_ranks_by_extra_sales_per_promo_day():
    promo = [1, 0, 1, 0, 1]
    train = _train(_days(1, "2014-01-06", "2014-01-10", Promo=promo, sales=[150, 100, 150, 100, 150]),
                   _days(2, "2014-01-06", "2014-01-10", Promo=promo, sales=[1100, 1000, 1100, 1000, 1100]))
    r = q.promo_uplift_by_store(train, _store(2), top=1)
    assert r.numbers["top_stores"] == [2]
    assert r.numbers["median_uplift"] == pytest.approx((0.5 + 0.1) / 2)
    assert r.numbers["median_extra_sales"] == pytest.approx(75)
    per = r.tables["promo_uplift_per_store"].set_index(s.STORE)
    assert per.loc[1, "uplift"] == pytest.approx(0.5) and per.loc[2, "extra_sales_per_promo_day"] == 100


def _uplifts(n: int) -> pd.DataFrame:
    """``n`` stores, store k selling 100 + 10 k on a promo day and 100 on the others (Mon-Fri, alternating)."""
    promo = [1, 0, 1, 0, 1]
    return _train(*(_days(k, "2014-01-06", "2014-01-10", Promo=promo, sales=[100 + 10 * k if p else 100 for p in promo])
                    for k in range(1, n + 1)))


def test_promo_uplift_over_a_few_stores_says_how_few_instead_of_percentiles():
    """Over 3 stores "10% of stores below +11.8%" interpolated between two stores and the top store was told to
    "get promos first" in the words a 1,115-store ranking gets: now the range, and n = 3 stores."""
    r = q.promo_uplift_by_store(_uplifts(3), _store(3))
    assert "(from +10.0% to +30.0% (n = 3 stores, too few to generalise))" in r.answer
    assert "10% of stores" not in r.answer and "a ranking of 3 stores only" in r.answer
    assert r.finding.endswith("(led by store 3) (n = 3 stores, too few to generalise).")
    many = q.promo_uplift_by_store(_uplifts(12), _store(12))
    assert "10% of stores below" in many.answer and "n = " not in many.answer + many.finding


def test_sales_vs_customers_over_a_few_stores_gives_the_range_not_a_5th_percentile():
    train, store = _three_stores()
    r = q.sales_vs_customers(train, store)
    per = q.store_correlations(train[train[s.SALES] > 0])
    assert f"(from {per.min():.2f} to {per.max():.2f} (n = 3 stores, too few to generalise))" in r.answer
    assert "5% below" not in r.answer


def test_promo2_start_is_the_monday_of_the_iso_week():
    store = _store(2, **{s.PROMO2: [1, 0], s.PROMO2_SINCE_WEEK: [1, np.nan], s.PROMO2_SINCE_YEAR: [2014, np.nan]})
    start = promo2_start(store)
    assert start[1] == pd.Timestamp("2013-12-30") and pd.isna(start[2])


def test_promo2_start_in_week_53_of_a_year_of_52_weeks_is_the_models_monday():
    """2012 has 52 ISO weeks, and `storecast eda` ended in "ValueError: Invalid week: 53". store.csv's contract
    now refuses such a week, but a frame built in code may hold one: the report reads it as the model's features
    do, 52 weeks after week 1's Monday."""
    from storecast.dates import iso_week_monday

    store = _store(2, **{s.PROMO2: [1, 1], s.PROMO2_SINCE_WEEK: [53, 53], s.PROMO2_SINCE_YEAR: [2012, 2015]})
    start = promo2_start(store)
    model = iso_week_monday(np.array([2012.0, 2015.0]), np.array([53.0, 53.0]))  # days since 1970-01-01
    assert start.tolist() == [pd.Timestamp("2012-12-31"), pd.Timestamp("2015-12-28")]
    assert start.tolist() == pd.to_datetime(model, unit="D").tolist()


def test_promo2_round_months_net_of_non_promo2_stores():
    dates = pd.date_range("2014-01-01", "2014-12-31")
    in_round = dates.month.isin([1, 4, 7, 10])
    treated = _days(1, "2014-01-01", "2014-12-31", sales=np.where(in_round, 120, 100), customers=10)
    control = _days(2, "2014-01-01", "2014-12-31", sales=100, customers=10)
    store = _store(2, **{s.PROMO2: [1, 0], s.PROMO2_SINCE_WEEK: [1, np.nan], s.PROMO2_SINCE_YEAR: [2012, np.nan],
                         s.PROMO_INTERVAL: ["Jan,Apr,Jul,Oct", np.nan]})
    r = q.promo2_effect(_train(treated, control), store)
    assert r.numbers["round_month_effect"] == pytest.approx(0.2)
    assert r.numbers["stores_with_promo2"] == 1
    assert r.numbers["median_sales_no_promo2"] == 100


def test_promo2_round_months_are_netted_on_the_participants_own_dates():
    """Was: the non-Promo2 ratio came from every date in the file, so a store that joined mid-way (here in
    July 2014, no round-month effect at all) was set against another calendar: December, a round month of
    its pattern and twice a normal month at every store, made up half its round months but a quarter of
    the control's, and the report found +20%."""
    dates = pd.date_range("2013-01-01", "2014-12-31")
    seasonal = np.where(dates.month == 12, 200.0, 100.0)  # the same calendar at every store
    joined = _days(1, "2013-01-01", "2014-12-31", sales=seasonal)
    control = _days(2, "2013-01-01", "2014-12-31", sales=seasonal)
    store = _store(2, **{s.PROMO2: [1, 0], s.PROMO2_SINCE_WEEK: [27, np.nan], s.PROMO2_SINCE_YEAR: [2014, np.nan],
                         s.PROMO_INTERVAL: ["Mar,Jun,Sept,Dec", np.nan]})
    r = q.promo2_effect(_train(joined, control), store)
    assert r.numbers["round_month_effect"] == pytest.approx(0.0, abs=1e-12)


# -- 3. holidays --------------------------------------------------------------------------------------------

def test_state_holiday_window_day_before_and_after():
    sales = np.full(31, 100.0)
    sales[13], sales[15] = 150, 120  # around the holiday on day index 14
    hol = ["0"] * 31
    hol[14] = "a"
    opened = [1] * 31
    opened[14] = 0
    train = _train(_days(1, "2014-03-01", "2014-03-31", sales=sales, StateHoliday=hol, Open=opened))
    n = q.state_holiday_window(train, window=7).numbers
    assert n["day_before"] == pytest.approx(1.5)
    assert n["day_after"] == pytest.approx(1.2)
    assert n["days_before_3"] == pytest.approx((1.5 + 1 + 1) / 3)
    assert n["open_share_on_holiday"] == 0.0
    assert n["day_before_a"] == pytest.approx(1.5)


def test_school_holiday_lift_within_the_month():
    school = [0] * 14 + [1] * 14
    train = _train(_days(1, "2014-01-01", "2014-01-28", sales=[100] * 14 + [110] * 14, SchoolHoliday=school))
    n = q.school_holiday_effect(train).numbers
    assert n["lift_same_month"] == pytest.approx(0.1)
    assert n["lift_by_month"] == {1: pytest.approx(0.1)}
    assert n["school_holiday_share"] == 0.5


def test_school_holidays_without_a_comparable_other_day_say_so_instead_of_n_a():
    """One week: each weekday comes once, so a school-holiday day has no other day of its weekday to compare."""
    train = _train(_days(1, "2014-01-06", "2014-01-12", SchoolHoliday=[1, 1, 1, 0, 0, 0, 0]))
    r = q.school_holiday_effect(train)
    assert "n/a" not in r.answer
    assert "no month has a school-holiday day and another day of the same weekday and promo flag" in r.answer
    assert set(r.numbers) == {"school_holiday_share", "lift_same_month", "lift_by_month"}


def test_christmas_peak_against_november_by_weekday_level():
    dates = pd.date_range("2013-11-01", "2013-12-31")
    sales = np.where(dates.month == 12, 150.0, 100.0)
    sales[dates == "2013-12-20"] = 450.0
    n = q.christmas_easter(_train(_days(1, "2013-11-01", "2013-12-31", sales=sales))).numbers
    # by hand: each day over the mean of its weekday, then Dec 1-23 over November
    ratio = pd.Series(sales, index=dates) / pd.Series(sales).groupby(dates.day_of_week).transform("mean").to_numpy()
    expected = ratio[(ratio.index.month == 12) & (ratio.index.day <= 23)].mean() / ratio[ratio.index.month == 11].mean()
    assert n["dec_peak_day"] == 20
    assert n["dec_1_23_vs_nov"] == pytest.approx(expected - 1)
    assert n["december_years"] == [2013] and n["easter_years"] == []


def test_easter_thursday_against_the_weeks_before():
    dates = pd.date_range("2014-03-01", "2014-05-10")  # Easter Sunday 2014-04-20
    sales = np.where(dates == "2014-04-17", 200.0, 100.0)
    n = q.christmas_easter(_train(_days(1, "2014-03-01", "2014-05-10", sales=sales))).numbers
    level = sales[dates.day_of_week == 3].mean()  # the Thursday level includes the Easter Thursday itself
    offsets = (dates - pd.Timestamp("2014-04-20")).days
    base_days = dates[(offsets >= -35) & (offsets <= -15)]  # three weeks: 3 Thursdays at 100/level, 18 days at 1
    assert len(base_days) == 21
    base = (3 * 100 / level + 18) / 21
    assert n["easter_thursday_vs_base"] == pytest.approx((200 / level) / base - 1)
    assert n["easter_tuesday_vs_base"] == pytest.approx(1 / base - 1)
    assert n["easter_years"] == [2014]



def test_the_saturday_before_easter_is_named_as_such():
    """Was "Easter Saturday" (numbers key easter_saturday_vs_base), which in church usage is the Saturday after
    Easter: the day measured is the one before Easter Sunday (dateutil's easter, minus one day)."""
    dates = pd.date_range("2014-03-01", "2014-05-10")  # Easter Sunday 2014-04-20
    sales = np.select([dates == "2014-04-19", dates == "2014-04-26"], [150.0, 50.0], 100.0)  # before; after
    r = q.christmas_easter(_train(_days(1, "2014-03-01", "2014-05-10", sales=sales)))
    level = sales[dates.day_of_week == 5].mean()  # the store's Saturday level, both Saturdays included
    offsets = (dates - pd.Timestamp("2014-04-20")).days
    base = (3 * 100 / level + 18) / 21  # three weeks -5..-3: 3 Saturdays at 100/level, 18 other days at 1
    assert ((offsets >= -35) & (offsets <= -15)).sum() == 21
    assert r.numbers["saturday_before_easter_vs_base"] == pytest.approx((150 / level) / base - 1)
    assert "easter_saturday_vs_base" not in r.numbers
    assert f"the Saturday before Easter Sunday {r.numbers['saturday_before_easter_vs_base']:+.1%}" in r.answer
    assert "Easter Saturday" not in r.answer

def _alternate_promo_weeks(start: str, end: str, promo_weeks_from: str) -> pd.DataFrame:
    """One store, every day open; Mon-Fri of every other week (from ``promo_weeks_from``) is a promo day selling 150."""
    days = _days(1, start, end)
    weeks = (days[s.DATE] - pd.Timestamp(promo_weeks_from)).dt.days // 7
    days[s.PROMO] = ((weeks % 2 == 0) & (days[s.DAY_OF_WEEK] <= 5)).astype(int)
    days[s.SALES] = np.where(days[s.PROMO] == 1, 150.0, 100.0)
    return days


def test_state_holiday_window_compares_with_days_of_the_same_promo_flag():
    """The days around a holiday in a week without promo sell 120: +20%, not the -4% that a level mixing
    promo weeks (150) and other weeks (100) gave. On the real data 20% of the days after a state holiday are
    promo days against 44% of normal days, and the day after read +18% instead of +26%."""
    days = _alternate_promo_weeks("2014-03-03", "2014-05-11", "2014-03-03")  # promo weeks 1, 3, 5, ...
    holiday = days[s.DATE] == "2014-04-09"  # Wednesday of week 6 (no promo)
    days.loc[holiday, [s.OPEN, s.STATE_HOLIDAY]] = [0, "a"]
    days.loc[days[s.DATE].isin(pd.to_datetime(["2014-04-08", "2014-04-10"])), s.SALES] = 120.0
    r = q.state_holiday_window(_train(days))
    assert r.numbers["day_before"] == pytest.approx(1.2) and r.numbers["day_after"] == pytest.approx(1.2)
    assert "+20.0% vs a normal day of the same weekday and promo status" in r.answer


def test_easter_week_promo_is_not_read_as_easter():
    """Holy Week was a promo week in 2013-2015: a promo Thursday selling 150 like every promo Thursday is +0%
    for Easter, not the promo's +50% (the report said +54.6% where the promo-free figure is +37.6%)."""
    days = _alternate_promo_weeks("2014-03-01", "2014-05-10", "2014-04-14")  # Holy Week 14-18 Apr is a promo week
    n = q.christmas_easter(_train(days)).numbers
    assert n["easter_thursday_vs_base"] == pytest.approx(0.0)
    assert n["easter_tuesday_vs_base"] == pytest.approx(0.0)  # the week after, without promo, is normal too


def test_closure_effects_compare_with_days_of_the_same_promo_flag():
    days = _alternate_promo_weeks("2014-03-03", "2014-05-11", "2014-03-03")
    days.loc[days[s.DATE] == "2014-04-09", s.OPEN] = 0  # a closed Wednesday in a week without promo
    days.loc[days[s.DATE] == "2014-04-10", s.SALES] = 120.0
    assert q.closure_effects(_train(days)).numbers["day_after_closure_sales"] == pytest.approx(1.2)


# -- 4. seasonality -----------------------------------------------------------------------------------------

def test_weekly_pattern_index_against_the_mon_sat_mean():
    by_dow = {1: 120, 2: 100, 3: 100, 4: 100, 5: 100, 6: 80, 7: 0}
    days = _days(1, "2014-01-06", "2014-02-02")
    days[s.SALES] = days[s.DAY_OF_WEEK].map(by_dow)
    days[s.OPEN] = (days[s.DAY_OF_WEEK] != 7).astype(int)
    n = q.weekly_pattern(_train(days), _store(1)).numbers
    assert (n["best_weekday"], n["worst_weekday"]) == ("Mon", "Sat")
    assert n["best_index"] == pytest.approx(1.2) and n["worst_index"] == pytest.approx(0.8)
    assert n["sunday_open_share"] == 0.0


def test_weekly_pattern_separates_the_promo_calendar_from_the_week():
    """Promo weeks (Mon-Fri 150) alternate with plain weeks where Friday sells 110 and the rest 100: all days
    together make Saturday the weakest day (promos never run on it), days without a promo show Friday +10%
    over a flat week. On the real data Sat read -16.5% but is -2.3% against days without a promo."""
    days = _alternate_promo_weeks("2014-01-06", "2014-03-02", "2014-01-06")
    days.loc[(days[s.PROMO] == 0) & (days[s.DAY_OF_WEEK] == 5), s.SALES] = 110.0
    days[s.OPEN] = (days[s.DAY_OF_WEEK] != 7).astype(int)
    r = q.weekly_pattern(_train(days), _store(1))
    n = r.numbers
    assert n["worst_weekday"] == "Sat"
    plain_mean = (24 * 100 + 4 * 110) / 28  # Mon-Sat days without promo: 4 plain weeks' Mon-Fri, 8 Saturdays
    assert n["best_weekday_no_promo"] == "Fri" and n["best_index_no_promo"] == pytest.approx(110 / plain_mean)
    assert n["saturday_index_no_promo"] == pytest.approx(100 / plain_mean)
    assert "but promos, which run Monday to Friday only, make most of that gap: on days without a promo Fri " \
           "sells most (+8.5%) and Mon least (-1.4%), Sat -1.4%." in r.answer
    seven = days.assign(**{s.OPEN: 1})
    trading = q.trading_days(_train(seven)).numbers
    assert trading["seven_saturday_vs_weekday_no_promo"] == pytest.approx(100 / 102)  # plain Mon-Fri mean: 102
    assert trading["seven_saturday_vs_weekday"] == pytest.approx(100 / ((150 * 5 + 102 * 5) / 10))



def test_the_weekly_table_says_its_mean_is_per_store_day_and_counts_the_stores():
    """Was a column "mean_sales": the mean of one store's day pooled over the stores trading that weekday, read
    as the chain's sales on that weekday. On Sunday only the 7-day stores (a big one here) count."""
    small = _days(1, "2014-01-06", "2014-02-02", sales=100.0)
    small[s.OPEN] = (small[s.DAY_OF_WEEK] != 7).astype(int)
    big = _days(2, "2014-01-06", "2014-02-02", sales=300.0)  # open every day
    table = q.weekly_pattern(_train(small, big), _store(2)).tables["weekly"].set_index("weekday")
    assert "mean_sales" not in table.columns
    assert table.loc["Mon", "mean_sales_per_store_day"] == pytest.approx(200.0)  # (100 + 300) / 2, not 4 * 400 / 4
    assert table.loc["Sun", "mean_sales_per_store_day"] == pytest.approx(300.0)
    assert table["stores"].tolist() == [2, 2, 2, 2, 2, 2, 1]

def test_monthly_pattern_peak_and_year_over_year_growth():
    d13 = pd.date_range("2013-01-01", "2013-12-31")
    d14 = pd.date_range("2014-01-01", "2014-12-31")
    y13 = _days(1, "2013-01-01", "2013-12-31", sales=np.where(d13.month == 12, 200.0, 100.0))
    y14 = _days(1, "2014-01-01", "2014-12-31", sales=np.where(d14.month == 12, 220.0, 110.0))
    n = q.monthly_pattern(_train(y13, y14), _store(1)).numbers
    assert n["growth"] == {"2014_vs_2013": pytest.approx(0.1)}
    assert n["peak_month"] == "Dec"
    assert n["peak_index"] == pytest.approx(210 / ((11 * 105 + 210) / 12))


def test_monthly_index_uses_full_years_and_growth_compares_the_same_stores():
    """A partial year (Jan-Jun, 50% higher) must not lift its months, and a small store missing Jul-Dec of
    the second year must not raise that year's growth: the real data's 2015 (to June) and the 180 stores
    closed in H2 2014 made September the low month (January is) and growth +3.3% (like-for-like +2.9%)."""
    def year(store: int, y: int, level: float, end: str | None = None) -> pd.DataFrame:
        dates = pd.date_range(f"{y}-01-01", end or f"{y}-12-31")
        shape = np.select([dates.month == 1, dates.month == 9], [0.90, 0.95], 1.0)  # January low, September next
        return _days(store, str(dates[0].date()), str(dates[-1].date()), sales=level * shape)

    train = _train(year(1, 2013, 100), year(1, 2014, 110), year(1, 2015, 165, "2015-06-30"),
                   year(2, 2013, 50), year(2, 2014, 55, "2014-06-30"))
    n = q.monthly_pattern(train, _store(2)).numbers
    assert n["index_years"] == [2013, 2014]
    assert n["low_month"] == "Jan" and n["low_index"] == pytest.approx(0.90 / ((0.90 + 0.95 + 10) / 12))
    assert n["growth"] == {"2014_vs_2013": pytest.approx(0.1), "2015_vs_2014": pytest.approx(0.5)}



def test_the_monthly_by_type_chart_names_the_years_each_type_was_averaged_over():
    """Was titled with the chain's years ("(2013, 2014)") while a type whose stores lack a full 2014 (type b
    here; in the synthetic chain too) is averaged over 2013 alone: each line now says its own years."""
    a = _train(_days(1, "2013-01-01", "2014-12-31"))
    b = _days(2, "2013-01-01", "2014-06-30")
    r = q.monthly_pattern(_train(a, b), _store(2, **{s.STORE_TYPE: ["a", "b"]}))
    assert r.numbers["index_years"] == [2013, 2014]
    panel = r.draw().axes[1]
    assert panel.get_title() == "Month-of-year index by store type"
    assert [line.get_label() for line in panel.get_lines() if not line.get_label().startswith("_")] == [
        "type a (2013, 2014)", "type b (2013)"]
    same = q.monthly_pattern(_train(a, _days(2, "2013-01-01", "2014-12-31")), _store(2, **{s.STORE_TYPE: ["a", "b"]}))
    panel = same.draw().axes[1]  # every type on the same years: they go in the title, as before
    assert panel.get_title() == "Month-of-year index by store type (2013, 2014)"
    assert [line.get_label() for line in panel.get_lines() if not line.get_label().startswith("_")] == [
        "type a", "type b"]

# -- 5. sales vs customers ------------------------------------------------------------------------------------

def test_store_correlations_and_sales_per_customer():
    up = _days(1, "2014-01-01", "2014-01-05", sales=[10, 20, 30, 40, 50], customers=[1, 2, 3, 4, 5])
    down = _days(2, "2014-01-01", "2014-01-05", sales=[50, 40, 30, 20, 10], customers=[1, 2, 3, 4, 5])
    train = _train(up, down)
    r = q.store_correlations(train)
    assert r[1] == pytest.approx(1.0) and r[2] == pytest.approx(-1.0)
    n = q.sales_vs_customers(train, _store(2, **{s.STORE_TYPE: ["a", "b"]})).numbers
    assert n["sales_per_customer"] == pytest.approx(300 / 30)
    assert n["spc_by_type"] == {"a": pytest.approx(10.0), "b": pytest.approx(10.0)}
    assert n["share_stores_r_above_0_8"] == 0.5


def test_sales_vs_customers_of_one_store_quotes_its_r_not_a_median_and_spread():
    one = _days(1, "2014-01-01", "2014-01-05", sales=[10, 20, 30, 40, 50], customers=[1, 2, 3, 4, 5])
    r = q.sales_vs_customers(_train(one), _store(1))
    assert "within the one store r is 1.00" in r.answer
    assert "median" not in r.answer + r.finding and "of stores" not in r.answer


def test_customers_never_recorded_leave_sales_vs_customers_unanswered():
    train = _train(_days(1, "2014-01-01", "2014-01-05", customers=0), _days(2, "2014-01-01", "2014-01-05", customers=0))
    result = q.sales_vs_customers(train, _store(2))
    assert result.answer.startswith("Not answered: Customers is 0 on every open day") and result.draw is None


def _three_stores() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Three synthetic stores over one quarter: train and store tables."""
    data = make_synthetic(n_stores=3, start="2014-01-01", end="2014-03-31", test_days=0, seed=1)
    return data.train, data.store


def test_a_store_with_constant_customers_is_left_out_of_the_median_r():
    """Store 1's r is undefined (customers never vary): the median is the other stores', not nan."""
    train, store = _three_stores()
    train = train.assign(**{s.CUSTOMERS: train[s.CUSTOMERS].where(train[s.STORE] != 1, 500)})
    r = q.sales_vs_customers(train, store)
    others = q.store_correlations(train[(train[s.STORE] != 1) & (train[s.SALES] > 0)])
    assert r.numbers["r_store_median"] == pytest.approx(others.median())
    assert "nan" not in r.answer + r.finding


def test_sales_vs_customers_says_in_words_when_no_store_has_an_r():
    """One open day per store: r within a store is undefined everywhere; the text says so, no 'nan', no warning."""
    train, store = _three_stores()
    train = train[train[s.SALES] > 0].groupby(s.STORE).head(1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = q.sales_vs_customers(train, store)
        r.draw()
    assert np.isnan(r.numbers["r_store_median"]) and "nan" not in r.answer + r.finding
    assert ("; within a store r cannot be computed (in every store sales or customers are the same on every open "
            "day). A customer spends") in r.answer
    assert r.finding.startswith("The within-store correlation of sales and customers cannot be computed (in every "
                                "store sales or customers are the same on every open day); a customer spends ")


def test_sales_vs_customers_with_constant_customers_everywhere_correlates_nothing():
    """Customers 500 on every open day: no r overall or per store, said once, and np.corrcoef's warning avoided."""
    train, store = _three_stores()
    train = train.assign(**{s.CUSTOMERS: train[s.CUSTOMERS].where(train[s.SALES] == 0, 500)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = q.sales_vs_customers(train, store)
        fig = r.draw()
    assert r.answer.startswith("Sales and customers cannot be correlated, across all open days or within a store: "
                               "sales or customers are the same on every open day. A customer spends ")
    assert "nan" not in r.answer + r.finding and fig.axes[0].get_title() == "Sales vs customers"


# -- 6. opening behaviour -------------------------------------------------------------------------------------

def test_closure_effects_day_before_after_and_long_closure():
    days = _days(1, "2014-01-06", "2014-02-02")  # four weeks, Mon..Sun
    days[s.OPEN] = (days[s.DAY_OF_WEEK] != 7).astype(int)
    dates = days[s.DATE]
    days.loc[dates == "2014-01-08", s.OPEN] = 0  # a closed Wednesday
    days.loc[dates == "2014-01-07", [s.SALES, s.CUSTOMERS]] = [150, 15]  # Tuesday before
    days.loc[dates == "2014-01-09", [s.SALES, s.CUSTOMERS]] = [130, 13]  # Thursday after
    days.loc[dates.between("2014-01-20", "2014-01-22"), s.OPEN] = 0  # Sun + Mon-Wed closed
    days.loc[dates == "2014-01-23", [s.SALES, s.CUSTOMERS]] = [200, 20]
    n = q.closure_effects(_train(days)).numbers
    assert n["day_before_closure_sales"] == pytest.approx(1.5)
    assert n["day_before_closure_customers"] == pytest.approx(1.5)
    assert n["day_after_closure_sales"] == pytest.approx(1.3)
    assert n["after_3plus_day_closure_sales"] == pytest.approx(2.0)
    assert n["after_3plus_day_closure_days"] == 1


def test_trading_days_groups_and_weekend_ratios():
    seven = _days(1, "2014-01-06", "2014-01-19")
    seven[s.SALES] = seven[s.DAY_OF_WEEK].map({1: 100, 2: 100, 3: 100, 4: 100, 5: 100, 6: 80, 7: 50})
    mon_sat = _days(2, "2014-01-06", "2014-01-26")
    mon_sat[s.OPEN] = (mon_sat[s.DAY_OF_WEEK] != 7).astype(int)
    mon_sat.loc[mon_sat[s.DATE] == "2014-01-12", s.OPEN] = 1  # one exceptional Sunday does not make it a 7-day store
    n = q.trading_days(_train(seven, mon_sat)).numbers
    assert (n["open_all_weekdays"], n["open_7_days"], n["open_mon_sat"]) == (2, 1, 1)
    assert n["open_7_days_stores"] == [1]
    assert n["seven_sunday_vs_weekday"] == pytest.approx(0.5)
    assert n["seven_saturday_vs_weekday"] == pytest.approx(0.8)
    assert n["mon_sat_saturday_vs_weekday"] == pytest.approx(1.0)


def test_trading_days_with_a_promo_on_every_weekday_leaves_out_the_no_promo_comparison():
    """Promo on every Mon-Fri day: no day without a promo to set weekends against, so no "n/a" sentence."""
    week = _days(1, "2014-01-06", "2014-01-12", Promo=[1, 1, 1, 1, 1, 0, 0])
    r = q.trading_days(_train(week))
    assert "n/a" not in r.answer and "n/a" not in r.finding
    assert "without a promo" not in r.answer + r.finding
    assert "seven_sunday_vs_weekday_no_promo" in r.numbers  # the key stays for readers of numbers.json


def test_trading_days_and_promo2_counts_agree_with_one_store():
    mon_sat = _days(1, "2014-01-06", "2014-01-19")
    mon_sat[s.OPEN] = (mon_sat[s.DAY_OF_WEEK] != 7).astype(int)
    train = _train(mon_sat, _days(2, "2014-01-06", "2014-01-19"))
    assert "; 1 trades Mon-Sat and 1 on all 7 days." in q.trading_days(train).answer
    store = _store(2, **{s.PROMO2: [1, 0], s.PROMO2_SINCE_WEEK: [1.0, np.nan], s.PROMO2_SINCE_YEAR: [2013.0, np.nan],
                         s.PROMO_INTERVAL: ["Jan,Apr,Jul,Oct", np.nan]})
    assert q.promo2_effect(train, store).answer.startswith("1 of 2 stores takes part in Promo2.")


def test_trading_days_of_a_single_store_says_store_not_stores():
    one = _days(1, "2014-01-06", "2014-01-19")
    answer = q.trading_days(_train(one)).answer
    assert answer.startswith("1 of 1 store trades on all weekdays Mon-Fri;")
    assert "1 stores" not in answer


# -- 7./8. store type, assortment, competition -----------------------------------------------------------------

def test_type_assortment_top_type_against_the_median_type():
    train = _train(_days(1, "2014-01-01", "2014-01-07", sales=100, customers=10),
                   _days(2, "2014-01-01", "2014-01-07", sales=300, customers=60),
                   _days(3, "2014-01-01", "2014-01-07", sales=120, customers=10))
    store = _store(3, **{s.STORE_TYPE: ["a", "b", "a"], s.ASSORTMENT: ["a", "b", "c"]})
    n = q.type_assortment(train, store).numbers
    assert n["top_type"] == "b"
    assert n["sales_by_type"] == {"a": pytest.approx(110.0), "b": pytest.approx(300.0)}
    assert n["top_type_vs_median"] == pytest.approx(300 / 205)
    assert n["top_type_spc"] == pytest.approx(5.0)
    assert n["assortment_c_vs_a"] == pytest.approx(0.2)


def test_type_basket_is_sales_over_customers_not_a_mean_of_store_baskets():
    """A busy store (300 sales, 100 customers) and a quiet one (100, 10): the type's basket is 200 / 55, the
    table's sales / customers, not the mean of 3.0 and 10.0 (6.5). On the real data the two definitions gave
    type b 5.16 here and 5.06 in the sales-and-customers section."""
    train = _train(_days(1, "2014-01-01", "2014-01-07", sales=300, customers=100),
                   _days(2, "2014-01-01", "2014-01-07", sales=100, customers=10))
    r = q.type_assortment(train, _store(2))
    assert r.numbers["spc_by_type"] == {"a": pytest.approx(200 / 55)}
    row = r.tables["type_assortment"].iloc[0]
    assert row["sales_per_customer"] == pytest.approx(row[s.SALES] / row[s.CUSTOMERS])


def test_type_assortment_colours_are_not_set_by_a_single_store():
    # one type b / assortment c store selling far more set the top of the colour scale: every other cell was
    # nearly white. The scale ends at the highest cell of 5+ stores and says so; printed values stay exact.
    parts = [_days(i + 1, "2014-01-01", "2014-01-07", sales=100 if i < 5 else 150) for i in range(10)]
    parts.append(_days(11, "2014-01-01", "2014-01-07", sales=1000))
    store = _store(11, **{s.STORE_TYPE: ["a"] * 10 + ["b"], s.ASSORTMENT: ["a"] * 5 + ["c"] * 6})
    fig = q.type_assortment(_train(*parts), store).draw()
    image = fig.axes[0].images[0]
    assert (image.norm.vmin, image.norm.vmax) == (100, 150)
    assert "colours end at 150" in fig.axes[2].get_ylabel()
    assert {"1,000\n(1 store)", "150\n(5 stores)", "100\n(5 stores)"} <= {t.get_text() for t in fig.axes[0].texts}
    store[s.ASSORTMENT] = ["a"] * 5 + ["c"] * 5 + ["a"]  # the top cell has 5+ stores: the whole range, no note
    fig = q.type_assortment(_train(*parts[:10]), store.iloc[:10]).draw()
    assert fig.axes[0].images[0].norm.vmax == 150 and fig.axes[2].get_ylabel() == "mean daily sales"

def test_competition_distance_close_vs_far():
    parts = [_days(i + 1, "2014-01-01", "2014-01-07", sales=v) for i, v in enumerate([200, 200, 100, 100])]
    store = _store(4, **{s.COMPETITION_DISTANCE: [100.0, 300.0, 6000.0, 8000.0]})
    n = q.competition_distance(_train(*parts), store).numbers
    assert n["stores_within_500m"] == 2
    assert n["close_vs_far_sales"] == pytest.approx(1.0)
    assert n["spearman_distance_sales"] == pytest.approx(-np.sqrt(0.8))


def test_shown_tables_name_ratios_and_baskets_as_what_they_hold():
    """The closures table headed ratios to a normal day "sales" and "customers" (1.21 read as sales of 1.21),
    and the distance bands' basket "median spc"."""
    days = _days(1, "2014-01-06", "2014-02-02")
    days[s.OPEN] = (days[s.DAY_OF_WEEK] != 7).astype(int)
    days.loc[days[s.DATE] == "2014-01-08", s.OPEN] = 0
    closures = q.closure_effects(_train(days)).tables["closures"]
    assert list(closures.columns) == ["day", "sales_vs_normal_day", "customers_vs_normal_day", "days"]
    parts = [_days(i + 1, "2014-01-01", "2014-01-07", sales=v) for i, v in enumerate([200, 200, 100, 100])]
    store = _store(4, **{s.COMPETITION_DISTANCE: [100.0, 300.0, 6000.0, 8000.0]})
    bands = q.competition_distance(_train(*parts), store).tables["distance_bands"]
    assert list(bands.columns) == ["band", "stores", "median_sales", "median_customers", "median_sales_per_customer"]


def test_competition_distance_blank_for_every_store_is_unanswered_not_an_empty_chart():
    train = _train(_days(1, "2014-01-01", "2014-01-05"), _days(2, "2014-01-01", "2014-01-05"))
    result = q.competition_distance(train, _store(2, **{s.COMPETITION_DISTANCE: np.nan}))
    assert result.answer.startswith("Not answered: CompetitionDistance is blank for every store")
    assert result.draw is None


def test_competitor_opening_paired_and_net_of_the_chain():
    dates = pd.date_range("2014-01-01", "2014-06-30")
    hit = _days(1, "2014-01-01", "2014-06-30", sales=np.where(dates >= "2014-04-01", 80.0, 100.0))
    other = _days(2, "2014-01-01", "2014-06-30", sales=100.0)
    store = _store(2, **{s.COMPETITION_OPEN_SINCE_YEAR: [2014.0, 2010.0],
                         s.COMPETITION_OPEN_SINCE_MONTH: [3.0, 5.0]})
    r = q.competitor_opening(_train(hit, other), store, weeks=4)
    pairs = r.tables["competitor_opening"]
    assert pairs[s.STORE].tolist() == [1]
    assert pairs["change"].iloc[0] == pytest.approx(-0.2)
    # the chain baseline is store 2 alone (flat): store 1's own drop must not shrink it (0.8 / 0.9 - 1 did)
    assert pairs["chain_change"].iloc[0] == pytest.approx(0.0)
    assert r.numbers["median_adjusted_change"] == pytest.approx(-0.2)
    assert r.numbers["share_stores_down"] == 1.0 and r.numbers["stores"] == 1


@pytest.mark.parametrize(("open_before", "kept"), [(13, False), (14, True)])
def test_competitor_opening_needs_half_of_each_window_open(open_before, kept):
    """4 weeks = 28 days, so a store needs 14 open days before: 13 (which weeks * 3 = 12 let in) is too few."""
    dates = pd.date_range("2014-01-01", "2014-06-30")
    window = (dates >= "2014-02-01") & (dates < "2014-03-01")
    opened = ~window | (np.cumsum(window) <= open_before)
    hit = _days(1, "2014-01-01", "2014-06-30", Open=opened.astype(int))
    other = _days(2, "2014-01-01", "2014-06-30")
    store = _store(2, **{s.COMPETITION_OPEN_SINCE_YEAR: [2014.0, 2010.0],
                         s.COMPETITION_OPEN_SINCE_MONTH: [3.0, 5.0]})
    pairs = q.competitor_opening(_train(hit, other), store, weeks=4).tables["competitor_opening"]
    assert pairs[s.STORE].tolist() == ([1] if kept else [])


def test_every_question_draws_a_figure_from_its_numbers():
    days = _days(1, "2014-01-06", "2014-01-19", Promo=[1] * 5 + [0] * 9)
    r = q.promo_effect(_train(days))
    fig = r.draw()
    assert len(fig.axes) == 3


def test_weekly_pattern_without_a_sunday_store_quotes_no_sunday_figure():
    """A small chain with no 7-day store (synth under 10 stores): the Sunday clause says so instead of 'n/a'."""
    days = _days(1, "2014-01-06", "2014-02-02")
    days[s.OPEN] = (days[s.DAY_OF_WEEK] != 7).astype(int)
    r = q.weekly_pattern(_train(days), _store(1))
    assert "n/a" not in r.answer
    # was "No store regularly trades on Sundays (open on 0.0% of Sunday store-days)": none means never
    assert r.answer.endswith(" Stores never open on a Sunday, so there is no Sunday to set against the Mon-Sat mean.")
    assert "0.0%" not in r.answer
    assert np.isnan(r.numbers["sunday_index"])


def test_competition_distance_with_two_stores_states_no_rank_and_no_direction():
    """Two stores: no rank correlation (needs 3) and, both far, nothing near to compare: 'Not answered', no 'nan'."""
    train = _train(_days(1, "2014-01-01", "2014-01-05"), _days(2, "2014-01-01", "2014-01-05", sales=50))
    far = q.competition_distance(train, _store(2, **{s.COMPETITION_DISTANCE: [6000.0, 9000.0]}))
    assert far.answer.startswith("Not answered: a rank correlation needs 3 stores with a CompetitionDistance")
    assert (far.numbers["answered"], far.draw) == (False, None)
    near_and_far = q.competition_distance(train, _store(2, **{s.COMPETITION_DISTANCE: [100.0, 9000.0]}))
    assert "nan" not in near_and_far.answer and "rho" not in near_and_far.answer + near_and_far.finding
    assert near_and_far.answer.startswith("The 1 store with a competitor within 500 m")
    assert near_and_far.numbers["close_vs_far_sales"] == pytest.approx(1.0)


def test_competition_distance_describes_near_stores_by_their_numbers_not_their_site():
    """store.csv has no location or site type, so the answer says nothing of where near stores are."""
    parts = [_days(i + 1, "2014-01-01", "2014-01-05", sales=v, customers=c)
             for i, (v, c) in enumerate([(50, 5), (60, 6), (100, 10)])]
    r = q.competition_distance(_train(*parts), _store(3, **{s.COMPETITION_DISTANCE: [100.0, 300.0, 9000.0]}))
    assert r.answer == ("Distance clearly ranks stores: the farther from a competitor, the more a store sells "
                        "(Spearman rho = 1.00). The 2 stores with a competitor within 500 m sell a median 55 a day "
                        "with 6 customers vs 100 and 10 for stores 5 km+ from one (-45.0%): close competition goes "
                        "with lower sales.")


@pytest.mark.parametrize(("near", "reading"), [
    ((150, 20), "near stores also draw more customers, so nearness to a competitor does not go with lower sales."),
    ((150, 10), "nearness to a competitor does not go with lower sales here."),
])
def test_competition_distance_reads_higher_near_sales_only_as_far_as_the_customers_go(near, reading):
    """One near store selling more: 'sells' agrees with one store, and the reading claims more customers only
    when the near store really has them (no store.csv field says where a store is)."""
    parts = [_days(i + 1, "2014-01-01", "2014-01-05", sales=v, customers=c)
             for i, (v, c) in enumerate([near, (100, 10), (100, 10)])]
    r = q.competition_distance(_train(*parts), _store(3, **{s.COMPETITION_DISTANCE: [100.0, 6000.0, 9000.0]}))
    assert "The 1 store with a competitor within 500 m sells a median 150 a day" in r.answer
    assert r.answer.endswith(f"(+50.0%): {reading}")
    assert "customers are" not in r.answer


def test_competition_distance_reads_no_direction_into_a_gap_under_two_percent():
    """Was: any negative gap read "close competition goes with lower sales", 1.7% by medians of a few stores
    (with a rank correlation of -0.01) included; Promo2's report already calls a gap under 2% no effect."""
    parts = [_days(i + 1, "2014-01-01", "2014-01-05", sales=v) for i, v in enumerate([983, 1000, 1000])]
    r = q.competition_distance(_train(*parts), _store(3, **{s.COMPETITION_DISTANCE: [100.0, 6000.0, 9000.0]}))
    assert r.answer.endswith("(-1.7%): a gap this small does not show close competition going with lower sales.")
    assert "goes with lower sales" not in r.answer


def test_competition_distance_splits_near_and_far_by_store_type():
    """Near stores are mostly type a and far ones type d: the overall gap (+100%) mixes type with distance,
    so the answer and a table give the gap within each type (type a: +10%)."""
    sales = [220, 220, 200, 100, 100]
    parts = [_days(i + 1, "2014-01-01", "2014-01-05", sales=v) for i, v in enumerate(sales)]
    store = _store(5, **{s.COMPETITION_DISTANCE: [100.0, 300.0, 6000.0, 7000.0, 8000.0],
                         s.STORE_TYPE: ["a", "a", "a", "d", "d"]})
    r = q.competition_distance(_train(*parts), store)
    n = r.numbers
    assert n["close_vs_far_sales"] == pytest.approx(1.2)
    assert n["stores_within_500m_by_type"] == {"a": 2, "d": 0}
    assert n["stores_5km_plus_by_type"] == {"a": 1, "d": 2}
    assert n["close_vs_far_sales_by_type"] == {"a": pytest.approx(0.1)}
    assert r.answer.endswith("By store type: 2 of the 2 stores within 500 m are type a and 2 of the 3 stores "
                             "5 km+ away are type d; within one type, near vs far stores sell: type a +10.0% "
                             "(2 near, 1 far).")
    assert r.finding.endswith("but the two groups hold different store types.")
    table = r.tables["distance_by_type"]
    assert table[s.STORE_TYPE].tolist() == ["a", "d"]
    assert table["stores_5km_plus"].tolist() == [1, 2]


def test_competition_distance_by_type_without_a_type_on_both_sides_says_so():
    parts = [_days(i + 1, "2014-01-01", "2014-01-05", sales=v) for i, v in enumerate([200, 100, 100])]
    store = _store(3, **{s.COMPETITION_DISTANCE: [100.0, 6000.0, 8000.0], s.STORE_TYPE: ["a", "d", "d"]})
    r = q.competition_distance(_train(*parts), store)
    assert r.answer.endswith("no store type has stores both near and far, so distance cannot be read within a "
                             "type.")
    assert r.numbers["close_vs_far_sales_by_type"] == {}


def test_competition_distance_with_nobody_near_keeps_the_rank_and_drops_the_direction():
    parts = [_days(i + 1, "2014-01-01", "2014-01-05", sales=v) for i, v in enumerate([300, 200, 100])]
    r = q.competition_distance(_train(*parts), _store(3, **{s.COMPETITION_DISTANCE: [1000.0, 2000.0, 6000.0]}))
    assert r.answer == ("Distance clearly ranks stores: the nearer a competitor, the more a store sells (Spearman "
                        "rho = -1.00). No store has a competitor within 500 m, so near and far stores cannot be "
                        "compared.")
    assert r.finding is None


def test_promo_effect_without_customers_keeps_the_sales_uplift_and_drops_the_why():
    """Customers 0 on every day: the sales uplift stands; 'promos work by bringing people in' must not."""
    days = _days(1, "2014-01-06", "2014-01-10", Promo=[1, 1, 0, 0, 0], sales=[200, 200, 100, 100, 100], customers=0)
    r = q.promo_effect(_train(days))
    assert r.numbers["uplift_sales"] == pytest.approx(1.0) and np.isnan(r.numbers["uplift_customers"])
    assert "n/a" not in r.answer + r.finding and "bringing people in" not in r.answer
    assert r.answer.endswith("so whether promos bring people in or raise the basket cannot be told.")
    assert r.finding == "A promo day sells +100.0% vs a non-promo weekday."
    assert len(r.draw().axes) == 1



def test_promo_effect_without_customers_leaves_the_basket_blank_in_its_table():
    """Customers 0 on the non-promo days: no basket to divide by, so tables/promo-effect__promo_effect.csv holds an
    empty cell, not 'inf' (a number nobody can read, and a division by zero)."""
    days = _days(1, "2014-01-06", "2014-01-10", Promo=[1, 1, 0, 0, 0], sales=100, customers=[10, 10, 0, 0, 0])
    r = q.promo_effect(_train(days))
    assert np.isnan(r.numbers["sales_per_customer_no_promo"])
    assert r.numbers["sales_per_customer_promo"] == pytest.approx(10)
    assert "inf" not in r.tables["promo_effect"].to_csv(index=False)


def test_promo2_basket_median_leaves_out_stores_without_customers():
    """A store whose Customers is never recorded (0) has no basket: its sales / 0 = inf must not enter the median
    (here it would give median_spc_promo2 = inf) nor the written table."""
    treated = [_days(i, "2014-01-01", "2014-03-31", sales=100, customers=c) for i, c in ((1, 10), (2, 0))]
    control = _days(3, "2014-01-01", "2014-03-31", sales=100, customers=20)
    store = _store(3, **{s.PROMO2: [1, 1, 0], s.PROMO2_SINCE_WEEK: [1, 1, np.nan],
                         s.PROMO2_SINCE_YEAR: [2012, 2012, np.nan],
                         s.PROMO_INTERVAL: ["Jan,Apr,Jul,Oct", "Jan,Apr,Jul,Oct", np.nan]})
    r = q.promo2_effect(_train(*treated, control), store)
    assert r.numbers["median_spc_promo2"] == pytest.approx(10)
    assert r.numbers["median_spc_no_promo2"] == pytest.approx(5)
    assert "inf" not in r.tables["promo2_stores"].to_csv(index=False)

def test_closure_effects_without_customers_or_long_closures_say_so_and_stay_quiet():
    """Customers 0 everywhere and no 3+ day closure: no 'n/a' in the text, no RuntimeWarning, a labelled chart."""
    days = _days(1, "2014-01-06", "2014-02-02", customers=0)
    days[s.OPEN] = (days[s.DAY_OF_WEEK] != 7).astype(int)
    days.loc[days[s.DATE] == "2014-01-08", s.OPEN] = 0
    days.loc[days[s.DATE] == "2014-01-07", s.SALES] = 150
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = q.closure_effects(_train(days))
        fig = r.draw()
    assert r.numbers["day_before_closure_sales"] == pytest.approx(1.5)
    assert "n/a" not in r.answer and "customers;" not in r.answer
    assert r.answer.endswith("no closure of 3+ days is followed by an open day. Customers is not recorded (0), so "
                             "customers are not compared.")
    assert "no days" in [t.get_text() for t in fig.axes[0].texts]


@pytest.mark.parametrize("long_closure", [False, True], ids=["no-long-closure", "tall-long-closure"])
def test_closure_chart_legend_covers_no_bar_label(long_closure):
    """Placed top left for the real files' tall right-hand group: with no 3+ day closure (the synthetic demo
    chain) the legend sat on the "1.00" labels of the normal days' bars."""
    days = _days(1, "2014-01-06", "2014-02-02")
    days[s.OPEN] = (days[s.DAY_OF_WEEK] != 7).astype(int)
    dates = days[s.DATE]
    days.loc[dates == "2014-01-08", s.OPEN] = 0
    days.loc[dates == "2014-01-07", [s.SALES, s.CUSTOMERS]] = [120, 12]
    if long_closure:
        days.loc[dates.between("2014-01-20", "2014-01-22"), s.OPEN] = 0
        days.loc[dates == "2014-01-23", [s.SALES, s.CUSTOMERS]] = [200, 20]
    fig = q.closure_effects(_train(days)).draw()
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    legend = ax.get_legend().get_window_extent(renderer)
    covered = [t.get_text() for t in ax.texts if legend.overlaps(t.get_window_extent(renderer))]
    assert covered == []


def test_christmas_easter_on_a_short_file_says_why_a_panel_is_empty():
    """Two spring months: Easter only; the December panel says why it is empty, and no legend warning."""
    train = _train(_days(1, "2014-03-01", "2014-04-30"))
    r = q.christmas_easter(train)
    assert r.answer.startswith("Around Easter") and r.finding is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = r.draw()
    assert [t.get_text() for t in fig.axes[0].texts] == ["no November followed by its December\nin the data"]
    assert fig.axes[1].get_legend() is not None


def test_christmas_easter_with_neither_window_is_unanswered():
    r = q.christmas_easter(_train(_days(1, "2014-06-01", "2014-07-31")))
    assert r.answer.startswith("Not answered: train.csv covers neither a November followed by its December")
    assert (r.numbers["answered"], r.draw) == (False, None)


def test_type_assortment_without_customers_drops_the_basket_and_draws_quietly():
    train = _train(_days(1, "2014-01-01", "2014-01-07", sales=100, customers=0),
                   _days(2, "2014-01-01", "2014-01-07", sales=300, customers=0))
    r = q.type_assortment(train, _store(2, **{s.STORE_TYPE: ["a", "b"]}))
    assert "inf" not in r.answer and "basket of only" not in r.answer
    assert r.answer.startswith("Type b stores (1 store) sell 1.50x the median type per day; Customers is not recorded")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = r.draw()
    assert "no customers" in [t.get_text() for t in fig.axes[1].texts]


# -- wording that follows the numbers -------------------------------------------------------------------------

def test_a_count_of_one_reads_singular():
    """One store, one gap, one long closure: "1 store has", "1 case", never "1 stores" or "1 cases"."""
    days = _days(1, "2014-01-06", "2014-02-02")
    days[s.OPEN] = (days[s.DAY_OF_WEEK] != 7).astype(int)
    days.loc[days[s.DATE].between("2014-01-20", "2014-01-22"), s.OPEN] = 0  # Sun + Mon-Wed closed
    train = _train(days.drop(index=[10]))  # 2014-01-16 missing: one store, one gap of one day
    overview, closures = q.data_overview(train, _store(1)), q.closure_effects(train)
    assert "rows for 1 store from 2014-01-06 to 2014-02-02 (28 days); 0 stores have every day." in overview.answer
    assert overview.finding.startswith("1 store has no data from 2014-01-16 to 2014-01-16 (1 day);")
    assert closures.answer.endswith("the first day after a closure of 3+ days +0.0% (1 case).")


@pytest.mark.parametrize(("ranks", "words"), [
    ((1, 2, 4, 6, 5, 3), "Distance clearly ranks stores: the farther from a competitor, the more a store sells "
                         "(Spearman rho = 0.60)."),
    ((2, 4, 5, 6, 3, 1), "Distance weakly ranks stores: the nearer a competitor, the more a store sells "
                         "(Spearman rho = -0.20)."),
    ((1, 4, 6, 5, 3, 2), "Distance barely ranks stores (Spearman rho = 0.03)."),
])
def test_competition_distance_words_follow_the_rank_correlation(ranks, words):
    """|rho| < 0.1 barely, < 0.3 weakly, else clearly; the sign says which stores sell more."""
    parts = [_days(i + 1, "2014-01-01", "2014-01-05", sales=100.0 * r) for i, r in enumerate(ranks)]
    store = _store(6, **{s.COMPETITION_DISTANCE: [100.0, 300.0, 1000.0, 2000.0, 6000.0, 8000.0]})
    r = q.competition_distance(_train(*parts), store)
    assert r.answer.startswith(words + " The 2 stores with a competitor within 500 m")


def test_type_assortment_calls_the_basket_small_only_when_it_is_the_smallest():
    train = _train(_days(1, "2014-01-01", "2014-01-07", sales=100, customers=20),
                   _days(2, "2014-01-01", "2014-01-07", sales=300, customers=30))
    r = q.type_assortment(train, _store(2, **{s.STORE_TYPE: ["a", "b"]}))
    assert r.answer == ("Type b stores (1 store) sell 1.50x the median type per day, with a basket of 10.00 per "
                        "customer (sales / customers).")
    assert r.finding == "Type b stores sell 1.50x the median store type per day."


@pytest.mark.parametrize(("customers", "words"), [([4, 1, 3, 5, 2], "Sales barely follow customers (within-store "),
                                                  ([2, 1, 4, 5, 3], "Sales follow customers clearly (within-store "),
                                                  ([5, 4, 3, 2, 1], "Sales move clearly against customers (")])
def test_sales_vs_customers_finding_follows_the_correlation(customers, words):
    """One store here, so its own r is quoted ("within-store r"), not a median."""
    train = _train(_days(1, "2014-01-01", "2014-01-05", sales=[10, 20, 30, 40, 50], customers=customers))
    assert q.sales_vs_customers(train, _store(1)).finding.startswith(words)


@pytest.mark.parametrize(("sales", "customers", "why"), [
    (200, 8, "customers fall 20.0% and sales per customer rise 150.0%, so promos work through bigger baskets, even "
             "though fewer people come."),
    (200, 20, "customers rise 100.0% and sales per customer stay flat (+0.0%), so promos work by bringing people "
              "in; the basket is unchanged."),
    (200, 40, "so promos work by bringing people in, who each spend less."),
    (300, 15, "so promos bring people in and raise the basket, more through the bigger basket."),
    (70, 8, "so promo days lose customers and shrink the basket."),
])
def test_promo_effect_explanation_follows_customers_vs_basket(sales, customers, why):
    """Promo Mon-Tue vs 100 sales and 10 customers on Wed-Fri: the 'why' follows the two changes' signs and sizes."""
    days = _days(1, "2014-01-06", "2014-01-10", Promo=[1, 1, 0, 0, 0], sales=[sales, sales, 100, 100, 100],
                 customers=[customers, customers, 10, 10, 10])
    assert q.promo_effect(_train(days)).answer.endswith(why)


def test_promo_mix_calls_promos_chain_wide_only_when_test_stores_share_them():
    train = _train(_days(1, "2014-01-06", "2014-01-09", Promo=[1, 1, 0, 0]),
                   _days(2, "2014-01-06", "2014-01-09", Promo=[1, 1, 0, 0]))
    same = pd.concat([_days(i, "2014-02-03", "2014-02-04", Promo=[1, 0]) for i in (1, 2)])
    apart = pd.concat([_days(1, "2014-02-03", "2014-02-04", Promo=1), _days(2, "2014-02-03", "2014-02-04", Promo=0)])
    assert "every test store has the same promo dates" in q.promo_train_vs_test(train, same).answer
    # same dates, but store 2 is closed on the promo day: shares 100% vs 0% of open days, promos still chain-wide
    # (the real data: shares from 34% to 49%, every date alike, the report said stores do not share promo days)
    closed = same.assign(**{s.OPEN: [1, 1, 0, 1]})
    assert "every test store has the same promo dates" in q.promo_train_vs_test(train, closed).answer
    assert q.promo_train_vs_test(train, apart).answer.endswith(
        "every test store lies between 0.0% and 100.0%: test stores do not share the same promo days, so the mix "
        "differs by store as well as by how many promo weeks fall in the window.")


@pytest.mark.parametrize(("promo2", "why"), [
    ([0, 0], "Not answered: no store with sales in train.csv takes part in Promo2, so no participant can be compared "
             "with the others."),
    ([1, 1], "Not answered: every store with sales in train.csv takes part in Promo2, so there is no other store to "
             "compare the participants with."),
])
def test_promo2_without_one_side_is_unanswered_not_n_a(promo2, why):
    """Small data (two stores) with no Promo2 store, or only Promo2 stores: the reason instead of 'n/a'."""
    train = _train(_days(1, "2014-01-01", "2014-03-31"), _days(2, "2014-01-01", "2014-03-31"))
    store = _store(2, **{s.PROMO2: promo2, s.PROMO2_SINCE_WEEK: 1.0, s.PROMO2_SINCE_YEAR: 2013.0,
                         s.PROMO_INTERVAL: "Jan,Apr,Jul,Oct"})
    r = q.promo2_effect(train, store)
    assert (r.answer, r.numbers["answered"], r.draw, r.finding) == (why, False, None, None)


def test_promo2_starting_after_the_data_keeps_the_store_comparison_and_drops_the_round_months():
    train = _train(_days(1, "2014-01-01", "2014-03-31", sales=120), _days(2, "2014-01-01", "2014-03-31"))
    store = _store(2, **{s.PROMO2: [1, 0], s.PROMO2_SINCE_WEEK: [1.0, np.nan], s.PROMO2_SINCE_YEAR: [2015.0, np.nan],
                         s.PROMO_INTERVAL: ["Jan,Apr,Jul,Oct", np.nan]})
    r = q.promo2_effect(train, store)
    assert "n/a" not in r.answer and r.finding is None
    assert r.answer.endswith("(+20.0%; different stores, so not an effect). No participant has sales both in and "
                             "outside its round months after its Promo2 start, so the round-month effect cannot be "
                             "measured.")


def test_state_holiday_chart_joins_only_points_with_enough_store_days():
    # Christmas's line had a gap at +6 and a lone point at +7: those days came from 36 stores whose 1 January
    # was not marked a holiday (the others' days count toward New Year's Day); thin points are now hollow
    hol, open_ = ["0"] * 31, [1] * 31
    hol[14], open_[14] = "a", 0
    parts = [_days(i, "2014-03-01", "2014-03-31", StateHoliday=hol, Open=open_) for i in range(1, 111)]  # 110 stores
    hol = ["0"] * 31
    hol[14] = "c"
    parts += [_days(i, "2014-03-01", "2014-03-31", StateHoliday=hol, Open=open_) for i in range(111, 116)]  # 5 stores
    r = q.state_holiday_window(_train(*parts))
    table = r.tables["state_holiday_window"].set_index("offset")
    assert (table.loc[1.0, "store_days_a"], table.loc[1.0, "store_days_c"], table.loc[1.0, "store_days_all"]) == (
        110, 5, 115)
    ax = r.draw().axes[0]
    lines = {line.get_label(): line for line in ax.lines}
    assert np.isfinite(lines["public holiday"].get_ydata()).all()  # 110 store-days a point: one joined line
    assert np.isnan(lines["Christmas"].get_ydata()).all()  # 5 store-days a point: no line ...
    hollow = [line for line in ax.lines if line.get_markerfacecolor() == "white"]
    assert len(hollow) == 1 and len(hollow[0].get_xdata()) == 14  # ... but hollow markers (day 0 is closed)
    assert "toward its nearest state holiday" in ax.get_xlabel() and "hollow: fewer than 100" in ax.get_xlabel()

def test_state_holidays_on_a_file_without_one_is_unanswered_not_n_a():
    """A 7-week train.csv with StateHoliday 0 throughout: the reason, no 'n/a' figures, no claim about demand."""
    r = q.state_holiday_window(_train(_days(1, "2014-05-05", "2014-06-22")))
    assert r.answer == ("Not answered: train.csv has no state holiday (StateHoliday is 0 on every row), so there is "
                        "no holiday to look before or after.")
    assert (r.numbers["answered"], r.draw, r.finding) == (False, None, None)


@pytest.mark.parametrize(("before", "opened", "claim"), [
    # was "Stores are open on only 0.0% of state-holiday store-days": none means never
    (150, 0, "Stores never open on a state holiday. The day before a holiday sells +50.0% vs a "
             "normal day of the same weekday and promo status (days 1-3 before, on average: +16.7%) and the day "
             "after sells +0.0% (days 1-3 after, on average: +0.0%): demand moves around the closed day rather than "
             "disappearing."),
    (80, 0, "(days 1-3 after, on average: +0.0%): the closed day's demand is not made up on the days around it."),
    (150, 1, "Stores are open on 100.0% of state-holiday store-days (where they open, they sell +0.0%). The day "
             "before a holiday sells +50.0%"),
])
def test_state_holiday_claim_follows_the_closed_share_and_the_days_around(before, opened, claim):
    sales, hol, open_ = np.full(31, 100.0), ["0"] * 31, [1] * 31
    sales[13], hol[14], open_[14] = before, "a", opened
    r = q.state_holiday_window(_train(_days(1, "2014-03-01", "2014-03-31", sales=sales, StateHoliday=hol, Open=open_)))
    assert claim in r.answer
    assert opened == 0 or ("demand" not in r.answer and r.answer.endswith("(days 1-3 after, on average: +0.0%)."))


def test_sundays_are_only_a_minority_when_they_are_one():
    """Both stores trade 7 days, all days alike: no "only" before 100.0% of Sundays or 2 of 2 stores, no best day."""
    train = _train(_days(1, "2014-01-06", "2014-01-19"), _days(2, "2014-01-06", "2014-01-19"))
    week = q.weekly_pattern(train, _store(2))
    assert week.answer.startswith("Monday to Saturday sell alike (each within 0.1% of the Mon-Sat mean). Stores open "
                                  "on 100.0% of Sundays;")
    assert week.finding is None  # no "Mon is the strongest day (+0.0%), Mon the weakest (+0.0%)"
    assert q.trading_days(train).finding.startswith("2 stores trade on Sundays, and there Sunday sells +0.0%")
    one_of_three = _days(3, "2014-01-06", "2014-01-19", Open=(np.arange(14) % 7 != 6).astype(int))
    few = q.trading_days(_train(_days(1, "2014-01-06", "2014-01-19"), one_of_three, one_of_three.assign(Store=2)))
    assert few.finding.startswith("Only 1 store trades on Sundays")


@pytest.mark.parametrize("flag", [0, 1])
def test_school_holidays_without_one_side_are_unanswered_not_n_a(flag):
    """A file without a school-holiday day (a short spring file, say) says so instead of "they sell n/a"."""
    train = _train(_days(1, "2014-01-01", "2014-01-28", sales=[100] * 28, SchoolHoliday=[flag] * 28))
    result = q.school_holiday_effect(train)
    if flag:
        assert "there are no other days to compare" in result.answer
        return
    assert result.numbers == {"answered": False, "reason": "no open day with sales falls in a school holiday"}
    assert result.answer.startswith("Not answered:") and "n/a" not in result.answer


def test_promo2_pattern_without_both_sides_since_its_start_does_not_blank_the_others():
    """A store that joined Promo2 in the last month has no round month since: the other patterns still count."""
    in_round = pd.date_range("2014-01-01", "2014-12-31").month.isin([1, 4, 7, 10])
    treated = _days(1, "2014-01-01", "2014-12-31", sales=np.where(in_round, 120, 100))
    control = _days(2, "2014-01-01", "2014-12-31")
    late = _days(3, "2014-01-01", "2014-12-31")  # Feb,May,Aug,Nov from 1 December 2014: no round month since
    store = _store(3, **{s.PROMO2: [1, 0, 1], s.PROMO2_SINCE_WEEK: [1, np.nan, 49],
                         s.PROMO2_SINCE_YEAR: [2012, np.nan, 2014],
                         s.PROMO_INTERVAL: ["Jan,Apr,Jul,Oct", np.nan, "Feb,May,Aug,Nov"]})
    r = q.promo2_effect(_train(treated, control, late), store)
    assert r.numbers["round_month_effect"] == pytest.approx(0.2)
    assert r.tables["promo2_round_effect"]["PromoInterval"].tolist() == ["Jan,Apr,Jul,Oct"]
    assert "participants sell +20.0% relative to their other months" in r.answer


# -- edge data: a section says what it cannot answer, never "n/a", an empty chart or a claim its data lacks ----

def test_the_top_promo_stores_are_a_minority_of_the_chain():
    """Three stores and top=10: the "top 3" was the whole chain, whose mean (140) sat below the median store's
    200, and the answer still said they "should get promos first"."""
    promo = [1, 0, 1, 0, 1]
    parts = [_days(i + 1, "2014-01-06", "2014-01-10", Promo=promo, sales=[1000 + g * p for p in promo])
             for i, g in enumerate([10, 200, 210])]
    r = q.promo_uplift_by_store(_train(*parts), _store(3))
    assert r.numbers["top_stores"] == [3]
    assert r.numbers["top_extra_sales_mean"] > r.numbers["median_extra_sales"]
    assert len(r.tables["promo_uplift_top"]) == 1
    assert "top 1:" in r.answer and "the top 1 store adds 210" in r.finding


def test_promo_uplift_of_a_single_store_ranks_nothing():
    promo = [1, 0, 1, 0, 1]
    r = q.promo_uplift_by_store(_train(_days(1, "2014-01-06", "2014-01-10", Promo=promo,
                                             sales=[150, 100, 150, 100, 150])), _store(1))
    assert r.answer == ("Only store 1 has promo and non-promo days to compare: it sells +50.0% on a promo day "
                        "(50 extra sales per promo day), and there is no other store to rank it against.")
    assert r.finding is None and r.draw is None
    assert r.numbers["median_uplift"] == pytest.approx(0.5)


def test_closure_effects_without_a_mon_sat_closure_are_unanswered_not_n_a():
    days = _days(1, "2014-01-06", "2014-02-02")
    days[s.OPEN] = (days[s.DAY_OF_WEEK] != 7).astype(int)  # Sundays only: the rhythm, not a closure
    r = q.closure_effects(_train(days))
    assert r.answer.startswith("Not answered: no Monday-Saturday closure") and r.draw is None


def test_closure_effects_quote_only_the_side_that_has_days():
    """A closure on the file's last day has an open day before it and none after: no 'the day after sells n/a'."""
    days = _days(1, "2014-01-06", "2014-02-01")  # ends on a Saturday
    days[s.OPEN] = (days[s.DAY_OF_WEEK] != 7).astype(int)
    days.loc[days[s.DATE] == "2014-02-01", s.OPEN] = 0
    days.loc[days[s.DATE] == "2014-01-31", s.SALES] = 150
    r = q.closure_effects(_train(days))
    assert "n/a" not in r.answer and "n/a" not in r.finding
    assert "the day before a (Mon-Sat) closure sells +50.0%" in r.answer
    assert "no open day follows a closure" in r.answer


def test_easter_days_outside_the_data_are_not_quoted_as_n_a():
    """March 2015 only: Easter Sunday is 5 April, so the window stops 5 days before it, short of the days quoted."""
    r = q.christmas_easter(_train(_days(1, "2015-03-01", "2015-03-31")))
    assert "n/a" not in r.answer
    assert r.answer.startswith("Not answered: ") and r.draw is None


def test_a_december_cut_short_quotes_only_its_days():
    dates = pd.date_range("2013-11-01", "2013-12-20")
    r = q.christmas_easter(_train(_days(1, "2013-11-01", "2013-12-20", sales=np.where(dates.month == 12, 150, 100))))
    assert "n/a" not in r.answer and "Dec 27-31" not in r.answer
    assert r.answer.startswith("December 1-20 sells +") and r.finding.startswith("December 1-20 sells +")


def test_competitor_opening_without_any_pair_is_unanswered_without_an_empty_chart():
    train = _train(_days(1, "2014-01-01", "2014-06-30"), _days(2, "2014-01-01", "2014-06-30"))
    store = _store(2, **{s.COMPETITION_OPEN_SINCE_YEAR: [2010.0, 2010.0], s.COMPETITION_OPEN_SINCE_MONTH: [5.0, 5.0]})
    r = q.competitor_opening(train, store, weeks=4)
    assert r.answer == ("Not answered: no store has a competitor opening with 4 weeks of data on both sides "
                        "of the opening month.")
    assert r.draw is None and r.tables["competitor_opening"].empty


def _one_type_chain() -> tuple[pd.DataFrame, pd.DataFrame]:
    d = pd.date_range("2014-01-01", "2014-12-31")
    sales = np.where(d.month == 12, 200.0, 100.0)
    train = _train(_days(1, "2014-01-01", "2014-12-31", sales=sales, customers=10),
                   _days(2, "2014-01-01", "2014-12-31", sales=sales * 2, customers=25))
    return train, _store(2)  # both type a, assortment a


def test_type_assortment_with_one_store_type_compares_no_types():
    train, store = _one_type_chain()
    r = q.type_assortment(train, store)
    assert "median type" not in r.answer and "smallest of any type" not in r.answer
    assert r.answer.startswith("Every store is type a (2 stores), so store types cannot be compared: they sell "
                               "163 a day on average, with a basket of 9.30 per customer (sales / customers).")
    assert r.finding is None


def test_sales_vs_customers_with_one_store_type_gives_no_range_of_types():
    train, store = _one_type_chain()
    r = q.sales_vs_customers(train, store)
    assert "at type a to" not in r.answer and "least at type" not in r.finding
    assert r.answer.endswith("A customer spends 9.30 on average (total sales / total customers); every store is "
                             "type a.")


def test_monthly_pattern_with_one_store_type_names_no_most_and_least_type():
    train, store = _one_type_chain()
    r = q.monthly_pattern(train, store)
    assert "type a rises most" not in r.answer and "most_seasonal_type" not in r.numbers


def test_monthly_pattern_of_one_month_is_unanswered():
    r = q.monthly_pattern(_train(_days(1, "2015-03-01", "2015-03-31")), _store(1))
    assert r.answer == ("Not answered: train.csv covers one calendar month (Mar), so no month can be set against "
                        "another.")
    assert r.draw is None


def test_monthly_pattern_without_a_full_year_says_how_many_months_it_compares():
    d = pd.date_range("2014-06-01", "2014-12-31")
    r = q.monthly_pattern(_train(_days(1, "2014-06-01", "2014-12-31", sales=np.where(d.month == 12, 200, 100))),
                          _store(1))
    assert r.answer.startswith("Dec is the peak month (+")
    assert "vs the average of the 7 months in the data, no full year)" in r.answer


def test_school_holidays_in_one_month_quote_no_range_of_months():
    school = [0] * 14 + [1] * 14
    r = q.school_holiday_effect(_train(_days(1, "2014-01-01", "2014-01-28", sales=[100] * 14 + [110] * 14,
                                             SchoolHoliday=school)))
    assert "from +10.0% in Jan to +10.0% in Jan" not in r.answer
    assert r.answer.endswith("(weighted by school-holiday days), all in Jan.")


def test_missing_values_without_a_test_file_quote_no_test_figure():
    """No test.csv given: "and 0 Open values in test.csv" spoke of a file the report never read."""
    store = _store(2, **{s.COMPETITION_OPEN_SINCE_YEAR: [np.nan, 2010.0],
                         s.COMPETITION_OPEN_SINCE_MONTH: [np.nan, 5.0]})
    r = q.missing_values(_train(_days(1, "2014-01-01", "2014-01-03")), store, None)
    assert "test.csv" not in r.answer
    assert r.answer.startswith("8 values are missing: 0 in train.csv and 8 in store.csv. ")
    assert "CompetitionOpenSince* is empty for 1 store, which has a competitor distance (the" in r.answer


def test_promo_mix_with_one_share_for_every_test_store_names_it_once():
    train = _train(_days(1, "2014-01-06", "2014-01-09", Promo=[1, 1, 0, 0]))
    test = _days(1, "2014-02-03", "2014-02-06", Promo=[1, 0, 0, 0])
    r = q.promo_train_vs_test(train, test)
    assert "between 25.0% and 25.0%" not in r.answer
    assert "every test store has Promo on 25.0% of its open days" in r.answer
