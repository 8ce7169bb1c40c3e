"""Small timing helpers shared by the bench scripts (run from bench/, which is on sys.path there)."""

from __future__ import annotations

import time

import numpy as np


def p50_ms(fn, repeats: int) -> float:
    """Median wall milliseconds of ``fn()`` over ``repeats`` calls, after up to 20 warm-up calls."""
    for _ in range(min(20, repeats)):
        fn()
    t = np.empty(repeats)
    for i in range(repeats):
        start = time.perf_counter()
        fn()
        t[i] = time.perf_counter() - start
    return float(np.percentile(t, 50) * 1e3)


def max_rel_diff(a: np.ndarray, ref: np.ndarray) -> float:
    """Largest |a - ref| / |ref| over the rows (0 for no rows)."""
    return float(np.max(np.abs(a - ref) / np.maximum(np.abs(ref), 1e-300), initial=0.0))
