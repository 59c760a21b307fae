"""Subcommands of the batch system, registered into ``skibidy`` by entry point."""

from __future__ import annotations

import argparse


def register_batch(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("batch", help="N seeded runs of one config (consensus)")
    p.set_defaults(func=None)


def register_sweep(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("sweep", help="a parameter sweep from a TOML config")
    p.set_defaults(func=None)


def register_analyze(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("analyze", help="summary, plots and validation of a results directory")
    p.set_defaults(func=None)
