"""Queued sweeps: the job table, the scheduler protocol, and :func:`submit` / :class:`Job`.

A job is a sweep that the job service (``skibidy serve``, :mod:`orchestration.service`)
runs on behalf of a client that may go away. Everything a client needs goes through the
Dask scheduler it already connects to, as scheduler metadata under the ``skibidy`` key:

``["skibidy", "service"]``
    The running service: its root, host, pid and a heartbeat time (every 2 s).
``["skibidy", "requests", RID]``
    A submission (config text, options, owner, priority, out); written by the client.
``["skibidy", "replies", RID]``
    The service's answer: ``{"job": ID, "directory": DIR}`` or ``{"error": TEXT}``.
``["skibidy", "jobs", ID]``
    The job's current record (state, runs ok/failed/total, ETA, ...), kept up to date.
``["skibidy", "cancel", ID]``
    A cancellation request.

Each key is written by one side only, so no update is lost. The service keeps the
authoritative table on the shared results storage: ``ROOT/.skibidy-jobs/ID.json``, one
file per job, each replaced atomically (:func:`write_record`).
"""

from __future__ import annotations

import getpass
import io
import json
import os
import tarfile
import tempfile
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from skibidy.errors import SkibidyError

__all__ = [
    "FINAL_STATES",
    "STATES",
    "TABLE_DIR",
    "Job",
    "JobError",
    "NoService",
    "connected_clients",
    "find_service",
    "read_table",
    "scheduler_address",
    "submit",
    "tar_directory",
    "validate_request",
    "write_record",
]

TABLE_DIR = ".skibidy-jobs"
STATES = ("queued", "running", "done", "failed", "cancelled")
FINAL_STATES = frozenset({"done", "failed", "cancelled"})
META = "skibidy"
#: a service whose heartbeat is older than this is taken for dead
HEARTBEAT_STALE_S = 15.0
REPLY_TIMEOUT_S = 30.0


class JobError(SkibidyError):
    """A job request that cannot be served (bad input, unknown job)."""


class NoService(SkibidyError):
    """No job service is running beside the scheduler."""


# -- the table ---------------------------------------------------------------------------


