"""Cleaning transformers on small frames with known answers, alone and inside a Pipeline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.pipeline import Pipeline

from storecast import schema as s
from storecast.clean.missing import DISTANCE_MISSING, NO_PROMO2, SINCE_MISSING, ColumnImputer, StoreContextImputer
from storecast.clean.outliers import SALES_PER_CUSTOMER, OutlierHandler
from storecast.clean.pipeline import CleanOptions, clean_dataset
from storecast.clean.rows import drop_outlier_rows, open_days, sales_days


def _stores() -> pd.DataFrame:
    return pd.DataFrame({
        s.STORE: [1, 2, 3, 4],
        s.COMPETITION_DISTANCE: [100.0, np.nan, 5000.0, 300.0],
        s.COMPETITION_OPEN_SINCE_MONTH: [9.0, np.nan, np.nan, 4.0],
        s.COMPETITION_OPEN_SINCE_YEAR: [2008.0, np.nan, np.nan, 2012.0],
        s.PROMO2: [0, 1, 0, 1],
        s.PROMO2_SINCE_WEEK: [np.nan, 13.0, np.nan, 40.0],
        s.PROMO2_SINCE_YEAR: [np.nan, 2010.0, np.nan, 2011.0],
        s.PROMO_INTERVAL: [np.nan, "Jan,Apr,Jul,Oct", np.nan, "Feb,May,Aug,Nov"],
    })


def _daily() -> pd.DataFrame:
    """Store 1 has one spike (100 among values near 3); store 2 is steady; zeros are closed days."""
    sales = [1, 2, 3, 4, 100, 0, 10, 11, 12, 13, 14, 0]
    return pd.DataFrame({
        s.STORE: [1] * 6 + [2] * 6,
        s.SALES: sales,
        s.CUSTOMERS: [1] * 5 + [0] + [2] * 5 + [0],
        s.OPEN: [1 if v else 0 for v in sales],
    })


def test_store_context_imputer_fills_by_meaning_and_flags_absent_information():
    stores = _stores()
    before = stores.copy()
    out = StoreContextImputer().fit(stores).transform(stores)
    pd.testing.assert_frame_equal(stores, before)  # input untouched
    assert out.loc[[0, 2], s.PROMO2_SINCE_WEEK].tolist() == [0.0, 0.0]
    assert out.loc[[0, 2], s.PROMO_INTERVAL].tolist() == [NO_PROMO2, NO_PROMO2]
    assert out.loc[1, s.COMPETITION_DISTANCE] == pytest.approx(2 * pd.Series([100, 5000, 300.0]).quantile(0.99))
    assert out.loc[1, s.COMPETITION_OPEN_SINCE_YEAR] == 2008.0  # earliest year seen
    assert out[DISTANCE_MISSING].tolist() == [0, 1, 0, 0]
    assert out[SINCE_MISSING].tolist() == [0, 1, 1, 0]
    assert not out.drop(columns=[s.STORE]).isna().any().any()


def test_store_context_imputer_report_counts_each_rule():
    rep = StoreContextImputer().fit(_stores()).report_.to_frame().set_index(["column", "rule"])["changed"]
    assert rep[(s.PROMO2_SINCE_WEEK, "not applicable when Promo2 == 0")] == 2
    assert rep[(s.PROMO_INTERVAL, "not applicable when Promo2 == 0")] == 2
    assert rep[(s.COMPETITION_DISTANCE, "no known competitor")] == 1
    # store 3: distance known, opening date missing; store 2: no competitor at all
    assert rep[(s.COMPETITION_OPEN_SINCE_YEAR, "distance known: competitor predates the records")] == 1
    assert rep[(s.COMPETITION_OPEN_SINCE_YEAR, "no known competitor")] == 1
    assert rep[(s.PROMO2_SINCE_WEEK, "unknown although Promo2 == 1")] == 0


def test_store_context_report_says_when_a_fill_is_a_default_not_learned():
    """With no known distance or opening year the fills are defaults; "2 x q0.99 of known distances" was untrue."""
    blank = _stores().assign(**{s.COMPETITION_DISTANCE: np.nan, s.COMPETITION_OPEN_SINCE_YEAR: np.nan,
                                s.COMPETITION_OPEN_SINCE_MONTH: np.nan})
    detail = {(a.column, a.rule): a.detail for a in StoreContextImputer().fit(blank).report_.actions}
    assert detail[(s.COMPETITION_DISTANCE, "no known competitor")] == "set to 100,000 m (default: no known distance)"
    assert detail[(s.COMPETITION_OPEN_SINCE_YEAR, "no known competitor")] == (
        "set to 1900 (default: no opening year known)")
    learned = {(a.column, a.rule): a.detail for a in StoreContextImputer().fit(_stores()).report_.actions}
    assert learned[(s.COMPETITION_DISTANCE, "no known competitor")].endswith(" (2 x q0.99 of known distances)")
    assert learned[(s.COMPETITION_OPEN_SINCE_YEAR, "no known competitor")] == "set to 2008 (the earliest year seen)"


def test_store_context_report_writes_the_distance_fill_as_analysts_read_it():
    """The report's distance, shown in the EDA's missing-values table, read "set to 14014": metres, with a
    thousands separator and its unit, as every other figure of the report."""
    stores = _stores().assign(**{s.COMPETITION_DISTANCE: [7007.0, np.nan, 120.0, 2500.0]})
    rep = StoreContextImputer(distance_quantile=1.0).fit(stores).report_
    detail = {(a.column, a.rule): a.detail for a in rep.actions}
    assert detail[(s.COMPETITION_DISTANCE, "no known competitor")] == "set to 14,014 m (2 x q1 of known distances)"


def test_fill_values_come_from_fit_rows_only():
    early, late = _stores().iloc[:2], _stores().iloc[2:].assign(**{s.COMPETITION_OPEN_SINCE_YEAR: 1950.0})
    imp = StoreContextImputer().fit(early)
    assert (imp.distance_fill_, imp.since_year_fill_) == (200.0, 2008.0)  # store 1 only: distance 100, 2008
    imp.transform(late)
    assert (imp.distance_fill_, imp.since_year_fill_) == (200.0, 2008.0)


@pytest.mark.parametrize(("strategy", "expected"), [("mean", 1800.0), ("median", 200.0), ("most_frequent", 100.0)])
def test_column_imputer_strategies(strategy, expected):
    df = pd.DataFrame({"d": [100.0, np.nan, 5000.0, 300.0, 100.0], "k": [1, 2, 3, 4, 5]})
    out = ColumnImputer(strategy=strategy, columns=["d"]).fit(df).transform(df)
    assert out.loc[1, "d"] == pytest.approx(expected if strategy != "mean" else df["d"].mean())
    assert out["k"].tolist() == df["k"].tolist()


def test_column_imputer_report_writes_amounts_with_separators_and_years_as_they_are():
    """A distance of 2325 reads "2,325"; a year of 2012 stays "2012" and a week code "13"."""
    df = pd.DataFrame({s.COMPETITION_DISTANCE: [2325.0, np.nan], s.COMPETITION_OPEN_SINCE_YEAR: [2012.0, np.nan],
                       s.PROMO2_SINCE_WEEK: [13.0, np.nan]})
    rep = ColumnImputer(strategy="median").fit(df).report_
    assert {a.column: a.detail for a in rep.actions} == {s.COMPETITION_DISTANCE: "fill 2,325",
                                                         s.COMPETITION_OPEN_SINCE_YEAR: "fill 2012",
                                                         s.PROMO2_SINCE_WEEK: "fill 13"}


def test_column_imputer_model_uses_the_other_columns():
    x = np.arange(1.0, 21.0)
    df = pd.DataFrame({"x": x, "y": 3 * x})
    df.loc[10, "y"] = np.nan
    out = ColumnImputer(strategy="model", columns=["y"]).fit(df).transform(df)
    assert out.loc[10, "y"] == pytest.approx(33.0, rel=0.05)


def test_column_imputer_refuses_an_unknown_strategy():
    with pytest.raises(ValueError, match="`strategy` must be one of"):
        ColumnImputer(strategy="guess").fit(pd.DataFrame({"a": [1.0]}))


@pytest.mark.parametrize(("columns", "message"), [
    ([s.PROMO_INTERVAL], r"columns \['PromoInterval'\] hold \['(str|object)'\] values; leave them out"),
    ([], "no column to impute: `columns` is empty"),
])
def test_column_imputer_names_the_columns_it_cannot_impute(columns, message):
    with pytest.raises(ValueError, match=message):
        ColumnImputer(columns=columns).fit(_stores())


def test_iqr_bounds_per_store_on_a_known_series():
    # five values a store: below MIN_GROUP_SIZE, so per-store bounds are asked for with min_group_size=1
    h = OutlierHandler(columns=(s.SALES,), method="iqr", action="flag", min_group_size=1).fit(_daily())
    b = h.bounds_[s.SALES].loc[1]
    # store 1, zeros ignored: [1, 2, 3, 4, 100] -> q1 = 2, q3 = 4, fences 2 - 3 = -1 and 4 + 3 = 7
    assert (b["lower"], b["upper"]) == (-1.0, 7.0)
    assert h.outlier_mask(_daily())[s.SALES].tolist() == [False] * 4 + [True] + [False] * 7


@pytest.mark.parametrize("method", ["iqr", "zscore", "mad"])
def test_every_method_finds_the_spike(method):
    daily = pd.concat([_daily()] * 3, ignore_index=True)  # enough rows for the z-score to see the spike
    daily.loc[daily[s.SALES] == 100, s.SALES] = [100, 3, 3]
    mask = OutlierHandler(columns=(s.SALES,), method=method, threshold=2.0).fit(daily).outlier_mask(daily)
    assert mask[s.SALES].sum() >= 1 and mask.loc[daily[s.SALES] == 100, s.SALES].all()


@pytest.mark.parametrize("method", ["iqr", "zscore", "mad"])
def test_a_column_of_zeros_learns_no_bounds_and_flags_nothing(method):
    """Customers 0 on every open day (never recorded) is valid data: nothing to learn, nothing to flag."""
    daily = _daily().assign(**{s.CUSTOMERS: 0})
    h = OutlierHandler(columns=(s.SALES, s.CUSTOMERS), method=method, action="cap").fit(daily)
    assert h.bounds_[s.CUSTOMERS].empty and np.isnan(h.global_bounds_[s.CUSTOMERS]).all()
    assert not h.outlier_mask(daily)[s.CUSTOMERS].any()
    assert h.transform(daily)[s.CUSTOMERS].eq(0).all()


def test_cap_clips_to_the_learned_bounds_and_keeps_zeros():
    daily = _daily()
    out = OutlierHandler(columns=(s.SALES,), action="cap", min_group_size=1).fit(daily).transform(daily)
    assert out.loc[4, s.SALES] == 7.0
    assert out.loc[5, s.SALES] == 0  # a closed day stays closed
    assert out.loc[6:10, s.SALES].tolist() == daily.loc[6:10, s.SALES].tolist()


def test_log_action_and_sales_per_customer():
    daily = _daily()
    out = OutlierHandler(columns=(s.SALES, SALES_PER_CUSTOMER), action="log").fit(daily).transform(daily)
    assert out.loc[4, s.SALES] == pytest.approx(np.log1p(100))
    assert out.loc[6, SALES_PER_CUSTOMER] == pytest.approx(np.log1p(5.0))


def test_unseen_store_uses_global_bounds():
    h = OutlierHandler(columns=(s.SALES,), action="cap").fit(_daily())
    new = pd.DataFrame({s.STORE: [9], s.SALES: [10_000], s.CUSTOMERS: [1], s.OPEN: [1]})
    assert h.transform(new).loc[0, s.SALES] == h.global_bounds_[s.SALES][1]


def test_bounds_never_move_with_later_rows():
    daily = _daily()
    h = OutlierHandler(columns=(s.SALES,)).fit(daily.iloc[:6])
    learned = h.bounds_[s.SALES].copy()
    later = daily.iloc[6:].assign(**{s.SALES: 10**6, s.STORE: 1})
    h.transform(later)
    h.report(later)
    pd.testing.assert_frame_equal(h.bounds_[s.SALES], learned)


def test_remove_rows_outside_the_pipeline():
    daily = _daily()
    kept, dropped = drop_outlier_rows(daily, OutlierHandler(columns=(s.SALES,)).fit(daily))
    assert dropped == 1 and 100 not in kept[s.SALES].tolist()
    assert len(open_days(daily)) == 10 and len(sales_days(daily)) == 10


def test_transformers_chain_in_a_pipeline_with_pandas_output():
    stores = _stores()
    pipe = Pipeline([
        ("context", StoreContextImputer()),
        ("impute", ColumnImputer(strategy="median", columns=[s.COMPETITION_DISTANCE])),
        ("outliers", OutlierHandler(columns=(s.COMPETITION_DISTANCE,), by=None, action="flag")),
    ]).set_output(transform="pandas")
    out = pipe.fit_transform(stores)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list(pipe.get_feature_names_out())
    assert f"{s.COMPETITION_DISTANCE}_outlier" in out.columns
    clone(pipe)  # the estimator contract: parameters round-trip through get_params


def test_bad_parameters_are_refused_at_fit():
    with pytest.raises(ValueError, match="`method` must be one of"):
        OutlierHandler(method="sigma").fit(_daily())
    with pytest.raises(ValueError, match="removal"):
        OutlierHandler(action="remove").fit(_daily())


@pytest.mark.parametrize("action", ["cap", "log", "flag", "remove"])
def test_clean_dataset_reports_and_leaves_the_input_alone(dataset, action):
    before = dataset.train.copy()
    result = clean_dataset(dataset, CleanOptions(outlier_action=action))
    pd.testing.assert_frame_equal(dataset.train, before)
    frame = result.report.to_frame()
    assert {"StoreContextImputer", "OutlierHandler"} <= set(frame["step"])
    assert not result.store[[s.COMPETITION_DISTANCE, s.PROMO2_SINCE_WEEK]].isna().any().any()
    if action == "remove":
        assert len(result.train) == len(before) - frame.loc[frame["step"] == "drop_outlier_rows", "changed"].sum()
    else:
        assert len(result.train) == len(before)


def test_clean_dataset_without_any_competition_distance_says_it_checked_none(dataset):
    """CompetitionDistance blank for every store is valid: nothing to judge, and the report says so."""
    import dataclasses

    store = dataset.store.assign(**{s.COMPETITION_DISTANCE: np.nan})
    result = clean_dataset(dataclasses.replace(dataset, store=store))
    (row,) = [a for a in result.report.actions if a.step == "OutlierHandler" and a.column == s.COMPETITION_DISTANCE]
    assert (row.detected, row.changed) == (0, 0) and row.detail.startswith("not checked: no store has a known")


@pytest.mark.parametrize("action", ["cap", "flag"])
def test_clean_dataset_keeps_the_no_competitor_distance_out_of_the_outlier_step(dataset, action):
    """A blank CompetitionDistance becomes "farther than all"; capping or flagging it would undo that meaning."""
    import dataclasses

    store = dataset.store.copy()
    store.loc[store.index[:2], s.COMPETITION_DISTANCE] = np.nan
    result = clean_dataset(dataclasses.replace(dataset, store=store), CleanOptions(outlier_action=action))
    fill = StoreContextImputer().fit(store).distance_fill_
    none = result.store[DISTANCE_MISSING] == 1
    assert none.sum() == 2
    assert (result.store.loc[none, s.COMPETITION_DISTANCE] == fill).all()
    assert fill > result.store.loc[~none, s.COMPETITION_DISTANCE].max()
    if action == "flag":
        assert (result.store.loc[none, f"{s.COMPETITION_DISTANCE}_outlier"] == 0).all()
    (row,) = [a for a in result.report.actions if a.step == "OutlierHandler" and a.column == s.COMPETITION_DISTANCE]
    known = store.dropna(subset=[s.COMPETITION_DISTANCE])
    flagged = OutlierHandler(columns=(s.COMPETITION_DISTANCE,), by=None).fit(known).report_
    assert row.detected == flagged.actions[0].detected  # the two sentinels are not counted


def test_a_store_with_too_few_values_uses_the_global_bounds():
    """Was: store 3's one value learned the bounds [v, v], so each later day of store 3 was capped to v."""
    daily = pd.concat([_daily()] * 4, ignore_index=True)  # stores 1 and 2: 20 values each at fit
    daily = pd.concat([daily, pd.DataFrame({s.STORE: [3], s.SALES: [8], s.CUSTOMERS: [1], s.OPEN: [1]})],
                      ignore_index=True)
    h = OutlierHandler(columns=(s.SALES,), action="cap").fit(daily)
    later = pd.DataFrame({s.STORE: [3, 3, 3], s.SALES: [6, 9, 12], s.CUSTOMERS: [1] * 3, s.OPEN: [1] * 3})
    lo, hi = h.global_bounds_[s.SALES]
    assert lo < 6 and 12 < hi  # ordinary days for the chain
    assert h.transform(later)[s.SALES].tolist() == [6, 9, 12]
    assert 3 not in h.bounds_[s.SALES].index and h.small_groups_[s.SALES] == 1
    assert "1 Store(s) with fewer than 20 values use the bounds over all rows" in h.report_.actions[0].detail
    # stores at the minimum keep their own bounds, the same as with no minimum at all
    every = OutlierHandler(columns=(s.SALES,), action="cap", min_group_size=1).fit(daily)
    pd.testing.assert_frame_equal(h.bounds_[s.SALES], every.bounds_[s.SALES].loc[[1, 2]])


