"""The simulation loop: ``simulate(config, seed) -> metrics DataFrame``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from skibidy.config import Config
from skibidy.errors import SkibidyError
from skibidy.metrics import METRIC_COLUMNS

__all__ = ["simulate"]


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
        Columns :data:`skibidy.METRIC_COLUMNS`, one row per ``skin.metrics_interval_h``.
    """
    if not isinstance(config, Config):
        raise SkibidyError("simulate() needs a Config from skibidy.load_config()")
    interval = config["skin.metrics_interval_h"]
    duration_h = config.duration_days * 24.0
    n_rows = max(1, int(np.ceil(duration_h / interval - 1e-9)))
    t = np.arange(n_rows) * interval
    frame = pd.DataFrame(0.0, index=pd.RangeIndex(n_rows), columns=list(METRIC_COLUMNS))
    frame["step"] = np.rint(t * 10).astype(np.int64)
    frame["time_h"] = t
    frame["time_days"] = t / 24.0
    return frame
