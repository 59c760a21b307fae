"""Inflammation (DAMP-driven cytokine field) and immune pressure."""

from __future__ import annotations

from skibidy.parameter import param

PARAMETERS = (
    param("skin.inflammation.diffusion", "float", "um^2/h", "diffusion of inflammation and immune pressure"),
    param("skin.inflammation.decay", "float", "1/h", "decay of inflammation and immune pressure"),
    param("skin.inflammation.migration_threshold", "float", "a.u.",
          "Hill constant of keratinocyte migration suppression by immune pressure", positive=True),
    param("skin.inflammation.prolif_threshold", "float", "a.u.",
          "Hill constant of keratinocyte G1->S suppression by immune pressure", positive=True),
    param("skin.inflammation.wound_source_rate", "float", "1/step", "DAMP source amplitude"),
    param("skin.inflammation.wound_source_taper", "float", "1/step",
          "DAMP source decays as exp(-taper * wound age in steps)"),
    param("skin.inflammation.split_enabled", "bool", "-",
          "separate pro- and anti-inflammatory fields (net = pro - weight * anti)"),
    param("skin.inflammation.anti_diffusion", "float", "um^2/h", "anti-inflammatory field diffusion"),
    param("skin.inflammation.anti_decay", "float", "1/h", "anti-inflammatory field decay"),
    param("skin.inflammation.anti_weight", "float", "-", "weight of anti in the net inflammation"),
)
