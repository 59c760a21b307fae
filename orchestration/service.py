"""The job service (``skibidy serve``): queued sweeps that outlive the client that submitted them.

One process beside the Dask scheduler owns a job table on the shared results storage
(``ROOT/.skibidy-jobs/``, see :mod:`orchestration.jobs`) and drives every job's sweep
with the ordinary :func:`~orchestration.api.run_spec` machinery: it is the single writer
of each cube, and the cube's resume machinery makes it restart-safe. The table's folder
lock (:func:`orchestration.lock.exclusive`) keeps a second service off the same root.

Jobs start by priority, then submission order, at most ``max_jobs`` at once, each in its
own thread on one shared client. A job's tasks carry its priority (Dask ``priority=``)
and its id as key prefix; each job keeps a small window of tasks in flight, so a large
sweep does not starve a later small one.
"""

from __future__ import annotations

import math
import os
import signal
import socket
import sys
import threading
import time
import traceback
import uuid
from pathlib import Path
from typing import Any

from orchestration.execute import (
    ClusterLost,
    ExecutionControl,
    ExecutionReport,
    Interrupted,
)
from orchestration.jobs import (
    FINAL_STATES,
    META,
    TABLE_DIR,
    JobError,
    read_table,
    validate_request,
    write_record,
)
from skibidy.errors import SkibidyError

__all__ = ["JobService", "SchedulerLost", "serve"]

POLL_S = 0.1
HEARTBEAT_S = 2.0
#: seconds without the scheduler after which the service exits (its jobs stay queued)
SCHEDULER_LOST_S = 60.0


class SchedulerLost(SkibidyError):
    """The scheduler stayed unreachable; the service exits and is started again later."""


def _is_connection_error(exc: BaseException) -> bool:
    from distributed.comm.core import CommClosedError

    return isinstance(exc, (OSError, TimeoutError, CommClosedError))


