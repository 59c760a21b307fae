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

Plots follow xarray's habit: they draw into ``ax`` when given, else into a new pyplot
figure, and return the Axes (or the Figure when they make several panels).
"""

from __future__ import annotations

import json
import warnings
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Hashable, Iterator, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from orchestration.outcomes import measure as _measure
from orchestration.outcomes import replicate_stats
from orchestration.store import STATUS_OK
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

_RUN_DIMS = ("replicate", "time")

#: metric -> (literature curve, normalisation) used when no mapping comes from the simulator
_LITERATURE_FALLBACK: dict[str, tuple[str, str]] = {
    "wound_closure_pct": ("closure_pct", "absolute"),
}


# -- small helpers --------------------------------------------------------------------------


def _error(message: str) -> SkibidyError:
    return SkibidyError(message)


@contextmanager
def _here() -> Iterator[None]:
    """Compute in this process (threads), quietly, even while a distributed Client is active.

    The cube is on this machine's disk; a remote cluster's workers may not see it, and the
    reductions here are small. All-NaN points (e.g. a threshold never reached) give NaN
    without a RuntimeWarning.
    """
    import dask

    with dask.config.set(scheduler="threads"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def swept_dims(obj: xr.DataArray | xr.Dataset) -> list[Hashable]:
    """The swept-parameter dimensions of a cube (every dimension but replicate and time).

    Examples
    --------
    >>> da = xr.DataArray(np.zeros((2, 3, 4)), dims=("cytokine_rate", "replicate", "time"))
    >>> swept_dims(da)
    ['cytokine_rate']
    """
    return [d for d in obj.dims if d not in _RUN_DIMS]


def good_runs(obj: xr.DataArray | xr.Dataset) -> xr.DataArray | None:
    """``status == 1`` over the run dims, or None if the object has no ``status``."""
    if "status" not in obj.coords and not (isinstance(obj, xr.Dataset) and "status" in obj):
        return None
    return obj["status"] == STATUS_OK


def _only_good(da: xr.DataArray, good_only: bool) -> xr.DataArray:
    ok = good_runs(da) if good_only else None
    return da if ok is None else da.where(ok)


def _param_label(obj: xr.DataArray | xr.Dataset, dim: Hashable) -> str:
    """The dotted parameter path of a dimension (its ``param`` attribute), else its name."""
    if dim in obj.coords:
        return str(obj[dim].attrs.get("param", dim))
    return str(dim)


def _values(obj: xr.DataArray | xr.Dataset, dim: Hashable) -> list[Any]:
    if dim in obj.coords:
        return [v.item() if hasattr(v, "item") else v for v in np.asarray(obj[dim].values)]
    return list(range(obj.sizes[dim]))


def _days(obj: xr.DataArray | xr.Dataset) -> np.ndarray:
    if "time_days" in obj.coords:
        with _here():
            return np.asarray(obj["time_days"].values, dtype=float)
    return np.asarray(obj["time"].values, dtype=float) / 24.0


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


# -- measures and statistics ----------------------------------------------------------------


def outcome(da: xr.DataArray, measure: str = "final", *, good_only: bool = True) -> xr.DataArray:
    """One value per run: the curve of each run reduced over time by ``measure``.

    Parameters
    ----------
    da : DataArray
        A metric with a ``time`` dimension (hours), e.g. ``ds.wound_closure_pct``.
    measure : str
        ``final``, ``peak``, ``auc`` or ``time_to_N`` (see :func:`orchestration.measure`).
    good_only : bool
        Set runs whose status is not ok to NaN (when the data has a ``status``).

    Returns
    -------
    DataArray
        Without the ``time`` dimension; ``time_to_N`` is in hours, ``auc`` in unit x h.

    Examples
    --------
    >>> da = xr.DataArray([[0.0, 40.0, 80.0], [0.0, 60.0, 100.0]], dims=("replicate", "time"),
    ...                   coords={"time": [0.0, 24.0, 48.0]})
    >>> outcome(da, "time_to_50").values
    array([30., 20.])
    """
    return _measure(_only_good(da, good_only), measure)


def stats(
    da: xr.DataArray, measure: str | None = "final", *, good_only: bool = True
) -> xr.Dataset:
    """Mean, standard deviation, n and 95 % CI half-width of an outcome over replicates.

    Parameters
    ----------
    da : DataArray
        A metric with a ``time`` dimension, or an outcome already reduced over time.
    measure : str or None
        The measure applied per run first; None if ``da`` has no ``time`` dimension.
    good_only : bool
        Only runs with ``status == 1`` count.

    Returns
    -------
    Dataset
        ``mean``, ``std`` (ddof=1), ``n`` and ``ci95`` over the swept dimensions.

    Examples
    --------
    >>> da = xr.DataArray([[0.0, 40.0], [0.0, 60.0]], dims=("replicate", "time"),
    ...                   coords={"time": [0.0, 24.0]})
    >>> st = stats(da, "final")
    >>> float(st["mean"]), round(float(st["std"]), 3), int(st["n"])
    (50.0, 14.142, 2)
    """
    if "time" in da.dims:
        if measure is None:
            raise _error(
                "this data still has a time dimension: name a measure, e.g. "
                "stats(da, 'final') or 'auc', 'peak', 'time_to_90'"
            )
        per_run = outcome(da, measure, good_only=good_only)
    else:
        per_run = _only_good(da, good_only)
    with _here():
        result = replicate_stats(per_run).compute()
    result.attrs.update(metric=str(da.name), measure=measure or str(da.attrs.get("measure", "")))
    return result


def timecourse(da: xr.DataArray, *, good_only: bool = True) -> xr.Dataset:
    """Mean, standard deviation and n over replicates at every time (for drawing bands).

    A description of the spread of curves, not an outcome: compute outcomes with
    :func:`outcome` / :func:`stats`, which reduce each run first.

    Returns
    -------
    Dataset
        ``mean``, ``std`` (ddof=1) and ``n`` with dims ``(swept..., time)``.
    """
    values = _only_good(da, good_only)
    with _here():
        return xr.Dataset(
            {
                "mean": values.mean("replicate"),
                "std": values.std("replicate", ddof=1),
                "n": values.count("replicate"),
            }
        ).compute()


def summary(
    ds: xr.Dataset, metrics: str | Sequence[str] | None = None, measure: str | None = None
) -> pd.DataFrame:
    """The summary table of ``summary.csv`` for any metrics and measure (one row per point).

    Parameters
    ----------
    ds : Dataset
        A cube from :func:`~orchestration.open_results` (a selection of one is fine).
    metrics : str or sequence of str, optional
        Default: the outcomes named in the sweep config.
    measure : str, optional
        Default: the measure named in the sweep config.
    """
    from orchestration.products import summary_table
    from orchestration.spec import Outcomes, SweepSpec

    if "spec" not in ds.attrs:
        raise _error(
            "this Dataset has no 'spec' attribute: open it with orchestration.open_results"
        )
    spec = SweepSpec.from_dict(json.loads(ds.attrs["spec"]))
    chosen = spec.outcomes
    names = [metrics] if isinstance(metrics, str) else list(metrics or chosen.metrics)
    outcomes = Outcomes(
        primary=names[0], secondary=tuple(names[1:]), measure=measure or chosen.measure
    )
    with _here():
        return summary_table(ds, replace(spec, outcomes=outcomes))


def _condition_of(value: Any, default: str) -> str:
    text = str(value)
    if "diabetic" in text:
        return "diabetic"
    if text in ("normal", "aged"):
        return "normal"
    return default


def _default_condition(obj: xr.DataArray | xr.Dataset) -> str:
    return "diabetic" if "diabetic" in str(obj.attrs.get("skin", "")) else "normal"


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
    default = _default_condition(ds)
    for idx in np.ndindex(*(ds.sizes[d] for d in dims)):
        sub = ds.isel(dict(zip(dims, idx)))
        point = {_param_label(ds, d): _values(ds, d)[i] for d, i in zip(dims, idx)}
        cond = condition or _condition_of(point.get("skin", ds.attrs.get("skin", "")), default)
        with _here():
            curve = mean_curve(sub)
        if not len(curve):
            continue
        report = skibidy.validate(curve, condition=cond).to_dict()
        report.pop("condition", None)
        rows.append({**point, "condition": cond, **report})
    return pd.DataFrame(rows)


# -- plots ----------------------------------------------------------------------------------


def plot_timecourse(
    da: xr.DataArray,
    by: Hashable | None = None,
    *,
    ax: Axes | None = None,
    band: str = "sd",
    good_only: bool = True,
    replicates: bool = False,
) -> Axes:
    """Mean curve over time with a +/- sd band, one line per value of ``by``.

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
        The shaded band: standard deviation, 95 % CI of the mean, or nothing.
    good_only : bool
        Only runs with ``status == 1``.
    replicates : bool
        Also draw every replicate as a thin line.

    Returns
    -------
    Axes
    """
    from orchestration.outcomes import t_quantile_975

    if band not in ("sd", "ci95", "none"):
        raise _error(f"band must be 'sd', 'ci95' or 'none', not {band!r}")
    by = _default_by(da, by)
    _check_extra_dims(da, [by] if by is not None else [], "plot_timecourse")
    ax = _axes(ax)
    tc = timecourse(da, good_only=good_only)
    days = _days(da)
    groups = _values(da, by) if by is not None else [None]
    for k, value in enumerate(groups):
        sel = {by: k} if by is not None else {}
        mean = np.asarray(tc["mean"].isel(sel).values, dtype=float)
        std = np.asarray(tc["std"].isel(sel).values, dtype=float)
        n = np.asarray(tc["n"].isel(sel).values)
        color = f"C{k % 10}"
        label = "mean" if by is None else _fmt(value)
        if replicates:
            with _here():
                runs = _only_good(da, good_only).isel(sel).transpose("replicate", "time").values
            ax.plot(days, np.asarray(runs, dtype=float).T, color=color, lw=0.6, alpha=0.35)
        ax.plot(days, mean, color=color, lw=2, label=label)
        if band != "none":
            half = std
            if band == "ci95":
                tq = np.array([t_quantile_975(int(m) - 1) for m in n])
                half = tq * std / np.sqrt(np.where(n > 0, n, np.nan))
            ax.fill_between(days, mean - half, mean + half, color=color, alpha=0.2, lw=0)
    ax.set_xlabel("time (days)")
    ax.set_ylabel(str(da.name))
    what = {"sd": "mean ± sd", "ci95": "mean ± 95 % CI", "none": "mean"}[band]
    ax.set_title(f"{da.name}: {what} over replicates", fontsize=10)
    if by is not None:
        ax.legend(fontsize=8, title=_param_label(da, by), title_fontsize=8)
    ax.grid(alpha=0.3)
    return ax


def _fmt(value: Any) -> str:
    from orchestration.plots import _label

    return _label(value)


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

    Parameters
    ----------
    da : DataArray
        A metric with a ``time`` dimension (or an outcome already reduced over time).
    measure : str
        The per-run measure (``final``, ``peak``, ``auc``, ``time_to_N``).
    x : str, optional
        The swept dimension on the x axis (default: the first).
    hue : str, optional
        A second swept dimension drawn as one line per value.
    error : {"sd", "ci95"}
        Error bars: standard deviation, or 95 % confidence interval of the mean.
    ax : Axes, optional
        Where to draw.

    Returns
    -------
    Axes
    """
    from orchestration.plots import _is_numeric

    if error not in ("sd", "ci95"):
        raise _error(f"error must be 'sd' or 'ci95', not {error!r}")
    dims = swept_dims(da)
    if not dims:
        raise _error("plot_sweep needs a swept dimension; this data has only replicate/time")
    x = x if x is not None else dims[0]
    if hue is None and len(dims) == 2:
        hue = dims[1] if dims[0] == x else dims[0]
    for d in (x, hue):
        if d is not None and d not in dims:
            raise _error(f"{d!r} is not a swept dimension; choose from {dims}")
    _check_extra_dims(da, [d for d in (x, hue) if d is not None], "plot_sweep")
    st = stats(da, measure if "time" in da.dims else None, good_only=good_only)
    ax = _axes(ax)
    xs = _values(da, x)
    numeric = _is_numeric(xs)
    pos = np.asarray(xs, dtype=float) if numeric else np.arange(len(xs), dtype=float)
    hues = _values(da, hue) if hue is not None else [None]
    width = 0.0 if numeric or hue is None else 0.25 / max(1, len(hues) - 1)
    for k, h in enumerate(hues):
        sel = {hue: k} if hue is not None else {}
        part = st.isel(sel).transpose(x)
        err = part["std"] if error == "sd" else part["ci95"]
        shift = (k - (len(hues) - 1) / 2) * width
        ax.errorbar(
            pos + shift, part["mean"].values, yerr=err.values, marker="o", capsize=4, lw=1.5,
            color=f"C{k % 10}", label=None if h is None else _fmt(h),
            linestyle="-" if numeric else "none",
        )
    if not numeric:
        ax.set_xticks(pos, [_fmt(v) for v in xs])
    name = measure if "time" in da.dims else da.attrs.get("measure", "")
    ax.set_xlabel(_param_label(da, x))
    ax.set_ylabel(f"{da.name} ({name})")
    n = np.asarray(st["n"].values)
    bars = "sd" if error == "sd" else "95 % CI"
    counts = f"{int(n.min())}" if n.min() == n.max() else f"{int(n.min())}–{int(n.max())}"
    ax.set_title(f"{da.name} ({name}): mean ± {bars}, n = {counts}", fontsize=10)
    if hue is not None:
        ax.legend(fontsize=8, title=_param_label(da, hue), title_fontsize=8)
    ax.grid(alpha=0.3)
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
    cells; this is the drawing of ``heatmap.png`` (:mod:`orchestration.plots`).

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
    from orchestration.plots import _heat

    dims = swept_dims(da)
    x = x if x is not None else next((d for d in dims if d != y), None)
    y = y if y is not None else next((d for d in dims if d != x), None)
    if x is None or y is None or x not in dims or y not in dims:
        raise _error(f"plot_heatmap needs two swept dimensions; this data has {dims}")
    _check_extra_dims(da, [x, y], "plot_heatmap")
    if statistic not in ("mean", "std", "n", "ci95"):
        raise _error(f"statistic must be mean, std, n or ci95, not {statistic!r}")
    st = stats(da, measure if "time" in da.dims else None, good_only=good_only)
    values = st[statistic].transpose(y, x).values
    xs, ys = _values(da, x), _values(da, y)
    table = pd.DataFrame(
        {
            "x": [v for _ in ys for v in xs],
            "y": [v for v in ys for _ in xs],
            "value": np.asarray(values, dtype=float).reshape(-1),
        }
    )
    ax = _axes(ax)
    image = _heat(ax, table, "x", "y", "value")
    ax.set_xlabel(_param_label(da, x))
    ax.set_ylabel(_param_label(da, y))
    name = measure if "time" in da.dims else da.attrs.get("measure", "")
    ax.set_title(f"{da.name} ({name}, {statistic} over replicates)", fontsize=10)
    ax.figure.colorbar(image, ax=ax, shrink=0.85)
    return ax


