"""The examples in the docstrings run and print what they say (they are documentation too)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import orchestration
import skibidy


def _modules() -> list[str]:
    names = []
    for package in (skibidy, orchestration):
        names.append(package.__name__)
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if not info.name.rsplit(".", 1)[-1].startswith("__"):
                names.append(info.name)
    return names


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed"
