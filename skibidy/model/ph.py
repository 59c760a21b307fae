"""Wound pH: alkaline after wounding, acidifies as perfusion and barrier return."""

from __future__ import annotations

from skibidy.parameter import param

PARAMETERS = (
    param("skin.ph.enabled", "bool", "-", "wound alkalinity field"),
    param("skin.ph.recovery_rate", "float", "1/step", "acidification rate"),
    param("skin.ph.migration_suppression", "float", "-",
          "keratinocyte speed x (1 - this * alkalinity)", 0.0, 1.0),
)
