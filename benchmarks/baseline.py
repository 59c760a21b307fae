"""Baseline: the same workloads through a plain ``concurrent.futures.ProcessPoolExecutor``.

What a user could write by hand: a pool of 2 processes mapping ``load_config`` +
``simulate`` over the runs and stacking the results into one NumPy array saved with
``np.save`` (no resume, no failure handling, no cube). Each workload is measured through
the pool and through the batch system (warm 2-worker LocalCluster, Zarr cube), alternating
so that load from other users affects both alike; medians are compared.

Workloads: 40 runs of 30 days, and 4000 tiny runs of 3 hours.

Usage::

    python benchmarks/baseline.py
    python benchmarks/baseline.py --quick         # 4 runs of 1 day, 200 tiny runs
"""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

import _common as common


def run_one(job: tuple[dict[str, Any], int]) -> np.ndarray:
    """One run as a user would write it: config, simulate, the metrics as an array."""
    import skibidy

    overrides, seed = job
    frame = skibidy.simulate(skibidy.load_config(overrides=overrides), seed=seed)
    return frame.to_numpy(dtype=np.float64)


def jobs_of(spec: Any) -> list[tuple[dict[str, Any], int]]:
    """The (overrides, seed) of every run of a sweep spec, with the sweep's seeds."""
    from orchestration.grid import Grid
    from orchestration.spec import resolve_point

    grid = Grid(spec)
    seeds = grid.seeds().reshape(-1)
    out = []
    for r in range(grid.size):
        _, _, ov = resolve_point(spec, grid.point(r))
        out.append((ov, int(seeds[r])))
    return out


def pool_run(pool: ProcessPoolExecutor, jobs: list[Any], chunksize: int, path: Path) -> float:
    """Map the jobs over the pool, stack and save the results; return the wall time."""
    t0 = time.perf_counter()
    results = list(pool.map(run_one, jobs, chunksize=chunksize))
    rows = max(len(r) for r in results)
    cube = np.full((len(results), rows, results[0].shape[1]), np.nan)
    for i, r in enumerate(results):
        cube[i, : len(r)] = r
    np.save(path, cube)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=2, help="alternating repeats (default 2)")
    p.add_argument("--tiny-runs", type=int, default=4000, help="tiny runs (default 4000)")
    p.add_argument("--tiny-runs-per-task", type=int, default=16, help="batching for tiny runs (both sides)")
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args(argv)
    w = args.workers
    if args.quick:
        workloads = [("long", common.sweep_spec(2, 2, 1.0, name="baseline_long"), 1),
                     ("tiny", common.sweep_spec(20, 10, common.TINY_DAYS, name="baseline_tiny"), 4)]
        repeat = 1
    else:
        workloads = [
            ("long", common.sweep_spec(2, 20, 30.0, name="baseline_long"), 1),
            ("tiny", common.sweep_spec(20, max(1, args.tiny_runs // 20), common.TINY_DAYS,
                                       name="baseline_tiny"), args.tiny_runs_per_task),
        ]
        repeat = args.repeat

    common.headline(f"baseline: ProcessPoolExecutor({w}) against the batch system")
    load_before = common.load_average()
    record: dict[str, Any] = {"workers": w, "repeats": repeat, "workloads": {}, "load_average_before": load_before}
    with common.local_client(w) as client, ProcessPoolExecutor(w) as pool:
        common.warm_workers(client)
        list(pool.map(common._warm_pool_task, range(w)))
        for name, spec, rpt in workloads:
            jobs = jobs_of(spec)
            pool_s, dask_s, dask_exec = [], [], []
            for _ in range(repeat):
                with common.scratch() as tmp:
                    pool_s.append(pool_run(pool, jobs, rpt, tmp / "cube.npy"))
                with common.scratch() as tmp:
                    t0 = time.perf_counter()
                    r = common.execute_sweep(client, spec, tmp / "c", runs_per_task=rpt, workers=w)
                    dask_s.append(time.perf_counter() - t0)
                    dask_exec.append(r["execution_s"])
            ps, ds = common.summarise(pool_s), common.summarise(dask_s)
            entry = {
                "runs": len(jobs),
                "days": spec.overrides[0][1] if spec.overrides else None,
                "runs_per_task": rpt,
                "pool_s": ps,
                "batch_system_s": ds,
                "batch_system_execution_s": common.summarise(dask_exec),
                "pool_runs_per_second": len(jobs) / ps["median"],
                "batch_system_runs_per_second": len(jobs) / ds["median"],
                "ratio_batch_to_pool": ds["median"] / ps["median"],
            }
            record["workloads"][name] = entry
            print(
                f"{name:5s} {len(jobs):6d} runs: pool {ps['median']:7.2f} s "
                f"({entry['pool_runs_per_second']:.1f} runs/s), batch system {ds['median']:7.2f} s "
                f"({entry['batch_system_runs_per_second']:.1f} runs/s, template included); "
                f"time ratio batch/pool {entry['ratio_batch_to_pool']:.3f}",
                flush=True,
            )
    common.write_record("baseline", record, args.out, args.quick)
    return record


if __name__ == "__main__":
    main()
