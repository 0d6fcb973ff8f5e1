"""A remedy as a report section (registered in :mod:`fairlens.registry`)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from fairlens.auditing import AuditOptions
from fairlens.data import AuditSpec
from fairlens.registry import Analysis, register
from fairlens.remedies._api import Method, remedy_spec
from fairlens.remedies._result import RemedyResult


@register
class RemedySection(Analysis):
    """One remedy fitted and audited before and after, with the audit's own options."""

    family = "section"
    name = "remedy"
    title = "Remedy"
    needs = ("label", "binary", "prediction")

    def __init__(self, method: Method = "thresholds", **method_options: Any) -> None:
        self.method = method
        self.method_options = method_options

    def run(self, frame: pd.DataFrame, spec: AuditSpec, *, options: AuditOptions
            ) -> RemedyResult:
        """:func:`remedy_spec` for ``method``; its audits use ``options`` as they are (the
        audit's minimum group size, reference group, bootstrap and seed)."""
        return remedy_spec(frame, spec, method=self.method, options=options,
                           **self.method_options)
