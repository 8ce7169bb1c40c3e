"""Row filters used for training only: a Pipeline's ``transform`` cannot drop rows, these can.

At predict time nothing is dropped: `storecast.predict.predict_frame` forecasts 0 for closed days.
"""

from __future__ import annotations

__all__ = ["open_days", "is_sales_day", "sales_days", "drop_outlier_rows"]

import numpy as np
import pandas as pd

from storecast import schema as s
from storecast.clean.outliers import OutlierHandler
from storecast.schema import is_sales_day  # the rule's one home; kept importable from here with the row filters


def open_days(df: pd.DataFrame) -> pd.DataFrame:
    """Rows where the store was open."""
    return df[df[s.OPEN] == 1]


def sales_days(df: pd.DataFrame) -> pd.DataFrame:
    """Rows the models learn from and RMSPE scores: open with Sales > 0 (``is_sales_day``)."""
    return df[is_sales_day(df)]


def drop_outlier_rows(df: pd.DataFrame, handler: OutlierHandler,
                      only: np.ndarray | None = None) -> tuple[pd.DataFrame, int]:
    """Rows of ``df`` where no checked column is an outlier for the fitted ``handler``, and the count dropped.

    ``only``: a boolean mask of the rows to judge (others are kept whatever their values); None judges all.
    """
    mask = handler.outlier_mask(df).any(axis=1).to_numpy()
    if only is not None:
        mask = mask & np.asarray(only, dtype=bool)
    return df[~mask], int(mask.sum())
