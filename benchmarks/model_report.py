"""Model report: validation, replicate spread and the shipped questions.

From one command, on seeds not used for calibration:

(a) consensus RMSE (row-wise mean of the runs' tables, then ``skibidy.validate``): normal skin
    + "wound" preset and diabetic skin + "diabetic_wound" (their preset lengths, 30 / 42 d),
    with the closure phases and T50 / T90;
(b) single-run RMSE over the same seeds: median and worst of each curve;
(c) T90 by profile (normal, aged + "wound"; diabetic, aged_diabetic + "diabetic_wound"),
    mean +- sd over the seeds and the ratio to normal;
(d) T90 at ``skin.wound.radius`` x1 and x2 (normal) and their ratio;
(e) coefficient of variation of T90 over 20 seeds (normal);
(f) for each sweep config in ``configs/*.toml``: the lowest and highest value of each swept
    axis (the other axes at the calibrated default: not overridden; a skin / preset axis held
    at the config's own skin / preset), 5 replicates each, the config's primary outcome and
    measure as mean with its 95 % CI half-width (Student t), whether |high - low| exceeds
    3 x the larger half-width, and whether the swept range brackets the default.

(c)-(e) use runs of ``--t90-days`` (default 60) so that slow profiles and large wounds reach
90 %; T90 is interpolated between output rows (``_science.time_to``). Measures of (f) follow
the sweep definitions (``time_to_N`` in hours, ``auc`` over hours), see ``_science``.

Usage::

    python benchmarks/model_report.py            # the full report (a few minutes on 2 cores)
    python benchmarks/model_report.py --quick    # smoke test: 2 seeds, 2-day runs

Writes ``docs/model_report.md`` (``--quick``: next to the record) and
``benchmarks/out/model_report[_quick].json``.
"""

from __future__ import annotations

import math
import statistics
import sys
import time
import tomllib
from pathlib import Path
from typing import Any, Mapping, Sequence

import _common as common
import _science as sci

DOC = common.ROOT / "docs" / "model_report.md"
CONFIGS = common.ROOT / "configs"
#: the validated conditions: name -> (skin, preset, validation condition)
CONDITIONS: dict[str, tuple[str, str, str]] = {
    "normal": ("normal", "wound", "normal"),
    "diabetic": ("diabetic", "diabetic_wound", "diabetic"),
}
#: T90 profiles: name -> (skin, preset)
PROFILES: dict[str, tuple[str, str]] = {
    "normal": ("normal", "wound"),
    "aged": ("aged", "wound"),
    "diabetic": ("diabetic", "diabetic_wound"),
    "aged_diabetic": ("aged_diabetic", "diabetic_wound"),
}
#: (validation report field, table label) of the single-run curves
CURVES: tuple[tuple[str, str], ...] = (
    ("closure_rmse", "closure (points)"),
    ("inflammation_rmse_pct", "inflammation (%)"),
    ("neutrophils_rmse_pct", "neutrophils (%)"),
    ("macrophages_rmse_pct", "macrophages (%)"),
    ("myofibroblasts_rmse_pct", "myofibroblasts (%)"),
    ("collagen_rmse_pct", "collagen (%)"),
)
#: consensus table rows
CONSENSUS_ROWS: tuple[str, ...] = (
    "closure_rmse", "closure_rmse_inflammatory", "closure_rmse_proliferative", "closure_rmse_remodeling",
    "closure_max_abs_error", "inflammation_rmse_pct", "neutrophils_rmse_pct", "macrophages_rmse_pct",
    "myofibroblasts_rmse_pct", "collagen_rmse_pct", "t50_days_sim", "t50_days_ref", "t90_days_sim",
    "t90_days_ref",
)
RADIUS = "skin.wound.radius"
SEPARATION = 3.0
QUICK_DAYS = 2.0


def parse_seeds(text: str) -> list[int]:
    """Seeds from ``"100-109"``, ``"1,5,9"`` or a mix (``"1-3,7"``).

    Examples
    --------
    >>> parse_seeds("100-102,7")
    [100, 101, 102, 7]
    """
    out: list[int] = []
    for part in text.split(","):
        part = part.strip()
        if "-" in part[1:]:
            a, b = part.split("-", 1) if not part.startswith("-") else part[1:].split("-", 1)
            out += list(range(int(a), int(b) + 1))
        elif part:
            out.append(int(part))
    return out


