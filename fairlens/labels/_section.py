"""The label-errors analysis as a report section (registered in :mod:`fairlens.registry`)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from fairlens.auditing import AuditOptions
from fairlens.data import AuditSpec
from fairlens.labels._analysis import LabelAnalysis, analyze_labels_spec
from fairlens.registry import Analysis, register


@register
class LabelSection(Analysis):
    """Label errors by group and how they bias the audit, with the audit's own options."""

    family = "section"
    name = "labels"
    title = "Label errors"
    needs = ("label",)

    def __init__(self, **detector_options: Any) -> None:
        self.detector_options = detector_options

    def run(self, frame: pd.DataFrame, spec: AuditSpec, *, options: AuditOptions
            ) -> LabelAnalysis:
        """:func:`analyze_labels_spec` with the audit's ``options``."""
        return analyze_labels_spec(frame, spec, options=options, **self.detector_options)
