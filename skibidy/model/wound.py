"""Wound event: the punch wound that zeroes the tissue fields in a disc."""

from __future__ import annotations

from skibidy.parameter import param

PARAMETERS = (
    param("skin.wound.enabled", "bool", "-", "create a wound (master switch of every wound module)"),
    param("skin.wound.center_x", "float", "um", "x of the punch centre", -1e6, 1e6),
    param("skin.wound.center_y", "float", "um", "y of the punch centre", -1e6, 1e6),
    param("skin.wound.radius", "float", "um", "punch radius", positive=True),
    param("skin.wound.trigger_h", "float", "h", "time of wounding"),
    param("skin.wound.inward_bias", "float", "-",
          "pull of keratinocyte divisions toward the wound centre (adds lateral spreading)", 0.0, 1.0),
)


def prepare(cfg, s) -> None:  # type: ignore[no-untyped-def]
    s.wound_on = cfg["skin.wound.enabled"]
    s.trigger_h = cfg["skin.wound.trigger_h"]
    s.cx, s.cy = cfg["skin.wound.center_x"], cfg["skin.wound.center_y"]
    s.radius = cfg["skin.wound.radius"]
    s.inward_bias = cfg["skin.wound.inward_bias"]


def update(st, s, rng) -> None:  # type: ignore[no-untyped-def]
    """Fire the punch once: zero the tissue inside the disc, seed clot and alkalinity."""
    if st.wounded or not s.wound_on or st.t + 1e-9 < s.trigger_h:
        return
    from skibidy.model.state import DER, DERMIS, O2, PERF, WATER

    w = st.grid.wound
    st.wounded = True
    st.stratum[w] = 0.0
    st.barrier[w] = 0.0
    st.calcium[w] = 0.0
    st.basal[w] = 0.0
    st.thickness[w] = 0.0
    st.edge[w] = 0.0
    st.covered[w] = False
    st.f[O2][:, w] = 0.0
    st.f[WATER][:, w] = 0.0
    st.f[PERF][DER][w] = 0.0
    st.f[DERMIS][DER][w] = 0.0
    if s.hemostasis_on:
        st.fibrin[w] = s.fibrin_seed
    if s.ph_on:
        st.ph[w] = 1.0
