"""Explanations as a report section (registered in :mod:`fairlens.registry`)."""

from __future__ import annotations

from fairlens.explain._explainers import Explainer
from fairlens.registry import register


@register
class ExplainSection(Explainer):
    """Why the groups' scores differ: SHAP by group, the gap decomposition, the flip test.

    Explains ``model=`` when the report is given one, else a surrogate of the scores, with
    the audit's options (see :class:`~fairlens.explain.Explainer`).
    """

    family = "section"
    name = "explain"
    title = "Explanations"
    needs = ("prediction",)
