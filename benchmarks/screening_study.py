"""Run the shipped Morris screening study and regenerate docs/sensitivity.md and its figures.

    python benchmarks/screening_study.py [--workers 2] [--out results/screening_morris]

Runs ``skibidy sweep configs/sensitivity/screening_morris.toml`` on a LocalCluster (resuming the
folder if it holds an unfinished run of the same study), computes Morris indices for
T50, T90 (time to 50 / 90 % closure), peak inflammation and final scar, writes
``sensitivity.csv`` / ``sensitivity_time.csv`` into the results folder and copies the table
and figures into ``docs/``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "sensitivity" / "screening_morris.toml"
TARGETS = [
    ("wound_closure_pct", "time_to_50"),
    ("wound_closure_pct", "time_to_90"),
    ("mean_infl_wound", "peak"),
    ("scar_magnitude", "final"),
]
LABELS = {
    "wound_closure_pct.time_to_50": "T50 (h)",
    "wound_closure_pct.time_to_90": "T90 (h)",
    "mean_infl_wound.peak": "peak inflammation",
    "scar_magnitude.final": "final scar",
}


def _commit() -> str:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain"],
                               capture_output=True, text=True).stdout.strip()
        return out + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default=str(ROOT / "results" / "screening_morris"))
    args = ap.parse_args(argv)
    out = Path(args.out)
    cmd = [sys.executable, "-m", "skibidy", "sweep", str(CONFIG), "--out", str(out),
           "--workers", str(args.workers), "--no-raw", "--no-progress", "--yes"]
    t0 = time.perf_counter()
    done = subprocess.run(cmd)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        return done.returncode

    import orchestration
    from orchestration.sensitivity import long_table
    from orchestration.sensitivity_plots import plot_indices, plot_over_time

    ds = orchestration.open_results(out)
    t1 = time.perf_counter()
    result = orchestration.sensitivity(ds, outcomes=TARGETS)
    analysis = time.perf_counter() - t1
    long_table(result).to_csv(out / "sensitivity.csv", index=False)
    long_table(result, over_time=True).to_csv(out / "sensitivity_time.csv", index=False)
    images = ROOT / "docs" / "images"
    images.mkdir(parents=True, exist_ok=True)
    plot_indices(result, images / "screening_morris.png")
    plot_over_time(result, images / "screening_morris_time.png")
    shutil.copy(out / "sensitivity.csv", ROOT / "docs" / "screening_morris.csv")
    _write_doc(result, ds, wall, analysis)
    print(f"sweep {wall:.0f} s, analysis {analysis:.1f} s; wrote docs/sensitivity.md")
    return 0


def _write_doc(result, ds, wall: float, analysis: float) -> None:
    import numpy as np

    table = result["value"]
    conf = result["conf"]
    ok = int((ds.status.values == 1).sum())
    lines = [
        "# Which parameters drive healing? A Morris screen",
        "",
        f"Made by `python benchmarks/screening_study.py` on "
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC (git {_commit()}); regenerate it with the "
        "same command after the model changes.",
        "",
        f"`configs/sensitivity/screening_morris.toml`: 20 parameters (chosen from `docs/parameter_screen.md`, "
        f"the ones whose one-at-a-time changes moved T50, T90, inflammation and scar most), each "
        f"log-uniform from half to twice its default; Morris design, 10 trajectories over 4 "
        f"levels = {ds.sizes['point']} points x {ds.sizes['replicate']} replicates = "
        f"{ds.sizes['point'] * ds.sizes['replicate']} runs of {float(ds.time[-1]) / 24:g} days "
        f"({ok} ok). The sweep took {wall / 60:.1f} min on this {os.cpu_count()}-core machine "
        f"(`--workers 2`, load average {os.getloadavg()[0]:.1f} at the end), the indices "
        f"{analysis:.0f} s.",
        "",
        "Indices are computed on the mean of each point's replicates (see "
        "`orchestration/sensitivity.py`). `mu_star` is the mean absolute elementary effect "
        "(outcome change per full range of a parameter, on the unit scale of its range), "
        "`sigma` its spread over the trajectories (interactions, non-linearity and replicate "
        "noise), `conf` the 95 % bootstrap half-width of `mu_star`. The full long table is "
        "`docs/screening_morris.csv`.",
        "",
        "![Morris indices](images/screening_morris.png)",
        "",
        "![mu_star over time](images/screening_morris_time.png)",
        "",
    ]
    for outcome in result["outcome"].values:
        key = str(outcome)
        v = table.sel(outcome=outcome)
        c = conf.sel(outcome=outcome)
        order = np.argsort(-np.nan_to_num(v.sel(index="mu_star").values, nan=-1))
        lines += [f"## {LABELS.get(key, key)} (`{key}`, {int(result['n'].sel(outcome=outcome))} "
                  "trajectories used)", "",
                  "| rank | parameter | mu_star | +- | mu | sigma |", "|---|---|---|---|---|---|"]
        for rank, j in enumerate(order[:10], 1):
            path = str(result["path"].values[j])
            row = v.isel(param=j)
            lines.append(
                f"| {rank} | `{path}` | {row.sel(index='mu_star').item():.3g} | "
                f"{c.isel(param=j).sel(index='mu_star').item():.2g} | {row.sel(index='mu').item():.3g} | "
                f"{row.sel(index='sigma').item():.3g} |"
            )
        lines.append("")
    (ROOT / "docs" / "sensitivity.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
