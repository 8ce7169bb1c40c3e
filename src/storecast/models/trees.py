"""Tree pipelines: ``make_pipeline("lgbm"|"rf")`` = shared preprocessor + a sales regressor.

The regressor step wraps the tree model with the training loss chosen in docs/modeling.md: by default
MSE on log1p(Sales), the loss whose errors are relative, like RMSPE's.
"""

from __future__ import annotations

__all__ = ["SalesRegressor", "make_pipeline", "make_estimator", "pipeline_predict", "check_tree_params", "LOSSES",
           "KINDS", "LGBM_SEEDS", "tree_members"]

from collections.abc import Iterable

import numpy as np
from sklearn import get_config
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from storecast.features import as_columns
from storecast.features.build import make_preprocessor

LOSSES = ("log", "mse", "relative")
KINDS = ("lgbm", "rf")
# Below this many rows joblib's start-up costs more than a forest's prediction (API single-row latency).
_SMALL_BATCH = 2_000
# LightGBM's OpenMP pool pays off from two rows on (one booster of the full-data model, 1 / 2 threads:
# 1 row 0.071 / 0.072 ms, 10 rows 1.28 / 0.68 ms, 1,000 rows 116 / 62 ms; docs/benchmarks.md).
_LGBM_ONE_THREAD_BELOW = 2
# A forest's trees predicted in parallel in groups of this many: memory holds a group's predictions, not 100.
_TREES_AT_ONCE = 16

# Why not cheaper settings: max_bin 63 + subsample 0.5 cost about 10% less CPU per fit, and the
# seasonal backtest mean got worse (0.1127 vs 0.1117, docs/modeling.md).
LGBM_DEFAULTS = {
    "n_estimators": 1200, "learning_rate": 0.05, "num_leaves": 127, "min_child_samples": 40,
    "subsample": 0.8, "subsample_freq": 1, "colsample_bytree": 0.7, "reg_lambda": 1.0,
    "max_bin": 255, "n_jobs": -1, "random_state": 0, "verbose": -1,
}
# LightGBM models averaged by the default pipeline (make_estimator's ``seeds``); see docs/modeling.md
LGBM_SEEDS = 3
RF_DEFAULTS = {
    "n_estimators": 100, "max_samples": 0.2, "min_samples_leaf": 3, "max_features": 0.4,
    "n_jobs": -1, "random_state": 0,
}


class SalesRegressor(RegressorMixin, BaseEstimator):
    """Fit a regressor on Sales under one of three losses and predict Sales.

    Parameters
    ----------
    estimator : regressor
        The tree model (cloned in ``fit``).
    loss : {"log", "mse", "relative"}, default="log"
        "log": MSE on log1p(Sales), back-transformed with expm1 (errors count relatively).
        "mse": MSE on Sales (big stores dominate; the only loss that accepts Sales <= 0).
        "relative": MSE on Sales with sample_weight = 1/Sales^2, the squared percentage error
        RMSPE averages.

    Attributes
    ----------
    estimator_ : the fitted regressor.
    """

    def __init__(self, estimator=None, *, loss: str = "log"):
        self.estimator = estimator
        self.loss = loss

    def fit(self, X, y, sample_weight=None) -> SalesRegressor:
        """Fit on the transformed target; Sales must be > 0 (train on open days with sales)."""
        if self.loss not in LOSSES:
            raise ValueError(f"`loss` must be one of {LOSSES}; got {self.loss!r}.")
        if self.estimator is None:
            raise ValueError("`estimator` is required; use make_pipeline(kind=...).")
        X, y = validate_data(self, X, y, ensure_all_finite="allow-nan", y_numeric=True)
        y = np.asarray(y, dtype=float)
        if self.loss != "mse" and (y <= 0).any():
            raise ValueError("`y` must be > 0: select training rows with clean.rows.sales_days first.")
        # private, but sklearn 1.9 has no public equivalent of its own sample_weight rules (1-D, one per row, not all 0)
        weight = None if sample_weight is None else _check_sample_weight(sample_weight, X)
        if self.loss == "log":
            target = np.log1p(y)
        else:
            target = y
            if self.loss == "relative":
                rel = 1.0 / y**2
                rel /= rel.mean()
                weight = rel if weight is None else weight * rel
        self.estimator_ = clone(self.estimator).fit(X, target, sample_weight=weight)
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # both tree kinds route missing values themselves
        return tags

    def predict(self, X) -> np.ndarray:
        """Predicted Sales (>= 0), single-threaded for small batches."""
        check_is_fitted(self)
        if not self._validated(X):
            X = validate_data(self, X, ensure_all_finite="allow-nan", reset=False)
        raw = _predict(self.estimator_, X)
        out = np.expm1(raw) if self.loss == "log" else raw
        return np.maximum(out, 0.0)

    def _validated(self, X) -> bool:
        """True when ``validate_data`` would hand ``X`` back unchanged and raise nothing.

        The preprocessor's matrix step already yields a float64 2-D array of the fitted width, and
        ``validate_data`` (about 70 us) returns such an array as is, so skipping it changes no
        prediction. Anything else (a frame, another dtype, inf, no rows) still goes through it.
        """
        return (isinstance(X, np.ndarray) and X.dtype == np.float64 and X.ndim == 2 and X.shape[0] > 0
                and X.shape[1] == self.n_features_in_ and not hasattr(self, "feature_names_in_")
                and not np.isinf(X).any())

    @property
    def feature_importances_(self) -> np.ndarray:
        """Impurity importances of the tree model (LightGBM: total gain), normalised to sum 1."""
        check_is_fitted(self)
        shares = []
        for est in tree_members(self.estimator_):  # an average of seeds: the mean of their shares
            if hasattr(est, "booster_"):
                imp = est.booster_.feature_importance(importance_type="gain").astype(float)
            else:
                imp = np.asarray(est.feature_importances_, dtype=float)
            shares.append(imp / imp.sum() if imp.sum() > 0 else imp)
        return np.mean(shares, axis=0)


