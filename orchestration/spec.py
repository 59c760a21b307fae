"""Sweep specifications: a TOML sweep config becomes an immutable, validated :class:`SweepSpec`.

Everything the user can get wrong is checked here, before any cluster starts or any
directory is created: unknown keys, unknown parameter paths (with the nearest valid
names), empty or duplicate values, values of the wrong type or out of range, unknown
skins, presets, metrics and measures. Errors are :class:`SpecError`, a
:class:`skibidy.errors.ConfigError`, so the command line reports them with exit code 2.

The spec hash (:attr:`SweepSpec.hash`) is the identity of a sweep: it covers everything
that determines the result cube (axes, replicates, skin, preset, fixed overrides, root
seed, seeding) and nothing that does not (name, outcomes, cluster, runs per task).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping, Sequence

from orchestration.measures import Outcomes, parse_outcomes
from skibidy.errors import ConfigError

__all__ = [
    "Axis",
    "Outcomes",
    "SweepSpec",
    "SpecError",
    "load_sweep",
    "parse_sweep",
    "batch_spec",
    "parse_set",
]

SPECIAL_AXES = ("skin", "preset")
"""Axis names that select a skin profile or a preset instead of a parameter value."""

_SWEEP_KEYS = {
    "name": "a name for the results directory",
    "param": "the dotted path of the one swept parameter",
    "values": "the values of that parameter",
    "params": "a list of {param, values} tables, one per axis",
    "runs_per_value": "replicates per parameter point",
    "skin": "the skin profile (normal, aged, ...)",
    "preset": "the scenario preset (wound, ...)",
    "seed": "the root seed",
    "seeding": '"independent" (default) or "common" random numbers across points',
    "runs_per_task": "runs sent to a worker together (for very short runs)",
    "set": "fixed parameter overrides, a table of dotted path = value",
}
_TOP_KEYS = ("sweep", "outcomes", "cluster")


class SpecError(ConfigError):
    """A sweep config (or a command-line option that feeds it) is invalid."""


def _sim() -> Any:
    """The simulator's config module (imported lazily: it is the other team's code)."""
    import skibidy.config as config

    return config


def _metric_columns() -> tuple[str, ...]:
    import skibidy

    return tuple(skibidy.METRIC_COLUMNS)


def _nearest(word: str, choices: Sequence[str], n: int = 3) -> str:
    near = difflib.get_close_matches(word, list(choices), n=n, cutoff=0.5)
    return f"; did you mean {', '.join(repr(x) for x in near)}?" if near else ""


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    return type(value).__name__


@dataclass(frozen=True)
class Axis:
    """One swept dimension of the grid.

    Attributes
    ----------
    name : str
        Dimension name in the result cube (the last part of the dotted path, made unique).
    param : str
        The full dotted parameter path, or ``"skin"`` / ``"preset"``.
    values : tuple
        The values, coerced to the parameter's kind (bool, int, float or str).
    """

    name: str
    param: str
    values: tuple[Any, ...]

    @property
    def kind(self) -> str:
        """The value kind: ``bool``, ``int``, ``float`` or ``str``."""
        return _kind_of(self.values[0])

    def __len__(self) -> int:
        return len(self.values)


@dataclass(frozen=True)
class SweepSpec:
    """A validated, immutable sweep (or consensus batch, a sweep with no axes).

    Build one with :func:`load_sweep`, :func:`parse_sweep` or :func:`batch_spec`.
    """

    name: str
    axes: tuple[Axis, ...]
    runs_per_value: int
    skin: str = "normal"
    preset: str = "wound"
    overrides: tuple[tuple[str, Any], ...] = ()
    outcomes: Outcomes = field(default_factory=lambda: Outcomes("wound_closure_pct"))
    seed: int = 0
    seeding: str = "independent"
    runs_per_task: int = 1
    kind: str = "sweep"
    cluster: tuple[tuple[str, Any], ...] = ()
    text: str = ""

    # -- identity --------------------------------------------------------------------------
    def identity(self) -> dict[str, Any]:
        """The fields that determine the result cube, as plain JSON-able data."""
        return {
            "axes": [[a.param, list(a.values)] for a in self.axes],
            "runs_per_value": self.runs_per_value,
            "skin": self.skin,
            "preset": self.preset,
            "overrides": [[k, v] for k, v in self.overrides],
            "seed": self.seed,
            "seeding": self.seeding,
        }

    @property
    def hash(self) -> str:
        """Hex SHA-256 of :meth:`identity` (canonical JSON): the sweep's identity."""
        blob = json.dumps(self.identity(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()

    @property
    def n_runs(self) -> int:
        """Total number of runs in the grid."""
        return math.prod(len(a) for a in self.axes) * self.runs_per_value

    def to_dict(self) -> dict[str, Any]:
        """Everything needed to rebuild the spec with :meth:`from_dict`."""
        d = self.identity()
        d.update(
            name=self.name,
            axis_names=[a.name for a in self.axes],
            outcomes={
                "primary": self.outcomes.primary,
                "secondary": list(self.outcomes.secondary),
                "measure": self.outcomes.measure,
            },
            runs_per_task=self.runs_per_task,
            kind=self.kind,
            cluster=dict(self.cluster),
            text=self.text,
            hash=self.hash,
        )
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "SweepSpec":
        """Rebuild a spec written by :meth:`to_dict` (values are not re-validated)."""
        axes = tuple(
            Axis(name, param, tuple(values))
            for name, (param, values) in zip(d["axis_names"], d["axes"])
        )
        o = d["outcomes"]
        spec = cls(
            name=d["name"],
            axes=axes,
            runs_per_value=int(d["runs_per_value"]),
            skin=d["skin"],
            preset=d["preset"],
            overrides=tuple((k, v) for k, v in d["overrides"]),
            outcomes=Outcomes(o["primary"], tuple(o["secondary"]), o["measure"]),
            seed=int(d["seed"]),
            seeding=d["seeding"],
            runs_per_task=int(d.get("runs_per_task", 1)),
            kind=d.get("kind", "sweep"),
            cluster=tuple(sorted(d.get("cluster", {}).items())),
            text=d.get("text", ""),
        )
        return spec

    def with_options(
        self,
        *,
        runs_per_value: int | None = None,
        seed: int | None = None,
        overrides: Mapping[str, Any] | None = None,
        runs_per_task: int | None = None,
    ) -> "SweepSpec":
        """Return a copy with command-line options applied (validated)."""
        changes: dict[str, Any] = {}
        if runs_per_value is not None:
            changes["runs_per_value"] = _check_count(runs_per_value, "-n (runs per value)")
        if seed is not None:
            changes["seed"] = _check_seed(seed)
        if runs_per_task is not None:
            changes["runs_per_task"] = _check_count(runs_per_task, "runs_per_task")
        if overrides:
            swept = sorted(set(overrides) & {a.param for a in self.axes})
            if swept:
                raise SpecError(
                    f"--set {swept[0]} fixes a parameter the config sweeps; drop the --set, "
                    "or remove the axis from the config"
                )
            merged = dict(self.overrides)
            merged.update(overrides)
            changes["overrides"] = tuple(sorted(merged.items()))
        if not changes:
            return self
        spec = replace(self, **changes)
        _check_points(spec)
        return spec


# -- parsing --------------------------------------------------------------------------------


def load_sweep(path: str | Path) -> SweepSpec:
    """Read and validate a sweep config file.

    Parameters
    ----------
    path : str or Path
        A TOML file in the sweep format (``[sweep]``, ``[outcomes]``, optional ``[cluster]``).

    Returns
    -------
    SweepSpec

    Raises
    ------
    SpecError
        If the file is missing, is not valid TOML, or describes an invalid sweep.

    Examples
    --------
    >>> spec = load_sweep("configs/cytokine_rate.toml")  # doctest: +SKIP
    >>> [a.param for a in spec.axes]  # doctest: +SKIP
    ['skin.immune.cytokine_rate']
    """
    p = Path(path)
    if not p.is_file():
        hint = " (it is a directory)" if p.is_dir() else ""
        raise SpecError(
            f"sweep config {str(path)!r} not found{hint}; "
            "give the path of a .toml file, e.g. configs/cytokine_rate.toml"
        )
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read sweep config {str(path)!r}: {exc}") from None
    return parse_sweep(text, source=str(path))


def parse_sweep(text: str, source: str = "<string>") -> SweepSpec:
    """Validate sweep-config TOML text and return its :class:`SweepSpec`.

    Parameters
    ----------
    text : str
        TOML text in the sweep format.
    source : str
        Where the text came from, for error messages.
    """
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(
            f"{source} is not valid TOML: {exc}; fix the syntax there (a missing bracket, "
            "quote or comma is the usual cause)"
        ) from None
    where = source
    _unknown(doc, _TOP_KEYS, where, "top-level table")
    sweep = doc.get("sweep")
    if not isinstance(sweep, dict):
        raise SpecError(
            f"{where} has no [sweep] table; add one with 'param' and 'values' "
            "(or [[sweep.params]] tables) and 'runs_per_value'"
        )
    _unknown(sweep, tuple(_SWEEP_KEYS), f"{where} [sweep]", "key")

    skin = _check_name(sweep.get("skin", "normal"), "skin", _sim().SKINS, where)
    preset = _check_name(sweep.get("preset", "wound"), "preset", _sim().PRESETS, where)
    rpv = _check_count(sweep.get("runs_per_value", 1), f"{where} [sweep] runs_per_value")
    seed = _check_seed(sweep.get("seed", 0))
    seeding = sweep.get("seeding", "independent")
    if seeding not in ("independent", "common"):
        raise SpecError(
            f"{where} [sweep] seeding = {seeding!r} is unknown; use \"independent\" or \"common\""
        )
    rpt = _check_count(sweep.get("runs_per_task", 1), f"{where} [sweep] runs_per_task")

    raw_axes = _raw_axes(sweep, where)
    axes = _build_axes(raw_axes, where)
    for special in SPECIAL_AXES:
        if special in sweep and any(a.param == special for a in axes):
            raise SpecError(
                f"{where} [sweep] {special} = {sweep[special]!r} has no effect because "
                f"{special} is also swept; drop one of them"
            )
    overrides = _check_overrides(sweep.get("set", {}), where, axes)
    outcomes = _parse_outcomes(doc.get("outcomes", {}), where)
    base_dir = Path(source).parent if source != "<string>" else None
    cluster = _parse_cluster(doc.get("cluster", {}), where, base_dir)

    name = sweep.get("name", Path(source).stem if source != "<string>" else "sweep")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.\-]+", name):
        raise SpecError(
            f"{where} [sweep] name = {name!r} is not usable as a directory name; "
            "use letters, digits, '_', '-' or '.'"
        )
    spec = SweepSpec(
        name=name,
        axes=axes,
        runs_per_value=rpv,
        skin=skin,
        preset=preset,
        overrides=overrides,
        outcomes=outcomes,
        seed=seed,
        seeding=seeding,
        runs_per_task=rpt,
        kind="sweep",
        cluster=cluster,
        text=text,
    )
    _check_points(spec)
    return spec


def batch_spec(
    *,
    runs: int = 20,
    skin: str = "normal",
    preset: str = "wound",
    overrides: Mapping[str, Any] | None = None,
    seed: int = 0,
    outcomes: Outcomes | None = None,
) -> SweepSpec:
    """The spec of a consensus batch: ``runs`` seeded runs of one config (no axes)."""
    skin = _check_name(skin, "skin", _sim().SKINS, "--skin")
    preset = _check_name(preset, "preset", _sim().PRESETS, "--preset")
    runs = _check_count(runs, "-n (number of runs)")
    ov = tuple(sorted((overrides or {}).items()))
    spec = SweepSpec(
        name=f"consensus_{skin}_{preset}",
        axes=(),
        runs_per_value=runs,
        skin=skin,
        preset=preset,
        overrides=ov,
        outcomes=outcomes or Outcomes("wound_closure_pct", ("mean_infl_wound", "n_macrophages")),
        seed=_check_seed(seed),
        kind="batch",
    )
    _check_points(spec)
    return spec


def parse_set(items: Sequence[str]) -> dict[str, Any]:
    """Parse ``--set PATH=VALUE`` options into checked overrides.

    Values are read as TOML literals (``0.5``, ``true``, ``"split"``); a bare word that is
    not a TOML literal is taken as a string.
    """
    out: dict[str, Any] = {}
    for item in items:
        path, sep, raw = item.partition("=")
        path, raw = path.strip(), raw.strip()
        if not sep or not path or not raw:
            raise SpecError(
                f"--set {item!r} is not PATH=VALUE; write e.g. --set skin.duration_days=2"
            )
        value = _parse_literal(raw, item)
        out[path] = _check_param(path, value, f"--set {item!r}")
    return out


def _unknown(table: Mapping[str, Any], allowed: Sequence[str], where: str, what: str) -> None:
    for key in table:
        if key not in allowed:
            near = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.5)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise SpecError(
                f"unknown {what} {key!r} in {where}{hint}; allowed: {', '.join(allowed)}"
            )


