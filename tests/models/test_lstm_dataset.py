"""Time-series preparation for the LSTM: panel, scaling to (-1, 1), windows, stationarity tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from storecast import schema as s
from storecast.dates import to_days
from storecast.models.lstm.analysis import autocorrelation, stationarity, transforms, write_analysis
from storecast.models.lstm.dataset import (
    CONTEXT_FEATURES,
    DEC_FEATURES,
    ENC_FEATURES,
    SalesScaler,
    build_panel,
    future_features,
    holiday_proximity,
    make_windows,
    promo_anchor,
    schedule_context,
)
from storecast.models.lstm.level import (
    christmas_season,
    empty_window_level,
    holiday_weeks,
    level_days,
    lookback_profile,
    season_profile,
    season_shift,
    shaped_level,
    store_profile,
)

# no torch needed here, but the mark keeps every LSTM test selectable (and skippable) together
pytestmark = pytest.mark.torch
CUT = pd.Timestamp("2014-10-31")


@pytest.fixture(scope="module")
def panel(dataset):
    return build_panel(dataset.train, CUT)


def test_the_level_reads_the_encoder_inputs_at_their_places():
    from storecast.models.lstm import level

    places = (level.ENC_SALES, level.ENC_OPEN, level.ENC_PROMO, level.ENC_STATE_HOLIDAY, level.ENC_DOW_SIN,
              level.ENC_DOW_COS)
    assert [ENC_FEATURES[i] for i in places] == ["sales", "open", "promo", "state_holiday", "dow_sin", "dow_cos"]


def test_panel_ends_at_the_cut_and_marks_closed_days_as_unknown(panel, dataset):
    assert panel.dates[-1] == CUT
    assert panel.log_sales.shape == (dataset.train[s.STORE].nunique(), len(panel.dates))
    closed = panel.open == 0
    assert np.isnan(panel.log_sales[closed]).all()


def test_scaler_maps_the_fit_window_exactly_onto_minus_one_one_and_inverts(panel):
    scaler = SalesScaler().fit(panel.log_sales)
    scaled = scaler.transform(panel.log_sales)
    assert np.nanmin(scaled) == pytest.approx(-1.0, abs=1e-6)
    assert np.nanmax(scaled) == pytest.approx(1.0, abs=1e-6)
    back = scaler.inverse_transform(scaled, np.arange(len(panel.stores)))
    np.testing.assert_allclose(back, panel.log_sales, rtol=1e-6, equal_nan=True)


def test_windows_have_the_documented_shapes_and_stay_in_one_store(panel):
    scaled = SalesScaler().fit(panel.log_sales).transform(panel.log_sales)
    stores = np.array([0, 3, 5])
    origins = np.array([100, 200, 300])
    w = make_windows(panel, scaled, stores, origins, lookback=28, horizon=14)
    assert w["enc"].shape == (3, 28, len(ENC_FEATURES))
    assert w["dec"].shape == (3, 14, len(DEC_FEATURES))
    assert w["target"].shape == w["mask"].shape == (3, 14)
    # the encoder's sales channel is exactly that store's scaled sales over the look-back days
    expected = np.nan_to_num(scaled[3, 200 - 27: 201])
    np.testing.assert_allclose(w["enc"][1, :, 0], expected)
    np.testing.assert_allclose(w["target"][2], np.nan_to_num(scaled[5, 301:315]))


def test_panel_ignores_rows_after_the_cut(dataset, panel):
    poisoned = dataset.train.copy()
    later = poisoned[s.DATE] > CUT
    poisoned.loc[later, s.SALES] = 10**9
    again = build_panel(poisoned, CUT)
    np.testing.assert_array_equal(again.log_sales, panel.log_sales)


def test_scaler_is_fitted_on_the_training_part_only(panel):
    fit_part = panel.log_sales[:, :-42]
    scaler = SalesScaler().fit(fit_part)
    full = scaler.transform(panel.log_sales)
    assert np.nanmin(full[:, :-42]) == pytest.approx(-1.0, abs=1e-6)
    assert np.nanmax(full[:, :-42]) == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_allclose(scaler.store_mean_, np.nanmean(fit_part, axis=1))


def test_training_windows_and_served_rows_get_the_same_future_inputs(panel):
    # training gathers calendar features per panel day; serving computes them per row: they must agree
    scaled = SalesScaler().fit(panel.log_sales).transform(panel.log_sales)
    w = make_windows(panel, scaled, np.array([2]), np.array([320]), lookback=28, horizon=42)
    days = np.arange(321, 363)
    rows = future_features(panel.dates[days], panel.open[2, days], panel.promo[2, days],
                           panel.state_holiday[2, days], panel.school_holiday[2, days], np.arange(1, 43), 42,
                           w["dec"][0, :, -1], np.array([""]))
    assert len(set(w["dec"][0, :, -1])) > 1  # the look-back level varies with day of week / promo
    np.testing.assert_array_equal(w["dec"][0], rows)


def test_windows_cannot_reach_past_the_cut(panel):
    scaled = SalesScaler().fit(panel.log_sales).transform(panel.log_sales)
    last = len(panel.dates) - 1
    ok = make_windows(panel, scaled, np.array([0]), np.array([last - 14]), lookback=28, horizon=14)
    assert panel.dates[ok["target_day"].max()] == CUT
    with pytest.raises(ValueError, match=rf"inside the panel of {last + 1} days, so lie in 27..{last - 14}; got 1 "
                       rf"outside, {last - 13}..{last - 13}"):  # was the rule alone, without the numbers
        make_windows(panel, scaled, np.array([0]), np.array([last - 13]), lookback=28, horizon=14)


def test_a_store_without_sales_in_the_fit_window_gets_mean_zero_without_a_warning():
    """A store whose history starts in the validation days: numpy's warning reached `lstm train`'s output."""
    import warnings

    log_sales = np.array([[np.nan, np.nan, np.nan], [8.0, 9.0, np.nan]], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scaler = SalesScaler().fit(log_sales)
    assert scaler.store_mean_.tolist() == [0.0, 8.5]


def test_white_noise_is_stationary_and_a_random_walk_is_not():
    rng = np.random.default_rng(0)
    noise = pd.Series(rng.normal(size=600))
    walk = noise.cumsum() + 50
    assert stationarity(noise)["stationary"] is True
    assert stationarity(walk)["stationary"] is False
    assert stationarity(walk.diff())["stationary"] is True


def test_transforms_and_weekly_autocorrelation():
    days = pd.date_range("2013-01-01", periods=364, freq="D")
    weekly = pd.Series(100 + 30 * (days.day_of_week == 0), index=days, dtype=float)
    t = transforms(weekly)
    assert list(t) == ["level", "log", "log, diff 1", "log, diff 7"]
    assert np.allclose(t["log, diff 7"].dropna(), 0)
    acf = autocorrelation(weekly, nlags=20)["acf"]
    assert acf[7] == pytest.approx(1.0, abs=0.05) and acf[3] < 0


def test_the_seasonal_difference_of_a_store_closed_on_sundays_is_a_week_back():
    """A store's series holds its open days only: seven rows back is not the same weekday."""
    days = pd.date_range("2014-03-03", periods=70, freq="D")
    days = days[days.day_of_week < 6]  # closed on Sundays, as most Rossmann stores are
    weekly = pd.Series(100 + 10 * days.day_of_week, index=days, dtype=float)
    lag7 = transforms(weekly)["log, diff 7"]
    assert lag7.index.equals(weekly.index) and lag7.isna().sum() == 6  # the first week has no week before
    assert np.allclose(lag7.dropna(), 0)  # was up to log(150/100): rows 7 back, another weekday


