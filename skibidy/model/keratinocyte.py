"""Keratinocytes: re-epithelialisation as a proliferating, stratifying sheet."""

from __future__ import annotations

import math

import numpy as np

from skibidy.model.state import clip
from skibidy.parameter import param

PARAMETERS = (
    param("skin.g1_duration", "float", "h", "G1 phase time scale at full gating", positive=True),
    param("skin.s_duration", "float", "h", "S phase duration", positive=True),
    param("skin.g2_duration", "float", "h", "G2 phase duration", positive=True),
    param("skin.m_duration", "float", "h", "M phase duration", positive=True),
    param("skin.growth_rate", "float", "um^3/h", "cell volume growth before division", positive=True),
    param("skin.division_diameter", "float", "um", "keratinocyte diameter at division", positive=True),
    param("skin.max_neighbors", "int", "count", "contact inhibition: neighbours that stop division", 1, 1000),
    param("skin.max_ta_divisions", "int", "count", "division budget of a transit-amplifying cell", 0, 1000),
    param("skin.stem_fraction", "float", "-", "stem fraction of basal cells (raised by low Ca)", 0.0, 1.0),
    param("skin.spinous_threshold", "float", "um", "height below which low-Ca cells stay basal"),
    param("skin.volume_z_spinous", "float", "um", "height of the basal/spinous boundary"),
    param("skin.volume_z_granular", "float", "um", "height of the spinous/granular boundary"),
    param("skin.volume_z_cornified", "float", "um", "height of the granular/cornified boundary", positive=True),
    param("skin.handoff_delay_h", "float", "h", "cornified residence time before shedding", positive=True),
    param("skin.migration_enabled", "bool", "-", "keratinocyte crawling into the wound"),
    param("skin.migration_speed", "float", "um/h", "keratinocyte crawling speed"),
    param("skin.kgf_basal_conc", "float", "nM", "KGF in the dermis"),
    param("skin.kgf_decay_length", "float", "um", "KGF profile exp(-z/L) in the epidermis", positive=True),
    param("skin.kgf_half_maximal", "float", "nM", "KGF half-maximal concentration", positive=True),
    param("skin.kgf_max_boost", "float", "fold", "maximal KGF boost of G1 -> S"),
)


def prepare(cfg, s) -> None:  # type: ignore[no-untyped-def]
    d = s.diabetic
    s.g1 = cfg["skin.g1_duration"]
    s.cell_d = cfg["skin.division_diameter"]
    # Each phase ends with the reference's linear hazard p = f * elapsed / T per 0.1-h step,
    # whose mean duration is sqrt(pi * T * 0.1 / (2 f)); only G1 is gated (f).  A daughter must
    # regrow half a division-sized volume, and cells grow only in S, so a division takes
    # several G1 -> M passes.
    s_time = _mean_phase_h(cfg["skin.s_duration"], 1.0)
    s.rest_of_pass = s_time + _mean_phase_h(cfg["skin.g2_duration"], 1.0) + _mean_phase_h(cfg["skin.m_duration"], 1.0)
    s.passes = max(1.0, (math.pi / 12.0) * s.cell_d**3 / (cfg["skin.growth_rate"] * s_time))
    s.layer_gain = math.pi / 6.0 * s.cell_d  # um of column height per upward division per basal cell
    s.max_nb = cfg["skin.max_neighbors"]
    s.ta_share = cfg["skin.max_ta_divisions"] / (cfg["skin.max_ta_divisions"] + 1.0)
    s.stem_fraction = cfg["skin.stem_fraction"]
    s.z_spinous = cfg["skin.volume_z_spinous"]
    s.z_spinous_lowca = max(cfg["skin.spinous_threshold"], s.z_spinous)
    s.z_granular = cfg["skin.volume_z_granular"]
    s.z_cornified = cfg["skin.volume_z_cornified"]
    s.intact_thickness = s.z_cornified + s.cell_d
    s.handoff = cfg["skin.handoff_delay_h"]
    s.kc_migrates = cfg["skin.migration_enabled"]
    s.kc_speed = cfg["skin.migration_speed"] * d("skin.diabetic.migration_factor")
    kgf = cfg["skin.kgf_basal_conc"] * math.exp(-2.5 / cfg["skin.kgf_decay_length"])
    s.kgf_boost = 1.0 + cfg["skin.kgf_max_boost"] * kgf / (cfg["skin.kgf_half_maximal"] + kgf)
    s.prolif_factor = d("skin.diabetic.prolif_factor")
    s.ip_sensitivity = d("skin.diabetic.inflammation_sensitivity")


def _mean_phase_h(duration_h, gate):  # type: ignore[no-untyped-def]
    """Mean time (h) to leave a phase with hazard ``gate * elapsed / duration`` per 0.1-h step."""
    return np.sqrt(math.pi * duration_h * 0.1 / (2.0 * gate))


