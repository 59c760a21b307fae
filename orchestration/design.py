"""Designs: a sweep's table of parameter points, its runs, their seeds and its time axis.

Every design is a table of points; a run is one ``(point, replicate)`` and its flat index
is ``r = point * replicates + replicate``. The points are the Cartesian product of the
categorical axes (parameters given ``values``, in order, the last varying fastest) with the
rows of the design:

``grid``
    one row (the axes are the whole grid, as before designs existed);
``lhs``
    ``samples`` rows of a Latin hypercube (:class:`scipy.stats.qmc.LatinHypercube`);
``sobol``
    Saltelli's scheme for first-order and total Sobol' indices
    (:func:`SALib.sample.sobol.sample`, no second-order terms): ``samples * (d + 2)`` rows;
``morris``
    ``samples`` Morris trajectories over ``levels`` levels
    (:func:`SALib.sample.morris.sample`): ``samples * (d + 1)`` rows;
``table``
    the rows of a CSV file.

The samplers draw in the unit hypercube; each sampled parameter then maps its column onto
its ``bounds = [low, high]``: ``uniform`` linearly, ``log-uniform`` linearly in
``log(value)``, ``normal`` through a normal centred on the middle of the bounds with a
standard deviation of a quarter of their width, truncated at the bounds. Sampled values of
integer parameters are rounded.

A run's seed is derived with :class:`numpy.random.SeedSequence` from the root seed and
``spawn_key = (replicate, *words of a stable hash of the point's values)``, so it depends
only on *what* the run is, never on its position in the design, the worker, the order of
completion or a later extension of the design.
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

from orchestration.spec import DEFAULT_MODEL, Axis, Sampled, SweepSpec, resolve_point

__all__ = ["Design", "Column", "point_hash_words", "run_seed", "expected_times", "unit_sample"]


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
        Parameter path -> value of the run's point.
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


def unit_sample(method: str, d: int, samples: int, seed: int, levels: int = 4) -> np.ndarray:
    """The design's rows in the unit hypercube, ``(rows, d)``.

    Examples
    --------
    >>> unit_sample("sobol", 3, 8, 0).shape, unit_sample("morris", 2, 4, 0).shape
    ((40, 3), (12, 2))
    """
    if method == "lhs":
        from scipy.stats import qmc

        return qmc.LatinHypercube(d=d, rng=np.random.default_rng(seed)).random(samples)
    problem = {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[0.0, 1.0]] * d}
    if method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, samples, calc_second_order=False, scramble=True, seed=seed)
    if method == "morris":
        from SALib.sample import morris

        return morris.sample(problem, samples, num_levels=levels, seed=seed)
    raise ValueError(f"{method!r} has no unit sample")


def _scale(u: np.ndarray, x: Sampled) -> np.ndarray:
    """Map unit-interval values onto a sampled parameter's bounds and distribution."""
    if x.distribution == "log-uniform":
        values = np.exp(np.log(x.low) + u * (np.log(x.high) - np.log(x.low)))
    elif x.distribution == "normal":
        from scipy.stats import truncnorm

        mid, sd = (x.low + x.high) / 2.0, (x.high - x.low) / 4.0
        values = truncnorm.ppf(u, -2.0, 2.0, loc=mid, scale=sd)
    else:
        values = x.low + u * (x.high - x.low)
    values = np.clip(values, x.low, x.high)
    return np.rint(values) if x.kind == "int" else values


@dataclass(frozen=True)
class Column:
    """One parameter of a design's table (axis-like: ``values[index]`` per run index).

    For a grid a column is an axis (``values`` are its levels); for any other design
    ``values`` holds the parameter's value at every point, so ``values[p]`` is point ``p``.
    """

    name: str
    param: str
    values: tuple[Any, ...]

    def __len__(self) -> int:
        return len(self.values)


