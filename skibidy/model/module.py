"""The contract every model module follows.

A module is one biological process in one file. It declares

* the configuration keys it owns (:attr:`Module.parameters`),
* a frozen settings object built from a :class:`~skibidy.config.Config`
  (:attr:`Module.settings`), so nothing reads the raw configuration while a run steps,
* the :class:`~skibidy.model.state.State` attributes it reads and writes,
* the signals it lets diffuse (with their diffusion coefficient and decay),
* and the metric columns it reports.

The engine (:mod:`skibidy.engine`) builds everything else -- update order, the
wound event, the diffusion set and :data:`skibidy.METRIC_COLUMNS` -- from one
ordered tuple of modules, so adding a process means writing its file and adding
one line there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

import numpy as np

from skibidy.parameter import Parameter

if TYPE_CHECKING:
    from skibidy.config import Config
    from skibidy.model.state import State

__all__ = ["Module", "diabetic_factor", "hill", "saturation"]

Step = Callable[["State", Any, np.random.Generator, float], None]
Start = Callable[["State", Any, np.random.Generator], None]
Report = Callable[["State", Any], Mapping[str, float]]
Diffusion = Callable[[Any], Mapping[str, tuple[float, float]]]


@dataclass(frozen=True)
class Module:
    """One biological process: its parameters, settings, coupling and outputs.

    Attributes
    ----------
    name : str
        Human-readable name ("immune cells").
    parameters : tuple of Parameter
        Configuration keys this module owns.
    settings : callable
        ``settings(config) -> frozen object`` holding everything the step needs.
    reads, writes : tuple of str
        :class:`State` attributes the module reads / changes.
    step : callable, optional
        ``step(state, settings, rng, dt_h)``: advance the process by ``dt_h`` hours.
    start : callable, optional
        ``start(state, settings, rng)``: the process's part of the wound event.
    diffusion : callable, optional
        ``diffusion(settings) -> {signal: (D um^2/h, decay 1/h)}`` for the signals it owns.
    columns : tuple of str
        Metric columns the module reports.
    report : callable, optional
        ``report(state, settings) -> {column: value}``.
    """

    name: str
    parameters: tuple[Parameter, ...]
    settings: Callable[["Config"], Any]
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    step: Step | None = None
    start: Start | None = None
    diffusion: Diffusion | None = None
    columns: tuple[str, ...] = ()
    report: Report | None = None


def diabetic_factor(config: "Config", path: str) -> float:
    """The value of diabetic factor ``path`` on diabetic skin, 1 (no effect) otherwise."""
    return float(config[path]) if config["skin.diabetic.mode"] else 1.0


def hill(x: np.ndarray | float, k: float, n: float = 2.0) -> np.ndarray | float:
    """Inhibition ``k^n / (k^n + x^n)``: 1 at no signal, 1/2 at ``x = k``."""
    if k <= 0:
        return np.zeros_like(x) if isinstance(x, np.ndarray) else 0.0
    r = np.asarray(x) / k
    return 1.0 / (1.0 + r**n)


def saturation(x: np.ndarray | float, k: float) -> np.ndarray | float:
    """Michaelis-Menten availability ``x (1 + k) / (x + k)``: 0 at none, 1 at ``x = 1``."""
    return np.asarray(x) * (1.0 + k) / (np.asarray(x) + k)
