"""Losing the scheduler loses no finished run (issue 12, finding 5).

A ``dask scheduler`` process is killed mid-sweep. The client writes every result it
had received, prints the resume command and exits 3 (the cluster was lost), without a
traceback; resuming elsewhere completes the very same cube.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ..followed import FollowedProcess
from .cluster_processes import Processes, start_dask_cluster
from .sweeps import assert_same_cube

pytestmark = [pytest.mark.cluster, pytest.mark.slow, pytest.mark.timeout(300)]


def test_killing_the_scheduler_keeps_what_arrived(tiny_config: Path, tmp_path: Path) -> None:
    from orchestration import open_results
    from orchestration.store import ResultStore

    reference = tmp_path / "reference"
    subprocess.run(
        [sys.executable, "-m", "skibidy", "sweep", str(tiny_config), "-n", "6", "--out",
         str(reference), "--workers", "2", "--no-progress", "--no-raw"],
        capture_output=True, text=True, timeout=180, check=True,
    )
    processes = Processes(tmp_path)
    try:
        address = start_dask_cluster(processes, 2)
        out = tmp_path / "out"
        sweep = FollowedProcess(
            [sys.executable, "-m", "skibidy", "sweep", str(tiny_config), "-n", "6", "--out", str(out),
             "--scheduler", address, "--no-raw", "--timeout", "5"],
            env={**os.environ, "SKIBIDY_FAULT_DELAY": "1.0"},
        )
        progress = sweep.wait_for(r"ok=[2-6]\b", timeout=90)  # some arrived, more to come
        received = max(int(n) for n in re.findall(r"ok=(\d+)", progress))
        os.killpg(processes.procs[0].pid, signal.SIGKILL)  # the scheduler, abruptly
        returncode, stdout, stderr = sweep.finish(timeout=120)
    finally:
        processes.stop()
    assert returncode == 3, stdout + stderr
    assert "The Dask cluster was lost" in stderr and "Traceback" not in stderr
    assert f"Resume with: skibidy sweep --resume {out}" in stdout
    assert stdout.strip().splitlines()[-1] == f"Results: {out}"
    status = ResultStore(out).status()
    assert received <= (status == 1).sum() < status.size

    resumed = subprocess.run(
        [sys.executable, "-m", "skibidy", "sweep", "--resume", str(out), "--workers", "2",
         "--no-progress", "--no-raw"],
        capture_output=True, text=True, timeout=180,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert_same_cube(open_results(out), open_results(reference))
