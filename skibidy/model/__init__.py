"""Model modules: one file per biological process.

Each module declares the parameters it reads (``PARAMETERS``) beside the code
that uses them; :data:`MODULES` lists them in the order the engine updates
them (see :mod:`skibidy.engine`).
"""

from __future__ import annotations

from skibidy.model import (
    calcium,
    core,
    dermis,
    derived,
    diabetic,
    fibroblast,
    fibronectin,
    hemostasis,
    immune,
    inflammation,
    keratinocyte,
    mmp,
    oxygen,
    perfusion,
    ph,
    scar,
    water,
    wound,
)

__all__ = ["MODULES"]

MODULES = (
    core,
    wound,
    perfusion,
    oxygen,
    water,
    calcium,
    inflammation,
    immune,
    fibroblast,
    mmp,
    fibronectin,
    hemostasis,
    dermis,
    ph,
    scar,
    keratinocyte,
    derived,
    diabetic,
)
