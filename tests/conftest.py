"""Shared fixtures: one small synthetic data directory per test session (seconds to build)."""

from __future__ import annotations

from pathlib import Path

import pytest

# Small on purpose: 12 stores over two years keeps every test fast on 2 cores while still having
# yearly seasonality, a December peak, Easter/Christmas and a refurbishment gap.
SMALL = {"n_stores": 12, "start": "2013-01-01", "end": "2014-12-31", "seed": 7}


@pytest.fixture(scope="session")
def synthetic_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with train.csv, store.csv, test.csv and external/store_states.csv."""
    from storecast.data.synthetic import write_synthetic

    return write_synthetic(tmp_path_factory.mktemp("synthetic"), **SMALL)


@pytest.fixture(scope="session")
def dataset(synthetic_dir: Path):
    """The synthetic directory loaded through the data contract."""
    from storecast.data.contract import load_dataset

    return load_dataset(synthetic_dir)
