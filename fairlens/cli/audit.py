"""``fairlens audit``: group fairness, disparities, ES/PSD with CIs; a CI gate with --fail-on."""

from __future__ import annotations

import argparse
from typing import Any

from fairlens.auditing import Audit, audit_spec
from fairlens.cli._common import (
    DATA_ROLES,
    GATE,
    PREDICTIONS,
    SETTINGS,
    add_options,
    audit_options,
    finish_gated,
)
from fairlens.cli._mapping import apply_mapping, check_mapping, fill_features, mapped_input
from fairlens.data import AuditSpec, FairLensInputError, infer_spec
from fairlens.engine._source import head_frame, resolve_engine


def add_audit_options(p: argparse.ArgumentParser) -> None:
    """The options that ``audit`` and ``report`` share: data, settings, output, gate."""
    add_options(p, *DATA_ROLES, *SETTINGS, "engine", "output", *GATE, exclusive=PREDICTIONS,
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
    """Load the data named by ``args`` and audit it.

    On the DuckDB and Spark engines the file is never read into memory: the mapping is
    guessed from its first rows and the engine reads the rows.
    """
    options = audit_options(args)
    engine = "numpy" if args.sample or not args.data else resolve_engine(args.data,
                                                                          options.engine)
    if engine == "numpy":
        frame, spec = audit_input(args)
        return audit_spec(frame, spec, options=options)
    head = head_frame(args.data, engine)
    spec = apply_mapping(args, infer_spec(head))
    check_mapping(spec, head)
    spec = fill_features(args, head, spec, inferred=True)
    return audit_spec(args.data, spec, options=options)


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
        result = audit_spec(frame, config.audit_spec, options=config.options)
    else:
        rules = parse_rules(rules_text)
        result = run_audit(args)
    doc = result.to_dict()
    return finish_gated(result, args, doc, evaluate_gate(doc, rules) if rules else None)
