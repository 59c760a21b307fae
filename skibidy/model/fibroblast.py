"""Fibroblasts (agents): recruitment, activation, myofibroblasts, TGF-beta and collagen."""

from __future__ import annotations

from skibidy.parameter import param

PARAMETERS = (
    param("skin.fibroblast.enabled", "bool", "-", "fibroblasts, TGF-beta and collagen"),
    param("skin.fibroblast.spawn_delay_h", "float", "h", "first fibroblast wave after wounding"),
    param("skin.fibroblast.spawn_waves", "int", "count", "number of fibroblast waves", 1, 1000),
    param("skin.fibroblast.spawn_window_h", "float", "h", "time from first to last wave"),
    param("skin.fibroblast.diameter", "float", "um", "fibroblast size: sets the ring slot count", positive=True),
    param("skin.fibroblast.density_factor", "float", "x", "fibroblast count multiplier", positive=True),
    param("skin.fibroblast.activation_delay_h", "float", "h", "quiescent -> activated timeout"),
    param("skin.fibroblast.activation_threshold", "float", "a.u.", "... or local TGF-beta above this"),
    param("skin.fibroblast.myofibroblast_delay_h", "float", "h", "minimum activated time before myofibroblast"),
    param("skin.fibroblast.myofibroblast_threshold", "float", "a.u.", "TGF-beta needed for activated -> myo"),
    param("skin.fibroblast.apoptosis_threshold", "float", "a.u.",
          "myofibroblasts die when TGF-beta falls below this (after min_lifespan)"),
    param("skin.fibroblast.apoptosis_onset_h", "float", "h", "myofibroblast age before stochastic death"),
    param("skin.fibroblast.apoptosis_rate", "float", "1/step", "myofibroblast death probability after onset",
          0.0, 1.0),
    param("skin.fibroblast.min_lifespan_h", "float", "h", "minimum age for low-TGF-beta removal"),
    param("skin.fibroblast.lifespan_h", "float", "h", "fibroblast maximal age", positive=True),
    param("skin.fibroblast.migration_speed", "float", "um/h", "fibroblast crawling speed"),
    param("skin.fibroblast.dermal_margin", "float", "um", "width of the recruitment ring outside the wound"),
    param("skin.fibroblast.tgfb_diffusion", "float", "um^2/h", "TGF-beta diffusion"),
    param("skin.fibroblast.tgfb_decay", "float", "1/h", "TGF-beta decay"),
    param("skin.fibroblast.tgfb_rate", "float", "1/step/cell", "TGF-beta from each myofibroblast"),
    param("skin.fibroblast.tgfb_taper_rate", "float", "1/step", "myofibroblast TGF-beta x exp(-taper*age)"),
    param("skin.fibroblast.m2_tgfb_rate", "float", "1/step/cell", "TGF-beta from each M2 macrophage"),
    param("skin.fibroblast.collagen_deposition_rate", "float", "1/step/cell", "collagen from each myofibroblast"),
    param("skin.fibroblast.collagen_decay", "float", "1/h", "spontaneous collagen turnover"),
)
