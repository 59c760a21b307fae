"""Running the grid on Dask: a bounded window of tasks, retries, failures as data, interrupts.

Runs go out as tasks of ``runs_per_task`` runs (by default as many runs as make about
0.2 s of simulation, judged from the runs so far) through a sliding window of at most a
few tasks per worker thread, refilled from ``as_completed(...).add()``; the whole grid is
never mapped at once, so a 10^5-run sweep keeps only the window in flight and only the
open chunks in memory. Task keys are ``<sweep hash[:12]>-r<first run>-<n>-a<attempt>``.

A run whose simulation raises is caught *inside* the task and comes back as data (its
error text); it is retried ``retries`` times, then recorded with status 2 (error) and a
line in ``failures.jsonl``. A task that Dask itself loses (``KilledWorker`` after workers
died under it, cancellation) is resubmitted as well, and recorded as status 3 (lost) only
when that keeps happening. Every other run goes on.

Fault injection for tests and demonstrations (documented, off unless set):

``SKIBIDY_FAULT_RUNS="3,7:1"``
    Flat run 3 raises on every attempt; run 7 raises on its first attempt only.
``SKIBIDY_FAULT_EXIT_RUNS="5"``
    The worker process running flat run 5 exits abruptly (``os._exit``), as a crash would
    (on every attempt, so the run ends up lost).
``SKIBIDY_FAULT_DELAY="0.3"``
    Every run sleeps that many seconds first (to interrupt or kill a sweep mid-way).

These are read by the client when a sweep starts and travel with the tasks; they are not
part of the sweep spec, so a sweep resumed without them continues the same cube.
"""

from __future__ import annotations

import asyncio
import errno
import json
import os
import signal
import threading
import time
import traceback
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from orchestration.spec import resolve_point
from orchestration.timeouts import stuck_runs
from orchestration.store import (
    STATUS_ERROR,
    STATUS_LOST,
    STATUS_OK,
    STATUS_NAMES,
    STATUS_TIMEOUT,
    ResultStore,
    Writer,
)

__all__ = [
    "execute", "run_task", "ExecutionReport", "Interrupted", "ClusterLost", "StorageFailed",
    "faults_from_env", "storage_failure",
]

FAILURES_FILE = "failures.jsonl"
#: automatic batching aims at tasks of about this many seconds of simulation: far above
#: Dask's per-task cost (~1-5 ms on 2 busy cores), far below a run lost to a dead worker
TASK_TARGET_S = 0.2
MAX_RUNS_PER_TASK = 64


