"""The one "did you mean" helper of every error message that names valid choices.

Both packages use it (``orchestration`` imports ``skibidy``, never the reverse), so a
misspelt key, parameter path, skin, measure or model gets the same kind of hint.
"""

from __future__ import annotations

import difflib
from typing import Iterable

__all__ = ["close_matches", "did_you_mean", "did_you_mean_of"]


def close_matches(word: str, choices: Iterable[str], n: int = 3, cutoff: float = 0.5) -> list[str]:
    """The choices closest to ``word`` (at most ``n``, best first)."""
    return difflib.get_close_matches(str(word), [str(c) for c in choices], n=n, cutoff=cutoff)


def did_you_mean(
    word: str, choices: Iterable[str], n: int = 3, cutoff: float = 0.5, *, quote: bool = True,
    sep: str = ", ",
) -> str:
    """``"; did you mean 'a', 'b'?"`` for the closest choices, or ``""`` if none is close.

    Examples
    --------
    >>> did_you_mean("lhx", ["grid", "lhs", "sobol"])
    "; did you mean 'lhs'?"
    >>> did_you_mean("zzz", ["grid", "lhs"])
    ''
    """
    return did_you_mean_of(close_matches(word, choices, n=n, cutoff=cutoff), quote=quote, sep=sep)


def did_you_mean_of(near: Iterable[str], *, quote: bool = True, sep: str = ", ") -> str:
    """The hint for candidates already chosen (``""`` if there are none)."""
    near = list(near)
    if not near:
        return ""
    shown = sep.join(repr(x) if quote else x for x in near)
    return f"; did you mean {shown}?"