def test_autocorrelation_lags_are_days_when_sundays_are_missing():
    """Was lags in rows: without Sundays (as in synthetic data) "lag 7" was eight or nine days back, another
    weekday, and the weekly cycle showed at lag 6."""
    days = pd.date_range("2014-03-03", periods=364, freq="D")
    days = days[days.day_of_week < 6]
    weekly = pd.Series(100 + 10 * days.day_of_week, index=days, dtype=float)
    corr = autocorrelation(weekly, nlags=20)
    assert corr["acf"][7] == pytest.approx(1.0, abs=0.05) and corr["acf"][6] < 0.5
    assert np.isfinite(corr["pacf"]).all() and len(corr["pacf"]) == 21


def test_analysis_report_writes_charts_html_and_json(dataset, tmp_path):
    index = write_analysis(dataset.train[dataset.train[s.STORE] <= 4], tmp_path, sample_stores=2)
    html = index.read_text()
    assert {p.name for p in tmp_path.glob("*.png")} == {"transforms.png", "acf_pacf.png"}
    assert "src='transforms.png'" in html and "src='acf_pacf.png'" in html
    # each chart's alt text is whole: an apostrophe in its title does not end the attribute
    assert "alt='The chain&#x27;s daily sales before and after each transform'" in html
    result = json.loads((tmp_path / "analysis.json").read_text())
    assert set(result["stationarity"]["chain"]) == {"level", "log", "log, diff 1", "log, diff 7"}
    assert len(result["stationarity"]) == 3 and set(result["acf_at"]) <= {"7", "14", "365"}


