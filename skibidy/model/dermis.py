"""Dermal integrity: rebuilt on new collagen, eroded by MMP."""

from __future__ import annotations

import numpy as np

from skibidy.parameter import param

PARAMETERS = (
    param("skin.dermis.enabled", "bool", "-", "dermal integrity field (and its DAMP source)"),
    param("skin.dermis.diffusion", "float", "um^2/h", "lateral spreading of dermal integrity"),
    param("skin.dermis.decay", "float", "1/h", "dermal integrity decay"),
    param("skin.dermis.reticular_density", "float", "-", "intact dermal integrity (recovery target)"),
    param("skin.dermis.collagen_threshold", "float", "a.u.", "collagen needed before the dermis recovers"),
    param("skin.dermis.collagen_recovery_rate", "float", "1/step", "gain per unit collagen above threshold"),
    param("skin.dermis.mmp_degradation", "float", "1/step per MMP", "erosion by MMP"),
    param("skin.dermis.reticular_rate_factor", "float", "x", "recovery rate multiplier"),
)


def prepare(cfg, s) -> None:  # type: ignore[no-untyped-def]
    s.dermis_on = cfg["skin.dermis.enabled"] and s.wound_on
    s.dermis_target = cfg["skin.dermis.reticular_density"]
    s.dermis_c_thr = cfg["skin.dermis.collagen_threshold"]
    s.dermis_rate = cfg["skin.dermis.collagen_recovery_rate"] * cfg["skin.dermis.reticular_rate_factor"]
    s.dermis_mmp = cfg["skin.dermis.mmp_degradation"]


def update(st, s, rng) -> None:  # type: ignore[no-untyped-def]
    """Dermal integrity rebuilds on collagen above threshold and is eroded by MMP."""
    from skibidy.model.state import DER, DERMIS, MMP

    if not (st.wounded and s.dermis_on) or st.t - s.trigger_h <= 0:
        return
    bx, w = st.grid.box, st.grid.wbox
    dm = st.f[DERMIS][DER][bx]
    c = st.collagen[DER][bx]
    gain = np.where(w & (c > s.dermis_c_thr), s.dermis_rate * (c - s.dermis_c_thr) * s.dtf, 0.0)
    dm += np.minimum(gain, np.maximum(s.dermis_target - dm, 0.0))
    if s.mmp_on and s.dermis_mmp > 0:
        dm -= np.where(w, np.minimum(dm, st.f[MMP][DER][bx] * s.dermis_mmp * s.dtf), 0.0)
