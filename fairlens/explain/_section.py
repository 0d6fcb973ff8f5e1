"""Explanations as a report section (registered in :mod:`fairlens.registry`)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from fairlens.auditing import AuditOptions
from fairlens.data import AuditSpec
from fairlens.explain._api import Explanation, explain_spec
from fairlens.registry import Analysis, register


@register
class ExplainSection(Analysis):
    """Why the groups' scores differ: SHAP by group, the gap decomposition, the flip test."""

    family = "section"
    name = "explain"
    title = "Explanations"
    needs = ("prediction",)

    def __init__(self, **explain_options: Any) -> None:
        self.explain_options = explain_options

    def run(self, frame: pd.DataFrame, spec: AuditSpec, *, options: AuditOptions
            ) -> Explanation:
        """:func:`explain_spec` seeded by ``options``."""
        return explain_spec(frame, spec, seed=options.seed, **self.explain_options)
