"""The simulation loop: ``simulate(config, seed) -> metrics DataFrame``.

One internal step (``skin.time_step_h``, default 1 h = 10 reference steps) is this
ordered list of module updates (see :data:`PIPELINE`)::

    wound event -> immune recruitment -> fibroblast recruitment -> perfusion/VEGF
    -> oxygen -> water -> DAMP inflammation -> clot -> calcium -> pH -> dermis
    -> immune cells -> fibroblasts -> keratinocytes -> diffusion/decay
    -> MMP degradation -> fibronectin -> scar -> ECM quality -> metrics

Rates given per reference step (0.1 h) are multiplied by the number of reference
steps per internal step; per-step probabilities p become 1 - (1 - p)^k.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Callable, Iterator

import numpy as np
import pandas as pd

from skibidy.config import Config
from skibidy.errors import SkibidyError
from skibidy.metrics import METRIC_COLUMNS
from skibidy.model import (
    calcium,
    core,
    dermis,
    derived,
    diabetic,
    fibroblast,
    fibronectin,
    hemostasis,
    immune,
    inflammation,
    keratinocyte,
    mmp,
    oxygen,
    perfusion,
    ph,
    scar,
    water,
    wound,
)
from skibidy.model.state import (
    clip,
    ANTI,
    DER,
    DERMIS,
    EPI,
    FIELDS,
    IP,
    LAYER_UM,
    MMP,
    O2,
    PERF,
    REF_STEP_H,
    TGFB,
    VEGF,
    WATER,
    FINE_REACH_UM,
    COARSE_REACH_UM,
    Grid,
    I,
    State,
    diffusion_matrix,
)

__all__ = ["simulate", "output_times", "PIPELINE"]

Update = Callable[[State, SimpleNamespace, np.random.Generator], None]

#: one internal step, in order: (name, update, cadence). "slow" processes (rates of a few
#: percent per hour) run every second step over twice the time step, with settings prepared
#: for that step; "fast" ones (agents' timers, sources, sinks) run every step.
PIPELINE: tuple[tuple[str, Update, str], ...] = (
    ("wound event", wound.update, "fast"),
    ("immune recruitment", immune.recruit, "fast"),
    ("fibroblast recruitment", fibroblast.recruit, "fast"),
    ("perfusion and angiogenesis", perfusion.update, "slow"),
    ("oxygen", oxygen.update, "fast"),
    ("water", water.update, "slow"),
    ("DAMP inflammation", inflammation.update, "fast"),
    ("hemostasis", hemostasis.update, "slow"),
    ("calcium", calcium.update, "slow"),
    ("pH", ph.update, "slow"),
    ("dermis", dermis.update, "slow"),
    ("immune cells", immune.step, "fast"),
    ("fibroblasts", fibroblast.step, "slow"),
    ("keratinocytes", keratinocyte.update, "slow"),
    ("diffusion and decay", lambda st, s, rng: _diffuse(st, s), "fast"),
    ("MMP degradation", mmp.update, "slow"),
    ("fibronectin", fibronectin.update, "slow"),
    ("scar", scar.update, "slow"),
    ("ECM quality", derived.update, "slow"),
)
_SLOW_EVERY = 2

# settings are computed in this order (later modules read earlier flags)
_PREPARE = (diabetic, wound, mmp, fibronectin, hemostasis, ph, dermis, perfusion, oxygen, water,
            calcium, inflammation, derived, immune, fibroblast, scar, keratinocyte)
_ = core  # run-level keys are read directly below

_DIFFUSE_EVERY_H = 3.0  # fast fields are diffused exactly (spectral operator) every 3 h
_SLOW_RATIO = 2  # ... and every field (slow ones over 6 h at once) every second time


def _settings(cfg: Config, scale: int = 1) -> SimpleNamespace:
    s = SimpleNamespace()
    s.dt = float(cfg["skin.time_step_h"]) * scale
    s.substeps = max(1, int(round(s.dt / REF_STEP_H)))
    s.dtf = s.dt / REF_STEP_H
    s.per_dt_prob = lambda p: 1.0 - (1.0 - min(max(p, 0.0), 1.0)) ** s.dtf
    s.diabetic_mode = bool(cfg["skin.diabetic.mode"])
    s.diabetic = lambda path, neutral=1.0: cfg[path] if s.diabetic_mode else neutral
    s.tissue_lo, s.tissue_hi = cfg["skin.tissue_min"], cfg["skin.tissue_max"]
    s.fine_reach, s.coarse_reach = FINE_REACH_UM, COARSE_REACH_UM
    s.immune_pad = cfg["skin.immune.cell_diameter"]
    for module in _PREPARE:
        module.prepare(cfg, s)
    s.split = s.split and s.wound_on
    # diffusion coefficients and decays of the stacked fields
    d = np.zeros(len(FIELDS))
    mu = np.zeros(len(FIELDS))
    exchange = np.ones(len(FIELDS), dtype=bool)
    d[I] = d[IP] = cfg["skin.inflammation.diffusion"]
    mu[I] = mu[IP] = cfg["skin.inflammation.decay"]
    d[ANTI], mu[ANTI] = cfg["skin.inflammation.anti_diffusion"], cfg["skin.inflammation.anti_decay"]
    d[TGFB], mu[TGFB] = cfg["skin.fibroblast.tgfb_diffusion"], cfg["skin.fibroblast.tgfb_decay"]
    d[MMP] = cfg["skin.mmp.diffusion"]
    mu[MMP] = cfg["skin.mmp.decay"] * s.diabetic("skin.diabetic.timp_factor")
    d[VEGF], mu[VEGF] = cfg["skin.angiogenesis.vegf_diffusion"], cfg["skin.angiogenesis.vegf_decay"]
    d[O2], mu[O2] = cfg["skin.oxygen_diffusion"], cfg["skin.oxygen_decay"]
    d[WATER], mu[WATER] = cfg["skin.water_diffusion"], cfg["skin.water_decay"]
    d[PERF], mu[PERF] = cfg["skin.perfusion.diffusion"], cfg["skin.perfusion.decay"]
    d[DERMIS], mu[DERMIS] = cfg["skin.dermis.diffusion"], cfg["skin.dermis.decay"]
    exchange[DERMIS] = False
    s.diff_d, s.diff_mu, s.diff_exchange = d, mu, exchange
    s.diffuse_every = max(1, int(round(_DIFFUSE_EVERY_H / s.dt)))
    s.fast_fields = np.array([I, IP, ANTI, O2, VEGF] if s.split else [I, IP, O2, VEGF])
    return s


def _initial_state(cfg: Config, s: SimpleNamespace) -> State:
    grid = Grid.build(cfg)
    n = grid.n
    f = np.zeros((len(FIELDS), 2, n, n))
    f[PERF][DER] = s.perf_target
    f[O2][DER] = s.o2_basal * s.perf_target
    f[O2][EPI] = s.o2_initial_epi
    f[WATER][DER] = s.water_basal * s.perf_target
    f[WATER][EPI] = s.water_target_epi
    if s.dermis_on:
        f[DERMIS][DER] = s.dermis_target
    ones = np.ones((n, n))
    st = State(
        grid=grid,
        f=f,
        stratum=3.0 * ones,
        calcium=s.ca_basal_target * ones,
        basal=ones.copy(),
        thickness=s.z_cornified * ones,
        edge=np.zeros((n, n)),
        covered=np.ones((n, n), dtype=bool),
        barrier=ones.copy(),
        fibrin=np.zeros((n, n)),
        ph=np.zeros((n, n)),
        scar_collagen=np.zeros((n, n)),
        scar_inflammation=np.zeros((n, n)),
        fibronectin=np.zeros((2, n, n)),
        collagen=np.zeros((2, n, n)),
        procollagen=np.zeros((n, n)),
    )
    s.centre_fp = grid.footprint(np.array([s.cx]), np.array([s.cy]), s.fine_reach)
    return st


def _diffuse(st: State, s: SimpleNamespace) -> None:
    """Exact zero-flux lateral diffusion, layer exchange and decay, every few steps."""
    st.diffuse_count = getattr(st, "diffuse_count", 0) + 1
    if st.diffuse_count % s.diffuse_every:
        return
    span = s.dt * s.diffuse_every
    g = st.grid
    if getattr(s, "_mats", None) is None:
        # fast fields every `span` hours; all fields (slow ones over their whole interval) less often
        fast = s.fast_fields
        slow_span = span * _SLOW_RATIO
        spans = np.where(np.isin(np.arange(len(FIELDS)), fast), span, slow_span)
        full = [diffusion_matrix(g.n, round(dk * sp / g.dx**2, 12)) for dk, sp in zip(s.diff_d, spans)]
        k = s.diff_d / LAYER_UM**2
        mix = np.where(s.diff_exchange, 0.5 * (1.0 - np.exp(-2.0 * k * spans)), 0.0)[:, None, None]
        keep = np.exp(-s.diff_mu * spans)[:, None, None, None]
        s._mats, s._mix, s._keep = np.stack(full)[:, None], mix, keep
        s._mats_fast, s._mix_fast, s._keep_fast = s._mats[fast], mix[fast], keep[fast]
        # contiguous transposes: matmul with a transposed view is ~3x slower (same result)
        s._mats_t = np.ascontiguousarray(s._mats.transpose(0, 1, 3, 2))
        s._mats_fast_t = np.ascontiguousarray(s._mats_fast.transpose(0, 1, 3, 2))
    f = st.f
    sel = s.fast_fields if st.diffuse_count % (s.diffuse_every * _SLOW_RATIO) else slice(None)
    if isinstance(sel, slice):
        mats, mats_t, mix, keep = s._mats, s._mats_t, s._mix, s._keep
    else:
        mats, mats_t, mix, keep = s._mats_fast, s._mats_fast_t, s._mix_fast, s._keep_fast
    sub = f[sel]
    sub = mats @ sub @ mats_t
    diff = sub[:, EPI] - sub[:, DER]
    sub[:, EPI] -= mix * diff
    sub[:, DER] += mix * diff
    sub *= keep
    np.maximum(sub, 0.0, out=sub)
    f[sel] = sub


def closure_pct(st: State, s: SimpleNamespace) -> float:
    """Re-stratified share of the wound epidermis, in %.

    The reference counts its wound epidermis as 6 stacked 5-um voxels per column, each
    closed once cells of stratum >= 1 reach it; here each column closes continuously as
    its epidermis (basal layer + stratified layers) regains the intact thickness
    (``volume_z_cornified + division_diameter``).
    """
    w = st.grid.wound
    column = st.basal[w] * s.cell_d + st.thickness[w]
    return 100.0 * float(np.mean(np.minimum(column, s.intact_thickness) / s.intact_thickness))


def _metrics_row(st: State, s: SimpleNamespace, step: int) -> list[float]:
    g = st.grid
    w = g.wound
    f = st.f
    t = step * REF_STEP_H
    row = dict.fromkeys(METRIC_COLUMNS, 0.0)
    row["step"], row["time_h"], row["time_days"] = step, t, t / 24.0
    if st.wounded:
        cells = g.dx**2 / s.cell_d**2  # keratinocytes per voxel per full layer
        b, h = st.basal[w], st.thickness[w]
        _, _, stem, _ = keratinocyte.gates(st, s, g.box)
        stem = np.where(g.wbox, stem, 0.0)
        stem_full = np.zeros_like(st.basal)
        stem_full[g.box] = stem
        n_basal = float(np.sum(b) * cells)
        n_stem = float(np.sum(b * stem_full[w]) * cells)
        cut = np.where(st.calcium[w] < s.ca_thr, s.z_spinous_lowca, s.z_spinous)

        def layers(lo: np.ndarray | float, hi: float) -> float:
            return float(np.sum(b * clip(np.minimum(h, hi) - lo, 0.0, None) / s.cell_d) * cells)

        n_spin = layers(cut, s.z_granular)
        n_gran = layers(s.z_granular, s.z_cornified)
        n_corn = layers(s.z_cornified, np.inf)
        n_ta = (n_basal - n_stem) * s.ta_share
        total = n_basal + n_spin + n_gran + n_corn
        row.update(
            n_agents=round(total), n_stem=round(n_stem), n_ta=round(n_ta),
            n_g0=round(total) - round(n_stem) - round(n_ta), n_basal=round(n_basal),
            n_spinous=round(n_spin), n_granular=round(n_gran), n_cornified=round(n_corn),
        )
        row["n_neutrophils"] = len(st.neutrophils)
        row["n_macrophages"] = len(st.macrophages)
        row["wound_closure_pct"] = closure_pct(st, s)
        row["mean_o2_wound"] = float(np.mean(f[O2][EPI][w]))
        row["mean_ca_wound"] = float(np.mean(st.calcium[w])) * s.ca_column_ratio
        row["mean_infl_wound"] = float(np.mean(f[I][EPI][w]))
        row["scar_magnitude"] = float(np.mean(st.scar_collagen[w] + st.scar_inflammation[w]))
        if s.split:
            row["mean_anti_infl_wound"] = float(np.mean(f[ANTI][EPI][w]))
        if s.fibroblast_on:
            row["n_fibroblasts"] = len(st.fibroblasts)
            row["n_myofibroblasts"] = int(np.sum(st.fibroblasts.state == fibroblast.MYO))
            row["mean_tgfb_wound"] = float(np.mean(f[TGFB][:, w]))
            row["mean_collagen_wound"] = float(np.mean(st.collagen[DER][w]))
        row["mean_perfusion_wound"] = float(np.mean(f[PERF][DER][w]))
        if s.angio_on:
            row["mean_vegf_wound"] = float(np.mean(f[VEGF][EPI][w]))
        if s.mmp_on:
            row["mean_mmp_wound"] = float(np.mean(f[MMP][:, w]))
        if s.fn_on:
            row["mean_fibronectin_wound"] = float(np.mean(st.fibronectin[:, w]))
        if s.dermis_on:
            row["mean_dermis_reticular"] = float(np.mean(f[DERMIS][DER][w]))
        if s.ph_on:
            row["mean_ph_wound"] = float(np.mean(st.ph[w]))
        if s.hemostasis_on:
            row["mean_fibrin_wound"] = float(np.mean(st.fibrin[w]))
        if st.ecm is not None:
            row["mean_ecm_quality"] = float(np.mean(st.ecm[w]))
        row["mean_tissue_viability"] = float(np.mean((f[O2][EPI] * f[WATER][EPI] * f[PERF][EPI])[w]))
    return [row[c] for c in METRIC_COLUMNS]


def simulate(config: Config, seed: int = 0) -> pd.DataFrame:
    """Run one simulation and return its metrics table.

    Parameters
    ----------
    config : Config
        From :func:`skibidy.load_config`.
    seed : int
        Seed of the run's single :class:`numpy.random.Generator`; the same
        (config, seed) gives a bit-identical table in any process.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`skibidy.METRIC_COLUMNS`, one row per ``skin.metrics_interval_h``
        from t = 0 while t < duration.

    Examples
    --------
    >>> import skibidy
    >>> cfg = skibidy.load_config(overrides={"skin.duration_days": 1.0})
    >>> skibidy.simulate(cfg, seed=1).shape
    (3, 40)
    """
    if not isinstance(config, Config):
        raise SkibidyError("simulate() needs a Config from skibidy.load_config()")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise SkibidyError(f"seed must be a non-negative integer, got {seed!r}")
    rng = np.random.default_rng(int(seed))
    s = _settings(config)
    n_steps, every = _schedule(config)
    rows: list[list[float]] = []
    if not s.wound_on:
        st = None
        for k in range(0, n_steps, every):
            t = k * s.dt
            rows.append(_zero_row(int(round(t / REF_STEP_H))))
    else:
        st = _initial_state(config, s)
        slow = _settings(config, _SLOW_EVERY)
        for k in range(n_steps):
            _step(st, s, slow, rng, k)
            if k % every == 0:
                rows.append(_metrics_row(st, s, int(round(st.t / REF_STEP_H))))
    frame = pd.DataFrame(rows, columns=list(METRIC_COLUMNS))
    frame["step"] = frame["step"].astype(np.int64)
    return frame


def _schedule(config: Config) -> tuple[int, int]:
    """Internal steps of a run (at least one) and the steps between two metrics rows."""
    dt = float(config["skin.time_step_h"])
    n_steps = max(1, int(math.floor(config.duration_days * 24.0 / dt + 1e-9)))
    every = int(round(config["skin.metrics_interval_h"] / dt))
    return n_steps, every


def output_times(config: Config) -> np.ndarray:
    """The ``time_h`` values of the rows :func:`simulate` writes for ``config``.

    One row every ``skin.metrics_interval_h`` from t = 0, for every internal step
    that starts before the run's duration; callers that lay out storage for runs
    (the batch system) use this instead of re-deriving the schedule.

    Examples
    --------
    >>> import skibidy
    >>> skibidy.output_times(skibidy.load_config(overrides={"skin.duration_days": 0.85}))
    array([ 0., 10.])
    """
    n_steps, every = _schedule(config)
    dt = float(config["skin.time_step_h"])
    steps = [int(round(k * dt / REF_STEP_H)) for k in range(0, n_steps, every)]
    return np.array(steps, dtype=np.float64) * REF_STEP_H


def iterate(config: Config, seed: int = 0) -> Iterator[tuple[State, SimpleNamespace]]:
    """Yield ``(state, settings)`` after every internal step of a wound run (for tests/notebooks).

    The state is updated in place; copy what you need before advancing.
    """
    rng = np.random.default_rng(int(seed))
    s = _settings(config)
    slow = _settings(config, _SLOW_EVERY)
    st = _initial_state(config, s)
    n_steps, _ = _schedule(config)
    for k in range(n_steps):
        _step(st, s, slow, rng, k)
        yield st, s


def _step(st: State, s: SimpleNamespace, slow: SimpleNamespace, rng: np.random.Generator, k: int) -> None:
    """One internal step: every fast process, and the slow ones on even steps (over 2 steps)."""
    st.t = k * s.dt
    due = k % _SLOW_EVERY == 0
    for _, update, cadence in PIPELINE:
        if cadence == "fast":
            update(st, s, rng)
        elif due:
            update(st, slow, rng)


def _zero_row(step: int) -> list[float]:
    t = step * REF_STEP_H
    row = dict.fromkeys(METRIC_COLUMNS, 0.0)
    row["step"], row["time_h"], row["time_days"] = step, t, t / 24.0
    return [row[c] for c in METRIC_COLUMNS]
