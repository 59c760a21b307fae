"""Model modules: one file per biological process, each following :class:`~skibidy.model.module.Module`.

:data:`MODULES` is the one ordered list the engine derives everything from: the order in
which processes update within a step (and take part in the wound event), the registry of
configuration keys, the diffusing signals and the metric columns.
"""

from __future__ import annotations

from skibidy.model import (
    core,
    diabetic,
    fibroblast,
    hemostasis,
    immune,
    inflammation,
    keratinocyte,
    matrix,
    moisture,
    perfusion,
    ph,
    scar,
    wound,
)
from skibidy.model.module import Module

__all__ = ["MODULES", "Module"]

MODULES: tuple[Module, ...] = (
    core.MODULE,
    diabetic.MODULE,
    wound.MODULE,
    hemostasis.MODULE,
    perfusion.MODULE,
    moisture.MODULE,
    ph.MODULE,
    inflammation.MODULE,
    immune.MODULE,
    fibroblast.MODULE,
    matrix.MODULE,
    keratinocyte.MODULE,
    scar.MODULE,
)
