"""Fibroblasts (agents): recruitment, activation, myofibroblasts, TGF-beta and collagen."""

from __future__ import annotations

import math

import numpy as np

from skibidy.model.state import clip
from skibidy.parameter import param

PARAMETERS = (
    param("skin.fibroblast.enabled", "bool", "-", "fibroblasts, TGF-beta and collagen"),
    param("skin.fibroblast.spawn_delay_h", "float", "h", "first fibroblast wave after wounding"),
    param("skin.fibroblast.spawn_waves", "int", "count", "number of fibroblast waves", 1, 1000),
    param("skin.fibroblast.spawn_window_h", "float", "h", "time from first to last wave"),
    param("skin.fibroblast.diameter", "float", "um", "fibroblast size: sets the ring slot count", positive=True),
    param("skin.fibroblast.density_factor", "float", "x", "fibroblast count multiplier", positive=True),
    param("skin.fibroblast.activation_delay_h", "float", "h", "quiescent -> activated timeout"),
    param("skin.fibroblast.activation_threshold", "float", "a.u.", "... or local TGF-beta above this"),
    param("skin.fibroblast.myofibroblast_delay_h", "float", "h", "minimum activated time before myofibroblast"),
    param("skin.fibroblast.myofibroblast_threshold", "float", "a.u.", "TGF-beta needed for activated -> myo"),
    param("skin.fibroblast.apoptosis_threshold", "float", "a.u.",
          "myofibroblasts die when TGF-beta falls below this (after min_lifespan)"),
    param("skin.fibroblast.apoptosis_onset_h", "float", "h", "myofibroblast age before stochastic death"),
    param("skin.fibroblast.apoptosis_rate", "float", "1/step", "myofibroblast death probability after onset",
          0.0, 1.0),
    param("skin.fibroblast.min_lifespan_h", "float", "h", "minimum age for low-TGF-beta removal"),
    param("skin.fibroblast.lifespan_h", "float", "h", "fibroblast maximal age", positive=True),
    param("skin.fibroblast.migration_speed", "float", "um/h", "fibroblast crawling speed"),
    param("skin.fibroblast.dermal_margin", "float", "um", "width of the recruitment ring outside the wound"),
    param("skin.fibroblast.tgfb_diffusion", "float", "um^2/h", "TGF-beta diffusion"),
    param("skin.fibroblast.tgfb_decay", "float", "1/h", "TGF-beta decay"),
    param("skin.fibroblast.tgfb_rate", "float", "1/step/cell", "TGF-beta from each myofibroblast"),
    param("skin.fibroblast.tgfb_taper_rate", "float", "1/step", "myofibroblast TGF-beta x exp(-taper*age)"),
    param("skin.fibroblast.m2_tgfb_rate", "float", "1/step/cell", "TGF-beta from each M2 macrophage"),
    param("skin.fibroblast.collagen_deposition_rate", "float", "1/step/cell", "collagen from each myofibroblast"),
    param("skin.fibroblast.collagen_decay", "float", "1/h", "spontaneous collagen turnover"),
    param("skin.fibroblast.collagen_maturation_h", "float", "h",
          "mean time for deposited procollagen to mature into cross-linked collagen", positive=True),
)

QUIESCENT, ACTIVATED, MYO = 0, 1, 2


