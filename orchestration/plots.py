"""The one plotting layer: figures drawn from xarray objects of the result cube.

Two levels, both on xarray objects:

* ``plot_*(da, ...)`` draw one metric of the cube (``(swept..., replicate, time)``) into an
  Axes: :func:`plot_timecourse` (mean curve with a band), :func:`plot_sweep` (outcome
  against a parameter, error bars), :func:`plot_heatmap` (two parameters),
  :func:`plot_literature` (over the published curve). The ``ds.skibidy`` accessor calls
  these; without ``ax`` they open a pyplot figure, as xarray's own plots do.
* :func:`plot_all` and :func:`plot_consensus` write a results directory's figures
  (``sweep.png``, ``heatmap.png``, ``facets*.png``, ``points*.png``, ``consensus.png``)
  from outcome statistics (:func:`orchestration.outcomes.outcome_stats`) or the cube,
  with :class:`matplotlib.figure.Figure` directly (no pyplot state).

Conventions: string and boolean parameters are categories (points with error bars at
evenly spaced positions, never a line joining them); every value axis and colour bar
names the measure and its unit; a non-grid design (a ``point`` dimension with one
coordinate per parameter) is drawn as a scatter of the outcome against each parameter.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, Hashable, Mapping, Sequence

import numpy as np
import xarray as xr

from orchestration.measures import get as get_measure
from orchestration.measures import metric_unit
from orchestration.outcomes import (
    computing_here,
    only_good,
    stats,
    swept_dims,
    t_quantile_975,
    timecourse,
)
from skibidy.errors import SkibidyError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "plot_timecourse",
    "plot_sweep",
    "plot_heatmap",
    "plot_literature",
    "plot_all",
    "plot_consensus",
    "format_value",
    "format_cell",
    "param_label",
    "literature_condition",
]

POINT_DIM = "point"
"""The dimension of a non-grid design's points."""

#: metric -> (literature curve, normalisation) used when no mapping comes from the simulator
_LITERATURE_FALLBACK: dict[str, tuple[str, str]] = {
    "wound_closure_pct": ("closure_pct", "absolute"),
}

_BANDS = {"sd": "± 1 sd over runs", "ci95": "± 95 % CI of the mean", "none": ""}


# -- formatting -----------------------------------------------------------------------------


def format_value(value: Any) -> str:
    """A parameter value for ticks, legends and titles (floats as ``%g``)."""
    return f"{value:g}" if isinstance(value, (float, np.floating)) else str(value)


def format_cell(value: float) -> str:
    """A compact number for an annotated cell: ``50.7k``, ``1.2M``, ``354``, ``0.0123``.

    Examples
    --------
    >>> [format_cell(v) for v in (50700.0, 1.25e6, 354.9, 12.34, 0.0123, 0.0)]
    ['50.7k', '1.25M', '355', '12.3', '0.0123', '0']
    """
    a = abs(value)
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e4, "k")):
        if a >= scale:
            return f"{value / (scale if suffix != 'k' else 1e3):.3g}{suffix}"
    if a >= 100:
        return f"{value:.0f}"
    return f"{value:.3g}"


def is_categorical(values: Sequence[Any]) -> bool:
    """True unless every value is a (non-boolean) number."""
    return not all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
        for v in values
    )


def param_label(obj: xr.DataArray | xr.Dataset, name: Hashable) -> str:
    """The dotted parameter path of a dimension or coordinate (``param`` attr), else its name."""
    if name in obj.coords:
        return str(obj[name].attrs.get("param", name))
    return str(name)


def _values(obj: xr.DataArray | xr.Dataset, name: Hashable) -> list[Any]:
    if name in obj.coords:
        return [v.item() if hasattr(v, "item") else v for v in np.asarray(obj[name].values)]
    return list(range(obj.sizes[name]))


def _days(obj: xr.DataArray | xr.Dataset) -> np.ndarray:
    if "time_days" in obj.coords:
        with computing_here():
            return np.asarray(obj["time_days"].values, dtype=float)
    return np.asarray(obj["time"].values, dtype=float) / 24.0


