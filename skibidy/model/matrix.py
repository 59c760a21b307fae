"""The provisional matrix and its turnover: MMPs, fibronectin and matrix quality.

Neutrophils, M1 macrophages and fibroblasts secrete MMPs (diabetic skin more, and
with less TIMP inhibition); MMPs degrade collagen and fibronectin (and fibrin, see
``hemostasis.py``). Plasma fibronectin seeps into the clot from perfused tissue and
fibroblasts lay down their own. Fibrin and fibronectin make the provisional matrix
keratinocytes crawl over (``keratinocyte.py``: ``skin.derived.ecm_migration_boost``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from skibidy.model.module import Module, diabetic_factor
from skibidy.parameter import param

MMP_DIFFUSION_UM2_H = 10000.0
"""MMP diffusivity in tissue (about 3 um^2/s)."""

PARAMETERS = (
    param("skin.mmp.enabled", "bool", "-", "matrix metalloproteinases are secreted and act"),
    param("skin.mmp.phagocyte_rate", "float", "a.u./h per cell", "MMP secreted by each neutrophil and M1 macrophage"),
    param("skin.mmp.fibroblast_rate", "float", "a.u./h per cell", "MMP secreted by each (myo)fibroblast"),
    param("skin.mmp.decay", "float", "1/h", "MMP inactivation (TIMPs)"),
    param("skin.mmp.collagen_degradation", "float", "1/h per MMP", "collagen turnover per unit MMP"),
    param("skin.mmp.fibronectin_degradation", "float", "1/h per MMP", "fibronectin cleavage per unit MMP"),
    param("skin.fibronectin.serum_rate", "float", "a.u./h", "plasma fibronectin entering the clot"),
    param("skin.fibronectin.deposition_rate", "float", "a.u./h per cell", "fibronectin laid down by each fibroblast"),
    param("skin.fibronectin.decay", "float", "1/h", "fibronectin turnover"),
    param("skin.derived.ecm_weight_fibronectin", "float", "-", "weight of fibronectin in matrix quality"),
    param("skin.derived.ecm_weight_fibrin", "float", "-", "weight of fibrin in matrix quality"),
)


@dataclass(frozen=True)
class Settings:
    mmp_on: bool
    phagocyte_mmp: float
    fibroblast_mmp: float
    mmp_decay: float
    collagen_degradation: float
    fibronectin_degradation: float
    serum: float
    deposition: float
    fibronectin_decay: float
    weight_fibronectin: float
    weight_fibrin: float


def settings(cfg) -> Settings:  # type: ignore[no-untyped-def]
    more = diabetic_factor(cfg, "skin.diabetic.mmp_factor")
    return Settings(
        mmp_on=cfg["skin.mmp.enabled"],
        phagocyte_mmp=cfg["skin.mmp.phagocyte_rate"] * more,
        fibroblast_mmp=cfg["skin.mmp.fibroblast_rate"] * more,
        mmp_decay=cfg["skin.mmp.decay"] * diabetic_factor(cfg, "skin.diabetic.timp_factor"),
        collagen_degradation=cfg["skin.mmp.collagen_degradation"],
        fibronectin_degradation=cfg["skin.mmp.fibronectin_degradation"],
        serum=cfg["skin.fibronectin.serum_rate"],
        deposition=cfg["skin.fibronectin.deposition_rate"],
        fibronectin_decay=cfg["skin.fibronectin.decay"],
        weight_fibronectin=cfg["skin.derived.ecm_weight_fibronectin"],
        weight_fibrin=cfg["skin.derived.ecm_weight_fibrin"],
    )


def step(st, s: Settings, rng: np.random.Generator, dt: float) -> None:  # type: ignore[no-untyped-def]
    """MMP secretion and matrix cleavage, fibronectin deposition, matrix quality."""
    w = st.grid.wound
    if s.mmp_on:
        st.mmp += (s.phagocyte_mmp * st.phagocytes + s.fibroblast_mmp * st.fibroblast_density) * dt
        st.collagen *= np.exp(-s.collagen_degradation * st.mmp * dt)
        cleave = s.fibronectin_degradation * st.mmp
    else:
        cleave = 0.0
    supply = np.where(w, s.serum * st.perfusion * (1.0 - st.barrier), 0.0) + s.deposition * st.fibroblast_density
    st.fibronectin += supply * dt
    st.fibronectin *= np.exp(-(s.fibronectin_decay + cleave) * dt)
    st.matrix[:] = s.weight_fibronectin * st.fibronectin + s.weight_fibrin * st.fibrin


def diffusion(s: Settings) -> dict[str, tuple[float, float]]:
    return {"mmp": (MMP_DIFFUSION_UM2_H, s.mmp_decay)}


def report(st, s: Settings) -> dict[str, float]:  # type: ignore[no-untyped-def]
    w = st.grid.wound
    return {"mean_mmp_wound": float(st.mmp[w].mean()), "mean_fibronectin_wound": float(st.fibronectin[w].mean()),
            "mean_ecm_quality": float(st.matrix[w].mean())}


MODULE = Module(
    "matrix turnover", PARAMETERS, settings,
    reads=("phagocytes", "fibroblast_density", "perfusion", "barrier", "fibrin"),
    writes=("mmp", "collagen", "fibronectin", "matrix"),
    step=step, diffusion=diffusion,
    columns=("mean_mmp_wound", "mean_fibronectin_wound", "mean_ecm_quality"), report=report,
)
