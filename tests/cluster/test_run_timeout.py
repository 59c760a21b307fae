"""A run that never ends does not hold a worker (issue 12, finding 4).

``dask worker`` processes run runs of 100 000 simulated days (hours of work). With
``--run-timeout`` each run is stopped at its limit and recorded as ``timeout``; after an
interrupted sweep's client exits, no cancelled task keeps a worker busy, and the next
sweep on the same workers runs at once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd
import pytest

from .cluster_processes import Processes, start_dask_cluster
from .sweeps import TINY_SWEEP, run_sweep_cli, write_tiny_sweep

pytestmark = [pytest.mark.cluster, pytest.mark.slow, pytest.mark.timeout(300)]

ENDLESS = ["--set", "skin.duration_days=100000", "--set", "skin.metrics_interval_h=24000"]


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A scheduler and two single-threaded workers, as ``dask`` processes on 127.0.0.1."""
    processes = Processes(tmp_path_factory.mktemp("timeout-cluster"))
    try:
        yield start_dask_cluster(processes, 2)
    finally:
        processes.stop()


def _busy_workers(address: str) -> list[str]:
    """Workers executing anything (including tasks Dask has already cancelled)."""
    from distributed import Client

    def executing(dask_worker) -> int:  # type: ignore[no-untyped-def]
        return len(dask_worker.state.executing) + len(dask_worker.state.long_running)

    with Client(address, timeout=30) as client:
        return [w for w, n in client.run(executing).items() if n]


def _assert_idle_soon(address: str, within: float) -> None:
    deadline = time.monotonic() + within
    while (busy := _busy_workers(address)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not busy, f"workers still executing after the client exited: {busy}"


def _next_sweep_completes(address: str, tmp_path: Path) -> None:
    """A sweep on the same workers completes (it would wait for hours behind an endless run;
    no bound on its time, which the load of a shared machine stretches)."""
    config = write_tiny_sweep(tmp_path)
    proc, _ = run_sweep_cli(config, tmp_path / "next", ["--scheduler", address])
    assert "4 runs ok" in proc.stdout


def test_runs_past_their_limit_are_timeouts_and_free_their_workers(workers: str, tmp_path: Path) -> None:
    from orchestration import open_results

    config = write_tiny_sweep(tmp_path)
    argv = [sys.executable, "-m", "skibidy", "sweep", str(config), "--out", str(tmp_path / "out"),
            "--scheduler", workers, "--run-timeout", "3", "--no-progress", "--no-raw", *ENDLESS]
    started = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=200)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert time.monotonic() - started < 100
    assert "4 timed out" in proc.stdout and "[timeout]" in proc.stdout
    ds = open_results(tmp_path / "out")
    assert (ds.status.values == 4).all()
    assert np.isnan(ds.wound_closure_pct.values).all()
    failures = pd.read_csv(tmp_path / "out" / "failures.csv")
    assert failures["status"].tolist() == ["timeout"] * 4
    _assert_idle_soon(workers, within=10)
    _next_sweep_completes(workers, tmp_path)


def test_no_cancelled_task_keeps_a_worker_busy_after_an_interrupt(workers: str, tmp_path: Path) -> None:
    config = write_tiny_sweep(tmp_path)
    out = tmp_path / "out"
    argv = [sys.executable, "-m", "skibidy", "sweep", str(config), "--out", str(out),
            "--scheduler", workers, "--no-progress", "--no-raw", *ENDLESS]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 90
    while len(_busy_workers(workers)) < 2:  # both workers deep in an endless run
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert f"Resume with: skibidy sweep --resume {out}" in stdout
    _assert_idle_soon(workers, within=10)
    _next_sweep_completes(workers, tmp_path)


def test_a_run_that_cannot_be_interrupted_ends_its_worker_and_is_a_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run stuck in C code (here: a long ``time.sleep``, which no exception interrupts)
    takes its worker process down; the nanny starts a new one, the run is a timeout."""
    from distributed import Client

    from orchestration import open_results

    monkeypatch.setenv("SKIBIDY_TIMEOUT_GRACE", "1")  # seconds, for the workers started here
    monkeypatch.setenv("DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES", "0")  # no rerun by Dask
    processes = Processes(tmp_path / "cluster")
    (tmp_path / "cluster").mkdir()
    try:
        address = start_dask_cluster(processes, 1)
        with Client(address, timeout=30) as client:
            pid_before = list(client.run(os.getpid).values())
        config = write_tiny_sweep(tmp_path)
        proc = subprocess.run(
            [sys.executable, "-m", "skibidy", "sweep", str(config), "--out", str(tmp_path / "out"),
             "-n", "1", "--scheduler", address, "--run-timeout", "1", "--no-progress", "--no-raw"],
            capture_output=True, text=True, timeout=200,
            env={**os.environ, "SKIBIDY_FAULT_DELAY": "600"},
        )
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert "2 timed out" in proc.stdout
        assert (open_results(tmp_path / "out").status.values == 4).all()
        failures = pd.read_csv(tmp_path / "out" / "failures.csv")
        assert failures["status"].tolist() == ["timeout"] * 2
        assert failures["error"].str.contains("worker process was restarted").all()
        with Client(address, timeout=30) as client:
            client.wait_for_workers(1, timeout=60)
            assert list(client.run(os.getpid).values()) != pid_before  # a fresh worker
    finally:
        processes.stop()
