"""Water: serum recovery against evaporation through an open barrier."""

from __future__ import annotations

from skibidy.parameter import param

PARAMETERS = (
    param("skin.water_diffusion", "float", "um^2/h", "water diffusion"),
    param("skin.water_decay", "float", "1/h", "water decay"),
    param("skin.water_basal_conc", "float", "-", "dermal water per unit perfusion"),
    param("skin.water_decay_length", "float", "um", "length of the epidermal water profile exp(-z/L)",
          positive=True),
    param("skin.water_recovery_rate", "float", "1/step", "maximal serum water gain per step"),
    param("skin.water_surface_loss_rate", "float", "1/step", "evaporation through a missing barrier"),
    param("skin.water_migration_threshold", "float", "-", "water gate min(1, W/threshold) on migration",
          positive=True),
    param("skin.water_prolif_threshold", "float", "-", "water gate min(1, W/threshold) on G1->S",
          positive=True),
)
