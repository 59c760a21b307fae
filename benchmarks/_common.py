"""Shared helpers of the benchmark scripts: machine facts, timing, memory, JSON records.

The scripts print their figures and write one JSON record each into ``benchmarks/out/``
(gitignored) or ``--out DIR``. Nothing here asserts a speed: the figures are compared
with the targets in ``docs/performance.md`` by people, not by tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT_DIR = HERE / "out"

#: the swept parameter of the synthetic benchmark sweeps (any float parameter would do)
SWEEP_PARAM = "skin.immune.cytokine_rate"
#: the length of a "tiny" run in days: 3 simulated hours (one metrics row)
TINY_DAYS = 0.125


# -- machine ------------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return float("nan")


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages (other users share the machine)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def machine_info() -> dict[str, Any]:
    """Where a figure came from: cores, CPU, RAM, versions, git commit, load average."""
    from importlib.metadata import PackageNotFoundError, version

    versions = {"python": platform.python_version()}
    for pkg in ("numpy", "pandas", "dask", "distributed", "xarray", "zarr"):
        try:
            versions[pkg] = version(pkg)
        except PackageNotFoundError:
            versions[pkg] = "missing"
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
            timeout=5,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
            capture_output=True, text=True, timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit, dirty = "", ""
    return {
        "nproc": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "ram_gib": _ram_gib(),
        "platform": platform.platform(),
        "versions": versions,
        "git_commit": commit + ("+dirty" if dirty else ""),
        "load_average": load_average(),
    }


# -- figures ------------------------------------------------------------------------------


def summarise(values: Sequence[float]) -> dict[str, Any]:
    """Median, minimum, maximum and count of repeated measurements."""
    vals = [float(v) for v in values]
    if not vals:
        return {"median": float("nan"), "min": float("nan"), "max": float("nan"), "n": 0, "values": []}
    return {
        "median": statistics.median(vals),
        "min": min(vals),
        "max": max(vals),
        "n": len(vals),
        "values": [round(v, 6) for v in vals],
    }


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (MiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def rss_mib(pid: int | None = None) -> float:
    """Current resident memory of a process (this one by default), in MiB."""
    path = Path(f"/proc/{pid or 'self'}/statm")
    try:
        pages = int(path.read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return float("nan")
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_of(pid: int) -> float:
    """Peak resident memory (``VmHWM``) of a running process, in MiB (NaN once it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except (OSError, ValueError):
        pass
    return float("nan")


class Stopwatch:
    """Named wall-clock phases: ``with sw("create"): ...`` then ``sw.phases``."""

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.phases[name] = self.phases.get(name, 0.0) + time.perf_counter() - t0


# -- records ------------------------------------------------------------------------------


def parser(description: str) -> argparse.ArgumentParser:
    """The options every benchmark script has: ``--quick`` and ``--out``."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="a fast smoke version (seconds, not minutes)")
    p.add_argument(
        "--out", type=Path, default=OUT_DIR,
        help=f"directory of the JSON record (default {OUT_DIR.relative_to(ROOT)})",
    )
    return p


def write_record(name: str, record: dict[str, Any], out_dir: Path, quick: bool) -> Path:
    """Write ``<out_dir>/<name>[_quick].json`` with the machine facts added; return its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    full = {
        "benchmark": name,
        "quick": quick,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "argv": sys.argv[1:],
        **record,
        "machine": machine_info(),
    }
    path = out_dir / f"{name}{'_quick' if quick else ''}.json"
    path.write_text(json.dumps(full, indent=2, default=_json_default) + "\n", encoding="utf-8")
    print(f"record: {path}", flush=True)
    return path


def _json_default(value: Any) -> Any:
    try:
        import numpy as np

        if isinstance(value, np.generic):
            return value.item()
    except ImportError:  # pragma: no cover
        pass
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def headline(title: str) -> None:
    """Print a section title with the load average (so noisy figures can be judged)."""
    la = load_average()
    print(f"\n== {title}  (load average {' '.join(f'{x:.2f}' for x in la)}, {os.cpu_count()} cores)", flush=True)


# -- sweeps -------------------------------------------------------------------------------


def sweep_text(
    n_points: int,
    runs_per_value: int,
    duration_days: float,
    *,
    name: str = "bench",
    runs_per_task: int | None = None,
    seed: int = 0,
) -> str:
    """A sweep config of ``n_points`` values of :data:`SWEEP_PARAM` x ``runs_per_value``."""
    values = ", ".join(repr(round(0.001 + 1e-6 * i, 9)) for i in range(n_points))
    rpt = f"runs_per_task = {runs_per_task}\n" if runs_per_task else ""
    return (
        f"# benchmark sweep: {n_points} points x {runs_per_value} replicates of {duration_days} d\n"
        f"[sweep]\nname = {name!r}\nparam = {SWEEP_PARAM!r}\nvalues = [{values}]\n"
        f"runs_per_value = {runs_per_value}\nseed = {seed}\n{rpt}"
        f'[sweep.set]\n"skin.duration_days" = {duration_days}\n'
        '[outcomes]\nprimary = "wound_closure_pct"\nmeasure = "final"\n'
    )


def sweep_spec(n_points: int, runs_per_value: int, duration_days: float, **kw: Any) -> Any:
    """The :class:`~orchestration.spec.SweepSpec` of :func:`sweep_text`."""
    from orchestration.spec import parse_sweep

    return parse_sweep(sweep_text(n_points, runs_per_value, duration_days, **kw))


@contextmanager
def local_client(workers: int = 2) -> Iterator[Any]:
    """The command line's embedded LocalCluster (:func:`orchestration.cluster.connect`)."""
    from orchestration.cluster import ClusterChoice, connect

    with connect(ClusterChoice(None, "local", workers), quiet=True) as client:
        yield client


def warm_workers(client: Any) -> None:
    """Import the simulator on every worker and run one tiny simulation there."""
    client.run(_warm)


def _warm() -> None:
    import skibidy

    skibidy.simulate(skibidy.load_config(overrides={"skin.duration_days": 0.05}), seed=0)


def blas_threads() -> list[tuple[str, int]]:
    """(library, threads) of every BLAS/OpenMP pool loaded here (empty without threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return [(i["internal_api"], int(i["num_threads"])) for i in threadpool_info()]


def _warm_pool_task(_: int) -> None:
    """:func:`_warm` for ``ProcessPoolExecutor.map`` (takes and ignores one argument)."""
    _warm()


@contextmanager
def scratch(prefix: str = "skibidy-bench-") -> Iterator[Path]:
    """A temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as d:
        yield Path(d)


class PeakSampler:
    """Sample a process's RSS in a thread; :attr:`peak_mib` is the largest value seen."""

    def __init__(self, pid: int | None = None, every: float = 0.2) -> None:
        self.pid = pid
        self.every = every
        self.peak_mib = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            now = rss_mib(self.pid)
            if now == now:  # not NaN
                self.peak_mib = max(self.peak_mib, now)
            self._stop.wait(self.every)

    def __enter__(self) -> "PeakSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def execute_sweep(
    client: Any, spec: Any, directory: Path, *, runs_per_task: int | None = None,
    workers: int = 2,
) -> dict[str, Any]:
    """Create the cube of ``spec`` in ``directory`` and execute it; return the figures.

    Times the template, the execution and the time the client spent writing chunks, and
    measures the client process's CPU time during execution (with a LocalCluster the
    scheduler lives in this process too, so its work is included).
    """
    from orchestration.execute import execute
    from orchestration.store import ResultStore

    directory.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    ResultStore.create(directory, spec)
    store = ResultStore(directory)
    create_s = time.perf_counter() - t0
    writes = {"s": 0.0, "calls": 0}
    original = store.write_region

    def timed_write(*args: Any, **kwargs: Any) -> None:
        w0 = time.perf_counter()
        original(*args, **kwargs)
        writes["s"] += time.perf_counter() - w0
        writes["calls"] += 1

    store.write_region = timed_write  # type: ignore[method-assign]
    cpu0 = time.process_time()
    report = execute(client, store, store.pending(), progress=False, runs_per_task=runs_per_task)
    cpu = time.process_time() - cpu0
    done = report.ok + report.errors + report.lost
    ideal = report.sim_seconds / workers
    return {
        "runs": done,
        "ok": report.ok,
        "create_s": create_s,
        "execution_s": report.elapsed_s,
        "sum_run_s": report.sim_seconds,
        "mean_run_s": report.sim_seconds / max(done, 1),
        "ideal_s": ideal,
        "efficiency": ideal / report.elapsed_s if report.elapsed_s > 0 else float("nan"),
        "cost_per_run_ms": 1e3 * (report.elapsed_s - ideal) / max(done, 1),
        "client_cpu_per_run_ms": 1e3 * cpu / max(done, 1),
        "store_write_s": writes["s"],
        "store_write_calls": writes["calls"],
        "runs_per_second": done / report.elapsed_s if report.elapsed_s > 0 else float("nan"),
    }
