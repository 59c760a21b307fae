"""Simulator benchmark: time and peak memory of one 30-day wound run.

Runs ``skibidy.simulate`` on the default wound config (``--days`` long) ``--repeat`` times
in this process after one warm-up run, and prints the median wall and CPU time per run
and the peak memory of a run (traced allocations, which include NumPy's buffers, and the
process's peak RSS). ``--profile`` adds the time per model module.

Usage::

    python benchmarks/simulator.py            # 30 days, 7 repeats
    python benchmarks/simulator.py --quick    # 2 days, 2 repeats (smoke test)
"""

from __future__ import annotations

import time
import tracemalloc
from typing import Any

import _common as common

TARGET_S = 1.0


def stage_times(config: Any, seed: int) -> dict[str, float]:
    """Seconds spent in each module's step, in the metrics rows and in the rest (diffusion) of one run."""
    import dataclasses

    from skibidy import engine

    spent: dict[str, float] = {}

    def timed(name: str, fn: Any) -> Any:
        def wrapper(*args: Any) -> Any:
            t0 = time.perf_counter()
            out = fn(*args)
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - t0
            return out

        return wrapper

    original_modules, original_row = engine.MODULES, engine._row
    engine.MODULES = tuple(
        dataclasses.replace(m, step=timed(m.name, m.step)) if m.step is not None else m for m in original_modules
    )
    engine._row = timed("metrics rows", original_row)
    try:
        t0 = time.perf_counter()
        engine.simulate(config, seed=seed)
        total = time.perf_counter() - t0
    finally:
        engine.MODULES, engine._row = original_modules, original_row
    spent["diffusion and the rest"] = total - sum(spent.values())
    spent["total"] = total
    return dict(sorted(spent.items(), key=lambda kv: -kv[1]))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--days", type=float, default=30.0, help="simulated days per run (default 30)")
    p.add_argument("--repeat", type=int, default=7, help="timed runs (default 7)")
    p.add_argument("--profile", action="store_true", help="also print the time per pipeline stage")
    args = p.parse_args(argv)
    days, repeat = (2.0, 2) if args.quick else (args.days, args.repeat)

    common.headline(f"simulator: {days:g}-day wound run, {repeat} repeats")
    import skibidy

    config = skibidy.load_config(overrides={"skin.duration_days": days})
    load_before = common.load_average()
    t0 = time.perf_counter()
    first = skibidy.simulate(config, seed=0)  # warm-up: imports, caches
    cold_s = time.perf_counter() - t0

    wall, cpu = [], []
    for seed in range(1, repeat + 1):
        w0, c0 = time.perf_counter(), time.process_time()
        skibidy.simulate(config, seed=seed)
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)

    tracemalloc.start()
    skibidy.simulate(config, seed=repeat + 1)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    record: dict[str, Any] = {
        "days": days,
        "repeats": repeat,
        "rows": int(len(first)),
        "columns": int(first.shape[1]),
        "cold_s": cold_s,
        "wall_s": common.summarise(wall),
        "cpu_s": common.summarise(cpu),
        "peak_traced_mib": traced_peak / 2**20,
        "peak_rss_mib": common.peak_rss_mib(),
        "target_s_per_30_days": TARGET_S,
        "s_per_30_days": common.summarise([w * 30.0 / days for w in wall])["median"],
        "load_average_before": load_before,
    }
    if args.profile:
        record["stages_s"] = stage_times(config, seed=0)

    w, c = record["wall_s"], record["cpu_s"]
    print(f"first run (cold)      {cold_s:8.3f} s")
    print(f"wall per run          {w['median']:8.3f} s  (median of {w['n']}; min {w['min']:.3f}, max {w['max']:.3f})")
    print(f"CPU per run           {c['median']:8.3f} s  (median; min {c['min']:.3f})")
    print(f"per 30 simulated days {record['s_per_30_days']:8.3f} s  (target <= {TARGET_S:g} s)")
    print(f"peak traced memory    {record['peak_traced_mib']:8.1f} MiB (one run)")
    print(f"peak RSS (process)    {record['peak_rss_mib']:8.1f} MiB")
    if args.profile:
        print("time per stage (one run):")
        for name, sec in record["stages_s"].items():
            print(f"  {name:28s} {sec:7.3f} s")
    common.write_record("simulator", record, args.out, args.quick)
    return record


if __name__ == "__main__":
    main()
