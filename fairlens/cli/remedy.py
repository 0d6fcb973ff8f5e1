"""``fairlens remedy``: fit a remedy on part of a predictions file and audit it on the rest."""

from __future__ import annotations

import argparse
from typing import Any

from fairlens import registry
from fairlens.cli._common import add_options, audit_options, finish, progress_for
from fairlens.cli._mapping import mapped_input
from fairlens.remedies import (
    ARCHITECTURES,
    CONSTRAINTS,
    LEARNERS,
    METHODS,
    OBJECTIVES,
    RemedyResult,
    remedy_spec,
)

#: The flags that configure a remedy, named as the remedy classes' constructor parameters.
METHOD_FLAGS = ("objective", "folds", "learner", "architecture", "epochs", "fis_coef",
                "fis_temperature", "febs_gamma", "device")


def add_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``remedy`` to the subparsers of the ``fairlens`` command."""
    p = subparsers.add_parser(
        "remedy", help="fix a disparity: group thresholds, reweighing, expgrad, FIS/FEBS, "
                       "with before/after numbers on held-out rows")
    add_options(p, "data", "sample", "label", "score", "pred", "sensitive", "features",
                "threshold", "score_kind", "positive_label", "favorable",
                exclusive=("score", "pred"))
    p.add_argument("--attribute", help="the sensitive attribute to remedy (default: first)")
    p.add_argument("--method", choices=METHODS, default="thresholds")
    p.add_argument("--constraint", choices=CONSTRAINTS, default="equalized_odds")
    p.add_argument("--tolerance", type=float, default=0.05,
                   help="largest allowed between-group difference (default 0.05), for the "
                        "remedies that take a constraint (thresholds, expgrad); reweigh, fis "
                        "and febs take none and only measure --constraint's disparity")
    p.add_argument("--objective", choices=OBJECTIVES, default="accuracy",
                   help="what thresholds maximise")
    p.add_argument("--folds", type=int, default=5,
                   help="thresholds: cross-fitting folds that choose a score grid and fitting "
                        "tolerance that hold on new rows (default 5; 0: solve exactly on every "
                        "score, which fits the fitting rows best and holds least on new rows)")
    p.add_argument("--test-size", type=float, default=0.3, help="held-out share (0.3)")
    p.add_argument("--learner", choices=LEARNERS, default="logistic",
                   help="model retrained with reweighing")
    p.add_argument("--architecture", choices=ARCHITECTURES, default="mlp",
                   help="torch model for fis/febs")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--fis-coef", type=float, default=0.5)
    p.add_argument("--fis-temperature", type=float, default=1.0)
    p.add_argument("--febs-gamma", type=float, default=1.0)
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--out-dir", metavar="DIR",
                   help="write artefacts.json, predictions.csv, model.skops, remedy.json here")
    add_options(p, "bootstrap", "min_group_size", "seed", "output")
    p.set_defaults(handler=run_command, prog="fairlens remedy")
    return p


def run_remedy(args: argparse.Namespace) -> RemedyResult:
    """Run the remedy described by parsed ``fairlens remedy`` arguments."""
    options = audit_options(args)
    frame, spec = mapped_input(args, "remedy", one_prediction=True)
    return remedy_spec(frame, spec, method=args.method, options=options,
                       constraint=args.constraint, tolerance=args.tolerance,
                       test_size=args.test_size, attribute=args.attribute or None,
                       output_dir=args.out_dir or None, progress=progress_for(args),
                       **method_parameters(args))


def method_parameters(args: argparse.Namespace) -> dict[str, Any]:
    """The flags that configure the registered remedy ``--method`` names: those its
    constructor takes (the others belong to other methods and are left out)."""
    accepted = registry.get("remedy", args.method).param_names()
    return {name: getattr(args, name) for name in METHOD_FLAGS if name in accepted}


def run_command(args: argparse.Namespace) -> int:
    """Run ``fairlens remedy`` and print/write its result; returns the exit code."""
    return finish(run_remedy(args), args)
