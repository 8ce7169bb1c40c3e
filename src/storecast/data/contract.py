"""Load the three Rossmann-shaped CSV files into typed DataFrames.

PRELIMINARY: typed loading only. Schema validation with line-numbered errors is being added (issue 3);
the function signatures and the returned dtypes below are the contract other modules rely on.

Returned dtypes
---------------
train: Store int32, DayOfWeek int8, Date datetime64[ns], Sales int64, Customers int64, Open int8,
       Promo int8, StateHoliday category("0","a","b","c"), SchoolHoliday int8
test:  Id int64, Store int32, DayOfWeek int8, Date datetime64[ns], Open int8 (missing -> 1),
       Promo int8, StateHoliday category, SchoolHoliday int8
store: Store int32, StoreType category(a-d), Assortment category(a-c), CompetitionDistance float64,
       CompetitionOpenSinceMonth/Year float64, Promo2 int8, Promo2SinceWeek/Year float64,
       PromoInterval object (NaN when none), State object (only when external/store_states.csv exists)
"""

from __future__ import annotations

__all__ = ["Dataset", "load_train", "load_store", "load_test", "load_dataset"]

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from storecast import schema as s
from storecast.errors import ContractProblem, DataContractError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Dataset:
    """The validated files of one data directory."""

    root: Path
    train: pd.DataFrame
    store: pd.DataFrame
    test: pd.DataFrame | None = None


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise DataContractError(ContractProblem(str(path), "file not found"))
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])


def _daily(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out[s.STORE] = out[s.STORE].astype("int32")
    out[s.DAY_OF_WEEK] = out[s.DAY_OF_WEEK].astype("int8")
    out[s.DATE] = pd.to_datetime(out[s.DATE], format="%Y-%m-%d")
    for col in (s.OPEN, s.PROMO, s.SCHOOL_HOLIDAY):
        out[col] = out[col].astype("float64")
    out[s.STATE_HOLIDAY] = pd.Categorical(out[s.STATE_HOLIDAY], categories=list(s.STATE_HOLIDAY_CODES))
    return out


def load_train(path: str | Path) -> pd.DataFrame:
    """Read train.csv into the typed frame described in the module docstring."""
    df = _daily(_read(Path(path)))
    for col in (s.SALES, s.CUSTOMERS):
        df[col] = df[col].astype("int64")
    for col in (s.OPEN, s.PROMO, s.SCHOOL_HOLIDAY):
        df[col] = df[col].astype("int8")
    return df


def load_test(path: str | Path) -> pd.DataFrame:
    """Read test.csv; a missing Open is taken as open (1), the schedule's usual case."""
    df = _daily(_read(Path(path)))
    df[s.ID] = df[s.ID].astype("int64")
    df[s.OPEN] = df[s.OPEN].fillna(1)
    for col in (s.OPEN, s.PROMO, s.SCHOOL_HOLIDAY):
        df[col] = df[col].astype("int8")
    return df


def load_store(path: str | Path, states_path: str | Path | None = None) -> pd.DataFrame:
    """Read store.csv, joining external/store_states.csv's State column when a path is given."""
    df = _read(Path(path))
    df[s.STORE] = df[s.STORE].astype("int32")
    df[s.STORE_TYPE] = pd.Categorical(df[s.STORE_TYPE], categories=list(s.STORE_TYPES))
    df[s.ASSORTMENT] = pd.Categorical(df[s.ASSORTMENT], categories=list(s.ASSORTMENTS))
    for col in (s.COMPETITION_DISTANCE, s.COMPETITION_OPEN_SINCE_MONTH,
                s.COMPETITION_OPEN_SINCE_YEAR, s.PROMO2_SINCE_WEEK, s.PROMO2_SINCE_YEAR):
        df[col] = df[col].astype("float64")
    df[s.PROMO2] = df[s.PROMO2].astype("int8")
    df[s.PROMO_INTERVAL] = df[s.PROMO_INTERVAL].astype(object)
    if states_path is not None and Path(states_path).is_file():
        states = _read(Path(states_path))
        states[s.STORE] = states[s.STORE].astype("int32")
        df = df.merge(states[[s.STORE, s.STATE]], on=s.STORE, how="left")
    return df


def load_dataset(data_dir: str | Path, *, require_test: bool = False) -> Dataset:
    """Load train.csv, store.csv and (when present or required) test.csv from ``data_dir``."""
    root = Path(data_dir)
    if not root.is_dir():
        raise DataContractError(ContractProblem(str(root), "data directory not found"))
    store = load_store(root / s.STORE_FILE, root / s.STATES_FILE)
    train = load_train(root / s.TRAIN_FILE)
    test_path = root / s.TEST_FILE
    test = load_test(test_path) if (require_test or test_path.exists()) else None
    return Dataset(root=root, train=train, store=store, test=test)
