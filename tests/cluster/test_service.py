"""The job service for real: ``dask scheduler``, one ``dask worker`` and ``skibidy serve``
(docker-compose.yml's ``service`` command) as processes on 127.0.0.1, driven through
``skibidy submit / jobs / status / attach / cancel / fetch`` and :func:`orchestration.submit`.

One single-threaded worker makes the queue's order observable. The service runs with
``SKIBIDY_FAULT_DELAY`` (a pause before each run, see :mod:`orchestration.faults`), so that
jobs last long enough to be cancelled or interrupted; the pause changes no result.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .cluster_processes import COMPOSE, Processes, adapt_service_command, load_compose, start_dask_cluster
from .sweeps import assert_same_cube, run_sweep_cli

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(600)]

RUN_DELAY_S = 0.1
SERVICE_READY_S = 60.0


def _config(directory: Path, name: str, values: list[float], runs: int, days: float) -> Path:
    path = directory / f"{name}.toml"
    path.write_text(
        f'[sweep]\nname = "{name}"\nparam = "skin.immune.cytokine_rate"\n'
        f"values = {values}\nruns_per_value = {runs}\npreset = \"wound\"\n\n"
        f'[sweep.set]\n"skin.duration_days" = {days}\n\n'
        '[outcomes]\nprimary = "wound_closure_pct"\nmeasure = "final"\n'
    )
    return path


def _skibidy(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "skibidy", *args], check=False, capture_output=True, text=True, timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"skibidy {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


class Service:
    """A ``skibidy serve`` process that a test can kill and start again."""

    def __init__(self, processes: Processes, address: str, root: Path) -> None:
        self.processes, self.address, self.root = processes, address, root
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        env = {**os.environ, "SKIBIDY_FAULT_DELAY": str(RUN_DELAY_S)}
        command = load_compose(COMPOSE)["services"]["service"]["command"]
        argv = adapt_service_command(command, address=self.address, root=self.root)
        log = self.processes.log_dir / f"serve-{self.starts}.log"
        with open(log, "wb") as fh:
            self.proc = subprocess.Popen(argv, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True, env=env)
        self.processes.procs.append(self.proc)
        self.processes.logs.append(log)
        deadline = time.monotonic() + SERVICE_READY_S
        while b"skibidy job service:" not in log.read_bytes():
            assert self.proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        # clients find it once its heartbeat is published
        while _skibidy("jobs", "--scheduler", self.address, check=False).returncode != 0:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)

    def kill(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def log(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in self.processes.logs if "serve" in p.name)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """A scheduler, one single-threaded worker and the job service, on 127.0.0.1."""
    processes = Processes(tmp_path_factory.mktemp("service-cluster"))
    try:
        address = start_dask_cluster(processes, 1)
        svc = Service(processes, address, tmp_path_factory.mktemp("shared-results"))
        svc.start()
        yield svc
    finally:
        processes.stop()


@pytest.fixture(scope="module")
def configs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("service-configs")
    return {
        "a": _config(d, "svc_a", [0.001, 0.002], 2, 1),
        "b": _config(d, "svc_b", [0.002, 0.004, 0.008], 1, 2),
        "long": _config(d, "svc_long", [0.001, 0.002, 0.004, 0.008], 10, 4),
        "small": _config(d, "svc_small", [0.003, 0.006], 2, 1),
    }


@pytest.fixture(scope="module")
def reference(service: Service, configs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each config through ``skibidy sweep --scheduler`` on the same cluster: the expected cubes."""
    out = tmp_path_factory.mktemp("reference")
    cubes = {}
    for key, config in configs.items():
        run_sweep_cli(config, out / key, ["--scheduler", service.address])
        cubes[key] = out / key
    return cubes


def _submit(service: Service, config: Path, *extra: str) -> tuple[str, Path, str]:
    proc = _skibidy("submit", str(config), "--scheduler", service.address, *extra)
    lines = proc.stdout.strip().splitlines()
    assert lines[-2].startswith("Job: ") and lines[-1].startswith("Results: "), proc.stdout
    return lines[-2][len("Job: "):], Path(lines[-1][len("Results: "):]), proc.stdout


def _record(service: Service, job: str) -> dict[str, Any]:
    return json.loads(_skibidy("status", job, "--scheduler", service.address, "--json").stdout)


