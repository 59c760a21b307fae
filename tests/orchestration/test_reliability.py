"""Failures stay isolated, lost workers lose no run, interrupted sweeps resume bit for bit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import orchestration
from orchestration.store import STATUS_ERROR, STATUS_OK, ResultStore
from skibidy.cli import main

from ..followed import FollowedProcess
from .conftest import SMALL_SWEEP, assert_cubes_identical

pytestmark = pytest.mark.cluster


def _sweep(cluster, cfg: Path, out: Path, *extra: str) -> int:
    return main(["sweep", str(cfg), "--out", str(out), "--scheduler", cluster.scheduler_address,
                 "--no-progress", *extra])


@pytest.fixture(scope="module")
def reference(cluster, tmp_path_factory) -> tuple[Path, object]:
    """An uninterrupted run of SMALL_SWEEP to compare against (once per module)."""
    import textwrap

    base = tmp_path_factory.mktemp("ref")
    cfg = base / "sweep.toml"
    cfg.write_text(textwrap.dedent(SMALL_SWEEP))
    out = base / "ref"
    assert _sweep(cluster, cfg, out) == 0
    return cfg, orchestration.open_results(out)


def test_a_failing_run_is_isolated(cluster, reference, tmp_path: Path, monkeypatch, capsys) -> None:
    cfg, ref = reference
    monkeypatch.setenv("SKIBIDY_FAULT_RUNS", "3")
    out = tmp_path / "o"
    assert _sweep(cluster, cfg, out) == 1
    text = capsys.readouterr().out
    assert "1 run(s) failed" in text and "InjectedFault" in text
    assert text.strip().splitlines()[-1] == f"Results: {out}"
    ds = orchestration.open_results(out)
    status = ds.status.values.reshape(-1)
    assert status[3] == STATUS_ERROR and (np.delete(status, 3) == STATUS_OK).all()
    cells = ds.wound_closure_pct.values.reshape(8, -1)
    assert np.isnan(cells[3]).all()
    np.testing.assert_array_equal(np.delete(cells, 3, 0), np.delete(ref.wound_closure_pct.values.reshape(8, -1), 3, 0))
    summary = pd.read_csv(out / "summary.csv")
    assert summary["n_runs"].tolist() == [2, 1, 2, 2]
    failures = pd.read_csv(out / "failures.csv")
    assert failures["run"].tolist() == [3] and "InjectedFault" in failures["error"][0]

    # --resume --retry-failed reruns it (the fault is gone) and completes the same cube
    monkeypatch.delenv("SKIBIDY_FAULT_RUNS")
    assert main(["sweep", "--resume", str(out), "--retry-failed", "--scheduler",
                 cluster.scheduler_address, "--no-progress"]) == 0
    assert_cubes_identical(orchestration.open_results(out), ref)
    assert not (out / "failures.csv").exists()


def test_retries_recover_a_transient_failure(cluster, reference, tmp_path: Path, monkeypatch) -> None:
    cfg, ref = reference
    monkeypatch.setenv("SKIBIDY_FAULT_RUNS", "1:1,6:1")  # fail once each
    out = tmp_path / "o"
    assert _sweep(cluster, cfg, out, "--retries", "1") == 0
    assert_cubes_identical(orchestration.open_results(out), ref)


def test_resume_without_retry_failed_keeps_failures(cluster, reference, tmp_path: Path, monkeypatch) -> None:
    cfg, _ = reference
    monkeypatch.setenv("SKIBIDY_FAULT_RUNS", "0")
    out = tmp_path / "o"
    assert _sweep(cluster, cfg, out) == 1
    monkeypatch.delenv("SKIBIDY_FAULT_RUNS")
    assert main(["sweep", "--resume", str(out), "--scheduler", cluster.scheduler_address, "--no-progress"]) == 1
    assert ResultStore(out).status()[0] == STATUS_ERROR


@pytest.mark.slow
def test_killing_a_worker_loses_no_run(client, cluster, reference, tmp_path: Path, monkeypatch) -> None:
    cfg, ref = reference
    monkeypatch.setenv("SKIBIDY_FAULT_DELAY", "0.4")
    out = tmp_path / "o"
    killed: list[int] = []

    def killer() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            pids = client.run(os.getpid)
            busy = [w for w, tasks in client.processing().items() if tasks]
            if busy and (out / "results.zarr").exists():
                pid = pids[busy[0]]
                time.sleep(0.2)  # mid-run
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                return
            time.sleep(0.05)

    t = threading.Thread(target=killer)
    t.start()
    ds = orchestration.run_sweep(cfg, out, client=client, progress=False)
    t.join()
    assert killed, "no worker was killed"
    assert (ds.status.values == STATUS_OK).all()
    assert_cubes_identical(ds, ref)
    client.wait_for_workers(2, timeout=30)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_interrupt_and_resume_gives_the_same_cube(cluster, reference, tmp_path: Path, sig) -> None:
    cfg, ref = reference
    out = tmp_path / "o"
    env = {**os.environ, "SKIBIDY_FAULT_DELAY": "0.5"}
    argv = [sys.executable, "-m", "skibidy", "sweep", str(cfg), "--out", str(out),
            "--scheduler", cluster.scheduler_address]
    sweep = FollowedProcess(argv, env=env)
    sweep.wait_for(r"ok=[2-7]\b", timeout=60)  # some runs received, more in flight
    sweep.proc.send_signal(sig)
    returncode, stdout, stderr = sweep.finish(timeout=60)
    status = ResultStore(out).status()
    assert (status == STATUS_OK).sum() < status.size
    if sig != signal.SIGKILL:
        assert (status == STATUS_OK).sum() > 0
        assert returncode == 130, stderr
        assert f"Resume with: skibidy sweep --resume {out}" in stdout
        assert stdout.strip().splitlines()[-1] == f"Results: {out}"
    resumed = subprocess.run(
        [sys.executable, "-m", "skibidy", "sweep", "--resume", str(out), "--no-progress",
         "--scheduler", cluster.scheduler_address],
        capture_output=True, text=True, timeout=120,
    )
    assert resumed.returncode == 0, resumed.stderr
    if sig != signal.SIGKILL:
        assert "done before" in resumed.stdout
    assert_cubes_identical(orchestration.open_results(out), ref)


def test_resumed_config_must_match(cluster, reference, write_config, tmp_path: Path, capsys) -> None:
    cfg, _ = reference
    out = tmp_path / "o"
    assert _sweep(cluster, cfg, out) == 0
    other = write_config(SMALL_SWEEP.replace("runs_per_value = 2", "runs_per_value = 3"), "other.toml")
    assert main(["sweep", str(other), "--resume", str(out), "--no-progress"]) == 2
    assert "different sweep" in capsys.readouterr().err


@pytest.mark.slow
def test_killed_worker_is_retried_then_recorded_as_lost(write_config, tmp_path: Path, monkeypatch) -> None:
    """A run that crashes its worker every time: KilledWorker is retried, then the run is
    recorded as lost while every other run completes (allowed-failures = 0 makes each crash
    a KilledWorker at once)."""
    import dask
    from distributed import Client, LocalCluster

    cfg = write_config(SMALL_SWEEP)
    monkeypatch.setenv("SKIBIDY_FAULT_EXIT_RUNS", "5")
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                          silence_logs=50) as lc, Client(lc) as c:
            ds = orchestration.run_sweep(cfg, tmp_path / "o", client=c, progress=False)
    status = ds.status.values.reshape(-1)
    assert status[5] == 3 and (np.delete(status, 5) == STATUS_OK).all()
    failures = pd.read_csv(tmp_path / "o" / "failures.csv")
    assert failures["status"].tolist() == ["lost"] and "KilledWorker" in failures["error"][0]


def test_batch_resume_and_runs_per_task(cluster, tmp_path: Path, monkeypatch, capsys) -> None:
    out = tmp_path / "b"
    args = ["batch", "-n", "5", "--set", "skin.duration_days=0.25", "--out", str(out),
            "--scheduler", cluster.scheduler_address, "--no-progress", "--runs-per-task", "2"]
    monkeypatch.setenv("SKIBIDY_FAULT_RUNS", "2")
    assert main(args) == 1
    assert "skibidy batch --resume" in capsys.readouterr().out
    monkeypatch.delenv("SKIBIDY_FAULT_RUNS")
    assert main(["batch", "--resume", str(out), "--retry-failed", "--scheduler",
                 cluster.scheduler_address, "--no-progress"]) == 0
    ref = tmp_path / "ref"
    assert main(args[:5] + ["--out", str(ref)] + args[7:]) == 0
    assert_cubes_identical(orchestration.open_results(out), orchestration.open_results(ref))


@pytest.mark.slow
def test_losing_a_dask_worker_host_loses_no_run(reference, tmp_path: Path) -> None:
    """A CLI `dask scheduler` + two `dask worker` processes; one worker (nanny and all, as
    if its host went down) is killed mid-sweep; the sweep completes with the same cube."""
    import json

    cfg, ref = reference
    sched_file = tmp_path / "scheduler.json"
    common = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    procs = [subprocess.Popen([sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", "0",
                               "--no-dashboard", "--scheduler-file", str(sched_file)], **common)]
    try:
        deadline = time.monotonic() + 60
        while not sched_file.exists():
            assert time.monotonic() < deadline and procs[0].poll() is None, "scheduler did not start"
            time.sleep(0.1)
        address = json.loads(sched_file.read_text())["address"]
        for _ in range(2):
            procs.append(subprocess.Popen([sys.executable, "-m", "dask", "worker", address, "--nthreads", "1",
                                           "--no-dashboard", "--host", "127.0.0.1"], **common))
        from distributed import Client

        with Client(address, timeout="30s") as c:
            c.wait_for_workers(2, timeout=60)
        out = tmp_path / "o"
        sweep = FollowedProcess(
            [sys.executable, "-m", "skibidy", "sweep", str(cfg), "--out", str(out), "--scheduler", address],
            env={**os.environ, "SKIBIDY_FAULT_DELAY": "0.6"},
        )
        sweep.wait_for(r"ok=[2-6]\b", timeout=120)
        os.killpg(procs[1].pid, signal.SIGKILL)
        returncode, stdout, stderr = sweep.finish(timeout=120)
        assert returncode == 0, stderr
        assert "8 runs ok" in stdout or "runs ok, 0 failed, 0 lost" in stdout
        assert_cubes_identical(orchestration.open_results(out), ref)
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


def test_run_status_keeps_the_values_on_disk() -> None:
    """Cubes written with the store's integer constants read the same through RunStatus."""
    from orchestration import store
    from orchestration.status import RunStatus

    assert {s.value: s.label for s in RunStatus} == store.STATUS_NAMES
    assert (RunStatus.OK, RunStatus.ERROR, RunStatus.LOST, RunStatus.TIMEOUT) == (
        store.STATUS_OK, store.STATUS_ERROR, store.STATUS_LOST, store.STATUS_TIMEOUT)


