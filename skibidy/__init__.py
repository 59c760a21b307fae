"""Skibidy: a fast, seeded hybrid agent-continuum model of skin wound healing.

>>> import skibidy
>>> metrics = skibidy.simulate(skibidy.load_config(overrides={"skin.duration_days": 0.25}), seed=0)
>>> list(metrics.columns[:3])
['step', 'time_h', 'time_days']
"""

from skibidy.config import Config, load_config
from skibidy.engine import output_times, simulate
from skibidy.errors import ConfigError, SkibidyError
from skibidy.metrics import METRIC_COLUMNS

__all__ = [
    "METRIC_COLUMNS",
    "Config",
    "ConfigError",
    "SkibidyError",
    "load_config",
    "output_times",
    "simulate",
    "validate",
]


def validate(metrics, condition: str = "normal"):  # type: ignore[no-untyped-def]
    """Compare a metrics table with the literature curves (see :func:`skibidy.validation.validate`)."""
    from skibidy.validation import validate as _validate

    return _validate(metrics, condition)
