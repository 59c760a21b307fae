"""Hemostasis: the fibrin clot laid down at wounding."""

from __future__ import annotations

import math

import numpy as np

from skibidy.parameter import param

PARAMETERS = (
    param("skin.hemostasis.enabled", "bool", "-", "fibrin clot field"),
    param("skin.hemostasis.decay", "float", "1/h", "spontaneous fibrin loss"),
    param("skin.hemostasis.wound_seed", "float", "-", "clot density at wounding"),
    param("skin.hemostasis.tgfb_coupling", "float", "1/step", "TGF-beta released per unit fibrin"),
    param("skin.hemostasis.fibronectin_coupling", "float", "1/step", "fibronectin released per unit fibrin"),
    param("skin.hemostasis.mmp_degradation", "float", "1/step per MMP", "fibrinolysis per unit MMP"),
)


def prepare(cfg, s) -> None:  # type: ignore[no-untyped-def]
    s.hemostasis_on = cfg["skin.hemostasis.enabled"] and s.wound_on
    s.fibrin_decay = cfg["skin.hemostasis.decay"]
    s.fibrin_seed = cfg["skin.hemostasis.wound_seed"]
    s.fibrin_tgfb = cfg["skin.hemostasis.tgfb_coupling"]
    s.fibrin_fn = cfg["skin.hemostasis.fibronectin_coupling"]
    s.fibrin_mmp = cfg["skin.hemostasis.mmp_degradation"]


def update(st, s, rng) -> None:  # type: ignore[no-untyped-def]
    """The clot releases TGF-beta and fibronectin, decays and is lysed by MMP."""
    from skibidy.model.state import EPI, MMP, TGFB

    if not (st.wounded and s.hemostasis_on) or st.t - s.trigger_h <= 0:
        return
    bx = st.grid.box  # the clot lies in the wound only
    fb = st.fibrin[bx]
    if s.fibroblast_on:
        st.f[TGFB][EPI][bx] += fb * s.fibrin_tgfb * s.dtf
    if s.fn_on:
        st.fibronectin[EPI][bx] += fb * s.fibrin_fn * s.dtf
    if s.mmp_on and s.fibrin_mmp > 0:
        fb -= np.minimum(fb, st.f[MMP][EPI][bx] * s.fibrin_mmp * s.dtf)
    if s.fibrin_decay > 0:
        fb *= math.exp(-s.fibrin_decay * s.dt)
