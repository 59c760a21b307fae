"""Run settings: how long a run lasts and how often it reports."""

from __future__ import annotations

from dataclasses import dataclass

from skibidy.model.module import Module
from skibidy.parameter import param

PARAMETERS = (
    param("skin.duration_days", "float", "d", "length of the run (the last metrics row is at this time)",
          positive=True),
    param("skin.metrics_interval_h", "float", "h",
          "time between metrics rows, from t = 0 (a whole number of hours; output only)",
          positive=True, numerical=True),
)


@dataclass(frozen=True)
class Settings:
    duration_h: float
    interval_h: float


def settings(cfg) -> Settings:  # type: ignore[no-untyped-def]
    return Settings(cfg["skin.duration_days"] * 24.0, cfg["skin.metrics_interval_h"])


MODULE = Module("run settings", PARAMETERS, settings)
