"""Files derived from the result cube: summary.csv, raw per-run CSVs, consensus files.

Everything here reads the cube (``open_results``) and never the runs' memory, so the
same files come out of a finished sweep, a resumed one, or ``skibidy analyze`` later.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from orchestration.outcomes import outcome_stats
from orchestration.spec import SweepSpec
from orchestration.store import STATUS_NAMES, STATUS_OK, ResultStore

__all__ = [
    "summary_table",
    "write_summary",
    "write_raw",
    "write_consensus",
    "write_failures",
    "raw_name",
    "axis_dims",
]


def axis_dims(ds: xr.Dataset) -> list[str]:
    """The swept-parameter dimensions of a cube, in order (``["point"]`` for a non-grid)."""
    return [d for d in ds.dims if d not in ("replicate", "time")]


def point_params(ds: xr.Dataset) -> list[str]:
    """The parameter coordinates along ``point`` (each with ``attrs["param"]``), in order."""
    return [str(c) for c in ds.coords if ds[c].dims == ("point",) and "param" in ds[c].attrs]


def summary_table(
    ds: xr.Dataset, spec: SweepSpec, stats: dict[str, xr.Dataset] | None = None
) -> pd.DataFrame:
    """One row per parameter point: parameter values, ``n_runs``, outcome statistics.

    A grid's rows run over the product of its axes (C order), any other design's over
    its points in order; both are the cube's ``point`` order.

    Columns: one per swept parameter (headed by its dotted path), ``n_runs`` (good runs),
    then for each outcome ``<metric>_<measure>`` (mean), ``..._std``, ``..._ci95`` and
    ``..._n`` (runs with a defined measure, e.g. that reached a threshold); see
    :func:`column_table` for their units. ``stats`` may bring the outcome statistics
    already computed (:func:`~orchestration.outcomes.outcome_stats`).
    """
    dims = axis_dims(ds)
    ok = ds["status"] == STATUS_OK
    columns: dict[str, Any] = {}
    n_runs = ok.sum("replicate")
    if stats is None:
        stats = outcome_stats(ds, spec.outcomes)
    if dims == ["point"]:
        along = {ds[c].attrs["param"]: ds[c].values for c in point_params(ds)}
        frame = pd.DataFrame({p: along[p] for p in spec.params if p in along})
    elif dims:
        index = pd.MultiIndex.from_product(
            [ds[d].values.tolist() for d in dims], names=[ds[d].attrs.get("param", d) for d in dims]
        )
        frame = index.to_frame(index=False)
    else:
        frame = pd.DataFrame(index=[0])
    columns["n_runs"] = np.asarray(n_runs.values).reshape(-1).astype(np.int64)
    for column, st in stats.items():
        columns[column] = np.asarray(st["mean"].values).reshape(-1)
        columns[f"{column}_std"] = np.asarray(st["std"].values).reshape(-1)
        columns[f"{column}_ci95"] = np.asarray(st["ci95"].values).reshape(-1)
        columns[f"{column}_n"] = np.asarray(st["n"].values).reshape(-1).astype(np.int64)
    for k, v in columns.items():
        frame[k] = v
    return frame


_STATISTICS = {
    "": "mean over good replicates",
    "_std": "standard deviation over good replicates (ddof=1)",
    "_ci95": "half-width of the 95 % confidence interval of the mean (Student t)",
    "_n": "good runs in which the measure is defined",
}


def column_table(spec: SweepSpec) -> pd.DataFrame:
    """What each outcome column of ``summary.csv`` holds: metric, measure, statistic, unit."""
    rows = []
    for o in spec.outcomes.items:
        for suffix, statistic in _STATISTICS.items():
            rows.append({
                "column": f"{o.column}{suffix}", "metric": o.metric, "measure": o.measure.name,
                "statistic": statistic, "unit": "runs" if suffix == "_n" else o.unit,
            })
    return pd.DataFrame(rows, columns=["column", "metric", "measure", "statistic", "unit"])


def write_summary(
    ds: xr.Dataset, spec: SweepSpec, directory: Path, stats: dict[str, xr.Dataset] | None = None
) -> pd.DataFrame:
    """Write ``summary.csv`` and ``summary_columns.csv`` (units); return the summary."""
    table = summary_table(ds, spec, stats)
    table.to_csv(directory / "summary.csv", index=False)
    column_table(spec).to_csv(directory / "summary_columns.csv", index=False)
    return table


def _fmt_value(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def raw_name(spec: SweepSpec, point_index: int, values: tuple[Any, ...], replicate: int) -> str:
    """Seed naming: ``ptNNN_val<v1>[_<v2>...]_runNNN.csv`` (sweep) or ``run_NNN.csv`` (batch)."""
    if not spec.params:
        return f"run_{replicate:03d}.csv"
    if not spec.is_grid:  # sampled values make unreadable names: the point number says it
        return f"pt{point_index:05d}_run{replicate:03d}.csv"
    vals = "_".join(_fmt_value(v) for v in values)
    return f"pt{point_index:03d}_val{vals}_run{replicate:03d}.csv"


def _table_from_block(block: dict[str, np.ndarray], time_h: np.ndarray, variables: tuple[str, ...], columns: list[str]) -> pd.DataFrame:
    keep = ~np.isnan(block["step"]) if "step" in block else np.ones(len(time_h), bool)
    data: dict[str, Any] = {}
    for c in columns:
        if c == "time_h":
            data[c] = time_h[keep]
        elif c == "time_days":
            data[c] = time_h[keep] / 24.0
        else:
            col = block[c][keep]
            if col.size and np.all(np.isfinite(col)) and np.all(col == np.round(col)) and (
                c == "step" or c.startswith("n_") or c.endswith("_cells")
            ):
                data[c] = col.astype(np.int64)
            else:
                data[c] = col
    return pd.DataFrame(data, columns=columns)


def write_raw(directory: Path) -> int:
    """Write one CSV per good run under ``raw/`` (seed naming); return how many.

    Reads the store chunk by chunk, so memory stays bounded for any grid size.
    """
    import skibidy

    store = ResultStore(directory)
    spec, design = store.spec, store.design
    columns = ["time_h", *store.variables] if spec.model != "skibidy" else list(skibidy.METRIC_COLUMNS)
    raw = directory / "raw"
    raw.mkdir(exist_ok=True)
    count = 0
    for region in store.iter_regions():
        arrays = store.read_region(region)
        status = arrays["status"]
        for local in np.ndindex(status.shape):
            if status[local] != STATUS_OK:
                continue
            point_index, rep = (s.start + i for s, i in zip(region, local))
            block = {v: arrays[v][local] for v in store.variables}
            table = _table_from_block(block, store.time_h, store.variables, columns)
            values = tuple(design.points[point_index].values())
            table.to_csv(raw / raw_name(spec, point_index, values, rep), index=False)
            count += 1
    return count


def mean_curve(ds: xr.Dataset) -> pd.DataFrame:
    """The mean over good replicates of every metric column, as a metrics table."""
    import skibidy

    ok = ds["status"] == STATUS_OK
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        means = {v: ds[v].where(ok).mean("replicate").values for v in ds.data_vars}
    time_h = ds["time"].values
    frame: dict[str, Any] = {}
    for c in skibidy.METRIC_COLUMNS:
        if c == "time_h":
            frame[c] = time_h
        elif c == "time_days":
            frame[c] = time_h / 24.0
        else:
            frame[c] = means[c]
    table = pd.DataFrame(frame)
    return table[~np.isnan(table["step"])].reset_index(drop=True)


def write_consensus(ds: xr.Dataset, directory: Path) -> pd.DataFrame:
    """Batch files: ``metrics.csv`` (mean curve) and ``consensus.csv`` (mean and ``_std``)."""
    ok = ds["status"] == STATUS_OK
    mean = mean_curve(ds)
    mean.to_csv(directory / "metrics.csv", index=False)
    keep = ~np.isnan(ds["step"].where(ok).mean("replicate").values)
    cols: dict[str, Any] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for c in mean.columns:
            cols[c] = mean[c].to_numpy()
            if c in ds.data_vars and c != "step":
                cols[f"{c}_std"] = ds[c].where(ok).std("replicate", ddof=1).values[keep]
            elif c != "step":
                cols[f"{c}_std"] = np.zeros(len(mean))
    consensus = pd.DataFrame(cols)
    consensus.to_csv(directory / "consensus.csv", index=False)
    return mean


def failure_table(directory: Path) -> pd.DataFrame:
    """The latest failure record of every run whose status is still not ok."""
    path = directory / "failures.jsonl"
    if not path.is_file():
        return pd.DataFrame(columns=["run", "status", "replicate", "seed", "attempts", "error"])
    store = ResultStore(directory)
    status = store.status()
    latest: dict[int, dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            rec = json.loads(line)
            run = int(rec["run"])
            if not 0 <= run < len(status):
                continue
        except (ValueError, KeyError, TypeError):
            continue  # a blank or torn line (a write cut short): its run is still not ok
        latest[run] = rec
    rows = []
    for r, rec in sorted(latest.items()):
        if status[r] == STATUS_OK:
            continue
        row = {"run": r, "status": STATUS_NAMES.get(int(status[r]), rec["status"])}
        row.update({f"{k}": v for k, v in dict(rec.get("point", {})).items()})
        error = str(rec.get("error", ""))
        row.update(
            replicate=rec.get("replicate"),
            seed=rec.get("seed"),
            attempts=rec.get("attempts"),
            error=error.splitlines()[0] if error else "",
        )
        rows.append(row)
    return pd.DataFrame(rows)


def write_failures(directory: Path) -> pd.DataFrame:
    """Write ``failures.csv`` (only if some runs failed) and return the table."""
    table = failure_table(directory)
    target = directory / "failures.csv"
    if len(table):
        table.to_csv(target, index=False)
    elif target.exists():
        target.unlink()
    return table
