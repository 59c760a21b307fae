"""Parameter screen: does every parameter move a main outcome?

One-at-a-time screen of every parameter in ``skibidy.config.PARAMETERS``:

* floats at x0.5 and x2 of their value in the baseline config, clipped into the valid
  range (a side that clips back onto the value is skipped); a float whose value is 0 is
  moved by an absolute step instead (:data:`ZERO_STEP`, by unit; the table says so);
* integers at -1 and +1 (inside the range), booleans flipped, strings skipped;
* diabetic factors (``skin.diabetic.*``) on skin "diabetic" + preset "diabetic_wound"
  against their own baseline, everything else on "normal" + "wound";
* numerical settings (``Parameter.numerical``, or ``--numerical PATH``) are screened the same
  way but compared on the output times both runs share, and must change nothing.

Baseline and perturbed runs use the same seeds (common random numbers). Per run the main
outcomes are T50 and T90 (days, interpolated) and the peak, auc (over hours) and final
value of inflammation, neutrophils, macrophages, myofibroblasts, collagen and scar
(``_science.main_outcomes``). An outcome *moves* when the change of its mean over seeds

* exceeds 1 % of the baseline mean, and
* exceeds 2 x the standard error of the paired per-seed differences (the replicate noise of a
  comparison made with the same seeds: about a 95 % two-sided test)

(with one seed only the 1 % rule applies), or when it turns NaN (or back) on one side.
A parameter *matters* if some outcome moves on some side; otherwise it is INERT. A
numerical setting is numerical-ok if nothing moves, numerical-CHANGES otherwise. A cliff
is an outcome that moves by more than 50 % or turns NaN at one side (or a run that fails).

Usage::

    python benchmarks/parameter_screen.py                 # every parameter, 3 seeds (slow)
    python benchmarks/parameter_screen.py --only skin.immune --seeds 2
    python benchmarks/parameter_screen.py --quick         # smoke test: 2-day runs, 1 seed, 5 parameters

Writes ``docs/parameter_screen.md`` (full run; partial runs write the table next to the
record) and ``benchmarks/out/parameter_screen[_quick|_partial].json``. The exit status is 1 if
a parameter is inert, a numerical setting changes results or a run fails (not in
``--quick`` mode), else 0.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

import _common as common
import _science as sci

#: baseline (skin, preset) of each screen group
BASELINES: dict[str, tuple[str, str]] = {"normal": ("normal", "wound"), "diabetic": ("diabetic", "diabetic_wound")}
DIABETIC_PREFIX = "skin.diabetic."
#: absolute step for a float whose value is 0 (x0.5 and x2 would not move it), by unit
ZERO_STEP: dict[str, float] = {"1/h": 0.01, "h": 6.0, "um": 1.0, "d": 1.0}
ZERO_STEP_OTHER = 0.01
REL_THRESHOLD_PCT = 1.0
NOISE_FACTOR = 2.0
CLIFF_PCT = 50.0
QUICK_DAYS = 2.0
QUICK_PARAMS = 5
DOC = common.ROOT / "docs" / "parameter_screen.md"
GROUPS: tuple[str, ...] = ("T50", "T90", *sci.SHORT.values())


@dataclass
class Side:
    """One perturbation of a parameter: its label, value and the runs' analysis."""

    label: str
    value: Any
    note: str = ""
    rejected: str | None = None
    error: str | None = None
    effects: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Plan:
    """What is screened for one parameter and against which baseline."""

    path: str
    kind: str
    unit: str
    meaning: str
    group: str
    value: Any
    registry_default: Any
    numerical: bool
    sides: list[Side] = field(default_factory=list)
    skipped: str | None = None
    verdict: str = ""
    largest: dict[str, Any] = field(default_factory=dict)
    cliffs: list[str] = field(default_factory=list)


# -- planning -----------------------------------------------------------------------------


def _clip(p: Any, x: float) -> tuple[float, str]:
    """Clip ``x`` into the valid range of parameter ``p``; return the value and a note."""
    lo, hi = p.minimum, p.maximum
    if hi is not None and x > hi:
        return float(hi), f"clipped to max {hi:g}"
    if lo is not None and (x <= lo if p.min_exclusive else x < lo):
        if p.min_exclusive:
            return math.nan, f"below exclusive min {lo:g}"
        return float(lo), f"clipped to min {lo:g}"
    return x, ""


