"""A worker preload that reports another skibidy version (for the version-mismatch tests).

``dask worker --preload tests/cluster/impostor_versions.py`` makes the worker
answer version queries with skibidy ``99.0.0``, exactly as a worker built from
another release would, while it runs the same code.
"""

from __future__ import annotations

from typing import Iterable

import distributed.versions as _versions

IMPOSTOR_VERSION = "99.0.0"
# The nanny and its worker process may both import this file: wrap the original only once.
_real = getattr(_versions, "_unpatched_get_package_info", _versions.get_package_info)
_versions._unpatched_get_package_info = _real  # type: ignore[attr-defined]


def _impostor(packages: Iterable[str]) -> dict[str, str | None]:
    info = _real(packages)
    if "skibidy" in info:
        info["skibidy"] = IMPOSTOR_VERSION
    return info


_versions.get_package_info = _impostor
