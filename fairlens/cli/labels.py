"""``fairlens labels``: label errors, per-group rates and label-aware fairness from the shell."""

from __future__ import annotations

import argparse
from typing import Any

from fairlens.cli._common import (
    EXIT_OK,
    OUTPUT,
    add_options,
    audit_options,
    print_summary,
    progress_printer,
)
from fairlens.cli._mapping import NO_PREDICTION, NO_SENSITIVE, TOO_MANY_PREDICTIONS, mapped_input
from fairlens.data import FairLensInputError
from fairlens.labels import DEFAULT_MODEL, MODELS, SOURCES, LabelAnalysis, analyze_labels_spec
from fairlens.labels._detectors import FILTER_CHOICES, RANK_CHOICES


def add_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``labels`` to the subparsers of the ``fairlens`` command."""
    p = subparsers.add_parser(
        "labels", help="label errors (cleanlab), per-group error rates, label-aware fairness",
        description="Label errors (confident learning), per-group label-error rates and the "
                    "audit before/after removing them.")
    add_options(p, "data", "sample", "label", "proba_prefix", "score", "pred", "features",
                "sensitive", "positive_label", "score_kind", "threshold")
    p.add_argument("--source", choices=SOURCES, default="auto",
                   help="what finds the label errors when several are given (auto: "
                        "probabilities, else score, else features)")
    p.add_argument("--filter-by", choices=FILTER_CHOICES, default="prune_by_noise_rate",
                   help="cleanlab filter method (default: cleanlab's)")
    p.add_argument("--rank-by", choices=RANK_CHOICES, default="self_confidence",
                   help="label-quality score")
    p.add_argument("--model", choices=list(MODELS), default=DEFAULT_MODEL,
                   help="model for cross-validated probabilities")
    p.add_argument("--folds", type=int, default=5, help="cross-validation folds")
    add_options(p, "reference", "min_group_size", "bootstrap", "seed", *OUTPUT)
    p.set_defaults(handler=run_command, prog="fairlens labels")
    return p


def run_labels(args: argparse.Namespace) -> LabelAnalysis:
    """Run the analysis described by parsed ``fairlens labels`` arguments."""
    options = audit_options(args)
    options = options.resolve(options, ci=None if options.bootstrap else "wilson")
    frame, spec = mapped_input(args, "labels", infer=False, features_exclude_roles=False,
                               ignore=[NO_PREDICTION, NO_SENSITIVE, TOO_MANY_PREDICTIONS])
    if not (spec.proba_prefix or spec.score or spec.features):
        raise FairLensInputError(
            "Give what finds the label errors: --proba-prefix P, --score COL or --features "
            "COL[,COL...]")
    progress = progress_printer("  {message}") if spec.features and not args.quiet else None
    return analyze_labels_spec(
        frame, spec, source=args.source, filter_by=args.filter_by, rank_by=args.rank_by,
        model=args.model, n_splits=args.folds, reference=options.reference,
        min_group_size=options.min_group_size, bootstrap=options.bootstrap, ci=options.ci,
        seed=options.seed, progress=progress)


def format_summary(result: LabelAnalysis) -> str:
    """A plain-text summary: issues, per-group rates, the fairness verdict, warnings."""
    issues = result.issues
    lo, hi = issues.rate_ci
    lines = [f"FairLens labels: {issues.n_rows} rows, {issues.n_issues} suspected label errors "
             f"({issues.rate:.1%} [{lo:.1%}, {hi:.1%}]), detector "
             f"{issues.detection.detector} ({issues.detection.options.get('filter_by')})"]
    table = issues.issue_table().head(10)
    if len(table):
        lines.append("")
        lines.append("most likely mislabeled (row, given -> suggested, quality):")
        for _, r in table.iterrows():
            lines.append(f"  {int(r['row']):>8}  {r['given_label']!s:>12} -> "
                         f"{r['suggested_label']!s:<12} {r['label_quality']:.4f}")
    for grouping, part in issues.by_group.groupby("grouping", sort=False):
        lines.append("")
        lines.append(f"{grouping}: label-issue rate per group (* = q < 0.05 vs reference)")
        for _, r in part.iterrows():
            flag = " (ref)" if r["reference"] else " (small)" if r["small"] else ""
            sig = "*" if r["significant"] else " "
            q = "" if r["reference"] or r["small"] else f"  q={r['q_value']:.3g}"
            lines.append(f"  {(str(r['group']) + flag)[:32]:<32} {int(r['n']):>8} "
                         f"{int(r['n_issues']):>7}  {r['rate']:6.3f}{sig} "
                         f"[{r['rate_low']:.3f}, {r['rate_high']:.3f}]{q}")
    if result.fairness is not None:
        lines.append("")
        lines.append("label-aware fairness:")
        lines.extend(f"  - {s.replace('**', '')}" for s in result.fairness.sentences)
    warnings = list(dict.fromkeys([*result.warnings, *issues.warnings]))
    if warnings:
        lines.append("")
        lines.append("warnings:")
        lines.extend(f"  - {w}" for w in warnings)
    return "\n".join(lines)


def run_command(args: argparse.Namespace) -> int:
    """Run ``fairlens labels`` and print/write its result; returns the exit code."""
    print_summary(run_labels(args), args, format_summary)
    return EXIT_OK
