"""Inflammation: damage signals from the open wound bed, their spread and decay.

Open (not yet re-epithelialised) wound tissue releases damage-associated signals
(DAMPs) at ``wound_source_rate``, fading as ``exp(-wound_source_taper t)``; immune
cells add cytokines and M2 macrophages remove them (``immune.py``). Diabetic tissue
adds a chronic ``baseline_inflammation``. The field diffuses and decays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from skibidy.model.module import Module
from skibidy.parameter import param

PARAMETERS = (
    param("skin.inflammation.wound_source_rate", "float", "a.u./h", "DAMP release by open wound tissue"),
    param("skin.inflammation.wound_source_taper", "float", "1/h", "fading of the DAMP release"),
    param("skin.inflammation.decay", "float", "1/h", "decay of inflammatory signals"),
    param("skin.inflammation.diffusion", "float", "um^2/h", "spread of inflammatory signals"),
)


@dataclass(frozen=True)
class Settings:
    source: float
    taper: float
    decay: float
    diffusion: float
    baseline: float


def settings(cfg) -> Settings:  # type: ignore[no-untyped-def]
    baseline = cfg["skin.diabetic.baseline_inflammation"] if cfg["skin.diabetic.mode"] else 0.0
    return Settings(cfg["skin.inflammation.wound_source_rate"], cfg["skin.inflammation.wound_source_taper"],
                    cfg["skin.inflammation.decay"], cfg["skin.inflammation.diffusion"], baseline)


def step(st, s: Settings, rng: np.random.Generator, dt: float) -> None:  # type: ignore[no-untyped-def]
    """DAMP release from open tissue (and the diabetic baseline)."""
    w = st.grid.wound
    release = s.source * np.exp(-s.taper * st.t) * (1.0 - st.barrier) + s.baseline
    st.inflammation += np.where(w, release, 0.0) * dt


def diffusion(s: Settings) -> dict[str, tuple[float, float]]:
    return {"inflammation": (s.diffusion, s.decay)}


def report(st, s: Settings) -> dict[str, float]:  # type: ignore[no-untyped-def]
    return {"mean_infl_wound": float(st.inflammation[st.grid.wound].mean())}


MODULE = Module("inflammation", PARAMETERS, settings, reads=("barrier",), writes=("inflammation",),
                step=step, diffusion=diffusion, columns=("mean_infl_wound",), report=report)
