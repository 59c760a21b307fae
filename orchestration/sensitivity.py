"""Sensitivity indices of a sampled design: which parameters drive which outcome, and when.

What each design supports:

``sobol``
    first-order and total Sobol' indices ``S1``, ``ST`` with bootstrap confidence
    intervals (:func:`SALib.analyze.sobol.analyze`, no second-order terms);
``morris``
    elementary effects ``mu``, ``mu_star`` (with ``mu_star_conf``) and ``sigma``
    (:func:`SALib.analyze.morris.analyze`, effects on the unit scale of each parameter's
    range, so they compare across parameters);
``lhs``
    a rank-correlation screen: Spearman's ``spearman`` and the partial rank correlation
    ``prcc`` (each parameter's ranks and the outcome's, with the other parameters' ranks
    regressed out), with Fisher-z 95 % confidence half-widths.

Replicates enter through their mean: each run's curve is reduced by the outcome's measure,
and the indices are computed on the mean over a point's good runs (status ok). Replicates
thus lower the noise in the outcome rather than count as design points; a point whose runs
all failed (or never reached a ``time_to_N`` threshold) has no value, and the smallest unit
of the design that holds it is left out: a Sobol' block (``d + 2`` rows), a Morris
trajectory (``d + 1`` rows), an LHS point. ``n`` says how many units were used.

Over time the same indices are computed on each metric's replicate mean at every row of
the time axis (``time``), so one sees which parameter drives closure on day 5 and which
on day 20. Categorical axes crossed with the design give one set of indices per
combination (dimension ``group``).

Results: :func:`sensitivity` returns an :class:`xarray.Dataset` with ``value`` and
``conf`` over ``(group,) outcome x param x index`` and ``value_t``/``conf_t`` over
``(group,) metric x param x index x time`` (``outcome`` labels each (metric, measure)
pair, with coordinates ``outcome_metric`` and ``measure``); :func:`write_sensitivity` writes them as
``sensitivity.csv`` (columns ``outcome, measure, param, index, value, conf, n`` and one per
categorical parameter) and ``sensitivity_time.csv`` (with ``time_h``).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from skibidy.errors import SkibidyError

__all__ = ["sensitivity", "write_sensitivity", "long_table", "INDICES", "MAIN_INDEX"]

INDICES = {
    "sobol": ("S1", "ST"),
    "morris": ("mu", "mu_star", "sigma"),
    "lhs": ("spearman", "prcc"),
}
"""The indices each design supports."""

MAIN_INDEX = {"sobol": "ST", "morris": "mu_star", "lhs": "prcc"}
"""The index drawn over time for each design."""

NUM_RESAMPLES = 200
CONF_LEVEL = 0.95


class NoSensitivity(SkibidyError):
    """The cube's design supports no sensitivity index (a grid, a table, a batch)."""


def _spec_of(ds: xr.Dataset) -> Any:
    from orchestration.spec import SweepSpec

    try:
        return SweepSpec.from_dict(json.loads(ds.attrs["spec"]))
    except (KeyError, TypeError, ValueError):
        raise SkibidyError(
            "this object carries no sweep spec (attrs['spec']); open the cube with "
            "orchestration.open_results(DIR)"
        ) from None


