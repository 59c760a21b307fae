"""docker-compose.yml for real: the image built from this checkout, a scheduler, two
workers and JupyterLab in containers, and a sweep sent to them from the host."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from ..cluster.cluster_processes import COMPOSE, free_port
from ..cluster.sweeps import assert_same_cube, run_sweep_cli
from .conftest import compose_project
from .engine import ComposeProject

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.timeout(1800)]

WORKERS = 2


@dataclass(frozen=True)
class Running:
    """A compose project that is up, and the 127.0.0.1 ports of its scheduler and notebook."""

    project: ComposeProject
    scheduler_port: int
    notebook_port: int


def wait_for_workers(address: str, n: int, security: object = None, timeout: float = 120) -> None:
    """Block until ``n`` workers have joined the scheduler at ``address``."""
    from distributed import Client
    from distributed.versions import VersionMismatchWarning

    with warnings.catch_warnings():  # the patch level of Python may differ; the sweep checks what matters
        warnings.simplefilter("ignore", VersionMismatchWarning)
        with Client(address, security=security, timeout="30s") as client:
            client.wait_for_workers(n, timeout=timeout)


def start(project: ComposeProject, address: str, security: object = None) -> None:
    """``up --build`` the project and wait for its workers; report how long each step took."""
    started = time.monotonic()
    project.up(WORKERS)
    wait_for_workers(address, WORKERS, security)
    print(f"\n[docker] {project.name}: built and up with {WORKERS} workers in "
          f"{time.monotonic() - started:.1f} s ({'; '.join(project.log)})")


@pytest.fixture(scope="module")
def cluster(base_image: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """docker-compose.yml up with two workers, its ports on free 127.0.0.1 ports."""
    ports = (free_port(), free_port(), free_port())
    project = compose_project(tmp_path_factory.mktemp("compose"), "skibidy-test", [COMPOSE], ports)
    try:
        start(project, f"tcp://127.0.0.1:{ports[0]}")
        yield Running(project, ports[0], ports[2])
    finally:
        project.down()


def test_sweep_from_the_host_gives_the_local_cluster_cube(
    cluster: Running, tiny_config: Path, local_cube: Path, tmp_path: Path
) -> None:
    from orchestration import open_results

    address = f"tcp://127.0.0.1:{cluster.scheduler_port}"
    proc, elapsed = run_sweep_cli(tiny_config, tmp_path / "cube", ["--scheduler", address])
    assert f"Dask: connected to {address} ({WORKERS} workers)" in proc.stderr
    assert "warning" not in proc.stderr, proc.stderr  # same Python, skibidy, dask, numpy, pandas
    assert_same_cube(open_results(local_cube), open_results(tmp_path / "cube"))
    print(f"\n[docker] sweep on the compose cluster: {elapsed:.1f} s, cube bit-identical to the "
          f"LocalCluster's\n{proc.stdout}")


def _token(project: ComposeProject, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(r"[?&]token=([0-9a-f]+)", project.logs("notebook"))
        if found:
            return found[1]
        time.sleep(1)
    raise AssertionError(f"no login token in the notebook's log:\n{project.logs('notebook')[-3000:]}")


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            json.load(response)
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_notebook_answers_with_the_token_from_its_log(cluster: Running) -> None:
    token = _token(cluster.project)
    api = f"http://127.0.0.1:{cluster.notebook_port}/api/status"
    assert _status(api) == 403
    assert _status(f"{api}?token={token}") == 200


def test_notebook_client_finds_the_scheduler_by_itself(cluster: Running) -> None:
    """A plain distributed.Client() in the notebook joins the compose cluster (DASK_SCHEDULER_ADDRESS)."""
    code = "from distributed import Client; print(len(Client(timeout='30s').scheduler_info()['workers']))"
    proc = cluster.project("exec", "-T", "notebook", "python", "-c", code)
    assert proc.stdout.strip().splitlines()[-1] == str(WORKERS)


def test_job_submitted_to_the_compose_service_gives_the_local_cluster_cube(
    cluster: Running, tiny_config: Path, local_cube: Path, tmp_path: Path
) -> None:
    """``skibidy submit`` from the host to the `service` container; the cube comes back by fetch."""
    import subprocess
    import sys

    from orchestration import open_results

    address = f"tcp://127.0.0.1:{cluster.scheduler_port}"

    def skibidy(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "skibidy", *args, "--scheduler", address],
                              capture_output=True, text=True, timeout=300, check=False)

    started = time.monotonic()
    submitted = skibidy("submit", str(tiny_config))
    assert submitted.returncode == 0, submitted.stdout + submitted.stderr + cluster.project.logs("service")
    job, results = (line.split(": ", 1)[1] for line in submitted.stdout.strip().splitlines()[-2:])
    assert results.startswith("/results/")  # the service's storage, not the host's
    attached = skibidy("attach", job, "--no-progress")
    assert attached.returncode == 0, attached.stdout + attached.stderr + cluster.project.logs("service")
    elapsed = time.monotonic() - started
    fetched = skibidy("fetch", job, str(tmp_path / "fetched"))
    assert fetched.returncode == 0, fetched.stdout + fetched.stderr
    assert_same_cube(open_results(local_cube), open_results(tmp_path / "fetched"))
    listed = skibidy("jobs", "--json")
    assert [j["state"] for j in json.loads(listed.stdout) if j["id"] == job] == ["done"]
    print(f"\n[docker] job {job} through the compose service: {elapsed:.1f} s submit to end, cube "
          "fetched and bit-identical to the LocalCluster's")
