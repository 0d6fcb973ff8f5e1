"""Command line: ``fairlens COMMAND``, one module a command (the :data:`COMMANDS`).

One module per command; each adds its parser and sets ``handler`` with argparse's
``set_defaults``. The options that play the same role in several commands are defined once in
:mod:`fairlens.cli._common`. Invalid input prints one line on stderr and exits with code 2; no
traceback.
"""

from __future__ import annotations

import argparse
import sys

from fairlens.cli import audit, drift, explain, inspect, labels, remedy, report, serve, slices
from fairlens.cli._common import (
    EXIT_GATE_FAILED,
    EXIT_INTERNAL,
    EXIT_INVALID,
    EXIT_OK,
    guarded,
    parse_value,
    write_result,
)

#: The commands, in the order ``fairlens --help`` lists them.
COMMANDS = (audit, inspect, labels, report, remedy, explain, slices, drift, serve)


def build_parser() -> argparse.ArgumentParser:
    """The ``fairlens`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="fairlens", description="Fairness and error analysis for model prediction files.")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_command(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``fairlens`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.argv = argv
    return guarded(args.prog, lambda: args.handler(args))


__all__ = [
    "EXIT_GATE_FAILED",
    "EXIT_INTERNAL",
    "EXIT_INVALID",
    "EXIT_OK",
    "build_parser",
    "guarded",
    "main",
    "parse_value",
    "write_result",
]
