"""Baseline: ``skibidy sweep`` end to end against a plain ``ProcessPoolExecutor(2)``.

Both sides are whole processes, timed from start to exit, run one after the other in
rotating order (so load from other users of the machine hits both alike):

* **pool**: what a user could write by hand, a script that reads the runs' overrides and
  seeds, maps ``load_config`` + ``simulate`` over them with
  ``ProcessPoolExecutor(workers).map(..., chunksize=k)`` and saves the stacked metrics with
  ``np.save`` (no resume, no failure handling, no cube);
* **pool, 1 BLAS thread**: the same script with ``OMP/OPENBLAS/MKL_NUM_THREADS=1``, as
  Dask's nanny sets them for its workers (two processes of a multithreaded OpenBLAS on two
  cores oversubscribe them);
* **sweep**: ``python -m skibidy sweep CONFIG --workers W --no-progress --no-raw``, the real
  command with its own LocalCluster, Zarr cube, summary and plots (``--raw`` adds the
  per-run CSV files, which the pool does not write).

The jobs (overrides and seeds, the sweep's own) are computed here, before timing, and
handed to the pool script in a file: the pool pays only for what a hand-written script
needs. Per workload it prints each pair, the medians and the median of the per-round ratios
sweep/pool (the pool's *speed* relative to the sweep is its inverse).

Workloads: 40 runs of 30 days, and 4000 tiny runs of 3 hours.

Usage::

    python benchmarks/baseline.py                  # 3 rounds (pool, pool with 1 BLAS thread, sweep) per workload
    python benchmarks/baseline.py --quick          # 4 runs of 1 day, 200 tiny runs, 1 pair
    python benchmarks/baseline.py --raw            # the sweep writes raw/ CSVs too
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

import _common as common

TARGET_RATIO = 1 / 0.9
"""The sweep may take at most this many times the pool's wall time (0.9x its speed)."""


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


def pool_main(jobs_file: Path, out: Path, workers: int, chunksize: int) -> None:
    """The hand-written script: map the jobs over a pool, stack, ``np.save``."""
    jobs = pickle.loads(jobs_file.read_bytes())
    with ProcessPoolExecutor(workers) as pool:
        results = list(pool.map(run_one, jobs, chunksize=chunksize))
    rows = max(len(r) for r in results)
    cube = np.full((len(results), rows, results[0].shape[1]), np.nan)
    for i, r in enumerate(results):
        cube[i, : len(r)] = r
    np.save(out, cube)


#: what Dask's nanny sets for its workers (``distributed.nanny.pre-spawn-environ``): one BLAS thread
ONE_BLAS_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def timed(argv: list[str], log: Path, env: dict[str, str] | None = None) -> float:
    """Wall time of one command, start to exit; raises with its output if it fails."""
    t0 = time.perf_counter()
    with open(log, "w", encoding="utf-8") as fh:
        code = subprocess.run(argv, stdout=fh, stderr=subprocess.STDOUT, cwd=common.ROOT,
                              env={**os.environ, **(env or {})}).returncode
    wall = time.perf_counter() - t0
    if code != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {code}:\n{log.read_text()[-3000:]}")
    return wall