def _wait_until(service: Service, job: str, condition: Any, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        record = _record(service, job)
        if condition(record):
            return record
        assert time.monotonic() < deadline, f"{job}: {record}\n{service.log()}"
        time.sleep(0.2)


def _open(directory: Path) -> Any:
    from orchestration import open_results

    return open_results(directory)


def test_submitted_sweeps_finish_without_their_client(
    service: Service, configs: dict[str, Path], reference: dict[str, Path], tmp_path: Path
) -> None:
    import orchestration

    # one job from the command line, which returns as soon as the job is queued ...
    started = time.monotonic()
    job_a, dir_a, _ = _submit(service, configs["a"], "--owner", "ana")
    assert time.monotonic() - started < 30
    # ... one from Python in a process that is killed once it has the job id
    code = (
        "import sys, time, orchestration\n"
        f"job = orchestration.submit({str(configs['b'])!r}, {service.address!r}, owner='ben')\n"
        "print(job.id, job.directory, flush=True)\n"
        "time.sleep(600)\n"
    )
    client = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                              start_new_session=True)
    job_b, dir_b = client.stdout.readline().split()
    os.killpg(client.pid, signal.SIGKILL)
    client.wait(timeout=10)

    for job, key, directory, owner in ((job_a, "a", dir_a, "ana"), (job_b, "b", Path(dir_b), "ben")):
        final = orchestration.Job(job, service.address, str(directory)).wait(timeout=180)
        assert final["state"] == "done", final
        assert final["owner"] == owner and final["ok"] == final["total"] and final["failed"] == 0
        assert_same_cube(_open(reference[key]), _open(directory))

    # the cube and products also come over the cluster connection, to a client without the disk
    fetched = tmp_path / "fetched"
    proc = _skibidy("fetch", job_b, str(fetched), "--scheduler", service.address)
    assert proc.stdout.strip().endswith(f"Results: {fetched}")
    assert (fetched / "summary.csv").is_file()
    assert_same_cube(_open(reference["b"]), _open(fetched))


def test_high_priority_job_submitted_last_finishes_first(service: Service, configs: dict[str, Path]) -> None:
    low, _, _ = _submit(service, configs["long"], "--priority", "0", "--out", "prio-low")
    _wait_until(service, low, lambda r: r["state"] == "running" and r["ok"] >= 1)
    high, _, out = _submit(service, configs["small"], "--priority", "10", "--out", "prio-high")
    assert "priority 10" in out
    high_end = _wait_until(service, high, lambda r: r["state"] == "done")
    low_now = _record(service, low)
    assert low_now["state"] == "running" and low_now["ok"] < low_now["total"], low_now
    low_end = _wait_until(service, low, lambda r: r["state"] == "done")
    assert high_end["finished"] < low_end["finished"]


def test_a_small_job_is_not_starved_by_an_earlier_large_one(service: Service, configs: dict[str, Path]) -> None:
    large, _, _ = _submit(service, configs["long"], "--out", "fair-large")
    _wait_until(service, large, lambda r: r["state"] == "running" and r["ok"] >= 1)
    small, _, _ = _submit(service, configs["small"], "--out", "fair-small")  # same priority
    small_end = _wait_until(service, small, lambda r: r["state"] == "done")
    large_now = _record(service, large)
    assert large_now["ok"] < large_now["total"], (small_end, large_now)
    _wait_until(service, large, lambda r: r["state"] == "done")


def test_cancel_frees_the_worker_and_the_cube_resumes(
    service: Service, configs: dict[str, Path], reference: dict[str, Path]
) -> None:
    from distributed import Client

    job, directory, _ = _submit(service, configs["long"], "--out", "cancelled")
    _wait_until(service, job, lambda r: r["state"] == "running" and r["ok"] >= 2)
    asked = time.monotonic()
    proc = _skibidy("cancel", job, "--scheduler", service.address)
    took = time.monotonic() - asked
    assert f"job {job} cancelled" in proc.stdout and f"--resume {directory}" in proc.stdout, proc.stdout
    assert took < 15, f"cancel took {took:.1f} s"
    record = _record(service, job)
    assert record["state"] == "cancelled" and 0 < record["ok"] < record["total"], record

    def job_tasks(dask_scheduler: Any, prefix: str = job) -> list[str]:
        return [str(k) for k, ts in dask_scheduler.tasks.items() if prefix in str(k) and ts.state != "forgotten"]

    with Client(service.address, timeout=30) as client:
        deadline = time.monotonic() + 10
        while client.run_on_scheduler(job_tasks):
            assert time.monotonic() < deadline, client.run_on_scheduler(job_tasks)
            time.sleep(0.1)

    attach = _skibidy("attach", job, "--scheduler", service.address, "--no-progress", check=False)
    assert attach.returncode == 3, attach.stdout + attach.stderr
    assert "cancelled" in attach.stdout

    _skibidy("sweep", "--resume", str(directory), "--scheduler", service.address, "--no-progress")
    assert_same_cube(_open(reference["long"]), _open(directory))


