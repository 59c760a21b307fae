"""Fibroblasts: influx, myofibroblast differentiation, collagen, contraction, apoptosis.

Fibroblasts enter the granulation tissue from the wound margin in proportion to the
TGF-beta in the wound (Poisson draws onto TGF-beta-rich sites) while the wound is open.
After ``myofibroblast_delay_h`` a fibroblast differentiates into a myofibroblast at a
rate that rises with local TGF-beta (half-maximal at ``myofibroblast_threshold``).
Myofibroblasts secrete TGF-beta, lay down procollagen (fibroblasts a quarter as much),
which cross-links into collagen over ``collagen_maturation_h``, and pull the wound edge
inwards (contraction). Once the epidermis has closed over them, fibroblasts and
myofibroblasts die by apoptosis (Desmouliere et al. 1995).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from skibidy.model.module import Module, diabetic_factor, hill, saturation
from skibidy.model.state import SITE_UM, Grid, diffusion_operator
from skibidy.parameter import param

FIBROBLAST, MYOFIBROBLAST = 0, 1
DIFFERENTIATION_H = 24.0
"""Mean time to differentiate once the delay has passed, at saturating TGF-beta."""
FIBROBLAST_COLLAGEN_SHARE = 0.25
"""Collagen synthesis of a fibroblast relative to a myofibroblast."""
OXYGEN_HALF = 0.3
"""Oxygen availability constant of collagen hydroxylation (prolyl hydroxylase needs O2)."""
CRAWL_UM = 300.0
"""Distance over which a (myo)fibroblast lays down matrix while it crawls through the granulation tissue."""

PARAMETERS = (
    param("skin.fibroblast.enabled", "bool", "-", "fibroblasts, myofibroblasts and collagen"),
    param("skin.fibroblast.recruitment_rate", "float", "cells/h per a.u.",
          "fibroblast influx per unit of wound TGF-beta (summed over the open wound)"),
    param("skin.fibroblast.myofibroblast_delay_h", "float", "h", "time as a fibroblast before differentiating"),
    param("skin.fibroblast.myofibroblast_threshold", "float", "a.u.",
          "TGF-beta giving half the maximal differentiation rate", positive=True),
    param("skin.fibroblast.tgfb_rate", "float", "a.u./h per cell", "TGF-beta secreted by each myofibroblast"),
    param("skin.fibroblast.tgfb_decay", "float", "1/h", "TGF-beta decay"),
    param("skin.fibroblast.collagen_deposition_rate", "float", "a.u./h per cell",
          "procollagen laid down by each myofibroblast"),
    param("skin.fibroblast.collagen_maturation_h", "float", "h", "mean time for procollagen to cross-link",
          positive=True),
    param("skin.fibroblast.apoptosis_rate", "float", "1/h", "apoptosis of (myo)fibroblasts under closed epidermis"),
    param("skin.fibroblast.lifespan_h", "float", "h", "(myo)fibroblast maximal residence", positive=True),
    param("skin.fibroblast.contraction_rate", "float", "um/h per cell per site",
          "inward pull of the wound edge per myofibroblast per wound site"),
)

TGFB_DIFFUSION_UM2_H = 20000.0
"""TGF-beta diffusivity in tissue (about 6 um^2/s)."""


@dataclass(frozen=True)
class Settings:
    on: bool
    recruitment: float
    delay_h: float
    threshold: float
    tgfb: float
    tgfb_decay: float
    collagen: float
    maturation_h: float
    apoptosis: float
    lifespan_h: float
    contraction: float
    crawl: np.ndarray  # operator spreading a cell's deposits over the ground it covers


def settings(cfg) -> Settings:  # type: ignore[no-untyped-def]
    p = "skin.fibroblast."
    return Settings(
        on=cfg[p + "enabled"],
        recruitment=cfg[p + "recruitment_rate"],
        delay_h=cfg[p + "myofibroblast_delay_h"],
        threshold=cfg[p + "myofibroblast_threshold"] * diabetic_factor(cfg, "skin.diabetic.fibroblast_activation_factor"),
        tgfb=cfg[p + "tgfb_rate"],
        tgfb_decay=cfg[p + "tgfb_decay"],
        collagen=cfg[p + "collagen_deposition_rate"] * diabetic_factor(cfg, "skin.diabetic.collagen_factor"),
        maturation_h=cfg[p + "collagen_maturation_h"],
        apoptosis=cfg[p + "apoptosis_rate"],
        lifespan_h=cfg[p + "lifespan_h"] * diabetic_factor(cfg, "skin.diabetic.fibroblast_lifespan_factor"),
        contraction=cfg[p + "contraction_rate"],
        crawl=diffusion_operator(Grid.sites_per_axis(cfg["skin.wound.radius"]), (CRAWL_UM / SITE_UM) ** 2 / 2.0),
    )


def step(st, s: Settings, rng: np.random.Generator, dt: float) -> None:  # type: ignore[no-untyped-def]
    """Influx, differentiation, apoptosis, then secretion, collagen and contraction."""
    if not s.on:
        return
    g = st.grid
    w = g.wound
    cells = st.fibroblasts
    open_share = 1.0 - float(st.covered[w].mean())
    expected = s.recruitment * float(st.tgfb[w].sum()) * open_share * dt
    cells.add(g.draw_sites(rng, int(rng.poisson(expected)), st.tgfb), FIBROBLAST)
    cells.grow_older(dt)
    draws = rng.random((2, len(cells)))
    # differentiation: after the delay, faster where TGF-beta is high
    local = st.tgfb.ravel()[cells.site]
    drive = 1.0 - hill(local, s.threshold, 1.0)
    ready = (cells.state == FIBROBLAST) & (cells.age >= s.delay_h)
    turn = ready & (draws[0] < 1.0 - np.exp(-drive * dt / DIFFERENTIATION_H))
    cells.state[turn] = MYOFIBROBLAST
    cells.state_age[turn] = 0.0
    # apoptosis once the epidermis has closed over the cell; the lifespan caps residence
    closed = st.barrier.ravel()[cells.site]
    die = (draws[1] < 1.0 - np.exp(-s.apoptosis * closed * dt)) | (cells.age >= s.lifespan_h)
    cells.keep(~die)
    myo = cells.state == MYOFIBROBLAST
    st.myofibroblast_density[:] = g.site_counts(cells.site[myo])
    st.fibroblast_density[:] = g.site_counts(cells.site)
    synthesis = st.myofibroblast_density + FIBROBLAST_COLLAGEN_SHARE * (st.fibroblast_density - st.myofibroblast_density)
    st.tgfb += s.tgfb * st.myofibroblast_density * dt
    laid = s.crawl @ synthesis @ s.crawl.T
    st.procollagen += s.collagen * laid * saturation(st.oxygen, OXYGEN_HALF) * dt
    matured = st.procollagen * (1.0 - np.exp(-dt / s.maturation_h))
    st.procollagen -= matured
    st.collagen += matured
    st.contraction_um_h = s.contraction * float(np.count_nonzero(myo)) / g.n_wound


def diffusion(s: Settings) -> dict[str, tuple[float, float]]:
    return {"tgfb": (TGFB_DIFFUSION_UM2_H, s.tgfb_decay)}


def report(st, s: Settings) -> dict[str, float]:  # type: ignore[no-untyped-def]
    w = st.grid.wound
    cells = st.fibroblasts
    return {"n_fibroblasts": float(len(cells)), "n_myofibroblasts": float(cells.count(MYOFIBROBLAST)),
            "mean_tgfb_wound": float(st.tgfb[w].mean()), "mean_collagen_wound": float(st.collagen[w].mean())}


MODULE = Module(
    "fibroblasts and collagen", PARAMETERS, settings,
    reads=("tgfb", "covered", "barrier", "oxygen"),
    writes=("fibroblasts", "myofibroblast_density", "fibroblast_density", "tgfb", "procollagen", "collagen",
            "contraction_um_h"),
    step=step, diffusion=diffusion,
    columns=("n_fibroblasts", "n_myofibroblasts", "mean_tgfb_wound", "mean_collagen_wound"), report=report,
)

