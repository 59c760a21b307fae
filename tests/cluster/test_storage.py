"""Storage that cannot take the results (issue 12, finding 8): no tracebacks, nothing lost.

Each case runs the real ``skibidy`` command in its own mount namespace (``unshare``),
where a small tmpfs or a read-only bind mount stands for a full or read-only disk.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from .cluster_processes import can_hide_directories
from .sweeps import TINY_SWEEP, assert_same_cube

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.skipif(not can_hide_directories(), reason="needs root, unshare and tmpfs"),
]
SKIBIDY = f"{shlex.quote(sys.executable)} -m skibidy"


def _in_namespace(script: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
                          capture_output=True, text=True, timeout=timeout)


def _one_line_exit_2(code: str, err: str) -> None:
    assert code.strip() == "2", err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err


def test_a_sweep_that_cannot_fit_on_the_disk_does_not_start(tmp_path: Path) -> None:
    disk, logs = tmp_path / "disk", tmp_path / "logs"
    disk.mkdir(), logs.mkdir()
    config = tmp_path / "big.toml"
    config.write_text(TINY_SWEEP.replace("runs_per_value = 2", "runs_per_value = 50")
                      .replace('"skin.duration_days" = 1', '"skin.duration_days" = 30'))
    script = f"""
        mount -t tmpfs -o size=256k skibidy-disk {disk}
        {SKIBIDY} sweep {config} --out {disk}/out --no-progress > {logs}/out 2> {logs}/err
        echo $? > {logs}/code
        ls -A {disk} > {logs}/ls
    """
    assert _in_namespace(script).returncode == 0
    err = (logs / "err").read_text()
    _one_line_exit_2((logs / "code").read_text(), err)
    assert "free some space, choose another --out, or add --no-raw" in err
    assert (logs / "ls").read_text() == "", "something was written on the full disk"


@pytest.mark.slow
def test_a_disk_that_fills_up_mid_sweep_keeps_what_was_written(tmp_path: Path, local_cube: Path) -> None:
    from orchestration import open_results

    disk, logs = tmp_path / "disk", tmp_path / "logs"
    disk.mkdir(), logs.mkdir()
    config = tmp_path / "tiny.toml"
    config.write_text(TINY_SWEEP)
    run = f"{SKIBIDY} sweep {config} --out {disk}/out --workers 1 --no-progress --no-raw"
    script = f"""
        mount -t tmpfs -o size=4m skibidy-disk {disk}
        SKIBIDY_FAULT_DELAY=2 {run} > {logs}/out 2> {logs}/err &
        pid=$!
        n=0
        until [ -e {disk}/out/results.zarr/status/zarr.json ] || [ $n -ge 600 ]; do sleep 0.1; n=$((n+1)); done
        dd if=/dev/zero of={disk}/filler bs=16k 2> /dev/null
        wait $pid; echo $? > {logs}/code
        rm {disk}/filler
        {SKIBIDY} sweep --resume {disk}/out --workers 1 --no-progress --no-raw > {logs}/resumed 2>&1
        echo $? > {logs}/resumed_code
        cp -a {disk}/out {logs}/cube
    """
    assert _in_namespace(script).returncode == 0
    out, err = (logs / "out").read_text(), (logs / "err").read_text()
    assert (logs / "code").read_text().strip() == "4", out + err
    assert "Cannot write the results" in err and "No space left on device" in err
    assert "Traceback" not in err
    assert f"Resume with: skibidy sweep --resume {disk}/out" in out
    assert (logs / "resumed_code").read_text().strip() == "0", (logs / "resumed").read_text()
    assert_same_cube(open_results(logs / "cube"), open_results(local_cube))


def test_analyze_on_a_read_only_folder(tmp_path: Path, local_cube: Path) -> None:
    import shutil

    cube, logs = tmp_path / "cube", tmp_path / "logs"
    shutil.copytree(local_cube, cube)
    logs.mkdir()
    script = f"""
        mount --bind {cube} {cube} && mount -o remount,bind,ro {cube}
        {SKIBIDY} analyze {cube} --no-raw > {logs}/out 2> {logs}/err
        echo $? > {logs}/code
    """
    assert _in_namespace(script).returncode == 0
    err = (logs / "err").read_text()
    _one_line_exit_2((logs / "code").read_text(), err)
    assert f"cannot write in '{cube}'" in err and "copy the folder somewhere writable" in err
