"""Diabetic mode: the factors applied to each process when ``skin.diabetic.mode`` is on."""

from __future__ import annotations

from skibidy.parameter import param

_F = "x"

PARAMETERS = (
    param("skin.diabetic.mode", "bool", "-", "apply every diabetic factor below"),
    param("skin.diabetic.m1_duration_factor", "float", _F, "M1 timer multiplier", positive=True),
    param("skin.diabetic.resolution_factor", "float", _F, "M2 resolution multiplier"),
    param("skin.diabetic.efferocytosis_factor", "float", _F, "probability an engulfment succeeds", 0.0, 1.0),
    param("skin.diabetic.neutrophil_factor", "float", _F, "neutrophil count multiplier"),
    param("skin.diabetic.neutrophil_lifespan_factor", "float", _F, "neutrophil lifespan multiplier",
          positive=True),
    param("skin.diabetic.neutrophil_apoptosis_factor", "float", _F, "neutrophil apoptosis multiplier"),
    param("skin.diabetic.neutrophil_waves_factor", "float", _F, "neutrophil wave count multiplier",
          positive=True),
    param("skin.diabetic.neutrophil_window_factor", "float", _F, "neutrophil wave window multiplier"),
    param("skin.diabetic.macrophage_taper_factor", "float", _F, "macrophage recruitment taper multiplier"),
    param("skin.diabetic.prolif_factor", "float", _F, "keratinocyte G1 -> S multiplier"),
    param("skin.diabetic.migration_factor", "float", _F, "keratinocyte speed multiplier"),
    param("skin.diabetic.fibroblast_activation_factor", "float", _F, "activation timeout multiplier"),
    param("skin.diabetic.collagen_factor", "float", _F, "collagen deposition multiplier"),
    param("skin.diabetic.fibroblast_lifespan_factor", "float", _F, "fibroblast lifespan multiplier",
          positive=True),
    param("skin.diabetic.baseline_inflammation", "float", "1/step",
          "chronic inflammation into open wound voxels"),
    param("skin.diabetic.inflammation_sensitivity", "float", _F,
          "keratinocytes feel immune pressure x this in both Hill gates"),
    param("skin.diabetic.mmp_factor", "float", _F, "MMP production multiplier"),
    param("skin.diabetic.timp_factor", "float", _F, "MMP decay multiplier (TIMP deficit)"),
    param("skin.diabetic.vegf_factor", "float", _F, "VEGF production multiplier"),
)


def prepare(cfg, s) -> None:  # type: ignore[no-untyped-def]
    """Nothing to precompute: other modules read their factor through ``s.diabetic(path)``."""