def test_the_sampled_stores_do_not_depend_on_the_order_of_the_rows(dataset, tmp_path):
    """Was a draw from the stores in order of appearance: train.csv's rows reordered, another sample."""
    train = dataset.train[dataset.train[s.STORE] <= 8]
    reordered = train.sort_values([s.STORE, s.DATE], ascending=[False, True])
    assert list(reordered[s.STORE].unique()) != sorted(train[s.STORE].unique())  # the order differs
    sampled = []
    for name, rows in (("as-is", train), ("reordered", reordered)):
        write_analysis(rows, tmp_path / name, sample_stores=3)
        sampled.append(list(json.loads((tmp_path / name / "analysis.json").read_text())["stationarity"]))
    assert sampled[0] == sampled[1]


def test_the_report_claims_a_yearly_echo_only_when_lag_365_shows_one(dataset, tmp_path):
    from storecast.models.lstm.analysis import _yearly_echo

    train = dataset.train[dataset.train[s.DATE] >= "2014-01-01"]  # one year: no lag 365 to read
    html = " ".join(write_analysis(train, tmp_path, sample_stores=1).read_text().split())
    assert "lag 365 = nan" in html and "too short for lag 365" in html
    assert "the yearly echo is visible" not in html  # was said whatever lag 365 showed
    assert _yearly_echo(0.3, 900) == "the yearly echo is visible"  # the band at 900 days: 1.96 / 30 = 0.065
    assert _yearly_echo(0.03, 900) == "no yearly echo stands out of the noise band (+-0.07)"


def test_a_series_the_tests_cannot_take_is_untested_with_the_reason():
    """statsmodels raises on a few values or constant ones; one such store ended `lstm analyze` in a traceback."""
    for series, why in ((pd.Series([5.0] * 40), "constant"), (pd.Series([1.0, 3.0, 2.0]), "too short")):
        out = stationarity(series)
        assert out["stationary"] is False and out["adf_p"] is None and why in out["untested"]


def test_analysis_marks_a_short_store_untested_and_refuses_a_chain_of_days(dataset, tmp_path):
    from storecast.errors import WindowError

    t = dataset.train
    train = pd.concat([t[t[s.STORE] == 1], t[t[s.STORE] == 2].nlargest(4, s.DATE)])  # store 2: its last 4 days
    last = train[s.DATE].max()
    index = write_analysis(train, tmp_path / "ok", sample_stores=2)
    result = json.loads((tmp_path / "ok" / "analysis.json").read_text())
    assert "untested" in result["stationarity"]["store 2"]["log, diff 7"]
    assert "untested" not in result["stationarity"]["store 1"]["log, diff 7"] and "untested (" in index.read_text()

    short = train[train[s.DATE] > last - pd.Timedelta(days=12)]
    with pytest.raises(WindowError, match=r"train.csv has \d+ day\(s\) with sales \(.*\): the series analysis needs at "
                       "least 28"):
        write_analysis(short, tmp_path / "short")
    assert not (tmp_path / "short").exists()


