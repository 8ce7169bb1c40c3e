"""The LSTM forecaster on small synthetic data: it learns, it saves and loads exactly, it refuses bad files."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from storecast import schema as s
from storecast.artifacts import Bundle, load_bundle
from storecast.errors import ArtifactError, DataContractError
from storecast.models.lstm.forecaster import LSTMConfig, LSTMForecaster
from storecast.predict import predict_frame
from storecast.train_run import train_lstm_bundle

pytestmark = pytest.mark.torch
CUT = pd.Timestamp("2014-11-19")
QUICK = LSTMConfig(lookback=28, hidden=16, emb=4, epochs=3, origins_per_store=4, batch_size=64, networks=1)


@pytest.fixture(scope="module")
def model_path(dataset, tmp_path_factory):
    return train_lstm_bundle(dataset, until=CUT, models_dir=tmp_path_factory.mktemp("lstm"), small=True)


@pytest.fixture(scope="module")
def holdout(dataset):
    t = dataset.train
    rows = t[(t[s.DATE] > CUT) & (t[s.DATE] <= CUT + pd.Timedelta(days=42))]
    return rows.drop(columns=[s.SALES, s.CUSTOMERS]).reset_index(drop=True)


def test_a_short_training_run_lowers_the_loss(dataset):
    model = LSTMForecaster(LSTMConfig(**{**QUICK.__dict__, "epochs": 4, "patience": 10})).fit(dataset.train, CUT)
    losses = [h["train_loss"] for h in model.history_]
    assert losses[-1] < losses[0]


def test_training_is_reproducible_and_blind_to_sales_after_the_cut(dataset, holdout):
    # same seed, same forecasts; poisoning every sale after the cut changes nothing (no leakage)
    open_rows = holdout[holdout[s.OPEN] == 1].head(20)
    poisoned = dataset.train.copy()
    poisoned.loc[poisoned[s.DATE] > CUT, s.SALES] = 1
    a = LSTMForecaster(QUICK).fit(dataset.train, CUT).predict_open(open_rows)[0]
    b = LSTMForecaster(QUICK).fit(poisoned, CUT).predict_open(open_rows)[0]
    np.testing.assert_array_equal(a, b)


def test_saved_model_predicts_identically_after_loading_through_predict_frame(model_path, holdout):
    bundle = load_bundle(model_path)
    assert bundle.kind == "lstm" and model_path.suffix == ".pt" and "storecast-lstm-" in model_path.name
    assert isinstance(bundle, Bundle) and bundle.needs_history is True  # it forecasts from recent sales
    first = predict_frame(bundle, holdout)
    again = predict_frame(load_bundle(model_path), holdout)
    pd.testing.assert_frame_equal(first, again)
    assert (first.loc[holdout[s.OPEN] == 0, s.SALES] == 0).all()
    open_ = first[holdout[s.OPEN] == 1]
    assert (open_["lower"] <= open_[s.SALES]).all() and (open_[s.SALES] <= open_["upper"]).all()


def test_a_forecast_near_nothing_never_goes_below_zero_sales(model_path, holdout, monkeypatch):
    """expm1 of a log forecast near 0 minus the band's quantile was a negative lower bound (down to -1)."""
    model = load_bundle(model_path).model
    rows = holdout[holdout[s.OPEN] == 1].head(10)
    monkeypatch.setattr(model.scaler_, "inverse_transform", lambda scaled, index: np.full(len(scaled), 0.01))
    point, lower, upper = model.predict_open(rows, history=None)
    assert (lower >= 0).all() and (lower <= point).all() and (point <= upper).all()


def test_a_row_alone_gets_the_same_forecast_as_in_a_batch(model_path, holdout):
    bundle = load_bundle(model_path)
    rows = holdout[holdout[s.OPEN] == 1].head(30)
    batch = predict_frame(bundle, rows)[s.SALES].to_numpy()
    alone = np.array([predict_frame(bundle, rows.iloc[[i]])[s.SALES].iat[0] for i in range(len(rows))])
    np.testing.assert_allclose(alone, batch, rtol=1e-5)


def test_the_card_fingerprints_the_data_files_as_a_tree_model_does(model_path, models_dir):
    """It hashed the in-memory table, and named no directory: an lgbm and an LSTM trained on one directory
    recorded different data."""
    tree_card = json.loads(next(models_dir.glob("storecast-lgbm-*.json")).read_text())
    card = json.loads(model_path.with_suffix(".json").read_text())
    assert card["data_fingerprint"] == tree_card["data_fingerprint"]
    assert card["data_dir"] == tree_card["data_dir"]


def test_card_records_config_intervals_and_training_range(model_path):
    card = json.loads(model_path.with_suffix(".json").read_text())
    assert card["kind"] == "lstm" and card["training"]["until"] == "2014-11-19"
    q = card["intervals"]["abs_log_residual_quantiles"]
    assert set(q) == {"0.8", "0.95"} and q["0.8"] < q["0.95"]
    # the window the quantiles come from is the early-stopping one, `horizon` days long
    assert card["intervals"]["method"].endswith(f"the last {card['config']['horizon']} fit days")
    assert "torch" in card["versions"]
    assert card["config"]["device"] == "cpu" and card["training"]["device"] == "cpu"  # the default


