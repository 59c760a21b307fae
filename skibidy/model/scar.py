"""Scar: collagen excess under closed epidermis, plus an inflammation integral."""

from __future__ import annotations

from skibidy.parameter import param

PARAMETERS = (
    param("skin.scar.enabled", "bool", "-", "collagen-driven scar where the wound closes over excess collagen"),
    param("skin.scar.proportional_enabled", "bool", "-", "add a scar term proportional to integrated inflammation"),
    param("skin.scar.accumulation_rate", "float", "1/step", "scar per unit inflammation per step"),
    param("skin.scar.collagen_threshold", "float", "a.u.", "collagen above this under closed epidermis is scar"),
)
