"""``fairlens inspect``: the proposed mapping of a file and why each column is left out of the
features (identifiers, dates, copies of the label or the score ...)."""

from __future__ import annotations

import argparse
import textwrap
from typing import Any

from fairlens.cli._common import EXIT_OK, add_options, write_result
from fairlens.cli._mapping import (
    NO_LABEL,
    NO_PREDICTION,
    NO_SENSITIVE,
    TOO_MANY_PREDICTIONS,
    apply_mapping,
    check_mapping,
    load_input,
)
from fairlens.data import Screening, guess_roles, screen_columns

#: Width of the "why" column of the table; longer reasons wrap.
WHY_WIDTH = 80


def add_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``inspect`` to the subparsers of the ``fairlens`` command."""
    p = subparsers.add_parser(
        "inspect", help="propose a mapping: each column's role, and why a column is left out",
        description="Screen every column of a file: propose the label, score, sensitive, "
                    "feature and time columns, and say why each other column is left out "
                    "(identifier, free text, empty, constant, mostly missing, date, label "
                    "leak, score copy).")
    add_options(p, "data", "sample", "label", "score", "pred", "proba_prefix", "metric",
                "sensitive", "weight", "threshold", "score_kind", "positive_label", "favorable",
                "time", exclusive=(
                    "score", "pred", "proba_prefix", "metric"))
    add_options(p, "seed", "output")
    p.set_defaults(handler=run_command, prog="fairlens inspect")
    return p


def run_inspect(args: argparse.Namespace) -> Screening:
    """The screening of the data that parsed ``fairlens inspect`` arguments name."""
    frame, spec = load_input(args, "inspect", infer=False)
    if not getattr(args, "sample", None):
        spec = guess_roles(frame)
    spec = apply_mapping(args, spec)
    check_mapping(spec, frame, ignore=[NO_LABEL, NO_PREDICTION, NO_SENSITIVE,
                                       TOO_MANY_PREDICTIONS])
    return screen_columns(frame, spec, seed=args.seed or 0)


def table_lines(screening: Screening) -> list[str]:
    """Every column with its type, role and, when left out, why: an aligned table (a long
    reason wraps onto indented lines)."""
    rows = [("column", "type", "role", "why")]
    rows += [(c.name, c.dtype, c.role, (c.text or "").removeprefix("Left out: "))
             for c in screening.columns]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    indent = sum(widths) + 6
    lines = []
    for name, dtype, role, why in rows:
        parts = textwrap.wrap(why, max(WHY_WIDTH, 40)) or [""]
        head = f"{name:<{widths[0]}}  {dtype:<{widths[1]}}  {role:<{widths[2]}}  {parts[0]}"
        lines += [head.rstrip(), *(" " * indent + p for p in parts[1:])]
    return lines


def summary(screening: Screening) -> str:
    """The proposed mapping, the column table and what could not be checked."""
    excluded = len(screening.excluded)
    notes = ["", *screening.warnings] if screening.warnings else []
    return "\n".join([*screening.mapping_lines(), "",
                      f"Columns ({len(screening.columns)}; {excluded} left out of the features):",
                      *table_lines(screening), *notes])


def run_command(args: argparse.Namespace) -> int:
    """Run ``fairlens inspect``: print the screening and write its JSON; returns 0."""
    screening = run_inspect(args)
    write_result(screening.to_dict(), args.json, args.quiet, lambda: summary(screening))
    return EXIT_OK
