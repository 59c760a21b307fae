"""Figures from a summary table: sweep.png (1-D), heatmap.png (2-D), facets.png (3-D+),
consensus.png (batch).

Figures are built with :class:`matplotlib.figure.Figure` directly (no pyplot state, no
backend switching on import). Axes with string or boolean values, and all heatmap axes,
are categorical: each value gets its own evenly spaced cell, so uneven numeric values
still land in the right cells.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

__all__ = ["plot_sweep", "plot_heatmap", "plot_facets", "plot_consensus", "plot_all"]


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _is_numeric(values: Sequence[Any]) -> bool:
    return all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_)) for v in values)


def _label(v: Any) -> str:
    return f"{v:g}" if isinstance(v, (float, np.floating)) else str(v)


def _unit(measure: str) -> str:
    if measure.startswith("time_to"):
        return "hours"
    if measure == "auc":
        return "value × hours"
    return ""


def plot_sweep(summary: pd.DataFrame, param: str, metrics: Sequence[str], measure: str, path: Path) -> Path:
    """Mean +- std of each outcome against one parameter, one panel per outcome."""
    n = len(metrics)
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig = _figure(4.2 * cols, 3.4 * rows)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    xs = summary[param].tolist()
    numeric = _is_numeric(xs)
    x = np.asarray(xs, dtype=float) if numeric else np.arange(len(xs))
    for ax, m in zip(axes, metrics):
        ax.errorbar(x, summary[m], yerr=summary[f"{m}_std"], marker="o", capsize=4, lw=1.5)
        ax.set_title(f"{m} ({measure})", fontsize=10)
        ax.set_xlabel(param, fontsize=9)
        ax.set_ylabel(_unit(measure), fontsize=9)
        if summary[m].isna().all():
            ax.text(0.5, 0.5, "undefined for every run\n(e.g. threshold never reached)",
                    transform=ax.transAxes, ha="center", va="center", fontsize=9, color="0.4")
        if not numeric:
            ax.set_xticks(x, [_label(v) for v in xs])
        ax.grid(alpha=0.3)
    for ax in axes[n:]:
        ax.set_visible(False)
    lo, hi = int(summary["n_runs"].min()), int(summary["n_runs"].max())
    n_text = f"{lo}" if lo == hi else f"{lo}–{hi}"
    fig.suptitle(f"mean ± std over replicates ({n_text} good runs per point)", fontsize=10)
    fig.savefig(path, dpi=110)
    return path


def _heat(ax: Any, table: pd.DataFrame, p0: str, p1: str, metric: str, vmin: float | None = None, vmax: float | None = None) -> Any:
    v0 = list(dict.fromkeys(table[p0].tolist()))
    v1 = list(dict.fromkeys(table[p1].tolist()))
    grid = np.full((len(v1), len(v0)), np.nan)
    pos0 = {v: i for i, v in enumerate(v0)}
    pos1 = {v: i for i, v in enumerate(v1)}
    for a, b, val in zip(table[p0], table[p1], table[metric]):
        grid[pos1[b], pos0[a]] = val
    im = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis", vmin=vmin, vmax=vmax)
    ax.set_xticks(range(len(v0)), [_label(v) for v in v0], fontsize=8)
    ax.set_yticks(range(len(v1)), [_label(v) for v in v1], fontsize=8)
    ax.set_xlabel(p0, fontsize=8)
    ax.set_ylabel(p1, fontsize=8)
    finite = grid[np.isfinite(grid)]
    mid = (np.nanmin(finite) + np.nanmax(finite)) / 2 if finite.size else 0
    if grid.size <= 150:
        for (i, j), val in np.ndenumerate(grid):
            if np.isfinite(val):
                ax.text(j, i, f"{val:.3g}", ha="center", va="center", fontsize=7,
                        color="white" if val < mid else "black")
    return im


def plot_heatmap(summary: pd.DataFrame, params: Sequence[str], metrics: Sequence[str], measure: str, path: Path) -> Path:
    """A categorical, annotated heatmap of the mean per outcome over two parameters."""
    n = len(metrics)
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig = _figure(4.8 * cols, 3.9 * rows)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax, m in zip(axes, metrics):
        im = _heat(ax, summary, params[0], params[1], m)
        ax.set_title(f"{m} ({measure}, mean)", fontsize=10)
        fig.colorbar(im, ax=ax, shrink=0.85)
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.savefig(path, dpi=110)
    return path


def plot_facets(summary: pd.DataFrame, params: Sequence[str], metric: str, measure: str, path: Path, max_panels: int = 36) -> Path:
    """Heatmaps of the first two parameters, one panel per combination of the others."""
    rest = list(params[2:])
    groups = list(summary.groupby(rest, sort=False)) if rest else [((), summary)]
    groups = groups[:max_panels]
    n = len(groups)
    cols = min(n, 4)
    rows = math.ceil(n / cols)
    vmin, vmax = np.nanmin(summary[metric]), np.nanmax(summary[metric])
    fig = _figure(4.0 * cols + 1, 3.4 * rows)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    im = None
    for ax, (key, table) in zip(axes, groups):
        key = key if isinstance(key, tuple) else (key,)
        im = _heat(ax, table, params[0], params[1], metric, vmin, vmax)
        ax.set_title(", ".join(f"{p.split('.')[-1]}={_label(v)}" for p, v in zip(rest, key)), fontsize=9)
    for ax in axes[n:]:
        ax.set_visible(False)
    if im is not None:
        fig.colorbar(im, ax=list(axes[:n]), shrink=0.8, label=f"{metric} ({measure}, mean)")
    fig.savefig(path, dpi=100)
    return path


def plot_consensus(mean: pd.DataFrame, std: pd.DataFrame, metrics: Sequence[str], path: Path) -> Path:
    """Batch: the mean curve +- std of each outcome metric over time (days)."""
    n = len(metrics)
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig = _figure(4.2 * cols, 3.2 * rows)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    t = mean["time_days"].to_numpy()
    for ax, m in zip(axes, metrics):
        mu, sd = mean[m].to_numpy(), std[f"{m}_std"].to_numpy()
        ax.plot(t, mu, lw=1.8)
        ax.fill_between(t, mu - sd, mu + sd, alpha=0.3)
        ax.set_title(m, fontsize=10)
        ax.set_xlabel("time (days)", fontsize=9)
        ax.grid(alpha=0.3)
    for ax in axes[n:]:
        ax.set_visible(False)
    fig.savefig(path, dpi=110)
    return path


def plot_all(summary: pd.DataFrame, params: Sequence[str], metrics: Sequence[str], measure: str, directory: Path) -> list[Path]:
    """The figures that fit the number of swept parameters; returns their paths."""
    made: list[Path] = []
    if len(summary) == 0:
        return made
    if len(params) == 1:
        made.append(plot_sweep(summary, params[0], metrics, measure, directory / "sweep.png"))
    elif len(params) == 2:
        made.append(plot_heatmap(summary, params, metrics, measure, directory / "heatmap.png"))
    elif len(params) >= 3:
        made.append(plot_facets(summary, params, metrics[0], measure, directory / "facets.png"))
        for m in metrics[1:]:
            made.append(plot_facets(summary, params, m, measure, directory / f"facets_{m}.png"))
    return made
