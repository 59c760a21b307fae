"""Neutrophils and macrophages (agents), with the M1 -> M2 switch."""

from __future__ import annotations

import math

import numpy as np

from skibidy.model.state import clip
from skibidy.parameter import param

PARAMETERS = (
    param("skin.immune.cell_diameter", "float", "um",
          "immune cell size: sets the number of rim slots 2*pi*r/d", positive=True),
    param("skin.immune.neutrophil_spawn_delay_h", "float", "h", "first neutrophil wave after wounding"),
    param("skin.immune.neutrophil_spawn_waves", "int", "count", "number of neutrophil waves", 1, 1000),
    param("skin.immune.neutrophil_spawn_window_h", "float", "h", "time from first to last wave"),
    param("skin.immune.neutrophil_lifespan_h", "float", "h", "neutrophil maximal age", positive=True),
    param("skin.immune.neutrophil_min_survival_h", "float", "h", "no neutrophil apoptosis before this age"),
    param("skin.immune.neutrophil_apoptosis_rate", "float", "1/step", "neutrophil death probability",
          0.0, 1.0),
    param("skin.immune.macrophage_spawn_delay_h", "float", "h", "macrophage recruitment start"),
    param("skin.immune.macrophage_spawn_threshold", "float", "a.u.",
          "net inflammation at the wound centre needed for recruitment"),
    param("skin.immune.macrophage_spawn_rate", "float", "1/a.u.",
          "recruitment probability per step per unit inflammation above threshold"),
    param("skin.immune.macrophage_spawn_taper", "float", "1/h", "recruitment decays as exp(-taper * age_h)"),
    param("skin.immune.macrophage_m1_duration_h", "float", "h", "M1 timer: switch to M2 after this",
          positive=True),
    param("skin.immune.m1_transition_threshold", "float", "a.u.",
          "M1 -> M2 when local net inflammation is below this (after the minimum age)"),
    param("skin.immune.m1_transition_min_age_h", "float", "h", "minimum M1 age for the low-inflammation switch"),
    param("skin.immune.macrophage_lifespan_h", "float", "h", "macrophage maximal age", positive=True),
    param("skin.immune.macrophage_min_survival_h", "float", "h", "no macrophage apoptosis before this age"),
    param("skin.immune.macrophage_apoptosis_rate", "float", "1/step", "macrophage death probability",
          0.0, 1.0),
    param("skin.immune.macrophage_emigration_rate", "float", "1/step",
          "M2 exit probability once the wound is resolved (>= 80 % closed), where the epidermis is re-formed", 0.0, 1.0),
    param("skin.immune.cytokine_rate", "float", "1/step/cell",
          "pro-inflammatory output of each neutrophil and M1 macrophage (before taper)"),
    param("skin.immune.resolution_rate", "float", "1/step/cell", "inflammation removed by each M2 macrophage"),
    param("skin.immune.migration_speed", "float", "um/h", "immune cell crawling speed"),
    param("skin.immune.efferocytosis_enabled", "bool", "-", "M1 macrophages engulf aged neutrophils and turn M2"),
    param("skin.immune.efferocytosis_radius", "float", "um", "engulfment reach"),
    param("skin.immune.efferocytosis_age_fraction", "float", "-",
          "neutrophils older than this fraction of their lifespan can be engulfed", 0.0, 1.0),
    param("skin.immune.chemotaxis_enabled", "bool", "-",
          "immune cells and fibroblasts follow inflammation / TGF-beta gradients"),
    param("skin.immune.chemotaxis_speed_scale", "float", "-", "chemotactic speed multiplier"),
    param("skin.immune.neutrophil_cytokine_taper", "float", "1/step", "neutrophil output x exp(-taper*age)"),
    param("skin.immune.m1_cytokine_taper", "float", "1/step", "M1 output x exp(-taper*M1 age)"),
)

# --------------------------------------------------------------------------- settings
M1, M2 = 0, 1


