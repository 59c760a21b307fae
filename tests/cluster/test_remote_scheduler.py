"""docker-compose.yml's scheduler and worker commands, run as processes, serve a real sweep.

The sweep is the ``skibidy sweep ... --scheduler tcp://...`` command line in a
subprocess, and its cube must be bit-identical to the same config run on the
embedded LocalCluster: results never depend on where they were computed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from .cluster_processes import ProcessCluster, free_port
from .sweeps import assert_same_cube, run_sweep_cli

pytestmark = [pytest.mark.cluster, pytest.mark.slow, pytest.mark.timeout(240)]


def test_compose_commands_make_a_working_cluster(tcp_cluster: ProcessCluster) -> None:
    from distributed import Client

    from orchestration.versions import check_versions

    assert tcp_cluster.scheduler_command[2:4] == ["dask", "scheduler"]
    with Client(tcp_cluster.address, timeout=30) as client:
        pids = client.run(os.getpid)
        assert len(pids) == 2 and os.getpid() not in pids.values()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert check_versions(client) == []  # same environment: nothing to report


def test_sweep_on_the_compose_cluster_equals_the_local_cluster(
    tcp_cluster: ProcessCluster, tiny_config: Path, local_cube: Path, tmp_path: Path
) -> None:
    from orchestration import open_results

    proc, _ = run_sweep_cli(tiny_config, tmp_path / "remote", ["--scheduler", tcp_cluster.address])
    assert f"connected to {tcp_cluster.address}" in proc.stderr + proc.stdout
    remote, local = open_results(tmp_path / "remote"), open_results(local_cube)
    assert int((remote.status == 1).sum()) == remote.status.size == 4
    assert_same_cube(remote, local)


def test_unreachable_scheduler_is_a_clear_bad_input_error(tiny_config: Path, tmp_path: Path) -> None:
    address = f"tcp://127.0.0.1:{free_port()}"
    proc = subprocess.run(
        [sys.executable, "-m", "skibidy", "sweep", str(tiny_config), "--out", str(tmp_path / "x"),
         "--scheduler", address, "--timeout", "2", "--no-progress"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    assert f"cannot reach the Dask scheduler at {address}" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_worker_running_another_skibidy_is_named_in_one_error(impostor_cluster: ProcessCluster) -> None:
    from importlib.metadata import version

    from distributed import Client

    from orchestration.versions import ClusterVersionError, check_versions

    with Client(impostor_cluster.address, timeout=30) as client:
        with pytest.raises(ClusterVersionError) as exc:
            check_versions(client)
    message = str(exc.value)
    assert f"skibidy: {version('skibidy')} on client; 99.0.0 on worker tcp://127.0.0.1:" in message
    assert "docker compose build" in message


def test_sweep_stops_with_one_message_when_a_worker_runs_another_skibidy(
    impostor_cluster: ProcessCluster, tiny_config: Path, tmp_path: Path
) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "skibidy", "sweep", str(tiny_config), "--out", str(tmp_path / "x"),
         "--scheduler", impostor_cluster.address, "--no-progress"],
        capture_output=True, text=True, timeout=90,
    )
    assert proc.returncode == 2
    assert "error: the client and the Dask cluster run different versions of skibidy" in proc.stderr
    assert "99.0.0 on worker" in proc.stderr and "docker compose build" in proc.stderr
    assert "Traceback" not in proc.stderr and "Mismatched versions" not in proc.stderr
