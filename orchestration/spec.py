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
from skibidy.suggest import close_matches, did_you_mean

__all__ = [
    "Axis",
    "Sampled",
    "DesignSpec",
    "DESIGNS",
    "DISTRIBUTIONS",
    "Outcomes",
    "SweepSpec",
    "SpecError",
    "load_sweep",
    "parse_sweep",
    "batch_spec",
    "parse_set",
]

DESIGNS = ("grid", "lhs", "sobol", "morris", "table")
"""Design methods: Cartesian grid, Latin hypercube, Saltelli/Sobol', Morris, a CSV table."""

DISTRIBUTIONS = ("uniform", "log-uniform", "normal")
"""Distributions of a sampled parameter over its ``bounds`` (see :mod:`orchestration.design`)."""

DEFAULT_MODEL = "skibidy"
"""The simulator a sweep runs unless ``[sweep] model`` names another."""

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
    "design": "the design: a [sweep.design] table with method, samples, seed, ...",
    "model": "the simulator, a name registered in the skibidy.models entry points",
}
_PARAM_KEYS = ("param", "values", "bounds", "distribution")
_DESIGN_KEYS = ("method", "samples", "seed", "levels", "file")
#: parameters that change a run's output times: sweep them with values, not bounds
_TIMING_SUFFIXES = ("duration_days", "metrics_interval_h", "time_step_h")
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
    return did_you_mean(word, choices, n=n)


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
class Sampled:
    """A parameter a sampled design draws from ``[low, high]``.

    Attributes
    ----------
    name : str
        Its coordinate name along ``point`` in the result cube.
    param : str
        The dotted parameter path (for other models, the model's own name).
    low, high : float
        The bounds.
    distribution : str
        ``uniform``, ``log-uniform`` or ``normal`` (see :mod:`orchestration.design`).
    kind : str
        ``float`` or ``int`` (sampled values of an ``int`` parameter are rounded).
    """

    name: str
    param: str
    low: float
    high: float
    distribution: str = "uniform"
    kind: str = "float"


