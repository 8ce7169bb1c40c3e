"""`LSTMForecaster`: fit / predict around the network, and its state as plain tensors.

A thin façade: windowing and scaling live in `dataset`, the network in `net`, the training loop in
`loop`. ``state_tensors`` / ``from_state`` turn a fitted forecaster into CPU tensors and back; the model
file around them (card, sha256, ``torch.load(weights_only=True)``) is ``storecast.artifacts.lstm``, and
fitting *and* saving is ``storecast.train_run.train_lstm_bundle``.
"""

from __future__ import annotations

__all__ = ["LSTMConfig", "LSTMForecaster", "decoder_inputs", "require_torch", "torch_module"]

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.dates import to_days
from storecast.errors import (
    MAX_STORES_LISTED,
    ContractProblem,
    DataContractError,
    NotFittedError,
    WindowError,
    first_and_more,
)
from storecast.features.schedule import schedule_ids
from storecast.models.lstm.dataset import (
    CONTEXT_FEATURES,
    DEC_FEATURES,
    ENC_FEATURES,
    LEVEL_INDEX,
    Panel,
    SalesScaler,
    build_panel,
    encoder_inputs,
    future_features,
    holiday_proximity,
    make_windows,
    promo_anchor,
    schedule_context,
)
from storecast.models.lstm.level import (
    empty_window_level,
    level_days,
    lookback_profile,
    profile_level,
    season_profile,
    season_shift,
    store_profile,
)
from storecast.models.lstm.revision import INPUTS_REVISION, revision_of
from storecast.windows import check_window

log = logging.getLogger(__name__)


def torch_module() -> Any:
    """PyTorch, imported on first use; ``MissingDependencyError`` (the extra to install) when it is missing."""
    try:
        import torch
    except ImportError as exc:  # tested with torch hidden (tests/cli/test_lstm_cli.py)
        from storecast.errors import LSTM_INSTALL_HINT, MissingDependencyError

        raise MissingDependencyError(LSTM_INSTALL_HINT) from exc
    return torch


def require_torch() -> None:
    """Raise ``MissingDependencyError`` (one line, exit 2 in the CLI) when PyTorch is not installed."""
    torch_module()


def _store_states(stores: np.ndarray, store: pd.DataFrame | None) -> np.ndarray:
    """Each store's state code from store.csv's State column ("" when unknown: nationwide holidays)."""
    if store is None or s.STATE not in store.columns:
        return np.full(len(stores), "", dtype=object)
    states = store.set_index(s.STORE)[s.STATE].reindex(stores)
    return np.array(["" if pd.isna(v) else str(v) for v in states], dtype=object)


