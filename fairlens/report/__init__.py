"""Audit reports: a self-contained HTML file, a PDF, JSON and formula-safe CSV; reproducible
configs and a CI fairness gate. ::

    from fairlens.report import ReportConfig, run_config, render_html, render_pdf

    config = ReportConfig(sample="compas", spec={...}, slices=True)
    report = run_config(config)
    Path("audit.html").write_text(render_html(report))
    Path("audit.pdf").write_bytes(render_pdf(report))
    report.to_dict()                 # JSON, schema "fairlens.report/1"
    report.tables()                  # every table as a DataFrame (one CSV each)
    report.slices                    # the analyses' result objects (SliceResult, ...)

The same from the shell: ``fairlens report DATA ... --html OUT --pdf OUT``, or
``fairlens report --config audit.toml``. Gate a CI build with
``fairlens audit ... --fail-on "equalized_odds_difference>0.1"`` (exit code 1 on failure).
"""

from fairlens._csv import FORMULA_PREFIXES, formula_safe, safe_cell, to_csv_bytes
from fairlens.report._build import (
    build_report,
    require_analyses,
    run_config,
    run_config_file,
    sections_of,
)
from fairlens.report._config import (
    CONFIG_SCHEMA,
    ReportConfig,
    content_sha256,
    file_sha256,
    fingerprint,
    load_config,
    load_config_data,
    sample_file_sha256,
)
from fairlens.report._export import csv_files, csv_zip, report_json, write_csv_dir
from fairlens.report._gate import (
    GATE_SCHEMA,
    GateResult,
    GateRule,
    RuleResult,
    evaluate_gate,
    gate_values,
    parse_rule,
    parse_rules,
)
from fairlens.report._html import render_html
from fairlens.report._pdf import render_pdf
from fairlens.report._report import ANALYSES, MAX_LISTED_ISSUES, REPORT_SCHEMA, Report, versions

__all__ = [
    "ANALYSES",
    "CONFIG_SCHEMA",
    "FORMULA_PREFIXES",
    "GATE_SCHEMA",
    "REPORT_SCHEMA",
    "GateResult",
    "GateRule",
    "MAX_LISTED_ISSUES",
    "Report",
    "ReportConfig",
    "RuleResult",
    "build_report",
    "content_sha256",
    "csv_files",
    "csv_zip",
    "evaluate_gate",
    "file_sha256",
    "fingerprint",
    "formula_safe",
    "gate_values",
    "load_config",
    "load_config_data",
    "parse_rule",
    "parse_rules",
    "render_html",
    "render_pdf",
    "report_json",
    "require_analyses",
    "run_config",
    "run_config_file",
    "safe_cell",
    "sample_file_sha256",
    "sections_of",
    "to_csv_bytes",
    "versions",
    "write_csv_dir",
]
