"""Matrix metalloproteinases: made by M1 macrophages and fibroblasts, degrade the ECM."""

from __future__ import annotations

import numpy as np

from skibidy.parameter import param

PARAMETERS = (
    param("skin.mmp.enabled", "bool", "-", "MMP field and ECM degradation"),
    param("skin.mmp.diffusion", "float", "um^2/h", "MMP diffusion"),
    param("skin.mmp.decay", "float", "1/h", "MMP decay (TIMP inhibition)"),
    param("skin.mmp.m1_rate", "float", "1/step/cell", "MMP-9 from each M1 macrophage"),
    param("skin.mmp.fibroblast_rate", "float", "1/step/cell", "MMP-1/3 from each activated or myofibroblast"),
    param("skin.mmp.collagen_degradation", "float", "1/step per MMP",
          "collagen turnover rate constant per unit MMP (wound dermis and epidermis)"),
    param("skin.mmp.fibronectin_degradation", "float", "1/step per MMP", "fibronectin loss per unit MMP"),
)


def prepare(cfg, s) -> None:  # type: ignore[no-untyped-def]
    s.mmp_on = cfg["skin.mmp.enabled"] and s.wound_on
    s.mmp_m1_rate = cfg["skin.mmp.m1_rate"]
    s.mmp_fib_rate = cfg["skin.mmp.fibroblast_rate"]
    s.mmp_collagen = cfg["skin.mmp.collagen_degradation"]
    s.mmp_fn = cfg["skin.mmp.fibronectin_degradation"]


def update(st, s, rng) -> None:  # type: ignore[no-untyped-def]
    """MMP degrades wound collagen (dermal too, first order) and fibronectin (as the reference)."""
    from skibidy.model.state import MMP

    if not (st.wounded and s.mmp_on):
        return
    bx, w = (slice(None),) + st.grid.box, st.grid.wbox
    m = st.f[MMP][bx]
    if s.mmp_collagen > 0:
        # first order in collagen (1/step per unit MMP): remodelling slows as the matrix thins
        c = st.collagen[bx]
        c *= np.where(w, np.exp(-m * s.mmp_collagen * s.dtf), 1.0)
    if s.fn_on and s.mmp_fn > 0:
        fn = st.fibronectin[bx]
        fn -= np.where(w, np.minimum(fn, m * s.mmp_fn * s.dtf), 0.0)
