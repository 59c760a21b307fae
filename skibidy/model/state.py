"""What a run is made of: the lattice, the tissue fields and the cell populations.

The tissue is a top-down square lattice of the wound bed and its surroundings.
Each site is a :data:`SITE_UM` x :data:`SITE_UM` patch of skin (about a hundred
basal keratinocytes across); the wound is a disc of ``skin.wound.radius`` in the
middle, with :data:`MARGIN_UM` of intact skin around it. Signalling molecules
(diffusing fields) live in one stacked array so that they diffuse together;
cells that the biology tracks one by one (neutrophils, macrophages, fibroblasts)
are struct-of-arrays agents that sit on lattice sites.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

__all__ = ["SITE_UM", "MARGIN_UM", "DIFFUSING", "Grid", "Agents", "State", "diffusion_operator"]

SITE_UM = 100.0
"""Edge of one lattice site (um): a patch of about 10 x 10 keratinocytes per layer."""

MARGIN_UM = 1000.0
"""Intact skin kept around the wound on every side (um)."""

KERATINOCYTES_PER_SITE = (SITE_UM / 10.0) ** 2
"""Basal keratinocytes (10 um across) in one lattice site."""

DIFFUSING = ("inflammation", "tgfb", "vegf", "mmp")
"""The diffusing signals, in the order they are stacked in :attr:`State.signals`."""


@dataclass(frozen=True)
class Grid:
    """Lattice geometry: size, the wound disc and its margin.

    Attributes
    ----------
    n : int
        Sites per axis.
    wound : ndarray of bool, shape (n, n)
        Sites whose centre lies inside the wound.
    n_wound : int
        Number of wound sites.
    distance_um : ndarray, shape (n, n)
        Distance of each site centre from the wound centre.
    radius_um : float
        Wound radius.
    """

    n: int
    wound: np.ndarray
    n_wound: int
    distance_um: np.ndarray
    radius_um: float

    @staticmethod
    def sites_per_axis(radius_um: float) -> int:
        """Sites per axis of the lattice around a wound of ``radius_um`` (wound plus margin)."""
        return 2 * int(math.ceil((radius_um + MARGIN_UM) / SITE_UM))

    @staticmethod
    def for_wound(radius_um: float) -> "Grid":
        """The smallest lattice holding a wound of ``radius_um`` and its intact margin."""
        n = Grid.sites_per_axis(radius_um)
        centre = np.arange(n) * SITE_UM + SITE_UM / 2 - n * SITE_UM / 2
        distance = np.hypot(centre[None, :], centre[:, None])
        wound = distance <= radius_um
        return Grid(n, wound, int(wound.sum()), distance, float(radius_um))

    def neighbours(self, mask: np.ndarray) -> np.ndarray:
        """Count of 4-neighbours of every site where ``mask`` is true (zero-flux edges)."""
        m = mask.astype(np.int8)
        count = np.zeros_like(m)
        count[1:, :] += m[:-1, :]
        count[:-1, :] += m[1:, :]
        count[:, 1:] += m[:, :-1]
        count[:, :-1] += m[:, 1:]
        return count

    def draw_sites(self, rng: np.random.Generator, count: int, weight: np.ndarray) -> np.ndarray:
        """``count`` wound sites drawn with probability proportional to ``weight`` (n, n)."""
        if count <= 0:
            return np.zeros(0, dtype=np.int64)
        sites = np.flatnonzero(self.wound)
        cumulative = np.cumsum(weight.ravel()[sites] + 1e-12)
        return sites[np.searchsorted(cumulative, rng.random(count) * cumulative[-1])]

    def site_counts(self, sites: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Number (or summed ``weights``) of agents on each site, as an (n, n) array."""
        flat = np.bincount(sites, weights, minlength=self.n * self.n)
        return flat.reshape(self.n, self.n).astype(float, copy=False)


@dataclass
class Agents:
    """A population of cells as parallel arrays (one entry per cell).

    ``site`` is the flat lattice index, ``age`` and ``state_age`` are hours,
    ``state`` a small integer whose meaning the owning module defines.
    """

    site: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    age: np.ndarray = field(default_factory=lambda: np.zeros(0))
    state: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    state_age: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def __len__(self) -> int:
        return int(self.site.size)

    def add(self, sites: np.ndarray, state: int = 0) -> None:
        """Append new cells of age 0 on ``sites``."""
        k = sites.size
        if k == 0:
            return
        self.site = np.concatenate([self.site, sites.astype(np.int64)])
        self.age = np.concatenate([self.age, np.zeros(k)])
        self.state = np.concatenate([self.state, np.full(k, state, dtype=np.int8)])
        self.state_age = np.concatenate([self.state_age, np.zeros(k)])

    def keep(self, mask: np.ndarray) -> None:
        """Remove the cells where ``mask`` is false."""
        if mask.all():
            return
        self.site, self.age = self.site[mask], self.age[mask]
        self.state, self.state_age = self.state[mask], self.state_age[mask]

    def grow_older(self, hours: float) -> None:
        """Advance every cell's age and time in its current state."""
        self.age += hours
        self.state_age += hours

    def count(self, state: int | None = None) -> int:
        """Number of cells (in ``state`` if given)."""
        return len(self) if state is None else int(np.count_nonzero(self.state == state))


