"""The Python API: run a sweep or a consensus batch into a results directory.

Used by the command line and by notebooks. When a ``distributed.Client`` is active in the
process it is used; otherwise a client is made as the command line does (scheduler
address by precedence, else an embedded LocalCluster that is closed afterwards).
"""

from __future__ import annotations

import json
import os
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import xarray as xr

from orchestration import cluster as _cluster
from orchestration.execute import ExecutionControl, ExecutionReport, execute, storage_failure
from orchestration.lock import LOCK_NAME, exclusive
from orchestration.spec import SpecError, SweepSpec, batch_spec, load_sweep
from orchestration.store import STORE_NAME, ResultStore, is_result_dir, open_results, stored_spec

__all__ = ["run_sweep", "run_batch", "analyze", "plan_output", "Outcome", "run_spec"]


class OutputError(SpecError):
    """The output directory cannot be used."""


@dataclass
class Outcome:
    """Result of :func:`run_spec`: where the cube is, what happened, what was written."""

    directory: Path
    report: ExecutionReport
    resumed: bool
    files: list[Path] = field(default_factory=list)
    summary: Any = None


# -- output directory -------------------------------------------------------------------


def _writable(path: Path) -> bool:
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            return False
        probe = probe.parent
    return probe.is_dir() and os.access(probe, os.W_OK | os.X_OK)


def _unstarted(d: Path, spec: SweepSpec) -> bool:
    """True if ``d`` holds only the first files of this very spec (no cube yet)."""
    names = {p.name for p in d.iterdir()} - {LOCK_NAME}
    if not names or not names <= {"config.toml", "spec.json", ".results.zarr.partial"}:
        return False
    try:
        return json.loads((d / "spec.json").read_text())["hash"] == spec.hash
    except (OSError, ValueError, KeyError):
        return False


def default_directory(spec: SweepSpec, root: str | Path = "results") -> Path:
    """``results/<name>_<YYYYmmdd_HHMMSS>`` (a suffix is added if it exists)."""
    stamp = time.strftime("%Y%m%d_%H%M%S")
    base = Path(root) / f"{spec.name}_{stamp}"
    path, k = base, 1
    while path.exists():
        k += 1
        path = base.with_name(f"{base.name}_{k}")
    return path


def plan_output(
    spec: SweepSpec | None,
    out: str | Path | None = None,
    resume: str | Path | None = None,
) -> tuple[SweepSpec, Path, bool]:
    """Decide the results directory and whether this continues an earlier run.

    Checks everything before anything is created: a resumed directory must hold a cube
    of the same spec (hash); an existing ``out`` must be empty or such a cube; the
    location must be writable.

    Returns
    -------
    (spec, directory, resuming)
    """
    if resume is not None:
        d = Path(resume)
        if not is_result_dir(d) and (d / "spec.json").is_file():
            try:
                started = SweepSpec.from_dict(json.loads((d / "spec.json").read_text()))
            except (OSError, ValueError, KeyError, TypeError):
                started = None
            if started is not None and _unstarted(d, started):
                if spec is not None and spec.hash != started.hash:
                    raise OutputError(
                        f"cannot resume {str(d)!r}: it was started for a different sweep "
                        f"(spec hash {started.hash[:12]}, this config {spec.hash[:12]})"
                    )
                return started if spec is None else spec, d, False  # no cube yet: afresh
        if not is_result_dir(d):
            raise OutputError(
                f"cannot resume {str(d)!r}: it is not a results directory (no results.zarr); "
                "give the directory printed as 'Results:' by the interrupted command"
            )
        stored = stored_spec(d)
        if spec is not None and spec.hash != stored.hash:
            raise OutputError(
                f"cannot resume {str(d)!r}: it holds a different sweep (spec hash "
                f"{stored.hash[:12]}, this config {spec.hash[:12]}); resume without CONFIG "
                "and options, or give the same config, -n and --seed as the original"
            )
        if not _writable(d) or not os.access(d / "results.zarr", os.W_OK):
            raise OutputError(f"cannot resume {str(d)!r}: it is not writable; fix its permissions")
        return stored if spec is None else spec, d, True
    if spec is None:
        raise SpecError("give a sweep config (or --resume DIR)")
    d = Path(out) if out is not None else default_directory(spec)
    for parent in d.absolute().parents:
        if parent.name == STORE_NAME or is_result_dir(parent):
            shown = parent if d.is_absolute() else Path(os.path.relpath(parent))
            raise OutputError(
                f"output directory {str(d)!r} is inside the results directory {str(shown)!r}; "
                "choose an --out outside it"
            )
    if d.exists():
        if not d.is_dir():
            raise OutputError(f"--out {str(d)!r} is a file, not a directory; give a directory for the results")
        if is_result_dir(d):
            stored = stored_spec(d)
            if stored.hash == spec.hash:
                if not os.access(d, os.W_OK):
                    raise OutputError(f"output directory {str(d)!r} is not writable; fix its permissions")
                return spec, d, True
            raise OutputError(
                f"output directory {str(d)!r} already holds results of a different sweep "
                f"(spec hash {stored.hash[:12]}); choose another --out, or delete it yourself"
            )
        if d.is_dir() and _unstarted(d, spec):
            return spec, d, False  # interrupted before its cube was created: start afresh
        if any(p.name != LOCK_NAME for p in d.iterdir()):
            raise OutputError(
                f"output directory {str(d)!r} exists and is not empty; choose another --out "
                "(nothing there is overwritten)"
            )
    if not _writable(d):
        raise OutputError(
            f"cannot write the output directory {str(d)!r} (permission denied or not a "
            "directory on the way); choose a writable --out"
        )
    return spec, d, False


