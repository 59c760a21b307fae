"""Hemostasis: the fibrin clot that fills the wound, feeds TGF-beta and is cleared by plasmin."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from skibidy.model.module import Module
from skibidy.parameter import param

PARAMETERS = (
    param("skin.hemostasis.enabled", "bool", "-", "a fibrin clot fills the wound at injury"),
    param("skin.hemostasis.wound_seed", "float", "a.u.", "fibrin density of the fresh clot"),
    param("skin.hemostasis.decay", "float", "1/h", "fibrinolysis (plasmin) rate"),
    param("skin.hemostasis.tgfb_coupling", "float", "a.u./h per fibrin",
          "TGF-beta released by platelets trapped in the clot"),
)


@dataclass(frozen=True)
class Settings:
    on: bool
    seed: float
    decay: float
    tgfb: float


def settings(cfg) -> Settings:  # type: ignore[no-untyped-def]
    return Settings(cfg["skin.hemostasis.enabled"], cfg["skin.hemostasis.wound_seed"],
                    cfg["skin.hemostasis.decay"], cfg["skin.hemostasis.tgfb_coupling"])


def start(st, s: Settings, rng: np.random.Generator) -> None:  # type: ignore[no-untyped-def]
    if s.on:
        st.fibrin[st.grid.wound] = s.seed


def step(st, s: Settings, rng: np.random.Generator, dt: float) -> None:  # type: ignore[no-untyped-def]
    """Platelet TGF-beta release, then fibrinolysis of the clot."""
    if not s.on:
        return
    st.tgfb += s.tgfb * st.fibrin * dt
    st.fibrin *= np.exp(-s.decay * dt)


def report(st, s: Settings) -> dict[str, float]:  # type: ignore[no-untyped-def]
    return {"mean_fibrin_wound": float(st.fibrin[st.grid.wound].mean())}


MODULE = Module("hemostasis", PARAMETERS, settings, writes=("fibrin", "tgfb"),
                step=step, start=start, columns=("mean_fibrin_wound",), report=report)
