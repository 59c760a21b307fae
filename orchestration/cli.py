"""Subcommands of the batch system, registered into ``skibidy`` by entry point.

``skibidy batch``, ``skibidy sweep CONFIG`` and ``skibidy analyze DIR``. All bad input is
found before a cluster starts or a directory is created, and reported as one line with
exit code 2 (by raising :class:`skibidy.errors.SkibidyError`). Exit code 1 means some runs
failed, 130 an interrupt (after which the printed resume command continues the run).
"""

from __future__ import annotations

import argparse
import math
import shlex
import sys
from pathlib import Path
from typing import Any

from skibidy.errors import SkibidyError

__all__ = ["register_batch", "register_sweep", "register_analyze", "register_verify"]

EXIT_OK, EXIT_FAILED_RUNS, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_CLUSTER_LOST = 3
"""The Dask scheduler or the connection to it was lost mid-sweep (everything received is written)."""
EXIT_STORAGE = 4
"""The results could not be written (disk full, I/O error); what was written is kept."""
Sub = "argparse._SubParsersAction[argparse.ArgumentParser]"


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    return value


def _add_analysis_option(p: argparse.ArgumentParser) -> None:
    # One option, two spellings: the same in 'sweep' and 'batch'.
    p.add_argument(
        "--analyze", "--validate", dest="analyze", action="store_true",
        help="print the whole summary table and compare with the literature curves "
        "(validation.json and dashboards; for a sweep, at every parameter point)",
    )


def _add_execution_options(p: argparse.ArgumentParser, *, default_out: str, from_config: bool) -> None:
    """The options of 'sweep' and 'batch'; ``from_config`` when a config file may set them."""
    g = p.add_argument_group("execution")
    g.add_argument("--out", metavar="DIR", help=f"results directory (default: {default_out})")
    g.add_argument("--workers", type=_positive_int, metavar="K", help="local worker processes (default: one per core)")
    g.add_argument(
        "--scheduler", metavar="ADDR",
        help="Dask scheduler, e.g. tcp://host:8786 (default: "
        + ("[cluster] in the config, then " if from_config else "")
        + "DASK_SCHEDULER_ADDRESS, then a local cluster)",
    )
    if from_config:
        g.add_argument(
            "--trust-config-cluster", action="store_true",
            help="let the config's [cluster] choose the scheduler, or the SLURM job script's "
            "python/job_extra/tls = false (a scheduler can run code in this process: only for "
            "configs you trust; see docs/security.md)",
        )
    else:
        p.set_defaults(trust_config_cluster=False)
    g.add_argument("--timeout", type=_positive_float, metavar="SECONDS", help="time allowed to connect to the scheduler (default 10)")
    g.add_argument(
        "--run-timeout", type=_positive_float, metavar="SECONDS",
        help="time one run may take; a run past it is stopped and recorded as 'timeout' "
        "(default: 60 s + 5 s per simulated day)",
    )
    g.add_argument("--retries", type=_positive_int, default=0, metavar="K", help="extra attempts for runs that raise (default 0)")
    g.add_argument("--resume", metavar="DIR", help="continue an interrupted run in DIR")
    g.add_argument("--retry-failed", action="store_true", help="with --resume: rerun failed runs too")
    g.add_argument("--no-raw", action="store_true", help="do not write raw/ per-run CSV files")
    g.add_argument("--seed", type=_positive_int, metavar="N",
                   help="root seed (default 0" + (", or 'seed' in the config)" if from_config else ")"))
    g.add_argument(
        "--set", action="append", default=[], metavar="PATH=VALUE",
        help="fix a parameter for every run, e.g. --set skin.duration_days=5 (repeatable)",
    )
    g.add_argument("--no-progress", action="store_true", help="no progress bar")
    g.add_argument(
        "--yes", action="store_true",
        help="run a grid larger than the confirmation limit (100 000 runs; Dask config "
        "skibidy.confirm-above)",
    )
    g.add_argument(
        "--runs-per-task", type=_positive_int, default=None, metavar="K",
        help="runs sent to a worker together (default: "
        + ("the config's, else " if from_config else "")
        + "automatic: about 0.2 s of simulation per task)",
    )
    from orchestration.security import add_tls_arguments

    add_tls_arguments(p)