@dataclass(frozen=True)
class LSTMConfig:
    """Hyperparameters; defaults train on the full Rossmann data in minutes on 2 CPU cores.

    ``origins_per_store`` windows are drawn per store and epoch at random origins of the training
    part (a fresh draw each epoch, so the network sees many origins without materialising them all).
    """

    lookback: int = 56
    # 48 days: covers the 43-day holdout (cut 2015-05-07 -> 2015-06-19) and a 48-day Kaggle-style test period
    horizon: int = 48
    hidden: int = 64
    emb: int = 8
    epochs: int = 30
    batch_size: int = 128
    lr: float = 2e-3
    origins_per_store: int = 32
    patience: int = 6
    loss: str = "mse"  # "mse" or "huber" on scaled log sales (huber: outlier days weigh less)
    seed: int = 0
    # one intra-op thread: the matrices are small, and on a 2-core machine shared with other jobs two
    # threads spin-wait on each other (measured 10x slower per step than one thread under load)
    threads: int = 1
    # add the chain's yearly cycle (from the fit part) to the look-back level: level.season_profile
    season: bool = True
    levels: tuple[float, ...] = (0.8, 0.95)
    # "cpu" (default: the tests and a CPU build of torch), "cuda", or "auto" (cuda when torch sees a GPU);
    # where the fit runs, not a property of the model: the file is the same either way
    device: str = "cpu"
    # the promo-cycle position and the store's schedule context (CONTEXT_FEATURES) as decoder inputs
    context: bool = False
    # read the look-back level without the weeks that hold a public holiday (level.holiday_weeks)
    level_skips_holiday_weeks: bool = True
    # shrink each (day of week, promo) cell of the look-back level towards one level plus the store's long-run
    # weekday x promo profile (level.shaped_level), as if the cell held this many more days; 0: cells alone.
    # 6 was chosen on the subset protocol among 3, 6, 12 and "shape alone" (docs/modeling-lstm.md)
    level_shape_days: float = 6.0
    # networks trained from seeds seed, seed + 1, ... and averaged (net.NetEnsemble); each costs one fit.
    # Three: the seasonal backtest's mean -1.9% against one network, every window below the naive median
    # (docs/modeling-lstm.md)
    networks: int = 3

    def __post_init__(self) -> None:
        from storecast.models.lstm.device import check_device_name

        check_device_name(self.device)
        if self.networks < 1:
            raise ValueError(f"networks must be at least 1, got {self.networks}")
        if self.epochs < 1:  # no epoch run, no weights chosen: refused before any data is read
            raise ValueError(f"epochs must be at least 1, got {self.epochs}")
        # as the trees' ConformalRegressor: a level of 1.5 or 0 gave the largest or smallest residual as a radius
        if not self.levels or not all(isinstance(lv, float | int) and 0 < lv < 1 for lv in self.levels):
            raise ValueError(f"levels must be coverages strictly between 0 and 1, e.g. (0.8, 0.95); got {self.levels}")

    @property
    def days_needed(self) -> int:
        """Days of data up to and including the cut one fit needs: a look-back before the first training
        origin, the training targets' horizon, the validation window's horizon, and one day to spare."""
        return self.lookback + 2 * self.horizon + 1

    def with_changes(self, **changes: Any) -> LSTMConfig:
        """This config with the settings given, those given as None left as they are (a CLI's optional flags)."""
        given = {name: value for name, value in changes.items() if value is not None}
        return replace(self, **given) if given else self


def decoder_inputs(context: bool) -> tuple[str, ...]:
    """The known-future inputs a network reads per day, in order (the card records them, the file check
    compares them): ``context`` is ``LSTMConfig.context``."""
    return DEC_FEATURES + (CONTEXT_FEATURES if context else ())


def _member_progress(progress: Callable[[int, float, float], None], offset: int, epoch: int, train_loss: float,
                     val_loss: float) -> None:
    """One bar for all networks: network k's epochs count from ``k * epochs`` (early stopping may skip some)."""
    progress(offset + epoch, train_loss, val_loss)


def _short_history(dates: pd.DatetimeIndex, model_cut: pd.Timestamp, lookback: int) -> str:
    """Why a history that runs past the model's cut is too short, and the two ways out.

    Why the dates: the user fixes it by giving history from an earlier day, so the message names the days
    given and the first day wanted (train.csv of ``storecast predict --data`` is the history there).
    """
    first, last = dates[0], dates[-1]
    wanted = last - pd.Timedelta(days=lookback - 1)
    return (f"its rows run {first:%Y-%m-%d}..{last:%Y-%m-%d} ({len(dates)} days), past the model's cut "
            f"{model_cut:%Y-%m-%d}, so the forecast starts after {last:%Y-%m-%d} and the LSTM reads the {lookback} "
            f"days up to it: give history (train.csv) from {wanted:%Y-%m-%d} or earlier, or none after the "
            f"model's cut")


def _answered(values: np.ndarray, open_: np.ndarray) -> np.ndarray:
    """The open rows' ``values`` back in the rows' order, 0 for the closed rows (read as schedule only)."""
    if open_.all():
        return values
    out = np.zeros(len(open_))
    out[open_] = values
    return out