def float_sides(p: Any, value: float) -> list[Side]:
    """Low and high values of a float parameter (x0.5 / x2, or +-step around 0)."""
    if value == 0.0:
        step = ZERO_STEP.get(p.unit, ZERO_STEP_OTHER)
        raw = [("low", -step), ("high", step)]
        why = f"value 0: absolute step {step:g} {p.unit}"
    else:
        raw = [("low", 0.5 * value), ("high", 2.0 * value)]
        why = ""
    sides = []
    for label, x in raw:
        v, note = _clip(p, x)
        if math.isnan(v) or v == value:
            continue
        sides.append(Side(label, v, "; ".join(n for n in (why, note) if n)))
    return sides


def plan_parameter(path: str, p: Any, value: Any, group: str, numerical: bool) -> Plan:
    """The sides to run for one parameter, given its value in the baseline config."""
    plan = Plan(path, p.kind, p.unit, p.meaning, group, value, p.default, numerical)
    if p.kind == "str":
        plan.skipped = "string parameter: not screened"
    elif p.kind == "bool":
        plan.sides = [Side("flip", not value, "flipped")]
    elif p.kind == "int":
        for label, v in (("low", value - 1), ("high", value + 1)):
            if (p.minimum is None or v >= p.minimum) and (p.maximum is None or v <= p.maximum):
                plan.sides.append(Side(label, int(v)))
    else:
        plan.sides = float_sides(p, float(value))
    if not plan.sides and plan.skipped is None:
        plan.skipped = "no value inside the valid range"
    return plan


def make_plans(
    only: Sequence[str], limit: int | None, extra_numerical: Sequence[str],
    overrides: Mapping[str, Any],
) -> list[Plan]:
    """Plan every parameter (filtered by prefixes ``only`` and ``limit``), in registry order."""
    import skibidy
    from skibidy.config import PARAMETERS

    configs = {g: skibidy.load_config(s, pr, dict(overrides)) for g, (s, pr) in BASELINES.items()}
    plans = []
    for path, p in PARAMETERS.items():
        if only and not any(path.startswith(pref) for pref in only):
            continue
        group = "diabetic" if path.startswith(DIABETIC_PREFIX) else "normal"
        numerical = bool(getattr(p, "numerical", False)) or path in extra_numerical
        plans.append(plan_parameter(path, p, configs[group][path], group, numerical))
        if limit is not None and len(plans) >= limit:
            break
    for plan in plans:  # reject values the simulator's consistency checks refuse, before running
        skin, preset = BASELINES[plan.group]
        for side in plan.sides:
            try:
                skibidy.load_config(skin, preset, {**overrides, plan.path: side.value})
            except skibidy.ConfigError as exc:
                side.rejected = str(exc)
    return plans


def side_task(plan: Plan, side: Side, overrides: Mapping[str, Any], seed: int) -> sci.Task:
    """The run of one side of a parameter with one seed."""
    skin, preset = BASELINES[plan.group]
    return sci.Task.of(skin, preset, {**overrides, plan.path: side.value}, seed)


def base_task(group: str, overrides: Mapping[str, Any], seed: int) -> sci.Task:
    """The baseline run of a screen group with one seed."""
    skin, preset = BASELINES[group]
    return sci.Task.of(skin, preset, overrides, seed)


# -- analysis -----------------------------------------------------------------------------