def stratum_of(thickness: np.ndarray, calcium: np.ndarray, s) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Stratum index (0 basal .. 3 cornified) of the top of an epidermal column."""
    cut = np.where(calcium < s.ca_thr, s.z_spinous_lowca, s.z_spinous)
    return np.select(
        [thickness < cut, thickness < s.z_granular, thickness < s.z_cornified], [0.0, 1.0, 2.0], 3.0)


def gates(st, s, bx=(slice(None), slice(None))):  # type: ignore[no-untyped-def]
    """Division rate (1/h), proliferative share, stem share and crawling speed (um/h).

    Computed for every epidermal voxel of the sub-box ``bx`` (default: the whole lattice).
    """
    from skibidy.model import ph
    from skibidy.model.state import EPI, IP, O2, WATER

    o2 = st.f[O2][EPI][bx]
    water = st.f[WATER][EPI][bx]
    ip = s.ip_sensitivity * st.f[IP][EPI][bx]
    hill_p = s.ip_prolif_k**2 / (s.ip_prolif_k**2 + ip**2)
    hill_m = s.ip_mig_k**2 / (s.ip_mig_k**2 + ip**2)
    g1_gate = (s.kgf_boost * clip(o2 / s.o2_prolif_thr, 0.0, 1.0)
               * clip(water / s.water_prolif_thr, 0.0, 1.0) * hill_p * s.prolif_factor)
    cycle_h = s.passes * (_mean_phase_h(s.g1, np.maximum(g1_gate, 1e-9)) + s.rest_of_pass)
    rate = math.log(2.0) / cycle_h
    stem = np.minimum(1.0, s.stem_fraction * (1.0 + np.maximum(0.0, 1.0 - st.calcium[bx] / s.ca_thr)))
    share = stem + (1.0 - stem) * s.ta_share
    ecm = st.ecm[bx] if st.ecm is not None else 0.0
    speed = (s.kc_speed * clip(water / s.water_mig_thr, 0.0, 1.0) * (1.0 + s.ecm_boost * ecm / (ecm + 1.0))
             * hill_m * ph.speed_factor(st, s, bx)) if s.kc_migrates else np.zeros_like(o2)
    return rate, share, stem, speed


def update(st, s, rng) -> None:  # type: ignore[no-untyped-def]
    """Sheet edge crawls in from the margin; basal cells proliferate, crowd and stratify."""
    from skibidy.model.state import diffusion_matrix

    if not st.wounded:
        return
    g = st.grid
    bx, w = g.box, g.wbox  # everything below works on the wound's bounding box (views)
    rate, share, _, speed = gates(st, s, bx)
    growth = rate * share
    # --- the sheet edge: a voxel is reached once the edge has crawled across it
    cov = st.covered[bx]
    edge = st.edge[bx]
    b, h = st.basal[bx], st.thickness[bx]
    nb = np.zeros_like(cov)
    nb[1:, :] |= cov[:-1, :]
    nb[:-1, :] |= cov[1:, :]
    nb[:, 1:] |= cov[:, :-1]
    nb[:, :-1] |= cov[:, 1:]
    front = w & ~cov & nb
    if front.any():
        edge[front] += (speed[front] + growth[front] * s.cell_d * s.inward_bias) * s.dt
        reached = front & (edge >= g.dx)
        cov |= reached
        b[reached] = np.maximum(b[reached], 1.0 / s.max_nb)
    inside = cov & w
    # --- proliferation, contact inhibition, upward (stratifying) divisions, shedding
    neighbours = 6.0 * b + 3.0 * np.minimum(2.0, h / s.cell_d)
    inhibit = clip(s.max_nb - neighbours, 0.0, 1.0)
    # crowding of the basal layer (its confluence) tilts divisions upward above 30 % (reference dz rule)
    upward = clip((b - 0.3) / 0.7, 0.0, 1.0)
    divide = growth * inhibit
    db = divide * b * (1.0 - b) * s.dt
    # an upward division moves one cell volume (pi d^3 / 6) onto a basal footprint of d^2
    dh = divide * b * upward * s.layer_gain * s.dt - np.maximum(0.0, h - s.z_cornified) / s.handoff * s.dt
    b += np.where(inside, db, 0.0)
    h += np.where(inside, dh, 0.0)
    b[...] = clip(b, 0.0, 1.0)
    np.maximum(h, 0.0, out=h)
    # --- crowding pushes cells sideways (inward-biased): the basal sheet spreads in from the
    #     margin; the stratified layers spread only within the wound bed (zero flux at its edge)
    if inside.any():
        spread = float(np.mean(growth[inside])) * (s.cell_d / 2.0) ** 2 * (1.0 + s.inward_bias)
        m = diffusion_matrix(g.n, round(spread * s.dt / g.dx**2, 12))
        b_new = (m @ st.basal @ m.T)[bx]
        b[w] = np.where(cov[w], b_new[w], 0.0)
        _spread_within(h, inside, spread * s.dt / g.dx**2, s)
    column = b * s.cell_d + h
    st.closure = float(np.mean(np.minimum(column[w], s.intact_thickness))) / s.intact_thickness
    barrier = st.barrier[bx]
    barrier[w] = np.minimum(1.0, column[w] / s.z_cornified)
    new = stratum_of(column, st.calcium[bx], s)
    stratum = st.stratum[bx]
    np.maximum(stratum, np.where(inside, new, 0.0), out=stratum)


def _spread_within(h: np.ndarray, mask: np.ndarray, d_over_dx2: float, s) -> None:  # type: ignore[no-untyped-def]
    """Explicit zero-flux diffusion of ``h`` restricted to ``mask`` (stable sub-steps)."""
    if d_over_dx2 <= 0:
        return
    ys, xs = np.nonzero(mask)
    y0, y1 = max(ys.min() - 1, 0), ys.max() + 2
    x0, x1 = max(xs.min() - 1, 0), xs.max() + 2
    box = h[y0:y1, x0:x1]
    m = mask[y0:y1, x0:x1]
    # links between horizontally / vertically adjacent voxels that are both inside the mask
    lx = (m[:, 1:] & m[:, :-1]).astype(float)
    ly = (m[1:, :] & m[:-1, :]).astype(float)
    n_sub = max(1, int(math.ceil(d_over_dx2 / 0.2)))
    k = d_over_dx2 / n_sub
    v = box.copy()
    for _ in range(n_sub):
        fx = k * lx * (v[:, 1:] - v[:, :-1])
        fy = k * ly * (v[1:, :] - v[:-1, :])
        v[:, :-1] += fx
        v[:, 1:] -= fx
        v[:-1, :] += fy
        v[1:, :] -= fy
    box[m] = v[m]
