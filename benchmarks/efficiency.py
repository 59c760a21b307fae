"""Orchestration efficiency: a sweep of 30-day runs on a 2-worker LocalCluster.

The ideal wall time is the sum of the single-run times (as measured inside the tasks)
divided by the number of workers. Efficiency is ideal / measured, for the execution phase
alone (:func:`orchestration.execute.execute`, workers already started) and end to end
(cluster start, template, execution, summary/plots/raw CSVs, cluster shutdown), as the
``skibidy sweep`` command does it.

Usage::

    python benchmarks/efficiency.py               # 40 runs of 30 days, 2 workers
    python benchmarks/efficiency.py --quick       # 4 runs of 1 day (smoke test)
"""

from __future__ import annotations

import time
from typing import Any

import _common as common

TARGET_EXECUTION = 0.95
TARGET_END_TO_END = 0.85


def end_to_end(spec: Any, directory: Any, workers: int) -> dict[str, Any]:
    """One sweep as the command line runs it (its own LocalCluster), with its phases timed."""
    from orchestration.api import run_spec
    from orchestration.cluster import ClusterChoice

    connected: list[float] = []
    t0 = time.perf_counter()
    outcome = run_spec(
        spec, directory, False, choice=ClusterChoice(None, "local", workers), quiet=True,
        progress=False, raw=True, announce=lambda: connected.append(time.perf_counter()),
    )
    total = time.perf_counter() - t0
    rep = outcome.report
    ideal = rep.sim_seconds / workers
    start = connected[0] - t0 if connected else float("nan")
    return {
        "end_to_end_s": total,
        "execution_s": rep.elapsed_s,
        "sum_run_s": rep.sim_seconds,
        "ideal_s": ideal,
        "efficiency_end_to_end": ideal / total,
        "efficiency_execution": ideal / rep.elapsed_s,
        "phases_s": {
            "cluster start": start,
            "execution": rep.elapsed_s,
            "template, products, cluster close": total - start - rep.elapsed_s,
        },
        "ok": rep.ok,
    }


def timed_run(seed: int, days: float) -> tuple[float, float]:
    """One run where it is called: (wall seconds, CPU seconds of the calling thread)."""
    import skibidy

    config = skibidy.load_config(overrides={"skin.duration_days": days})
    t0, c0 = time.perf_counter(), time.thread_time()
    skibidy.simulate(config, seed=seed)
    return time.perf_counter() - t0, time.thread_time() - c0


