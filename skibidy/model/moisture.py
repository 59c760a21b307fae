"""Wound-bed moisture: serum seepage from perfused tissue against evaporation.

Where the epidermal barrier is missing the bed loses water at
``skin.water_surface_loss_rate``; perfused tissue refills it at
``skin.water_recovery_rate``. Moisture gates keratinocyte migration and division
(``keratinocyte.py``): a dry bed slows re-epithelialisation (Winter 1962).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from skibidy.model.module import Module
from skibidy.parameter import param

PARAMETERS = (
    param("skin.water_recovery_rate", "float", "1/h", "rehydration of the bed from perfused tissue"),
    param("skin.water_surface_loss_rate", "float", "1/h", "evaporation from a bed without barrier"),
)


@dataclass(frozen=True)
class Settings:
    recovery: float
    loss: float


def settings(cfg) -> Settings:  # type: ignore[no-untyped-def]
    return Settings(cfg["skin.water_recovery_rate"], cfg["skin.water_surface_loss_rate"])


def step(st, s: Settings, rng: np.random.Generator, dt: float) -> None:  # type: ignore[no-untyped-def]
    """Relax moisture to its local balance of seepage and evaporation (exact over dt)."""
    gain = s.recovery * st.perfusion
    loss = s.loss * (1.0 - st.barrier)
    total = gain + loss
    balance = np.divide(gain, total, out=np.ones_like(total), where=total > 0)
    st.moisture += (balance - st.moisture) * (1.0 - np.exp(-total * dt))


def report(st, s: Settings) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Tissue viability: oxygen times moisture, averaged over the wound."""
    w = st.grid.wound
    return {"mean_tissue_viability": float((st.oxygen[w] * st.moisture[w]).mean())}


MODULE = Module("moisture", PARAMETERS, settings, reads=("perfusion", "barrier", "oxygen"), writes=("moisture",),
                step=step, columns=("mean_tissue_viability",), report=report)
