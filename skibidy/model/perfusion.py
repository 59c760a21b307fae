"""Perfusion (vascular field) and VEGF-driven angiogenesis."""

from __future__ import annotations

from skibidy.parameter import param

PARAMETERS = (
    param("skin.perfusion.diffusion", "float", "um^2/h", "lateral diffusion of the perfusion field"),
    param("skin.perfusion.decay", "float", "1/h", "decay of the perfusion field"),
    param("skin.perfusion.basal", "float", "-", "scale of dermal perfusion targets and initial profile"),
    param("skin.perfusion.angio_rate", "float", "1/step",
          "VEGF-independent vessel regrowth rate (sprouting from intact margin)"),
    param("skin.perfusion.angio_delay_h", "float", "h", "no vessel regrowth before this wound age"),
    param("skin.perfusion.reticular_fraction", "float", "-",
          "dermal (reticular) perfusion target as a fraction of basal"),
    param("skin.perfusion.angio_reticular_factor", "float", "x", "dermal regrowth rate multiplier"),
    param("skin.angiogenesis.enabled", "bool", "-", "VEGF field drives vessel regrowth"),
    param("skin.angiogenesis.vegf_diffusion", "float", "um^2/h", "VEGF diffusion"),
    param("skin.angiogenesis.vegf_decay", "float", "1/h", "VEGF decay"),
    param("skin.angiogenesis.vegf_production_rate", "float", "1/step",
          "maximal hypoxic VEGF production (at O2 = 0) per wound voxel"),
    param("skin.angiogenesis.vegf_hypoxia_threshold", "float", "-",
          "O2 below which wound voxels make VEGF, proportional to the deficit", 0.0, 10.0),
    param("skin.angiogenesis.vegf_consumption_rate", "float", "-",
          "VEGF consumed per unit of perfusion regained"),
    param("skin.angiogenesis.angio_vegf_rate", "float", "1/step per VEGF",
          "perfusion gain per unit VEGF"),
    param("skin.angiogenesis.m2_vegf_rate", "float", "1/step/cell", "VEGF from each M2 macrophage"),
)