def auto_runs_per_task(mean_run_s: float) -> int:
    """Runs per task so that a task simulates about :data:`TASK_TARGET_S` seconds.

    Examples
    --------
    >>> auto_runs_per_task(1.5), auto_runs_per_task(0.012), auto_runs_per_task(float("nan"))
    (1, 16, 1)
    """
    if not mean_run_s > 0:
        return 1
    return int(min(MAX_RUNS_PER_TASK, max(1, TASK_TARGET_S // mean_run_s)))


class Interrupted(Exception):
    """The sweep was interrupted (Ctrl-C or SIGTERM); everything received was written."""

    def __init__(self, directory: Path, signame: str = "SIGINT") -> None:
        super().__init__(f"interrupted by {signame}")
        self.directory = directory
        self.signame = signame


class ClusterLost(Exception):
    """The Dask scheduler (or the connection to it) was lost; everything received was written."""

    def __init__(self, directory: Path, reason: str) -> None:
        super().__init__(f"the Dask cluster was lost: {reason}")
        self.directory = directory
        self.reason = reason


class StorageFailed(Exception):
    """Results could not be written (disk full, I/O error); what was written is kept."""

    def __init__(self, directory: Path, reason: str) -> None:
        super().__init__(f"cannot write the results: {reason}")
        self.directory = directory
        self.reason = reason


#: errno values that mean the results folder cannot take more data
_STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS, errno.EACCES, errno.EFBIG})


def storage_failure(exc: BaseException, directory: Path) -> StorageFailed | None:
    """The :class:`StorageFailed` for an error that means the results cannot be written."""
    if isinstance(exc, OSError) and exc.errno in _STORAGE_ERRNOS:
        return StorageFailed(directory, _reason(exc))
    return None


def _client_gone(client: Any) -> bool:
    return str(getattr(client, "status", "running")) not in ("running", "newly-created")


def _reason(exc: BaseException) -> str:
    text = (str(exc).splitlines() or [""])[0][:160]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class InjectedFault(RuntimeError):
    """Raised by a run selected with ``SKIBIDY_FAULT_RUNS`` (testing only)."""


@dataclass
class ExecutionReport:
    """What one execution did."""

    total: int
    already_done: int
    submitted: int
    ok: int = 0
    errors: int = 0
    lost: int = 0
    timeouts: int = 0
    retried: int = 0
    elapsed_s: float = 0.0
    sim_seconds: float = 0.0
    failures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def runs_per_second(self) -> float:
        done = self.ok + self.errors + self.lost + self.timeouts
        return done / self.elapsed_s if self.elapsed_s > 0 else float("nan")


# -- worker side ------------------------------------------------------------------------


def _align(df: Any, time_axis: np.ndarray, variables: Sequence[str]) -> np.ndarray:
    """Place a metrics table on the cube's time axis: ``(time, variable)``, NaN-padded."""
    missing = [v for v in ("time_h", *variables) if v not in df.columns]
    if missing:
        raise ValueError(f"simulate() returned no column(s) {missing}")
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


def _task_context() -> tuple[Any, str]:
    """The worker executing this task and the task's key (None, "" outside a worker)."""
    try:
        from distributed import get_worker
        from distributed.worker import thread_state

        return get_worker(), str(getattr(thread_state, "key", ""))
    except (ImportError, ValueError):
        return None, ""


def run_task(
    runs: Sequence[tuple[int, str, str, dict[str, Any], int, int]],
    time_axis: np.ndarray,
    variables: Sequence[str],
    faults: dict[str, dict[int, int]] | None = None,
    run_timeout: float | None = None,
) -> list[tuple[int, np.ndarray | None, str | None, float]]:
    """Simulate a few runs; never raises for a failing run.

    Parameters
    ----------
    runs : sequence of (run, skin, preset, overrides, seed, attempt)
    time_axis : ndarray
        The cube's time axis (hours).
    variables : sequence of str
        Metric columns to return, in cube order.
    faults : dict, optional
        Injected faults (see the module docstring).
    run_timeout : float, optional
        Seconds one run may take; a run past it comes back as ``TIMEOUT:`` (see
        :mod:`orchestration.timeouts`). A cancelled task stops at once.

    Returns
    -------
    list of (run, block or None, error text or None, seconds)
    """
    from orchestration.models import simulate_point
    from orchestration.timeouts import RunCancelled, RunTimeout, limit

    faults = faults or {}
    delay = float(faults.get("delay", {}).get(0, 0)) / 1000.0
    worker, key = _task_context()
    out = []
    for run, skin, preset, overrides, seed, attempt in runs:
        t0 = time.perf_counter()
        try:
            with limit(run_timeout, key, worker, run):
                if delay:
                    time.sleep(delay)
                if run in faults.get("exit", {}) and worker is not None:
                    os._exit(17)
                fail_for = faults.get("raise", {}).get(run)
                if fail_for is not None and (fail_for < 0 or attempt < fail_for):
                    raise InjectedFault(f"injected fault for run {run} (SKIBIDY_FAULT_RUNS)")
                block = _align(simulate_point(skin, preset, overrides, seed), time_axis, variables)
            out.append((run, block, None, time.perf_counter() - t0))
        except RunTimeout:
            out.append((run, None, f"TIMEOUT:the run did not finish within its limit of "
                        f"{run_timeout:g} s (--run-timeout)", time.perf_counter() - t0))
        except RunCancelled:  # nobody waits for this task any more
            out.append((run, None, "LOST:the task was cancelled", time.perf_counter() - t0))
            break
        except Exception as exc:  # errors are data: report and go on
            tb = traceback.format_exc(limit=6)
            out.append((run, None, f"{type(exc).__name__}: {exc}\n{tb}", time.perf_counter() - t0))
    return out


# -- client side ------------------------------------------------------------------------


def faults_from_env(environ: Any = None) -> dict[str, dict[int, int]]:
    """Read ``SKIBIDY_FAULT_RUNS`` / ``SKIBIDY_FAULT_EXIT_RUNS`` (see the module docstring)."""
    env = os.environ if environ is None else environ
    faults: dict[str, dict[int, int]] = {}
    for key, name in (("raise", "SKIBIDY_FAULT_RUNS"), ("exit", "SKIBIDY_FAULT_EXIT_RUNS")):
        spec = env.get(name, "").strip()
        if not spec:
            continue
        table = {}
        for item in spec.split(","):
            run, _, times = item.strip().partition(":")
            table[int(run)] = int(times) if times else -1
        faults[key] = table
    delay = env.get("SKIBIDY_FAULT_DELAY", "").strip()
    if delay:
        faults["delay"] = {0: int(round(float(delay) * 1000))}
    return faults


@contextmanager
def _sigterm_as_interrupt() -> Iterator[list[str]]:
    """Inside: SIGTERM raises KeyboardInterrupt like Ctrl-C (main thread only)."""
    fired: list[str] = []
    if threading.current_thread() is not threading.main_thread():
        yield fired
        return

    def handler(signum: int, frame: Any) -> None:
        fired.append(signal.Signals(signum).name)
        raise KeyboardInterrupt

    old_term = signal.signal(signal.SIGTERM, handler)
    old_int = signal.signal(signal.SIGINT, handler)
    try:
        yield fired
    finally:
        signal.signal(signal.SIGTERM, old_term)
        signal.signal(signal.SIGINT, old_int)


@contextmanager
def _signals_ignored() -> Iterator[None]:
    """Shield a critical section (the final flush) from further Ctrl-C / SIGTERM."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _progress_bar(total: int, initial: int, enabled: bool) -> Any:
    from tqdm.auto import tqdm

    return tqdm(
        total=total, initial=initial, unit="run", disable=not enabled, dynamic_ncols=True,
        desc="runs", smoothing=0.1,
    )


def execute(
    client: Any,
    store: ResultStore,
    todo: np.ndarray,
    *,
    retries: int = 0,
    window: int | None = None,
    runs_per_task: int | None = None,
    progress: bool = True,
    faults: dict[str, dict[int, int]] | None = None,
    run_timeout: float | None = None,
) -> ExecutionReport:
    """Run the flat run indices ``todo`` on ``client`` and write them into ``store``.

    Parameters
    ----------
    client : distributed.Client
    store : ResultStore
        The (already created) cube; the client is its only writer.
    todo : ndarray of int
        Flat run indices to run, in order.
    retries : int
        Extra attempts for a run that raised.
    window : int, optional
        Tasks in flight at most (default: 3 per worker thread, at least 16).
    runs_per_task : int, optional
        Runs per task (default: the spec's ``runs_per_task`` if above 1, else automatic:
        one run per task until runs have reported their time, then
        :func:`auto_runs_per_task` of the mean so far). Results do not depend on it.
    progress : bool
        Show a progress bar.
    faults : dict, optional
        Injected faults; default from the environment (:func:`faults_from_env`).
    run_timeout : float, optional
        Seconds one run may take before it is stopped and recorded as ``timeout``
        (default: :func:`~orchestration.timeouts.default_run_timeout` of the longest
        simulated duration in the grid).

    Returns
    -------
    ExecutionReport

    Raises
    ------
    Interrupted
        On Ctrl-C or SIGTERM, after writing everything that had arrived.
    """
    from distributed import as_completed

    spec, grid = store.spec, store.grid
    todo = np.asarray(todo, dtype=np.int64)
    status_before = store.status()
    already = int(np.count_nonzero(status_before == STATUS_OK))
    report = ExecutionReport(total=grid.size, already_done=already, submitted=len(todo))
    faults = faults_from_env() if faults is None else faults
    fixed = runs_per_task or (spec.runs_per_task if spec.runs_per_task > 1 else None)
    rpt = max(1, int(fixed)) if fixed else None  # None: automatic
    if window is None:
        try:
            threads = sum(client.nthreads().values())
        except Exception:  # pragma: no cover - exotic clients
            threads = 2
        window = max(16, 3 * threads)
    prefix = spec.hash[:12]
    time_axis = store.time_h
    if run_timeout is None:
        from orchestration.timeouts import default_run_timeout

        run_timeout = default_run_timeout(float(time_axis[-1]) / 24.0 if len(time_axis) else 0.0)
    variables = store.variables
    failures_path = store.directory / FAILURES_FILE
    writer = Writer(store, todo)
    t_start = time.perf_counter()

    max_error_attempts = 1 + max(0, int(retries))
    max_lost_attempts = 1 + max(3, int(retries))
    attempts_lost: dict[int, int] = {}

    # the client's hot path: seeds come from the cube (computed once at creation), and a
    # point's (skin, preset, overrides) is resolved once for all its replicates
    seeds = store.seeds()

    @lru_cache(maxsize=1024)
    def resolved(point: int) -> tuple[str, str, dict[str, Any]]:
        return resolve_point(spec, grid.point(point * spec.runs_per_value))

    def payload(r: int, attempt: int) -> tuple[int, str, str, dict[str, Any], int, int]:
        skin, preset, ov = resolved(grid.point_index(r))
        return (int(r), skin, preset, ov, int(seeds[r]), attempt)

    pending_groups: deque[list[tuple[int, int]]] = deque()  # retries go first
    # Runs whose task was lost (a worker died under it) go out again one at a time: a run
    # that crashes its worker then cannot take another lost run down with it every time.
    lost_groups: deque[list[tuple[int, int]]] = deque()
    lost_out: set[str] = set()
    position = 0  # next fresh run in todo
    in_flight: dict[str, tuple[Any, list[tuple[int, int]]]] = {}

    def next_group() -> list[tuple[int, int]] | None:
        nonlocal position
        if pending_groups:
            return pending_groups.popleft()
        if lost_groups and not lost_out:
            group = lost_groups.popleft()
            lost_out.add(_task_key(group))
            return group
        if position >= len(todo):
            return None
        timed = report.ok + report.errors
        k = rpt or auto_runs_per_task(report.sim_seconds / timed if timed else float("nan"))
        group = [(int(r), 0) for r in todo[position : position + k]]
        position += k
        return group

    def _task_key(group: list[tuple[int, int]]) -> str:
        return f"{prefix}-r{group[0][0]}-{len(group)}-a{max(a for _, a in group)}"

    def submit(group: list[tuple[int, int]]) -> Any:
        key = _task_key(group)
        fut = client.submit(
            run_task,
            [payload(r, a) for r, a in group],
            time_axis,
            variables,
            faults,
            run_timeout,
            key=key,
            pure=False,
        )
        in_flight[fut.key] = (fut, group)
        return fut

    def record_failure(r: int, status: int, error: str, attempts: int) -> None:
        idx = grid.index(r)
        entry = {
            "run": int(r),
            "status": STATUS_NAMES[status],
            "point": {a.param: _jsonable(a.values[i]) for a, i in zip(grid.axes, idx[:-1])},
            "replicate": int(idx[-1]),
            "seed": int(grid.seed(r)),
            "attempts": attempts,
            "error": error.strip(),
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        report.failures.append(entry)
        _append_line(failures_path, json.dumps(entry))

    bar = _progress_bar(grid.size, already, progress)
    ac = as_completed([], with_results=False, raise_errors=False)
    try:
        with _sigterm_as_interrupt() as fired:
            try:
                for _ in range(window):
                    group = next_group()
                    if group is None:
                        break
                    ac.add(submit(group))
                for fut in ac:
                    _, group = in_flight.pop(fut.key)
                    lost_out.discard(fut.key)
                    finished = _collect(fut, group)
                    stuck: set[int] = set()
                    if fut.status != "finished" and not _client_gone(client):
                        stuck = stuck_runs(client, fut.key)
                    del fut
                    n_final = 0
                    cluster_gone = ""
                    for r, attempt, block, error, seconds in finished:
                        report.sim_seconds += seconds
                        if block is not None:
                            writer.add(r, block, STATUS_OK)
                            report.ok += 1
                            n_final += 1
                        elif error.startswith("TIMEOUT:"):
                            writer.add(r, None, STATUS_TIMEOUT)
                            record_failure(r, STATUS_TIMEOUT, error[8:], attempt + 1)
                            report.timeouts += 1
                            n_final += 1
                        elif r in stuck:  # its worker was ended for not stopping
                            writer.add(r, None, STATUS_TIMEOUT)
                            record_failure(r, STATUS_TIMEOUT, "the run did not stop at its time "
                                           f"limit of {run_timeout:g} s; its worker process was "
                                           "restarted", attempt + 1)
                            report.timeouts += 1
                            n_final += 1
                        elif error.startswith("LOST:") and _client_gone(client):
                            # not the run's fault: it stays pending
                            cluster_gone = f"no connection to the scheduler {_address(client)}"
                        elif error.startswith("LOST:"):
                            n = attempts_lost.get(r, 0) + 1
                            attempts_lost[r] = n
                            if n < max_lost_attempts:
                                report.retried += 1
                                lost_groups.append([(r, attempt + 1)])
                            else:
                                writer.add(r, None, STATUS_LOST)
                                record_failure(r, STATUS_LOST, error[5:], attempt + 1)
                                report.lost += 1
                                n_final += 1
                        elif attempt + 1 < max_error_attempts:
                            report.retried += 1
                            pending_groups.append([(r, attempt + 1)])
                        else:
                            writer.add(r, None, STATUS_ERROR)
                            record_failure(r, STATUS_ERROR, error, attempt + 1)
                            report.errors += 1
                            n_final += 1
                    bar.set_postfix_str(
                        f"ok={already + report.ok} "
                        f"failed={report.errors + report.lost + report.timeouts}",
                        refresh=False,
                    )
                    bar.update(n_final)
                    if cluster_gone:
                        raise ClusterLost(store.directory, cluster_gone.strip())
                    while len(in_flight) < window:
                        group = next_group()
                        if group is None:
                            break
                        ac.add(submit(group))
            except KeyboardInterrupt:
                signame = fired[-1] if fired else "SIGINT"
                with _signals_ignored():
                    _cancel(client, in_flight)
                    writer.flush()
                    bar.close()
                raise Interrupted(store.directory, signame) from None
            except (Exception, asyncio.CancelledError) as exc:
                # whatever ends the sweep, what was received is written first
                with _signals_ignored():
                    _cancel(client, in_flight)
                    try:
                        writer.flush()
                    except OSError as flush_exc:
                        exc = flush_exc
                    bar.close()
                if isinstance(exc, OSError) and exc.errno in _STORAGE_ERRNOS:
                    raise StorageFailed(store.directory, _reason(exc)) from exc
                if isinstance(exc, ClusterLost):
                    raise
                if _client_gone(client) or _is_comm_error(exc):
                    raise ClusterLost(store.directory, _reason(exc)) from exc
                raise
        try:
            writer.flush()
        except OSError as exc:
            if exc.errno in _STORAGE_ERRNOS:
                raise StorageFailed(store.directory, _reason(exc)) from exc
            raise
    finally:
        bar.close()
    report.elapsed_s = time.perf_counter() - t_start
    return report


def _address(client: Any) -> str:
    return str(getattr(getattr(client, "scheduler", None), "address", "") or "")


def _is_comm_error(exc: BaseException) -> bool:
    """True for the errors of a lost scheduler connection (closed client, comm, timeout)."""
    try:
        from distributed.client import ClosedClientError  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - older distributed
        ClosedClientError = ()  # type: ignore[assignment,misc]
    from distributed.comm.core import CommClosedError

    return isinstance(
        exc, (CommClosedError, ClosedClientError, TimeoutError, ConnectionError, asyncio.CancelledError)
    )


def _collect(fut: Any, group: list[tuple[int, int]]) -> list[tuple[int, int, Any, str, float]]:
    """Turn a finished future into per-run ``(run, attempt, block, error, seconds)``."""
    attempts = dict(group)
    if fut.status == "finished":
        try:
            results = fut.result()
        except (Exception, asyncio.CancelledError) as exc:  # lost between finish and fetch
            return [(r, a, None, f"LOST:{type(exc).__name__}: {exc}", 0.0) for r, a in group]
        return [(r, attempts[r], block, err or "", sec) for r, block, err, sec in results]
    try:
        exc = fut.exception()
        text = f"{type(exc).__name__}: {exc}" if exc is not None else f"task {fut.status}"
    except (Exception, asyncio.CancelledError) as exc2:  # cancelled futures raise here
        text = f"{type(exc2).__name__}: {exc2}"
    # run_task never raises for a failing run, so any task-level error means the task
    # was lost (KilledWorker, cancelled, worker or scheduler gone): retryable.
    return [(r, a, None, f"LOST:{text}", 0.0) for r, a in group]


def _cancel(client: Any, in_flight: dict[str, tuple[Any, Any]]) -> None:
    futures = [f for f, _ in in_flight.values()]
    in_flight.clear()
    if futures:
        try:
            client.cancel(futures)
        except (Exception, asyncio.CancelledError):  # the cluster may already be going down
            pass


def _append_line(path: Path, line: str) -> None:
    """Append one line; after a torn last line (a write cut short), start a new one."""
    with open(path, "a+b") as fh:
        torn = False
        if fh.seek(0, os.SEEK_END) > 0:
            fh.seek(-1, os.SEEK_END)
            torn = fh.read(1) != b"\n"
        fh.write((("\n" if torn else "") + line + "\n").encode("utf-8"))


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value