def test_dates_outside_the_horizon_and_unknown_stores_are_refused(model_path, holdout):
    bundle = load_bundle(model_path)
    late = holdout.head(1).assign(**{s.DATE: CUT + pd.Timedelta(days=60)})
    with pytest.raises(DataContractError, match="outside the LSTM's horizon"):
        bundle.predict_open(late)
    with pytest.raises(DataContractError, match="unknown store"):
        bundle.predict_open(holdout.head(1).assign(**{s.STORE: 999}))


def test_many_unknown_stores_are_counted_not_cut_silently(model_path, holdout):
    bundle = load_bundle(model_path)
    rows = holdout.head(1).loc[[holdout.index[0]] * 25].reset_index(drop=True)
    rows[s.STORE] = np.arange(900_001, 900_026)
    with pytest.raises(DataContractError, match=r"900020 and 5 more"):
        bundle.predict_open(rows)


def test_history_moves_the_forecast_origin(model_path, dataset):
    bundle = load_bundle(model_path)
    later_cut = CUT + pd.Timedelta(days=21)
    history = dataset.train[dataset.train[s.DATE] <= later_cut]
    rows = dataset.train[(dataset.train[s.DATE] == later_cut + pd.Timedelta(days=30)) & (dataset.train[s.OPEN] == 1)]
    point, _, _ = bundle.predict_open(rows, history=history)
    assert np.isfinite(point).all() and (point > 0).all()


def test_a_history_shorter_than_the_look_back_names_its_days_and_the_first_day_wanted(model_path, dataset):
    """Was "history: needs at least 56 days": neither the days given nor what to give."""
    bundle = load_bundle(model_path)
    later_cut = CUT + pd.Timedelta(days=21)
    d = dataset.train[s.DATE]
    history = dataset.train[(d > later_cut - pd.Timedelta(days=30)) & (d <= later_cut)]
    rows = dataset.train[(d == later_cut + pd.Timedelta(days=3)) & (dataset.train[s.OPEN] == 1)]
    with pytest.raises(DataContractError) as caught:
        bundle.predict_open(rows, history=history)
    wanted = later_cut - pd.Timedelta(days=bundle.model.config.lookback - 1)
    assert str(caught.value) == (
        f"history: its rows run {later_cut - pd.Timedelta(days=29):%Y-%m-%d}..{later_cut:%Y-%m-%d} (30 days), past "
        f"the model's cut {CUT:%Y-%m-%d}, so the forecast starts after {later_cut:%Y-%m-%d} and the LSTM reads the "
        f"{bundle.model.config.lookback} days up to it: give history (train.csv) from {wanted:%Y-%m-%d} or earlier, "
        "or none after the model's cut")


