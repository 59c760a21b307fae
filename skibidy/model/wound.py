"""The wound: a full-thickness punch of ``skin.wound.radius``, made at t = 0."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from skibidy.model.module import Module
from skibidy.parameter import param

PARAMETERS = (
    param("skin.wound.enabled", "bool", "-", "make the wound at t = 0 (off: intact skin, all wound metrics 0)"),
    param("skin.wound.radius", "float", "um", "radius of the punch wound (2000 um = a 4 mm punch biopsy)",
          200.0, 10000.0),
)


@dataclass(frozen=True)
class Settings:
    enabled: bool
    radius_um: float


def settings(cfg) -> Settings:  # type: ignore[no-untyped-def]
    return Settings(cfg["skin.wound.enabled"], cfg["skin.wound.radius"])


def start(st, s: Settings, rng: np.random.Generator) -> None:  # type: ignore[no-untyped-def]
    """Remove the epidermis and its barrier over the wound bed."""
    w = st.grid.wound
    st.covered[w] = False
    st.barrier[w] = 0.0


MODULE = Module("wound", PARAMETERS, settings, writes=("covered", "barrier"), start=start)
