"""Scar: collagen laid down beyond what the healed dermis needs, plus inflammation's mark.

Where the epidermis has closed over the wound bed, the dermal collagen in excess of
``skin.scar.collagen_threshold`` is kept as scar (the largest excess seen). With
``proportional_enabled``, the integral of inflammation, times ``accumulation_rate``,
is added on top (inflammation-driven fibrosis; Ogawa 2017). ``scar_magnitude`` is the
mean over the wound.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from skibidy.model.module import Module
from skibidy.parameter import param

PARAMETERS = (
    param("skin.scar.enabled", "bool", "-", "compute scar formation"),
    param("skin.scar.collagen_threshold", "float", "a.u.", "collagen a healed dermis holds without scarring"),
    param("skin.scar.proportional_enabled", "bool", "-", "inflammation adds to the scar"),
    param("skin.scar.accumulation_rate", "float", "1/(a.u. h)", "scar per unit of integrated inflammation"),
)


@dataclass(frozen=True)
class Settings:
    on: bool
    threshold: float
    proportional: bool
    accumulation: float


def settings(cfg) -> Settings:  # type: ignore[no-untyped-def]
    p = "skin.scar."
    return Settings(cfg[p + "enabled"], cfg[p + "collagen_threshold"], cfg[p + "proportional_enabled"],
                    cfg[p + "accumulation_rate"])


def step(st, s: Settings, rng: np.random.Generator, dt: float) -> None:  # type: ignore[no-untyped-def]
    if not s.on:
        return
    st.inflammation_dose += st.inflammation * dt
    excess = np.where(st.covered, np.maximum(st.collagen - s.threshold, 0.0), 0.0)
    np.maximum(st.scar, excess, out=st.scar)


def report(st, s: Settings) -> dict[str, float]:  # type: ignore[no-untyped-def]
    w = st.grid.wound
    scar = st.scar[w].mean()
    if s.on and s.proportional:
        scar += s.accumulation * st.inflammation_dose[w].mean()
    return {"scar_magnitude": float(scar)}


MODULE = Module("scar", PARAMETERS, settings, reads=("inflammation", "covered", "collagen"),
                writes=("inflammation_dose", "scar"), step=step, columns=("scar_magnitude",), report=report)