def compare(base: Sequence[float], pert: Sequence[float]) -> dict[str, Any]:
    """Effect of a perturbation on one outcome over paired seeds.

    Returns the baseline and perturbed means, the relative change (%), the noise (2 x SE of
    the paired differences, in % of the baseline mean), whether the outcome moves (see the
    module docstring) and whether it is a cliff.
    """
    b, p = np.asarray(base, float), np.asarray(pert, float)
    mb, mp = float(np.mean(b)), float(np.mean(p))
    out: dict[str, Any] = {"base": mb, "pert": mp}
    nan_b, nan_p = math.isnan(mb), math.isnan(mp)
    if nan_b or nan_p:
        turned = nan_b != nan_p
        out.update(rel_pct=math.nan, noise_pct=math.nan, moves=turned, cliff=turned,
                   nan="becomes NaN" if nan_p and not nan_b else ("was NaN" if turned else "NaN both"))
        return out
    both = ~(np.isnan(b) | np.isnan(p))
    d = (p - b)[both]
    n = int(d.size)
    se_d = float(np.std(d, ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    delta = mp - mb
    rel = sci.rel_pct(mp, mb)
    noise = NOISE_FACTOR * se_d if n > 1 else math.nan
    beyond_noise = n < 2 or abs(delta) > NOISE_FACTOR * se_d
    moves = abs(rel) > REL_THRESHOLD_PCT and beyond_noise
    out.update(
        rel_pct=rel,
        delta=delta,
        noise_abs=noise,
        noise_pct=sci.rel_pct(mb + noise, mb) if math.isfinite(noise) else math.nan,
        moves=bool(moves),
        cliff=bool(moves and abs(rel) > CLIFF_PCT),
    )
    return out


def analyse_side(
    plan: Plan, side: Side, base: list[sci.Result], pert: list[sci.Result],
    base_outcomes: list[dict[str, float]],
) -> None:
    """Fill ``side.effects`` from the paired baseline and perturbed runs."""
    failed = [r.error for r in pert if r.error] + [r.error for r in base if r.error]
    if failed:
        side.error = failed[0]
        return
    if plan.numerical:  # compare on the output times both runs share
        pairs = [sci.common_rows(b.frame, p.frame) for b, p in zip(base, pert)]
        b_out = [sci.main_outcomes(bf) for bf, _ in pairs]
        p_out = [sci.main_outcomes(pf) for _, pf in pairs]
    else:
        b_out = base_outcomes
        p_out = [sci.main_outcomes(r.frame) for r in pert]
    for key in b_out[0]:
        side.effects[key] = compare([o[key] for o in b_out], [o.get(key, math.nan) for o in p_out])


def conclude(plan: Plan) -> None:
    """Verdict, largest effect and cliffs of a parameter from its analysed sides."""
    if plan.skipped:
        plan.verdict = "skipped"
        return
    ran = [s for s in plan.sides if not s.rejected]
    if not ran:
        plan.verdict = "untested"
        plan.skipped = "every value tried is rejected by the simulator"
        return
    if any(s.error for s in ran):
        plan.verdict = "ERROR"
        plan.cliffs += [f"{s.label} ({sci.fmt(s.value)}): run failed: {s.error}" for s in ran if s.error]
        return
    records = [(s, k, e) for s in ran for k, e in s.effects.items()]
    moving = [r for r in records if r[2]["moves"]]

    def size(e: dict[str, Any]) -> float:
        rel = e["rel_pct"]
        if math.isnan(rel):
            return math.inf if e["moves"] else -1.0
        return abs(rel)

    pool = moving or records
    s, key, e = max(pool, key=lambda r: size(r[2]))
    plan.largest = {"side": s.label, "value": s.value, "outcome": key, "rel_pct": e["rel_pct"],
                    "noise_pct": e.get("noise_pct", math.nan), "moves": e["moves"], "nan": e.get("nan")}
    for s in ran:
        hits = []
        for key, e in s.effects.items():
            if e["cliff"]:
                what = e.get("nan") if math.isnan(e["rel_pct"]) else f"{e['rel_pct']:+.0f} %"
                hits.append(f"{short_key(key)} {what}")
        if hits:
            plan.cliffs.append(f"{s.label} ({value_text(s.value)}): {', '.join(hits)}")
    if plan.numerical:
        plan.verdict = "numerical-CHANGES" if moving else "numerical-ok"
    else:
        plan.verdict = "matters" if moving else "INERT"


def short_key(key: str) -> str:
    """``mean_infl_wound.peak`` -> ``infl.peak`` (T50 / T90 unchanged)."""
    col, _, m = key.partition(".")
    return f"{sci.SHORT.get(col, col)}.{m}" if m else key


def group_cell(plan: Plan, group: str) -> str:
    """Compact ``low / high`` cell: the largest signed change (%) within an outcome group.

    A trailing ``*`` marks a change that moves (beyond 1 % and the noise); ``NaN`` marks an
    outcome that turns NaN; ``.`` a side that was not run.
    """
    parts = []
    for label in ("low", "high", "flip"):
        side = next((s for s in plan.sides if s.label == label), None)
        if side is None:
            if label != "flip" and plan.kind != "bool":
                parts.append(".")
            continue
        if side.rejected or side.error or not side.effects:
            parts.append("x")
            continue
        items = [e for k, e in side.effects.items() if sci.outcome_group(k) == group]
        if not items:
            parts.append("-")
            continue
        nan_moves = [e for e in items if math.isnan(e["rel_pct"]) and e["moves"]]
        if nan_moves:
            parts.append("NaN*")
            continue
        finite = [e for e in items if not math.isnan(e["rel_pct"])]
        if not finite:
            parts.append("-")
            continue
        e = max(finite, key=lambda e: abs(e["rel_pct"]))
        rel = e["rel_pct"]
        txt = "0" if rel == 0 else (("+inf" if rel > 0 else "-inf") if math.isinf(rel) else f"{rel:+.1f}")
        parts.append(txt + ("*" if e["moves"] else ""))
    return " / ".join(parts)


# -- output -------------------------------------------------------------------------------


def value_text(x: Any) -> str:
    """A parameter value for the table."""
    if isinstance(x, bool):
        return "true" if x else "false"
    return sci.fmt(x, 4)


def tried_text(plan: Plan) -> str:
    """The values tried, with notes (clipping, zero step, rejection)."""
    out = []
    for s in plan.sides:
        t = value_text(s.value)
        notes = [n for n in (s.note if s.note != "flipped" else "",) if n]
        if s.rejected:
            notes.append("rejected by the simulator")
        out.append(t + (f" ({'; '.join(notes)})" if notes else ""))
    return " / ".join(out) if out else (plan.skipped or "-")


def largest_text(plan: Plan) -> tuple[str, str]:
    """``(largest effect, noise)`` cells."""
    L = plan.largest
    if not L:
        return "-", "-"
    if L.get("nan") and math.isnan(L["rel_pct"]):
        eff = f"{L['outcome']} {L['nan']} ({L['side']})"
    else:
        eff = f"{L['outcome']} {L['rel_pct']:+.2f} % ({L['side']})"
    noise = L["noise_pct"]
    return eff, ("n/a" if noise is None or not math.isfinite(noise) else f"{abs(noise):.2f} %")


def table(plans: Sequence[Plan]) -> str:
    """The Markdown table of a list of screened parameters."""
    headers = ["parameter", "unit", "default", "low / high tried", "largest effect", "noise",
               *GROUPS, "verdict", "cliffs"]
    rows = []
    for plan in plans:
        eff, noise = largest_text(plan)
        verdict = f"**{plan.verdict}**" if plan.verdict in ("INERT", "numerical-CHANGES", "ERROR") else plan.verdict
        rows.append([f"`{plan.path}`", plan.unit, value_text(plan.value), tried_text(plan), eff, noise,
                     *(group_cell(plan, g) if not plan.skipped else "" for g in GROUPS), verdict,
                     "; ".join(plan.cliffs)])
    return sci.markdown_table(headers, rows)


def baseline_stats(outs: Sequence[Mapping[str, float]]) -> dict[str, dict[str, float]]:
    """Mean, sd, n, SE and CI of every main outcome over the baseline's seeds."""
    return {k: sci.describe(o[k] for o in outs) for k in outs[0]}


def baseline_table(baselines: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> str:
    """Baseline means +- sd over seeds of every main outcome, per screen group."""
    keys = list(next(iter(baselines.values()))) if baselines else []
    rows = []
    for key in keys:
        row: list[Any] = [key]
        for stats in baselines.values():
            d = stats[key]
            row.append(f"{sci.fmt(d['mean'], 4)} +- {sci.fmt(d['sd'], 2)}")
        rows.append(row)
    heads = ["outcome"] + [f"{g} ({'/'.join(BASELINES[g])}) mean +- sd" for g in baselines]
    return sci.markdown_table(heads, rows)


def markdown(plans: Sequence[Plan], baselines: Mapping[str, Mapping[str, Mapping[str, Any]]],
             meta: Mapping[str, Any]) -> str:
    """The whole report: how it was made, the criteria, the summary and the tables."""
    counts: dict[str, int] = {}
    for p in plans:
        counts[p.verdict] = counts.get(p.verdict, 0) + 1
    bio = [p for p in plans if not p.numerical and p.group == "normal"]
    dia = [p for p in plans if not p.numerical and p.group == "diabetic"]
    num = [p for p in plans if p.numerical]
    inert = [p.path for p in plans if p.verdict == "INERT"]
    changes = [p.path for p in plans if p.verdict == "numerical-CHANGES"]
    cliffs = [(p.path, c) for p in plans for c in p.cliffs]
    lines = [
        "# Parameter screen",
        "",
        f"Made by `{meta['command']}` on {meta['time']} (git {meta['git']}), "
        f"{meta['n_params']} parameters, seeds {meta['seeds']} (common random numbers), "
        f"{meta['runs']} runs in {meta['elapsed_s']:.0f} s.",
        "",
        "Method: every parameter of `skibidy.config.PARAMETERS` one at a time: floats at x0.5 and x2 of "
        "their value in the baseline config (clipped into the valid range; a float whose value is 0 is moved "
        f"by an absolute step: {', '.join(f'{v:g} {u}' for u, v in ZERO_STEP.items())}, {ZERO_STEP_OTHER:g} "
        "otherwise), integers -1 / +1, booleans flipped, strings skipped. Diabetic factors "
        "(`skin.diabetic.*`) on skin `diabetic` + preset `diabetic_wound`, the rest on `normal` + `wound`. "
        "Numerical settings are compared on the output times both runs share.",
        "",
        "Main outcomes per run: T50 and T90 (days, interpolated between rows), and the peak, auc (trapezoid "
        "over hours) and final value of inflammation (`mean_infl_wound`), neutrophils, macrophages, "
        "myofibroblasts, collagen (`mean_collagen_wound`) and scar (`scar_magnitude`).",
        "",
        f"An outcome **moves** when the change of its mean over seeds is > {REL_THRESHOLD_PCT:g} % of the "
        f"baseline mean and > {NOISE_FACTOR:g} x the standard error of the paired per-seed differences (the "
        "replicate noise of a comparison made with the same seeds; one seed: the 1 % rule only), or "
        "when it turns NaN on one side (e.g. 90 % closure never reached). A parameter **matters** if some "
        "outcome moves; else it is **INERT**. Numerical settings must not move anything (numerical-ok). "
        f"A **large effect** is a moving outcome that changes by > {CLIFF_PCT:g} % or turns NaN: listed so a "
        "reader can tell a proportional response (a recruitment rate doubled, twice the cells) from a cliff "
        "(a threshold the default sits next to, or an outcome that is never reached).",
        "",
        "Columns T50 ... scar: the largest signed change (%) within that outcome group at the low / high "
        "value (`*` = moves, `NaN*` = turns NaN, `.` = side not run, `x` = rejected or failed). "
        "`noise` is the noise (2 x SE of the paired differences) of the outcome with the largest effect, in % "
        "of its baseline mean.",
        "",
        "## Summary",
        "",
        ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) + ".",
        "",
        f"Inert parameters ({len(inert)}): " + (", ".join(f"`{x}`" for x in inert) or "none") + ".",
        "",
        f"Numerical settings that change results ({len(changes)}): "
        + (", ".join(f"`{x}`" for x in changes) or "none") + ".",
        "",
        f"Large effects ({len(cliffs)}):" + ("" if cliffs else " none."),
        *[f"- `{p}`: {c}" for p, c in cliffs],
        "",
        "## Baselines",
        "",
        baseline_table(baselines),
        "",
        "## Parameters on normal skin (`normal` + `wound`)",
        "",
        table(bio) if bio else "(none screened)",
        "",
        "## Diabetic factors on diabetic skin (`diabetic` + `diabetic_wound`)",
        "",
        table(dia) if dia else "(none screened)",
        "",
        "## Numerical settings (must change nothing beyond noise)",
        "",
        table(num) if num else "(none screened: no parameter is marked numerical)",
        "",
    ]
    return "\n".join(lines)


def plan_record(plan: Plan) -> dict[str, Any]:
    """JSON-friendly record of one parameter."""
    def eff(e: dict[str, Any]) -> dict[str, Any]:
        return {k: sci.clean(v) for k, v in e.items()}

    return {
        "path": plan.path, "kind": plan.kind, "unit": plan.unit, "group": plan.group,
        "baseline": list(BASELINES[plan.group]), "value": plan.value,
        "registry_default": plan.registry_default, "numerical": plan.numerical,
        "skipped": plan.skipped, "verdict": plan.verdict,
        "largest": {k: sci.clean(v) for k, v in plan.largest.items()},
        "cliffs": plan.cliffs,
        "sides": [
            {"label": s.label, "value": s.value, "note": s.note, "rejected": s.rejected, "error": s.error,
             "effects": {k: eff(e) for k, e in s.effects.items()}}
            for s in plan.sides
        ],
    }


def _num(x: Any) -> Any:
    """A JSON number back to float (``None`` -> NaN); other values unchanged."""
    return math.nan if x is None else x


def plans_from_record(record: Mapping[str, Any]) -> list[Plan]:
    """Rebuild the analysed parameters of a JSON record (verdicts and cliffs recomputed)."""
    plans = []
    for r in record["parameters"]:
        plan = Plan(r["path"], r["kind"], r["unit"], "", r["group"], r["value"], r["registry_default"],
                    r["numerical"], skipped=r["skipped"])
        for sd in r["sides"]:
            effects = {k: {m: _num(v) if m in ("base", "pert", "rel_pct", "delta", "noise_abs", "noise_pct") else v
                           for m, v in e.items()} for k, e in sd["effects"].items()}
            plan.sides.append(Side(sd["label"], sd["value"], sd["note"], sd["rejected"], sd["error"], effects))
        conclude(plan)
        plans.append(plan)
    return plans


def render(path: Path, md: Path | None) -> int:
    """Write the Markdown table of an existing JSON record (no simulation); exit status as a run's."""
    import json

    record = json.loads(Path(path).read_text(encoding="utf-8"))
    plans = plans_from_record(record)
    meta = {
        "command": "python benchmarks/parameter_screen.py " + " ".join(record.get("argv", [])),
        "time": record["time"].replace("T", " ").replace("Z", " UTC"),
        "git": record["machine"]["git_commit"], "n_params": len(plans), "seeds": record["seeds"],
        "runs": record["runs"], "elapsed_s": record["elapsed_s"],
    }
    base = {g: {k: {m: _num(v) for m, v in d.items()} for k, d in b["outcomes"].items()}
            for g, b in record["baselines"].items()}
    quick, partial = record.get("quick", False), record.get("partial", False)
    md_path = md or (DOC if not (quick or partial) else Path(path).with_suffix(".md"))
    md_path.write_text(markdown(plans, base, meta), encoding="utf-8")
    print(f"table: {md_path}")
    failing = [pl.path for pl in plans if pl.verdict in ("INERT", "numerical-CHANGES", "ERROR")]
    return 1 if failing and not quick else 0


# -- main ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=3, help="seeds per value (default 3: 1000, 1001, 1002)")
    p.add_argument("--seed0", type=int, default=1000, help="first seed (default 1000)")
    p.add_argument("--only", action="append", default=[], metavar="PREFIX",
                   help="screen only parameters whose path starts with PREFIX (repeatable)")
    p.add_argument("--limit", type=int, default=None, help="screen only the first N parameters")
    p.add_argument("--days", type=float, default=None, help="run length in days (default: the preset's)")
    p.add_argument("--numerical", action="append", default=[], metavar="PATH",
                   help="also treat PATH as a numerical setting (besides Parameter.numerical)")
    p.add_argument("--workers", type=int, default=sci.workers_default(), help="processes (default 2)")
    p.add_argument("--md", type=Path, default=None,
                   help=f"Markdown table (default {DOC.relative_to(common.ROOT)} for a full run, "
                        "else next to the record)")
    p.add_argument("--render", type=Path, default=None, metavar="JSON",
                   help="only rewrite the Markdown table from an existing record (no runs)")
    args = p.parse_args(argv)
    if args.render is not None:
        return render(args.render, args.md)
    if args.quick:
        args.seeds, args.days = 1, QUICK_DAYS
        args.limit = QUICK_PARAMS if args.limit is None else args.limit
    partial = bool(args.only or args.limit is not None or args.days is not None) and not args.quick
    name = "parameter_screen" + ("_partial" if partial else "")
    seeds = list(range(args.seed0, args.seed0 + args.seeds))
    overrides: dict[str, Any] = {} if args.days is None else {"skin.duration_days": args.days}

    common.headline(f"parameter screen: seeds {seeds}" + (f", {args.days:g}-day runs" if args.days else ""))
    plans = make_plans(args.only, args.limit, args.numerical, overrides)
    if not plans:
        print(f"no parameter matches --only {args.only}", file=sys.stderr)
        return 2
    groups = sorted({pl.group for pl in plans}, key=list(BASELINES).index)
    tasks = [base_task(g, overrides, s) for g in groups for s in seeds]
    for pl in plans:
        for side in pl.sides:
            if not side.rejected:
                tasks += [side_task(pl, side, overrides, s) for s in seeds]
    n_sides = sum(1 for pl in plans for s in pl.sides if not s.rejected)
    print(f"{len(plans)} parameters ({sum(pl.numerical for pl in plans)} numerical, "
          f"{sum(1 for pl in plans if pl.skipped)} skipped), {n_sides} perturbations x {len(seeds)} seeds")
    t0 = time.perf_counter()
    results = sci.run_all(tasks, workers=args.workers, label="screen", fn=sci.run_task_main)
    elapsed = time.perf_counter() - t0
    by_task = {r.task: r for r in results}

    base_runs = {g: [by_task[base_task(g, overrides, s)] for s in seeds] for g in groups}
    for g, runs in base_runs.items():
        bad = [r.error for r in runs if r.error]
        if bad:
            print(f"baseline {g} failed: {bad[0]}", file=sys.stderr)
            return 2
    base_out = {g: [sci.main_outcomes(r.frame) for r in runs] for g, runs in base_runs.items()}
    for pl in plans:
        for side in pl.sides:
            if side.rejected:
                continue
            pert = [by_task[side_task(pl, side, overrides, s)] for s in seeds]
            analyse_side(pl, side, base_runs[pl.group], pert, base_out[pl.group])
        conclude(pl)

    counts: dict[str, int] = {}
    for pl in plans:
        counts[pl.verdict] = counts.get(pl.verdict, 0) + 1
    print("\nverdicts: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for pl in plans:
        eff, noise = largest_text(pl)
        flag = "  <--" if pl.verdict in ("INERT", "numerical-CHANGES", "ERROR") else ""
        print(f"  {pl.path:48s} {pl.verdict:18s} {eff} (noise {noise}){flag}")
    cliffs = [(pl.path, c) for pl in plans for c in pl.cliffs]
    if cliffs:
        print(f"large effects, > {CLIFF_PCT:g} % or NaN ({len(cliffs)}):")
        for path, c in cliffs:
            print(f"  {path}: {c}")

    meta = {
        "command": "python benchmarks/parameter_screen.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "time": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "git": common.machine_info()["git_commit"],
        "n_params": len(plans), "seeds": seeds, "runs": len(set(tasks)), "elapsed_s": elapsed,
    }
    md_path = args.md or (DOC if not (partial or args.quick) else Path(args.out) / f"{name}{'_quick' if args.quick else ''}.md")
    md_path.parent.mkdir(parents=True, exist_ok=True)
    base_stats = {g: baseline_stats(outs) for g, outs in base_out.items()}
    md_path.write_text(markdown(plans, base_stats, meta), encoding="utf-8")
    print(f"table: {md_path}")

    failing = [pl.path for pl in plans if pl.verdict in ("INERT", "numerical-CHANGES", "ERROR")]
    record = {
        "seeds": seeds, "days": args.days, "only": args.only, "limit": args.limit, "partial": partial,
        "n_parameters": len(plans), "runs": len(set(tasks)), "elapsed_s": elapsed,
        "worker_peak_rss_mib": sci.pool_peak_rss_mib(results),
        "criteria": {"rel_threshold_pct": REL_THRESHOLD_PCT, "noise_factor": NOISE_FACTOR,
                     "cliff_pct": CLIFF_PCT, "zero_step": ZERO_STEP, "zero_step_other": ZERO_STEP_OTHER},
        "baselines": {
            g: {"skin": BASELINES[g][0], "preset": BASELINES[g][1],
                "outcomes": {k: {m: sci.clean(v) for m, v in d.items()} for k, d in base_stats[g].items()}}
            for g in base_out
        },
        "verdicts": counts,
        "failing": failing,
        "table": str(md_path),
        "parameters": [plan_record(pl) for pl in plans],
    }
    common.write_record(name, record, args.out, args.quick)
    if args.quick:
        return 0
    if failing:
        print(f"exit 1: {len(failing)} parameters inert, numerical-CHANGES or failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