@dataclass
class State:
    """Everything that changes during a run; modules read and write its attributes.

    Each model module declares which attributes it reads and writes
    (:class:`skibidy.model.module.Module`), so the coupling is visible in one place.
    """

    grid: Grid
    t: float = 0.0
    #: diffusing signals stacked as (len(DIFFUSING), n, n); the named attributes below are views
    signals: np.ndarray = field(default=None)  # type: ignore[assignment]
    inflammation: np.ndarray = field(default=None)  # type: ignore[assignment]
    tgfb: np.ndarray = field(default=None)  # type: ignore[assignment]
    vegf: np.ndarray = field(default=None)  # type: ignore[assignment]
    mmp: np.ndarray = field(default=None)  # type: ignore[assignment]
    # tissue (non-diffusing) fields, (n, n)
    perfusion: np.ndarray = field(default=None)  # type: ignore[assignment]
    oxygen: np.ndarray = field(default=None)  # type: ignore[assignment]
    moisture: np.ndarray = field(default=None)  # type: ignore[assignment]
    fibrin: np.ndarray = field(default=None)  # type: ignore[assignment]
    fibronectin: np.ndarray = field(default=None)  # type: ignore[assignment]
    alkalinity: np.ndarray = field(default=None)  # type: ignore[assignment]
    procollagen: np.ndarray = field(default=None)  # type: ignore[assignment]
    collagen: np.ndarray = field(default=None)  # type: ignore[assignment]
    covered: np.ndarray = field(default=None)  # type: ignore[assignment]  # bool: re-epithelialised
    barrier: np.ndarray = field(default=None)  # type: ignore[assignment]  # 0..1 epidermal barrier
    matrix: np.ndarray = field(default=None)  # type: ignore[assignment]  # ECM quality 0..1
    supply: np.ndarray = field(default=None)  # type: ignore[assignment]  # local keratinocyte supply factor
    inflammation_dose: np.ndarray = field(default=None)  # type: ignore[assignment]  # integral of inflammation
    apoptotic: np.ndarray = field(default=None)  # type: ignore[assignment]  # dead neutrophils awaiting clearance
    m2_nearby: np.ndarray = field(default=None)  # type: ignore[assignment]  # M2 macrophages within reach of a site
    myofibroblast_density: np.ndarray = field(default=None)  # type: ignore[assignment]  # per site
    fibroblast_density: np.ndarray = field(default=None)  # type: ignore[assignment]  # all fibroblasts per site
    scar: np.ndarray = field(default=None)  # type: ignore[assignment]
    # cells
    neutrophils: Agents = field(default_factory=Agents)
    macrophages: Agents = field(default_factory=Agents)
    fibroblasts: Agents = field(default_factory=Agents)
    # rates handed from one module to another within a step
    contraction_um_h: float = 0.0  # inward pull of the wound edge by myofibroblasts

    def __post_init__(self) -> None:
        n = self.grid.n
        self.signals = np.zeros((len(DIFFUSING), n, n))
        for k, name in enumerate(DIFFUSING):
            setattr(self, name, self.signals[k])
        ones, zeros = np.ones((n, n)), np.zeros((n, n))
        for name in ("perfusion", "oxygen", "moisture", "barrier", "supply"):
            setattr(self, name, ones.copy())
        for name in ("fibrin", "fibronectin", "alkalinity", "procollagen", "collagen", "matrix",
                     "inflammation_dose", "scar", "apoptotic", "m2_nearby",
                     "myofibroblast_density", "fibroblast_density"):
            setattr(self, name, zeros.copy())
        self.covered = np.ones((n, n), dtype=bool)


def patchy_field(rng: np.random.Generator, n: int, patch_um: float, sigma: float, over: np.ndarray) -> np.ndarray:
    """A log-normal random field of mean 1 over ``over``, correlated over ``patch_um``.

    White noise smoothed by diffusion over the patch size, standardised on the sites of
    ``over``, then ``exp(sigma z - sigma**2 / 2)``. ``sigma = 0`` gives ones (no draw is skipped).
    """
    smooth = diffusion_operator(n, (patch_um / SITE_UM) ** 2 / 2.0)
    z = smooth @ rng.standard_normal((n, n)) @ smooth.T
    z = (z - z[over].mean()) / max(float(z[over].std()), 1e-12)
    return np.exp(sigma * z - sigma**2 / 2.0)


@lru_cache(maxsize=64)
def diffusion_operator(n: int, spread: float) -> np.ndarray:
    """Exact 1-D zero-flux diffusion over ``n`` sites for ``D * t / dx**2 = spread``.

    Applied along both axes (``M @ field @ M.T``) it solves the 2-D diffusion
    equation with no-flux edges exactly over that time, whatever its length.
    """
    k = np.arange(n)
    x = np.arange(n) + 0.5
    basis = np.cos(np.pi * np.outer(x, k) / n)
    basis /= np.linalg.norm(basis, axis=0)
    eigen = -4.0 * np.sin(np.pi * k / (2 * n)) ** 2
    return (basis * np.exp(spread * eigen)) @ basis.T