def _value_label(st: xr.Dataset) -> str:
    """``time to 90 % (h)`` from the attrs of a :func:`stats` Dataset."""
    metric, name, unit = st.attrs.get("metric", ""), st.attrs.get("measure", ""), st.attrs.get("unit", "")
    try:
        what = get_measure(name).describe(metric)
    except SkibidyError:
        what = name
    return f"{what} ({unit})" if unit else what


def _counts(n: xr.DataArray) -> str:
    values = np.asarray(n.values).reshape(-1)
    if not values.size:
        return "0"
    lo, hi = int(values.min()), int(values.max())
    return f"{lo}" if lo == hi else f"{lo}–{hi}"


def _error(message: str) -> SkibidyError:
    return SkibidyError(message)


def _axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(6.4, 4.2), layout="constrained")[1]


def _check_extra_dims(da: xr.DataArray, keep: Sequence[Hashable], what: str) -> None:
    extra = [d for d in swept_dims(da) if d not in keep]
    if extra:
        names = ", ".join(map(str, extra))
        example = ", ".join(f"{d}=..." for d in extra)
        raise _error(
            f"{what} draws {len(keep) or 'no'} swept dimension(s) "
            f"({', '.join(map(str, keep)) or '-'}) "
            f"but the data also varies over {names}; select one value first, "
            f"e.g. .sel({example}), or average over it"
        )


def _default_by(da: xr.DataArray, by: Hashable | None) -> Hashable | None:
    dims = swept_dims(da)
    if by is not None:
        if by not in da.dims:
            raise _error(f"{by!r} is not a dimension of the data; choose one of {dims}")
        return by
    return dims[0] if len(dims) == 1 else None


def point_params(obj: xr.DataArray | xr.Dataset) -> list[Hashable]:
    """The parameter coordinates along ``point`` (those with a ``param`` attribute first)."""
    along = [c for c, v in obj.coords.items() if v.dims == (POINT_DIM,) and c != POINT_DIM]
    tagged = [c for c in along if "param" in obj[c].attrs]
    return tagged or along


# -- drawing statistics into an Axes --------------------------------------------------------


def draw_errorbars(
    ax: Axes, st: xr.Dataset, x: Hashable, *, hue: Hashable | None = None, error: str = "sd"
) -> Axes:
    """Mean with error bars of a :func:`stats` Dataset against dimension ``x``.

    Numbers are joined by a line; categories are points with error bars at evenly spaced
    positions (dodged per ``hue``), with the category names as ticks.
    """
    xs = _values(st, x)
    categorical = is_categorical(xs)
    pos = np.arange(len(xs), dtype=float) if categorical else np.asarray(xs, dtype=float)
    hues = _values(st, hue) if hue is not None else [None]
    width = 0.5 / len(hues) if categorical and hue is not None else 0.0
    for k, h in enumerate(hues):
        part = st.isel({hue: k}) if hue is not None else st
        part = part.transpose(x)
        err = part["std"] if error == "sd" else part["ci95"]
        shift = (k - (len(hues) - 1) / 2) * width
        ax.errorbar(
            pos + shift, part["mean"].values, yerr=err.values, marker="o", capsize=4, lw=1.5,
            color=f"C{k % 10}", label=None if h is None else format_value(h),
            linestyle="none" if categorical else "-",
        )
    if categorical:
        ax.set_xticks(pos, [format_value(v) for v in xs])
        ax.set_xlim(-0.6, len(xs) - 0.4)
    ax.set_xlabel(param_label(st, x), fontsize=9)
    ax.set_ylabel(_value_label(st), fontsize=9)
    if hue is not None:
        ax.legend(fontsize=8, title=param_label(st, hue), title_fontsize=8)
    if st["mean"].isnull().all():
        ax.text(0.5, 0.5, "undefined for every run\n(e.g. threshold never reached)",
                transform=ax.transAxes, ha="center", va="center", fontsize=9, color="0.4")
    ax.grid(alpha=0.3)
    return ax