def test_outlier_report_writes_sales_bounds_with_separators():
    """Was "bounds over all rows [-5250, 52750]": a Sales bound reads as the amount it is, "52,750"."""
    week = [12000, 14000, 16000, 18000, 20000]  # quartiles 14,000 and 18,000: IQR bounds [8,000, 24,000]
    daily = pd.DataFrame({s.STORE: [1] * 5 + [2] * 5, s.SALES: week + [2 * v for v in week]})
    h = OutlierHandler(columns=(s.SALES,), method="iqr", action="cap", min_group_size=5).fit(daily)
    assert h.report_.actions[0].detail == ("k=1.5; bounds over all rows [-5,250, 52,750]; 2 Store bounds, "
                                           "lower median 12,000, upper median 36,000 (range 24,000..48,000)")


@pytest.mark.parametrize("size", [0, -3, 2.5, True, "20"])
def test_min_group_size_is_checked_at_fit(size):
    h = OutlierHandler(min_group_size=size)
    assert h.min_group_size is size  # stored unchanged: sklearn's clone and set_params rely on it
    with pytest.raises(ValueError, match=r"`min_group_size` must be an integer >= 1; got "):
        h.fit(_daily())


@pytest.mark.parametrize("strategy", ["mean", "median", "most_frequent", "model"])
def test_column_imputer_refuses_a_column_with_no_value(strategy):
    """Was: a column empty at fit was filled with 0 (scikit-learn's keep_empty_features), a value nobody saw."""
    df = pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": [np.nan] * 3})
    with pytest.raises(ValueError, match=r"columns \['b'\] have no value in the data given to fit"):
        ColumnImputer(strategy=strategy, columns=["a", "b"]).fit(df)