def test_lookback_profile_is_the_mean_per_day_of_week_and_promo():
    days = pd.date_range("2014-03-03", periods=28, freq="D")  # starts on a Monday
    dow = days.day_of_week.to_numpy()
    enc = np.zeros((1, 28, len(ENC_FEATURES)), dtype=np.float32)
    enc[0, :, 0] = dow / 10 + 0.5 * (np.arange(28) % 14 < 5)  # promo weeks sell 0.5 more
    enc[0, :, 1] = (dow != 6).astype(np.float32)  # closed on Sundays: no sales known
    enc[0, :, 2] = np.arange(28) % 14 < 5
    enc[0, :, 5], enc[0, :, 6] = np.sin(2 * np.pi * dow / 7), np.cos(2 * np.pi * dow / 7)
    prof = lookback_profile(enc)[0]
    np.testing.assert_allclose(prof[:5, 1], np.arange(5) / 10 + 0.5, atol=1e-6)
    np.testing.assert_allclose(prof[:6, 0], np.arange(6) / 10, atol=1e-6)
    assert prof[5, 1] == pytest.approx(0.5)  # no promo Saturday: falls back to that weekday's mean
    assert prof[6, 0] == pytest.approx(enc[0, dow != 6, 0].mean(), abs=1e-6)  # never open: window mean


def test_a_window_without_one_known_day_takes_the_stores_long_run_profile():
    enc = np.zeros((2, 14, len(ENC_FEATURES)), dtype=np.float32)
    dow = np.arange(14) % 7
    enc[:, :, 5], enc[:, :, 6] = np.sin(2 * np.pi * dow / 7), np.cos(2 * np.pi * dow / 7)
    enc[0, :, 0], enc[0, :, 1] = 0.2, 1.0  # store 0 sold every day; store 1 was closed throughout
    long_run = np.full((2, 7, 2), 0.35, dtype=np.float32)
    prof = lookback_profile(enc, fallback=long_run)
    np.testing.assert_allclose(prof[0], 0.2)  # a window with sales keeps its own level
    np.testing.assert_allclose(prof[1], 0.35)  # the empty one: the long-run profile, not scaled 0
    np.testing.assert_allclose(lookback_profile(enc)[1], 0.0)  # without a fallback: the old behaviour


def _window(days: pd.DatetimeIndex, sales: np.ndarray, holidays: list[str]) -> np.ndarray:
    """One look-back window over ``days``: open Monday..Saturday, no promo, ``holidays`` closed."""
    dow = days.day_of_week.to_numpy()
    enc = np.zeros((1, len(days), len(ENC_FEATURES)), dtype=np.float32)
    hol = days.isin(pd.to_datetime(holidays))
    enc[0, :, 0] = sales
    enc[0, :, 1] = (dow != 6) & ~hol
    enc[0, :, 3] = hol
    enc[0, :, 5], enc[0, :, 6] = np.sin(2 * np.pi * dow / 7), np.cos(2 * np.pi * dow / 7)
    return enc


def test_holiday_weeks_are_the_monday_to_sunday_weeks_of_a_weekday_holiday():
    days = pd.date_range("2015-04-27", periods=28, freq="D")  # Monday 27 April .. Sunday 24 May
    # Friday 1 May and Thursday 14 May close the stores; a holiday on a Sunday changes no open day
    enc = _window(days, np.zeros(28), ["2015-05-01", "2015-05-14", "2015-05-24"])
    weeks = holiday_weeks(enc, days.values[None, :])[0]
    assert weeks.tolist() == [True] * 7 + [False] * 7 + [True] * 7 + [False] * 7
    open_week = [d != 6 for d in range(7)]
    assert level_days(enc, True, days.values[None, :])[0].tolist() == [False] * 7 + open_week + [False] * 7 + open_week
    np.testing.assert_array_equal(level_days(enc, False), enc[..., 1] > 0)
    with pytest.raises(ValueError, match="dates"):
        level_days(enc, True)


def test_the_christmas_holidays_leave_their_weeks_in_the_level():
    days = pd.date_range("2014-12-15", periods=28, freq="D")  # Monday 15 December .. Sunday 11 January
    enc = _window(days, np.zeros(28), ["2014-12-25", "2014-12-26", "2015-01-01", "2015-01-06"])
    # Christmas and New Year are the season's peak, not a closed day's demand moved; Epiphany (Bavaria) counts
    assert holiday_weeks(enc, days.values[None, :])[0].tolist() == [False] * 21 + [True] * 7
    assert christmas_season(np.array(["2014-12-23", "2014-12-24", "2015-01-01", "2015-01-02"],
                                     dtype="datetime64[D]")).tolist() == [False, True, True, False]


