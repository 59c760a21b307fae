"""The provisional matrix and its turnover: MMPs, fibronectin and matrix quality.

(Myo)fibroblasts secrete MMPs (diabetic skin more, and with less TIMP inhibition), which
turn collagen over during remodelling. Plasma fibronectin seeps into the open wound from
perfused tissue and turns over. Fibrin and fibronectin make the provisional matrix
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
    param("skin.mmp.fibroblast_rate", "float", "a.u./h per cell", "MMP secreted by each (myo)fibroblast"),
    param("skin.mmp.decay", "float", "1/h", "MMP inactivation (TIMPs)"),
    param("skin.mmp.collagen_degradation", "float", "1/h per MMP", "collagen turnover per unit MMP"),
    param("skin.fibronectin.serum_rate", "float", "a.u./h", "plasma fibronectin entering the clot"),
    param("skin.fibronectin.decay", "float", "1/h", "fibronectin turnover"),
    param("skin.derived.ecm_weight_fibronectin", "float", "-", "weight of fibronectin in matrix quality"),
    param("skin.derived.ecm_weight_fibrin", "float", "-", "weight of fibrin in matrix quality"),
)


@dataclass(frozen=True)
class Settings:
    mmp_on: bool
    fibroblast_mmp: float
    mmp_decay: float
    collagen_degradation: float
    serum: float
    fibronectin_decay: float
    weight_fibronectin: float
    weight_fibrin: float


def settings(cfg) -> Settings:  # type: ignore[no-untyped-def]
    more = diabetic_factor(cfg, "skin.diabetic.mmp_factor")
    return Settings(
        mmp_on=cfg["skin.mmp.enabled"],
        fibroblast_mmp=cfg["skin.mmp.fibroblast_rate"] * more,
        mmp_decay=cfg["skin.mmp.decay"] * diabetic_factor(cfg, "skin.diabetic.timp_factor"),
        collagen_degradation=cfg["skin.mmp.collagen_degradation"],
        serum=cfg["skin.fibronectin.serum_rate"],
        fibronectin_decay=cfg["skin.fibronectin.decay"],
        weight_fibronectin=cfg["skin.derived.ecm_weight_fibronectin"],
        weight_fibrin=cfg["skin.derived.ecm_weight_fibrin"],
    )


def step(st, s: Settings, rng: np.random.Generator, dt: float) -> None:  # type: ignore[no-untyped-def]
    """MMP secretion and collagen turnover, plasma fibronectin, matrix quality."""
    w = st.grid.wound
    if s.mmp_on:
        st.mmp += s.fibroblast_mmp * st.fibroblast_density * dt
        st.collagen *= np.exp(-s.collagen_degradation * st.mmp * dt)
    st.fibronectin += np.where(w, s.serum * st.perfusion * (1.0 - st.barrier), 0.0) * dt
    st.fibronectin *= np.exp(-s.fibronectin_decay * dt)
    st.matrix[:] = s.weight_fibronectin * st.fibronectin + s.weight_fibrin * st.fibrin


def diffusion(s: Settings) -> dict[str, tuple[float, float]]:
    return {"mmp": (MMP_DIFFUSION_UM2_H, s.mmp_decay)}


def report(st, s: Settings) -> dict[str, float]:  # type: ignore[no-untyped-def]
    w = st.grid.wound
    return {"mean_mmp_wound": float(st.mmp[w].mean()), "mean_fibronectin_wound": float(st.fibronectin[w].mean()),
            "mean_ecm_quality": float(st.matrix[w].mean())}


MODULE = Module(
    "matrix turnover", PARAMETERS, settings,
    reads=("fibroblast_density", "perfusion", "barrier", "fibrin"),
    writes=("mmp", "collagen", "fibronectin", "matrix"),
    step=step, diffusion=diffusion,
    columns=("mean_mmp_wound", "mean_fibronectin_wound", "mean_ecm_quality"), report=report,
)
