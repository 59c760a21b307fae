"""Running the grid on Dask: a bounded window of tasks, retries, failures as data, interrupts.

:func:`execute` (a :class:`SweepExecution`) sends runs out as tasks of ``runs_per_task``
runs (by default as many runs as make about 0.2 s of simulation, judged from the runs so
far) through a sliding window of at most a few tasks per worker thread, refilled from
``as_completed(...).add()``; the whole grid is never mapped at once, so a 10^6-run sweep
keeps only the window in flight and only the open chunks in memory. Task keys are
``<sweep hash[:12]>-r<first run>-<n>-a<attempt>``. What runs on the workers is
:func:`orchestration.worker.run_task`.

A run whose simulation raises is caught *inside* the task and comes back as data (its
error text); it is retried ``retries`` times, then recorded with status ``error`` and a
line in ``failures.jsonl``. A task that Dask itself loses (``KilledWorker`` after workers
died under it, cancellation) is resubmitted as well, one run per task, and recorded as
``lost`` only when that keeps happening. A run past its time limit is recorded as
``timeout``. Every other run goes on.

Faults can be injected for tests and demonstrations with ``SKIBIDY_FAULT_*`` environment
variables (:mod:`orchestration.faults`).
"""

from __future__ import annotations

import asyncio
import errno
import json
import os
import signal
import threading
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from orchestration.faults import FaultPlan, InjectedFault, faults_from_env
from orchestration.spec import resolve_point
from orchestration.status import RunStatus
from orchestration.store import ResultStore, Writer
from orchestration.timeouts import default_run_timeout, stuck_runs
from orchestration.worker import RunRequest, RunResult, run_task