def register_batch(sub: Any) -> None:
    p = sub.add_parser(
        "batch",
        help="N seeded runs of one config (consensus)",
        description="Run N simulations of one config with different seeds; write the result "
        "cube, raw/run_NNN.csv, metrics.csv (mean curve), consensus.csv (mean and std).",
    )
    p.add_argument("-n", type=_positive_int, default=None, metavar="N", help="number of runs (default 20)")
    p.add_argument("--skin", default="normal", help="skin profile (default normal)")
    p.add_argument("--preset", default="wound", help="scenario preset (default wound)")
    _add_analysis_option(p)
    _add_execution_options(p, default_out="results/consensus_<skin>_<preset>_<timestamp>/", from_config=False)
    p.set_defaults(func=cmd_batch)


def register_sweep(sub: Any) -> None:
    p = sub.add_parser(
        "sweep",
        help="a parameter sweep from a TOML config",
        description="Sweep one or more parameters (or skin/preset) with replicates at each "
        "point; write the result cube, summary.csv, raw CSVs and plots.",
    )
    p.add_argument("config", nargs="?", help="sweep config (TOML); optional with --resume")
    p.add_argument("-n", type=_positive_int, default=None, metavar="N", help="replicates per point (overrides runs_per_value)")
    _add_analysis_option(p)
    _add_execution_options(p, default_out="results/<name>_<timestamp>/, name: the config's, else its file name", from_config=True)
    p.set_defaults(func=cmd_sweep)


def register_analyze(sub: Any) -> None:
    p = sub.add_parser(
        "analyze",
        help="summary, plots and validation of a results directory",
        description="Recompute summary.csv, plots (and consensus files for a batch) from "
        "DIR/results.zarr; --validate adds the literature dashboard.",
    )
    p.add_argument("dir", metavar="DIR", help="a results directory")
    p.add_argument("--validate", action="store_true", help="compare with literature curves")
    p.add_argument("--no-raw", action="store_true", help="do not (re)write raw/ CSV files")
    p.add_argument(
        "--sensitivity", action="store_true",
        help="sensitivity indices of a sampled design (sobol, morris, lhs): sensitivity.csv, "
        "sensitivity_time.csv and figures",
    )
    p.set_defaults(func=cmd_analyze)


def register_verify(sub: Any) -> None:
    p = sub.add_parser(
        "verify",
        help="check a results directory for missing, truncated or corrupt chunks",
        description="Read every chunk of DIR/results.zarr (each carries a checksum) and "
        "report missing metadata, corrupt or truncated chunks, and data missing for runs "
        "marked done, with the runs each one holds. Exit 0: intact; 1: damage found "
        "(resume recomputes exactly those runs); 2: not a results directory.",
    )
    p.add_argument("dir", metavar="DIR", help="a results directory")
    p.set_defaults(func=cmd_verify)


# -- handlers ---------------------------------------------------------------------------


def _check_common(args: argparse.Namespace) -> None:
    if args.n is not None and args.n < 1:
        raise SkibidyError(f"-n must be at least 1, got {args.n}; give the number of runs, e.g. -n 5")
    if args.workers is not None and args.workers < 1:
        raise SkibidyError(f"--workers must be at least 1, got {args.workers}")
    if args.retries < 0:
        raise SkibidyError(f"--retries must be 0 or more, got {args.retries}")
    if args.seed is not None and args.seed < 0:
        raise SkibidyError(f"--seed must be a non-negative integer, got {args.seed}")
    if args.timeout is not None and not (0 < args.timeout < math.inf):
        raise SkibidyError(
            f"--timeout must be a positive, finite number of seconds, got {args.timeout}"
        )
    if args.run_timeout is not None and not (0 < args.run_timeout < math.inf):
        raise SkibidyError(
            f"--run-timeout must be a positive, finite number of seconds, got {args.run_timeout}"
        )
    if args.runs_per_task is not None and args.runs_per_task < 1:
        raise SkibidyError(f"--runs-per-task must be at least 1, got {args.runs_per_task}")
    if args.out is not None and args.resume:
        raise SkibidyError(
            f"--out {args.out} and --resume {args.resume} both name the results directory; "
            "a resumed run stays where it is: give only --resume DIR"
        )
    if args.retry_failed and not args.resume:
        raise SkibidyError("--retry-failed needs --resume DIR (the run whose failures to retry)")


