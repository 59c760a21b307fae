"""Figures of sensitivity indices (:mod:`orchestration.sensitivity`).

* :func:`plot_indices`: one panel per outcome, a bar per parameter and index with its
  confidence interval;
* :func:`plot_over_time`: one panel per metric, the design's main index (``ST``,
  ``mu_star`` or ``prcc``) of each parameter against time, with a band for its interval.

Results of categorical groups are drawn for the first group (the CSV files hold all).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

__all__ = ["plot_indices", "plot_over_time", "plot_all"]

_SHOWN = {"sobol": ("S1", "ST"), "morris": ("mu_star", "sigma"), "lhs": ("spearman", "prcc")}


def _first_group(result: xr.Dataset) -> xr.Dataset:
    return result.isel(group=0) if "group" in result.dims else result


def _figure(n: int, width: float = 5.2, height: float = 3.4) -> tuple[Any, list[Any]]:
    from matplotlib.figure import Figure

    cols = min(n, 2)
    rows = int(np.ceil(n / cols))
    fig = Figure(figsize=(width * cols, height * rows), layout="constrained")
    axes = [fig.add_subplot(rows, cols, i + 1) for i in range(n)]
    return fig, axes


def plot_indices(result: xr.Dataset, path: str | Path | None = None) -> Any:
    """Bar chart of the indices with their confidence intervals, one panel per outcome.

    Parameters are sorted by the design's main index of the first outcome.
    """
    res = _first_group(result)
    design = str(res.attrs.get("design", "sobol"))
    shown = [i for i in _SHOWN.get(design, tuple(res["index"].values)) if i in res["index"].values]
    outcomes = list(res["outcome"].values)
    fig, axes = _figure(len(outcomes), width=max(5.2, 0.35 * res.sizes["param"] + 2))
    main = res["value"].sel(index=shown[-1]).isel(outcome=0).values
    order = np.argsort(-np.nan_to_num(np.abs(main), nan=-1))
    params = [str(p) for p in res["param"].values[order]]
    width = 0.8 / len(shown)
    for ax, outcome in zip(axes, outcomes):
        for j, index in enumerate(shown):
            v = res["value"].sel(outcome=outcome, index=index).values[order]
            c = res["conf"].sel(outcome=outcome, index=index).values[order]
            x = np.arange(len(params)) + (j - (len(shown) - 1) / 2) * width
            ax.bar(x, v, width, yerr=np.where(np.isfinite(c), c, 0), capsize=2, label=index)
        ax.set_xticks(np.arange(len(params)), params, rotation=60, ha="right", fontsize=8)
        ax.axhline(0, color="0.5", lw=0.6)
        metric = str(res["outcome_metric"].sel(outcome=outcome).values)
        measure = str(res["measure"].sel(outcome=outcome).values)
        ax.set_title(f"{metric} ({measure})", fontsize=10)
        ax.set_ylabel("index")
        ax.legend(fontsize=8, frameon=False)
    fig.suptitle(f"{design} sensitivity indices ({int(res.attrs.get('conf_level', 0.95) * 100)} % CI)",
                 fontsize=11)
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig


def plot_over_time(result: xr.Dataset, path: str | Path | None = None, top: int = 8) -> Any:
    """The main index of each parameter over time, one panel per metric (the ``top`` largest)."""
    res = _first_group(result)
    design = str(res.attrs.get("design", "sobol"))
    index = {"sobol": "ST", "morris": "mu_star", "lhs": "prcc"}.get(design, str(res["index"].values[0]))
    outcomes = list(res["metric"].values)
    fig, axes = _figure(len(outcomes))
    hours = res["time"].values
    short = len(hours) and hours[-1] < 48  # short models: hours read better than days
    x, unit = (hours, "h") if short else (hours / 24.0, "days")
    for ax, outcome in zip(axes, outcomes):
        v = res["value_t"].sel(metric=outcome, index=index)
        c = res["conf_t"].sel(metric=outcome, index=index)
        strength = np.nanmax(np.abs(v.values), axis=-1, initial=-1.0)
        for p in np.argsort(-strength)[:top]:
            y, h = v.values[p], c.values[p]
            (line,) = ax.plot(x, y, lw=1.4, label=str(res["param"].values[p]))
            if np.isfinite(h).any():
                ax.fill_between(x, y - h, y + h, color=line.get_color(), alpha=0.15, lw=0)
        ax.set_title(f"{outcome}: {index} over time", fontsize=10)
        ax.set_xlabel(f"time ({unit})")
        ax.set_ylabel(index)
        ax.legend(fontsize=7, frameon=False, ncol=2)
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig


def plot_all(result: xr.Dataset, directory: str | Path) -> list[Path]:
    """``sensitivity.png`` and (if computed) ``sensitivity_time.png`` in ``directory``."""
    d = Path(directory)
    files = [d / "sensitivity.png"]
    plot_indices(result, files[0])
    if "value_t" in result:
        files.append(d / "sensitivity_time.png")
        plot_over_time(result, files[-1])
    return files
