"""The ``[cluster]`` table of a sweep config, and SLURM clusters through dask-jobqueue.

A sweep config may say where it runs. The batch system's own keys (``scheduler``,
``workers``, ``timeout``) keep their meaning; ``kind`` selects the backend and is
inferred when absent (``"address"`` when ``scheduler`` is set, else ``"local"``)::

    [cluster]
    kind = "slurm"           # or "local", or "address"
    queue = "short"          # SLURM partition (-p)
    account = "myproject"    # -A, if the site needs one
    cores = 8                # cores per job; one single-threaded worker per core
    memory = "16GiB"         # memory per job
    walltime = "01:00:00"    # per job; [D-]HH:MM:SS
    jobs = 4                 # how many jobs to submit
    # optional: processes, interface, job_extra, python, local_directory, worker_lifetime,
    #           tls (default true), shared_directory

    [cluster]
    scheduler = "tls://scheduler.example.org:8786"
    tls_ca_file = "certs/ca.pem"   # relative paths are relative to the config file
    tls_cert = "certs/node.pem"
    tls_key = "certs/node-key.pem"

``--scheduler`` on the command line wins over the table. dask-jobqueue is an
optional dependency (``pip install "skibidy[hpc]"``) imported only when a
SLURM cluster is started.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping

from skibidy.errors import ConfigError, SkibidyError
from skibidy.suggest import did_you_mean

if TYPE_CHECKING:  # pragma: no cover
    from dask_jobqueue import SLURMCluster
    from distributed import Client

__all__ = [
    "CLUSTER_KEYS", "CLUSTER_KINDS", "ClusterTable", "parse_cluster_table", "slurm_client", "slurm_cluster",
]

#: The values accepted for ``[cluster] kind``.
CLUSTER_KINDS: tuple[str, ...] = ("local", "address", "slurm")

_TLS_KEYS = frozenset({"tls_ca_file", "tls_cert", "tls_key"})
_SLURM_KEYS = frozenset({
    "queue", "account", "cores", "memory", "walltime", "jobs", "processes",
    "interface", "job_extra", "python", "local_directory", "worker_lifetime",
    "tls", "shared_directory",
})
_KEYS: dict[str, frozenset[str]] = {
    "local": frozenset({"kind", "workers", "timeout"}),
    "address": frozenset({"kind", "scheduler", "workers", "timeout"}) | _TLS_KEYS,
    "slurm": frozenset({"kind", "timeout"}) | _SLURM_KEYS,
}
_REQUIRED: dict[str, tuple[str, ...]] = {
    "local": (),
    "address": ("scheduler",),
    "slurm": ("cores", "memory", "walltime", "jobs"),
}
#: Every key a ``[cluster]`` table may hold, whatever its kind.
CLUSTER_KEYS: frozenset[str] = frozenset().union(*_KEYS.values())
_WALLTIME = re.compile(r"^(\d+-)?\d{1,3}:[0-5]\d(:[0-5]\d)?$")
_INSTALL_HPC = 'pip install "skibidy[hpc]"'


@dataclass(frozen=True)
class ClusterTable:
    """A validated ``[cluster]`` table.

    Attributes
    ----------
    kind
        ``"local"``, ``"address"`` or ``"slurm"``.
    workers, timeout
        The batch system's own settings, passed through unchanged.
    scheduler, tls_ca_file, tls_cert, tls_key
        ``address``: the scheduler to connect to and the client's TLS files.
    queue, account, cores, memory, walltime, jobs, processes, interface,
    job_extra, python, local_directory, worker_lifetime
        ``slurm``: the partition, the account, cores and memory per job, the
        job's wall time, the number of jobs, worker processes per job (default:
        one per core, each single-threaded), the network interface the workers
        use (e.g. ``"ib0"``), extra ``#SBATCH`` lines, the Python the job runs,
        the worker scratch directory, and a worker lifetime shorter than the
        wall time (e.g. ``"55m"``) so workers retire cleanly before SLURM kills
        them.
    tls, shared_directory
        ``slurm``: whether the scheduler (which runs on the login node, where
        other users can reach its port) speaks TLS with a throw-away
        certificate, on by default; and the directory, on a file system the
        compute nodes share, where the workers' copy of that certificate is
        written readable only by you (default: the current directory).
    """

    kind: str
    workers: int | None = None
    timeout: float | None = None
    scheduler: str | None = None
    tls_ca_file: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    queue: str | None = None
    account: str | None = None
    cores: int | None = None
    memory: str | None = None
    walltime: str | None = None
    jobs: int | None = None
    processes: int | None = None
    interface: str | None = None
    job_extra: tuple[str, ...] = ()
    python: str | None = None
    local_directory: str | None = None
    worker_lifetime: str | None = None
    tls: bool | None = None
    shared_directory: str | None = None


def parse_cluster_table(
    table: Mapping[str, Any], *, base_dir: str | Path | None = None
) -> ClusterTable:
    """Validate a ``[cluster]`` table read from a sweep config.

    Parameters
    ----------
    table
        The table as parsed by ``tomllib``.
    base_dir
        The config file's directory: relative TLS paths are resolved from it.

    Returns
    -------
    ClusterTable

    Raises
    ------
    ConfigError
        An unknown or missing kind, a key that does not belong to the kind
        (with the nearest valid names), a missing required key, a value of the
        wrong type or out of range. Messages start with ``[cluster]``.

    Examples
    --------
    >>> parse_cluster_table({"kind": "slurm", "cores": 4, "memory": "8GiB",
    ...                      "walltime": "00:30:00", "jobs": 2}).processes
    4
    """
    if not isinstance(table, Mapping):
        raise ConfigError("[cluster] must be a table, e.g. [cluster] kind = \"slurm\"")
    kind = table.get("kind", "address" if "scheduler" in table else "local")
    if kind not in CLUSTER_KINDS:
        choices = ", ".join(f'"{k}"' for k in CLUSTER_KINDS)
        raise ConfigError(f"[cluster] kind = {kind!r} is unknown: use one of {choices}")

    allowed = _KEYS[kind]
    for key in table:
        if key not in allowed:
            other = [k for k, keys in _KEYS.items() if key in keys and k != kind]
            if key == "workers" and kind == "slurm":
                hint = "; a SLURM cluster has jobs x processes workers: set jobs"
            elif other:
                hint = f"; it belongs to kind = \"{other[0]}\""
            else:
                hint = did_you_mean(key, sorted(allowed), cutoff=0.6, quote=False)
            raise ConfigError(
                f"[cluster] {key!r} is not a setting of kind = \"{kind}\" "
                f"(valid: {', '.join(sorted(allowed - {'kind'}))}){hint}"
            )
    missing = [key for key in _REQUIRED[kind] if key not in table]
    if missing:
        raise ConfigError(f"[cluster] kind = \"{kind}\" needs {', '.join(missing)}")

    values: dict[str, Any] = {"kind": kind}
    for key, value in table.items():
        if key == "kind":
            continue
        values[key] = _check(key, value, base_dir)

    if kind == "address":
        _check_address(values)
    if kind == "slurm":
        values.setdefault("tls", True)
        processes = values.setdefault("processes", values["cores"])
        if processes > values["cores"]:
            raise ConfigError(
                f"[cluster] processes = {processes} exceeds cores = {values['cores']}: "
                "each worker process needs at least one core"
            )
    return ClusterTable(**values)


#: Keys whose values dask-jobqueue writes into the job script's command lines.
_SHELL_KEYS = frozenset({
    "python", "local_directory", "interface", "worker_lifetime", "queue", "account",
    "memory", "walltime", "shared_directory",
})
_SHELL_SAFE = re.compile(r"^[A-Za-z0-9_./:@%+,=~-]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _check_text(key: str, value: str, *, shell: bool = True) -> None:
    """No value may break a job script's line; command-line values are plain words."""
    if _CONTROL.search(value):
        raise ConfigError(
            f"[cluster] {key} = {value!r} contains a newline or another control character, "
            "which would add lines to the SLURM job script; remove it"
        )
    if shell and key in _SHELL_KEYS and not _SHELL_SAFE.match(value):
        raise ConfigError(
            f"[cluster] {key} = {value!r} contains a space or a shell character; use only "
            "letters, digits and _ . / : @ % + , = ~ -"
        )