def prepare(cfg, s) -> None:  # type: ignore[no-untyped-def]
    d = s.diabetic
    s.n_slots = max(6, round(2 * math.pi * cfg["skin.wound.radius"] / cfg["skin.immune.cell_diameter"]))
    waves = cfg["skin.immune.neutrophil_spawn_waves"]
    window_steps = round(cfg["skin.immune.neutrophil_spawn_window_h"] * 10)
    total = s.n_slots
    if s.diabetic_mode:
        waves = math.ceil(waves * d("skin.diabetic.neutrophil_waves_factor"))
        window_steps = math.ceil(window_steps * d("skin.diabetic.neutrophil_window_factor"))
        total = math.ceil(total * d("skin.diabetic.neutrophil_factor"))
    interval_h = (window_steps // (waves - 1)) / 10 if waves > 1 else 0.0
    delay = cfg["skin.immune.neutrophil_spawn_delay_h"]
    s.neutrophil_wave_h = [delay + k * interval_h for k in range(waves)]
    s.neutrophil_wave_n = [total // waves] * (waves - 1) + [total - (total // waves) * (waves - 1)]
    s.neu_lifespan = cfg["skin.immune.neutrophil_lifespan_h"] * d("skin.diabetic.neutrophil_lifespan_factor")
    s.neu_min_surv = cfg["skin.immune.neutrophil_min_survival_h"]
    s.p_neu_apop = s.per_dt_prob(cfg["skin.immune.neutrophil_apoptosis_rate"]
                                 * d("skin.diabetic.neutrophil_apoptosis_factor"))
    s.mac_delay = cfg["skin.immune.macrophage_spawn_delay_h"]
    s.mac_thr = cfg["skin.immune.macrophage_spawn_threshold"]
    s.mac_rate = cfg["skin.immune.macrophage_spawn_rate"]
    s.mac_taper = cfg["skin.immune.macrophage_spawn_taper"] * d("skin.diabetic.macrophage_taper_factor")
    s.m1_duration = cfg["skin.immune.macrophage_m1_duration_h"] * d("skin.diabetic.m1_duration_factor")
    s.m1_thr = cfg["skin.immune.m1_transition_threshold"]
    s.m1_min_age = cfg["skin.immune.m1_transition_min_age_h"]
    s.mac_lifespan = cfg["skin.immune.macrophage_lifespan_h"]
    s.mac_min_surv = cfg["skin.immune.macrophage_min_survival_h"]
    s.p_mac_apop = s.per_dt_prob(cfg["skin.immune.macrophage_apoptosis_rate"])
    s.p_emigrate = s.per_dt_prob(cfg["skin.immune.macrophage_emigration_rate"])
    s.cytokine = cfg["skin.immune.cytokine_rate"]
    s.resolution = cfg["skin.immune.resolution_rate"] * d("skin.diabetic.resolution_factor")
    s.immune_speed = cfg["skin.immune.migration_speed"]
    s.effero_on = cfg["skin.immune.efferocytosis_enabled"]
    s.effero_radius = cfg["skin.immune.efferocytosis_radius"]
    # neutrophils become engulfable at this fraction of their own (diabetic: prolonged) lifespan
    s.effero_age = cfg["skin.immune.efferocytosis_age_fraction"] * s.neu_lifespan
    s.effero_accept = d("skin.diabetic.efferocytosis_factor")
    s.chemotaxis = cfg["skin.immune.chemotaxis_enabled"]
    s.chemo_scale = cfg["skin.immune.chemotaxis_speed_scale"]
    s.neu_taper = cfg["skin.immune.neutrophil_cytokine_taper"]
    s.m1_taper = cfg["skin.immune.m1_cytokine_taper"]
    s.m1_mmp = s.mmp_m1_rate * d("skin.diabetic.mmp_factor")


# --------------------------------------------------------------------------- helpers
def rim_positions(s, n: int, offset: float, radius: float, pad: float) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """``n`` points evenly on a circle around the wound centre, clamped inside the tissue."""
    theta = offset + np.arange(n) * 2 * math.pi / max(n, 1)
    x = clip(s.cx + radius * np.cos(theta), s.tissue_lo + pad, s.tissue_hi - pad)
    y = clip(s.cy + radius * np.sin(theta), s.tissue_lo + pad, s.tissue_hi - pad)
    return x, y


def migrate(st, s, cells, field: np.ndarray, speed: float) -> None:  # type: ignore[no-untyped-def]
    """Chemotaxis up ``field`` (speed x gradient); without a gradient, crawl toward the centre."""
    if len(cells) == 0 or speed <= 0:
        return
    g = st.grid
    iy, ix = g.cell_index(cells.x, cells.y)
    vx = np.zeros(len(cells))
    vy = np.zeros(len(cells))
    flat = np.ones(len(cells), dtype=bool)
    if s.chemotaxis:
        gx, gy = g.gradient(field, iy, ix)
        mag = np.hypot(gx, gy)
        flat = mag <= 1e-8
        vx = speed * s.chemo_scale * gx
        vy = speed * s.chemo_scale * gy
    if flat.any():
        dx, dy = s.cx - cells.x, s.cy - cells.y
        dist = np.hypot(dx, dy)
        unit = np.where(dist > 1e-9, 1.0 / np.maximum(dist, 1e-9), 0.0)
        pull = speed * dist / s.radius
        vx = np.where(flat, pull * dx * unit, vx)
        vy = np.where(flat, pull * dy * unit, vy)
    step = np.hypot(vx, vy) * s.dt
    cap = np.where(step > 3.0 * s.dtf, 3.0 * s.dtf / np.maximum(step, 1e-12), 1.0)
    cells.x = clip(cells.x + vx * s.dt * cap, s.tissue_lo, s.tissue_hi)
    cells.y = clip(cells.y + vy * s.dt * cap, s.tissue_lo, s.tissue_hi)


# --------------------------------------------------------------------------- recruitment
def recruit(st, s, rng) -> None:  # type: ignore[no-untyped-def]
    """Neutrophil waves on the rim, then stochastic macrophage recruitment (one per 0.1-h step)."""
    from skibidy.model import inflammation
    from skibidy.model.state import EPI

    if not st.wounded:
        return
    age = st.t - s.trigger_h
    if age <= 0:
        return
    while st.neutrophil_waves_done < len(s.neutrophil_wave_h) and age + 1e-9 >= s.neutrophil_wave_h[st.neutrophil_waves_done]:
        n = s.neutrophil_wave_n[st.neutrophil_waves_done]
        x, y = rim_positions(s, n, rng.uniform(0, 2 * math.pi), s.radius, s.immune_pad)
        st.neutrophils.add(x, y)
        st.neutrophil_waves_done += 1
    if age + 1e-9 >= s.mac_delay:
        infl = inflammation.net(st, s)[EPI]
        centre = float(st.grid.read(infl, s.centre_fp)[0])
        free = s.n_slots - len(st.macrophages)
        p = s.mac_rate * max(0.0, centre - s.mac_thr) * max(0.0, free / s.n_slots) * math.exp(-s.mac_taper * age)
        n_new = int(rng.binomial(s.substeps, min(1.0, p))) if p > 0 else 0
        n_new = min(n_new, max(free, 0))
        if n_new:
            theta = rng.uniform(0, 2 * math.pi, n_new)
            x = clip(s.cx + s.radius * np.cos(theta), s.tissue_lo + s.immune_pad, s.tissue_hi - s.immune_pad)
            y = clip(s.cy + s.radius * np.sin(theta), s.tissue_lo + s.immune_pad, s.tissue_hi - s.immune_pad)
            st.macrophages.add(x, y, M1)


# --------------------------------------------------------------------------- behaviour
def m1_to_m2(state_age: np.ndarray, local_infl: np.ndarray, engulfed: np.ndarray, s) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The M1 -> M2 switch, in one place: efferocytosis, low inflammation after the minimum age, or timer."""
    low_inflammation = (state_age > s.m1_min_age) & (local_infl < s.m1_thr)
    timer = state_age > s.m1_duration
    return engulfed | low_inflammation | timer


def step(st, s, rng) -> None:  # type: ignore[no-untyped-def]
    """Age, death, efferocytosis, M1 -> M2, cytokine output and migration of immune cells."""
    from skibidy.model import inflammation
    from skibidy.model.state import ANTI, EPI, IP, MMP, TGFB, VEGF, I

    g = st.grid
    neu, mac = st.neutrophils, st.macrophages
    f = st.f
    # neutrophils: age, lifespan cap, apoptosis
    if len(neu):
        neu.age += s.dt
        alive = neu.age <= s.neu_lifespan
        old = neu.age > s.neu_min_surv
        alive &= ~(old & (rng.random(len(neu)) < s.p_neu_apop))
        neu.keep(alive)
    # macrophages: age, cap, apoptosis, emigration of M2 from re-epithelialised voxels
    if len(mac):
        mac.age += s.dt
        mac.state_age += s.dt
        iy, ix = g.cell_index(mac.x, mac.y)
        alive = mac.age <= s.mac_lifespan
        u1 = rng.random(len(mac))
        u2 = rng.random(len(mac))
        alive &= ~((mac.age > s.mac_min_surv) & (u1 < s.p_mac_apop))
        # M2 leave once the wound is resolved (>= 80 % closed, the reference's criterion) from
        # voxels whose epidermis has fully re-formed
        resolved = st.closure >= 0.8
        alive &= ~((mac.state == M2) & resolved & (st.stratum[iy, ix] >= 3.0) & (u2 < s.p_emigrate))
        mac.keep(alive)
    if len(mac):
        fp = g.footprint(mac.x, mac.y, s.fine_reach, mac.cache)
        net = inflammation.net(st, s)[EPI]
        local = g.read(net, fp)
        engulfed = np.zeros(len(mac), dtype=bool)
        if s.effero_on and len(neu):
            eligible = neu.age >= s.effero_age
            dead = np.zeros(len(neu), dtype=bool)
            for k in np.flatnonzero(mac.state == M1):
                cand = np.flatnonzero(
                    eligible & ~dead & (np.hypot(neu.x - mac.x[k], neu.y - mac.y[k]) <= s.effero_radius))
                for j in cand:
                    if s.effero_accept >= 1.0 or rng.random() <= s.effero_accept:
                        dead[j] = True
                        engulfed[k] = True
                        break
            if dead.any():
                neu.keep(~dead)
        switch = (mac.state == M1) & m1_to_m2(mac.state_age, local, engulfed, s)
        mac.state[switch] = M2
        mac.state_age[switch] = 0.0
        m1 = mac.state == M1
        m2 = ~m1
        out = np.where(m1, s.cytokine * np.exp(-s.m1_taper * mac.state_age * 10) * s.dtf, 0.0)
        g.deposit(f[I][EPI], fp, out)
        g.deposit(f[IP][EPI], fp, out)
        if s.mmp_on:
            g.deposit(f[MMP][EPI], fp, np.where(m1, s.m1_mmp * s.dtf, 0.0))
        if m2.any():
            # resolving mediators of M2 cells act over a structural-voxel neighbourhood
            wide = g.footprint(mac.x, mac.y, s.coarse_reach, mac.cache)
            removal = np.where(m2, s.resolution * s.dtf, 0.0)
            if s.split:
                g.deposit(f[ANTI][EPI], wide, removal)
            else:
                _remove(f[I][EPI], wide, removal, g)
            _remove(f[IP][EPI], wide, removal, g)
            if s.fibroblast_on:
                g.deposit(f[TGFB][EPI], fp, np.where(m2, s.m2_tgfb * s.dtf, 0.0))
            if s.angio_on:
                g.deposit(f[VEGF][EPI], fp, np.where(m2, s.m2_vegf * s.dtf, 0.0))
        migrate(st, s, mac, net, s.immune_speed)
    if len(neu):
        fp = g.footprint(neu.x, neu.y, s.fine_reach, neu.cache)
        out = s.cytokine * np.exp(-s.neu_taper * neu.age * 10) * s.dtf
        g.deposit(f[I][EPI], fp, out)
        g.deposit(f[IP][EPI], fp, out)
        migrate(st, s, neu, inflammation.net(st, s)[EPI], s.immune_speed)


def _remove(field: np.ndarray, fp: np.ndarray, amount: np.ndarray, g) -> None:  # type: ignore[no-untyped-def]
    """Remove up to ``amount`` (concentration) over each footprint, never below zero."""
    sink = np.zeros_like(field)
    g.deposit(sink, fp, amount)
    np.subtract(field, np.minimum(field, sink), out=field)
