"""Fault injection for tests and demonstrations: runs that raise, crash their worker, or stall.

Off unless one of these environment variables is set in the *client* process:

``SKIBIDY_FAULT_RUNS="3,7:1"``
    Flat run 3 raises :class:`InjectedFault` on every attempt; run 7 on its first attempt only.
``SKIBIDY_FAULT_EXIT_RUNS="5"``
    The worker process running flat run 5 exits abruptly (``os._exit``), as a crash would
    (on every attempt, so the run ends up lost).
``SKIBIDY_FAULT_DELAY="0.3"``
    Every run sleeps that many seconds first (to interrupt or kill a sweep mid-way).

The client reads them once when a sweep starts (:func:`faults_from_env`) and sends the
resulting :class:`FaultPlan` with every task; they are not part of the sweep spec, so a
sweep resumed without them continues the same cube.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Mapping

__all__ = ["InjectedFault", "FaultPlan", "faults_from_env", "EXIT_CODE"]

#: exit code of a worker process ended by ``SKIBIDY_FAULT_EXIT_RUNS``
EXIT_CODE = 17


class InjectedFault(RuntimeError):
    """Raised by a run selected with ``SKIBIDY_FAULT_RUNS`` (testing only)."""


@dataclass(frozen=True)
class FaultPlan:
    """Which runs misbehave, and how.

    Attributes
    ----------
    raise_for : dict of int to int
        Run -> attempts that raise (``-1``: every attempt).
    exit_runs : frozenset of int
        Runs whose worker process exits while running them.
    delay_s : float
        Seconds every run sleeps before it starts.
    """

    raise_for: Mapping[int, int] = field(default_factory=dict)
    exit_runs: frozenset[int] = frozenset()
    delay_s: float = 0.0

    def __bool__(self) -> bool:
        return bool(self.raise_for or self.exit_runs or self.delay_s)

    def before_run(self, run: int, attempt: int, in_worker: bool) -> None:
        """Apply the plan to one run about to start (inside its time limit).

        Raises
        ------
        InjectedFault
            If ``run`` is to fail on this ``attempt``.
        """
        if self.delay_s:
            time.sleep(self.delay_s)
        if run in self.exit_runs and in_worker:
            os._exit(EXIT_CODE)
        fail_for = self.raise_for.get(run)
        if fail_for is not None and (fail_for < 0 or attempt < fail_for):
            raise InjectedFault(f"injected fault for run {run} (SKIBIDY_FAULT_RUNS)")


def _runs(spec: str, name: str) -> dict[int, int]:
    table: dict[int, int] = {}
    for item in spec.split(","):
        run, _, times = item.strip().partition(":")
        try:
            table[int(run)] = int(times) if times else -1
        except ValueError:
            raise ValueError(f"{name}={spec!r}: write run numbers, e.g. \"3,7:1\"") from None
    return table


def faults_from_env(environ: Mapping[str, str] | None = None) -> FaultPlan:
    """The :class:`FaultPlan` of the ``SKIBIDY_FAULT_*`` variables (see the module docstring).

    Examples
    --------
    >>> plan = faults_from_env({"SKIBIDY_FAULT_RUNS": "3,7:1", "SKIBIDY_FAULT_DELAY": "0.25"})
    >>> dict(plan.raise_for), plan.exit_runs, plan.delay_s
    ({3: -1, 7: 1}, frozenset(), 0.25)
    >>> bool(faults_from_env({}))
    False
    """
    env = os.environ if environ is None else environ
    raise_spec = env.get("SKIBIDY_FAULT_RUNS", "").strip()
    exit_spec = env.get("SKIBIDY_FAULT_EXIT_RUNS", "").strip()
    delay = env.get("SKIBIDY_FAULT_DELAY", "").strip()
    return FaultPlan(
        raise_for=_runs(raise_spec, "SKIBIDY_FAULT_RUNS") if raise_spec else {},
        exit_runs=frozenset(_runs(exit_spec, "SKIBIDY_FAULT_EXIT_RUNS")) if exit_spec else frozenset(),
        delay_s=float(delay) if delay else 0.0,
    )
