"""Wound pH: alkaline after wounding, acidifies as perfusion and barrier return."""

from __future__ import annotations

import numpy as np

from skibidy.parameter import param

PARAMETERS = (
    param("skin.ph.enabled", "bool", "-", "wound alkalinity field"),
    param("skin.ph.recovery_rate", "float", "1/step", "acidification rate"),
    param("skin.ph.migration_suppression", "float", "-",
          "keratinocyte speed x (1 - this * alkalinity)", 0.0, 1.0),
)


def prepare(cfg, s) -> None:  # type: ignore[no-untyped-def]
    s.ph_on = cfg["skin.ph.enabled"] and s.wound_on
    s.ph_rate = cfg["skin.ph.recovery_rate"]
    s.ph_suppression = cfg["skin.ph.migration_suppression"]


def update(st, s, rng) -> None:  # type: ignore[no-untyped-def]
    """Acidification needs perfusion below and a re-formed epidermis above."""
    from skibidy.model.state import DER, PERF

    if not (st.wounded and s.ph_on):
        return
    bx = st.grid.box  # alkalinity is set in the wound only
    rate = s.ph_rate * np.maximum(0.2, st.f[PERF][DER][bx]) * st.barrier[bx] * s.dtf
    ph = st.ph[bx]
    ph -= np.minimum(ph, rate)


def speed_factor(st, s, bx=(slice(None), slice(None))) -> np.ndarray | float:  # type: ignore[no-untyped-def]
    """Keratinocyte speed multiplier from wound alkalinity (optionally on a sub-box)."""
    if not s.ph_on:
        return 1.0
    return 1.0 - s.ph_suppression * np.minimum(1.0, st.ph[bx])