def draw_points(ax: Axes, st: xr.Dataset, coord: Hashable, *, error: str = "sd") -> Axes:
    """A non-grid design: each point's mean (with error bars) against one parameter."""
    xs = _values(st, coord)
    err = st["std"] if error == "sd" else st["ci95"]
    if is_categorical(xs):
        cats = list(dict.fromkeys(xs))
        offsets = np.random.default_rng(0).uniform(-0.15, 0.15, len(xs))  # fixed jitter
        pos = np.array([cats.index(v) for v in xs], dtype=float) + offsets
        ax.set_xticks(range(len(cats)), [format_value(v) for v in cats])
        ax.set_xlim(-0.6, len(cats) - 0.4)
    else:
        pos = np.asarray(xs, dtype=float)
    ax.errorbar(pos, st["mean"].values, yerr=err.values, fmt="o", ms=3.5, capsize=0,
                elinewidth=0.8, alpha=0.8)
    ax.set_xlabel(param_label(st, coord), fontsize=9)
    ax.set_ylabel(_value_label(st), fontsize=9)
    ax.grid(alpha=0.3)
    return ax


def draw_heatmap(
    ax: Axes, values: xr.DataArray, x: Hashable, y: Hashable, *,
    vmin: float | None = None, vmax: float | None = None, annotate: bool = True,
) -> Any:
    """A categorical heatmap of a 2-D DataArray (one cell per value); returns the image."""
    grid = np.asarray(values.transpose(y, x).values, dtype=float)
    xs, ys = _values(values, x), _values(values, y)
    im = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis", vmin=vmin, vmax=vmax)
    ax.set_xticks(range(len(xs)), [format_value(v) for v in xs], fontsize=8)
    ax.set_yticks(range(len(ys)), [format_value(v) for v in ys], fontsize=8)
    ax.set_xlabel(param_label(values, x), fontsize=8)
    ax.set_ylabel(param_label(values, y), fontsize=8)
    if not np.isfinite(grid).any():
        ax.text(0.5, 0.5, "undefined for every run\n(e.g. threshold never reached)",
                transform=ax.transAxes, ha="center", va="center", fontsize=9, color="0.4")
    if annotate and grid.size <= 150:
        lo, hi = im.get_clim()
        mid = (lo + hi) / 2
        for (i, j), val in np.ndenumerate(grid):
            if np.isfinite(val):
                ax.text(j, i, format_cell(val), ha="center", va="center", fontsize=7,
                        color="white" if val < mid else "black")
    return im


def draw_bands(
    ax: Axes, tc: xr.Dataset, days: np.ndarray, *, by: Hashable | None = None,
    band: str = "sd", scale: Sequence[float] | None = None,
) -> list[Any]:
    """Mean curves of a :func:`timecourse` Dataset with their bands; returns the groups.

    The legend says what the band is (``± 1 sd over runs`` or ``± 95 % CI of the mean``)
    and how many runs the mean is of.
    """
    groups = _values(tc, by) if by is not None else [None]
    for k, value in enumerate(groups):
        part = tc.isel({by: k}) if by is not None else tc
        mean = np.asarray(part["mean"].values, dtype=float)
        std = np.asarray(part["std"].values, dtype=float)
        n = np.asarray(part["n"].values)
        div = 1.0 if scale is None else scale[k]
        color = f"C{k % 10}"
        runs = f"mean of {_counts(part['n'].isel(time=0))} runs"
        label = runs if by is None else f"{format_value(value)} ({runs})"
        ax.plot(days, mean / div, color=color, lw=2, label=label)
        if band != "none":
            half = std
            if band == "ci95":
                tq = np.array([t_quantile_975(int(m) - 1) for m in n])
                half = tq * std / np.sqrt(np.where(n > 0, n, np.nan))
            ax.fill_between(days, (mean - half) / div, (mean + half) / div, color=color,
                            alpha=0.2, lw=0)
    band_legend(ax, band, title=None if by is None else param_label(tc, by), one=len(groups) == 1)
    ax.set_xlabel("time (days)")
    return groups


def band_legend(ax: Axes, band: str, *, title: str | None = None, one: bool = True) -> None:
    """The Axes' legend plus an entry that says what the shaded band is."""
    from matplotlib.patches import Patch

    handles, labels = ax.get_legend_handles_labels()
    if band != "none":
        handles.append(Patch(color="C0" if one else "0.6", alpha=0.3, lw=0))
        labels.append(f"band: {_BANDS[band]}")
    ax.legend(handles, labels, fontsize=8, title=title, title_fontsize=8)


# -- plots of one metric of the cube (the accessor's) ---------------------------------------


