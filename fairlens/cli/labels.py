"""``fairlens labels``: label errors, per-group rates and label-aware fairness from the shell."""

from __future__ import annotations

import argparse
from typing import Any

from fairlens import labels as fl
from fairlens.cli._common import add_options, audit_options, finish, progress_for
from fairlens.cli._mapping import (
    NO_PREDICTION,
    NO_SENSITIVE,
    TOO_MANY_PREDICTIONS,
    mapped_input,
    screened_features,
)
from fairlens.data import FairLensInputError


def add_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``labels`` to the subparsers of the ``fairlens`` command."""
    p = subparsers.add_parser(
        "labels", help="label errors (cleanlab), per-group error rates, label-aware fairness",
        description="Label errors (confident learning), per-group label-error rates and the "
                    "audit before/after removing them.")
    add_options(p, "data", "sample", "label", "proba_prefix", "score", "pred", "features",
                "sensitive", "positive_label", "score_kind", "threshold")
    p.add_argument("--source", choices=fl.SOURCES, default="auto",
                   help="what finds the label errors when several are given (auto: "
                        "probabilities, else score, else features)")
    p.add_argument("--filter-by", choices=fl.FILTER_CHOICES, default="prune_by_noise_rate",
                   help="cleanlab filter method (default: cleanlab's)")
    p.add_argument("--rank-by", choices=fl.RANK_CHOICES, default="self_confidence",
                   help="label-quality score")
    p.add_argument("--model", choices=list(fl.MODELS), default=fl.DEFAULT_MODEL,
                   help="model for cross-validated probabilities")
    p.add_argument("--folds", type=int, default=5, help="cross-validation folds")
    p.add_argument("--max-rows", type=int, default=fl.MAX_ROWS,
                   help="above this many rows, work on a seeded sample of this many rows, "
                        "stratified by label and sensitive attributes (default %(default)s)")
    add_options(p, "reference", "min_group_size", "bootstrap", "seed", "output")
    p.set_defaults(handler=run_command, prog="fairlens labels")
    return p


def run_labels(args: argparse.Namespace) -> fl.LabelAnalysis:
    """Run the analysis described by parsed ``fairlens labels`` arguments."""
    options = audit_options(args)
    options = options.resolve(options, ci=None if options.bootstrap else "wilson")
    frame, spec = mapped_input(args, "labels", infer=False, features_exclude_roles=False,
                               ignore=[NO_PREDICTION, NO_SENSITIVE, TOO_MANY_PREDICTIONS])
    if not (spec.proba_prefix or spec.score or spec.features):
        raise FairLensInputError(
            "Give what finds the label errors: --proba-prefix P, --score COL or --features "
            "COL[,COL...]")
    if (args.source == "auto" and spec.score and spec.score_kind != "probability"
            and not spec.proba_prefix and not spec.features):
        # A raw score is no probability: the cross-validated model of the screened features
        # finds the errors instead, and the result's headline says why.
        spec.features = screened_features(frame, spec)
    progress = progress_for(args, counted=False) if spec.features else None
    return fl.analyze_labels_spec(
        frame, spec, source=args.source, filter_by=args.filter_by, rank_by=args.rank_by,
        model=args.model, n_splits=args.folds, options=options, progress=progress,
        max_rows=args.max_rows)


def run_command(args: argparse.Namespace) -> int:
    """Run ``fairlens labels`` and print/write its result; returns the exit code."""
    return finish(run_labels(args), args)
