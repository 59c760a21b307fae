"""Configuration: packaged TOML layers turned into a validated, immutable :class:`Config`.

Layers, later ones win: ``data/core.toml`` -> ``data/modules/*.toml`` (alphabetical)
-> ``data/profiles/<skin>.toml`` -> ``data/presets/<preset>.toml`` -> per-run overrides.
Every key of every layer is checked against :data:`PARAMETERS`, the registry the
model modules declare (``skibidy/model/*.py``); an unknown key, a wrong type or an
out-of-range value raises :class:`~skibidy.errors.ConfigError`.

Examples
--------
>>> from skibidy.config import load_config
>>> cfg = load_config("normal", "wound", {"skin.immune.cytokine_rate": 0.002})
>>> cfg["skin.immune.cytokine_rate"]
0.002
>>> cfg.duration_days
30.0
"""

from __future__ import annotations

import math
import sys
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Iterator, Mapping

from skibidy.errors import ConfigError
from skibidy.suggest import close_matches, did_you_mean, did_you_mean_of
from skibidy.parameter import Parameter

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "Config",
    "Parameter",
    "PARAMETERS",
    "SKINS",
    "PRESETS",
    "check_value",
    "load_config",
]

SKINS: tuple[str, ...] = ("normal", "aged", "diabetic", "aged_diabetic")
PRESETS: tuple[str, ...] = ("wound", "diabetic_wound", "nothing")


# --------------------------------------------------------------------------- TOML layers
def _data_dir() -> Any:
    return resources.files("skibidy") / "data"


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            out.update(_flatten(value, path))
        else:
            out[path] = value
    return out


@lru_cache(maxsize=None)
def _read_layer(relative: str) -> Mapping[str, Any]:
    """Parse one packaged TOML file into a flat, read-only {dotted path: value} map."""
    node = _data_dir().joinpath(*relative.split("/"))
    if not node.is_file():
        raise ConfigError(f"missing packaged configuration file skibidy/data/{relative}")
    with node.open("rb") as fh:
        try:
            table = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:  # pragma: no cover - packaged files are tested
            raise ConfigError(f"skibidy/data/{relative}: invalid TOML ({exc})") from exc
    return MappingProxyType(_flatten(table))


def _module_files() -> list[str]:
    folder = _data_dir() / "modules"
    return sorted(f"modules/{p.name}" for p in folder.iterdir() if p.name.endswith(".toml"))


@lru_cache(maxsize=None)
def _base_values() -> Mapping[str, Any]:
    """Core + module layers merged, unchecked (the registry defaults come from here)."""
    merged: dict[str, Any] = dict(_read_layer("core.toml"))
    for name in _module_files():
        merged.update(_read_layer(name))
    return MappingProxyType(merged)


# --------------------------------------------------------------------------- registry
def _collect() -> Mapping[str, Parameter]:
    from skibidy.model import MODULES

    base = _base_values()
    found: dict[str, Parameter] = {}
    for module in MODULES:
        for p in module.parameters:
            if p.path in found:
                raise RuntimeError(f"parameter {p.path} declared twice")
            if p.path not in base:
                raise RuntimeError(f"parameter {p.path} has no default in skibidy/data")
            found[p.path] = p.with_default(_coerce(p, base[p.path]))
    extra = sorted(set(base) - set(found))
    if extra:
        raise RuntimeError(f"keys in skibidy/data that no model module declares: {extra}")
    return MappingProxyType(dict(sorted(found.items())))


