"""Outcomes: per-run measures of the cube, then statistics over replicates.

Measures (:mod:`orchestration.measures`) are computed on every run's own curve and only
then summarised; never from a mean curve (the mean of peaks is not the peak of the mean).
Statistics over ``replicate`` use good runs only (``status == 1``): mean, sample standard
deviation (ddof=1), n, and the half-width of the 95 % confidence interval of the mean
(Student t). :func:`timecourse` describes the spread of curves over time for drawing
bands; it is not an outcome.
"""

from __future__ import annotations

import math
import warnings
from contextlib import contextmanager
from typing import Hashable, Iterator

import numpy as np
import xarray as xr

from orchestration.measures import Outcomes, get
from skibidy.errors import SkibidyError

__all__ = [
    "measure",
    "replicate_stats",
    "t_quantile_975",
    "swept_dims",
    "good_runs",
    "only_good",
    "computing_here",
    "outcome",
    "stats",
    "timecourse",
    "outcome_stats",
]

RUN_DIMS = ("replicate", "time")
"""The dimensions of one point's runs; every other dimension is swept (or ``point``)."""


@contextmanager
def computing_here() -> Iterator[None]:
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
    """The swept dimensions of a cube (every dimension but replicate and time).

    Examples
    --------
    >>> da = xr.DataArray(np.zeros((2, 3, 4)), dims=("cytokine_rate", "replicate", "time"))
    >>> swept_dims(da)
    ['cytokine_rate']
    """
    return [d for d in obj.dims if d not in RUN_DIMS]


def good_runs(obj: xr.DataArray | xr.Dataset) -> xr.DataArray | None:
    """``status == 1`` over the run dims, or None if the object has no ``status``."""
    from orchestration.store import STATUS_OK

    if "status" not in obj.coords and not (isinstance(obj, xr.Dataset) and "status" in obj):
        return None
    return obj["status"] == STATUS_OK


def only_good(da: xr.DataArray, good_only: bool = True) -> xr.DataArray:
    """``da`` with the runs whose status is not ok set to NaN (if ``good_only``)."""
    ok = good_runs(da) if good_only else None
    return da if ok is None else da.where(ok)


def measure(data: xr.DataArray | xr.Dataset, name: str) -> xr.DataArray | xr.Dataset:
    """Reduce each run's curve over ``time`` with a named measure.

    Parameters
    ----------
    data : DataArray or Dataset
        With a ``time`` dimension and coordinate in hours (e.g. from ``open_results``).
    name : str
        A registered measure (:mod:`orchestration.measures`): ``final``, ``peak``,
        ``min``, ``mean``, ``auc``, ``time_of_peak`` or ``time_to_N`` (``N`` a number).

    Returns
    -------
    DataArray or Dataset without the ``time`` dimension; attrs ``measure`` and ``unit``.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> da = xr.DataArray([[0.0, 50.0, 95.0, np.nan]], dims=("replicate", "time"),
    ...                   coords={"time": [0.0, 10.0, 20.0, 30.0]})
    >>> float(measure(da, "final")[0]), float(measure(da, "time_to_90")[0])
    (95.0, 18.88888888888889)
    >>> float(measure(da, "auc")[0])
    975.0
    """
    return _reduce(data, name)


def _reduce(data: xr.DataArray | xr.Dataset, name: str) -> xr.DataArray | xr.Dataset:
    chosen = get(name)
    if isinstance(data, xr.Dataset):
        return xr.Dataset(
            {k: chosen.reduce(v) for k, v in data.data_vars.items() if "time" in v.dims},
            attrs=data.attrs,
        )
    return chosen.reduce(data)


_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)


