"""Perfusion (vascular field) and VEGF-driven angiogenesis."""

from __future__ import annotations

import numpy as np

from skibidy.model.state import clip
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


def prepare(cfg, s) -> None:  # type: ignore[no-untyped-def]
    s.perf_target = cfg["skin.perfusion.basal"] * cfg["skin.perfusion.reticular_fraction"]
    s.angio_rate = cfg["skin.perfusion.angio_rate"]
    s.angio_delay_h = cfg["skin.perfusion.angio_delay_h"]
    s.angio_factor = cfg["skin.perfusion.angio_reticular_factor"]
    s.angio_on = cfg["skin.angiogenesis.enabled"]
    vf = s.diabetic("skin.diabetic.vegf_factor")
    s.vegf_prod = cfg["skin.angiogenesis.vegf_production_rate"] * vf
    s.vegf_thr = cfg["skin.angiogenesis.vegf_hypoxia_threshold"]
    s.vegf_consumption = cfg["skin.angiogenesis.vegf_consumption_rate"]
    s.angio_vegf_rate = cfg["skin.angiogenesis.angio_vegf_rate"]
    s.m2_vegf = cfg["skin.angiogenesis.m2_vegf_rate"] * vf


def update(st, s, rng) -> None:  # type: ignore[no-untyped-def]
    """Vessel regrowth in the wound dermis (sprouting + VEGF) and hypoxic VEGF production."""
    from skibidy.model.state import DER, EPI, O2, PERF, VEGF

    if not st.wounded or st.t - s.trigger_h <= 0:
        return
    bx, w = st.grid.box, st.grid.wbox
    age = st.t - s.trigger_h
    v = st.f[PERF][DER][bx]
    if age >= s.angio_delay_h:
        vegf = st.f[VEGF][DER][bx]
        demand = np.maximum(0.2, st.barrier[bx])
        rate = s.angio_rate + (s.angio_vegf_rate * vegf if s.angio_on else 0.0)
        gain = np.minimum(rate * s.angio_factor * demand * s.dtf, np.maximum(s.perf_target - v, 0.0))
        gain = np.where(w, gain, 0.0)
        v += gain
        if s.angio_on:
            vegf -= np.minimum(vegf, s.vegf_consumption * gain)
    if s.angio_on and s.vegf_prod > 0 and s.vegf_thr > 0:
        for layer in (EPI, DER):
            o2 = st.f[O2][layer][bx]
            hyp = clip((s.vegf_thr - o2) / s.vegf_thr, 0.0, 1.0)
            st.f[VEGF][layer][bx] += np.where(w, s.vegf_prod * hyp * s.dtf, 0.0)
