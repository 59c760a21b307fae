"""Oxygen: pinned to perfusion in the dermis, diffusing into the epidermis."""

from __future__ import annotations

from skibidy.parameter import param

PARAMETERS = (
    param("skin.oxygen_diffusion", "float", "um^2/h", "O2 diffusion"),
    param("skin.oxygen_decay", "float", "1/h", "O2 consumption by the epidermis"),
    param("skin.oxygen_basal_conc", "float", "-", "dermal O2 per unit perfusion"),
    param("skin.oxygen_decay_length", "float", "um", "length of the initial epidermal O2 profile exp(-z/L)",
          positive=True),
    param("skin.oxygen_prolif_threshold", "float", "-", "O2 gate min(1, O2/threshold) on G1->S",
          positive=True),
)
