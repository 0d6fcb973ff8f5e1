"""``fairlens explain``: SHAP importances, the group-gap decomposition and the flip test."""

from __future__ import annotations

import argparse
from typing import Any

from fairlens.cli import _common as C
from fairlens.cli._mapping import NO_LABEL, NO_PREDICTION, NO_SENSITIVE, mapped_input
from fairlens.data import FairLensInputError
from fairlens.explain import Explanation, explain_spec, load_model


def add_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``explain`` to the subparsers of the ``fairlens`` command."""
    p = subparsers.add_parser(
        "explain", help="SHAP by group, group-gap decomposition, attribute-flip test")
    C.add_options(p, "data", "sample", "label", "score", "pred", "features", "sensitive")
    p.add_argument("--attribute", help="attribute of the gap and flip test (default: first "
                                       "sensitive attribute)")
    p.add_argument("--group-a", help="first group of the gap (default: largest group)")
    p.add_argument("--group-b", help="second group of the gap (default: second largest)")
    p.add_argument("--model", metavar="FILE",
                   help="model file: .onnx, .skops (or .pkl/.joblib with --trust-pickle); "
                        "without it a surrogate of the score is explained")
    p.add_argument("--trust-pickle", action="store_true",
                   help="allow a pickle/joblib model (loading it runs its code)")
    p.add_argument("--trust-type", action="append", metavar="TYPE",
                   help="accept this untrusted type of a skops file; repeat for several")
    p.add_argument("--model-sha256", metavar="HEX",
                   help="load the model file only if its content has this SHA-256 (pin the "
                        "exact bytes you trust, e.g. with --trust-pickle in a pipeline)")
    C.add_options(p, "threshold")
    p.add_argument("--sample-size", type=int, default=2000, help="rows explained (2000)")
    C.add_options(p, "seed", "output")
    p.set_defaults(handler=run_command, prog="fairlens explain")
    return p


def run_explain(args: argparse.Namespace) -> Explanation:
    """Load the data and model named by parsed ``fairlens explain`` arguments and explain."""
    options = C.audit_options(args)
    if args.score and args.pred:  # the score is what a surrogate reproduces
        args.pred = None
    frame, spec = mapped_input(args, "explain", features_exclude_roles=False,
                               ignore=[NO_LABEL, NO_PREDICTION, NO_SENSITIVE], one_prediction=True)
    model: Any = None
    if args.model:
        features = C.columns(args.features)
        model = load_model(args.model, trust_pickle=args.trust_pickle,
                           trusted_types=args.trust_type, features=features or None,
                           sha256=args.model_sha256)
    elif args.sample:
        from fairlens.datasets import SAMPLE_MODELS

        if args.sample in SAMPLE_MODELS:
            model = SAMPLE_MODELS[args.sample]()
    if model is None and not spec.features:
        raise FairLensInputError(
            "Name the feature columns (--features COL[,COL...]) or give the model (--model).")
    return explain_spec(frame, spec, model=model, attribute=args.attribute,
                        group_a=C.parse_value(args.group_a) if args.group_a else None,
                        group_b=C.parse_value(args.group_b) if args.group_b else None,
                        sample_size=args.sample_size, options=options,
                        progress=C.progress_for(args))


def run_command(args: argparse.Namespace) -> int:
    """Run ``fairlens explain`` and print/write its result; returns the exit code."""
    return C.finish(run_explain(args), args)
