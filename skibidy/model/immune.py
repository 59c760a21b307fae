"""Immune cells: neutrophils and macrophages, and the M1 -> M2 switch.

Both kinds arrive through the perfused vessels in numbers proportional to the
inflammatory signal in the wound (saturating at :data:`CHEMOKINE_SATURATION` per site) (Poisson draws; each cell lands on a wound site
chosen in proportion to the local signal). Neutrophils come first, within
``neutrophil_window_h``; they secrete cytokines, age and die by apoptosis.
Macrophages (monocytes) follow after ``macrophage_spawn_delay_h`` as M1 cells that
secrete cytokines. Apoptotic neutrophils are engulfed by nearby macrophages
(efferocytosis); bodies left too long burst (secondary necrosis) and release DAMPs.
:func:`m1_to_m2` holds the switch. M2 macrophages clear inflammation, secrete
TGF-beta and VEGF, feed keratinocytes with growth factors (``keratinocyte.py``) and leave
once the local inflammation has resolved.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from skibidy.model.module import Module, diabetic_factor, hill
from skibidy.model.state import Agents, diffusion_operator
from skibidy.parameter import param

M1, M2 = 0, 1

SECONDARY_NECROSIS_H = 24.0
"""Mean time before an apoptotic neutrophil left unengulfed bursts (Silva 2011)."""
NECROSIS_DAMP = 0.2
"""Inflammatory signal released per burst neutrophil (a.u. per site)."""
SWITCH_PER_ENGULFMENT = 0.5
"""Chance that engulfing one apoptotic neutrophil turns an M1 macrophage M2."""
LOW_SIGNAL_SWITCH_H = 24.0
"""Mean time to switch on the low-inflammation route once it is open."""
CHEMOKINE_SATURATION = 1.0
"""Inflammation (a.u.) at which a site attracts cells at half its maximal pull (receptor saturation)."""

PARAMETERS = (
    param("skin.immune.neutrophil_recruitment_rate", "float", "cells/h per a.u.",
          "neutrophil influx per unit of wound inflammation (summed over the wound)"),
    param("skin.immune.neutrophil_window_h", "float", "h",
          "the injury-driven neutrophil influx fades as exp(-t / window)", positive=True),
    param("skin.immune.m1_neutrophil_chemokine", "float", "cells/h per M1 cell",
          "neutrophil influx called in by each M1 macrophage's chemokines"),
    param("skin.immune.neutrophil_lifespan_h", "float", "h", "neutrophil maximal age", positive=True),
    param("skin.immune.neutrophil_apoptosis_rate", "float", "1/h", "neutrophil apoptosis rate"),
    param("skin.immune.macrophage_spawn_rate", "float", "cells/h per a.u.",
          "monocyte influx per unit of wound inflammation (summed over the wound)"),
    param("skin.immune.macrophage_spawn_delay_h", "float", "h", "monocyte influx starts after this"),
    param("skin.immune.macrophage_spawn_taper", "float", "1/h", "fading of monocyte influx after its start"),
    param("skin.immune.macrophage_m1_duration_h", "float", "h", "mean time an M1 cell stays M1 unaided",
          positive=True),
    param("skin.immune.m1_transition_threshold", "float", "a.u.",
          "local inflammation below which M1 cells switch and M2 cells leave", positive=True),
    param("skin.immune.m1_transition_min_age_h", "float", "h",
          "M1 age before the low-inflammation switch opens"),
    param("skin.immune.efferocytosis_enabled", "bool", "-", "macrophages engulf apoptotic neutrophils"),
    param("skin.immune.efferocytosis_rate", "float", "1/h per macrophage",
          "engulfment rate of apoptotic neutrophils per nearby macrophage"),
    param("skin.immune.macrophage_emigration_rate", "float", "1/h", "exit rate of M2 cells where inflammation has resolved"),
    param("skin.immune.cytokine_rate", "float", "a.u./h per cell",
          "pro-inflammatory output of each neutrophil and M1 macrophage"),
    param("skin.immune.resolution_rate", "float", "1/h per cell", "inflammation cleared by each nearby M2 cell"),
    param("skin.immune.m2_tgfb_rate", "float", "a.u./h per cell", "TGF-beta secreted by each M2 cell"),
    param("skin.immune.m2_vegf_rate", "float", "a.u./h per cell", "VEGF secreted by each M2 cell"),
)


@dataclass(frozen=True)
class Settings:
    neutrophil_rate: float
    neutrophil_window_h: float
    persistence: float
    m1_chemokine: float
    neutrophil_lifespan_h: float
    neutrophil_apoptosis: float
    macrophage_rate: float
    macrophage_delay_h: float
    macrophage_taper: float
    m1_duration_h: float
    m1_persistence: float
    low_signal: float
    min_age_h: float
    efferocytosis: float
    emigration: float
    cytokine: float
    resolution: float
    tgfb: float
    vegf: float
    reach: np.ndarray  # operator spreading a cell's action over its neighbourhood


def settings(cfg) -> Settings:  # type: ignore[no-untyped-def]
    from skibidy.model.state import Grid

    def f(name: str) -> float:
        return diabetic_factor(cfg, f"skin.diabetic.{name}")

    p = "skin.immune."
    n = Grid.sites_per_axis(cfg["skin.wound.radius"])
    return Settings(
        neutrophil_rate=cfg[p + "neutrophil_recruitment_rate"] * f("neutrophil_factor"),
        neutrophil_window_h=cfg[p + "neutrophil_window_h"],
        persistence=cfg["skin.diabetic.chemokine_persistence"] if cfg["skin.diabetic.mode"] else 0.0,
        m1_chemokine=cfg[p + "m1_neutrophil_chemokine"] * f("neutrophil_factor"),
        neutrophil_lifespan_h=cfg[p + "neutrophil_lifespan_h"] * f("neutrophil_lifespan_factor"),
        neutrophil_apoptosis=cfg[p + "neutrophil_apoptosis_rate"] * f("neutrophil_apoptosis_factor"),
        macrophage_rate=cfg[p + "macrophage_spawn_rate"],
        macrophage_delay_h=cfg[p + "macrophage_spawn_delay_h"],
        macrophage_taper=cfg[p + "macrophage_spawn_taper"] * f("macrophage_taper_factor"),
        m1_duration_h=cfg[p + "macrophage_m1_duration_h"],
        m1_persistence=f("m1_duration_factor"),
        low_signal=cfg[p + "m1_transition_threshold"],
        min_age_h=cfg[p + "m1_transition_min_age_h"],
        efferocytosis=(cfg[p + "efferocytosis_rate"] * f("efferocytosis_factor")
                       if cfg[p + "efferocytosis_enabled"] else 0.0),
        emigration=cfg[p + "macrophage_emigration_rate"],
        cytokine=cfg[p + "cytokine_rate"],
        resolution=cfg[p + "resolution_rate"] * f("resolution_factor"),
        tgfb=cfg[p + "m2_tgfb_rate"],
        vegf=cfg[p + "m2_vegf_rate"] * f("vegf_factor"),
        reach=diffusion_operator(n, 0.5),
    )


def _arrive(st, rng: np.random.Generator, expected: float) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Sites of a Poisson number of arriving cells, drawn in proportion to local inflammation."""
    return st.grid.draw_sites(rng, int(rng.poisson(max(expected, 0.0))), st.inflammation)


