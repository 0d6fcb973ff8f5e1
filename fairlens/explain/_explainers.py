"""The explainers as registered analyses (family ``"explain"`` of :mod:`fairlens.registry`).

What can be explained depends on what there is: ``"model"`` explains a model (a file, a
fitted estimator or a sample's model); ``"surrogate"`` trains gradient boosting to reproduce
the file's scores and explains that. Pages and the CLI ask
``registry.available("explain", spec, model=...)`` which of them they can offer.

The attribute-flip test and the proxy check are not registered: they are not alternatives to
choose between but the last step of every explanation, and which one runs follows from the
model (the flip test when the attribute is one of its inputs, else the proxy check).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from fairlens.auditing import AuditOptions
from fairlens.data import AuditSpec, FairLensInputError
from fairlens.explain._api import explain_spec
from fairlens.explain._result import Explanation
from fairlens.registry import Analysis, register

MSG_NEEDS_MODEL = "The model explainer needs a model: pass model= (a file or a fitted estimator)."
MSG_SURROGATE_MODEL = ("The surrogate explainer trains its own model; use the model explainer "
                       "to explain the model you have.")


class Explainer(Analysis):
    """Shared base: keeps the keywords of :func:`explain_spec` and runs it with the options.

    Parameters
    ----------
    **explain_options
        ``model``, ``attribute``, ``group_a``, ``group_b``, ``sample_size``, ``features``,
        ``progress``: see :func:`explain_spec`.
    """

    abstract = True
    family = "explain"

    def __init__(self, **explain_options: Any) -> None:
        self.explain_options = explain_options

    def run(self, frame: pd.DataFrame, spec: AuditSpec, *, options: AuditOptions
            ) -> Explanation:
        """:func:`explain_spec` with the audit's ``options``."""
        return explain_spec(frame, spec, options=options, **self.explain_options)


@register
class ModelExplainer(Explainer):
    """SHAP and the flip test or proxy check of a given model."""

    name = "model"
    title = "The model"
    needs = ("model",)

    def run(self, frame: pd.DataFrame, spec: AuditSpec, *, options: AuditOptions
            ) -> Explanation:
        """Explain ``model`` (refuses to run without one)."""
        if self.explain_options.get("model") is None:
            raise FairLensInputError(MSG_NEEDS_MODEL)
        return super().run(frame, spec, options=options)


@register
class SurrogateExplainer(Explainer):
    """SHAP of a gradient-boosting surrogate of the file's scores, with its fidelity."""

    name = "surrogate"
    title = "A surrogate of the scores (no model)"
    needs = ("prediction", "features")

    def run(self, frame: pd.DataFrame, spec: AuditSpec, *, options: AuditOptions
            ) -> Explanation:
        """Train the surrogate and explain it (refuses a model: that is the model explainer)."""
        if self.explain_options.get("model") is not None:
            raise FairLensInputError(MSG_SURROGATE_MODEL)
        return super().run(frame, spec, options=options)
