"""``fairlens slices``: where the model fails, as significant error slices described in words."""

from __future__ import annotations

import argparse
import json
from typing import Any

from fairlens.cli._common import add_options, audit_options, finish
from fairlens.cli._mapping import NO_SENSITIVE, mapped_input
from fairlens.data import FairLensInputError

ERRORS = ["misclassification", "false_positive", "false_negative", "log_loss"]


def add_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``slices`` to the subparsers of the ``fairlens`` command."""
    p = subparsers.add_parser("slices", help="where the model fails: significant error slices")
    add_options(p, "data", "sample", "label", "score", "pred", "features", "sensitive",
                "threshold", exclusive=("score", "pred"), aliases=["--feature"])
    p.add_argument("--error", default="misclassification", choices=ERRORS)
    p.add_argument("--depth", type=int, default=3, help="most conditions per slice")
    p.add_argument("--min-support", type=int, default=None, help="fewest rows per slice")
    p.add_argument("--top-k", type=int, default=10)
    add_options(p, "seed", "output")
    p.set_defaults(handler=run_command, prog="fairlens slices")
    return p


def run_command(args: argparse.Namespace) -> int:
    """Run ``fairlens slices`` and print/write its result; returns the exit code."""
    from fairlens.slices import find_slices_spec

    options = audit_options(args)
    frame, spec = mapped_input(args, "slices", infer=False, features_exclude_roles=False,
                               ignore=[NO_SENSITIVE], one_prediction=True)
    if not spec.features:
        raise FairLensInputError("Name the features to slice on: --features COL[,COL...].")
    result = find_slices_spec(frame, spec, options=options, error=args.error,
                              max_depth=args.depth, min_support=args.min_support,
                              top_k=args.top_k)
    return finish(result, args, doc=json.loads(result.to_json()))