def test_the_level_leaves_out_the_weeks_of_a_holiday_unless_a_cell_has_no_other_day():
    days = pd.date_range("2015-04-27", periods=28, freq="D")
    sales = np.where(days < pd.Timestamp("2015-05-04"), 0.6, 0.2)  # the holiday week sold 0.4 more a day
    enc = _window(days, sales, ["2015-05-01"])
    look = days.values[None, :]
    np.testing.assert_allclose(lookback_profile(enc, days=level_days(enc, True, look))[0, :6, 0], 0.2, atol=1e-6)
    # every known day: one week of four high, but on the closed Friday
    np.testing.assert_allclose(lookback_profile(enc)[0, :6, 0], [0.3, 0.3, 0.3, 0.3, 0.2, 0.3], atol=1e-6)
    every_week = _window(days, sales, ["2015-05-01", "2015-05-06", "2015-05-13", "2015-05-20"])
    # no week without a holiday left: every cell keeps its all-days value
    np.testing.assert_array_equal(lookback_profile(every_week, days=level_days(every_week, True, look)),
                                  lookback_profile(every_week))


def test_the_season_shift_is_measured_from_the_days_the_level_read():
    season = np.arange(365, dtype=np.float32) / 100
    look = pd.date_range("2014-05-01", periods=56).values[None, :]  # day-of-year slots 120..175
    target = pd.DatetimeIndex(["2014-07-01"]).values[None, :]  # slot 181
    read = np.zeros((1, 56), dtype=bool)
    read[0, 28:] = True  # the level read the last four weeks only: slots 148..175, mean 161.5
    assert season_shift(season, look, target, read)[0, 0] == pytest.approx((181 - 161.5) / 100, abs=1e-5)
    nothing = np.zeros((1, 56), dtype=bool)  # no day read: the mean over every date, as without ``days``
    np.testing.assert_array_equal(season_shift(season, look, target, nothing), season_shift(season, look, target))


def test_store_profile_is_each_stores_weekday_by_promo_mean_over_the_fit_part(panel):
    scaled = SalesScaler().fit(panel.log_sales).transform(panel.log_sales)
    days = len(panel.dates) - 42
    prof = store_profile(panel, scaled, days, neutral=0.5)
    assert prof.shape == (len(panel.stores), 7, 2)
    dow = np.asarray(panel.dates[:days].day_of_week)
    sel = (dow == 2) & (panel.promo[3, :days] == 1) & np.isfinite(scaled[3, :days])
    assert prof[3, 2, 1] == pytest.approx(float(scaled[3, :days][sel].mean()), abs=1e-6)
    later = scaled.copy()
    later[:, days:] += 5.0  # the validation window is never read
    np.testing.assert_array_equal(store_profile(panel, later, days, neutral=0.5), prof)


def test_the_long_run_level_carries_the_targets_season_not_the_windows():
    season = np.arange(365, dtype=np.float32) / 100
    look = pd.date_range("2014-05-01", periods=56).values[None, :]  # slots 120..175, mean 147.5
    profile = np.zeros((1, 7, 2), dtype=np.float32)
    fallback = empty_window_level(profile, season, look)
    target = pd.DatetimeIndex(["2014-07-01"]).values[None, :]  # slot 181
    level = fallback[0, 0, 0] + season_shift(season, look, target)[0, 0]
    assert level == pytest.approx((181 - season.mean() * 100) / 100, abs=1e-5)  # profile + season - its mean
    assert empty_window_level(profile, None, look) is profile and empty_window_level(None, season, look) is None


def _calendar_inputs(dates: pd.DatetimeIndex) -> np.ndarray:
    """The day-of-year and Christmas inputs `future_features` gives open days of ``dates`` (nationwide calendar)."""
    n = len(dates)
    rows = future_features(dates, np.ones(n), np.zeros(n), np.zeros(n), np.zeros(n), np.ones(n), 42, np.zeros(n),
                           np.array([""]))
    return rows[:, [DEC_FEATURES.index(name) for name in ("doy_sin", "doy_cos", "christmas_run_up")]]


