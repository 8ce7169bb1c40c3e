"""The rows a fit learns from: the same rows in any order give the same model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.models.training import fit_model, training_rows
from trees_support import SMALL_LGBM


def test_train_rows_in_another_order_fit_the_same_model_bit_for_bit(dataset):
    """LightGBM samples rows by position, so the fit rows come in one order whatever the file's.

    Before, a train.csv sorted another way (by store, as a database export gives it) fitted another model:
    on these 12 stores forecasts moved by up to 1,400 Sales.
    """
    until = dataset.train[s.DATE].max() - pd.Timedelta(days=43)
    shuffled = dataset.train.sample(frac=1.0, random_state=3)
    by_store = dataset.train.sort_values([s.STORE, s.DATE])
    X, y = training_rows(dataset.train, dataset.store, until)
    for other in (shuffled, by_store):
        X2, y2 = training_rows(other, dataset.store, until)
        pd.testing.assert_frame_equal(X2.reset_index(drop=True), X.reset_index(drop=True))
        np.testing.assert_array_equal(y2, y)

    ahead = dataset.train[(dataset.train[s.DATE] > until) & (dataset.train[s.OPEN] == 1)]
    ahead = ahead.drop(columns=[s.SALES, s.CUSTOMERS])
    params = {**SMALL_LGBM, "n_estimators": 10}
    first = fit_model(X, y, refit=False, **params).predict(ahead)
    again = fit_model(*training_rows(shuffled, dataset.store, until), refit=False, **params).predict(ahead)
    np.testing.assert_array_equal(again, first)


def test_train_csv_order_is_kept_as_it_is(dataset):
    """train.csv's own order (Date descending, then Store) is the order fitted: its models are unchanged."""
    X, _ = training_rows(dataset.train, dataset.store)
    assert list(X.index) == sorted(X.index)


def _schedule_reads(monkeypatch) -> list[pd.DataFrame]:
    """Every (Store, Date, schedule features) the schedule step hands on, one frame per call."""
    from storecast.features.schedule import SCHEDULE_FEATURES, StoreSchedule

    seen: list[pd.DataFrame] = []
    real = StoreSchedule.transform

    def spy(self, X):
        out = real(self, X)
        seen.append(pd.DataFrame({c: np.asarray(out[c]) for c in (s.STORE, s.DATE, *SCHEDULE_FEATURES)}))
        return out

    monkeypatch.setattr(StoreSchedule, "transform", spy)
    return seen


def test_each_fit_stage_reads_the_schedules_serving_reads_for_its_days(dataset, monkeypatch):
    """The fit, the calibration-stage fit and the calibration window read each store's schedule as
    ``predict_frame`` reads the same days sent as a request: open and closed, Open as given.

    Store 1 sold nothing on a Friday and Saturday it was open, store 6 the same inside the calibration
    window; store 3 closed for its last 4 days before the calibration window, store 4 its first 4 days in
    it, store 5 its last 4 days up to the cut. Before, each stage read the sales days alone: the open days
    with Sales 0 and the Sunday after them read as a 3-day closure, and the closures at the edges were lost.
    """
    from storecast.artifacts.trees import TreeBundle
    from storecast.models.training import schedule_rows
    from storecast.predict import predict_frame

    train = dataset.train.copy()
    day = train[s.DATE]
    until = day.max() - pd.Timedelta(days=43)
    split = until - pd.Timedelta(days=42)  # the calibration window: split + 1 .. until (``until`` is a sales day)
    assert ((train[s.OPEN] == 1) & (train[s.SALES] == 0)).sum() == 0  # the synthetic chain has no such day
    friday = day.dt.day_of_week == 4
    for store, at in ((1, split - pd.Timedelta(days=100)), (6, split + pd.Timedelta(days=14))):
        fri = day[friday & (day > at)].min()
        train.loc[(train[s.STORE] == store) & day.isin([fri, fri + pd.Timedelta(days=1)]), s.SALES] = 0
    for store, first in ((3, split - pd.Timedelta(days=3)), (4, split + pd.Timedelta(days=1)),
                         (5, until - pd.Timedelta(days=3))):
        shut = (train[s.STORE] == store) & (day >= first) & (day <= first + pd.Timedelta(days=3))
        train.loc[shut, [s.OPEN, s.SALES, s.CUSTOMERS]] = 0
    seen = _schedule_reads(monkeypatch)
    X, y = training_rows(train, dataset.store, until)
    model = fit_model(X, y, schedule=schedule_rows(train, until), **{**SMALL_LGBM, "n_estimators": 10})
    assert X[s.DATE].max() == until and model.calibration_["start"] > f"{split:%Y-%m-%d}"
    # the three reads of the fit: the calibration-stage fit's rows, the final fit's, the calibration window's
    stage_fit = next(r for r in seen if r[s.DATE].max() <= split)
    final_fit = next(r for r in seen if len(r) == len(X))
    calibration = next(r for r in seen if r[s.DATE].min() > split)

    def served(first, last) -> pd.DataFrame:
        """What predict_frame's model reads for the train rows of these days, sent as a planner sends them."""
        rows = train[(train[s.DATE] >= first) & (train[s.DATE] <= last)].drop(columns=[s.SALES, s.CUSTOMERS])
        seen.clear()
        predict_frame(TreeBundle(kind="lgbm", path=Path("m"), card={}, model=model, level=0.8), rows)
        return pd.concat(seen)

    start = day.min()
    for fitted, asked in ((final_fit, served(start, until)), (stage_fit, served(start, split)),
                          (calibration, served(split + pd.Timedelta(days=1), until))):
        both = fitted.merge(asked, on=[s.STORE, s.DATE], how="left", suffixes=("", "_served"))
        for name in ("closure_ahead_days", "closure_ahead_len", "reopened_days", "reopened_after_len"):
            np.testing.assert_array_equal(both[name].to_numpy(), both[f"{name}_served"].to_numpy(), err_msg=name)
