"""PEP 517 build backend: setuptools, plus the commit the distribution is built from.

``pip install .`` (and ``python -m build``) write ``orchestration/_build_info.json``
with the source checkout's ``git`` commit (and whether it had uncommitted changes) before
setuptools builds the wheel or sdist, so an installed skibidy knows its own commit
wherever it is installed (see :mod:`orchestration.provenance`). A source tree that is
not a git checkout (an unpacked sdist) keeps the file it came with. Editable installs
read the checkout directly and write nothing.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F401,F403  (every other hook unchanged)

INFO = Path("orchestration") / "_build_info.json"


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", *args], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def _record() -> bool:
    """Write :data:`INFO` in a git checkout of this project; True if it was written."""
    top = _git("rev-parse", "--show-toplevel")
    if top is None or Path(top).resolve() != Path.cwd().resolve():
        return False  # not this project's own checkout: keep what the sdist carries
    commit = _git("rev-parse", "HEAD")
    if not commit:
        return False
    dirty = bool(_git("status", "--porcelain", "--untracked-files=no", "--", "skibidy", "orchestration"))
    INFO.write_text(json.dumps({
        "commit": commit,
        "dirty": dirty,
        "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }, indent=2) + "\n", encoding="utf-8")
    return True


def _with_info(build: Any, *args: Any) -> str:
    """Run a setuptools hook with :data:`INFO` in place; a checkout is left as it was."""
    written = _record()
    try:
        return build(*args)
    finally:
        if written:
            INFO.unlink(missing_ok=True)


def build_wheel(wheel_directory: str, config_settings: Any = None, metadata_directory: Any = None) -> str:
    return _with_info(_setuptools.build_wheel, wheel_directory, config_settings, metadata_directory)


def build_sdist(sdist_directory: str, config_settings: Any = None) -> str:
    return _with_info(_setuptools.build_sdist, sdist_directory, config_settings)