# -- sweep configs ------------------------------------------------------------------------


def read_sweep(path: Path) -> dict[str, Any]:
    """The parts of a sweep config the report needs (read with :mod:`tomllib`).

    Returns
    -------
    dict
        ``name``, ``skin``, ``preset``, ``set`` (fixed overrides), ``axes`` (list of
        ``(param, values)``; ``param`` may be ``"skin"`` or ``"preset"``), ``primary``,
        ``measure`` and the config's first comment line as ``question``.
    """
    text = path.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    sweep, outcomes = data.get("sweep", {}), data.get("outcomes", {})
    if "params" in sweep:
        axes = [(a["param"], list(a["values"])) for a in sweep["params"]]
    else:
        axes = [(sweep["param"], list(sweep["values"]))]
    question = next((ln.lstrip("# ").strip() for ln in text.splitlines() if ln.startswith("#")), "")
    # an outcome is "metric" (measured by [outcomes] measure) or "metric:measure"
    primary, _, own = str(outcomes.get("primary", "wound_closure_pct")).partition(":")
    return {
        "file": path.name,
        "name": sweep.get("name", path.stem),
        "skin": sweep.get("skin", "normal"),
        "preset": sweep.get("preset", "wound"),
        "set": dict(sweep.get("set", {})),
        "axes": axes,
        "primary": primary,
        "measure": own or outcomes.get("measure", "final"),
        "question": question,
    }


def axis_ends(param: str, values: Sequence[Any]) -> tuple[Any, Any]:
    """Lowest and highest value of a numeric axis; first and last of a categorical one."""
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return min(values), max(values)
    return values[0], values[-1]


def axis_task(sw: Mapping[str, Any], param: str, value: Any, seed: int, extra: Mapping[str, Any]) -> sci.Task:
    """The run of a sweep config with one axis at ``value`` (the others not overridden)."""
    skin, preset = sw["skin"], sw["preset"]
    ov = {**sw["set"], **extra}
    if param == "skin":
        skin = value
    elif param == "preset":
        preset = value
    else:
        ov[param] = value
    return sci.Task.of(skin, preset, ov, seed)


# -- sections -----------------------------------------------------------------------------


def t90(res: sci.Result) -> float:
    """T90 (days, interpolated) of one run; NaN if not reached or failed."""
    if res.frame is None:
        return math.nan
    return sci.measure(res.frame, sci.CLOSURE, "time_to_90", time="time_days")


def stats_text(d: Mapping[str, Any], digits: int = 4) -> str:
    """``mean +- sd (n)`` of :func:`_science.describe`."""
    return f"{sci.fmt(d['mean'], digits)} +- {sci.fmt(d['sd'], 2)} (n={d['n']})"


