"""``fairlens explain``: SHAP importances, the group-gap decomposition and the flip test.

Registered in :mod:`fairlens.cli` through :func:`add_explain_command` /
:func:`run_explain_command`. Invalid input prints one line on stderr and exits with code 2.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from fairlens.cli import EXIT_OK, guarded, parse_value, write_result
from fairlens.data import FairLensInputError, infer_spec, read_table
from fairlens.explain._api import Explanation, explain_spec
from fairlens.explain._models import load_model


def _columns(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out.extend(c.strip() for c in v.split(",") if c.strip())
    return out


def add_explain_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``explain`` to the subparsers of the ``fairlens`` command."""
    p = subparsers.add_parser(
        "explain", help="SHAP by group, group-gap decomposition, attribute-flip test")
    p.add_argument("data", nargs="?", help="CSV, TSV or Parquet file (omit with --sample)")
    p.add_argument("--sample", help="a built-in sample instead (compas, adult)")
    p.add_argument("--label", help="true-label column")
    p.add_argument("--score", help="score column (what a surrogate reproduces)")
    p.add_argument("--pred", help="predicted-label column (when there is no score)")
    p.add_argument("--features", action="append", metavar="COL,COL,...",
                   help="feature columns (the model's inputs, or the surrogate's)")
    p.add_argument("--sensitive", action="append", metavar="COL",
                   help="sensitive attribute; repeat for several (the first is analysed)")
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
    p.add_argument("--threshold", type=float, help="decision: score >= threshold (0.5)")
    p.add_argument("--sample-size", type=int, default=2000, help="rows explained (2000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", metavar="OUT", help="write the JSON result ('-' for stdout)")
    p.add_argument("--quiet", action="store_true", help="no summary on stdout")
    return p


def _progress(done: int, total: int, message: str) -> None:
    print(f"  [{done}/{total}] {message}", file=sys.stderr)


def run_explain(args: argparse.Namespace) -> Explanation:
    """Load the data and model named by parsed ``fairlens explain`` arguments and explain."""
    model: Any = None
    if args.sample:
        from fairlens.datasets import SAMPLE_MODELS, load_sample

        frame, spec = load_sample(args.sample)
        if args.sample in SAMPLE_MODELS:
            model = SAMPLE_MODELS[args.sample]()
    elif args.data:
        frame = read_table(args.data)
        spec = infer_spec(frame)
    else:
        raise FairLensInputError("Name a data file (fairlens explain FILE ...) or use --sample.")
    if args.label:
        spec.label = args.label
    if args.score:
        spec.score, spec.pred = [args.score], []
    elif args.pred:
        spec.score, spec.pred = [], [args.pred]
    if args.sensitive:
        spec.sensitive = args.sensitive
    features = _columns(args.features)
    if features:
        spec.features = features
    if args.threshold is not None:
        spec.threshold = args.threshold
    if args.model:
        model = load_model(args.model, trust_pickle=args.trust_pickle,
                           trusted_types=args.trust_type, features=features or None)
    if model is None and not spec.features:
        raise FairLensInputError(
            "Name the feature columns (--features COL,COL,...) or give the model (--model).")
    return explain_spec(frame, spec, model=model, attribute=args.attribute,
                        group_a=parse_value(args.group_a) if args.group_a else None,
                        group_b=parse_value(args.group_b) if args.group_b else None,
                        sample_size=args.sample_size, seed=args.seed,
                        progress=None if args.quiet or args.json == "-" else _progress)


def format_summary(result: Explanation) -> str:
    """A plain-text summary: model, importances, gap decomposition, flip test or proxies."""
    m = result.model
    lines = [f"FairLens explain: {m.source} ({m.kind}), {result.sample_size:,} of "
             f"{result.n_rows:,} rows explained, SHAP {result.method}, output {m.output}"]
    if result.fidelity is not None:
        f = result.fidelity
        lines.append(f"surrogate fidelity on {f.n_holdout:,} held-out rows: R^2 {f.r2:.3f}, "
                     f"decision agreement {f.agreement:.1%}")
    lines.append("")
    lines.append("global importance (mean |SHAP|):")
    lines.extend(f"  {feat:<28} {v:.4f}" for feat, v in result.importance.items())
    if result.gap is not None:
        g = result.gap
        lines.append("")
        lines.append(f"gap in mean {g.output}: {g.group_a} {g.mean_a:.4f} - {g.group_b} "
                     f"{g.mean_b:.4f} = {g.gap:+.4f}, by feature:")
        for feat, v in sorted(g.contributions.items(), key=lambda kv: -abs(kv[1])):
            lines.append(f"  {feat:<28} {v:+.4f}")
    if result.flip is not None:
        fl = result.flip
        lines.append("")
        lines.append(f"attribute-flip test on {fl.attribute!r}: {fl.share:.1%} of decisions "
                     "change when only the attribute changes")
        for _, r in fl.by_group.iterrows():
            lines.append(f"  {str(r['group']):<28} {int(r['flipped']):>6} of {int(r['n']):>6} "
                         f"({r['share']:.1%})")
    if result.proxy is not None:
        px = result.proxy
        lines.append("")
        lines.append(f"proxy check: the features predict {px.attribute!r} with AUC "
                     f"{px.auc:.3f} ({px.verdict}); carried by:")
        lines.extend(f"  {feat:<28} {v:+.4f}" for feat, v in list(px.features.items())[:8])
    if result.warnings:
        lines.append("")
        lines.append("warnings:")
        lines.extend(f"  - {w}" for w in result.warnings)
    return "\n".join(lines)


def run_explain_command(args: argparse.Namespace) -> int:
    """Run ``fairlens explain`` and print/write its result; returns the exit code."""

    def action() -> int:
        result = run_explain(args)
        write_result(result.to_dict(), args.json, args.quiet, lambda: format_summary(result))
        return EXIT_OK

    return guarded("fairlens explain", action)
