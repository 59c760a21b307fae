"""Validation against published wound-healing curves.

The reference curves are packaged CSV files (``skibidy/data/reference/*.csv``, citations in
their header). :func:`validate` compares a metrics table with them:

* closure: RMSE in percentage points over every metrics row, its maximum absolute error, and
  the RMSE restricted to days [0, 3], [3, 14] and [14, 28] (inclusive);
* inflammation, neutrophils, macrophages, myofibroblasts: each series divided by its peak,
  RMSE x 100 (% of peak); collagen divided by its last value, RMSE x 100;
* time to 50 % and 90 % closure (linear interpolation, :func:`skibidy.metrics.time_to_level`) for the
  simulation and the reference.

The reference is interpolated linearly at the simulation's days and clamped outside its range.
Average replicate runs *before* calling :func:`validate` (consensus).

Examples
--------
>>> import pandas as pd
>>> from skibidy.validation import validate
>>> metrics = pd.DataFrame({"time_h": [0.0, 240.0], "wound_closure_pct": [0.0, 65.0]})
>>> round(validate(metrics).closure_rmse, 6)
0.0
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from skibidy.errors import SkibidyError
from skibidy.metrics import time_to_level

__all__ = ["CONDITIONS", "ValidationReport", "validate", "reference_curves", "plot_dashboard"]

CONDITIONS = ("normal", "diabetic")

#: metric column compared with each reference curve, and how it is normalised
_CURVES: dict[str, tuple[str, str]] = {
    "closure_pct": ("wound_closure_pct", "absolute"),
    "inflammation": ("mean_infl_wound", "peak"),
    "neutrophils": ("n_neutrophils", "peak"),
    "macrophages": ("n_macrophages", "peak"),
    "myofibroblasts": ("n_myofibroblasts", "peak"),
    "collagen": ("mean_collagen_wound", "end"),
}
_PHASES = {"inflammatory": (0.0, 3.0), "proliferative": (3.0, 14.0), "remodeling": (14.0, 28.0)}


def _check_condition(condition: str) -> None:
    if condition not in CONDITIONS:
        raise SkibidyError(f"unknown condition {condition!r}: choose 'normal' or 'diabetic'")


@lru_cache(maxsize=None)
def _table(condition: str) -> pd.DataFrame:
    node = resources.files("skibidy") / "data" / "reference" / f"{condition}.csv"
    with node.open("r") as fh:
        return pd.read_csv(fh, comment="#")


def reference_curves(condition: str = "normal") -> dict[str, pd.DataFrame]:
    """Return the literature curves of a condition.

    Parameters
    ----------
    condition : {"normal", "diabetic"}

    Returns
    -------
    dict of str to DataFrame
        Curve name (``closure_pct``, ``inflammation``, ``neutrophils``, ``macrophages`` and, for
        normal skin, ``myofibroblasts``, ``collagen``) -> frame with columns ``day`` and ``value``.

    Examples
    --------
    >>> float(reference_curves("normal")["closure_pct"]["value"].iloc[-1])
    100.0
    """
    _check_condition(condition)
    table = _table(condition)
    out = {}
    for name in table.columns[1:]:
        part = table[["day", name]].dropna()
        out[name] = pd.DataFrame({"day": part["day"].to_numpy(float), "value": part[name].to_numpy(float)})
    return out


def _interp(curve: pd.DataFrame, days: np.ndarray) -> np.ndarray:
    return np.interp(days, curve["day"].to_numpy(), curve["value"].to_numpy())


def _time_to(days: np.ndarray, values: np.ndarray, level: float) -> float | None:
    """First time (days, linear interpolation) at which ``values`` reaches ``level``."""
    found = float(time_to_level(values, days, level))
    return None if np.isnan(found) else found


def _normalise(values: np.ndarray, how: str) -> np.ndarray:
    if how == "peak":
        top = float(np.max(values)) if values.size else 0.0
        return values / top if top > 0 else values
    if how == "end":
        last = float(values[-1]) if values.size else 0.0
        return values / last if last > 0 else values
    return values


def _rmse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((a - b) ** 2))) if a.size else float("nan")


@dataclass
class ValidationReport:
    """Figures of one comparison (closure in % points, other curves in % of peak or end).

    ``None`` means not computed: no reference curve for this condition, the metric column is
    missing, or (myofibroblasts, collagen) the run has no myofibroblasts.
    """

    condition: str
    n_rows: int
    closure_rmse: float | None = None
    closure_max_abs_error: float | None = None
    closure_rmse_inflammatory: float | None = None
    closure_rmse_proliferative: float | None = None
    closure_rmse_remodeling: float | None = None
    inflammation_rmse_pct: float | None = None
    neutrophils_rmse_pct: float | None = None
    macrophages_rmse_pct: float | None = None
    myofibroblasts_rmse_pct: float | None = None
    collagen_rmse_pct: float | None = None
    t50_days_sim: float | None = None
    t90_days_sim: float | None = None
    t50_days_ref: float | None = None
    t90_days_ref: float | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The figures as a flat, JSON-serialisable dictionary."""
        out = asdict(self)
        out.update(out.pop("extras"))
        return out


