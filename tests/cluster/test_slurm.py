"""A sweep with ``[cluster] kind = "slurm"`` against stand-in ``sbatch``/``scancel`` commands.

There is no SLURM here, so two tiny scripts take the place of its commands:
``sbatch`` runs the job script that dask-jobqueue wrote at once, in its own
session, and ``scancel`` ends that session. Everything else is the real path:
the sweep config's table, dask-jobqueue's job script and its worker command
with the throw-away TLS certificate, and the cube, which must equal the
LocalCluster's.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path
from typing import Iterator

import pytest

from .sweeps import TINY_SWEEP, assert_same_cube, run_sweep_cli

pytestmark = [pytest.mark.cluster, pytest.mark.slow, pytest.mark.timeout(240)]

SBATCH = """\
#!/usr/bin/env bash
# A stand-in for SLURM's sbatch: runs the job script at once, in its own session.
set -eu
dir="${SKIBIDY_FAKE_SLURM_DIR:?}"
job="$(mktemp "$dir/job-XXXXXX")"
cp "$1" "$job.sh"
setsid bash "$job.sh" > "$job.log" 2>&1 < /dev/null &
echo "$!" > "$job.pid"
echo "Submitted batch job $!"
"""
SCANCEL = """\
#!/usr/bin/env bash
# A stand-in for SLURM's scancel: ends the job's whole process group.
kill -TERM -- "-$1" 2>/dev/null || true
"""
SLURM_TABLE = """
[cluster]
kind = "slurm"
queue = "short"
cores = 2
memory = "2GiB"
walltime = "00:10:00"
jobs = 1
interface = "lo"
"""


@pytest.fixture
def fake_slurm(tmp_path: Path) -> Iterator[dict[str, str]]:
    """PATH and settings that make ``sbatch``/``scancel`` the stand-ins; ends leftover jobs."""
    pytest.importorskip("dask_jobqueue")
    if shutil.which("setsid") is None:
        pytest.skip("the stand-in sbatch needs setsid (util-linux)")
    bin_dir, jobs = tmp_path / "bin", tmp_path / "jobs"
    bin_dir.mkdir()
    jobs.mkdir()
    for name, text in (("sbatch", SBATCH), ("scancel", SCANCEL)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "SKIBIDY_FAKE_SLURM_DIR": str(jobs),
        # keep the scheduler's dashboard on a free local port, like everything else here
        "DASK_JOBQUEUE__SLURM__SCHEDULER_OPTIONS": "{'dashboard_address': '127.0.0.1:0'}",
    }
    try:
        yield env
    finally:
        for pid_file in jobs.glob("*.pid"):
            try:
                os.killpg(int(pid_file.read_text()), signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_slurm_table_sweep_submits_jobs_and_equals_the_local_cluster(
    fake_slurm: dict[str, str], local_cube: Path, tmp_path: Path
) -> None:
    from orchestration import open_results

    config = tmp_path / "slurm_sweep.toml"
    shared = tmp_path / "shared"
    shared.mkdir()
    config.write_text(TINY_SWEEP + SLURM_TABLE + f'shared_directory = "{shared}"\n')
    proc, _ = run_sweep_cli(config, tmp_path / "slurm", env=fake_slurm)
    assert "SLURM cluster, 1 job(s) of 2 worker(s)" in proc.stderr
    assert "scheduler tls://127.0.0.1:" in proc.stderr  # TLS by default on a login node

    (script,) = Path(fake_slurm["SKIBIDY_FAKE_SLURM_DIR"]).glob("*.sh")
    text = script.read_text()
    assert "#SBATCH -p short" in text and "#SBATCH -t 00:10:00" in text
    assert "--nworkers 2" in text and "--nthreads 1" in text
    assert f"--tls-key {shared}/" in text

    assert_same_cube(open_results(tmp_path / "slurm"), open_results(local_cube))
    (pid_file,) = script.parent.glob("*.pid")
    assert _ends_within(int(pid_file.read_text()), 15.0), "scancel did not end the job"


def _ends_within(group: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False
