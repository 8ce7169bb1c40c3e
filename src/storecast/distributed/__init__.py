"""The Dask engine: train on a chain too big for one machine, with the same model file as the local engine.

Optional (``pip install 'storecast[dask]'``): nothing here is imported by the local engine, and
`require_dask` turns a missing Dask into one line that says what to install.
"""

from __future__ import annotations

__all__ = ["require_dask", "DASK_INSTALL_HINT"]

DASK_INSTALL_HINT = ("--engine dask needs Dask: pip install 'storecast[dask]' "
                     "(dask[dataframe] and distributed, pinned in constraints.txt)")


def require_dask() -> None:
    """Raise MissingDependencyError (exit 2 in the CLI) unless dask and distributed import."""
    from storecast.errors import MissingDependencyError

    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as exc:
        raise MissingDependencyError(DASK_INSTALL_HINT) from exc
