"""What runs inside a Dask worker: a task of a few runs, each simulated, timed and aligned.

:func:`run_task` is the only function the client submits. It takes a list of
:class:`RunRequest` (everything one run needs, resolved on the client) and returns one
:class:`RunResult` per run, in order. It never raises for a failing run: an exception of
the simulator becomes a result with status ``error`` and the traceback as its text, a run
past its time limit one with status ``timeout`` (see :mod:`orchestration.timeouts`), and
a task that Dask cancelled stops at once, its current run ``lost``. Injected faults
(:mod:`orchestration.faults`) apply before each run.

The one call into the simulator is :func:`_simulate_point`.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass
from typing import Any, NamedTuple, Sequence

import numpy as np

from orchestration.faults import FaultPlan
from orchestration.status import RunStatus

__all__ = ["RunRequest", "RunResult", "run_task", "align_to_time_axis"]


class RunRequest(NamedTuple):
    """One run as the client sends it (a tuple: cheap to pickle by the million).

    Attributes
    ----------
    run : int
        Flat run index in the cube.
    skin : str
        Skin profile of the run's point.
    preset : str
        Wound preset of the run's point.
    overrides : dict
        Dotted-path parameter values of the run's point (sweep values and ``[sweep.set]``).
    seed : int
        The run's seed (from the cube's ``seed`` coordinate).
    attempt : int
        0 for the first attempt, then 1, 2, ... for retries.
    """

    run: int
    skin: str
    preset: str
    overrides: dict[str, Any]
    seed: int
    attempt: int


@dataclass
class RunResult:
    """What became of one run of a task.

    Attributes
    ----------
    run : int
        Flat run index.
    status : RunStatus
        ``OK``, ``ERROR``, ``TIMEOUT`` or ``LOST``.
    block : ndarray or None
        ``(time, variable)`` metrics on the cube's time axis when ``OK``.
    error : str
        What went wrong (empty when ``OK``).
    seconds : float
        Wall time the run took in the worker.
    """

    run: int
    status: RunStatus
    block: np.ndarray | None = None
    error: str = ""
    seconds: float = 0.0


def align_to_time_axis(df: Any, time_axis: np.ndarray, variables: Sequence[str]) -> np.ndarray:
    """Place a metrics table on the cube's time axis: ``(time, variable)``, NaN-padded.

    Raises
    ------
    ValueError
        If a column is missing or a row's time is not on ``time_axis``.
    """
    missing = [v for v in ("time_h", *variables) if v not in df.columns]
    if missing:
        raise ValueError(f"the model returned no column(s) {missing}")
    t = df["time_h"].to_numpy(dtype=np.float64)
    pos = np.searchsorted(time_axis, t - 1e-6)
    bad = (pos >= len(time_axis)) | (np.abs(time_axis[np.minimum(pos, len(time_axis) - 1)] - t) > 1e-6)
    if bad.any():
        raise ValueError(
            f"simulate() returned times {t[bad][:5].tolist()} h that are not on the "
            f"expected time axis (every metrics interval up to the duration)"
        )
    out = np.full((len(time_axis), len(variables)), np.nan)
    out[pos] = df[list(variables)].to_numpy(dtype=np.float64)
    return out


def _simulate_point(request: RunRequest) -> Any:
    """The model's metrics table (``time_h`` + one column per metric) of one run."""
    from orchestration.models import simulate_point

    return simulate_point(request.skin, request.preset, request.overrides, request.seed)


def _task_context() -> tuple[Any, str]:
    """The worker executing this task and the task's key (None, "" outside a worker)."""
    try:
        from distributed import get_worker
        from distributed.worker import thread_state

        return get_worker(), str(getattr(thread_state, "key", ""))
    except (ImportError, ValueError):
        return None, ""


def run_task(
    requests: Sequence[RunRequest],
    time_axis: np.ndarray,
    variables: Sequence[str],
    faults: FaultPlan | None = None,
    run_timeout: float | None = None,
) -> list[RunResult]:
    """Simulate a few runs, one after the other; never raises for a failing run.

    Parameters
    ----------
    requests : sequence of RunRequest
        The runs of this task.
    time_axis : ndarray
        The cube's time axis (hours).
    variables : sequence of str
        Metric columns to return, in cube order.
    faults : FaultPlan, optional
        Injected faults (:mod:`orchestration.faults`); none by default.
    run_timeout : float, optional
        Seconds one run may take; a run past it comes back as ``TIMEOUT``. A cancelled
        task stops at once, its current run ``LOST`` and the rest not returned.

    Returns
    -------
    list of RunResult
        In the order of ``requests`` (shorter only when the task was cancelled).
    """
    from orchestration.timeouts import RunCancelled, RunTimeout, limit

    faults = faults or FaultPlan()
    worker, key = _task_context()
    out: list[RunResult] = []
    for request in requests:
        t0 = time.perf_counter()
        try:
            with limit(run_timeout, key, worker, request.run):
                faults.before_run(request.run, request.attempt, in_worker=worker is not None)
                block = align_to_time_axis(_simulate_point(request), time_axis, variables)
            out.append(RunResult(request.run, RunStatus.OK, block, "", time.perf_counter() - t0))
        except RunTimeout:
            out.append(RunResult(
                request.run, RunStatus.TIMEOUT, None,
                f"the run did not finish within its limit of {run_timeout:g} s (--run-timeout)",
                time.perf_counter() - t0,
            ))
        except RunCancelled:  # nobody waits for this task any more
            out.append(RunResult(request.run, RunStatus.LOST, None, "the task was cancelled",
                                 time.perf_counter() - t0))
            break
        except Exception as exc:  # errors are data: report and go on
            tb = traceback.format_exc(limit=6)
            out.append(RunResult(request.run, RunStatus.ERROR, None, f"{type(exc).__name__}: {exc}\n{tb}",
                                 time.perf_counter() - t0))
    return out