def plot_timecourse(
    da: xr.DataArray,
    by: Hashable | None = None,
    *,
    ax: Axes | None = None,
    band: str = "sd",
    good_only: bool = True,
    replicates: bool = False,
) -> Axes:
    """Mean curve over time with a band, one line per value of ``by``.

    Parameters
    ----------
    da : DataArray
        A metric with dims ``(swept..., replicate, time)``.
    by : str, optional
        The swept dimension that gives one line per value (default: the only one).
        Other swept dimensions must be selected first.
    ax : Axes, optional
        Where to draw (default: a new figure).
    band : {"sd", "ci95", "none"}
        The shaded band: standard deviation of the runs, 95 % CI of the mean, or nothing
        (the legend says which).
    good_only : bool
        Only runs with ``status == 1``.
    replicates : bool
        Also draw every replicate as a thin line.

    Returns
    -------
    Axes
    """
    if band not in _BANDS:
        raise _error(f"band must be 'sd', 'ci95' or 'none', not {band!r}")
    by = _default_by(da, by)
    _check_extra_dims(da, [by] if by is not None else [], "plot_timecourse")
    ax = _axes(ax)
    days = _days(da)
    if replicates:
        groups = _values(da, by) if by is not None else [None]
        with computing_here():
            good = only_good(da, good_only)
            for k in range(len(groups)):
                runs = (good.isel({by: k}) if by is not None else good).transpose("replicate", "time")
                ax.plot(days, np.asarray(runs.values, dtype=float).T, color=f"C{k % 10}",
                        lw=0.6, alpha=0.35)
    draw_bands(ax, timecourse(da, good_only=good_only), days, by=by, band=band)
    unit = metric_unit(str(da.name))
    ax.set_ylabel(f"{da.name} ({unit})")
    what = {"sd": "mean ± sd", "ci95": "mean ± 95 % CI", "none": "mean"}[band]
    ax.set_title(f"{da.name}: {what} over replicates", fontsize=10)
    ax.grid(alpha=0.3)
    return ax


def plot_sweep(
    da: xr.DataArray,
    measure: str = "final",
    *,
    x: Hashable | None = None,
    hue: Hashable | None = None,
    error: str = "sd",
    ax: Axes | None = None,
    good_only: bool = True,
) -> Axes:
    """Outcome (mean with error bars over replicates) against a swept parameter.

    Categorical parameters (skin, preset, booleans) are drawn as categories. On a
    non-grid design (a ``point`` dimension), ``x`` names a parameter coordinate along
    ``point`` (default: the first) and each point is a marker.

    Parameters
    ----------
    da : DataArray
        A metric with a ``time`` dimension (or an outcome already reduced over time).
    measure : str
        The per-run measure (see :mod:`orchestration.measures`).
    x : str, optional
        The swept dimension (or point coordinate) on the x axis (default: the first).
    hue : str, optional
        A second swept dimension drawn as one series per value.
    error : {"sd", "ci95"}
        Error bars: standard deviation, or 95 % confidence interval of the mean.
    ax : Axes, optional
        Where to draw.

    Returns
    -------
    Axes
    """
    if error not in ("sd", "ci95"):
        raise _error(f"error must be 'sd' or 'ci95', not {error!r}")
    dims = swept_dims(da)
    if not dims:
        raise _error("plot_sweep needs a swept dimension; this data has only replicate/time")
    st = stats(da, measure if "time" in da.dims else None, good_only=good_only)
    if dims == [POINT_DIM]:
        coords = point_params(da)
        x = x if x is not None else (coords[0] if coords else POINT_DIM)
        if x != POINT_DIM and x not in coords:
            raise _error(f"{x!r} is not a parameter of these points; choose from {coords}")
        ax = draw_points(_axes(ax), st, x, error=error)
    else:
        x = x if x is not None else dims[0]
        if hue is None and len(dims) == 2:
            hue = dims[1] if dims[0] == x else dims[0]
        for d in (x, hue):
            if d is not None and d not in dims:
                raise _error(f"{d!r} is not a swept dimension; choose from {dims}")
        _check_extra_dims(da, [d for d in (x, hue) if d is not None], "plot_sweep")
        ax = draw_errorbars(_axes(ax), st, x, hue=hue, error=error)
    bars = "sd" if error == "sd" else "95 % CI"
    ax.set_title(f"{da.name} ({st.attrs['measure']}): mean ± {bars}, n = {_counts(st['n'])}",
                 fontsize=10)
    return ax


