"""Keratinocytes: re-epithelialisation as a stochastic front of migrating, dividing cells.

Each lattice site of the wound bed is open until keratinocytes cover it. An open site
next to covered ones is covered at random, at a hazard of (front speed / site size), a
little higher in notches (``(1 + covered neighbours) / 2``), so the sheet advances from the margin as a rough, random front and
replicate runs differ. The front speed combines

* crawling: ``migration_speed``, slowed by a dry bed, inflammation (a Hill gate), an
  alkaline bed and diabetic skin, sped up by a provisional matrix of fibrin and fibronectin;
* the supply of new cells: basal cells within ``proliferative_rim_um`` behind the edge
  divide at ``ln 2 / cycle`` times their proliferative share, where G1 is shortened by KGF
  and by growth factors of nearby M2 macrophages (so a late M1 to M2 switch slows closure;
  Lucas et al. 2010), and lengthened by low oxygen, a dry bed, inflammation and diabetic skin;

as two steps in series (``1 / v = 1 / v_crawl + 1 / v_supply``). The sheet is fed from the
margin, so its advance slows as the epithelial tongue stretches: it is halved at
``tongue_length_um`` from the wound edge. Myofibroblasts add wound contraction (``fibroblast.py``). Covered sites stratify into a barrier over
``barrier_formation_h``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from skibidy.model.module import Module, diabetic_factor, hill, saturation
from skibidy.model.state import KERATINOCYTES_PER_SITE, SITE_UM, patchy_field
from skibidy.parameter import param

PARAMETERS = (
    param("skin.g1_duration", "float", "h", "G1 phase of basal keratinocytes at full gating", positive=True),
    param("skin.s_duration", "float", "h", "S phase duration", positive=True),
    param("skin.g2_duration", "float", "h", "G2 phase duration", positive=True),
    param("skin.m_duration", "float", "h", "M phase duration", positive=True),
    param("skin.stem_fraction", "float", "-", "share of basal cells that are stem cells", 0.0, 1.0),
    param("skin.max_ta_divisions", "int", "count",
          "divisions of a transit-amplifying cell before it stops (its proliferative share k/(k+1))", 0, 100),
    param("skin.proliferative_rim_um", "float", "um", "width of the dividing rim that feeds the front",
          positive=True),
    param("skin.supply_heterogeneity", "float", "-",
          "patchiness of keratinocyte supply (hair-follicle density): log-normal spread between 1-mm patches",
          0.0, 3.0),
    param("skin.kgf_basal_conc", "float", "nM", "KGF from dermal fibroblasts"),
    param("skin.kgf_half_maximal", "float", "nM", "KGF half-maximal concentration", positive=True),
    param("skin.kgf_max_boost", "float", "fold", "maximal speed-up of G1 by KGF"),
    param("skin.m2_growth_factor_boost", "float", "fold",
          "maximal speed-up of G1 by growth factors (EGF, IGF-1, TGF-alpha) of nearby M2 macrophages"),
    param("skin.oxygen_prolif_threshold", "float", "-", "oxygen availability constant of division",
          positive=True),
    param("skin.water_prolif_threshold", "float", "-", "moisture availability constant of division",
          positive=True),
    param("skin.migration_enabled", "bool", "-", "keratinocytes crawl into the wound"),
    param("skin.migration_speed", "float", "um/h", "crawling speed of the sheet edge on an ideal bed"),
    param("skin.tongue_length_um", "float", "um",
          "distance from the wound edge at which the sheet's advance has halved (the tongue thins as it stretches)",
          positive=True),
    param("skin.water_migration_threshold", "float", "-", "moisture availability constant of crawling",
          positive=True),
    param("skin.inflammation.prolif_threshold", "float", "a.u.", "inflammation halving G1 progression",
          positive=True),
    param("skin.inflammation.migration_threshold", "float", "a.u.", "inflammation halving crawling speed",
          positive=True),
    param("skin.derived.ecm_migration_boost", "float", "fold", "maximal speed-up of crawling by the matrix"),
    param("skin.barrier_formation_h", "float", "h", "time for new epidermis to stratify into a barrier",
          positive=True),
)


@dataclass(frozen=True)
class Settings:
    g1_h: float
    rest_of_cycle_h: float
    proliferative_share: float
    stem_fraction: float
    rim_um: float
    kgf_boost: float
    m2_boost: float
    oxygen_k: float
    moisture_prolif_k: float
    prolif_factor: float
    migration_um_h: float
    moisture_migration_k: float
    prolif_k: float
    migration_k: float
    sensitivity: float
    matrix_boost: float
    barrier_h: float
    tongue_um: float
    heterogeneity: float
    ph_on: bool
    ph_suppression: float


def settings(cfg) -> Settings:  # type: ignore[no-untyped-def]
    stem = cfg["skin.stem_fraction"]
    k = cfg["skin.max_ta_divisions"]
    kgf = cfg["skin.kgf_basal_conc"]
    speed = cfg["skin.migration_speed"] * diabetic_factor(cfg, "skin.diabetic.migration_factor")
    return Settings(
        g1_h=cfg["skin.g1_duration"],
        rest_of_cycle_h=cfg["skin.s_duration"] + cfg["skin.g2_duration"] + cfg["skin.m_duration"],
        proliferative_share=stem + (1.0 - stem) * k / (k + 1.0),
        stem_fraction=stem,
        rim_um=cfg["skin.proliferative_rim_um"],
        kgf_boost=1.0 + cfg["skin.kgf_max_boost"] * kgf / (cfg["skin.kgf_half_maximal"] + kgf),
        m2_boost=cfg["skin.m2_growth_factor_boost"],
        oxygen_k=cfg["skin.oxygen_prolif_threshold"],
        moisture_prolif_k=cfg["skin.water_prolif_threshold"],
        prolif_factor=diabetic_factor(cfg, "skin.diabetic.prolif_factor"),
        migration_um_h=speed if cfg["skin.migration_enabled"] else 0.0,
        moisture_migration_k=cfg["skin.water_migration_threshold"],
        prolif_k=cfg["skin.inflammation.prolif_threshold"],
        migration_k=cfg["skin.inflammation.migration_threshold"],
        sensitivity=diabetic_factor(cfg, "skin.diabetic.inflammation_sensitivity"),
        matrix_boost=cfg["skin.derived.ecm_migration_boost"],
        barrier_h=cfg["skin.barrier_formation_h"],
        heterogeneity=cfg["skin.supply_heterogeneity"],
        tongue_um=cfg["skin.tongue_length_um"],
        ph_on=cfg["skin.ph.enabled"],
        ph_suppression=cfg["skin.ph.migration_suppression"],
    )


def front_speed(st, s: Settings, sites: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Advance speed of the sheet edge (um/h) at flat site indices ``sites``."""
    inflamed = s.sensitivity * st.inflammation.ravel()[sites]
    moisture = st.moisture.ravel()[sites]
    m2 = st.m2_nearby.ravel()[sites]
    growth_factors = s.kgf_boost + s.m2_boost * m2 / (m2 + M2_HALF)
    g1_gate = (growth_factors * saturation(st.oxygen.ravel()[sites], s.oxygen_k)
               * saturation(moisture, s.moisture_prolif_k) * hill(inflamed, s.prolif_k) * s.prolif_factor)
    cycle_h = s.g1_h / np.maximum(g1_gate, 1e-9) + s.rest_of_cycle_h
    supply = math.log(2.0) / cycle_h * s.proliferative_share * s.rim_um * st.supply.ravel()[sites]
    matrix = st.matrix.ravel()[sites]
    crawl = (s.migration_um_h * saturation(moisture, s.moisture_migration_k) * hill(inflamed, s.migration_k)
             * (1.0 + s.matrix_boost * matrix / (matrix + 1.0)))
    if s.ph_on:
        crawl = crawl * (1.0 - s.ph_suppression * st.alkalinity.ravel()[sites])
    both = crawl + supply
    epithelial = np.divide(crawl * supply, both, out=np.zeros_like(both), where=both > 0)
    travelled = np.maximum(0.0, st.grid.radius_um - st.grid.distance_um.ravel()[sites])
    return epithelial * s.tongue_um / (s.tongue_um + travelled) + st.contraction_um_h


