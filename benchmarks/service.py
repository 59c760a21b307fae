"""Job service overhead: a sweep through ``skibidy submit`` + ``attach`` against ``skibidy sweep``.

Starts a ``dask scheduler``, ``--workers`` single-threaded ``dask worker`` processes and
``skibidy serve`` on 127.0.0.1, then alternates, ``--rounds`` times, the same sweep (40 runs
of 30 days by default) two ways on that one cluster, each timed end to end as a user sees it:

* ``sweep``: ``skibidy sweep CONFIG --scheduler ADDR`` (the client drives the sweep);
* ``service``: ``skibidy submit CONFIG --scheduler ADDR`` then ``skibidy attach JOB`` until
  the job has ended (the service drives it; both commands' start-up is included).

Prints the median of each, their ratio (service / sweep; the target is at most 1.05) and
checks that the two cubes are bit-identical.

Usage::

    python benchmarks/service.py                  # 40 runs of 30 days, 3 rounds
    python benchmarks/service.py --quick          # 6 runs of 2 days, 1 round (smoke test)
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import _common as common

TARGET_RATIO = 1.05


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _config(directory: Path, runs: int, days: float) -> Path:
    values = [round(0.001 * (i + 1), 6) for i in range(max(1, runs // 2))]
    path = directory / "service_bench.toml"
    path.write_text(
        f'[sweep]\nname = "service_bench"\nparam = "{common.SWEEP_PARAM}"\nvalues = {values}\n'
        f'runs_per_value = {runs // len(values)}\npreset = "wound"\n\n'
        f'[sweep.set]\n"skin.duration_days" = {days}\n\n'
        '[outcomes]\nprimary = "wound_closure_pct"\nmeasure = "final"\n'
    )
    return path


def _skibidy(*args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "skibidy", *args], capture_output=True, text=True,
                          timeout=3600, check=False, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise RuntimeError(f"skibidy {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


class Cluster:
    """Scheduler, workers and job service as processes; :meth:`stop` ends them all."""

    def __init__(self, workers: int, root: Path) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []
        port = _free_port()
        self.address = f"tcp://127.0.0.1:{port}"
        self._start([sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", str(port),
                     "--no-dashboard"])
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        for i in range(workers):
            self._start([sys.executable, "-m", "dask", "worker", self.address, "--nthreads", "1",
                         "--no-dashboard", "--host", "127.0.0.1", "--local-directory", str(root / f"w{i}")])
        from distributed import Client

        with Client(self.address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=60)
        self._start([sys.executable, "-m", "skibidy", "serve", "--scheduler", self.address,
                     "--root", str(root / "service")])
        while subprocess.run([sys.executable, "-m", "skibidy", "jobs", "--scheduler", self.address],
                             capture_output=True, check=False).returncode != 0:
            if time.monotonic() > deadline + 60:
                raise RuntimeError("the job service did not come up")
            time.sleep(0.5)

    def _start(self, argv: list[str]) -> None:
        self.procs.append(subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                           start_new_session=True))

    def stop(self) -> None:
        for proc in reversed(self.procs):
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def _by_sweep(config: Path, address: str, out: Path) -> float:
    t0 = time.perf_counter()
    _skibidy("sweep", str(config), "--scheduler", address, "--out", str(out), "--no-progress", "--no-raw")
    return time.perf_counter() - t0


def _by_service(config: Path, address: str, out: str) -> tuple[float, Path]:
    t0 = time.perf_counter()
    submitted = _skibidy("submit", str(config), "--scheduler", address, "--out", out, "--no-raw")
    job, directory = (line.split(": ", 1)[1] for line in submitted.stdout.strip().splitlines()[-2:])
    _skibidy("attach", job, "--scheduler", address, "--no-progress")
    return time.perf_counter() - t0, Path(directory)


def _same_cube(a: Path, b: Path) -> bool:
    import numpy as np

    from orchestration import open_results

    x, y = open_results(a), open_results(b)
    return set(x.variables) == set(y.variables) and all(
        np.array_equal(x[v].values, y[v].values, equal_nan=x[v].dtype.kind in "fc") for v in x.variables
    )


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=40, help="runs per sweep (default 40)")
    p.add_argument("--days", type=float, default=30.0, help="simulated days per run (default 30)")
    p.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    p.add_argument("--workers", type=int, default=2, help="single-threaded workers (default 2)")
    args = p.parse_args(argv)
    if args.quick:
        args.runs, args.days, args.rounds = 6, 2.0, 1
    scratch = Path(tempfile.mkdtemp(prefix="skibidy-bench-service-"))
    config = _config(scratch, args.runs, args.days)
    cluster = Cluster(args.workers, scratch)
    sweep_s: list[float] = []
    service_s: list[float] = []
    identical = True
    try:
        _by_sweep(config, cluster.address, scratch / "warm")  # warm the workers' imports
        for r in range(args.rounds):
            first, second = ("sweep", "service") if r % 2 == 0 else ("service", "sweep")
            for how in (first, second):
                if how == "sweep":
                    sweep_s.append(_by_sweep(config, cluster.address, scratch / f"sweep{r}"))
                else:
                    took, directory = _by_service(config, cluster.address, f"job{r}")
                    service_s.append(took)
            identical &= _same_cube(scratch / f"sweep{r}", directory)
    finally:
        cluster.stop()
    sweep, service = common.summarise(sweep_s), common.summarise(service_s)
    ratio = service["median"] / sweep["median"]
    print(f"{args.runs} runs of {args.days:g} days on {args.workers} workers, {args.rounds} rounds "
          f"(load average {common.load_average()[0]:.2f})")
    print(f"  skibidy sweep --scheduler : median {sweep['median']:.2f} s  {sweep['values']}")
    print(f"  submit + attach (service) : median {service['median']:.2f} s  {service['values']}")
    print(f"  ratio service / sweep     : {ratio:.3f}  (target <= {TARGET_RATIO})")
    print(f"  cubes bit-identical       : {identical}")
    record = {"runs": args.runs, "days": args.days, "workers": args.workers, "rounds": args.rounds,
              "sweep_s": sweep, "service_s": service, "ratio": ratio, "target_ratio": TARGET_RATIO,
              "identical": identical}
    common.write_record("service", record, args.out, args.quick)
    return record


if __name__ == "__main__":
    main()