def per_run_in_worker_vs_pool(days: float, runs: int, rounds: int, workers: int) -> dict[str, Any]:
    """The same runs inside the embedded cluster's Dask workers and in a plain
    ``ProcessPoolExecutor`` (each with ``workers`` processes, both busy), alternating rounds:
    median wall and CPU time per run. The BLAS thread count of each side is recorded."""
    from concurrent.futures import ProcessPoolExecutor
    from functools import partial

    fn = partial(timed_run, days=days)
    out: dict[str, list[tuple[float, float]]] = {"dask_worker": [], "pool": []}
    with common.local_client(workers) as client, ProcessPoolExecutor(workers) as pool:
        common.warm_workers(client)
        list(pool.map(common._warm_pool_task, range(workers)))
        blas = {"dask_worker": list(client.run(common.blas_threads).values())[0],
                "pool": pool.submit(common.blas_threads).result()}
        for k in range(rounds):
            seeds = range(k * runs, (k + 1) * runs)
            out["dask_worker"] += client.gather(client.map(fn, seeds, pure=False))
            out["pool"] += list(pool.map(fn, seeds))
    res: dict[str, Any] = {"days": days, "runs": runs * rounds, "blas_threads": blas}
    for side, vals in out.items():
        res[side] = {"wall_s": common.summarise([w for w, _ in vals]), "cpu_s": common.summarise([c for _, c in vals])}
    res["cpu_ratio_worker_to_pool"] = res["dask_worker"]["cpu_s"]["median"] / res["pool"]["cpu_s"]["median"]
    return res


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=40, help="runs in the sweep (default 40)")
    p.add_argument("--days", type=float, default=30.0, help="simulated days per run (default 30)")
    p.add_argument("--workers", type=int, default=2, help="LocalCluster workers (default 2)")
    p.add_argument("--repeat", type=int, default=1, help="repeat each measurement (default 1)")
    p.add_argument("--per-run-only", action="store_true",
                   help="only the per-run time inside a Dask worker against a plain pool process")
    args = p.parse_args(argv)
    runs, days, repeat = (4, 1.0, 1) if args.quick else (args.runs, args.days, args.repeat)
    workers = args.workers
    points = 2 if runs % 2 == 0 else 1
    spec = common.sweep_spec(points, runs // points, days, name="efficiency")

    common.headline(f"per-run time: {days:g}-day runs in Dask workers against a plain process pool")
    per_run = per_run_in_worker_vs_pool(days, 2 * workers if args.quick else 6, 1 if args.quick else 3, workers)
    for side in ("dask_worker", "pool"):
        print(f"{side:12s} wall {per_run[side]['wall_s']['median']:6.3f} s  CPU {per_run[side]['cpu_s']['median']:6.3f} s "
              f"per run (medians of {per_run['runs']}; BLAS threads {per_run['blas_threads'][side]})")
    print(f"CPU per run, Dask worker / pool process: {per_run['cpu_ratio_worker_to_pool']:.3f}", flush=True)
    if args.per_run_only:
        common.write_record("per_run", {"per_run": per_run}, args.out, args.quick)
        return per_run

    common.headline(f"orchestration efficiency: {runs} runs of {days:g} d on {workers} workers")
    load_before = common.load_average()
    e2e, execs = [], []
    for i in range(repeat):
        with common.scratch() as tmp:
            e2e.append(end_to_end(spec, tmp / "e2e", workers))
        with common.scratch() as tmp, common.local_client(workers) as client:
            common.warm_workers(client)
            execs.append(common.execute_sweep(client, spec, tmp / "exec", workers=workers))

    record: dict[str, Any] = {
        "runs": runs,
        "days": days,
        "workers": workers,
        "repeats": repeat,
        "end_to_end": e2e,
        "execution": execs,
        "efficiency_end_to_end": common.summarise([r["efficiency_end_to_end"] for r in e2e])["median"],
        "efficiency_execution": common.summarise([r["efficiency"] for r in execs])["median"],
        "efficiency_execution_in_e2e": common.summarise(
            [r["efficiency_execution"] for r in e2e]
        )["median"],
        "mean_run_s": common.summarise([r["mean_run_s"] for r in execs])["median"],
        "per_run": per_run,
        "targets": {"execution": TARGET_EXECUTION, "end_to_end": TARGET_END_TO_END},
        "load_average_before": load_before,
    }
    for r in e2e:
        print(
            f"end to end   {r['end_to_end_s']:7.2f} s   ideal {r['ideal_s']:6.2f} s   "
            f"efficiency {r['efficiency_end_to_end']:.3f}   (its execution phase: "
            f"{r['execution_s']:.2f} s, {r['efficiency_execution']:.3f})"
        )
        for name, sec in r["phases_s"].items():
            print(f"    {name:40s} {sec:7.2f} s")
    for r in execs:
        print(
            f"execution    {r['execution_s']:7.2f} s   ideal {r['ideal_s']:6.2f} s   "
            f"efficiency {r['efficiency']:.3f}   (mean run {r['mean_run_s']:.3f} s, "
            f"chunk writes {r['store_write_s']:.2f} s)"
        )
    print(
        f"median efficiency: execution {record['efficiency_execution']:.3f} "
        f"(target >= {TARGET_EXECUTION}), end to end {record['efficiency_end_to_end']:.3f} "
        f"(target >= {TARGET_END_TO_END})"
    )
    common.write_record("efficiency", record, args.out, args.quick)
    return record


if __name__ == "__main__":
    main()