def test_a_leap_years_dates_read_as_the_same_dates_of_the_years_around_it():
    """Counted from 1 January, every date from 1 March of a leap year had the next date's day-of-year input:
    2016-12-23 read as the 24th of the common years the network learned from (train.csv holds none). The LSTM
    now reads the trees' leap-neutral day of year (`features.calendar.leap_neutral_day_of_year`); the season
    profile's slots were already leap-neutral and read it too."""
    for month_day in ("03-01", "07-31", "12-23", "12-31"):
        leap, before, after = _calendar_inputs(pd.to_datetime([f"{y}-{month_day}" for y in (2016, 2015, 2017)]))
        np.testing.assert_array_equal(leap, before, err_msg=month_day)
        np.testing.assert_array_equal(leap, after, err_msg=month_day)
    feb_28, feb_29 = _calendar_inputs(pd.to_datetime(["2016-02-28", "2016-02-29"]))
    np.testing.assert_array_equal(feb_29, feb_28)  # 29 February takes 28 February's number, as in the trees
    season = np.arange(365, dtype=np.float32)
    for year in (2015, 2016):  # the season shift from November to 23 December: 356 - mean(304..333)
        look = pd.date_range(f"{year}-11-01", f"{year}-11-30").values[None, :]
        shift = season_shift(season, look, pd.DatetimeIndex([f"{year}-12-23"]).values[None, :])
        assert shift.tolist() == [[356 - 318.5]], year


def test_the_day_of_year_inputs_of_train_csvs_years_are_those_saved_models_learned():
    """Every date of 2013..2015 (train.csv's and test.csv's years) and of 2016 before 29 February keeps the input
    counted from 1 January, so a saved LSTM is given what its training gave it."""
    dates = pd.date_range("2013-01-01", "2016-02-28")
    doy = np.asarray(dates.day_of_year, dtype=np.float32)
    counted = np.stack([np.sin(2 * np.pi * doy / 365.25), np.cos(2 * np.pi * doy / 365.25)], axis=-1)
    np.testing.assert_array_equal(_calendar_inputs(dates)[:, :2], counted.astype(np.float32))


def test_holiday_proximity_follows_each_states_calendar():
    dates = pd.to_datetime(["2014-12-22", "2014-12-27", "2014-01-06", "2014-01-06"])
    near = holiday_proximity(dates, np.array(["", "", "", "BY"]))
    np.testing.assert_allclose(near[0], [3 / 7, 1.0])  # Christmas in 3 days; nothing in the week before
    np.testing.assert_allclose(near[1], [5 / 7, 1 / 7])  # New Year ahead, Boxing Day behind
    assert near[2, 0] == 1.0 and near[3, 0] == 0.0  # Epiphany is a holiday in Bavaria only


def test_season_profile_recovers_a_yearly_cycle_from_the_fit_part_only(panel):
    """A panel whose scaled sales follow a yearly sine: the profile is that sine, smoothed, seen up to ``days``."""
    doy = np.asarray(panel.dates.day_of_year) - 1
    cycle = (0.3 * np.sin(2 * np.pi * doy / 365)).astype(np.float32)
    scaled = np.broadcast_to(cycle, panel.log_sales.shape).copy()
    scaled[:, ::5] = np.nan  # closed days do not count
    days = len(panel.dates) - 42
    profile = season_profile(panel, scaled, days)
    assert profile.shape == (365,)
    # where a day of the year was seen, the profile is the sine up to its +-7-day smoothing (one-sided at
    # the ends of the seen part: at most 7 days of slope, 0.3 * 2 pi / 365 a day)
    np.testing.assert_allclose(profile[doy[:days]], cycle[:days], atol=7 * 0.3 * 2 * np.pi / 365)
    assert np.corrcoef(profile[doy[:days]], cycle[:days])[0, 1] > 0.99
    later = scaled.copy()
    later[:, days:] += 5.0  # the validation window is never read
    np.testing.assert_array_equal(season_profile(panel, later, days), profile)


