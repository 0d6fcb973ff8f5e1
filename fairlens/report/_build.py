"""Run an audit and the analyses a report asks for, and collect them in a :class:`Report`.

Each asked-for analysis is the registered section of that name
(``fairlens.registry.create("section", name, **params)``), run by the one isolating runner
with the one :class:`~fairlens.auditing.AuditOptions` of the config: a failing section is
recorded in the report's errors and the others go on.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fairlens import registry
from fairlens.auditing import Audit, audit_spec
from fairlens.data import FairLensInputError
from fairlens.report._config import ReportConfig, load_config, load_config_data
from fairlens.report._gate import evaluate_gate, parse_rules
from fairlens.report._report import Report

Progress = Callable[[str], None]
LABEL_ISSUE = "label_issue"
"""The Slices page's error signal "the label-issue flags" (slices of the label section's
flags)."""

FLAGS = {"labels": "--labels", "slices": "--slices", "explain": "--explain",
         "remedy": "--remedy METHOD"}
MSG_MISSING_SECTION = ("{flag} needs the {name} analysis, which this FairLens installation "
                       "does not have ({reason}). Leave out {flag}, or update FairLens.")
MSG_DATA_CHANGED = ("The data differs from the data this config was written for (content "
                    "SHA-256 mismatch): the numbers will not match the original report.")


def section_params(config: ReportConfig, name: str, base: Path | None = None
                   ) -> dict[str, Any]:
    """The keyword arguments of analysis ``name``'s registered section, as ``config`` says
    (the explain section also learns the config's folder, where a model file may be)."""
    params = dict(config.analyses[name])
    if name == "explain" and base is not None:
        params.setdefault("base", str(base))
    if name == "slices" and params.get("error") == LABEL_ISSUE:
        params.pop("error")  # the flags of the label section (see build_report)
    return params


def sections_of(config: ReportConfig, base: Path | None = None,
                objects: dict[str, dict[str, Any]] | None = None
                ) -> dict[str, registry.Analysis]:
    """The configured section of every analysis ``config`` asks for, in reading order.

    Raises
    ------
    FairLensInputError
        When a section is not registered in this installation, or the remedy method is not
        one that FairLens knows.
    """
    out = {}
    for name, params in config.analyses.items():
        try:
            registry.get("section", name)
        except FairLensInputError as exc:
            raise FairLensInputError(MSG_MISSING_SECTION.format(
                flag=FLAGS.get(name, name), name=name, reason=exc)) from exc
        if name == "remedy":
            registry.get("remedy", params["method"])
        out[name] = registry.create("section", name, **section_params(config, name, base),
                                    **(objects or {}).get(name, {}))
    return out


def require_analyses(config: ReportConfig) -> None:
    """Fail early (before any work) when an asked-for analysis is missing, or the remedy
    method is not one FairLens knows."""
    sections_of(config)


def build_report(frame: pd.DataFrame, config: ReportConfig, *, fingerprint: dict[str, Any],
                 command: str | None = None, audit: Audit | None = None,
                 progress: Progress | None = None, base: Path | None = None,
                 objects: dict[str, dict[str, Any]] | None = None) -> Report:
    """Audit ``frame`` as ``config`` says and run the analyses it asks for.

    Parameters
    ----------
    frame : DataFrame
    config : ReportConfig
    fingerprint : dict
        From :func:`fairlens.report.fingerprint`.
    command : str, optional
        The command that reproduces the report (default ``fairlens report --config ...``).
    audit : Audit, optional
        An audit already computed with exactly this config (the app passes its own).
    progress : callable, optional
        Called with a short message before each step.
    base : Path, optional
        The config's folder (where relative model paths are read).
    objects : dict, optional
        Analysis name -> keyword arguments that are not JSON, added to the config's (the
        app passes the model file the user uploaded and trusted as the explain section's
        ``model_object``).

    Raises
    ------
    FairLensInputError
        When the audit itself cannot run, an asked-for analysis is unknown, or a CI rule is
        invalid.
    """
    rules = parse_rules(config.fail_on)
    sections = sections_of(config, base, objects)
    spec, options = config.audit_spec, config.options
    warnings: list[str] = []
    if config.content_sha256 and fingerprint.get("content_sha256") not in (
            None, config.content_sha256):
        warnings.append(MSG_DATA_CHANGED)
    if audit is None:
        if progress:
            progress("auditing")
        audit = audit_spec(frame, spec, options=options)
    jobs = {name: partial(section.run, frame, spec, options=options)
            for name, section in sections.items()}
    results: dict[str, Any] = {}
    if config.analyses.get("slices", {}).get("error") == LABEL_ISSUE:
        jobs["slices"] = partial(_label_issue_slices, frame, spec, options, config, results)

    def keep(name: str, job: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            results[name] = job()
            return results[name]
        return run

    outcome = registry.run_isolated({name: keep(name, job) for name, job in jobs.items()},
                                    progress=progress)
    created = datetime.now(UTC).replace(microsecond=0).isoformat()
    return Report(audit=audit, config=config, fingerprint=fingerprint, created=created,
                  command=command or "fairlens report --config audit.toml",
                  errors=outcome.errors, warnings=warnings,
                  gate=evaluate_gate(audit.to_dict(), rules) if rules else None,
                  **outcome.results)


def _label_issue_slices(frame: pd.DataFrame, spec: Any, options: Any, config: ReportConfig,
                        results: dict[str, Any]) -> Any:
    """The slices of the label-issue flags: those of the report's label section (run first),
    else of a label search with the config's label settings (as the Slices page sliced the
    flags of the Label errors page)."""
    labels = results.get("labels")
    if labels is None:
        labels = registry.create("section", "labels", **(config.params.get("labels") or {})
                                 ).run(frame, spec, options=options)
    errors = np.asarray(labels.issues.mask, dtype=float)
    section = registry.create("section", "slices", **section_params(config, "slices"),
                              errors=errors)
    return section.run(frame, spec, options=options)


def run_config(config: ReportConfig, *, base: Path | None = None, command: str | None = None,
               progress: Progress | None = None) -> Report:
    """Load the data a config names and build its report."""
    require_analyses(config)
    parse_rules(config.fail_on)
    frame, fp = load_config_data(config, base)
    return build_report(frame, config, fingerprint=fp, command=command, progress=progress,
                        base=base)


def run_config_file(path: str | Path, *, progress: Progress | None = None) -> Report:
    """:func:`run_config` for a config file; the report names the file in its command."""
    config, base = load_config(path)
    return run_config(config, base=base, command=f"fairlens report --config {path}",
                      progress=progress)

