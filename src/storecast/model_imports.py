"""``import_before_pandas``: what a command that loads a tree model imports first, for a 0.3 s shorter load.

Why: ``import skops.io`` builds skops' default trusted types, and for each of scipy.special's ~230 ufuncs
(objects without ``__module__``) it walks ``sys.modules`` in import order until it meets the module that holds
the ufunc. After pandas, pandera and the rest of a command's imports, every walk first passes their ~900
modules: some 280,000 failed attribute look-ups, 0.25..0.3 s of a ``storecast predict`` (docs/benchmarks.md).
With scipy.special imported before them, each walk stops after a few hundred modules. The trusted types are
the same lists either way (a test compares them); only the time differs. scikit-learn imports scipy.special
anyway, so nothing is imported that the model load would not import.
"""

from __future__ import annotations

__all__ = ["import_before_pandas"]


def import_before_pandas() -> None:
    """Import scipy.special now, ahead of pandas: call first thing in a command that will load a tree model."""
    import scipy.special  # noqa: F401
