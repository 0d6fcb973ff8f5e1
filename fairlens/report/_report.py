"""The :class:`Report`: an audit and the result objects of the analyses run with it."""

from __future__ import annotations

import importlib.metadata
import platform
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from fairlens._json import json_safe
from fairlens.auditing import Audit
from fairlens.report._config import ReportConfig
from fairlens.report._gate import GateResult
from fairlens.report._tables import (
    disparities_frame,
    explain_frames,
    four_fifths_frame,
    groups_frame,
    labels_frames,
    overall_frame,
    remedy_frame,
    slices_frame,
    tests_frame,
)
from fairlens.wording import fmt, plain
from fairlens.wording.report import audited_what, limitation_sentences, summary_sentences

if TYPE_CHECKING:  # the analyses load with the registry, when a report runs them
    from fairlens.drift import Drift
    from fairlens.explain import Explanation
    from fairlens.labels import LabelAnalysis
    from fairlens.remedies import RemedyResult
    from fairlens.slices import SliceResult

REPORT_SCHEMA = "fairlens.report/1"
ANALYSES = ("labels", "slices", "explain", "remedy", "over_time")
"""The analyses a report can hold, in reading order; each is the registered analysis of family
``"section"`` of that name (``fairlens.registry.get("section", name)``)."""
VERSION_PACKAGES = ("fairlens", "numpy", "pandas", "scipy", "scikit-learn", "plotly",
                    "cleanlab", "shap", "torch", "reportlab", "jinja2")
MAX_LISTED_ISSUES = 100
"""Label issues listed in the report's JSON document (all are counted)."""


def versions() -> dict[str, str]:
    """Versions of Python, FairLens and its key dependencies (those installed)."""
    out = {"python": platform.python_version()}
    for name in VERSION_PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out


def analysis_document(name: str, result: Any) -> dict[str, Any]:
    """The JSON document of one analysis' result as the report keeps it (the label analysis
    lists its first :data:`MAX_LISTED_ISSUES` issues)."""
    if name == "labels":
        return result.to_dict(max_issues=MAX_LISTED_ISSUES)
    return result.to_dict()


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
    labels : LabelAnalysis or None
    slices : SliceResult or None
    explain : Explanation or None
    remedy : RemedyResult or None
    over_time : Drift or None
        The analyses' results, None when not run (their JSON documents: :meth:`documents`).
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
    labels: LabelAnalysis | None = None
    slices: SliceResult | None = None
    explain: Explanation | None = None
    remedy: RemedyResult | None = None
    over_time: Drift | None = None
    errors: dict[str, str] = field(default_factory=dict)
    gate: GateResult | None = None
    warnings: list[str] = field(default_factory=list)
    _documents: tuple[tuple[int, ...], dict[str, dict[str, Any]]] | None = field(
        default=None, init=False, repr=False, compare=False)

    SCHEMA = REPORT_SCHEMA

    # --- machine-readable -----------------------------------------------------------------

    def documents(self) -> dict[str, dict[str, Any]]:
        """Analysis name -> JSON document, for the analyses that ran (in reading order).

        Written once per set of results (the renderers ask for them several times)."""
        results = {name: getattr(self, name) for name in ANALYSES}
        key = tuple(id(result) for result in results.values())
        if self._documents is None or self._documents[0] != key:
            self._documents = (key, {name: analysis_document(name, result)
                                     for name, result in results.items() if result is not None})
        return self._documents[1]

    def to_dict(self) -> dict[str, Any]:
        """Everything in one JSON-safe document; each analysis keeps its own schema."""
        documents = self.documents()
        return json_safe({
            "schema": REPORT_SCHEMA, "created": self.created, "command": self.command,
            "config": self.config.to_dict(), "fingerprint": self.fingerprint,
            "versions": self.versions, "summary": self.summary_lines(),
            "limitations": [plain(s) for s in self.limitations()],
            "warnings": list(self.warnings), "audit": self.audit.to_dict(),
            **{name: documents.get(name) for name in ANALYSES}, "errors": dict(self.errors),
            "gate": self.gate.to_dict() if self.gate else None,
        })

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table of the report as a DataFrame (one CSV file each)."""
        documents = self.documents()
        out = {"overall": overall_frame(self.audit), "groups": groups_frame(self.audit),
               "tests_vs_reference": tests_frame(self.audit),
               "disparities": disparities_frame(self.audit)}
        ff = four_fifths_frame(self.audit.to_dict())
        if len(ff):
            out["four_fifths_rule"] = ff
        out["equity"] = self.audit.equity.copy()
        if "labels" in documents:
            out.update(labels_frames(documents["labels"]))
        if "slices" in documents:
            out["slices"] = slices_frame(documents["slices"])
        if "explain" in documents:
            out.update(explain_frames(documents["explain"]))
        if "remedy" in documents:
            out["remedy"] = remedy_frame(documents["remedy"])
        if self.gate:
            out["gate"] = pd.DataFrame([{
                "rule": r.rule.text, "passed": r.passed, "failing": ", ".join(r.failing),
                "values": "; ".join(f"{g} = {fmt(v, 4)}" for g, v in r.values.items())}
                for r in self.gate.results])
        return {k: v for k, v in out.items() if v is not None}

    # --- words (fairlens.wording.report) ----------------------------------------------------

    def what(self) -> str:
        """One sentence: which data, model, decision rule and attributes were audited."""
        return audited_what(self.audit, self.fingerprint.get("name", "the data"))

    def summary(self) -> list[str]:
        """The executive summary: key findings in plain language (with ``**bold**``)."""
        return summary_sentences(self.audit, data_name=self.fingerprint.get("name", "the data"),
                                 documents=self.documents(), gate=self.gate,
                                 errors=self.errors)

    def summary_lines(self) -> list[str]:
        """:meth:`summary` as plain text (the JSON document and the terminal)."""
        return [plain(s) for s in self.summary()]

    def limitations(self) -> list[str]:
        """What the numbers cannot say, for this audit in particular."""
        return limitation_sentences(self.audit, documents=self.documents())
