"""Shared helpers of the science benchmarks (``parameter_screen.py``, ``model_report.py``).

One place for the outcome measures, the parallel runner and the small statistics the two
scripts use, so that a "T90" or an "auc" means the same thing in both.

Measures (per run, on the run's own curve; the same definitions as the sweep summaries of
:mod:`orchestration.outcomes` and, for ``time_to_N``, as :func:`skibidy.validate` for T50/T90):

* ``final``: the last valid (non-NaN) value;
* ``peak``: the maximum over valid values;
* ``auc``: trapezoid rule over ``time_h`` (value x hours) on valid segments;
* ``time_to_N``: first time the value reaches ``N``, interpolated linearly between the two
  rows around the crossing (:func:`skibidy.metrics.time_to_level`); NaN if never reached.

Only the simulator's public interface is used (``load_config``, ``simulate``,
``validate``, ``config.PARAMETERS``), so the scripts work across model rewrites.
"""

from __future__ import annotations

import math
import os
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

#: the population / field series whose peak, auc and final value are main outcomes
MAIN_SERIES: tuple[str, ...] = (
    "mean_infl_wound",
    "n_neutrophils",
    "n_macrophages",
    "n_myofibroblasts",
    "mean_collagen_wound",
    "scar_magnitude",
)
#: short names of :data:`MAIN_SERIES` for tables
SHORT: dict[str, str] = {
    "mean_infl_wound": "infl",
    "n_neutrophils": "neut",
    "n_macrophages": "mac",
    "n_myofibroblasts": "myo",
    "mean_collagen_wound": "coll",
    "scar_magnitude": "scar",
}
SERIES_MEASURES: tuple[str, ...] = ("peak", "auc", "final")
CLOSURE = "wound_closure_pct"


# -- measures ----------------------------------------------------------------------------


def final(values: np.ndarray) -> float:
    """Last valid (non-NaN) value; NaN if there is none."""
    v = np.asarray(values, dtype=float)
    ok = np.flatnonzero(~np.isnan(v))
    return float(v[ok[-1]]) if ok.size else math.nan


def peak(values: np.ndarray) -> float:
    """Largest valid value; NaN if there is none."""
    v = np.asarray(values, dtype=float)
    return float(np.nanmax(v)) if np.any(~np.isnan(v)) else math.nan


def auc(t: np.ndarray, values: np.ndarray) -> float:
    """Trapezoid area of ``values`` over ``t`` (segments with a NaN end are skipped)."""
    v = np.asarray(values, dtype=float)
    tt = np.asarray(t, dtype=float)
    if v.size == 0 or not np.any(~np.isnan(v)):
        return math.nan
    seg = np.diff(tt) * (v[1:] + v[:-1]) / 2.0
    return float(np.nansum(seg))


def time_to(t: np.ndarray, values: np.ndarray, level: float) -> float:
    """First time ``values`` reaches ``level``, interpolated between rows; NaN if never.

    Uses :func:`skibidy.metrics.time_to_level`, the one definition shared by validation
    (T50/T90) and the batch system's outcome measures.
    """
    from skibidy.metrics import time_to_level

    v = np.asarray(values, dtype=float)
    ok = ~np.isnan(v)
    if not ok.any():
        return math.nan
    return float(time_to_level(v[ok], np.asarray(t, dtype=float)[ok], float(level)))


def parse_measure(name: str) -> tuple[str, float | None]:
    """Split ``"final"``, ``"peak"``, ``"auc"`` or ``"time_to_N"`` into (kind, N)."""
    if name in ("final", "peak", "auc"):
        return name, None
    if name.startswith("time_to_"):
        try:
            return "time_to", float(name[len("time_to_"):])
        except ValueError:
            pass
    raise ValueError(f"unknown measure {name!r}: final, peak, auc or time_to_N")