def _check(key: str, value: Any, base_dir: str | Path | None) -> Any:
    if key == "timeout":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ConfigError(f"[cluster] timeout must be a positive number of seconds, not {value!r}")
        return value
    if key in ("workers", "cores", "jobs", "processes"):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"[cluster] {key} must be a whole number >= 1, not {value!r}")
        return value
    if key == "tls":
        if not isinstance(value, bool):
            raise ConfigError(f"[cluster] tls must be true or false, not {value!r}")
        return value
    if key == "job_extra":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(
                f'[cluster] job_extra must be a list of strings, e.g. ["--exclusive"], not {value!r}'
            )
        for item in value:
            _check_text(key, item)
        return tuple(value)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"[cluster] {key} must be a non-empty string, not {value!r}")
    _check_text(key, value, shell=False)
    if key == "memory":
        from dask.utils import parse_bytes

        try:
            parse_bytes(value)
        except (ValueError, TypeError):
            raise ConfigError(
                f'[cluster] memory = {value!r} is not a size: write e.g. "16GiB" or "4000MB"'
            ) from None
    if key == "walltime" and not _WALLTIME.match(value):
        raise ConfigError(
            f'[cluster] walltime = {value!r} is not a SLURM time: write "HH:MM:SS" or "D-HH:MM:SS"'
        )
    if key == "worker_lifetime":
        from dask.utils import parse_timedelta

        try:
            parse_timedelta(value)
        except (ValueError, KeyError, TypeError):
            raise ConfigError(
                f'[cluster] worker_lifetime = {value!r} is not a duration: write e.g. "55m"'
            ) from None
    _check_text(key, value)
    if key in ("tls_ca_file", "tls_cert", "tls_key") and base_dir is not None:
        path = Path(value).expanduser()
        return str(path if path.is_absolute() else Path(base_dir) / path)
    return value


