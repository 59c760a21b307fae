"""Perfusion, angiogenesis and oxygen.

Injury leaves ``skin.perfusion.wound_residual`` of the intact perfusion in the wound bed.
After ``angio_delay_h`` new vessels sprout: perfusion regrows towards the skin's
``basal`` level at ``angio_rate`` plus ``angio_vegf_rate`` per unit of VEGF, which
hypoxic tissue secretes (and M2 macrophages, see ``immune.py``). Oxygen is the
perfusion averaged over the distance oxygen diffuses in tissue (about 150 um).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from skibidy.model.module import Module, diabetic_factor
from skibidy.model.state import SITE_UM, diffusion_operator
from skibidy.parameter import param

OXYGEN_REACH_UM = 150.0
"""Diffusion length of oxygen from perfused tissue (Krogh cylinder scale)."""

PARAMETERS = (
    param("skin.perfusion.basal", "float", "-", "perfusion of intact skin (1 = healthy adult)", 0.05, 2.0),
    param("skin.perfusion.wound_residual", "float", "-",
          "share of the perfusion left in the wound bed right after injury", 0.0, 1.0),
    param("skin.perfusion.angio_rate", "float", "1/h", "VEGF-independent vessel regrowth rate"),
    param("skin.perfusion.angio_delay_h", "float", "h", "time before new vessels sprout"),
    param("skin.angiogenesis.enabled", "bool", "-", "VEGF speeds vessel regrowth"),
    param("skin.angiogenesis.angio_vegf_rate", "float", "1/h per VEGF", "vessel regrowth per unit VEGF"),
    param("skin.angiogenesis.vegf_production_rate", "float", "a.u./h", "VEGF secreted by fully hypoxic tissue"),
    param("skin.angiogenesis.vegf_hypoxia_threshold", "float", "-",
          "oxygen level below which tissue secretes VEGF", 0.0, 1.0),
    param("skin.angiogenesis.vegf_decay", "float", "1/h", "VEGF decay"),
)


@dataclass(frozen=True)
class Settings:
    basal: float
    residual: float
    rate: float
    delay_h: float
    vegf_on: bool
    vegf_rate: float
    vegf_production: float
    hypoxia: float
    vegf_decay: float
    blur: np.ndarray


def settings(cfg) -> Settings:  # type: ignore[no-untyped-def]
    from skibidy.model.state import Grid

    vegf = diabetic_factor(cfg, "skin.diabetic.vegf_factor")
    n = Grid.sites_per_axis(cfg["skin.wound.radius"])
    return Settings(
        basal=cfg["skin.perfusion.basal"],
        residual=cfg["skin.perfusion.wound_residual"],
        rate=cfg["skin.perfusion.angio_rate"],
        delay_h=cfg["skin.perfusion.angio_delay_h"],
        vegf_on=cfg["skin.angiogenesis.enabled"],
        vegf_rate=cfg["skin.angiogenesis.angio_vegf_rate"] * vegf,
        vegf_production=cfg["skin.angiogenesis.vegf_production_rate"] * vegf,
        hypoxia=cfg["skin.angiogenesis.vegf_hypoxia_threshold"],
        vegf_decay=cfg["skin.angiogenesis.vegf_decay"],
        blur=diffusion_operator(n, (OXYGEN_REACH_UM / SITE_UM) ** 2),
    )


def start(st, s: Settings, rng: np.random.Generator) -> None:  # type: ignore[no-untyped-def]
    st.perfusion[:] = s.basal
    st.perfusion[st.grid.wound] = s.basal * s.residual
    _oxygenate(st, s)


def _oxygenate(st, s: Settings) -> None:  # type: ignore[no-untyped-def]
    st.oxygen[:] = s.blur @ st.perfusion @ s.blur.T


def step(st, s: Settings, rng: np.random.Generator, dt: float) -> None:  # type: ignore[no-untyped-def]
    """Hypoxic VEGF secretion, then vessel regrowth and the new oxygen supply."""
    w = st.grid.wound
    if s.vegf_on and s.hypoxia > 0:
        st.vegf += s.vegf_production * np.maximum(0.0, 1.0 - st.oxygen / s.hypoxia) * w * dt
    if st.t >= s.delay_h:
        rate = s.rate + (s.vegf_rate * st.vegf if s.vegf_on else 0.0)
        gain = (s.basal - st.perfusion) * (1.0 - np.exp(-rate * dt))
        st.perfusion += np.where(w, gain, 0.0)
    _oxygenate(st, s)


def diffusion(s: Settings) -> dict[str, tuple[float, float]]:
    return {"vegf": (VEGF_DIFFUSION_UM2_H, s.vegf_decay)}


VEGF_DIFFUSION_UM2_H = 20000.0
"""VEGF diffusivity in tissue (about 6 um^2/s)."""


def report(st, s: Settings) -> dict[str, float]:  # type: ignore[no-untyped-def]
    w = st.grid.wound
    return {"mean_perfusion_wound": float(st.perfusion[w].mean()),
            "mean_o2_wound": float(st.oxygen[w].mean()),
            "mean_vegf_wound": float(st.vegf[w].mean())}


MODULE = Module("perfusion and angiogenesis", PARAMETERS, settings, reads=("vegf",),
                writes=("perfusion", "oxygen", "vegf"), step=step, start=start, diffusion=diffusion,
                columns=("mean_perfusion_wound", "mean_o2_wound", "mean_vegf_wound"), report=report)