def plot_heatmap(
    da: xr.DataArray,
    measure: str = "final",
    *,
    x: Hashable | None = None,
    y: Hashable | None = None,
    statistic: str = "mean",
    ax: Axes | None = None,
    good_only: bool = True,
) -> Axes:
    """An annotated heatmap of an outcome statistic over two swept parameters.

    Cells are categorical (one per value), so uneven parameter values sit in the right
    cells; the colour bar names the measure and its unit.

    Parameters
    ----------
    da : DataArray
        A metric over exactly two swept dimensions (select the others first).
    measure : str
        The per-run measure.
    x, y : str, optional
        The dimensions on the horizontal and vertical axes (default: the cube's order).
    statistic : {"mean", "std", "n", "ci95"}
        Which replicate statistic to show.

    Returns
    -------
    Axes
    """
    dims = swept_dims(da)
    x = x if x is not None else next((d for d in dims if d != y), None)
    y = y if y is not None else next((d for d in dims if d != x), None)
    if x is None or y is None or x not in dims or y not in dims:
        raise _error(f"plot_heatmap needs two swept dimensions; this data has {dims}")
    _check_extra_dims(da, [x, y], "plot_heatmap")
    if statistic not in ("mean", "std", "n", "ci95"):
        raise _error(f"statistic must be mean, std, n or ci95, not {statistic!r}")
    st = stats(da, measure if "time" in da.dims else None, good_only=good_only)
    ax = _axes(ax)
    image = draw_heatmap(ax, st[statistic], x, y)
    unit = "runs" if statistic == "n" else _value_label(st)
    ax.set_title(f"{da.name} ({st.attrs['measure']}, {statistic} over replicates)", fontsize=10)
    ax.figure.colorbar(image, ax=ax, shrink=0.85, label=f"{statistic}: {unit}")
    return ax


def literature_curves() -> dict[str, tuple[str, str]]:
    """metric -> (reference curve, normalisation), as the simulator's validation uses."""
    from skibidy import validation

    curves = getattr(validation, "_CURVES", None)
    if not curves:
        return dict(_LITERATURE_FALLBACK)
    return {metric: (name, how) for name, (metric, how) in curves.items()}


def literature_condition(value: Any, default: str) -> str:
    """The published condition to compare a skin profile with (``normal`` or ``diabetic``)."""
    text = str(value)
    if "diabetic" in text:
        return "diabetic"
    if text in ("normal", "aged"):
        return "normal"
    return default


def cube_condition(obj: xr.DataArray | xr.Dataset) -> str:
    """``diabetic`` for a cube of a diabetic skin, else ``normal``."""
    return "diabetic" if "diabetic" in str(obj.attrs.get("skin", "")) else "normal"


def _scale(mean: np.ndarray, how: str) -> float:
    finite = mean[np.isfinite(mean)]
    if how == "peak" and finite.size and finite.max() > 0:
        return float(finite.max())
    if how == "end" and finite.size and finite[-1] > 0:
        return float(finite[-1])
    return 1.0