def write_record(table: Path, record: Mapping[str, Any]) -> Path:
    """Write one job's record to ``table/ID.json`` atomically (a temporary file, then replace).

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> write_record(d, {"id": "j1", "state": "queued"}).name
    'j1.json'
    >>> read_table(d)["j1"]["state"]
    'queued'
    """
    table.mkdir(parents=True, exist_ok=True)
    path = table / f"{record['id']}.json"
    fd, tmp = tempfile.mkstemp(dir=table, prefix=f".{record['id']}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(dict(record), fh, indent=2, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return path


def read_table(table: Path) -> dict[str, dict[str, Any]]:
    """Every job record in ``table``, by id (unreadable files are skipped)."""
    out: dict[str, dict[str, Any]] = {}
    if not table.is_dir():
        return out
    for path in sorted(table.glob("*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        out[str(record["id"])] = record
    return out


# -- requests ----------------------------------------------------------------------------


def check_options(options: Mapping[str, Any]) -> None:
    """Refuse the options of a request that ``skibidy sweep`` would refuse (:class:`JobError`)."""
    n, seed = options.get("n"), options.get("seed")
    if n is not None and int(n) < 1:
        raise JobError(f"-n must be at least 1, got {n}; give the number of runs, e.g. -n 5")
    if seed is not None and int(seed) < 0:
        raise JobError(f"--seed must be a non-negative integer, got {seed}")
    if int(options.get("retries") or 0) < 0:
        raise JobError(f"--retries must be 0 or more, got {options['retries']}")
    per_task, timeout = options.get("runs_per_task"), options.get("run_timeout")
    if per_task is not None and int(per_task) < 1:
        raise JobError(f"--runs-per-task must be at least 1, got {per_task}")
    if timeout is not None and not (0 < float(timeout) < float("inf")):
        raise JobError(f"--run-timeout must be a positive, finite number of seconds, got {timeout}")


def planned_spec(spec: Any, options: Mapping[str, Any]) -> Any:
    """``spec`` with a request's ``-n``, ``--seed`` and ``--set`` applied, once they are checked."""
    from orchestration.spec import parse_set

    check_options(options)
    return spec.with_options(
        runs_per_value=options.get("n"), seed=options.get("seed"),
        overrides=parse_set(list(options.get("set", []))) or None,
    )


def validate_request(config_text: str, config_name: str, options: Mapping[str, Any]) -> Any:
    """The :class:`~orchestration.spec.SweepSpec` of a request, checked as ``skibidy sweep`` does.

    Raises
    ------
    SkibidyError
        (a :class:`~orchestration.spec.SpecError`) with the same message as ``skibidy sweep``.
    """
    from orchestration.spec import load_sweep

    with tempfile.TemporaryDirectory(prefix="skibidy-job-") as d:
        path = Path(d) / (Path(config_name).name or "sweep.toml")
        path.write_text(config_text, encoding="utf-8")
        return planned_spec(load_sweep(path), options)


def scheduler_address(scheduler: str | None) -> str:
    """``scheduler``, else ``DASK_SCHEDULER_ADDRESS``; a clear error without either."""
    address = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS", "")
    if not address:
        raise JobError(
            "give the scheduler of the job service: --scheduler tcp://HOST:8786 "
            "(or set DASK_SCHEDULER_ADDRESS)"
        )
    return address


def connect(scheduler: str | None, timeout: float = 10.0) -> Any:
    """A ``distributed.Client`` of the scheduler (no workers needed); exit-2 error if unreachable."""
    import logging

    from distributed import Client

    address = scheduler_address(scheduler)
    logging.getLogger("distributed.client").setLevel(logging.CRITICAL)
    try:
        return Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise NoService(
            f"cannot reach the Dask scheduler {address} ({type(exc).__name__}); start the "
            f"cluster, then 'skibidy serve --scheduler {address}'"
        ) from None


def find_service(client: Any) -> dict[str, Any]:
    """The service's published record; :class:`NoService` if none is alive."""
    info = client.get_metadata([META, "service"], default=None)
    address = client.scheduler.address
    # alive means connected to the scheduler now (no clocks compared across machines); a
    # record without a client id falls back to the age of its heartbeat
    alive = bool(info) and (
        info["client"] in connected_clients(client) if info.get("client")
        else time.time() - float(info.get("heartbeat", 0)) < HEARTBEAT_STALE_S
    )
    if not alive:
        raise NoService(
            f"no skibidy job service is running at {address}; start one beside the scheduler "
            f"with 'skibidy serve --scheduler {address} --root DIR'"
        )
    return dict(info)


def connected_clients(client: Any) -> set[str]:
    """The ids of the clients connected to ``client``'s scheduler right now."""

    def ids(dask_scheduler: Any) -> list[str]:
        return list(dask_scheduler.clients)

    return set(client.run_on_scheduler(ids))


def _job_record(client: Any, job_id: str) -> dict[str, Any]:
    record = client.get_metadata([META, "jobs", job_id], default=None)
    if record is None:
        raise JobError(f"no job {job_id!r} at {client.scheduler.address}; list them with 'skibidy jobs'")
    return dict(record)


def all_jobs(client: Any) -> list[dict[str, Any]]:
    """Every job the service has published, by priority and submission order."""
    jobs = client.get_metadata([META, "jobs"], default={}) or {}
    return sorted((dict(j) for j in jobs.values()), key=lambda j: j.get("seq", 0))


def tar_directory(directory: str) -> bytes:
    """A tar (gzip) of ``directory``'s contents (run as a task on a worker that sees it)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for path in sorted(Path(directory).iterdir()):
            if path.name != ".skibidy.lock":
                tar.add(path, arcname=path.name)
    return buf.getvalue()


# -- the client side ---------------------------------------------------------------------


class Job:
    """A sweep queued in the job service.

    Parameters
    ----------
    job_id : str
    scheduler : str
        The scheduler address through which the service is reached.
    directory : str
        The results directory on the service's storage.
    """

    def __init__(self, job_id: str, scheduler: str, directory: str) -> None:
        self.id = job_id
        self.scheduler = scheduler
        self.directory = directory

    def __repr__(self) -> str:
        return f"Job({self.id!r}, scheduler={self.scheduler!r}, directory={self.directory!r})"

    def status(self) -> dict[str, Any]:
        """The job's current record (``state``, ``ok``, ``failed``, ``total``, ``eta_s``, ...)."""
        client = connect(self.scheduler)
        try:
            return _job_record(client, self.id)
        finally:
            client.close()

    def wait(self, timeout: float | None = None, poll: float = 0.5) -> dict[str, Any]:
        """Block until the job has ended; return its final record.

        Raises
        ------
        TimeoutError
            If ``timeout`` seconds pass first.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        client = connect(self.scheduler)
        try:
            while True:
                record = _job_record(client, self.id)
                if record["state"] in FINAL_STATES:
                    return record
                if deadline is not None and time.monotonic() > deadline:
                    raise TimeoutError(f"job {self.id} still {record['state']} after {timeout} s")
                time.sleep(poll)
        finally:
            client.close()

    def cancel(self) -> None:
        """Ask the service to cancel the job (its runs stop within seconds)."""
        client = connect(self.scheduler)
        try:
            cancel_job(client, self.id)
        finally:
            client.close()

    def fetch(self, dest: str | Path) -> Path:
        """Copy the job's results directory into ``dest`` over the cluster connection."""
        client = connect(self.scheduler)
        try:
            return fetch_job(client, self.id, Path(dest))
        finally:
            client.close()

    def open(self) -> Any:
        """The job's result cube (xarray); fetched to a temporary folder if not visible here."""
        from orchestration.store import is_result_dir, open_results

        if is_result_dir(Path(self.directory)):
            return open_results(self.directory)
        dest = Path(tempfile.mkdtemp(prefix=f"skibidy-{self.id}-"))
        return open_results(self.fetch(dest))


def cancel_job(client: Any, job_id: str) -> dict[str, Any]:
    """Publish a cancellation request for ``job_id``; return its record."""
    record = _job_record(client, job_id)
    client.set_metadata([META, "cancel", job_id], time.time())
    return record


def fetch_job(client: Any, job_id: str, dest: Path) -> Path:
    """Copy a job's results directory into ``dest`` (a worker task tars it; no shared disk needed)."""
    record = _job_record(client, job_id)
    data = client.submit(tar_directory, record["directory"], pure=False, key=f"skibidy-fetch-{job_id}-{uuid.uuid4().hex[:6]}").result()
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        tar.extractall(dest, filter="data")
    return dest


def submit_request(
    client: Any, config_text: str, config_name: str, options: Mapping[str, Any],
    timeout: float = REPLY_TIMEOUT_S,
) -> dict[str, Any]:
    """Hand a request to the service; return its reply (``job``, ``directory``)."""
    find_service(client)
    rid = uuid.uuid4().hex[:12]
    request = {"rid": rid, "config_text": config_text, "config_name": config_name,
               "options": dict(options), "submitted": time.time()}
    client.set_metadata([META, "requests", rid], request)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        reply = client.get_metadata([META, "replies", rid], default=None)
        if reply is not None:
            if reply.get("error"):
                raise JobError(str(reply["error"]))
            return dict(reply)
        time.sleep(0.05)
    raise NoService(f"the job service at {client.scheduler.address} did not answer within {timeout:g} s")


def submit(
    config: str | Path,
    scheduler: str | None = None,
    *,
    out: str | None = None,
    priority: int = 0,
    owner: str | None = None,
    n: int | None = None,
    seed: int | None = None,
    set: Sequence[str] = (),
    retries: int = 0,
    runs_per_task: int | None = None,
    run_timeout: float | None = None,
    raw: bool = True,
) -> Job:
    """Queue a sweep in the job service beside ``scheduler``; return its :class:`Job`.

    Parameters
    ----------
    config : path
        A sweep config (checked here as ``skibidy sweep`` checks it).
    scheduler : str, optional
        Default: ``DASK_SCHEDULER_ADDRESS``.
    out : str, optional
        Results directory on the service's storage (relative: under its root).
    priority : int
        Higher runs first.
    owner : str, optional
        Default: the login name.
    n, seed, set, retries, runs_per_task, run_timeout, raw
        As the options of ``skibidy sweep`` (``raw=False`` is ``--no-raw``).

    Returns
    -------
    Job
    """
    path = Path(config)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise JobError(f"cannot read the sweep config {str(config)!r} ({exc.strerror or exc})") from None
    options = {"n": n, "seed": seed, "set": list(set), "retries": int(retries),
               "runs_per_task": runs_per_task, "run_timeout": run_timeout, "raw": bool(raw), "out": out,
               "priority": int(priority), "owner": owner or getpass.getuser()}
    from orchestration.spec import load_sweep

    planned_spec(load_sweep(path), options)  # the messages of 'skibidy sweep', with the real file name
    client = connect(scheduler)
    try:
        reply = submit_request(client, text, path.name, options)
        return Job(reply["job"], client.scheduler.address, reply["directory"])
    finally:
        client.close()