def _coerce(p: Parameter, value: Any) -> Any:
    """Coerce ``value`` to ``p.kind`` and check its range; raise ConfigError."""
    kind = p.kind
    shown = repr(value)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{p.path}: expected true or false, got {shown}")
    if kind == "str":
        if isinstance(value, str):
            return value
        raise ConfigError(f"{p.path}: expected a string, got {shown}")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        noun = "an integer" if kind == "int" else "a number"
        raise ConfigError(f"{p.path}: expected {noun} ({p.unit}), got {shown}")
    if kind == "int":
        if isinstance(value, float):
            if not value.is_integer():
                raise ConfigError(f"{p.path}: expected an integer ({p.unit}), got {shown}")
            value = int(value)
        value = int(value)
    else:
        value = float(value)
        if not math.isfinite(value):
            raise ConfigError(f"{p.path}: expected a finite number, got {shown}")
    lo, hi = p.minimum, p.maximum
    too_low = lo is not None and (value <= lo if p.min_exclusive else value < lo)
    too_high = hi is not None and value > hi
    if too_low or too_high:
        what = f"must be {p.range_text}" if (lo is None or hi is None) else f"must be in {p.range_text}"
        raise ConfigError(f"{p.path} = {shown} is out of range: {what} ({p.unit}; {p.meaning})")
    return value


def _unknown(path: str) -> ConfigError:
    names = list(PARAMETERS)
    near = close_matches(path, names, n=3, cutoff=0.6)
    if not near:  # try the last component only: "skin.immune.cytokin_rate" style typos
        last = path.rsplit(".", 1)[-1]
        tails = {n.rsplit(".", 1)[-1]: n for n in names}
        near = [tails[t] for t in close_matches(last, tails, n=3, cutoff=0.6)]
    hint = did_you_mean_of(near, quote=False) or "; run 'skibidy params' to list valid names"
    return ConfigError(f"unknown parameter {path!r}{hint}")


def check_value(path: str, value: Any) -> Any:
    """Return ``value`` coerced to the kind of parameter ``path``.

    Raises
    ------
    ConfigError
        Unknown path (with the nearest valid names), wrong type or out of range.

    Examples
    --------
    >>> check_value("skin.max_ta_divisions", 4.0)
    4
    """
    p = PARAMETERS.get(path)
    if p is None:
        raise _unknown(path)
    return _coerce(p, value)


# --------------------------------------------------------------------------- Config
class Config(Mapping[str, Any]):
    """A validated, immutable, picklable parameter set.

    Index it with a dotted path (``config["skin.immune.cytokine_rate"]``).
    Build it with :func:`load_config`.
    """

    __slots__ = ("_values", "_skin", "_preset", "_overrides", "_hash")

    def __init__(
        self,
        values: Mapping[str, Any],
        skin: str,
        preset: str,
        overrides: Mapping[str, Any] | None = None,
    ) -> None:
        object.__setattr__(self, "_values", dict(values))
        object.__setattr__(self, "_skin", skin)
        object.__setattr__(self, "_preset", preset)
        object.__setattr__(self, "_overrides", dict(overrides or {}))
        object.__setattr__(self, "_hash", None)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Config is immutable; use load_config(..., overrides=...) instead")

    def __reduce__(self) -> tuple[Any, ...]:
        return (Config, (self._values, self._skin, self._preset, self._overrides))

    def __getitem__(self, path: str) -> Any:
        try:
            return self._values[path]
        except KeyError:
            raise _unknown(path) from None

    def get(self, path: str, default: Any = None) -> Any:  # type: ignore[override]
        """Value of ``path``, or ``default`` if the path is not a parameter."""
        return self._values.get(path, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Config):
            return NotImplemented
        return self._values == other._values

    def __hash__(self) -> int:
        if self._hash is None:
            object.__setattr__(self, "_hash", hash(tuple(sorted(self._values.items()))))
        return self._hash  # type: ignore[return-value]

    def __repr__(self) -> str:
        return f"Config(skin={self._skin!r}, preset={self._preset!r}, overrides={self._overrides!r})"

    @property
    def skin(self) -> str:
        """Name of the skin profile."""
        return self._skin

    @property
    def preset(self) -> str:
        """Name of the preset."""
        return self._preset

    @property
    def overrides(self) -> Mapping[str, Any]:
        """The per-run overrides applied last (read-only)."""
        return MappingProxyType(self._overrides)

    @property
    def duration_days(self) -> float:
        """Run length in days."""
        return float(self._values["skin.duration_days"])

    def to_dict(self) -> dict[str, Any]:
        """Return the parameters as a nested dictionary (``{"skin": {"immune": {...}}}``)."""
        out: dict[str, Any] = {}
        for path, value in self._values.items():
            node = out
            *parents, leaf = path.split(".")
            for part in parents:
                node = node.setdefault(part, {})
            node[leaf] = value
        return out

    def to_toml(self) -> str:
        """Return the parameters as TOML text (loadable as an overlay)."""
        sections: dict[str, list[tuple[str, Any]]] = {}
        for path, value in self._values.items():
            section, key = path.rsplit(".", 1)
            sections.setdefault(section, []).append((key, value))
        lines = [f"# skin = {self._skin!r}, preset = {self._preset!r}"]
        for section in sorted(sections, key=lambda s: (s.count("."), s)):
            lines.append(f"\n[{section}]")
            for key, value in sections[section]:
                lines.append(f"{key} = {_toml_literal(value)}")
        return "\n".join(lines) + "\n"