def compare(
    name: str, config_text: str, chunksize: int, workers: int, pairs: int, raw: bool
) -> dict[str, Any]:
    """``pairs`` rounds of (pool, pool with 1 BLAS thread, sweep), each side first in turn."""
    from orchestration.spec import parse_sweep

    spec = parse_sweep(config_text)
    jobs = jobs_of(spec)
    walls: dict[str, list[float]] = {"pool": [], "pool_1blas": [], "sweep": []}
    loads = []
    with common.scratch() as tmp:
        cfg = tmp / "sweep.toml"
        cfg.write_text(config_text, encoding="utf-8")
        jobs_file = tmp / "jobs.pkl"
        jobs_file.write_bytes(pickle.dumps(jobs))
        pool_cmd = [sys.executable, str(Path(__file__).resolve()), "--pool-child", str(jobs_file),
                    str(tmp / "pool.npy"), str(workers), str(chunksize)]
        for i in range(pairs):
            sweep_cmd = [sys.executable, "-m", "skibidy", "sweep", str(cfg), "--out", str(tmp / f"sweep{i}"),
                         "--workers", str(workers), "--no-progress", *([] if raw else ["--no-raw"])]
            sides = [("pool", pool_cmd, None), ("pool_1blas", pool_cmd, ONE_BLAS_THREAD), ("sweep", sweep_cmd, None)]
            sides = sides[i % 3:] + sides[: i % 3]  # each side goes first in turn
            loads.append(common.load_average())
            for side, cmd, env in sides:
                walls[side].append(timed(cmd, tmp / f"{side}{i}.log", env))
            print(f"  {name} round {i + 1}: pool {walls['pool'][-1]:7.2f} s, pool with 1 BLAS thread "
                  f"{walls['pool_1blas'][-1]:7.2f} s, sweep {walls['sweep'][-1]:7.2f} s  "
                  f"(load {' '.join(f'{x:.1f}' for x in loads[-1])})", flush=True)
    pool_s, sweep_s = walls["pool"], walls["sweep"]
    ratios = [s / p for s, p in zip(sweep_s, pool_s)]
    ratios_1blas = [s / p for s, p in zip(sweep_s, walls["pool_1blas"])]
    ps, ss, rs = common.summarise(pool_s), common.summarise(sweep_s), common.summarise(ratios)
    return {
        "runs": len(jobs),
        "days": dict(spec.overrides).get("skin.duration_days"),
        "pool_chunksize": chunksize,
        "raw_csv": raw,
        "pool_s": ps,
        "sweep_s": ss,
        "ratio_sweep_to_pool": rs,
        "pool_1blas_s": common.summarise(walls["pool_1blas"]),
        "ratio_sweep_to_pool_1blas": common.summarise(ratios_1blas),
        "speed_vs_pool": 1.0 / rs["median"],
        "load_averages": loads,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3, help="rounds of (pool, pool with 1 BLAS thread, sweep) (default 3)")
    p.add_argument("--tiny-runs", type=int, default=4000, help="tiny runs (default 4000)")
    p.add_argument("--tiny-chunksize", type=int, default=16, help="the pool's chunksize for tiny runs")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--only", choices=["long", "tiny"], default=None, help="measure one workload")
    p.add_argument("--raw", action="store_true", help="the sweep writes raw/ CSVs too (the default of the command)")
    args = p.parse_args(argv)
    w = args.workers
    if args.quick:
        workloads = [("long", common.sweep_text(2, 2, 1.0, name="baseline_long"), 1),
                     ("tiny", common.sweep_text(20, 10, common.TINY_DAYS, name="baseline_tiny"), 4)]
        pairs = 1
    else:
        workloads = [
            ("long", common.sweep_text(2, 20, 30.0, name="baseline_long"), 1),
            ("tiny", common.sweep_text(20, max(1, args.tiny_runs // 20), common.TINY_DAYS,
                                       name="baseline_tiny"), args.tiny_chunksize),
        ]
        pairs = args.repeat
    if args.only:
        workloads = [wl for wl in workloads if wl[0] == args.only]

    common.headline(f"baseline: skibidy sweep against ProcessPoolExecutor({w}), end to end")
    record: dict[str, Any] = {"workers": w, "repeats": pairs, "workloads": {},
                              "load_average_before": common.load_average(), "target_ratio": TARGET_RATIO}
    for name, text, chunksize in workloads:
        entry = compare(name, text, chunksize, w, pairs, args.raw)
        record["workloads"][name] = entry
        print(
            f"{name:5s} {entry['runs']:6d} runs: pool {entry['pool_s']['median']:7.2f} s, sweep "
            f"{entry['sweep_s']['median']:7.2f} s (medians); ratio sweep/pool {entry['ratio_sweep_to_pool']['median']:.3f} "
            f"(median of {pairs}; target <= {TARGET_RATIO:.3f}), speed vs pool {entry['speed_vs_pool']:.2f}x; "
            f"against the pool with 1 BLAS thread ({entry['pool_1blas_s']['median']:.2f} s) "
            f"{entry['ratio_sweep_to_pool_1blas']['median']:.3f}",
            flush=True,
        )
    common.write_record("baseline_raw" if args.raw else "baseline", record, args.out, args.quick)
    return record


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--pool-child":
        jobs_path, out_path, n_workers, chunk = sys.argv[2:6]
        pool_main(Path(jobs_path), Path(out_path), int(n_workers), int(chunk))
    else:
        main()
