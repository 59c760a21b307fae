"""Reads of a results cube are right wherever the user is (issue 12, finding 1).

A notebook holds a ``distributed.Client`` to ``dask worker`` processes that cannot see
the results folder (each worker runs in its own mount namespace with an empty tmpfs
over the folder's parent, as a worker on another host would). Everything returned by
``open_results`` and ``run_sweep`` must still compute the values on disk, never the
store's fill values.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np
import pytest

from .cluster_processes import Processes, can_hide_directories, start_dask_cluster
from .sweeps import write_tiny_sweep

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.slow,
    pytest.mark.timeout(240),
    pytest.mark.skipif(not can_hide_directories(), reason="needs root, unshare and tmpfs"),
]


@pytest.fixture(scope="module")
def hidden(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory the workers cannot see (results go below it)."""
    return tmp_path_factory.mktemp("hidden")


@pytest.fixture(scope="module")
def blind_cluster(hidden: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A scheduler and two workers that see an empty tmpfs where ``hidden`` is."""
    processes = Processes(tmp_path_factory.mktemp("blind-cluster"))
    try:
        yield start_dask_cluster(processes, 2, hide=hidden)
    finally:
        processes.stop()


def _assert_blind(client: object, path: Path) -> None:
    seen = client.run(lambda p=str(path): Path(p).exists())  # type: ignore[attr-defined]
    assert seen and not any(seen.values()), "the workers were meant not to see the results"


def test_cube_computes_the_values_on_disk_under_a_remote_client(
    blind_cluster: str, hidden: Path
) -> None:
    import zarr
    from distributed import Client

    import orchestration
    from skibidy.errors import SkibidyError

    config = write_tiny_sweep(hidden)
    out = hidden / "out"
    with Client(blind_cluster, timeout=30) as client:
        returned = orchestration.run_sweep(config, out, client=client, progress=False, raw=False)
        _assert_blind(client, out)
        # the truth: the arrays read straight from the Zarr store in this process
        group = zarr.open_group(str(out / "results.zarr"), mode="r")
        truth = np.asarray(group["wound_closure_pct"][...])
        status = np.asarray(group["status"][...])
        assert (status == 1).all() and np.isfinite(truth).any()

        opened = orchestration.open_results(out)
        for ds in (returned, opened):
            values = ds.wound_closure_pct.compute().values
            np.testing.assert_array_equal(values, truth)
            assert (ds.status.compute().values == 1).all()
            final = ds.wound_closure_pct.isel(time=-1).mean("replicate").compute().values
            np.testing.assert_array_equal(final, truth[:, :, -1].mean(axis=1))

        # Dask arrays are only handed out when the workers can read the store
        with pytest.raises(SkibidyError, match="cannot read"):
            orchestration.open_results(out, chunks={})
