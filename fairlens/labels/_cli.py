"""``fairlens labels``: label errors, per-group rates and label-aware fairness from the shell.

Wire it into the main CLI with :func:`add_labels_command` and :func:`run_labels_command`; it
also runs on its own as ``python -m fairlens.labels``. Invalid input prints one line on stderr
and exits with code 2.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from fairlens.auditing import DEFAULT_MIN_GROUP_SIZE
from fairlens.cli import EXIT_OK, guarded, write_result
from fairlens.cli import parse_value as _value
from fairlens.data import FairLensInputError
from fairlens.labels._analysis import LabelAnalysis, analyze_labels
from fairlens.labels._crossval import DEFAULT_MODEL, MODELS
from fairlens.labels._detectors import FILTER_CHOICES, RANK_CHOICES
from fairlens.labels._issues import SOURCES


def _columns(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out.extend(c.strip() for c in v.split(",") if c.strip())
    return out


def add_labels_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``fairlens labels``."""
    p.add_argument("data", help="CSV, TSV or Parquet file")
    p.add_argument("--label", required=True, help="given-label column")
    p.add_argument("--proba-prefix", metavar="P",
                   help="out-of-sample class-probability columns P<class>")
    p.add_argument("--score", action="append", metavar="COL",
                   help="probability-of-positive column of a binary model; repeat for models "
                        "(the first finds the label errors)")
    p.add_argument("--pred", action="append", metavar="COL",
                   help="predicted-label column(s), audited but not used for detection")
    p.add_argument("--features", action="append", metavar="COL,COL,...",
                   help="feature columns: cross-validated probabilities of a model trained on "
                        "them find the label errors")
    p.add_argument("--source", choices=SOURCES, default="auto",
                   help="what finds the label errors when several are given (auto: "
                        "probabilities, else score, else features)")
    p.add_argument("--sensitive", action="append", metavar="COL",
                   help="sensitive attribute; repeat for several")
    p.add_argument("--positive-label", help="positive value of a binary label")
    p.add_argument("--score-kind", choices=["probability", "raw"], default="probability")
    p.add_argument("--threshold", type=float, default=0.5,
                   help="y_hat = 1 when score >= threshold (the audit)")
    p.add_argument("--filter-by", choices=FILTER_CHOICES, default="prune_by_noise_rate",
                   help="cleanlab filter method (default: cleanlab's)")
    p.add_argument("--rank-by", choices=RANK_CHOICES, default="self_confidence",
                   help="label-quality score")
    p.add_argument("--model", choices=list(MODELS), default=DEFAULT_MODEL,
                   help="model for cross-validated probabilities")
    p.add_argument("--folds", type=int, default=5, help="cross-validation folds")
    p.add_argument("--reference", help="reference group value (default: largest group)")
    p.add_argument("--min-group-size", type=int, default=DEFAULT_MIN_GROUP_SIZE)
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap replicates (0: off)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", metavar="OUT", help="write the JSON result here ('-' for stdout)")
    p.add_argument("--quiet", action="store_true", help="no summary on stdout")


def add_labels_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``labels`` to the subparsers of the ``fairlens`` command."""
    p = subparsers.add_parser(
        "labels", help="label errors (cleanlab), per-group error rates, label-aware fairness")
    add_labels_arguments(p)
    return p


def _progress(done: int, total: int, message: str) -> None:
    print(f"  {message}", file=sys.stderr)


def run_labels(args: argparse.Namespace) -> LabelAnalysis:
    """Run the analysis described by parsed ``fairlens labels`` arguments."""
    features = _columns(args.features)
    if not (args.proba_prefix or args.score or features):
        raise FairLensInputError(
            "Give what finds the label errors: --proba-prefix P, --score COL or --features "
            "COL,COL,...")
    ci = "bootstrap" if args.bootstrap else "wilson"
    return analyze_labels(
        args.data, label=args.label, sensitive=args.sensitive or [],
        proba_prefix=args.proba_prefix, score=args.score, pred=args.pred, features=features,
        positive_label=_value(args.positive_label), score_kind=args.score_kind,
        threshold=args.threshold, source=args.source, filter_by=args.filter_by,
        rank_by=args.rank_by, model=args.model, n_splits=args.folds,
        reference=_value(args.reference), min_group_size=args.min_group_size,
        bootstrap=args.bootstrap, ci=ci, seed=args.seed,
        progress=_progress if features and not args.quiet else None)


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


def run_labels_command(args: argparse.Namespace) -> int:
    """Run ``fairlens labels`` and print/write its result; returns the exit code."""

    def action() -> int:
        result = run_labels(args)
        write_result(result.to_dict(), args.json, args.quiet, lambda: format_summary(result))
        return EXIT_OK

    return guarded("fairlens labels", action)



def main(argv: list[str] | None = None) -> int:
    """``python -m fairlens.labels DATA --label COL ...``."""
    parser = argparse.ArgumentParser(
        prog="fairlens labels",
        description="Label errors (confident learning), per-group label-error rates and the "
                    "audit before/after removing them.")
    add_labels_arguments(parser)
    return run_labels_command(parser.parse_args(argv))
