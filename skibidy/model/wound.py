"""Wound event: the punch wound that zeroes the tissue fields in a disc."""

from __future__ import annotations

from skibidy.parameter import param

PARAMETERS = (
    param("skin.wound.enabled", "bool", "-", "create a wound (master switch of every wound module)"),
    param("skin.wound.center_x", "float", "um", "x of the punch centre", -1e6, 1e6),
    param("skin.wound.center_y", "float", "um", "y of the punch centre", -1e6, 1e6),
    param("skin.wound.radius", "float", "um", "punch radius", positive=True),
    param("skin.wound.trigger_h", "float", "h", "time of wounding"),
    param("skin.wound.inward_bias", "float", "-",
          "pull of keratinocyte divisions toward the wound centre (adds lateral spreading)", 0.0, 1.0),
)