def validate(metrics: pd.DataFrame, condition: str = "normal") -> ValidationReport:
    """Compare a metrics table (one run or a consensus mean) with the literature.

    Parameters
    ----------
    metrics : DataFrame
        Needs ``time_h`` (or ``time_days``) and any of the compared metric columns.
    condition : {"normal", "diabetic"}

    Returns
    -------
    ValidationReport
    """
    _check_condition(condition)
    if not isinstance(metrics, pd.DataFrame):
        raise SkibidyError("validate() needs a pandas DataFrame of metrics")
    if "time_h" in metrics:
        days = metrics["time_h"].to_numpy(float) / 24.0
    elif "time_days" in metrics:
        days = metrics["time_days"].to_numpy(float)
    else:
        raise SkibidyError("the metrics table has no time_h or time_days column")
    if days.size == 0:
        raise SkibidyError("the metrics table is empty")
    curves = reference_curves(condition)
    report = ValidationReport(condition=condition, n_rows=int(days.size))
    if "wound_closure_pct" in metrics and "closure_pct" in curves:
        sim = metrics["wound_closure_pct"].to_numpy(float)
        ref = _interp(curves["closure_pct"], days)
        err = sim - ref
        report.closure_rmse = _rmse(sim, ref)
        report.closure_max_abs_error = float(np.max(np.abs(err)))
        for phase, (a, b) in _PHASES.items():
            sel = (days >= a) & (days <= b)
            setattr(report, f"closure_rmse_{phase}", _rmse(sim[sel], ref[sel]) if sel.any() else None)
        report.t50_days_sim = _time_to(days, sim, 50.0)
        report.t90_days_sim = _time_to(days, sim, 90.0)
        fine = np.linspace(0.0, float(curves["closure_pct"]["day"].max()), 2801)
        ref_fine = _interp(curves["closure_pct"], fine)
        report.t50_days_ref = _time_to(fine, ref_fine, 50.0)
        report.t90_days_ref = _time_to(fine, ref_fine, 90.0)
    has_myo = "n_myofibroblasts" in metrics and float(metrics["n_myofibroblasts"].max()) > 0
    for name in ("inflammation", "neutrophils", "macrophages", "myofibroblasts", "collagen"):
        column, how = _CURVES[name]
        if name not in curves or column not in metrics:
            continue
        if name in ("myofibroblasts", "collagen") and not has_myo:
            continue
        sim = _normalise(metrics[column].to_numpy(float), how)
        setattr(report, f"{name}_rmse_pct", 100.0 * _rmse(sim, _interp(curves[name], days)))
    return report


def plot_dashboard(metrics: pd.DataFrame, condition: str = "normal", path: str | Path = "dashboard.png",
                   std: pd.DataFrame | None = None, subtitle: str | None = None) -> Path:
    """Draw simulation vs literature for every compared curve into a PNG file.

    Parameters
    ----------
    metrics : DataFrame
        One run or a consensus mean.
    condition : {"normal", "diabetic"}
    path : str or Path
        Output PNG file (parent folders are created).
    std : DataFrame, optional
        Per-row standard deviation of the replicates (drawn as a band).
    subtitle : str, optional
        A second title line, e.g. which parameter point of a sweep the curves are.

    Returns
    -------
    Path
        The file written.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    report = validate(metrics, condition)
    curves = reference_curves(condition)
    days = metrics["time_h"].to_numpy(float) / 24.0 if "time_h" in metrics else metrics["time_days"].to_numpy(float)
    fig = Figure(figsize=(13, 7.5), constrained_layout=True)
    FigureCanvasAgg(fig)
    axes = fig.subplots(2, 3).ravel()
    titles = {
        "closure_pct": ("Wound closure (%)", report.closure_rmse, "pp"),
        "inflammation": ("Inflammation (peak-normalised)", report.inflammation_rmse_pct, "%"),
        "neutrophils": ("Neutrophils (peak-normalised)", report.neutrophils_rmse_pct, "%"),
        "macrophages": ("Macrophages (peak-normalised)", report.macrophages_rmse_pct, "%"),
        "myofibroblasts": ("Myofibroblasts (peak-normalised)", report.myofibroblasts_rmse_pct, "%"),
        "collagen": ("Collagen (end-normalised)", report.collagen_rmse_pct, "%"),
    }
    for ax, (name, (title, rmse, unit)) in zip(axes, titles.items()):
        column, how = _CURVES[name]
        if column in metrics:
            raw = metrics[column].to_numpy(float)
            scale = 1.0
            if how == "peak" and raw.max() > 0:
                scale = raw.max()
            elif how == "end" and raw.size and raw[-1] > 0:
                scale = raw[-1]
            ax.plot(days, raw / scale, color="tab:blue", lw=2, label="simulation")
            if std is not None and column in std:
                band = std[column].to_numpy(float) / scale
                ax.fill_between(days, raw / scale - band, raw / scale + band, color="tab:blue", alpha=0.2)
        if name in curves:
            ref = curves[name]
            ax.plot(ref["day"], ref["value"], "o--", color="black", label="literature")
        text = f"RMSE {rmse:.1f} {unit}" if rmse is not None and not math.isnan(rmse) else "no reference"
        ax.set_title(f"{title}\n{text}", fontsize=10)
        ax.set_xlabel("day")
        ax.grid(alpha=0.3)
    axes[0].legend(loc="lower right")
    fig.suptitle(f"Skibidy vs literature ({condition})" + (f"\n{subtitle}" if subtitle else ""))
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    return out


def report_table(report: ValidationReport | Mapping[str, Any]) -> str:
    """Format the figures as an aligned two-column text table."""
    data = report.to_dict() if isinstance(report, ValidationReport) else dict(report)
    width = max(len(k) for k in data)
    lines = []
    for key, value in data.items():
        if isinstance(value, float):
            shown = f"{value:.3f}"
        elif value is None:
            shown = "-"
        else:
            shown = str(value)
        lines.append(f"{key:<{width}}  {shown}")
    return "\n".join(lines)