def main(argv: list[str] | None = None) -> int:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--seeds", default="100-109", help="validation / T90 seeds (default 100-109)")
    p.add_argument("--cv-seeds", default="100-119", help="seeds of the T90 CV (default 100-119)")
    p.add_argument("--config-seeds", default="200-204", help="replicates of the config checks (default 200-204)")
    p.add_argument("--t90-days", type=float, default=60.0, help="run length of the T90 runs (default 60 d)")
    p.add_argument("--configs", default=str(CONFIGS / "*.toml"), help="sweep configs (glob, default configs/*.toml)")
    p.add_argument("--workers", type=int, default=sci.workers_default(), help="processes (default 2)")
    p.add_argument("--md", type=Path, default=None, help="Markdown report (default docs/model_report.md)")
    args = p.parse_args(argv)
    seeds, cv_seeds, cfg_seeds = parse_seeds(args.seeds), parse_seeds(args.cv_seeds), parse_seeds(args.config_seeds)
    days_ov: dict[str, Any] = {}
    t90_ov: dict[str, Any] = {"skin.duration_days": args.t90_days}
    if args.quick:
        seeds, cv_seeds, cfg_seeds = seeds[:2], cv_seeds[:2], cfg_seeds[:2]
        days_ov = {"skin.duration_days": QUICK_DAYS}
        t90_ov = dict(days_ov)
    common.headline(f"model report: seeds {seeds[0]}..{seeds[-1]} ({len(seeds)})")
    import glob

    import skibidy

    sweeps = [read_sweep(Path(f)) for f in sorted(glob.glob(args.configs))]
    r0 = float(skibidy.load_config("normal", "wound")[RADIUS])

    # -- every run, planned up front and run on one pool --
    val_tasks = {c: [sci.Task.of(s, pr, days_ov, k) for k in seeds] for c, (s, pr, _) in CONDITIONS.items()}
    prof_tasks = {n: [sci.Task.of(s, pr, t90_ov, k) for k in seeds] for n, (s, pr) in PROFILES.items()}
    rad_tasks = {f: [sci.Task.of("normal", "wound", {**t90_ov, RADIUS: f * r0}, k) for k in seeds] for f in (1, 2)}
    rad_tasks[1] = prof_tasks["normal"]
    cv_tasks = [sci.Task.of("normal", "wound", t90_ov, k) for k in cv_seeds]
    cfg_tasks: dict[tuple[str, str, str], list[sci.Task]] = {}
    for sw in sweeps:
        for param, values in sw["axes"]:
            for end, value in zip(("low", "high"), axis_ends(param, values)):
                cfg_tasks[(sw["file"], param, end)] = [axis_task(sw, param, value, k, days_ov) for k in cfg_seeds]
    every = [t for ts in (*val_tasks.values(), *prof_tasks.values(), *rad_tasks.values(), cv_tasks,
                          *cfg_tasks.values()) for t in ts]
    t0 = time.perf_counter()
    done = {r.task: r for r in sci.run_all(every, workers=args.workers, label="report")}
    elapsed = time.perf_counter() - t0
    failed = sorted({r.error for r in done.values() if r.error})

    # (a) consensus and (b) single runs
    consensus: dict[str, dict[str, Any]] = {}
    single: dict[str, dict[str, Any]] = {}
    for c, (_, _, cond) in CONDITIONS.items():
        frames = [done[t].frame for t in val_tasks[c] if done[t].frame is not None]
        consensus[c] = skibidy.validate(sci.consensus(frames), cond).to_dict() if frames else {}
        reports = [skibidy.validate(f, cond).to_dict() for f in frames]
        single[c] = {}
        for key, _ in CURVES:
            vals = [r[key] for r in reports if r.get(key) is not None and math.isfinite(r[key])]
            single[c][key] = {
                "median": sci.clean(statistics.median(vals) if vals else math.nan),
                "worst": sci.clean(max(vals) if vals else math.nan),
                "n": len(vals),
            }

    # (c) profiles, (d) radius, (e) CV
    prof = {n: sci.describe(t90(done[t]) for t in ts) for n, ts in prof_tasks.items()}
    reached = {n: sum(math.isfinite(t90(done[t])) for t in ts) for n, ts in prof_tasks.items()}
    norm = prof["normal"]["mean"]
    ratio = {n: d["mean"] / norm if norm and math.isfinite(norm) else math.nan for n, d in prof.items()}
    rad = {f: sci.describe(t90(done[t]) for t in ts) for f, ts in rad_tasks.items()}
    rad_ratio = rad[2]["mean"] / rad[1]["mean"] if rad[1]["mean"] else math.nan
    cv_d = sci.describe(t90(done[t]) for t in cv_tasks)
    cv = cv_d["sd"] / cv_d["mean"] if cv_d["mean"] else math.nan

    # (f) configs
    checks = []
    for sw in sweeps:
        for param, values in sw["axes"]:
            ends = {}
            for end in ("low", "high"):
                ts = cfg_tasks[(sw["file"], param, end)]
                vals = [sci.measure(done[t].frame, sw["primary"], sw["measure"]) if done[t].frame is not None
                        else math.nan for t in ts]
                ends[end] = {"value": ts[0].skin if param == "skin" else (ts[0].preset if param == "preset" else
                             dict(ts[0].overrides)[param]), **sci.describe(vals), "runs": vals}
            lo, hi = ends["low"], ends["high"]
            half = max(lo["ci95"], hi["ci95"])
            diff = hi["mean"] - lo["mean"]
            separated = bool(math.isfinite(diff) and abs(diff) > SEPARATION * (half if math.isfinite(half) else 0.0)
                             and diff != 0)
            if param in ("skin", "preset"):
                default, brackets = None, None
            else:
                default = skibidy.load_config(sw["skin"], sw["preset"], sw["set"]).get(param)
                brackets = None if default is None else bool(min(values) <= default <= max(values))
            checks.append({
                "config": sw["file"], "question": sw["question"], "param": param, "values": values,
                "skin": sw["skin"], "preset": sw["preset"], "primary": sw["primary"], "measure": sw["measure"],
                "low": {k: sci.clean(v) if not isinstance(v, list) else [sci.clean(x) for x in v] for k, v in lo.items()},
                "high": {k: sci.clean(v) if not isinstance(v, list) else [sci.clean(x) for x in v] for k, v in hi.items()},
                "difference": sci.clean(diff), "separated": separated, "default": default, "brackets_default": brackets,
            })

    rss = sci.pool_peak_rss_mib(done.values())
    median_s = statistics.median(r.seconds for r in done.values())

    # -- print and write --
    md = report_markdown(args, seeds, cv_seeds, cfg_seeds, consensus, single, prof, reached, ratio, rad, rad_ratio,
                         r0, cv_d, cv, checks, rss, median_s, len(done), elapsed, failed, t90_ov)
    print(md)
    md_path = args.md or (DOC if not args.quick else Path(args.out) / "model_report_quick.md")
    md_path.parent.mkdir(parents=True, exist_ok=True)
    md_path.write_text(md, encoding="utf-8")
    print(f"report: {md_path}")
    record = {
        "seeds": seeds, "cv_seeds": cv_seeds, "config_seeds": cfg_seeds,
        "t90_days": t90_ov.get("skin.duration_days"), "runs": len(done), "elapsed_s": elapsed,
        "failed": failed, "median_run_s": median_s, "worker_peak_rss_mib": rss,
        "consensus": {c: {k: sci.clean(v) for k, v in d.items()} for c, d in consensus.items()},
        "single_run": single,
        "t90_by_profile": {n: {**{k: sci.clean(v) for k, v in d.items()}, "reached": reached[n],
                               "ratio_to_normal": sci.clean(ratio[n])} for n, d in prof.items()},
        "t90_by_radius": {"radius": r0, "x1": {k: sci.clean(v) for k, v in rad[1].items()},
                          "x2": {k: sci.clean(v) for k, v in rad[2].items()}, "ratio": sci.clean(rad_ratio)},
        "t90_cv": {**{k: sci.clean(v) for k, v in cv_d.items()}, "cv": sci.clean(cv)},
        "configs": checks,
        "report": str(md_path),
    }
    common.write_record("model_report", record, args.out, args.quick)
    return 0