@dataclass(frozen=True)
class DesignSpec:
    """The ``[sweep.design]`` table.

    Attributes
    ----------
    method : str
        One of :data:`DESIGNS`.
    samples : int
        ``lhs``: points; ``sobol``: the base sample N (a power of two, N * (d + 2) points);
        ``morris``: trajectories (r * (d + 1) points); 0 for ``grid`` and ``table``.
    seed : int
        The sampler's seed.
    levels : int
        Morris grid levels (even, at least 2).
    file : str
        ``table``: the CSV file the points came from (as written in the config).
    columns : tuple of str
        ``table``: the parameter of each CSV column.
    rows : tuple of tuple
        ``table``: the points, checked and coerced (the file is read once, at parse time).
    """

    method: str = "grid"
    samples: int = 0
    seed: int = 0
    levels: int = 4
    file: str = ""
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method, "samples": self.samples, "seed": self.seed,
            "levels": self.levels, "file": self.file, "columns": list(self.columns),
            "rows": [list(r) for r in self.rows],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "DesignSpec":
        return cls(
            method=d["method"], samples=int(d["samples"]), seed=int(d["seed"]),
            levels=int(d["levels"]), file=d.get("file", ""),
            columns=tuple(d.get("columns", ())), rows=tuple(tuple(r) for r in d.get("rows", ())),
        )


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
    sampled: tuple[Sampled, ...] = ()
    design: DesignSpec = field(default_factory=DesignSpec)
    model: str = DEFAULT_MODEL
    table_names: tuple[str, ...] = ()

    @property
    def is_grid(self) -> bool:
        """True for a Cartesian grid (the cube's labelled view has one dim per axis)."""
        return self.design.method == "grid"

    @property
    def params(self) -> tuple[str, ...]:
        """Every varied parameter: categorical axes, then sampled ones or table columns."""
        return (
            *(a.param for a in self.axes), *(s.param for s in self.sampled), *self.design.columns
        )

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
        } | self._design_identity()

    def _design_identity(self) -> dict[str, Any]:
        """Design and model fields, present only when they differ from a plain grid of skibidy
        (so a grid's identity, and its hash, is the same as before designs existed)."""
        out: dict[str, Any] = {}
        if self.model != DEFAULT_MODEL:
            out["model"] = self.model
        if not self.is_grid:
            d = self.design.to_dict()
            d.pop("file")  # where the rows came from does not change the cube
            out["design"] = d
            out["sampled"] = [
                [s.param, s.low, s.high, s.distribution, s.kind] for s in self.sampled
            ]
        return out

    @property
    def hash(self) -> str:
        """Hex SHA-256 of :meth:`identity` (canonical JSON): the sweep's identity."""
        blob = json.dumps(self.identity(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()

    @property
    def n_points(self) -> int:
        """Parameter points: categorical combinations times the design's rows."""
        return math.prod(len(a) for a in self.axes) * design_rows(self)

    @property
    def n_runs(self) -> int:
        """Total number of runs (points times replicates)."""
        return self.n_points * self.runs_per_value

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
            model=self.model,
            design=self.design.to_dict(),
            sampled=[[s.param, s.low, s.high, s.distribution, s.kind] for s in self.sampled],
            sampled_names=[s.name for s in self.sampled],
            table_names=list(self.table_names),
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
            sampled=tuple(
                Sampled(n, p, float(lo), float(hi), dist, kind)
                for n, (p, lo, hi, dist, kind) in zip(d.get("sampled_names", ()), d.get("sampled", ()))
            ),
            design=DesignSpec.from_dict(d["design"]) if "design" in d else DesignSpec(),
            model=d.get("model", DEFAULT_MODEL),
            table_names=tuple(d.get("table_names", ())),
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
            swept = sorted(set(overrides) & set(self.params))
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

    model = _check_model(sweep.get("model", DEFAULT_MODEL), where)
    base_dir = Path(source).parent if source != "<string>" else None
    design = _parse_design(sweep.get("design", {}), where, seed)
    raw_axes = _raw_axes(sweep, where, design.method)
    axes, sampled = _build_axes(raw_axes, where, design.method, model)
    if design.method == "table":
        design = _read_table(design, where, base_dir, model, {a.param for a in axes})
    elif design.method != "grid" and not sampled:
        raise SpecError(
            f"{where} [sweep.design] method = {design.method!r} samples parameters, but no "
            "[[sweep.params]] table has bounds; give the sampled ones bounds = [low, high]"
        )
    _check_design_size(design, len(sampled), where)
    for special in SPECIAL_AXES:
        if special in sweep and any(a.param == special for a in axes):
            raise SpecError(
                f"{where} [sweep] {special} = {sweep[special]!r} has no effect because "
                f"{special} is also swept; drop one of them"
            )
    varied = [*(a.param for a in axes), *(x.param for x in sampled), *design.columns]
    overrides = _check_overrides(sweep.get("set", {}), where, varied, model)
    outcomes = _parse_outcomes(doc.get("outcomes", {}), where, _model_metrics(model, where))
    cluster = _parse_cluster(doc.get("cluster", {}), where, base_dir)

    name = sweep.get("name", Path(source).stem if source != "<string>" else "sweep")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.\-]+", name):
        raise SpecError(
            f"{where} [sweep] name = {name!r} is not usable as a directory name; "
            "use letters, digits, '_', '-' or '.'"
        )
    names = _axis_names(varied)
    k, j = len(axes), len(sampled)
    axes = tuple(Axis(n, a.param, a.values) for n, a in zip(names[:k], axes))
    sampled = tuple(replace(x, name=n) for n, x in zip(names[k : k + j], sampled))
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
        sampled=sampled,
        design=design,
        model=model,
        table_names=tuple(names[k + j :]),
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
            near = close_matches(key, allowed, n=1)
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


def _raw_axes(sweep: Mapping[str, Any], where: str, method: str) -> list[dict[str, Any]]:
    """The parameter tables of ``[sweep]`` (the one-axis form or ``[[sweep.params]]``)."""
    has_single = "param" in sweep or "values" in sweep
    has_multi = "params" in sweep
    if has_single and has_multi:
        raise SpecError(
            f"{where} [sweep] has both 'param'/'values' and [[sweep.params]]; use one form"
        )
    if not has_single and not has_multi:
        if method == "table":
            return []
        raise SpecError(
            f"{where} [sweep] has neither 'param' nor 'params'; add param = \"<dotted.path>\" "
            "and values = [...], or one [[sweep.params]] table per axis"
        )
    if has_single:
        if "param" not in sweep or "values" not in sweep:
            missing = "param" if "param" not in sweep else "values"
            raise SpecError(f"{where} [sweep] is missing '{missing}'; give both param and values")
        return [{"param": sweep["param"], "values": sweep["values"], "loc": f"{where} [sweep]"}]
    params = sweep["params"]
    if not isinstance(params, list) or not params or not all(isinstance(p, dict) for p in params):
        raise SpecError(
            f"{where} [sweep] params must be one or more [[sweep.params]] tables "
            "with param and values"
        )
    out = []
    for i, table in enumerate(params, 1):
        loc = f"{where} [[sweep.params]] #{i}"
        _unknown(table, _PARAM_KEYS, loc, "key")
        if "param" not in table:
            raise SpecError(f"{loc} is missing 'param'; give both param and values")
        if "values" in table and "bounds" in table:
            raise SpecError(
                f"{loc}: {table['param']!r} has both values and bounds; give values for a "
                "categorical axis or bounds = [low, high] for a sampled parameter"
            )
        if "bounds" in table and method in ("grid", "table"):
            raise SpecError(
                f"{loc}: bounds need a sampled design; add [sweep.design] with method = "
                "\"lhs\", \"sobol\" or \"morris\", or give values instead"
            )
        if "values" not in table and "bounds" not in table:
            need = "values" if method in ("grid", "table") else "values or bounds"
            raise SpecError(f"{loc} is missing '{need.split()[0]}'; give param and {need}")
        if "distribution" in table and "bounds" not in table:
            raise SpecError(
                f"{loc}: distribution applies to a sampled parameter; give bounds = [low, high]"
            )
        out.append({**table, "loc": loc})
    return out


def _build_axes(
    raw: list[dict[str, Any]], where: str, method: str, model: str
) -> tuple[tuple[Axis, ...], tuple[Sampled, ...]]:
    """Check every parameter table: categorical axes (values) and sampled parameters (bounds).

    Names are provisional (the caller names every varied parameter together).
    """
    seen: set[str] = set()
    axes: list[Axis] = []
    sampled: list[Sampled] = []
    for table in raw:
        param, loc = table["param"], table["loc"]
        if not isinstance(param, str) or not param:
            raise SpecError(f"{loc}: param must be a dotted parameter path, got {param!r}")
        if param in seen:
            raise SpecError(f"{loc}: parameter {param!r} is swept twice; merge its values")
        seen.add(param)
        if "bounds" in table:
            sampled.append(_sampled(param, table, loc, model))
            continue
        values = table["values"]
        if not isinstance(values, list) or not values:
            raise SpecError(
                f"{loc}: values for {param!r} must be a non-empty list, e.g. values = [1, 2]"
            )
        if param in SPECIAL_AXES and model == DEFAULT_MODEL:
            choices = _sim().SKINS if param == "skin" else _sim().PRESETS
            coerced = [_check_name(v, param, choices, loc) for v in values]
        else:
            coerced = [_check_model_param(param, v, loc, model) for v in values]
            kinds = {_kind_of(v) for v in coerced}
            if len(kinds) > 1:
                raise SpecError(f"{loc}: values for {param!r} mix types {sorted(kinds)}")
        dupes = sorted({repr(v) for v in coerced if coerced.count(v) > 1})
        if dupes:
            raise SpecError(
                f"{loc}: duplicate values {', '.join(dupes)} for {param!r}; list each value once"
            )
        axes.append(Axis(param, param, tuple(coerced)))
    return tuple(axes), tuple(sampled)


def _sampled(param: str, table: Mapping[str, Any], loc: str, model: str) -> Sampled:
    """Check one sampled parameter: its bounds, its distribution, and (skibidy) its range."""
    bounds = table["bounds"]
    ok = (
        isinstance(bounds, list) and len(bounds) == 2
        and all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in bounds)
        and all(math.isfinite(b) for b in bounds)
    )
    if not ok:
        raise SpecError(
            f"{loc}: bounds for {param!r} must be two finite numbers [low, high], got {bounds!r}"
        )
    low, high = float(bounds[0]), float(bounds[1])
    if not low < high:
        raise SpecError(
            f"{loc}: bounds for {param!r} are [{bounds[0]}, {bounds[1]}]; the low bound must be "
            "below the high one"
        )
    dist = table.get("distribution", "uniform")
    if dist not in DISTRIBUTIONS:
        raise SpecError(
            f"{loc}: unknown distribution {dist!r} for {param!r}{_nearest(str(dist), DISTRIBUTIONS)}; "
            f"use one of {', '.join(DISTRIBUTIONS)}"
        )
    if dist == "log-uniform" and low <= 0:
        raise SpecError(
            f"{loc}: a log-uniform {param!r} needs bounds above 0, got [{bounds[0]}, {bounds[1]}]; "
            "raise the low bound or use distribution = \"uniform\""
        )
    kind = "float"
    if model == DEFAULT_MODEL:
        if param in SPECIAL_AXES or param.endswith(_TIMING_SUFFIXES):
            raise SpecError(
                f"{loc}: {param!r} cannot be sampled (it chooses the skin, preset or the output "
                "times); give it values, a categorical axis crossed with the design"
            )
        coerced = [_check_param(param, b, loc) for b in bounds]
        kind = _kind_of(coerced[0])
        if kind not in ("int", "float"):
            raise SpecError(
                f"{loc}: {param!r} is a {kind} parameter and cannot be sampled; give it values "
                "(a categorical axis crossed with the design)"
            )
    return Sampled(param, param, low, high, str(dist), kind)