def cmd_sweep(args: argparse.Namespace) -> int:
    from orchestration.spec import load_sweep, parse_set

    _check_common(args)
    spec = None
    if args.config is not None:
        spec = load_sweep(args.config)
        spec = spec.with_options(
            runs_per_value=args.n, seed=args.seed, overrides=parse_set(args.set) or None
        )
    elif not args.resume:
        raise SkibidyError("give a sweep config, e.g. 'skibidy sweep configs/cytokine_rate.toml' (or --resume DIR)")
    elif args.n is not None or args.seed is not None or args.set:
        raise SkibidyError("with --resume DIR and no CONFIG, -n, --seed and --set cannot change; drop them")
    return _run(args, spec, "sweep", analyze=args.analyze, validate=args.analyze)


def cmd_batch(args: argparse.Namespace) -> int:
    from orchestration.spec import batch_spec, parse_set

    _check_common(args)
    spec = None
    if not args.resume or args.n is not None or args.set or args.seed is not None:
        spec = batch_spec(
            runs=20 if args.n is None else args.n,
            skin=args.skin,
            preset=args.preset,
            overrides=parse_set(args.set),
            seed=args.seed or 0,
        )
    return _run(args, spec, "batch", analyze=args.analyze, validate=args.analyze)


def _run(args: argparse.Namespace, spec: Any, command: str, *, analyze: bool, validate: bool) -> int:
    from orchestration import cluster
    from orchestration.api import plan_output, run_spec
    from orchestration.execute import ClusterLost, Interrupted, StorageFailed

    spec, directory, resuming = plan_output(spec, args.out, args.resume)
    if resuming:
        stored_kind = spec.kind
        if stored_kind != command:
            raise SkibidyError(
                f"{str(directory)!r} holds a {stored_kind}, not a {command}; "
                f"use 'skibidy {stored_kind} --resume {directory}'"
            )
        if _complete(directory, retry_failed=args.retry_failed):
            return _refresh_complete(command, spec, directory, raw=not args.no_raw,
                                     analyze=analyze, validate=validate)
    from orchestration.estimate import check, estimate
    from orchestration.security import secure_choice

    cost = estimate(spec, raw=not args.no_raw)
    check(cost, directory, yes=args.yes, fresh=not resuming)
    table = dict(spec.cluster)
    choice = cluster.choose(
        args.scheduler, table, args.workers, args.timeout, trust_config=args.trust_config_cluster
    )
    choice = secure_choice(choice, args, table)
    def announce() -> None:
        print(
            f"{command} {spec.name}: {spec.n_runs} runs "
            f"({_points_text(spec)}"
            f"{spec.runs_per_value} replicates), spec {spec.hash[:12]}"
            + (f", resuming {directory}" if resuming else "")
            + f"; {cost.describe()}",
            flush=True,
        )

    import logging

    import distributed  # noqa: F401  (configures its loggers on import: before the change)

    # Every way a sweep can end is reported below in one place; the client's own log
    # lines (reconnection tracebacks after the scheduler has gone) would only bury it.
    logging.getLogger("distributed.client").setLevel(logging.CRITICAL)
    try:
        outcome = run_spec(
            spec, directory, resuming, choice=choice, retries=args.retries,
            retry_failed=args.retry_failed, raw=not args.no_raw, runs_per_task=args.runs_per_task,
            progress=not args.no_progress, validate=validate, announce=announce,
            run_timeout=args.run_timeout,
        )
    except Interrupted as exc:
        return _stopped(command, directory, f"Interrupted by {exc.signame}: everything received "
                        "was written.", EXIT_INTERRUPTED)
    except ClusterLost as exc:
        return _stopped(command, directory, f"The Dask cluster was lost ({exc.reason}): "
                        "everything received was written.", EXIT_CLUSTER_LOST)
    except StorageFailed as exc:
        return _stopped(command, directory, f"Cannot write the results in {directory} "
                        f"({exc.reason}): the runs written so far are kept; make room, then resume.",
                        EXIT_STORAGE)
    except KeyboardInterrupt:  # before the runs started: while the cluster or the folder was set up
        if (directory / "spec.json").is_file():
            return _stopped(command, directory, "Interrupted before any run finished.", EXIT_INTERRUPTED)
        raise
    rep = outcome.report
    rate = rep.runs_per_second
    print(
        f"{rep.ok} runs ok, {rep.errors} failed, {rep.lost} lost"
        + (f", {rep.timeouts} timed out" if rep.timeouts else "")
        + (f", {rep.already_done} done before" if rep.already_done else "")
        + (f" in {rep.elapsed_s:.1f} s ({rate:.2f} runs/s)" if rep.submitted else ""),
        flush=True,
    )
    return _finish(directory, outcome.summary, analyze=analyze, validate=validate)


