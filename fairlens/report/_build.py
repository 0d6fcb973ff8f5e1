"""Run an audit and the analyses a report asks for, and collect them in a :class:`Report`."""

from __future__ import annotations

import importlib
import importlib.metadata
import platform
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from fairlens.auditing import Audit, audit_spec
from fairlens.data import AuditSpec, FairLensInputError
from fairlens.report import _content as C
from fairlens.report._config import ReportConfig, load_config, load_config_data
from fairlens.report._gate import GateResult, evaluate_gate, parse_rules

REPORT_SCHEMA = "fairlens.report/1"
ANALYSES = ("labels", "slices", "explain", "remedy")
VERSION_PACKAGES = ("fairlens", "numpy", "pandas", "scipy", "scikit-learn", "plotly",
                    "cleanlab", "shap", "torch", "reportlab", "jinja2")
MAX_LISTED_ISSUES = 100
Progress = Callable[[str], None]

_MODULES = {"explain": "fairlens.explain", "remedy": "fairlens.remedies"}


def versions() -> dict[str, str]:
    """Versions of Python, FairLens and its key dependencies (those installed)."""
    out = {"python": platform.python_version()}
    for name in VERSION_PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out


def analysis_module(name: str) -> Any:
    """The package behind ``--explain`` / ``--remedy``, imported on first use.

    Raises
    ------
    FairLensInputError
        When that package is not part of this FairLens installation.
    """
    module = _MODULES[name]
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        flag = "--explain" if name == "explain" else "--remedy METHOD"
        raise FairLensInputError(
            f"{flag} needs {module}, which this FairLens installation does not have ({exc}). "
            f"Leave out {flag}, or update FairLens.") from exc


def require_analyses(config: ReportConfig) -> None:
    """Fail early (before any work) when an asked-for analysis package is missing, or the
    remedy method is not one it knows."""
    if config.explain:
        analysis_module("explain")
    if config.remedy:
        methods = getattr(analysis_module("remedy"), "METHODS", None)
        if methods and config.remedy not in methods:
            raise FairLensInputError(
                f"Unknown remedy {config.remedy!r}; choose one of {', '.join(methods)}.")