def measure(df: pd.DataFrame, column: str, name: str, time: str = "time_h") -> float:
    """One measure of one column of a run's table (``time_to_N`` in the unit of ``time``).

    Examples
    --------
    >>> df = pd.DataFrame({"time_h": [0.0, 10.0, 20.0], "x": [0.0, 50.0, 100.0]})
    >>> measure(df, "x", "time_to_90"), measure(df, "x", "auc"), measure(df, "x", "final")
    (18.0, 1000.0, 100.0)
    """
    kind, level = parse_measure(name)
    values = df[column].to_numpy(float)
    if kind == "final":
        return final(values)
    if kind == "peak":
        return peak(values)
    t = df[time].to_numpy(float)
    if kind == "auc":
        return auc(t, values)
    return time_to(t, values, float(level))  # type: ignore[arg-type]


def main_outcomes(df: pd.DataFrame) -> dict[str, float]:
    """The main outcomes of one run.

    ``T50`` and ``T90`` (days, interpolated) of the closure, then ``<series>.peak``,
    ``<series>.auc`` (over hours) and ``<series>.final`` of every :data:`MAIN_SERIES`
    column present in the table.
    """
    out = {
        "T50": measure(df, CLOSURE, "time_to_50", time="time_days"),
        "T90": measure(df, CLOSURE, "time_to_90", time="time_days"),
    }
    for col in MAIN_SERIES:
        if col in df:
            for m in SERIES_MEASURES:
                out[f"{col}.{m}"] = measure(df, col, m)
    return out


def outcome_group(key: str) -> str:
    """Table group of an outcome key: ``T50``, ``T90`` or the series' short name."""
    return key if key in ("T50", "T90") else SHORT.get(key.split(".", 1)[0], key)


