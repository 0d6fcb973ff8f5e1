"""``fairlens drift``: fairness over time, window by window, with change tests and a CI gate."""

from __future__ import annotations

import argparse
from typing import Any

from fairlens.cli._common import (
    DATA_ROLES,
    PREDICTIONS,
    SETTINGS,
    add_options,
    audit_options,
    finish_gated,
    parse_value,
)
from fairlens.cli._mapping import mapped_input
from fairlens.data import FairLensInputError
from fairlens.drift import CUSUM_H, WINDOW_CHOICES, drift_spec
from fairlens.drift._api import DEFAULT_ALPHA


def add_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``drift`` to the subparsers of the ``fairlens`` command."""
    p = subparsers.add_parser(
        "drift", help="fairness over time: every window's audit, changes, a gate on the latest")
    add_options(p, *DATA_ROLES, "time", *SETTINGS, "output", "fail_on", exclusive=PREDICTIONS,
                aliases=["--feature"])
    p.add_argument("--window", default="month", metavar="W",
                   help=f"how to cut the log: {', '.join(WINDOW_CHOICES)} (month)")
    p.add_argument("--baseline", default="1", metavar="N|LABEL",
                   help="the first N windows pooled (1), or the label of one window, e.g. "
                        "'March 2026'")
    p.add_argument("--sequential", action="store_true",
                   help=f"also run a CUSUM monitor on every series (h = {CUSUM_H:g}: about one "
                        "false alarm per 470 windows and series)")
    p.add_argument("--alpha", type=float, default=DEFAULT_ALPHA, metavar="A",
                   help=f"report a change when its BH q-value is below A ({DEFAULT_ALPHA:g})")
    p.set_defaults(handler=run_command, prog="fairlens")
    return p


def run_command(args: argparse.Namespace) -> int:
    """Run ``fairlens drift``; 0, or 1 when a ``--fail-on`` rule holds."""
    from fairlens.report._gate import evaluate_drift_gate, parse_rules

    rules = parse_rules(list(args.fail_on or []))
    frame, spec = mapped_input(args, "drift")
    if spec.time is None and not str(args.window).startswith("rows:"):
        raise FairLensInputError(
            "Name the time column with --time COL (a date, a timestamp or a batch id), or "
            "use --window rows:N to cut the file into windows of N rows.")
    baseline = parse_value(args.baseline)
    result = drift_spec(frame, spec, options=audit_options(args), window=args.window,
                        baseline=baseline if isinstance(baseline, (int, str)) else args.baseline,
                        sequential=args.sequential, alpha=args.alpha)
    doc = result.to_dict()
    return finish_gated(result, args, doc, evaluate_drift_gate(doc, rules) if rules else None)
