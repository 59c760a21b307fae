"""Provenance of a result cube: which code and which libraries wrote it, and when.

The root attributes of ``results.zarr`` record, at creation, the skibidy version, the
commit of the code (:func:`code_commit`), the version of every runtime dependency
(:func:`dependency_versions`) and Python; ``sessions`` lists every session that wrote to
the cube (created or resumed it), with the same facts. ``--resume`` compares the
installed software with the cube's (:func:`compare`): another skibidy version is an
error (its runs would mix model versions in one cube); another commit or other
dependency versions are warnings.

The commit is the one the distribution was built from (``orchestration/_build_info.json``,
written at build time by the project's build backend), or, for a source checkout of this
project (an editable install), that checkout's ``HEAD`` (``+dirty`` when the simulator or
batch code has uncommitted changes). Anything else, such as an unrelated repository the
package happens to sit in, records no commit.
"""

from __future__ import annotations

import json
import os
import platform
import re
import socket
import subprocess
import sys
import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

__all__ = ["code_commit", "dependency_versions", "provenance", "session", "compare", "Comparison"]

PACKAGE_DIR = Path(__file__).resolve().parent


def _git(cwd: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


@lru_cache(maxsize=1)
def code_commit() -> str:
    """The commit of the installed code, ``""`` if unknown (see the module docstring)."""
    info = PACKAGE_DIR / "_build_info.json"
    if info.is_file():
        try:
            data = json.loads(info.read_text(encoding="utf-8"))
            return str(data["commit"]) + ("+dirty" if data.get("dirty") else "")
        except (OSError, ValueError, KeyError):
            return ""
    root = PACKAGE_DIR.parent
    top = _git(root, "rev-parse", "--show-toplevel")
    if top is None or Path(top).resolve() != root:
        return ""  # not inside this project's own checkout
    try:
        pyproject = (root / "pyproject.toml").read_text(encoding="utf-8")
    except OSError:
        return ""
    if not re.search(r'^name\s*=\s*"skibidy"', pyproject, re.MULTILINE):
        return ""
    commit = _git(root, "rev-parse", "HEAD") or ""
    dirty = _git(root, "status", "--porcelain", "--untracked-files=no", "--", "skibidy", "orchestration")
    return commit + ("+dirty" if commit and dirty else "")


@lru_cache(maxsize=1)
def dependency_versions() -> dict[str, str]:
    """skibidy, every runtime dependency (transitively) and Python, name -> version."""
    from importlib.metadata import PackageNotFoundError, distribution

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    found: dict[str, str] = {}
    todo = ["skibidy"]
    while todo:
        name = canonicalize_name(todo.pop())
        if name in found:
            continue
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            found[name] = "not installed"
            continue
        found[name] = dist.version
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    found["python"] = platform.python_version()
    return dict(sorted(found.items()))


def provenance(scheduler: str = "") -> dict[str, str]:
    """The creation attributes of a cube (strings)."""
    versions = dependency_versions()
    return {
        "skibidy_version": versions.get("skibidy", "unknown"),
        "versions": json.dumps(versions, sort_keys=True),
        "git_commit": code_commit(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "scheduler": scheduler,
    }


def session(*, resumed: bool, scheduler: str = "", runs_todo: int = 0) -> dict[str, Any]:
    """One entry of the cube's ``sessions``: who wrote to it, with which software."""
    return {
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "resumed": resumed,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv else "",
        "scheduler": scheduler,
        "runs_todo": int(runs_todo),
        "skibidy_version": dependency_versions().get("skibidy", "unknown"),
        "git_commit": code_commit(),
        "versions": dependency_versions(),
    }


class Comparison:
    """The differences between a cube's software and the installed one."""

    def __init__(self, error: str = "", warnings: list[str] | None = None) -> None:
        self.error = error
        self.warnings = warnings or []


def compare(attrs: Mapping[str, Any], directory: str | Path) -> Comparison:
    """Compare a cube's recorded software (root attributes) with the installed one.

    Returns
    -------
    Comparison
        ``error`` (another skibidy version: resuming would mix model versions) and
        ``warnings`` (another commit; other dependency versions), each one line.
    """
    try:
        then = dict(json.loads(attrs.get("versions", "{}")))
    except (TypeError, ValueError):
        then = {}
    now = dependency_versions()
    old_skibidy = then.get("skibidy")
    if old_skibidy and old_skibidy != now.get("skibidy"):
        return Comparison(
            f"{str(directory)!r} was written by skibidy {old_skibidy}, this is skibidy "
            f"{now.get('skibidy')}: resuming would mix two simulator versions in one cube; "
            f"resume it with skibidy {old_skibidy}, or run the sweep again in a new folder"
        )
    warnings = []
    old_commit, new_commit = str(attrs.get("git_commit", "")), code_commit()
    if old_commit != new_commit and (old_commit or new_commit):
        warnings.append(
            f"{directory} was started with code at commit {old_commit[:12] or 'unknown'}, the "
            f"code is now at {new_commit[:12] or 'unknown'}; if the simulator changed, its runs "
            "mix model versions"
        )
    changed = [f"{k} {then[k]} -> {now.get(k, 'not installed')}" for k in sorted(then)
               if k != "skibidy" and then[k] != now.get(k, "not installed")]
    if changed:
        warnings.append(
            f"{directory} was started with other library versions ({', '.join(changed[:6])}"
            + (", ..." if len(changed) > 6 else "") + "); results may differ in the last digits"
        )
    return Comparison("", warnings)
