"""Matrix metalloproteinases: made by M1 macrophages and fibroblasts, degrade the ECM."""

from __future__ import annotations

from skibidy.parameter import param

PARAMETERS = (
    param("skin.mmp.enabled", "bool", "-", "MMP field and ECM degradation"),
    param("skin.mmp.diffusion", "float", "um^2/h", "MMP diffusion"),
    param("skin.mmp.decay", "float", "1/h", "MMP decay (TIMP inhibition)"),
    param("skin.mmp.m1_rate", "float", "1/step/cell", "MMP-9 from each M1 macrophage"),
    param("skin.mmp.fibroblast_rate", "float", "1/step/cell", "MMP-1/3 from each activated or myofibroblast"),
    param("skin.mmp.collagen_degradation", "float", "1/step per MMP", "collagen loss per unit MMP"),
    param("skin.mmp.fibronectin_degradation", "float", "1/step per MMP", "fibronectin loss per unit MMP"),
)