@dataclass
class Report:
    """An audit and the analyses run with it, ready to render.

    Attributes
    ----------
    audit : Audit
    config : ReportConfig
        What reproduces it.
    fingerprint : dict
        Data name, SHA-256 of the file (when known), content digest, rows and columns.
    created : str
        UTC time (ISO 8601).
    command : str
        The command that reproduces the report.
    versions : dict
    labels, slices, explain, remedy : dict or None
        The analyses' JSON documents (schemas ``fairlens.labels/1``, ``fairlens.slices/1``,
        ``fairlens.explain/1``, ``fairlens.remedy/1``), None when not run.
    errors : dict
        Analysis name -> message, for analyses that were asked for but failed.
    gate : GateResult or None
        The CI rules' outcome when the config has rules.
    warnings : list of str
    """

    audit: Audit
    config: ReportConfig
    fingerprint: dict[str, Any]
    created: str
    command: str
    versions: dict[str, str] = field(default_factory=versions)
    labels: dict[str, Any] | None = None
    slices: dict[str, Any] | None = None
    explain: dict[str, Any] | None = None
    remedy: dict[str, Any] | None = None
    errors: dict[str, str] = field(default_factory=dict)
    gate: GateResult | None = None
    warnings: list[str] = field(default_factory=list)

    # --- machine-readable -----------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Everything in one JSON document; each analysis keeps its own schema."""
        return {
            "schema": REPORT_SCHEMA, "created": self.created, "command": self.command,
            "config": self.config.to_dict(), "fingerprint": self.fingerprint,
            "versions": self.versions, "summary": [_plain(s) for s in self.summary()],
            "limitations": [_plain(s) for s in self.limitations()],
            "warnings": list(self.warnings), "audit": self.audit.to_dict(),
            "labels": self.labels, "slices": self.slices, "explain": self.explain,
            "remedy": self.remedy, "errors": dict(self.errors),
            "gate": self.gate.to_dict() if self.gate else None,
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table of the report as a DataFrame (one CSV file each)."""
        doc = self.audit.to_dict()
        out = {"overall": C.overall_frame(self.audit), "groups": C.groups_frame(self.audit),
               "tests_vs_reference": C.tests_frame(self.audit),
               "disparities": C.disparities_frame(self.audit)}
        ff = C.four_fifths_frame(doc)
        if len(ff):
            out["four_fifths_rule"] = ff
        out["equity"] = self.audit.equity.copy()
        if self.labels:
            out.update(C.labels_frames(self.labels))
        if self.slices:
            out["slices"] = C.slices_frame(self.slices)
        if self.explain:
            out.update(C.explain_frames(self.explain))
        if self.remedy:
            out["remedy"] = C.remedy_frame(self.remedy)
        if self.gate:
            out["gate"] = pd.DataFrame([{
                "rule": r.rule.text, "passed": r.passed, "failing": ", ".join(r.failing),
                "values": "; ".join(f"{g} = {C.num(v, 4)}" for g, v in r.values.items())}
                for r in self.gate.results])
        return {k: v for k, v in out.items() if v is not None}

    # --- words ----------------------------------------------------------------------------

    def what(self) -> str:
        """One sentence: which data, model, decision rule and attributes were audited."""
        spec = self.audit.spec
        rule = spec.decision_rule(self.audit.threshold)
        label = f" against the true label {spec.label}" if spec.label else ""
        return (f"FairLens audited **{self.audit.n_rows:,} rows** of "
                f"{self.fingerprint.get('name', 'the data')} ({rule}){label}, by "
                f"{', '.join(spec.sensitive)}"
                + (" and their intersection." if len(spec.sensitive) > 1 else "."))

    def summary(self) -> list[str]:
        """The executive summary: key findings in plain language."""
        audit, doc = self.audit, self.audit.to_dict()
        out = [self.what()]
        overall = audit.overall
        shown = [m for m in ("accuracy", "auc", "selection_rate", "dice", "iou")
                 if m in overall and not C.missing(overall[m])]
        if shown:
            ci = audit.primary.overall_ci
            parts = [f"{C.label(m)} {C.ci(overall[m], *ci.get(m, (None, None)), digits=2)}"
                     for m in shown]
            out.append("Overall: " + "; ".join(parts) + ".")
        singles = [g for g in doc["disparities"] if " x " not in g]
        for g in singles:
            sentence = C.headline(doc, audit.by_group, g)
            if sentence:
                out.append(sentence)
        inter = [g for g in doc["disparities"] if " x " in g]
        for g in inter:
            disp = doc["disparities"][g]
            candidates = ["equalized_odds_difference", "demographic_parity_difference",
                          *(k for k in disp if k.endswith("_difference"))]
            key = next((k for k in candidates if not C.missing(disp.get(k))), None)
            rows = audit.by_group[audit.by_group["grouping"] == g]
            if key:
                out.append(f"Across the {len(rows)} intersectional groups of **{g}** "
                           f"({int(rows['small'].sum())} too small to compare), the "
                           f"{C.label(key)[0].lower() + C.label(key)[1:]} is "
                           f"**{C.num(disp[key], 2)}**.")
        eq = audit.equity
        if len(eq):
            first = eq["metric"].iloc[0]
            part = eq[(eq["metric"] == first) & ~eq["grouping"].astype(str).str.contains(
                " x ", regex=False)]
            if len(part):
                values = ", ".join(f"{g} **{C.num(v, 2)}**" for g, v in zip(
                    part["grouping"], part["es"], strict=True))
                out.append(
                    f"Equity-scaled {C.label(first)} (ES-{C.label(first)}, lower when groups "
                    f"differ): {values}, against an overall {C.label(first)} of "
                    f"{C.num(part['overall'].iloc[0], 2)}.")
        if self.labels:
            verdict = self.labels.get("fairness_verdict") or []
            n_issues, n_rows = self.labels.get("n_issues"), self.labels.get("n_rows")
            if n_issues is not None and n_rows:
                out.append(f"Label errors: **{int(n_issues):,}** of {int(n_rows):,} labels "
                           f"({100 * n_issues / n_rows:.1f}%) look wrong to confident "
                           "learning.")
            if verdict:
                out.append(str(verdict[-1]))
        if self.slices:
            slices = self.slices.get("slices") or []
            if slices:
                out.append(f"Where the model errs most: {slices[0].get('description', '')}.")
        if self.explain:
            gap = self.explain.get("gap") or {}
            contributions = gap.get("contributions") or {}
            if contributions:
                top = max(contributions, key=lambda f: abs(contributions[f] or 0))
                out.append(
                    f"Explanation: of the score gap between {gap.get('group_a')} and "
                    f"{gap.get('group_b')} ({C.num(gap.get('gap'), 3)}), the feature "
                    f"**{top}** accounts for the largest part "
                    f"({C.num(contributions[top], 3)}).")
        if self.remedy and self.remedy.get("sentence"):
            out.append(f"Remedy ({self.remedy.get('method', '')}): {self.remedy['sentence']}")
        if self.gate:
            out.append("CI gate: " + ("**all rules pass**." if self.gate.passed else
                                      "**failed**: " + "; ".join(
                                          r.rule.text for r in self.gate.failed) + "."))
        for name, message in self.errors.items():
            out.append(f"The {name} analysis could not run: {message}")
        return out

    def limitations(self) -> list[str]:
        """What the numbers cannot say, for this audit in particular."""
        audit = self.audit
        out = []
        small = audit.by_group[audit.by_group["small"].astype(bool)]
        if len(small):
            listed = ", ".join(f"{g} (n = {n})" for g, n in zip(
                small["group"][:8], small["n"][:8], strict=True))
            more = f" and {len(small) - 8} more" if len(small) > 8 else ""
            out.append(
                f"Small groups: {len(small)} group(s) have fewer than "
                f"{audit.options.min_group_size} rows and are left out of the disparities, the "
                f"four-fifths rule, ES and PSD: {listed}{more}. Their own rates have wide "
                "intervals.")
        out.append(
            "ES and PSD sum or span the gaps of every group, so a few small, noisy groups can "
            "dominate them; read them with the group sizes and intervals, and compare audits "
            "only at the same minimum group size.")
        if audit.options.ci == "bootstrap" and audit.options.bootstrap:
            out.append(f"Intervals are {audit.options.bootstrap:,}-replicate bootstrap "
                       f"percentile intervals (seed {audit.options.seed}) at "
                       f"{audit.options.level:.0%}; significance uses Benjamini-Hochberg "
                       "correction within each grouping.")
        else:
            out.append("Intervals are analytic (Wilson, Hanley-McNeil); disparities, ES and PSD "
                       "have no intervals in this mode.")
        if audit.spec.score:
            out.append(f"Every rate depends on the decision threshold ({audit.threshold:g}); "
                       "another threshold gives other disparities (AUC does not depend on it).")
        out.append("The audit describes this data only: it measures differences in outcomes, "
                   "not their causes, and groups not recorded in the data cannot be audited.")
        if self.labels:
            notes = [str(n) for n in (self.labels.get("notes") or [])]
            out.append("Label errors are suspects found by confident learning from the model's "
                       "own probabilities, not verified mistakes"
                       + (": " + " ".join(notes) if notes else "."))
        if self.explain:
            model = self.explain.get("model") or {}
            fid = model.get("fidelity")
            if model.get("kind") == "surrogate" or fid is not None:
                out.append(
                    f"Explanations describe a {model.get('kind', 'model')} "
                    f"({model.get('source', '')})"
                    + (f" whose fidelity to the audited predictions is "
                       f"{C.fidelity_words(fid)}" if fid is not None else "")
                    + f", on a sample of {self.explain.get('sample_size', '?')} rows; a "
                    "surrogate explains the scores only as far as it reproduces them.")
            out.extend(str(w) for w in (self.explain.get("warnings") or [])[:3])
        if self.remedy:
            split = self.remedy.get("split") or {}
            out.append("The remedy is evaluated on a held-out split of this data "
                       f"({split if isinstance(split, str) else _split_words(split)}); its "
                       "effect on new data can differ.")
            out.extend(str(w) for w in (self.remedy.get("warnings") or [])[:3])
        return out

    def sections(self) -> list[C.Section]:
        """The report's content, in order, for both renderers."""
        from fairlens.report._sections import build_sections

        return build_sections(self)


def _split_words(split: Any) -> str:
    if isinstance(split, dict):
        return ", ".join(f"{k} {v}" for k, v in split.items() if not isinstance(v, (dict, list)))
    return str(split)


def _plain(text: str) -> str:
    return re.sub(r"\*\*(.+?)\*\*", r"\1", text)


def _run(name: str, errors: dict[str, str], progress: Progress | None,
         fn: Callable[[], dict[str, Any]]) -> dict[str, Any] | None:
    """Run one analysis; a failure is recorded and does not stop the others."""
    if progress:
        progress(f"running the {name} analysis")
    try:
        return fn()
    except FairLensInputError as exc:
        errors[name] = str(exc)
    except Exception as exc:  # noqa: BLE001 - one failing analysis must not stop the report
        errors[name] = f"{type(exc).__name__}: {exc}"
    return None


def build_report(frame: pd.DataFrame, config: ReportConfig, *, fingerprint: dict[str, Any],
                 command: str | None = None, audit: Audit | None = None,
                 progress: Progress | None = None) -> Report:
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

    Raises
    ------
    FairLensInputError
        When the audit itself cannot run, or a CI rule is invalid.
    """
    rules = parse_rules(config.fail_on)
    spec = config.audit_spec
    warnings: list[str] = []
    if config.content_sha256 and fingerprint.get("content_sha256") not in (
            None, config.content_sha256):
        warnings.append("The data differs from the data this config was written for (content "
                        "SHA-256 mismatch): the numbers will not match the original report.")
    if audit is None:
        if progress:
            progress("auditing")
        audit = audit_spec(frame, spec, **config.audit_kwargs())
    errors: dict[str, str] = {}
    kwargs = config.audit_kwargs()
    labels = slices = explain = remedy = None
    if config.labels:
        labels = _run("labels", errors, progress, lambda: _labels(frame, spec, kwargs))
    if config.slices:
        slices = _run("slices", errors, progress, lambda: _slices(frame, spec, config.seed))
    if config.explain:
        explain = _run("explain", errors, progress, lambda: analysis_module("explain")
                       .explain_spec(frame, spec, seed=config.seed).to_dict())
    if config.remedy:
        remedy = _run("remedy", errors, progress, lambda: analysis_module("remedy")
                      .remedy_spec(frame, spec, method=config.remedy, seed=config.seed)
                      .to_dict())
    gate = evaluate_gate(audit.to_dict(), rules) if rules else None
    created = datetime.now(UTC).replace(microsecond=0).isoformat()
    return Report(audit=audit, config=config, fingerprint=fingerprint, created=created,
                  command=command or "fairlens report --config audit.toml", labels=labels,
                  slices=slices, explain=explain, remedy=remedy, errors=errors, gate=gate,
                  warnings=warnings)


def _labels(frame: pd.DataFrame, spec: AuditSpec, kwargs: dict[str, Any]) -> dict[str, Any]:
    from fairlens.labels import analyze_labels_spec

    return analyze_labels_spec(frame, spec, **kwargs).to_dict(max_issues=MAX_LISTED_ISSUES)


def _slices(frame: pd.DataFrame, spec: AuditSpec, seed: int) -> dict[str, Any]:
    import json

    from fairlens.slices import find_slices

    if spec.task != "binary":
        raise FairLensInputError("Slice search needs binary predictions (a score or a "
                                 "predicted-label column).")
    if not spec.features:
        raise FairLensInputError("Slice search needs feature columns; map them (--feature COL) "
                                 "or leave out --slices.")
    result = find_slices(frame, features=list(spec.features), label=spec.label,
                         score=spec.score[0] if spec.score else None,
                         pred=spec.pred[0] if spec.pred and not spec.score else None,
                         threshold=float(spec.threshold), sensitive=list(spec.sensitive),
                         seed=seed)
    return json.loads(result.to_json())


def run_config(config: ReportConfig, *, base: Path | None = None, command: str | None = None,
               progress: Progress | None = None) -> Report:
    """Load the data a config names and build its report."""
    require_analyses(config)
    parse_rules(config.fail_on)
    frame, fp = load_config_data(config, base)
    return build_report(frame, config, fingerprint=fp, command=command, progress=progress)


def run_config_file(path: str | Path, *, progress: Progress | None = None) -> Report:
    """:func:`run_config` for a config file; the report names the file in its command."""
    config, base = load_config(path)
    return run_config(config, base=base, command=f"fairlens report --config {path}",
                      progress=progress)