class JobService:
    """The serve loop: requests in, jobs started, status out.

    Parameters
    ----------
    client : distributed.Client
        Connected to the scheduler beside which the service runs.
    root : Path
        The shared results storage (job table and default results directories).
    max_jobs : int
        Jobs running at once.
    """

    def __init__(self, client: Any, root: Path, max_jobs: int = 4) -> None:
        self.client = client
        self.root = Path(root).absolute()
        self.table = self.root / TABLE_DIR
        self.max_jobs = max(1, int(max_jobs))
        self.jobs: dict[str, dict[str, Any]] = {}
        self.controls: dict[str, ExecutionControl] = {}
        self.threads: dict[str, threading.Thread] = {}
        self.lock = threading.RLock()
        self.dirty: set[str] = set()
        self.handled: set[str] = set()
        self.shutting_down = False
        self._seq = 0

    # -- the table -----------------------------------------------------------------------

    def load(self) -> None:
        """Read the table; unfinished jobs (queued, running) are queued again."""
        self.jobs = read_table(self.table)
        for job in self.jobs.values():
            self.handled.add(str(job.get("rid", "")))
            self._seq = max(self._seq, int(job.get("seq", 0)))
            if job["state"] == "running":
                job["state"] = "queued"
                job["restarts"] = int(job.get("restarts", 0)) + 1
                self._save(job)
            self.dirty.add(job["id"])

    def _save(self, job: dict[str, Any]) -> None:
        write_record(self.table, job)
        self.dirty.add(job["id"])

    def _update(self, job_id: str, save: bool = True, **changes: Any) -> None:
        with self.lock:
            job = self.jobs[job_id]
            job.update(changes)
            if save:
                self._save(job)
            else:
                self.dirty.add(job_id)

    # -- the loop ------------------------------------------------------------------------

    def publish_presence(self) -> None:
        """Tell clients where the service is (and that it is alive)."""
        self.client.set_metadata([META, "service"], {
            "root": str(self.root), "host": socket.gethostname(), "pid": os.getpid(),
            "heartbeat": time.time(), "max_jobs": self.max_jobs, "client": self.client.id,
        })

    def step(self) -> None:
        """One pass: requests, cancellations, starts, published status."""
        self.take_requests()
        self.take_cancels()
        self.start_jobs()
        self.publish()

    def run(self, stop: threading.Event, lost_after: float = SCHEDULER_LOST_S) -> None:
        """Serve until ``stop`` is set; then stop the running jobs (they stay queued).

        A scheduler that cannot be reached for ``lost_after`` seconds ends the service with
        :class:`SchedulerLost` (the table keeps every unfinished job queued for the next
        start). A shorter outage is ridden out: once the client has reconnected, the
        service publishes itself and every job again (a restarted scheduler has no metadata).
        """
        last_beat = 0.0
        unreachable_since: float | None = None
        try:
            while not stop.is_set():
                try:
                    if time.monotonic() - last_beat > HEARTBEAT_S:
                        self.publish_presence()
                        last_beat = time.monotonic()
                    if unreachable_since is not None:  # back: the scheduler may have restarted
                        with self.lock:
                            self.dirty.update(self.jobs)
                        unreachable_since = None
                    self.step()
                except Exception as exc:
                    if self.client.status == "running" and not _is_connection_error(exc):
                        raise
                    now = time.monotonic()
                    unreachable_since = unreachable_since or now
                    last_beat = 0.0
                    gave_up = self.client.status in ("closed", "closing")  # it stopped reconnecting
                    if gave_up or now - unreachable_since > lost_after:
                        raise SchedulerLost(
                            f"the Dask scheduler {self.client.scheduler.address} has not answered for "
                            f"{lost_after:g} s ({type(exc).__name__}); unfinished jobs stay queued in "
                            f"{self.table}: start 'skibidy serve' again once the scheduler is back"
                        ) from None
                stop.wait(POLL_S)
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        """Stop every running job (each keeps its state for the next start) and unpublish."""
        self.shutting_down = True
        for control in list(self.controls.values()):
            control.request_stop()
        for thread in list(self.threads.values()):
            thread.join(timeout=30)
        try:
            self.publish()
            self.client.set_metadata([META, "service"], None)
        except Exception:  # noqa: BLE001, S110 - the scheduler may be gone
            pass

    def take_requests(self) -> None:
        """Accept (or refuse) every new submission."""
        requests = self.client.get_metadata([META, "requests"], default={}) or {}
        for rid, request in requests.items():
            if request is None or rid in self.handled:
                continue
            self.handled.add(rid)
            try:
                reply = self.accept(request)
            except Exception as exc:  # noqa: BLE001 - a refused request, reported to its client
                reply = {"error": str(exc) if isinstance(exc, JobError) or _is_input_error(exc)
                         else f"{type(exc).__name__}: {exc}"}
            self.client.set_metadata([META, "replies", rid], reply)
            self.client.set_metadata([META, "requests", rid], None)

    def accept(self, request: dict[str, Any]) -> dict[str, Any]:
        """Check a request, add its job to the table; the reply (``job``, ``directory``)."""
        from orchestration.api import default_directory, plan_output

        options = dict(request.get("options", {}))
        spec = validate_request(request["config_text"], request.get("config_name", "sweep.toml"), options)
        out = options.get("out")
        if out:
            directory = Path(out) if Path(out).is_absolute() else self.root / out
        else:
            directory = default_directory(spec, self.root)
        with self.lock:
            busy = {j["directory"] for j in self.jobs.values() if j["state"] not in FINAL_STATES}
            if str(directory.absolute()) in busy:
                raise JobError(f"{directory} is the results directory of a job that has not ended; choose another --out")
            spec, directory, _ = plan_output(spec, directory)
            directory.mkdir(parents=True, exist_ok=True)  # reserves the default name
            self._seq += 1
            job_id = f"{spec.name[:24]}-{uuid.uuid4().hex[:6]}"
            job = {
                "id": job_id, "rid": request["rid"], "name": spec.name, "seq": self._seq,
                "owner": str(options.get("owner") or "unknown"), "priority": int(options.get("priority") or 0),
                "state": "queued", "directory": str(directory.absolute()),
                "config_text": request["config_text"], "config_name": request.get("config_name", "sweep.toml"),
                "options": options, "submitted": time.time(), "started": None, "finished": None,
                "ok": 0, "failed": 0, "total": int(spec.n_runs), "eta_s": None, "error": None,
                "spec_hash": spec.hash, "restarts": 0,
            }
            self.jobs[job_id] = job
            self._save(job)
        return {"job": job_id, "directory": job["directory"]}

    def take_cancels(self) -> None:
        """Cancel every job a client asked to cancel."""
        cancels = self.client.get_metadata([META, "cancel"], default={}) or {}
        for job_id in cancels:
            with self.lock:
                job = self.jobs.get(job_id)
                if job is None or job["state"] in FINAL_STATES or job.get("cancel_requested"):
                    continue
                job["cancel_requested"] = True
                if job["state"] == "queued" and job_id not in self.threads:
                    job.update(state="cancelled", finished=time.time())
                    self._save(job)
                    continue
                control = self.controls.get(job_id)
            if control is not None:
                control.request_stop()

    def start_jobs(self) -> None:
        """Start queued jobs by priority, then submission order, while slots are free."""
        with self.lock:
            for job_id, thread in list(self.threads.items()):
                if not thread.is_alive():
                    del self.threads[job_id]
                    self.controls.pop(job_id, None)
            if self.shutting_down or self.client.status != "running":
                return
            queued = sorted(
                (j for j in self.jobs.values() if j["state"] == "queued" and j["id"] not in self.threads),
                key=lambda j: (-int(j["priority"]), int(j["seq"])),
            )
            for job in queued[: max(0, self.max_jobs - len(self.threads))]:
                control = ExecutionControl(
                    priority=int(job["priority"]), key_prefix=f"{job['id']}-", window=self._window(),
                )
                self.controls[job["id"]] = control
                thread = threading.Thread(target=self._drive, args=(job["id"], control),
                                          name=f"skibidy-job-{job['id']}", daemon=True)
                self.threads[job["id"]] = thread
                job.update(state="running", started=job.get("started") or time.time())
                self._save(job)
                thread.start()

    def _window(self) -> int:
        try:
            threads = sum(self.client.nthreads().values())
        except Exception:  # noqa: BLE001
            threads = 2
        return max(2, 2 * threads)

    def publish(self) -> None:
        """Publish the records that changed since the last pass."""
        with self.lock:
            changed = [self._public(self.jobs[j]) for j in sorted(self.dirty) if j in self.jobs]
            self.dirty.clear()
        for record in changed:
            self.client.set_metadata([META, "jobs", record["id"]], record)

    @staticmethod
    def _public(job: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in job.items() if k != "config_text"}

    # -- one job -------------------------------------------------------------------------

    def _drive(self, job_id: str, control: ExecutionControl) -> None:
        """Run one job's sweep to its end (a thread)."""
        from orchestration.api import plan_output, run_spec

        job = dict(self.jobs[job_id])
        options = job["options"]
        session_start = time.monotonic()
        last = [0.0]

        def progress(report: ExecutionReport) -> None:
            done_now = report.ok + report.errors + report.lost + report.timeouts
            total = report.total
            ok = report.already_done + report.ok
            failed = report.errors + report.lost + report.timeouts + int(job.get("failed_before", 0))
            remaining = max(0, report.submitted - done_now)
            elapsed = time.monotonic() - session_start
            eta = elapsed / done_now * remaining if done_now else None
            save = time.monotonic() - last[0] > 5.0
            if save:
                last[0] = time.monotonic()
            self._update(job_id, save=save, ok=ok, failed=failed, total=total,
                         eta_s=None if eta is None or not math.isfinite(eta) else round(eta, 1))

        control.on_progress = progress
        try:
            spec = validate_request(job["config_text"], job["config_name"], options)
            spec, directory, resuming = plan_output(spec, Path(job["directory"]))
            if resuming:
                counts = _counts(directory)
                job["failed_before"] = counts[1]
                self._update(job_id, ok=counts[0], failed=counts[1])
            run_spec(
                spec, directory, resuming, client=self.client, retries=int(options.get("retries") or 0),
                raw=bool(options.get("raw", True)), progress=False, quiet=True,
                runs_per_task=options.get("runs_per_task"), run_timeout=options.get("run_timeout"),
                control=control,
            )
        except ClusterLost:
            # the scheduler went away: the job waits in the queue for it (or for the next start)
            self._update(job_id, state="queued", eta_s=None)
            return
        except Interrupted:
            if self.shutting_down and not self.jobs[job_id].get("cancel_requested"):
                self._update(job_id, state="queued", eta_s=None)  # continued at the next start
            else:
                self._finish(job_id, "cancelled")
            return
        except Exception as exc:  # noqa: BLE001 - the job fails, the service goes on
            traceback.print_exc(file=sys.stderr)
            if self.shutting_down:
                self._update(job_id, state="queued", eta_s=None)
            else:
                self._finish(job_id, "failed", error=f"{type(exc).__name__}: {exc}")
            return
        self._finish(job_id, "done")

    def _finish(self, job_id: str, state: str, error: str | None = None) -> None:
        ok, failed = _counts(Path(self.jobs[job_id]["directory"]))
        self._update(job_id, state=state, ok=ok, failed=failed, eta_s=0.0 if state == "done" else None,
                     finished=time.time(), error=error)