@dataclass(frozen=True)
class Design:
    """The points, runs and seeds of a :class:`~orchestration.spec.SweepSpec`.

    The runs form the array ``(point, replicate)`` of :attr:`shape`; the result cube
    stores exactly that (plus ``time``).
    """

    spec: SweepSpec

    # -- the table of points ------------------------------------------------------------
    @property
    def method(self) -> str:
        return self.spec.design.method

    @property
    def is_grid(self) -> bool:
        return self.spec.is_grid

    @cached_property
    def unit(self) -> np.ndarray:
        """The sampled columns in the unit hypercube, ``(rows, sampled)`` (empty otherwise)."""
        d = self.spec.design
        if d.method in ("lhs", "sobol", "morris"):
            return unit_sample(d.method, len(self.spec.sampled), d.samples, d.seed, d.levels)
        return np.zeros((1 if d.method == "grid" else len(d.rows), 0))

    @cached_property
    def rows(self) -> list[dict[str, Any]]:
        """The design's rows (parameter -> value), before crossing with the axes."""
        d = self.spec.design
        if d.method == "table":
            return [dict(zip(d.columns, row)) for row in d.rows]
        if d.method == "grid":
            return [{}]
        cols = [_scale(self.unit[:, j], x) for j, x in enumerate(self.spec.sampled)]
        kinds = [x.kind for x in self.spec.sampled]
        return [
            {x.param: (int(c[i]) if k == "int" else float(c[i]))
             for x, c, k in zip(self.spec.sampled, cols, kinds)}
            for i in range(self.unit.shape[0])
        ]

    @property
    def n_rows(self) -> int:
        """Rows of the design for one combination of the categorical axes."""
        return len(self.rows)

    @property
    def categorical(self) -> tuple[Axis, ...]:
        """The axes given ``values`` (for a grid: every axis)."""
        return self.spec.axes

    @property
    def n_points(self) -> int:
        return math.prod(len(a) for a in self.categorical) * self.n_rows

    @cached_property
    def points(self) -> list[dict[str, Any]]:
        """Every point (parameter -> value), in point order: axes outer, rows inner."""
        out = []
        for combo in product(*(a.values for a in self.categorical)):
            head = {a.param: v for a, v in zip(self.categorical, combo)}
            out.extend({**head, **row} for row in self.rows)
        return out

    def point_row(self, p: int) -> int:
        """The design row of point ``p`` (its ``sample`` coordinate)."""
        return int(p) % self.n_rows

    def point_group(self, p: int) -> int:
        """The categorical combination of point ``p`` (C order over the axes)."""
        return int(p) // self.n_rows

    @cached_property
    def columns(self) -> tuple[Column, ...]:
        """One column per parameter: the axes of a grid, else the value at every point."""
        if self.is_grid:
            return tuple(Column(a.name, a.param, a.values) for a in self.spec.axes)
        names = [a.name for a in self.spec.axes] + [x.name for x in self.spec.sampled]
        names += list(self.spec.table_names)
        return tuple(
            Column(n, param, tuple(pt[param] for pt in self.points))
            for n, param in zip(names, self.spec.params)
        )

    @property
    def axes(self) -> tuple[Column, ...]:
        """The columns, indexed by :meth:`index` (``values[i]`` for each run index ``i``)."""
        return self.columns

    # -- runs ---------------------------------------------------------------------------
    @property
    def dims(self) -> tuple[str, ...]:
        """Run dimensions of the cube on disk."""
        return ("point", "replicate")

    @property
    def replicates(self) -> int:
        return self.spec.runs_per_value

    @property
    def shape(self) -> tuple[int, int]:
        """``(points, replicates)``: the run dims of the cube on disk."""
        return (self.n_points, self.replicates)

    @property
    def grid_shape(self) -> tuple[int, ...]:
        """A grid's labelled view: one dim per axis (the points reshaped, C order)."""
        return tuple(len(a) for a in self.spec.axes)

    @property
    def size(self) -> int:
        return self.n_points * self.replicates

    def index(self, r: int) -> tuple[int, ...]:
        """Index into each column's ``values``, then the replicate, of flat run ``r``.

        A grid gives its axis indices; every other design gives the point index for each
        column (a column there holds the value at every point).
        """
        p, rep = divmod(int(r), self.replicates)
        if self.is_grid:
            grid = tuple(int(i) for i in np.unravel_index(p, self.grid_shape)) if self.grid_shape else ()
            return (*grid, rep)
        return (*(p for _ in self.columns), rep)

    def flat(self, idx: tuple[int, ...]) -> int:
        """Flat run index of :meth:`index` ``idx`` (the inverse)."""
        *cols, rep = idx
        if self.is_grid:
            p = int(np.ravel_multi_index(tuple(cols), self.grid_shape)) if cols else 0
        else:
            p = int(cols[0]) if cols else 0
        return p * self.replicates + int(rep)

    def point_index(self, r: int) -> int:
        """The point (0 .. n_points-1) of flat run ``r``."""
        return int(r) // self.replicates

    def replicate(self, r: int) -> int:
        return int(r) % self.replicates

    def point(self, r: int) -> dict[str, Any]:
        """Parameter -> value for flat run ``r`` (the replicate is not included)."""
        return dict(self.points[self.point_index(r)])

    def iter_points(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """Yield ``(point index, point)`` for every point in order."""
        yield from enumerate(self.points)

    def seed(self, r: int) -> int:
        """The run's seed (see :func:`run_seed`)."""
        return run_seed(self.spec.seed, self.point(r), self.replicate(r), self.spec.seeding)

    def seeds(self) -> np.ndarray:
        """All seeds as a uint64 array of :attr:`shape` (the point hash once per point)."""
        out = np.empty(self.shape, dtype=np.uint64)
        root = int(self.spec.seed)
        common = self.spec.seeding == "common"
        for p, point in self.iter_points():
            words = () if common else point_hash_words(point)
            for rep in range(self.replicates):
                out[p, rep] = _seed_of(root, rep, words)
        return out

    def config(self, r: int) -> Any:
        """The simulator config of run ``r`` (skibidy model only)."""
        import skibidy

        skin, preset, ov = resolve_point(self.spec, self.point(r))
        return skibidy.load_config(skin=skin, preset=preset, overrides=ov)

    # -- output layout -------------------------------------------------------------------
    @cached_property
    def time_h(self) -> np.ndarray:
        """The union time axis (hours) over all points.

        For skibidy only the axes that can change the output times (skin, preset,
        duration, time step or metrics interval; these cannot be sampled) are enumerated,
        the others held at their first value. Other models declare theirs
        (:mod:`orchestration.models`).
        """
        if self.spec.model != DEFAULT_MODEL:
            from orchestration.models import resolve_model

            return np.array(sorted(resolve_model(self.spec.model).time_h), dtype=np.float64)
        import skibidy

        timing = [
            i
            for i, a in enumerate(self.categorical)
            if a.param in ("skin", "preset") or a.param.endswith(("duration_days", "metrics_interval_h", "time_step_h"))
        ]
        base = {a.param: a.values[0] for a in self.categorical}
        base.update(self.rows[0])
        times: set[float] = set()
        for combo in product(*(self.categorical[i].values for i in timing)):
            point = dict(base)
            point.update({self.categorical[i].param: v for i, v in zip(timing, combo)})
            skin, preset, ov = resolve_point(self.spec, point)
            times.update(expected_times(skibidy.load_config(skin=skin, preset=preset, overrides=ov)))
        return np.array(sorted(times), dtype=np.float64)

    @property
    def variables(self) -> tuple[str, ...]:
        """The metric columns the model reports, stored as data variables."""
        from orchestration.models import resolve_model

        return resolve_model(self.spec.model).metrics


def expected_times(config: Any) -> list[float]:
    """Output times (hours) of a simulation, as ``skibidy.simulate`` writes them.

    The simulator owns its output schedule (:func:`skibidy.output_times`); the
    times are rounded to 1e-9 h so that runs of different lengths share one axis.
    """
    import skibidy

    return [round(float(t), 9) for t in skibidy.output_times(config)]
