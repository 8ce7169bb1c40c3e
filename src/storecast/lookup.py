"""Find values in a sorted array of keys: one binary search, one rule for keys that are not there.

Why one home: the fitted store tables (statistics, facts, interval scales, the model's known stores) are
arrays sorted by store id, and every step that reads them answers the same question for a batch of rows,
"which row of the table, and is it there at all?". Spelled inline, the clamp to the last row (so an id
above the largest key indexes safely) was easy to forget.
"""

from __future__ import annotations

__all__ = ["sorted_positions"]

import numpy as np
from numpy.typing import ArrayLike


def sorted_positions(keys: np.ndarray, values: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """``(pos, found)``: the index of each value in the sorted ``keys`` and whether it is there.

    ``pos`` is always a valid index (clamped to the last key), so ``table[pos]`` is safe for any value;
    read it only where ``found`` is True. ``keys`` must be sorted ascending and non-empty.
    """
    values = np.asarray(values)
    pos = np.minimum(np.searchsorted(keys, values), len(keys) - 1)
    return pos, keys[pos] == values
