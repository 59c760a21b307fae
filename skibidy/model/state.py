"""Simulation state: the lattice, the stacked fields and the agent arrays.

The tissue is a top-down square lattice of the skin surface (``skin.grid_resolution``
cells per axis over ``[tissue_min, tissue_max]``) with two 5-um layers: layer 0 is the
basal epidermis (z 0..5, where keratinocytes divide and immune cells sit) and layer 1
the upper dermis (z -5..0, where fibroblasts and vessels are). This is the pair of
reference voxel layers around z = 0, refined laterally so the wound spans hundreds of
surface voxels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Mapping

import numpy as np

__all__ = ["REF_STEP_H", "LAYER_UM", "Grid", "State", "Agents", "FIELDS"]

REF_STEP_H = 0.1  # the reference model's step: every "/step" parameter is per 0.1 h
LAYER_UM = 5.0  # thickness of each layer and distance between layer centres (um)
FINE_REACH_UM = 2.82  # a cell writes/reads fine fields over an area equal to a 5x5 um voxel
COARSE_REACH_UM = 5.64  # ... and structural fields over a 10x10 um voxel

# diffusing fields, stacked as state.f[FIELD, layer, iy, ix]
FIELDS = ("infl", "ip", "anti", "tgfb", "mmp", "vegf", "o2", "water", "perf", "dermis")
I, IP, ANTI, TGFB, MMP, VEGF, O2, WATER, PERF, DERMIS = range(len(FIELDS))
EPI, DER = 0, 1


@lru_cache(maxsize=32)
def _neumann_basis(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvectors and eigenvalues (per dx^2) of the 1-D zero-flux Laplacian."""
    k = np.arange(n)
    x = np.arange(n) + 0.5
    basis = np.cos(np.pi * np.outer(x, k) / n)
    basis /= np.linalg.norm(basis, axis=0)
    eig = -4.0 * np.sin(np.pi * k / (2 * n)) ** 2
    return basis, eig


@lru_cache(maxsize=256)
def diffusion_matrix(n: int, d_dt_over_dx2: float) -> np.ndarray:
    """Exact 1-D zero-flux diffusion operator exp(D*t*Laplacian) on ``n`` cells."""
    basis, eig = _neumann_basis(n)
    return (basis * np.exp(d_dt_over_dx2 * eig)) @ basis.T


@lru_cache(maxsize=32)
def _disc_offsets(reach_cells: float) -> tuple[np.ndarray, np.ndarray]:
    r = int(np.floor(reach_cells))
    dy, dx = np.mgrid[-r : r + 1, -r : r + 1]
    keep = dx**2 + dy**2 <= reach_cells**2 + 1e-9
    return dy[keep].astype(np.int64), dx[keep].astype(np.int64)


