"""Shared fixtures: one real LocalCluster (worker processes) for the whole session."""

from __future__ import annotations

import logging
import textwrap
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pytest
import xarray as xr

SHORT = 0.25  # days: a short simulation keeps the tests fast


@pytest.fixture(scope="session")
def cluster() -> Iterator[object]:
    """A LocalCluster with two single-threaded worker processes."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None, silence_logs=logging.ERROR,
    ) as c:
        yield c


@pytest.fixture()
def client(cluster: object) -> Iterator[object]:
    """A client of the session cluster (closed after each test)."""
    from distributed import Client

    with Client(cluster) as c:
        yield c


@pytest.fixture()
def write_config(tmp_path: Path) -> Callable[..., Path]:
    """Write a sweep config (TOML text) into tmp_path and return its path."""

    def write(text: str, name: str = "sweep.toml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text))
        return path

    return write


SMALL_SWEEP = f"""
    # 2 x 2 points x 2 replicates, short runs
    [sweep]
    name = "small"
    runs_per_value = 2

    [[sweep.params]]
    param = "skin.immune.cytokine_rate"
    values = [0.001, 0.002]

    [[sweep.params]]
    param = "skin.scar.collagen_threshold"
    values = [0.1, 0.2]

    [sweep.set]
    "skin.duration_days" = {SHORT}
    "skin.metrics_interval_h" = 1.0

    [outcomes]
    primary = "wound_closure_pct"
    secondary = ["mean_infl_wound"]
    measure = "peak"
"""


def assert_cubes_identical(a: xr.Dataset, b: xr.Dataset) -> None:
    """Data, coordinates, status and seeds equal bit for bit (provenance may differ)."""
    assert set(a.data_vars) == set(b.data_vars)
    assert dict(a.sizes) == dict(b.sizes)
    for name in [*a.data_vars, *a.coords]:
        x, y = a[name].values, b[name].values
        assert x.dtype == y.dtype, name
        if x.dtype.kind == "f":
            assert np.array_equal(x, y, equal_nan=True), name
            assert np.array_equal(x.view(np.uint64), y.view(np.uint64)), name
        else:
            assert np.array_equal(x, y), name
