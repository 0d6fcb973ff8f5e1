"""Remedies: group thresholds, reweighing, fairlearn reductions, FIS/FEBS loss scaling,
trade-offs and data-collection advice.

Every remedy is a class registered in :mod:`fairlens.registry` (family ``"remedy"``);
:data:`METHODS` are the names of those FairLens ships. Pass a name with its parameters as
keywords, or a configured object: ``remedy_spec(frame, spec, method=FisScaling(epochs=20),
options=AuditOptions(min_group_size=50))``.
"""

from fairlens.remedies._api import Method, needs_features, remedy_spec, split_of
from fairlens.remedies._base import Remedy
from fairlens.remedies._common import (
    CONSTRAINTS,
    MEASURE,
    OBJECTIVES,
    SCHEMA,
    TRADEOFF_SCHEMA,
    Split,
)
from fairlens.remedies._crossfit import CrossFit, cross_fit
from fairlens.remedies._curves import CURVES_SCHEMA, LearningCurves, learning_curves
from fairlens.remedies._methods import (
    METHODS,
    FebsScaling,
    FisScaling,
    GroupThresholds,
    LossScaling,
    Reductions,
    Reweighing,
)
from fairlens.remedies._models import LEARNERS, reweighing_weights
from fairlens.remedies._plots import learning_curve_figure, tradeoff_figure
from fairlens.remedies._result import RemedyResult
from fairlens.remedies._thresholds import GroupThresholdOptimizer
from fairlens.remedies._torch import (
    ARCHITECTURES,
    FairLossClassifier,
    febs_group_weights,
    febs_weights,
    fis_weights,
)
from fairlens.remedies._tradeoff import TradeOff, compare_remedies, pareto_mask

__all__ = [
    "ARCHITECTURES",
    "CONSTRAINTS",
    "CURVES_SCHEMA",
    "CrossFit",
    "LEARNERS",
    "MEASURE",
    "METHODS",
    "OBJECTIVES",
    "SCHEMA",
    "TRADEOFF_SCHEMA",
    "FairLossClassifier",
    "FebsScaling",
    "FisScaling",
    "GroupThresholdOptimizer",
    "GroupThresholds",
    "LearningCurves",
    "LossScaling",
    "Method",
    "Reductions",
    "Remedy",
    "RemedyResult",
    "Reweighing",
    "Split",
    "TradeOff",
    "compare_remedies",
    "cross_fit",
    "febs_group_weights",
    "febs_weights",
    "fis_weights",
    "learning_curve_figure",
    "learning_curves",
    "needs_features",
    "pareto_mask",
    "remedy_spec",
    "reweighing_weights",
    "split_of",
    "tradeoff_figure",
]

from fairlens.remedies import _section  # noqa: E402,F401 - registers the report section
