"""Former home of the run grid; kept so that ``from orchestration.grid import Grid`` still works.

A grid is one kind of :class:`orchestration.design.Design` (see that module).
"""

from orchestration.design import Design as Grid
from orchestration.design import expected_times, point_hash_words, run_seed

__all__ = ["Grid", "point_hash_words", "run_seed", "expected_times"]
