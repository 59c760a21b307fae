"""Fixtures of the Docker tests: the engine, the image's base, and compose projects.

Without a usable Docker engine these tests are skipped, except under CI (``CI=true``),
where .ci/run installs and starts the engine and a missing one is a failure.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Iterator

import pytest

# The tiny sweep and its LocalCluster cube: the same reference as the process-cluster tests'.
from ..cluster.conftest import local_cube, tiny_config  # noqa: F401
from .engine import ComposeProject, EngineMissing, check_engine, ensure_base_image, local_override


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def docker_engine() -> str:
    """The engine's and Compose's versions; skip (fail under CI) when there is none."""
    try:
        return check_engine()
    except EngineMissing as exc:
        if _in_ci():
            pytest.fail(f"CI must run the Docker tests, but: {exc}")
        pytest.skip(f"Docker tests need an engine: {exc}")


@pytest.fixture(scope="session")
def base_image(docker_engine: str) -> Iterator[str]:
    """The Dockerfile's BASE_IMAGE for the tests (made from Debian packages the first time)."""
    started = time.monotonic()
    name = ensure_base_image()
    print(f"\n[docker] {docker_engine}; base image {name} ready in {time.monotonic() - started:.1f} s")
    yield name


def compose_project(
    tmp: Path, name: str, files: list[Path], ports: tuple[int, int, int], certs: Path | None = None
) -> ComposeProject:
    """A compose project of ``files`` plus the local override (free ports, temporary mounts)."""
    results = tmp / "results"
    results.mkdir()
    override = local_override(
        tmp / "local.yml", scheduler_port=ports[0], dashboard_port=ports[1], notebook_port=ports[2],
        results=results, certs=certs,
    )
    return ComposeProject(f"{name}-{os.getpid()}", [*files, override])
