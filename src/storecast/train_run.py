"""A local training run: a validated Dataset in, a saved model file and its card out.

Why its own module: fitting (``storecast.models.training``) sits below the model files
(``storecast.artifacts``); the run that fits *and* saves sits above both, so imports run one way.
``storecast train``, ``storecast demo`` and ``storecast.train`` call ``train_bundle``; the Dask engine's
counterpart is ``storecast.distributed.training.train_dask``; ``storecast lstm train`` calls
``train_lstm_bundle``.
"""

from __future__ import annotations

__all__ = ["train_bundle", "train_lstm_bundle"]

import logging
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from storecast import schema as s
from storecast.artifacts import data_fingerprint, save_bundle
from storecast.data.contract import input_files
from storecast.models.conformal import ConformalRegressor
from storecast.models.training import fit_model, fitted_card_facts, schedule_rows, training_rows
from storecast.windows import WINDOW_DAYS, check_window

log = logging.getLogger(__name__)


def train_bundle(dataset, kind: str = "lgbm", until=None, models_dir: str | Path = "models", *,
                 loss: str = "log", progress: Callable[[str], None] | None = None, **params) -> Path:
    """Fit, calibrate and save a model on ``dataset.train`` up to ``until``; return the file path.

    Parameters
    ----------
    dataset : storecast.data.contract.Dataset
    kind : {"lgbm", "rf"}
    until : date-like, optional
        Last date used for fitting; default the last date of train.csv.
    models_dir : path
        Where ``storecast-<kind>-<stamp>.skops`` and its card go.
    loss : {"log", "mse", "relative"}
        The training loss (``models.trees.SalesRegressor``).
    progress : callable, optional
        Told the name of each fitting stage (the CLI's progress display).
    **params
        Passed to ``models.training.fit_model``: tree parameters, ``seeds``, ``levels``, ``refit``...
    """
    calibration = ConformalRegressor().calibration_days
    until = check_window(
        dataset.train[s.DATE], until, first_day_needed=lambda u: u - pd.Timedelta(days=calibration + WINDOW_DAYS),
        what=f"a model with calibrated intervals ({WINDOW_DAYS} days to fit on, then {calibration} to calibrate on)",
        fix="choose a later --until")
    X, y = training_rows(dataset.train, dataset.store, until)
    _warn_if_data_end_early(X[s.DATE].max(), until)
    model = fit_model(X, y, kind=kind, loss=loss, progress=progress,
                      schedule=schedule_rows(dataset.train, until), **params)
    root = Path(dataset.root)
    card = {
        "training": {"start": f"{X[s.DATE].min():%Y-%m-%d}", "end": f"{until:%Y-%m-%d}",
                     "rows": int(len(X)), "stores": int(X[s.STORE].nunique()),
                     "rows_rule": "open days with Sales > 0"},
        "loss": loss,
        **fitted_card_facts(model),
        "data_fingerprint": _fingerprint(dataset),
        "data_dir": str(root),
    }
    return save_bundle(model, kind=kind, models_dir=models_dir, card=card)


# Days between the last sales day of the chain and --until past which the model's name says more than its data:
# a chain-wide closure (Christmas and a Sunday) is 3 days, so a week without a sale anywhere is a gap in the data.
_STALE_DAYS = 7


def _warn_if_data_end_early(last_sale: pd.Timestamp, until: pd.Timestamp) -> None:
    """One warning when --until lies in a gap of train.csv: the card says "fit through" ``until``, the forecasts
    start after it, but the newest sales day the trees saw is older (its recent level, its calibration days)."""
    if (until - last_sale).days > _STALE_DAYS:
        log.warning("train.csv has no sales day from %s to --until %s (%d days): the model is fit through %s by its "
                    "card, its newest data are older; choose --until %s or add the missing days",
                    f"{last_sale + pd.Timedelta(days=1):%Y-%m-%d}", f"{until:%Y-%m-%d}", (until - last_sale).days,
                    f"{until:%Y-%m-%d}", f"{last_sale:%Y-%m-%d}")


def _fingerprint(dataset) -> str:
    """The card's ``data_fingerprint``: the hash of the files ``dataset`` was read from, for every kind.

    Why one rule: the LSTM hashed the in-memory table while the trees hashed the files, so an lgbm and an
    LSTM trained on the same directory recorded different fingerprints and a card could not show they
    shared their data. A dataset with no such files (built in memory) falls back to its train table.
    """
    files = input_files(Path(dataset.root))  # the Dask engine's card hashes the same list
    return data_fingerprint(*files) if files else data_fingerprint(dataset.train)


def train_lstm_bundle(dataset, *, until: pd.Timestamp | str | None = None, models_dir: str | Path = "models",
                      epochs: int | None = None, small: bool = False, device: str = "cpu",
                      progress: Callable[[int, float, float], None] | None = None,
                      networks: int | None = None) -> Path:
    """Fit an LSTM on ``dataset.train`` up to ``until`` and save it; ``small`` is the demo's quick size.

    ``device`` ("cpu", "cuda" or "auto") is where the fit runs; the card's ``training.device`` says
    which one it was. The file holds CPU tensors either way. ``networks`` overrides how many networks are
    trained and averaged (`LSTMConfig.networks`).
    """
    from storecast.artifacts.lstm import save_lstm
    from storecast.models.lstm.dataset import ENC_FEATURES
    from storecast.models.lstm.device import gpu_name
    from storecast.models.lstm.forecaster import LSTMConfig, LSTMForecaster, decoder_inputs

    cfg = LSTMConfig(hidden=32, origins_per_store=16, epochs=6, networks=1) if small else LSTMConfig()
    cfg = cfg.with_changes(device=device, epochs=epochs, networks=networks)
    train = dataset.train
    until = pd.Timestamp(until) if until is not None else train[s.DATE].max()
    started = time.perf_counter()
    model = LSTMForecaster(cfg).fit(train, until, progress=progress, store=dataset.store)
    seconds = time.perf_counter() - started
    log.info("LSTM fitted in %.1f s (%d epochs, on %s)", seconds, len(model.history_), model.device_)
    start = f"{train[s.DATE].min():%Y-%m-%d}"
    card = {"training": {"start": start, "end": f"{until:%Y-%m-%d}", "until": f"{until:%Y-%m-%d}",
                         "validation": f"last {cfg.horizon} days up to the cut (early stopping, intervals)",
                         "seconds": round(seconds, 1), "epochs_run": len(model.history_),
                         "device": model.device_,
                         **({"gpu": gpu_name(model.device_)} if model.device_ == "cuda" else {})},
            "features": {"encoder": list(ENC_FEATURES), "decoder": list(decoder_inputs(cfg.context))},
            "data_fingerprint": _fingerprint(dataset), "data_dir": str(Path(dataset.root))}
    return save_lstm(model, models_dir, card)
