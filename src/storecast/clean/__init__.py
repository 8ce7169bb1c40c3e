"""Cleaning: context-aware imputation, configurable imputation, outliers, row filters, and the report.

Names are re-exported lazily, so ``import storecast.clean.rows`` (training code) does not pull in
the imputers' scikit-learn modules.
"""

from __future__ import annotations

__all__ = [
    "StoreContextImputer", "ColumnImputer", "OutlierHandler", "CleaningReport", "CleaningAction",
    "CleanOptions", "CleanResult", "clean_dataset", "open_days", "sales_days", "drop_outlier_rows",
]

import importlib

_HOME = {
    "StoreContextImputer": "missing", "ColumnImputer": "missing", "OutlierHandler": "outliers",
    "CleaningReport": "report", "CleaningAction": "report", "CleanOptions": "pipeline",
    "CleanResult": "pipeline", "clean_dataset": "pipeline", "open_days": "rows", "sales_days": "rows",
    "drop_outlier_rows": "rows",
}


def __getattr__(name: str) -> object:
    if name in _HOME:
        return getattr(importlib.import_module(f"storecast.clean.{_HOME[name]}"), name)
    raise AttributeError(f"module 'storecast.clean' has no attribute {name!r}")
