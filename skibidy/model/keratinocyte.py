"""Keratinocytes: re-epithelialisation as a proliferating, stratifying sheet."""

from __future__ import annotations

from skibidy.parameter import param

PARAMETERS = (
    param("skin.g1_duration", "float", "h", "G1 phase time scale at full gating", positive=True),
    param("skin.s_duration", "float", "h", "S phase duration", positive=True),
    param("skin.g2_duration", "float", "h", "G2 phase duration", positive=True),
    param("skin.m_duration", "float", "h", "M phase duration", positive=True),
    param("skin.growth_rate", "float", "um^3/h", "cell volume growth before division", positive=True),
    param("skin.division_diameter", "float", "um", "keratinocyte diameter at division", positive=True),
    param("skin.max_neighbors", "int", "count", "contact inhibition: neighbours that stop division", 1, 1000),
    param("skin.max_ta_divisions", "int", "count", "division budget of a transit-amplifying cell", 0, 1000),
    param("skin.stem_fraction", "float", "-", "stem fraction of basal cells (raised by low Ca)", 0.0, 1.0),
    param("skin.spinous_threshold", "float", "um", "height below which low-Ca cells stay basal"),
    param("skin.volume_z_spinous", "float", "um", "height of the basal/spinous boundary"),
    param("skin.volume_z_granular", "float", "um", "height of the spinous/granular boundary"),
    param("skin.volume_z_cornified", "float", "um", "height of the granular/cornified boundary", positive=True),
    param("skin.handoff_delay_h", "float", "h", "cornified residence time before shedding", positive=True),
    param("skin.migration_enabled", "bool", "-", "keratinocyte crawling into the wound"),
    param("skin.migration_speed", "float", "um/h", "keratinocyte crawling speed"),
    param("skin.kgf_basal_conc", "float", "nM", "KGF in the dermis"),
    param("skin.kgf_decay_length", "float", "um", "KGF profile exp(-z/L) in the epidermis", positive=True),
    param("skin.kgf_half_maximal", "float", "nM", "KGF half-maximal concentration", positive=True),
    param("skin.kgf_max_boost", "float", "fold", "maximal KGF boost of G1 -> S"),
)
