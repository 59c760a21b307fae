"""Inflammation (DAMP-driven cytokine field) and immune pressure."""

from __future__ import annotations

import numpy as np

from skibidy.model.state import clip
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


def prepare(cfg, s) -> None:  # type: ignore[no-untyped-def]
    s.damp_rate = cfg["skin.inflammation.wound_source_rate"]
    s.damp_taper = cfg["skin.inflammation.wound_source_taper"]
    s.ip_mig_k = cfg["skin.inflammation.migration_threshold"]
    s.ip_prolif_k = cfg["skin.inflammation.prolif_threshold"]
    s.split = cfg["skin.inflammation.split_enabled"]
    s.anti_weight = cfg["skin.inflammation.anti_weight"]
    s.baseline_infl = s.diabetic("skin.diabetic.baseline_inflammation", neutral=0.0)


def net(st, s) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Net inflammation (both layers): pro minus weighted anti in split mode."""
    from skibidy.model.state import ANTI, I

    if s.split:
        return np.maximum(0.0, st.f[I] - s.anti_weight * st.f[ANTI])
    return st.f[I]


def update(st, s, rng) -> None:  # type: ignore[no-untyped-def]
    """DAMP sources (dermal deficit and open epidermis) and the diabetic chronic baseline."""
    from skibidy.model.state import DER, DERMIS, EPI, I

    if not st.wounded:
        return
    age = st.t - s.trigger_h
    if age <= 0:
        return
    bx, w = st.grid.box, st.grid.wbox
    mid_steps = (age - 0.5 * s.dt) / 0.1
    r_w = s.damp_rate * np.exp(-s.damp_taper * max(mid_steps, 0.0)) * s.dtf
    open_epi = np.maximum(0.0, 1.0 - st.stratum[bx])
    if r_w > 1e-12:
        if s.dermis_on:
            deficit = clip(1.0 - st.f[DERMIS][DER][bx] / s.dermis_target, 0.0, 1.0)
            st.f[I][DER][bx] += np.where(w, r_w * deficit, 0.0)
        st.f[I][EPI][bx] += np.where(w, 0.25 * r_w * open_epi, 0.0)
    if s.baseline_infl > 0:
        st.f[I][EPI][bx] += np.where(w, s.baseline_infl * s.dtf * open_epi, 0.0)
