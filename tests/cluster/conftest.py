"""Fixtures for the cluster tests: compose files, certificates, process clusters.

pyyaml and cryptography come with the test extra (``pip install ".[test]"``): without
them these tests fail to import instead of being skipped, so that a missing dependency
cannot pass for a green run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from .cluster_processes import (
    COMPOSE, COMPOSE_TLS, START_TIMEOUT, ProcessCluster, Processes, load_compose, merged_compose,
    start_process_cluster,
)
from .sweeps import run_sweep_cli, write_tiny_sweep


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    """docker-compose.yml, parsed."""
    return load_compose(COMPOSE)


@pytest.fixture(scope="session")
def compose_tls() -> dict[str, Any]:
    """docker-compose.yml with docker-compose.tls.yml on top, merged as Compose does."""
    return merged_compose(COMPOSE, COMPOSE_TLS)


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary CA and a certificate for 127.0.0.1/localhost (the layout of /certs)."""
    from orchestration.security import write_certificates

    directory = tmp_path_factory.mktemp("certs")
    write_certificates(directory, ["localhost", "127.0.0.1"], days=1)
    return directory


def _wait_for_workers(n: int, security: Any = None) -> Callable[[str, float], None]:
    def wait(address: str, timeout: float) -> None:
        from distributed import Client

        with Client(address, security=security, timeout=START_TIMEOUT) as client:
            client.wait_for_workers(n, timeout=timeout)

    return wait


@pytest.fixture(scope="module")
def tcp_cluster(compose: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProcessCluster]:
    """docker-compose.yml's scheduler and two workers, as processes on 127.0.0.1."""
    processes = Processes(tmp_path_factory.mktemp("tcp-cluster"))
    try:
        yield start_process_cluster(processes, compose, n_workers=2, certs=None, wait=_wait_for_workers(2))
    finally:
        processes.stop()


@pytest.fixture(scope="module")
def tls_cluster(
    compose_tls: dict[str, Any], certificates: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProcessCluster]:
    """docker-compose.tls.yml's scheduler and two workers, as TLS processes on 127.0.0.1."""
    from orchestration.security import security_for

    security = security_for(
        "tls://127.0.0.1:1", ca_file=certificates / "ca.pem", cert=certificates / "node.pem",
        key=certificates / "node-key.pem",
    )
    processes = Processes(tmp_path_factory.mktemp("tls-cluster"))
    try:
        yield start_process_cluster(
            processes, compose_tls, n_workers=2, certs=certificates, wait=_wait_for_workers(2, security)
        )
    finally:
        processes.stop()


@pytest.fixture(scope="session")
def tiny_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny sweep config (:data:`sweeps.TINY_SWEEP`) written to a temporary file."""
    return write_tiny_sweep(tmp_path_factory.mktemp("config"))


@pytest.fixture(scope="session")
def local_cube(tiny_config: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny sweep on the embedded LocalCluster (two workers): the reference."""
    out = tmp_path_factory.mktemp("local") / "cube"
    run_sweep_cli(tiny_config, out, ["--workers", "2"])
    return out


@pytest.fixture(scope="module")
def impostor_cluster(compose: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProcessCluster]:
    """docker-compose.yml's scheduler and one worker that claims another skibidy version."""
    preload = Path(__file__).with_name("impostor_versions.py")
    processes = Processes(tmp_path_factory.mktemp("impostor-cluster"))
    try:
        yield start_process_cluster(
            processes, compose, n_workers=1, certs=None, wait=_wait_for_workers(1),
            worker_args=["--preload", str(preload)],
        )
    finally:
        processes.stop()
