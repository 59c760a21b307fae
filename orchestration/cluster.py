"""Where the runs execute: an existing scheduler or an embedded LocalCluster.

Precedence: ``--scheduler ADDR`` > ``[cluster] scheduler`` in the sweep config > the Dask
config key ``scheduler-address`` (env ``DASK_SCHEDULER_ADDRESS``) > a LocalCluster with one
single-threaded worker process per core, bound to 127.0.0.1.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

from skibidy.errors import SkibidyError

__all__ = ["ClusterError", "ClusterChoice", "choose", "connect", "active_client"]

DEFAULT_TIMEOUT = 10.0


class ClusterError(SkibidyError):
    """The requested Dask scheduler cannot be used."""


@dataclass(frozen=True)
class ClusterChoice:
    """The resolved execution target.

    Attributes
    ----------
    address : str or None
        Scheduler address, or None for an embedded LocalCluster.
    source : str
        Where the address came from (``--scheduler``, ``[cluster]``, ``dask config``, ``local``).
    workers : int or None
        Worker processes for a LocalCluster (default: one per core).
    timeout : float
        Seconds to wait when connecting to a scheduler.
    security : distributed.Security, optional
        Client TLS settings (see :mod:`orchestration.security`).
    table : dict, optional
        The config's ``[cluster]`` table when it selects a backend (e.g. SLURM).
    """

    address: str | None
    source: str
    workers: int | None = None
    timeout: float = DEFAULT_TIMEOUT
    security: Any = None
    table: Any = None


def choose(
    scheduler: str | None = None,
    config_cluster: dict[str, Any] | None = None,
    workers: int | None = None,
    timeout: float | None = None,
    trust_config: bool = False,
) -> ClusterChoice:
    """Resolve the scheduler address by precedence (see the module docstring).

    ``trust_config`` is the user's opt-in to the config's ``[cluster]`` choices of where
    code runs (see :mod:`orchestration.trust`); without it (and without the Dask
    configuration key) such a table raises :class:`~orchestration.trust.UntrustedConfig`.
    """
    import dask

    from orchestration.trust import check_trust

    table = dict(config_cluster or {})
    if timeout is not None and not (0 < timeout < float("inf")):
        raise ClusterError(f"--timeout must be a positive number of seconds, got {timeout}")
    if workers is not None and workers < 1:
        raise ClusterError(f"--workers must be at least 1, got {workers}")
    t = float(timeout if timeout is not None else table.get("timeout", DEFAULT_TIMEOUT))
    w = workers if workers is not None else table.get("workers")
    if scheduler:
        return ClusterChoice(_check_address(scheduler, "--scheduler"), "--scheduler", w, t)
    check_trust(table, trust_config)
    if table.get("scheduler"):
        return ClusterChoice(_check_address(table["scheduler"], "[cluster] scheduler"), "[cluster]", w, t, table=table)
    if table.get("kind") == "slurm":
        return ClusterChoice(None, "[cluster]", w, t, table=table)
    addr = dask.config.get("scheduler-address", None) or os.environ.get("DASK_SCHEDULER_ADDRESS")
    if addr:
        return ClusterChoice(_check_address(addr, "DASK_SCHEDULER_ADDRESS"), "dask config", w, t)
    return ClusterChoice(None, "local", w, t)


#: Dask's network protocols a scheduler address may use.
PROTOCOLS = ("tcp", "tls", "ws", "wss", "ucx")


def _check_address(addr: str, where: str) -> str:
    addr = addr.strip()
    scheme = addr.split("://", 1)[0].lower() if "://" in addr else ""
    if scheme and scheme not in PROTOCOLS:
        raise ClusterError(
            f"{where} {addr!r} uses {scheme}://, which is not a Dask protocol; write "
            "tcp://HOST:PORT (or tls://HOST:PORT)"
        )
    if scheme and not addr.split("://", 1)[1].strip():
        raise ClusterError(f"{where} {addr!r} has no host; write tcp://HOST:PORT")
    if "://" not in addr:
        if ":" in addr:
            return f"tcp://{addr}"
        raise ClusterError(
            f"{where} {addr!r} is not a scheduler address; write it as tcp://HOST:PORT "
            "(or tls://HOST:PORT)"
        )
    return addr


def active_client() -> Any | None:
    """The current ``distributed.Client`` if one is active in this process, else None."""
    try:
        from distributed import get_client

        return get_client()
    except (ValueError, ImportError):
        return None


@contextmanager
def connect(choice: ClusterChoice, *, quiet: bool = False) -> Iterator[Any]:
    """Yield a connected ``distributed.Client``; close whatever this call created.

    Raises
    ------
    ClusterError
        If the scheduler cannot be reached within ``choice.timeout`` seconds.
    """
    import dask
    from distributed import Client, LocalCluster
    from distributed.versions import VersionMismatchWarning

    def say(msg: str) -> None:
        if not quiet:
            print(msg, file=sys.stderr, flush=True)

    if choice.table and choice.table.get("kind") == "slurm":
        from orchestration.hpc import parse_cluster_table, slurm_client

        with slurm_client(parse_cluster_table(choice.table), say=say) as client:
            yield client
        return
    if choice.address is None:
        n = choice.workers or os.cpu_count() or 1
        try:
            import bokeh  # noqa: F401

            dashboard: str | None = "127.0.0.1:0"
        except ImportError:
            dashboard = None
        # Two Dask defaults slow a NumPy simulation down (docs/performance.md): the workers'
        # statistical profiler samples the running task's stack every 10 ms (it feeds only
        # the dashboard's profile page), and the nanny's MALLOC_TRIM_THRESHOLD_=65536 makes
        # glibc give memory back after nearly every large temporary array (~20 % more CPU
        # per run here). The embedded cluster runs without both; BLAS stays single-threaded.
        environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}) or {})
        environ.pop("MALLOC_TRIM_THRESHOLD_", None)
        # The workers share this process's terminal: dask_setup below keeps Ctrl-C from them.
        preload = [*(dask.config.get("distributed.worker.preload", None) or []), __name__]
        with dask.config.set({
            "distributed.worker.profile.enabled": False,
            "distributed.nanny.pre-spawn-environ": environ,
        }):
            cluster = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=dashboard,
                silence_logs=logging.CRITICAL,
                preload=preload,
            )
        try:
            with Client(cluster) as client:
                say(f"Dask: local cluster with {n} worker process(es)")
                if dashboard:
                    say(f"Dask dashboard: {client.dashboard_link}")
                yield client
        finally:
            cluster.close()
        return
    try:
        with warnings.catch_warnings():  # check_versions below reports mismatches once, with the fix
            warnings.simplefilter("ignore", VersionMismatchWarning)
            client = Client(choice.address, timeout=f"{choice.timeout}s", security=choice.security)
    except (OSError, TimeoutError) as exc:
        reason = (str(exc).splitlines() or [""])[0][:120] or type(exc).__name__
        raise ClusterError(
            f"cannot reach the Dask scheduler at {choice.address} (from {choice.source}) "
            f"within {choice.timeout:g} s ({reason}); start it "
            "('dask scheduler'), check the address, raise --timeout, or omit --scheduler "
            "and unset DASK_SCHEDULER_ADDRESS to use a local cluster"
        ) from None
    try:
        _report_versions(client, say)
        say(f"Dask: connected to {choice.address} ({len(client.nthreads())} workers)")
        try:
            say(f"Dask dashboard: {client.dashboard_link}")
        except Exception:  # no dashboard on that scheduler
            pass
        yield client
    finally:
        client.close()


def dask_setup(worker: Any) -> None:
    """Worker preload of the embedded cluster: leave Ctrl-C to the process that started it.

    A terminal sends Ctrl-C's SIGINT to its whole foreground process group, and the workers
    of a LocalCluster are in that group: each would stop with a screenful of
    ``KeyboardInterrupt`` tracebacks. The sweep process alone handles the interrupt (it
    writes what it received, prints the resume command and closes the cluster), so its
    workers ignore SIGINT. Dask calls this in every worker process it starts or restarts.
    """
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _report_versions(client: Any, say: Any) -> None:
    """Stop on a skibidy/Python mismatch with the cluster; warn about other packages."""
    from orchestration.versions import check_versions

    try:
        check_versions(client, warn=lambda msg: say(f"warning: {msg}"))
    except SkibidyError:
        client.close()
        raise
