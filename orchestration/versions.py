"""Check that a client and the cluster it connects to run the same software.

A sweep is only reproducible when every worker runs the same simulator on the
same numerical stack, and Dask itself only promises to work when the client,
the scheduler and the workers have the same Python, dask and distributed.
:func:`check_versions` asks the cluster for its versions once, at connect time,
and turns every difference into one message that names the packages, who has
which version, and the fix.

Differences in ``skibidy`` or in Python's minor version are errors: the first
would record results under the wrong model version, the second breaks the
pickling of tasks in ways that surface much later as obscure failures. The
others (dask, distributed, cloudpickle, numpy, pandas) are a warning, as in
Dask itself, whose own version table this check replaces on the command line.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from skibidy.errors import SkibidyError

if TYPE_CHECKING:  # pragma: no cover
    from distributed import Client

__all__ = [
    "CHECKED_PACKAGES",
    "FATAL_PACKAGES",
    "ClusterVersionError",
    "ClusterVersionWarning",
    "Mismatch",
    "check_versions",
    "find_mismatches",
    "mismatch_message",
]

#: Packages compared between the client, the scheduler and every worker: the simulator and
#: its numerical stack, Dask, and what moves tasks and results between them.
CHECKED_PACKAGES: tuple[str, ...] = (
    "python", "dask", "distributed", "cloudpickle", "numpy", "pandas", "skibidy",
)
#: Packages whose mismatch stops the sweep instead of warning.
FATAL_PACKAGES: frozenset[str] = frozenset({"python", "skibidy"})
#: Packages the scheduler never imports, so its version of them does not matter.
_CLIENT_AND_WORKERS_ONLY = frozenset({"numpy", "pandas", "skibidy"})


class ClusterVersionError(SkibidyError):
    """The cluster runs a different skibidy or Python than this client."""


class ClusterVersionWarning(UserWarning):
    """The cluster runs other versions of Dask or of the numerical stack than this client."""


@dataclass(frozen=True)
class Mismatch:
    """One package whose version differs across the cluster.

    Attributes
    ----------
    package
        The package name (``"python"`` for the interpreter).
    versions
        Version -> the places that have it (``"client"``, ``"scheduler"`` or a
        worker address); ``None`` stands for "not installed".
    """

    package: str
    versions: Mapping[str | None, tuple[str, ...]] = field(default_factory=dict)

    def describe(self) -> str:
        """One line, e.g. ``numpy: 2.4.6 on client; 2.3.1 on 2 workers``."""
        parts = []
        for version, where in self.versions.items():
            shown = version if version is not None else "not installed"
            parts.append(f"{shown} on {_places(where)}")
        return f"{self.package}: {'; '.join(parts)}"


def _places(where: Sequence[str]) -> str:
    named = [w for w in where if w in ("client", "scheduler")]
    workers = [w for w in where if w not in ("client", "scheduler")]
    if len(workers) == 1:
        named.append(f"worker {workers[0]}")
    elif workers:
        named.append(f"{len(workers)} workers")
    return ", ".join(named)


def _version_of(package: str, report: Any) -> str | None:
    if not isinstance(report, Mapping):
        return None
    packages = report.get("packages", {})
    value = packages.get(package)
    if package == "python" and value:  # compare major.minor: patch releases pickle alike
        value = ".".join(str(value).split(".")[:2])
    return None if value is None else str(value)


def find_mismatches(
    versions: Mapping[str, Any], packages: Sequence[str] = CHECKED_PACKAGES
) -> list[Mismatch]:
    """Compare the versions reported by :meth:`distributed.Client.get_versions`.

    Parameters
    ----------
    versions
        The mapping with keys ``"client"``, ``"scheduler"`` and ``"workers"``
        (worker address -> report).
    packages
        The packages to compare. The scheduler is only compared for those it
        imports itself (Python, dask, distributed, cloudpickle).

    Returns
    -------
    list of Mismatch
        One entry per package whose version is not the same everywhere, in
        the order of ``packages``.
    """
    places: dict[str, Any] = {
        "client": versions.get("client"),
        "scheduler": versions.get("scheduler"),
        **dict(versions.get("workers") or {}),
    }
    found = []
    for package in packages:
        by_version: dict[str | None, list[str]] = {}
        for where, report in places.items():
            if where == "scheduler" and package in _CLIENT_AND_WORKERS_ONLY:
                continue
            by_version.setdefault(_version_of(package, report), []).append(where)
        if len(by_version) > 1:
            found.append(Mismatch(package, {v: tuple(w) for v, w in by_version.items()}))
    return found


def mismatch_message(mismatches: Sequence[Mismatch]) -> str:
    """The single message shown for ``mismatches`` (empty when there are none)."""
    if not mismatches:
        return ""
    names = ", ".join(m.package for m in mismatches)
    lines = "\n".join(f"  {m.describe()}" for m in mismatches)
    return (
        f"the client and the Dask cluster run different versions of {names}:\n{lines}\n"
        "Install the same versions everywhere: rebuild the cluster's image from this checkout "
        "('docker compose build', then restart it), or run the sweep from inside the cluster "
        "('docker compose exec notebook skibidy sweep ...'), or on an HPC system activate the "
        "same environment in the job script as in the client."
    )


def check_versions(
    client: "Client",
    *,
    packages: Sequence[str] = CHECKED_PACKAGES,
    strict: bool = False,
    warn: Callable[[str], None] | None = None,
) -> list[Mismatch]:
    """Compare this client's versions with the scheduler's and every worker's.

    Parameters
    ----------
    client
        A connected client. Only workers connected at call time are compared
        (Dask's scheduler itself warns about workers that join later).
    packages
        The packages to compare.
    strict
        Raise for every mismatch, not only for ``skibidy`` and Python.
    warn
        Called with the message of a non-fatal mismatch instead of issuing a
        :class:`ClusterVersionWarning` (the command line prints it).

    Returns
    -------
    list of Mismatch
        The mismatches found (after warning about them).

    Raises
    ------
    ClusterVersionError
        ``skibidy`` or the Python minor version differs, or any checked
        package differs and ``strict`` is true.

    Warns
    -----
    ClusterVersionWarning
        Other packages differ (unless ``warn`` is given).
    """
    extra = [p for p in packages if p != "python"]
    mismatches = find_mismatches(client.get_versions(packages=extra), packages)
    if mismatches:
        message = mismatch_message(mismatches)
        if strict or any(m.package in FATAL_PACKAGES for m in mismatches):
            raise ClusterVersionError(message)
        if warn is not None:
            warn(f"warning: {message}")
        else:
            warnings.warn(message, ClusterVersionWarning, stacklevel=2)
    return mismatches
