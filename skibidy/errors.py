"""Exception types shared by the simulator and the batch system.

Every error a user can fix by changing their input derives from
:class:`SkibidyError`; the command line turns those into a short message and
exit code 2, without a traceback.
"""

from __future__ import annotations

__all__ = ["SkibidyError", "ConfigError"]


class SkibidyError(Exception):
    """Base class for errors caused by user input (bad config, bad option)."""


class ConfigError(SkibidyError, ValueError):
    """A configuration is invalid: unknown key, wrong type or out-of-range value."""
