"""``fairlens remedy``: fit a remedy on part of a predictions file and audit it on the rest.

Wire it into the main CLI with :func:`add_remedy_command` and :func:`run_remedy_command`.
Invalid input prints one line on stderr and exits with code 2.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from fairlens.cli import EXIT_OK, guarded, parse_value, write_result
from fairlens.data import FairLensInputError, infer_spec, read_table
from fairlens.remedies._api import _gap, remedy_spec
from fairlens.remedies._common import CONSTRAINTS, METHODS, OBJECTIVES, RemedyResult
from fairlens.remedies._models import LEARNERS
from fairlens.remedies._torch import ARCHITECTURES


def _columns(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out.extend(c.strip() for c in v.split(",") if c.strip())
    return out


def add_remedy_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``remedy`` to the subparsers of the ``fairlens`` command."""
    p = subparsers.add_parser(
        "remedy", help="fix a disparity: group thresholds, reweighing, expgrad, FIS/FEBS, "
                       "with before/after numbers on held-out rows")
    p.add_argument("data", nargs="?", help="CSV, TSV or Parquet file (omit with --sample)")
    p.add_argument("--sample", help="use a built-in sample instead (compas)")
    p.add_argument("--label", help="true-label column")
    kind = p.add_mutually_exclusive_group()
    kind.add_argument("--score", metavar="COL", help="score column of the model")
    kind.add_argument("--pred", metavar="COL", help="predicted-label column (no thresholds)")
    p.add_argument("--sensitive", action="append", metavar="COL",
                   help="sensitive attribute; the first is the one the remedy acts on")
    p.add_argument("--attribute", help="the sensitive attribute to remedy (default: first)")
    p.add_argument("--features", action="append", metavar="COL,COL,...",
                   help="feature columns (needed by reweigh, expgrad, fis, febs)")
    p.add_argument("--method", choices=METHODS, default="thresholds")
    p.add_argument("--constraint", choices=CONSTRAINTS, default="equalized_odds")
    p.add_argument("--tolerance", type=float, default=0.05,
                   help="largest allowed between-group difference (default 0.05)")
    p.add_argument("--objective", choices=OBJECTIVES, default="accuracy",
                   help="what thresholds maximise")
    p.add_argument("--test-size", type=float, default=0.3, help="held-out share (0.3)")
    p.add_argument("--threshold", type=float, help="original decision threshold")
    p.add_argument("--score-kind", choices=["probability", "raw"])
    p.add_argument("--positive-label", help="positive value of the label column")
    p.add_argument("--learner", choices=LEARNERS, default="logistic",
                   help="model retrained with reweighing")
    p.add_argument("--architecture", choices=ARCHITECTURES, default="mlp",
                   help="torch model for fis/febs")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--fis-coef", type=float, default=0.5)
    p.add_argument("--fis-temperature", type=float, default=1.0)
    p.add_argument("--febs-gamma", type=float, default=1.0)
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--bootstrap", type=int, default=200, help="audit bootstrap replicates")
    p.add_argument("--min-group-size", type=int, default=30)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out-dir", metavar="DIR",
                   help="write artefacts.json, predictions.csv, model.skops, remedy.json here")
    p.add_argument("--json", metavar="OUT", help="write the JSON result here ('-' for stdout)")
    p.add_argument("--quiet", action="store_true", help="no summary on stdout")
    return p


def _spec(args: argparse.Namespace):
    if args.sample:
        from fairlens.datasets import load_sample

        frame, spec = load_sample(args.sample)
    elif args.data:
        frame = read_table(args.data)
        spec = infer_spec(frame)
        if args.score or args.pred:
            spec.score = [args.score] if args.score else []
            spec.pred = [args.pred] if args.pred else []
            spec.proba_prefix, spec.metric = None, []
            spec.score_kind, spec.threshold = "probability", 0.5
    else:
        raise FairLensInputError("Name a data file (fairlens remedy FILE ...) or use "
                                 "--sample compas.")
    if args.label:
        spec.label = args.label
    if args.sensitive:
        spec.sensitive = args.sensitive
    features = _columns(args.features)
    if features:
        spec.features = features
    spec.features = [f for f in spec.features
                     if f not in {spec.label, *spec.sensitive, *spec.score, *spec.pred}]
    if args.score_kind:
        spec.score_kind = args.score_kind
    if args.threshold is not None:
        spec.threshold = args.threshold
    if args.positive_label is not None:
        spec.positive_label = parse_value(args.positive_label)
    if not spec.label:
        raise FairLensInputError("Could not find the label column; name it with --label COL.")
    if not (spec.score or spec.pred):
        raise FairLensInputError("Could not find the model's predictions; name them with "
                                 "--score COL or --pred COL.")
    if not spec.sensitive:
        raise FairLensInputError("Could not find a sensitive attribute; name it with "
                                 "--sensitive COL.")
    return frame, spec


