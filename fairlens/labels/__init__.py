"""Label errors: confident learning, per-group label-error rates, label-aware fairness, review.

Are the label errors concentrated in one group, and how much of a measured disparity is label
noise? ::

    from fairlens.labels import analyze_labels

    result = analyze_labels("predictions.csv", label="y", score="p", sensitive=["race", "sex"])
    result.issues.issue_table()       # probably mislabeled rows, most likely first
    result.issues.by_group            # issue rate per group, Wilson CI, BH-corrected tests
    result.fairness.table             # disparities/ES before vs after excluding/relabelling
    result.fairness.sentences         # is the disparity robust to label noise?
    result.to_dict()                  # JSON, schema "fairlens.labels/1"

With a mapping and the audit's options, and a configured detector::

    analyze_labels_spec(frame, spec, options=AuditOptions(min_group_size=50),
                        detector=ConfidentLearning(filter_by="prune_by_class"))

Detection uses cleanlab's confident learning (:func:`cleanlab.filter.find_label_issues`, its
filter methods and label-quality scores) on out-of-sample class probabilities, a binary
score, or K-fold cross-validated probabilities of a scikit-learn model of the features. The
detectors are registered analyses of the ``"labels"`` family of :mod:`fairlens.registry`.
"""

from fairlens.labels._analysis import LabelAnalysis, analyze_labels, analyze_labels_spec
from fairlens.labels._crossval import DEFAULT_MODEL, MODELS, CrossValProba, cross_val_proba
from fairlens.labels._detection import (
    FILTER_CHOICES,
    FILTERS,
    RANK_CHOICES,
    RANKINGS,
    Detection,
    DetectorFailure,
    DetectorInput,
)
from fairlens.labels._detectors import (
    DETECTORS,
    BinaryScore,
    ConfidentLearning,
    CrossValidated,
    Detector,
    detector_table,
    get_detector,
    register_detector,
    run_detectors,
)
from fairlens.labels._fairness import (
    VARIANTS,
    LabelFairness,
    comparison_table,
    corrected_audit,
    fairness_part,
    label_aware_fairness,
    verdict_sentences,
)
from fairlens.labels._issues import (
    SCHEMA,
    SOURCES,
    LabelIssues,
    cross_val_proba_spec,
    detector_from_keywords,
    find_label_issues,
    label_issues,
    label_issues_spec,
)
from fairlens.labels._plots import fairness_comparison_chart, issue_rate_bars, quality_histogram
from fairlens.labels._rates import issue_rates
from fairlens.labels._review import (
    DECISIONS,
    REVIEW_SCHEMA,
    Decision,
    ReviewLog,
    ReviewStore,
    corrected_labels,
    formula_safe,
    review_csv,
    review_queue,
    to_csv_bytes,
)
from fairlens.labels._sample import MAX_ROWS, RowSample, row_sample
from fairlens.labels._sources import available_sources, feature_candidates
from fairlens.labels._validate import check_pred_probs

__all__ = [
    "DECISIONS",
    "DEFAULT_MODEL",
    "DETECTORS",
    "FILTERS",
    "FILTER_CHOICES",
    "MAX_ROWS",
    "MODELS",
    "RANKINGS",
    "RANK_CHOICES",
    "REVIEW_SCHEMA",
    "SCHEMA",
    "SOURCES",
    "VARIANTS",
    "BinaryScore",
    "ConfidentLearning",
    "CrossValProba",
    "CrossValidated",
    "Decision",
    "Detection",
    "Detector",
    "DetectorFailure",
    "DetectorInput",
    "LabelAnalysis",
    "LabelFairness",
    "LabelIssues",
    "ReviewLog",
    "ReviewStore",
    "RowSample",
    "analyze_labels",
    "analyze_labels_spec",
    "available_sources",
    "check_pred_probs",
    "comparison_table",
    "corrected_audit",
    "corrected_labels",
    "cross_val_proba",
    "cross_val_proba_spec",
    "detector_from_keywords",
    "detector_table",
    "fairness_comparison_chart",
    "fairness_part",
    "feature_candidates",
    "find_label_issues",
    "formula_safe",
    "get_detector",
    "issue_rate_bars",
    "issue_rates",
    "label_aware_fairness",
    "label_issues",
    "label_issues_spec",
    "quality_histogram",
    "register_detector",
    "review_csv",
    "review_queue",
    "row_sample",
    "run_detectors",
    "to_csv_bytes",
    "verdict_sentences",
]

from fairlens.labels import _section  # noqa: E402,F401 - registers the report section