__all__ = [
    "execute", "SweepExecution", "ExecutionReport", "RunStatus", "Interrupted", "ClusterLost",
    "StorageFailed", "storage_failure", "run_task", "faults_from_env", "FaultPlan", "InjectedFault",
    "ExecutionControl",
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


def _describe(exc: BaseException) -> str:
    """``Type: message`` of an exception, in full (for ``failures.jsonl``)."""
    return f"{type(exc).__name__}: {exc}"


def _reason(exc: BaseException) -> str:
    text = (str(exc).splitlines() or [""])[0][:160]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


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



@dataclass
class ExecutionControl:
    """How a caller other than the command line steers one execution (the job service).

    Attributes
    ----------
    stop : threading.Event
        When set (:meth:`request_stop`), the loop cancels its tasks, writes what arrived and raises
        :class:`Interrupted` with ``signame="cancel"`` (checked after every completed task;
        cancelling the tasks by :attr:`key_prefix` makes that immediate).
    priority : int
        Dask task ``priority=`` of every task (higher runs first).
    key_prefix : str
        Put before every task key, so that a job's futures can be found by their keys.
    window : int, optional
        Tasks in flight at most (overrides the default window).
    on_progress : callable, optional
        Called with the :class:`ExecutionReport` after every completed task.
    """

    stop: threading.Event = field(default_factory=threading.Event)
    priority: int = 0
    key_prefix: str = ""
    window: int | None = None
    on_progress: Callable[[ExecutionReport], None] | None = None
    _hooks: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def request_stop(self) -> None:
        """Set :attr:`stop` and cancel the tasks in flight (from any thread)."""
        self.stop.set()
        for hook in list(self._hooks):
            hook()


#: the runs of one task: ``(run, attempt)`` pairs
Group = list[tuple[int, int]]


def _default_window(client: Any) -> int:
    """Tasks in flight at most: 3 per worker thread, at least 16."""
    try:
        threads = sum(client.nthreads().values())
    except Exception:  # pragma: no cover - exotic clients
        threads = 2
    return max(16, 3 * threads)


class SweepExecution:
    """One execution of the flat runs ``todo`` of ``store`` on ``client``.

    Parameters are those of :func:`execute`. :meth:`run` does the work: it fills the
    window of tasks (:meth:`_fill_window`), takes each task as it completes
    (:meth:`_collect`), records every run that reached a final status or sends it out
    again (:meth:`_record`, :meth:`_retry`), and writes everything received before it
    returns or raises (:meth:`_abort`, :meth:`_finish`).
    """

    def __init__(
        self,
        client: Any,
        store: ResultStore,
        todo: np.ndarray,
        *,
        retries: int = 0,
        window: int | None = None,
        runs_per_task: int | None = None,
        progress: bool = True,
        faults: FaultPlan | None = None,
        run_timeout: float | None = None,
        control: ExecutionControl | None = None,
    ) -> None:
        self.client = client
        self.control = control or ExecutionControl()
        self.store = store
        self.spec, self.grid = store.spec, store.grid
        self.todo = np.asarray(todo, dtype=np.int64)
        already = int(np.count_nonzero(store.status() == RunStatus.OK))
        self.report = ExecutionReport(total=self.grid.size, already_done=already, submitted=len(self.todo))
        self.faults = faults_from_env() if faults is None else faults
        fixed = runs_per_task or (self.spec.runs_per_task if self.spec.runs_per_task > 1 else None)
        self.runs_per_task: int | None = max(1, int(fixed)) if fixed else None  # None: automatic
        window = window if window is not None else self.control.window
        self.window = window if window is not None else _default_window(client)
        self.time_axis = store.time_h
        self.variables = store.variables
        if run_timeout is None:
            days = float(self.time_axis[-1]) / 24.0 if len(self.time_axis) else 0.0
            run_timeout = default_run_timeout(days)
        self.run_timeout = run_timeout
        self.max_error_attempts = 1 + max(0, int(retries))
        self.max_lost_attempts = 1 + max(3, int(retries))
        self.progress = progress

        self._writer = Writer(store, self.todo)
        self._failures_path = store.directory / FAILURES_FILE
        self._prefix = self.control.key_prefix + self.spec.hash[:12]
        # the client's hot path: seeds come from the cube (computed once at creation), and a
        # point's (skin, preset, overrides) is resolved once for all its replicates
        self._seeds = store.seeds()
        self._points: dict[int, tuple[str, str, dict[str, Any]]] = {}
        self._position = 0  # next fresh run in todo
        self._retry_groups: deque[Group] = deque()  # runs that raised: they go first
        # Runs whose task was lost (a worker died under it) go out again one at a time: a run
        # that crashes its worker then cannot take another lost run down with it every time.
        self._lost_groups: deque[Group] = deque()
        self._lost_out: set[str] = set()
        self._lost_attempts: dict[int, int] = {}
        self._in_flight: dict[str, tuple[Any, Group]] = {}
        self._bar: Any = None

    # -- the loop -------------------------------------------------------------------------

    def run(self) -> ExecutionReport:
        """Execute every run; return the report.

        Raises
        ------
        Interrupted
            On Ctrl-C or SIGTERM, after writing everything that had arrived.
        ClusterLost
            When the scheduler is gone, after writing everything that had arrived.
        StorageFailed
            When the results cannot be written (disk full, I/O error).
        """
        from distributed import as_completed

        t_start = time.perf_counter()
        if self._stop_requested():
            raise Interrupted(self.store.directory, "cancel")
        self.control._hooks.append(self._cancel_from_elsewhere)
        self._bar = _progress_bar(self.grid.size, self.report.already_done, self.progress)
        done = as_completed([], with_results=False, raise_errors=False)
        try:
            with _sigterm_as_interrupt() as fired:
                try:
                    self._fill_window(done)
                    for fut in done:
                        if self._stop_requested():
                            fired.append("cancel")
                            raise KeyboardInterrupt
                        self._take(fut)
                        del fut  # its result is written: let it go
                        if self.control.on_progress is not None:
                            self.control.on_progress(self.report)
                        if self._stop_requested():
                            fired.append("cancel")
                            raise KeyboardInterrupt
                        self._fill_window(done)
                except KeyboardInterrupt:
                    with _signals_ignored():
                        self._cancel_in_flight()
                        self._writer.flush()
                        self._bar.close()
                    raise Interrupted(self.store.directory, fired[-1] if fired else "SIGINT") from None
                except (Exception, asyncio.CancelledError) as exc:
                    failure = self._abort(exc)
                    if failure is exc:
                        raise
                    raise failure from exc
            self._finish()
        finally:
            self._bar.close()
            if self._cancel_from_elsewhere in self.control._hooks:
                self.control._hooks.remove(self._cancel_from_elsewhere)
        self.report.elapsed_s = time.perf_counter() - t_start
        return self.report

    def _stop_requested(self) -> bool:
        return self.control.stop.is_set()

    def _cancel_from_elsewhere(self) -> None:
        """Cancel the tasks in flight (another thread's :meth:`ExecutionControl.request_stop`)."""
        futures = [f for f, _ in list(self._in_flight.values())]
        if futures:
            try:
                self.client.cancel(futures)
            except (Exception, asyncio.CancelledError):  # the loop then stops at its next task
                pass

    def _fill_window(self, done: Any) -> None:
        """Submit tasks until the window is full or no run is left to send."""
        while len(self._in_flight) < self.window:
            group = self._next_group()
            if group is None:
                return
            done.add(self._submit(group))

    def _take(self, fut: Any) -> None:
        """Record what one completed (or lost) task brought back."""
        _, group = self._in_flight.pop(fut.key)
        self._lost_out.discard(fut.key)
        results = self._collect(fut, group)
        stuck: set[int] = set()
        if fut.status != "finished" and not _client_gone(self.client):
            stuck = stuck_runs(self.client, fut.key)
        n_final = 0
        cluster_gone = False
        for attempt, result in results:
            self.report.sim_seconds += result.seconds
            if result.status is RunStatus.LOST and result.run not in stuck and _client_gone(self.client):
                cluster_gone = True  # not the run's fault: it stays pending
                continue
            n_final += self._record(result, attempt, stuck)
        r = self.report
        self._bar.set_postfix_str(
            f"ok={r.already_done + r.ok} failed={r.errors + r.lost + r.timeouts}", refresh=False
        )
        self._bar.update(n_final)
        if cluster_gone:
            raise ClusterLost(self.store.directory, f"no connection to the scheduler {_address(self.client)}")

    # -- tasks ----------------------------------------------------------------------------

    def _next_group(self) -> Group | None:
        """The runs of the next task: retries first, then one lost run, then fresh runs."""
        if self._retry_groups:
            return self._retry_groups.popleft()
        if self._lost_groups and not self._lost_out:
            group = self._lost_groups.popleft()
            self._lost_out.add(self._task_key(group))
            return group
        if self._position >= len(self.todo):
            return None
        k = self.runs_per_task or self._auto_runs_per_task()
        group = [(int(r), 0) for r in self.todo[self._position : self._position + k]]
        self._position += k
        return group

    def _auto_runs_per_task(self) -> int:
        timed = self.report.ok + self.report.errors
        return auto_runs_per_task(self.report.sim_seconds / timed if timed else float("nan"))

    def _task_key(self, group: Group) -> str:
        return f"{self._prefix}-r{group[0][0]}-{len(group)}-a{max(a for _, a in group)}"

    def _request(self, r: int, attempt: int) -> RunRequest:
        point = self.grid.point_index(r)
        resolved = self._points.get(point)
        if resolved is None:
            if len(self._points) >= 1024:
                self._points.clear()
            resolved = self._points[point] = resolve_point(self.spec, self.grid.point(point * self.spec.runs_per_value))
        skin, preset, overrides = resolved
        return RunRequest(int(r), skin, preset, overrides, int(self._seeds[r]), attempt)

    def _submit(self, group: Group) -> Any:
        fut = self.client.submit(
            run_task,
            [self._request(r, a) for r, a in group],
            self.time_axis,
            self.variables,
            self.faults,
            self.run_timeout,
            key=self._task_key(group),
            pure=False,
            priority=self.control.priority,
        )
        self._in_flight[fut.key] = (fut, group)
        return fut

    @staticmethod
    def _collect(fut: Any, group: Group) -> list[tuple[int, RunResult]]:
        """Per run of a completed future: ``(attempt, result)``; a lost task's runs are ``LOST``."""
        attempts = dict(group)
        if fut.status == "finished":
            try:
                results = fut.result()
            except (Exception, asyncio.CancelledError) as exc:  # lost between finish and fetch
                return [(a, RunResult(r, RunStatus.LOST, error=_describe(exc))) for r, a in group]
            return [(attempts[res.run], res) for res in results]
        try:
            exc = fut.exception()
            text = _describe(exc) if exc is not None else f"task {fut.status}"
        except (Exception, asyncio.CancelledError) as exc2:  # cancelled futures raise here
            text = _describe(exc2)
        # run_task never raises for a failing run, so any task-level error means the task
        # was lost (KilledWorker, cancelled, worker or scheduler gone): retryable.
        return [(a, RunResult(r, RunStatus.LOST, error=text)) for r, a in group]

    # -- outcomes -------------------------------------------------------------------------

    def _record(self, result: RunResult, attempt: int, stuck: set[int]) -> bool:
        """Write a run that reached its final status, or send it out again; True if final."""
        r, status = result.run, result.status
        if status is RunStatus.OK:
            self._writer.add(r, result.block, RunStatus.OK)
            self.report.ok += 1
            return True
        if status is not RunStatus.TIMEOUT and r in stuck:  # its worker was ended for not stopping
            status = RunStatus.TIMEOUT
            result.error = (f"the run did not stop at its time limit of {self.run_timeout:g} s; "
                            "its worker process was restarted")
        if status is RunStatus.LOST:
            n = self._lost_attempts[r] = self._lost_attempts.get(r, 0) + 1
            if n < self.max_lost_attempts:
                return self._retry(r, attempt, lost=True)
        elif status is RunStatus.ERROR and attempt + 1 < self.max_error_attempts:
            return self._retry(r, attempt, lost=False)
        self._writer.add(r, None, status)
        self._record_failure(r, status, result.error, attempt + 1)
        if status is RunStatus.LOST:
            self.report.lost += 1
        elif status is RunStatus.TIMEOUT:
            self.report.timeouts += 1
        else:
            self.report.errors += 1
        return True

    def _retry(self, r: int, attempt: int, *, lost: bool) -> bool:
        """Queue run ``r`` for its next attempt (a lost run alone in its task); False."""
        self.report.retried += 1
        (self._lost_groups if lost else self._retry_groups).append([(r, attempt + 1)])
        return False

    def _record_failure(self, r: int, status: RunStatus, error: str, attempts: int) -> None:
        """Add run ``r`` to ``failures.jsonl`` and to the report."""
        idx = self.grid.index(r)
        entry = {
            "run": int(r),
            "status": status.label,
            "point": {a.param: _jsonable(a.values[i]) for a, i in zip(self.grid.axes, idx[:-1])},
            "replicate": int(idx[-1]),
            "seed": int(self.grid.seed(r)),
            "attempts": attempts,
            "error": error.strip(),
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        self.report.failures.append(entry)
        _append_line(self._failures_path, json.dumps(entry))

    # -- the end --------------------------------------------------------------------------

    def _cancel_in_flight(self) -> None:
        futures = [f for f, _ in self._in_flight.values()]
        self._in_flight.clear()
        if futures:
            try:
                self.client.cancel(futures)
            except (Exception, asyncio.CancelledError):  # the cluster may already be going down
                pass

    def _abort(self, exc: BaseException) -> BaseException:
        """Whatever ends the sweep, write what was received first; the exception to raise."""
        original = exc
        with _signals_ignored():
            self._cancel_in_flight()
            try:
                self._writer.flush()
            except OSError as flush_exc:
                exc = flush_exc
            self._bar.close()
        directory = self.store.directory
        if isinstance(exc, ClusterLost):
            return exc
        failed = storage_failure(exc, directory)
        if failed is not None:
            return failed
        if _client_gone(self.client) or _is_comm_error(exc):
            return ClusterLost(directory, _reason(exc))
        return original

    def _finish(self) -> None:
        """The last flush of the open chunks."""
        try:
            self._writer.flush()
        except OSError as exc:
            failed = storage_failure(exc, self.store.directory)
            if failed is not None:
                raise failed from exc
            raise


def execute(
    client: Any,
    store: ResultStore,
    todo: np.ndarray,
    *,
    retries: int = 0,
    window: int | None = None,
    runs_per_task: int | None = None,
    progress: bool = True,
    faults: FaultPlan | None = None,
    run_timeout: float | None = None,
    control: ExecutionControl | None = None,
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
    faults : FaultPlan, optional
        Injected faults; default from the environment (:func:`faults_from_env`).
    run_timeout : float, optional
        Seconds one run may take before it is stopped and recorded as ``timeout``
        (default: :func:`~orchestration.timeouts.default_run_timeout` of the longest
        simulated duration in the grid).
    control : ExecutionControl, optional
        Stop event, task priority, key prefix, window and progress callback (the job
        service's; the command line needs none).

    Returns
    -------
    ExecutionReport

    Raises
    ------
    Interrupted, ClusterLost, StorageFailed
        See :meth:`SweepExecution.run`.
    """
    return SweepExecution(
        client, store, todo, retries=retries, window=window, runs_per_task=runs_per_task,
        progress=progress, faults=faults, run_timeout=run_timeout, control=control,
    ).run()


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
