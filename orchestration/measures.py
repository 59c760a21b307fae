"""The registry of outcome measures: how one run's curve becomes one number.

A *measure* reduces a run's curve of one metric over ``time`` (hours) to a value:

=================  =================================================  ==================
name               value                                              unit
=================  =================================================  ==================
``final``          the last valid (non-NaN) value                     the metric's
``peak``           the maximum                                        the metric's
``min``            the minimum                                        the metric's
``mean``           the time-weighted mean (``auc`` / valid span)      the metric's
``auc``            trapezoid area over hours (valid rows)             metric's unit x h
``time_of_peak``   the first time the maximum is reached              h
``time_to_N``      first time the value reaches N, interpolated       h
                   (:func:`skibidy.metrics.time_to_level`), NaN if
                   never
=================  =================================================  ==================

Each entry of the registry (a :class:`MeasureKind`) carries a name pattern, the
reducer, the unit rule and a check of its argument against a metric; :func:`get`
turns a name such as ``"time_to_90"`` into a :class:`Measure` ready to apply. Adding a
measure is one call of :func:`register` (see its example).
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass

from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

import numpy as np

from skibidy.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr

__all__ = [
    "Measure",
    "MeasureKind",
    "MeasureError",
    "register",
    "get",
    "names",
    "metric_unit",
]

Reducer = Callable[[np.ndarray, np.ndarray, "float | None"], np.ndarray]
"""``reduce(values, hours, argument)``: reduce ``values`` along its last axis."""


class MeasureError(ConfigError):
    """An unknown measure name, or a measure that cannot apply to a metric."""


def metric_unit(metric: str) -> str:
    """The unit of a metric column: ``%``, ``cells``, ``pH`` or ``a.u.`` (model units).

    Examples
    --------
    >>> metric_unit("wound_closure_pct"), metric_unit("n_macrophages"), metric_unit("mean_infl_wound")
    ('%', 'cells', 'a.u.')
    """
    if metric.endswith("_pct"):
        return "%"
    if metric.startswith("n_") or metric.endswith("_cells"):
        return "cells"
    if metric == "mean_ph_wound":
        return "pH"
    return "a.u."


@dataclass(frozen=True)
class MeasureKind:
    """One entry of the registry.

    Attributes
    ----------
    name : str
        The name as users write it; ``N`` stands for the numeric argument (``time_to_N``).
    reduce : callable
        ``reduce(values, hours, argument) -> array`` over the last axis of ``values``.
    unit : callable
        ``unit(metric_unit) -> str``: the unit of the result.
    describe : str
        A short phrase for labels; ``{N}`` is replaced by the argument.
    check : callable, optional
        ``check(metric, argument) -> message or None``: why the measure cannot apply to
        a metric (checked when a config is read).
    argument : str
        What ``N`` is, for messages (e.g. ``"threshold"``).
    """

    name: str
    reduce: Reducer
    unit: Callable[[str], str]
    describe: str
    check: Callable[[str, "float | None"], "str | None"] | None = None
    argument: str = "number"

    @property
    def takes_argument(self) -> bool:
        """Whether the name carries a number (``N``)."""
        return "N" in self.name.split("_")

    def match(self, name: str) -> float | None | bool:
        """The argument of ``name`` (None without one) if it names this kind, else False."""
        if not self.takes_argument:
            return None if name == self.name else False
        prefix, _, suffix = self.name.partition("N")
        if not (name.startswith(prefix) and name.endswith(suffix)):
            return False
        raw = name[len(prefix): len(name) - len(suffix)]
        example = self.name.replace("N", "90")
        if not re.fullmatch(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", raw):
            raise MeasureError(
                f"measure {name!r} needs a {self.argument} number in place of N in "
                f"{self.name!r}, e.g. {example!r}"
            )
        if not math.isfinite(float(raw)):
            raise MeasureError(
                f"measure {name!r}: the {self.argument} {raw} is not a finite number; "
                f"write a value the metric can reach, e.g. {example!r}"
            )
        return float(raw)


@dataclass(frozen=True)
class Measure:
    """A measure with its argument, e.g. ``time_to_90``; apply it with :meth:`reduce`."""

    name: str
    kind: MeasureKind
    argument: float | None = None

    def unit(self, metric: str) -> str:
        """The unit of this measure of ``metric`` (e.g. ``h`` for ``time_to_90``)."""
        return self.kind.unit(metric_unit(metric))

    def describe(self, metric: str | None = None) -> str:
        """A short phrase, e.g. ``time to 90 %`` (with the metric's unit when given)."""
        arg = "" if self.argument is None else f"{self.argument:g}"
        if metric is not None and self.argument is not None:
            unit = metric_unit(metric)
            arg = f"{arg} {unit}" if unit not in ("a.u.",) else arg
        return self.kind.describe.replace("{N}", arg)

    def label(self, metric: str) -> str:
        """An axis label: ``wound_closure_pct, time to 90 % (h)``."""
        return f"{metric}, {self.describe(metric)} ({self.unit(metric)})"

    def check(self, metric: str) -> str | None:
        """Why this measure cannot apply to ``metric`` (None if it can)."""
        return None if self.kind.check is None else self.kind.check(metric, self.argument)

    def reduce(self, data: xr.DataArray) -> xr.DataArray:
        """Reduce every run of ``data`` over its ``time`` dimension (hours)."""
        import xarray as xr

        t = np.asarray(data["time"].values, dtype=np.float64)
        result = xr.apply_ufunc(
            self.kind.reduce,
            data,
            input_core_dims=[["time"]],
            kwargs={"hours": t, "argument": self.argument},
            dask="parallelized",
            output_dtypes=[np.float64],
            keep_attrs=True,
        )
        result.attrs["measure"] = self.name
        if data.name is not None:
            result.attrs["unit"] = self.unit(str(data.name))
        return result


_REGISTRY: dict[str, MeasureKind] = {}


def register(kind: MeasureKind) -> MeasureKind:
    """Add a measure to the registry (its name must be new).

    Examples
    --------
    >>> import numpy as np
    >>> span = register(MeasureKind(
    ...     "range", lambda v, hours, argument: np.nanmax(v, -1) - np.nanmin(v, -1),
    ...     unit=lambda u: u, describe="max - min"))
    >>> get("range").describe()
    'max - min'
    >>> _ = _REGISTRY.pop("range")  # (keep the registry as shipped)
    """
    if kind.name in _REGISTRY:
        raise ValueError(f"a measure named {kind.name!r} is already registered")
    _REGISTRY[kind.name] = kind
    return kind


def names() -> tuple[str, ...]:
    """The registered names (``N`` marks a numeric argument)."""
    return tuple(_REGISTRY)


def get(name: str) -> Measure:
    """The measure called ``name`` (e.g. ``"peak"``, ``"time_to_90"``).

    Raises
    ------
    MeasureError
        For an unknown name (naming the closest registered ones) or a bad argument.
    """
    if not isinstance(name, str):
        raise MeasureError(f"a measure is a name such as \"final\", not {name!r}")
    for kind in _REGISTRY.values():
        argument = kind.match(name)
        if argument is not False:
            return Measure(name, kind, argument)  # type: ignore[arg-type]
    shown = [n.replace("N", "90") if "N" in n.split("_") else n for n in _REGISTRY]
    near = difflib.get_close_matches(name, shown, n=2, cutoff=0.5)
    hint = f"did you mean {' or '.join(repr(x) for x in near)}? " if near else ""
    raise MeasureError(f"unknown measure {name!r}; {hint}valid measures: {', '.join(_REGISTRY)}")


# -- the shipped measures ------------------------------------------------------------------


def _any_valid(values: np.ndarray) -> np.ndarray:
    return (~np.isnan(values)).any(axis=-1)


def _final(values: np.ndarray, hours: np.ndarray, argument: float | None) -> np.ndarray:
    valid = ~np.isnan(values)
    last = values.shape[-1] - 1 - np.argmax(valid[..., ::-1], axis=-1)
    out = np.take_along_axis(values, last[..., None], axis=-1)[..., 0]
    return np.where(valid.any(axis=-1), out, np.nan)


def _extreme(values: np.ndarray, sign: float) -> np.ndarray:
    filled = np.where(np.isnan(values), -np.inf, sign * values)
    return np.where(_any_valid(values), sign * filled.max(axis=-1), np.nan)


def _peak(values: np.ndarray, hours: np.ndarray, argument: float | None) -> np.ndarray:
    return _extreme(values, 1.0)


def _min(values: np.ndarray, hours: np.ndarray, argument: float | None) -> np.ndarray:
    return _extreme(values, -1.0)


def _auc(values: np.ndarray, hours: np.ndarray, argument: float | None) -> np.ndarray:
    seg = np.diff(hours) * (values[..., 1:] + values[..., :-1]) / 2.0
    area = np.where(np.isnan(seg), 0.0, seg).sum(axis=-1)
    return np.where(_any_valid(values), area, np.nan)


def _mean(values: np.ndarray, hours: np.ndarray, argument: float | None) -> np.ndarray:
    both = ~np.isnan(values[..., 1:]) & ~np.isnan(values[..., :-1])
    span = np.where(both, np.diff(hours), 0.0).sum(axis=-1)
    area = _auc(values, hours, argument)
    # a run with one valid row: its value
    single = _final(values, hours, argument)
    return np.where(span > 0, area / np.where(span > 0, span, 1.0), single)


def _time_of_peak(values: np.ndarray, hours: np.ndarray, argument: float | None) -> np.ndarray:
    filled = np.where(np.isnan(values), -np.inf, values)
    return np.where(_any_valid(values), hours[np.argmax(filled, axis=-1)], np.nan)


def _time_to(values: np.ndarray, hours: np.ndarray, argument: float | None) -> np.ndarray:
    from skibidy.metrics import time_to_level

    assert argument is not None
    return time_to_level(values, hours, argument)


def _check_level(metric: str, level: float | None) -> str | None:
    assert level is not None
    if level <= 0:
        return (
            "every metric is 0 or more, so a threshold of 0 or less is reached at once; "
            "use a positive threshold"
        )
    if metric.endswith("_pct") and level > 100:
        return (
            f"{metric} is a percentage and never exceeds 100; use a threshold up to 100, "
            f"e.g. '{metric}:time_to_90'"
        )
    return None


def _same(unit: str) -> str:
    return unit


def _hours(unit: str) -> str:
    return "h"


register(MeasureKind("final", _final, _same, "final value"))
register(MeasureKind("peak", _peak, _same, "peak"))
register(MeasureKind("min", _min, _same, "minimum"))
register(MeasureKind("mean", _mean, _same, "time-weighted mean"))
register(MeasureKind("auc", _auc, lambda unit: f"{unit}·h", "area under the curve"))
register(MeasureKind("time_of_peak", _time_of_peak, _hours, "time of peak"))
register(MeasureKind("time_to_N", _time_to, _hours, "time to {N}", check=_check_level,
                     argument="threshold"))


# -- the [outcomes] table: which metric with which measure --------------------------------

OUTCOME_KEYS = ("primary", "secondary", "measure")
"""The keys of a config's ``[outcomes]`` table."""


@dataclass(frozen=True)
class Outcome:
    """One reported outcome: a metric reduced by a measure (one summary column group)."""

    metric: str
    measure: Measure

    @property
    def column(self) -> str:
        """The summary column: ``<metric>_<measure>``, e.g. ``wound_closure_pct_time_to_90``."""
        return f"{self.metric}_{self.measure.name}"

    @property
    def unit(self) -> str:
        """The unit of the outcome (e.g. ``h``)."""
        return self.measure.unit(self.metric)

    @property
    def label(self) -> str:
        """An axis label with the unit."""
        return self.measure.label(self.metric)


def split_entry(entry: str, default: str) -> tuple[str, str]:
    """``"metric:measure"`` -> (metric, measure); a bare ``"metric"`` takes ``default``.

    Examples
    --------
    >>> split_entry("mean_infl_wound:peak", "final"), split_entry("scar_magnitude", "final")
    (('mean_infl_wound', 'peak'), ('scar_magnitude', 'final'))
    """
    metric, sep, name = entry.partition(":")
    return metric.strip(), (name.strip() if sep else default)


@dataclass(frozen=True)
class Outcomes:
    """What the summary reports: each entry is ``metric`` or ``metric:measure``.

    An entry's own measure wins; a bare metric takes ``measure`` (default ``final``).

    Examples
    --------
    >>> o = Outcomes("wound_closure_pct:time_to_90", ("mean_infl_wound:peak", "scar_magnitude"))
    >>> [x.column for x in o.items]
    ['wound_closure_pct_time_to_90', 'mean_infl_wound_peak', 'scar_magnitude_final']
    >>> o.metrics
    ('wound_closure_pct', 'mean_infl_wound', 'scar_magnitude')
    """

    primary: str
    secondary: tuple[str, ...] = ()
    measure: str = "final"

    @property
    def entries(self) -> tuple[str, ...]:
        """The entries as written, primary first."""
        return (self.primary, *self.secondary)

    @property
    def items(self) -> tuple[Outcome, ...]:
        """Every (metric, measure) outcome, primary first, without duplicates."""
        out: dict[str, Outcome] = {}
        for entry in self.entries:
            metric, name = split_entry(entry, self.measure)
            item = Outcome(metric, get(name))
            out.setdefault(item.column, item)
        return tuple(out.values())

    @property
    def metrics(self) -> tuple[str, ...]:
        """The metrics, primary first, without duplicates."""
        return tuple(dict.fromkeys(split_entry(e, self.measure)[0] for e in self.entries))


def _nearest(word: str, choices: Sequence[str]) -> str:
    near = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.5)
    return f"did you mean {', '.join(repr(x) for x in near)}? " if near else ""


