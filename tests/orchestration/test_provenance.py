"""Provenance is reliable (issue 12, finding 7).

The commit recorded in a cube is the one the installed distribution was built from, not
the HEAD of whatever repository the package happens to sit in; ``--resume`` compares the
software and refuses another simulator version; every session that wrote is recorded.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import zarr

ROOT = Path(__file__).resolve().parents[2]
MAKE_CUBE = textwrap.dedent("""
    import sys
    from orchestration.spec import parse_sweep
    from orchestration.store import ResultStore, stored_attrs
    spec = parse_sweep('[sweep]\\nparam = "skin.immune.cytokine_rate"\\nvalues = [0.001]\\n')
    ResultStore.create(sys.argv[1], spec)
    print(stored_attrs(sys.argv[1])["git_commit"])
""")


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=env).stdout.strip()


def _commit_in_cube(packages: Path, cwd: Path, name: str) -> str:
    proc = subprocess.run([sys.executable, "-c", MAKE_CUBE, str(cwd / name)], cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(packages)},
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_recorded_commit_is_the_distributions_own(tmp_path: Path) -> None:
    # this project, committed, and "built" by its build backend (which records the commit)
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", "*.egg-info", "build", "results", "__pycache__", ".pytest_cache"))
    _git(source, "init", "-q")
    _git(source, "add", "-A")
    _git(source, "commit", "-q", "-m", "the release")
    built = _git(source, "rev-parse", "HEAD")
    subprocess.run([sys.executable, "-c", "import skibidy_backend; skibidy_backend._record()"],
                   cwd=source, env={**os.environ, "PYTHONPATH": str(source / "orchestration" / "build-backend")},
                   check=True, timeout=60)

    # installed inside somebody else's repository
    other = tmp_path / "other"
    (other / "site").mkdir(parents=True)
    _git(other, "init", "-q")
    (other / "notes.txt").write_text("not skibidy")
    _git(other, "add", "-A")
    _git(other, "commit", "-q", "-m", "unrelated")
    for package in ("skibidy", "orchestration"):
        shutil.copytree(source / package, other / "site" / package)
    assert _commit_in_cube(other / "site", other, "cube1") == built

    # the same code without the build record, still inside the unrelated repository
    (other / "site" / "orchestration" / "_build_info.json").unlink()
    assert _commit_in_cube(other / "site", other, "cube2") == ""


@pytest.mark.cluster
def test_resume_compares_the_software_and_records_every_session(cluster, tmp_path: Path) -> None:
    from .conftest import SMALL_SWEEP

    cfg = tmp_path / "cfg.toml"
    cfg.write_text(textwrap.dedent(SMALL_SWEEP))
    out = tmp_path / "out"

    def sweep(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "skibidy", "sweep", *argv, "--scheduler",
                               cluster.scheduler_address, "--no-progress", "--no-raw"],
                              capture_output=True, text=True, timeout=180)

    assert sweep(str(cfg), "--out", str(out)).returncode == 0
    group = zarr.open_group(str(out / "results.zarr"), mode="r+")
    versions = json.loads(group.attrs["versions"])
    assert {"skibidy", "numpy", "xarray", "zarr", "dask", "distributed", "python"} <= set(versions)
    assert [s["resumed"] for s in json.loads(group.attrs["sessions"])] == [False]

    # another numpy wrote it: a warning, and the session is recorded
    group.attrs["versions"] = json.dumps({**versions, "numpy": "1.0.0"})
    resumed = sweep("--resume", str(out))
    assert resumed.returncode == 0, resumed.stderr
    assert f"numpy 1.0.0 -> {versions['numpy']}" in resumed.stderr
    sessions = json.loads(zarr.open_group(str(out / "results.zarr"), mode="r").attrs["sessions"])
    assert [s["resumed"] for s in sessions] == [False, True]
    assert sessions[1]["versions"]["skibidy"] == versions["skibidy"]

    # another simulator version wrote it: refused before anything runs
    group.attrs["versions"] = json.dumps({**versions, "skibidy": "0.0.1"})
    refused = sweep("--resume", str(out))
    assert refused.returncode == 2
    assert refused.stderr.count("\n") == 1 and "written by skibidy 0.0.1" in refused.stderr
    assert "Dask: connected" not in refused.stderr
