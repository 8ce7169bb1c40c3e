"""storecast: forecast daily sales of a chain of retail stores.

The Python API (``storecast.workflow``)::

    import storecast as sc
    data = sc.load_data("../shared/rossmann")
    model = sc.load_model(sc.train(data))
    forecast = sc.forecast(model, data.test)

Kept import-light on purpose: heavy libraries (lightgbm, torch, fastapi) load in the modules that use them,
and the six functions are imported on first use, so ``import storecast`` and ``storecast --help`` stay fast.
"""

__all__ = ["__version__", "load_data", "train", "load_model", "forecast", "score", "evaluate"]

__version__ = "0.1.0"

_WORKFLOW = frozenset({"load_data", "train", "load_model", "forecast", "score", "evaluate"})


def __getattr__(name: str):
    if name in _WORKFLOW:
        from storecast import workflow

        return getattr(workflow, name)
    raise AttributeError(f"module 'storecast' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
