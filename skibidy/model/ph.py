"""Wound pH: the bed turns alkaline at injury and re-acidifies as the barrier returns.

Alkalinity 1 is a fresh wound (about pH 8.5), 0 intact skin (about pH 5.5);
alkaline beds slow keratinocyte migration (Schneider et al. 2007).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from skibidy.model.module import Module
from skibidy.parameter import param

PARAMETERS = (
    param("skin.ph.enabled", "bool", "-", "the wound bed turns alkaline and slows migration"),
    param("skin.ph.recovery_rate", "float", "1/h", "re-acidification rate (scaled by the barrier)"),
    param("skin.ph.migration_suppression", "float", "-",
          "fraction of migration speed lost on a fully alkaline bed", 0.0, 1.0),
)

SKIN_PH, WOUND_PH = 5.5, 8.5


@dataclass(frozen=True)
class Settings:
    on: bool
    recovery: float
    suppression: float


def settings(cfg) -> Settings:  # type: ignore[no-untyped-def]
    return Settings(cfg["skin.ph.enabled"], cfg["skin.ph.recovery_rate"], cfg["skin.ph.migration_suppression"])


def start(st, s: Settings, rng: np.random.Generator) -> None:  # type: ignore[no-untyped-def]
    if s.on:
        st.alkalinity[st.grid.wound] = 1.0


def step(st, s: Settings, rng: np.random.Generator, dt: float) -> None:  # type: ignore[no-untyped-def]
    if s.on:
        st.alkalinity *= np.exp(-s.recovery * (0.25 + 0.75 * st.barrier) * dt)


def migration_factor(st, s: Settings) -> np.ndarray | float:  # type: ignore[no-untyped-def]
    """Share of keratinocyte speed left at the current pH."""
    return 1.0 - s.suppression * st.alkalinity if s.on else 1.0


def report(st, s: Settings) -> dict[str, float]:  # type: ignore[no-untyped-def]
    a = float(st.alkalinity[st.grid.wound].mean())
    return {"mean_ph_wound": SKIN_PH + (WOUND_PH - SKIN_PH) * a}


MODULE = Module("pH", PARAMETERS, settings, reads=("barrier",), writes=("alkalinity",), step=step,
                start=start, columns=("mean_ph_wound",), report=report)
