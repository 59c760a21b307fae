"""The simulation loop: ``simulate(config, seed) -> metrics DataFrame``.

A run is the wound event at t = 0 followed by one-hour steps. In every step each
module of :data:`skibidy.model.MODULES` updates in turn, then the diffusing signals
spread and decay together (exactly, with a zero-flux spectral operator). A metrics
row records the state at its ``time_h``: the first at t = 0 (just after wounding),
then one every ``skin.metrics_interval_h``, and the last at the end of the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np
import pandas as pd

from skibidy.config import Config
from skibidy.errors import SkibidyError
from skibidy.metrics import METRIC_COLUMNS
from skibidy.model import MODULES
from skibidy.model.state import DIFFUSING, SITE_UM, Grid, State, diffusion_operator

__all__ = ["simulate", "output_times", "iterate", "STEP_H"]

STEP_H = 1.0
"""Length of one step (h). Every rate is per hour and integrated exactly or to first order."""



@dataclass(frozen=True)
class _Plan:
    """Everything fixed for a run: settings of every module, the lattice, the diffusion operator."""

    settings: tuple[Any, ...]
    grid: Grid
    operator: np.ndarray  # (len(DIFFUSING), n, n)
    operator_t: np.ndarray
    keep: np.ndarray  # (len(DIFFUSING), 1, 1) decay over one step
    wound_on: bool


def _plan(config: Config) -> _Plan:
    settings = tuple(module.settings(config) for module in MODULES)
    grid = Grid.for_wound(config["skin.wound.radius"])
    coefficients: dict[str, tuple[float, float]] = {}
    for module, s in zip(MODULES, settings):
        if module.diffusion is not None:
            coefficients.update(module.diffusion(s))
    missing = set(DIFFUSING) - set(coefficients)
    if missing:  # pragma: no cover - a module contract error
        raise RuntimeError(f"no module declares the diffusion of {sorted(missing)}")
    ops = np.stack([diffusion_operator(grid.n, round(coefficients[name][0] * STEP_H / SITE_UM**2, 12))
                    for name in DIFFUSING])
    keep = np.exp(-np.array([coefficients[name][1] for name in DIFFUSING]) * STEP_H)[:, None, None]
    return _Plan(settings, grid, ops, np.ascontiguousarray(ops.transpose(0, 2, 1)), keep,
                 bool(config["skin.wound.enabled"]))


def _schedule(config: Config) -> tuple[int, list[int]]:
    """Number of steps and the steps after which a row is recorded (0 = the initial state)."""
    n_steps = max(1, int(round(config.duration_days * 24.0 / STEP_H)))
    every = max(1, int(round(config["skin.metrics_interval_h"] / STEP_H)))
    rows = list(range(0, n_steps + 1, every))
    if rows[-1] != n_steps:
        rows.append(n_steps)
    return n_steps, rows


def output_times(config: Config) -> np.ndarray:
    """The ``time_h`` values of the rows :func:`simulate` writes for ``config``.

    One row every ``skin.metrics_interval_h`` from t = 0, and one at the end of the run;
    callers that lay out storage for runs (the batch system) use this instead of
    re-deriving the schedule.

    Examples
    --------
    >>> import skibidy
    >>> skibidy.output_times(skibidy.load_config(overrides={"skin.duration_days": 0.85}))
    array([ 0., 10., 20.])
    """
    _, rows = _schedule(config)
    return np.array(rows, dtype=np.float64) * STEP_H


def _streams(seed: int) -> tuple[np.random.Generator, ...]:
    """One random stream per module, all derived from the run's seed.

    Separate streams keep each process's draws in step between runs that differ in another
    process's parameters (common random numbers), so a sweep compares like with like.
    """
    return tuple(np.random.default_rng(s) for s in np.random.SeedSequence(int(seed)).spawn(len(MODULES)))


def _start(plan: _Plan, rngs: tuple[np.random.Generator, ...]) -> State:
    st = State(plan.grid)
    for module, s, rng in zip(MODULES, plan.settings, rngs):
        if module.start is not None:
            module.start(st, s, rng)
    return st


def _advance(st: State, plan: _Plan, rngs: tuple[np.random.Generator, ...]) -> None:
    """One step: every module in order, then diffusion and decay of the signals."""
    for module, s, rng in zip(MODULES, plan.settings, rngs):
        if module.step is not None:
            module.step(st, s, rng, STEP_H)
    st.signals[:] = plan.operator @ st.signals @ plan.operator_t
    st.signals *= plan.keep
    np.maximum(st.signals, 0.0, out=st.signals)
    st.t += STEP_H


def _row(st: State | None, plan: _Plan, step: int) -> list[float]:
    row = dict.fromkeys(METRIC_COLUMNS, 0.0)
    row["step"], row["time_h"], row["time_days"] = step, step * STEP_H, step * STEP_H / 24.0
    if st is not None:
        for module, s in zip(MODULES, plan.settings):
            if module.report is not None:
                row.update(module.report(st, s))
    return [row[c] for c in METRIC_COLUMNS]


def simulate(config: Config, seed: int = 0) -> pd.DataFrame:
    """Run one simulation and return its metrics table.

    Parameters
    ----------
    config : Config
        From :func:`skibidy.load_config`.
    seed : int
        Seed of the run: every module draws from its own :class:`numpy.random.Generator`
        spawned from it; the same (config, seed) gives a bit-identical table in any process.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`skibidy.METRIC_COLUMNS`, one row at each of :func:`output_times`.

    Examples
    --------
    >>> import skibidy
    >>> cfg = skibidy.load_config(overrides={"skin.duration_days": 1.0})
    >>> skibidy.simulate(cfg, seed=1).shape[0]
    4
    """
    if not isinstance(config, Config):
        raise SkibidyError("simulate() needs a Config from skibidy.load_config()")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise SkibidyError(f"seed must be a non-negative integer, got {seed!r}")
    plan = _plan(config)
    n_steps, rows = _schedule(config)
    if not plan.wound_on:
        table = [_row(None, plan, k) for k in rows]
    else:
        rngs = _streams(seed)
        st = _start(plan, rngs)
        table = [_row(st, plan, 0)]
        wanted = set(rows[1:])
        for k in range(1, n_steps + 1):
            _advance(st, plan, rngs)
            if k in wanted:
                table.append(_row(st, plan, k))
    frame = pd.DataFrame(table, columns=list(METRIC_COLUMNS))
    frame["step"] = frame["step"].astype(np.int64)
    return frame


def iterate(config: Config, seed: int = 0) -> Iterator[State]:
    """Yield the state after the wound event and after every step (for tests and notebooks).

    The state is updated in place; copy what you need before advancing.
    """
    plan = _plan(config)
    rngs = _streams(seed)
    n_steps, _ = _schedule(config)
    st = _start(plan, rngs)
    yield st
    for _ in range(n_steps):
        _advance(st, plan, rngs)
        yield st


