"""From Python (a notebook), run_sweep and run_batch use the active distributed Client."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Iterator

import pytest
import xarray as xr

import orchestration
from orchestration import cluster as _cluster

SWEEP = """
[sweep]
name = "tiny"
param = "skin"
values = ["normal", "diabetic"]
runs_per_value = 2

[sweep.set]
"skin.duration_days" = 0.25

[outcomes]
primary = "wound_closure_pct"
"""


@pytest.fixture()
def active_client(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """An in-process cluster as the current client; making another cluster fails the test."""
    from distributed import Client, LocalCluster

    def no_new_cluster(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a new cluster was started although a Client is active")

    monkeypatch.setattr(_cluster, "connect", no_new_cluster)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address="127.0.0.1:0",
                      silence_logs=logging.ERROR) as lc, Client(lc) as client:
        yield client


def test_run_sweep_uses_the_active_client_and_returns_the_cube(active_client: Any, tmp_path: Path) -> None:
    config = tmp_path / "tiny.toml"
    config.write_text(SWEEP)
    ds = orchestration.run_sweep(config, tmp_path / "out", raw=False)
    assert isinstance(ds, xr.Dataset)
    assert ds.attrs["scheduler"] == active_client.scheduler.address
    assert ds.skibidy.params == ["skin"]
    assert int(ds.skibidy.stats("wound_closure_pct", "final")["n"].sum()) == 4


def test_run_batch_uses_the_active_client(active_client: Any, tmp_path: Path) -> None:
    ds = orchestration.run_batch(2, overrides={"skin.duration_days": 0.25}, out=tmp_path / "b", raw=False)
    assert ds.attrs["scheduler"] == active_client.scheduler.address
    assert dict(ds.sizes)["replicate"] == 2


def test_only_the_runs_go_to_the_cluster(active_client: Any, tmp_path: Path) -> None:
    """The summary is computed here: remote workers may not see the results directory."""
    from distributed import get_task_stream

    config = tmp_path / "tiny.toml"
    config.write_text(SWEEP)
    with get_task_stream(active_client) as stream:
        ds = orchestration.run_sweep(config, tmp_path / "out", raw=False, progress=False)
    prefix = ds.attrs["spec_hash"][:12]
    keys = [t["key"][0] if isinstance(t["key"], tuple) else t["key"] for t in stream.data]
    assert keys and all(str(k).startswith(prefix) for k in keys), keys
