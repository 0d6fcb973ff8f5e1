"""Pure metric functions on count tables: rates, AUC, calibration, disparities, ES/PSD,
harmony, CIs."""

from fairlens.metrics._disparity import (
    between_groups,
    equalized_odds_difference,
    equalized_odds_ratio,
    to_reference,
)
from fairlens.metrics._equity import equity_scaled, performance_scaled_disparity
from fairlens.metrics._harmony import harmony
from fairlens.metrics._intervals import (
    hanley_mcneil_interval,
    percentile_interval,
    poisson_counts,
    wilson_interval,
)
from fairlens.metrics._rates import BINARY_RATE_METRICS, binary_rates, multiclass_rates
from fairlens.metrics._scores import (
    auc_from_histogram,
    brier,
    expected_calibration_error,
    roc_points,
)
from fairlens.metrics._significance import (
    benjamini_hochberg,
    two_proportion_test,
    welch_test,
)
from fairlens.metrics._small_groups import (
    auc_max_variance_interval,
    balanced_accuracy_interval,
    f1_interval,
    hoeffding_interval,
)

__all__ = [
    "BINARY_RATE_METRICS",
    "auc_from_histogram",
    "auc_max_variance_interval",
    "balanced_accuracy_interval",
    "benjamini_hochberg",
    "between_groups",
    "binary_rates",
    "brier",
    "equalized_odds_difference",
    "equalized_odds_ratio",
    "equity_scaled",
    "expected_calibration_error",
    "f1_interval",
    "hanley_mcneil_interval",
    "harmony",
    "hoeffding_interval",
    "multiclass_rates",
    "poisson_counts",
    "percentile_interval",
    "performance_scaled_disparity",
    "roc_points",
    "to_reference",
    "two_proportion_test",
    "welch_test",
    "wilson_interval",
]