def _check_model(value: Any, where: str) -> str:
    """The ``[sweep] model`` name, registered in the ``skibidy.models`` entry points."""
    from orchestration.models import available_models

    names = available_models()
    if not isinstance(value, str) or value not in names:
        raise SpecError(
            f"unknown model {value!r} in {where} [sweep]{_nearest(str(value), names)}; "
            f"registered models (entry points skibidy.models): {', '.join(names)}"
        )
    return value


def _model_metrics(model: str, where: str) -> tuple[str, ...]:
    """The metric columns a model reports (for checking ``[outcomes]``)."""
    if model == DEFAULT_MODEL:
        return tuple(c for c in _metric_columns() if c not in ("step", "time_h", "time_days"))
    from orchestration.models import resolve_model

    return resolve_model(model).metrics


def _check_model_param(param: str, value: Any, where: str, model: str) -> Any:
    """A value checked by the skibidy parameter registry, or any TOML scalar for other models."""
    if model == DEFAULT_MODEL:
        return _check_param(param, value, where)
    if isinstance(value, (dict, list)):
        raise SpecError(f"{where}: the value of {param!r} must be a number, true/false or a string")
    return value


def _parse_design(table: Any, where: str, root_seed: int) -> DesignSpec:
    """Check ``[sweep.design]`` (sizes are checked once the parameters are known)."""
    if not isinstance(table, dict):
        raise SpecError(f"{where} [sweep] design must be a [sweep.design] table with method = ...")
    loc = f"{where} [sweep.design]"
    _unknown(table, _DESIGN_KEYS, loc, "key")
    method = table.get("method", "grid")
    if method not in DESIGNS:
        raise SpecError(
            f"unknown design method {method!r} in {loc}{_nearest(str(method), DESIGNS)}; "
            f"use one of {', '.join(DESIGNS)}"
        )
    sampled = method in ("lhs", "sobol", "morris")
    for key in ("samples", "levels", "file", "seed"):
        usable = {
            "samples": sampled, "levels": method == "morris", "file": method == "table",
            "seed": sampled,
        }[key]
        if key in table and not usable:
            raise SpecError(f"{loc}: {key} has no meaning for method = {method!r}; drop it")
    samples = 0
    if sampled:
        if "samples" not in table:
            what = {"lhs": "points", "sobol": "the base sample N, a power of two",
                    "morris": "trajectories"}[method]
            raise SpecError(f"{loc} is missing samples ({what}) for method = {method!r}")
        samples = _check_count(table["samples"], f"{loc} samples")
    levels = table.get("levels", 4)
    if method == "morris":
        if isinstance(levels, bool) or not isinstance(levels, int) or levels < 2 or levels % 2:
            raise SpecError(f"{loc} levels must be an even whole number of at least 2, got {levels!r}")
    seed = _check_seed(table.get("seed", root_seed))
    file = table.get("file", "")
    if method == "table" and (not isinstance(file, str) or not file):
        raise SpecError(f"{loc} is missing file, the CSV of points (one column per parameter)")
    return DesignSpec(method=method, samples=samples, seed=seed, levels=int(levels), file=file)