def test_season_shift_is_the_profile_at_the_target_minus_the_look_back_mean():
    season = np.arange(365, dtype=np.float32) / 100
    look = pd.date_range("2014-05-01", periods=56).values[None, :]  # day-of-year slots 120..175
    targets = pd.DatetimeIndex(["2014-07-01", "2014-07-20"]).values[None, :]  # slots 181 and 200
    shift = season_shift(season, look, targets)
    np.testing.assert_allclose(shift, [[(181 - 147.5) / 100, (200 - 147.5) / 100]], rtol=1e-6)
    assert season_shift(None, look, targets).tolist() == [[0.0, 0.0]]  # a model saved without a profile


def test_training_windows_carry_the_season_shift_served_rows_get(panel):
    scaled = SalesScaler().fit(panel.log_sales).transform(panel.log_sales)
    season = season_profile(panel, scaled, len(panel.dates) - 42)
    plain = make_windows(panel, scaled, np.array([2]), np.array([320]), lookback=28, horizon=42)
    seasonal = make_windows(panel, scaled, np.array([2]), np.array([320]), lookback=28, horizon=42, season=season)
    days = panel.dates.values
    expected = season_shift(season, days[293:321][None, :], days[321:363][None, :])[0]
    np.testing.assert_allclose(seasonal["dec"][0, :, -1] - plain["dec"][0, :, -1], expected, atol=1e-6)


def test_schedule_context_reads_the_promo_cycle_and_a_closure_from_the_stores_own_days():
    days = to_days(pd.date_range("2015-06-01", periods=21).values)  # Monday 1 June .. Sunday 21 June
    open_ = np.ones(21, dtype=bool)
    open_[9:14] = False  # closed Wednesday 10 .. Sunday 14 June: a 5-day closure
    promo = np.r_[np.ones(5), np.zeros(9), np.ones(5), np.zeros(2)]  # promo weeks 1 and 3, Monday..Friday
    anchor = int(days[0])  # a promo Monday
    ctx = schedule_context(np.full(21, 7), days, open_, promo, anchor)
    got = dict(zip(CONTEXT_FEATURES, ctx.T * np.array([13, 30, 30, 30, 30])[:, None], strict=True))
    np.testing.assert_allclose(got["promo_cycle_pos"][[0, 4, 5, 6, 7, 14, 20]], [0, 4, 5, 6, 7, 0, 6])
    assert got["closure_ahead_days"][8] == pytest.approx(1) and got["closure_ahead_len"][8] == pytest.approx(5)
    assert got["reopened_days"][14] == pytest.approx(1) and got["reopened_after_len"][14] == pytest.approx(5)
    assert got["closure_ahead_days"][0] == pytest.approx(9)
    # another store's rows, and the order of the rows, change nothing
    other = schedule_context(np.r_[np.full(21, 7), np.full(21, 8)][::-1], np.r_[days, days][::-1],
                             np.r_[open_, ~open_][::-1], np.r_[promo, promo][::-1], anchor)[::-1][:21]
    np.testing.assert_array_equal(other, ctx)


def test_training_windows_and_served_rows_get_the_same_context_inputs(panel):
    scaled = SalesScaler().fit(panel.log_sales).transform(panel.log_sales)
    anchor = promo_anchor(panel)
    w = make_windows(panel, scaled, np.array([2]), np.array([320]), lookback=28, horizon=42, anchor=anchor)
    assert w["dec"].shape[-1] == len(DEC_FEATURES) + len(CONTEXT_FEATURES)
    days = np.arange(321, 363)
    served = schedule_context(np.full(42, 3), to_days(panel.dates[days].values), panel.open[2, days] > 0,
                              panel.promo[2, days], anchor)
    is_open = panel.open[2, days] > 0
    np.testing.assert_array_equal(w["dec"][0, is_open, len(DEC_FEATURES):], served[is_open])