def test_clean_dataset_leaves_a_store_column_with_no_value_missing_and_says_so(dataset):
    import dataclasses

    store = dataset.store.assign(**{s.PROMO2: 1, s.PROMO2_SINCE_WEEK: np.nan})  # no Promo2 store knows its week
    result = clean_dataset(dataclasses.replace(dataset, store=store))
    assert result.store[s.PROMO2_SINCE_WEEK].isna().all()  # was 0 for every store
    (row,) = [a for a in result.report.actions if a.step == "ColumnImputer" and a.column == s.PROMO2_SINCE_WEEK]
    assert (row.detected, row.changed) == (len(store), 0)
    assert row.detail == "left missing: no store has a value to learn a fill from"


def test_clean_dataset_remove_flags_store_rows_it_cannot_drop(dataset):
    """Was: "remove" left store.csv's distance outliers unmarked, though the docstring and the report's rule
    ("-> flag") said they were flagged; the cleaned store table now carries the flag the report counts."""
    import dataclasses

    store = dataset.store.copy()
    store.loc[store.index[0], s.COMPETITION_DISTANCE] = 1e7  # one distance far beyond every other
    result = clean_dataset(dataclasses.replace(dataset, store=store), CleanOptions(outlier_action="remove"))
    (row,) = [a for a in result.report.actions if a.step == "OutlierHandler" and a.column == s.COMPETITION_DISTANCE]
    assert row.rule.endswith("-> flag") and row.detected >= 1
    flags = result.store[f"{s.COMPETITION_DISTANCE}_outlier"]
    assert int(flags.sum()) == row.detected and flags.iloc[0] == 1
    assert len(result.store) == len(store)  # flagged, never dropped
    pd.testing.assert_series_equal(result.store[s.COMPETITION_DISTANCE],
                                   clean_dataset(dataclasses.replace(dataset, store=store),
                                                 CleanOptions(outlier_action="flag")).store[s.COMPETITION_DISTANCE])


