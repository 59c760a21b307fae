"""Outcome measures: reductions over time per run, then statistics over replicates.

Measures are computed on every run's own curve and only then averaged; never from a
mean curve (the mean of peaks is not the peak of the mean).

* ``final``: the last valid (non-NaN) value of the run;
* ``peak``: the maximum;
* ``auc``: trapezoid rule on ``time`` in hours over the run's valid rows;
* ``time_to_N``: the time (hours) at which the value first reaches N, interpolated linearly
  between the rows around the crossing (:func:`skibidy.metrics.time_to_level`, the same
  definition as the simulator's validation), NaN if never.

Statistics over ``replicate`` use good runs only (``status == 1``): mean, sample standard
deviation (ddof=1), n, and the half-width of the 95 % confidence interval of the mean
(Student t).
"""

from __future__ import annotations

import math

import numpy as np
import xarray as xr

from orchestration.spec import parse_measure
from skibidy.metrics import time_to_level

__all__ = ["measure", "replicate_stats", "t_quantile_975"]


def _final(values: np.ndarray) -> np.ndarray:
    valid = ~np.isnan(values)
    n = values.shape[-1]
    last = n - 1 - np.argmax(valid[..., ::-1], axis=-1)
    out = np.take_along_axis(values, last[..., None], axis=-1)[..., 0]
    return np.where(valid.any(axis=-1), out, np.nan)


def _peak(values: np.ndarray) -> np.ndarray:
    valid = ~np.isnan(values)
    filled = np.where(valid, values, -np.inf)
    return np.where(valid.any(axis=-1), filled.max(axis=-1), np.nan)


def _auc(values: np.ndarray, t: np.ndarray) -> np.ndarray:
    y0, y1 = values[..., :-1], values[..., 1:]
    seg = np.diff(t) * (y1 + y0) / 2.0
    ok = ~np.isnan(seg)
    area = np.where(ok, seg, 0.0).sum(axis=-1)
    return np.where((~np.isnan(values)).any(axis=-1), area, np.nan)


def _time_to(values: np.ndarray, t: np.ndarray, threshold: float) -> np.ndarray:
    return time_to_level(values, t, threshold)


def measure(data: xr.DataArray | xr.Dataset, name: str) -> xr.DataArray | xr.Dataset:
    """Reduce each run's curve over ``time`` with a named measure.

    Parameters
    ----------
    data : DataArray or Dataset
        With a ``time`` dimension and coordinate in hours (e.g. from ``open_results``).
    name : str
        ``final``, ``peak``, ``auc`` or ``time_to_N`` (``N`` a number).

    Returns
    -------
    DataArray or Dataset without the ``time`` dimension.

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
    kind, threshold = parse_measure(name)
    if isinstance(data, xr.Dataset):
        out = xr.Dataset(
            {k: measure(v, name) for k, v in data.data_vars.items() if "time" in v.dims},
            attrs=data.attrs,
        )
        return out
    t = np.asarray(data["time"].values, dtype=np.float64)
    if kind == "final":
        func, kwargs = _final, {}
    elif kind == "peak":
        func, kwargs = _peak, {}
    elif kind == "auc":
        func, kwargs = _auc, {"t": t}
    else:
        func, kwargs = _time_to, {"t": t, "threshold": threshold}
    result = xr.apply_ufunc(
        func,
        data,
        input_core_dims=[["time"]],
        kwargs=kwargs,
        dask="parallelized",
        output_dtypes=[np.float64],
        keep_attrs=True,
    )
    result.attrs["measure"] = name
    return result


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