M2_HALF = 0.1
"""M2 macrophages within reach of a site giving half the maximal growth-factor boost."""

PATCH_UM = 1000.0
"""Correlation length of the keratinocyte supply: hair follicles, the reservoir that re-epithelialises
a wound besides its edge (Ito et al. 2005), are spaced unevenly over millimetres."""


def start(st, s: Settings, rng: np.random.Generator) -> None:  # type: ignore[no-untyped-def]
    """Draw this wound's patchy keratinocyte supply (so no two wounds close alike)."""
    around = st.grid.distance_um <= st.grid.radius_um + PATCH_UM / 2
    st.supply[:] = patchy_field(rng, st.grid.n, PATCH_UM, s.heterogeneity, around)


def step(st, s: Settings, rng: np.random.Generator, dt: float) -> None:  # type: ignore[no-untyped-def]
    """Cover open front sites at random, then let covered sites stratify."""
    g = st.grid
    w = g.wound
    open_ = w & ~st.covered
    nb = g.neighbours(st.covered)
    front = np.flatnonzero(open_ & (nb > 0))
    # one uniform per site every step, whether or not the site is on the front: a site's luck
    # does not depend on how far the front has come, so runs that differ only in a rate stay coupled
    luck = rng.random(g.n * g.n)
    if front.size:
        hazard = front_speed(st, s, front) / SITE_UM * (1.0 + nb.ravel()[front]) / 2.0
        won = luck[front] < 1.0 - np.exp(-hazard * dt)
        st.covered.ravel()[front[won]] = True
    fresh = w & st.covered
    st.barrier += np.where(fresh, (1.0 - st.barrier) * (1.0 - math.exp(-dt / s.barrier_h)), 0.0)


