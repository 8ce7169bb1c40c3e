"""Feature transformers and the shared preprocessor (see ``build.make_preprocessor``)."""

from storecast.features._base import FeatureColumns, as_columns
from storecast.features.build import FEATURES, FeatureMatrix, make_preprocessor, merge_store

__all__ = ["FEATURES", "FeatureColumns", "FeatureMatrix", "as_columns", "make_preprocessor", "merge_store"]
