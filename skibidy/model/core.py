"""Run-level settings: duration, time step, lattice and metrics cadence."""

from __future__ import annotations

from skibidy.parameter import param

PARAMETERS = (
    param("skin.duration_days", "float", "d", "length of the run", positive=True),
    param("skin.metrics_interval_h", "float", "h", "time between metrics rows (first row at t = 0)",
          positive=True),
    param("skin.time_step_h", "float", "h",
          "internal integration step; per-0.1-h-step rates are converted to it", 0.1, 2.0),
    param("skin.grid_resolution", "int", "voxels/axis",
          "lateral lattice cells per axis across the tissue (top-down skin-surface lattice)", 16, 200),
    param("skin.tissue_min", "float", "um", "lower x, y edge of the simulated tissue", -1e6, 1e6),
    param("skin.tissue_max", "float", "um", "upper x, y edge of the simulated tissue", -1e6, 1e6),
)