def _finish(directory: Path, summary: Any, *, analyze: bool, validate: bool) -> int:
    """The end of every finished sweep or batch: summary, validation, failures, the folder."""
    if summary is not None and (analyze or len(summary) <= 40):
        _print_summary(summary)
    if validate:
        _print_validation(directory)
    status = _failure_report(directory)
    print(f"Results: {directory}", flush=True)
    return status


def _complete(directory: Path, *, retry_failed: bool) -> bool:
    """Whether a resumed folder has no run left to compute (and no damaged chunk)."""
    from orchestration.integrity import scan
    from orchestration.store import ResultStore

    try:
        if scan(directory):
            return False  # the ordinary resume repairs it and recomputes the damaged runs
        return not len(ResultStore(directory).pending(retry_failed=retry_failed))
    except Exception:  # unreadable: the ordinary resume reports it
        return False


def _refresh_complete(
    command: str, spec: Any, directory: Path, *, raw: bool, analyze: bool, validate: bool
) -> int:
    """``--resume`` of a finished folder: no cluster; rewrite the products from the cube.

    As any resume, it refuses a cube of another simulator version, warns about other
    library versions and records the session (with no run to do).
    """
    from orchestration.api import _check_software
    from orchestration.api import analyze as write_products
    from orchestration.lock import exclusive
    from orchestration.provenance import session
    from orchestration.store import ResultStore

    with exclusive(directory, f"skibidy {command} --resume"):
        _check_software(directory, quiet=False)
        print(f"{command} {spec.name}: all {spec.n_runs} runs in {directory} are done; nothing to "
              "compute (no cluster started). Summary and plots rewritten from the cube.", flush=True)
        ResultStore(directory).record_session(session(resumed=True, scheduler="", runs_todo=0))
        summary, _ = write_products(directory, raw=raw, validate=validate)
    return _finish(directory, summary, analyze=analyze, validate=validate)


def _points_text(spec: Any) -> str:
    """``"5 x 3 points x "`` (a grid), ``"84 points (morris) x "`` (another design), or ``""``."""
    if not spec.is_grid:
        return f"{spec.n_points} points ({spec.design.method}) x "
    return " x ".join(str(len(a)) for a in spec.axes) + " points x " if spec.axes else ""


def _stopped(command: str, directory: Path, why: str, code: int) -> int:
    """Report a sweep that ended early: why (stderr), the resume command and the folder."""
    resume = f"skibidy {command} --resume {shlex.quote(str(directory))}"
    print(f"\n{why}", file=sys.stderr, flush=True)
    print(f"Resume with: {resume}", flush=True)
    print(f"Results: {directory}", flush=True)
    return code


def _print_summary(table: Any) -> None:
    import pandas as pd

    cols = [c for c in table.columns if not c.endswith(("_ci95", "_n"))]
    shown = table if len(table) <= 60 else table.head(40)  # a sampled design has many points
    with pd.option_context("display.width", 160, "display.max_columns", 20, "display.precision", 4):
        print(shown[cols].to_string(index=False), flush=True)
    if len(shown) < len(table):
        print(f"... and {len(table) - len(shown)} more points (summary.csv has them all)", flush=True)


_VALIDATION_COLUMNS = (
    "closure_rmse", "inflammation_rmse_pct", "neutrophils_rmse_pct", "macrophages_rmse_pct",
    "myofibroblasts_rmse_pct", "collagen_rmse_pct", "t90_days_sim", "t90_days_ref",
)


def _print_validation(directory: Path) -> None:
    """Print validation.json: the full table for a batch, key figures per point for a sweep."""
    import json

    import pandas as pd
    from skibidy.validation import report_table

    path = Path(directory) / "validation.json"
    if not path.is_file():
        return
    data = json.loads(path.read_text())
    print(f"Literature validation ({path}):")
    if isinstance(data, dict):
        print(report_table(data), flush=True)
        return
    rows = [{**r["point"], "condition": r["condition"], **{k: r.get(k) for k in _VALIDATION_COLUMNS}}
            for r in data]
    with pd.option_context("display.width", 200, "display.max_columns", 30, "display.precision", 2):
        print(pd.DataFrame(rows).to_string(index=False), flush=True)


