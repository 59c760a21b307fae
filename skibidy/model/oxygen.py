"""Oxygen: pinned to perfusion in the dermis, diffusing into the epidermis."""

from __future__ import annotations

import math

from skibidy.parameter import param

PARAMETERS = (
    param("skin.oxygen_diffusion", "float", "um^2/h", "O2 diffusion"),
    param("skin.oxygen_decay", "float", "1/h", "O2 consumption by the epidermis"),
    param("skin.oxygen_basal_conc", "float", "-", "dermal O2 per unit perfusion"),
    param("skin.oxygen_decay_length", "float", "um", "length of the initial epidermal O2 profile exp(-z/L)",
          positive=True),
    param("skin.oxygen_prolif_threshold", "float", "-", "O2 gate min(1, O2/threshold) on G1->S",
          positive=True),
)


def prepare(cfg, s) -> None:  # type: ignore[no-untyped-def]
    s.o2_basal = cfg["skin.oxygen_basal_conc"]
    s.o2_initial_epi = math.exp(-2.5 / cfg["skin.oxygen_decay_length"])
    s.o2_prolif_thr = cfg["skin.oxygen_prolif_threshold"]


def update(st, s, rng) -> None:  # type: ignore[no-untyped-def]
    """Dermal O2 follows perfusion; the epidermis only receives it by diffusion."""
    from skibidy.model.state import DER, O2, PERF

    st.f[O2][DER] = s.o2_basal * st.f[PERF][DER]
