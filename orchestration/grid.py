"""The run grid: axes x replicates, flat run index <-> coordinates, per-run seeds, time axis.

A run is one cell of the grid ``(axis_1, ..., axis_k, replicate)``; its flat index ``r`` is
the C-order index over that shape. Its seed is derived with :class:`numpy.random.SeedSequence`
from the root seed and ``spawn_key = (replicate, *words of a stable hash of the parameter
point)``, so a run's seed depends only on *what* it is, never on its position in the grid,
the worker that runs it, the completion order, or later extension of the grid.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from functools import cached_property
from itertools import product
from typing import Any, Iterator

import numpy as np
import skibidy

from orchestration.spec import SweepSpec, resolve_point

__all__ = ["Grid", "point_hash_words", "run_seed"]


def point_hash_words(point: dict[str, Any]) -> tuple[int, ...]:
    """Two uint32 words of a SHA-256 of the canonical JSON of a parameter point.

    Stable across processes, platforms and Python versions (unlike ``hash()``).
    """
    blob = json.dumps(sorted(point.items()), separators=(",", ":"))
    digest = hashlib.sha256(blob.encode()).digest()
    return (int.from_bytes(digest[:4], "little"), int.from_bytes(digest[4:8], "little"))


def run_seed(root: int, point: dict[str, Any], replicate: int, seeding: str = "independent") -> int:
    """The integer seed of one run.

    Parameters
    ----------
    root : int
        The sweep's root seed.
    point : dict
        Parameter path -> value of the run's grid point.
    replicate : int
        The replicate number.
    seeding : {"independent", "common"}
        ``common`` gives every point the same seed per replicate (common random numbers).

    Examples
    --------
    >>> run_seed(0, {"a": 1.0}, 0) == run_seed(0, {"a": 1.0}, 0)
    True
    >>> run_seed(0, {"a": 1.0}, 0) != run_seed(0, {"a": 1.0}, 1)
    True
    """
    words = () if seeding == "common" else point_hash_words(point)
    return _seed_of(int(root), int(replicate), words)


def _seed_of(root: int, replicate: int, words: tuple[int, ...]) -> int:
    """The seed for ``spawn_key = (replicate, *words)`` (the core of :func:`run_seed`)."""
    ss = np.random.SeedSequence(root, spawn_key=(replicate, *words))
    # 63 bits: a non-negative int64 that any RNG constructor accepts.
    return int(ss.generate_state(1, np.uint64)[0]) >> 1


@dataclass(frozen=True)
class Grid:
    """Axes plus replicates of a :class:`~orchestration.spec.SweepSpec`."""

    spec: SweepSpec

    @property
    def axes(self) -> tuple:
        return self.spec.axes

    @property
    def dims(self) -> tuple[str, ...]:
        """Run dimensions: axis names then ``replicate``."""
        return (*(a.name for a in self.axes), "replicate")

    @property
    def shape(self) -> tuple[int, ...]:
        return (*(len(a) for a in self.axes), self.spec.runs_per_value)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def n_points(self) -> int:
        return math.prod(len(a) for a in self.axes)

    def index(self, r: int) -> tuple[int, ...]:
        """Grid indices ``(i_1, ..., i_k, replicate)`` of flat run ``r``."""
        return tuple(int(i) for i in np.unravel_index(int(r), self.shape))

    def flat(self, idx: tuple[int, ...]) -> int:
        """Flat run index of grid indices ``idx``."""
        return int(np.ravel_multi_index(idx, self.shape))

    def point(self, r: int) -> dict[str, Any]:
        """Parameter path -> value for flat run ``r`` (the replicate is not included)."""
        idx = self.index(r)
        return {a.param: a.values[i] for a, i in zip(self.axes, idx[:-1])}

    def point_index(self, r: int) -> int:
        """Flat index of the run's parameter point (0 .. n_points-1)."""
        return int(r) // self.spec.runs_per_value

    def replicate(self, r: int) -> int:
        return int(r) % self.spec.runs_per_value

    def seed(self, r: int) -> int:
        """The run's seed (see :func:`run_seed`)."""
        return run_seed(self.spec.seed, self.point(r), self.replicate(r), self.spec.seeding)

    def seeds(self) -> np.ndarray:
        """All seeds as a uint64 array of :attr:`shape` (the point hash once per point)."""
        out = np.empty(self.size, dtype=np.uint64)
        reps = self.spec.runs_per_value
        root = int(self.spec.seed)
        common = self.spec.seeding == "common"
        for p, (_, point) in enumerate(self.iter_points()):
            words = () if common else point_hash_words(point)
            for rep in range(reps):
                out[p * reps + rep] = _seed_of(root, rep, words)
        return out.reshape(self.shape)

    def config(self, r: int) -> Any:
        """The simulator config of run ``r``."""
        skin, preset, ov = resolve_point(self.spec, self.point(r))
        return skibidy.load_config(skin=skin, preset=preset, overrides=ov)

    def iter_points(self) -> Iterator[tuple[tuple[int, ...], dict[str, Any]]]:
        """Yield ``(axis indices, point)`` for every parameter point in C order."""
        for idx in product(*(range(len(a)) for a in self.axes)):
            yield idx, {a.param: a.values[i] for a, i in zip(self.axes, idx)}

    @cached_property
    def time_h(self) -> np.ndarray:
        """The union time axis (hours) over all points of the grid.

        Only axes that can change the output times (skin, preset, duration, time step or
        metrics interval) are enumerated; the others are held at their first value.
        """
        timing = [
            i
            for i, a in enumerate(self.axes)
            if a.param in ("skin", "preset") or a.param.endswith(("duration_days", "metrics_interval_h", "time_step_h"))
        ]
        base = {a.param: a.values[0] for a in self.axes}
        times: set[float] = set()
        for combo in product(*(self.axes[i].values for i in timing)):
            point = dict(base)
            point.update({self.axes[i].param: v for i, v in zip(timing, combo)})
            skin, preset, ov = resolve_point(self.spec, point)
            times.update(expected_times(skibidy.load_config(skin=skin, preset=preset, overrides=ov)))
        return np.array(sorted(times), dtype=np.float64)


def expected_times(config: Any) -> list[float]:
    """Output times (hours) of a simulation, as ``skibidy.simulate`` writes them.

    The simulator owns its output schedule (:func:`skibidy.output_times`); the
    times are rounded to 1e-9 h so that runs of different lengths share one axis.
    """
    return [round(float(t), 9) for t in skibidy.output_times(config)]
