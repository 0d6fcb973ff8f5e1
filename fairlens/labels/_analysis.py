"""The one-call analysis: label issues, per-group rates and label-aware fairness in one document."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from fairlens.auditing import DEFAULT_MIN_GROUP_SIZE, CIMethod
from fairlens.data import AuditSpec, FairLensInputError, read_table
from fairlens.data._spec import ScoreKind
from fairlens.labels._fairness import LabelFairness, label_aware_fairness
from fairlens.labels._issues import SCHEMA, LabelIssues, Source, label_issues_spec


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

    issues: LabelIssues
    fairness: LabelFairness | None
    warnings: list[str] = field(default_factory=list)

    def to_dict(self, *, max_issues: int | None = None) -> dict[str, Any]:
        """The JSON document, schema ``fairlens.labels/1`` (see the README).

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
    source: Source = "auto",
    corrections: dict[int, Any] | None = None,
    reference: Any = None,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
    bootstrap: int = 1000,
    ci: CIMethod = "bootstrap",
    seed: int = 0,
    level: float = 0.95,
    **options: Any,
) -> LabelAnalysis:
    """:func:`analyze_labels` with the column roles given as an :class:`~fairlens.AuditSpec`."""
    issues = label_issues_spec(frame, spec, source=source, reference=reference,
                               min_group_size=min_group_size, level=level, seed=seed, **options)
    warnings: list[str] = []
    fairness = None
    try:
        fairness = label_aware_fairness(frame, issues, spec=spec, corrections=corrections,
                                        reference=reference, min_group_size=min_group_size,
                                        bootstrap=bootstrap, ci=ci, seed=seed, level=level)
    except FairLensInputError as exc:
        warnings.append(str(exc))
    else:
        audit_warnings = fairness.audits["before"].warnings
        warnings.extend([*fairness.warnings, *audit_warnings])
    return LabelAnalysis(issues, fairness, list(dict.fromkeys(warnings)))


def analyze_labels(
    data: pd.DataFrame | str | os.PathLike | bytes,
    *,
    label: str,
    sensitive: str | list[str] | None = None,
    proba_prefix: str | None = None,
    score: str | list[str] | None = None,
    pred: str | list[str] | None = None,
    features: list[str] | None = None,
    positive_label: Any = None,
    score_kind: ScoreKind = "probability",
    threshold: float = 0.5,
    **options: Any,
) -> LabelAnalysis:
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
        Options of :func:`analyze_labels_spec` and :func:`fairlens.labels.label_issues_spec`:
        ``source``, detector options (``filter_by``, ``rank_by`` ...), cross-validation
        options (``model``, ``n_splits``, ``progress``), audit settings (``reference``,
        ``min_group_size``, ``bootstrap``, ``ci``, ``seed``, ``level``) and ``corrections``.

    Returns
    -------
    LabelAnalysis
        ``.to_dict()`` is the ``fairlens.labels/1`` JSON document.
    """
    frame = data if isinstance(data, pd.DataFrame) else read_table(data)
    spec = AuditSpec(label=label, sensitive=sensitive or [], score=score, pred=pred,
                     proba_prefix=proba_prefix, features=features or [],
                     positive_label=positive_label, score_kind=score_kind, threshold=threshold)
    return analyze_labels_spec(frame, spec, **options)