def _counts(directory: Path) -> tuple[int, int]:
    """Runs ok and failed in a cube (0, 0 without one)."""
    import numpy as np

    from orchestration.store import (
        STATUS_OK,
        STATUS_PENDING,
        ResultStore,
        is_result_dir,
    )

    if not is_result_dir(directory):
        return 0, 0
    try:
        status = ResultStore(directory).status()
    except Exception:  # noqa: BLE001 - unreadable: the resume reports it
        return 0, 0
    ok = int(np.count_nonzero(status == STATUS_OK))
    return ok, int(status.size - ok - np.count_nonzero(status == STATUS_PENDING))


def _is_input_error(exc: BaseException) -> bool:
    from skibidy.errors import SkibidyError

    return isinstance(exc, (SkibidyError, ValueError))


def serve(scheduler: str, root: str | Path, *, max_jobs: int = 4, timeout: float = 30.0) -> int:
    """Run the job service until SIGINT/SIGTERM; the exit code (0; 1 if the scheduler was lost).

    Parameters
    ----------
    scheduler : str
        The Dask scheduler address.
    root : path
        The shared results storage.
    max_jobs : int
        Jobs running at once.
    timeout : float
        Seconds allowed to connect to the scheduler.
    """
    import logging

    from distributed import Client

    from orchestration.jobs import NoService, find_service
    from orchestration.lock import exclusive

    root = Path(root).absolute()
    with exclusive(root / TABLE_DIR, "skibidy serve"):
        client = Client(scheduler, timeout=timeout)
        logging.getLogger("distributed.client").setLevel(logging.CRITICAL)
        try:
            other = None
            try:
                other = find_service(client)
            except NoService:
                pass
            # find_service returns only a live one: a killed service's connection is gone at once
            if other is not None:
                raise JobError(
                    f"a job service already runs beside {scheduler} (pid {other.get('pid')} on "
                    f"{other.get('host')}, root {other.get('root')}); one service per scheduler: "
                    f"stop it first, or give this one its own scheduler"
                )
            service = JobService(client, root, max_jobs=max_jobs)
            service.load()
            stop = threading.Event()

            def on_signal(signum: int, frame: Any) -> None:
                stop.set()

            old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
            unfinished = sum(j["state"] == "queued" for j in service.jobs.values())
            print(f"skibidy job service: scheduler {client.scheduler.address}, root {root}, "
                  f"{len(service.jobs)} job(s) in the table ({unfinished} to run)", flush=True)
            try:
                service.run(stop)
            except SchedulerLost as exc:
                print(f"skibidy job service: {exc}", file=sys.stderr, flush=True)
                return 1
            finally:
                for s, h in old.items():
                    signal.signal(s, h)
            print("skibidy job service stopped; unfinished jobs continue at the next start", flush=True)
        finally:
            client.close()
    return 0