def plot_literature(
    da: xr.DataArray,
    *,
    condition: str | None = None,
    by: Hashable | None = None,
    ax: Axes | None = None,
    good_only: bool = True,
    clip: bool = True,
) -> Axes:
    """The simulated mean +/- sd over time on top of the published curve of this metric.

    Closure is compared in absolute percent; inflammation and cell counts are divided by
    their peak (collagen by its last value), as in :func:`skibidy.validate`.

    Parameters
    ----------
    da : DataArray
        A metric that has a literature curve: ``wound_closure_pct``, ``mean_infl_wound``,
        ``n_neutrophils``, ``n_macrophages``, ``n_myofibroblasts``, ``mean_collagen_wound``.
    condition : {"normal", "diabetic"}, optional
        Which published curves. Default: per value of ``by`` when it is the ``skin``
        dimension (diabetic skins -> diabetic), else from the cube's skin.
    by : str, optional
        One simulated line per value of this swept dimension (default: the only one).
    clip : bool
        Limit the time axis to the simulated span (the references run to day 28).

    Returns
    -------
    Axes
    """
    from skibidy.validation import reference_curves

    mapping = literature_curves()
    if da.name not in mapping:
        raise _error(
            f"no literature curve for {da.name!r}; curves exist for {', '.join(sorted(mapping))}"
        )
    curve, how = mapping[str(da.name)]
    by = _default_by(da, by)
    _check_extra_dims(da, [by] if by is not None else [], "plot_literature")
    ax = _axes(ax)
    tc = timecourse(da, good_only=good_only)
    days = _days(da)
    default = condition or cube_condition(da)
    groups = _values(da, by) if by is not None else [None]
    scales = [
        _scale(np.asarray((tc.isel({by: k}) if by is not None else tc)["mean"].values, float), how)
        for k in range(len(groups))
    ]
    draw_bands(ax, tc, days, by=by, band="sd", scale=scales)
    used = list(dict.fromkeys(
        condition or (literature_condition(v, default) if by == "skin" else default) for v in groups
    ))
    markers = {"normal": "o", "diabetic": "s"}
    span = float(np.nanmax(days)) if len(days) else 0.0
    for cond in used:
        ref = reference_curves(cond).get(curve)
        if ref is None:
            continue
        if clip:  # keep the points up to the first one past the simulated span
            beyond = np.flatnonzero(ref["day"].to_numpy() > span)
            ref = ref.iloc[: beyond[0] + 1] if beyond.size else ref
        ax.plot(ref["day"], ref["value"], linestyle="--", marker=markers.get(cond, "^"),
                color="black" if cond == "normal" else "dimgray", lw=1, ms=5,
                label=f"literature ({cond})")
    if clip and span > 0:
        ax.set_xlim(-0.02 * span, span * 1.05)
    scale = {"absolute": f" ({metric_unit(str(da.name))})", "peak": " (÷ peak)",
             "end": " (÷ last value)"}[how]
    ax.set_ylabel(f"{da.name}{scale}")
    ax.set_title(f"{da.name} vs literature: simulation mean ± sd", fontsize=10)
    band_legend(ax, "sd", title=None if by is None else param_label(da, by), one=len(groups) == 1)
    ax.grid(alpha=0.3)
    return ax


# -- the figures of a results directory -----------------------------------------------------


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _grid(fig: Figure, n: int, max_cols: int = 3) -> list[Axes]:
    cols = min(n, max_cols)
    rows = math.ceil(n / cols)
    axes = list(np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel())
    for extra in axes[n:]:
        extra.set_visible(False)
    return axes[:n]


def _panel_shape(n: int, max_cols: int = 3) -> tuple[int, int]:
    cols = min(n, max_cols)
    return cols, math.ceil(n / cols)


def plot_sweep_file(outcomes: Mapping[str, xr.Dataset], path: Path) -> Path:
    """``sweep.png``: each outcome against the one swept parameter, one panel each."""
    cols, rows = _panel_shape(len(outcomes))
    fig = _figure(4.2 * cols, 3.4 * rows)
    for ax, (column, st) in zip(_grid(fig, len(outcomes)), outcomes.items()):
        draw_errorbars(ax, st, swept_dims(st)[0])
        ax.set_title(f"{column} (n = {_counts(st['n'])})", fontsize=10)
    fig.suptitle("mean ± sd over good replicates per point", fontsize=10)
    fig.savefig(path, dpi=110)
    return path


def plot_heatmap_file(outcomes: Mapping[str, xr.Dataset], path: Path) -> Path:
    """``heatmap.png``: the mean of each outcome over the two swept parameters."""
    cols, rows = _panel_shape(len(outcomes))
    fig = _figure(4.8 * cols, 3.9 * rows)
    for ax, (column, st) in zip(_grid(fig, len(outcomes)), outcomes.items()):
        x, y = swept_dims(st)
        im = draw_heatmap(ax, st["mean"], x, y)
        ax.set_title(f"{column} (n = {_counts(st['n'])})", fontsize=10)
        fig.colorbar(im, ax=ax, shrink=0.85, label=f"mean {_value_label(st)}")
    fig.savefig(path, dpi=110)
    return path


