"""Derived quantities: ECM quality (keratinocyte speed boost) and tissue viability."""

from __future__ import annotations

from skibidy.parameter import param

PARAMETERS = (
    param("skin.derived.ecm_weight_collagen", "float", "-", "collagen weight in ECM quality"),
    param("skin.derived.ecm_weight_fibronectin", "float", "-", "fibronectin weight in ECM quality"),
    param("skin.derived.ecm_weight_fibrin", "float", "-", "fibrin weight in ECM quality"),
    param("skin.derived.ecm_migration_boost", "float", "-", "keratinocyte speed x (1 + boost*E/(E+1))"),
)


def prepare(cfg, s) -> None:  # type: ignore[no-untyped-def]
    s.ecm_wc = cfg["skin.derived.ecm_weight_collagen"]
    s.ecm_wf = cfg["skin.derived.ecm_weight_fibronectin"]
    s.ecm_wb = cfg["skin.derived.ecm_weight_fibrin"]
    s.ecm_boost = cfg["skin.derived.ecm_migration_boost"]


def update(st, s, rng) -> None:  # type: ignore[no-untyped-def]
    """ECM quality = weighted collagen (below), fibronectin and fibrin at the epidermal layer."""
    from skibidy.model.state import DER, EPI

    import numpy as np

    if st.ecm is None:
        st.ecm = np.zeros_like(st.fibrin)
    bx = st.grid.box  # only the wound neighbourhood has matrix
    st.ecm[bx] = s.ecm_wc * st.collagen[DER][bx] + s.ecm_wf * st.fibronectin[EPI][bx] + s.ecm_wb * st.fibrin[bx]
