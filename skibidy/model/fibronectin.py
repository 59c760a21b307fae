"""Fibronectin: the provisional matrix (serum and fibroblast sources)."""

from __future__ import annotations

import math

import numpy as np

from skibidy.parameter import param

PARAMETERS = (
    param("skin.fibronectin.enabled", "bool", "-", "fibronectin field"),
    param("skin.fibronectin.decay", "float", "1/h", "fibronectin turnover"),
    param("skin.fibronectin.deposition_rate", "float", "1/step/cell", "from activated and myofibroblasts"),
    param("skin.fibronectin.serum_rate", "float", "1/step", "plasma fibronectin into open wound voxels"),
)


def prepare(cfg, s) -> None:  # type: ignore[no-untyped-def]
    s.fn_on = cfg["skin.fibronectin.enabled"] and s.wound_on
    s.fn_decay = cfg["skin.fibronectin.decay"]
    s.fn_deposition = cfg["skin.fibronectin.deposition_rate"]
    s.fn_serum = cfg["skin.fibronectin.serum_rate"]


def update(st, s, rng) -> None:  # type: ignore[no-untyped-def]
    """Plasma fibronectin into open wound voxels and slow turnover."""
    from skibidy.model.state import EPI

    if not (st.wounded and s.fn_on):
        return
    bx, w = st.grid.box, st.grid.wbox
    if st.t - s.trigger_h > 0:
        st.fibronectin[EPI][bx] += np.where(w, s.fn_serum * s.dtf * np.maximum(0.0, 1.0 - st.stratum[bx]), 0.0)
    if s.fn_decay > 0:
        st.fibronectin[(slice(None),) + bx] *= np.where(w, math.exp(-s.fn_decay * s.dt), 1.0)