def plot_facets_file(st: xr.Dataset, path: Path, max_panels: int = 36) -> Path:
    """``facets*.png``: heatmaps of the first two parameters, a panel per value of the rest."""
    dims = swept_dims(st)
    x, y, rest = dims[0], dims[1], dims[2:]
    combos = list(np.ndindex(*(st.sizes[d] for d in rest)))[:max_panels]
    cols, rows = _panel_shape(len(combos), 4)
    fig = _figure(4.0 * cols + 1, 3.4 * rows)
    with computing_here():
        lo, hi = float(st["mean"].min()), float(st["mean"].max())
    axes = _grid(fig, len(combos), 4)
    im = None
    for ax, idx in zip(axes, combos):
        sel = dict(zip(rest, idx))
        im = draw_heatmap(ax, st["mean"].isel(sel), x, y, vmin=lo, vmax=hi)
        ax.set_title(", ".join(f"{str(d)}={format_value(_values(st, d)[i])}" for d, i in sel.items()),
                     fontsize=9)
    if im is not None:
        fig.colorbar(im, ax=axes, shrink=0.8, label=f"mean {_value_label(st)}")
    fig.suptitle(f"{st.attrs['metric']} ({st.attrs['measure']}), n = {_counts(st['n'])} runs per cell",
                 fontsize=11)
    fig.savefig(path, dpi=100)
    return path


def plot_points_file(st: xr.Dataset, path: Path) -> Path:
    """``points*.png``: a non-grid design's outcome against each parameter (one panel each)."""
    coords = point_params(st) or [POINT_DIM]
    cols, rows = _panel_shape(len(coords), 4)
    fig = _figure(3.6 * cols, 3.0 * rows)
    for ax, coord in zip(_grid(fig, len(coords), 4), coords):
        draw_points(ax, st, coord)
    fig.suptitle(f"{st.attrs['metric']} ({st.attrs['measure']}): mean ± sd over replicates per point "
                 f"({st.sizes[POINT_DIM]} points)", fontsize=10)
    fig.savefig(path, dpi=100)
    return path


def plot_all(outcomes: Mapping[str, xr.Dataset], directory: Path) -> list[Path]:
    """The figures that fit the design; returns their paths.

    Parameters
    ----------
    outcomes : mapping
        Summary column -> :func:`~orchestration.outcomes.stats` Dataset, as from
        :func:`~orchestration.outcomes.outcome_stats`.
    directory : Path
        Where the PNGs go: ``sweep.png`` (one parameter), ``heatmap.png`` (two),
        ``facets.png`` / ``facets_<column>.png`` (three or more), ``points.png`` /
        ``points_<column>.png`` (a ``point`` dimension); nothing without a swept dimension.
    """
    if not outcomes:
        return []
    first = next(iter(outcomes.values()))
    dims = swept_dims(first)
    if not dims or any(first.sizes[d] == 0 for d in dims):
        return []
    if POINT_DIM in dims:
        return [
            plot_points_file(st, directory / ("points.png" if k == 0 else f"points_{column}.png"))
            for k, (column, st) in enumerate(outcomes.items())
        ]
    if len(dims) == 1:
        return [plot_sweep_file(outcomes, directory / "sweep.png")]
    if len(dims) == 2:
        return [plot_heatmap_file(outcomes, directory / "heatmap.png")]
    return [
        plot_facets_file(st, directory / ("facets.png" if k == 0 else f"facets_{column}.png"))
        for k, (column, st) in enumerate(outcomes.items())
    ]


def plot_consensus(ds: xr.Dataset, metrics: Sequence[str], path: Path) -> Path:
    """``consensus.png`` (batch): each metric's mean curve over time, band ± 1 sd over runs."""
    cols, rows = _panel_shape(len(metrics))
    fig = _figure(4.2 * cols, 3.3 * rows)
    days = _days(ds)
    for ax, m in zip(_grid(fig, len(metrics)), metrics):
        draw_bands(ax, timecourse(ds[m]), days, band="sd")
        ax.set_title(m, fontsize=10)
        ax.set_ylabel(f"{m} ({metric_unit(m)})", fontsize=9)
        ax.grid(alpha=0.3)
    fig.savefig(path, dpi=110)
    return path