def _progress(done: int, total: int, message: str) -> None:
    print(f"  [{done}/{total}] {message}", file=sys.stderr)


def run_remedy(args: argparse.Namespace) -> RemedyResult:
    """Run the remedy described by parsed ``fairlens remedy`` arguments."""
    frame, spec = _spec(args)
    options: dict[str, Any] = {"bootstrap": args.bootstrap,
                               "min_group_size": args.min_group_size}
    if args.attribute:
        options["attribute"] = args.attribute
    if args.method == "thresholds":
        options["objective"] = args.objective
    elif args.method == "reweigh":
        options["learner"] = args.learner
    elif args.method in ("fis", "febs"):
        options.update(architecture=args.architecture, epochs=args.epochs,
                       fis_coef=args.fis_coef, fis_temperature=args.fis_temperature,
                       febs_gamma=args.febs_gamma, device=args.device)
    if args.out_dir:
        options["output_dir"] = args.out_dir
    quiet = args.quiet or args.json == "-"
    return remedy_spec(frame, spec, method=args.method, constraint=args.constraint,
                       tolerance=args.tolerance, test_size=args.test_size, seed=args.seed,
                       progress=None if quiet else _progress, **options)


def format_summary(result: RemedyResult) -> str:
    """Plain text: the sentence, before/after on held-out rows, the split, warnings."""
    split = result.split
    lines = [f"FairLens remedy: {result.method} ({result.constraint}, tolerance "
             f"{result.tolerance:g}) on {result.attribute!r}; fitted on {len(split.fit):,} "
             f"rows, evaluated on {len(split.test):,} held-out rows (seed {split.seed})",
             "", result.sentence, "",
             f"  {'held-out':<44} {'before':>8} {'after':>8}"]
    for key in ("accuracy", "balanced_accuracy", "selection_rate", "tpr", "fpr", "auc"):
        b, a = result.before.overall.get(key), result.after.overall.get(key)
        if b is None and a is None:
            continue
        lines.append(f"  {key:<44} {_f(b)} {_f(a)}")
    for measure in ("demographic_parity_difference", "equalized_odds_difference",
                    "equal_opportunity_difference"):
        b = _gap(result.before, result.attribute, measure)
        a = _gap(result.after, result.attribute, measure)
        lines.append(f"  {measure + ' (' + result.attribute + ')':<44} {_f(b)} {_f(a)}")
    if result.fit_check:
        fc = result.fit_check
        lines += ["", f"on the fitting rows ({fc['kind']}): {fc['measure']} "
                      f"{_f(fc['value']).strip()} (tolerance {fc['tolerance']:g}, "
                      f"{'holds' if fc['holds'] else 'does not hold'})"]
    files = result.artefacts.get("files")
    if files:
        lines += ["", "written: " + ", ".join(files.values())]
    if result.warnings:
        lines += ["", "warnings:"] + [f"  - {w}" for w in result.warnings]
    return "\n".join(lines)


def _f(v: Any) -> str:
    try:
        return f"{float(v):8.3f}"
    except (TypeError, ValueError):
        return "       -"


def run_remedy_command(args: argparse.Namespace) -> int:
    """Run ``fairlens remedy`` and print/write its result; returns the exit code."""

    def action() -> int:
        result = run_remedy(args)
        write_result(result.to_dict(), args.json, args.quiet, lambda: format_summary(result))
        return EXIT_OK

    return guarded("fairlens remedy", action)
