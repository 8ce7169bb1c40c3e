"""`storecast.lookup.sorted_positions`: where ids sit in a store-sorted fitted table, and which it lacks."""

from __future__ import annotations

import numpy as np

from storecast.lookup import sorted_positions


def test_known_ids_get_their_row_and_unknown_ones_a_safe_index():
    table_ids = np.array([3, 7, 11])
    pos, found = sorted_positions(table_ids, [7, 3, 5, 12, 1, 11])
    assert found.tolist() == [True, True, False, False, False, True]
    assert pos[found].tolist() == [1, 0, 2]
    stats = np.array([30.0, 70.0, 110.0])
    assert stats[pos].shape == (6,)  # every position indexes the table, also above the largest id (12)


def test_an_empty_request_is_an_empty_answer():
    pos, found = sorted_positions(np.array([1, 2]), np.array([], dtype=np.int64))
    assert pos.size == 0 and found.size == 0