def test_service_killed_mid_job_continues_with_an_identical_cube(
    service: Service, configs: dict[str, Path], reference: dict[str, Path]
) -> None:
    from orchestration.store import STATUS_OK, ResultStore

    job, directory, _ = _submit(service, configs["long"], "--out", "restarted")
    _wait_until(service, job, lambda r: r["state"] == "running" and r["ok"] >= 3)
    deadline = time.monotonic() + 30  # received runs reach the cube on the writer's timer (2 s)
    while not (ResultStore(directory).status() == STATUS_OK).any():
        assert time.monotonic() < deadline, service.log()
        time.sleep(0.2)
    service.kill()
    done_before = int((ResultStore(directory).status() == STATUS_OK).sum())
    total = _record_from_table(service.root, job)["total"]
    assert 0 < done_before < total

    service.start()
    final = _wait_until(service, job, lambda r: r["state"] in ("done", "failed", "cancelled"))
    assert final["state"] == "done" and final["ok"] == total and final["restarts"] == 1, final
    assert_same_cube(_open(reference["long"]), _open(directory))
    sessions = json.loads(ResultStore(directory).group.attrs["sessions"])
    assert [s["resumed"] for s in sessions] == [False, True]
    assert sessions[-1]["runs_todo"] == total - done_before  # no finished run recomputed


def _record_from_table(root: Path, job: str) -> dict[str, Any]:
    from orchestration.jobs import TABLE_DIR

    return json.loads((root / TABLE_DIR / f"{job}.json").read_text())


def test_jobs_status_and_attach_report_a_finished_job(service: Service, configs: dict[str, Path]) -> None:
    job, directory, _ = _submit(service, configs["a"], "--out", "reported", "--owner", "cleo")
    attach = _skibidy("attach", job, "--scheduler", service.address, "--no-progress", check=False)
    assert attach.returncode == 0, attach.stdout + attach.stderr
    assert attach.stdout.strip().endswith(f"Results: {directory}")
    assert f"job {job} done: 4 runs ok, 0 failed of 4" in attach.stdout

    table = _skibidy("jobs", "--scheduler", service.address).stdout.splitlines()
    assert table[0].split()[:6] == ["ID", "NAME", "OWNER", "PRIO", "STATE", "OK"]
    row = next(line for line in table if line.startswith(job))
    assert row.split()[1:8] == ["svc_a", "cleo", "0", "done", "4", "0", "4"]
    assert row.endswith(str(directory))

    listed = json.loads(_skibidy("jobs", "--scheduler", service.address, "--json").stdout)
    mine = next(j for j in listed if j["id"] == job)
    assert {k: mine[k] for k in ("name", "owner", "state", "ok", "failed", "total", "directory")} == {
        "name": "svc_a", "owner": "cleo", "state": "done", "ok": 4, "failed": 0, "total": 4,
        "directory": str(directory),
    }
    status = _skibidy("status", job, "--scheduler", service.address).stdout
    assert "State:     done" in status and "Runs:      4 ok, 0 failed, 4 total" in status


def test_bad_input_is_refused_before_anything_is_queued(service: Service, tmp_path: Path) -> None:
    before = json.loads(_skibidy("jobs", "--scheduler", service.address, "--json").stdout)
    bad = tmp_path / "bad.toml"
    bad.write_text('[sweep]\nname = "bad"\nparam = "skin.immune.cytokine_rat"\nvalues = [1, 2]\n')
    proc = _skibidy("submit", str(bad), "--scheduler", service.address, check=False)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "cytokine_rat" in proc.stderr and "cytokine_rate" in proc.stderr  # names it, suggests the fix
    unknown = _skibidy("status", "no-such-job", "--scheduler", service.address, check=False)
    assert unknown.returncode == 2 and "no job 'no-such-job'" in unknown.stderr
    after = json.loads(_skibidy("jobs", "--scheduler", service.address, "--json").stdout)
    assert [j["id"] for j in after] == [j["id"] for j in before]