@pytest.mark.parametrize("damage", ["tamper", "truncate"])
def test_tampered_or_truncated_files_are_refused(model_path, tmp_path, damage):
    bad = tmp_path / model_path.name
    data = model_path.read_bytes()
    bad.write_bytes(data[:-100] + bytes(100) if damage == "tamper" else data[: len(data) // 2])
    bad.with_suffix(".json").write_text(model_path.with_suffix(".json").read_text())
    with pytest.raises(ArtifactError, match="does not match its card"):
        load_bundle(bad)



@pytest.mark.parametrize("keep", [0.5, 0.99, -1], ids=["half", "most", "last-byte-lost"])
def test_a_truncated_file_whose_card_matches_it_says_truncated_in_plain_words(model_path, tmp_path, keep):
    """Was "is not a readable LSTM file (OSError: [Errno 22] Invalid argument)": torch's words for a seek past
    the end of a cut-short zip archive. The card's sha256 is rewritten to match, as a copy made by hand would."""
    import hashlib

    data = model_path.read_bytes()
    bad = tmp_path / model_path.name
    bad.write_bytes(data[:keep] if keep == -1 else data[: int(len(data) * keep)])
    card = json.loads(model_path.with_suffix(".json").read_text())
    bad.with_suffix(".json").write_text(json.dumps({**card, "sha256": hashlib.sha256(bad.read_bytes()).hexdigest()}))
    with pytest.raises(ArtifactError) as caught:
        load_bundle(bad)
    message = str(caught.value)
    assert message.startswith(f"model file {bad} is truncated or damaged"), message
    assert "Errno" not in message and "OSError" not in message and "\n" not in message

def test_the_served_interval_level_is_chosen_at_load(model_path, holdout):
    from storecast.artifacts.lstm import load_lstm_bundle

    rows = holdout[holdout[s.OPEN] == 1].head(10)
    p80, lo80, hi80 = load_lstm_bundle(model_path).predict_open(rows)
    p95, lo95, hi95 = load_lstm_bundle(model_path, level=0.95).predict_open(rows)
    np.testing.assert_array_equal(p80, p95)
    assert (lo95 < lo80).all() and (hi80 < hi95).all()
    with pytest.raises(ArtifactError, match="interval levels"):
        load_lstm_bundle(model_path, level=0.5)
    # a level the card accepts (within 1e-9) gets its own band; one never calibrated is refused, not served 80%
    near = load_lstm_bundle(model_path, level=0.95 + 1e-12)
    np.testing.assert_array_equal(near.predict_open(rows)[1], lo95)
    with pytest.raises(ValueError, match=r"`level` 0.5 was not calibrated; choose one of \[0.8, 0.95\]"):
        near.model.predict_open(rows, level=0.5)


def test_a_file_with_pickled_code_is_refused_even_with_a_matching_card(model_path, tmp_path):
    import argparse
    import hashlib

    import torch

    bad = tmp_path / model_path.name
    torch.save({"payload": argparse.Namespace(run="code")}, bad)  # not a tensor: weights_only refuses it
    card = json.loads(model_path.with_suffix(".json").read_text())
    card["sha256"] = hashlib.sha256(bad.read_bytes()).hexdigest()
    bad.with_suffix(".json").write_text(json.dumps(card))
    with pytest.raises(ArtifactError, match="holds Python objects besides tensors, which are refused") as err:
        load_bundle(bad)
    assert "\x1b" not in str(err.value) and "\n" not in str(err.value)  # one plain line, no terminal codes


def test_a_store_closed_through_the_whole_look_back_is_forecast_at_its_own_level(dataset):
    """The refurbished stores (no row from July on) reopen at their usual level, not at the scale's midpoint."""
    t = dataset.train
    model = LSTMForecaster(QUICK).fit(t, CUT)
    recent = t[(t[s.DATE] > CUT - pd.Timedelta(days=QUICK.lookback)) & (t[s.DATE] <= CUT)]
    closed_through = sorted(set(t[s.STORE]) - set(recent[s.STORE]))
    assert closed_through, "the synthetic data has stores in a refurbishment gap at the cut"
    donor = recent[s.STORE].iat[0]
    schedule = t[(t[s.STORE] == donor) & (t[s.DATE] > CUT) & (t[s.DATE] <= CUT + pd.Timedelta(days=14))]
    schedule = schedule[schedule[s.OPEN] == 1].drop(columns=[s.SALES, s.CUSTOMERS])
    for store in closed_through:
        usual = t[(t[s.STORE] == store) & t[s.DATE].between("2014-01-01", "2014-06-30") & (t[s.SALES] > 0)]
        forecast = model.predict_open(schedule.assign(**{s.STORE: store}))[0]
        assert 0.75 < np.median(forecast) / usual[s.SALES].median() < 1.33


def _file_and_card_with(model_path, folder, edit):
    """A copy of ``model_path`` whose card AND the file's copy of it carry ``edit``: what an older storecast wrote."""
    import hashlib

    import torch

    tensors = torch.load(model_path, weights_only=True)
    held = json.loads(tensors["storecast_facts"])
    held["card"] = edit(held["card"])
    old = folder / model_path.name
    torch.save({**tensors, "storecast_facts": json.dumps(held)}, old)
    card = edit(json.loads(model_path.with_suffix(".json").read_text()))
    old.with_suffix(".json").write_text(json.dumps({**card, "sha256": hashlib.sha256(old.read_bytes()).hexdigest()}))
    return old


def _fewer_inputs(part):
    fewer = [n for n in part["features"]["decoder"] if n != "step"]
    return {**part, "features": {**part["features"], "decoder": fewer}}


def test_a_model_trained_on_other_inputs_is_refused_with_a_retrain_hint(model_path, tmp_path):
    """A file whose card lists other known-future inputs than today's network reads is not loaded."""
    old = _file_and_card_with(model_path, tmp_path, _fewer_inputs)
    with pytest.raises(ArtifactError, match="other LSTM inputs.*storecast lstm train"):
        load_bundle(old)


@pytest.mark.parametrize(("edit", "said"), [
    (lambda c: {**c, "config": {**c["config"], "context": True}}, "says config.context true but the model file "
     "holds false"),
    (_fewer_inputs, "says features.decoder"),
], ids=["config.context", "features.decoder"])
def test_an_edited_card_is_named_as_the_card_with_its_field_not_as_the_model_file(model_path, tmp_path, edit, said):
    """Was "model file X was trained on other LSTM inputs": the inputs check ran before the card's own check,
    so an edit of the card's config sent the user to retrain a model file that was fine."""
    bad = tmp_path / model_path.name
    bad.write_bytes(model_path.read_bytes())
    card = json.loads(model_path.with_suffix(".json").read_text())
    bad.with_suffix(".json").write_text(json.dumps(edit(card)))
    with pytest.raises(ArtifactError) as caught:
        load_bundle(bad)
    message = str(caught.value)
    assert message.startswith(f"model card {bad.with_suffix('.json')} {said}"), message
    assert "the card was edited; restore it or retrain" in message


@pytest.mark.parametrize("card", [[{"training": {"end": "2014-11-19"}}], "trained on the synthetic chain",
                                  {"features": ["open", "promo"]}, {"training": ["2013-01-01", "2014-11-19"]}],
                         ids=["list", "text", "features-a-list", "training-a-list"])
def test_a_card_that_is_no_object_is_refused_before_anything_is_written(model_path, tmp_path, card):
    # before: a TypeError ("'list' object is not a mapping") or an AttributeError from inside save_lstm
    from storecast.artifacts.lstm import save_lstm

    model = load_bundle(model_path).model
    with pytest.raises(ArtifactError) as caught:
        save_lstm(model, tmp_path / "models", card)
    said = str(caught.value)
    assert said.startswith("the card of a new lstm model is invalid (") and "expected a JSON object" in said
    assert said.endswith(f"nothing was saved in {tmp_path / 'models'}.")
    assert not (tmp_path / "models").exists()


@pytest.fixture(scope="module")
def context_model(dataset):
    return LSTMForecaster(LSTMConfig(**{**QUICK.__dict__, "context": True})).fit(dataset.train, CUT)


def test_with_the_schedule_context_a_stores_rows_alone_get_their_forecasts_in_a_batch(context_model, holdout):
    """The context reads the store's own forecast days: its rows alone, shuffled or beside other stores agree."""
    model = context_model
    rows = holdout[holdout[s.OPEN] == 1].reset_index(drop=True)
    batch = model.predict_open(rows)[0]
    store = rows[s.STORE].iat[0]
    mine = np.flatnonzero(rows[s.STORE].to_numpy() == store)
    np.testing.assert_allclose(model.predict_open(rows.iloc[mine])[0], batch[mine], rtol=1e-5)
    order = np.random.default_rng(0).permutation(len(rows))
    np.testing.assert_allclose(model.predict_open(rows.iloc[order])[0], batch[order], rtol=1e-5)
    # the closure ahead is read from the same store's rows: dropping a week of them changes its forecasts
    week = rows[(rows[s.STORE] == store) & rows[s.DATE].between(CUT + pd.Timedelta(days=15),
                                                                 CUT + pd.Timedelta(days=21))].index
    fewer = rows.drop(index=week)
    before = ((fewer[s.STORE] == store) & (fewer[s.DATE] <= CUT + pd.Timedelta(days=14))).to_numpy()
    assert not np.allclose(model.predict_open(fewer)[0][before], batch[fewer.index[before]])


def test_a_context_model_saves_loads_and_keeps_merged_requests_apart(context_model, holdout, tmp_path):
    """The file records the context inputs and the promo phase; two requests merged by the API are read
    as two schedules, so each gets what it gets alone."""
    from storecast.artifacts.lstm import save_lstm
    from storecast.data.request_rows import RequestRows
    from storecast.models.lstm.forecaster import decoder_inputs

    path = save_lstm(context_model, tmp_path, {"features": {"decoder": list(decoder_inputs(True))}})
    bundle = load_bundle(path)
    assert bundle.model.promo_anchor_ == context_model.promo_anchor_
    rows = holdout[holdout[s.OPEN] == 1].reset_index(drop=True)
    np.testing.assert_array_equal(predict_frame(bundle, rows)[s.SALES].to_numpy(), context_model.predict_open(rows)[0])
    store = rows[s.STORE].iat[0]
    full = rows[rows[s.STORE] == store].reset_index(drop=True)
    gap = full[~full[s.DATE].between(CUT + pd.Timedelta(days=15), CUT + pd.Timedelta(days=21))]
    a, b = RequestRows.from_frame(full), RequestRows.from_frame(gap)
    merged = bundle.predict_open(RequestRows.concat([a, b]))[0]
    np.testing.assert_allclose(merged, np.r_[bundle.predict_open(a)[0], bundle.predict_open(b)[0]], rtol=1e-6)
    early = CUT + pd.Timedelta(days=14)  # the same days in both, before the week one request leaves out
    assert not np.allclose(bundle.predict_open(a)[0][(full[s.DATE] <= early).to_numpy()],
                           bundle.predict_open(b)[0][(gap[s.DATE] <= early).to_numpy()])


def test_a_context_model_reads_a_closure_at_a_requests_edges_as_its_training_windows_and_the_trees_do(
        context_model, dataset, monkeypatch):
    """A store closed on the first 6 and the last 4 days of its request: the LSTM's schedule inputs for its open
    days equal those of a training window over the same days and those the trees' step reads from the request.

    Before, predict_frame handed the LSTM the open rows only and its context read open rows only, so both
    closures were lost: reopened_days 30 ("no known event") on the day the store reopened, where the trees read
    1, 2, 3... from the same rows.
    """
    from pathlib import Path

    from storecast.artifacts.lstm import LSTMBundle
    from storecast.features.schedule import SCHEDULE_FEATURES, StoreSchedule
    from storecast.models.lstm import forecaster
    from storecast.models.lstm.dataset import CONTEXT_CAP, DEC_FEATURES, SalesScaler, build_panel, make_windows

    train = dataset.train.copy()
    store = int(train.loc[train[s.DATE] > CUT, s.STORE].min())
    days = int((train[s.DATE].max() - CUT).days)  # the request: every day after the cut the data hold
    mine = (train[s.STORE] == store) & (train[s.DATE] > CUT)
    shut = mine & ((train[s.DATE] <= CUT + pd.Timedelta(days=6)) | (train[s.DATE] > CUT + pd.Timedelta(days=days - 4)))
    train.loc[shut, [s.OPEN, s.SALES, s.CUSTOMERS]] = 0
    request = train[mine].sort_values(s.DATE).drop(columns=[s.SALES, s.CUSTOMERS]).reset_index(drop=True)
    assert len(request) == days
    is_open = (request[s.OPEN] == 1).to_numpy()

    served = []  # what the network reads, taken at the one function that computes the context
    real = forecaster.schedule_context
    monkeypatch.setattr(forecaster, "schedule_context", lambda *a: served.append((a[2], real(*a))) or served[-1][1])
    bundle = LSTMBundle(path=Path("context.pt"), card={}, model=context_model)
    assert bundle.reads_closed_rows
    got = predict_frame(bundle, request)
    assert (got.loc[~is_open, s.SALES] == 0).all() and (got.loc[is_open, s.SALES] > 0).all()
    read_open, ctx = served[-1]
    lstm = ctx[read_open, 1:] * CONTEXT_CAP

    trees = StoreSchedule().fit(request).transform(request)[list(SCHEDULE_FEATURES)].to_numpy()[is_open]
    panel = build_panel(train)
    origin, si = panel.dates.get_loc(CUT), int(np.flatnonzero(panel.stores == store)[0])
    window = make_windows(panel, SalesScaler().fit(panel.log_sales).transform(panel.log_sales), np.array([si]),
                          np.array([origin]), lookback=28, horizon=days, anchor=context_model.promo_anchor_)
    training = window["dec"][0, is_open, len(DEC_FEATURES) + 1:] * CONTEXT_CAP

    np.testing.assert_allclose(lstm, trees, atol=1e-5)
    np.testing.assert_allclose(training, trees, atol=1e-5)
    first, last = (dict(zip(SCHEDULE_FEATURES, lstm[i], strict=True)) for i in (0, -1))
    assert (first["reopened_days"], first["reopened_after_len"]) == pytest.approx((1, 6))
    assert (last["closure_ahead_days"], last["closure_ahead_len"]) == pytest.approx((1, 4))
    # a closed day past the horizon is read as schedule, not refused as a day the LSTM cannot forecast
    late = request.tail(1).assign(**{s.DATE: CUT + pd.Timedelta(days=context_model.config.horizon + 10)})
    beyond = pd.concat([request, late], ignore_index=True).drop(columns=[s.DAY_OF_WEEK])  # derived from Date
    assert predict_frame(bundle, beyond)[s.SALES].iat[-1] == 0


def test_every_input_the_network_reads_for_a_served_row_is_what_its_training_window_gave_that_day(
        dataset, monkeypatch):
    """Every store's rows of the days after the cut, one store closed on its first days: the look-back windows
    and every known-future input (calendar, the state's holidays, the level with its season, the schedule
    context) the network reads through ``predict_frame`` equal those of the training window at the cut."""
    from pathlib import Path

    from storecast.artifacts.lstm import LSTMBundle
    from storecast.models.lstm.dataset import build_panel, holiday_proximity, make_windows

    train = dataset.train.copy()
    days = int((train[s.DATE].max() - CUT).days)
    cfg = LSTMConfig(**{**QUICK.__dict__, "context": True, "horizon": days})
    model = LSTMForecaster(cfg).fit(train, CUT, store=dataset.store)
    store = int(train.loc[train[s.DATE] > CUT, s.STORE].min())
    shut = (train[s.STORE] == store) & train[s.DATE].between(CUT, CUT + pd.Timedelta(days=5), inclusive="right")
    train.loc[shut, [s.OPEN, s.SALES, s.CUSTOMERS]] = 0
    request = train[train[s.DATE] > CUT].drop(columns=[s.SALES, s.CUSTOMERS]).reset_index(drop=True)

    read = {}  # what the network is given, taken at its two entry points
    encode, decode = model.net_.encode, model.net_.decode

    def encode_seen(enc, stores):
        read["enc"] = enc.numpy().copy()
        return encode(enc, stores)

    def decode_seen(state, stores, dec):
        read["dec"] = dec[:, 0].numpy().copy()
        return decode(state, stores, dec)

    monkeypatch.setattr(model.net_, "encode", encode_seen)
    monkeypatch.setattr(model.net_, "decode", decode_seen)
    predict_frame(LSTMBundle(path=Path("all-inputs.pt"), card={}, model=model), request)

    panel = build_panel(train, stores=model.stores_)
    S = len(panel.stores)
    holiday = np.stack([holiday_proximity(panel.dates, np.array([st])) for st in model.states_])
    window = make_windows(panel, model.scaler_.transform(panel.log_sales), np.arange(S),
                          np.full(S, panel.dates.get_loc(CUT)), lookback=cfg.lookback, horizon=days, holiday=holiday,
                          season=model.season_, profiles=model.store_profile_, anchor=model.promo_anchor_,
                          skip_holiday_weeks=cfg.level_skips_holiday_weeks, shape_days=cfg.level_shape_days)
    np.testing.assert_allclose(read["enc"], window["enc"], atol=1e-6)
    served = request[request[s.OPEN] == 1]
    at = (pd.Index(panel.stores).get_indexer(served[s.STORE]), (served[s.DATE] - CUT).dt.days.to_numpy() - 1)
    np.testing.assert_allclose(read["dec"], window["dec"][at], atol=1e-5)


def test_a_model_without_the_context_gets_the_open_rows_alone(model_path):
    assert load_bundle(model_path).reads_closed_rows is False  # no input of it reads another row


def _saved_before_the_revision(path, folder, created: str):
    """A copy of the model file at ``path`` as a storecast without the inputs' revision wrote it, on ``created``."""
    def older(part):
        features = {k: v for k, v in part["features"].items() if k != "inputs_revision"}
        return {**part, "features": features, **({"created": created} if "created" in part else {})}

    folder.mkdir()
    return _file_and_card_with(path, folder, older)


def _load_warnings(path, caplog) -> list[str]:
    import logging

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="storecast.artifacts"):
        load_bundle(path)
    return [r.getMessage() for r in caplog.records if r.name == "storecast.artifacts"]


def test_a_context_model_saved_before_the_edge_closures_loads_with_one_warning_to_retrain(
        context_model, holdout, tmp_path, caplog):
    """A context model saved before 2026-12-07 evening was trained on windows that read no closure at their edges,
    and is now given the closures at a request's edges: it still loads, and says so once, with the way out. Its card
    held no mark of that; the card now keeps the revision of the inputs' rules (``features.inputs_revision``), so
    the next change is told by the mark, not the date."""
    from storecast.artifacts.lstm import save_lstm
    from storecast.models.lstm.forecaster import decoder_inputs
    from storecast.models.lstm.revision import INPUTS_REVISION

    path = save_lstm(context_model, tmp_path, {"features": {"decoder": list(decoder_inputs(True))}})
    assert json.loads(path.with_suffix(".json").read_text())["features"]["inputs_revision"] == INPUTS_REVISION
    assert _load_warnings(path, caplog) == []
    old = _saved_before_the_revision(path, tmp_path / "old", "2026-12-05T10:00:00Z")
    said = _load_warnings(old, caplog)
    assert len(said) == 1, said
    assert said[0].startswith(f"model file {old.name} was trained before a change of the LSTM's inputs")
    assert "read no closure on the first or last days" in said[0] and "LSTMConfig(context=True)" in said[0]
    rows = holdout[holdout[s.OPEN] == 1].head(30)
    np.testing.assert_array_equal(load_bundle(old).predict_open(rows)[0], load_bundle(path).predict_open(rows)[0])
    # saved since the change reached main (before the card kept its revision): trained on today's windows
    assert _load_warnings(_saved_before_the_revision(path, tmp_path / "since", "2026-12-07T19:30:00Z"), caplog) == []


def test_a_default_model_saved_before_the_revision_loads_without_a_warning(model_path, tmp_path, caplog):
    """Neither change touches a model without the context trained on common years (train.csv's): its inputs are
    today's."""
    old = _saved_before_the_revision(model_path, tmp_path / "old", "2026-12-01T10:00:00Z")
    assert _load_warnings(old, caplog) == []


@pytest.mark.parametrize(("card", "stale"), [
    ({"cut": "2015-07-31", "training": {"start": "2013-01-01"}}, []),  # train.csv: no leap year
    ({"cut": "2016-02-28", "training": {"start": "2014-01-01"}}, []),  # before 29 February
    ({"cut": "2016-06-30", "training": {"start": "2014-01-01"}}, ["day-of-year"]),
    ({"cut": "2016-06-30"}, ["day-of-year"]),  # no training start: the cut's day is read
    ({"cut": "2016-06-30", "config": {"context": True}}, ["schedule context", "day-of-year"]),
    ({"cut": "2016-06-30", "config": {"context": True}, "created": "2026-12-07T20:00:00Z"}, ["day-of-year"]),
    # no field, saved after it reached main: a checkout without it wrote the file, never one of revision 2
    ({"cut": "2016-06-30", "config": {"context": True}, "created": "2026-12-08T09:00:00Z"}, ["day-of-year"]),
    ({"cut": "2016-06-30", "config": {"context": True}, "created": "07.12.2026"},  # no date: every change said
     ["schedule context", "day-of-year"]),
    ({"cut": "2016-06-30", "config": {"context": True}, "features": {"inputs_revision": 2}}, []),
])
def test_the_changes_a_file_predates_are_those_that_touch_its_model(card, stale):
    from storecast.models.lstm.revision import stale_inputs

    said = stale_inputs({"created": "2026-12-01T10:00:00Z", **card})
    assert len(said) == len(stale) and all(word in line for word, line in zip(stale, said, strict=True)), said


def test_a_file_saved_before_the_holiday_week_rule_keeps_the_level_it_was_trained_with(model_path):
    import torch

    card = json.loads(model_path.with_suffix(".json").read_text())
    assert card["config"]["level_skips_holiday_weeks"] is True  # the default now
    tensors = {k: v for k, v in torch.load(model_path, weights_only=True, map_location="cpu").items()
               if isinstance(v, torch.Tensor)}
    before = {**card, "config": {k: v for k, v in card["config"].items() if k != "level_skips_holiday_weeks"}}
    assert LSTMForecaster.from_state(tensors, before).config.level_skips_holiday_weeks is False
    assert LSTMForecaster.from_state(tensors, card).config.level_skips_holiday_weeks is True


def test_a_file_saved_before_the_shrunk_level_keeps_its_cells_as_they_were(model_path):
    import torch

    card = json.loads(model_path.with_suffix(".json").read_text())
    assert card["config"]["level_shape_days"] == 6.0  # the default now
    tensors = {k: v for k, v in torch.load(model_path, weights_only=True, map_location="cpu").items()
               if isinstance(v, torch.Tensor)}
    before = {**card, "config": {k: v for k, v in card["config"].items() if k != "level_shape_days"}}
    assert LSTMForecaster.from_state(tensors, before).config.level_shape_days == 0.0
    assert LSTMForecaster.from_state(tensors, card).config.level_shape_days == 6.0


def test_a_file_saved_before_networks_were_averaged_loads_as_one_network(model_path, holdout):
    import torch

    card = json.loads(model_path.with_suffix(".json").read_text())
    assert card["config"]["networks"] == 1  # the demo's small size: one network
    tensors = {k: v for k, v in torch.load(model_path, weights_only=True, map_location="cpu").items()
               if isinstance(v, torch.Tensor)}
    before = {**card, "config": {k: v for k, v in card["config"].items() if k != "networks"}}
    old = LSTMForecaster.from_state(tensors, before)
    assert old.config.networks == 1
    rows = holdout[holdout[s.OPEN] == 1].head(20)
    np.testing.assert_array_equal(old.predict_open(rows)[0], load_bundle(model_path).predict_open(rows)[0])


def test_served_rows_get_the_level_their_training_windows_had(dataset, monkeypatch):
    """The look-back level (holiday weeks left out, cells shrunk towards the store's week) is one computation:
    a served row reads what a training window at the same origin gave the network."""
    from storecast.models.lstm import forecaster as forecaster_module
    from storecast.models.lstm.dataset import LEVEL_INDEX, build_panel, holiday_proximity, make_windows

    model = LSTMForecaster(QUICK).fit(dataset.train, CUT)
    cfg = model.config
    assert cfg.level_shape_days > 0 and cfg.level_skips_holiday_weeks
    origin_day = CUT + pd.Timedelta(days=30)
    t = dataset.train
    panel = build_panel(t, origin_day + pd.Timedelta(days=cfg.horizon), stores=model.stores_)
    origin = panel.dates.get_loc(origin_day)
    holiday = np.stack([holiday_proximity(panel.dates, np.array([st])) for st in model.states_])
    stores = np.arange(len(model.stores_))
    windows = make_windows(panel, model.scaler_.transform(panel.log_sales), stores, np.full(len(stores), origin),
                           cfg.lookback, cfg.horizon, holiday, model.season_, model.store_profile_,
                           skip_holiday_weeks=True, shape_days=cfg.level_shape_days)
    rows = t[(t[s.DATE] > origin_day) & (t[s.DATE] <= origin_day + pd.Timedelta(days=cfg.horizon))
             & (t[s.OPEN] == 1)].reset_index(drop=True)
    served = {}
    real = forecaster_module.future_features

    def spy(*args, **kwargs):
        served["level"] = np.asarray(args[7])
        return real(*args, **kwargs)

    monkeypatch.setattr(forecaster_module, "future_features", spy)
    model.predict_open(rows, history=t[t[s.DATE] <= origin_day])
    store_index = pd.Index(model.stores_).get_indexer(rows[s.STORE])
    step = (rows[s.DATE] - origin_day).dt.days.to_numpy()
    np.testing.assert_allclose(served["level"], windows["dec"][store_index, step - 1, LEVEL_INDEX], atol=1e-6)


def test_networks_averaged_forecast_the_geometric_mean_of_lone_fits_and_save_as_one_file(dataset, holdout,
                                                                                          tmp_path):
    from storecast.artifacts.lstm import load_lstm_bundle, save_lstm

    rows = holdout[holdout[s.OPEN] == 1].head(60)
    lone = [LSTMForecaster(LSTMConfig(**{**QUICK.__dict__, "seed": k})).fit(dataset.train, CUT).predict_open(rows)[0]
            for k in (0, 1)]
    pair = LSTMForecaster(LSTMConfig(**{**QUICK.__dict__, "networks": 2})).fit(dataset.train, CUT)
    point, lower, upper = pair.predict_open(rows)
    # the mean of the two networks' scaled log sales: a geometric mean of 1 + Sales
    np.testing.assert_allclose(point, np.expm1((np.log1p(lone[0]) + np.log1p(lone[1])) / 2), rtol=1e-5)
    assert {h["network"] for h in pair.history_} == {0, 1}
    assert (lower < point).all() and (point < upper).all()  # intervals calibrated on the averaged forecast
    path = save_lstm(pair, tmp_path)
    np.testing.assert_array_equal(load_lstm_bundle(path).predict_open(rows)[0], point)


def test_the_progress_of_several_networks_is_one_count(dataset):
    seen = []
    cfg = LSTMConfig(**{**QUICK.__dict__, "epochs": 2, "networks": 2})
    LSTMForecaster(cfg).fit(dataset.train, CUT, progress=lambda epoch, *_: seen.append(epoch))
    assert seen == sorted(seen) and max(seen) <= 4 and min(seen) <= 2 < max(seen)  # network 1 counts on from 2


def test_networks_must_be_at_least_one():
    with pytest.raises(ValueError, match="networks"):
        LSTMConfig(networks=0)


def test_epochs_must_be_at_least_one():
    with pytest.raises(ValueError, match="epochs must be at least 1, got 0"):
        LSTMConfig(epochs=0)


@pytest.mark.parametrize("levels", [(1.5,), (0.8, 0.0), (), (float("nan"),), (0.8, 1)])
def test_interval_levels_must_lie_strictly_between_0_and_1(levels):
    """As the trees refuse them: a level of 1.5 or 0 gave the largest or smallest residual as the radius."""
    with pytest.raises(ValueError, match="levels must be coverages strictly between 0 and 1"):
        LSTMConfig(levels=levels)
    assert LSTMConfig(levels=(0.5, 0.8, 0.95)).levels == (0.5, 0.8, 0.95)


def test_a_validation_loss_never_finite_is_a_clear_error_not_a_load_of_no_weights():
    import torch

    from storecast.models.lstm.loop import train_with_early_stopping

    net = torch.nn.Linear(1, 1)
    batch = {"x": torch.ones(4, 1), "w": torch.ones(4, 1)}

    def loss(b):
        return (net(b["x"]) * b["w"]).pow(2).mean()

    with pytest.raises(ValueError, match=r"validation loss was never finite in 2 epoch\(s\) \(last nan\)"):
        train_with_early_stopping(net, loss, lambda: (batch, torch.arange(4)),
                                  {"x": torch.ones(2, 1), "w": torch.full((2, 1), float("nan"))},
                                  epochs=5, batch_size=2, lr=0.01, patience=2)


def test_the_docs_name_the_validation_window_the_code_holds_out():
    """docs/modeling-lstm.md said "the last 42 fit days" once: the early-stopping window is the horizon, 48."""
    import re
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "modeling-lstm.md").read_text(encoding="utf-8")
    said = re.findall(r"last (\d+) (?:fit )?days", text)
    assert said and set(said) == {str(LSTMConfig().horizon)}, said


