"""The model registry: which simulator a sweep runs (``[sweep] model = "NAME"``).

A model is registered in the entry-point group ``skibidy.models`` as a callable
``(params: dict, seed: int) -> pandas.DataFrame`` whose table has a ``time_h`` column and
one column per metric. ``skibidy`` (the default) is the wound-healing simulator: its
params are ``skin``, ``preset`` and dotted parameter paths; every other model takes its
own parameter names, unchecked by skibidy.

How the cube learns a model's time axis and metric columns before the sweep starts: if
the callable has a ``describe()`` attribute, it returns ``{"time_h": [...], "metrics":
[...]}``; otherwise one probe run (``params = {}``, the model's defaults, seed 0) is made
in the client and its ``time_h`` and columns are used. Every run of the sweep must then
report times on that axis (runs that do not are recorded as errors).

The package ships a known-answer model, :func:`ishigami`, registered as ``ishigami``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from orchestration.spec import DEFAULT_MODEL, MODEL_PREFIX, SpecError

__all__ = [
    "Model", "available_models", "resolve_model", "simulate_point", "skibidy_model", "ishigami",
    "ENTRY_POINT_GROUP",
]

ENTRY_POINT_GROUP = "skibidy.models"


@dataclass(frozen=True)
class Model:
    """A registered model with its output layout."""

    name: str
    function: Callable[[dict[str, Any], int], pd.DataFrame]
    time_h: tuple[float, ...]
    metrics: tuple[str, ...]

    def __call__(self, params: Mapping[str, Any], seed: int) -> pd.DataFrame:
        return self.function(dict(params), int(seed))


def _entry_points() -> dict[str, Any]:
    from importlib.metadata import entry_points

    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def available_models() -> tuple[str, ...]:
    """Names of every registered model (``skibidy`` always among them)."""
    return tuple(sorted({DEFAULT_MODEL, *_entry_points()}))


@lru_cache(maxsize=16)
def resolve_model(name: str) -> Model:
    """Load a registered model and learn its time axis and metrics (see the module docstring).

    Raises
    ------
    SpecError
        The name is not registered, the entry point does not load, or the model's
        description (or probe run) has no ``time_h`` or no metric column.
    """
    if name == DEFAULT_MODEL:
        import skibidy

        columns = tuple(c for c in skibidy.METRIC_COLUMNS if c not in ("time_h", "time_days"))
        return Model(name, skibidy_model, (), columns)
    eps = _entry_points()
    if name not in eps:
        from skibidy.suggest import did_you_mean

        raise SpecError(
            f"unknown model {name!r}{did_you_mean(name, available_models())}; registered "
            f"models (entry points {ENTRY_POINT_GROUP}): {', '.join(available_models())}"
        )
    try:
        function = eps[name].load()
    except Exception as exc:  # a broken plug-in: say which
        raise SpecError(f"model {name!r} ({eps[name].value}) does not load: {exc}") from None
    describe = getattr(function, "describe", None)
    if callable(describe):
        info = dict(describe())
        time_h = [float(t) for t in info.get("time_h", ())]
        metrics = [str(m) for m in info.get("metrics", ())]
    else:
        table = function({}, 0)
        time_h = table["time_h"].tolist() if "time_h" in table else []
        metrics = [c for c in table.columns if c != "time_h"]
    if not time_h or not metrics:
        raise SpecError(
            f"model {name!r} reports no time_h or no metric column; its table needs a "
            "time_h column and one column per metric"
        )
    return Model(name, function, tuple(round(t, 9) for t in time_h), tuple(metrics))


def simulate_point(skin: str, preset: str, overrides: dict[str, Any], seed: int) -> pd.DataFrame:
    """Run one point as :func:`orchestration.spec.resolve_point` describes it (worker side).

    ``skin`` is a skin name for the skibidy simulator, or ``model:<name>`` for another
    model, whose parameters are then ``overrides``.
    """
    if skin.startswith(MODEL_PREFIX):
        return resolve_model(skin[len(MODEL_PREFIX) :])(overrides, seed)
    from skibidy import load_config, simulate

    return simulate(load_config(skin=skin, preset=preset, overrides=overrides), seed=seed)


def skibidy_model(params: dict[str, Any], seed: int) -> pd.DataFrame:
    """The skibidy simulator as a registered model: ``skin``, ``preset``, dotted paths."""
    from skibidy import load_config, simulate

    params = dict(params)
    skin = params.pop("skin", "normal")
    preset = params.pop("preset", "wound")
    return simulate(load_config(skin=skin, preset=preset, overrides=params), seed=seed)


ISHIGAMI_A, ISHIGAMI_B = 7.0, 0.1
ISHIGAMI_TIMES = (0.0, 1.0, 2.0)


def ishigami(params: dict[str, Any], seed: int) -> pd.DataFrame:
    """The Ishigami function, a known answer for sensitivity analysis.

    ``y = sin(x1) + a(t) sin(x2)^2 + b x3^4 sin(x1)`` with ``b = 0.1`` and ``a(t) = 7 t / 2``
    at ``time_h`` = 0, 1, 2: the last row is the textbook function (``a = 7``), whose
    Sobol' indices for ``x_i`` uniform on [-pi, pi] are S1 = (0.314, 0.442, 0) and
    ST = (0.558, 0.442, 0.244); the earlier rows let indices change over time (at t = 0,
    ``x2`` has no effect). ``noise`` (default 0) adds Gaussian noise of that standard
    deviation drawn from ``seed``, so replicates differ. Missing ``x_i`` are 0.

    Examples
    --------
    >>> round(float(ishigami({"x1": math.pi / 2, "x2": math.pi / 2, "x3": 1.0}, 0)["y"].iloc[-1]), 6)
    8.1
    """
    x1, x2, x3 = (float(params.get(k, 0.0)) for k in ("x1", "x2", "x3"))
    noise = float(params.get("noise", 0.0))
    t = np.asarray(ISHIGAMI_TIMES)
    a = ISHIGAMI_A * t / t[-1]
    y = math.sin(x1) + a * math.sin(x2) ** 2 + ISHIGAMI_B * x3**4 * math.sin(x1)
    if noise:
        y = y + np.random.default_rng(seed).normal(0.0, noise, size=len(t))
    return pd.DataFrame({"time_h": t, "y": y})


def _describe_ishigami() -> dict[str, Any]:
    return {"time_h": list(ISHIGAMI_TIMES), "metrics": ["y"]}


ishigami.describe = _describe_ishigami  # type: ignore[attr-defined]
