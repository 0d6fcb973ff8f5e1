"""``fairlens slices``: where the model fails, as significant error slices described in words."""

from __future__ import annotations

import argparse
import json
from typing import Any

from fairlens.cli._common import add_options, audit_options, finish
from fairlens.cli._mapping import (
    NO_LABEL,
    NO_PREDICTION,
    NO_SENSITIVE,
    apply_mapping,
    check_mapping,
    mapped_input,
)
from fairlens.data import AuditSpec, FairLensInputError

ERRORS = ["misclassification", "false_positive", "false_negative", "log_loss"]


def add_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``slices`` to the subparsers of the ``fairlens`` command."""
    p = subparsers.add_parser("slices", help="where the model fails: significant error slices")
    add_options(p, "data", "sample", "label", "score", "pred", "features", "sensitive",
                "threshold", exclusive=("score", "pred"), aliases=["--feature"])
    p.add_argument("--error", default="misclassification", choices=ERRORS)
    p.add_argument("--errors-column", metavar="COL", default=None,
                   help="a column of per-row errors of your own (0/1 flags or a loss) "
                        "instead of --error")
    p.add_argument("--depth", type=int, default=3, help="most conditions per slice")
    p.add_argument("--min-support", type=int, default=None, help="fewest rows per slice")
    p.add_argument("--top-k", type=int, default=10)
    add_options(p, "seed", "engine", "output")
    p.set_defaults(handler=run_command, prog="fairlens slices")
    return p


def slices_input(args: argparse.Namespace) -> tuple[Any, AuditSpec, str]:
    """The data (a frame, or the path an engine reads), its spec and the engine.

    On the DuckDB and Spark engines the file is never read into memory: the mapping is
    checked against its first rows and the engine counts the rows.
    """
    from fairlens.engine._source import head_frame, resolve_engine

    # an error column of one's own needs neither a label nor a prediction
    ignore = [NO_SENSITIVE, *([NO_LABEL, NO_PREDICTION] if args.errors_column else [])]
    engine = "numpy" if getattr(args, "sample", None) or not args.data else \
        resolve_engine(args.data, getattr(args, "engine", None) or "auto")
    if engine == "numpy":
        frame, spec = mapped_input(args, "slices", infer=False, features_exclude_roles=False,
                                   ignore=ignore, one_prediction=True)
        return frame, spec, engine
    for flag in ("score", "pred"):
        if len(getattr(args, flag, None) or []) > 1:
            raise FairLensInputError(f"Give one --{flag} column, not {len(getattr(args, flag))}.")
    head = head_frame(args.data, engine)
    spec = apply_mapping(args, AuditSpec(), features_exclude_roles=False)
    check_mapping(spec, head, ignore=ignore)
    return args.data, spec, engine


def run_command(args: argparse.Namespace) -> int:
    """Run ``fairlens slices`` and print/write its result; returns the exit code."""
    from fairlens.slices import find_slices_spec

    options = audit_options(args)
    source, spec, engine = slices_input(args)
    if not spec.features:
        raise FairLensInputError("Name the features to slice on: --features COL[,COL...].")
    result = find_slices_spec(source, spec, options=options, error=args.error,
                              errors=args.errors_column, max_depth=args.depth,
                              min_support=args.min_support, top_k=args.top_k, engine=engine)
    return finish(result, args, doc=json.loads(result.to_json()))
