"""The trust boundary of a sweep config: what a config file alone may choose.

A sweep config is data that people send each other. Two ``[cluster]`` choices are not
data, though: whoever runs the Dask scheduler a client connects to can make that client
execute code (results come back as pickles), and a SLURM job script runs whatever its
``python`` and ``job_extra`` lines say. So a config file alone never chooses

* the scheduler this client connects to (``[cluster] scheduler``),
* the interpreter or extra directives of SLURM job scripts (``python``, ``job_extra``),
* an unencrypted SLURM cluster (``tls = false``: anyone who reaches its scheduler,
  which runs in this process, could run code here),

unless the user opts in on the command line (``--trust-config-cluster``), in the Python
API (``trust_config_cluster=True``) or in their own Dask configuration (the key
``skibidy.trust-config-cluster: true``, or ``DASK_SKIBIDY__TRUST_CONFIG_CLUSTER=true``).
``--scheduler`` and ``DASK_SCHEDULER_ADDRESS`` are the user's own choices and need no
opt-in. Everything else in ``[cluster]`` (local workers, timeouts, SLURM sizes, queue)
is validated data (:mod:`orchestration.hpc`).
"""

from __future__ import annotations

from typing import Any, Mapping

from skibidy.errors import SkibidyError

__all__ = ["TRUST_OPTION", "DASK_KEY", "UntrustedConfig", "needs_trust", "opted_in", "check_trust"]

TRUST_OPTION = "--trust-config-cluster"
DASK_KEY = "skibidy.trust-config-cluster"


class UntrustedConfig(SkibidyError):
    """A config chooses where code runs, and the user has not opted in."""


def needs_trust(table: Mapping[str, Any]) -> list[str]:
    """The ``[cluster]`` settings of ``table`` that a config alone may not choose."""
    keys = []
    if table.get("scheduler"):
        keys.append(f"scheduler = {str(table['scheduler'])!r}")
    if table.get("kind") == "slurm":
        if table.get("python"):
            keys.append(f"python = {str(table['python'])!r}")
        if table.get("job_extra"):
            keys.append("job_extra")
        if table.get("tls") is False:
            keys.append("tls = false")
    return keys


def opted_in(option: bool = False) -> bool:
    """True if the user trusts the config's ``[cluster]``: the option, or their Dask config."""
    if option:
        return True
    import dask

    value = dask.config.get(DASK_KEY, False)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def check_trust(table: Mapping[str, Any], option: bool = False) -> None:
    """Raise :class:`UntrustedConfig` if ``table`` needs an opt-in the user has not given."""
    keys = needs_trust(table)
    if keys and not opted_in(option):
        raise UntrustedConfig(
            f"the config's [cluster] {', '.join(keys)} would decide where code runs (a Dask "
            "scheduler can run code in your process; a job script runs what it says), which a "
            "config file alone may not: give --scheduler ADDR yourself, or add "
            f"{TRUST_OPTION} if you trust this config"
        )