def report_markdown(
    args: Any, seeds: list[int], cv_seeds: list[int], cfg_seeds: list[int],
    consensus: Mapping[str, Mapping[str, Any]], single: Mapping[str, Mapping[str, Any]],
    prof: Mapping[str, Mapping[str, Any]], reached: Mapping[str, int], ratio: Mapping[str, float],
    rad: Mapping[int, Mapping[str, Any]], rad_ratio: float, r0: float, cv_d: Mapping[str, Any], cv: float,
    checks: Sequence[Mapping[str, Any]], rss: float, median_s: float, n_runs: int, elapsed: float,
    failed: Sequence[str], t90_ov: Mapping[str, Any],
) -> str:
    """The report as Markdown (also printed)."""
    info = common.machine_info()
    tdays = t90_ov.get("skin.duration_days")
    cmd = "python benchmarks/model_report.py " + " ".join(sys.argv[1:])
    seedtxt = f"{seeds[0]}..{seeds[-1]}" if seeds == list(range(seeds[0], seeds[-1] + 1)) else str(seeds)
    out = [
        "# Model report",
        "",
        f"Made by `{cmd.strip()}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} "
        f"(git {info['git_commit']}): {n_runs} runs in {elapsed:.0f} s on {args.workers} processes; "
        f"median run {median_s:.2f} s; peak RSS of a worker process {sci.fmt(rss, 4)} MiB (an upper "
        "bound of one run's, imports included)." + (f" **{len(failed)} kinds of run failure:** {failed[:3]}" if failed else ""),
        "",
        f"## (a) Consensus RMSE ({len(seeds)} seeds {seedtxt}, not used for calibration)",
        "",
        "Row-wise mean of the runs' tables, then `skibidy.validate`. Closure in % points, other curves in % "
        "of peak (collagen: of its last value); T50 / T90 in days, interpolated.",
        "",
        sci.markdown_table(
            ["figure", *[f"{c} ({CONDITIONS[c][0]} + {CONDITIONS[c][1]})" for c in consensus]],
            [[k, *[sci.fmt(consensus[c].get(k), 4) for c in consensus]] for k in CONSENSUS_ROWS],
        ),
        "",
        f"## (b) Single-run RMSE over the same {len(seeds)} seeds: median / worst",
        "",
        sci.markdown_table(
            ["curve", *[f"{c} median" for c in single], *[f"{c} worst" for c in single]],
            [[label, *[sci.fmt(single[c][k]["median"], 4) for c in single],
              *[sci.fmt(single[c][k]["worst"], 4) for c in single]] for k, label in CURVES],
        ),
        "",
        f"## (c) T90 by profile ({tdays:g}-day runs, {len(seeds)} seeds)",
        "",
        sci.markdown_table(
            ["profile", "skin + preset", "T90 (d) mean +- sd", "reached 90 %", "ratio to normal"],
            [[n, " + ".join(PROFILES[n]), stats_text(d), f"{reached[n]}/{len(seeds)}", sci.fmt(ratio[n], 4)]
             for n, d in prof.items()],
        ),
        "",
        f"## (d) T90 by wound radius (normal + wound, `{RADIUS}` = {r0:g} and {2 * r0:g})",
        "",
        sci.markdown_table(
            ["radius", "T90 (d) mean +- sd"],
            [[f"x1 ({r0:g})", stats_text(rad[1])], [f"x2 ({2 * r0:g})", stats_text(rad[2])],
             ["ratio x2 / x1", sci.fmt(rad_ratio, 4)]],
        ),
        "",
        f"## (e) Replicate spread of T90 (normal + wound, {len(cv_seeds)} seeds)",
        "",
        f"T90 = {stats_text(cv_d)} d; coefficient of variation {sci.fmt(100 * cv, 3)} %.",
        "",
        f"## (f) The shipped questions (`configs/*.toml`, {len(cfg_seeds)} replicates, seeds "
        f"{cfg_seeds[0]}..{cfg_seeds[-1]})",
        "",
        "Each swept axis at its lowest and highest value (categorical axes: first and last listed), the other "
        "axes at the calibrated default (not overridden). Mean +- 95 % CI half-width (Student t) of the "
        f"config's primary outcome and measure (`time_to_N` in hours); `separated`: |high - low| > {SEPARATION:g} "
        "x the larger half-width; `brackets`: the swept range contains the default.",
        "",
        sci.markdown_table(
            ["config", "axis", "outcome (measure)", "low value", "low mean +- CI", "high value", "high mean +- CI",
             "high - low", "separated", "default", "brackets"],
            [[c["config"], f"`{c['param']}`", f"{c['primary']} ({c['measure']})", sci.fmt(c["low"]["value"], 4),
              f"{sci.fmt(c['low']['mean'], 4)} +- {sci.fmt(c['low']['ci95'], 2)}", sci.fmt(c["high"]["value"], 4),
              f"{sci.fmt(c['high']['mean'], 4)} +- {sci.fmt(c['high']['ci95'], 2)}", sci.fmt(c["difference"], 3),
              "yes" if c["separated"] else "**no**", sci.fmt(c["default"], 4),
              "n/a" if c["brackets_default"] is None else ("yes" if c["brackets_default"] else "**no**")]
             for c in checks],
        ),
        "",
    ]
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
