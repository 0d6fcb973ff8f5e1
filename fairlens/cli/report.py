"""``fairlens report``: the audit (and any analyses) as HTML, PDF, JSON and CSV.

Invalid input prints one line on stderr and exits with code 2; a failed CI rule exits with 1.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from pathlib import Path
from typing import Any

from fairlens.cli._common import EXIT_GATE_FAILED, EXIT_OK, audit_options, progress_for
from fairlens.cli.audit import add_audit_options, audit_input, reject_config_with_data
from fairlens.report import (
    Report,
    ReportConfig,
    build_report,
    file_sha256,
    fingerprint,
    load_config,
    load_config_data,
    parse_rules,
    render_html,
    render_pdf,
    report_json,
    require_analyses,
    sample_file_sha256,
    write_csv_dir,
)


def add_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``report`` to the subparsers of the ``fairlens`` command."""
    p = subparsers.add_parser(
        "report", help="audit report: self-contained HTML, PDF, JSON, CSV; reproducible config",
        description="Audit a predictions file (same options as fairlens audit) and write the "
                    "report. With --config FILE, everything comes from the config.")
    add_audit_options(p)
    p.add_argument("--labels", action="store_true", help="include the label-error analysis")
    p.add_argument("--slices", action="store_true", help="include the error-slice analysis")
    p.add_argument("--explain", action="store_true",
                   help="include explanations (of the sample's own model when it has one, "
                        "else of a surrogate of the scores; choose in the config's "
                        "[analyses.explain])")
    p.add_argument("--remedy", metavar="METHOD", help="include this remedy's before/after")
    p.add_argument("--html", metavar="OUT", help="write the self-contained HTML report here")
    p.add_argument("--pdf", metavar="OUT", help="write the PDF report here")
    p.add_argument("--csv", metavar="DIR", help="write one formula-safe CSV per table here")
    p.add_argument("--write-config", metavar="OUT",
                   help="write the TOML config that reproduces this report")
    p.set_defaults(handler=run_command, prog="fairlens report")
    return p


def config_from_args(args: argparse.Namespace) -> tuple[ReportConfig, Any, dict[str, Any]]:
    """The config, frame and fingerprint that command-line options describe."""
    frame, spec = audit_input(args)
    options = audit_options(args)
    if args.sample:
        fp = fingerprint(frame, name=f"built-in sample {args.sample!r}", source="sample",
                         sha256=sample_file_sha256(args.sample))
        data, sample = None, args.sample
    else:
        path = Path(args.data)
        fp = fingerprint(frame, name=path.name, source="file", sha256=file_sha256(path))
        data, sample = str(args.data), None
        if args.write_config:  # a relative path is read next to the config
            data = os.path.relpath(path.resolve(), Path(args.write_config).resolve().parent)
    config = ReportConfig(
        data=data, sample=sample, spec=spec.to_dict(),
        reference=options.reference, min_group_size=options.min_group_size,
        bootstrap=options.bootstrap, ci=options.ci, seed=options.seed, engine=options.engine,
        labels=args.labels,
        slices=args.slices, explain=args.explain, remedy=args.remedy,
        fail_on=list(args.fail_on or []),
        content_sha256=fp["content_sha256"])
    return config, frame, fp


def _merge_flags(config: ReportConfig, args: argparse.Namespace) -> ReportConfig:
    """Analysis switches and rules given next to ``--config`` add to the config's."""
    config.labels = config.labels or args.labels
    config.slices = config.slices or args.slices
    config.explain = config.explain or args.explain
    if args.remedy and args.remedy != config.remedy:  # another method: its own defaults
        config.params.pop("remedy", None)
        config.origins.pop("remedy", None)
    config.remedy = args.remedy or config.remedy
    config.fail_on = [*config.fail_on, *(args.fail_on or [])]
    return config


def make_report(args: argparse.Namespace, argv: list[str]) -> Report:
    """Run what parsed ``fairlens report`` arguments describe."""
    base = None
    if args.config:
        reject_config_with_data(args)
        config, base = load_config(args.config)
        config = _merge_flags(config, args)
        parse_rules(config.fail_on)
        require_analyses(config)
        frame, fp = load_config_data(config, base)
    else:
        parse_rules(args.fail_on)
        require_analyses(ReportConfig(explain=args.explain, remedy=args.remedy))
        config, frame, fp = config_from_args(args)
    command = "fairlens " + shlex.join(argv)
    if not args.config:
        name = Path(args.write_config).name if args.write_config else "audit.toml"
        command += (f"\n# or, with the configuration below saved as {name}:\n"
                    f"fairlens report --config {name}")
    return build_report(frame, config, fingerprint=fp, command=command,
                        progress=progress_for(args, counted=False), base=base)


def write_outputs(report: Report, args: argparse.Namespace) -> list[str]:
    """Write every output asked for; returns what was written, with timings."""
    done = []
    if args.html:
        t = time.perf_counter()
        Path(args.html).write_text(render_html(report), encoding="utf-8")
        done.append(f"HTML {args.html} ({time.perf_counter() - t:.1f} s)")
    if args.pdf:
        t = time.perf_counter()
        Path(args.pdf).write_bytes(render_pdf(report))
        done.append(f"PDF {args.pdf} ({time.perf_counter() - t:.1f} s)")
    if args.json and args.json != "-":
        Path(args.json).write_text(report_json(report), encoding="utf-8")
        done.append(f"JSON {args.json}")
    if args.csv:
        files = write_csv_dir(report, args.csv)
        done.append(f"CSV {args.csv} ({len(files)} files)")
    if args.write_config:
        path = report.config.save(args.write_config)
        done.append(f"config {path}")
    return done


def format_summary(report: Report, written: list[str]) -> str:
    """The executive summary and the list of files written, as plain text."""
    lines = ["FairLens report"]
    lines.extend("  - " + line for line in report.summary_lines())
    if written:
        lines.append("written: " + "; ".join(written))
    return "\n".join(lines)


def run_command(args: argparse.Namespace) -> int:
    """Run ``fairlens report``; returns the exit code (0, 1 when a CI rule fails)."""
    report = make_report(args, list(args.argv))
    written = write_outputs(report, args)
    if args.json == "-":
        sys.stdout.write(report_json(report) + "\n")
    elif not args.quiet:
        print(format_summary(report, written))
    for name, message in report.errors.items():
        print(f"fairlens report: the {name} analysis failed: {message}", file=sys.stderr)
    if report.gate is None:
        return EXIT_OK
    print(report.gate.summary(), file=sys.stderr if args.quiet or args.json == "-"
          else sys.stdout)
    return EXIT_OK if report.gate.passed else EXIT_GATE_FAILED
