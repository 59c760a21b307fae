"""Orchestration cost per run (submit + gather + store) on tiny runs.

Runs a sweep of tiny runs (3 simulated hours each, one metrics row) on a 2-worker
LocalCluster whose workers are already warm, once per ``--runs-per-task`` setting, and
prints per run: the wall time, the ideal (mean single-run time / workers), their
difference (the orchestration cost per run), the client's CPU time (with a LocalCluster
the scheduler runs in the client process, so its share is included) and the time spent
writing chunks.

Usage::

    python benchmarks/overhead.py                 # 4000 runs; 1, 16 and auto runs per task
    python benchmarks/overhead.py --quick         # 200 runs (smoke test)
"""

from __future__ import annotations

from typing import Any

import _common as common

TARGET_MS = 5.0


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=4000, help="tiny runs per measurement (default 4000)")
    p.add_argument("--days", type=float, default=common.TINY_DAYS, help="days per run (default 0.125 = 3 h)")
    p.add_argument(
        "--runs-per-task", nargs="+", default=["1", "16", "auto"],
        help="settings to measure: numbers or 'auto' (default: 1 16 auto)",
    )
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--repeat", type=int, default=1, help="repeat each measurement (default 1)")
    args = p.parse_args(argv)
    runs = 200 if args.quick else args.runs
    points = 20
    spec = common.sweep_spec(points, max(1, runs // points), args.days, name="overhead")

    common.headline(
        f"orchestration cost per run: {spec.n_runs} runs of {args.days * 24:g} h on {args.workers} workers"
    )
    load_before = common.load_average()
    results: dict[str, Any] = {}
    with common.local_client(args.workers) as client:
        common.warm_workers(client)
        for _ in range(args.repeat):
            for rpt in args.runs_per_task:
                k = None if rpt == "auto" else int(rpt)
                with common.scratch() as tmp:
                    r = common.execute_sweep(client, spec, tmp / "c", runs_per_task=k, workers=args.workers)
                results.setdefault(rpt, []).append(r)
                print(
                    f"runs/task {rpt:>4s}: {r['runs_per_second']:7.1f} runs/s  wall/run "
                    f"{1e3 * r['execution_s'] / r['runs']:6.2f} ms  ideal/run "
                    f"{1e3 * r['ideal_s'] / r['runs']:6.2f} ms  cost/run {r['cost_per_run_ms']:6.2f} ms  "
                    f"client CPU/run {r['client_cpu_per_run_ms']:5.2f} ms  chunk writes "
                    f"{r['store_write_s']:.2f} s in {r['store_write_calls']} calls",
                    flush=True,
                )
    best = {
        k: common.summarise([r["cost_per_run_ms"] for r in v])["median"] for k, v in results.items()
    }
    record = {
        "runs": spec.n_runs,
        "days": args.days,
        "workers": args.workers,
        "repeats": args.repeat,
        "by_runs_per_task": results,
        "cost_per_run_ms": best,
        "client_cpu_per_run_ms": {
            k: common.summarise([r["client_cpu_per_run_ms"] for r in v])["median"]
            for k, v in results.items()
        },
        "runs_per_second": {
            k: common.summarise([r["runs_per_second"] for r in v])["median"] for k, v in results.items()
        },
        "target_ms": TARGET_MS,
        "load_average_before": load_before,
    }
    for k, v in best.items():
        print(f"median cost per run with {k} run(s)/task: {v:.2f} ms (target <= {TARGET_MS:g} ms)")
    common.write_record("overhead", record, args.out, args.quick)
    return record


if __name__ == "__main__":
    main()
