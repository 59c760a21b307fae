"""The status of one run, as stored in the cube's ``status`` variable (int8).

:class:`RunStatus` is an :class:`~enum.IntEnum`: its members are the integers written to
disk (``pending`` 0, ``ok`` 1, ``error`` 2, ``lost`` 3, ``timeout`` 4, the same values as
:data:`orchestration.store.STATUS_OK` and its siblings), so cubes written before it existed
read the same.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["RunStatus"]


class RunStatus(IntEnum):
    """What became of a run.

    Examples
    --------
    >>> RunStatus.OK == 1, RunStatus(4).label
    (True, 'timeout')
    """

    PENDING = 0
    """Not run yet (or its result was never received)."""
    OK = 1
    """Simulated; its metrics are in the cube."""
    ERROR = 2
    """The simulation raised, on every attempt."""
    LOST = 3
    """Its task kept being lost (a worker died under it, the task was cancelled)."""
    TIMEOUT = 4
    """It passed its time limit (``--run-timeout``)."""

    @property
    def label(self) -> str:
        """The lower-case name used in ``failures.jsonl`` and the printed summary."""
        return self.name.lower()