def _check_design_size(design: DesignSpec, n_sampled: int, where: str) -> None:
    """Sizes the methods require: Sobol' a power of two, Morris at least 2 trajectories."""
    loc = f"{where} [sweep.design]"
    n = design.samples
    if design.method == "sobol" and n & (n - 1):
        low = 1 << (n.bit_length() - 1)
        raise SpecError(
            f"{loc} samples = {n}: Sobol' sampling needs a power of two; use {low} or {low * 2} "
            f"({low * (n_sampled + 2)} or {low * 2 * (n_sampled + 2)} points)"
        )
    if design.method == "sobol" and n < 2:
        raise SpecError(f"{loc} samples = {n}: Sobol' sampling needs at least 2; use e.g. 256")
    if design.method == "morris" and n < 2:
        raise SpecError(f"{loc} samples = {n}: Morris needs at least 2 trajectories; use e.g. 10")
    if design.method == "lhs" and n < 2:
        raise SpecError(f"{loc} samples = {n}: a Latin hypercube needs at least 2 points")


def _read_table(
    design: DesignSpec, where: str, base_dir: Path | None, model: str, crossed: set[str]
) -> DesignSpec:
    """Read and check the CSV of a ``table`` design (relative paths: from the config's folder)."""
    import csv

    path = Path(design.file)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    loc = f"{where} [sweep.design] file = {design.file!r}"
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = [r for r in csv.reader(fh) if r and any(c.strip() for c in r)]
    except OSError as exc:
        raise SpecError(f"{loc}: cannot read it ({exc.strerror or exc}); give the path of a CSV file") from None
    if len(rows) < 2:
        raise SpecError(f"{loc} needs a header row of parameter paths and at least one point")
    header = [h.strip() for h in rows[0]]
    if len(set(header)) != len(header) or not all(header):
        raise SpecError(f"{loc}: the header has empty or repeated column names; name each parameter once")
    both = sorted(set(header) & crossed)
    if both:
        raise SpecError(f"{loc}: {both[0]!r} is a column and also has values; drop one")
    out = []
    for i, row in enumerate(rows[1:], 2):
        if len(row) != len(header):
            raise SpecError(f"{loc} line {i} has {len(row)} values for {len(header)} columns")
        point = []
        for col, raw in zip(header, row):
            value = _parse_literal(raw.strip(), f"{col}={raw.strip()}") if raw.strip() else None
            if value is None:
                raise SpecError(f"{loc} line {i}: no value for {col!r}")
            if model == DEFAULT_MODEL and col in SPECIAL_AXES:
                choices = _sim().SKINS if col == "skin" else _sim().PRESETS
                value = _check_name(value, col, choices, f"{loc} line {i}")
            else:
                value = _check_model_param(col, value, f"{loc} line {i}", model)
            point.append(value)
        out.append(tuple(point))
    return replace(design, columns=tuple(header), rows=tuple(out))