def sensitivity(
    ds: xr.Dataset,
    *,
    outcomes: Sequence[str | tuple[str, str]] | None = None,
    measure: str | None = None,
    over_time: bool = True,
) -> xr.Dataset:
    """Sensitivity indices of a cube of a sampled design (see the module docstring).

    Parameters
    ----------
    ds : xarray.Dataset
        A cube from :func:`orchestration.open_results` (dims ``point, replicate, time``).
    outcomes : sequence of str or (metric, measure), optional
        Metrics to analyse (default: the config's ``[outcomes]``); a pair gives a metric
        its own measure, e.g. ``[("wound_closure_pct", "time_to_50"),
        ("mean_infl_wound", "peak")]``. The ``outcome`` labels are the metric names, or
        ``metric.measure`` when a metric appears with several measures.
    measure : str, optional
        The measure of the outcomes given without one (default: the config's).
    over_time : bool
        Also compute the indices at every time (``value_t``, ``conf_t``).

    Returns
    -------
    xarray.Dataset

    Raises
    ------
    NoSensitivity
        The design is not ``sobol``, ``morris`` or ``lhs``.

    Examples
    --------
    >>> ds = orchestration.open_results("results/ishigami_sobol")  # doctest: +SKIP
    >>> sensitivity(ds).value.sel(outcome="y", index="S1")  # doctest: +SKIP
    """
    from orchestration.design import Design
    from orchestration.outcomes import measure as reduce
    from orchestration.store import STATUS_OK

    spec = _spec_of(ds)
    method = spec.design.method
    if method not in INDICES:
        raise NoSensitivity(
            f"a {method if spec.params else 'batch'} design supports no sensitivity index; "
            "sample the parameters with [sweep.design] method = \"sobol\", \"morris\" or \"lhs\""
        )
    design = Design(spec)
    how = measure or spec.outcomes.measure
    targets = [(o, how) if isinstance(o, str) else (str(o[0]), str(o[1]))
               for o in (outcomes or spec.outcomes.metrics)]
    metrics = list(dict.fromkeys(m for m, _ in targets))
    labels = [m if len(metrics) == len(targets) else f"{m}.{h}" for m, h in targets]
    unknown = [m for m in metrics if m not in ds.data_vars]
    if unknown:
        from skibidy.suggest import did_you_mean

        raise SkibidyError(
            f"no metric {unknown[0]!r} in this cube{did_you_mean(unknown[0], list(ds.data_vars))}"
        )
    ok = ds["status"] == STATUS_OK
    params = [x.name for x in spec.sampled]
    groups = _groups(design)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        per_point = [
            np.asarray(reduce(ds[m], h).where(ok).mean("replicate").values, dtype=np.float64)
            for m, h in targets
        ]
        curves = (
            {m: np.asarray(ds[m].where(ok).mean("replicate").values, dtype=np.float64) for m in metrics}
            if over_time else {}
        )
    names = INDICES[method]
    shape = (len(groups), len(targets), len(params), len(names))
    value, conf = np.full(shape, np.nan), np.full(shape, np.nan)
    used = np.zeros(shape[:2], dtype=np.int64)
    n_t = ds.sizes["time"]
    shape_t = (len(groups), len(metrics), len(params), len(names), n_t)
    value_t = np.full(shape_t, np.nan) if over_time else None
    conf_t = np.full(shape_t, np.nan) if over_time else None
    for g, (_, points) in enumerate(groups):
        for k in range(len(targets)):
            value[g, k], conf[g, k], used[g, k] = _indices(method, design, per_point[k][points])
        for k, m in enumerate(metrics if over_time else ()):
            for t in range(n_t):
                value_t[g, k, :, :, t], conf_t[g, k, :, :, t], _ = _indices(  # type: ignore[index]
                    method, design, curves[m][points, t]
                )
    coords: dict[str, Any] = {
        "outcome": labels, "param": params, "index": list(names),
        "metric": metrics,
        "outcome_metric": ("outcome", [m for m, _ in targets]),
        "measure": ("outcome", [h for _, h in targets]),
        "path": ("param", [x.param for x in spec.sampled]),
    }
    data: dict[str, Any] = {
        "value": (("group", "outcome", "param", "index"), value),
        "conf": (("group", "outcome", "param", "index"), conf),
        "n": (("group", "outcome"), used),
    }
    if over_time:
        coords["time"] = ds["time"].values
        coords["time_days"] = ("time", ds["time"].values / 24.0)
        data["value_t"] = (("group", "metric", "param", "index", "time"), value_t)
        data["conf_t"] = (("group", "metric", "param", "index", "time"), conf_t)
    cats = design.categorical
    for j, a in enumerate(cats):
        coords[a.name] = ("group", [combo[j] for combo, _ in groups])
    out = xr.Dataset(data, coords=coords, attrs={
        "design": method, "conf_level": CONF_LEVEL,
        "replicates": "indices on the mean of each point's good replicates",
    })
    out["value"].attrs["long_name"] = "sensitivity index"
    out["conf"].attrs["long_name"] = f"{int(CONF_LEVEL * 100)} % confidence half-width"
    return out if cats else out.isel(group=0, drop=True)


def _groups(design: Any) -> list[tuple[tuple[Any, ...], np.ndarray]]:
    """Each combination of the categorical axes with its points (in design-row order)."""
    from itertools import product

    rows = design.n_rows
    combos = list(product(*(a.values for a in design.categorical)))
    return [(combo, np.arange(g * rows, (g + 1) * rows)) for g, combo in enumerate(combos)]


