"""Skibidy: a fast, seeded hybrid agent-continuum model of skin wound healing."""

from skibidy.errors import ConfigError, SkibidyError

__all__ = ["ConfigError", "SkibidyError"]
