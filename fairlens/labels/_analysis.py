"""The one-call analysis: label issues, per-group rates and label-aware fairness in one document."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pandas as pd

from fairlens import registry
from fairlens.auditing import AuditOptions
from fairlens.data import AuditSpec, FairLensInputError
from fairlens.labels._fairness import LabelFairness, label_aware_fairness
from fairlens.labels._issues import SCHEMA, LabelIssues, column_keywords, label_issues_spec
from fairlens.wording import labels as W


@dataclass
class LabelAnalysis:
    """Label issues with their group rates, and the audit before and after correcting them.

    Attributes
    ----------
    issues : LabelIssues
    fairness : LabelFairness or None
        None when the mapping has no predictions or no sensitive attribute (the reason is in
        :attr:`warnings`).
    warnings : list of str
    """

    SCHEMA: ClassVar[str] = SCHEMA

    issues: LabelIssues
    fairness: LabelFairness | None
    warnings: list[str] = field(default_factory=list)

    def all_warnings(self) -> list[str]:
        """The analysis' warnings, then the detection's, each once."""
        return list(dict.fromkeys([*self.warnings, *self.issues.warnings]))

    def tables(self) -> dict[str, pd.DataFrame]:
        """The flagged rows, per-group rates and (with an audit) the before/after comparison."""
        out = self.issues.tables()
        if self.fairness is not None:
            out.update(self.fairness.tables())
        return out

    def summary_lines(self) -> list[str]:
        """A plain-text summary: issues, per-group rates, the fairness verdict, warnings."""
        lines = self.issues.summary_lines()
        if self.fairness is not None:
            lines += ["", *self.fairness.summary_lines()]
        warnings = self.all_warnings()
        if warnings:
            lines += ["", *W.listed_lines("warnings", warnings)]
        return lines

    def to_dict(self, *, max_issues: int | None = None) -> dict[str, Any]:
        """The JSON document, schema ``fairlens.labels/1`` (see the README); JSON-safe.

        Parameters
        ----------
        max_issues : int, optional
            List only the first issues (all are counted in ``n_issues``).
        """
        part = self.issues.to_dict(max_issues=max_issues)
        doc: dict[str, Any] = {
            "schema": SCHEMA,
            "n_rows": part.pop("n_rows"),
            "n_issues": part.pop("n_issues"),
            "issues": part.pop("issues"),
            "by_group": part.pop("by_group"),
            "fairness_before": None,
            "fairness_after_exclusion": None,
            "fairness_after_relabel": None,
        }
        if self.fairness is not None:
            doc.update(self.fairness.to_dict())
        warnings = list(dict.fromkeys([*self.warnings, *part.pop("warnings")]))
        doc.update(part)
        doc["warnings"] = warnings
        return doc


def analyze_labels_spec(
    frame: pd.DataFrame,
    spec: AuditSpec,
    *,
    options: AuditOptions | None = None,
    detector: str | registry.Analysis | None = None,
    corrections: dict[int, Any] | None = None,
    **keywords: Any,
) -> LabelAnalysis:
    """Find label errors, compare their rate between groups, and re-audit without them.

    Parameters
    ----------
    frame : DataFrame
    spec : AuditSpec
        The column roles; ``score``/``pred``/``proba_prefix`` are also the predictions the
        fairness audit reads.
    options : AuditOptions, optional
        The audit's settings, used for the rate table, the cross-validation seed and every
        audit of :func:`fairlens.labels.label_aware_fairness`.
    detector : Detector or str, optional
        A configured detector (``ConfidentLearning(filter_by="both")``) or a registered name.
    corrections : dict of int to label value, optional
        Reviewed corrections; adds the ``review`` audit.
    **keywords
        Options of :func:`fairlens.labels.label_issues_spec` (``source``,
        ``score_column``, ``features``, ``pred_probs``, ``progress``) and the older keywords:
        detector options (``filter_by``, ``rank_by``, ``model``, ``n_splits`` ...) and fields
        of :class:`~fairlens.AuditOptions` (``reference``, ``min_group_size``, ``bootstrap``,
        ``ci``, ``seed``, ``level``).

    Returns
    -------
    LabelAnalysis
        ``.to_dict()`` is the ``fairlens.labels/1`` JSON document.
    """
    fields = set(AuditOptions.__dataclass_fields__)
    options = AuditOptions.resolve(options, **{k: v for k, v in keywords.items()
                                               if k in fields})
    rest = {k: v for k, v in keywords.items() if k not in fields}
    issues = label_issues_spec(frame, spec, options=options, detector=detector, **rest)
    warnings: list[str] = []
    fairness = None
    try:
        fairness = label_aware_fairness(frame, issues, spec=spec, corrections=corrections,
                                        options=options)
    except FairLensInputError as exc:
        warnings.append(str(exc))
    else:
        warnings.extend([*fairness.warnings, *fairness.audits["before"].warnings])
    return LabelAnalysis(issues, fairness, list(dict.fromkeys(warnings)))


@column_keywords(analyze_labels_spec)
def analyze_labels(data: pd.DataFrame | str | os.PathLike | bytes,
                   **options: Any) -> LabelAnalysis:
    """Find label errors, compare their rate between groups, and re-audit without them.

    Parameters
    ----------
    data : DataFrame, path or bytes
    label, sensitive, proba_prefix, score, pred, features, positive_label, score_kind
        Column roles, as in :func:`fairlens.audit` (see :func:`fairlens.labels.label_issues`).
        ``score``/``pred``/``proba_prefix`` are also the predictions the fairness audit reads.
    threshold : float, default 0.5
        Decision threshold of the audit.
    **options
        Keyword options of :func:`analyze_labels_spec`: ``options``, ``detector``,
        ``corrections``, ``source`` ... and the older keywords (detector options such as
        ``filter_by``, audit settings such as ``min_group_size``).

    Returns
    -------
    LabelAnalysis
        ``.to_dict()`` is the ``fairlens.labels/1`` JSON document.
    """