@pytest.mark.parametrize(("closed", "part"), [("validation", "validation window 2014-10-03..2014-11-19"),
                                              ("training", "training days 2013-01-01..2014-10-02")])
def test_a_fit_without_a_sales_day_in_a_part_is_refused_before_any_epoch(dataset, closed, part, monkeypatch):
    """Every store shut through the last 48 days before the cut (or through every day before them)."""
    from storecast.errors import WindowError
    from storecast.models.lstm import loop

    def no_training(*_a, **_k):
        raise AssertionError("trained before the check")

    monkeypatch.setattr(loop, "train_with_early_stopping", no_training)
    t = dataset.train[dataset.train[s.DATE] <= CUT].copy()
    validation = t[s.DATE] > CUT - pd.Timedelta(days=QUICK.horizon)
    t.loc[validation if closed == "validation" else ~validation, [s.OPEN, s.SALES, s.CUSTOMERS]] = 0
    # was numpy's IndexError after every epoch (validation) or sklearn's error on an empty array (training)
    with pytest.raises(WindowError, match=f"the LSTM's {part} hold no open day with Sales > 0"):
        LSTMForecaster(QUICK).fit(t, CUT)


def test_a_store_new_in_the_validation_window_does_not_widen_every_stores_band(dataset):
    # a store whose rows start inside the last 48 days before the cut (a new store) was scored there from an
    # empty look-back and a store mean of 0: forecasts near 0 sales, residuals of ~8.6 in log sales, and the
    # 95% band of every store thousands of times wider (quantile 8.6 against 0.23 without the store)
    t = dataset.train[dataset.train[s.DATE] <= CUT]
    new = t[s.STORE].max()
    opened = CUT - pd.Timedelta(days=30)
    late = t[(t[s.STORE] != new) | (t[s.DATE] >= opened)]
    model = LSTMForecaster(QUICK).fit(late, CUT)
    assert max(model.quantiles_.values()) < 1.0, model.quantiles_
    others = late[(late[s.STORE] != new) & (late[s.DATE] > CUT - pd.Timedelta(days=QUICK.horizon))]
    assert model.validation_["rows"] == int(((others[s.OPEN] == 1) & (others[s.SALES] > 0)).sum())
    # at the cut it has sales in its look-back window and is forecast from them
    rows = dataset.train[(dataset.train[s.STORE] == new) & (dataset.train[s.DATE] > CUT)
                         & (dataset.train[s.OPEN] == 1)].head(14)
    point, lower, upper = model.predict_open(rows.drop(columns=[s.SALES, s.CUSTOMERS]))
    assert np.all(lower <= point) and np.all(point <= upper) and np.all(upper < 3 * point)
    ratio = np.median(point / rows[s.SALES].to_numpy())
    assert 0.5 < ratio < 2, ratio