def _literature_map() -> dict[str, tuple[str, str]]:
    """metric -> (reference curve, normalisation), as the simulator's validation uses."""
    from skibidy import validation

    curves = getattr(validation, "_CURVES", None)
    if not curves:
        return dict(_LITERATURE_FALLBACK)
    return {metric: (name, how) for name, (metric, how) in curves.items()}


def _normalise(mean: np.ndarray, std: np.ndarray, how: str) -> tuple[np.ndarray, np.ndarray]:
    finite = mean[np.isfinite(mean)]
    scale = 1.0
    if how == "peak" and finite.size and finite.max() > 0:
        scale = float(finite.max())
    elif how == "end" and finite.size and finite[-1] > 0:
        scale = float(finite[-1])
    return mean / scale, std / scale


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

    mapping = _literature_map()
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
    default = condition or _default_condition(da)
    groups = _values(da, by) if by is not None else [None]
    used: list[str] = []
    for k, value in enumerate(groups):
        sel = {by: k} if by is not None else {}
        mean, std = _normalise(
            np.asarray(tc["mean"].isel(sel).values, dtype=float),
            np.asarray(tc["std"].isel(sel).values, dtype=float),
            how,
        )
        cond = condition or (_condition_of(value, default) if by == "skin" else default)
        if cond not in used:
            used.append(cond)
        color = f"C{k % 10}"
        label = "simulation" if by is None else _fmt(value)
        ax.plot(days, mean, color=color, lw=2, label=label)
        ax.fill_between(days, mean - std, mean + std, color=color, alpha=0.2, lw=0)
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
    scale = {"absolute": "", "peak": " (÷ peak)", "end": " (÷ last value)"}[how]
    ax.set_xlabel("time (days)")
    ax.set_ylabel(f"{da.name}{scale}")
    ax.set_title(f"{da.name} vs literature: simulation mean ± sd", fontsize=10)
    ax.legend(fontsize=8, title=None if by is None else _param_label(da, by), title_fontsize=8)
    ax.grid(alpha=0.3)
    return ax


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
            raise _error(f"no metric {name!r} in this cube{hint}")
        return self._obj[name]

    @property
    def params(self) -> list[Hashable]:
        """The swept dimensions."""
        return swept_dims(self._obj)

    @property
    def param_paths(self) -> dict[Hashable, str]:
        """Swept dimension -> the dotted parameter path it varies."""
        return {d: _param_label(self._obj, d) for d in swept_dims(self._obj)}

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
            raise _error("give ax only with one metric; several metrics make their own figure")
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
