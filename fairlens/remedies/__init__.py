"""Remedies: group thresholds, reweighing, fairlearn reductions, FIS/FEBS loss scaling,
trade-offs and data-collection advice."""

from fairlens.remedies._api import needs_features, remedy_spec, split_of
from fairlens.remedies._common import (
    CONSTRAINTS,
    MEASURE,
    METHODS,
    OBJECTIVES,
    SCHEMA,
    TRADEOFF_SCHEMA,
    RemedyResult,
    Split,
)
from fairlens.remedies._models import reweighing_weights
from fairlens.remedies._plots import learning_curve_figure, tradeoff_figure
from fairlens.remedies._thresholds import GroupThresholdOptimizer
from fairlens.remedies._torch import (
    FairLossClassifier,
    febs_group_weights,
    febs_weights,
    fis_weights,
)
from fairlens.remedies._tradeoff import (
    CURVES_SCHEMA,
    LearningCurves,
    TradeOff,
    compare_remedies,
    learning_curves,
    pareto_mask,
)

__all__ = [
    "CONSTRAINTS",
    "CURVES_SCHEMA",
    "LearningCurves",
    "TradeOff",
    "compare_remedies",
    "learning_curve_figure",
    "learning_curves",
    "pareto_mask",
    "tradeoff_figure",
    "MEASURE",
    "METHODS",
    "OBJECTIVES",
    "SCHEMA",
    "TRADEOFF_SCHEMA",
    "FairLossClassifier",
    "GroupThresholdOptimizer",
    "RemedyResult",
    "Split",
    "febs_group_weights",
    "febs_weights",
    "fis_weights",
    "needs_features",
    "remedy_spec",
    "reweighing_weights",
    "split_of",
]

from fairlens.remedies import _section  # noqa: E402,F401 - registers the report section