def recruit(st, s: Settings, rng: np.random.Generator, dt: float) -> None:  # type: ignore[no-untyped-def]
    """Neutrophil and monocyte influx through the wound's vessels.

    Neutrophils answer two calls: the injury itself (the inflammatory signal, fading over
    ``neutrophil_window_h``) and the chemokines of M1 macrophages (``m1_neutrophil_chemokine``
    per M1 cell), which keep them coming for as long as macrophages stay pro-inflammatory.
    In diabetic skin the keratinocytes of the open wound keep up a share
    ``skin.diabetic.chemokine_persistence`` of the injury call, scaled by the open (not yet
    re-epithelialised) fraction of the wound: it ends with closure rather than with time
    (Wetzler et al. 2000).
    """
    w = st.grid.wound
    local = st.inflammation[w]
    perfusion = float(st.perfusion[w].mean())
    signal = float((local / (local + CHEMOKINE_SATURATION)).sum()) * perfusion
    call = np.exp(-st.t / s.neutrophil_window_h)
    if s.persistence > 0.0:
        call += s.persistence * float((1.0 - st.barrier[w]).mean())
    injury = s.neutrophil_rate * signal * call
    m1_call = s.m1_chemokine * st.macrophages.count(M1) * perfusion
    st.neutrophils.add(_arrive(st, rng, (injury + m1_call) * dt))
    if st.t >= s.macrophage_delay_h:
        fade = np.exp(-s.macrophage_taper * (st.t - s.macrophage_delay_h))
        st.macrophages.add(_arrive(st, rng, s.macrophage_rate * signal * fade * dt), M1)


