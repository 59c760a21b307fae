"""Scale: a 10^5-run sweep of tiny runs, streamed to disk, interrupted and resumed.

Runs ``skibidy sweep`` (the real command, in a child process, 2 local workers, no raw
CSVs) on 100 points x 1000 replicates of 3-hour runs. Once ``--interrupt-at`` of the runs
are marked done in the cube it sends SIGINT, then continues the sweep with
``skibidy sweep --resume``. It prints, per leg, the wall time, the execution time and runs
per second reported by the command, the peak resident memory (VmHWM) of the client
process, and finally checks the result: every run ok, the resumed leg ran only what was
missing, and a random sample of runs recomputed here equals the cube bit for bit.

Usage::

    python benchmarks/scale.py                    # 100 000 runs
    python benchmarks/scale.py --quick            # 2 000 runs (smoke test)
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import _common as common

TARGET_RSS_MIB = 1024.0


def _done(store: Path) -> int:
    """Runs marked done (any final status) in the cube, read while the sweep writes it."""
    import zarr

    try:
        status = zarr.open_group(str(store), mode="r")["status"][...]
    except Exception:  # the template is being written
        return 0
    return int(np.count_nonzero(status))


def run_leg(
    cmd: list[str], store: Path, total: int, interrupt_at: float | None, log: Path,
    run_delay_s: float = 0.0, stop_at: float = float("inf"),
) -> dict[str, Any]:
    """Run one ``skibidy sweep`` command; SIGINT it once ``interrupt_at`` of runs are done.

    ``run_delay_s`` makes every run of this leg sleep first (``SKIBIDY_FAULT_DELAY``), so a
    small sweep on a fast machine is still running when the interrupt comes. At
    ``stop_at`` (``time.monotonic()``) the command is interrupted whatever it has done.
    """
    env = dict(os.environ)
    if run_delay_s > 0:
        env["SKIBIDY_FAULT_DELAY"] = str(run_delay_s)
    t0 = time.perf_counter()
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=common.ROOT, env=env)
        peak, interrupted_at, stopped = 0.0, None, False
        samples: list[tuple[float, int, float]] = []  # (seconds, runs done, client RSS MiB)
        next_poll = time.monotonic()
        every = 0.5 if total <= 10_000 else 3.0  # reading the status array costs a little
        while proc.poll() is None:
            hwm = common.peak_rss_of(proc.pid)
            if hwm == hwm:
                peak = max(peak, hwm)
            if time.monotonic() >= next_poll:
                next_poll = time.monotonic() + every
                done = _done(store)
                rss = common.rss_mib(proc.pid)
                if rss == rss:
                    samples.append((round(time.perf_counter() - t0, 2), done, round(rss, 1)))
                if interrupt_at is not None and interrupted_at is None and done >= interrupt_at * total:
                    proc.send_signal(signal.SIGINT)
                    interrupted_at = done
            if time.monotonic() >= stop_at and interrupted_at is None:
                proc.send_signal(signal.SIGINT)
                interrupted_at = _done(store)
                stopped = True
            time.sleep(0.25)
    wall = time.perf_counter() - t0
    text = log.read_text(encoding="utf-8")
    m = re.search(r"in ([0-9.]+) s \(([0-9.]+) runs/s\)", text)
    ok = re.search(r"(\d+) runs ok", text)
    before = re.search(r"(\d+) done before", text)
    return {
        "returncode": proc.returncode,
        "wall_s": wall,
        "execution_s": float(m.group(1)) if m else None,
        "runs_per_second": float(m.group(2)) if m else None,
        "runs_ok": int(ok.group(1)) if ok else None,
        "done_before": int(before.group(1)) if before else 0,
        "done_when_interrupted": interrupted_at,
        "client_peak_rss_mib": peak,
        "rss_samples": samples,
        "stopped_at_deadline": stopped,
        "output_tail": text.strip().splitlines()[-6:],
    }


def rss_by_progress(samples: list[tuple[float, int, float]], total: int, steps: int = 10) -> list[tuple[int, float]]:
    """The client's RSS when each tenth of the runs was done: ``(runs done, MiB)`` pairs.

    Flat means the client's memory does not grow with the runs done.
    """
    out: list[tuple[int, float]] = []
    for k in range(1, steps + 1):
        after = [(done, rss) for _, done, rss in samples if done >= k * total / steps]
        if after and (not out or after[0][0] != out[-1][0]):
            out.append(after[0])
    return out


def check_sample(directory: Path, n: int, seed: int = 1) -> dict[str, Any]:
    """Every run ok; a random sample recomputed in this process equals the cube exactly."""
    from orchestration.worker import align_to_time_axis
    from orchestration.store import ResultStore, STATUS_OK

    import skibidy

    store = ResultStore(directory)
    status = store.status()
    rng = np.random.default_rng(seed)
    ok_runs = np.flatnonzero(status.reshape(-1) == STATUS_OK)  # all of them, unless stopped early
    sample = np.sort(rng.choice(ok_runs, size=min(n, len(ok_runs)), replace=False))
    seeds = np.asarray(store.group["seed"][...]).reshape(-1)
    equal = 0
    for r in sample:
        idx = store.grid.index(int(r))
        expected = align_to_time_axis(
            skibidy.simulate(store.grid.config(int(r)), seed=int(seeds[r])), store.time_h, store.variables
        )
        got = np.stack([np.asarray(store.group[v][idx]) for v in store.variables], axis=-1)
        equal += bool(np.array_equal(expected, got, equal_nan=True))
    return {
        "all_ok": bool(np.all(status == STATUS_OK)),
        "ok": int(np.count_nonzero(status == STATUS_OK)),
        "sampled": int(len(sample)),
        "sample_bit_identical": int(equal),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--points", type=int, default=100, help="parameter points (default 100)")
    p.add_argument("--replicates", type=int, default=1000, help="replicates per point (default 1000)")
    p.add_argument("--days", type=float, default=common.TINY_DAYS, help="days per run (default 0.125 = 3 h)")
    p.add_argument("--runs-per-task", type=int, default=None, help="passed to skibidy sweep")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--interrupt-at", type=float, default=0.4, help="fraction done before SIGINT (default 0.4)")
    p.add_argument(
        "--run-delay", type=float, default=None,
        help="seconds every run of the interrupted leg sleeps first, so the interrupt lands "
        "mid-sweep (default 0; 0.03 with --quick, whose 2000 runs would otherwise be received "
        "before the cube shows 40 %% of them done)",
    )
    p.add_argument("--sample", type=int, default=50, help="runs recomputed for the check (default 50)")
    p.add_argument(
        "--deadline", type=float, default=None,
        help="seconds after which the running leg is interrupted and the benchmark reports what "
        "was done (for sweeps too large to finish in the time at hand)",
    )
    p.add_argument("--keep", type=Path, default=None, help="keep the results directory here")
    args = p.parse_args(argv)
    points, reps = (20, 100) if args.quick else (args.points, args.replicates)
    total = points * reps
    run_delay = args.run_delay if args.run_delay is not None else (0.03 if args.quick else 0.0)

    common.headline(f"scale: {total} runs of {args.days * 24:g} h on {args.workers} workers, streamed")
    load_before = common.load_average()
    with common.scratch() as tmp:
        cfg = tmp / "scale.toml"
        cfg.write_text(common.sweep_text(points, reps, args.days, name="scale"), encoding="utf-8")
        directory = (args.keep or tmp / "results").resolve()
        store = directory / "results.zarr"
        base = [sys.executable, "-m", "skibidy", "sweep"]
        opts = ["--workers", str(args.workers), "--no-progress", "--no-raw", "--yes"]
        if args.runs_per_task:
            opts += ["--runs-per-task", str(args.runs_per_task)]
        stop_at = time.monotonic() + (args.deadline if args.deadline else float("inf"))
        first = run_leg(
            [*base, str(cfg), "--out", str(directory), *opts], store, total, args.interrupt_at,
            tmp / "leg1.log", run_delay_s=run_delay, stop_at=stop_at,
        )
        print(
            f"leg 1 (interrupted): exit {first['returncode']}, {first['wall_s']:.1f} s, "
            f"{_done(store)} of {total} runs done, client peak RSS {first['client_peak_rss_mib']:.0f} MiB",
            flush=True,
        )
        done_after_first = _done(store)
        if first["stopped_at_deadline"]:  # no time left for the resumed leg
            second = {"returncode": None, "wall_s": 0.0, "execution_s": None, "runs_per_second": None,
                      "runs_ok": None, "done_before": done_after_first, "client_peak_rss_mib": 0.0,
                      "rss_samples": [], "stopped_at_deadline": False, "output_tail": []}
        else:
            second = run_leg(
                [*base, "--resume", str(directory), *opts], store, total, None, tmp / "leg2.log",
                stop_at=stop_at,
            )
        print(
            f"leg 2 (resumed):     exit {second['returncode']}, {second['wall_s']:.1f} s, "
            f"{second['runs_ok']} runs ok, {second['done_before']} done before, "
            f"execution {second['execution_s']} s ({second['runs_per_second']} runs/s), "
            f"client peak RSS {second['client_peak_rss_mib']:.0f} MiB",
            flush=True,
        )
        check = check_sample(directory, 20 if args.quick else args.sample)
        done_at_end = _done(store)

    rate_legs = [leg for leg in (first, second) if leg["runs_per_second"]]
    exec_s = second["execution_s"] or float("nan")
    peak = max(first["client_peak_rss_mib"], second["client_peak_rss_mib"])
    samples = first["rss_samples"] + second["rss_samples"]
    progress = rss_by_progress(samples, max([d for _, d, _ in samples] + [1]))
    print("client RSS vs runs done: " + ", ".join(f"{d}: {m:.0f} MiB" for d, m in progress), flush=True)
    record = {
        "rss_by_runs_done": progress,
        "stopped_at_deadline": first["stopped_at_deadline"] or second["stopped_at_deadline"],
        "runs_done": done_at_end,
        "runs": total,
        "points": points,
        "replicates": reps,
        "days": args.days,
        "workers": args.workers,
        "run_delay_s_interrupted_leg": run_delay,
        "runs_per_task": args.runs_per_task,
        "interrupted_leg": first,
        "resumed_leg": second,
        "done_after_interrupt": done_after_first,
        "resumed_only_missing": second["done_before"] == done_after_first
        and (second["runs_ok"] or 0) == total - done_after_first,
        "check": check,
        "client_peak_rss_mib": peak,
        "runs_per_second_resumed_leg": second["runs_per_second"],
        "wall_s_total": first["wall_s"] + second["wall_s"],
        "runs_per_second_overall": done_at_end / (first["wall_s"] + second["wall_s"]),
        "target_rss_mib": TARGET_RSS_MIB,
        "load_average_before": load_before,
        "legs_with_rate": len(rate_legs),
        "resumed_execution_s": exec_s,
    }
    print(
        f"total {done_at_end} of {total} runs done: wall {record['wall_s_total']:.1f} s over both legs "
        f"({record['runs_per_second_overall']:.1f} runs/s end to end); client peak RSS "
        f"{peak:.0f} MiB (target < {TARGET_RSS_MIB:.0f}); resumed only the missing runs: "
        f"{record['resumed_only_missing']}; all ok: {check['all_ok']}; sample bit-identical: "
        f"{check['sample_bit_identical']}/{check['sampled']}"
    )
    common.write_record("scale", record, args.out, args.quick)
    return record


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
