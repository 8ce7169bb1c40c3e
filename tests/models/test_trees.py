"""Tree pipelines: the three losses, both kinds, the estimator contract of SalesRegressor."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.tree import DecisionTreeRegressor
from sklearn.utils.estimator_checks import parametrize_with_checks

from storecast import schema as s
from storecast.evaluation.metrics import rmspe
from storecast.models.training import training_rows
from storecast.models.trees import SalesRegressor, _transform, make_pipeline, pipeline_predict
from trees_support import SMALL_LGBM, fit_small


@pytest.fixture(scope="module")
def ds(dataset):
    return dataset


@pytest.fixture(scope="module")
def split(ds):
    until = ds.train[s.DATE].max() - pd.Timedelta(days=43)
    X, y = training_rows(ds.train, ds.store, until)
    later = ds.train[(ds.train[s.DATE] > until) & (ds.train[s.OPEN] == 1) & (ds.train[s.SALES] > 0)]
    return X, y, later.drop(columns=[s.SALES, s.CUSTOMERS]), later[s.SALES].to_numpy(float)


@pytest.mark.parametrize("loss", ["log", "mse", "relative"])
def test_lgbm_losses_fit_and_beat_a_flat_forecast(split, loss):
    X, y, Xt, yt = split
    pipe = make_pipeline("lgbm", loss=loss, **SMALL_LGBM).fit(X, y)
    pred = pipe.predict(Xt)
    assert (pred >= 0).all() and pred.shape == yt.shape
    assert rmspe(yt, pred) < rmspe(yt, np.full_like(yt, np.median(y)))


def test_random_forest_pipeline(split):
    X, y, Xt, yt = split
    pipe = make_pipeline("rf", n_estimators=10, n_jobs=1).fit(X, y)
    assert rmspe(yt, pipe.predict(Xt)) < 0.5
    assert pipe.named_steps["model"].feature_importances_.sum() == pytest.approx(1.0)


def test_bad_kind_and_loss_are_refused(split):
    X, y, *_ = split
    with pytest.raises(ValueError, match="`kind`"):
        make_pipeline("xgb")
    with pytest.raises(ValueError, match="`loss`"):
        make_pipeline("lgbm", loss="mape", **SMALL_LGBM).fit(X, y)
    with pytest.raises(ValueError, match="must be > 0"):
        make_pipeline("lgbm", **SMALL_LGBM).fit(X, np.where(y > y.mean(), y, 0))


def test_conformal_model_has_intervals_around_points(ds, small_fit):
    model, _ = small_fit
    assert 0.8 < model.correction_ < 1.2
    rows = ds.train[ds.train[s.OPEN] == 1].tail(50)
    point, lo, hi = model.predict_interval(rows, level=0.8)
    _, lo95, hi95 = model.predict_interval(rows, level=0.95)
    assert (lo <= point).all() and (point <= hi).all()
    assert (lo95 <= lo).all() and (hi <= hi95).all()
    with pytest.raises(ValueError, match="not calibrated"):
        model.predict_interval(rows, level=0.5)


def test_refit_prep_keeps_the_calibration_trees_and_refreshes_the_store_statistics(ds, small_fit):
    """One tree fit instead of two: the served trees are the calibration-stage ones, the prep sees every row."""
    model, until = fit_small(ds, refit="prep")
    first = model.estimator_.named_steps["model"].estimator_.booster_
    full, _ = small_fit
    assert first.num_trees() == SMALL_LGBM["n_estimators"]
    history = model.estimator_.named_steps["prep"].named_steps["history"]
    refitted = full.estimator_.named_steps["prep"].named_steps["history"]
    # the store statistics were learned from the same rows as the full refit's (up to ``until``)
    np.testing.assert_array_equal(history.stats_, refitted.stats_)
    assert model.calibration_["end"] == f"{until:%Y-%m-%d}"
    rows = ds.train[ds.train[s.OPEN] == 1].tail(20)
    assert (model.predict(rows) > 0).all()


@pytest.mark.parametrize("calibration_seeds", [1, None])
def test_the_calibration_stage_fits_one_seed_while_the_served_model_averages_them(ds, calibration_seeds):
    """The intervals come from the errors of the calibration-stage model: one LightGBM seed by default."""
    from storecast.models.training import fit_model

    until = ds.train[s.DATE].max() - pd.Timedelta(days=43)
    X, y = training_rows(ds.train, ds.store, until)
    settings = {**SMALL_LGBM, "seeds": 2}
    model = fit_model(X, y, calibration_seeds=calibration_seeds, **settings)
    served = model.estimator_.named_steps["model"].estimator_
    assert len(served.estimators_) == 2  # the served model still averages both seeds
    early = X[s.DATE] <= X[s.DATE].max() - pd.Timedelta(days=42)
    stage_seeds = 2 if calibration_seeds is None else calibration_seeds
    stage = make_pipeline("lgbm", **{**settings, "seeds": stage_seeds}).fit(X[early], y[early])
    assert model.calibration_["rmspe"] == pytest.approx(rmspe(y[~early], stage.predict(X[~early])), rel=1e-12)
    with pytest.raises(ValueError, match="refit=True"):
        from storecast.models.conformal import ConformalRegressor

        ConformalRegressor(make_pipeline("lgbm", **settings), calibration_estimator=stage, refit=False).fit(X, y)


_CLIPPED = "predictions are Sales, clipped at 0; this check's centred target is negative half the time"


def _closed_until(train: pd.DataFrame, store: int, day: pd.Timestamp) -> pd.DataFrame:
    """``train`` with ``store`` closed (Sales 0) on every day up to ``day``: it opens after it."""
    train = train.copy()
    shut = (train[s.STORE] == store) & (train[s.DATE] <= day)
    train.loc[shut, [s.OPEN, s.SALES, s.CUSTOMERS]] = 0
    return train


def test_a_store_that_opens_inside_the_calibration_window_is_served_not_refused(ds, caplog):
    """Its rows cannot measure the calibration-stage model (fitted before it opened); the served model knows it."""
    from storecast.models.training import fit_model

    end = ds.train[s.DATE].max()
    X, y = training_rows(_closed_until(ds.train, 3, end - pd.Timedelta(days=7)), ds.store)
    model = fit_model(X, y, **SMALL_LGBM)
    assert "calibration: " in caplog.text and "(store(s) 3)" in caplog.text
    assert model.calibration_["rows"] == int((X[s.DATE] > end - pd.Timedelta(days=42)).sum() - (X[s.STORE] == 3).sum())
    point, lower, upper = model.predict_interval(X[X[s.STORE] == 3])
    assert (lower < point).all() and (point < upper).all()


def test_sales_days_too_few_for_calibration_are_a_window_error_not_a_crash(ds):
    """train.csv's dates span two years, but the one store's sales days only its last week."""
    from storecast.errors import WindowError
    from storecast.models.training import fit_model

    one = ds.train[ds.train[s.STORE] == 3]
    X, y = training_rows(_closed_until(one, 3, one[s.DATE].max() - pd.Timedelta(days=7)), ds.store)
    with pytest.raises(WindowError, match=r"the rows to fit on hold \d sales days \(2014-12-2.*add older sales days"):
        fit_model(X, y, **SMALL_LGBM)


@parametrize_with_checks([SalesRegressor(DecisionTreeRegressor(max_depth=3, random_state=0), loss="mse")],
                         expected_failed_checks=lambda est: {"check_regressors_train": _CLIPPED})
def test_sales_regressor_sklearn_contract(estimator, check):
    check(estimator)


@pytest.mark.parametrize("kind", ["lgbm", "rf"])
def test_pipeline_predict_equals_sklearn_pipeline(split, kind):
    """The serving walk over the steps gives the same features and predictions as Pipeline itself."""
    X, y, Xt, _ = split
    params = SMALL_LGBM if kind == "lgbm" else {"n_estimators": 5, "n_jobs": 1}
    pipe = make_pipeline(kind, **params).fit(X, y)
    prep = pipe.named_steps["prep"]
    np.testing.assert_array_equal(_transform(prep, Xt), prep.transform(Xt))
    for rows in (Xt, Xt.iloc[[0]], Xt.iloc[[len(Xt) // 2, 3]]):
        np.testing.assert_array_equal(pipeline_predict(pipe, rows), pipe.predict(rows))
    assert pipeline_predict(pipe.named_steps["model"], prep.transform(Xt)).shape == (len(Xt),)  # not a Pipeline


def test_a_forest_predicts_the_same_bits_for_a_row_alone_and_in_any_batch(split):
    """A batch big enough for the forest's threads (models.trees._SMALL_BATCH rows) adds the trees' predictions
    in their order, as a lone row does: sklearn's threads add them as they finish, so the last bits varied."""
    X, y, *_ = split
    pipe = make_pipeline("rf", n_estimators=20, n_jobs=2).fit(X, y)
    rows = X.head(2_500)
    batch = pipeline_predict(pipe, rows)
    for _ in range(3):
        np.testing.assert_array_equal(pipeline_predict(pipe, rows), batch)
    alone = [pipeline_predict(pipe, rows.iloc[[i]])[0] for i in range(0, len(rows), 250)]
    np.testing.assert_array_equal(alone, batch[::250])
    forest = pipe.named_steps["model"].estimator_
    assert forest.n_jobs == 2  # left as fitted: concurrent requests share it
    sequential = np.expm1(forest.set_params(n_jobs=1).predict(pipe.named_steps["prep"].transform(rows)))
    np.testing.assert_array_equal(batch, np.maximum(sequential, 0.0))