def common_rows(a: pd.DataFrame, b: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both tables restricted to the output times (``time_h``) they share.

    Used to compare runs whose output cadence or length differs (numerical settings).
    """
    ka = np.round(a["time_h"].to_numpy(float), 6)
    kb = np.round(b["time_h"].to_numpy(float), 6)
    shared = np.intersect1d(ka, kb)
    return a[np.isin(ka, shared)].reset_index(drop=True), b[np.isin(kb, shared)].reset_index(drop=True)


def consensus(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Row-wise mean of several runs' tables (numeric columns; rows up to the shortest run)."""
    n = min(len(f) for f in frames)
    stack = [f.iloc[:n].select_dtypes("number").reset_index(drop=True) for f in frames]
    return pd.concat(stack).groupby(level=0).mean()


# -- statistics --------------------------------------------------------------------------


def t975(df: int) -> float:
    """Two-sided 95 % Student-t quantile (the sweep summaries' own, :mod:`orchestration.outcomes`)."""
    from orchestration.outcomes import t_quantile_975

    return t_quantile_975(df)


def describe(values: Iterable[float]) -> dict[str, float]:
    """Mean, sample sd, n (finite values only), standard error and 95 % CI half-width."""
    v = np.array([x for x in values if x is not None and math.isfinite(x)], dtype=float)
    n = int(v.size)
    mean = float(v.mean()) if n else math.nan
    sd = float(v.std(ddof=1)) if n > 1 else math.nan
    se = sd / math.sqrt(n) if n > 1 else math.nan
    return {"mean": mean, "sd": sd, "n": n, "se": se, "ci95": t975(n - 1) * se if n > 1 else math.nan}


def rel_pct(new: float, old: float) -> float:
    """Relative change in % (``inf`` with the sign of the change if ``old`` is 0)."""
    if not (math.isfinite(new) and math.isfinite(old)):
        return math.nan
    if old == 0.0:
        return 0.0 if new == 0.0 else math.copysign(math.inf, new)
    return 100.0 * (new - old) / abs(old)


def clean(x: Any, digits: int = 6) -> Any:
    """A JSON-friendly number: rounded float, ``None`` for NaN / infinity."""
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return round(x, digits) if math.isfinite(x) else None
    return x


# -- runs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    """One simulation: skin, preset, overrides, seed."""

    skin: str
    preset: str
    overrides: tuple[tuple[str, Any], ...]
    seed: int

    @classmethod
    def of(cls, skin: str, preset: str, overrides: Mapping[str, Any], seed: int) -> "Task":
        """Build a task from an overrides mapping."""
        return cls(skin, preset, tuple(sorted(overrides.items())), int(seed))


@dataclass
class Result:
    """A finished task: its table (or the error), wall time and the worker's peak RSS."""

    task: Task
    frame: pd.DataFrame | None
    error: str | None = None
    seconds: float = math.nan
    worker_peak_rss_mib: float = math.nan


def run_task(task: Task) -> Result:
    """Run one simulation in this process; exceptions become ``Result.error``."""
    import skibidy

    t0 = time.perf_counter()
    try:
        config = skibidy.load_config(task.skin, task.preset, dict(task.overrides))
        frame = skibidy.simulate(config, seed=task.seed)
        error = None
    except Exception as exc:  # noqa: BLE001 - a failed run is a finding, not a crash
        frame, error = None, f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return Result(task, frame, error, seconds, rss)


def run_all(
    tasks: Sequence[Task], workers: int = 2, label: str = "runs",
    progress_every_s: float = 15.0, fn: Callable[[Task], Result] = run_task,
) -> list[Result]:
    """Run every task on a process pool (in task order), printing progress.

    Identical tasks are run once. Returns one :class:`Result` per task.
    """
    unique = list(dict.fromkeys(tasks))
    total = len(unique)
    done: dict[Task, Result] = {}
    t0 = last = time.perf_counter()
    print(f"{label}: {total} runs on {workers} processes", flush=True)
    chunk = max(1, min(8, total // (workers * 8) or 1))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for k, res in enumerate(pool.map(fn, unique, chunksize=chunk), 1):
            done[res.task] = res
            now = time.perf_counter()
            if now - last >= progress_every_s or k == total:
                last = now
                rate = k / (now - t0)
                eta = (total - k) / rate if rate > 0 else math.nan
                print(f"  {label}: {k}/{total} runs, {now - t0:6.1f} s, eta {eta:6.1f} s", flush=True)
    failed = [r for r in done.values() if r.error]
    if failed:
        print(f"  {label}: {len(failed)} runs failed, e.g. {failed[0].error}", flush=True)
    return [done[t] for t in tasks]


def pool_peak_rss_mib(results: Iterable[Result]) -> float:
    """Largest peak RSS reported by a worker process (MiB): an upper bound of one run's."""
    vals = [r.worker_peak_rss_mib for r in results if math.isfinite(r.worker_peak_rss_mib)]
    return max(vals) if vals else math.nan


def workers_default() -> int:
    """Two worker processes (the machine has 2 shared cores), fewer on a 1-core machine."""
    return max(1, min(2, os.cpu_count() or 1))


# -- text --------------------------------------------------------------------------------


def fmt(x: Any, digits: int = 3) -> str:
    """A number for a table: ``-`` for None/NaN, ``inf`` kept, ``digits`` significant."""
    if x is None:
        return "-"
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if math.isnan(x):
            return "-"
        if math.isinf(x):
            return "+inf" if x > 0 else "-inf"
        return f"{x:.{digits}g}"
    return str(x)


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A GitHub Markdown table (cells formatted with :func:`fmt`; ``|`` escaped)."""
    def cell(x: Any) -> str:
        return (x if isinstance(x, str) else fmt(x)).replace("|", "\\|")

    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(x) for x in row) + " |" for row in rows]
    return "\n".join(lines)


#: the columns :func:`run_task_main` keeps: time, closure and the main series
MAIN_COLUMNS: tuple[str, ...] = ("time_h", "time_days", CLOSURE, *MAIN_SERIES)


def run_task_main(task: Task) -> Result:
    """:func:`run_task`, keeping only :data:`MAIN_COLUMNS` (less to send back and store)."""
    res = run_task(task)
    if res.frame is not None:
        res.frame = res.frame[[c for c in MAIN_COLUMNS if c in res.frame]].copy()
    return res