def _check_name(value: Any, what: str, choices: Sequence[str], where: str) -> str:
    if not isinstance(value, str) or value not in choices:
        raise SpecError(
            f"unknown {what} {value!r} in {where}{_nearest(str(value), choices)}; "
            f"available: {', '.join(choices)}"
        )
    return value


def _check_count(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SpecError(f"{what} must be a whole number of at least 1, got {value!r}")
    return int(value)


def _check_seed(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SpecError(f"the root seed must be a non-negative integer, got {value!r}")
    return int(value)


def _parse_literal(raw: str, item: str) -> Any:
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_\-]*", raw):
            return raw
        raise SpecError(
            f"--set {item!r}: cannot parse the value {raw!r}; use a number, true/false "
            "or a word"
        ) from None


def _check_param(path: str, value: Any, where: str) -> Any:
    try:
        return _sim().check_value(path, value)
    except ConfigError as exc:
        raise SpecError(f"{where}: {exc}") from None


def _raw_axes(sweep: Mapping[str, Any], where: str) -> list[tuple[Any, Any, str]]:
    has_single = "param" in sweep or "values" in sweep
    has_multi = "params" in sweep
    if has_single and has_multi:
        raise SpecError(
            f"{where} [sweep] has both 'param'/'values' and [[sweep.params]]; use one form"
        )
    if not has_single and not has_multi:
        raise SpecError(
            f"{where} [sweep] has neither 'param' nor 'params'; add param = \"<dotted.path>\" "
            "and values = [...], or one [[sweep.params]] table per axis"
        )
    if has_single:
        if "param" not in sweep or "values" not in sweep:
            missing = "param" if "param" not in sweep else "values"
            raise SpecError(f"{where} [sweep] is missing '{missing}'; give both param and values")
        return [(sweep["param"], sweep["values"], f"{where} [sweep]")]
    params = sweep["params"]
    if not isinstance(params, list) or not params or not all(isinstance(p, dict) for p in params):
        raise SpecError(
            f"{where} [sweep] params must be one or more [[sweep.params]] tables "
            "with param and values"
        )
    out = []
    for i, table in enumerate(params, 1):
        loc = f"{where} [[sweep.params]] #{i}"
        _unknown(table, ("param", "values"), loc, "key")
        for key in ("param", "values"):
            if key not in table:
                raise SpecError(f"{loc} is missing '{key}'; give both param and values")
        out.append((table["param"], table["values"], loc))
    return out


def _build_axes(raw: list[tuple[Any, Any, str]], where: str) -> tuple[Axis, ...]:
    seen: set[str] = set()
    axes = []
    for param, values, loc in raw:
        if not isinstance(param, str) or not param:
            raise SpecError(f"{loc}: param must be a dotted parameter path, got {param!r}")
        if param in seen:
            raise SpecError(f"{loc}: parameter {param!r} is swept twice; merge its values")
        seen.add(param)
        if not isinstance(values, list) or not values:
            raise SpecError(
                f"{loc}: values for {param!r} must be a non-empty list, e.g. values = [1, 2]"
            )
        if param in SPECIAL_AXES:
            choices = _sim().SKINS if param == "skin" else _sim().PRESETS
            coerced = [_check_name(v, param, choices, loc) for v in values]
        else:
            coerced = [_check_param(param, v, loc) for v in values]
            kinds = {_kind_of(v) for v in coerced}
            if len(kinds) > 1:
                raise SpecError(f"{loc}: values for {param!r} mix types {sorted(kinds)}")
        dupes = sorted({repr(v) for v in coerced if coerced.count(v) > 1})
        if dupes:
            raise SpecError(
                f"{loc}: duplicate values {', '.join(dupes)} for {param!r}; list each value once"
            )
        axes.append((param, tuple(coerced)))
    names = _axis_names([p for p, _ in axes])
    return tuple(Axis(n, p, v) for n, (p, v) in zip(names, axes))


def _axis_names(params: list[str]) -> list[str]:
    """Short, unique dimension names: the shortest dotted suffix that is unique."""
    reserved = {"replicate", "time", "time_days", "seed", "status", *_metric_columns()}
    generic = {"enabled", "mode", "rate", "factor", "scale", "value", "radius"}
    names = []
    for p in params:
        parts = p.split(".")
        start = 2 if parts[-1] in generic and len(parts) > 1 else 1
        for k in range(start, len(parts) + 1):
            cand = "_".join(parts[-k:])
            clash = any(
                q != p and "_".join(q.split(".")[-k:]) == cand for q in params
            ) or cand in reserved
            if not clash:
                break
        names.append(cand)
    return names


def _check_overrides(table: Any, where: str, axes: tuple[Axis, ...]) -> tuple[tuple[str, Any], ...]:
    if not isinstance(table, dict):
        raise SpecError(f"{where} [sweep] set must be a table of \"dotted.path\" = value")
    flat: dict[str, Any] = {}

    def walk(prefix: str, node: Mapping[str, Any]) -> None:
        for k, v in node.items():
            path = f"{prefix}.{k}" if prefix else k
            if isinstance(v, dict):
                walk(path, v)
            else:
                flat[path] = v

    walk("", table)
    swept = {a.param for a in axes}
    out = {}
    for path, value in flat.items():
        if path in swept:
            raise SpecError(f"{where} [sweep.set] fixes {path!r}, which is also swept; drop one")
        out[path] = _check_param(path, value, f"{where} [sweep.set]")
    return tuple(sorted(out.items()))


def _parse_outcomes(table: Any, where: str) -> Outcomes:
    """``[outcomes]``, checked by :func:`orchestration.measures.parse_outcomes`."""
    metrics = [c for c in _metric_columns() if c not in ("step", "time_h", "time_days")]
    try:
        return parse_outcomes(table, where, metrics)
    except ConfigError as exc:
        raise SpecError(str(exc)) from None


def _parse_cluster(table: Any, where: str, base_dir: Path | None) -> tuple[tuple[str, Any], ...]:
    """Validate ``[cluster]`` with :func:`orchestration.hpc.parse_cluster_table`."""
    if not table:
        return ()
    from orchestration.hpc import parse_cluster_table

    try:
        parsed = parse_cluster_table(table, base_dir=base_dir)
    except ConfigError as exc:
        raise SpecError(f"{where}: {exc}") from None
    values = {k: v for k, v in vars(parsed).items() if v is not None and v != ()}
    return tuple(sorted((k, list(v) if isinstance(v, tuple) else v) for k, v in values.items()))


def _check_points(spec: SweepSpec) -> None:
    """Check that the simulator accepts the configs of the grid.

    Each axis value is tried once (the other axes at their first value), so a grid of
    any size costs ``sum(len(axis))`` config loads.
    """
    from skibidy import load_config

    base = {a.param: a.values[0] for a in spec.axes}
    probes = [dict(base)]
    for a in spec.axes:
        for v in a.values[1:]:
            probes.append({**base, a.param: v})
    for point in probes:
        skin, preset, ov = resolve_point(spec, point)
        try:
            load_config(skin=skin, preset=preset, overrides=ov)
        except ConfigError as exc:
            shown = ", ".join(f"{k}={v!r}" for k, v in point.items()) or "the base config"
            raise SpecError(f"the simulator rejects {shown}: {exc}") from None


def resolve_point(spec: SweepSpec, point: Mapping[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """Split a parameter point into (skin, preset, overrides) for ``load_config``."""
    skin = point.get("skin", spec.skin)
    preset = point.get("preset", spec.preset)
    ov = dict(spec.overrides)
    ov.update({k: v for k, v in point.items() if k not in SPECIAL_AXES})
    return skin, preset, ov
