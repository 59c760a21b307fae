"""Corruption is found, named and repaired (issue 12, finding 6).

A cube of 8 runs in 4 chunks of 2 runs is damaged on disk in the ways a disk, a copy
or a person damages files. ``skibidy verify`` names each damaged chunk and its runs;
``analyze`` refuses with one line instead of a traceback or silently wrong numbers;
``--resume`` recomputes exactly the damaged runs and gives the same cube, bit for bit.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Callable

import pytest

import orchestration
from orchestration.spec import parse_sweep
from orchestration.store import ResultStore

from .conftest import SMALL_SWEEP, assert_cubes_identical

pytestmark = [pytest.mark.cluster, pytest.mark.slow]


def _skibidy(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "skibidy", *argv], capture_output=True, text=True,
                          timeout=180, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def complete(cluster, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SMALL_SWEEP, finished, in chunks of 2 runs (so that damage hits some runs only)."""
    out = tmp_path_factory.mktemp("intact") / "cube"
    text = textwrap.dedent(SMALL_SWEEP)
    spec = parse_sweep(text, source="small.toml")
    out.mkdir()
    (out / "config.toml").write_text(text)
    (out / "spec.json").write_text(json.dumps(spec.to_dict()))
    ResultStore.create(out, spec, runs_per_chunk=2)
    done = _skibidy("sweep", "--resume", str(out), "--scheduler", cluster.scheduler_address,
                    "--no-progress", "--no-raw")
    assert done.returncode == 0, done.stderr
    assert ResultStore(out).chunks == (1, 2)  # (point, replicate) on disk
    return out


def _chunk(d: Path, name: str) -> Path:
    """The chunk file of runs 2 and 3 (point 1: chunk 1,0 over the run dims)."""
    suffix = "" if name == "status" else "/0"
    return d / "results.zarr" / name / f"c/1/0{suffix}"


def _delete(d: Path) -> None:
    _chunk(d, "wound_closure_pct").unlink()


def _flip(d: Path) -> None:
    path = _chunk(d, "mean_infl_wound")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _truncate(d: Path) -> None:
    path = _chunk(d, "status")
    path.write_bytes(path.read_bytes()[:5])


def _no_metadata(d: Path) -> None:
    (d / "results.zarr" / "n_macrophages" / "zarr.json").unlink()


@pytest.mark.parametrize(
    ("damage", "problem", "runs"),
    [(_delete, "wound_closure_pct chunk 1,0,0: missing", "2-3"),
     (_flip, "mean_infl_wound chunk 1,0,0: corrupt", "2-3"),
     (_truncate, "status chunk 1,0: corrupt", "2-3"),
     (_no_metadata, "n_macrophages: metadata missing", "")],
    ids=["deleted-chunk", "flipped-byte", "truncated-chunk", "missing-zarr.json"],
)
def test_damage_is_named_and_resume_recomputes_exactly_it(
    cluster, complete: Path, tmp_path: Path, damage: Callable[[Path], None], problem: str, runs: str
) -> None:
    d = tmp_path / "cube"
    shutil.copytree(complete, d)
    assert _skibidy("verify", str(d)).returncode == 0
    damage(d)

    verify = _skibidy("verify", str(d))
    assert verify.returncode == 1, verify.stdout + verify.stderr
    assert problem in verify.stdout and (not runs or f"runs {runs}" in verify.stdout)
    assert f"skibidy sweep --resume {d}" in verify.stdout

    analyzed = _skibidy("analyze", str(d), "--no-raw")
    assert analyzed.returncode == 2, analyzed.stderr
    assert analyzed.stderr.count("\n") == 1 and "Traceback" not in analyzed.stderr
    assert f"skibidy verify {d}" in analyzed.stderr

    resumed = _skibidy("sweep", "--resume", str(d), "--scheduler", cluster.scheduler_address,
                       "--no-progress", "--no-raw")
    assert resumed.returncode == 0, resumed.stderr
    recomputed = 2 if runs else 0
    assert f"{recomputed} run(s) will be computed again" in resumed.stderr
    assert f"{recomputed} runs ok" in resumed.stdout, resumed.stdout
    assert f"{8 - recomputed} done before" in resumed.stdout, resumed.stdout
    assert _skibidy("verify", str(d)).returncode == 0
    assert_cubes_identical(orchestration.open_results(d), orchestration.open_results(complete))


def test_a_torn_failures_line_is_tolerated(cluster, complete: Path, tmp_path: Path) -> None:
    d = tmp_path / "cube"
    shutil.copytree(complete, d)
    # a failure record cut short by a crash (and the run since reset to pending)
    _delete(d)
    (d / "failures.jsonl").write_text('{"run": 1, "status": "error", "poi')
    assert _skibidy("analyze", str(d), "--no-raw").returncode == 2  # damaged, not a traceback
    resumed = _skibidy("sweep", "--resume", str(d), "--scheduler", cluster.scheduler_address,
                       "--no-progress", "--no-raw")
    assert resumed.returncode == 0, resumed.stderr
    analyzed = _skibidy("analyze", str(d), "--no-raw")
    assert analyzed.returncode == 0, analyzed.stderr
    lines = (d / "failures.jsonl").read_text().splitlines()
    assert lines == ['{"run": 1, "status": "error", "poi']  # kept as it was; nothing appended
    assert_cubes_identical(orchestration.open_results(d), orchestration.open_results(complete))
