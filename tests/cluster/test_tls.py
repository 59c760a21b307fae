"""docker-compose.tls.yml's commands, run as processes with temporary certificates.

A real sweep runs over ``tls://`` with ``--tls-ca-file/--tls-cert/--tls-key``
and gives the same cube as the LocalCluster; the notebook service's environment
connects a plain ``Client()``; a client with another CA's certificate is refused.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .cluster_processes import ProcessCluster
from .sweeps import assert_same_cube, run_sweep_cli

pytestmark = [pytest.mark.cluster, pytest.mark.slow, pytest.mark.timeout(240)]


def _tls_options(certs: Path) -> list[str]:
    return ["--tls-ca-file", str(certs / "ca.pem"), "--tls-cert", str(certs / "node.pem"),
            "--tls-key", str(certs / "node-key.pem")]


def test_sweep_over_tls_equals_the_local_cluster(
    tls_cluster: ProcessCluster, certificates: Path, tiny_config: Path, local_cube: Path, tmp_path: Path
) -> None:
    from orchestration import open_results

    assert tls_cluster.address.startswith("tls://")
    run_sweep_cli(
        tiny_config, tmp_path / "tls", ["--scheduler", tls_cluster.address, *_tls_options(certificates)]
    )
    assert_same_cube(open_results(tmp_path / "tls"), open_results(local_cube))


def test_tls_address_without_certificates_is_a_bad_input_error(
    tiny_config: Path, tmp_path: Path
) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "skibidy", "sweep", str(tiny_config), "--out", str(tmp_path / "x"),
         "--scheduler", "tls://127.0.0.1:8786", "--no-progress"],
        capture_output=True, text=True, timeout=60,
        env={k: v for k, v in os.environ.items() if not k.startswith("DASK_DISTRIBUTED__COMM__TLS")},
    )
    assert proc.returncode == 2
    assert "uses TLS but no certificates were given" in proc.stderr and "--tls-ca-file" in proc.stderr


def test_notebook_service_environment_connects_over_tls(
    tls_cluster: ProcessCluster, certificates: Path, compose_tls: dict[str, Any]
) -> None:
    env = dict(compose_tls["services"]["notebook"]["environment"])
    env = {k: v.replace("/certs", str(certificates)) for k, v in env.items()}
    env["DASK_SCHEDULER_ADDRESS"] = tls_cluster.address  # the service name 'scheduler' -> 127.0.0.1
    script = (
        "from distributed import Client\n"
        "with Client(timeout=30) as c:\n"
        "    print(c.scheduler.address, c.submit(sum, [1, 2, 3]).result())\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=90,
        env={**os.environ, **env},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [tls_cluster.address, "6"]


def test_certificate_from_another_ca_is_refused(tls_cluster: ProcessCluster, tmp_path: Path) -> None:
    from distributed import Client

    from orchestration.security import security_for, write_certificates

    stranger = write_certificates(tmp_path / "stranger")
    security = security_for(
        tls_cluster.address, ca_file=stranger.ca, cert=stranger.cert, key=stranger.key
    )
    with pytest.raises((OSError, TimeoutError)):
        Client(tls_cluster.address, security=security, timeout=3)
