"""Hemostasis: the fibrin clot laid down at wounding."""

from __future__ import annotations

from skibidy.parameter import param

PARAMETERS = (
    param("skin.hemostasis.enabled", "bool", "-", "fibrin clot field"),
    param("skin.hemostasis.decay", "float", "1/h", "spontaneous fibrin loss"),
    param("skin.hemostasis.wound_seed", "float", "-", "clot density at wounding"),
    param("skin.hemostasis.tgfb_coupling", "float", "1/step", "TGF-beta released per unit fibrin"),
    param("skin.hemostasis.fibronectin_coupling", "float", "1/step", "fibronectin released per unit fibrin"),
    param("skin.hemostasis.mmp_degradation", "float", "1/step per MMP", "fibrinolysis per unit MMP"),
)
