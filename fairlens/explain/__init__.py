"""Explanations: safe model loading, surrogates, SHAP and LIME by group, attribute-flip test.

Why does the model treat groups differently, and would a decision change if only the sensitive
attribute changed? ::

    from fairlens.explain import explain_spec, explain_row, load_model

    model = load_model("model.onnx")                  # or .skops; pickle only when trusted
    result = explain_spec(frame, spec, model=model, attribute="sex")
    result.importance                    # mean |SHAP| per feature
    result.importance_by_group["sex"]    # ... per group
    result.gap.contributions             # the gap in mean output, split by feature (exact)
    result.flip or result.proxy          # attribute-flip test, or proxy detection
    explain_row(result, frame, 17)       # one row: SHAP values next to a seeded LIME fit
    result.to_dict()                     # JSON, schema "fairlens.explain/1"
    result.summary_lines()               # the plain-text summary of ``fairlens explain``

The explainers are registered analyses of the ``"explain"`` family: ``"model"``
(:class:`ModelExplainer`) and ``"surrogate"`` (:class:`SurrogateExplainer`); ask
``fairlens.registry.available("explain", spec, model=...)`` which ones apply.

Without a model, a gradient-boosting surrogate is trained to reproduce the file's score and its
fidelity on held-out rows (R^2, decision agreement) travels with every explanation.
"""

from fairlens.explain._api import MIN_PER_GROUP, explain_spec, gap_decomposition, stratified_sample
from fairlens.explain._encoding import FeatureCodec, group_labels
from fairlens.explain._explainers import Explainer, ModelExplainer, SurrogateExplainer
from fairlens.explain._flip import FlipResult, ProxyResult, flip_test, proxy_test
from fairlens.explain._lime import explain_row
from fairlens.explain._models import (
    MAX_MODEL_PARTS,
    MODEL_BUDGET_BYTES,
    MODEL_BUDGET_ENV,
    Model,
    as_model,
    check_model_budget,
    file_sha256,
    from_estimator,
    load_model,
    model_format,
    unpacked_size,
    untrusted_types,
)
from fairlens.explain._plots import dependence_plot, gap_waterfall, importance_bars, row_bars
from fairlens.explain._result import SCHEMA, Explanation, GapDecomposition, RowExplanation
from fairlens.explain._shap import ShapExplainer, make_explainer
from fairlens.explain._surrogate import Fidelity, fit_surrogate

__all__ = [
    "dependence_plot",
    "gap_waterfall",
    "group_labels",
    "importance_bars",
    "row_bars",
    "MAX_MODEL_PARTS",
    "MIN_PER_GROUP",
    "MODEL_BUDGET_BYTES",
    "MODEL_BUDGET_ENV",
    "SCHEMA",
    "Explainer",
    "Explanation",
    "FeatureCodec",
    "Fidelity",
    "FlipResult",
    "GapDecomposition",
    "Model",
    "ModelExplainer",
    "ProxyResult",
    "RowExplanation",
    "ShapExplainer",
    "SurrogateExplainer",
    "as_model",
    "check_model_budget",
    "explain_row",
    "explain_spec",
    "file_sha256",
    "fit_surrogate",
    "flip_test",
    "from_estimator",
    "gap_decomposition",
    "load_model",
    "make_explainer",
    "model_format",
    "proxy_test",
    "stratified_sample",
    "unpacked_size",
    "untrusted_types",
]

from fairlens.explain import _section  # noqa: E402,F401 - registers the report section
