"""The metrics table: one row per ``skin.metrics_interval_h``, from t = 0 to the end of the run.

The columns are the time columns, then every column the model modules report (in
:data:`skibidy.model.MODULES` order), then the columns of processes this model does
not simulate (tumour, biofilm, elastin, hyaluronan, split anti-inflammatory signal,
dermal layers), which stay 0 so that tables keep one schema.
"""

from __future__ import annotations

from skibidy.model import MODULES

__all__ = ["METRIC_COLUMNS", "TIME_COLUMNS", "NOT_MODELLED", "time_to_level"]

TIME_COLUMNS: tuple[str, ...] = ("step", "time_h", "time_days")

NOT_MODELLED: tuple[str, ...] = (
    "mean_anti_infl_wound",
    "n_tumor_cells",
    "n_tumor_cycling",
    "tumor_field_cells",
    "mean_biofilm_wound",
    "mean_elastin_wound",
    "mean_hyaluronan_wound",
    "mean_dermis_papillary",
    "mean_dermis_reticular",
    "mean_dermis_hypodermis",
)

METRIC_COLUMNS: tuple[str, ...] = (
    TIME_COLUMNS + tuple(column for module in MODULES for column in module.columns) + NOT_MODELLED
)


def time_to_level(values: "np.ndarray", times: "np.ndarray", level: float) -> "np.ndarray":
    """First time each curve reaches ``level``, interpolated linearly between rows.

    The one definition of ``time_to_N`` used by validation (T50, T90) and by the batch
    system's outcome measures. Works along the last axis of ``values``; NaN where a
    curve never reaches the level; a curve already at the level in its first row gives
    the first time; a NaN row just before the crossing gives the crossing row's time.

    Examples
    --------
    >>> import numpy as np
    >>> time_to_level(np.array([[0.0, 40.0, 60.0], [0.0, 10.0, 20.0]]), np.array([0.0, 10.0, 20.0]), 50.0)
    array([15., nan])
    """
    import numpy as np

    values = np.asarray(values, dtype=np.float64)
    times = np.asarray(times, dtype=np.float64)
    hit = values >= level  # NaN compares False
    k = np.argmax(hit, axis=-1)
    before = np.maximum(k - 1, 0)
    v1 = np.take_along_axis(values, k[..., None], axis=-1)[..., 0]
    v0 = np.take_along_axis(values, before[..., None], axis=-1)[..., 0]
    t1, t0 = times[k], times[before]
    step = v1 - v0
    usable = (k > 0) & np.isfinite(v0) & (step > 0)
    frac = np.divide(level - v0, step, out=np.ones_like(step), where=usable)
    out = np.where(usable, t0 + frac * (t1 - t0), t1)
    return np.where(hit.any(axis=-1), out, np.nan)
