"""Scar: collagen excess under closed epidermis, plus an inflammation integral."""

from __future__ import annotations

import numpy as np

from skibidy.parameter import param

PARAMETERS = (
    param("skin.scar.enabled", "bool", "-", "collagen-driven scar where the wound closes over excess collagen"),
    param("skin.scar.proportional_enabled", "bool", "-", "add a scar term proportional to integrated inflammation"),
    param("skin.scar.accumulation_rate", "float", "1/step", "scar per unit inflammation per step"),
    param("skin.scar.collagen_threshold", "float", "a.u.", "collagen above this under closed epidermis is scar"),
)


def prepare(cfg, s) -> None:  # type: ignore[no-untyped-def]
    s.scar_on = cfg["skin.scar.enabled"] and s.wound_on
    s.scar_prop = cfg["skin.scar.proportional_enabled"] and s.wound_on
    s.scar_rate = cfg["skin.scar.accumulation_rate"]
    s.scar_thr = cfg["skin.scar.collagen_threshold"]


def update(st, s, rng) -> None:  # type: ignore[no-untyped-def]
    """Closed wound voxels keep the collagen excess below them as scar; inflammation adds on top."""
    from skibidy.model.state import DER, EPI, I

    if not st.wounded:
        return
    bx, w = st.grid.box, st.grid.wbox
    if s.scar_on:
        closed = w & (st.stratum[bx] > 0.5)
        excess = np.maximum(0.0, st.collagen[DER][bx] - s.scar_thr)
        sc = st.scar_collagen[bx]
        np.maximum(sc, np.where(closed, excess, 0.0), out=sc)
    if s.scar_prop and s.scar_rate > 0:
        st.scar_inflammation[bx] += np.where(w, st.f[I][EPI][bx] * s.scar_rate * s.dtf, 0.0)