# -- running ----------------------------------------------------------------------------


def _config_text(spec: SweepSpec) -> str:
    if spec.text:
        return spec.text
    from skibidy import load_config

    config = load_config(skin=spec.skin, preset=spec.preset, overrides=dict(spec.overrides))
    head = (
        f"# skibidy batch: {spec.runs_per_value} runs, skin={spec.skin}, preset={spec.preset}, "
        f"root seed {spec.seed}\n# The full simulator config of every run:\n"
    )
    return head + config.to_toml()


def run_spec(
    spec: SweepSpec,
    directory: Path,
    resuming: bool,
    *,
    client: Any = None,
    choice: _cluster.ClusterChoice | None = None,
    retries: int = 0,
    retry_failed: bool = False,
    raw: bool = True,
    progress: bool = True,
    quiet: bool = False,
    validate: bool = False,
    runs_per_task: int | None = None,
    announce: Callable[[], None] | None = None,
    run_timeout: float | None = None,
    control: ExecutionControl | None = None,
) -> Outcome:
    """Run (or continue) a planned spec into ``directory`` and write its products.

    Bad input must have been checked (:func:`plan_output`, the spec) before calling.
    ``announce`` is called once connected, before anything is written. The folder's
    exclusive lock (:mod:`orchestration.lock`) is held throughout: a second writer
    gets :class:`~orchestration.lock.FolderBusy` before its cluster starts. ``control``
    (:class:`~orchestration.execute.ExecutionControl`) is passed on to the execution.
    """
    with exclusive(directory, f"skibidy {spec.kind} {spec.name}"):
        # under the lock, the folder cannot change any more: decide again what it holds
        spec, directory, resuming = plan_output(spec, directory, directory if resuming else None)
        try:
            return _run_locked(
                spec, directory, resuming, client=client, choice=choice, retries=retries,
                retry_failed=retry_failed, raw=raw, progress=progress, quiet=quiet,
                validate=validate, runs_per_task=runs_per_task, announce=announce,
                run_timeout=run_timeout, control=control,
            )
        except OSError as exc:  # creating the cube, recording the session, the products
            failure = storage_failure(exc, directory)
            if failure is None:
                raise
            raise failure from exc


def _run_locked(
    spec: SweepSpec,
    directory: Path,
    resuming: bool,
    *,
    client: Any,
    choice: _cluster.ClusterChoice | None,
    retries: int,
    retry_failed: bool,
    raw: bool,
    progress: bool,
    quiet: bool,
    validate: bool,
    runs_per_task: int | None,
    announce: Callable[[], None] | None,
    run_timeout: float | None,
    control: ExecutionControl | None = None,
) -> Outcome:
    _prefetch_imports()
    announce = announce or (lambda: None)
    if resuming:
        _check_software(directory, quiet)
        _repair(directory, quiet)
    if client is None:
        client = _cluster.active_client()
    if client is not None:
        announce()
        report = _execute_into(
            spec, directory, resuming, client, retries, retry_failed, progress, runs_per_task,
            run_timeout, control,
        )
    else:
        choice = choice or _cluster.choose(config_cluster=dict(spec.cluster))
        with _cluster.connect(choice, quiet=quiet) as new_client:
            announce()
            report = _execute_into(
                spec, directory, resuming, new_client, retries, retry_failed, progress,
                runs_per_task, run_timeout, control,
            )
    outcome = Outcome(directory, report, resuming)
    import dask

    # The cube is on this machine's disk: reduce it here, not on the (maybe remote) workers
    # of a client that is still active, e.g. in a notebook.
    with dask.config.set(scheduler="threads"):
        outcome.summary, outcome.files = analyze(directory, raw=raw, validate=validate)
    return outcome


