"""Notebook helpers on the result cube: ``ds.skibidy`` and ``da.skibidy``.

Importing :mod:`orchestration` registers an xarray accessor named ``skibidy`` on
:class:`xarray.Dataset` and :class:`xarray.DataArray` (that registration is the only
thing this module does on import). The accessor puts the batch system's outcome
measures, replicate statistics and plots one attribute away from a cube opened with
:func:`~orchestration.open_results`:

>>> ds = open_results("results/cytokine_rate")                 # doctest: +SKIP
>>> ds.skibidy.outcome("wound_closure_pct", "auc")              # doctest: +SKIP
>>> ds.skibidy.stats("wound_closure_pct", "time_to_50")         # doctest: +SKIP
>>> ds.skibidy.plot_timecourse("wound_closure_pct")             # doctest: +SKIP
>>> ds.wound_closure_pct.skibidy.plot_sweep("final")            # doctest: +SKIP

Rules kept throughout (see :mod:`orchestration.outcomes`):

* only runs with ``status == 1`` (ok) count, when the cube has a ``status`` coordinate;
* an outcome is computed on every run's own curve, then summarised over ``replicate``;
  the mean curve is used only to *draw* a time course (mean +/- sd bands), never to
  compute an outcome from it.

The accessor only binds: measures and statistics live in :mod:`orchestration.outcomes`,
drawing in :mod:`orchestration.plots` (the layer that also draws ``skibidy sweep``'s
PNGs). Plots follow xarray's habit: they draw into ``ax`` when given, else into a new
pyplot figure, and return the Axes (or the Figure when they make several panels).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Hashable, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from orchestration.measures import Outcomes
from orchestration.outcomes import (
    computing_here,
    good_runs,
    outcome,
    stats,
    swept_dims,
    timecourse,
)
from orchestration.outcomes import measure as _measure
from orchestration.plots import (
    cube_condition,
    literature_condition,
    param_label,
    plot_heatmap,
    plot_literature,
    plot_sweep,
    plot_timecourse,
)
from skibidy.errors import SkibidyError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "good_runs",
    "swept_dims",
    "outcome",
    "stats",
    "timecourse",
    "summary",
    "validate",
    "plot_timecourse",
    "plot_sweep",
    "plot_heatmap",
    "plot_literature",
    "SkibidyDatasetAccessor",
    "SkibidyDataArrayAccessor",
]


def summary(
    ds: xr.Dataset, metrics: str | Sequence[str] | None = None, measure: str | None = None
) -> pd.DataFrame:
    """The summary table of ``summary.csv`` for any outcomes (one row per point).

    Parameters
    ----------
    ds : Dataset
        A cube from :func:`~orchestration.open_results` (a selection of one is fine).
    metrics : str or sequence of str, optional
        Outcomes as in a config's ``[outcomes]``: ``"metric"`` or ``"metric:measure"``.
        Default: the outcomes named in the sweep config.
    measure : str, optional
        The measure of bare metric names. Default: the config's ``measure``.
    """
    from orchestration.products import summary_table
    from orchestration.spec import SweepSpec

    if "spec" not in ds.attrs:
        raise SkibidyError(
            "this Dataset has no 'spec' attribute: open it with orchestration.open_results"
        )
    spec = SweepSpec.from_dict(json.loads(ds.attrs["spec"]))
    chosen = spec.outcomes
    names = [metrics] if isinstance(metrics, str) else list(metrics or chosen.entries)
    outcomes = Outcomes(names[0], tuple(names[1:]), measure or chosen.measure)
    with computing_here():
        return summary_table(ds, replace(spec, outcomes=outcomes))


def validate(ds: xr.Dataset, condition: str | None = None) -> pd.DataFrame:
    """Compare each parameter point's mean curve with the literature curves.

    Parameters
    ----------
    ds : Dataset
        A cube with every metric (from :func:`~orchestration.open_results`).
    condition : {"normal", "diabetic"}, optional
        Default: ``diabetic`` for diabetic skins (per point when ``skin`` is swept),
        else ``normal``.

    Returns
    -------
    DataFrame
        One row per parameter point: the swept values, the condition and the figures of
        :func:`skibidy.validate` (closure RMSE in percentage points, other curves in %).
    """
    import skibidy

    from orchestration.products import mean_curve

    dims = swept_dims(ds)
    rows = []
    default = cube_condition(ds)
    for idx in np.ndindex(*(ds.sizes[d] for d in dims)):
        sub = ds.isel(dict(zip(dims, idx)))
        point = {param_label(ds, d): _value(ds, d, i) for d, i in zip(dims, idx)}
        skin = point.get("skin", ds.attrs.get("skin", ""))
        cond = condition or literature_condition(skin, default)
        with computing_here():
            curve = mean_curve(sub)
        if not len(curve):
            continue
        report = skibidy.validate(curve, condition=cond).to_dict()
        report.pop("condition", None)
        rows.append({**point, "condition": cond, **report})
    return pd.DataFrame(rows)


def _value(ds: xr.Dataset, dim: Hashable, i: int) -> Any:
    if dim not in ds.coords:
        return i
    v = ds[dim].values[i]
    return v.item() if hasattr(v, "item") else v


def _panels(n: int, width: float = 4.6, height: float = 3.6) -> tuple[Figure, list[Axes]]:
    import matplotlib.pyplot as plt

    cols = 2 if n == 4 else min(n, 3)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows),
                             layout="constrained", squeeze=False)
    flat = list(axes.ravel())
    for extra in flat[n:]:
        extra.set_visible(False)
    return fig, flat[:n]


# -- the accessors --------------------------------------------------------------------------


@xr.register_dataarray_accessor("skibidy")
class SkibidyDataArrayAccessor:
    """``da.skibidy``: measures, statistics and plots of one metric of the cube.

    Examples
    --------
    >>> import orchestration  # registers the accessor
    >>> da = xr.DataArray([[0.0, 50.0, 95.0]], dims=("replicate", "time"),
    ...                   coords={"time": [0.0, 10.0, 20.0]}, name="wound_closure_pct")
    >>> float(da.skibidy.outcome("time_to_90")[0])
    18.88888888888889
    """

    def __init__(self, obj: xr.DataArray) -> None:
        self._obj = obj

    @property
    def params(self) -> list[Hashable]:
        """The swept dimensions."""
        return swept_dims(self._obj)

    @property
    def good(self) -> xr.DataArray | None:
        """``status == 1`` per run (None without a status coordinate)."""
        return good_runs(self._obj)

    def measure(self, name: str) -> xr.DataArray:
        """Every run reduced over time by ``name`` (all runs; see :meth:`outcome`)."""
        return _measure(self._obj, name)

    def outcome(self, measure: str = "final", *, good_only: bool = True) -> xr.DataArray:
        """Per-run outcome, failed runs as NaN (see :func:`outcome`)."""
        return outcome(self._obj, measure, good_only=good_only)

    def stats(self, measure: str | None = "final", *, good_only: bool = True) -> xr.Dataset:
        """Replicate statistics of an outcome (see :func:`stats`)."""
        return stats(self._obj, measure, good_only=good_only)

    def timecourse(self, *, good_only: bool = True) -> xr.Dataset:
        """Mean, sd and n over replicates at each time (see :func:`timecourse`)."""
        return timecourse(self._obj, good_only=good_only)

    def plot_timecourse(self, by: Hashable | None = None, **kwargs: Any) -> Axes:
        """Mean +/- sd bands over time (see :func:`plot_timecourse`)."""
        return plot_timecourse(self._obj, by, **kwargs)

    def plot_sweep(self, measure: str = "final", **kwargs: Any) -> Axes:
        """Outcome against a swept parameter with error bars (see :func:`plot_sweep`)."""
        return plot_sweep(self._obj, measure, **kwargs)

    def plot_heatmap(self, measure: str = "final", **kwargs: Any) -> Axes:
        """Outcome over two swept parameters (see :func:`plot_heatmap`)."""
        return plot_heatmap(self._obj, measure, **kwargs)

    def plot_literature(self, **kwargs: Any) -> Axes:
        """Simulation against the published curve (see :func:`plot_literature`)."""
        return plot_literature(self._obj, **kwargs)


@xr.register_dataset_accessor("skibidy")
class SkibidyDatasetAccessor:
    """``ds.skibidy``: the same helpers on a whole cube, naming the metric.

    Examples
    --------
    >>> import orchestration  # registers the accessor
    >>> ds = xr.Dataset(
    ...     {"wound_closure_pct": (("rate", "replicate", "time"), [[[0, 40, 80], [0, 60, 90]]])},
    ...     coords={"rate": [0.1], "time": [0.0, 24.0, 48.0]},
    ... )
    >>> ds.skibidy.params
    ['rate']
    >>> ds.skibidy.stats("wound_closure_pct", "final")["mean"].values
    array([85.])
    """

    def __init__(self, obj: xr.Dataset) -> None:
        self._obj = obj

    def _metric(self, name: str) -> xr.DataArray:
        if name not in self._obj.data_vars:
            from skibidy.suggest import did_you_mean

            hint = did_you_mean(name, [str(v) for v in self._obj.data_vars], cutoff=0.6)
            raise SkibidyError(f"no metric {name!r} in this cube{hint}")
        return self._obj[name]

    @property
    def params(self) -> list[Hashable]:
        """The swept dimensions."""
        return swept_dims(self._obj)

    @property
    def param_paths(self) -> dict[Hashable, str]:
        """Swept dimension -> the dotted parameter path it varies."""
        return {d: param_label(self._obj, d) for d in swept_dims(self._obj)}

    @property
    def good(self) -> xr.DataArray | None:
        """``status == 1`` per run (None without a status)."""
        return good_runs(self._obj)

    def outcome(
        self, metric: str, measure: str = "final", *, good_only: bool = True
    ) -> xr.DataArray:
        """Per-run outcome of one metric (see :func:`outcome`)."""
        return outcome(self._metric(metric), measure, good_only=good_only)

    def stats(self, metric: str, measure: str = "final", *, good_only: bool = True) -> xr.Dataset:
        """Replicate statistics of one metric's outcome (see :func:`stats`)."""
        return stats(self._metric(metric), measure, good_only=good_only)

    def timecourse(self, metric: str, *, good_only: bool = True) -> xr.Dataset:
        """Mean, sd and n over replicates at each time (see :func:`timecourse`)."""
        return timecourse(self._metric(metric), good_only=good_only)

    def summary(
        self, metrics: str | Sequence[str] | None = None, measure: str | None = None
    ) -> pd.DataFrame:
        """One row per parameter point, as in summary.csv (see :func:`summary`)."""
        return summary(self._obj, metrics, measure)

    def sensitivity(self, outcomes: Sequence[str] | None = None, measure: str | None = None,
                    *, over_time: bool = True) -> xr.Dataset:
        """Sensitivity indices of a sampled design (:func:`orchestration.sensitivity.sensitivity`)."""
        from orchestration.sensitivity import sensitivity

        return sensitivity(self._obj, outcomes=outcomes, measure=measure, over_time=over_time)

    def validate(self, condition: str | None = None) -> pd.DataFrame:
        """Literature figures of each point's mean curve (see :func:`validate`)."""
        return validate(self._obj, condition)

    def plot_timecourse(
        self, metrics: str | Sequence[str], by: Hashable | None = None, **kwargs: Any
    ) -> Axes | Figure:
        """Mean +/- sd bands over time (see :func:`plot_timecourse`).

        One metric returns its Axes; a list returns a Figure with one panel each.
        """
        if isinstance(metrics, str):
            return plot_timecourse(self._metric(metrics), by, **kwargs)
        return self._each(plot_timecourse, metrics, by=by, **kwargs)

    def _each(self, plot: Any, metrics: Sequence[str], *args: Any, **kwargs: Any) -> Figure:
        """One panel per metric, drawn by ``plot(da, *args, ax=..., **kwargs)``."""
        names = list(metrics)
        if "ax" in kwargs:
            raise SkibidyError("give ax only with one metric; several metrics make their own figure")
        fig, axes = _panels(len(names))
        for ax, name in zip(axes, names):
            plot(self._metric(name), *args, ax=ax, **kwargs)
        return fig

    def plot_sweep(
        self, metrics: str | Sequence[str], measure: str = "final", **kwargs: Any
    ) -> Axes | Figure:
        """Outcome(s) against a swept parameter with error bars.

        One metric name draws one Axes (returned); a list draws one panel per metric and
        returns the Figure. Keyword arguments go to :func:`plot_sweep`.
        """
        if isinstance(metrics, str):
            return plot_sweep(self._metric(metrics), measure, **kwargs)
        return self._each(plot_sweep, metrics, measure, **kwargs)

    def plot_heatmap(self, metric: str, measure: str = "final", **kwargs: Any) -> Axes:
        """Outcome over two swept parameters (see :func:`plot_heatmap`)."""
        return plot_heatmap(self._metric(metric), measure, **kwargs)

    def plot_literature(
        self, metrics: str | Sequence[str] = "wound_closure_pct", **kwargs: Any
    ) -> Axes | Figure:
        """Simulation against the published curves (see :func:`plot_literature`).

        One metric returns its Axes; a list returns a Figure with one panel each.
        """
        if isinstance(metrics, str):
            return plot_literature(self._metric(metrics), **kwargs)
        return self._each(plot_literature, metrics, **kwargs)
