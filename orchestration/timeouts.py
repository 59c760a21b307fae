"""Per-run time limits and cancellation, enforced inside the worker process.

A run executes in a Dask worker thread, which cannot be killed from outside. Each worker
process therefore keeps one watchdog thread (started on first use) that watches the runs
executing in it:

* a run past its limit gets :class:`RunTimeout` raised inside its thread (with
  ``PyThreadState_SetAsyncExc``, delivered at the simulator's next Python bytecode); the
  task then returns the run as status ``timeout`` and the worker takes the next task;
* a run whose task Dask has cancelled or released (the client pressed Ctrl-C, exited or
  was killed, the scheduler forgot the task) gets :class:`RunCancelled` the same way, so
  no cancelled task keeps a worker busy after its client has gone;
* a thread that does not stop within :data:`GRACE_S` seconds (stuck in C code) takes its
  worker process down with it (``os._exit``) after logging a Dask event
  (:data:`EVENT_TOPIC`); the nanny starts a fresh worker, and the client, which sees the
  task lost, finds the event and records the run as ``timeout`` instead of retrying it
  (Dask itself may have rerun the task on another worker first, up to
  ``distributed.scheduler.allowed-failures`` times).

The simulator itself is not changed: there is no cooperative check in its step loop.
"""

from __future__ import annotations

import ctypes
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

__all__ = [
    "RunTimeout", "RunCancelled", "limit", "default_run_timeout", "GRACE_S", "POLL_S",
    "EVENT_TOPIC", "stuck_runs",
]

GRACE_S = 10.0
"""Seconds a thread gets to stop after its exception was raised, before the process exits
(the environment variable ``SKIBIDY_TIMEOUT_GRACE`` of the worker changes it)."""
EVENT_TOPIC = "skibidy-timeout"
"""Dask event topic of runs whose worker process was ended because they did not stop."""
POLL_S = 0.1
"""How often the watchdog looks at the runs."""
EXIT_CODE = 75


class RunTimeout(BaseException):
    """Raised inside a run's thread when it passes its time limit.

    A :class:`BaseException`, so that no ``except Exception`` on the way catches it.
    """


class RunCancelled(BaseException):
    """Raised inside a run's thread when its Dask task was cancelled or released."""


def default_run_timeout(duration_days: float) -> float:
    """The default limit of one run: 60 s plus 5 s per simulated day (very generous).

    A simulated day costs about 20 ms on one core of a laptop, so the limit is a few
    hundred times a normal run: it stops only runs that will not end.

    Examples
    --------
    >>> default_run_timeout(30.0)
    210.0
    """
    return 60.0 + 5.0 * max(0.0, float(duration_days))


@dataclass
class _Watched:
    deadline: float
    key: str
    worker: Any
    run: int = -1
    fired: type[BaseException] | None = None
    fired_at: float = 0.0


def _grace() -> float:
    try:
        return float(os.environ.get("SKIBIDY_TIMEOUT_GRACE", GRACE_S))
    except ValueError:
        return GRACE_S


_lock = threading.Lock()
_watched: dict[int, _Watched] = {}
_watchdog: threading.Thread | None = None


def _raise_in(thread_id: int, exc: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc is not None else None
    )


def _task_gone(worker: Any, key: str) -> bool:
    """True if the worker no longer wants task ``key`` (cancelled, released, forgotten)."""
    if worker is None:
        return False
    try:
        ts = worker.state.tasks.get(key)
    except Exception:  # the worker is closing
        return True
    return ts is None or ts.state in ("cancelled", "released", "forgotten")


def _watch() -> None:
    grace = _grace()
    while True:
        time.sleep(POLL_S)
        now = time.monotonic()
        with _lock:
            for tid, w in _watched.items():
                if w.fired is None:
                    if now > w.deadline:
                        w.fired, w.fired_at = RunTimeout, now
                    elif _task_gone(w.worker, w.key):
                        w.fired, w.fired_at = RunCancelled, now
                    if w.fired is not None:
                        _raise_in(tid, w.fired)
                elif now - w.fired_at > grace:
                    _give_up(w)


def _give_up(w: _Watched) -> None:
    """The thread ignores its exception (C code): end the process; the nanny restarts it."""
    try:
        if w.worker is not None and w.fired is RunTimeout:
            # tell the client that this run timed out (it then records it as a timeout
            # instead of retrying a task whose worker died)
            w.worker.log_event(EVENT_TOPIC, {"key": w.key, "run": w.run})
            time.sleep(1.0)
    finally:
        os._exit(EXIT_CODE)


def _ensure_watchdog() -> None:
    global _watchdog
    with _lock:
        if _watchdog is None or not _watchdog.is_alive():
            _watchdog = threading.Thread(target=_watch, name="skibidy-watchdog", daemon=True)
            _watchdog.start()


@contextmanager
def limit(seconds: float | None, key: str = "", worker: Any = None, run: int = -1) -> Iterator[None]:
    """Run the block with a time limit (and cancellation of task ``key`` on ``worker``).

    Parameters
    ----------
    seconds : float or None
        The limit; None for no limit (cancellation still applies).
    key : str
        The Dask task key the block belongs to.
    worker : distributed.Worker, optional
        The worker executing it (None outside a worker: no cancellation check).
    run : int
        The flat run index, reported if the run has to be stopped by ending the process.

    Raises
    ------
    RunTimeout, RunCancelled
        Inside the block, when it is stopped.
    """
    if seconds is None and worker is None:
        yield
        return
    _ensure_watchdog()
    tid = threading.get_ident()
    deadline = time.monotonic() + (seconds if seconds is not None else float("inf"))
    with _lock:
        _watched[tid] = _Watched(deadline, key, worker, run)
    try:
        yield
    finally:
        while True:  # an exception delivered in here (the block had ended) is dropped
            try:
                with _lock:
                    w = _watched.pop(tid, None)
                    if w is not None and w.fired is not None:
                        _raise_in(tid, None)  # the block ended first: drop it if undelivered
                break
            except (RunTimeout, RunCancelled):
                continue


def stuck_runs(client: Any, key: str) -> set[int]:
    """Runs of task ``key`` whose worker was ended because they passed their limit."""
    try:
        events = client.get_events(EVENT_TOPIC)
    except Exception:  # no scheduler to ask: nothing known
        return set()
    return {int(msg["run"]) for _, msg in events if isinstance(msg, dict) and msg.get("key") == key}
