"""Calcium: the epidermal gradient that drives differentiation."""

from __future__ import annotations

import numpy as np

from skibidy.parameter import param

PARAMETERS = (
    param("skin.calcium_basal", "float", "mM", "Ca at the bottom of the epidermal sigmoid"),
    param("skin.calcium_peak", "float", "mM", "Ca at the top of the epidermal sigmoid"),
    param("skin.calcium_midpoint_z", "float", "um", "height of the sigmoid midpoint", -1e6, 1e6),
    param("skin.calcium_steepness", "float", "um", "width of the sigmoid", positive=True),
    param("skin.calcium_recovery_rate", "float", "1/step", "Ca relaxation in re-stratified wound voxels"),
    param("skin.ca_spinous_threshold", "float", "mM",
          "below it cells stay basal (under spinous_threshold) and stem bias rises", positive=True),
)


def _sigmoid(z, cfg):  # type: ignore[no-untyped-def]
    lo, hi = cfg["skin.calcium_basal"], cfg["skin.calcium_peak"]
    return lo + (hi - lo) / (1.0 + np.exp(-(z - cfg["skin.calcium_midpoint_z"]) / cfg["skin.calcium_steepness"]))


def prepare(cfg, s) -> None:  # type: ignore[no-untyped-def]
    s.ca_basal_target = float(_sigmoid(2.5, cfg))
    # the metric reports the epidermal column mean (reference: mean over the 6 wound layers)
    s.ca_column_ratio = float(np.mean(_sigmoid(np.arange(2.5, 30.0, 5.0), cfg))) / max(s.ca_basal_target, 1e-12)
    s.ca_recovery = cfg["skin.calcium_recovery_rate"]
    s.ca_thr = cfg["skin.ca_spinous_threshold"]


def update(st, s, rng) -> None:  # type: ignore[no-untyped-def]
    """Calcium relaxes back in wound voxels once they re-stratify (S >= 0.5)."""
    if not st.wounded:
        return
    bx = st.grid.box
    stratum, ca = st.stratum[bx], st.calcium[bx]
    w = st.grid.wbox & (stratum >= 0.5)
    if not w.any():
        return
    rate = 1.0 - (1.0 - s.ca_recovery * st.barrier[bx][w]) ** s.substeps
    ca[w] += (s.ca_basal_target - ca[w]) * rate
