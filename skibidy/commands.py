"""The simulator's subcommands: ``run``, ``params`` and ``validate``.

Each ``register_*`` function adds one subparser and binds its handler.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from skibidy.errors import SkibidyError

__all__ = ["REGISTRATIONS", "parse_assignment"]


def parse_assignment(text: str) -> tuple[str, Any]:
    """Parse ``PATH=VALUE``; VALUE is a TOML literal (``0.002``, ``true``, ``"x"``) or else a string.

    Examples
    --------
    >>> parse_assignment("skin.immune.cytokine_rate=0.002")
    ('skin.immune.cytokine_rate', 0.002)
    """
    import tomllib

    if "=" not in text:
        raise SkibidyError(f"--set expects PATH=VALUE, got {text!r} (e.g. --set skin.immune.cytokine_rate=0.002)")
    path, raw = (part.strip() for part in text.split("=", 1))
    if not path:
        raise SkibidyError(f"--set {text!r}: the parameter path is empty")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return path, value


def _add_profile_options(p: argparse.ArgumentParser) -> None:
    from skibidy.config import PRESETS, SKINS

    p.add_argument("--skin", default="normal", metavar="S", help=f"skin profile: {', '.join(SKINS)} (default normal)")
    p.add_argument("--preset", default="wound", metavar="P",
                   help=f"scenario preset: {', '.join(PRESETS)} (default wound)")


def _run(args: argparse.Namespace) -> int:
    from skibidy.config import load_config
    from skibidy.engine import simulate

    overrides = dict(parse_assignment(item) for item in args.set)
    config = load_config(args.skin, args.preset, overrides)
    out = Path(args.out) if args.out else _timestamped(Path("results"), "run")
    _check_run_folder(out)
    metrics = simulate(config, seed=args.seed)
    out.mkdir(parents=True, exist_ok=True)
    metrics.to_csv(out / "metrics.csv", index=False)
    (out / "config.toml").write_text(config.to_toml())
    last = metrics.iloc[-1]
    print(f"wrote {out / 'metrics.csv'} ({len(metrics)} rows); day {last['time_days']:.2f}: "
          f"closure {last['wound_closure_pct']:.1f} %, scar {last['scar_magnitude']:.3f}")
    return 0


#: What ``skibidy run`` writes into its folder.
RUN_FILES = ("metrics.csv", "config.toml")


def _timestamped(root: Path, name: str) -> Path:
    """``root/name_YYYYmmdd_HHMMSS``, with a suffix if that exists already."""
    import time

    base = root / f"{name}_{time.strftime('%Y%m%d_%H%M%S')}"
    path, k = base, 1
    while path.exists():
        k += 1
        path = base.with_name(f"{base.name}_{k}")
    return path


def _check_run_folder(out: Path) -> None:
    """Refuse, before the run, a folder that would lose an earlier run's files."""
    if out.exists() and not out.is_dir():
        raise SkibidyError(f"--out {str(out)!r} is a file, not a folder; give a folder for {', '.join(RUN_FILES)}")
    taken = [name for name in RUN_FILES if (out / name).exists()]
    if taken:
        raise SkibidyError(
            f"{str(out / taken[0])!r} exists (an earlier run); choose another --out, or delete it "
            "yourself (nothing is overwritten)"
        )


def register_run(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("run", help="run one simulation and write DIR/metrics.csv",
                       description="Run one simulation and write DIR/metrics.csv (and DIR/config.toml).")
    _add_profile_options(p)
    p.add_argument("--seed", type=int, default=0, metavar="N", help="random seed (default 0)")
    p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                   help="override a parameter, e.g. --set skin.immune.cytokine_rate=0.002 (repeatable)")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="output folder, which must not hold an earlier run (default: results/run_<timestamp>/)")
    p.set_defaults(func=_run)


def _params(args: argparse.Namespace) -> int:
    from skibidy.config import PARAMETERS, load_config

    config = load_config(args.skin, args.preset)
    rows = [(path, repr(config[path]) if isinstance(config[path], str) else str(config[path]).lower()
             if isinstance(config[path], bool) else f"{config[path]:g}" if isinstance(config[path], float)
             else str(config[path]), p.unit, p.meaning + (" [numerical]" if p.numerical else ""))
            for path, p in PARAMETERS.items()]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    print(f"# skin = {args.skin}, preset = {args.preset}; rates are per hour; numerical settings are marked [numerical]")
    for path, value, unit, meaning in rows:
        print(f"{path:<{widths[0]}}  {value:<{widths[1]}}  {unit:<{widths[2]}}  {meaning}")
    return 0


def register_params(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("params", help="list every parameter with its value, unit and meaning",
                       description="List every accepted parameter: path, value, unit, meaning.")
    _add_profile_options(p)
    p.set_defaults(func=_params)


def _validate(args: argparse.Namespace) -> int:
    import pandas as pd

    from skibidy.validation import plot_dashboard, report_table, validate

    path = Path(args.metrics)
    if not path.is_file():
        raise SkibidyError(f"metrics file {str(path)!r} not found (write one with 'skibidy run --out DIR')")
    try:
        metrics = pd.read_csv(path)
    except Exception as exc:  # pandas raises several types for unreadable CSV
        raise SkibidyError(f"cannot read {str(path)!r} as CSV: {exc}") from None
    report = validate(metrics, args.condition)
    if args.json:
        print(json.dumps(report.to_dict()))
    else:
        print(report_table(report))
    if not args.no_plot:
        folder = Path(args.out) if args.out else path.parent
        png = plot_dashboard(metrics, args.condition, folder / "dashboard.png")
        print(f"wrote {png}", file=sys.stderr if args.json else sys.stdout)
    return 0


def register_validate(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("validate", help="compare a metrics table with literature curves",
                       description="Compare METRICS.csv with the literature curves and draw a dashboard "
                       "(dashboard.png beside METRICS.csv, or in --out DIR).")
    p.add_argument("metrics", metavar="METRICS.csv", help="a metrics table (one run or a consensus mean)")
    p.add_argument("--condition", choices=("normal", "diabetic"), default="normal",
                   help="which literature curves (default normal)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="write the figures to DIR/dashboard.png (default: beside METRICS.csv)")
    p.add_argument("--no-plot", action="store_true", help="only the table: no dashboard.png")
    p.set_defaults(func=_validate)


REGISTRATIONS = (register_run, register_params, register_validate)