@dataclass(frozen=True)
class Grid:
    """Lattice geometry and the wound masks."""

    n: int
    lo: float
    dx: float
    xc: np.ndarray  # voxel centres along an axis
    dist: np.ndarray  # distance of each voxel centre to the wound centre (n, n)
    wound: np.ndarray  # bool (n, n): voxel centre inside the punch
    n_wound: int
    centre_index: tuple[int, int]
    box: tuple[slice, slice]  # bounding box of the wound plus a 2-voxel margin
    wbox: np.ndarray  # the wound mask inside the box

    @staticmethod
    def build(p: Mapping[str, Any]) -> "Grid":
        n = int(p["skin.grid_resolution"])
        lo, hi = float(p["skin.tissue_min"]), float(p["skin.tissue_max"])
        dx = (hi - lo) / n
        xc = lo + (np.arange(n) + 0.5) * dx
        cx, cy = p["skin.wound.center_x"], p["skin.wound.center_y"]
        dist = np.hypot(xc[None, :] - cx, xc[:, None] - cy)
        wound = dist <= p["skin.wound.radius"]
        if wound.any():
            ys, xs = np.nonzero(wound)
            box = (slice(max(ys.min() - 2, 0), min(ys.max() + 3, n)), slice(max(xs.min() - 2, 0), min(xs.max() + 3, n)))
        else:
            box = (slice(0, 0), slice(0, 0))
        centre = (int(min(max((cy - lo) // dx, 0), n - 1)), int(min(max((cx - lo) // dx, 0), n - 1)))
        return Grid(n, lo, dx, xc, dist, wound, int(wound.sum()), centre, box, wound[box])

    def cell_index(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Voxel (iy, ix) holding each position."""
        ix = clip(((x - self.lo) // self.dx).astype(np.int64), 0, self.n - 1)
        iy = clip(((y - self.lo) // self.dx).astype(np.int64), 0, self.n - 1)
        return iy, ix

    def footprint(self, x: np.ndarray, y: np.ndarray, reach_um: float, cache: dict | None = None) -> np.ndarray:
        """Flat voxel indices (agents x offsets) of a disc of radius ``reach_um`` around each agent.

        ``cache`` (a dict kept by the caller) reuses the last result while no agent changed voxel.
        """
        iy, ix = self.cell_index(x, y)
        key = iy * self.n + ix
        if cache is not None:
            hit = cache.get(reach_um)
            if hit is not None and hit[0].shape == key.shape and np.array_equal(hit[0], key):
                return hit[1]
        oy, ox = _disc_offsets(max(reach_um / self.dx, 0.5))
        yy = clip(iy[:, None] + oy[None, :], 0, self.n - 1)
        xx = clip(ix[:, None] + ox[None, :], 0, self.n - 1)
        fp = yy * self.n + xx
        if cache is not None:
            cache[reach_um] = (key, fp)
        return fp

    def deposit(self, target: np.ndarray, idx: np.ndarray, amount: np.ndarray) -> None:
        """Add ``amount[a]`` (a concentration) to every voxel of agent ``a``'s footprint."""
        if idx.size == 0:
            return
        add = np.bincount(idx.ravel(), np.repeat(amount, idx.shape[1]), minlength=self.n * self.n)
        target += add.reshape(self.n, self.n)

    @staticmethod
    def read(source: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """Mean of ``source`` over each agent's footprint."""
        if idx.size == 0:
            return np.zeros(0)
        return source.ravel()[idx].mean(axis=1)

    def gradient(self, field: np.ndarray, iy: np.ndarray, ix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Central-difference gradient (per um) of a 2-D field at the given voxels."""
        n = self.n
        gx = (field[iy, np.minimum(ix + 1, n - 1)] - field[iy, np.maximum(ix - 1, 0)]) / (2 * self.dx)
        gy = (field[np.minimum(iy + 1, n - 1), ix] - field[np.maximum(iy - 1, 0), ix]) / (2 * self.dx)
        return gx, gy


@dataclass
class Agents:
    """Struct-of-arrays agent population (one kind of cell)."""

    x: np.ndarray = field(default_factory=lambda: np.zeros(0))
    y: np.ndarray = field(default_factory=lambda: np.zeros(0))
    age: np.ndarray = field(default_factory=lambda: np.zeros(0))  # h
    state: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    state_age: np.ndarray = field(default_factory=lambda: np.zeros(0))  # h
    cache: dict = field(default_factory=dict)  # footprint cache (see Grid.footprint)

    def __len__(self) -> int:
        return int(self.x.size)

    def add(self, x: np.ndarray, y: np.ndarray, state: int = 0) -> None:
        k = x.size
        self.x = np.concatenate([self.x, x])
        self.y = np.concatenate([self.y, y])
        self.age = np.concatenate([self.age, np.zeros(k)])
        self.state = np.concatenate([self.state, np.full(k, state, dtype=np.int8)])
        self.state_age = np.concatenate([self.state_age, np.zeros(k)])

    def keep(self, mask: np.ndarray) -> None:
        if mask.all():
            return
        self.x, self.y = self.x[mask], self.y[mask]
        self.age, self.state, self.state_age = self.age[mask], self.state[mask], self.state_age[mask]


@dataclass
class State:
    """Everything that changes during a run."""

    grid: Grid
    f: np.ndarray  # diffusing fields (len(FIELDS), 2, n, n)
    # non-diffusing epidermal fields (n, n)
    stratum: np.ndarray
    calcium: np.ndarray
    basal: np.ndarray  # basal keratinocyte density 0..1
    thickness: np.ndarray  # thickness of the suprabasal (stratified) layers (um)
    edge: np.ndarray  # distance the migrating sheet edge has advanced into a voxel (um)
    covered: np.ndarray  # bool: keratinocyte sheet present
    barrier: np.ndarray  # epidermal barrier 0..1: column thickness / volume_z_cornified
    fibrin: np.ndarray
    ph: np.ndarray
    scar_collagen: np.ndarray
    scar_inflammation: np.ndarray
    # non-diffusing per-layer fields (2, n, n)
    fibronectin: np.ndarray
    collagen: np.ndarray  # dermal layer only is used
    procollagen: np.ndarray  # dermal procollagen (n, n), not yet cross-linked
    neutrophils: Agents = field(default_factory=Agents)
    macrophages: Agents = field(default_factory=Agents)
    fibroblasts: Agents = field(default_factory=Agents)
    t: float = 0.0  # h
    procollagen_total: float = 0.0
    closure: float = 0.0  # re-stratified share of the wound epidermis (0..1)
    wounded: bool = False
    neutrophil_waves_done: int = 0
    fibroblast_waves_done: int = 0
    ecm: np.ndarray | None = None


def clip(a, lo, hi):  # type: ignore[no-untyped-def]
    """Fast elementwise clip (``np.clip`` has a large per-call overhead on small arrays)."""
    if lo is not None:
        a = np.maximum(a, lo)
    if hi is not None:
        a = np.minimum(a, hi)
    return a
