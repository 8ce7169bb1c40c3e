"""The estimator contract of the cleaning transformers: sklearn's checks, fit-only learning, untouched input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from storecast import schema as s
from storecast.clean.missing import ColumnImputer, StoreContextImputer
from storecast.clean.outliers import OutlierHandler
from storecast.clean.report import CleaningReport

# StoreContextImputer's rules need the store columns by name (Promo2, CompetitionDistance, ...), so it
# refuses anything but a DataFrame with a TypeError. These checks feed plain arrays (or nothing
# array-shaped at all) and therefore cannot apply to it; every other check runs.
_DATAFRAME_ONLY = "DataFrame-only: the rules address the store columns by name; the check passes an array"
_ARRAY_CHECKS = (
    "check_complex_data", "check_dict_unchanged", "check_dont_overwrite_parameters", "check_dtype_object",
    "check_estimator_sparse_array", "check_estimator_sparse_matrix", "check_estimator_sparse_tag",
    "check_estimators_dtypes", "check_estimators_empty_data_messages", "check_estimators_fit_returns_self",
    "check_estimators_nan_inf",
    "check_estimators_overwrite_params", "check_estimators_pickle", "check_f_contiguous_array_estimator",
    "check_fit1d", "check_fit2d_1feature", "check_fit2d_1sample", "check_fit2d_predict1d",
    "check_fit_check_is_fitted", "check_fit_idempotent", "check_fit_score_takes_y",
    "check_methods_sample_order_invariance", "check_methods_subset_invariance", "check_n_features_in",
    "check_n_features_in_after_fitting", "check_pipeline_consistency", "check_positive_only_tag_during_fit",
    "check_readonly_memmap_input", "check_transformer_data_not_an_array", "check_transformer_general",
    "check_transformer_preserve_dtypes",
)


def _expected_failed(est: object) -> dict[str, str]:
    return dict.fromkeys(_ARRAY_CHECKS, _DATAFRAME_ONLY) if isinstance(est, StoreContextImputer) else {}


@parametrize_with_checks(
    [
        ColumnImputer(),
        ColumnImputer(strategy="model"),
        OutlierHandler(columns=None, by=None),
        OutlierHandler(columns=None, by=None, method="mad", action="flag"),
        OutlierHandler(columns=None, by=None, method="zscore", action="log"),
        StoreContextImputer(),
    ],
    expected_failed_checks=_expected_failed,
)
def test_sklearn_estimator_contract(estimator, check):
    check(estimator)


def _stores(n: int = 40, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    promo2 = rng.integers(0, 2, n)
    dist = rng.gamma(1.0, 3000.0, n)
    dist[rng.random(n) < 0.1] = np.nan
    year = rng.integers(1990, 2015, n).astype(float)
    year[rng.random(n) < 0.3] = np.nan
    return pd.DataFrame({
        s.STORE: np.arange(1, n + 1),
        s.COMPETITION_DISTANCE: dist,
        s.COMPETITION_OPEN_SINCE_MONTH: np.where(np.isnan(year), np.nan, rng.integers(1, 13, n)),
        s.COMPETITION_OPEN_SINCE_YEAR: year,
        s.PROMO2: promo2,
        s.PROMO2_SINCE_WEEK: np.where(promo2 == 1, rng.integers(1, 53, n), np.nan),
        s.PROMO2_SINCE_YEAR: np.where(promo2 == 1, rng.integers(2009, 2015, n), np.nan),
        s.PROMO_INTERVAL: np.where(promo2 == 1, s.PROMO_INTERVALS[0], None),
    })


def _daily(n_days: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    store = np.repeat([1, 2, 3], n_days)
    sales = rng.normal(np.repeat([5000, 8000, 3000], n_days), 600).round()
    sales[::17] *= 4  # spikes
    sales[::7] = 0  # closed days
    customers = np.where(sales > 0, (sales / rng.uniform(8, 12, len(sales))).round(), 0)
    return pd.DataFrame({s.STORE: store, s.SALES: sales, s.CUSTOMERS: customers,
                         s.OPEN: (sales > 0).astype("int8")})


def _learned(est: object) -> dict[str, object]:
    """What a fitted transformer carries into transform, in a comparable form."""
    if isinstance(est, StoreContextImputer):
        return {"distance": est.distance_fill_, "year": est.since_year_fill_}
    if isinstance(est, ColumnImputer):
        return {"stats": est.imputer_.statistics_.tolist()}
    return {c: (est.bounds_[c].to_dict(), est.global_bounds_[c]) for c in est.columns_}


_CASES = [
    (lambda: StoreContextImputer(), _stores),
    (lambda: ColumnImputer(strategy="median", columns=[s.COMPETITION_DISTANCE, s.COMPETITION_OPEN_SINCE_YEAR]),
     _stores),
    (lambda: OutlierHandler(columns=(s.COMPETITION_DISTANCE,), by=None), _stores),
    (lambda: OutlierHandler(), _daily),
    (lambda: OutlierHandler(method="mad", action="flag"), _daily),
]


@pytest.mark.parametrize(("make", "data"), _CASES)
def test_nothing_after_the_fit_cut_is_learned(make, data):
    frame = data()
    cut = len(frame) // 2
    est = make().fit(frame.iloc[:cut])
    learned = _learned(est)
    # transforming (and reporting on) later rows leaves the learned state alone
    est.transform(frame.iloc[cut:])
    est.report(frame.iloc[cut:])
    assert _learned(est) == learned
    # and rows after the cut, however different, do not change what a fit up to the cut learns
    changed = frame.copy()
    numeric = changed.select_dtypes("number").columns.drop(s.STORE)
    changed.loc[changed.index[cut:], numeric] = changed.loc[changed.index[cut:], numeric] * 100 + 7
    assert _learned(make().fit(changed.iloc[:cut])) == learned


@pytest.mark.parametrize(("make", "data"), _CASES)
def test_input_frame_is_never_modified(make, data):
    frame = data()
    before = frame.copy()
    est = make().fit(frame)
    est.transform(frame)
    est.report(frame)
    pd.testing.assert_frame_equal(frame, before)


def test_column_imputer_reports_counts_and_fill_values():
    df = pd.DataFrame({"a": [1.0, np.nan, 3.0, np.nan], "b": [np.nan, 2.0, 2.0, 4.0]})
    rep = ColumnImputer(strategy="median").fit(df).report_.to_frame().set_index("column")
    assert rep.loc["a", "detected"] == 2 and rep.loc["a", "changed"] == 2 and rep.loc["a", "detail"] == "fill 2"
    assert rep.loc["b", "changed"] == 1 and rep.loc["b", "detail"] == "fill 2"


def test_column_imputer_takes_arrays_and_gives_arrays_back():
    X = np.array([[1.0, np.nan], [3.0, 4.0], [np.nan, 8.0]])
    out = ColumnImputer(strategy="mean").fit_transform(X)
    assert isinstance(out, np.ndarray)
    np.testing.assert_allclose(out, [[1.0, 6.0], [3.0, 4.0], [2.0, 8.0]])


def test_outlier_report_counts_and_bounds_on_a_known_series():
    df = pd.DataFrame({"v": [1.0, 2.0, 3.0, 4.0, 100.0]})
    h = OutlierHandler(columns=("v",), by=None, method="iqr", action="cap").fit(df)
    # q1 = 2, q3 = 4, IQR = 2 -> fences 2 - 3 = -1 and 4 + 3 = 7
    assert h.global_bounds_["v"] == (-1.0, 7.0)
    row = h.report_.actions[0]
    assert (row.detected, row.changed) == (1, 1)
    assert "[-1, 7]" in row.detail
    assert h.transform(df)["v"].tolist() == [1.0, 2.0, 3.0, 4.0, 7.0]
    flag = OutlierHandler(columns=("v",), by=None, action="flag").fit(df).report_.actions[0]
    assert (flag.detected, flag.changed) == (1, 0)  # flagging changes no value


def test_report_merges_and_serialises_to_json():
    a, b = CleaningReport(), CleaningReport()
    a.add("one", "x", "rule", 3, 2, "fill 1")
    b.add("two", "x", "rule", 1, 1)
    b.add("two", "y", "rule", 5, 0)
    merged = a.merge(b)
    assert len(merged) == 3 and len(a) == 1  # merging makes a new report
    payload = json.loads(json.dumps(merged.to_dict()))
    assert payload["totals_by_column"] == {"x": {"detected": 4, "changed": 3}, "y": {"detected": 5, "changed": 0}}
    assert merged.to_frame()["step"].tolist() == ["one", "two", "two"]


def test_store_context_imputer_checks_columns_against_fit_like_every_transformer():
    """The columns out must be the ones `get_feature_names_out` names; a different table is refused, not guessed."""
    stores = _stores()
    est = StoreContextImputer().fit(stores)
    with pytest.raises(ValueError, match="PromoInterval"):
        est.transform(stores.drop(columns=[s.PROMO_INTERVAL]))
    with pytest.raises(ValueError, match="same order"):
        est.transform(stores[stores.columns[::-1]])
    with pytest.raises(ValueError, match="input_features is not equal"):
        est.get_feature_names_out(["a", "b"])
    names = est.get_feature_names_out(list(stores.columns))
    assert list(est.transform(stores).columns) == list(names)


@pytest.mark.parametrize("add_indicators", [True, False])
def test_store_context_imputer_names_indicators_once_when_the_input_has_them(add_indicators):
    """Refitting on its own output: the indicators are overwritten in place, so they are named once, in place."""
    stores = _stores()
    once = StoreContextImputer().fit_transform(stores)
    est = StoreContextImputer(add_indicators=add_indicators).fit(once)
    out = est.transform(once)
    names = list(est.get_feature_names_out())
    assert names == list(out.columns) == list(once.columns)
    assert len(set(names)) == len(names)
