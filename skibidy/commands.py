"""The simulator's subcommands: ``run``, ``params`` and ``validate``.

Each ``register_*`` function adds one subparser and binds its handler.
"""

from __future__ import annotations

import argparse

__all__ = ["REGISTRATIONS"]


def register_run(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("run", help="run one simulation and write DIR/metrics.csv")
    p.set_defaults(func=None)


def register_params(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("params", help="list every parameter with its value, unit and meaning")
    p.set_defaults(func=None)


def register_validate(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("validate", help="compare a metrics table with literature curves")
    p.set_defaults(func=None)


REGISTRATIONS = (register_run, register_params, register_validate)
