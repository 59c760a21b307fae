"""docker-compose.yml, docker-compose.tls.yml and the Dockerfile say what the README says.

No Docker engine is needed: the files are parsed and checked. The commands
themselves run as real processes in test_remote_scheduler.py and test_tls.py, and
in real containers in tests/docker/.
"""

from __future__ import annotations

import re
import textwrap
import tomllib
from pathlib import Path
from typing import Any

import pytest

from .cluster_processes import COMPOSE, COMPOSE_TLS, ROOT, Override, load_compose

pytestmark = pytest.mark.cluster

DOCKERFILE = ROOT / "Dockerfile"
README = ROOT / "README.md"


def _option(command: list[str], name: str) -> str:
    assert name in command, f"{name} missing from {command}"
    return command[command.index(name) + 1]


def _cluster_section() -> str:
    text = README.read_text()
    assert "## Running on a cluster" in text, "README lacks the 'Running on a cluster' section"
    section = text.split("## Running on a cluster", 1)[1]
    return re.split(r"\n## ", section, maxsplit=1)[0]


def test_compose_has_scheduler_worker_service_and_notebook(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"scheduler", "worker", "service", "notebook"}


def test_every_service_runs_the_image_built_from_this_checkout(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        assert service["image"] == "skibidy:latest", name
        assert service["build"]["context"] == ".", name
        assert service["build"]["args"]["BASE_IMAGE"] == "${SKIBIDY_BASE_IMAGE:-python:3.11-slim}", name


def test_scheduler_command_serves_8786_and_dashboard_8787(compose: dict[str, Any]) -> None:
    command = compose["services"]["scheduler"]["command"]
    assert command[:2] == ["dask", "scheduler"]
    assert _option(command, "--port") == "8786"
    assert _option(command, "--dashboard-address") == ":8787"


def test_worker_command_joins_the_scheduler_single_threaded(compose: dict[str, Any]) -> None:
    command = compose["services"]["worker"]["command"]
    assert command[:3] == ["dask", "worker", "tcp://scheduler:8786"]
    assert _option(command, "--nthreads") == "1"


def test_worker_service_can_scale(compose: dict[str, Any]) -> None:
    worker = compose["services"]["worker"]
    # A fixed container name or a published port would make --scale worker=N fail.
    assert "container_name" not in worker and "ports" not in worker
    assert worker["depends_on"]["scheduler"]["condition"] == "service_healthy"
    assert "/health" in " ".join(compose["services"]["scheduler"]["healthcheck"]["test"])


def test_notebook_runs_jupyterlab_with_the_scheduler_address(compose: dict[str, Any]) -> None:
    notebook = compose["services"]["notebook"]
    assert notebook["command"][:2] == ["jupyter", "lab"]
    assert _option(notebook["command"], "--port") == "8888"
    assert notebook["environment"]["DASK_SCHEDULER_ADDRESS"] == "tcp://scheduler:8786"


def test_results_are_shared_by_the_service_the_workers_and_the_notebook(compose: dict[str, Any]) -> None:
    for name in ("service", "worker", "notebook"):
        assert "./results:/results" in compose["services"][name]["volumes"], name


def test_job_service_serves_the_scheduler_into_the_shared_results(compose: dict[str, Any]) -> None:
    service = compose["services"]["service"]
    assert service["command"][:2] == ["skibidy", "serve"]
    assert _option(service["command"], "--scheduler") == "tcp://scheduler:8786"
    assert _option(service["command"], "--root") == "/results"
    assert service["restart"] == "unless-stopped"  # it continues its jobs when it comes back
    assert service["depends_on"]["scheduler"]["condition"] == "service_healthy"
    assert "ports" not in service  # clients reach it through the scheduler


def test_every_published_port_is_bound_to_localhost(compose: dict[str, Any]) -> None:
    published = {
        port: name for name, service in compose["services"].items() for port in service.get("ports", [])
    }
    assert set(published) == {"127.0.0.1:8786:8786", "127.0.0.1:8787:8787", "127.0.0.1:8888:8888"}


def test_nothing_is_installed_at_container_start(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        text = " ".join(service["command"]) + " " + " ".join(map(str, service.get("environment", {}).values()))
        assert not re.search(r"\b(pip|conda|apt-get|EXTRA_PIP_PACKAGES)\b", text), name
        assert "entrypoint" not in service, name


def test_dockerfile_installs_the_package_and_notebook_extra_at_build_time() -> None:
    text = DOCKERFILE.read_text()
    version = re.search(r"ARG BASE_IMAGE=python:(\d+)\.(\d+)-slim", text)
    assert version and (int(version[1]), int(version[2])) >= (3, 11)
    assert "FROM ${BASE_IMAGE}" in text
    assert re.search(r'RUN python -m pip install "\.\[notebook\]"', text)
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert any(req.startswith("jupyterlab") for req in extras["notebook"])
    for port in ("8786", "8787", "8888"):
        assert port in re.search(r"EXPOSE (.+)", text)[1]


def test_dockerfile_copies_only_paths_that_exist() -> None:
    for source in re.findall(r"^COPY (?:--\S+ )*(.+?) \S+$", DOCKERFILE.read_text(), flags=re.M):
        for path in source.split():
            assert (ROOT / path).exists(), f"Dockerfile copies {path}, which is not in the repository"


def test_dockerignore_keeps_secrets_and_results_out_of_the_image() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".git", ".venv", "results", "certs", "**/*.pem"):
        assert entry in ignored


def test_tls_override_secures_every_dask_process(compose_tls: dict[str, Any]) -> None:
    services = compose_tls["services"]
    scheduler, worker = services["scheduler"]["command"], services["worker"]["command"]
    assert _option(scheduler, "--protocol") == "tls"
    assert worker[2] == "tls://scheduler:8786"
    for command in (scheduler, worker):
        assert _option(command, "--tls-ca-file") == "/certs/ca.pem"
        assert _option(command, "--tls-cert") == "/certs/node.pem"
        assert _option(command, "--tls-key") == "/certs/node-key.pem"
    for name in ("scheduler", "worker", "service", "notebook"):
        assert "./certs:/certs:ro" in services[name]["volumes"], name
    service = services["service"]
    assert _option(service["command"], "--scheduler") == "tls://scheduler:8786"
    assert service["environment"]["DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION"] == "true"
    assert "./results:/results" in service["volumes"]


def test_tls_override_publishes_only_the_tls_scheduler_port_beyond_localhost() -> None:
    ports = load_compose(COMPOSE_TLS)["services"]["scheduler"]["ports"]
    assert isinstance(ports, Override), "ports must be !override, or the 127.0.0.1 binding would clash"
    public = [p for p in ports if not p.startswith("127.0.0.1:")]
    assert public == ["8786:8786"]


def test_tls_override_configures_the_notebook_client(compose_tls: dict[str, Any]) -> None:
    from orchestration.security import TLS_ENVIRONMENT

    env = compose_tls["services"]["notebook"]["environment"]
    assert env["DASK_SCHEDULER_ADDRESS"] == "tls://scheduler:8786"
    assert env[TLS_ENVIRONMENT["ca_file"]] == "/certs/ca.pem"
    assert env[TLS_ENVIRONMENT["cert"]] == "/certs/node.pem"
    assert env[TLS_ENVIRONMENT["key"]] == "/certs/node-key.pem"
    assert env[TLS_ENVIRONMENT["require_encryption"]] == "true"


def test_readme_cluster_section_shows_the_whole_path(compose: dict[str, Any]) -> None:
    section = _cluster_section()
    for needed in (
        "docker compose up", "--scale worker=", "--scheduler tcp://localhost:8786", "open_results",
        "/results", "http://localhost:8787", "localhost:8888", "docker-compose.tls.yml",
        "--tls-ca-file", "--tls-cert", "--tls-key", "python -m orchestration.security",
        'pip install ".[hpc]"', 'kind = "slurm"',
    ):
        assert needed in section, f"README 'Running on a cluster' does not mention {needed!r}"
    configs = re.findall(r"skibidy sweep (configs/\S+)", section)
    assert configs and all((ROOT / c).is_file() for c in configs)


def test_readme_cluster_tables_are_valid() -> None:
    from orchestration.hpc import parse_cluster_table

    blocks = re.findall(r"```toml\n(.+?)```", _cluster_section(), flags=re.S)
    kinds = {parse_cluster_table(tomllib.loads(textwrap.dedent(b))["cluster"]).kind for b in blocks}
    assert kinds == {"slurm", "address"}