@pytest.mark.parametrize("action", ["cap", "log"])
def test_clean_dataset_reports_every_daily_value_it_changes(dataset, action):
    """Was: the daily step's counts came from the fit rows (open days with sales) while it changed all of
    train.csv, so an open day without sales but with customers (2 rows in Rossmann's file) had its
    Customers capped up to the store's lower bound and the report did not count it."""
    import dataclasses

    train = dataset.train.copy()
    day = sales_days(train).index[0]
    train.loc[day, [s.SALES, s.CUSTOMERS]] = [0, 1]  # open, no sales, one customer: far below the store's days
    result = clean_dataset(dataclasses.replace(dataset, train=train), CleanOptions(outlier_action=action))
    rows = {a.column: a for a in result.report.actions if a.step == "OutlierHandler" and a.rule.endswith(action)
            and a.column != s.COMPETITION_DISTANCE}
    for col in (s.SALES, s.CUSTOMERS):
        changed = int((result.train[col].to_numpy(float) != train[col].to_numpy(float)).sum())
        assert rows[col].changed == changed, col


@pytest.mark.parametrize("action", ["cap", "flag", "remove"])
def test_open_days_without_sales_pass_the_outlier_step_as_they_are_and_are_counted(dataset, action):
    """Was: judged against the store's bounds learned on trading days, an open day with Sales 0 and 1 customer
    (2 such rows in Rossmann's file, 3 and 5 customers) had its Customers capped up to the store's lower bound
    (hundreds of customers on a day that sold nothing), or was flagged, or removed as an outlier. Such a day
    is a closure in effect, left to the row rules; the report says how many passed through."""
    import dataclasses

    train = dataset.train.copy()
    days = sales_days(train).index[:3]
    train.loc[days[0], [s.SALES, s.CUSTOMERS]] = [0, 1]  # open, no sales, one customer
    train.loc[days[1], [s.SALES, s.CUSTOMERS]] = [0, 0]  # open, no sales, no customer: zeros were never judged
    result = clean_dataset(dataclasses.replace(dataset, train=train), CleanOptions(outlier_action=action))
    out = result.train.set_index([s.STORE, s.DATE])
    for day in days[:2]:
        key = (train.at[day, s.STORE], train.at[day, s.DATE])
        assert out.loc[key, [s.SALES, s.CUSTOMERS]].tolist() == train.loc[day, [s.SALES, s.CUSTOMERS]].tolist()
        if action == "flag":
            assert (out.loc[key, [c for c in out.columns if c.endswith("_outlier")]] == 0).all()
    (row,) = [a for a in result.report.actions if a.column == "(days without sales)"]
    assert (row.rule, row.detected, row.changed) == ("not judged -> passed through", 1, 0)
    assert row.detail.startswith("1 open day(s) with Sales 0 and Customers > 0, 0 closed day(s)")
    judged = {a.column: a.detected for a in result.report.actions if a.rule.startswith("iqr per Store")}
    again = clean_dataset(dataclasses.replace(dataset, train=train.drop(index=days[0])), CleanOptions(
        outlier_action=action))  # the same counts as without the day: it was not judged
    assert judged == {a.column: a.detected for a in again.report.actions if a.rule.startswith("iqr per Store")}

