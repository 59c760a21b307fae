"""Calcium: the epidermal gradient that drives differentiation."""

from __future__ import annotations

from skibidy.parameter import param

PARAMETERS = (
    param("skin.calcium_basal", "float", "mM", "Ca at the bottom of the epidermal sigmoid"),
    param("skin.calcium_peak", "float", "mM", "Ca at the top of the epidermal sigmoid"),
    param("skin.calcium_midpoint_z", "float", "um", "height of the sigmoid midpoint", -1e6, 1e6),
    param("skin.calcium_steepness", "float", "um", "width of the sigmoid", positive=True),
    param("skin.calcium_recovery_rate", "float", "1/step", "Ca relaxation in re-stratified wound voxels"),
    param("skin.ca_spinous_threshold", "float", "mM",
          "below it cells stay basal (under spinous_threshold) and stem bias rises", positive=True),
)
