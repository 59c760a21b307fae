"""Derived quantities: ECM quality (keratinocyte speed boost) and tissue viability."""

from __future__ import annotations

from skibidy.parameter import param

PARAMETERS = (
    param("skin.derived.ecm_weight_collagen", "float", "-", "collagen weight in ECM quality"),
    param("skin.derived.ecm_weight_fibronectin", "float", "-", "fibronectin weight in ECM quality"),
    param("skin.derived.ecm_weight_fibrin", "float", "-", "fibrin weight in ECM quality"),
    param("skin.derived.ecm_migration_boost", "float", "-", "keratinocyte speed x (1 + boost*E/(E+1))"),
)
