"""docker-compose.tls.yml on top of docker-compose.yml, for real: every connection is TLS
with the cluster's own certificates, and a plain connection is refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from ..cluster.cluster_processes import COMPOSE, COMPOSE_TLS, free_port
from ..cluster.sweeps import assert_same_cube, run_sweep_cli
from .conftest import compose_project
from .test_compose_cluster import WORKERS, Running, start

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.timeout(1800)]


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA and a certificate for the cluster; the key readable by the containers' uid 1000."""
    from orchestration.security import write_certificates

    directory = tmp_path_factory.mktemp("certs")
    write_certificates(directory, ["localhost", "127.0.0.1"], days=1)
    (directory / "ca-key.pem").unlink()  # only signs certificates: never on the cluster
    # The containers run as uid 1000 (README: setfacl -m u:1000:r certs/node-key.pem).
    (directory / "node-key.pem").chmod(0o644)
    directory.chmod(0o755)  # mktemp makes it 0700: /certs would be closed to uid 1000
    return directory


def _tls_options(certs: Path) -> list[str]:
    return ["--tls-ca-file", str(certs / "ca.pem"), "--tls-cert", str(certs / "node.pem"),
            "--tls-key", str(certs / "node-key.pem")]


@pytest.fixture(scope="module")
def tls_cluster(base_image: str, certs: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    from orchestration.security import security_for

    ports = (free_port(), free_port(), free_port())
    project = compose_project(
        tmp_path_factory.mktemp("compose-tls"), "skibidy-test-tls", [COMPOSE, COMPOSE_TLS], ports, certs
    )
    address = f"tls://127.0.0.1:{ports[0]}"
    security = security_for(address, ca_file=certs / "ca.pem", cert=certs / "node.pem", key=certs / "node-key.pem")
    try:
        start(project, address, security)
        yield Running(project, ports[0], ports[2])
    finally:
        project.down()


def test_tls_sweep_from_the_host_gives_the_local_cluster_cube(
    tls_cluster: Running, certs: Path, tiny_config: Path, local_cube: Path, tmp_path: Path
) -> None:
    from orchestration import open_results

    address = f"tls://127.0.0.1:{tls_cluster.scheduler_port}"
    proc, elapsed = run_sweep_cli(tiny_config, tmp_path / "cube", ["--scheduler", address, *_tls_options(certs)])
    assert f"Dask: connected to {address} ({WORKERS} workers)" in proc.stderr
    assert_same_cube(open_results(local_cube), open_results(tmp_path / "cube"))
    print(f"\n[docker] TLS sweep on the compose cluster: {elapsed:.1f} s, cube bit-identical\n{proc.stdout}")


def test_tls_cluster_refuses_a_plain_connection(tls_cluster: Running, tiny_config: Path, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "skibidy", "sweep", str(tiny_config), "--out", str(tmp_path / "cube"),
         "--scheduler", f"tcp://127.0.0.1:{tls_cluster.scheduler_port}", "--timeout", "3", "--no-progress"],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 2, proc.stderr
    assert "cannot reach the Dask scheduler" in proc.stderr
    assert not (tmp_path / "cube").exists()


def test_tls_notebook_client_uses_the_certificates_from_its_environment(tls_cluster: Running) -> None:
    code = "from distributed import Client; print(len(Client(timeout='30s').scheduler_info()['workers']))"
    proc = tls_cluster.project("exec", "-T", "notebook", "python", "-c", code)
    assert proc.stdout.strip().splitlines()[-1] == str(WORKERS)
