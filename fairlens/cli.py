"""Command line: ``fairlens audit`` and ``fairlens serve``.

Invalid input prints one line on stderr and exits with code 2; no traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from fairlens.auditing import DEFAULT_MIN_GROUP_SIZE, Audit, audit_spec
from fairlens.data import AuditSpec, FairLensInputError, infer_spec, read_table

EXIT_OK = 0
EXIT_GATE_FAILED = 1
EXIT_INVALID = 2
EXIT_INTERNAL = 3


def parse_value(text: str | None) -> Any:
    """A command-line value as int, float or bool when it reads as one, else the text."""
    if text is None:
        return None
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def _add_audit_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("data", nargs="?", help="CSV, TSV or Parquet file (omit with --sample)")
    p.add_argument("--sample", help="audit a built-in sample instead: compas or segmentation")
    p.add_argument("--label", help="true-label column")
    kind = p.add_mutually_exclusive_group()
    kind.add_argument("--score", action="append", metavar="COL",
                      help="score column (probability of the positive class); repeat for models")
    kind.add_argument("--pred", action="append", metavar="COL", help="predicted-label column")
    kind.add_argument("--proba-prefix", metavar="P", help="multiclass probability columns P<class>")
    kind.add_argument("--metric", action="append", metavar="COL",
                      help="per-sample metric column (e.g. per-image Dice); repeat for several")
    p.add_argument("--sensitive", action="append", metavar="COL",
                   help="sensitive attribute; repeat for several (their intersection is audited)")
    p.add_argument("--feature", action="append", metavar="COL", help="feature column")
    p.add_argument("--weight", metavar="COL", help="sample-weight column")
    p.add_argument("--threshold", type=float, help="y_hat = 1 when score >= threshold (0.5)")
    p.add_argument("--score-kind", choices=["probability", "raw"],
                   help="'raw' for scores on another scale, e.g. a 1-10 decile")
    p.add_argument("--positive-label", help="positive value of the label column")
    p.add_argument("--reference", help="reference group value (default: largest group)")
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap replicates (0: off)")
    p.add_argument("--ci", choices=["bootstrap", "wilson"], default="bootstrap")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--min-group-size", type=int, default=DEFAULT_MIN_GROUP_SIZE)
    p.add_argument("--json", metavar="OUT", help="write the JSON result here ('-' for stdout)")
    p.add_argument("--quiet", action="store_true", help="no summary on stdout")


def build_parser() -> argparse.ArgumentParser:
    """The ``fairlens`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="fairlens", description="Fairness and error analysis for model prediction files.")
    sub = parser.add_subparsers(dest="command", required=True)
    audit_p = sub.add_parser("audit", help="group fairness, disparities, ES/PSD with CIs")
    _add_audit_arguments(audit_p)
    add_gate_arguments(audit_p)
    from fairlens.labels import add_labels_command

    add_labels_command(sub)
    from fairlens.report._cli import add_report_command

    add_report_command(sub)
    from fairlens.remedies._cli import add_remedy_command

    add_remedy_command(sub)
    from fairlens.explain._cli import add_explain_command

    add_explain_command(sub)
    slices_p = sub.add_parser("slices", help="where the model fails: significant error slices")
    slices_p.add_argument("data", help="CSV, TSV or Parquet file")
    slices_p.add_argument("--label", required=True, help="true-label column")
    slice_kind = slices_p.add_mutually_exclusive_group(required=True)
    slice_kind.add_argument("--score", help="probability-of-positive column")
    slice_kind.add_argument("--pred", help="predicted-label column")
    slices_p.add_argument("--feature", action="append", required=True, metavar="COL",
                          help="feature to slice on; repeat for several")
    slices_p.add_argument("--sensitive", action="append", metavar="COL",
                          help="sensitive attribute (for each slice's make-up)")
    slices_p.add_argument("--error", default="misclassification",
                          choices=["misclassification", "false_positive", "false_negative",
                                   "log_loss"])
    slices_p.add_argument("--threshold", type=float, default=0.5)
    slices_p.add_argument("--depth", type=int, default=3, help="most conditions per slice")
    slices_p.add_argument("--min-support", type=int, default=None, help="fewest rows per slice")
    slices_p.add_argument("--top-k", type=int, default=10)
    slices_p.add_argument("--json", metavar="OUT", help="write the JSON result ('-' for stdout)")
    slices_p.add_argument("--quiet", action="store_true")
    serve_p = sub.add_parser("serve", help="start the FairLens app in the browser")
    serve_p.add_argument("--port", type=int, default=8501)
    return parser


def spec_from_args(args: argparse.Namespace, frame) -> AuditSpec:
    """The proposed spec for ``frame``, overridden by every option given on the command line."""
    spec = infer_spec(frame)
    given_kind = any([args.score, args.pred, args.proba_prefix, args.metric])
    if given_kind:
        spec.score, spec.pred, spec.metric = args.score or [], args.pred or [], args.metric or []
        spec.proba_prefix = args.proba_prefix
        spec.score_kind = "probability"
        spec.threshold = 0.5
    if args.label:
        spec.label = args.label
    if args.sensitive:
        spec.sensitive = args.sensitive
    if args.feature:
        spec.features = args.feature
    spec.features = [f for f in spec.features
                     if f not in {spec.label, *spec.sensitive, *spec.score, *spec.pred}]
    if args.weight:
        spec.weight = args.weight
    if args.score_kind:
        spec.score_kind = args.score_kind
    if args.threshold is not None:
        spec.threshold = args.threshold
    if args.positive_label is not None:
        spec.positive_label = parse_value(args.positive_label)
    return spec


def add_gate_arguments(p: argparse.ArgumentParser) -> None:
    """``--fail-on RULE`` and ``--config FILE`` (the CI gate of ``audit`` and ``report``)."""
    p.add_argument("--fail-on", action="append", metavar="RULE", default=[],
                   help='fail (exit code 1) when a rule holds, e.g. '
                        '"equalized_odds_difference>0.1" or "es_auc<0.6"; repeat for several')
    p.add_argument("--config", metavar="FILE",
                   help="read data, mapping, settings and rules from a TOML config "
                        "(written by the app or fairlens report --write-config)")


def audit_input(args: argparse.Namespace) -> tuple[Any, AuditSpec]:
    """The frame and the spec that the command-line options describe."""
    if args.sample:
        from fairlens.datasets import SAMPLES

        if args.sample not in SAMPLES:
            raise FairLensInputError(
                f"Unknown sample {args.sample!r}; choose one of {sorted(SAMPLES)}.")
        loader, defaults, _ = SAMPLES[args.sample]
        frame = loader()
        spec = AuditSpec(**{k: v for k, v in defaults.items()})
        if args.sensitive:
            spec.sensitive = args.sensitive
        if args.threshold is not None:
            spec.threshold = args.threshold
    elif args.data:
        frame = read_table(args.data)
        spec = spec_from_args(args, frame)
    else:
        raise FairLensInputError(
            "Name a data file (fairlens audit FILE ...) or use --sample compas.")
    if not spec.label and spec.task != "per_sample":
        raise FairLensInputError(
            "Could not find the label column; name it with --label COL. Columns: "
            + ", ".join(map(str, frame.columns[:40])))
    if not spec.prediction_kinds:
        raise FairLensInputError(
            "Could not find a prediction column; name it with --score, --pred, --proba-prefix "
            "or --metric.")
    if not spec.sensitive:
        raise FairLensInputError(
            "Could not find a sensitive attribute; name it with --sensitive COL. Columns: "
            + ", ".join(map(str, frame.columns[:40])))
    return frame, spec


def run_audit(args: argparse.Namespace) -> Audit:
    """Load the data named by ``args`` and audit it."""
    frame, spec = audit_input(args)
    return audit_spec(frame, spec, reference=parse_value(args.reference) if args.reference
                      else None, bootstrap=args.bootstrap, ci=args.ci, seed=args.seed,
                      min_group_size=args.min_group_size)


def _fmt(v: float) -> str:
    return "   -  " if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:6.3f}"


def format_summary(result: Audit) -> str:
    """A plain-text summary: overall metrics, groups with CIs, disparities, ES/PSD, warnings."""
    lines = [f"FairLens audit: {result.n_rows} rows, task {result.statistics.task}, "
             f"model {result.primary.name!r}, threshold {result.threshold:g}"]
    overall = result.primary.overall
    lines.append("overall: " + ", ".join(f"{k} {v:.3f}" for k, v in overall.items()
                                         if k in ("accuracy", "selection_rate", "tpr", "fpr",
                                                  "auc", "brier") or result.statistics.task
                                         != "binary"))
    frame = result.by_group
    show = [m for m in ("selection_rate", "tpr", "fpr", "ppv", "accuracy", "auc")
            if m in frame] or [c for c in frame.columns if c in result.primary.overall][:4]
    for grouping, part in frame.groupby("grouping", sort=False):
        lines.append("")
        lines.append(f"{grouping}:")
        lines.append(f"  {'group':<32} {'n':>7}  " + "  ".join(f"{m[:14]:>22}" for m in show))
        for _, row in part.iterrows():
            flag = " (small)" if row["small"] else (" (ref)" if row["reference"] else "")
            cells = []
            for m in show:
                lo, hi = row.get(f"{m}_low"), row.get(f"{m}_high")
                sig = "*" if row.get(f"{m}_significant") else " "
                ci = f"[{_fmt(lo)},{_fmt(hi)}]" if lo is not None else " " * 15
                cells.append(f"{_fmt(row[m])}{sig}{ci}")
            lines.append(f"  {(str(row['group']) + flag)[:32]:<32} {row['n']:>7}  "
                         + "  ".join(cells))
    lines.append("")
    lines.append("disparities (between groups; * = q < 0.05 vs reference):")
    for _, row in result.disparities.iterrows():
        if row["measure"].endswith(("_difference", "_ratio")) and not row["measure"].startswith(
                ("fpr_", "fnr_", "ppv_")):
            lines.append(f"  {row['grouping']:<24} {row['measure']:<32} {_fmt(row['value'])} "
                         f"[{_fmt(row['low'])},{_fmt(row['high'])}]")
    lines.append("")
    lines.append("equity-scaled metrics and performance-scaled disparities:")
    for _, row in result.equity.iterrows():
        lines.append(f"  {row['grouping']:<24} ES-{row['metric']:<10} {_fmt(row['es'])} "
                     f"[{_fmt(row['es_low'])},{_fmt(row['es_high'])}]  PSD std "
                     f"{_fmt(row['psd_std'])}  PSD max-min {_fmt(row['psd_max'])}")
    if result.warnings:
        lines.append("")
        lines.append("warnings:")
        lines.extend(f"  - {w}" for w in result.warnings)
    return "\n".join(lines)


def _serve(port: int) -> int:
    app = Path(__file__).resolve().parent.parent / "app.py"
    if not app.exists():
        print(f"fairlens: app.py not found next to the package ({app}).", file=sys.stderr)
        return EXIT_INVALID
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port)]
    # Run from the project folder so that .streamlit/config.toml (upload limit, theme) applies.
    return subprocess.call(cmd, env=os.environ.copy(), cwd=app.parent)


def write_result(doc: dict[str, Any], json_out: str | None, quiet: bool,
                 summary: Callable[[], str]) -> None:
    """Write a result document as JSON (``-`` for stdout) and/or print its text summary."""
    if json_out == "-":
        json.dump(doc, sys.stdout, indent=2, allow_nan=False)
        sys.stdout.write("\n")
        return
    if json_out:
        Path(json_out).write_text(json.dumps(doc, indent=2, allow_nan=False))
    if not quiet:
        print(summary())


def guarded(prog: str, action: Callable[[], int]) -> int:
    """Run a command: bad input is one line on stderr and exit code 2, never a traceback."""
    try:
        return action()
    except (FairLensInputError, OSError) as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except Exception as exc:  # noqa: BLE001 - last resort: one line, no traceback
        print(f"{prog}: internal error ({type(exc).__name__}: {exc}). Please report it.",
              file=sys.stderr)
        return EXIT_INTERNAL


def _audit_command(args: argparse.Namespace) -> int:
    from fairlens.report import evaluate_gate, load_config, load_config_data, parse_rules

    rules_text = list(getattr(args, "fail_on", None) or [])
    if getattr(args, "config", None):
        if args.data or args.sample:
            raise FairLensInputError("Give either --config FILE or the data (FILE / --sample), "
                                     "not both: the config names its data.")
        config, base = load_config(args.config)
        rules = parse_rules([*config.fail_on, *rules_text])
        frame, _ = load_config_data(config, base)
        result = audit_spec(frame, config.audit_spec, **config.audit_kwargs())
    else:
        rules = parse_rules(rules_text)
        result = run_audit(args)
    doc = result.to_dict()
    gate = evaluate_gate(doc, rules) if rules else None
    if gate is not None:
        doc["gate"] = gate.to_dict()
    write_result(doc, args.json, args.quiet, lambda: format_summary(result))
    if gate is None:
        return EXIT_OK
    print(gate.summary(), file=sys.stderr if args.json == "-" or args.quiet else sys.stdout)
    return EXIT_OK if gate.passed else EXIT_GATE_FAILED


def _slices_command(args: argparse.Namespace) -> int:
    from fairlens.slices import find_slices

    frame = read_table(args.data)
    result = find_slices(frame, features=args.feature, label=args.label, score=args.score,
                         pred=args.pred, error=args.error, threshold=args.threshold,
                         sensitive=args.sensitive or [], max_depth=args.depth,
                         min_support=args.min_support, top_k=args.top_k)

    def summary() -> str:
        lines = [f"FairLens slices: {result.n} rows, overall {args.error} rate "
                 f"{result.overall_error:.1%}, {result.n_examined} slices examined"]
        for i, sl in enumerate(result.slices, 1):
            mark = "significant" if sl.significant else "not significant"
            lines.append(f"{i:>3}. {sl.description} ({mark}, q = {sl.q_value:.2g})")
        lines.extend(f"warning: {w}" for w in result.warnings)
        return "\n".join(lines)

    write_result(json.loads(result.to_json()), args.json, args.quiet, summary)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``fairlens`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "serve":
        return guarded("fairlens", lambda: _serve(args.port))
    if args.command == "explain":
        from fairlens.explain._cli import run_explain_command

        return run_explain_command(args)
    if args.command == "remedy":
        from fairlens.remedies._cli import run_remedy_command

        return run_remedy_command(args)
    if args.command == "report":
        from fairlens.report._cli import run_report_command

        return run_report_command(args, argv if argv is not None else sys.argv[1:])
    if args.command == "labels":
        from fairlens.labels import run_labels_command

        return run_labels_command(args)
    if args.command == "slices":
        return guarded("fairlens slices", lambda: _slices_command(args))
    return guarded("fairlens", lambda: _audit_command(args))


if __name__ == "__main__":
    raise SystemExit(main())
