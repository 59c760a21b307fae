"""Calibrate simulator defaults against the normal-skin literature curves.

Fits the named parameters (multiplicatively, in log space) with Nelder-Mead so that the
consensus (row-wise mean) of a few seeds matches the normal references of
``skibidy.validate``: closure overall and per phase, inflammation, neutrophils,
macrophages, myofibroblasts and collagen. ``--radius-ratio R`` also asks that a wound of
twice the radius take R times as long to reach 90 % closure. Only normal skin is used:
diabetic and aged skin are predictions (docs/calibration.md).

It prints every improvement (its figures and values) and ends with the best values as JSON, ready to be copied
into ``skibidy/data``. It changes no file.

Usage::

    python benchmarks/calibrate.py --params skin.migration_speed,skin.immune.cytokine_rate --evals 300
    python benchmarks/calibrate.py --params ... --seeds 0-2 --radius-ratio 1.8
    python benchmarks/calibrate.py --quick     # 3 evaluations of 2-day runs (smoke test)
"""

from __future__ import annotations

import argparse
import json
import math
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

import _common as common

#: acceptable error of each term (closure in % points, curves in % of peak or end value)
TOLERANCE = {
    "closure_rmse": 3.5,
    "closure_rmse_inflammatory": 4.5,
    "closure_rmse_proliferative": 4.5,
    "closure_rmse_remodeling": 4.5,
    "inflammation_rmse_pct": 10.0,
    "neutrophils_rmse_pct": 10.0,
    "macrophages_rmse_pct": 10.0,
    "myofibroblasts_rmse_pct": 10.0,
    "collagen_rmse_pct": 10.0,
}


def _run(job: tuple[dict[str, Any], int]) -> Any:
    import skibidy

    overrides, seed = job
    return skibidy.simulate(skibidy.load_config("normal", "wound", overrides), seed)


class Objective:
    """Sum of squared (error / tolerance) over the validation figures, plus the radius ratio."""

    def __init__(self, params: list[str], seeds: list[int], days: float | None, radius_ratio: float | None,
                 pool: ProcessPoolExecutor) -> None:
        import skibidy

        self.params, self.seeds, self.days, self.ratio, self.pool = params, seeds, days, radius_ratio, pool
        self.start = {p: float(skibidy.config.PARAMETERS[p].default) for p in params}
        self.best: tuple[float, dict[str, float], dict[str, float]] = (math.inf, {}, {})
        self.evals = 0

    def values(self, x: np.ndarray) -> dict[str, float]:
        return {p: float(f"{self.start[p] * math.exp(v):.4g}") for p, v in zip(self.params, x)}

    def __call__(self, x: np.ndarray) -> float:
        import skibidy

        self.evals += 1
        overrides = self.values(x)
        if self.days is not None:
            overrides["skin.duration_days"] = self.days
        jobs = [(overrides, s) for s in self.seeds]
        if self.ratio is not None:
            radius = float(skibidy.config.PARAMETERS["skin.wound.radius"].default)
            jobs.append(({**overrides, "skin.wound.radius": 2 * radius, "skin.duration_days": 60.0}, self.seeds[0]))
        try:
            frames = list(self.pool.map(_run, jobs))
        except skibidy.SkibidyError:
            return math.inf
        runs = frames[: len(self.seeds)]
        mean = sum(f.drop(columns=["step"]) for f in runs) / len(runs)
        report = skibidy.validate(mean)
        figures = {k: getattr(report, k) for k in TOLERANCE}
        total = sum((v / TOLERANCE[k]) ** 2 for k, v in figures.items() if v is not None)
        if self.ratio is not None:
            one, two = skibidy.validate(runs[0]).t90_days_sim, skibidy.validate(frames[-1]).t90_days_sim
            ratio = two / one if one and two else math.inf
            figures["radius_ratio"] = ratio
            total += ((ratio - self.ratio) / 0.25) ** 2
        if total < self.best[0]:
            self.best = (total, self.values(x), figures)
            shown = {k: round(v, 2) for k, v in figures.items() if v is not None}
            print(f"eval {self.evals:4d}  objective {total:8.3f}  {shown}", flush=True)
            print(f"          values {json.dumps(self.values(x))}", flush=True)
        return total


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--params", default="skin.migration_speed,skin.immune.cytokine_rate",
                   help="comma-separated parameter paths to fit")
    p.add_argument("--seeds", default="0-2", help="seeds of the consensus (default 0-2)")
    p.add_argument("--evals", type=int, default=300, help="objective evaluations (default 300)")
    p.add_argument("--step", type=float, default=0.4, help="initial simplex step in log space (default 0.4)")
    p.add_argument("--radius-ratio", type=float, default=None, help="target T90 ratio for a wound twice as wide")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--quick", action="store_true", help="3 evaluations of 2-day runs (smoke test)")
    args = p.parse_args(argv)
    from scipy.optimize import minimize

    lo, _, hi = args.seeds.partition("-")
    seeds = list(range(int(lo), int(hi or lo) + 1))
    params = [s for s in args.params.split(",") if s]
    evals, days = (3, 2.0) if args.quick else (args.evals, None)
    common.headline(f"calibrate: {len(params)} parameters on seeds {seeds}, {evals} evaluations")
    with ProcessPoolExecutor(args.workers) as pool:
        objective = Objective(params, seeds, days, None if args.quick else args.radius_ratio, pool)
        x0 = np.zeros(len(params))
        simplex = np.vstack([x0] + [x0 + args.step * (1 if i % 2 else -1) * np.eye(len(params))[i]
                                    for i in range(len(params))])
        minimize(objective, x0, method="Nelder-Mead",
                 options={"maxfev": evals, "initial_simplex": simplex, "xatol": 0.01, "fatol": 0.01})
    total, values, figures = objective.best
    print(json.dumps(values))
    return {"objective": total, "values": values, "figures": figures, "evaluations": objective.evals}


if __name__ == "__main__":
    main()
