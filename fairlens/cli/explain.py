"""``fairlens explain``: SHAP importances, the group-gap decomposition and the flip test."""

from __future__ import annotations

import argparse
from typing import Any

from fairlens.cli._common import (
    add_options,
    audit_options,
    columns,
    finish,
    parse_value,
    progress_for,
)
from fairlens.cli._mapping import NO_LABEL, NO_PREDICTION, NO_SENSITIVE, mapped_input
from fairlens.data import FairLensInputError
from fairlens.explain import Explanation, explain_spec, load_model


def add_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``explain`` to the subparsers of the ``fairlens`` command."""
    p = subparsers.add_parser(
        "explain", help="SHAP by group, group-gap decomposition, attribute-flip test")
    add_options(p, "data", "sample", "label", "score", "pred", "features", "sensitive")
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
    add_options(p, "threshold")
    p.add_argument("--sample-size", type=int, default=2000, help="rows explained (2000)")
    add_options(p, "seed", "output")
    p.set_defaults(handler=run_command, prog="fairlens explain")
    return p


def run_explain(args: argparse.Namespace) -> Explanation:
    """Load the data and model named by parsed ``fairlens explain`` arguments and explain."""
    options = audit_options(args)
    if args.score and args.pred:  # the score is what a surrogate reproduces
        args.pred = None
    frame, spec = mapped_input(args, "explain", features_exclude_roles=False,
                               ignore=[NO_LABEL, NO_PREDICTION, NO_SENSITIVE], one_prediction=True)
    model: Any = None
    if args.model:
        features = columns(args.features)
        model = load_model(args.model, trust_pickle=args.trust_pickle,
                           trusted_types=args.trust_type, features=features or None)
    elif args.sample:
        from fairlens.datasets import SAMPLE_MODELS

        if args.sample in SAMPLE_MODELS:
            model = SAMPLE_MODELS[args.sample]()
    if model is None and not spec.features:
        raise FairLensInputError(
            "Name the feature columns (--features COL[,COL...]) or give the model (--model).")
    return explain_spec(frame, spec, model=model, attribute=args.attribute,
                        group_a=parse_value(args.group_a) if args.group_a else None,
                        group_b=parse_value(args.group_b) if args.group_b else None,
                        sample_size=args.sample_size, seed=options.seed,
                        progress=progress_for(args))


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


def run_command(args: argparse.Namespace) -> int:
    """Run ``fairlens explain`` and print/write its result; returns the exit code."""
    return finish(run_explain(args), args, format_summary)