def _check_software(directory: Path, quiet: bool) -> None:
    """Before resuming: the same simulator version (else OutputError), warn about the rest."""
    import sys

    from orchestration.provenance import compare
    from orchestration.store import stored_attrs

    found = compare(stored_attrs(directory), directory)
    if found.error:
        raise OutputError(found.error)
    if not quiet:
        for line in found.warnings:
            print(f"warning: {line}", file=sys.stderr, flush=True)


def _repair(directory: Path, quiet: bool) -> None:
    """Before resuming: find damaged chunks and reset exactly their runs to pending."""
    import sys

    from orchestration.integrity import describe, repair, scan

    for _ in range(3):  # restored metadata can reveal chunks that could not be read before
        damage = scan(directory)
        if not damage:
            return
        reset = repair(directory, damage)
        if not quiet:
            lines = describe(damage)
            print(
                f"warning: {directory} was damaged ({len(damage)} piece(s): {lines[0]}"
                + (f"; and {len(lines) - 1} more" if len(lines) > 1 else "")
                + f"); repaired, {len(reset)} run(s) will be computed again",
                file=sys.stderr, flush=True,
            )


def _execute_into(
    spec: SweepSpec,
    directory: Path,
    resuming: bool,
    client: Any,
    retries: int,
    retry_failed: bool,
    progress: bool,
    runs_per_task: int | None = None,
    run_timeout: float | None = None,
    control: ExecutionControl | None = None,
) -> ExecutionReport:
    _prefetch(client)
    if not resuming:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "config.toml").write_text(_config_text(spec), encoding="utf-8")
        (directory / "spec.json").write_text(json.dumps(spec.to_dict(), indent=2), encoding="utf-8")
        scheduler = getattr(getattr(client, "scheduler", None), "address", "") or ""
        ResultStore.create(directory, spec, scheduler=scheduler)
    store = ResultStore(directory)
    todo = store.pending(retry_failed=retry_failed)
    from orchestration.provenance import session

    scheduler = getattr(getattr(client, "scheduler", None), "address", "") or ""
    store.record_session(session(resumed=resuming, scheduler=scheduler, runs_todo=len(todo)))
    return execute(
        client, store, todo, retries=retries, progress=progress, runs_per_task=runs_per_task,
        run_timeout=run_timeout, control=control,
    )


def _prefetch(client: Any) -> None:
    """Warm up while the template is written (speed only): the workers import the
    simulator now rather than in their first task."""
    try:
        client.run(_import_simulator, wait=False, on_error="ignore")
    except Exception:  # the first task imports it anyway
        pass


def _prefetch_imports() -> None:
    """Import what the template and the figures need in a daemon thread (speed only),
    while the cluster starts and the runs execute: about 1.5 s off a sweep's wall time."""
    threading.Thread(target=_import_heavy, name="skibidy-prefetch", daemon=True).start()


async def _import_simulator() -> None:
    # A coroutine: Dask runs only coroutines with wait=False (else the worker logs an error).
    import skibidy.engine  # noqa: F401


def _import_heavy() -> None:
    try:
        import dask.array  # noqa: F401  (the template)
        import xarray.backends.zarr  # noqa: F401
        import matplotlib.backends.backend_agg  # noqa: F401  (the figures)
        import matplotlib.figure  # noqa: F401
    except Exception:  # whoever needs them reports import errors later
        pass


def analyze(
    directory: str | Path, *, raw: bool = True, validate: bool = False, sensitivity: bool = False
) -> tuple[Any, list[Path]]:
    """Write summary.csv, plots, failures.csv (and raw CSVs, consensus files, validation).

    ``sensitivity=True`` adds the indices of a sampled design (``sensitivity.csv``,
    ``sensitivity_time.csv`` and their figures, see :mod:`orchestration.sensitivity`);
    a design that supports none raises :class:`~orchestration.sensitivity.NoSensitivity`
    before anything is written.

    Returns
    -------
    (summary table, written files)
    """
    from orchestration.integrity import DamagedStore, scan

    d = Path(directory)
    _refuse_damaged(d, scan(d, read=False))
    if sensitivity:
        _check_sensitivity(stored_spec(d))
    try:
        return _analyze(d, raw=raw, validate=validate, sensitivity=sensitivity)
    except DamagedStore:
        raise
    except Exception:
        _refuse_damaged(d, scan(d))  # a chunk that does not decode: say which
        raise