def pipeline_predict(pipeline, X) -> np.ndarray:
    """``pipeline.predict(X)`` through the same fitted steps, without sklearn's per-call Pipeline overhead.

    ``Pipeline.predict``/``transform`` re-check on every call that every step is fitted (tag lookups
    with deep copies) and route metadata, about 0.3 ms, more than the features of one row cost. Here
    each step's own ``transform``/``predict`` runs exactly as inside the Pipeline (with its own
    ``check_is_fitted``), so the output is identical; with metadata routing on, or for anything but a
    Pipeline, this is plain ``predict``.
    """
    if not isinstance(pipeline, Pipeline) or get_config().get("enable_metadata_routing", False):
        return pipeline.predict(X)
    X = as_columns(X)  # the feature steps' fast path: no DataFrame between them
    for _, step in pipeline.steps[:-1]:
        X = _transform(step, X)
    return pipeline.steps[-1][1].predict(X)


def _transform(step, X):
    """``step.transform(X)``; a nested Pipeline runs its steps in turn (passthrough steps skipped)."""
    if step is None or (isinstance(step, str) and step == "passthrough"):
        return X
    if isinstance(step, Pipeline):
        for _, sub in step.steps:
            X = _transform(sub, X)
        return X
    return step.transform(X)


def tree_members(est) -> list:
    """The fitted models a ``VotingRegressor`` averages, or ``[est]``."""
    members = getattr(est, "estimators_", None)
    return list(members) if members is not None and hasattr(est, "named_estimators_") else [est]


def _predict(est, X) -> np.ndarray:
    members = tree_members(est)
    if len(members) > 1:  # VotingRegressor.predict's mean, each member through the fast path below
        return np.mean([_predict(m, X) for m in members], axis=0)
    if hasattr(est, "booster_"):
        # LightGBM: call the Booster directly (the sklearn wrapper deep-copies its params on every
        # call, ~1 ms) and keep a lone row on one thread (waking the pool gains nothing there).
        if np.shape(X)[0] < _LGBM_ONE_THREAD_BELOW:
            return est.booster_.predict(X, num_threads=1)
        return est.booster_.predict(X)
    from sklearn.ensemble import RandomForestRegressor

    if isinstance(est, RandomForestRegressor):  # a small batch's trees predict in this thread (no joblib start-up)
        return _forest_mean(est, X, n_jobs=1 if np.shape(X)[0] < _SMALL_BATCH else est.n_jobs)
    return est.predict(X)


def _forest_mean(forest, X, *, n_jobs: int | None) -> np.ndarray:
    """``forest.predict(X)`` with the trees' predictions added in the forest's order: the same bits for any batch.

    Why not ``forest.predict``: with ``n_jobs != 1`` its threads add the trees' predictions as they finish, so
    the sum's last bits change from call to call and a row alone differs from the same row in a batch. Here the
    trees predict in parallel but are added in the order ``forest.predict`` uses with ``n_jobs=1`` (on float32
    input, as it validates), and the forest's ``n_jobs``, shared by concurrent requests, is left alone.
    """
    from sklearn.utils.parallel import Parallel, delayed

    check_is_fitted(forest)
    X32 = np.ascontiguousarray(X, dtype=np.float32)
    trees = forest.estimators_
    total = np.zeros(X32.shape[0], dtype=np.float64)
    if n_jobs == 1:
        for tree in trees:
            total += tree.predict(X32, check_input=False)
    else:
        with Parallel(n_jobs=n_jobs, prefer="threads") as parallel:
            for first in range(0, len(trees), _TREES_AT_ONCE):  # memory: a group's predictions, not the forest's
                for part in parallel(delayed(tree.predict)(X32, check_input=False)
                                     for tree in trees[first:first + _TREES_AT_ONCE]):
                    total += part
    total /= len(trees)
    return total


