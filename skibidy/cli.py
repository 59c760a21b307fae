"""The ``skibidy`` console command.

The simulator's own subcommands (``run``, ``params``, ``validate``) live in
:mod:`skibidy.commands`. Other installed packages add subcommands through the
``skibidy.commands`` entry-point group (the batch system registers ``batch``,
``sweep`` and ``analyze`` that way), so the simulator never imports them.

Exit codes: 0 success, 1 some runs failed, 2 bad input, 130 interrupted, 141 the reader of
the output went away (``skibidy params | head``), as for any command killed by SIGPIPE.
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib.metadata import entry_points
from typing import Callable, Sequence

from skibidy.errors import SkibidyError

__all__ = ["main", "build_parser"]

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141

Register = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors raise instead of exiting.

    This keeps one exit path (code 2, one-line message) for every kind of bad
    input, whether argparse or our own validation finds it.
    """

    def error(self, message: str) -> None:  # type: ignore[override]
        raise SkibidyError(f"{self.prog}: {message} (see '{self.prog} --help')")


def _plugin_registrations() -> list[Register]:
    found = []
    for ep in sorted(entry_points(group="skibidy.commands"), key=lambda e: e.name):
        found.append(ep.load())
    return found


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every available subcommand."""
    from skibidy import commands

    parser = _Parser(
        prog="skibidy",
        description=(
            "Skibidy: a seeded skin wound-healing simulator, with multi-seed "
            "consensus runs and parameter sweeps on Dask."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for register in (*commands.REGISTRATIONS, *_plugin_registrations()):
        register(sub)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("skibidy")
    except PackageNotFoundError:  # running from a source tree
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code."""
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if getattr(args, "func", None) is None:
            parser.print_help()
            return EXIT_BAD_INPUT
        return int(args.func(args) or EXIT_OK)
    except SkibidyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_BROKEN_PIPE


def _discard_stdout() -> None:
    """Point stdout at /dev/null once its reader has gone (``| head``), so that the final
    flush at exit does not raise a second BrokenPipeError."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    finally:
        os.close(devnull)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