def _toml_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check_name(kind: str, name: str, choices: tuple[str, ...]) -> None:
    if name not in choices:
        hint = did_you_mean(name, choices, n=2, quote=False, sep=" or ")
        raise ConfigError(f"unknown {kind} {name!r}: choose one of {', '.join(choices)}{hint}")


@lru_cache(maxsize=64)
def _layered(skin: str, preset: str) -> Mapping[str, Any]:
    values = {p.path: p.default for p in PARAMETERS.values()}
    for layer in (f"profiles/{skin}.toml", f"presets/{preset}.toml"):
        for path, value in _read_layer(layer).items():
            try:
                values[path] = check_value(path, value)
            except ConfigError as exc:
                raise ConfigError(f"skibidy/data/{layer}: {exc}") from None
    return MappingProxyType(values)


def _flatten_overrides(overrides: Mapping[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in overrides.items():
        if not isinstance(key, str):
            raise ConfigError(f"override keys must be dotted strings, got {key!r}")
        if isinstance(value, Mapping):
            flat.update(_flatten(value, key))
        else:
            flat[key] = value
    return flat


def _check_consistency(values: Mapping[str, Any]) -> None:
    interval = values["skin.metrics_interval_h"]
    if abs(interval - round(interval)) > 1e-9 or round(interval) < 1:
        raise ConfigError(
            f"skin.metrics_interval_h = {interval!r} must be a whole number of hours (the model steps "
            "one hour at a time); use 1, 2, 5, 10, ..."
        )


def load_config(
    skin: str = "normal",
    preset: str = "wound",
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """Build a validated configuration: core -> modules -> skin -> preset -> overrides.

    Parameters
    ----------
    skin : str
        Skin profile, one of :data:`SKINS`.
    preset : str
        Scenario preset, one of :data:`PRESETS`.
    overrides : mapping, optional
        Dotted path -> value, applied last (e.g. ``{"skin.immune.cytokine_rate": 0.002}``).

    Returns
    -------
    Config

    Raises
    ------
    ConfigError
        Unknown profile, preset or key (with the nearest valid names), wrong type,
        out-of-range value, or inconsistent values.

    Examples
    --------
    >>> load_config("diabetic", "diabetic_wound")["skin.diabetic.mode"]
    True
    """
    _check_name("skin profile", skin, SKINS)
    _check_name("preset", preset, PRESETS)
    values = dict(_layered(skin, preset))
    checked: dict[str, Any] = {}
    for path, value in _flatten_overrides(overrides or {}).items():
        checked[path] = check_value(path, value)
    values.update(checked)
    _check_consistency(values)
    return Config(values, skin, preset, checked)


PARAMETERS: Mapping[str, Parameter] = _collect()
