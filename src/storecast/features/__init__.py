"""Feature transformers and the shared preprocessor (see ``build.make_preprocessor``)."""

from storecast.features.build import FEATURES, FeatureMatrix, make_preprocessor, merge_store

__all__ = ["FEATURES", "FeatureMatrix", "make_preprocessor", "merge_store"]