def make_estimator(kind: str = "lgbm", *, seeds: int | None = None, **params):
    """The bare tree regressor of ``kind`` with the project defaults updated by ``params``.

    ``seeds`` (LightGBM only, default ``LGBM_SEEDS``): more than one gives scikit-learn's
    ``VotingRegressor`` averaging that many LightGBM models that differ only in ``random_state``
    (0, 1, ...), i.e. in their row and column samples; the average is taken on the log scale the
    models are fitted on.
    """
    if kind not in KINDS:  # first: an unknown kind with seeds was told about seeds, then about the kind
        raise ValueError(f"`kind` must be one of {KINDS}; got {kind!r}.")
    if kind == "lgbm":
        try:
            from lightgbm import LGBMRegressor
        except ImportError as exc:  # pragma: no cover - lightgbm is a core dependency
            raise ImportError("Please install lightgbm (pip install storecast) to use kind='lgbm'.") from exc
        seeds = LGBM_SEEDS if seeds is None else int(seeds)
        if seeds < 1:
            raise ValueError(f"`seeds` must be at least 1; got {seeds}.")
        settings = {**LGBM_DEFAULTS, **params}
        if seeds == 1:
            return LGBMRegressor(**settings)
        from sklearn.ensemble import VotingRegressor

        first = int(settings.pop("random_state", 0))
        return VotingRegressor([(f"seed{first + i}", LGBMRegressor(**settings, random_state=first + i))
                                for i in range(seeds)])
    if seeds not in (None, 1):
        raise ValueError(f"`seeds` applies to kind='lgbm' only; got seeds={seeds} for kind={kind!r}.")
    from sklearn.ensemble import RandomForestRegressor

    return RandomForestRegressor(**{**RF_DEFAULTS, **params})


def _lightgbm_names() -> set[str]:
    """Every parameter name and alias LightGBM itself reads (``min_data_in_leaf``, ``feature_fraction``...).

    Why: LGBMRegressor passes names beyond its ``get_params`` on to LightGBM, which only logs an unknown one.
    The list comes from LightGBM's own table; without it (an internal that moved) only ``get_params`` counts.
    """
    try:
        from lightgbm.basic import _ConfigAliases

        table = _ConfigAliases._get_all_param_aliases()
    except (ImportError, AttributeError):  # pragma: no cover - the pinned lightgbm has it
        return set()
    return set(table) | {alias for aliases in table.values() for alias in aliases}


def check_tree_params(kind: str, params: Iterable[str], *, options: Iterable[str] = ()) -> None:
    """Refuse names in ``params`` that neither the tree regressor of ``kind`` nor ``options`` take, before a fit.

    Valid: the regressor's ``get_params()`` with the project defaults (``LGBM_DEFAULTS`` / ``RF_DEFAULTS``),
    for LightGBM also its own parameter names and aliases, and the caller's ``options`` (``loss``, ``seeds``...).
    """
    import difflib

    own = set(make_estimator(kind, seeds=1).get_params())
    unknown = sorted(set(params) - own - set(options) - (_lightgbm_names() if kind == "lgbm" else set()))
    if not unknown:
        return
    close = difflib.get_close_matches(unknown[0], sorted(own | set(options)), n=1)
    hint = f" (did you mean `{close[0]}`?)" if close else ""
    more = (", or a LightGBM parameter (https://lightgbm.readthedocs.io/en/latest/Parameters.html)"
            if kind == "lgbm" else "")
    names = ", ".join(f"`{name}`" for name in unknown)
    raise ValueError(f"unknown model parameter{'s' if len(unknown) > 1 else ''} {names} for kind={kind!r}{hint}: "
                     "give one of "
                     f"{', '.join(sorted(own | set(options)))}{more}.")


def make_pipeline(kind: str = "lgbm", *, loss: str = "log", exclude: tuple[str, ...] = (),
                  **params) -> Pipeline:
    """``Pipeline([("prep", make_preprocessor()), ("model", SalesRegressor(tree, loss=loss))])``.

    Parameters
    ----------
    kind : {"lgbm", "rf"}
        LightGBM (the accurate default) or scikit-learn's RandomForestRegressor.
    loss : {"log", "mse", "relative"}
        Training loss, see ``SalesRegressor``.
    exclude : tuple of str
        Features to leave out (ablations).
    **params
        Overrides of the tree model's defaults (``LGBM_DEFAULTS`` / ``RF_DEFAULTS``).
    """
    return Pipeline([
        ("prep", make_preprocessor(exclude=exclude)),
        ("model", SalesRegressor(make_estimator(kind, **params), loss=loss)),
    ])
