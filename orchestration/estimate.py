"""What a sweep will cost, said before it starts: runs, time, disk and memory.

Every sweep prints its run count, an estimate of its simulation time and of its size on
disk. Grids above :func:`confirm_above` runs (100 000 by default; the Dask configuration
key ``skibidy.confirm-above``, or ``DASK_SKIBIDY__CONFIRM_ABOVE``) start only with
``--yes``; grids whose bookkeeping would not fit in this machine's memory, or whose
results would not fit on the disk, never start.

The figures are rough upper bounds: simulation time uses :data:`SIM_SECONDS_PER_DAY`
(one core of a laptop), disk size the uncompressed cube plus the raw CSV files.
"""

from __future__ import annotations

import math
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from skibidy.errors import SkibidyError

__all__ = ["Estimate", "estimate", "check", "confirm_above", "SIM_SECONDS_PER_DAY", "human_bytes"]

SIM_SECONDS_PER_DAY = 0.02
"""Seconds of one core per simulated day of one run (measured: ~0.017 s)."""
BOOKKEEPING_BYTES_PER_RUN = 48
"""Client memory per run while a sweep runs (seed, status, pending lists, the template)."""
CSV_BYTES_PER_VALUE = 14
DEFAULT_CONFIRM_ABOVE = 100_000


@dataclass(frozen=True)
class Estimate:
    """The size of a sweep.

    Attributes
    ----------
    runs : int
    max_days : float
        The longest simulated duration of a run.
    sim_seconds : float
        Core-seconds of simulation (an upper bound: every run at the longest duration).
    disk_bytes : int
        Cube (uncompressed) plus raw CSV files, if written.
    memory_bytes : int
        The client's bookkeeping for the whole grid.
    """

    runs: int
    max_days: float
    sim_seconds: float
    disk_bytes: int
    memory_bytes: int

    def describe(self, threads: int | None = None) -> str:
        """E.g. ``"about 12 s of simulation (6 s on 2 worker threads), up to 3.1 MB on disk"``."""
        wall = f" ({_duration(self.sim_seconds / threads)} on {threads} worker threads)" if threads else ""
        return (
            f"about {_duration(self.sim_seconds)} of simulation{wall}, up to "
            f"{human_bytes(self.disk_bytes)} on disk"
        )


def human_bytes(n: float) -> str:
    """``1536`` -> ``"1.5 KB"`` (powers of 1024)."""
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if abs(n) < 1024 or unit == "PB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PB"  # pragma: no cover


def _duration(seconds: float) -> str:
    if seconds < 1:
        return "under 1 s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.0f} days"


def estimate(spec: object, *, raw: bool = True) -> Estimate:
    """Estimate a spec's cost without building anything (its time axis only)."""
    from orchestration.grid import Grid
    from orchestration.store import metric_variables

    grid = Grid(spec)  # type: ignore[arg-type]
    runs = grid.size
    times = grid.time_h
    max_days = float(times[-1]) / 24.0 if len(times) else 0.0
    n_times, n_vars = len(times), len(metric_variables(getattr(spec, "model", "skibidy")))
    cube = runs * (n_times * n_vars * 8 + 9)
    csv = runs * n_times * (n_vars + 2) * CSV_BYTES_PER_VALUE if raw else 0
    return Estimate(
        runs=runs,
        max_days=max_days,
        sim_seconds=runs * max(max_days, 1 / 24) * SIM_SECONDS_PER_DAY,
        disk_bytes=int(cube + csv),
        memory_bytes=runs * BOOKKEEPING_BYTES_PER_RUN,
    )


def confirm_above() -> int:
    """Grids of more runs than this need ``--yes`` (Dask config ``skibidy.confirm-above``)."""
    import dask

    value = dask.config.get("skibidy.confirm-above", DEFAULT_CONFIRM_ABOVE)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SkibidyError(
            f"the Dask configuration skibidy.confirm-above = {value!r} is not a whole number"
        ) from None


def _physical_memory() -> int | None:
    try:
        return int(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def _free_space(directory: Path) -> int | None:
    probe = directory.absolute()
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    try:
        return shutil.disk_usage(probe).free
    except OSError:
        return None


def check(est: Estimate, directory: str | Path, *, yes: bool, fresh: bool = True) -> None:
    """Refuse a grid that cannot run here, or that is large and not confirmed.

    Parameters
    ----------
    est : Estimate
    directory : path
        The results directory (its file system's free space is checked).
    yes : bool
        The user confirmed a large grid (``--yes``).
    fresh : bool
        False when resuming (the grid was confirmed when it started; the disk check then
        is not repeated either, as part of the results is already there).

    Raises
    ------
    SkibidyError
        One line naming the problem and the fix.
    """
    memory = _physical_memory()
    if memory is not None and est.memory_bytes > memory // 2:
        raise SkibidyError(
            f"the grid has {est.runs:,} runs: keeping track of them needs about "
            f"{human_bytes(est.memory_bytes)} of memory, more than half of this machine's "
            f"{human_bytes(memory)}; split it into several sweeps"
        )
    if not fresh:
        return
    free = _free_space(Path(directory))
    if free is not None and est.disk_bytes > free:
        raise SkibidyError(
            f"the results may need up to {human_bytes(est.disk_bytes)} but "
            f"{str(directory)!r} has {human_bytes(free)} free; free some space, choose "
            "another --out, or add --no-raw (no per-run CSV files)"
        )
    limit = confirm_above()
    if est.runs > limit and not yes:
        raise SkibidyError(
            f"the grid has {est.runs:,} runs ({est.describe()}), more than {limit:,}; add "
            "--yes to run it (or fewer values or replicates)"
        )
