"""Dermal integrity: rebuilt on new collagen, eroded by MMP."""

from __future__ import annotations

from skibidy.parameter import param

PARAMETERS = (
    param("skin.dermis.enabled", "bool", "-", "dermal integrity field (and its DAMP source)"),
    param("skin.dermis.diffusion", "float", "um^2/h", "lateral spreading of dermal integrity"),
    param("skin.dermis.decay", "float", "1/h", "dermal integrity decay"),
    param("skin.dermis.reticular_density", "float", "-", "intact dermal integrity (recovery target)"),
    param("skin.dermis.collagen_threshold", "float", "a.u.", "collagen needed before the dermis recovers"),
    param("skin.dermis.collagen_recovery_rate", "float", "1/step", "gain per unit collagen above threshold"),
    param("skin.dermis.mmp_degradation", "float", "1/step per MMP", "erosion by MMP"),
    param("skin.dermis.reticular_rate_factor", "float", "x", "recovery rate multiplier"),
)
