"""Diabetic skin: the switch and the factors by which it alters each process.

Each factor multiplies one rate or time of another module and is read there with
:func:`skibidy.model.module.diabetic_factor`, which gives 1 unless
``skin.diabetic.mode`` is on. Two values add a process instead and are 0 on normal skin:
``chemokine_persistence`` (``immune.py``) and ``baseline_inflammation``
(``inflammation.py``). Literature sources are in ``data/modules/diabetic.toml``.
"""

from __future__ import annotations

from skibidy.model.module import Module
from skibidy.parameter import Parameter, param


def _factor(name: str, meaning: str) -> Parameter:
    return param(f"skin.diabetic.{name}", "float", "fold", meaning)


PARAMETERS = (
    param("skin.diabetic.mode", "bool", "-", "diabetic skin: every factor below takes effect"),
    _factor("m1_duration_factor", "M1 macrophages stay pro-inflammatory this much longer"),
    _factor("resolution_factor", "inflammation clearance by M2 macrophages"),
    _factor("efferocytosis_factor", "clearance of apoptotic neutrophils by macrophages"),
    _factor("neutrophil_factor", "neutrophil recruitment"),
    _factor("neutrophil_lifespan_factor", "neutrophil maximal lifespan"),
    _factor("neutrophil_apoptosis_factor", "neutrophil apoptosis rate"),
    _factor("macrophage_taper_factor", "decline of monocyte recruitment"),
    _factor("prolif_factor", "keratinocyte G1 progression"),
    _factor("migration_factor", "keratinocyte crawling speed"),
    _factor("inflammation_sensitivity", "keratinocyte sensitivity to inflammation"),
    _factor("fibroblast_activation_factor", "TGF-beta needed for myofibroblast differentiation"),
    _factor("fibroblast_lifespan_factor", "fibroblast lifespan"),
    _factor("collagen_factor", "collagen synthesis per fibroblast"),
    _factor("mmp_factor", "MMP production"),
    _factor("timp_factor", "TIMP inhibition of MMPs (MMP decay)"),
    _factor("vegf_factor", "VEGF production and response"),
    param("skin.diabetic.chemokine_persistence", "float", "-",
          "share of the early neutrophil call that the open wound keeps up (sustained chemokines)"),
    param("skin.diabetic.baseline_inflammation", "float", "a.u./h",
          "chronic inflammatory input of diabetic tissue (AGE/RAGE signalling)"),
)

MODULE = Module("diabetic skin", PARAMETERS, lambda cfg: None)