def test_a_validation_window_with_sales_of_new_stores_only_is_refused(dataset):
    from storecast.errors import WindowError

    t = dataset.train[dataset.train[s.DATE] <= CUT].copy()
    first = t[s.STORE].min()
    validation = t[s.DATE] > CUT - pd.Timedelta(days=QUICK.horizon)
    t.loc[validation & (t[s.STORE] != first), [s.OPEN, s.SALES, s.CUSTOMERS]] = 0  # only one store sells there
    t = t[(t[s.STORE] != first) | validation]  # and it is new there
    with pytest.raises(WindowError, match="validation window .* of a store that also sold in the training days"):
        LSTMForecaster(QUICK).fit(t, CUT)


@pytest.mark.parametrize(("n", "level", "rank"), [
    (19, 0.8, 16),  # ceil(20 * 0.8): the old np.quantile at 16 / 19 read between the 16th and 17th, 0.1616
    (19, 0.95, 19),  # ceil(20 * 0.95) = 19: the largest
    (24, 0.56, 14),  # 25 * 0.56 is 14.000000000000002 in floats: the old ceil took the 15th
    (4, 0.95, 4),  # the rule asks for the 5th of 4: capped at the largest
])
def test_the_interval_radius_is_the_ceil_n_plus_1_level_th_smallest_error(n, level, rank):
    """Split-conformal's guarantee rests on an order statistic, as the trees' bounds do (models.conformal)."""
    import torch

    from storecast.models.lstm.dataset import SalesScaler

    errors = np.arange(1, n + 1)[::-1] / 100  # |log(Sales / forecast)| of each validation day, 0.01 .. n / 100
    target = torch.tensor(errors, dtype=torch.float32)[:, None]
    model = LSTMForecaster(LSTMConfig(**{**QUICK.__dict__, "levels": (level,)}))
    model.device_ = "cpu"
    model.scaler_ = SalesScaler().fit(np.array([[-1.0, 1.0]]))  # one store of mean 0: log sales are their own scale
    model.net_ = lambda enc, store, dec: torch.zeros_like(target)  # forecasts log1p(Sales) = 0 on every day
    model._calibrate({"enc": torch.zeros(n, 1), "dec": torch.zeros(n, 1), "target": target,
                      "mask": torch.ones(n, 1), "store": torch.zeros(n, dtype=torch.int64)})
    assert model.quantiles_[str(level)] == pytest.approx(rank / 100, abs=1e-6)
    assert model.validation_["rows"] == n