def _refuse_damaged(d: Path, damage: list[Any]) -> None:
    from orchestration.integrity import DamagedStore, describe

    if damage:
        kind = stored_spec(d).kind
        raise DamagedStore(
            f"{d} is damaged ({len(damage)} piece(s), e.g. {describe(damage)[0]}); list them "
            f"with 'skibidy verify {d}', recompute their runs with 'skibidy {kind} --resume {d}'"
        )


def _check_sensitivity(spec: SweepSpec) -> None:
    from orchestration.sensitivity import INDICES, NoSensitivity

    if spec.design.method not in INDICES:
        raise NoSensitivity(
            f"--sensitivity needs a sampled design, but this cube is a "
            f"{spec.design.method if spec.params else 'batch'}; sample the parameters with "
            "[sweep.design] method = \"sobol\", \"morris\" or \"lhs\""
        )


def _analyze(d: Path, *, raw: bool, validate: bool, sensitivity: bool = False) -> tuple[Any, list[Path]]:
    from orchestration import plots, products
    from orchestration.outcomes import outcome_stats

    ds = open_results(d)
    spec = stored_spec(d)
    files: list[Path] = []
    stats = outcome_stats(ds, spec.outcomes)
    summary = products.write_summary(ds, spec, d, stats)
    files += [d / "summary.csv", d / "summary_columns.csv"]
    if raw:
        products.write_raw(d)
    failures = products.write_failures(d)
    if len(failures):
        files.append(d / "failures.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if spec.kind == "batch":
            mean = products.write_consensus(ds, d)
            files += [d / "metrics.csv", d / "consensus.csv"]
            if len(mean):
                files.append(plots.plot_consensus(ds, spec.outcomes.metrics, d / "consensus.png"))
        else:
            files += plots.plot_all(stats, d)
        if validate and spec.model == "skibidy":
            files += validate_results(d, ds, spec)
        if sensitivity:
            from orchestration.sensitivity import write_sensitivity

            files += write_sensitivity(d)
    return summary, files


def _condition(spec: SweepSpec, point: Mapping[str, Any]) -> str:
    """``diabetic`` when the run's config has diabetic mode on, else ``normal``."""
    from skibidy import load_config

    from orchestration.spec import resolve_point

    skin, preset, ov = resolve_point(spec, point)
    config = load_config(skin=skin, preset=preset, overrides=ov)
    return "diabetic" if config.get("skin.diabetic.mode", False) else "normal"


MAX_DASHBOARDS = 24
"""Dashboards drawn per sweep (the first points); validation.json covers every point."""


def validate_results(directory: Path, ds: xr.Dataset, spec: SweepSpec) -> list[Path]:
    """Literature validation of the mean curve (batch) or of each point's mean curve."""
    import numpy as np
    import skibidy
    from skibidy.validation import plot_dashboard

    from orchestration.products import mean_curve
    from orchestration.store import STATUS_OK

    made: list[Path] = []
    if not spec.params:
        mean = mean_curve(ds)
        cond = _condition(spec, {})
        rep = skibidy.validate(mean, condition=cond)
        out = directory / "validation.json"
        out.write_text(json.dumps({"condition": cond, **_plain(rep.to_dict())}, indent=2, default=str))
        plot_dashboard(mean, cond, directory / "validation.png")
        return [out, directory / "validation.png"]
    from orchestration.design import Design

    vdir = directory / "validation"
    vdir.mkdir(exist_ok=True)
    reports = []
    dims = [a.name for a in spec.axes]
    design = Design(spec)
    for flat, point in design.iter_points():
        if spec.is_grid:
            idx = np.unravel_index(flat, design.grid_shape)
            sub = ds.isel({d: int(i) for d, i in zip(dims, idx)})
        else:
            sub = ds.isel(point=flat)
        mean = mean_curve(sub)
        if not len(mean):
            continue
        cond = _condition(spec, point)
        rep = skibidy.validate(mean, condition=cond)
        reports.append({"point": point, "condition": cond, **_plain(rep.to_dict())})
        if len(made) < MAX_DASHBOARDS:
            png = vdir / f"pt{flat:03d}.png"
            shown = ", ".join(f"{k} = {_shown(v)}" for k, v in point.items())
            runs = int((sub["status"] == STATUS_OK).sum())
            plot_dashboard(mean, cond, png, subtitle=f"point {flat}: {shown} (mean of {runs} runs)")
            made.append(png)
    out = directory / "validation.json"
    out.write_text(json.dumps(reports, indent=2, default=str))
    return [out, *made]


def _shown(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _plain(d: Mapping[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(dict(d), default=str))


# -- public entry points ----------------------------------------------------------------


def run_sweep(
    spec: SweepSpec | str | Path,
    out: str | Path | None = None,
    *,
    client: Any = None,
    scheduler: str | None = None,
    workers: int | None = None,
    timeout: float | None = None,
    runs_per_value: int | None = None,
    seed: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    resume: bool = False,
    retries: int = 0,
    retry_failed: bool = False,
    raw: bool = True,
    progress: bool = True,
    runs_per_task: int | None = None,
    trust_config_cluster: bool = False,
    run_timeout: float | None = None,
) -> xr.Dataset:
    """Run a parameter sweep and return its result cube (lazy).

    Parameters
    ----------
    spec : SweepSpec or path
        The sweep (a path is read with :func:`~orchestration.load_sweep`).
    out : path, optional
        Results directory (default ``results/<name>_<timestamp>``). If it already holds
        results of the same sweep, the sweep continues there.
    client : distributed.Client, optional
        Default: the active client, else the scheduler by precedence, else a LocalCluster.
    runs_per_value, seed, overrides
        Replace ``runs_per_value``, the root seed, add fixed parameter overrides.
    resume : bool
        Require ``out`` to be an interrupted run of this sweep and continue it.
    retries : int
        Extra attempts for runs that raise.
    retry_failed : bool
        When continuing, rerun the runs that had failed.
    runs_per_task : int, optional
        Runs per Dask task (default: the config's, else automatic).
    trust_config_cluster : bool
        Let the config's ``[cluster]`` choose the scheduler (or a SLURM job script's
        ``python``/``job_extra``/``tls = false``); see :mod:`orchestration.trust`.
    run_timeout : float, optional
        Seconds one run may take (default: generous, from the simulated duration; see
        :func:`~orchestration.timeouts.default_run_timeout`); a run past it is recorded
        with status ``timeout``.

    Returns
    -------
    xarray.Dataset
        See :func:`~orchestration.open_results`.

    Examples
    --------
    >>> ds = run_sweep("configs/cytokine_rate.toml", runs_per_value=2)  # doctest: +SKIP
    >>> ds.wound_closure_pct.sel(time=ds.time[-1]).mean("replicate")  # doctest: +SKIP
    """
    if not isinstance(spec, SweepSpec):
        spec = load_sweep(spec)
    spec = spec.with_options(runs_per_value=runs_per_value, seed=seed, overrides=overrides)
    choice = None
    if client is None and _cluster.active_client() is None:
        from orchestration.security import secure_choice

        table = dict(spec.cluster)
        choice = secure_choice(
            _cluster.choose(scheduler, table, workers, timeout, trust_config=trust_config_cluster),
            None, table,
        )
    spec, directory, resuming = plan_output(spec, out, out if resume else None)
    from orchestration.estimate import check, estimate

    check(estimate(spec, raw=raw), directory, yes=True, fresh=not resuming)
    outcome = run_spec(
        spec, directory, resuming, client=client, choice=choice, retries=retries,
        retry_failed=retry_failed, raw=raw, progress=progress, runs_per_task=runs_per_task,
        run_timeout=run_timeout,
    )
    return open_results(outcome.directory)


def run_batch(
    runs: int = 20,
    *,
    skin: str = "normal",
    preset: str = "wound",
    overrides: Mapping[str, Any] | None = None,
    seed: int = 0,
    out: str | Path | None = None,
    client: Any = None,
    scheduler: str | None = None,
    workers: int | None = None,
    timeout: float | None = None,
    retries: int = 0,
    raw: bool = True,
    validate: bool = False,
    progress: bool = True,
) -> xr.Dataset:
    """Run ``runs`` seeded simulations of one config (consensus); return the cube.

    The cube has dims ``(replicate, time)``; ``metrics.csv`` and ``consensus.csv`` hold
    the mean curve and mean/std per column.

    Examples
    --------
    >>> ds = run_batch(5, overrides={"skin.duration_days": 2})  # doctest: +SKIP
    """
    spec = batch_spec(runs=runs, skin=skin, preset=preset, overrides=overrides, seed=seed)
    choice = None
    if client is None and _cluster.active_client() is None:
        choice = _cluster.choose(scheduler, None, workers, timeout)
    if out is None:
        out = default_directory(spec)
    spec, directory, resuming = plan_output(spec, out)
    from orchestration.estimate import check, estimate

    check(estimate(spec, raw=raw), directory, yes=True, fresh=not resuming)
    outcome = run_spec(
        spec, directory, resuming, client=client, choice=choice, retries=retries,
        raw=raw, progress=progress, validate=validate,
    )
    return open_results(outcome.directory)