def _check_sales_days(panel: Panel, horizon: int) -> None:
    """A WindowError unless both parts of the fit hold a sales day: the training days and the validation window.

    Why before any epoch: without one, the scaler fails on an empty array (training part), or every epoch
    runs and the calibration ends in numpy's IndexError (validation window); e.g. a train.csv of stores that
    have no rows in the weeks before ``--until`` (180 Rossmann stores have none from July to December 2014).
    """
    dates, split = panel.dates, len(panel.dates) - horizon
    validated = _stores_with_history(panel, horizon)  # the validation window scores these stores only
    for which, part, first, last, whose in (
            ("training days", panel.log_sales[:, :split], dates[0], dates[split - 1], ""),
            ("validation window", panel.log_sales[validated, split:], dates[split], dates[-1],
             " of a store that also sold in the training days")):
        if not np.isfinite(part).any():
            raise WindowError(f"the LSTM's {which} {first:%Y-%m-%d}..{last:%Y-%m-%d} hold no open day with Sales > 0 "
                              f"in train.csv{whose} ({len(panel.stores)} store(s)): choose another --until.")


def _stores_with_history(panel: Panel, horizon: int) -> np.ndarray:
    """(S,) True for the stores with a sales day before the validation window (the training days).

    Why: a store whose rows start inside the validation window (a new store) has no level to forecast it
    from there: its mean is 0 (`SalesScaler.fit`) and its look-back window before the window is empty, so its
    validation forecasts are near 0 sales and its residuals are its whole log sales (~8). Counted, they made
    the 95% band of *every* store thousands of times wider and the validation RMSPE meaningless. At the cut
    such a store has sales in its look-back window and is forecast from them like any other.
    """
    return np.isfinite(panel.log_sales[:, : len(panel.dates) - horizon]).any(axis=1)