def test_a_window_reads_closed_rows_at_its_edge_as_a_closure_and_days_without_a_row_as_no_event(dataset):
    """As a request is read: a store's Open = 0 rows on a window's first days are a closure it reopens from (the
    trees' step reads one there); days the data hold no row for (a refurbishment's missing half-year, missing
    data to the trees' fit) say nothing. Read from the open rows alone, both were lost."""
    train = dataset.train
    first = pd.Timestamp("2014-03-03")  # a Monday: the window's first forecast day
    start = ((train[s.STORE] == 1) & train[s.DATE].between(first, first + pd.Timedelta(days=5))).to_numpy()
    closed = train.assign(**{c: train[c].where(~start, 0) for c in (s.OPEN, s.SALES, s.CUSTOMERS)})
    missing = train[~start]
    reopened = CONTEXT_FEATURES.index("reopened_days")
    read = {}
    for name, rows in (("closed", closed), ("missing", missing)):
        panel = build_panel(rows, "2014-06-30")
        scaled = SalesScaler().fit(panel.log_sales).transform(panel.log_sales)
        origin = panel.dates.get_loc(first - pd.Timedelta(days=1))
        w = make_windows(panel, scaled, np.array([0]), np.array([origin]), lookback=28, horizon=42,
                         anchor=promo_anchor(panel))
        opened = panel.open[0, origin + 1:origin + 43] > 0  # the days from the reopening on
        read[name] = w["dec"][0, opened, len(DEC_FEATURES) + reopened] * 30
    assert read["closed"][:3].tolist() == pytest.approx([1, 2, 3])
    assert read["missing"][:3].tolist() == pytest.approx([30, 30, 30])


def test_a_shaped_level_is_one_number_plus_the_stores_weekday_by_promo_profile():
    days = pd.date_range("2015-04-27", periods=28, freq="D")  # Monday .. Sunday, four weeks
    dow = days.day_of_week.to_numpy()
    shape = np.zeros((1, 7, 2), dtype=np.float32)
    shape[0, :, 0] = np.arange(7) / 10  # the store's long-run week: Monday 0.0 .. Saturday 0.5
    shape[0, :, 1] = shape[0, :, 0] + 0.3  # and its promo lift
    noise = np.tile([0.04, -0.04], 14)  # each day sells a little off its store's shape
    enc = _window(days, 0.2 + shape[0, dow, 0] + noise, [])
    level = shaped_level(enc, shape)[0]
    # one level for the window (0.2, the mean net of the shape) plus the shape, promo cells included
    np.testing.assert_allclose(level, 0.2 + shape[0] + noise[dow != 6].mean(), atol=1e-6)
    cells = lookback_profile(enc)[0]
    # shrinking each cell's mean towards it: (n cell + k shaped) / (n + k), four days a cell here
    np.testing.assert_allclose(lookback_profile(enc, shape=shape, shape_days=4.0)[0, :6, 0],
                               (4 * cells[:6, 0] + 4 * level[:6, 0]) / 8, atol=1e-6)
    # no promo day in the window: the promo cells are the shaped level alone
    np.testing.assert_allclose(lookback_profile(enc, shape=shape, shape_days=4.0)[0, :6, 1], level[:6, 1], atol=1e-6)
    np.testing.assert_array_equal(lookback_profile(enc, shape=shape, shape_days=0.0)[0], cells)  # 0: the cells alone



def test_the_analysis_charts_label_their_axes_with_units(dataset, tmp_path, monkeypatch):
    """The transform and ACF/PACF charts had titles only: no axis said dates, lags in days or what was plotted."""
    from storecast.models.lstm import analysis

    labels: dict[str, list[tuple[str, str]]] = {}
    save = analysis.save_figure

    def read_then_save(fig, path, **kwargs):
        labels[Path(path).name] = [(ax.get_xlabel(), ax.get_ylabel()) for ax in fig.axes]
        return save(fig, path, **kwargs)

    monkeypatch.setattr(analysis, "save_figure", read_then_save)
    write_analysis(dataset.train[dataset.train[s.STORE] <= 4], tmp_path, sample_stores=1)
    assert labels["acf_pacf.png"] == [("lag (days)", "autocorrelation"), ("lag (days)", "partial autocorrelation")]
    transforms_axes = labels["transforms.png"]
    assert [x for x, _ in transforms_axes] == ["", "", "", "date"]  # one shared date axis, at the bottom
    assert [y.replace("\n", " ") for _, y in transforms_axes] == [
        "mean sales per open store", "log(1 + mean sales)", "change of log sales from the last sales day",
        "change of log sales from a week before"]
