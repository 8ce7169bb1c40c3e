"""storecast: forecast daily sales of a chain of retail stores.

Kept import-light on purpose: heavy libraries (lightgbm, torch, fastapi) load in the modules that use them,
so ``import storecast`` and ``storecast --help`` stay fast.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