@dataclass
class LSTMForecaster:
    """Global LSTM across stores forecasting the ``horizon`` days after the fit cut."""

    config: LSTMConfig = field(default_factory=LSTMConfig)

    def fit(self, train: pd.DataFrame, until: pd.Timestamp | str | None = None,
            progress: Callable[[int, float, float], None] | None = None,
            store: pd.DataFrame | None = None) -> LSTMForecaster:
        """Fit on rows up to ``until``; the last ``horizon`` days are the early-stopping window.

        ``store`` (store.csv with its State column) gives each store its state's public-holiday
        calendar; without it the nationwide calendar is used. The fit runs on ``config.device``
        (resolved to "cpu" or "cuda": ``device_``); the network stays there for `predict_open`.
        ``progress(epoch, train_loss, val_loss)`` follows the networks in turn, network k's epochs counted
        from ``k * config.epochs``, so one bar of ``epochs * networks`` steps covers the whole fit.
        """
        torch = torch_module()
        from storecast.models.lstm.device import resolve_device

        cfg = self.config
        self.device_ = resolve_device(cfg.device)  # before any work: "cuda" without a GPU stops here
        torch.set_num_threads(cfg.threads)
        until = check_window(
            train[s.DATE], until, first_day_needed=lambda u: u - pd.Timedelta(days=cfg.days_needed - 1),
            what=f"the LSTM ({cfg.lookback}-day look-back, {cfg.horizon}-day horizon and as many days to "
                 "validate on)", fix="choose a later --until")
        panel = build_panel(train, until)
        _check_sales_days(panel, cfg.horizon)
        T = len(panel.dates)
        self.scaler_ = SalesScaler().fit(panel.log_sales[:, : T - cfg.horizon])
        scaled = self.scaler_.transform(panel.log_sales)
        S = len(panel.stores)
        self.promo_anchor_ = promo_anchor(panel) if cfg.context else None
        all_stores = np.arange(S)
        self.states_ = _store_states(panel.stores, store)
        # once per state, not per store: ~8 ms a calendar, 1,115 stores share 12 states on the real data
        by_state = {st: holiday_proximity(panel.dates, np.array([st])) for st in pd.unique(self.states_)}
        holiday = np.stack([by_state[st] for st in self.states_])
        # the yearly cycle from the training part only (the validation window's days stay unseen)
        self.season_ = season_profile(panel, scaled, T - cfg.horizon) if cfg.season else None
        at_store_mean = float(self.scaler_.scaler_.min_[0])  # the scaled value of a day at its store's mean
        self.store_profile_: np.ndarray | None = store_profile(panel, scaled, T - cfg.horizon, at_store_mean)
        # the windows of (store, origin) pairs: validation and training draws read the panel alike
        windows = partial(make_windows, panel, scaled, lookback=cfg.lookback, horizon=cfg.horizon, holiday=holiday,
                          season=self.season_, profiles=self.store_profile_, anchor=self.promo_anchor_,
                          skip_holiday_weeks=cfg.level_skips_holiday_weeks, shape_days=cfg.level_shape_days)
        val_windows = windows(all_stores, np.full(S, T - 1 - cfg.horizon))
        # neither early stopping nor the bands read the stores new in the validation window (see the function)
        val_windows["mask"] = val_windows["mask"] * _stores_with_history(panel, cfg.horizon)[:, None]
        val = self._tensors(val_windows)
        last_train_origin = T - 1 - 2 * cfg.horizon  # its targets end before the validation window

        def draw_epoch(rng: np.random.Generator):
            stores = np.repeat(all_stores, cfg.origins_per_store)
            origins = rng.integers(cfg.lookback - 1, last_train_origin + 1, size=len(stores))
            return self._tensors(windows(stores, origins)), torch.from_numpy(rng.permutation(len(stores)))

        self.net_, self.history_ = self._train_networks(S, val, draw_epoch, progress)
        self.inputs_revision_ = INPUTS_REVISION  # the rules these windows were computed by (`revision`)
        self._calibrate(val)
        # remember each store's last look-back window at the cut: forecasts need no extra history
        self.stores_ = panel.stores
        self.cut_ = panel.dates[-1]
        # contiguous copy: torch.save of a view would write the whole (S, T) panel into the file
        self.last_window_ = np.ascontiguousarray(encoder_inputs(panel, scaled)[:, T - cfg.lookback:])
        return self

    def _train_networks(self, n_stores: int, val: dict, draw_epoch: Callable[[np.random.Generator], Any],
                        progress: Callable[[int, float, float], None] | None) -> tuple[Any, list[dict]]:
        """``config.networks`` networks, each trained as a lone fit with seed + k would be (its start, its
        windows), and the one to serve: the network itself, or the ensemble averaging them; plus the history."""
        torch = torch_module()
        from storecast.models.lstm.loop import train_with_early_stopping
        from storecast.models.lstm.net import NetEnsemble, SalesNet

        cfg = self.config
        members, histories = [], []
        for k in range(cfg.networks):
            torch.manual_seed(cfg.seed + k)
            rng = np.random.default_rng(cfg.seed + k)
            net = SalesNet(n_stores, len(ENC_FEATURES), len(decoder_inputs(cfg.context)), cfg.hidden, cfg.emb,
                           LEVEL_INDEX)
            history = train_with_early_stopping(
                net, partial(self._loss, net=net), partial(draw_epoch, rng), val, epochs=cfg.epochs,
                batch_size=cfg.batch_size, lr=cfg.lr, patience=cfg.patience, device=self.device_,
                progress=None if progress is None else partial(_member_progress, progress, k * cfg.epochs))
            histories += [{**h, "network": k} for h in history] if cfg.networks > 1 else history
            members.append(net)
        return (members[0] if cfg.networks == 1 else NetEnsemble(members).to(self.device_)), histories

    def _tensors(self, w: dict[str, np.ndarray]) -> dict:
        torch = torch_module()
        return {k: torch.from_numpy(np.ascontiguousarray(w[k])) for k in ("enc", "dec", "target", "mask", "store")}

    def _loss(self, b: dict, net):
        torch = torch_module()
        pred = net(b["enc"], b["store"], b["dec"])
        if self.config.loss == "huber":  # quadratic up to ~0.3 in log sales, linear beyond
            err = torch.nn.functional.huber_loss(pred, b["target"], reduction="none", delta=0.1)
        else:
            err = (pred - b["target"]) ** 2
        return (err * b["mask"]).sum() / b["mask"].sum().clamp(min=1)

    def _calibrate(self, val: dict) -> None:
        """Split-conformal quantiles of |log residual| on the time-ordered validation window."""
        torch = torch_module()
        from storecast.models.conformal import conformal_radius
        from storecast.models.lstm.loop import to_device

        on = to_device(val, self.device_)
        with torch.no_grad():
            pred = self.net_(on["enc"], on["store"], on["dec"]).cpu().numpy()
        mask = val["mask"].numpy() > 0
        stores = val["store"].numpy()
        log_pred = self.scaler_.inverse_transform(pred, stores)
        log_true = self.scaler_.inverse_transform(val["target"].numpy(), stores)
        resid = np.abs(log_true - log_pred)[mask]
        n = len(resid)
        # the ceil((n + 1) level)-th smallest |residual|, as the trees' bounds; np.quantile at rank / n read between
        # two residuals
        radius = conformal_radius(resid, self.config.levels)
        self.quantiles_ = {str(lv): float(q) for lv, q in zip(self.config.levels, radius, strict=True)}
        y, p = np.expm1(log_true[mask]), np.expm1(log_pred[mask])
        # in-sample for the quantiles (coverage ~ level by construction); the holdout gives the honest figure
        self.validation_ = {
            "rows": int(n), "rmspe": float(np.sqrt(np.mean((1 - p / y) ** 2))), "bias": float(np.mean(1 - p / y)),
            **{f"coverage_{lv}": float(np.mean(resid <= q)) for lv, q in self.quantiles_.items()},
        }

    def predict_open(self, rows: pd.DataFrame, history: pd.DataFrame | None = None,
                     level: float = 0.8, group: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(point, lower, upper) Sales for open-day rows within the horizon after the cut.

        With ``config.context`` a row's schedule context is read from the rows of its own store, within
        its own request when ``group`` numbers the requests merged into ``rows`` (as the trees read it).
        Closed rows (Open = 0) are read as that schedule only: a closure at a store's first or last days
        (``predict_frame`` hands those over, ``LSTMBundle.reads_closed_rows``) counts as training windows
        count it. They are answered 0 and may lie outside the horizon, which only the open rows must keep.
        """
        torch = torch_module()
        if not hasattr(self, "net_"):
            raise NotFittedError("LSTMForecaster is not fitted: call fit() or load a model file.")
        windows, cut = self._windows_at(history)
        open_ = rows[s.OPEN].to_numpy(dtype=float) != 0  # NaN (unknown) is open, as predict_frame reads it
        store_index, step = self._checked_rows(rows, cut, open_)
        asked = rows if open_.all() else rows[open_]
        dec = self._decoder_rows(asked, windows, cut, store_index, step)
        anchor = getattr(self, "promo_anchor_", None)
        if anchor is not None:  # the context: read from every row given, open and closed
            ctx = schedule_context(schedule_ids(rows[s.STORE].to_numpy(), group), to_days(rows[s.DATE].to_numpy()),
                                   open_, rows[s.PROMO].to_numpy(np.float32), anchor)
            dec = np.concatenate([dec, ctx[open_]], axis=-1)
        device = getattr(self, "device_", "cpu")
        with torch.no_grad():
            states = self.net_.encode(torch.from_numpy(windows).to(device),
                                      torch.arange(len(self.stores_), device=device))
            si = torch.from_numpy(store_index.astype(np.int64)).to(device)
            scaled = self.net_.decode(states[si], si, torch.from_numpy(dec).to(device)[:, None, :]).cpu().numpy()[:, 0]
        log_pred = self.scaler_.inverse_transform(scaled, store_index)
        q = self._quantile(level)
        # log1p space reaches below 0 (Sales < 0) for a forecast near nothing: Sales are never negative, as the
        # trees' forecasts and bands are not
        point, lower, upper = (_answered(np.maximum(np.expm1(v), 0.0), open_)
                               for v in (log_pred, log_pred - q, log_pred + q))
        return point, lower, upper

    def _windows_at(self, history: pd.DataFrame | None) -> tuple[np.ndarray, pd.Timestamp]:
        """Each store's look-back window and the day it ends: the fit cut's, or the end of a later ``history``."""
        cfg = self.config
        windows, cut = self.last_window_, self.cut_
        if history is not None and len(history) and history[s.DATE].max() > cut:
            cut = history[s.DATE].max()
            panel = build_panel(history, cut, stores=self.stores_)
            if len(panel.dates) < cfg.lookback:
                why = _short_history(panel.dates, self.cut_, cfg.lookback)
                raise DataContractError(ContractProblem("history", why))
            windows = np.ascontiguousarray(
                encoder_inputs(panel, self.scaler_.transform(panel.log_sales))[:, -cfg.lookback:])
        return windows, cut

    def _checked_rows(self, rows: pd.DataFrame, cut: pd.Timestamp,
                      open_: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(store position, days after ``cut``) of each open row; rows of unknown stores, and open rows outside
        the horizon, raise (a closed row is only read as its store's schedule: it may lie anywhere)."""
        store_index = pd.Index(self.stores_).get_indexer(rows[s.STORE])
        unknown = sorted(set(rows[s.STORE][store_index < 0]))
        if unknown:
            raise DataContractError(ContractProblem(
                "rows", f"unknown store(s) {first_and_more(unknown, MAX_STORES_LISTED)}: the model was trained on "
                "other stores", column=s.STORE))
        if not open_.all():
            rows, store_index = rows[open_], store_index[open_]
        horizon = self.config.horizon
        step = (pd.DatetimeIndex(rows[s.DATE]) - cut).days.to_numpy()
        outside = (step < 1) | (step > horizon)
        if outside.any():
            bad = rows[s.DATE][outside]
            first, last = cut + pd.Timedelta(days=1), cut + pd.Timedelta(days=horizon)
            raise DataContractError(ContractProblem(
                "rows", f"{int(outside.sum())} row(s) dated {bad.min():%Y-%m-%d}..{bad.max():%Y-%m-%d} are outside "
                f"the LSTM's horizon {first:%Y-%m-%d}..{last:%Y-%m-%d}"
                " (the days after its cut or after the end of the history given); pass recent history or retrain",
                column=s.DATE))
        return store_index, step

    def _decoder_rows(self, rows: pd.DataFrame, windows: np.ndarray, cut: pd.Timestamp, store_index: np.ndarray,
                      step: np.ndarray) -> np.ndarray:
        """The known-future inputs of each row but the context, its level read from its store's window as
        training read it."""
        cfg = self.config
        promo = rows[s.PROMO].to_numpy(np.float32)
        lookback_days = pd.date_range(end=cut, periods=cfg.lookback, freq="D").values
        # every store's window ends at the same cut: its season is computed once and broadcast
        fallback = empty_window_level(self.store_profile_, self.season_, lookback_days[None, :])
        # the look-back days the level reads, one mask per store (None: every known day)
        read = level_days(windows, True, lookback_days[None, :]) if cfg.level_skips_holiday_weeks else None
        shape = self.store_profile_ if cfg.level_shape_days > 0 else None
        base = profile_level(lookback_profile(windows, fallback, read, shape, cfg.level_shape_days), store_index,
                             rows[s.DATE], promo)
        base = base + season_shift(self.season_, lookback_days[None, :],
                                   np.asarray(pd.DatetimeIndex(rows[s.DATE]).values)[:, None],
                                   None if read is None else read[store_index])[:, 0]
        return future_features(
            rows[s.DATE], rows[s.OPEN].to_numpy(np.float32), promo,
            (rows[s.STATE_HOLIDAY].astype(str) != "0").to_numpy(np.float32),
            rows[s.SCHOOL_HOLIDAY].to_numpy(np.float32), step.astype(np.float32), cfg.horizon, base,
            self.states_[store_index])

    def _quantile(self, level: float) -> float:
        """The calibrated |log residual| quantile of ``level``, matched as ``artifacts.files.served_level`` matches.

        Why not a lookup by ``str(level)``: a level the card accepts (0.95 give or take 1e-9) must get its own
        band, and one never calibrated must be refused, not served the first level's narrower band.
        """
        for key, q in self.quantiles_.items():
            if abs(float(key) - float(level)) <= 1e-9:
                return float(q)
        raise ValueError(f"`level` {level} was not calibrated; choose one of {sorted(map(float, self.quantiles_))}.")

    def to(self, device: str) -> LSTMForecaster:
        """Predict on ``device`` ("auto", "cpu" or "cuda") from now on; returns self.

        A loaded model starts on the CPU, whatever device trained it; this moves a fitted one to a GPU
        (``storecast lstm evaluate --model X --device cuda``) or back.
        """
        from storecast.models.lstm.device import resolve_device

        if not hasattr(self, "net_"):
            raise NotFittedError("LSTMForecaster is not fitted: call fit() or load a model file.")
        self.device_ = resolve_device(device)
        self.net_.to(self.device_)
        return self

    # ---- persistence: tensors only -------------------------------------------------------------
    def state_tensors(self) -> dict:
        """Everything learned, as a flat dict of CPU tensors (safe with ``weights_only=True``).

        The network's weights are copied off a GPU, so the file loads where there is none.
        """
        torch = torch_module()
        out = {f"net.{k}": v.detach().cpu() for k, v in self.net_.state_dict().items()}
        out.update({
            "stores": torch.from_numpy(self.stores_.astype(np.int64)),
            "last_window": torch.from_numpy(self.last_window_),
            "store_mean": torch.from_numpy(self.scaler_.store_mean_),
            "scale": torch.tensor([self.scaler_.scaler_.scale_[0], self.scaler_.scaler_.min_[0]], dtype=torch.float64),
        })
        if self.season_ is not None:
            out["season"] = torch.from_numpy(self.season_)
        if self.store_profile_ is not None:
            out["store_profile"] = torch.from_numpy(self.store_profile_)
        if getattr(self, "promo_anchor_", None) is not None:
            out["promo_anchor"] = torch.tensor([self.promo_anchor_], dtype=torch.int64)
        return out

    @classmethod
    def from_state(cls, tensors: dict, card: dict) -> LSTMForecaster:
        """Rebuild a fitted forecaster from `state_tensors` output and its card."""
        from sklearn.preprocessing import MinMaxScaler

        from storecast.models.lstm.net import NetEnsemble, SalesNet

        # a card written before the context inputs existed has no "context": its network never had them
        # nor "level_skips_holiday_weeks": its level counted every known day
        # nor "level_shape_days": each cell of its level was its own mean; nor "networks": it had one
        cfg = {"context": False, "level_skips_holiday_weeks": False, "level_shape_days": 0.0, "networks": 1,
               **card["config"]}
        self = cls(LSTMConfig(**{**cfg, "levels": tuple(cfg["levels"])}))
        self.stores_ = tensors["stores"].numpy()
        self.last_window_ = tensors["last_window"].numpy()
        self.scaler_ = SalesScaler()
        self.scaler_.store_mean_ = tensors["store_mean"].numpy()
        self.scaler_.scaler_ = MinMaxScaler(feature_range=(-1, 1))
        self.scaler_.scaler_.scale_ = tensors["scale"].numpy()[:1]
        self.scaler_.scaler_.min_ = tensors["scale"].numpy()[1:]
        self.promo_anchor_ = int(tensors["promo_anchor"][0]) if cfg["context"] else None
        members = [SalesNet(len(self.stores_), len(ENC_FEATURES), len(decoder_inputs(cfg["context"])),
                            cfg["hidden"], cfg["emb"], LEVEL_INDEX) for _ in range(int(cfg["networks"]))]
        self.net_ = members[0] if len(members) == 1 else NetEnsemble(members)
        self.net_.load_state_dict({k[4:]: v for k, v in tensors.items() if k.startswith("net.")})
        self.season_ = tensors["season"].numpy() if "season" in tensors else None
        # a model saved before the store profiles existed keeps its old fallback (scaled 0)
        self.store_profile_ = tensors["store_profile"].numpy() if "store_profile" in tensors else None
        self.net_.eval()
        self.device_ = "cpu"  # the tensors were loaded onto the CPU (map_location); `to` moves them
        self.cut_ = pd.Timestamp(card["cut"])
        known = card.get("store_states", {})
        self.states_ = np.array([known.get(str(int(k)), "") for k in self.stores_], dtype=object)
        self.quantiles_ = card["intervals"]["abs_log_residual_quantiles"]
        self.inputs_revision_ = revision_of(card)  # kept when saved again: the network's inputs did not change
        return self