def design_rows(spec: "SweepSpec") -> int:
    """Points of the design for one combination of the categorical axes."""
    d, n = spec.design, len(spec.sampled)
    return {
        "grid": 1, "lhs": d.samples, "sobol": d.samples * (n + 2),
        "morris": d.samples * (n + 1), "table": len(d.rows),
    }[d.method]


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


def _check_overrides(
    table: Any, where: str, varied: Sequence[str], model: str = DEFAULT_MODEL
) -> tuple[tuple[str, Any], ...]:
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
    swept = set(varied)
    out = {}
    for path, value in flat.items():
        if path in swept:
            raise SpecError(f"{where} [sweep.set] fixes {path!r}, which is also swept; drop one")
        out[path] = _check_model_param(path, value, f"{where} [sweep.set]", model)
    return tuple(sorted(out.items()))


def _parse_outcomes(table: Any, where: str, metrics: Sequence[str] | None = None) -> Outcomes:
    """``[outcomes]``, checked by :func:`orchestration.measures.parse_outcomes`."""
    if metrics is None:
        metrics = [c for c in _metric_columns() if c not in ("step", "time_h", "time_days")]
    metrics = list(metrics)
    default = "wound_closure_pct" if "wound_closure_pct" in metrics else metrics[0]
    try:
        return parse_outcomes(table, where, metrics, default)
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
    """Check that the simulator accepts the configs of the design.

    Each axis value is tried once (the other axes at their first value), each sampled
    parameter at both bounds and each table row once, so a design of any size costs about
    ``sum(len(axis)) + 2 * sampled + rows`` config loads. Other models are not checked
    (their parameters are their own).
    """
    from skibidy import load_config

    if spec.model != DEFAULT_MODEL:
        return
    base = {a.param: a.values[0] for a in spec.axes}
    probes = [dict(base)]
    for a in spec.axes:
        for v in a.values[1:]:
            probes.append({**base, a.param: v})
    for x in spec.sampled:
        for b in (x.low, x.high):
            probes.append({**base, x.param: int(round(b)) if x.kind == "int" else b})
    for row in spec.design.rows:
        probes.append({**base, **dict(zip(spec.design.columns, row))})
    for point in probes:
        skin, preset, ov = resolve_point(spec, point)
        try:
            load_config(skin=skin, preset=preset, overrides=ov)
        except ConfigError as exc:
            shown = ", ".join(f"{k}={v!r}" for k, v in point.items()) or "the base config"
            raise SpecError(f"the simulator rejects {shown}: {exc}") from None


MODEL_PREFIX = "model:"
"""``resolve_point`` puts ``model:<name>`` where the skin goes when a sweep runs another model."""


def resolve_point(spec: SweepSpec, point: Mapping[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """Split a parameter point into (skin, preset, overrides) for ``load_config``.

    For a sweep of another model (``[sweep] model``) the triple is
    ``("model:<name>", "", parameters)``: :func:`orchestration.models.simulate_point`
    reads it either way, so the executor's payload has one shape for every model.
    """
    if spec.model != DEFAULT_MODEL:
        params = dict(spec.overrides)
        params.update(point)
        return f"{MODEL_PREFIX}{spec.model}", "", params
    skin = point.get("skin", spec.skin)
    preset = point.get("preset", spec.preset)
    ov = dict(spec.overrides)
    ov.update({k: v for k, v in point.items() if k not in SPECIAL_AXES})
    return skin, preset, ov
