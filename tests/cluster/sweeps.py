"""A tiny sweep run through the real ``skibidy`` command, and cube comparison."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

#: Two points x two replicates of a one-day wound: seconds per run, yet a real sweep.
TINY_SWEEP = """\
[sweep]
name = "cluster_test"
param = "skin.immune.cytokine_rate"
values = [0.001, 0.002]
runs_per_value = 2
preset = "wound"

[sweep.set]
"skin.duration_days" = 1

[outcomes]
primary = "wound_closure_pct"
measure = "final"
"""
SWEEP_TIMEOUT = 120


def write_tiny_sweep(directory: Path) -> Path:
    """Write the tiny sweep config into ``directory`` and return its path."""
    path = directory / "tiny_sweep.toml"
    path.write_text(TINY_SWEEP)
    return path


def run_sweep_cli(
    config: Path, out: Path, options: Sequence[str] = (), env: Mapping[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run ``skibidy sweep CONFIG --out OUT [options]`` in a subprocess.

    Returns the completed process and its wall time; raises with the output on
    a non-zero exit.
    """
    argv = [sys.executable, "-m", "skibidy", "sweep", str(config), "--out", str(out),
            "--no-progress", "--no-raw", *options]
    started = time.monotonic()
    proc = subprocess.run(
        argv, capture_output=True, text=True, timeout=SWEEP_TIMEOUT, stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(argv)} exited {proc.returncode}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
        )
    return proc, elapsed


def assert_same_cube(a: Any, b: Any) -> None:
    """Every variable and coordinate of two result cubes is bit-identical.

    Dataset attributes are provenance (start time, where it ran) and may differ.
    """
    assert set(a.variables) == set(b.variables)
    for name in a.variables:
        x, y = a[name], b[name]
        assert x.dims == y.dims, name
        assert x.dtype == y.dtype, name
        same = np.array_equal(x.values, y.values, equal_nan=x.dtype.kind in "fc")
        assert same, f"{name} differs between the two cubes"
        assert x.attrs == y.attrs, f"attributes of {name} differ"