def _indices(method: str, design: Any, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Indices ``(param, index)``, their confidence half-widths and the design units used."""
    d = len(design.spec.sampled)
    names = INDICES[method]
    value, conf = np.full((d, len(names)), np.nan), np.full((d, len(names)), np.nan)
    seed = int(design.spec.design.seed)
    problem = {"num_vars": d, "names": [x.name for x in design.spec.sampled], "bounds": [[0.0, 1.0]] * d}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "sobol":
            blocks = y.reshape(-1, d + 2)
            keep = np.isfinite(blocks).all(axis=1)
            if keep.sum() < 2 or np.nanstd(blocks[keep]) == 0:
                return value, conf, int(keep.sum())
            from SALib.analyze import sobol

            res = sobol.analyze(
                problem, blocks[keep].reshape(-1), calc_second_order=False,
                num_resamples=NUM_RESAMPLES, conf_level=CONF_LEVEL, seed=seed,
            )
            value[:, 0], value[:, 1] = res["S1"], res["ST"]
            conf[:, 0], conf[:, 1] = res["S1_conf"], res["ST_conf"]
            return value, conf, int(keep.sum())
        if method == "morris":
            traj = y.reshape(-1, d + 1)
            keep = np.isfinite(traj).all(axis=1)
            if keep.sum() < 2:
                return value, conf, int(keep.sum())
            from SALib.analyze import morris

            x = design.unit.reshape(-1, d + 1, d)[keep].reshape(-1, d)
            res = morris.analyze(
                problem, x, traj[keep].reshape(-1), num_resamples=NUM_RESAMPLES,
                conf_level=CONF_LEVEL, num_levels=design.spec.design.levels, seed=seed,
            )
            value[:, 0], value[:, 1], value[:, 2] = res["mu"], res["mu_star"], res["sigma"]
            conf[:, 1] = res["mu_star_conf"]
            return value, conf, int(keep.sum())
    keep = np.isfinite(y)
    x = design.unit[keep]
    if keep.sum() < d + 4 or np.std(y[keep]) == 0:
        return value, conf, int(keep.sum())
    value[:, 0], conf[:, 0] = _spearman(x, y[keep])
    value[:, 1], conf[:, 1] = _prcc(x, y[keep])
    return value, conf, int(keep.sum())


def _ranks(a: np.ndarray) -> np.ndarray:
    from scipy.stats import rankdata

    return rankdata(a, axis=0)


def _fisher_half_width(r: np.ndarray, n_eff: int) -> np.ndarray:
    """Half-width of the 95 % interval of a correlation by Fisher's z (``n_eff`` = n - 3 - others)."""
    if n_eff < 1:
        return np.full_like(r, np.nan)
    z = np.arctanh(np.clip(r, -0.999999, 0.999999))
    h = 1.959963984540054 / np.sqrt(n_eff)
    return (np.tanh(z + h) - np.tanh(z - h)) / 2.0


def _spearman(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rx, ry = _ranks(x), _ranks(y)
    rx = rx - rx.mean(axis=0)
    ry = ry - ry.mean()
    r = (rx * ry[:, None]).sum(axis=0) / np.sqrt((rx**2).sum(axis=0) * (ry**2).sum())
    return r, _fisher_half_width(r, len(y) - 3)


def _prcc(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rx, ry = _ranks(x), _ranks(y)
    n, d = rx.shape
    r = np.empty(d)
    for j in range(d):
        others = np.column_stack([np.ones(n), np.delete(rx, j, axis=1)])
        res_x = rx[:, j] - others @ np.linalg.lstsq(others, rx[:, j], rcond=None)[0]
        res_y = ry - others @ np.linalg.lstsq(others, ry, rcond=None)[0]
        denom = np.sqrt((res_x**2).sum() * (res_y**2).sum())
        r[j] = (res_x * res_y).sum() / denom if denom > 0 else np.nan
    return r, _fisher_half_width(r, n - 3 - (d - 1))


def long_table(result: xr.Dataset, *, over_time: bool = False) -> pd.DataFrame:
    """The indices in long form: ``outcome, measure, param, index, value, conf`` (+ more).

    ``path`` is the parameter's dotted path, ``n`` the design units used; categorical
    parameters add a column each; ``over_time=True`` gives ``time_h`` rows instead.
    """
    value, conf = ("value_t", "conf_t") if over_time else ("value", "conf")
    frame = result[[value, conf]].to_dataframe().reset_index()
    frame = frame.rename(columns={value: "value", conf: "conf"})
    if over_time:
        frame = frame.rename(columns={"time": "time_h", "metric": "outcome"})
        first = ["outcome", "param", "index", "time_h", "value", "conf"]
    else:
        n = result["n"].to_dataframe().reset_index()
        frame = frame.merge(n[[c for c in n.columns if c in (*result["n"].dims, "n")]], how="left")
        frame = frame.drop(columns=["outcome"]).rename(columns={"outcome_metric": "outcome"})
        first = ["outcome", "measure", "param", "index", "value", "conf"]
    drop = [c for c in ("group", "time_days", "metric", "outcome_metric", "measure") if c in frame.columns and c not in first]
    frame = frame.drop(columns=drop)
    rest = [c for c in frame.columns if c not in first]
    return frame[first + rest]


def write_sensitivity(directory: str | Path, result: xr.Dataset | None = None) -> list[Path]:
    """Write ``sensitivity.csv``, ``sensitivity_time.csv`` and the figures into ``directory``.

    Returns the files written.
    """
    from orchestration import sensitivity_plots
    from orchestration.store import open_results

    d = Path(directory)
    if result is None:
        result = sensitivity(open_results(d))
    files = [d / "sensitivity.csv"]
    long_table(result).to_csv(files[0], index=False)
    if "value_t" in result:
        files.append(d / "sensitivity_time.csv")
        long_table(result, over_time=True).to_csv(files[-1], index=False)
    files += sensitivity_plots.plot_all(result, d)
    return files
