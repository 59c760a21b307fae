"""The job commands: ``skibidy serve``, ``submit``, ``jobs``, ``status``, ``attach``, ``cancel``, ``fetch``.

Registered into ``skibidy`` by entry point, as the other batch commands. Bad input exits 2
(a :class:`skibidy.errors.SkibidyError`) before anything is queued. ``attach`` exits 0 when
the job ended with every run ok, 1 when some runs (or the job) failed, 3 when it was
cancelled, 130 when detached with Ctrl-C (the job goes on). ``--scheduler`` defaults to
``DASK_SCHEDULER_ADDRESS``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import getpass
import json
import sys
import time
from pathlib import Path
from typing import Any

from skibidy.errors import SkibidyError

__all__ = [
    "register_attach",
    "register_cancel",
    "register_fetch",
    "register_jobs",
    "register_serve",
    "register_status",
    "register_submit",
]

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_CANCELLED, EXIT_DETACHED = 0, 1, 2, 3, 130


def _scheduler_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scheduler", metavar="ADDR",
                   help="the Dask scheduler beside which 'skibidy serve' runs (default: DASK_SCHEDULER_ADDRESS)")


def register_serve(sub: Any) -> None:
    """Add ``skibidy serve``."""
    p = sub.add_parser("serve", help="run the job service beside a Dask scheduler",
                       description="Run queued sweeps (skibidy submit) on the cluster; keep the "
                       "job table in ROOT/.skibidy-jobs and the results under ROOT.")
    _scheduler_option(p)
    p.add_argument("--root", default="results", metavar="DIR", help="shared results storage (default results)")
    p.add_argument("--max-jobs", type=int, default=4, metavar="K", help="jobs running at once (default 4)")
    p.set_defaults(func=cmd_serve)


def register_submit(sub: Any) -> None:
    """Add ``skibidy submit``."""
    p = sub.add_parser("submit", help="queue a sweep in the job service",
                       description="Check a sweep config as 'skibidy sweep' does and queue it in the "
                       "job service; returns once queued.")
    p.add_argument("config", help="sweep config (TOML)")
    _scheduler_option(p)
    p.add_argument("--out", metavar="DIR", help="results directory on the service's storage (relative: under its --root)")
    p.add_argument("--priority", type=int, default=0, metavar="N", help="higher runs first (default 0)")
    p.add_argument("--owner", default=None, metavar="NAME", help="who the job is for (default: your login name)")
    p.add_argument("-n", type=int, default=None, metavar="N", help="replicates per point")
    p.add_argument("--seed", type=int, default=None, metavar="N", help="root seed")
    p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE", help="fix a parameter (repeatable)")
    p.add_argument("--retries", type=int, default=0, metavar="K", help="extra attempts for runs that raise")
    p.add_argument("--run-timeout", type=float, default=None, metavar="SECONDS",
                   help="time one run may take (default: 60 s + 5 s per simulated day)")
    p.add_argument("--runs-per-task", type=int, default=None, metavar="K", help="runs per Dask task")
    p.add_argument("--no-raw", action="store_true", help="do not write raw/ per-run CSV files")
    p.set_defaults(func=cmd_submit)


def register_jobs(sub: Any) -> None:
    """Add ``skibidy jobs``."""
    p = sub.add_parser("jobs", help="list the job service's jobs")
    _scheduler_option(p)
    p.add_argument("--json", action="store_true", help="one JSON list")
    p.set_defaults(func=cmd_jobs)


def register_status(sub: Any) -> None:
    """Add ``skibidy status``."""
    p = sub.add_parser("status", help="one job's state and progress")
    p.add_argument("job", metavar="JOB")
    _scheduler_option(p)
    p.add_argument("--json", action="store_true", help="the record as JSON")
    p.set_defaults(func=cmd_status)


def register_attach(sub: Any) -> None:
    """Add ``skibidy attach``."""
    p = sub.add_parser("attach", help="follow a job with a progress bar (Ctrl-C detaches)")
    p.add_argument("job", metavar="JOB")
    _scheduler_option(p)
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_attach)


def register_cancel(sub: Any) -> None:
    """Add ``skibidy cancel``."""
    p = sub.add_parser("cancel", help="cancel a job (its cube can be resumed with skibidy sweep --resume)")
    p.add_argument("job", metavar="JOB")
    _scheduler_option(p)
    p.set_defaults(func=cmd_cancel)


def register_fetch(sub: Any) -> None:
    """Add ``skibidy fetch``."""
    p = sub.add_parser("fetch", help="copy a job's results over the cluster connection")
    p.add_argument("job", metavar="JOB")
    p.add_argument("dest", metavar="DEST", help="local directory to copy into")
    _scheduler_option(p)
    p.set_defaults(func=cmd_fetch)


# -- handlers ----------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace) -> int:
    """``skibidy serve``."""
    from orchestration.jobs import scheduler_address
    from orchestration.service import serve

    if args.max_jobs < 1:
        raise SkibidyError(f"--max-jobs must be at least 1, got {args.max_jobs}")
    return serve(scheduler_address(args.scheduler), args.root, max_jobs=args.max_jobs)


def cmd_submit(args: argparse.Namespace) -> int:
    """``skibidy submit``: check locally, queue, print the job id and results directory."""
    from orchestration.jobs import connect, planned_spec, submit_request
    from orchestration.spec import load_sweep

    path = Path(args.config)
    options = {"n": args.n, "seed": args.seed, "set": list(args.set), "retries": args.retries,
               "runs_per_task": args.runs_per_task, "run_timeout": args.run_timeout,
               "raw": not args.no_raw, "out": args.out,
               "priority": args.priority, "owner": args.owner or getpass.getuser()}
    spec = planned_spec(load_sweep(path), options)  # the very checks and messages of 'skibidy sweep'
    text = path.read_text(encoding="utf-8")
    client = connect(args.scheduler)
    try:
        reply = submit_request(client, text, path.name, options)
    finally:
        client.close()
    print(f"submitted {spec.name}: {spec.n_runs} runs, priority {args.priority}, owner {options['owner']}")
    print(f"Job: {reply['job']}")
    print(f"Results: {reply['directory']}", flush=True)
    return EXIT_OK


def _when(t: Any) -> str:
    if not t:
        return "-"
    return _dt.datetime.fromtimestamp(float(t), tz=_dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _eta(job: dict[str, Any]) -> str:
    eta = job.get("eta_s")
    if job["state"] != "running" or eta is None:
        return "-"
    return f"{float(eta):.0f}s"


def cmd_jobs(args: argparse.Namespace) -> int:
    """``skibidy jobs``: one line per job."""
    from orchestration.jobs import all_jobs, connect, find_service

    client = connect(args.scheduler)
    try:
        find_service(client)
        jobs = all_jobs(client)
    finally:
        client.close()
    if args.json:
        print(json.dumps(jobs, indent=2, sort_keys=True))
        return EXIT_OK
    header = f"{'ID':<32} {'NAME':<20} {'OWNER':<10} {'PRIO':>4} {'STATE':<9} {'OK':>5} {'FAIL':>5} {'TOTAL':>6} {'STARTED':<19} {'ETA':>6}  RESULTS"
    print(header)
    for j in jobs:
        print(f"{j['id']:<32} {j['name'][:20]:<20} {str(j['owner'])[:10]:<10} {j['priority']:>4} {j['state']:<9} "
              f"{j['ok']:>5} {j['failed']:>5} {j['total']:>6} {_when(j.get('started')):<19} {_eta(j):>6}  {j['directory']}")
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    """``skibidy status JOB``."""
    from orchestration.jobs import _job_record, connect

    client = connect(args.scheduler)
    try:
        job = _job_record(client, args.job)
    finally:
        client.close()
    if args.json:
        print(json.dumps(job, indent=2, sort_keys=True))
        return EXIT_OK
    for key, value in (
        ("Job", job["id"]), ("Name", job["name"]), ("Owner", job["owner"]), ("Priority", job["priority"]),
        ("State", job["state"]), ("Runs", f"{job['ok']} ok, {job['failed']} failed, {job['total']} total"),
        ("Submitted", _when(job.get("submitted"))), ("Started", _when(job.get("started"))),
        ("Finished", _when(job.get("finished"))), ("ETA", _eta(job)), ("Error", job.get("error") or "-"),
        ("Results", job["directory"]),
    ):
        print(f"{key + ':':<11}{value}")
    return EXIT_OK


def exit_code(job: dict[str, Any]) -> int:
    """The exit code of ``attach`` for an ended job: 0 all ok, 1 failures, 3 cancelled."""
    if job["state"] == "cancelled":
        return EXIT_CANCELLED
    if job["state"] == "failed" or int(job.get("failed", 0)):
        return EXIT_FAILED
    return EXIT_OK


def cmd_attach(args: argparse.Namespace) -> int:
    """``skibidy attach JOB``: follow until the job ends; Ctrl-C detaches (never cancels)."""
    from tqdm.auto import tqdm

    from orchestration.jobs import FINAL_STATES, _job_record, connect

    client = connect(args.scheduler)
    bar = None
    try:
        job = _job_record(client, args.job)
        # runs already done when we attach are the bar's start, so its rate is this session's
        first = int(job["ok"]) + int(job["failed"])
        bar = tqdm(total=int(job["total"]), initial=first, unit="run", desc=job["id"],
                   dynamic_ncols=True, disable=args.no_progress)
        while True:
            done = int(job["ok"]) + int(job["failed"])
            bar.total = int(job["total"])
            if done > bar.n:
                bar.update(done - bar.n)
            bar.set_postfix_str(f"{job['state']} ok={job['ok']} failed={job['failed']}", refresh=False)
            bar.refresh()
            if job["state"] in FINAL_STATES:
                break
            time.sleep(0.1)
            job = _job_record(client, args.job)
    except KeyboardInterrupt:
        if bar is not None:
            bar.close()
        print(f"\nDetached; job {args.job} goes on. Follow it again with: skibidy attach {args.job}",
              file=sys.stderr, flush=True)
        return EXIT_DETACHED
    finally:
        if bar is not None:
            bar.close()
        client.close()
    print(f"job {job['id']} {job['state']}: {job['ok']} runs ok, {job['failed']} failed of {job['total']}"
          + (f" ({job['error']})" if job.get("error") else ""))
    if job["state"] == "cancelled":
        print(f"Resume with: skibidy sweep --resume {job['directory']}")
    print(f"Results: {job['directory']}", flush=True)
    return exit_code(job)


def cmd_cancel(args: argparse.Namespace) -> int:
    """``skibidy cancel JOB``: ask the service to stop the job; wait until it has."""
    from orchestration.jobs import FINAL_STATES, _job_record, cancel_job, connect

    client = connect(args.scheduler)
    try:
        job = cancel_job(client, args.job)
        if job["state"] in FINAL_STATES:
            print(f"job {args.job} has already ended ({job['state']})")
            return EXIT_OK
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            job = _job_record(client, args.job)
            if job["state"] in FINAL_STATES:
                break
            time.sleep(0.1)
    finally:
        client.close()
    print(f"job {args.job} {job['state']}: {job['ok']} runs ok, {job['failed']} failed of {job['total']}")
    print(f"Resume with: skibidy sweep --resume {job['directory']}")
    print(f"Results: {job['directory']}", flush=True)
    return EXIT_OK


def cmd_fetch(args: argparse.Namespace) -> int:
    """``skibidy fetch JOB DEST``: copy the cube and products through the cluster."""
    from orchestration.jobs import connect, fetch_job

    dest = Path(args.dest)
    if dest.exists() and any(dest.iterdir()):
        raise SkibidyError(f"{args.dest!r} exists and is not empty; give a new or empty directory")
    client = connect(args.scheduler)
    try:
        fetch_job(client, args.job, dest)
    finally:
        client.close()
    print(f"Results: {dest}", flush=True)
    return EXIT_OK
