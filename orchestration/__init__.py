"""The Skibidy batch system: parameter sweeps and consensus runs on Dask.

>>> import orchestration
>>> sorted(orchestration.__all__)
['Job', 'load_sweep', 'measure', 'open_results', 'run_batch', 'run_sweep', 'sensitivity', 'submit']
"""

from orchestration import accessor as _accessor  # registers the ds.skibidy / da.skibidy accessor
from orchestration.api import run_batch, run_sweep
from orchestration.jobs import Job, submit
from orchestration.outcomes import measure
from orchestration.sensitivity import sensitivity
from orchestration.spec import load_sweep
from orchestration.store import open_results

__all__ = ["Job", "submit", "load_sweep", "run_sweep", "run_batch", "open_results", "measure", "sensitivity"]
