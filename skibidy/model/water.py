"""Water: serum recovery against evaporation through an open barrier."""

from __future__ import annotations

import math

import numpy as np

from skibidy.model.state import clip
from skibidy.parameter import param

PARAMETERS = (
    param("skin.water_diffusion", "float", "um^2/h", "water diffusion"),
    param("skin.water_decay", "float", "1/h", "water decay"),
    param("skin.water_basal_conc", "float", "-", "dermal water per unit perfusion"),
    param("skin.water_decay_length", "float", "um", "length of the epidermal water profile exp(-z/L)",
          positive=True),
    param("skin.water_recovery_rate", "float", "1/step", "maximal serum water gain per step"),
    param("skin.water_surface_loss_rate", "float", "1/step", "evaporation through a missing barrier"),
    param("skin.water_migration_threshold", "float", "-", "water gate min(1, W/threshold) on migration",
          positive=True),
    param("skin.water_prolif_threshold", "float", "-", "water gate min(1, W/threshold) on G1->S",
          positive=True),
)


def prepare(cfg, s) -> None:  # type: ignore[no-untyped-def]
    s.water_basal = cfg["skin.water_basal_conc"]
    s.water_target_epi = math.exp(-2.5 / cfg["skin.water_decay_length"])
    s.water_recovery = cfg["skin.water_recovery_rate"]
    s.water_loss = cfg["skin.water_surface_loss_rate"]
    s.water_mig_thr = cfg["skin.water_migration_threshold"]
    s.water_prolif_thr = cfg["skin.water_prolif_threshold"]


def update(st, s, rng) -> None:  # type: ignore[no-untyped-def]
    """Serum recovery against evaporation through the missing barrier, step by 0.1-h step."""
    from skibidy.model.state import DER, EPI, PERF, WATER

    der = st.f[WATER][DER]
    target_d = s.water_basal * st.f[PERF][DER]
    if not st.wounded:
        der[...] = target_d
        return
    bx, w = st.grid.box, st.grid.wbox
    wd = der[bx][w]
    der[...] = target_d
    td = target_d[bx][w]
    epi = st.f[WATER][EPI][bx]
    we = epi[w]
    loss = s.water_loss * (1.0 - st.barrier[bx][w])
    k, rec, tgt = s.substeps, s.water_recovery, s.water_target_epi
    # k reference steps in closed form: the dermis gains min(gap, rec) per step; the epidermis
    # first loses min(W, loss), then gains min(target - W, rec) (MODEL.md 3.4)
    der[bx][w] = wd + clip(td - wd, 0.0, k * rec)
    after_loss = np.maximum(we - loss, 0.0)
    first = np.minimum(after_loss + rec, np.maximum(after_loss, tgt))
    rising = np.minimum(first + (k - 1) * (rec - loss), np.maximum(first, tgt))
    falling = np.maximum(we - k * (loss - rec), min(rec, tgt))
    epi[w] = np.where(rec > loss, rising, falling)