def prepare(cfg, s) -> None:  # type: ignore[no-untyped-def]
    d = s.diabetic
    s.fibroblast_on = cfg["skin.fibroblast.enabled"] and s.wound_on
    r, margin = cfg["skin.wound.radius"], cfg["skin.fibroblast.dermal_margin"]
    total = max(6, math.ceil(2 * math.pi * (r + margin) / cfg["skin.fibroblast.diameter"]
                             * cfg["skin.fibroblast.density_factor"]))
    waves = cfg["skin.fibroblast.spawn_waves"]
    window_steps = round(cfg["skin.fibroblast.spawn_window_h"] * 10)
    interval_h = (window_steps // (waves - 1)) / 10 if waves > 1 else 0.0
    s.fib_wave_h = [cfg["skin.fibroblast.spawn_delay_h"] + k * interval_h for k in range(waves)]
    s.fib_wave_n = [total // waves] * (waves - 1) + [total - (total // waves) * (waves - 1)]
    s.fib_margin = margin
    s.fib_activation_h = cfg["skin.fibroblast.activation_delay_h"] * d("skin.diabetic.fibroblast_activation_factor")
    s.fib_activation_thr = cfg["skin.fibroblast.activation_threshold"]
    s.myo_delay = cfg["skin.fibroblast.myofibroblast_delay_h"]
    s.myo_thr = cfg["skin.fibroblast.myofibroblast_threshold"]
    s.myo_apop_thr = cfg["skin.fibroblast.apoptosis_threshold"]
    s.myo_apop_onset = cfg["skin.fibroblast.apoptosis_onset_h"]
    s.p_myo_apop = s.per_dt_prob(cfg["skin.fibroblast.apoptosis_rate"])
    s.fib_min_life = cfg["skin.fibroblast.min_lifespan_h"]
    s.fib_lifespan = cfg["skin.fibroblast.lifespan_h"] * d("skin.diabetic.fibroblast_lifespan_factor")
    s.fib_speed = cfg["skin.fibroblast.migration_speed"]
    s.tgfb_rate = cfg["skin.fibroblast.tgfb_rate"]
    s.tgfb_taper = cfg["skin.fibroblast.tgfb_taper_rate"]
    s.m2_tgfb = cfg["skin.fibroblast.m2_tgfb_rate"]
    s.collagen_rate = cfg["skin.fibroblast.collagen_deposition_rate"] * d("skin.diabetic.collagen_factor")
    s.collagen_decay = cfg["skin.fibroblast.collagen_decay"]
    s.maturation = 1.0 - math.exp(-s.dt / cfg["skin.fibroblast.collagen_maturation_h"])
    s.fib_mmp = s.mmp_fib_rate * d("skin.diabetic.mmp_factor")


def recruit(st, s, rng) -> None:  # type: ignore[no-untyped-def]
    """Fibroblast waves on a ring just outside the wound (dermal layer)."""
    if not (st.wounded and s.fibroblast_on):
        return
    age = st.t - s.trigger_h
    while st.fibroblast_waves_done < len(s.fib_wave_h) and age + 1e-9 >= s.fib_wave_h[st.fibroblast_waves_done]:
        k = st.fibroblast_waves_done
        n = s.fib_wave_n[k]
        theta = k * (math.pi / n) + np.arange(n) * 2 * math.pi / n
        radius = s.radius + rng.random(n) * s.fib_margin
        x = clip(s.cx + radius * np.cos(theta), s.tissue_lo, s.tissue_hi)
        y = clip(s.cy + radius * np.sin(theta), s.tissue_lo, s.tissue_hi)
        st.fibroblasts.add(x, y, QUIESCENT)
        st.fibroblast_waves_done += 1


def step(st, s, rng) -> None:  # type: ignore[no-untyped-def]
    """Fibroblast state machine: quiescent -> activated -> myofibroblast -> apoptosis; outputs."""
    from skibidy.model.immune import migrate
    from skibidy.model.state import DER, MMP, TGFB

    _mature(st, s)
    fib = st.fibroblasts
    if len(fib) == 0:
        return
    g = st.grid
    fib.age += s.dt
    fib.state_age += s.dt
    fp = g.footprint(fib.x, fib.y, s.fine_reach, fib.cache)
    tgfb = g.read(st.f[TGFB][DER], fp)
    alive = fib.age <= s.fib_lifespan
    myo = fib.state == MYO
    alive &= ~(myo & (tgfb < s.myo_apop_thr) & (fib.age > s.fib_min_life))
    u = rng.random(len(fib))
    alive &= ~(myo & (fib.state_age > s.myo_apop_onset) & (u < s.p_myo_apop))
    quiescent = fib.state == QUIESCENT
    activate = quiescent & ((tgfb > s.fib_activation_thr) | (fib.state_age > s.fib_activation_h))
    activated = fib.state == ACTIVATED
    to_myo = activated & (tgfb > s.myo_thr) & (fib.state_age > s.myo_delay)
    fib.state[activate] = ACTIVATED
    fib.state[to_myo] = MYO
    fib.state_age[activate | to_myo] = 0.0
    fib.keep(alive)
    if len(fib) == 0:
        return
    fp = g.footprint(fib.x, fib.y, s.fine_reach, fib.cache)
    myo = fib.state == MYO
    busy = fib.state != QUIESCENT
    if myo.any():
        g.deposit(st.f[TGFB][DER], fp, np.where(myo, s.tgfb_rate * np.exp(-s.tgfb_taper * fib.state_age * 10) * s.dtf, 0.0))
    coarse = g.footprint(fib.x, fib.y, s.coarse_reach, fib.cache)
    if myo.any():
        amount = np.where(myo, s.collagen_rate * s.dtf, 0.0)
        g.deposit(st.procollagen, coarse, amount)
        st.procollagen_total += float(amount.sum())
    if s.mmp_on and busy.any():
        g.deposit(st.f[MMP][DER], fp, np.where(busy, s.fib_mmp * s.dtf, 0.0))
    if s.fn_on and busy.any():
        g.deposit(st.fibronectin[DER], coarse, np.where(busy, s.fn_deposition * s.dtf, 0.0))
    moving = Subset(fib, busy)
    migrate(st, s, moving, st.f[TGFB][DER], s.fib_speed)
    fib.x[busy], fib.y[busy] = moving.x, moving.y
    if s.collagen_decay > 0:
        st.collagen *= math.exp(-s.collagen_decay * s.dt)


def _mature(st, s) -> None:  # type: ignore[no-untyped-def]
    """Deposited procollagen cross-links into (measured, MMP-degradable) collagen."""
    from skibidy.model.state import DER

    if st.procollagen_total <= 0.0:
        return
    done = st.procollagen * s.maturation
    st.procollagen -= done
    st.collagen[DER] += done
    st.procollagen_total *= 1.0 - s.maturation


class Subset:
    """Positions of a subset of agents (for migration of non-quiescent fibroblasts only)."""

    def __init__(self, cells, mask: np.ndarray) -> None:  # type: ignore[no-untyped-def]
        self.x = cells.x[mask]
        self.y = cells.y[mask]

    def __len__(self) -> int:
        return int(self.x.size)