def parse_outcomes(
    table: Any, where: str, metrics: Sequence[str], default_primary: str = "wound_closure_pct"
) -> Outcomes:
    """Check a config's ``[outcomes]`` table and return its :class:`Outcomes`.

    Parameters
    ----------
    table : dict
        ``primary`` (an entry), ``secondary`` (a list of entries), ``measure`` (the
        default measure of bare entries); an entry is ``"metric"`` or ``"metric:measure"``.
    where : str
        The config's name, for messages.
    metrics : sequence of str
        The metric columns an outcome may name.
    default_primary : str
        The primary metric when the table names none (the model's main metric).

    Raises
    ------
    MeasureError
        One line naming the bad key, metric or measure and the nearest valid names.
    """
    if not isinstance(table, Mapping):
        raise MeasureError(f"{where} [outcomes] must be a table with primary, secondary, measure")
    for key in table:
        if key not in OUTCOME_KEYS:
            raise MeasureError(
                f"unknown key {key!r} in {where} [outcomes]; {_nearest(str(key), OUTCOME_KEYS)}"
                f"valid keys: {', '.join(OUTCOME_KEYS)}"
            )
    primary = table.get("primary", default_primary)
    secondary = table.get("secondary", [])
    if isinstance(secondary, str):
        secondary = [secondary]
    if not isinstance(secondary, list) or not all(isinstance(e, str) for e in secondary):
        raise MeasureError(
            f"{where} [outcomes] secondary must be a list of names such as "
            "[\"mean_infl_wound:peak\", \"scar_magnitude\"]"
        )
    if not isinstance(primary, str):
        raise MeasureError(f"{where} [outcomes] primary must be a name such as \"wound_closure_pct\"")
    default = table.get("measure", "final")
    if not isinstance(default, str):
        raise MeasureError(f"{where} [outcomes] measure must be a name such as \"final\"")
    try:
        get(default)
    except MeasureError as exc:
        raise MeasureError(f"{where} [outcomes] measure: {exc}") from None
    for entry in (primary, *secondary):
        metric, name = split_entry(entry, default)
        if metric not in metrics:
            raise MeasureError(
                f"unknown outcome metric {metric!r} in {where} [outcomes]; "
                f"{_nearest(metric, metrics)}valid metrics are the metric columns, "
                f"e.g. {', '.join(list(metrics)[:4])}, ... (write \"metric\" or \"metric:measure\")"
            )
        try:
            chosen = get(name)
        except MeasureError as exc:
            raise MeasureError(f"{where} [outcomes] {entry!r}: {exc}") from None
        problem = chosen.check(metric)
        if problem:
            raise MeasureError(f"{where} [outcomes] {metric}:{name}: {problem}")
    return Outcomes(primary, tuple(secondary), default)