def _failure_report(directory: Path) -> int:
    from orchestration.products import failure_table

    failures = failure_table(Path(directory))
    if not len(failures):
        return EXIT_OK
    print(f"{len(failures)} run(s) failed (details in {Path(directory) / 'failures.csv'}):")
    for _, row in failures.head(10).iterrows():
        print(f"  run {row['run']} [{row['status']}] replicate {row['replicate']}: {row['error']}")
    if len(failures) > 10:
        print(f"  ... and {len(failures) - 10} more")
    print(f"Rerun them with: skibidy {_kind(directory)} --resume {shlex.quote(str(directory))} --retry-failed")
    return EXIT_FAILED_RUNS


def _kind(directory: Path) -> str:
    from orchestration.store import stored_spec

    return stored_spec(directory).kind


def cmd_analyze(args: argparse.Namespace) -> int:
    from orchestration.api import analyze
    from orchestration.store import is_result_dir

    d = Path(args.dir)
    if not d.is_dir():
        raise SkibidyError(f"results directory {args.dir!r} not found; give a directory printed as 'Results:'")
    if not is_result_dir(d):
        raise SkibidyError(
            f"{args.dir!r} is not a results directory (no results.zarr); give a directory "
            "written by 'skibidy sweep' or 'skibidy batch'"
        )
    from orchestration.execute import storage_failure
    from orchestration.lock import exclusive

    with exclusive(d, "skibidy analyze"):
        try:
            summary, files = analyze(
                d, raw=not args.no_raw, validate=args.validate,
                sensitivity=getattr(args, "sensitivity", False),
            )
        except OSError as exc:
            failure = storage_failure(exc, d)
            if failure is None:
                raise
            print(f"Cannot write in {d} ({failure.reason}); make room, then run "
                  f"'skibidy analyze {shlex.quote(str(d))}' again", file=sys.stderr)
            return EXIT_STORAGE
    _print_summary(summary)
    if args.validate:
        _print_validation(d)
    for f in files:
        print(f"wrote {f}")
    status = _failure_report(d)
    status = max(status, _pending_report(d))
    print(f"Results: {d}", flush=True)
    return status


def _pending_report(directory: Path) -> int:
    """Say so when runs are still pending (an unfinished sweep); exit code 1 then."""
    import numpy as np

    from orchestration.store import STATUS_PENDING, ResultStore

    status = ResultStore(directory).status()
    pending = int(np.count_nonzero(status == STATUS_PENDING))
    if not pending:
        return EXIT_OK
    kind = _kind(directory)
    print(
        f"{pending} of {status.size} runs are still pending (the {kind} did not finish); the "
        f"summary covers the finished runs only. Complete it with: skibidy {kind} --resume "
        f"{shlex.quote(str(directory))}",
        flush=True,
    )
    return EXIT_FAILED_RUNS


def cmd_verify(args: argparse.Namespace) -> int:
    import numpy as np

    from orchestration.integrity import describe, scan
    from orchestration.store import STATUS_NAMES, STORE_NAME, stored_spec

    d = Path(args.dir)
    if not d.is_dir():
        raise SkibidyError(f"results directory {args.dir!r} not found; give a directory printed as 'Results:'")
    if not (d / STORE_NAME).is_dir():
        raise SkibidyError(
            f"{args.dir!r} is not a results directory (no {STORE_NAME}); give a directory "
            "written by 'skibidy sweep' or 'skibidy batch'"
        )
    damage = scan(d)
    if not damage:
        from orchestration.store import ResultStore

        status = ResultStore(d).status()
        counts = ", ".join(
            f"{int(n)} {STATUS_NAMES.get(int(k), str(k))}" for k, n in zip(*np.unique(status, return_counts=True))
        )
        print(f"{d}: intact (every chunk decodes and matches its checksum); runs: {counts}")
        return EXIT_OK
    runs = sum(x.n_runs for x in damage)
    print(f"{d}: {len(damage)} damaged piece(s), holding {runs} run(s):")
    for line in describe(damage):
        print(f"  {line}")
    try:
        kind = stored_spec(d).kind
    except Exception:  # root attributes unreadable
        kind = "sweep"
    print(f"Recompute them with: skibidy {kind} --resume {shlex.quote(str(d))}")
    return EXIT_FAILED_RUNS