def test_run_task_returns_failures_as_data_in_order() -> None:
    """Outside a worker: a good run comes back aligned to the time axis, an injected fault
    as an error on the attempts it covers only, and nothing raises."""
    from orchestration.faults import FaultPlan
    from orchestration.status import RunStatus
    from orchestration.worker import RunRequest, run_task
    from skibidy import METRIC_COLUMNS, load_config, simulate

    overrides = {"skin.duration_days": 0.25}
    variables = [c for c in METRIC_COLUMNS if c not in ("time_h", "time_days")][:3]
    time_axis = simulate(load_config(overrides=overrides), seed=1)["time_h"].to_numpy()
    time_axis = np.concatenate([time_axis, [time_axis[-1] + 6.0]])  # one row more than the run has
    requests = [RunRequest(0, "normal", "wound", overrides, 1, 0),
                RunRequest(1, "normal", "wound", overrides, 2, 0),
                RunRequest(1, "normal", "wound", overrides, 2, 1)]
    results = run_task(requests, time_axis, variables, FaultPlan(raise_for={1: 1}))
    assert [(r.run, r.status) for r in results] == [(0, RunStatus.OK), (1, RunStatus.ERROR), (1, RunStatus.OK)]
    assert "InjectedFault" in results[1].error and results[1].block is None
    block = results[0].block
    assert block.shape == (len(time_axis), 3) and np.isnan(block[-1]).all() and not np.isnan(block[:-1]).any()
    expected = simulate(load_config(overrides=overrides), seed=2)[variables].to_numpy()
    np.testing.assert_array_equal(results[2].block[:-1], expected)  # the run's own seed, bit for bit
    bad = run_task(requests[:1], time_axis[1:], variables)  # a time the axis does not have
    assert bad[0].status is RunStatus.ERROR and "not on the expected time axis" in bad[0].error