@pytest.mark.parametrize("action", ["cap", "log", "flag"])
def test_clean_dataset_counts_every_distance_the_outlier_step_changes(dataset, action):
    """Was: with "log" the no-competitor fills were log-transformed with every distance but left out of the
    report, which counted the known distances only."""
    import dataclasses

    store = dataset.store.copy()
    store.loc[store.index[:2], s.COMPETITION_DISTANCE] = np.nan
    result = clean_dataset(dataclasses.replace(dataset, store=store), CleanOptions(outlier_action=action))
    filled = StoreContextImputer().fit(store).transform(store)[s.COMPETITION_DISTANCE]
    changed = int((result.store[s.COMPETITION_DISTANCE].to_numpy() != filled.to_numpy()).sum())
    counted = sum(a.changed for a in result.report.actions
                  if a.step == "OutlierHandler" and a.column == s.COMPETITION_DISTANCE)
    assert counted == changed


def test_store_context_report_tells_a_missing_month_of_a_known_year_apart():
    """Was: a CompetitionOpenSinceMonth missing beside a known year was reported as "competitor predates the
    records", "set to 1 (January of <the earliest year seen>)", while transform kept the store's own year."""
    stores = _stores().assign(**{s.COMPETITION_OPEN_SINCE_MONTH: [np.nan, np.nan, np.nan, 4.0]})
    stores.loc[0, s.COMPETITION_OPEN_SINCE_YEAR] = 2013.0  # the earliest year seen: 2012 (store 4)
    imp = StoreContextImputer().fit(stores)
    out = imp.transform(stores)
    assert (out.loc[0, s.COMPETITION_OPEN_SINCE_MONTH], out.loc[0, s.COMPETITION_OPEN_SINCE_YEAR]) == (1.0, 2013.0)
    assert imp.since_year_fill_ == 2012.0
    rep = {(a.column, a.rule): (a.changed, a.detail) for a in imp.report_.actions}
    month = s.COMPETITION_OPEN_SINCE_MONTH
    assert rep[(month, "month unknown, opening year known")] == (
        1, "set to 1 (January of the store's own opening year)")
    assert rep[(month, "distance known: competitor predates the records")][0] == 1  # store 3 only
    assert rep[(month, "no known competitor")][0] == 1  # store 2
    filled = sum(a.changed for a in imp.report_.actions if a.column == month)
    assert filled == int(stores[month].isna().sum())
