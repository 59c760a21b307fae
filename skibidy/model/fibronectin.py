"""Fibronectin: the provisional matrix (serum and fibroblast sources)."""

from __future__ import annotations

from skibidy.parameter import param

PARAMETERS = (
    param("skin.fibronectin.enabled", "bool", "-", "fibronectin field"),
    param("skin.fibronectin.decay", "float", "1/h", "fibronectin turnover"),
    param("skin.fibronectin.deposition_rate", "float", "1/step/cell", "from activated and myofibroblasts"),
    param("skin.fibronectin.serum_rate", "float", "1/step", "plasma fibronectin into open wound voxels"),
)