def closure_pct(st) -> float:  # type: ignore[no-untyped-def]
    """Re-stratified share of the wound epidermis, in %: the wound mean of the barrier level.

    A site counts fully once the epidermis that covered it has stratified into a barrier
    (``barrier_formation_h``), as closure is judged on a healed, dry surface.
    """
    return 100.0 * float(st.barrier[st.grid.wound].mean())


def report(st, s: Settings) -> dict[str, float]:  # type: ignore[no-untyped-def]
    w = st.grid.wound
    barrier = st.barrier[w]
    basal = float(np.count_nonzero(st.covered[w])) * KERATINOCYTES_PER_SITE
    stem = basal * s.stem_fraction
    ta = (basal - stem) * (s.proliferative_share - s.stem_fraction) / max(1.0 - s.stem_fraction, 1e-9)
    layers = float(barrier.sum()) * KERATINOCYTES_PER_SITE
    spinous, granular, cornified = 3.0 * layers, 2.0 * layers, 4.0 * layers
    return {
        "n_agents": round(basal + spinous + granular + cornified), "n_stem": round(stem), "n_ta": round(ta),
        "n_g0": round(basal - stem - ta), "n_basal": round(basal), "n_spinous": round(spinous),
        "n_granular": round(granular), "n_cornified": round(cornified),
        "wound_closure_pct": closure_pct(st),
        "mean_ca_wound": 0.05 + 1.45 * float(barrier.mean()),
    }


MODULE = Module(
    "keratinocytes", PARAMETERS, settings,
    reads=("inflammation", "moisture", "oxygen", "matrix", "alkalinity", "contraction_um_h", "covered", "supply",
           "m2_nearby"),
    writes=("covered", "barrier", "supply"),
    step=step, start=start,
    columns=("n_agents", "n_stem", "n_ta", "n_g0", "n_basal", "n_spinous", "n_granular", "n_cornified",
             "wound_closure_pct", "mean_ca_wound"),
    report=report,
)
