"""``fairlens audit``: group fairness, disparities, ES/PSD with CIs; a CI gate with --fail-on."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np

from fairlens.auditing import Audit, audit_spec
from fairlens.cli._common import (
    DATA_ROLES,
    EXIT_GATE_FAILED,
    EXIT_OK,
    GATE,
    OUTPUT,
    PREDICTIONS,
    SETTINGS,
    add_options,
    audit_options,
    print_summary,
)
from fairlens.cli._mapping import mapped_input
from fairlens.data import AuditSpec, FairLensInputError


def add_audit_options(p: argparse.ArgumentParser) -> None:
    """The options that ``audit`` and ``report`` share: data, settings, output, gate."""
    add_options(p, *DATA_ROLES, *SETTINGS, *OUTPUT, *GATE, exclusive=PREDICTIONS,
                aliases=["--feature"])


def add_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``audit`` to the subparsers of the ``fairlens`` command."""
    p = subparsers.add_parser("audit", help="group fairness, disparities, ES/PSD with CIs")
    add_audit_options(p)
    p.set_defaults(handler=run_command, prog="fairlens")
    return p


def audit_input(args: argparse.Namespace) -> tuple[Any, AuditSpec]:
    """The frame and the spec that the command-line options describe."""
    return mapped_input(args, "audit")


def run_audit(args: argparse.Namespace) -> Audit:
    """Load the data named by ``args`` and audit it."""
    frame, spec = audit_input(args)
    return audit_spec(frame, spec, options=audit_options(args))


def reject_config_with_data(args: argparse.Namespace) -> None:
    """``--config`` names its data: giving FILE or --sample as well is an error."""
    if args.data or args.sample:
        raise FairLensInputError("Give either --config FILE or the data (FILE / --sample), "
                                 "not both: the config names its data.")


def run_command(args: argparse.Namespace) -> int:
    """Run ``fairlens audit``; 0, or 1 when a ``--fail-on`` rule holds."""
    from fairlens.report import evaluate_gate, load_config, load_config_data, parse_rules

    rules_text = list(args.fail_on or [])
    if args.config:
        reject_config_with_data(args)
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
    print_summary(result, args, format_summary, doc=doc)
    if gate is None:
        return EXIT_OK
    print(gate.summary(), file=sys.stderr if args.json == "-" or args.quiet else sys.stdout)
    return EXIT_OK if gate.passed else EXIT_GATE_FAILED


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