def t_quantile_975(df: int) -> float:
    """Two-sided 95 % Student-t quantile for ``df`` degrees of freedom (NaN if df < 1)."""
    if df < 1:
        return math.nan
    if df <= len(_T975):
        return _T975[df - 1]
    z = 1.959964
    # Cornish-Fisher expansion; error < 1e-3 beyond 30 degrees of freedom.
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def replicate_stats(per_run: xr.DataArray, ok: xr.DataArray | None = None) -> xr.Dataset:
    """Mean, std (ddof=1), n and 95 % CI half-width over ``replicate`` of good runs.

    Parameters
    ----------
    per_run : DataArray
        A measure per run (from :func:`measure`).
    ok : DataArray of bool, optional
        Which runs count (default: every run with a non-NaN value).
    """
    values = per_run if ok is None else per_run.where(ok)
    n = values.count("replicate")
    mean = values.mean("replicate")
    std = values.std("replicate", ddof=1)
    tq = xr.apply_ufunc(
        np.vectorize(lambda k: t_quantile_975(int(k) - 1), otypes=[np.float64]),
        n,
        dask="parallelized",
        output_dtypes=[np.float64],
    )
    ci = tq * std / np.sqrt(n.where(n > 0))
    return xr.Dataset({"mean": mean, "std": std, "n": n, "ci95": ci})


def outcome(da: xr.DataArray, measure: str = "final", *, good_only: bool = True) -> xr.DataArray:
    """One value per run: the curve of each run reduced over time by a measure.

    Parameters
    ----------
    da : DataArray
        A metric with a ``time`` dimension (hours), e.g. ``ds.wound_closure_pct``.
    measure : str
        A registered measure (see :func:`orchestration.measure`).
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
    return _reduce(only_good(da, good_only), measure)


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
        ``mean``, ``std`` (ddof=1), ``n`` and ``ci95`` over the swept dimensions; attrs
        ``metric``, ``measure``, ``unit`` and ``label`` (an axis label with the unit).

    Examples
    --------
    >>> da = xr.DataArray([[0.0, 40.0], [0.0, 60.0]], dims=("replicate", "time"),
    ...                   coords={"time": [0.0, 24.0]}, name="wound_closure_pct")
    >>> st = stats(da, "final")
    >>> float(st["mean"]), round(float(st["std"]), 3), int(st["n"]), st.attrs["unit"]
    (50.0, 14.142, 2, '%')
    """
    if "time" in da.dims:
        if measure is None:
            raise SkibidyError(
                "this data still has a time dimension: name a measure, e.g. "
                "stats(da, 'final') or 'auc', 'peak', 'time_to_90'"
            )
        per_run = outcome(da, measure, good_only=good_only)
    else:
        per_run = only_good(da, good_only)
    with computing_here():
        result = replicate_stats(per_run).compute()
    name = measure or str(da.attrs.get("measure", ""))
    result.attrs.update(metric=str(da.name), measure=name, **_unit_attrs(str(da.name), name))
    return result


def _unit_attrs(metric: str, measure_name: str) -> dict[str, str]:
    try:
        chosen = get(measure_name)
    except SkibidyError:
        return {"unit": "", "label": f"{metric} ({measure_name})" if measure_name else metric}
    return {"unit": chosen.unit(metric), "label": chosen.label(metric)}


def timecourse(da: xr.DataArray, *, good_only: bool = True) -> xr.Dataset:
    """Mean, standard deviation and n over replicates at every time (for drawing bands).

    A description of the spread of curves, not an outcome: compute outcomes with
    :func:`outcome` / :func:`stats`, which reduce each run first.

    Returns
    -------
    Dataset
        ``mean``, ``std`` (ddof=1) and ``n`` with dims ``(swept..., time)``.
    """
    values = only_good(da, good_only)
    with computing_here():
        return xr.Dataset(
            {
                "mean": values.mean("replicate"),
                "std": values.std("replicate", ddof=1),
                "n": values.count("replicate"),
            }
        ).compute()


def outcome_stats(ds: xr.Dataset, outcomes: Outcomes) -> dict[str, xr.Dataset]:
    """Replicate statistics of every configured outcome, keyed by its summary column.

    Each value is a :func:`stats` Dataset (``mean``, ``std``, ``n``, ``ci95`` over the
    swept dimensions) whose attrs say the metric, measure, unit and label.
    """
    return {o.column: stats(ds[o.metric], o.measure.name) for o in outcomes.items}