def test_sales_regressor_skips_validation_only_for_what_it_would_return_unchanged(split):
    X, y, Xt, _ = split
    pipe = make_pipeline("lgbm", **SMALL_LGBM).fit(X, y)
    reg, Z = pipe.named_steps["model"], pipe.named_steps["prep"].transform(Xt)
    assert reg._validated(Z)
    np.testing.assert_array_equal(reg.predict(Z), reg.predict(Z.tolist()))  # a list is validated
    np.testing.assert_array_equal(reg.predict(Z), reg.predict(np.asfortranarray(Z)))
    bad = Z.copy()
    bad[0, 0] = np.inf
    assert not reg._validated(bad) and not reg._validated(Z[:, :-1]) and not reg._validated(Z.astype(np.float32))
    with pytest.raises(ValueError, match="infinity"):
        reg.predict(bad)
    with pytest.raises(ValueError, match="features"):
        reg.predict(Z[:, :-1])


def test_seeds_average_lightgbm_models_that_differ_only_in_their_samples(split):
    from sklearn.ensemble import VotingRegressor

    from storecast.models.trees import make_estimator, tree_members

    X, y, Xt, yt = split
    tree = make_estimator("lgbm", **{**SMALL_LGBM, "seeds": 3})
    assert isinstance(tree, VotingRegressor)
    assert [e.get_params()["random_state"] for _, e in tree.estimators] == [0, 1, 2]
    pipe = make_pipeline("lgbm", **{**SMALL_LGBM, "seeds": 3}).fit(X, y)
    model = pipe.named_steps["model"]
    members = tree_members(model.estimator_)
    assert len(members) == 3
    Z = pipe.named_steps["prep"].transform(Xt)
    each = np.array([m.predict(Z) for m in members])
    assert not np.allclose(each[0], each[1])  # other row and column samples, other trees
    # the average is taken on the log scale the members are fitted on, through the booster fast path
    np.testing.assert_allclose(pipe.predict(Xt), np.expm1(each.mean(axis=0)), rtol=1e-12)
    np.testing.assert_allclose(pipe.predict(Xt), np.expm1(model.estimator_.predict(Z)), rtol=1e-12)
    assert model.feature_importances_.sum() == pytest.approx(1.0)
    single = make_pipeline("lgbm", **SMALL_LGBM).fit(X, y)
    assert rmspe(yt, pipe.predict(Xt)) < rmspe(yt, single.predict(Xt)) * 1.05


def test_bad_seeds_are_refused():
    from storecast.models.trees import make_estimator

    with pytest.raises(ValueError, match="at least 1"):
        make_estimator("lgbm", seeds=0)
    with pytest.raises(ValueError, match="kind='lgbm' only"):
        make_estimator("rf", seeds=2)
    with pytest.raises(ValueError, match="`kind` must be one of"):  # the kind is the mistake, not the seeds
        make_estimator("xgb", seeds=2)


def test_support_dataset_shape(dataset) -> None:
    ds = dataset
    assert ds.train["Store"].nunique() >= 10
    assert {"Store", "Date", "Sales", "Open", "Promo"} <= set(ds.train.columns)
