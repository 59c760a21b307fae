"""The :class:`Parameter` record: one accepted configuration key.

Model modules declare their parameters beside the process that uses them
(``skibidy/model/*.py``); :mod:`skibidy.config` collects them into the
registry and fills each default from the packaged TOML layers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

__all__ = ["Parameter", "param"]

KINDS = ("bool", "int", "float", "str")


@dataclass(frozen=True)
class Parameter:
    """One configuration key.

    Attributes
    ----------
    path : str
        Dotted path, e.g. ``"skin.immune.cytokine_rate"``.
    default : Any
        Value after the core and module layers (filled from the TOML files).
    kind : {"bool", "int", "float", "str"}
        Python type the value is coerced to.
    unit : str
        Physical unit (``"-"`` when dimensionless).
    meaning : str
        One line saying what the parameter does in the model.
    minimum, maximum : float or None
        Allowed range (inclusive unless ``min_exclusive``).
    min_exclusive : bool
        If true the value must be strictly greater than ``minimum``
        (durations and lengths that cannot be zero).
    numerical : bool
        A run or output setting (duration, output cadence) rather than biology:
        changing it must not change what the model predicts.
    """

    path: str
    kind: str
    unit: str
    meaning: str
    minimum: float | None = None
    maximum: float | None = None
    min_exclusive: bool = False
    default: Any = None
    numerical: bool = False

    def with_default(self, value: Any) -> "Parameter":
        """Return a copy with ``default`` set."""
        return replace(self, default=value)

    @property
    def range_text(self) -> str:
        """Human-readable allowed range, e.g. ``"> 0"`` or ``"0 .. 1"``."""
        lo, hi = self.minimum, self.maximum
        if lo is not None and hi is not None:
            return f"{lo:g} .. {hi:g}"
        if lo is not None:
            return f"{'>' if self.min_exclusive else '>='} {lo:g}"
        if hi is not None:
            return f"<= {hi:g}"
        return "any"


def param(
    path: str,
    kind: str,
    unit: str,
    meaning: str,
    minimum: float | None = None,
    maximum: float | None = None,
    *,
    positive: bool = False,
    numerical: bool = False,
) -> Parameter:
    """Declare a parameter (shorthand used by the model modules).

    ``positive=True`` means strictly greater than zero (durations, lengths).
    Rates default to ``minimum=0`` if no range is given.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown parameter kind {kind!r}")
    if positive:
        minimum, exclusive = 0.0, True
    else:
        exclusive = False
        if minimum is None and kind in ("int", "float"):
            minimum = 0.0
    return Parameter(path, kind, unit, meaning, minimum, maximum, exclusive, numerical=numerical)