def _check_address(values: Mapping[str, Any]) -> None:
    from orchestration.security import address_scheme

    address = values["scheduler"]
    scheme = address_scheme(address)
    if scheme not in ("tcp", "tls"):
        raise ConfigError(f"[cluster] scheduler {address!r}: use tcp://HOST:PORT or tls://HOST:PORT")
    tls = [k for k in ("tls_ca_file", "tls_cert", "tls_key") if k in values]
    if tls and scheme != "tls":
        raise ConfigError(
            f"[cluster] {', '.join(tls)} given but scheduler {address!r} does not use TLS: "
            f"write tls://{address.split('://', 1)[-1]}"
        )


def slurm_cluster(table: ClusterTable, **options: Any) -> "SLURMCluster":
    """Create (but do not scale) a dask-jobqueue ``SLURMCluster`` from the table.

    The scheduler starts in this process; nothing is submitted until
    ``cluster.scale(jobs=table.jobs)``. ``cluster.job_script()`` shows the
    batch script that would be submitted.

    Parameters
    ----------
    table
        A table of kind ``"slurm"``.
    **options
        Further keyword arguments for ``SLURMCluster`` (they win over the table),
        e.g. ``security=`` or ``scheduler_options=``.

    Returns
    -------
    dask_jobqueue.SLURMCluster

    Raises
    ------
    SkibidyError
        dask-jobqueue is not installed (the message names
        ``pip install "skibidy[hpc]"``), or the table is not of kind slurm.
    """
    if table.kind != "slurm":
        raise SkibidyError(f'slurm_cluster needs [cluster] kind = "slurm", not "{table.kind}"')
    try:
        from dask_jobqueue import SLURMCluster
    except ImportError as exc:
        raise SkibidyError(
            f'[cluster] kind = "slurm" needs dask-jobqueue, which is not installed: {_INSTALL_HPC}'
        ) from exc

    kwargs: dict[str, Any] = {
        "cores": table.cores,
        "processes": table.processes,
        "memory": table.memory,
        "walltime": table.walltime,
    }
    optional = {
        "queue": table.queue,
        "account": table.account,
        "interface": table.interface,
        "python": table.python,
        "local_directory": table.local_directory,
    }
    kwargs.update({k: v for k, v in optional.items() if v is not None})
    if table.job_extra:
        kwargs["job_extra_directives"] = list(table.job_extra)
    if table.worker_lifetime:
        kwargs["worker_extra_args"] = ["--lifetime", table.worker_lifetime, "--lifetime-stagger", "2m"]
    if table.tls is not False:
        try:
            import cryptography  # noqa: F401  (Security.temporary needs it)
        except ImportError as exc:
            raise SkibidyError(
                f"[cluster] tls = true needs the 'cryptography' package: {_INSTALL_HPC} "
                "(or set tls = false on a login node that only you can reach)"
            ) from exc
        kwargs["security"] = True
        kwargs["shared_temp_directory"] = str(Path(table.shared_directory or ".").expanduser().resolve())
    kwargs.update(options)
    return SLURMCluster(**kwargs)


@contextmanager
def slurm_client(
    table: ClusterTable, say: Callable[[str], None] = print, **options: Any
) -> Iterator["Client"]:
    """Submit the table's SLURM jobs, yield a client, and cancel the jobs afterwards.

    Parameters
    ----------
    table
        A table of kind ``"slurm"``.
    say
        Where progress messages go (the command line prints them to stderr).
    **options
        Passed to :func:`slurm_cluster`.

    Yields
    ------
    distributed.Client
        Connected to the cluster's scheduler, which runs in this process.
        Workers arrive as SLURM starts the jobs; tasks wait for them.
    """
    from distributed import Client

    cluster = slurm_cluster(table, **options)
    try:
        cluster.scale(jobs=table.jobs)
        workers = table.jobs * (table.processes or 1)
        say(
            f"Dask: SLURM cluster, {table.jobs} job(s) of {table.processes} worker(s) submitted "
            f"({workers} workers once they start); scheduler {cluster.scheduler_address}"
        )
        with Client(cluster) as client:
            yield client
    finally:
        cluster.close()  # cancels the jobs still queued or running