def m1_to_m2(macrophages: Agents, inflammation: np.ndarray, engulfed: np.ndarray, s: Settings,
             rng: np.random.Generator, dt: float) -> None:
    """Switch M1 macrophages to M2 by the three routes, combined as independent chances.

    1. *Timer*: an M1 cell switches on its own after ``macrophage_m1_duration_h`` on average.
    2. *Efferocytosis*: each apoptotic neutrophil it engulfs switches it with chance
       :data:`SWITCH_PER_ENGULFMENT`.
    3. *Low inflammation*: once older than ``m1_transition_min_age_h``, a cell whose site's
       signal is below ``m1_transition_threshold`` (smoothly, a Hill function) switches
       within :data:`LOW_SIGNAL_SWITCH_H`.

    In diabetic skin every route is slowed by ``skin.diabetic.m1_duration_factor``: the cells
    stay M1 that much longer whatever would switch them (Mirza & Koh 2011).
    """
    m1 = macrophages.state == M1
    if not m1.any():
        return
    slow = s.m1_persistence
    stay = np.exp(-dt / (s.m1_duration_h * slow)) * (1.0 - SWITCH_PER_ENGULFMENT) ** (engulfed / slow)
    local = inflammation.ravel()[macrophages.site]
    route3 = (macrophages.state_age >= s.min_age_h) * hill(local, s.low_signal)
    stay = stay * np.exp(-route3 * dt / (LOW_SIGNAL_SWITCH_H * slow))
    switch = m1 & (rng.random(len(macrophages)) >= stay)
    macrophages.state[switch] = M2
    macrophages.state_age[switch] = 0.0


def step(st, s: Settings, rng: np.random.Generator, dt: float) -> None:  # type: ignore[no-untyped-def]
    """Influx, neutrophil death and clearance, the M1 -> M2 switch, exits, secretion."""
    g = st.grid
    recruit(st, s, rng, dt)
    neu, mac = st.neutrophils, st.macrophages
    neu.grow_older(dt)
    mac.grow_older(dt)
    # neutrophil apoptosis: the bodies wait on their site for a macrophage
    dead = (rng.random(len(neu)) < 1.0 - np.exp(-s.neutrophil_apoptosis * dt)) | (neu.age >= s.neutrophil_lifespan_h)
    if dead.any():
        st.apoptotic += g.site_counts(neu.site[dead])
        neu.keep(~dead)
    # efferocytosis by nearby macrophages; the rest burst and feed inflammation
    near = s.reach @ g.site_counts(mac.site) @ s.reach.T
    eaten = st.apoptotic * (1.0 - np.exp(-s.efferocytosis * near * dt))
    st.apoptotic -= eaten
    burst = st.apoptotic * (1.0 - np.exp(-dt / SECONDARY_NECROSIS_H))
    st.apoptotic -= burst
    st.inflammation += NECROSIS_DAMP * burst
    per_cell = np.divide(eaten, near, out=np.zeros_like(eaten), where=near > 1e-9)
    m1_to_m2(mac, st.inflammation, per_cell.ravel()[mac.site], s, rng, dt)
    # M2 cells leave (emigrate to lymph or die) where inflammation has resolved
    m2 = mac.state == M2
    local = st.inflammation.ravel()[mac.site]
    leave = m2 & (rng.random(len(mac)) < 1.0 - np.exp(-s.emigration * hill(local, s.low_signal) * dt))
    mac.keep(~leave)
    # secretion and clearance
    m2 = mac.state == M2
    m2_map = g.site_counts(mac.site[m2])
    inflammatory_cells = g.site_counts(neu.site) + g.site_counts(mac.site[~m2])
    st.inflammation += s.cytokine * inflammatory_cells * dt
    st.m2_nearby[:] = s.reach @ m2_map @ s.reach.T
    st.inflammation *= np.exp(-s.resolution * st.m2_nearby * dt)
    st.tgfb += s.tgfb * m2_map * dt
    st.vegf += s.vegf * m2_map * dt


def report(st, s: Settings) -> dict[str, float]:  # type: ignore[no-untyped-def]
    return {"n_neutrophils": float(len(st.neutrophils)), "n_macrophages": float(len(st.macrophages))}


MODULE = Module(
    "immune cells", PARAMETERS, settings,
    reads=("inflammation", "perfusion", "barrier"),
    writes=("neutrophils", "macrophages", "apoptotic", "m2_nearby", "inflammation", "tgfb", "vegf"),
    step=step, columns=("n_neutrophils", "n_macrophages"), report=report,
)
