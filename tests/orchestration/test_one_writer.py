"""One writer per results folder (issue 12, finding 2).

Two ``skibidy sweep CONFIG --out D`` started together: one runs, the other stops at
once with exit code 2 naming the process that holds D; D stays readable by
``--resume`` and ``analyze``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import orchestration

from .conftest import SMALL_SWEEP

pytestmark = pytest.mark.cluster


def _skibidy(*argv: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "skibidy", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env={**os.environ, **(env or {})}, stdin=subprocess.DEVNULL,
    )


@pytest.mark.slow
def test_two_sweeps_on_one_folder(cluster, tmp_path: Path) -> None:
    cfg = tmp_path / "sweep.toml"
    cfg.write_text(textwrap.dedent(SMALL_SWEEP))
    out = tmp_path / "D"
    argv = ["sweep", str(cfg), "--out", str(out), "--scheduler", cluster.scheduler_address,
            "--no-progress", "--no-raw"]
    slow = {"SKIBIDY_FAULT_DELAY": "0.4"}  # the first keeps the folder for a few seconds
    procs = [_skibidy(*argv, env=slow) for _ in range(2)]
    results = [(p, *p.communicate(timeout=180)) for p in procs]
    codes = sorted(p.returncode for p, _, _ in results)
    assert codes == [0, 2], [(p.returncode, err[-2000:]) for p, _, err in results]
    winner = next(p for p, _, _ in results if p.returncode == 0)
    _, _, refused = next(r for r in results if r[0].returncode == 2)
    assert refused.startswith("error: ") and refused.count("\n") == 1, refused
    assert "is in use by" in refused and f"pid {winner.pid} " in refused, refused
    assert "Traceback" not in refused

    # the folder is whole: resume has nothing left to do, analyze reads it
    resumed = _skibidy("sweep", "--resume", str(out), "--scheduler", cluster.scheduler_address,
                       "--no-progress", "--no-raw")
    stdout, stderr = resumed.communicate(timeout=180)
    assert resumed.returncode == 0, stderr
    assert "all 8 runs" in stdout and "nothing to compute" in stdout
    analyzed = _skibidy("analyze", str(out), "--no-raw")
    stdout, stderr = analyzed.communicate(timeout=180)
    assert analyzed.returncode == 0, stderr
    ds = orchestration.open_results(out)
    assert (ds.status.values == 1).all() and np.isfinite(ds.wound_closure_pct.values).all()


def test_the_lock_is_released_when_its_holder_dies(tmp_path: Path) -> None:
    """A SIGKILLed holder leaves no stale lock (the operating system releases it)."""
    from orchestration.lock import FolderBusy, exclusive

    code = (
        "import sys, time; from orchestration.lock import exclusive\n"
        "with exclusive(sys.argv[1], 'test holder'):\n"
        "    print('held', flush=True); time.sleep(60)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "D")],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(FolderBusy, match=f"pid {holder.pid} .*test holder"):
            with exclusive(tmp_path / "D"):
                pass
    finally:
        holder.kill()
        holder.wait(timeout=30)
    with exclusive(tmp_path / "D"):
        pass


def test_a_folder_stopped_before_its_cube_existed_can_be_resumed(cluster, tmp_path: Path) -> None:
    """Killed while the template was being written: --resume starts it afresh."""
    import json

    from orchestration.spec import parse_sweep

    text = textwrap.dedent(SMALL_SWEEP)
    spec = parse_sweep(text, source="small.toml")
    out = tmp_path / "D"
    (out / ".results.zarr.partial" / "status").mkdir(parents=True)  # half a template
    (out / "config.toml").write_text(text)
    (out / "spec.json").write_text(json.dumps(spec.to_dict()))
    resumed = _skibidy("sweep", "--resume", str(out), "--scheduler", cluster.scheduler_address,
                       "--no-progress", "--no-raw")
    stdout, stderr = resumed.communicate(timeout=180)
    assert resumed.returncode == 0, stderr
    assert "8 runs ok" in stdout
    assert (orchestration.open_results(out).status.values == 1).all()
